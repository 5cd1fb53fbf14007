//! Process hygiene (docs/SECURITY.md, "Process hygiene"): memory locked where the OS allows it
//! and one warning where it does not, no passphrase from the environment, no panic message.

use std::io::Write;
use std::process::{Child, Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use crate::util::*;

const WARNING: &str = "warning: memory is not locked, so secrets could be written to swap";

/// The binary under test, for commands assert_cmd cannot wrap (setsid, setpriv).
fn bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("coldshard")
}

/// A field of /proc/PID/status, in kB, while the process runs.
fn status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Starts `split` waiting for the secret on a pipe, and returns it with its VmLck (kB) read
/// while it waits; the caller then feeds the secret.
fn split_waiting(cmd: &mut StdCommand) -> (Child, u64) {
    let child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn coldshard");
    // Hardening runs before split reads standard input: wait until the process has passed
    // start-up (its status shows our binary and it is blocked reading).
    let started = Instant::now();
    let mut locked = 0;
    while started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(100));
        let stat =
            std::fs::read_to_string(format!("/proc/{}/wchan", child.id())).unwrap_or_default();
        locked = status_kb(child.id(), "VmLck:").unwrap_or(0);
        if stat.contains("pipe") || locked > 0 {
            break;
        }
    }
    (child, locked)
}

/// Feeds the secret and waits; returns (exit code, stdout, stderr).
fn finish(mut child: Child, secret: &str) -> (Option<i32>, String, String) {
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(secret.as_bytes()).expect("write secret");
    }
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Whether this test process could lock all its memory: CAP_IPC_LOCK or no limit.
fn may_lock_everything() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let cap_eff = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|h| u64::from_str_radix(h.trim(), 16).ok())
        .unwrap();
    let limit = rustix::process::getrlimit(rustix::process::Resource::Memlock);
    cap_eff & (1 << 14) != 0 || limit.maximum.is_none()
}

const SECRET: &str = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about\n";

#[test]
fn a_command_holding_secrets_locks_its_memory_where_the_os_allows_it() {
    let work = Work::new();
    let out = work.path("locked");
    let mut cmd = StdCommand::new(bin());
    cmd.args(["split", "-t", "2", "-n", "3", "--no-passphrase", "--out"])
        .arg(&out);
    let (child, locked) = split_waiting(&mut cmd);
    let (code, _, stderr) = finish(child, SECRET);
    assert_eq!(code, Some(0), "{stderr}");
    if may_lock_everything() {
        assert!(
            locked > 0,
            "VmLck was {locked} kB while split waited for the seed"
        );
        assert!(!stderr.contains(WARNING), "{stderr}");
    } else {
        assert_eq!(locked, 0);
        assert_eq!(stderr.matches(WARNING).count(), 1, "{stderr}");
    }
}

#[test]
fn without_cap_ipc_lock_under_a_small_limit_it_warns_once_and_goes_on() {
    let work = Work::new();
    let out = work.path("unlocked");
    // setpriv drops CAP_IPC_LOCK (as a user without it), prlimit sets the usual 8 MiB limit.
    let mut cmd = StdCommand::new("setpriv");
    cmd.args([
        "--inh-caps=-ipc_lock",
        "--bounding-set=-ipc_lock",
        "prlimit",
        "--memlock=8388608",
    ])
    .arg(bin())
    .args(["split", "-t", "2", "-n", "3", "--no-passphrase", "--out"])
    .arg(&out);
    let (child, locked) = split_waiting(&mut cmd);
    let (code, stdout, stderr) = finish(child, SECRET);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(locked, 0, "memory locked although the OS did not allow it");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines.first().copied(),
        Some(
            "warning: memory is not locked, so secrets could be written to swap: the locked-memory \
             limit is 8192 KiB (RLIMIT_MEMLOCK) and Argon2 alone needs more"
        ),
        "{stderr}"
    );
    assert!(
        lines
            .get(1)
            .is_some_and(|l| l.starts_with("hint: keep swap off or encrypted")),
        "{stderr}"
    );
    assert_eq!(stderr.matches(WARNING).count(), 1, "{stderr}");
    assert!(
        stdout.contains("into 3 shares; any 2 rebuild it"),
        "{stdout}"
    );
    assert!(out.join("manifest.json").exists());

    // A command that holds no secret does not lock memory and does not warn.
    let inspect = StdCommand::new("setpriv")
        .args([
            "--inh-caps=-ipc_lock",
            "--bounding-set=-ipc_lock",
            "prlimit",
            "--memlock=8388608",
        ])
        .arg(bin())
        .arg("inspect")
        .arg(out.join("share-1-of-3.txt"))
        .output()
        .unwrap();
    assert!(inspect.status.success());
    assert_eq!(String::from_utf8_lossy(&inspect.stderr), "");
}

#[test]
fn passphrases_are_never_taken_from_the_environment() {
    let work = Work::new();
    let shares = work.split("env", SECRET, 2, 3, &passphrases(3));
    let secret_file = work.write("seed.txt", SECRET);
    // No controlling terminal (setsid): a command that needs a passphrase must refuse, whatever
    // passphrase-like variables say, rather than use one of them.
    let vars = [
        ("COLDSHARD_PASSPHRASE", "pass-1"),
        ("COLDSHARD_PASSPHRASES", "pass-1"),
        ("PASSPHRASE", "pass-1"),
        ("PASSWORD", "pass-1"),
    ];
    let run = |args: &[&str]| {
        let mut cmd = StdCommand::new("setsid");
        cmd.arg("--wait").arg(bin()).args(args).stdin(Stdio::null());
        for (k, v) in vars {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let verify = run(&["verify", &shares[0]]);
    assert_eq!(verify.status.code(), Some(2));
    let err = String::from_utf8_lossy(&verify.stderr);
    assert!(
        err.starts_with(
            "error: no terminal is available to ask for the passphrase for share 1 of 3"
        ),
        "{err}"
    );
    let out = work.path("env-split");
    let mut split_args = vec!["split", "-t", "2", "-n", "2", "--in", &secret_file, "--out"];
    split_args.push(out.to_str().unwrap());
    split_args.extend(FAST_KDF);
    let split = run(&split_args);
    assert_eq!(split.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&split.stderr).contains("no terminal is available"),
        "{}",
        String::from_utf8_lossy(&split.stderr)
    );
    assert!(
        !out.exists(),
        "split wrote shares without asking for passphrases"
    );
}

#[test]
fn the_library_reads_no_environment_variable_outside_tests() {
    // A passphrase in the environment is visible in /proc/PID/environ and inherited by every
    // child: coldshard reads none. Checked in the sources, so that a later change cannot add
    // one quietly (clap's `env` attribute included).
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = Vec::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        // Unit tests sit at the end of each file, after `#[cfg(test)]`.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (n, line) in code.lines().enumerate() {
            let l = line.trim_start();
            if l.starts_with("//") {
                continue;
            }
            if l.contains("env::var") || l.contains("var_os(") || l.contains("env = ") {
                offenders.push(format!("{}:{}: {l}", path.display(), n + 1));
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}
