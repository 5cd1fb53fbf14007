//! Key derivations of several shares at once, within a memory budget (docs/KDF.md, "Memory").
//!
//! Argon2id holds its whole working memory (512 MiB at the defaults) for the whole derivation,
//! so derivations run side by side only as far as memory allows: by default
//!
//! ```text
//! workers = min(cores, (MemAvailable / 2) / KDF memory of one derivation, derivations), >= 1
//! ```
//!
//! where `cores` is what the OS lets the process use and `MemAvailable` is read from
//! /proc/meminfo when the step starts (unreadable: one worker). `--kdf-threads N` replaces
//! that rule by `min(N, derivations)` and warns when N derivations need more memory than is
//! available. Results always come back in item order, whatever order the workers finish in.
//!
//! A job that panics stops the step with a plain [`WorkerPanicked`] error naming only the
//! source location: the panic message, which could hold anything the failing code formatted,
//! is never printed and is wiped where it can be.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::hardening;
use crate::progress::Progress;
use crate::terminal;

/// Stack of each worker thread: the size of the main thread's, for the QR and PDF work that
/// `split` runs beside each derivation.
const WORKER_STACK: usize = 8 * 1024 * 1024;

/// How many key derivations may run at once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KdfThreads {
    /// As many as there are cores, within half of the memory available (the default).
    #[default]
    Auto,
    /// Exactly this many at most (`--kdf-threads N`).
    Fixed(NonZeroUsize),
}

impl KdfThreads {
    /// From the `--kdf-threads` argument (`None`: automatic).
    pub fn from_arg(arg: Option<u8>) -> Self {
        arg.and_then(|n| NonZeroUsize::new(usize::from(n)))
            .map_or(KdfThreads::Auto, KdfThreads::Fixed)
    }
}

/// What the budget is computed from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Machine {
    /// Cores the process may use (`std::thread::available_parallelism`).
    pub cores: usize,
    /// `MemAvailable` from /proc/meminfo, in KiB, if it could be read.
    pub available_kib: Option<u64>,
}

impl Machine {
    /// This machine, now.
    pub fn probe() -> Self {
        Machine {
            cores: std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
            available_kib: std::fs::read_to_string("/proc/meminfo")
                .ok()
                .and_then(|text| mem_available_kib(&text)),
        }
    }
}

/// The `MemAvailable:` line of /proc/meminfo, in KiB.
pub fn mem_available_kib(meminfo: &str) -> Option<u64> {
    let rest = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemAvailable:"))?;
    let mut parts = rest.split_whitespace();
    let value = parts.next()?.parse::<u64>().ok()?;
    (parts.next() == Some("kB") && parts.next().is_none()).then_some(value)
}

/// How a step runs its derivations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Worker threads (the calling thread is one of them).
    pub workers: usize,
    /// With `--kdf-threads`: the memory the workers need and the memory available, in KiB,
    /// when the first is larger.
    pub over_memory: Option<(u64, u64)>,
}

/// The number of workers for `jobs` derivations of `per_job_kib` KiB each (0 for shares
/// without a passphrase, whose "derivation" needs no memory).
pub fn plan(threads: KdfThreads, machine: Machine, per_job_kib: u64, jobs: usize) -> Plan {
    let jobs = jobs.max(1);
    match threads {
        KdfThreads::Auto => {
            let by_memory = match (per_job_kib, machine.available_kib) {
                (0, _) => usize::MAX,
                (_, None) => 1,
                (per, Some(available)) => {
                    usize::try_from((available / 2) / per).unwrap_or(usize::MAX)
                }
            };
            Plan {
                workers: machine.cores.min(by_memory).min(jobs).max(1),
                over_memory: None,
            }
        }
        KdfThreads::Fixed(n) => {
            let workers = n.get().min(jobs);
            let needed = per_job_kib.saturating_mul(u64::try_from(workers).unwrap_or(u64::MAX));
            Plan {
                workers,
                over_memory: machine
                    .available_kib
                    .filter(|available| needed > *available)
                    .map(|available| (needed, available)),
            }
        }
    }
}

/// The number of workers for a step on this machine; warns once per run when `--kdf-threads`
/// asks for more memory than is available.
pub fn workers(threads: KdfThreads, per_job_kib: u64, jobs: usize) -> usize {
    static WARNED: AtomicBool = AtomicBool::new(false);
    let plan = plan(threads, Machine::probe(), per_job_kib, jobs);
    if let Some(warning) = over_memory_warning(threads, plan, per_job_kib)
        && !WARNED.swap(true, Ordering::SeqCst)
    {
        terminal::stderr_line(&warning);
    }
    plan.workers
}

/// The warning for an explicit `--kdf-threads` whose derivations need more memory than is
/// available.
fn over_memory_warning(threads: KdfThreads, plan: Plan, per_job_kib: u64) -> Option<String> {
    match (threads, plan.over_memory) {
        (KdfThreads::Fixed(asked), Some((needed, available))) => Some(format!(
            "warning: --kdf-threads {asked}: {} key derivations of {} MiB at once need {} MiB, more than the {} MiB of memory available; the system may swap or stop coldshard",
            plan.workers,
            per_job_kib / 1024,
            needed / 1024,
            available / 1024
        )),
        _ => None,
    }
}

/// A job that panicked: a bug in coldshard. Only the source location is kept.
#[derive(Debug, thiserror::Error)]
#[error(
    "an internal error stopped a worker (at {location}); this is a bug in coldshard, and the command stopped without a result"
)]
pub struct WorkerPanicked {
    /// File and line of the panic.
    pub location: String,
}

/// Runs `job` on every item with up to `workers` threads (the calling thread is one of them)
/// and returns the results in item order. `progress` counts finished items.
///
/// Once a result satisfies `stop_after`, items after it (in item order) that have not started
/// are not started, and their slots are `None`; every item before the first such result has
/// its result. So a caller that stops at the first failure reports the same item whatever
/// the number of workers. A panic in any job stops the step with [`WorkerPanicked`].
pub fn run<T: Sync, R: Send>(
    items: &[T],
    workers: usize,
    progress: &Progress,
    stop_after: impl Fn(&R) -> bool + Sync,
    job: impl Fn(&T) -> R + Sync,
) -> Result<Vec<Option<R>>, WorkerPanicked> {
    let next = AtomicUsize::new(0);
    let first_stop = AtomicUsize::new(usize::MAX);
    let panicked = AtomicBool::new(false);
    // One worker's loop: take the next item in order until none is left.
    let work = || -> (Vec<(usize, R)>, Option<String>) {
        let mut done = Vec::new();
        while !panicked.load(Ordering::SeqCst) {
            let i = next.fetch_add(1, Ordering::SeqCst);
            let Some(item) = items.get(i) else { break };
            if i > first_stop.load(Ordering::SeqCst) {
                break;
            }
            match hardening::contain_panic(|| job(item)) {
                Ok(result) => {
                    if stop_after(&result) {
                        first_stop.fetch_min(i, Ordering::SeqCst);
                    }
                    done.push((i, result));
                    progress.inc();
                }
                Err(location) => {
                    panicked.store(true, Ordering::SeqCst);
                    return (done, Some(location));
                }
            }
        }
        (done, None)
    };
    let helpers = workers.clamp(1, items.len().max(1)) - 1;
    let outcomes = std::thread::scope(|scope| {
        // A helper that cannot be started (the OS refused a thread) only means fewer workers.
        let handles: Vec<_> = (1..=helpers)
            .filter_map(|k| {
                std::thread::Builder::new()
                    .name(format!("coldshard-kdf-{k}"))
                    .stack_size(WORKER_STACK)
                    .spawn_scoped(scope, work)
                    .ok()
            })
            .collect();
        let mut outcomes = vec![work()];
        for handle in handles {
            // Jobs are guarded, so a helper itself cannot panic; if it did, say so plainly.
            outcomes.push(handle.join().unwrap_or_else(|payload| {
                drop(payload);
                (Vec::new(), Some("a worker thread".to_string()))
            }));
        }
        outcomes
    });
    let mut results: Vec<Option<R>> = items.iter().map(|_| None).collect();
    let mut failure = None;
    for (done, panic_at) in outcomes {
        for (i, result) in done {
            if let Some(slot) = results.get_mut(i) {
                *slot = Some(result);
            }
        }
        failure = failure.or(panic_at);
    }
    match failure {
        Some(location) => Err(WorkerPanicked { location }),
        None => Ok(results),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1024 * 1024;

    fn machine(cores: usize, available_gib: Option<u64>) -> Machine {
        Machine {
            cores,
            available_kib: available_gib.map(|g| g * GIB),
        }
    }

    fn fixed(n: usize) -> KdfThreads {
        KdfThreads::Fixed(NonZeroUsize::new(n).unwrap())
    }

    #[test]
    fn automatic_workers_are_bounded_by_cores_memory_and_jobs() {
        let half_gib = 512 * 1024;
        // Cores bound: 2 cores, plenty of memory.
        assert_eq!(
            plan(KdfThreads::Auto, machine(2, Some(23)), half_gib, 5).workers,
            2
        );
        // Jobs bound.
        assert_eq!(
            plan(KdfThreads::Auto, machine(16, Some(64)), half_gib, 3).workers,
            3
        );
        // Memory bound: half of 3 GiB is 1.5 GiB, room for 3 derivations of 512 MiB.
        assert_eq!(
            plan(KdfThreads::Auto, machine(16, Some(3)), half_gib, 10).workers,
            3
        );
        // 2 GiB derivations (the cap) with 3 GiB available: still one, never zero.
        assert_eq!(
            plan(KdfThreads::Auto, machine(8, Some(3)), 4 * half_gib, 10).workers,
            1
        );
        // /proc/meminfo unreadable: one at a time.
        assert_eq!(
            plan(KdfThreads::Auto, machine(8, None), half_gib, 10).workers,
            1
        );
        // No passphrase, no memory: the cores decide, even without /proc/meminfo.
        assert_eq!(plan(KdfThreads::Auto, machine(4, None), 0, 10).workers, 4);
        // No job at all still gives one worker; no warning in automatic mode.
        let p = plan(KdfThreads::Auto, machine(0, Some(0)), half_gib, 0);
        assert_eq!(
            p,
            Plan {
                workers: 1,
                over_memory: None
            }
        );
    }

    #[test]
    fn an_explicit_thread_count_is_used_up_to_the_jobs_and_warns_beyond_memory() {
        let half_gib = 512 * 1024;
        // More threads than cores is the user's choice.
        assert_eq!(
            plan(fixed(4), machine(2, Some(23)), half_gib, 16).workers,
            4
        );
        assert_eq!(plan(fixed(8), machine(2, Some(23)), half_gib, 5).workers, 5);
        assert_eq!(
            plan(fixed(1), machine(16, Some(64)), half_gib, 16).workers,
            1
        );
        assert_eq!(
            plan(fixed(4), machine(2, Some(23)), half_gib, 16).over_memory,
            None
        );
        // 6 x 512 MiB = 3 GiB needed with 2 GiB available: said, and still used.
        let p = plan(fixed(6), machine(2, Some(2)), half_gib, 6);
        assert_eq!(p.workers, 6);
        assert_eq!(p.over_memory, Some((3 * GIB, 2 * GIB)));
        assert_eq!(
            over_memory_warning(fixed(6), p, half_gib).as_deref(),
            Some(
                "warning: --kdf-threads 6: 6 key derivations of 512 MiB at once need 3072 MiB, more than the 2048 MiB of memory available; the system may swap or stop coldshard"
            )
        );
        // Said with the number asked for, and the derivations there are to run.
        let p = plan(fixed(200), machine(2, Some(2)), half_gib, 5);
        assert!(
            over_memory_warning(fixed(200), p, half_gib)
                .unwrap()
                .starts_with(
                    "warning: --kdf-threads 200: 5 key derivations of 512 MiB at once need 2560 MiB"
                )
        );
        // Never in automatic mode.
        let p = plan(KdfThreads::Auto, machine(2, Some(0)), half_gib, 6);
        assert_eq!(over_memory_warning(KdfThreads::Auto, p, half_gib), None);
        // Unknown memory: nothing to compare with.
        assert_eq!(
            plan(fixed(6), machine(2, None), half_gib, 6).over_memory,
            None
        );
    }

    #[test]
    fn the_argument_maps_to_the_setting() {
        assert_eq!(KdfThreads::from_arg(None), KdfThreads::Auto);
        assert_eq!(KdfThreads::from_arg(Some(0)), KdfThreads::Auto);
        assert_eq!(KdfThreads::from_arg(Some(3)), fixed(3));
    }

    #[test]
    fn mem_available_is_read_from_meminfo() {
        let meminfo = "MemTotal:       24576000 kB\nMemFree:         1000000 kB\nMemAvailable:   23421420 kB\nBuffers:          100 kB\n";
        assert_eq!(mem_available_kib(meminfo), Some(23_421_420));
        assert_eq!(mem_available_kib("MemTotal: 100 kB\n"), None);
        assert_eq!(mem_available_kib("MemAvailable: lots kB\n"), None);
        assert_eq!(mem_available_kib("MemAvailable: 100 MB\n"), None);
        assert_eq!(mem_available_kib("MemAvailable: 100\n"), None);
        // This machine's, when there is one.
        if let Ok(text) = std::fs::read_to_string("/proc/meminfo") {
            assert!(mem_available_kib(&text).is_some());
        }
    }

    #[test]
    fn results_come_back_in_item_order_with_any_number_of_workers() {
        let items: Vec<u64> = (0..40).collect();
        for workers in [1, 2, 3, 8, 100] {
            let out = run(
                &items,
                workers,
                &Progress::hidden(),
                |_| false,
                |x| {
                    // Later items finish first.
                    std::thread::sleep(std::time::Duration::from_micros(40 - *x));
                    x * x
                },
            )
            .unwrap();
            let expected: Vec<Option<u64>> = items.iter().map(|x| Some(x * x)).collect();
            assert_eq!(out, expected, "{workers} workers");
        }
        assert!(
            run(&[] as &[u8], 4, &Progress::hidden(), |_| false, |x| *x)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn everything_before_the_first_stop_is_done_and_nothing_after_it_is_started_alone() {
        let items: Vec<usize> = (0..30).collect();
        let fails = |x: &usize| *x == 7 || *x == 20;
        for workers in [1, 2, 4, 30] {
            let out = run(
                &items,
                workers,
                &Progress::hidden(),
                |r: &Result<usize, usize>| r.is_err(),
                |x| {
                    if fails(x) { Err(*x) } else { Ok(*x) }
                },
            )
            .unwrap();
            // The first failure in item order is item 7, and all before it are there.
            let first = out.iter().position(|r| matches!(r, Some(Err(_)))).unwrap();
            assert_eq!(first, 7, "{workers} workers");
            assert!(out[..7].iter().all(|r| matches!(r, Some(Ok(_)))));
            if workers == 1 {
                // One worker starts nothing after the stop, as the sequential code did.
                assert!(out[8..].iter().all(Option::is_none));
            }
        }
    }

    #[test]
    fn a_panicking_job_is_a_plain_error_without_its_message() {
        let items: Vec<usize> = (0..12).collect();
        for workers in [1, 3] {
            let err = run(
                &items,
                workers,
                &Progress::hidden(),
                |_| false,
                |x| {
                    if *x == 5 {
                        panic!("secret words abandon ability {}", x);
                    }
                    *x
                },
            )
            .unwrap_err();
            let text = err.to_string();
            assert!(
                !text.contains("abandon") && !text.contains("secret"),
                "{text}"
            );
            assert!(text.contains("src/parallel.rs:"), "{text}");
        }
    }
}
