#!/usr/bin/env bash
# CI fuzz smoke test (docs/SECURITY.md, fuzzing): builds every cargo-fuzz target from the
# committed fuzz/Cargo.lock, then runs each one FUZZ_SECONDS from its seed corpus (made by
# seed-corpora.sh from the test vectors), two at a time, and fails on any crash, timeout or
# out-of-memory. New corpus entries and artifacts go to a temporary folder, not the repo.
# Env: FUZZ_SECONDS (default 30) per target; FUZZ_JOBS (default 2) targets at once;
# FUZZ_BUILD_ARGS (default below) extra `cargo fuzz build` arguments.
set -euo pipefail
cd "$(dirname "$0")"
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
FUZZ_JOBS=${FUZZ_JOBS:-2}
# Debug-assertion build without a sanitizer: it fits the CI budget (ASan tripled the build;
# the 15-minute runs use ASan). See docs/SECURITY.md for the measurements.
read -r -a build_args <<<"${FUZZ_BUILD_ARGS:---dev -s none}"
# cargo-fuzz needs nightly flags (-Z); the stable toolchain allows them with this.
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version 2>/dev/null | grep -q '^cargo-fuzz 0\.13\.2$'; then
    cargo install --locked cargo-fuzz --version 0.13.2
fi
cargo fuzz --version

# cargo-fuzz has no --locked: fetch with it (fails if Cargo.lock is not current), then check
# that the build did not touch the lock either.
cargo fetch --locked
lock_before=$(sha256sum Cargo.lock)
cargo fuzz build "${build_args[@]}"
[[ $(sha256sum Cargo.lock) == "$lock_before" ]] || { echo "fuzz/Cargo.lock changed" >&2; exit 1; }

./seed-corpora.sh

profile=release
for a in "${build_args[@]}"; do [[ $a == --dev || $a == -D ]] && profile=debug; done
bin="target/$(rustc -vV | sed -n 's/^host: //p')/$profile"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run_one() {
    local t=$1
    mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
    local dict=()
    [[ -f dict/$t.dict ]] && dict=(-dict="dict/$t.dict")
    if "$bin/$t" "$work/$t/corpus" "corpus/$t" "${dict[@]}" -artifact_prefix="$work/$t/artifacts/" \
        -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$work/$t/log" 2>&1; then
        printf '%-13s ok  %s runs, %s exec/s\n' "$t" \
            "$(awk '/^stat::number_of_executed_units/ {print $2}' "$work/$t/log")" \
            "$(awk '/^stat::average_exec_per_sec/ {print $2}' "$work/$t/log")"
    else
        printf '%-13s FAILED\n' "$t"
        grep -m 5 -E 'panicked at|ERROR: libFuzzer|ERROR: AddressSanitizer|^SUMMARY' "$work/$t/log" || true
        tail -n 40 "$work/$t/log"
        for f in "$work/$t/artifacts"/*; do
            [[ -e $f ]] || continue
            echo "reproducer $(basename "$f") (base64; decode it and run: fuzz/$bin/$t FILE):"
            base64 -w 76 "$f" | head -n 200
        done
        return 1
    fi
}

targets=(armor share_binary qr_payload seed_input manifest report transcript)
failed=0
running=0
for t in "${targets[@]}"; do
    if ((running >= FUZZ_JOBS)); then
        wait -n || failed=1
        running=$((running - 1))
    fi
    run_one "$t" &
    running=$((running + 1))
done
while ((running > 0)); do
    wait -n || failed=1
    running=$((running - 1))
done
if ((failed)); then
    echo "fuzzing found a failure (see above)" >&2
    exit 1
fi
echo "all ${#targets[@]} fuzz targets ran ${FUZZ_SECONDS} s each without a failure"
