//! Faults: `split`, `recover --out` and `transcript append` killed with SIGKILL at random
//! moments and just before each file-system call; a full file system (a small tmpfs mounted
//! in a private mount namespace); standard output and standard error closed or a pipe whose
//! reader has gone. docs/SECURITY.md, section "Faults", gives the figures.

use std::ffi::OsString;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::util::{ABOUT, FAST_KDF, Work, coldshard, folder_names, run, run_ok, share_path};

/// The binary under test, for `std::process::Command` (killing, strace, unshare).
const BIN: &str = env!("CARGO_BIN_EXE_coldshard");

/// What an interrupted split may leave beside its target (docs/CLI.md, split).
const STAGING_PREFIX: &str = ".coldshard-incomplete-";
/// The note every non-empty staging folder holds at its top.
const STAGING_NOTE: &str = "INCOMPLETE-DO-NOT-USE.txt";

// ---- A seeded random generator: every failure message gives the seed to reproduce it. ----

/// SplitMix64: small, and the same on every machine.
struct Rng {
    seed: u64,
    state: u64,
}

impl Rng {
    /// Seeded from COLDSHARD_FAULTS_SEED, else from the clock (and printed on failure).
    fn new() -> Self {
        let seed = std::env::var("COLDSHARD_FAULTS_SEED")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(1)
            });
        Rng { seed, state: seed }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A duration uniformly in [from, to).
    fn between(&mut self, from: Duration, to: Duration) -> Duration {
        let span = (to.saturating_sub(from)).as_micros().max(1) as u64;
        from + Duration::from_micros(self.next() % span)
    }

    fn reproduce(&self) -> String {
        format!("rerun with COLDSHARD_FAULTS_SEED={}", self.seed)
    }
}

// ---- Helpers. ----

/// A work folder with the test mnemonic and three passphrases in files.
struct Fixture {
    work: Work,
    seed: String,
    pass: String,
}

impl Fixture {
    fn new() -> Self {
        let work = Work::new();
        let seed = work.write("seed.txt", format!("{ABOUT}\n"));
        let pass = work.passfile("pass.txt", &["pass-1", "pass-2", "pass-3"]);
        Fixture { work, seed, pass }
    }

    /// `split -t 2 -n 3 --out OUT` with the fast KDF, reading the seed file.
    fn split_args(&self, out: &Path) -> Vec<OsString> {
        let mut args: Vec<OsString> = ["split", "-t", "2", "-n", "3", "--in", &self.seed]
            .iter()
            .map(OsString::from)
            .collect();
        args.push("--out".into());
        args.push(out.into());
        args.push("--passphrase-file".into());
        args.push((&self.pass).into());
        args.extend(FAST_KDF.iter().map(OsString::from));
        args
    }

    /// A complete set in `dir`: every file, a genuine manifest whose files all match, and
    /// two of the shares rebuild the mnemonic.
    fn assert_complete_set(&self, dir: &Path, context: &str) {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{context}: read {}: {e}", dir.display()))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            folder_names(&["share-1-of-3", "share-2-of-3", "share-3-of-3"]),
            "{context}: the target folder exists but is not a complete set"
        );
        let r = run(coldshard()
            .args(["manifest", "verify"])
            .arg(dir.join("manifest.json")));
        assert_eq!(r.code, Some(0), "{context}: manifest verify: {}", r.stderr);
        let pass2 = self.work.passfile("pass-1-3.txt", &["pass-1", "pass-3"]);
        let r = run(coldshard()
            .arg("recover")
            .arg(share_path(dir, 1, 3))
            .arg(share_path(dir, 3, 3))
            .args(["--passphrase-file", &pass2, "--reveal"]));
        assert_eq!(r.code, Some(0), "{context}: recover: {}", r.stderr);
        assert_eq!(r.stdout.trim_end(), ABOUT, "{context}: recovered secret");
    }
}

/// A staging folder left by a killed split must not look like a set: empty, or holding the
/// note at its top and the files only inside a sub-folder (so no manifest.json beside the
/// shares that `manifest verify` would accept).
fn assert_leftover_incomplete(path: &Path, context: &str) {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with(STAGING_PREFIX),
        "{context}: '{name}' left beside the target is not named as an incomplete staging folder"
    );
    assert!(
        path.is_dir(),
        "{context}: '{name}' left beside the target is not a folder"
    );
    let entries: Vec<(String, bool)> = std::fs::read_dir(path)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                e.path().is_dir(),
            )
        })
        .collect();
    if entries.is_empty() {
        return;
    }
    let listing = format!("{entries:?}");
    assert!(
        entries.iter().any(|(n, dir)| n == STAGING_NOTE && !dir),
        "{context}: '{name}' holds files but no {STAGING_NOTE}: {listing}"
    );
    let note = std::fs::read_to_string(path.join(STAGING_NOTE)).unwrap_or_default();
    assert!(
        note.contains("incomplete") && note.contains("Do not use"),
        "{context}: the note says: {note}"
    );
    for (n, dir) in &entries {
        assert!(
            n == STAGING_NOTE || *dir,
            "{context}: '{name}' holds '{n}' at its top, beside the note: {listing}"
        );
    }
}

/// Kills `child` (SIGKILL) after `delay`, unless it ended before; returns how it ended.
fn kill_after(mut child: std::process::Child, delay: Duration) -> ExitStatus {
    std::thread::sleep(delay);
    let _ = child.kill();
    child.wait().expect("wait for coldshard")
}

fn spawn_quiet(args: &[OsString], cwd: &Path) -> std::process::Child {
    Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start coldshard")
}

/// The median time of three normal runs (which must succeed) of the arguments and working
/// folder `args` gives.
fn median_run_time(mut args: impl FnMut(usize) -> (Vec<OsString>, PathBuf)) -> Duration {
    let mut times: Vec<Duration> = (0..3)
        .map(|i| {
            let (a, cwd) = args(i);
            let start = Instant::now();
            let status = spawn_quiet(&a, &cwd).wait().unwrap();
            assert!(status.success(), "a normal run failed: {a:?}");
            start.elapsed()
        })
        .collect();
    times.sort();
    times[1]
}

/// Fails loudly when strace is missing: these tests must never pass by doing nothing.
fn require_strace() {
    let ok = Command::new("strace")
        .arg("-V")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "strace is needed to kill coldshard just before a chosen system call (Debian package \
         'strace'; .ci/run installs it)"
    );
}

/// Runs coldshard under strace, which sends it SIGKILL on entering the `k`-th call of
/// `syscall` in any one thread (the call is then not made). Returns true if it was killed,
/// false if it ended normally (with exit 0: fewer than `k` such calls).
fn killed_before_syscall(syscall: &str, k: u32, args: &[OsString], cwd: &Path) -> bool {
    let out = Command::new("strace")
        .args(["-f", "-qq", "-o", "/dev/null", "-e"])
        .arg(format!("trace=?{syscall}"))
        .arg("-e")
        .arg(format!("inject=?{syscall}:signal=SIGKILL:when={k}"))
        .arg("--")
        .arg(BIN)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .expect("run strace");
    match out.status.signal() {
        Some(9) => true,
        _ => {
            assert!(
                out.status.success(),
                "{syscall} #{k}: coldshard failed without being killed: {:?}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
            false
        }
    }
}

/// The file-system calls a write goes through: killing before each of them covers every
/// moment between two steps on disk.
const FILE_SYSCALLS: [&str; 15] = [
    "open",
    "openat",
    "mkdir",
    "mkdirat",
    "write",
    "fsync",
    "fdatasync",
    "flock",
    "ftruncate",
    "linkat",
    "rename",
    "renameat2",
    "unlink",
    "unlinkat",
    "rmdir",
];

/// Runs `attempt(syscall, k)` for k = 1, 2, ... for every syscall of `FILE_SYSCALLS` until
/// the command runs to its end; `check(context)` judges the state after every kill. Returns
/// the number of kills.
fn sweep_syscalls(
    mut attempt: impl FnMut(&str, u32) -> bool,
    mut check: impl FnMut(&str),
    max_per_syscall: u32,
) -> usize {
    let mut kills = 0;
    for syscall in FILE_SYSCALLS {
        for k in 1..=max_per_syscall {
            let killed = attempt(syscall, k);
            check(&format!("killed before {syscall} #{k}"));
            if !killed {
                break;
            }
            kills += 1;
        }
    }
    kills
}

// ---- SIGKILL: split. ----

/// What a killed split left, for the counts in the failure message and SECURITY.md.
#[derive(Default, Debug)]
struct SplitOutcomes {
    nothing: usize,
    leftover: usize,
    complete: usize,
}

/// Checks one killed (or finished) split whose target was `parent/shares`: the target is
/// absent or a complete set; anything else beside it is an incomplete staging folder.
/// Returns whether a staging folder was left.
fn judge_split(
    fx: &Fixture,
    parent: &Path,
    finished: bool,
    outcomes: &mut SplitOutcomes,
    context: &str,
) -> bool {
    let target = parent.join("shares");
    let mut leftover = false;
    for entry in std::fs::read_dir(parent).unwrap() {
        let path = entry.unwrap().path();
        if path != target {
            assert_leftover_incomplete(&path, context);
            leftover = true;
        }
    }
    assert!(
        !(finished && leftover),
        "{context}: split ended with exit 0 and left a staging folder"
    );
    if target.exists() {
        fx.assert_complete_set(&target, context);
        outcomes.complete += 1;
    } else {
        assert!(
            !finished,
            "{context}: split ended with exit 0 and no folder"
        );
        if leftover {
            outcomes.leftover += 1;
        } else {
            outcomes.nothing += 1;
        }
    }
    leftover
}

/// The next split beside a killed one removes what it left, says so, and works.
fn assert_next_split_cleans(fx: &Fixture, parent: &Path, context: &str) {
    let stale: Vec<PathBuf> = std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(STAGING_PREFIX)
        })
        .collect();
    let next = parent.join("again");
    let mut cmd = coldshard();
    cmd.args(fx.split_args(&next));
    let r = run(&mut cmd);
    assert_eq!(r.code, Some(0), "{context}: the next split: {}", r.stderr);
    for s in &stale {
        assert!(
            !s.exists(),
            "{context}: the next split left {}",
            s.display()
        );
        let name = s.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            r.stderr
                .lines()
                .any(|l| l.starts_with("warning: removed ") && l.contains(&name)),
            "{context}: the next split did not say it removed {name}: {}",
            r.stderr
        );
    }
}

#[test]
fn split_killed_at_random_moments_leaves_no_set_or_a_complete_one() {
    let fx = Fixture::new();
    let mut rng = Rng::new();
    let normal = median_run_time(|i| {
        let parent = fx.work.path(&format!("normal-{i}"));
        std::fs::create_dir(&parent).unwrap();
        (fx.split_args(&parent.join("shares")), parent)
    });
    // 50 kills uniformly over the whole run, 5 in its first 3 ms, 5 in its last tenth or
    // just after it (a run may take longer than the normal run: the machine is shared).
    const RUNS: usize = 60;
    let mut outcomes = SplitOutcomes::default();
    let mut cleaned = 0;
    for i in 0..RUNS {
        let delay = match i {
            0..5 => rng.between(Duration::ZERO, Duration::from_millis(3)),
            5..10 => rng.between(normal * 9 / 10, normal * 12 / 10),
            _ => rng.between(Duration::ZERO, normal),
        };
        let context = format!(
            "run {i}, killed after {} us (a normal run takes {} ms; {})",
            delay.as_micros(),
            normal.as_millis(),
            rng.reproduce()
        );
        let parent = fx.work.path(&format!("run-{i}"));
        std::fs::create_dir(&parent).unwrap();
        let child = spawn_quiet(&fx.split_args(&parent.join("shares")), &parent);
        let status = kill_after(child, delay);
        let finished = status.success();
        assert!(
            finished || status.signal() == Some(9),
            "{context}: split failed on its own: {status:?}"
        );
        let leftover = judge_split(&fx, &parent, finished, &mut outcomes, &context);
        // The next split cleans up: checked for the first few runs that left something.
        if leftover && cleaned < 8 {
            assert_next_split_cleans(&fx, &parent, &context);
            cleaned += 1;
        }
    }
    eprintln!(
        "split killed {RUNS} times (normal run {} ms, seed {}): {outcomes:?}",
        normal.as_millis(),
        rng.seed
    );
    // The kills reached the phases before the staging folder and inside it. (Kills after
    // the set appeared depend on the load of the machine; the strace test below makes them.)
    assert!(
        outcomes.nothing > 0 && outcomes.leftover > 0,
        "the kills did not cover the whole run: {outcomes:?} ({})",
        rng.reproduce()
    );
}

#[test]
fn split_killed_before_each_rename_unlink_and_sync_leaves_no_set_or_a_complete_one() {
    require_strace();
    let fx = Fixture::new();
    let mut outcomes = SplitOutcomes::default();
    let mut runs = 0;
    // Only the calls around the end of the staged write (they are few): the random kills
    // above cover the many writes.
    for syscall in [
        "rename",
        "renameat2",
        "unlink",
        "unlinkat",
        "rmdir",
        "fsync",
        "mkdir",
        "flock",
    ] {
        for k in 1..=40 {
            runs += 1;
            let parent = fx.work.path(&format!("{syscall}-{k}"));
            std::fs::create_dir(&parent).unwrap();
            let killed =
                killed_before_syscall(syscall, k, &fx.split_args(&parent.join("shares")), &parent);
            let context = format!("split killed before {syscall} #{k}");
            let leftover = judge_split(&fx, &parent, !killed, &mut outcomes, &context);
            if leftover && syscall == "rename" {
                assert_next_split_cleans(&fx, &parent, &context);
            }
            if !killed {
                break;
            }
        }
    }
    eprintln!("split killed before single system calls, {runs} runs: {outcomes:?}");
    assert!(
        outcomes.leftover > 0 && outcomes.complete > 0,
        "{outcomes:?}"
    );
}

// ---- SIGKILL: recover --out and transcript append. ----

/// `recover` of shares 1 and 2 (made once in `fx`) to `out`.
fn recover_out_args(fx: &Fixture, shares: &Path, out: &Path) -> Vec<OsString> {
    let pass2 = fx.work.passfile("pass-1-2.txt", &["pass-1", "pass-2"]);
    vec![
        "recover".into(),
        share_path(shares, 1, 3).into(),
        share_path(shares, 2, 3).into(),
        "--passphrase-file".into(),
        pass2.into(),
        "--out".into(),
        out.into(),
    ]
}

/// The folder holds nothing, or exactly `name` with exactly `expected`.
fn assert_nothing_or_exactly(dir: &Path, name: &str, expected: &[u8], context: &str) {
    let entries: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    match entries.as_slice() {
        [] => {}
        [only] if only == name => {
            let bytes = std::fs::read(dir.join(name)).unwrap();
            assert!(
                bytes == expected,
                "{context}: '{name}' holds {} bytes, not the {} bytes expected",
                bytes.len(),
                expected.len()
            );
        }
        other => panic!("{context}: the output folder holds {other:?}"),
    }
}

#[test]
fn recover_out_killed_never_leaves_a_partial_file() {
    require_strace();
    let fx = Fixture::new();
    let shares = fx.work.path("shares");
    run_ok(coldshard().args(fx.split_args(&shares)));
    let expected = format!("{ABOUT}\n").into_bytes();
    let mut rng = Rng::new();
    let fresh = |name: &str| {
        let dir = fx.work.path(name);
        std::fs::create_dir(&dir).unwrap();
        dir
    };
    let normal = median_run_time(|i| {
        let dir = fresh(&format!("normal-{i}"));
        (recover_out_args(&fx, &shares, &dir.join("seed.txt")), dir)
    });
    for i in 0..20 {
        let delay = rng.between(Duration::ZERO, normal * 11 / 10);
        let dir = fresh(&format!("random-{i}"));
        let child = spawn_quiet(&recover_out_args(&fx, &shares, &dir.join("seed.txt")), &dir);
        let status = kill_after(child, delay);
        let context = format!(
            "recover --out, run {i} killed after {} us ({}): {status:?}",
            delay.as_micros(),
            rng.reproduce()
        );
        assert_nothing_or_exactly(&dir, "seed.txt", &expected, &context);
        if status.success() {
            assert!(dir.join("seed.txt").exists(), "{context}");
        }
    }
    let n = std::cell::Cell::new(0);
    let kills = sweep_syscalls(
        |syscall, k| {
            n.set(n.get() + 1);
            let dir = fresh(&format!("sweep-{}", n.get()));
            killed_before_syscall(
                syscall,
                k,
                &recover_out_args(&fx, &shares, &dir.join("seed.txt")),
                &dir,
            )
        },
        |context| {
            let dir = fx.work.path(&format!("sweep-{}", n.get()));
            assert_nothing_or_exactly(
                &dir,
                "seed.txt",
                &expected,
                &format!("recover --out, {context}"),
            );
        },
        200,
    );
    eprintln!("recover --out: 20 random kills, {kills} kills before single system calls");
}

fn append_args(log: &Path, step: &str) -> Vec<OsString> {
    vec![
        "transcript".into(),
        "append".into(),
        log.into(),
        "--step".into(),
        step.into(),
        "--actor".into(),
        "operator".into(),
        "--result".into(),
        "PASS".into(),
        "--note".into(),
        "a note long enough to make the line a few hundred bytes long".into(),
    ]
}

/// After a killed append to `log`, whose content was `before`: the file is as it was (absent
/// if it was: not even empty), or it is `before` plus one whole line and the chain verifies.
fn assert_whole_lines(log: &Path, before: Option<&[u8]>, context: &str) {
    let Ok(now) = std::fs::read(log) else {
        assert!(before.is_none(), "{context}: the transcript disappeared");
        return;
    };
    if before == Some(now.as_slice()) {
        return;
    }
    let before = before.unwrap_or_default();
    assert!(
        now.starts_with(before),
        "{context}: the lines already there changed"
    );
    let added = &now[before.len()..];
    assert!(
        added.ends_with(b"\n") && added.iter().filter(|&&b| b == b'\n').count() == 1,
        "{context}: not one whole line was added: {:?}",
        String::from_utf8_lossy(added)
    );
    let r = run(coldshard().args(["transcript", "verify"]).arg(log));
    assert_eq!(
        r.code,
        Some(0),
        "{context}: transcript verify: {}",
        r.stderr
    );
}

#[test]
fn transcript_append_killed_never_leaves_a_partial_file_or_line() {
    require_strace();
    let work = Work::new();
    let mut rng = Rng::new();
    let existing = work.path("existing.log");
    for step in ["one", "two"] {
        run_ok(coldshard().args(append_args(&existing, step)));
    }
    let base = std::fs::read(&existing).unwrap();
    let mut n = 0;
    // Each attempt works on a fresh copy: a new transcript (`new`) or the two-line one.
    let mut prepare = |new: bool| {
        n += 1;
        let dir = work.path(&format!("t-{n}"));
        std::fs::create_dir(&dir).unwrap();
        let log = dir.join("ceremony.log");
        if !new {
            std::fs::write(&log, &base).unwrap();
        }
        (dir, log)
    };
    let normal = median_run_time(|_| {
        let (dir, log) = prepare(false);
        (append_args(&log, "three"), dir)
    });
    let mut kills = 0;
    for new in [true, false] {
        let before = (!new).then_some(base.as_slice());
        for i in 0..20 {
            let delay = rng.between(Duration::ZERO, normal * 11 / 10);
            let (dir, log) = prepare(new);
            let status = kill_after(spawn_quiet(&append_args(&log, "three"), &dir), delay);
            let context = format!(
                "append (new file: {new}), run {i} killed after {} us ({}): {status:?}",
                delay.as_micros(),
                rng.reproduce()
            );
            assert_whole_lines(&log, before, &context);
        }
        let last = std::cell::RefCell::new(PathBuf::new());
        kills += sweep_syscalls(
            |syscall, k| {
                let (dir, log) = prepare(new);
                last.replace(log.clone());
                killed_before_syscall(syscall, k, &append_args(&log, "three"), &dir)
            },
            |context| {
                let last = last.borrow();
                assert_whole_lines(
                    &last,
                    before,
                    &format!("append (new file: {new}), {context}"),
                );
                let names: Vec<_> = std::fs::read_dir(last.parent().unwrap())
                    .unwrap()
                    .map(|e| e.unwrap().file_name())
                    .collect();
                assert!(
                    names.len() <= 1,
                    "{context}: files beside the transcript: {names:?}"
                );
            },
            200,
        );
    }
    eprintln!("transcript append: 40 random kills, {kills} kills before single system calls");
}

// ---- Full disk: a small tmpfs in a private mount namespace. ----

/// What a command run on a tmpfs did, and what the tmpfs held after it.
struct OnTmpfs {
    code: i32,
    stdout: String,
    stderr: String,
    /// `find -printf '%y %P'` of the tmpfs after the command: type and path of everything.
    listing: Vec<String>,
    /// KiB in use on the tmpfs after the command.
    used_kib: u64,
    /// A copy of the tmpfs after the command.
    copy: PathBuf,
}

/// Runs `coldshard ARGS` with its working folder on a fresh tmpfs of `kib` KiB, mounted in a
/// private mount namespace (`unshare -m`), so that the mount disappears with the command
/// even if the test dies. `setup` runs first in that folder (sh). Fails loudly when the
/// tmpfs cannot be mounted: this test must never pass without a full disk.
fn on_tmpfs(work: &Work, name: &str, kib: u64, setup: &str, args: &[OsString]) -> OnTmpfs {
    let out = work.path(name);
    let mnt = out.join("mnt");
    std::fs::create_dir_all(&mnt).unwrap();
    let script = r#"
        mount -t tmpfs -o "size=${KIB}k,mode=0755" coldshard-faults "$MNT" || exit 97
        cd "$MNT" || exit 98
        eval "$SETUP"
        "$BIN" "$@" </dev/null >"$OUT/stdout" 2>"$OUT/stderr"
        echo $? >"$OUT/code"
        find . -mindepth 1 -printf '%y %P\n' | sort >"$OUT/listing"
        df -k --output=used . | tail -n 1 >"$OUT/used"
        cp -a . "$OUT/copy"
    "#;
    let status = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", script, "sh"])
        .args(args)
        .env("KIB", kib.to_string())
        .env("MNT", &mnt)
        .env("OUT", &out)
        .env("SETUP", setup)
        .env("BIN", BIN)
        .stdin(Stdio::null())
        .output()
        .expect("run unshare (util-linux)");
    assert!(
        status.status.success(),
        "cannot run coldshard on a tmpfs of {kib} KiB in a private mount namespace (needs root \
         and mount namespaces; exit 97: mount failed): {:?}\n{}",
        status.status,
        String::from_utf8_lossy(&status.stderr)
    );
    let read = |f: &str| std::fs::read_to_string(out.join(f)).unwrap_or_default();
    OnTmpfs {
        code: read("code").trim().parse().expect("exit code"),
        stdout: read("stdout"),
        stderr: read("stderr"),
        listing: read("listing").lines().map(str::to_string).collect(),
        used_kib: read("used").trim().parse().expect("df used"),
        copy: out.join("copy"),
    }
}

/// A failure for want of space: exit 2, nothing on stdout, one error line naming `path` and
/// "no space left" (after warnings only), no panic.
fn assert_no_space(r: &OnTmpfs, path: &str, context: &str) {
    let all = format!("{context}\nstdout: {}\nstderr: {}", r.stdout, r.stderr);
    assert_eq!(r.code, 2, "exit code: {all}");
    assert!(r.stdout.is_empty(), "stdout: {all}");
    assert!(!r.stderr.contains("panicked"), "panic: {all}");
    let errors: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| !l.starts_with("warning: "))
        .collect();
    assert_eq!(errors.len(), 1, "one error line: {all}");
    assert!(
        errors[0].starts_with("error: ")
            && errors[0].contains(&format!("'{path}'"))
            && errors[0].to_lowercase().contains("no space left"),
        "the error names '{path}' and says no space is left: {all}"
    );
}

fn strings(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

/// Fills the tmpfs (setup snippet): a file of zeros until the disk is full.
const FILL: &str = "dd if=/dev/zero of=filler bs=4k 2>/dev/null; true";

#[test]
fn split_on_a_full_disk_says_so_and_leaves_nothing() {
    let fx = Fixture::new();
    let split = |name: &str, kib: u64, setup: &str| {
        let args = fx.split_args(Path::new("shares"));
        on_tmpfs(&fx.work, name, kib, setup, &args)
    };
    // Room enough: the space a whole set takes.
    let roomy = split("roomy", 4096, "");
    assert_eq!(roomy.code, 0, "{}", roomy.stderr);
    fx.assert_complete_set(&roomy.copy.join("shares"), "split on a roomy tmpfs");
    let set_kib = roomy.used_kib;
    // No room even for the staging folder's note; the text, PNG and SVG of share 1 fit but
    // not its PDF (about 60 + 68 KiB); and sizes around the whole set, where the shares fit
    // but the last PDF or the manifest, written last, may not.
    let mut cases = vec![("full".to_string(), 64, FILL), ("pdf".to_string(), 100, "")];
    for pages in -4i64..=4 {
        let kib = (set_kib as i64 + 4 * pages) as u64;
        cases.push((format!("around-{kib}"), kib, ""));
    }
    let mut failed_at = Vec::new();
    let mut fitted = 0;
    for (name, kib, setup) in &cases {
        let r = split(name, *kib, setup);
        let context = format!("split on a tmpfs of {kib} KiB ({name}; a set takes {set_kib} KiB)");
        if r.code == 0 {
            fx.assert_complete_set(&r.copy.join("shares"), &context);
            fitted += 1;
            continue;
        }
        assert_no_space(&r, "shares", &context);
        let leftovers: Vec<&String> = r.listing.iter().filter(|l| *l != "f filler").collect();
        assert!(
            leftovers.is_empty(),
            "{context}: left on the disk: {leftovers:?}\n{}",
            r.stderr
        );
        failed_at.push((
            *kib,
            r.stderr.lines().last().unwrap_or_default().to_string(),
        ));
    }
    eprintln!(
        "split on a full disk, set of {set_kib} KiB: {fitted} fitted; failed: {failed_at:#?}"
    );
    let said = |what: &str| failed_at.iter().any(|(_, e)| e.contains(what));
    assert!(
        said("share-1-of-3.pdf"),
        "no failure at the first PDF: {failed_at:?}"
    );
    assert!(
        said("manifest.json"),
        "no failure at the manifest: {failed_at:?}"
    );
    assert!(
        fitted > 0,
        "no size around the set's own fitted: {failed_at:?}"
    );
}

#[test]
fn recover_and_generate_out_on_a_full_disk_say_so_and_leave_nothing() {
    let fx = Fixture::new();
    let shares = fx.work.path("shares");
    run_ok(coldshard().args(fx.split_args(&shares)));
    let recover = recover_out_args(&fx, &shares, Path::new("seed.txt"));
    let r = on_tmpfs(&fx.work, "recover-full", 64, FILL, &recover);
    assert_no_space(&r, "seed.txt", "recover --out on a full tmpfs");
    assert_eq!(r.listing, ["f filler"], "{}", r.stderr);
    let r = on_tmpfs(&fx.work, "recover-roomy", 64, "", &recover);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(r.copy.join("seed.txt")).unwrap(),
        format!("{ABOUT}\n")
    );
    let generate = strings(&["generate", "--out", "words.txt"]);
    let r = on_tmpfs(&fx.work, "generate-full", 64, FILL, &generate);
    assert_no_space(&r, "words.txt", "generate --out on a full tmpfs");
    assert_eq!(r.listing, ["f filler"], "{}", r.stderr);
}

#[test]
fn transcript_append_on_a_full_disk_says_so_and_changes_nothing() {
    let work = Work::new();
    // A new transcript on a full disk: no file.
    let first = append_args(Path::new("t.log"), "one");
    let r = on_tmpfs(&work, "new", 64, FILL, &first);
    assert_no_space(&r, "t.log", "transcript append, new file on a full tmpfs");
    assert_eq!(r.listing, ["f filler"], "{}", r.stderr);
    // An existing transcript: appended to until the disk is full (the last page of the file
    // fills up first, so the failing line may be cut by the kernel mid-way); the failing
    // append leaves the file exactly as it was before it.
    let setup = format!(
        r#"
        "$BIN" transcript append t.log --step one --actor op --result PASS >/dev/null || exit 1
        {FILL}
        i=0
        while [ $i -lt 40 ]; do
            cp t.log "$OUT/before"
            "$BIN" transcript append t.log --step "s$i" --actor op --result PASS \
                --note "a note long enough to make the line a few hundred bytes long" \
                >/dev/null 2>&1 || break
            i=$((i + 1))
        done
        echo $i >"$OUT/appended"
        "#
    );
    let again = strings(&[
        "transcript",
        "append",
        "t.log",
        "--step",
        "last",
        "--actor",
        "op",
        "--result",
        "PASS",
        "--note",
        "a note long enough to make the line a few hundred bytes long",
    ]);
    let r = on_tmpfs(&work, "existing", 64, &setup, &again);
    let context = "transcript append, existing file on a full tmpfs";
    assert_no_space(&r, "t.log", context);
    let before = std::fs::read(work.path("existing").join("before")).unwrap();
    let after = std::fs::read(r.copy.join("t.log")).unwrap();
    assert!(before == after, "{context}: the transcript changed");
    run_ok(
        coldshard()
            .args(["transcript", "verify"])
            .arg(r.copy.join("t.log")),
    );
    let appended = std::fs::read_to_string(work.path("existing").join("appended")).unwrap();
    eprintln!(
        "transcript append: {} lines fitted after the disk was full",
        appended.trim()
    );
}

// ---- Closed standard output and standard error, broken pipes. ----

/// How standard output or standard error is spoiled.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Spoiled {
    /// Closed (`>&-` or `2>&-`).
    Closed,
    /// A pipe whose reader has gone: writes fail with EPIPE.
    BrokenPipe,
}

struct Spoilt {
    code: Option<i32>,
    signal: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs coldshard with stdout (`fd` 1) or stderr (`fd` 2) spoiled; the other one captured.
fn run_spoiled(args: &[OsString], fd: u8, how: Spoiled, cwd: &Path, tmp: &Path) -> Spoilt {
    let mut cmd = match how {
        Spoiled::Closed => {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(format!("exec \"$0\" \"$@\" {fd}>&-"))
                .arg(BIN)
                .args(args);
            c
        }
        Spoiled::BrokenPipe => {
            let mut c = Command::new(BIN);
            c.args(args);
            let (reader, writer) = std::io::pipe().expect("pipe");
            drop(reader);
            if fd == 1 {
                c.stdout(writer);
            } else {
                c.stderr(writer);
            }
            c
        }
    };
    cmd.current_dir(cwd)
        .env("TMPDIR", tmp)
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null());
    if !(how == Spoiled::BrokenPipe && fd == 1) {
        cmd.stdout(if fd == 1 {
            Stdio::null()
        } else {
            Stdio::piped()
        });
    }
    if !(how == Spoiled::BrokenPipe && fd == 2) {
        cmd.stderr(if fd == 2 {
            Stdio::null()
        } else {
            Stdio::piped()
        });
    }
    let child = cmd.spawn().expect("start coldshard");
    let out = child.wait_with_output().expect("wait for coldshard");
    Spoilt {
        code: out.status.code(),
        signal: out.status.signal(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Every file under `dir` (hidden ones too) that holds three consecutive words of `ABOUT`'s
/// distinctive tail, the way the secret would appear.
fn files_holding_the_secret(dir: &Path) -> Vec<PathBuf> {
    let needle = b"abandon abandon about";
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else if std::fs::read(&path)
                .is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle))
            {
                found.push(path);
            }
        }
    }
    found
}

#[test]
fn closed_or_broken_stdout_and_stderr_never_panic() {
    let fx = Fixture::new();
    let w = &fx.work;
    let shares = w.path("shares");
    run_ok(coldshard().args(fx.split_args(&shares)));
    let s1 = share_path(&shares, 1, 3);
    let s2 = share_path(&shares, 2, 3);
    let pass2 = w.passfile("pass-1-2.txt", &["pass-1", "pass-2"]);
    let manifest = shares.join("manifest.json").to_string_lossy().into_owned();
    let log = w.path("ceremony.log").to_string_lossy().into_owned();
    run_ok(coldshard().args(append_args(Path::new(&log), "one")));
    // The seed file the fixture reads is outside the folders searched for the secret.
    let searched = w.path("run");
    std::fs::create_dir(&searched).unwrap();
    let tmp = searched.join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let commands: Vec<(&str, Vec<String>)> = vec![
        ("inspect", vec!["inspect".into(), s1.clone()]),
        (
            "inspect --json",
            vec!["inspect".into(), "--json".into(), s1.clone()],
        ),
        (
            "inspect --qr",
            vec!["inspect".into(), "--qr".into(), s1.clone()],
        ),
        (
            "verify",
            vec![
                "verify".into(),
                s1.clone(),
                s2.clone(),
                "--passphrase-file".into(),
                pass2.clone(),
            ],
        ),
        (
            "verify --json",
            vec![
                "verify".into(),
                "--json".into(),
                s1.clone(),
                s2.clone(),
                "--passphrase-file".into(),
                pass2.clone(),
            ],
        ),
        (
            "drill",
            vec![
                "drill".into(),
                "--manifest".into(),
                manifest.clone(),
                s1.clone(),
                s2.clone(),
                "--passphrase-file".into(),
                pass2.clone(),
            ],
        ),
        (
            "manifest verify",
            vec!["manifest".into(), "verify".into(), manifest.clone()],
        ),
        (
            "manifest verify --json",
            vec![
                "manifest".into(),
                "verify".into(),
                "--json".into(),
                manifest.clone(),
            ],
        ),
        (
            "transcript verify",
            vec!["transcript".into(), "verify".into(), log.clone()],
        ),
        (
            "transcript verify --json",
            vec![
                "transcript".into(),
                "verify".into(),
                "--json".into(),
                log.clone(),
            ],
        ),
        (
            "recover",
            vec![
                "recover".into(),
                s1.clone(),
                s2.clone(),
                "--passphrase-file".into(),
                pass2.clone(),
            ],
        ),
        (
            "recover --reveal",
            vec![
                "recover".into(),
                s1.clone(),
                s2.clone(),
                "--passphrase-file".into(),
                pass2.clone(),
                "--reveal".into(),
            ],
        ),
        (
            "transcript append",
            vec![
                "transcript".into(),
                "append".into(),
                w.path("spoiled.log").to_string_lossy().into_owned(),
                "--step".into(),
                "spoiled".into(),
                "--actor".into(),
                "op".into(),
                "--result".into(),
                "PASS".into(),
            ],
        ),
        ("generate", vec!["generate".into(), "--reveal".into()]),
        ("completions", vec!["completions".into(), "bash".into()]),
        ("man", vec!["man".into()]),
        ("man split", vec!["man".into(), "split".into()]),
        ("--help", vec!["--help".into()]),
        ("split --help", vec!["split".into(), "--help".into()]),
        ("help", vec!["help".into()]),
        ("--version", vec!["--version".into()]),
        ("demo", vec!["demo".into()]),
    ];
    let mut runs = 0;
    for (name, args) in &commands {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        for (fd, how) in [
            (1, Spoiled::Closed),
            (1, Spoiled::BrokenPipe),
            (2, Spoiled::Closed),
            (2, Spoiled::BrokenPipe),
        ] {
            runs += 1;
            let demos_before = std::fs::read_dir(&tmp).unwrap().count();
            let r = run_spoiled(&args, fd, how, &searched, &tmp);
            let context = format!(
                "{name} with fd {fd} {how:?}: exit {:?}, signal {:?}\nstdout: {}\nstderr: {}",
                r.code, r.signal, r.stdout, r.stderr
            );
            assert!(!r.stderr.contains("panicked"), "{context}");
            assert_eq!(r.signal, None, "{context}");
            // A closed descriptor is reopened on /dev/null by the Rust runtime at start-up,
            // so output is discarded as with `>/dev/null`: the command succeeds. A broken
            // pipe on stdout is exit 2 with one error line; on stderr, the messages are lost
            // and the command goes on.
            if fd == 1 && how == Spoiled::BrokenPipe {
                assert_eq!(r.code, Some(2), "{context}");
                assert_eq!(
                    r.stderr.lines().last(),
                    Some("error: cannot write to standard output: Broken pipe (os error 32)"),
                    "{context}"
                );
            } else {
                assert_eq!(r.code, Some(0), "{context}");
            }
            if *name == "recover --reveal" {
                assert!(
                    !r.stderr.contains("about"),
                    "the secret on stderr: {context}"
                );
                if fd == 2 {
                    assert_eq!(r.stdout.trim_end(), ABOUT, "{context}");
                }
            }
            assert_eq!(
                files_holding_the_secret(&searched),
                Vec::<PathBuf>::new(),
                "{context}"
            );
            if *name == "demo" && fd == 1 && how == Spoiled::BrokenPipe {
                // The demo stops at its first line: nothing made.
                let demos = std::fs::read_dir(&tmp).unwrap().count();
                assert_eq!(demos, demos_before, "{context}");
            }
        }
    }
    // A failing command keeps its exit code with stderr spoiled (no panic: 101).
    for how in [Spoiled::Closed, Spoiled::BrokenPipe] {
        let r = run_spoiled(&strings(&["inspect", "nope.txt"]), 2, how, &searched, &tmp);
        assert_eq!(r.code, Some(2), "inspect nope.txt, stderr {how:?}");
        let r = run_spoiled(&strings(&["inspect", "nope.txt"]), 1, how, &searched, &tmp);
        assert_eq!(r.code, Some(2), "inspect nope.txt, stdout {how:?}");
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
    eprintln!(
        "closed or broken stdout/stderr: {runs} runs of {} commands",
        commands.len()
    );
}

#[test]
fn split_with_a_broken_stdout_still_leaves_a_complete_set() {
    let fx = Fixture::new();
    let out = fx.work.path("shares");
    let tmp = fx.work.path("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let r = run_spoiled(
        &fx.split_args(&out),
        1,
        Spoiled::BrokenPipe,
        fx.work.dir.path(),
        &tmp,
    );
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    fx.assert_complete_set(&out, "split whose summary could not be printed");
}
