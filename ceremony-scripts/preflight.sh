#!/usr/bin/env bash
# Checks the air-gapped laptop before a ceremony; each check prints PASS, WARN or FAIL with a
# plain reason and goes into the transcript. Exit 0 when nothing FAILed, 1 otherwise.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
    cat <<'USAGE'
Usage: preflight.sh [--binary-sha256 HEX] [--transcript FILE] [--answers FILE]

Checks the laptop before a coldshard ceremony, each check PASS, WARN or FAIL with a reason:
  network     no network interface is up except loopback
  route       no default route (IPv4 or IPv6)
  radios      wireless, bluetooth and mobile radios are blocked (rfkill), where present
  swap        swap is off, or on encrypted (dm-crypt) or RAM (zram) devices
  ram-folder  /dev/shm is a RAM file system (tmpfs) for working files
  memlock     coldshard can lock its memory (root, or no locked-memory limit); else WARN
  binary      the coldshard binary's SHA-256 equals the published one (--binary-sha256)
  clock       the time, to compare with a trusted watch (recorded)
  version     the coldshard version (recorded)

Options:
  --binary-sha256 HEX  SHA-256 of the coldshard release, from its release notes
                       (asked at the terminal when not given; answers key: binary_sha256)
  --transcript FILE    transcript to append to (default: preflight-<UTC time>.transcript)
  --answers FILE       key=value answers for an unattended run (ceremony-scripts/README.md)
  --help               this text

The binary is $COLDSHARD (default: coldshard on PATH).
Exit codes: 0 no FAIL; 1 at least one FAIL; 2 bad usage.
USAGE
}

expected_sha=""
while [[ $# -gt 0 ]]; do
    cs_common_option "$@"
    if ((CS_SHIFT)); then shift "$CS_SHIFT" && continue; fi
    case $1 in
        --help | -h) usage && exit 0 ;;
        --binary-sha256)
            [[ $# -ge 2 ]] || cs_die "--binary-sha256 needs a HEX value"
            expected_sha=$2 && shift 2
            ;;
        *) cs_die "unknown option '$1'" "see preflight.sh --help" ;;
    esac
done
cs_start
CS_OPERATOR=${CS_OPERATOR:-operator}

sys="$CS_SYSROOT/sys"
proc="$CS_SYSROOT/proc"

check_network() {
    local up=() dev name flags
    if [[ ! -d $sys/class/net ]]; then
        cs_check preflight.network WARN "cannot list the network interfaces ($sys/class/net is missing)"
        return
    fi
    for dev in "$sys"/class/net/*; do
        [[ -e $dev ]] || continue
        name=$(basename "$dev")
        # Interfaces are folders; the bonding driver adds a plain file (bonding_masters).
        [[ $name == lo || ! -d $dev || ! -r $dev/flags ]] && continue
        flags=$(<"$dev/flags")
        # IFF_UP is bit 0 of the interface flags.
        if (((flags & 1) == 1)); then up+=("$name"); fi
    done
    if ((${#up[@]})); then
        cs_check preflight.network FAIL "interface(s) up: ${up[*]}; unplug the cable or run 'ip link set DEV down'"
    else
        cs_check preflight.network PASS "no network interface is up except loopback"
    fi
}

check_route() {
    local found=() iface dest _gw _flags _ref _use _metric mask rest prefix
    if [[ -r $proc/net/route ]]; then
        while read -r iface dest _gw _flags _ref _use _metric mask rest; do
            [[ $dest == 00000000 && $mask == 00000000 ]] && found+=("IPv4 via $iface")
        done < <(tail -n +2 "$proc/net/route")
    fi
    if [[ -r $proc/net/ipv6_route ]]; then
        while read -r dest prefix rest; do
            iface=${rest##* }
            [[ $dest == 00000000000000000000000000000000 && $prefix == 00 && $iface != lo ]] &&
                found+=("IPv6 via $iface")
        done <"$proc/net/ipv6_route"
    fi
    if ((${#found[@]})); then
        cs_check preflight.route FAIL "a default route exists (${found[*]}); the laptop can reach a network"
    else
        cs_check preflight.route PASS "no default route"
    fi
}

check_radios() {
    local open=() seen=0 dev type soft hard
    for dev in "$sys"/class/rfkill/rfkill*; do
        [[ -e $dev ]] || continue
        type=$(<"$dev/type")
        case $type in wlan | bluetooth | wwan | nfc | uwb | wimax) ;; *) continue ;; esac
        seen=$((seen + 1))
        soft=$(<"$dev/soft") hard=$(<"$dev/hard")
        if [[ $soft == 0 && $hard == 0 ]]; then open+=("$type ($(<"$dev/name"))"); fi
    done
    if ((${#open[@]})); then
        cs_check preflight.radios FAIL "radio(s) not blocked: ${open[*]}; run 'rfkill block all' or use the hardware switch"
    elif ((seen)); then
        cs_check preflight.radios PASS "all $seen radio(s) blocked"
    else
        cs_check preflight.radios PASS "no wireless, bluetooth or mobile radio found"
    fi
}

# Whether a swap device is encrypted (dm-crypt) or in RAM (zram).
swap_is_safe() {
    local dev=$1 dm name
    [[ $dev == /dev/zram* ]] && return 0
    case $dev in
        /dev/dm-*) dm=$(basename "$dev") ;;
        /dev/mapper/*)
            name=$(basename "$dev") dm=""
            for d in "$sys"/block/dm-*; do
                [[ -r $d/dm/name && $(<"$d/dm/name") == "$name" ]] && dm=$(basename "$d")
            done
            ;;
        *) return 1 ;;
    esac
    [[ -n $dm && -r $sys/block/$dm/dm/uuid && $(<"$sys/block/$dm/dm/uuid") == CRYPT-* ]]
}

check_swap() {
    local unsafe=() safe=0 dev _rest
    if [[ ! -r $proc/swaps ]]; then
        cs_check preflight.swap WARN "cannot read $proc/swaps"
        return
    fi
    while read -r dev _rest; do
        if swap_is_safe "$dev"; then safe=$((safe + 1)); else unsafe+=("$dev"); fi
    done < <(tail -n +2 "$proc/swaps")
    if ((${#unsafe[@]})); then
        cs_check preflight.swap FAIL "swap on an unencrypted device: ${unsafe[*]}; run 'swapoff -a'"
    elif ((safe)); then
        cs_check preflight.swap PASS "swap only on encrypted or RAM devices"
    else
        cs_check preflight.swap PASS "swap is off"
    fi
}

check_ram_folder() {
    if [[ -d /dev/shm && -w /dev/shm && $(stat -f -c %T /dev/shm 2>/dev/null) == tmpfs ]]; then
        cs_check preflight.ram-folder PASS "/dev/shm is a RAM file system (tmpfs) for working files"
    else
        cs_check preflight.ram-folder FAIL "/dev/shm is not a writable tmpfs: working files would reach a disk"
    fi
}

# Whether coldshard will be able to lock its memory (so that no secret reaches swap): with
# CAP_IPC_LOCK (root) or no locked-memory limit. Read off this process, which coldshard inherits.
check_memlock() {
    local limit cap_eff
    limit=$(ulimit -l)
    cap_eff=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status 2>/dev/null)
    if [[ $limit == unlimited ]]; then
        cs_check preflight.memlock PASS "no locked-memory limit: coldshard locks its memory"
    elif [[ -n $cap_eff ]] && (((16#$cap_eff >> 14) & 1)); then
        cs_check preflight.memlock PASS "CAP_IPC_LOCK held: coldshard locks its memory"
    else
        cs_check preflight.memlock WARN "locked memory is limited to $limit KiB: coldshard cannot lock its memory, so swap must stay off (run as root, or 'ulimit -l unlimited')"
    fi
}

check_sysroot() {
    if [[ -n $CS_SYSROOT ]]; then
        cs_check preflight.sysroot WARN "COLDSHARD_SYSROOT is set: the checks read '$CS_SYSROOT', not this laptop (tests only)"
    fi
}

check_binary() {
    local actual
    actual=$(sha256sum "$COLDSHARD")
    actual=${actual%% *}
    if [[ -z $expected_sha ]]; then
        cs_ask expected_sha binary_sha256 "SHA-256 of the coldshard release (from its release notes; Enter to skip):" ""
    fi
    expected_sha=${expected_sha,,}
    if [[ -z $expected_sha ]]; then
        cs_check preflight.binary WARN "$COLDSHARD has SHA-256 $actual; not compared with a published value"
    elif [[ $expected_sha == "$actual" ]]; then
        cs_check preflight.binary PASS "$COLDSHARD has the published SHA-256 $actual"
    else
        cs_check preflight.binary FAIL "$COLDSHARD has SHA-256 $actual, not the published $expected_sha: do not use it"
    fi
}

cs_heading "Preflight: is this laptop fit for a ceremony?"
check_sysroot
check_network
check_route
check_radios
check_swap
check_ram_folder
check_memlock
check_binary
cs_check preflight.clock INFO "the clock says $(date -u +%Y-%m-%dT%H:%M:%SZ); compare it with a trusted watch"
cs_check preflight.version INFO "$("$COLDSHARD" --version)"

if ((CS_FAILS)); then
    cs_say "Preflight: $CS_FAILS FAIL, $CS_WARNS WARN. Fix every FAIL before handling a real seed."
    exit 1
fi
cs_say "Preflight: no FAIL ($CS_WARNS WARN)."
