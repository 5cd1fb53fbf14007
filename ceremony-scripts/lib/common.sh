# shellcheck shell=bash
# shellcheck disable=SC2034 # CS_* variables are read by the scripts that source this file.
# Shared by the ceremony scripts: options, questions (from the terminal or an answers file),
# PASS/WARN/FAIL lines, the transcript, and a working folder in RAM that is wiped at exit.
# Sourced, never run. Every secret goes to coldshard through its own hidden prompts or through
# a 0600 file in the RAM folder: never through argv, the environment or the transcript.

# Every file a script creates (pasted sheets, answers-mode passphrase files) is private.
umask 077

# The coldshard binary: $COLDSHARD, else `coldshard` on PATH.
COLDSHARD=${COLDSHARD:-coldshard}
# Test hook: a folder standing in for / when preflight reads /sys and /proc.
CS_SYSROOT=${COLDSHARD_SYSROOT:-}

CS_SCRIPT=$(basename "$0" .sh)
CS_ANSWERS_FILE=""
CS_TRANSCRIPT=""
CS_WORK=""
CS_FAILS=0
CS_WARNS=0
declare -A CS_ANSWERS=()

if [[ -t 1 ]]; then
    CS_BOLD=$'\e[1m' CS_RED=$'\e[31m' CS_GREEN=$'\e[32m' CS_YELLOW=$'\e[33m' CS_RESET=$'\e[0m'
else
    CS_BOLD="" CS_RED="" CS_GREEN="" CS_YELLOW="" CS_RESET=""
fi

cs_say() { printf '%s\n' "$*"; }
cs_heading() { printf '\n%s== %s ==%s\n' "$CS_BOLD" "$*" "$CS_RESET"; }
cs_die() {
    printf '%serror:%s %s\n' "$CS_RED" "$CS_RESET" "$1" >&2
    [[ -n ${2:-} ]] && printf 'hint: %s\n' "$2" >&2
    exit "${3:-2}"
}

# Options every script takes. Sets CS_SHIFT to the number of words consumed (0 if not ours).
cs_common_option() {
    CS_SHIFT=0
    case $1 in
        --answers)
            [[ $# -ge 2 ]] || cs_die "--answers needs a FILE"
            CS_ANSWERS_FILE=$2 CS_SHIFT=2
            ;;
        --transcript)
            [[ $# -ge 2 ]] || cs_die "--transcript needs a FILE"
            CS_TRANSCRIPT=$2 CS_SHIFT=2
            ;;
    esac
}

# Checks the binary, reads the answers file and opens the transcript. Call once after options.
cs_start() {
    local resolved
    resolved=$(command -v "$COLDSHARD" 2>/dev/null) ||
        cs_die "the coldshard binary '$COLDSHARD' was not found" "put it on PATH or set COLDSHARD=/path/to/coldshard"
    COLDSHARD=$resolved
    [[ -n $CS_ANSWERS_FILE ]] && cs_load_answers "$CS_ANSWERS_FILE"
    if [[ -z $CS_TRANSCRIPT ]]; then
        CS_TRANSCRIPT="$CS_SCRIPT-$(date -u +%Y%m%dT%H%M%SZ).transcript"
    fi
    if [[ -e $CS_TRANSCRIPT ]]; then
        "$COLDSHARD" transcript verify "$CS_TRANSCRIPT" >/dev/null ||
            cs_die "the transcript '$CS_TRANSCRIPT' exists and does not verify; not appending to it" \
                "give a new --transcript FILE, and keep this one as evidence"
    fi
    cs_say "Transcript: $CS_TRANSCRIPT"
}

# key=value lines; '#' comments and blank lines ignored. Values are taken verbatim.
cs_load_answers() {
    local file=$1 line key n=0
    [[ -f $file && -r $file ]] || cs_die "cannot read the answers file '$file'"
    while IFS= read -r line || [[ -n $line ]]; do
        n=$((n + 1))
        line=${line%$'\r'} # an answers file saved with Windows line ends
        [[ -z $line || $line == \#* ]] && continue
        key=${line%%=*}
        [[ $line == *=* && $key =~ ^[a-z0-9][a-z0-9._-]*$ ]] ||
            cs_die "line $n of the answers file '$file' is not key=value"
        CS_ANSWERS[$key]=${line#*=}
    done <"$file"
}

cs_unattended() { [[ -n $CS_ANSWERS_FILE ]]; }

# The terminal for questions: /dev/tty even when stdout is captured.
cs_tty_ok() { [[ -r /dev/tty && -w /dev/tty ]] && : 2>/dev/null </dev/tty; }

# cs_ask VAR KEY QUESTION [DEFAULT]: the answer from the answers file, else from the terminal.
cs_ask() {
    local -n _out=$1
    local key=$2 question=$3 default=${4-}
    if cs_unattended; then
        if [[ -v CS_ANSWERS[$key] ]]; then
            _out=${CS_ANSWERS[$key]}
        elif [[ $# -ge 4 ]]; then
            _out=$default
        else
            cs_die "the answers file has no '$key' ($question)"
        fi
        cs_say "$question ${_out} (from the answers file)"
        return
    fi
    cs_tty_ok || cs_die "no terminal to ask: $question" "run at a terminal, or give --answers FILE"
    local prompt=$question
    [[ -n $default ]] && prompt="$question [$default]"
    read -r -p "$prompt " _out </dev/tty
    [[ -z $_out ]] && _out=$default
    return 0
}

# cs_ask_name VAR KEY QUESTION [MAX]: a name for the transcript: printable, not empty, at most
# MAX (default 200) characters. Asked again at the terminal; a bad answers-file value stops.
cs_ask_name() {
    local -n _name=$1
    local key=$2 question=$3 max=${4:-200} try
    for try in 1 2 3; do
        cs_ask "$1" "$key" "$question"
        if [[ -n $_name && ${#_name} -le $max && $_name != *[[:cntrl:]]* ]]; then
            return 0
        fi
        cs_unattended && break
        cs_say "Please type a name of 1 to $max printable characters (try $try of 3)."
    done
    cs_die "'$key' must be 1 to $max printable characters" "" 2
}

# cs_ask_secret VAR KEY QUESTION: like cs_ask, typing hidden, never echoed or logged.
cs_ask_secret() {
    local -n _secret=$1
    local key=$2 question=$3
    if cs_unattended; then
        [[ -v CS_ANSWERS[$key] ]] || cs_die "the answers file has no '$key' ($question)"
        _secret=${CS_ANSWERS[$key]}
        return
    fi
    cs_tty_ok || cs_die "no terminal to ask: $question" "run at a terminal, or give --answers FILE"
    read -r -s -p "$question " _secret </dev/tty
    printf '\n' >/dev/tty
}

# cs_confirm KEY QUESTION: the operator types "yes" (answers file: KEY=yes) or the script stops.
cs_confirm() {
    local reply
    cs_ask reply "$1" "$2 Type 'yes' to go on:"
    [[ $reply == yes ]] || cs_die "stopped: '$2' was not confirmed" "" 1
}

# cs_log STEP ACTOR RESULT NOTE [ARTIFACT...]: one transcript line (coldshard transcript append).
cs_log() {
    local step=$1 actor=$2 result=$3 note=$4
    shift 4
    local args=(transcript append "$CS_TRANSCRIPT" --step "$step" --actor "$actor" --result "$result" --note "$note")
    local a
    for a in "$@"; do args+=(--artifact "$a"); done
    "$COLDSHARD" "${args[@]}" >/dev/null ||
        cs_die "cannot append to the transcript '$CS_TRANSCRIPT'" "" 2
}

# cs_check STEP RESULT REASON: one PASS/WARN/FAIL line on screen and in the transcript.
cs_check() {
    local step=$1 result=$2 reason=$3 colour
    case $result in
        PASS) colour=$CS_GREEN ;;
        WARN) colour=$CS_YELLOW CS_WARNS=$((CS_WARNS + 1)) ;;
        INFO) colour="" ;;
        *) colour=$CS_RED CS_FAILS=$((CS_FAILS + 1)) ;;
    esac
    printf '%s%-4s%s  %-22s %s\n' "$colour" "$result" "$CS_RESET" "$step" "$reason"
    cs_log "$step" "${CS_OPERATOR:-operator}" "$result" "$reason"
}

# A 0700 working folder in RAM (/dev/shm, which must be tmpfs), wiped when the script exits,
# is interrupted or is terminated (after the command running at that moment returns).
cs_make_work() {
    local base=/dev/shm
    if [[ ! -d $base || ! -w $base || $(stat -f -c %T "$base" 2>/dev/null) != tmpfs ]]; then
        cs_die "/dev/shm is not a writable RAM file system (tmpfs): working files would reach a disk" \
            "boot a live system, or mount one: mount -t tmpfs -o mode=1777 tmpfs /dev/shm"
    fi
    CS_WORK=$(mktemp -d "$base/coldshard-$CS_SCRIPT.XXXXXX")
    trap cs_wipe EXIT
    trap 'exit 130' INT TERM HUP
    cs_say "Working folder in RAM (wiped at the end): $CS_WORK"
}

# Leaves the alternate screen (if a script entered it), clearing it and its scrollback first.
cs_leave_alt_screen() {
    [[ ${CS_ALT_SCREEN:-no} == yes ]] || return 0
    printf '\e[H\e[2J\e[3J\e[?1049l' >/dev/tty
    CS_ALT_SCREEN=no
}

# Overwrites and removes every working file (shred where available; on tmpfs removal frees it).
cs_wipe() {
    cs_leave_alt_screen
    [[ -n $CS_WORK && -d $CS_WORK ]] || return 0
    find "$CS_WORK" -type f -exec shred -u -z {} + 2>/dev/null || true
    rm -rf -- "$CS_WORK"
    CS_WORK=""
}

# cs_secret_file NAME LINE...: a 0600 file in the working folder, one line per argument.
cs_secret_file() {
    local path="$CS_WORK/$1"
    shift
    printf '%s\n' "$@" >"$path"
    printf '%s' "$path"
}

# cs_collect_sheet VAR N WHO: the file of one presented sheet: a scan or photo (PNG/JPEG), a
# text file, or text pasted at the terminal (kept in the RAM folder). Answers: sheet.N=PATH.
cs_collect_sheet() {
    local -n _sheet=$1
    local n=$2 who=$3 path try
    for try in 1 2 3; do
        cs_ask path "sheet.$n" "Sheet $n ($who): path of its scan/photo or text file, or Enter to paste its text:" ""
        if [[ -z $path ]] && cs_unattended; then
            cs_die "the answers file has no 'sheet.$n' (the file of sheet $n)"
        fi
        if [[ -z $path ]]; then
            cs_paste_sheet _sheet "$n"
        elif [[ -n ${CS_NOT_UNDER:-} && $(realpath -m -- "$path") == "$(realpath -m -- "$CS_NOT_UNDER")"/* ]]; then
            cs_say "'$path' is a file coldshard wrote, not the printed sheet: scan or photograph the paper."
            cs_unattended && cs_die "sheet $n must be read back from paper, not from '$CS_NOT_UNDER'"
            continue
        elif [[ ! -f $path || ! -r $path ]]; then
            cs_say "Cannot read '$path'; check the path (a scan must be PNG or JPEG)."
            cs_unattended && cs_die "cannot read the sheet file '$path'"
            continue
        else
            _sheet=$path
        fi
        if "$COLDSHARD" inspect "$_sheet"; then
            return 0
        fi
        cs_unattended && break
        cs_say "Sheet $n could not be read as a share (try $try of 3): scan it again closer and sharper, or type its text lines."
    done
    cs_log "sheet.$n" "$who" FAIL "sheet $n could not be read"
    cs_die "sheet $n ($who) could not be read" "reprint it, or scan it again closer and sharper, or type its text lines" 1
}

# cs_paste_sheet VAR N: share text pasted at the terminal, kept in the RAM folder.
cs_paste_sheet() {
    local -n _pasted=$1
    local n=$2
    _pasted="$CS_WORK/pasted-$n.txt"
    cs_say "Paste the share text (from '-----BEGIN COLDSHARD SHARE-----' to '-----END COLDSHARD SHARE-----'):"
    local line
    : >"$_pasted"
    while IFS= read -r line </dev/tty; do
        printf '%s\n' "$line" >>"$_pasted"
        [[ $line == *'-----END COLDSHARD SHARE-----'* ]] && break
    done
    return 0
}

# The final line: the transcript checks out, and its last hash goes on the paper log.
cs_finish() {
    local summary
    summary=$("$COLDSHARD" transcript verify "$CS_TRANSCRIPT") ||
        cs_die "the transcript '$CS_TRANSCRIPT' does not verify" "keep it as evidence" 1
    cs_heading "Transcript"
    cs_say "$summary"
    cs_say "Write the final hash above on the paper log, signed by the operator and the witnesses."
}

# Roles every ceremony records: the operator and the witnesses.
cs_roles() {
    cs_ask_name CS_OPERATOR operator "Operator's name:"
    export CS_OPERATOR
    cs_ask CS_WITNESSES witnesses "Witnesses' names (comma-separated):"
    if ((${#CS_WITNESSES} > 500)) || [[ $CS_WITNESSES == *[[:cntrl:]]* ]]; then
        cs_die "the witnesses' names must be at most 500 printable characters"
    fi
    [[ -n $CS_WITNESSES ]] || cs_say "${CS_YELLOW}warning:${CS_RESET} no witness named; a ceremony should have at least one."
}

# cs_preflight [BINARY_SHA256]: runs preflight.sh into the same transcript. A FAIL stops the
# ceremony unless the operator overrides it, which the transcript records as a WARN.
cs_preflight() {
    local args=("$(dirname "${BASH_SOURCE[0]}")/../preflight.sh" --transcript "$CS_TRANSCRIPT")
    [[ -n $CS_ANSWERS_FILE ]] && args+=(--answers "$CS_ANSWERS_FILE")
    [[ -n ${1:-} ]] && args+=(--binary-sha256 "$1")
    if ! COLDSHARD=$COLDSHARD "${args[@]}"; then
        cs_say "${CS_RED}Preflight found a FAIL.${CS_RESET} Do not go on with a real seed; fix it and start again."
        cs_confirm preflight.override "Go on anyway (a rehearsal, or the witnesses accept the risk in writing)?"
        cs_log preflight.override "$CS_OPERATOR" WARN "the operator went on despite a preflight FAIL"
    fi
}

# cs_passphrase_args KEY COUNT FILE: unattended, CS_PASS_ARGS=(--passphrase-file F) with the
# answers KEY.1..KEY.COUNT in a 0600 file in RAM; at a terminal, empty: coldshard asks each
# custodian itself, hidden.
cs_passphrase_args() {
    local key=$1 n=$2 name=$3 i pass
    CS_PASS_ARGS=()
    cs_unattended || return 0
    local passes=()
    for ((i = 1; i <= n; i++)); do
        cs_ask_secret pass "$key.$i" "Passphrase $i:"
        passes+=("$pass")
    done
    CS_PASS_ARGS=(--passphrase-file "$(cs_secret_file "$name" "${passes[@]}")")
}

# cs_collect_sheets COUNT: custodians present their sheets one by one. Sets CS_SHEETS and
# CS_HOLDERS; each presentation goes into the transcript with the hash of the file read.
cs_collect_sheets() {
    local n=$1 k holder sheet
    CS_SHEETS=() CS_HOLDERS=()
    for ((k = 1; k <= n; k++)); do
        cs_ask_name holder "custodian.$k" "Custodian presenting sheet $k (name):"
        cs_collect_sheet sheet "$k" "$holder"
        cs_log "present.$k" "$holder" INFO "sheet $k presented and read" "$sheet"
        CS_SHEETS+=("$sheet")
        CS_HOLDERS+=("$holder")
    done
}

# cs_set_id MANIFEST: the set id the (verified) manifest names, e.g. 3C40-B1A5-B996-C539.
cs_set_id() {
    local summary
    if ! summary=$("$COLDSHARD" manifest verify "$1") ||
        ! [[ $summary =~ manifest\ of\ set\ ([0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}) ]]; then
        cs_die "cannot read the set id from the manifest '$1'" "" 1
    fi
    printf '%s' "${BASH_REMATCH[1]}"
}

# cs_check_manifest MANIFEST: shows its summary and records PASS, or records FAIL and stops.
cs_check_manifest() {
    local summary
    if ! summary=$("$COLDSHARD" manifest verify "$1"); then
        cs_log manifest "$CS_OPERATOR" FAIL "the manifest does not verify"
        cs_die "the manifest '$1' does not verify (see above)" \
            "use another copy of the manifest and compare its SHA-256 with the paper log" 1
    fi
    head -n 4 <<<"$summary"
    local set_id
    set_id=$(cs_set_id "$1")
    cs_log manifest "$CS_OPERATOR" PASS "genuine manifest of set $set_id" "$1"
}
