#!/usr/bin/env bash
# The key ceremony: roles, preflight, the seed (new or existing), the T-of-N split with each
# custodian typing their own passphrase, printed sheets read back, a first drill, the
# fingerprint for the paper log, and the working files wiped. Every step goes into the transcript.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
    cat <<'USAGE'
Usage: key-ceremony.sh --out DIR [-t T] [-n N] [--print] [--printer NAME]
                       [--binary-sha256 HEX] [--transcript FILE] [--answers FILE]

Walks the operator through the key ceremony on the air-gapped laptop:
  1. roles: operator, witnesses, one custodian label per share
  2. preflight.sh (a FAIL stops the ceremony unless the operator overrides it in writing)
  3. the seed: a new mnemonic from coldshard generate, an existing one typed hidden, or
     a seed file written by disaster-recovery.sh --target file (rotation to a new set)
  4. coldshard split: each custodian types their own passphrase, twice, hidden
  5. the sheets (share-<i>-of-<N>.pdf) printed with lp when --print is given
  6. every printed sheet read back: a scan or photo (PNG/JPEG), a text file, or pasted text
  7. a first drill over the read-back sheets (each custodian types their passphrase again)
  8. the fingerprints to write on the paper log
  9. the working files (seed, read-back copies) wiped from RAM
Then the transcript's final hash is shown, to be written on the paper log.

Options:
  --out DIR            new folder for the shares and manifest.json (answers key: out)
  -t, --threshold T    shares needed to rebuild the seed (answers key: threshold)
  -n, --shares N       shares to make (answers key: shares)
  --print              send each sheet to the printer with lp
  --printer NAME       lp destination (default: the system default)
  --rehearsal-kdf      LOW key-derivation cost, for rehearsals and tests only, never real seeds
  --binary-sha256 HEX  published SHA-256 of the coldshard binary, checked by preflight
  --transcript FILE    transcript to append to (default: key-ceremony-<UTC time>.transcript)
  --answers FILE       key=value answers for an unattended run (ceremony-scripts/README.md)
  --help               this text

The binary is $COLDSHARD (default: coldshard on PATH).
Exit codes: 0 ceremony complete; 1 a check failed or a step was not confirmed; 2 bad usage.
USAGE
}

out="" threshold="" count="" print=no printer="" rehearsal=no binary_sha=""
seed_source="" seed_file="" words="" label="" sheet="" mnemonic=""
while [[ $# -gt 0 ]]; do
    cs_common_option "$@"
    if ((CS_SHIFT)); then shift "$CS_SHIFT" && continue; fi
    case $1 in
        --help | -h) usage && exit 0 ;;
        --out) [[ $# -ge 2 ]] || cs_die "--out needs a DIR"; out=$2 && shift 2 ;;
        -t | --threshold) [[ $# -ge 2 ]] || cs_die "$1 needs a number"; threshold=$2 && shift 2 ;;
        -n | --shares) [[ $# -ge 2 ]] || cs_die "$1 needs a number"; count=$2 && shift 2 ;;
        --print) print=yes && shift ;;
        --printer) [[ $# -ge 2 ]] || cs_die "--printer needs a NAME"; printer=$2 print=yes && shift 2 ;;
        --rehearsal-kdf) rehearsal=yes && shift ;;
        --binary-sha256) [[ $# -ge 2 ]] || cs_die "--binary-sha256 needs a HEX value"; binary_sha=$2 && shift 2 ;;
        *) cs_die "unknown option '$1'" "see key-ceremony.sh --help" ;;
    esac
done
cs_start
cs_make_work

cs_heading "1. Roles"
cs_roles
[[ -n $out ]] || cs_ask out out "Folder for the new shares (must not exist yet):"
[[ -n $threshold ]] || cs_ask threshold threshold "Shares needed to rebuild the seed (T):"
[[ -n $count ]] || cs_ask count shares "Shares to make (N):"
if ! [[ $threshold =~ ^[1-9][0-9]*$ && $count =~ ^[1-9][0-9]*$ ]] || ((threshold > count || count > 255)); then
    cs_die "T and N must be numbers with 1 <= T <= N <= 255 (got T=$threshold, N=$count)"
fi
[[ -e $out ]] && cs_die "the folder '$out' already exists" "choose a new folder; existing shares are never overwritten"
labels=()
for ((i = 1; i <= count; i++)); do
    cs_ask_name label "custodian.$i" "Custodian of share $i of $count (name or label):"
    labels+=("$label")
done
cs_log roles "$CS_OPERATOR" INFO "operator $CS_OPERATOR; witnesses: ${CS_WITNESSES:-none}; a $threshold-of-$count set"
for ((i = 1; i <= count; i++)); do
    cs_log "custodian.$i" "${labels[i - 1]}" INFO "custodian of share $i of $count"
done

cs_heading "2. Preflight"
cs_preflight "$binary_sha"

cs_heading "3. The seed"
cs_ask seed_source seed.source "A new seed (generate), an existing one typed hidden (enter), or from a file (file)?" generate
split=(split -t "$threshold" -n "$count" --out "$out")
for label in "${labels[@]}"; do split+=(--label "$label"); done
if [[ $rehearsal == yes ]]; then
    split+=(--kdf-memory 8 --kdf-iterations 1 --kdf-lanes 1)
    cs_log rehearsal-kdf "$CS_OPERATOR" WARN "--rehearsal-kdf: LOW key-derivation cost (8 MiB, 1 pass); these shares are for a rehearsal only"
fi
# How the seed reaches split: a pipe from generate (never a file), the answers file through a
# pipe from bash's printf builtin (never argv), coldshard's own hidden prompt, or a seed file.
seed_pipe=none
case $seed_source in
    generate)
        cs_ask words seed.words "Words (12 or 24):" 24
        [[ $words == 12 || $words == 24 ]] || cs_die "the new seed has 12 or 24 words (got '$words')"
        seed_pipe=generate
        split+=(--in -)
        cs_log seed "$CS_OPERATOR" INFO "a new $words-word BIP39 mnemonic from the operating system's CSPRNG (never shown)"
        ;;
    enter)
        if cs_unattended; then
            cs_ask_secret mnemonic seed.mnemonic "The seed:"
            seed_pipe=answers
            split+=(--in -)
        fi
        # At a terminal, coldshard split asks for the seed itself, hidden.
        cs_log seed "$CS_OPERATOR" INFO "an existing seed, typed hidden"
        ;;
    file)
        # Rotation to a new set: the seed file disaster-recovery.sh --target file wrote.
        cs_ask seed_file seed.file "Path of the seed file (from disaster-recovery.sh --target file):"
        [[ -f $seed_file && -r $seed_file ]] || cs_die "cannot read the seed file '$seed_file'"
        split+=(--in "$seed_file")
        cs_log seed "$CS_OPERATOR" INFO "an existing seed from a file (rotation to a new set)"
        ;;
    *) cs_die "answer 'generate', 'enter' or 'file' (got '$seed_source')" ;;
esac

cs_heading "4. Split into $threshold-of-$count shares"
cs_passphrase_args passphrase "$count" new-passphrases.txt
split+=("${CS_PASS_ARGS[@]}")
if ! cs_unattended; then
    cs_say "Each custodian in turn types their own passphrase, twice, when their share is named."
    cs_say "Everyone else looks away from the keyboard. Nothing typed is shown."
fi
split_status=0
case $seed_pipe in
    generate) "$COLDSHARD" generate --words "$words" --reveal | "$COLDSHARD" "${split[@]}" || split_status=$? ;;
    answers) printf '%s\n' "$mnemonic" | "$COLDSHARD" "${split[@]}" || split_status=$? ;;
    *) "$COLDSHARD" "${split[@]}" || split_status=$? ;;
esac
unset mnemonic
if ((split_status != 0)); then
    cs_log split "$CS_OPERATOR" FAIL "coldshard split failed; no set was made"
    cs_die "coldshard split failed (its message is above)" "" 1
fi
find "$CS_WORK" -maxdepth 1 -type f -name new-passphrases.txt -exec shred -u -z {} + 2>/dev/null || true
set_id=$(cs_set_id "$out/manifest.json")
cs_log split "$CS_OPERATOR" PASS "$threshold-of-$count set $set_id written to $out and read back by coldshard" "$out/manifest.json"

cs_heading "5. Sheets"
sheets=()
for ((i = 1; i <= count; i++)); do sheets+=("$out/share-$i-of-$count.pdf"); done
if [[ $print == yes ]]; then
    lp_args=()
    [[ -n $printer ]] && lp_args+=(-d "$printer")
    for sheet in "${sheets[@]}"; do
        lp "${lp_args[@]}" "$sheet" || cs_die "lp could not print '$sheet'" "check the printer; the sheets are in $out"
    done
    cs_confirm confirm.printed "Have all $count sheets come out of the printer, complete and legible?"
    cs_log print "$CS_OPERATOR" DONE "$count sheets sent to ${printer:-the default printer}"
else
    cs_say "Print the sheets now: $out/share-<i>-of-$count.pdf (one per custodian)."
    cs_confirm confirm.printed "Have all $count sheets been printed, complete and legible?"
    cs_log print "$CS_OPERATOR" DONE "$count sheets printed by the operator"
fi

cs_heading "6. Read every printed sheet back"
readback=()
# The files in $out are what was sent to the printer; the read-back must come from paper.
CS_NOT_UNDER=$out
for ((i = 1; i <= count; i++)); do
    cs_collect_sheet sheet "$i" "${labels[i - 1]}"
    cs_log "readback.$i" "${labels[i - 1]}" PASS "sheet $i read back from paper" "$sheet"
    readback+=("$sheet")
done

cs_heading "7. First drill over the read-back sheets"
report="$out/first-drill-report.json"
drill=(drill --manifest "$out/manifest.json" "${readback[@]}" --report "$report")
cs_passphrase_args passphrase "$count" drill-passphrases.txt
drill+=("${CS_PASS_ARGS[@]}")
if ! cs_unattended; then
    cs_say "Each custodian in turn types their passphrase once more, when their share is named."
fi
if "$COLDSHARD" "${drill[@]}"; then
    cs_log first-drill "$CS_OPERATOR" PASS "every sheet opened with its passphrase and matches the manifest" "$report"
else
    [[ -f $report ]] && cs_log first-drill "$CS_OPERATOR" FAIL "the first drill failed" "$report"
    [[ -f $report ]] || cs_log first-drill "$CS_OPERATOR" FAIL "the first drill failed"
    cs_die "the first drill failed: do not hand out these sheets" \
        "destroy them, find the cause from the verdicts above, and run the ceremony again" 1
fi

cs_heading "8. For the paper log"
summary=$("$COLDSHARD" manifest verify "$out/manifest.json")
head -n 4 <<<"$summary"
manifest_sha=$(sha256sum "$out/manifest.json")
manifest_sha=${manifest_sha%% *}
cs_say "Manifest SHA-256: $manifest_sha"
cs_confirm confirm.fingerprint "Have the set id, the fingerprints and the manifest SHA-256 been written on the paper log?"
cs_log paper-log "$CS_OPERATOR" DONE "set $set_id; manifest SHA-256 $manifest_sha written on paper"

cs_heading "9. Wipe the working files"
cs_wipe
cs_log wipe "$CS_OPERATOR" DONE "working files in RAM overwritten and removed"
cs_say "Hand each custodian their sheet in a sealed, tamper-evident envelope."
cs_finish
