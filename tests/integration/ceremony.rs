//! The ceremony scripts (ceremony-scripts/), run end to end against the built binary:
//! unattended with `--answers`, and once through a real pseudo-terminal. The output of the key
//! ceremony passes the recovery drill and the disaster recovery; no transcript, report or log
//! holds the seed or a passphrase; preflight names each failing check; a tampered transcript
//! line is named by `coldshard transcript verify`.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{Work, file_sha256};

/// The first 24-word BIP39 test vector (entropy 00..00 is too regular: this one has structure).
const SEED: &str = "legal winner thank year wave sausage worth useful legal winner thank year \
                    wave sausage worth useful legal winner thank year wave sausage worth title";
const ENTROPY_HEX: &str = "7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f";
const PASSES: [&str; 3] = [
    "ceremony Alpha-7 quartz",
    "ceremony Bravo-8 quartz",
    "ceremony Charlie-9 quartz",
];
const LABELS: [&str; 3] = ["alice", "bob", "carol"];

fn scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ceremony-scripts")
}

fn binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin("coldshard")
}

/// A stand-in for / as preflight reads it: an air-gapped laptop (loopback up, eth0 down, no
/// route, the wireless radio blocked, swap off), or with `online` every one of those wrong.
fn sysroot(work: &Work, name: &str, online: bool) -> PathBuf {
    let root = work.path(name);
    let write = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("sys/class/net/lo/flags", "0x9\n");
    // The bonding driver puts a plain file among the interfaces.
    write("sys/class/net/bonding_masters", "\n");
    write(
        "sys/class/net/eth0/flags",
        if online { "0x1003\n" } else { "0x1002\n" },
    );
    write("sys/class/rfkill/rfkill0/type", "wlan\n");
    write("sys/class/rfkill/rfkill0/name", "phy0\n");
    write(
        "sys/class/rfkill/rfkill0/soft",
        if online { "0\n" } else { "1\n" },
    );
    write("sys/class/rfkill/rfkill0/hard", "0\n");
    let route_header =
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";
    let route = if online {
        format!("{route_header}eth0\t00000000\t0102A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n")
    } else {
        route_header.to_string()
    };
    write("proc/net/route", &route);
    write("proc/net/ipv6_route", "");
    let swaps_header = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";
    let swaps = if online {
        format!("{swaps_header}/dev/sda2\tpartition\t1000\t0\t-2\n")
    } else {
        swaps_header.to_string()
    };
    write("proc/swaps", &swaps);
    root
}

/// A ceremony script with the binary, the stand-in root and a clean environment.
fn script(name: &str, root: &Path) -> Command {
    let mut cmd = Command::new(scripts().join(name));
    cmd.env("COLDSHARD", binary())
        .env("COLDSHARD_SYSROOT", root)
        .env_remove("RUST_BACKTRACE")
        .stdin(std::process::Stdio::null());
    cmd
}

/// Output of a script run: exit code and everything it printed (the "log").
struct Ran {
    code: Option<i32>,
    log: String,
}

fn run(cmd: &mut Command) -> Ran {
    let out = cmd.output().expect("run the script");
    let mut log = String::from_utf8_lossy(&out.stdout).into_owned();
    log.push_str(&String::from_utf8_lossy(&out.stderr));
    Ran {
        code: out.status.code(),
        log,
    }
}

fn answers(work: &Work, name: &str, lines: &[(&str, String)]) -> String {
    let text: String = lines.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    let path = work.write(name, text);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

fn common_answers(binary_sha: &str) -> Vec<(&'static str, String)> {
    vec![
        ("operator", "Olga Operator".into()),
        ("witnesses", "Walt Witness, Wendy Witness".into()),
        ("binary_sha256", binary_sha.into()),
    ]
}

fn transcript_verifies(transcript: &Path) -> String {
    let out = Command::new(binary())
        .args(["transcript", "verify"])
        .arg(transcript)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}: {text}{}",
        transcript.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// The steps (second member) recorded in a transcript, with their results.
fn steps(transcript: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(transcript)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["step"].as_str().unwrap().to_string(),
                v["result"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Runs the key ceremony unattended into `work/set`; returns (set folder, transcript, log).
fn key_ceremony(work: &Work, root: &Path) -> (PathBuf, PathBuf, String) {
    let set = work.path("set");
    let transcript = work.path("key.transcript");
    let mut lines = common_answers(&file_sha256(binary()));
    lines.extend([
        ("out", set.to_string_lossy().into_owned()),
        ("threshold", "2".into()),
        ("shares", "3".into()),
        ("seed.source", "enter".into()),
        ("seed.mnemonic", SEED.into()),
        ("confirm.printed", "yes".into()),
        ("confirm.fingerprint", "yes".into()),
    ]);
    for i in 1..=3 {
        lines.push((
            ["custodian.1", "custodian.2", "custodian.3"][i - 1],
            LABELS[i - 1].into(),
        ));
        lines.push((
            ["passphrase.1", "passphrase.2", "passphrase.3"][i - 1],
            PASSES[i - 1].into(),
        ));
    }
    // Sheets read back from "paper": the stand-in printer leaves a scan (the QR image) of 1
    // and 3 and the typed text of 2 in work/scans.
    let scans = work.path("scans");
    lines.push((
        "sheet.1",
        scans.join("share-1-of-3.png").display().to_string(),
    ));
    lines.push((
        "sheet.2",
        scans.join("share-2-of-3.txt").display().to_string(),
    ));
    lines.push((
        "sheet.3",
        scans.join("share-3-of-3.png").display().to_string(),
    ));
    let a = answers(work, "key.answers", &lines);
    let ran = run(script("key-ceremony.sh", root)
        .env("PATH", printer_path(work))
        .args([
            "--answers",
            &a,
            "--rehearsal-kdf",
            "--print",
            "--transcript",
        ])
        .arg(&transcript));
    assert_eq!(ran.code, Some(0), "key ceremony:\n{}", ran.log);
    (set, transcript, ran.log)
}

/// PATH with a stand-in `lp` first: it logs each job to work/printed.log and, playing the
/// printer and the scanner, leaves the sheet's QR image and text in work/scans (where the
/// read-back finds them, outside the set folder, which is refused as not paper).
fn printer_path(work: &Work) -> String {
    let bin = work.path("bin");
    let scans = work.path("scans");
    if !bin.exists() {
        std::fs::create_dir(&bin).unwrap();
        std::fs::create_dir(&scans).unwrap();
        let lp = bin.join("lp");
        std::fs::write(
            &lp,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{log}'\n\
                 for a; do case $a in *.pdf) b=${{a%.pdf}}; cp \"$b.png\" \"$b.txt\" '{scans}/';; esac; done\n",
                log = work.path("printed.log").display(),
                scans = scans.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&lp, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    format!("{}:{}", bin.display(), std::env::var("PATH").unwrap())
}

/// An answers file for a drill or a restore: the common answers, `extra`, and the sheets
/// presented in order as (custodian, sheet file, passphrase).
fn presented_answers(
    work: &Work,
    name: &str,
    extra: &[(&str, String)],
    sheets: &[(&str, String, &str)],
) -> String {
    let mut lines: Vec<(String, String)> = common_answers(&file_sha256(binary()))
        .into_iter()
        .chain(extra.iter().cloned())
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    lines.push(("sheets".into(), sheets.len().to_string()));
    for (k, (who, sheet, pass)) in sheets.iter().enumerate() {
        let n = k + 1;
        lines.push((format!("custodian.{n}"), who.to_string()));
        lines.push((format!("sheet.{n}"), sheet.clone()));
        lines.push((format!("passphrase.{n}"), pass.to_string()));
    }
    let lines: Vec<(&str, String)> = lines.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    answers(work, name, &lines)
}

/// Sheet `i` of the 2-of-3 set in `set` as its custodian presents it: file `ext`, passphrase.
fn sheet(set: &Path, i: usize, ext: &str) -> (&'static str, String, &'static str) {
    (
        LABELS[i - 1],
        set.join(format!("share-{i}-of-3.{ext}"))
            .display()
            .to_string(),
        PASSES[i - 1],
    )
}

fn drill_answers(work: &Work, name: &str, set: &Path, report: &Path, idx: &[usize]) -> String {
    let extra = [
        ("manifest", set.join("manifest.json").display().to_string()),
        ("report", report.display().to_string()),
    ];
    let sheets: Vec<_> = idx.iter().map(|&i| sheet(set, i, "png")).collect();
    presented_answers(work, name, &extra, &sheets)
}

/// The Standard SeedQR payload of [`SEED`]: each word's index as four digits.
fn standard_seedqr_digits() -> String {
    let wordlist = bip39::Language::English.word_list();
    SEED.split_whitespace()
        .map(|w| format!("{:04}", wordlist.iter().position(|x| *x == w).unwrap()))
        .collect()
}

/// Everything a ceremony leaves for an auditor, searched for the seed, any run of three of its
/// words, its entropy and every passphrase.
fn assert_no_secret(what: &str, text: &str) {
    let words: Vec<&str> = SEED.split_whitespace().collect();
    let mut needles: Vec<String> = words.windows(3).map(|w| w.join(" ")).collect();
    needles.push(ENTROPY_HEX.into());
    needles.push(ENTROPY_HEX.to_uppercase());
    needles.extend(PASSES.iter().map(|p| p.to_string()));
    needles.push(standard_seedqr_digits());
    needles.extend(
        PASSES
            .iter()
            .map(|p| p.split(' ').nth(1).unwrap().to_string()),
    );
    for n in &needles {
        assert!(!text.contains(n.as_str()), "{what} holds {n:?}");
    }
}

#[test]
fn key_ceremony_output_passes_the_drill_and_the_restore() {
    let work = Work::new();
    let root = sysroot(&work, "root", false);
    let (set, key_transcript, key_log) = key_ceremony(&work, &root);

    // The key ceremony: every step in the chained transcript, the set and first drill on disk.
    transcript_verifies(&key_transcript);
    let key_steps = steps(&key_transcript);
    for step in [
        "roles",
        "preflight.network",
        "preflight.route",
        "preflight.radios",
        "preflight.swap",
        "preflight.binary",
        "seed",
        "split",
        "print",
        "readback.1",
        "readback.2",
        "readback.3",
        "first-drill",
        "paper-log",
        "wipe",
    ] {
        assert!(
            key_steps.iter().any(|(s, _)| s == step),
            "no {step} in {key_steps:?}"
        );
    }
    assert!(
        key_steps
            .iter()
            .all(|(s, r)| r != "FAIL" && s != "preflight.override"),
        "{key_steps:?}"
    );
    assert!(set.join("first-drill-report.json").is_file());
    assert!(key_log.contains("Result: PASS"), "{key_log}");
    // The working folder in RAM, named in the log, was wiped.
    let folder = key_log
        .lines()
        .find_map(|l| l.strip_prefix("Working folder in RAM (wiped at the end): "))
        .expect("the working folder is named");
    assert!(
        folder.starts_with("/dev/shm/coldshard-key-ceremony."),
        "{folder}"
    );
    assert!(!Path::new(folder).exists(), "{folder} was left behind");

    // The recovery drill with shares 1 and 3.
    let report = work.path("drill-report.json");
    let drill_transcript = work.path("drill.transcript");
    let a = drill_answers(&work, "drill.answers", &set, &report, &[1, 3]);
    let drill = run(script("recovery-drill.sh", &root)
        .args(["--answers", &a, "--transcript"])
        .arg(&drill_transcript));
    assert_eq!(drill.code, Some(0), "drill:\n{}", drill.log);
    assert!(drill.log.contains("Result: PASS"), "{}", drill.log);
    transcript_verifies(&drill_transcript);
    assert!(
        steps(&drill_transcript).contains(&("drill".into(), "PASS".into())),
        "{:?}",
        steps(&drill_transcript)
    );

    // Disaster recovery to a 0600 file with shares 2 and 3.
    let seed_file = work.path("restored-seed.txt");
    let restore_transcript = work.path("restore.transcript");
    let a = presented_answers(
        &work,
        "restore.answers",
        &[
            ("target", "file".to_string()),
            ("out", seed_file.display().to_string()),
            ("manifest", set.join("manifest.json").display().to_string()),
        ],
        &[sheet(&set, 2, "txt"), sheet(&set, 3, "png")],
    );
    let restore = run(script("disaster-recovery.sh", &root)
        .args(["--answers", &a, "--transcript"])
        .arg(&restore_transcript));
    assert_eq!(restore.code, Some(0), "restore:\n{}", restore.log);
    assert_eq!(
        std::fs::read_to_string(&seed_file).unwrap(),
        format!("{SEED}\n")
    );
    let mode = std::fs::metadata(&seed_file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    transcript_verifies(&restore_transcript);
    let restore_steps = steps(&restore_transcript);
    assert!(restore_steps.contains(&("restore".into(), "PASS".into())));
    assert!(restore_steps.contains(&("handoff".into(), "DONE".into())));

    // Disaster recovery to a compact SeedQR PNG, with shares 1 and 2.
    let png = work.path("seedqr.png");
    let seedqr_transcript = work.path("seedqr.transcript");
    let a = presented_answers(
        &work,
        "seedqr.answers",
        &[
            ("target", "seedqr".to_string()),
            ("seedqr.form", "standard".into()),
            ("seedqr.png", png.display().to_string()),
            ("manifest", set.join("manifest.json").display().to_string()),
        ],
        &[sheet(&set, 1, "png"), sheet(&set, 2, "png")],
    );
    let seedqr = run(script("disaster-recovery.sh", &root)
        .args(["--answers", &a, "--transcript"])
        .arg(&seedqr_transcript));
    assert_eq!(seedqr.code, Some(0), "seedqr restore:\n{}", seedqr.log);
    let mode = std::fs::metadata(&png).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    // Standard SeedQR: each word's index as four digits, read back by zbarimg.
    let digits = Command::new("zbarimg")
        .args(["--quiet", "--raw"])
        .arg(&png)
        .output()
        .expect("zbarimg (.ci/run installs zbar-tools)");
    let digits = String::from_utf8_lossy(&digits.stdout).trim().to_string();
    assert_eq!(digits, standard_seedqr_digits());
    transcript_verifies(&seedqr_transcript);

    // No transcript, report or log holds the seed or a passphrase.
    for t in [
        &key_transcript,
        &drill_transcript,
        &restore_transcript,
        &seedqr_transcript,
        &report,
        &set.join("first-drill-report.json"),
        &set.join("manifest.json"),
    ] {
        assert_no_secret(
            &t.display().to_string(),
            &std::fs::read_to_string(t).unwrap(),
        );
    }
    for (what, log) in [
        ("key ceremony log", &key_log),
        ("drill log", &drill.log),
        ("restore log", &restore.log),
        ("seedqr log", &seedqr.log),
    ] {
        assert_no_secret(what, log);
    }
}

#[test]
fn a_tampered_transcript_line_is_named() {
    let work = Work::new();
    let root = sysroot(&work, "root", false);
    let (_set, transcript, _) = key_ceremony(&work, &root);
    let text = std::fs::read_to_string(&transcript).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let k = lines
        .iter()
        .position(|l| l.contains("\"step\":\"first-drill\""))
        .unwrap();
    // Someone turns a FAIL into a PASS, or here a PASS into a WARN: the line is named.
    let tampered: String = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i == k {
                format!("{}\n", l.replace("\"PASS\"", "\"WARN\""))
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    assert_ne!(tampered, text);
    std::fs::write(&transcript, tampered).unwrap();
    let out = Command::new(binary())
        .args(["transcript", "verify"])
        .arg(&transcript)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("line {}", k + 1)),
        "line {} not named: {stderr}",
        k + 1
    );
}

#[test]
fn preflight_passes_an_air_gapped_laptop_and_names_each_failure() {
    let work = Work::new();
    let sha = file_sha256(binary());
    let good = sysroot(&work, "good", false);
    let t = work.path("good.transcript");
    let ran = run(script("preflight.sh", &good)
        .args(["--binary-sha256", &sha, "--transcript"])
        .arg(&t));
    assert_eq!(ran.code, Some(0), "{}", ran.log);
    for line in [
        "PASS  preflight.network",
        "PASS  preflight.route",
        "PASS  preflight.radios",
        "PASS  preflight.swap",
        "PASS  preflight.memlock",
        "PASS  preflight.binary",
        "INFO  preflight.clock",
        "INFO  preflight.version",
    ] {
        assert!(ran.log.contains(line), "{line}:\n{}", ran.log);
    }
    transcript_verifies(&t);

    // Without CAP_IPC_LOCK and under the usual 8 MiB limit, coldshard cannot lock its memory:
    // a WARN that says so (swap off is then what keeps secrets off the disk), not a FAIL.
    let program = script("preflight.sh", &good);
    let mut limited = Command::new("setpriv");
    limited
        .args(["--inh-caps=-ipc_lock", "--bounding-set=-ipc_lock"])
        .args(["prlimit", "--memlock=8388608"])
        .arg(program.get_program())
        .args(["--binary-sha256", &sha, "--transcript"])
        .arg(work.path("limited.transcript"))
        .envs(program.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .stdin(std::process::Stdio::null());
    let ran = run(&mut limited);
    assert_eq!(ran.code, Some(0), "{}", ran.log);
    let line = ran.log.lines().find(|l| l.contains("preflight.memlock"));
    assert!(
        line.is_some_and(|l| l.starts_with("WARN  preflight.memlock")
            && l.contains("locked memory is limited to 8192 KiB")),
        "{}",
        ran.log
    );

    let bad = sysroot(&work, "bad", true);
    let t = work.path("bad.transcript");
    let ran = run(script("preflight.sh", &bad)
        .args(["--binary-sha256", &"0".repeat(64), "--transcript"])
        .arg(&t));
    assert_eq!(ran.code, Some(1), "{}", ran.log);
    for (check, reason) in [
        ("FAIL  preflight.network", "eth0"),
        ("FAIL  preflight.route", "IPv4 via eth0"),
        ("FAIL  preflight.radios", "wlan (phy0)"),
        ("FAIL  preflight.swap", "/dev/sda2"),
        ("FAIL  preflight.binary", "do not use it"),
    ] {
        let line = ran
            .log
            .lines()
            .find(|l| l.contains(check))
            .unwrap_or_else(|| panic!("{check}:\n{}", ran.log));
        assert!(line.contains(reason), "{line}");
    }
    assert_eq!(
        steps(&t).iter().filter(|(_, r)| r == "FAIL").count(),
        5,
        "{:?}",
        steps(&t)
    );

    // Swap on dm-crypt passes; without a published hash the binary check is a WARN.
    let enc = sysroot(&work, "enc", false);
    std::fs::write(
        enc.join("proc/swaps"),
        "Filename\tType\tSize\tUsed\tPriority\n/dev/dm-1\tpartition\t1000\t0\t-2\n",
    )
    .unwrap();
    std::fs::create_dir_all(enc.join("sys/block/dm-1/dm")).unwrap();
    std::fs::write(enc.join("sys/block/dm-1/dm/uuid"), "CRYPT-LUKS2-abc-swap\n").unwrap();
    // An answers file saved with Windows line ends reads the same.
    let a = work.write("enc.answers", "# CRLF\r\nbinary_sha256=\r\n");
    let ran = run(script("preflight.sh", &enc)
        .args(["--answers", &a, "--transcript"])
        .arg(work.path("enc.transcript")));
    assert_eq!(ran.code, Some(0), "{}", ran.log);
    assert!(ran.log.contains("PASS  preflight.swap"), "{}", ran.log);
    assert!(ran.log.contains("WARN  preflight.binary"), "{}", ran.log);
}

#[test]
fn a_preflight_failure_stops_the_ceremony_unless_overridden_in_writing() {
    let work = Work::new();
    let online = sysroot(&work, "online", true);
    let mut lines = common_answers(&file_sha256(binary()));
    lines.extend([
        ("out", work.path("set").display().to_string()),
        ("threshold", "2".into()),
        ("shares", "2".into()),
        ("custodian.1", "alice".into()),
        ("custodian.2", "bob".into()),
        ("preflight.override", "no".into()),
    ]);
    let a = answers(&work, "stop.answers", &lines);
    let t = work.path("stop.transcript");
    let ran = run(script("key-ceremony.sh", &online)
        .args(["--answers", &a, "--rehearsal-kdf", "--transcript"])
        .arg(&t));
    assert_eq!(ran.code, Some(1), "{}", ran.log);
    assert!(ran.log.contains("was not confirmed"), "{}", ran.log);
    assert!(!work.path("set").exists(), "no set is made");
    transcript_verifies(&t);

    // "yes" goes on, and the transcript keeps the override as a WARN.
    lines.pop();
    lines.extend([
        ("preflight.override", "yes".into()),
        ("seed.source", "generate".into()),
        ("seed.words", "12".into()),
        ("passphrase.1", PASSES[0].into()),
        ("passphrase.2", PASSES[1].into()),
        ("confirm.printed", "yes".into()),
        ("confirm.fingerprint", "yes".into()),
    ]);
    let set = work.path("set");
    let scans = work.path("scans");
    let mut refused_lines = lines.clone();
    lines.push((
        "sheet.1",
        scans.join("share-1-of-2.txt").display().to_string(),
    ));
    lines.push((
        "sheet.2",
        scans.join("share-2-of-2.png").display().to_string(),
    ));
    let a = answers(&work, "go.answers", &lines);
    let t = work.path("go.transcript");
    let ran = run(script("key-ceremony.sh", &online)
        .env("PATH", printer_path(&work))
        .args([
            "--answers",
            &a,
            "--rehearsal-kdf",
            "--printer",
            "vault-laser",
        ])
        .arg("--transcript")
        .arg(&t));
    assert_eq!(ran.code, Some(0), "{}", ran.log);
    assert!(
        steps(&t).contains(&("preflight.override".into(), "WARN".into())),
        "{:?}",
        steps(&t)
    );
    assert_eq!(
        std::fs::read_to_string(work.path("printed.log")).unwrap(),
        format!(
            "-d vault-laser {}\n-d vault-laser {}\n",
            set.join("share-1-of-2.pdf").display(),
            set.join("share-2-of-2.pdf").display()
        ),
        "each sheet sent to the printer once"
    );
    assert!(steps(&t).contains(&("print".into(), "DONE".into())));

    // A read-back from the files coldshard wrote (not from paper) is refused.
    let set_b = work.path("set-b");
    for (k, v) in refused_lines.iter_mut() {
        if *k == "out" {
            *v = set_b.display().to_string();
        }
    }
    refused_lines.push((
        "sheet.1",
        set_b.join("share-1-of-2.txt").display().to_string(),
    ));
    let a = answers(&work, "refused.answers", &refused_lines);
    let ran = run(script("key-ceremony.sh", &online)
        .env("PATH", printer_path(&work))
        .args([
            "--answers",
            &a,
            "--rehearsal-kdf",
            "--print",
            "--transcript",
        ])
        .arg(work.path("refused.transcript")));
    assert_eq!(ran.code, Some(2), "{}", ran.log);
    assert!(
        ran.log.contains("sheet 1 must be read back from paper"),
        "{}",
        ran.log
    );
}

#[test]
fn every_script_has_help_and_refuses_unknown_options() {
    let work = Work::new();
    let root = sysroot(&work, "root", false);
    for name in [
        "preflight.sh",
        "key-ceremony.sh",
        "recovery-drill.sh",
        "disaster-recovery.sh",
    ] {
        let ran = run(script(name, &root).arg("--help"));
        assert_eq!(ran.code, Some(0), "{name}: {}", ran.log);
        assert!(ran.log.starts_with("Usage: "), "{name}: {}", ran.log);
        assert!(ran.log.contains("--answers FILE"), "{name}");
        assert!(ran.log.contains("--transcript FILE"), "{name}");
        let ran = run(script(name, &root).arg("--frobnicate"));
        assert_eq!(ran.code, Some(2), "{name}: {}", ran.log);
        assert!(ran.log.contains("unknown option '--frobnicate'"), "{name}");
    }
}

/// The recovery drill at a real terminal: questions answered as typed, passphrases typed at
/// coldshard's hidden prompts, and nothing typed secret ever echoed.
#[test]
fn recovery_drill_through_a_pseudo_terminal() {
    use rexpect::session::spawn_command;

    let work = Work::new();
    let root = sysroot(&work, "root", false);
    let (set, _, _) = key_ceremony(&work, &root);
    let report = work.path("pty-report.json");
    let transcript = work.path("pty.transcript");
    let mut cmd = script("recovery-drill.sh", &root);
    cmd.args(["--binary-sha256", &file_sha256(binary())])
        .arg("--manifest")
        .arg(set.join("manifest.json"))
        .arg("--report")
        .arg(&report)
        .arg("--transcript")
        .arg(&transcript)
        .stdin(std::process::Stdio::inherit());
    let mut p = spawn_command(cmd, Some(60_000)).expect("spawn in a pty");
    let mut seen = String::new();
    let mut expect = |p: &mut rexpect::session::PtySession, needle: &str| {
        let before = p
            .exp_string(needle)
            .unwrap_or_else(|e| panic!("waiting for {needle:?}: {e}\nseen:\n{seen}"));
        seen.push_str(&before);
        seen.push_str(needle);
    };
    expect(&mut p, "Operator's name: ");
    p.send_line("Olga Operator").unwrap();
    expect(&mut p, "Witnesses' names (comma-separated): ");
    p.send_line("Walt Witness").unwrap();
    expect(&mut p, "How many sheets are presented? ");
    p.send_line("3").unwrap();
    for i in 1..=3 {
        expect(&mut p, &format!("Custodian presenting sheet {i} (name): "));
        p.send_line(LABELS[i - 1]).unwrap();
        expect(&mut p, "or Enter to paste its text: ");
        if i == 2 {
            // Sheet 2 is pasted as text at the terminal.
            p.send_line("").unwrap();
            expect(&mut p, "-----END COLDSHARD SHARE-----'):");
            let text = std::fs::read_to_string(set.join("share-2-of-3.txt")).unwrap();
            for line in text.lines() {
                p.send_line(line).unwrap();
            }
        } else {
            p.send_line(
                &set.join(format!("share-{i}-of-3.png"))
                    .display()
                    .to_string(),
            )
            .unwrap();
        }
    }
    for i in 1..=3 {
        // The prompt names the file presented; the pasted text was kept in the RAM folder.
        let prompt = if i == 2 {
            "pasted-2.txt'): ".to_string()
        } else {
            format!(
                "Passphrase for share {i} of 3 ('{}'): ",
                set.join(format!("share-{i}-of-3.png")).display()
            )
        };
        expect(&mut p, &prompt);
        p.send_line(PASSES[i - 1]).unwrap();
    }
    expect(&mut p, "Result: PASS");
    expect(&mut p, "Final hash");
    let rest = p.exp_eof().unwrap();
    seen.push_str(&rest);
    for typed in PASSES {
        assert!(!seen.contains(typed), "{typed:?} was echoed:\n{seen}");
    }
    assert!(report.is_file());
    assert!(steps(&transcript).contains(&("drill".into(), "PASS".into())));
    assert_no_secret(
        "drill transcript",
        &std::fs::read_to_string(&transcript).unwrap(),
    );
}

/// Disaster recovery to the screen and to an on-screen SeedQR: the seed appears only inside
/// the alternate screen, which is cleared (with its scrollback) once the operator confirms.
#[test]
fn disaster_recovery_on_screen_uses_the_alternate_screen_and_clears_it() {
    use rexpect::session::spawn_command;

    let work = Work::new();
    let root = sysroot(&work, "root", false);
    let (set, _, _) = key_ceremony(&work, &root);
    for (target, form) in [("screen", ""), ("seedqr", "compact")] {
        let a = presented_answers(
            &work,
            &format!("{target}.answers"),
            &[
                ("target", target.to_string()),
                ("seedqr.form", form.to_string()),
                ("seedqr.png", String::new()),
                ("manifest", set.join("manifest.json").display().to_string()),
                ("confirm.ready", String::new()),
                ("confirm.entered", "yes".into()),
            ],
            &[sheet(&set, 1, "txt"), sheet(&set, 3, "txt")],
        );
        let transcript = work.path(&format!("{target}.transcript"));
        let mut cmd = script("disaster-recovery.sh", &root);
        cmd.args(["--answers", &a, "--transcript"])
            .arg(&transcript)
            .stdin(std::process::Stdio::inherit());
        let mut p = spawn_command(cmd, Some(60_000)).expect("spawn in a pty");
        let seen = p.exp_eof().expect("the script ends");
        let enter = seen
            .find("\x1b[?1049h")
            .unwrap_or_else(|| panic!("{target}: no alternate screen:\n{seen}"));
        let leave = seen
            .find("\x1b[H\x1b[2J\x1b[3J\x1b[?1049l")
            .unwrap_or_else(|| panic!("{target}: not cleared:\n{seen}"));
        assert!(enter < leave);
        let (before, inside, after) = (&seen[..enter], &seen[enter..leave], &seen[leave..]);
        match target {
            "screen" => assert!(inside.contains(SEED), "the words on the alternate screen"),
            _ => assert!(
                inside.contains("CompactSeedQR, 24 words, 25x25"),
                "{inside}"
            ),
        }
        assert!(inside.contains("Fingerprint:"), "{inside}");
        assert_no_secret(&format!("{target}: before the alternate screen"), before);
        assert_no_secret(&format!("{target}: after the alternate screen"), after);
        assert!(after.contains("Final hash"), "{after}");
        let steps = steps(&transcript);
        assert!(
            steps.contains(&("restore".into(), "PASS".into())),
            "{steps:?}"
        );
        assert!(
            steps.contains(&("handoff".into(), "DONE".into())),
            "{steps:?}"
        );
        assert_no_secret("transcript", &std::fs::read_to_string(&transcript).unwrap());
    }
}

/// Sheets of another set (a retired one, say) restored against this set's manifest: refused
/// before any passphrase, so nothing is shown or written, and the transcript says so.
#[test]
fn disaster_recovery_refuses_sheets_the_manifest_does_not_record() {
    let work = Work::new();
    let root = sysroot(&work, "root", false);
    let (set, _, _) = key_ceremony(&work, &root);
    let other = work.split(
        "retired",
        crate::util::ABOUT,
        2,
        3,
        &PASSES.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
    );
    let seed_file = work.path("restored.txt");
    let a = presented_answers(
        &work,
        "other.answers",
        &[
            ("target", "file".to_string()),
            ("out", seed_file.display().to_string()),
            ("manifest", set.join("manifest.json").display().to_string()),
        ],
        &[
            ("alice", other[0].clone(), PASSES[0]),
            ("bob", other[1].clone(), PASSES[1]),
        ],
    );
    let t = work.path("other.transcript");
    let ran = run(script("disaster-recovery.sh", &root)
        .args(["--answers", &a, "--transcript"])
        .arg(&t));
    assert_eq!(ran.code, Some(1), "{}", ran.log);
    assert!(
        ran.log.contains("but the shares given are of set"),
        "{}",
        ran.log
    );
    assert!(!seed_file.exists(), "nothing written");
    transcript_verifies(&t);
    let steps = steps(&t);
    assert!(
        steps.contains(&("restore".into(), "FAIL".into())),
        "{steps:?}"
    );
    assert!(!steps.iter().any(|(s, _)| s == "handoff"), "{steps:?}");
}
