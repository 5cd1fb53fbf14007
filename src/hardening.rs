//! Process hardening at start-up: no core dumps and no ptrace by other processes of the same
//! user, so that secrets in memory cannot end up in a core file. Safe Rust through `rustix`.

use rustix::process::{DumpableBehavior, Resource, Rlimit, set_dumpable_behavior, setrlimit};

/// Turns core dumps off (RLIMIT_CORE 0, PR_SET_DUMPABLE 0). Returns a warning per step that
/// the OS refused, for the caller to print once.
pub fn harden_process() -> Vec<String> {
    let mut warnings = Vec::new();
    let no_core = Rlimit {
        current: Some(0),
        maximum: Some(0),
    };
    if let Err(e) = setrlimit(Resource::Core, no_core) {
        warnings.push(format!("could not turn core dumps off (RLIMIT_CORE): {e}"));
    }
    if let Err(e) = set_dumpable_behavior(DumpableBehavior::NotDumpable) {
        warnings.push(format!("could not mark the process non-dumpable: {e}"));
    }
    warnings
}

#[cfg(test)]
mod tests {
    #[test]
    fn core_dumps_are_off_after_hardening() {
        assert!(super::harden_process().is_empty());
        let limit = rustix::process::getrlimit(rustix::process::Resource::Core);
        assert_eq!(limit.current, Some(0));
        assert_eq!(
            rustix::process::dumpable_behavior().unwrap(),
            rustix::process::DumpableBehavior::NotDumpable
        );
    }
}
