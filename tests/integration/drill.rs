//! `coldshard drill`: PASS and FAIL verdicts per share and for the set against the signed
//! manifest, the JSON report and its printed hash, the refusals that come before any
//! passphrase, and that nothing secret reaches the output or the report.

use std::os::unix::fs::PermissionsExt;

use assert_cmd::Command;
use coldshard::armor;
use coldshard::passphrase::Passphrase;
use serde_json::Value;
use zeroize::Zeroizing;

use crate::util::{
    Ran, Work, coldshard, file_sha256, forge_own_share, printed_set_id, rearmor, recheck, refused,
    run, run_ok, share_bytes,
};

/// BIP39 test vector (entropy 7f7f...7f): 12 words, nothing trivial about its hex.
pub const LEGAL: &str =
    "legal winner thank year wave sausage worth useful legal winner thank yellow";
/// The entropy of [`LEGAL`].
const LEGAL_ENTROPY: &str = "7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f";

/// Custodian labels of the five shares.
pub const LABELS: [&str; 5] = ["alice", "bob", "carol", "dave", "erin"];

/// Distinctive passphrases, none a substring of anything coldshard prints.
pub fn secret_passphrases() -> Vec<String> {
    (1..=5)
        .map(|i| format!("Wombat%{i}-ember-Quill{}", 11 * i))
        .collect()
}

/// A labelled 3-of-5 split of [`LEGAL`] under [`secret_passphrases`].
pub struct Set {
    pub work: Work,
    pub shares: Vec<String>,
    pub manifest: String,
    pub set_id: String,
}

impl Set {
    pub fn new() -> Self {
        let work = Work::new();
        let (shares, stdout) = work.split_labeled("s", LEGAL, 3, &secret_passphrases(), &LABELS);
        let manifest = work.path("s/manifest.json").to_string_lossy().into_owned();
        Set {
            set_id: printed_set_id(&stdout),
            work,
            shares,
            manifest,
        }
    }

    /// A passphrase file with the passphrases of shares `indices` (1-based), in that order.
    pub fn passes(&self, name: &str, indices: &[usize]) -> String {
        let all = secret_passphrases();
        let lines: Vec<&str> = indices.iter().map(|&i| all[i - 1].as_str()).collect();
        self.work.passfile(name, &lines)
    }

    /// The share file of index `i` (1-based).
    pub fn share(&self, i: usize) -> &str {
        &self.shares[i - 1]
    }
}

/// `drill --manifest M SHARES [--passphrase-file P] [--report R]`.
pub fn drill(manifest: &str, shares: &[&str], pass: Option<&str>, report: Option<&str>) -> Command {
    let mut cmd = coldshard();
    cmd.args(["drill", "--manifest", manifest]).args(shares);
    if let Some(p) = pass {
        cmd.args(["--passphrase-file", p]);
    }
    if let Some(r) = report {
        cmd.args(["--report", r]);
    }
    cmd
}

/// The PASS line of a share that passed and agreed with the rebuilt secret.
pub fn pass_line(index: usize, file: &str) -> String {
    format!(
        "PASS  share {index} ({}) '{file}': genuine, passphrase correct, agrees with the record\n",
        LABELS[index - 1]
    )
}

/// Runs a drill that must FAIL: exit 1, a `Result: FAIL` report on stdout, and the one
/// `error: the drill FAILED` line on stderr.
pub fn drill_fails(cmd: &mut Command) -> Ran {
    let r = run(cmd);
    assert_eq!(
        r.code,
        Some(1),
        "exit code\nstdout: {}\nstderr: {}",
        r.stdout,
        r.stderr
    );
    assert!(r.stdout.contains("\nResult: FAIL ("), "{}", r.stdout);
    assert!(
        r.stderr.contains("error: the drill FAILED"),
        "stderr: {}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    r
}

/// The report file, parsed.
fn report(path: &str) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("report written")).expect("report JSON")
}

/// The (file, index, label, result) of each share in a report, and whether a reason is given.
fn verdicts(report: &Value) -> Vec<(String, Value, Value, String, bool)> {
    report["shares"]
        .as_array()
        .expect("shares")
        .iter()
        .map(|s| {
            (
                s["file"].as_str().expect("file").to_string(),
                s["index"].clone(),
                s["label"].clone(),
                s["result"].as_str().expect("result").to_string(),
                s["reason"].is_string(),
            )
        })
        .collect()
}

/// A PASS drill prints one PASS line per share, writes the report, and prints its SHA-256.
#[test]
fn a_passing_drill_writes_a_report_whose_hash_it_prints() {
    let set = Set::new();
    let pass = set.passes("p135.txt", &[1, 3, 5]);
    let out_path = set.work.path("drill.json").to_string_lossy().into_owned();
    let shares = [set.share(1), set.share(3), set.share(5)];
    let stdout = run_ok(&mut drill(
        &set.manifest,
        &shares,
        Some(&pass),
        Some(&out_path),
    ));
    let manifest_sha = file_sha256(&set.manifest);
    assert!(
        stdout.starts_with(&format!("Recovery drill of set {} (3-of-5), ", set.set_id)),
        "{stdout}"
    );
    assert!(stdout.contains(&format!(
        "\nManifest: '{}' (revision 1, SHA-256 {manifest_sha})\n",
        set.manifest
    )));
    for (i, file) in [1, 3, 5].into_iter().zip(shares) {
        assert!(stdout.contains(&pass_line(i, file)), "share {i}: {stdout}");
    }
    assert!(!stdout.contains("FAIL"), "{stdout}");
    assert!(stdout.contains(
        "The secret was rebuilt in memory from shares 1, 3, 5 and matches the record (set key and commitment). It was not shown or written.\n"
    ));
    assert!(
        stdout.contains("\nResult: PASS (3 of 3 shares passed)\n"),
        "{stdout}"
    );
    let report_sha = file_sha256(&out_path);
    assert!(
        stdout.contains(&format!("\nReport: '{out_path}', SHA-256 {report_sha}\n")),
        "{stdout}"
    );

    let mode = std::fs::metadata(&out_path)
        .expect("report")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "report mode {mode:o}");
    let text = std::fs::read_to_string(&out_path).expect("report");
    assert!(text.ends_with("}\n"));
    let members: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("  \""))
        .filter_map(|l| l.split('"').next())
        .collect();
    assert_eq!(
        members,
        [
            "format",
            "version",
            "time",
            "tool",
            "set_id",
            "threshold",
            "count",
            "manifest",
            "shares",
            "rebuilt_from",
            "matches_record",
            "reason",
            "result"
        ]
    );
    let r = report(&out_path);
    assert_eq!(r["format"], "coldshard-drill-report");
    assert_eq!(r["version"], 1);
    assert!(r["time"].as_str().expect("time").ends_with('Z'));
    assert_eq!(r["tool"], "coldshard 0.1.0");
    assert_eq!(r["set_id"], set.set_id.as_str());
    assert_eq!(r["threshold"], 3);
    assert_eq!(r["count"], 5);
    assert_eq!(
        r["manifest"],
        serde_json::json!({"file": set.manifest, "sha256": manifest_sha, "revision": 1})
    );
    assert_eq!(
        r["shares"],
        serde_json::json!([
            {"file": shares[0], "index": 1, "label": "alice", "result": "PASS", "reason": null},
            {"file": shares[1], "index": 3, "label": "carol", "result": "PASS", "reason": null},
            {"file": shares[2], "index": 5, "label": "erin", "result": "PASS", "reason": null},
        ])
    );
    assert_eq!(r["rebuilt_from"], serde_json::json!([1, 3, 5]));
    assert_eq!(r["matches_record"], true);
    assert!(r["reason"].is_null());
    assert_eq!(r["result"], "PASS");
}

/// All five shares with a one-line passphrase file that applies to every share.
#[test]
fn one_passphrase_line_applies_to_every_share() {
    let work = Work::new();
    let same: Vec<String> = (0..5).map(|_| "Shared-otter-42".to_string()).collect();
    let (shares, _) = work.split_labeled("s", LEGAL, 3, &same, &LABELS);
    let manifest = work.path("s/manifest.json").to_string_lossy().into_owned();
    let pass = work.passfile("one.txt", &["Shared-otter-42"]);
    let args: Vec<&str> = shares.iter().map(String::as_str).collect();
    let stdout = run_ok(&mut drill(&manifest, &args, Some(&pass), None));
    for (i, file) in args.iter().enumerate() {
        assert!(stdout.contains(&pass_line(i + 1, file)), "{stdout}");
    }
    assert!(
        stdout.contains("Result: PASS (5 of 5 shares passed)"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("Report:"),
        "no report was asked for: {stdout}"
    );
}

/// A report file that exists, or whose folder does not, is refused (exit 2) before anything else.
#[test]
fn an_existing_report_file_is_refused_first() {
    let set = Set::new();
    let existing = set.work.write("drill.json", "old report\n");
    // No passphrase file and no terminal: asking anything would be a terminal error.
    let err = refused(
        &set.work,
        &mut drill(
            &set.manifest,
            &[set.share(1), set.share(2), set.share(3)],
            None,
            Some(&existing),
        ),
        2,
    );
    assert!(
        err.contains(&format!("error: '{existing}' already exists")),
        "{err}"
    );
    assert!(
        !err.contains("terminal") && !err.contains("passphrase"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&existing).expect("kept"),
        "old report\n"
    );
    // A report in a folder that does not exist: refused before anything, not after the drill.
    let nowhere = set
        .work
        .path("no-such-folder/drill.json")
        .to_string_lossy()
        .into_owned();
    let err = refused(
        &set.work,
        &mut drill(
            &set.manifest,
            &[set.share(1), set.share(2), set.share(3)],
            None,
            Some(&nowhere),
        ),
        2,
    );
    assert!(
        err.contains(&format!("error: cannot write '{nowhere}'")),
        "{err}"
    );
    assert!(err.contains("does not exist"), "{err}");
    assert!(!err.contains("terminal"), "{err}");
}

/// A wrong passphrase for one of four shares: only it FAILs; the other three confirm the secret.
#[test]
fn a_wrong_passphrase_fails_that_share_only() {
    let set = Set::new();
    let all = secret_passphrases();
    let pass = set.work.passfile(
        "p.txt",
        &[&all[0], "Wombat%3-ember-Quill34", &all[4], &all[3]],
    );
    let out_path = set.work.path("drill.json").to_string_lossy().into_owned();
    let shares = [set.share(1), set.share(3), set.share(5), set.share(4)];
    let r = drill_fails(&mut drill(
        &set.manifest,
        &shares,
        Some(&pass),
        Some(&out_path),
    ));
    assert!(r.stdout.contains(&pass_line(1, shares[0])), "{}", r.stdout);
    assert!(r.stdout.contains(&format!(
        "FAIL  share 3 (carol) '{}': the passphrase is wrong\n",
        shares[1]
    )));
    assert!(r.stdout.contains(&pass_line(5, shares[2])));
    assert!(r.stdout.contains(&pass_line(4, shares[3])));
    assert!(
        r.stdout.contains(
            "The secret was rebuilt in memory from shares 1, 5, 4 and matches the record"
        )
    );
    assert!(r.stdout.contains("Result: FAIL (3 of 4 shares passed)\n"));
    assert!(r.stdout.contains(&format!(
        "Report: '{out_path}', SHA-256 {}",
        file_sha256(&out_path)
    )));
    assert!(
        r.stderr
            .contains("error: the drill FAILED: 1 of the 4 shares presented failed their checks"),
        "{}",
        r.stderr
    );
    let rep = report(&out_path);
    assert_eq!(rep["result"], "FAIL");
    assert_eq!(rep["matches_record"], true);
    assert_eq!(rep["rebuilt_from"], serde_json::json!([1, 5, 4]));
    assert!(rep["reason"].is_null());
    assert_eq!(rep["shares"][1]["result"], "FAIL");
    assert_eq!(rep["shares"][1]["reason"], "the passphrase is wrong");
    assert_eq!(rep["shares"][1]["label"], "carol");
    let results: Vec<String> = verdicts(&rep).into_iter().map(|v| v.3).collect();
    assert_eq!(results, ["PASS", "FAIL", "PASS", "PASS"]);
}

/// With only T shares given and one failing, nothing can be rebuilt: the set FAILs.
#[test]
fn too_few_passing_shares_cannot_confirm_the_secret() {
    let set = Set::new();
    let all = secret_passphrases();
    let pass = set
        .work
        .passfile("p.txt", &[&all[0], &all[1], "not-the-passphrase"]);
    let out_path = set.work.path("drill.json").to_string_lossy().into_owned();
    let shares = [set.share(1), set.share(2), set.share(3)];
    let r = drill_fails(&mut drill(
        &set.manifest,
        &shares,
        Some(&pass),
        Some(&out_path),
    ));
    let reason = "only 2 of the shares presented passed their own checks, and 3 are needed to rebuild the secret";
    assert!(r.stdout.contains(&format!(
        "PASS  share 1 (alice) '{}': genuine, passphrase correct (no rebuild to compare with)\n",
        shares[0]
    )), "{}", r.stdout);
    assert!(r.stdout.contains(&format!(
        "FAIL  share 3 (carol) '{}': the passphrase is wrong\n",
        shares[2]
    )));
    assert!(
        r.stdout
            .contains(&format!("The secret was not confirmed: {reason}.\n"))
    );
    assert!(r.stdout.contains("Result: FAIL (2 of 3 shares passed)"));
    assert!(
        r.stderr
            .contains(&format!("error: the drill FAILED: {reason}")),
        "{}",
        r.stderr
    );
    let rep = report(&out_path);
    assert_eq!(rep["matches_record"], false);
    assert_eq!(rep["rebuilt_from"], serde_json::json!([]));
    assert_eq!(rep["reason"], reason);
    assert_eq!(rep["result"], "FAIL");
}

/// A share of another set among the shares: it FAILs naming both sets; the rest PASS.
#[test]
fn a_share_of_another_set_fails_naming_the_set() {
    let set = Set::new();
    let (other, other_out) =
        set.work
            .split_labeled("other", LEGAL, 3, &secret_passphrases(), &LABELS);
    let other_id = printed_set_id(&other_out);
    assert_ne!(other_id, set.set_id);
    let pass = set.passes("p.txt", &[1, 2, 3, 4]);
    let out_path = set.work.path("drill.json").to_string_lossy().into_owned();
    let shares = [set.share(1), other[1].as_str(), set.share(3), set.share(4)];
    let r = drill_fails(&mut drill(
        &set.manifest,
        &shares,
        Some(&pass),
        Some(&out_path),
    ));
    assert!(
        r.stdout.contains(&format!(
            "FAIL  share 2 '{}': it is a share of set {other_id}, not of set {} (the manifest's)\n",
            shares[1], set.set_id
        )),
        "{}",
        r.stdout
    );
    for (i, file) in [(1, shares[0]), (3, shares[2]), (4, shares[3])] {
        assert!(r.stdout.contains(&pass_line(i, file)), "{}", r.stdout);
    }
    assert!(
        r.stdout
            .contains("rebuilt in memory from shares 1, 3, 4 and matches the record")
    );
    let rep = report(&out_path);
    assert_eq!(rep["shares"][1]["result"], "FAIL");
    assert_eq!(rep["shares"][1]["index"], 2);
    assert!(rep["shares"][1]["label"].is_null(), "not this set's label");
    assert_eq!(rep["result"], "FAIL");
}

/// A damaged share file (one character changed) is a FAIL naming the file and the line.
#[test]
fn a_damaged_share_fails() {
    let set = Set::new();
    let text = std::fs::read_to_string(set.share(2)).expect("share");
    let line = text
        .lines()
        .find(|l| l.starts_with("03 "))
        .expect("line 03");
    let first = line.as_bytes()[3];
    let changed = format!("03 {}{}", if first == b'Q' { 'R' } else { 'Q' }, &line[4..]);
    let damaged = set
        .work
        .write("damaged-2.txt", text.replacen(line, &changed, 1));
    let pass = set.passes("p.txt", &[1, 2, 3, 4]);
    let out_path = set.work.path("drill.json").to_string_lossy().into_owned();
    let shares = [set.share(1), damaged.as_str(), set.share(3), set.share(4)];
    let r = drill_fails(&mut drill(
        &set.manifest,
        &shares,
        Some(&pass),
        Some(&out_path),
    ));
    assert!(
        r.stdout.contains(&format!(
            "FAIL  '{damaged}': line 03 of the share has a typo or is damaged"
        )),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("rebuilt in memory from shares 1, 3, 4 and matches the record")
    );
    let rep = report(&out_path);
    assert!(rep["shares"][1]["index"].is_null());
    assert_eq!(rep["shares"][1]["result"], "FAIL");
}

/// A share its custodian re-encrypted with a changed value is not genuine: FAIL.
#[test]
fn a_share_forged_by_its_custodian_fails_as_not_genuine() {
    let set = Set::new();
    let forged = set.work.write(
        "forged-3.txt",
        forge_own_share(set.share(3), &secret_passphrases()[2]),
    );
    let pass = set.passes("p.txt", &[1, 3, 4, 5]);
    let out_path = set.work.path("drill.json").to_string_lossy().into_owned();
    let shares = [set.share(1), forged.as_str(), set.share(4), set.share(5)];
    let r = drill_fails(&mut drill(
        &set.manifest,
        &shares,
        Some(&pass),
        Some(&out_path),
    ));
    let fail = r
        .stdout
        .lines()
        .find(|l| l.starts_with("FAIL"))
        .expect("a FAIL line");
    assert!(fail.contains(&format!("'{forged}'")), "{fail}");
    assert!(fail.contains("not genuine"), "{fail}");
    assert_eq!(r.stdout.matches("FAIL  ").count(), 1, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("rebuilt in memory from shares 1, 4, 5 and matches the record")
    );
    assert_eq!(report(&out_path)["shares"][1]["result"], "FAIL");
}

/// A hand-edited `Label:` line (labels are not signed) is a FAIL naming both labels.
#[test]
fn an_edited_label_line_fails() {
    let set = Set::new();
    let text = std::fs::read_to_string(set.share(2)).expect("share");
    assert!(text.contains("\nLabel: bob\n"));
    let relabelled = set.work.write(
        "relabelled-2.txt",
        text.replacen("\nLabel: bob\n", "\nLabel: mallory\n", 1),
    );
    let pass = set.passes("p.txt", &[1, 2, 3, 4]);
    let shares = [
        set.share(1),
        relabelled.as_str(),
        set.share(3),
        set.share(4),
    ];
    let r = drill_fails(&mut drill(&set.manifest, &shares, Some(&pass), None));
    assert!(
        r.stdout.contains(&format!(
            "FAIL  share 2 (bob) '{relabelled}': its label line says 'mallory' but the manifest records 'bob'\n"
        )),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("rebuilt in memory from shares 1, 3, 4 and matches the record")
    );
    assert!(
        r.stderr
            .contains("error: the drill FAILED: 1 of the 4 shares presented failed their checks"),
        "{}",
        r.stderr
    );
}

/// The old copy of a re-issued share is genuine but no longer the one on record: FAIL.
#[test]
fn the_old_copy_of_a_reissued_share_fails() {
    let set = Set::new();
    let pass = set.passes("p135.txt", &[1, 3, 5]);
    let new_pass = set.work.passfile("new2.txt", &["Fresh-heron-2"]);
    let out = set.work.path("re2");
    run_ok(
        coldshard()
            .args([
                "reissue",
                "--manifest",
                &set.manifest,
                "--index",
                "2",
                "--out",
            ])
            .arg(&out)
            .args([set.share(1), set.share(3), set.share(5)])
            .args([
                "--passphrase-file",
                &pass,
                "--new-passphrase-file",
                &new_pass,
            ]),
    );
    let new_manifest = out.join("manifest.json").to_string_lossy().into_owned();
    let pass = set.passes("p1234.txt", &[1, 2, 3, 4]);
    let shares = [set.share(1), set.share(2), set.share(3), set.share(4)];
    let r = drill_fails(&mut drill(&new_manifest, &shares, Some(&pass), None));
    assert!(
        r.stdout.contains(&format!(
            "FAIL  share 2 (bob) '{}': it is not the share the manifest records for index 2",
            shares[1]
        )),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("Manifest: '") && r.stdout.contains("(revision 2, SHA-256 "));
    assert!(
        r.stdout
            .contains("rebuilt in memory from shares 1, 3, 4 and matches the record")
    );
}

/// An original and its re-issued copy given together (one index, two sheets): exit 2.
#[test]
fn an_original_with_its_reissued_copy_exit_2() {
    let set = Set::new();
    let pass = set.passes("p135.txt", &[1, 3, 5]);
    let new_pass = set.work.passfile("new2.txt", &["Fresh-heron-2"]);
    let out = set.work.path("re2");
    run_ok(
        coldshard()
            .args([
                "reissue",
                "--manifest",
                &set.manifest,
                "--index",
                "2",
                "--out",
            ])
            .arg(&out)
            .args([set.share(1), set.share(3), set.share(5)])
            .args([
                "--passphrase-file",
                &pass,
                "--new-passphrase-file",
                &new_pass,
            ]),
    );
    let new2 = crate::util::share_path(&out, 2, 5);
    let new_manifest = out.join("manifest.json").to_string_lossy().into_owned();
    for manifest in [&set.manifest, &new_manifest] {
        let err = refused(
            &set.work,
            &mut drill(manifest, &[set.share(1), set.share(2), &new2], None, None),
            2,
        );
        assert!(
            err.contains(&format!(
                "error: share 2 of 5 ('{}') and share 2 of 5 ('{new2}') are both share 2 of set {} but differ",
                set.share(2),
                set.set_id
            )),
            "{err}"
        );
        assert!(!err.contains("terminal"), "{err}");
    }
}

/// Fewer than T shares: exit 2 before any passphrase is asked.
#[test]
fn fewer_than_threshold_shares_exit_2() {
    let set = Set::new();
    let err = refused(
        &set.work,
        &mut drill(&set.manifest, &[set.share(1), set.share(4)], None, None),
        2,
    );
    assert!(
        err.contains(&format!(
            "error: set {} needs 3 shares to rebuild the secret, but only 2 were given",
            set.set_id
        )),
        "{err}"
    );
    assert!(err.contains(set.share(4)), "{err}");
    assert!(!err.contains("terminal"), "{err}");
}

/// The same share twice (same file, or a copy): exit 2 before any passphrase.
#[test]
fn the_same_share_twice_exit_2() {
    let set = Set::new();
    let copy = set
        .work
        .write("copy-of-1.txt", std::fs::read(set.share(1)).expect("share"));
    for twice in [set.share(1), copy.as_str()] {
        let err = refused(
            &set.work,
            &mut drill(
                &set.manifest,
                &[set.share(1), set.share(2), twice],
                None,
                None,
            ),
            2,
        );
        assert!(err.contains("are the same share"), "{err}");
        assert!(err.contains(&format!("'{twice}'")), "{err}");
        assert!(!err.contains("terminal"), "{err}");
    }
}

/// Every share of set A against the manifest of set B: exit 1 naming both sets.
#[test]
fn the_manifest_of_another_set_exit_1() {
    let set = Set::new();
    let (_, other_out) = set
        .work
        .split_labeled("b", LEGAL, 3, &secret_passphrases(), &LABELS);
    let other_id = printed_set_id(&other_out);
    let other_manifest = set
        .work
        .path("b/manifest.json")
        .to_string_lossy()
        .into_owned();
    let err = refused(
        &set.work,
        &mut drill(
            &other_manifest,
            &[set.share(1), set.share(2), set.share(3)],
            None,
            None,
        ),
        1,
    );
    assert!(
        err.contains(&format!(
            "error: the manifest '{other_manifest}' is of set {other_id}, but the shares given are of set {}",
            set.set_id
        )),
        "{err}"
    );
    assert!(err.contains(set.share(3)), "{err}");
}

/// A tampered manifest stops the drill (exit 1); an unreadable one too (exit 2).
#[test]
fn a_tampered_or_malformed_manifest_stops_the_drill() {
    let set = Set::new();
    let text = std::fs::read_to_string(&set.manifest).expect("manifest");
    let tampered = set.work.write(
        "tampered.json",
        text.replacen("\"threshold\": 3", "\"threshold\": 2", 1),
    );
    let shares = [set.share(1), set.share(2), set.share(3)];
    let out_path = set.work.path("drill.json").to_string_lossy().into_owned();
    let err = refused(
        &set.work,
        &mut drill(&tampered, &shares, None, Some(&out_path)),
        1,
    );
    assert!(
        err.contains(&format!("error: the manifest '{tampered}' is not genuine")),
        "{err}"
    );
    let broken = set.work.write("broken.json", &text[..text.len() - 10]);
    let err = refused(&set.work, &mut drill(&broken, &shares, None, None), 2);
    assert!(
        err.contains(&format!("'{broken}' is not a coldshard manifest")),
        "{err}"
    );
}

/// A share with index byte 0 (check recomputed): recover/verify exit 2, the drill FAILs it.
#[test]
fn a_share_with_index_0_is_refused_or_fails() {
    let set = Set::new();
    let mut bytes = share_bytes(set.share(2));
    assert_eq!(bytes[13], 2, "the index byte");
    bytes[13] = 0;
    recheck(&mut bytes);
    let text = std::fs::read_to_string(set.share(2)).expect("share");
    let zero = set.work.write("index-0.txt", rearmor(&text, &bytes));
    let pass = set.passes("p.txt", &[2, 1, 3]);

    let mut recover = coldshard();
    recover
        .args([
            "recover",
            &zero,
            set.share(1),
            set.share(3),
            "--passphrase-file",
            &pass,
        ])
        .arg("--out")
        .arg(set.work.path("recovered.txt"));
    let err = refused(&set.work, &mut recover, 2);
    assert!(err.contains(&format!("error: share '{zero}'")), "{err}");
    assert!(err.contains("index 0"), "{err}");

    let one = set.passes("p2.txt", &[2]);
    let err = refused(
        &set.work,
        coldshard().args(["verify", &zero, "--passphrase-file", &one]),
        2,
    );
    assert!(
        err.contains(&format!("'{zero}'")) && err.contains("index 0"),
        "{err}"
    );

    let pass = set.passes("p4.txt", &[2, 1, 3, 4]);
    let out_path = set.work.path("drill.json").to_string_lossy().into_owned();
    let shares = [zero.as_str(), set.share(1), set.share(3), set.share(4)];
    let r = drill_fails(&mut drill(
        &set.manifest,
        &shares,
        Some(&pass),
        Some(&out_path),
    ));
    let fail = r
        .stdout
        .lines()
        .find(|l| l.starts_with("FAIL"))
        .expect("a FAIL line");
    assert!(fail.starts_with(&format!("FAIL  '{zero}': ")), "{fail}");
    assert!(fail.contains("index 0"), "{fail}");
    assert!(
        r.stdout
            .contains("rebuilt in memory from shares 1, 3, 4 and matches the record")
    );
    let rep = report(&out_path);
    assert!(rep["shares"][0]["index"].is_null());
    assert_eq!(rep["shares"][0]["result"], "FAIL");
}

/// Every secret string that must never be printed or written by a drill.
fn needles(extra_passphrases: &[&str]) -> Vec<(String, String)> {
    let mut n = vec![
        ("the mnemonic".to_string(), LEGAL.to_string()),
        ("the entropy".to_string(), LEGAL_ENTROPY.to_string()),
        (
            "the entropy (upper case)".to_string(),
            LEGAL_ENTROPY.to_uppercase(),
        ),
    ];
    let words: Vec<&str> = LEGAL.split(' ').collect();
    for (i, w) in words.windows(3).enumerate() {
        n.push((format!("words {}-{}", i + 1, i + 3), w.join(" ")));
    }
    for (i, p) in secret_passphrases().iter().enumerate() {
        n.push((format!("passphrase {}", i + 1), p.clone()));
    }
    for p in extra_passphrases {
        n.push((format!("passphrase {p:?}"), p.to_string()));
    }
    n
}

/// The needles found in `haystack` (named by `what`).
fn leaks(what: &str, haystack: &str, needles: &[(String, String)]) -> Vec<String> {
    needles
        .iter()
        .filter(|(_, n)| haystack.contains(n.as_str()))
        .map(|(name, _)| format!("{name} in {what}"))
        .collect()
}

/// PASS and FAIL drills never show mnemonic words, entropy or passphrases (the search can fail).
#[test]
fn a_drill_reveals_nothing_secret() {
    let set = Set::new();
    let wrong = "Wombat%2-ember-Quill23";
    let all = secret_passphrases();
    let needles = needles(&[wrong]);
    let pass_ok = set.passes("p-ok.txt", &[1, 2, 3, 4, 5]);
    let pass_bad = set
        .work
        .passfile("p-bad.txt", &[&all[0], wrong, &all[2], &all[3]]);
    let forged = set
        .work
        .write("forged-4.txt", forge_own_share(set.share(4), &all[3]));
    let all_five: Vec<&str> = set.shares.iter().map(String::as_str).collect();
    let runs = [
        ("pass", all_five.clone(), pass_ok.clone(), 0),
        (
            "fail",
            vec![set.share(1), set.share(2), set.share(3), forged.as_str()],
            pass_bad,
            1,
        ),
    ];
    let mut found = Vec::new();
    for (name, shares, pass, code) in runs {
        let out_path = set
            .work
            .path(&format!("drill-{name}.json"))
            .to_string_lossy()
            .into_owned();
        let r = run(&mut drill(
            &set.manifest,
            &shares,
            Some(&pass),
            Some(&out_path),
        ));
        assert_eq!(r.code, Some(code), "{name}: {}\n{}", r.stdout, r.stderr);
        assert!(r.stdout.contains("Report: '"), "{name}: {}", r.stdout);
        let rep = std::fs::read_to_string(&out_path).expect("report");
        found.extend(leaks(&format!("{name} stdout"), &r.stdout, &needles));
        found.extend(leaks(&format!("{name} stderr"), &r.stderr, &needles));
        found.extend(leaks(&format!("{name} report"), &rep, &needles));
    }
    assert!(found.is_empty(), "secrets leaked: {found:#?}");

    // The search is able to find what it looks for.
    let mut reveal = coldshard();
    reveal
        .args([
            "recover",
            set.share(1),
            set.share(2),
            set.share(3),
            set.share(4),
            set.share(5),
        ])
        .args(["--passphrase-file", &pass_ok, "--reveal"]);
    let revealed = run_ok(&mut reveal);
    let seen = leaks("recover --reveal", &revealed, &needles);
    assert!(
        seen.contains(&"the mnemonic in recover --reveal".to_string()),
        "{seen:?}"
    );
    assert_eq!(
        seen.len(),
        1 + 10,
        "the mnemonic and all ten 3-word runs: {seen:?}"
    );
    let pass_text = std::fs::read_to_string(&pass_ok).expect("passphrases");
    assert_eq!(leaks("the passphrase file", &pass_text, &needles).len(), 5);
}

/// Someone who rebuilt the set key (T custodians colluding) signs a share with a changed
/// value and a manifest that records it. Only consistency can catch that: with five shares
/// of a 3-of-5 set, the four honest ones outvote it and the drill names it.
#[test]
fn a_share_signed_with_the_rebuilt_set_key_is_named_as_inconsistent() {
    use coldshard::crypto::SetKey;
    use coldshard::format::EncryptedShare;
    use coldshard::shamir::{self, SharePoint, Threshold};

    let set = Set::new();
    let all = secret_passphrases();
    let open = |i: usize| {
        let text = std::fs::read_to_string(set.share(i)).expect("share");
        let armored = armor::decode(text.as_bytes()).expect("decode");
        let point = armored
            .share
            .open(&Passphrase::new(&all[i - 1]))
            .expect("open");
        (armored, point)
    };
    let points: Vec<SharePoint> = [1, 3, 4].iter().map(|&i| open(i).1).collect();
    let refs: Vec<&SharePoint> = points.iter().collect();
    let dealt = shamir::combine(&refs, Threshold::new(3).expect("T")).expect("rebuild");
    let key = SetKey::from_seed(&dealt[dealt.len() - 32..]).expect("set key");

    // Share 2 with one byte changed, correctly encrypted and signed.
    let (armored, point) = open(2);
    let mut value = Zeroizing::new(point.value().to_vec());
    value[0] ^= 0x5a;
    let forged_point = SharePoint::new(point.index(), value);
    let forged = EncryptedShare::seal(
        armored.share.header().clone(),
        &forged_point,
        &Passphrase::new(&all[1]),
        &key,
    )
    .expect("seal");
    let forged_file = set.work.write(
        "forged-2.txt",
        armor::encode(&forged, armored.label.as_ref()),
    );

    // A manifest that records the forged share, signed with the same key.
    let original = std::fs::read(&set.manifest).expect("manifest");
    let manifest = coldshard::manifest::parse(&original, "m").expect("genuine");
    let mut body = manifest.body().clone();
    body.shares[1].share_sha256 = crate::util::sha256_hex(&forged.to_bytes());
    let forged_manifest = set
        .work
        .write("forged-manifest.json", body.sign(&key).expect("sign"));

    let shares = [
        set.share(1),
        forged_file.as_str(),
        set.share(3),
        set.share(4),
        set.share(5),
    ];
    let pass = set.passes("p-all.txt", &[1, 2, 3, 4, 5]);
    let r = drill_fails(&mut drill(&forged_manifest, &shares, Some(&pass), None));
    assert!(
        r.stdout.contains(&format!(
            "FAIL  share 2 (bob) '{forged_file}': it does not agree with the other shares: it is damaged or not genuine\n"
        )),
        "{}",
        r.stdout
    );
    for (i, file) in [
        (1, shares[0]),
        (3, shares[2]),
        (4, shares[3]),
        (5, shares[4]),
    ] {
        assert!(r.stdout.contains(&pass_line(i, file)), "{}", r.stdout);
    }
    assert!(
        r.stdout
            .contains("rebuilt in memory from shares 1, 3, 4, 5 and matches the record"),
        "{}",
        r.stdout
    );
    // With only four shares (T + 1) the odd one cannot be told apart: nothing PASSes as
    // confirmed, and the set fails.
    let pass4 = set.passes("p-4.txt", &[1, 2, 3, 4]);
    let r = drill_fails(&mut drill(
        &forged_manifest,
        &shares[..4],
        Some(&pass4),
        None,
    ));
    assert!(
        r.stdout.contains("cannot tell which one is wrong"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("PASS  "), "{}", r.stdout);
}
