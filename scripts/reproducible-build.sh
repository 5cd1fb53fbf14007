#!/usr/bin/env bash
# Builds the release binary twice from clean and checks that both have the same SHA-256
# (docs/BUILD.md). Each build gets its own temporary folder with its own copy of the sources
# at a different path, its own copy of the vendored crates at a different path, an empty
# CARGO_HOME and an empty target dir; only the toolchain is shared. Exits 1 if they differ.
#
#   scripts/reproducible-build.sh [VENDOR_DIR]
#
# VENDOR_DIR is the output of `cargo vendor --locked --versioned-dirs` (as carried to the
# air-gapped laptop); without it the crates are vendored from the local cargo cache, offline.
# The sources built are the committed HEAD (`git archive`), or the folder itself outside git.
# Two release builds: several minutes each; run it with `nice`. Not part of CI.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [[ $# -ge 1 ]]; then
    vendor_src=$(cd "$1" && pwd)
else
    vendor_src="$work/vendor-src"
    cargo vendor --locked --offline --versioned-dirs --quiet "$vendor_src" >/dev/null
fi

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git archive --format=tar HEAD >"$work/source.tar"
    rev=$(git rev-parse HEAD)
    git diff --quiet HEAD -- || echo "note: uncommitted changes are not built, only HEAD $rev" >&2
    # Commit time, for anything in the build that would otherwise stamp the current time.
    epoch=$(git log -1 --format=%ct)
else
    tar --exclude=./target --exclude=./vendor -cf "$work/source.tar" .
    rev="(no git)"
    epoch=0
fi

# Folder layouts of different shapes and lengths, so that no path can leak into the binary
# unnoticed.
build() { # build NAME CHECKOUT VENDOR CARGO_HOME TARGET
    local name=$1 src=$2 vendor=$3 home=$4 target=$5
    mkdir -p "$src" "$home" "$(dirname "$vendor")"
    tar -xf "$work/source.tar" -C "$src"
    cp -r "$vendor_src" "$vendor"
    # The source replacement `cargo vendor` prints, in this build's own CARGO_HOME, so that
    # the checkout itself is not modified and no other cargo configuration is read from it.
    cat >"$home/config.toml" <<EOF
[source.crates-io]
replace-with = "vendored-sources"

[source.vendored-sources]
directory = "$vendor"
EOF
    local start=$SECONDS
    (
        cd "$src"
        # Absolute paths the compiler would otherwise write into panic messages and symbols,
        # each mapped to a fixed name.
        export RUSTFLAGS="--remap-path-prefix=$src=/coldshard --remap-path-prefix=$vendor=/vendor --remap-path-prefix=$home=/cargo-home --remap-path-prefix=$target=/target"
        export CARGO_HOME=$home CARGO_TARGET_DIR=$target SOURCE_DATE_EPOCH=$epoch
        export CARGO_INCREMENTAL=0 LC_ALL=C TZ=UTC
        unset RUSTC_WRAPPER CARGO_BUILD_RUSTFLAGS CARGO_ENCODED_RUSTFLAGS
        umask 022
        cargo build --release --offline --locked --quiet
    )
    sha256sum "$target/release/coldshard" | cut -d' ' -f1 >"$work/$name.sha256"
    echo "build $name: $(cat "$work/$name.sha256")  ($((SECONDS - start)) s, in $src)"
}

total=$SECONDS
echo "toolchain: $(rustc -V), commit $(rustc -vV | sed -n 's/^commit-hash: //p')"
echo "sources: $rev"
build a "$work/a/coldshard" "$work/a/vendor" "$work/a/cargo" "$work/a/target"
build b "$work/second-build/checkout-of-coldshard" "$work/second-build/deps/vendored-crates" \
    "$work/second-build/home/.cargo" "$work/second-build/out"

if [[ $(cat "$work/a.sha256") == "$(cat "$work/b.sha256")" ]]; then
    mkdir -p target/reproducible
    cp "$work/a/target/release/coldshard" target/reproducible/coldshard
    echo "reproducible: both builds are $(cat "$work/a.sha256") ($((SECONDS - total)) s in all)"
    echo "binary kept as target/reproducible/coldshard"
else
    mkdir -p target/reproducible
    cp "$work/a/target/release/coldshard" target/reproducible/coldshard-a
    cp "$work/second-build/out/release/coldshard" target/reproducible/coldshard-b
    echo "NOT reproducible: the two builds differ (both kept in target/reproducible/)" >&2
    exit 1
fi
