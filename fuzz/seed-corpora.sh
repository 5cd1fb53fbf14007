#!/usr/bin/env bash
# Builds fuzz/corpus/<target>/ from the repository's test vectors (tests/vectors,
# tests/data) and from one small real set made by the coldshard binary (shares, manifest,
# a transcript). Small: a few hundred files, well under 1 MB. Re-running replaces the seeds
# (files named seed-*) and keeps whatever the fuzzer added.
# Usage: fuzz/seed-corpora.sh   (needs python3; builds target/debug/coldshard if missing)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
corpus="$here/corpus"
bin="${COLDSHARD_BIN:-$root/target/debug/coldshard}"
if [ ! -x "$bin" ]; then
    (cd "$root" && cargo build --locked --bin coldshard)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One real 2-of-3 set with labels, a manifest and a transcript (fast KDF, fixed passphrases).
printf 'pw-one\npw-two\npw-three\n' >"$work/pass"
echo "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about" |
    "$bin" split -t 2 -n 3 --out "$work/set" --passphrase-file "$work/pass" \
        --kdf-memory 1 --kdf-iterations 1 --kdf-lanes 1 >/dev/null
"$bin" transcript append "$work/t" --step split --actor "Alice" --result PASS \
    --artifact "$work/set/manifest.json" --note "seed corpus" >/dev/null
"$bin" transcript append "$work/t" --step verify --actor "Bob" --result DONE >/dev/null

python3 - "$root" "$work" "$corpus" <<'PY'
import base64, glob, hashlib, json, os, sys

root, work, corpus = sys.argv[1:4]
count = {}

def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    name = "seed-" + hashlib.sha256(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
    count[target] = count.get(target, 0) + 1

def binary(armor_text):
    """The binary share inside an armor (body lines: number, groups, 2 check characters)."""
    lines = armor_text.split("\n")
    body = ""
    for line in lines[lines.index("") + 1:]:
        if line.startswith("-----END"):
            break
        body += "".join(line.split(" ")[1:-1])
    return base64.b32decode(body + "=" * (-len(body) % 8))

vectors = json.load(open(os.path.join(root, "tests/vectors/format-v1.json")))
armors = [s["armor"] for v in vectors["valid"] for s in v["shares"]]
armors += [t for t in (open(p).read() for p in sorted(glob.glob(work + "/set/*.txt"))) if "BEGIN COLDSHARD" in t]
invalid = [i["armor"] for i in vectors["invalid"]]
for a in armors:
    b = binary(a)
    compact = "COLDSHARD:1:" + base64.b32encode(b).decode().rstrip("=")
    put("armor", a)
    put("armor", compact)
    put("share_binary", b)
    put("qr_payload", compact)
    put("qr_payload", compact + "\n")
    # qr_payload also reads its input as a binary share wrapped in the compact form.
    put("qr_payload", b)
    put("report", "share-%d.txt\x01" % len(count) + a)
for a in invalid:
    put("armor", a)
    put("report", a)
    try:
        put("share_binary", binary(a))
    except Exception:
        pass
# Two shares of the vector set in one drill.
first = vectors["valid"][0]["shares"]
put("report", "a.txt\x01" + first[0]["armor"] + "\x00b.txt\x01" + first[1]["armor"])

bip39 = json.load(open(os.path.join(root, "tests/data/bip39-vectors.json")))
for lang, rows in bip39.items():
    for row in rows[: (None if lang == "english" else 4)]:
        put("seed_input", row[1])
        if lang == "english":
            put("seed_input", row[0])
            put("seed_input", "0x" + row[0].upper() + "\n")
            put("seed_input", row[1].upper().replace(" ", "\n  "))
seedqr = json.load(open(os.path.join(root, "tests/data/seedqr/vectors.json")))
for v in seedqr.get("vectors", []):
    if isinstance(v, dict) and "words" in v:
        put("seed_input", v["words"] if isinstance(v["words"], str) else " ".join(v["words"]))
put("seed_input", bytes(range(256)))
put("seed_input", "caf\u00e9 na\u00efve \uff41bandon")

manifest = open(work + "/set/manifest.json", "rb").read()
put("manifest", manifest)
body = json.loads(manifest)["manifest"]
put("manifest", json.dumps(body))
put("manifest", json.dumps(dict(body, revision=2, previous_manifest_sha256="0" * 64)))

transcript = open(work + "/t", "rb").read()
put("transcript", transcript)
put("transcript", transcript.split(b"\n")[0] + b"\n")
for line in transcript.split(b"\n"):
    if line:
        put("transcript", line)

for t, n in sorted(count.items()):
    print(f"{t}: {n} seeds")
PY
