#!/usr/bin/env bash
# Whole-process timings of coldshard beside ssss (Debian `ssss`) and Trezor's reference SLIP-39
# tool (`shamir`, PyPI `shamir-mnemonic[cli]`) on the same 256-bit secret, 3-of-5, with and
# without passphrases; `inspect` of one text share; peak memory of split and recover at the
# default KDF. hyperfine runs each command through sh (to feed stdin) and subtracts the
# shell's own start-up. Prints Markdown tables for docs/PERFORMANCE.md. Needs hyperfine, ssss,
# /usr/bin/time (Debian `time`) and `shamir` on PATH (or $SHAMIR); run on a quiet machine:
#   cargo build --release && bash benches/compare-tools.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
B=${COLDSHARD:-$root/target/release/coldshard}
S=${SHAMIR:-shamir}
runs=${RUNS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

hex=7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f
words="legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title"
printf '%s\n' "$words" >seed.txt
printf '%s\n' "$hex" >secret.hex
printf '%s\n' Otter-1-quince Otter-2-quince Otter-3-quince Otter-4-quince Otter-5-quince >pass5.txt
printf '%s\n' Otter-1-quince Otter-3-quince Otter-5-quince >pass135.txt

# Sets to recover from.
"$B" split -t 3 -n 5 --in seed.txt --out enc --passphrase-file pass5.txt >/dev/null 2>&1
"$B" split -t 3 -n 5 --in seed.txt --out plain --no-passphrase >/dev/null 2>&1
ssss-split -t 3 -n 5 -x -q <secret.hex 2>/dev/null | sed -n '1p;3p;5p' >ssss3.txt
"$S" create 3of5 -S "$hex" | grep -E '^[a-z]+( [a-z]+){19,}$' | sed -n '1p;3p;5p' >slip3.txt
"$S" create 3of5 -S "$hex" -p "Otter-passphrase" | grep -E '^[a-z]+( [a-z]+){19,}$' | sed -n '1p;3p;5p' >slip3p.txt
printf 'Otter-passphrase\nOtter-passphrase\n' >>slip3p.txt

echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "coldshard: $("$B" --version); ssss: $(dpkg-query -W -f='${Version}' ssss 2>/dev/null || echo '?'); shamir-mnemonic: $("$S" --help >/dev/null && python3 -c 'import importlib.metadata as m; print(m.version("shamir-mnemonic"))' 2>/dev/null || echo '?')"
echo

hyperfine --warmup 1 --runs "$runs" --style basic --export-markdown split.md \
    --prepare 'rm -rf s' \
    -n 'coldshard split, passphrases (Argon2id 512 MiB, t=3, p=4)' "$B split -t 3 -n 5 --in seed.txt --out s --passphrase-file pass5.txt" \
    -n 'coldshard split, --no-passphrase' "$B split -t 3 -n 5 --in seed.txt --out s --no-passphrase" \
    -n 'ssss-split (no passphrase)' "ssss-split -t 3 -n 5 -x -q < secret.hex" \
    -n 'shamir create 3of5 (no passphrase)' "$S create 3of5 -S $hex" \
    -n 'shamir create 3of5 -p (passphrase)' "$S create 3of5 -S $hex -p Otter-passphrase" >/dev/null
hyperfine --warmup 1 --runs "$runs" --style basic --export-markdown recover.md \
    -n 'coldshard recover 3 shares, passphrases' "$B recover enc/share-1-of-5.txt enc/share-3-of-5.txt enc/share-5-of-5.txt --passphrase-file pass135.txt --reveal" \
    -n 'coldshard recover 3 shares, no passphrase' "$B recover plain/share-1-of-5.txt plain/share-3-of-5.txt plain/share-5-of-5.txt --reveal" \
    -n 'ssss-combine 3 shares' "ssss-combine -t 3 -x -q < ssss3.txt" \
    -n 'shamir recover 3 shares' "$S recover < slip3.txt" \
    -n 'shamir recover 3 shares -p' "$S recover -p < slip3p.txt" >/dev/null
hyperfine -N --warmup 3 --runs 30 --style basic --export-markdown inspect.md \
    -n 'coldshard inspect (one text share)' "$B inspect enc/share-2-of-5.txt" >/dev/null
cat split.md recover.md inspect.md

echo
echo "| Peak memory (/usr/bin/time -v, maximum resident set size) | KiB |"
echo "|---|---:|"
rm -rf s
kib=$(/usr/bin/time -v "$B" split -t 3 -n 5 --in seed.txt --out s --passphrase-file pass5.txt 2>&1 >/dev/null | awk -F: '/Maximum resident/ {gsub(/ /,"",$2); print $2}')
echo "| coldshard split 3-of-5, defaults | $kib |"
kib=$(/usr/bin/time -v "$B" recover enc/share-1-of-5.txt enc/share-3-of-5.txt enc/share-5-of-5.txt --passphrase-file pass135.txt 2>&1 >/dev/null | awk -F: '/Maximum resident/ {gsub(/ /,"",$2); print $2}')
echo "| coldshard recover 3 shares, defaults | $kib |"
