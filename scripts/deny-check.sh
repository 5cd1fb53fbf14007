#!/usr/bin/env bash
# Checks the dependency tree against deny.toml with cargo-deny, offline, using the RustSec
# advisory database snapshot (the machines cannot fetch it). CI runs this; so can anyone.
#
# The snapshot is looked for in $COLDSHARD_ADVISORY_DB, then ../shared/advisory-db (beside
# the checkout), then /work/shared/advisory-db; without one the check fails, it is never
# skipped. cargo-deny only reads a database from a git repository named after the hash of
# its URL, so the snapshot is copied into a temporary repository whose commit carries the
# snapshot's own date: deny.toml's maximum-db-staleness then measures the snapshot's real age.
set -euo pipefail
cd "$(dirname "$0")/.."

snapshot=""
for candidate in "${COLDSHARD_ADVISORY_DB:-}" ../shared/advisory-db /work/shared/advisory-db; do
    if [[ -n $candidate && -f $candidate/SNAPSHOT.md && -d $candidate/crates ]]; then
        snapshot=$(cd "$candidate" && pwd)
        break
    fi
done
if [[ -z $snapshot ]]; then
    echo "deny-check: no RustSec advisory snapshot found (tried \$COLDSHARD_ADVISORY_DB," \
        "../shared/advisory-db, /work/shared/advisory-db); set COLDSHARD_ADVISORY_DB to a copy" \
        "of rustsec/advisory-db" >&2
    exit 1
fi

# SNAPSHOT.md names the upstream commit and its date: "commit <40 hex> (<YYYY-MM-DD>)",
# possibly across a line break.
line=$(tr -s ' \n' '  ' <"$snapshot/SNAPSHOT.md" | grep -Eo 'commit [0-9a-f]{40} \([0-9]{4}-[0-9]{2}-[0-9]{2}\)' | sed -n 1p || true)
if [[ -z $line ]]; then
    echo "deny-check: $snapshot/SNAPSHOT.md does not say 'commit <hash> (<date>)'" >&2
    exit 1
fi
commit=${line:7:40}
date=${line:49:10}
echo "advisory database: $snapshot (rustsec/advisory-db $commit, $date)"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# The folder name cargo-deny 0.20 derives from the default URL https://github.com/RustSec/advisory-db.
db="$root/advisory-db-3157b0e258782691"
cp -r "$snapshot" "$db"
chmod -R u+w "$db"
stamp="${date}T00:00:00Z"
git -C "$db" init -q
git -C "$db" add -A
GIT_AUTHOR_DATE=$stamp GIT_COMMITTER_DATE=$stamp \
    git -C "$db" -c user.name=deny-check -c user.email=deny-check@localhost -c commit.gpgsign=false \
    commit -qm "rustsec/advisory-db $commit"
# cargo-deny takes the newer of the HEAD commit date and .git/HEAD's mtime as the fetch time.
touch -d "$stamp" "$db/.git/HEAD"

# cargo-deny reads `cargo metadata` for every platform, offline: fetch the sources it needs
# (Windows- and wasm-only crates that a Linux build never downloads).
cargo fetch --locked --quiet

COLDSHARD_DENY_DB_ROOT=$root cargo deny --offline --locked check "$@"
