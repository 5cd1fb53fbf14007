//! Process hardening, in safe Rust through `rustix`:
//!
//! - no core dumps and no ptrace by other processes of the same user, so that secrets in
//!   memory cannot end up in a core file ([`harden_process`]);
//! - memory locked, so that secrets cannot be written to swap ([`lock_memory`]);
//! - panics that never print their message, which could hold anything the failing code
//!   formatted, secrets included ([`install_panic_hook`], [`contain_panic`]).

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use rustix::mm::{MlockAllFlags, mlockall};
use rustix::process::{
    DumpableBehavior, Resource, Rlimit, getrlimit, set_dumpable_behavior, setrlimit,
};
use zeroize::Zeroize;

/// Bit of CAP_IPC_LOCK in the capability sets of /proc/self/status (linux/capability.h).
const CAP_IPC_LOCK: u32 = 14;

/// Hardens the process at start: core dumps off (RLIMIT_CORE 0, PR_SET_DUMPABLE 0) and, for a
/// command that holds secrets, memory locked ([`lock_memory`]). Returns the `warning:` and
/// `hint:` lines to print for each step the OS refused; the command goes on regardless.
pub fn harden_process(holds_secrets: bool) -> Vec<String> {
    let mut lines = Vec::new();
    let no_core = Rlimit {
        current: Some(0),
        maximum: Some(0),
    };
    if let Err(e) = setrlimit(Resource::Core, no_core) {
        lines.push(format!(
            "warning: could not turn core dumps off (RLIMIT_CORE): {e}"
        ));
    }
    if let Err(e) = set_dumpable_behavior(DumpableBehavior::NotDumpable) {
        lines.push(format!(
            "warning: could not mark the process non-dumpable: {e}"
        ));
    }
    if holds_secrets && let Err(NotLocked { reason }) = lock_memory() {
        lines.push(format!("warning: {reason}"));
        lines.push(format!("hint: {}", NotLocked::HINT));
    }
    lines
}

/// Why memory could not be locked: printed once, as a warning and a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotLocked {
    /// What stopped it, in one sentence.
    pub reason: String,
}

impl NotLocked {
    /// The hint printed under the warning.
    pub const HINT: &'static str = "keep swap off or encrypted (ceremony-scripts/preflight.sh checks it), \
         or allow locking: run as root, or raise the limit with `ulimit -l unlimited`";
}

/// Locks every page of the process in memory, now and from now on, as each page is first
/// touched (mlockall with MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT), so that no secret (seed,
/// passphrase, key, decrypted share, Argon2 memory, or a copy we did not foresee) can be
/// written to swap.
///
/// This is done only where the OS lets every allocation stay locked: with CAP_IPC_LOCK, or
/// with no RLIMIT_MEMLOCK limit (after raising the soft limit to the hard one). Under a finite
/// limit (8 MiB for users on most systems) MCL_FUTURE would turn the first large allocation
/// (Argon2's 512 MiB) into an allocation failure and an abort, so nothing is locked and the
/// caller warns once instead.
pub fn lock_memory() -> Result<(), NotLocked> {
    let limit = raise_memlock_limit();
    let capable = has_capability(CAP_IPC_LOCK);
    if limit.is_some() && !capable {
        let kib = limit.map_or(0, |bytes| bytes / 1024);
        return Err(NotLocked {
            reason: format!(
                "memory is not locked, so secrets could be written to swap: the locked-memory \
                 limit is {kib} KiB (RLIMIT_MEMLOCK) and Argon2 alone needs more"
            ),
        });
    }
    let all = MlockAllFlags::CURRENT | MlockAllFlags::FUTURE;
    // MCL_ONFAULT (Linux 4.4) locks pages as they are used instead of filling every reserved
    // mapping (thread stacks) at once; older kernels refuse the flag, so retry without it.
    mlockall(all | MlockAllFlags::ONFAULT)
        .or_else(|_| mlockall(all))
        .map_err(|e| NotLocked {
            reason: format!(
                "memory is not locked, so secrets could be written to swap: mlockall failed ({e})"
            ),
        })
}

/// Raises the soft RLIMIT_MEMLOCK to the hard limit; returns the soft limit now in force, in
/// bytes (`None`: unlimited).
fn raise_memlock_limit() -> Option<u64> {
    let limit = getrlimit(Resource::Memlock);
    if limit.current != limit.maximum {
        let raised = Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        if setrlimit(Resource::Memlock, raised).is_ok() {
            return limit.maximum;
        }
    }
    limit.current
}

/// Whether the process holds `capability` in its effective set (read from /proc/self/status;
/// unreadable: no).
fn has_capability(capability: u32) -> bool {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return false;
    };
    capability_in_status(&status, capability)
}

/// Whether the `CapEff:` line of a /proc/PID/status text has the bit of `capability`.
fn capability_in_status(status: &str, capability: u32) -> bool {
    status
        .lines()
        .find_map(|line| line.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .is_some_and(|set| capability < 64 && set & (1u64 << capability) != 0)
}

thread_local! {
    /// Whether this thread is running code under [`contain_panic`].
    static CONTAINED: Cell<bool> = const { Cell::new(false) };
    /// Where the last contained panic of this thread happened.
    static PANIC_AT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Where a panic happened, as "file:line".
fn location(info: &panic::PanicHookInfo<'_>) -> String {
    info.location().map_or_else(
        || "an unknown place".to_string(),
        |l| format!("{}:{}", l.file(), l.line()),
    )
}

/// The binary's panic hook: one plain line naming only where the bug is. Rust's default hook
/// prints the panic message, which could hold whatever the failing code formatted.
pub fn install_panic_hook() {
    panic::set_hook(Box::new(|info| {
        crate::terminal::stderr_line(&format!(
            "error: internal error at {}: this is a bug in coldshard, please report it \
             (docs/SECURITY.md). Its message is not shown, as it could hold secret data.",
            location(info)
        ));
    }));
}

/// Installs, once, a hook that keeps quiet about panics under [`contain_panic`] (recording
/// only where they happened) and hands every other panic to the hook that was there before.
fn install_containing_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CONTAINED.with(Cell::get) {
                PANIC_AT.with(|p| *p.borrow_mut() = Some(location(info)));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, turning a panic into the place it happened, silently; the panic's message is
/// wiped. For code that must not take the program down: a decoder on a hostile image, a
/// worker thread.
pub fn contain_panic<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    install_containing_hook();
    let outer = CONTAINED.with(|flag| flag.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CONTAINED.with(|flag| flag.set(outer));
    result.map_err(|payload| {
        if let Ok(mut text) = payload.downcast::<String>() {
            text.zeroize();
        }
        PANIC_AT
            .with(|p| p.borrow_mut().take())
            .unwrap_or_else(|| "an unknown place".to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_dumps_are_off_after_hardening() {
        assert!(super::harden_process(false).is_empty());
        let limit = rustix::process::getrlimit(rustix::process::Resource::Core);
        assert_eq!(limit.current, Some(0));
        assert_eq!(
            rustix::process::dumpable_behavior().unwrap(),
            rustix::process::DumpableBehavior::NotDumpable
        );
    }

    #[test]
    fn reads_cap_ipc_lock_from_the_effective_set_only() {
        let root = "Name:\tx\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\n";
        assert!(capability_in_status(root, CAP_IPC_LOCK));
        // Everything but bit 14 (0x4000).
        let without = "CapPrm:\t0000000000004000\nCapEff:\t000001ffffffbfff\n";
        assert!(!capability_in_status(without, CAP_IPC_LOCK));
        assert!(!capability_in_status("CapEff:\tzz\n", CAP_IPC_LOCK));
        assert!(!capability_in_status("", CAP_IPC_LOCK));
        assert!(!capability_in_status(root, 64));
    }

    #[test]
    fn a_contained_panic_gives_its_place_and_nested_containment_restores_the_flag() {
        let outer = contain_panic(|| {
            let inner = contain_panic(|| -> u8 { panic!("secret words") });
            assert!(inner.unwrap_err().contains("hardening.rs"));
            // Still contained after the inner call returned.
            assert!(CONTAINED.with(Cell::get));
            7
        });
        assert_eq!(outer, Ok(7));
        assert!(!CONTAINED.with(Cell::get));
    }
}
