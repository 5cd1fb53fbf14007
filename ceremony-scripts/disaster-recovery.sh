#!/usr/bin/env bash
# The disaster-recovery restore: T custodians present their sheets and type their passphrases,
# the seed is rebuilt, checked against the manifest's fingerprint, and handed to one target:
# the screen, a SeedQR (on screen or PNG) for an air-gapped signing device, or a 0600 file.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
    cat <<'USAGE'
Usage: disaster-recovery.sh --target screen|seedqr|file [--seedqr-form standard|compact]
                            [--seedqr-png FILE] [--out FILE] [--manifest FILE] [--sheets K]
                            [--binary-sha256 HEX] [--transcript FILE] [--answers FILE]

Walks the operator through restoring the seed:
  1. roles: operator and witnesses
  2. preflight.sh (a FAIL stops the restore unless the operator overrides it in writing)
  3. the set's manifest checked, when there is one (strongly advised)
  4. custodians present T or more sheets: a scan or photo (PNG/JPEG), a text file, or text
  5. coldshard recover: each custodian types their passphrase when their share is named;
     the rebuilt seed's fingerprint must equal the manifest's
  6. the seed handed to ONE target:
       screen  the words on the terminal's alternate screen, cleared once the operator
               confirms they were entered
       seedqr  a SeedQR (SeedSigner specification) for an air-gapped signing device, on the
               alternate screen, or as a PNG file (mode 0600) with --seedqr-png FILE
       file    a new file, mode 0600 (--out FILE)
The transcript records who, when and which shares; never the seed or a passphrase.

Options:
  --target T           screen, seedqr or file (answers key: target)
  --seedqr-form F      standard (words as digits) or compact (entropy bytes); default compact
                       (answers key: seedqr.form)
  --seedqr-png FILE    write the SeedQR to this new PNG instead of the screen (answers: seedqr.png)
  --out FILE           the new file for --target file (answers key: out)
  --manifest FILE      the set's manifest.json (answers key: manifest; 'none' to go without)
  --sheets K           how many sheets are presented (answers key: sheets)
  --binary-sha256 HEX  published SHA-256 of the coldshard binary, checked by preflight
  --transcript FILE    transcript to append to (default: disaster-recovery-<UTC time>.transcript)
  --answers FILE       key=value answers for an unattended run (ceremony-scripts/README.md)
  --help               this text

The binary is $COLDSHARD (default: coldshard on PATH).
Exit codes: 0 the seed was handed over; 1 a check failed or a step was not confirmed;
2 bad usage.
USAGE
}

target="" form="" png="" out="" manifest="" sheets="" binary_sha=""
while [[ $# -gt 0 ]]; do
    cs_common_option "$@"
    if ((CS_SHIFT)); then shift "$CS_SHIFT" && continue; fi
    case $1 in
        --help | -h) usage && exit 0 ;;
        --target) [[ $# -ge 2 ]] || cs_die "--target needs screen, seedqr or file"; target=$2 && shift 2 ;;
        --seedqr-form) [[ $# -ge 2 ]] || cs_die "--seedqr-form needs standard or compact"; form=$2 && shift 2 ;;
        --seedqr-png) [[ $# -ge 2 ]] || cs_die "--seedqr-png needs a FILE"; png=$2 && shift 2 ;;
        --out) [[ $# -ge 2 ]] || cs_die "--out needs a FILE"; out=$2 && shift 2 ;;
        --manifest) [[ $# -ge 2 ]] || cs_die "--manifest needs a FILE"; manifest=$2 && shift 2 ;;
        --sheets) [[ $# -ge 2 ]] || cs_die "--sheets needs a number"; sheets=$2 && shift 2 ;;
        --binary-sha256) [[ $# -ge 2 ]] || cs_die "--binary-sha256 needs a HEX value"; binary_sha=$2 && shift 2 ;;
        *) cs_die "unknown option '$1'" "see disaster-recovery.sh --help" ;;
    esac
done
cs_start

cs_heading "1. Roles and target"
cs_roles
[[ -n $target ]] || cs_ask target target "Hand the seed to: screen, seedqr or file?"
recover_out=() handoff=""
case $target in
    screen) handoff="shown on the alternate screen, cleared after confirmation" ;;
    seedqr)
        [[ -n $form ]] || cs_ask form seedqr.form "SeedQR form: standard or compact?" compact
        [[ $form == standard || $form == compact ]] || cs_die "the SeedQR form is standard or compact (got '$form')"
        if [[ -z $png ]] && cs_unattended; then cs_ask png seedqr.png "PNG file for the SeedQR (Enter: the screen):" ""; fi
        if [[ -n $png ]]; then
            recover_out=(--seedqr "$form" --out "$png")
            handoff="SeedQR ($form) written to '$png' (mode 0600)"
        else
            handoff="SeedQR ($form) shown on the alternate screen, cleared after confirmation"
        fi
        ;;
    file)
        [[ -n $out ]] || cs_ask out out "New file for the seed (mode 0600):"
        recover_out=(--out "$out")
        handoff="written to '$out' (mode 0600)"
        ;;
    *) cs_die "the target is screen, seedqr or file (got '$target')" "see disaster-recovery.sh --help" ;;
esac
for f in "$png" "$out"; do
    [[ -n $f && -e $f ]] && cs_die "'$f' already exists" "choose a new file name; coldshard never overwrites"
done
on_screen=no
[[ ${#recover_out[@]} -eq 0 ]] && on_screen=yes
if [[ $on_screen == yes ]] && ! cs_tty_ok; then
    cs_die "the $target target needs a terminal" "run at the laptop's terminal, or choose --target file"
fi
[[ -n $manifest ]] || cs_ask manifest manifest "The set's manifest.json ('none' if it is lost):"
[[ -n $sheets ]] || cs_ask sheets sheets "How many sheets are presented (at least T)?"
if ! [[ $sheets =~ ^[1-9][0-9]*$ ]] || ((sheets > 255)); then
    cs_die "the number of sheets must be 1 to 255 (got '$sheets')"
fi
cs_log roles "$CS_OPERATOR" INFO "operator $CS_OPERATOR; witnesses: ${CS_WITNESSES:-none}; target: $target; $sheets sheets"
cs_make_work

cs_heading "2. Preflight"
cs_preflight "$binary_sha"

cs_heading "3. The manifest"
expected=""
if [[ $manifest == none ]]; then
    cs_check manifest WARN "no manifest: the rebuilt seed cannot be checked against the record"
else
    cs_check_manifest "$manifest"
    summary=$("$COLDSHARD" manifest verify "$manifest")
    [[ $summary =~ fingerprint\ ([0-9A-F]{8}) ]] && expected=${BASH_REMATCH[1]}
fi

cs_heading "4. The sheets"
cs_collect_sheets "$sheets"

cs_heading "5. Restore"
cs_passphrase_args passphrase "$sheets" recover-passphrases.txt
cs_unattended || cs_say "Each custodian types their passphrase when their share is named; the others look away."
recover=(recover "${CS_SHEETS[@]}" "${CS_PASS_ARGS[@]}")
# With the manifest, coldshard refuses sheets it does not record (another set, an old copy)
# before any passphrase, so nothing unexpected is ever shown or written.
[[ $manifest != none ]] && recover+=(--manifest "$manifest")
if [[ $on_screen == yes ]]; then
    [[ $target == seedqr ]] && recover+=(--seedqr "$form")
    recover+=(--reveal)
    cs_say "The seed will be shown on a separate screen. Only the operator looks; press Enter."
    cs_ask _ready confirm.ready "Press Enter when ready:" ""
    # Recorded before: if the ceremony stops on the alternate screen, the transcript still
    # says the seed may have been shown.
    cs_log reveal "$CS_OPERATOR" INFO "the seed is about to be shown on the alternate screen ($target)"
    # The alternate screen keeps the seed out of the scrollback; it is cleared on the way out.
    CS_ALT_SCREEN=yes
    printf '\e[?1049h\e[H\e[2J' >/dev/tty
    status=0
    summary=$("$COLDSHARD" "${recover[@]}" 2>&1 >/dev/tty) || status=$?
    printf '\n%s\n' "$summary" >/dev/tty
    if ((status == 0)); then
        cs_confirm confirm.entered "Has the seed been entered and checked on the device? The screen is then cleared."
    fi
    cs_leave_alt_screen
else
    status=0
    summary=$("$COLDSHARD" "${recover[@]}" "${recover_out[@]}" 2>&1 >/dev/null) || status=$?
    printf '%s\n' "$summary"
fi
if ((status != 0)); then
    cs_log restore "$CS_OPERATOR" FAIL "coldshard recover failed (exit $status)"
    printf '%s\n' "$summary" >&2
    cs_die "the seed could not be rebuilt (see the message above)" "" 1
fi
found=""
[[ $summary =~ Fingerprint:\ ([0-9A-F]{8}) ]] && found=${BASH_REMATCH[1]}
if [[ -n $expected && $found != "$expected" ]]; then
    cs_log restore "$CS_OPERATOR" FAIL "the rebuilt seed's fingerprint $found differs from the manifest's $expected"
    [[ -n $out && -f $out ]] && shred -u -z "$out"
    [[ -n $png && -f $png ]] && shred -u -z "$png"
    cs_die "the rebuilt seed does not match the manifest (fingerprint $found, expected $expected)" \
        "do not use it; run recovery-drill.sh with every sheet to find the wrong one" 1
fi
check="fingerprint $found"
[[ -n $expected ]] && check+=" matches the manifest"
cs_log restore "$CS_OPERATOR" PASS "seed rebuilt from ${#CS_SHEETS[@]} sheets; $check"
cs_log handoff "$CS_OPERATOR" DONE "the seed was $handoff"
cs_wipe
cs_log wipe "$CS_OPERATOR" DONE "working files in RAM overwritten and removed"
cs_finish
if [[ $target == file || ($target == seedqr && -n $png) ]]; then
    cs_say "The seed is in '${out:-$png}'. Load it into the device, then destroy the file (shred -u)."
fi
exit 0
