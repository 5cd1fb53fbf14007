//! Keys derived side by side (`--kdf-threads N`, or as many as the cores and memory allow):
//! split, verify, recover, drill and reissue give the same results, messages and exit codes
//! with one worker as with several, list shares in argument order, and name the same failing
//! share. Progress is drawn on a terminal (checked through a pty) and nowhere else.

use std::process::Command as StdCommand;

use assert_cmd::Command;
use rexpect::session::spawn_command;

use crate::util::{
    ABOUT, FAST_KDF, Ran, Work, coldshard, folder_names, passphrases, printed_set_id, run, run_ok,
    share_path,
};

/// The settings compared: one worker, a few, more than there are shares, and the default.
const SETTINGS: [Option<&str>; 4] = [Some("1"), Some("3"), Some("64"), None];

/// The warning split prints for the fast test KDF; no other line may reach a captured stderr.
const WEAK_KDF_WARNING: &str = "warning: --kdf-memory 1 MiB is far below the default of 512 MiB: use it for tests only, never for real shares\n";

fn with_threads(mut cmd: Command, threads: Option<&str>) -> Command {
    if let Some(n) = threads {
        cmd.args(["--kdf-threads", n]);
    }
    cmd
}

/// Nothing of a progress display reached a stderr that is not a terminal.
fn assert_no_progress(r: &Ran) {
    for needle in [
        "\u{1b}",
        "\r",
        "Deriving",
        "Encrypting",
        "Checking share",
        "done",
    ] {
        assert!(
            !r.stderr.contains(needle),
            "progress {needle:?} on a captured stderr: {:?}",
            r.stderr
        );
    }
}

/// `split -t T -n N` of ABOUT into `out` with passphrases pass-1..pass-N (fast KDF).
fn split(work: &Work, out: &str, t: u8, n: u8, threads: Option<&str>) -> Ran {
    let pass = work.passfile(
        &format!("{out}-pass.txt"),
        &passphrases(n)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    let mut cmd = coldshard();
    cmd.args(["split", "-t", &t.to_string(), "-n", &n.to_string(), "--out"])
        .arg(work.path(out))
        .args(["--passphrase-file", &pass])
        .args(FAST_KDF);
    let mut cmd = with_threads(cmd, threads);
    run(cmd.write_stdin(ABOUT))
}

/// The split summary with what differs from one set to the next (its id, its folder) taken out.
fn normalized_summary(stdout: &str, out_dir: &str) -> String {
    let set_id = printed_set_id(stdout);
    stdout.replace(&set_id, "SET-ID").replace(out_dir, "DIR")
}

#[test]
fn split_makes_the_same_summary_and_files_with_one_worker_or_many() {
    let work = Work::new();
    for n in [5u8, 16] {
        let mut summaries = Vec::new();
        for (k, threads) in SETTINGS.iter().enumerate() {
            let out = format!("s{n}-{k}");
            let r = split(&work, &out, 3, n, *threads);
            assert_eq!(r.code, Some(0), "{threads:?}: {}", r.stderr);
            assert_eq!(r.stderr, WEAK_KDF_WARNING, "{threads:?}");
            assert_no_progress(&r);
            let dir = work.path(&out).to_string_lossy().into_owned();
            summaries.push(normalized_summary(&r.stdout, &dir));
            // Every file, and nothing else; each share opens with its own passphrase, read
            // back one at a time.
            let bases: Vec<String> = (1..=n).map(|i| format!("share-{i}-of-{n}")).collect();
            let bases: Vec<&str> = bases.iter().map(String::as_str).collect();
            let mut names: Vec<String> = std::fs::read_dir(work.path(&out))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            assert_eq!(names, folder_names(&bases));
            let shares: Vec<String> = (1..=n)
                .map(|i| share_path(&work.path(&out), i, n))
                .collect();
            let pass = work.path(&format!("{out}-pass.txt"));
            let mut verify = coldshard();
            verify
                .arg("verify")
                .args(&shares)
                .arg("--passphrase-file")
                .arg(&pass)
                .args(["--kdf-threads", "1"]);
            let stdout = run_ok(&mut verify);
            assert_eq!(stdout.lines().count(), usize::from(n));
        }
        assert!(
            summaries.iter().all(|s| *s == summaries[0]),
            "{summaries:#?}"
        );
        assert!(
            summaries[0].contains(&format!("into {n} shares; any 3 rebuild it")),
            "{}",
            summaries[0]
        );
    }
}

/// The shares of a 4-of-12 set in a mixed order, and a passphrase file for that order with
/// wrong lines at the given (0-based) argument positions.
struct Mixed {
    args: Vec<String>,
    order: Vec<u8>,
}

const ORDER_12: [u8; 12] = [7, 2, 12, 1, 9, 4, 11, 3, 6, 10, 5, 8];

fn mixed(
    work: &Work,
    shares: &[String],
    order: &[u8],
    wrong_at: &[usize],
    name: &str,
) -> (Mixed, String) {
    let lines: Vec<String> = order
        .iter()
        .enumerate()
        .map(|(pos, i)| {
            if wrong_at.contains(&pos) {
                format!("pass-{i} mistyped")
            } else {
                format!("pass-{i}")
            }
        })
        .collect();
    let pass = work.passfile(name, &lines.iter().map(String::as_str).collect::<Vec<_>>());
    let args = order
        .iter()
        .map(|&i| shares[usize::from(i) - 1].clone())
        .collect();
    (
        Mixed {
            args,
            order: order.to_vec(),
        },
        pass,
    )
}

fn verify(m: &Mixed, pass: &str, json: bool, threads: Option<&str>) -> Ran {
    let mut cmd = coldshard();
    cmd.arg("verify")
        .args(&m.args)
        .args(["--passphrase-file", pass]);
    if json {
        cmd.arg("--json");
    }
    run(&mut with_threads(cmd, threads))
}

#[test]
fn verify_lists_every_share_in_argument_order_with_one_worker_or_many() {
    let work = Work::new();
    let shares = work.split("s", ABOUT, 4, 12, &passphrases(12));
    let (m, pass) = mixed(&work, &shares, &ORDER_12, &[], "right.txt");
    let first = verify(&m, &pass, false, Some("1"));
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    // One OK line per share, in the order of the arguments.
    let named: Vec<String> = first
        .stdout
        .lines()
        .map(|l| {
            assert!(l.starts_with("OK  share "), "{l}");
            l.split_whitespace().nth(2).unwrap().to_string()
        })
        .collect();
    let expected: Vec<String> = m.order.iter().map(u8::to_string).collect();
    assert_eq!(named, expected);
    for (line, arg) in first.stdout.lines().zip(&m.args) {
        assert!(line.contains(&format!("('{arg}')")), "{line}");
    }
    let json = verify(&m, &pass, true, Some("1"));
    for threads in SETTINGS {
        let r = verify(&m, &pass, false, threads);
        assert_eq!(
            (r.code, &r.stdout, &r.stderr),
            (first.code, &first.stdout, &first.stderr),
            "{threads:?}"
        );
        assert!(r.stderr.is_empty(), "{threads:?}: {}", r.stderr);
        let j = verify(&m, &pass, true, threads);
        assert_eq!(
            (j.code, &j.stdout, &j.stderr),
            (json.code, &json.stdout, &json.stderr),
            "{threads:?}"
        );
    }
}

#[test]
fn verify_reports_the_same_failing_shares_in_argument_order_with_one_worker_or_many() {
    let work = Work::new();
    let shares = work.split("s", ABOUT, 4, 12, &passphrases(12));
    // Wrong lines at argument positions 3, 8 and 11: shares 1, 6 and 8, reported in that order.
    let (m, pass) = mixed(&work, &shares, &ORDER_12, &[3, 8, 11], "wrong.txt");
    let expected = format!(
        "error: share 1 of 12 ('{}'): the passphrase is wrong\n\
         error: share 6 of 12 ('{}'): the passphrase is wrong\n\
         error: share 8 of 12 ('{}'): the passphrase is wrong\n\
         hint: passphrases are case-sensitive; check the keyboard layout and Caps Lock\n",
        shares[0], shares[5], shares[7]
    );
    let json = verify(&m, &pass, true, Some("1"));
    assert_eq!(json.code, Some(3));
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("one JSON object");
    let correct: Vec<bool> = v["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["passphrase_correct"].as_bool().unwrap())
        .collect();
    let expected_correct: Vec<bool> = (0..12).map(|pos| ![3, 8, 11].contains(&pos)).collect();
    assert_eq!(correct, expected_correct);
    for threads in SETTINGS {
        let r = verify(&m, &pass, false, threads);
        assert_eq!(r.code, Some(3), "{threads:?}");
        assert!(r.stdout.is_empty(), "{threads:?}: {}", r.stdout);
        assert_eq!(r.stderr, expected, "{threads:?}");
        let j = verify(&m, &pass, true, threads);
        assert_eq!(
            (j.code, &j.stdout, &j.stderr),
            (json.code, &json.stdout, &json.stderr),
            "{threads:?}"
        );
    }
}

fn recover(args: &[String], pass: &str, threads: Option<&str>) -> Ran {
    let mut cmd = coldshard();
    cmd.arg("recover")
        .args(args)
        .args(["--passphrase-file", pass]);
    run(&mut with_threads(cmd, threads))
}

#[test]
fn recover_stops_at_the_same_first_failing_share_with_one_worker_or_many() {
    let work = Work::new();
    let n = 16;
    let shares = work.split("s", ABOUT, 5, n, &passphrases(n));
    let order = [14, 3, 9, 16, 1, 7, 12, 5, 10];
    // All right: the same summary, shares listed in argument order.
    let (m, pass) = mixed(&work, &shares, &order, &[], "right.txt");
    let first = recover(&m.args, &pass, Some("1"));
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    assert!(
        first
            .stdout
            .contains("from shares 14, 3, 9, 16, 1, 7, 12, 5, 10. Fingerprint: "),
        "{}",
        first.stdout
    );
    for threads in SETTINGS {
        let r = recover(&m.args, &pass, threads);
        assert_eq!(
            (r.code, &r.stdout, &r.stderr),
            (first.code, &first.stdout, &first.stderr),
            "{threads:?}"
        );
    }
    // Wrong passphrases at argument positions 4 and 7 (shares 1 and 5): share 1 is named,
    // whichever worker finished first; a wrong one only at the end is named too.
    for (wrong_at, named) in [
        (vec![4, 7], 1usize),
        (vec![7, 4], 1),
        (vec![8], 10),
        (vec![0, 8], 14),
    ] {
        let (m, pass) = mixed(
            &work,
            &shares,
            &order,
            &wrong_at,
            &format!("wrong-{named}-{}.txt", wrong_at.len()),
        );
        let expected = format!(
            "error: share {named} of {n} ('{}'): the passphrase is wrong\n\
             hint: passphrases are case-sensitive; check the keyboard layout and Caps Lock\n",
            shares[named - 1]
        );
        for threads in SETTINGS {
            let r = recover(&m.args, &pass, threads);
            assert_eq!(r.code, Some(3), "{wrong_at:?} {threads:?}: {}", r.stderr);
            assert!(r.stdout.is_empty());
            assert_eq!(r.stderr, expected, "{wrong_at:?} {threads:?}");
        }
    }
}

/// Share 2 of `shares` with a changed value, correctly encrypted under `pass-2` and signed with
/// the set key rebuilt from shares 1, 3 and 4 (T = 3 custodians colluding): only the
/// consistency of the points, after every key is derived, can tell it.
fn forge_with_set_key(work: &Work, shares: &[String]) -> String {
    use coldshard::armor;
    use coldshard::crypto::SetKey;
    use coldshard::format::EncryptedShare;
    use coldshard::passphrase::Passphrase;
    use coldshard::shamir::{self, SharePoint, Threshold};
    let open = |i: usize| {
        let text = std::fs::read_to_string(&shares[i - 1]).expect("share");
        let armored = armor::decode(text.as_bytes()).expect("decode");
        let point = armored
            .share
            .open(&Passphrase::new(&format!("pass-{i}")))
            .expect("open");
        (armored, point)
    };
    let points: Vec<SharePoint> = [1, 3, 4].iter().map(|&i| open(i).1).collect();
    let refs: Vec<&SharePoint> = points.iter().collect();
    let dealt = shamir::combine(&refs, Threshold::new(3).expect("T")).expect("rebuild");
    let key = SetKey::from_seed(&dealt[dealt.len() - 32..]).expect("set key");
    let (armored, point) = open(2);
    let mut value = zeroize::Zeroizing::new(point.value().to_vec());
    value[0] ^= 0x5a;
    let forged = EncryptedShare::seal(
        armored.share.header().clone(),
        &SharePoint::new(point.index(), value),
        &Passphrase::new("pass-2"),
        &key,
    )
    .expect("seal");
    work.write("forged-2.txt", armor::encode(&forged, None))
}

#[test]
fn recover_names_the_same_inconsistent_share_with_one_worker_or_many() {
    let work = Work::new();
    let n = 8;
    let shares = work.split("s", ABOUT, 3, n, &passphrases(n));
    let forged = forge_with_set_key(&work, &shares);
    let args: Vec<String> = vec![
        shares[3].clone(),
        forged.clone(),
        shares[6].clone(),
        shares[0].clone(),
        shares[7].clone(),
        shares[2].clone(),
    ];
    let pass = work.passfile(
        "p.txt",
        &["pass-4", "pass-2", "pass-7", "pass-1", "pass-8", "pass-3"],
    );
    let first = recover(&args, &pass, Some("1"));
    assert_eq!(first.code, Some(1), "{}", first.stderr);
    assert_eq!(
        first.stderr,
        format!(
            "error: share 2 of 8 ('{forged}') does not agree with the other shares: it is damaged or not genuine\n"
        )
    );
    for threads in SETTINGS {
        let r = recover(&args, &pass, threads);
        assert_eq!(
            (r.code, &r.stdout, &r.stderr),
            (first.code, &first.stdout, &first.stderr),
            "{threads:?}"
        );
    }
}

#[test]
fn drill_gives_the_same_verdicts_in_argument_order_with_one_worker_or_many() {
    let work = Work::new();
    let n = 10;
    let labels: Vec<String> = (1..=n).map(|i| format!("custodian {i}")).collect();
    let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
    let (shares, _) = work.split_labeled("s", ABOUT, 4, &passphrases(n), &labels);
    let manifest = work.path("s/manifest.json").to_string_lossy().into_owned();
    let order = [6, 2, 9, 10, 1, 4, 8];
    let drill = |pass: &str, threads: Option<&str>| {
        let order_args: Vec<&str> = order.iter().map(|&i| shares[i - 1].as_str()).collect();
        let mut cmd = coldshard();
        cmd.args(["drill", "--manifest", &manifest])
            .args(&order_args)
            .args(["--passphrase-file", pass]);
        run(&mut with_threads(cmd, threads))
    };
    // The first line holds the time of the drill; everything after it must be identical.
    let body = |r: &Ran| {
        r.stdout
            .split_once('\n')
            .map(|(_, rest)| rest.to_string())
            .unwrap()
    };
    let lines = |name: &str, wrong: &[usize]| {
        let l: Vec<String> = order
            .iter()
            .enumerate()
            .map(|(pos, i)| {
                if wrong.contains(&pos) {
                    "wrong".to_string()
                } else {
                    format!("pass-{i}")
                }
            })
            .collect();
        work.passfile(name, &l.iter().map(String::as_str).collect::<Vec<_>>())
    };
    for (name, wrong, code) in [("all.txt", vec![], 0), ("two.txt", vec![1, 5], 1)] {
        let pass = lines(name, &wrong);
        let first = drill(&pass, Some("1"));
        assert_eq!(first.code, Some(code), "{}\n{}", first.stdout, first.stderr);
        // One verdict per share, in argument order.
        let verdicts: Vec<&str> = first
            .stdout
            .lines()
            .filter(|l| l.starts_with("PASS  ") || l.starts_with("FAIL  "))
            .collect();
        assert_eq!(verdicts.len(), order.len(), "{}", first.stdout);
        for (pos, (line, i)) in verdicts.iter().zip(order).enumerate() {
            assert!(
                line.contains(&format!("share {i} (custodian {i}) '{}'", shares[i - 1])),
                "{line}"
            );
            if wrong.contains(&pos) {
                assert!(
                    line.starts_with("FAIL  ") && line.ends_with(": the passphrase is wrong"),
                    "{line}"
                );
            } else {
                assert!(line.starts_with("PASS  "), "{line}");
            }
        }
        for threads in SETTINGS {
            let r = drill(&pass, threads);
            assert_eq!(r.code, first.code, "{threads:?}");
            assert_eq!(body(&r), body(&first), "{threads:?}");
            assert_eq!(r.stderr, first.stderr, "{threads:?}");
            assert_no_progress(&r);
        }
    }
}

#[test]
fn reissue_adds_the_same_shares_with_one_worker_or_many() {
    let work = Work::new();
    let n = 5;
    let (shares, _) = work.split_labeled("s", ABOUT, 3, &passphrases(n), &[]);
    let manifest = work.path("s/manifest.json").to_string_lossy().into_owned();
    let pass = work.passfile("p.txt", &["pass-5", "pass-2", "pass-4"]);
    let new_pass = work.passfile("new.txt", &["new-6", "new-7", "new-8", "new-9"]);
    let mut outputs = Vec::new();
    for (k, threads) in SETTINGS.iter().enumerate() {
        let out = work.path(&format!("added-{k}"));
        let mut cmd = coldshard();
        cmd.args(["reissue", "--manifest", &manifest, "--add", "4", "--out"])
            .arg(&out)
            .args([
                "--passphrase-file",
                &pass,
                "--new-passphrase-file",
                &new_pass,
            ])
            .args([&shares[4], &shares[1], &shares[3]]);
        let r = run(&mut with_threads(cmd, *threads));
        assert_eq!(r.code, Some(0), "{threads:?}: {}", r.stderr);
        assert!(r.stderr.is_empty(), "{threads:?}: {}", r.stderr);
        let set_line = r.stdout.lines().next().unwrap().to_string();
        outputs.push(r.stdout.replace(&out.to_string_lossy().into_owned(), "DIR"));
        assert!(
            set_line.starts_with("Added shares 6, 7, 8, 9 to set "),
            "{set_line}"
        );
        // The new shares rebuild the secret with one old share.
        let added: Vec<String> = (6..=9)
            .map(|i| {
                out.join(format!("share-{i}-added.txt"))
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        let p = work.passfile(&format!("check-{k}.txt"), &["new-6", "new-8", "pass-1"]);
        let mut rec = coldshard();
        rec.args([
            "recover",
            &added[0],
            &added[2],
            &shares[0],
            "--passphrase-file",
            &p,
        ]);
        assert!(run_ok(&mut rec).contains("Rebuilt the secret"));
    }
    assert!(outputs.iter().all(|o| *o == outputs[0]), "{outputs:#?}");
}

#[test]
fn kdf_threads_must_be_1_to_255() {
    let work = Work::new();
    let shares = work.split("s", ABOUT, 2, 2, &passphrases(2));
    let pass = work.passfile("p.txt", &["pass-1", "pass-2"]);
    for bad in ["0", "256", "many"] {
        let r = run(coldshard().arg("verify").args(&shares).args([
            "--passphrase-file",
            &pass,
            "--kdf-threads",
            bad,
        ]));
        assert_eq!(r.code, Some(2), "{bad}: {}", r.stderr);
        assert!(r.stderr.contains("--kdf-threads"), "{}", r.stderr);
    }
    for good in ["1", "255"] {
        run_ok(coldshard().arg("verify").args(&shares).args([
            "--passphrase-file",
            &pass,
            "--kdf-threads",
            good,
        ]));
    }
}

/// Runs coldshard in a pseudo-terminal (stderr a terminal) with `TERM`, returning all it showed.
fn in_pty(args: &[&str], term: &str) -> String {
    let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("coldshard"));
    cmd.args(args).env("TERM", term);
    let mut p = spawn_command(cmd, Some(30_000)).expect("spawn in a pty");
    p.exp_eof().expect("runs to the end")
}

#[test]
fn a_bar_is_drawn_on_a_terminal() {
    let work = Work::new();
    let shares = work.split("s", ABOUT, 3, 5, &passphrases(5));
    let pass = work.passfile("p.txt", &["pass-1", "pass-2", "pass-3", "pass-4", "pass-5"]);
    let mut args = vec!["verify"];
    args.extend(shares.iter().map(String::as_str));
    args.extend(["--passphrase-file", pass.as_str(), "--kdf-threads", "2"]);
    let seen = in_pty(&args, "xterm");
    assert!(seen.contains("Deriving keys "), "{seen:?}");
    assert!(seen.contains("Deriving keys 5/5 done"), "{seen:?}");
    assert!(seen.contains("OK  share 5 of 5"), "{seen:?}");
    // The finished bar is left on its line, before the results.
    let bar = seen.rfind("Deriving keys 5/5 done").unwrap();
    assert!(bar < seen.find("OK  share 1 of 5").unwrap(), "{seen:?}");

    // One share: a spinner naming it.
    let one = work.passfile("one.txt", &["pass-2"]);
    let seen = in_pty(&["verify", &shares[1], "--passphrase-file", &one], "xterm");
    assert!(
        seen.contains(&format!(
            "Deriving the key of share 2 of 5 ('{}')... done",
            shares[1]
        )),
        "{seen:?}"
    );

    // split: encrypting and the read-back check.
    let seed = work.write("seed.txt", ABOUT);
    let out = work.path("s2").to_string_lossy().into_owned();
    let mut args = vec!["split", "-t", "3", "-n", "5", "--in", &seed, "--out", &out];
    args.extend(["--passphrase-file", pass.as_str()]);
    args.extend(FAST_KDF);
    let seen = in_pty(&args, "xterm");
    assert!(seen.contains("Encrypting shares 5/5 done"), "{seen:?}");
    assert!(
        seen.contains("Checking shares from disk 5/5 done"),
        "{seen:?}"
    );

    // A terminal that cannot draw (TERM=dumb): one plain line per step, no escape sequence.
    let mut args = vec!["verify"];
    args.extend(shares.iter().map(String::as_str));
    args.extend(["--passphrase-file", pass.as_str()]);
    let seen = in_pty(&args, "dumb");
    assert!(seen.contains("Deriving keys\r\n"), "{seen:?}");
    assert!(!seen.contains('\u{1b}'), "{seen:?}");
}
