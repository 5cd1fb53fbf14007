#!/usr/bin/env bash
# The periodic recovery drill: custodians present their sheets one by one and type their
# passphrases; coldshard drill rebuilds the seed in memory, checks it against the manifest and
# writes the report. The seed is never shown. Every step goes into the transcript.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
    cat <<'USAGE'
Usage: recovery-drill.sh --manifest FILE --report FILE [--sheets K]
                         [--binary-sha256 HEX] [--transcript FILE] [--answers FILE]

Walks the operator through a recovery drill:
  1. roles: operator and witnesses
  2. preflight.sh (a FAIL stops the drill unless the operator overrides it in writing)
  3. the set's manifest checked (coldshard manifest verify)
  4. custodians present their sheets one by one: a scan or photo (PNG/JPEG), a text file,
     or pasted text
  5. coldshard drill: each custodian types their passphrase when their share is named; every
     share gets PASS or FAIL, the set PASSes when the rebuilt seed matches the manifest
  6. the report's SHA-256 and the transcript's final hash, for the paper log
The seed is rebuilt in memory only; it is never shown or written.

Options:
  --manifest FILE      the set's manifest.json, latest revision (answers key: manifest)
  --report FILE        new file for the drill report, JSON (answers key: report)
  --sheets K           how many sheets are presented (answers key: sheets; at least T, ideally all)
  --binary-sha256 HEX  published SHA-256 of the coldshard binary, checked by preflight
  --transcript FILE    transcript to append to (default: recovery-drill-<UTC time>.transcript)
  --answers FILE       key=value answers for an unattended run (ceremony-scripts/README.md)
  --help               this text

The binary is $COLDSHARD (default: coldshard on PATH).
Exit codes: 0 the drill PASSed; 1 it FAILed or a step was not confirmed; 2 bad usage.
USAGE
}

manifest="" report="" sheets="" binary_sha=""
result=PASS
while [[ $# -gt 0 ]]; do
    cs_common_option "$@"
    if ((CS_SHIFT)); then shift "$CS_SHIFT" && continue; fi
    case $1 in
        --help | -h) usage && exit 0 ;;
        --manifest) [[ $# -ge 2 ]] || cs_die "--manifest needs a FILE"; manifest=$2 && shift 2 ;;
        --report) [[ $# -ge 2 ]] || cs_die "--report needs a FILE"; report=$2 && shift 2 ;;
        --sheets) [[ $# -ge 2 ]] || cs_die "--sheets needs a number"; sheets=$2 && shift 2 ;;
        --binary-sha256) [[ $# -ge 2 ]] || cs_die "--binary-sha256 needs a HEX value"; binary_sha=$2 && shift 2 ;;
        *) cs_die "unknown option '$1'" "see recovery-drill.sh --help" ;;
    esac
done
cs_start
cs_make_work

cs_heading "1. Roles"
cs_roles
[[ -n $manifest ]] || cs_ask manifest manifest "The set's manifest.json:"
[[ -n $report ]] || cs_ask report report "New file for the drill report:" "drill-$(date -u +%Y%m%d).json"
[[ -e $report ]] && cs_die "the report file '$report' already exists" "choose a new name; reports are never overwritten"
[[ -n $sheets ]] || cs_ask sheets sheets "How many sheets are presented?"
if ! [[ $sheets =~ ^[1-9][0-9]*$ ]] || ((sheets > 255)); then
    cs_die "the number of sheets must be 1 to 255 (got '$sheets')"
fi
cs_log roles "$CS_OPERATOR" INFO "operator $CS_OPERATOR; witnesses: ${CS_WITNESSES:-none}; $sheets sheets to present"

cs_heading "2. Preflight"
cs_preflight "$binary_sha"

cs_heading "3. The manifest"
cs_check_manifest "$manifest"

cs_heading "4. The sheets"
cs_collect_sheets "$sheets"

cs_heading "5. The drill"
cs_passphrase_args passphrase "$sheets" drill-passphrases.txt
cs_unattended || cs_say "Each custodian types their passphrase when their share is named; the others look away."
result=PASS
"$COLDSHARD" drill --manifest "$manifest" "${CS_SHEETS[@]}" "${CS_PASS_ARGS[@]}" --report "$report" || result=FAIL
if [[ -f $report ]]; then
    cs_log drill "$CS_OPERATOR" "$result" "coldshard drill: $result" "$report"
else
    cs_log drill "$CS_OPERATOR" FAIL "coldshard drill stopped before writing a report"
    result=FAIL
fi
cs_wipe
cs_log wipe "$CS_OPERATOR" DONE "working files in RAM overwritten and removed"
cs_finish
if [[ $result != PASS ]]; then
    cs_say "The drill FAILED. docs/CEREMONY.md says what to do for each verdict."
    exit 1
fi
