//! The ceremony transcript through the binary: `transcript append` builds a chain that is
//! checked here independently (SHA-256 of each line with sha2, member order, sequence), and
//! `transcript verify` names the line of every kind of tampering; the hash on paper catches
//! what the chain cannot (a cut tail, a forged last line).

use serde_json::Value;

use crate::manifest::compact;
use crate::util::{Work, coldshard, file_sha256, refused, run, run_ok, sha256_hex};

const ZEROS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The members of a line, in the documented order.
const ORDER: [&str; 9] = [
    "transcript",
    "seq",
    "time",
    "step",
    "actor",
    "result",
    "artifacts",
    "note",
    "prev",
];

/// `coldshard transcript append FILE --step .. --actor .. --result .. [--artifact ..] [--note ..]`.
fn append_cmd(
    file: &str,
    step: &str,
    actor: &str,
    result: &str,
    artifacts: &[&str],
    note: Option<&str>,
) -> assert_cmd::Command {
    let mut cmd = coldshard();
    cmd.args(["transcript", "append", file])
        .args(["--step", step, "--actor", actor, "--result", result]);
    for a in artifacts {
        cmd.args(["--artifact", a]);
    }
    if let Some(n) = note {
        cmd.args(["--note", n]);
    }
    cmd
}

fn verify_cmd(file: &str, extra: &[&str]) -> assert_cmd::Command {
    let mut cmd = coldshard();
    cmd.args(["transcript", "verify", file]).args(extra);
    cmd
}

/// A five-line transcript made by the binary, with artifacts on every line.
struct Made {
    work: Work,
    file: String,
    /// The hash `append` printed for each line.
    printed: Vec<String>,
    /// The artifact paths given on each line.
    artifacts: Vec<Vec<String>>,
}

fn make_five() -> Made {
    let work = Work::new();
    let file = work.path("ceremony.log").to_string_lossy().into_owned();
    let mut printed = Vec::new();
    let mut artifacts = Vec::new();
    for i in 1..=5 {
        let mut given = vec![work.write(&format!("artifact-{i}.txt"), format!("content {i}\n"))];
        if i % 2 == 0 {
            given.push(work.write(&format!("extra-{i}.bin"), [i as u8; 100]));
        }
        let refs: Vec<&str> = given.iter().map(String::as_str).collect();
        let note = format!("note of step {i}: \"quoted\" and \\ kept");
        let out = run_ok(&mut append_cmd(
            &file,
            &format!("step-{i}"),
            &format!("witness {i} (Zoë)"),
            if i == 3 { "WARN" } else { "PASS" },
            &refs,
            Some(&note),
        ));
        printed.push(
            out.strip_suffix('\n')
                .expect("one line on stdout")
                .to_string(),
        );
        artifacts.push(given);
    }
    Made {
        work,
        file,
        printed,
        artifacts,
    }
}

fn lines_of(file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(file).expect("transcript");
    assert!(text.ends_with('\n'), "every line ends with a LF");
    text.lines().map(str::to_string).collect()
}

fn write_lines(file: &str, lines: &[String]) {
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(file, text).expect("write transcript");
}

#[test]
fn five_appended_lines_form_a_chain_that_checks_independently() {
    let m = make_five();
    let lines = lines_of(&m.file);
    assert_eq!(lines.len(), 5);
    let mut prev = ZEROS.to_string();
    for (i, line) in lines.iter().enumerate() {
        let k = i + 1;
        // Members in the documented order, no whitespace outside strings.
        let mut at = 0;
        for name in ORDER {
            let found = line[at..]
                .find(&format!("\"{name}\":"))
                .unwrap_or_else(|| panic!("line {k}: {name} missing or out of order: {line}"));
            at += found;
        }
        assert!(line.starts_with(&format!("{{\"transcript\":1,\"seq\":{k},\"time\":\"")));
        assert_eq!(compact(line), *line, "no whitespace outside strings");
        let v: Value = serde_json::from_str(line).expect("JSON");
        assert_eq!(v["seq"], k as u64);
        assert_eq!(v["step"], format!("step-{k}"));
        assert_eq!(v["actor"], format!("witness {k} (Zoë)"));
        assert_eq!(
            v["note"],
            format!("note of step {k}: \"quoted\" and \\ kept")
        );
        assert_eq!(v["result"], if k == 3 { "WARN" } else { "PASS" });
        let time = v["time"].as_str().expect("time");
        assert!(
            time.len() == 20 && time.ends_with('Z') && time.as_bytes()[10] == b'T',
            "{time}"
        );
        let listed: Vec<(String, String)> = v["artifacts"]
            .as_array()
            .expect("artifacts")
            .iter()
            .map(|a| {
                (
                    a["name"].as_str().unwrap().into(),
                    a["sha256"].as_str().unwrap().into(),
                )
            })
            .collect();
        let expected: Vec<(String, String)> = m.artifacts[i]
            .iter()
            .map(|p| (p.clone(), file_sha256(p)))
            .collect();
        assert_eq!(listed, expected, "line {k}");
        // The chain, computed here with sha2 over the line's bytes without its LF.
        assert_eq!(v["prev"], prev.as_str(), "line {k}");
        prev = sha256_hex(line.as_bytes());
        assert_eq!(m.printed[i], prev, "append printed the new line's hash");
    }
    let out = run_ok(&mut verify_cmd(&m.file, &[]));
    assert_eq!(
        out,
        format!(
            "transcript '{}': 5 lines, chain intact. Final hash: {prev}\nCompare it with the hash written on paper at the ceremony: only that comparison shows that no line was cut from the end and that the file was not rewritten as a whole.\n",
            m.file
        )
    );
    let out = run_ok(&mut verify_cmd(&m.file, &["--expect", &prev]));
    assert!(
        out.contains(&format!(
            "Final hash: {prev}\nIt matches the hash written on paper"
        )),
        "{out}"
    );
    // Written by hand on paper in capitals: the same hash.
    run_ok(&mut verify_cmd(
        &m.file,
        &["--expect", &prev.to_uppercase()],
    ));
    let json = run_ok(&mut verify_cmd(&m.file, &["--json", "--expect", &prev]));
    assert_eq!(
        json,
        format!(
            "{{\"file\":\"{}\",\"status\":\"ok\",\"lines\":5,\"final_sha256\":\"{prev}\",\"expected_sha256\":\"{prev}\",\"line\":null,\"reason\":null}}\n",
            m.file
        )
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&m.file).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

/// Applies `change` to a copy of the five lines and requires `verify` to fail with exit 1
/// and `message` (with FILE replaced by the path) on its error line.
fn tampered(m: &Made, what: &str, change: impl Fn(&mut Vec<String>), message: &str) {
    let good = lines_of(&m.file);
    let mut lines = good.clone();
    change(&mut lines);
    assert_ne!(lines, good, "{what}: the change changed nothing");
    let copy = m
        .work
        .path(&format!("tampered-{}.log", what.replace(' ', "-")));
    let copy = copy.to_string_lossy().into_owned();
    write_lines(&copy, &lines);
    let stderr = refused(&m.work, &mut verify_cmd(&copy, &[]), 1);
    let expected = format!("error: {}", message.replace("FILE", &copy));
    assert!(
        stderr.lines().next() == Some(expected.as_str()),
        "{what}:\nexpected {expected}\nstderr   {stderr}"
    );
}

/// Replaces the first `from` in line `k` (from 1), which must hold it.
fn edit(lines: &mut [String], k: usize, from: &str, to: &str) {
    assert!(lines[k - 1].contains(from), "line {k} holds {from}");
    lines[k - 1] = lines[k - 1].replacen(from, to, 1);
}

#[test]
fn every_kind_of_tampering_is_found_and_names_its_line() {
    let m = make_five();
    let altered3 = "line 3 of 'FILE' was altered, or line 4 forged: line 4 records a different hash for line 3";
    tampered(
        &m,
        "step",
        |l| edit(l, 3, "\"step-3\"", "\"step-8\""),
        altered3,
    );
    tampered(
        &m,
        "actor",
        |l| edit(l, 3, "witness 3", "witness 4"),
        altered3,
    );
    tampered(
        &m,
        "note",
        |l| edit(l, 3, "note of step 3", "note of step 9"),
        altered3,
    );
    let hash = file_sha256(&m.artifacts[2][0]);
    let digit = if hash.starts_with('0') { "1" } else { "0" };
    tampered(
        &m,
        "artifact hash",
        |l| edit(l, 3, &hash, &format!("{digit}{}", &hash[1..])),
        altered3,
    );
    tampered(
        &m,
        "reordered",
        |l| l.swap(1, 2),
        "line 2 of 'FILE' has sequence number 3 where 2 was expected: lines were removed, inserted, reordered or duplicated",
    );
    tampered(
        &m,
        "deleted",
        |l| {
            l.remove(2);
        },
        "line 3 of 'FILE' has sequence number 4 where 3 was expected: lines were removed, inserted, reordered or duplicated",
    );
    tampered(
        &m,
        "duplicated",
        |l| {
            let copy = l[2].clone();
            l.insert(3, copy);
        },
        "line 4 of 'FILE' has sequence number 3 where 4 was expected: lines were removed, inserted, reordered or duplicated",
    );
    tampered(
        &m,
        "reformatted",
        |l| edit(l, 3, "\"seq\":3,", "\"seq\": 3, "),
        "line 3 of 'FILE' is not a valid transcript line: it is not in the one form coldshard writes (whitespace, member order or escapes differ)",
    );
    // A forged sixth line, well formed, whose prev is not the hash of line 5.
    let forged = |prev: &str| {
        format!(
            "{{\"transcript\":1,\"seq\":6,\"time\":\"2026-11-24T20:00:00Z\",\"step\":\"drill\",\"actor\":\"operator\",\"result\":\"PASS\",\"artifacts\":[],\"note\":\"\",\"prev\":\"{prev}\"}}"
        )
    };
    tampered(
        &m,
        "forged",
        |l| l.push(forged(&"ab".repeat(32))),
        "line 5 of 'FILE' was altered, or line 6 forged: line 6 records a different hash for line 5",
    );
    // Forged with the right prev, the chain holds: only the hash on paper shows it.
    let final5 = m.printed[4].clone();
    let copy = m
        .work
        .path("forged-well.log")
        .to_string_lossy()
        .into_owned();
    let mut lines = lines_of(&m.file);
    lines.push(forged(&final5));
    write_lines(&copy, &lines);
    assert!(run_ok(&mut verify_cmd(&copy, &[])).contains("6 lines, chain intact"));
    let stderr = refused(&m.work, &mut verify_cmd(&copy, &["--expect", &final5]), 1);
    assert!(
        stderr.contains(&format!(
            "not {final5} as expected: that is the hash of line 5, so the lines after it (up to line 6) were added later"
        )),
        "{stderr}"
    );
}

#[test]
fn a_cut_last_line_passes_the_chain_but_not_the_hash_on_paper() {
    let m = make_five();
    let mut lines = lines_of(&m.file);
    lines.pop();
    write_lines(&m.file, &lines);
    let out = run_ok(&mut verify_cmd(&m.file, &[]));
    assert!(
        out.contains(&format!(
            "4 lines, chain intact. Final hash: {}",
            m.printed[3]
        )),
        "{out}"
    );
    let stderr = refused(
        &m.work,
        &mut verify_cmd(&m.file, &["--expect", &m.printed[4]]),
        1,
    );
    assert!(
        stderr.starts_with(&format!(
            "error: the final hash of the transcript '{}' is {}, not {} as expected: no line of the file has that hash, so lines were cut from its end or it was rewritten\nhint: ",
            m.file, m.printed[3], m.printed[4]
        )),
        "{stderr}"
    );
    // In JSON: the chain's result and the mismatch, exit 1.
    let r = run(&mut verify_cmd(
        &m.file,
        &["--expect", &m.printed[4], "--json"],
    ));
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("one JSON object");
    assert_eq!(v["status"], "mismatch");
    assert_eq!(v["lines"], 4);
    assert_eq!(v["final_sha256"], m.printed[3].as_str());
    assert_eq!(v["expected_sha256"], m.printed[4].as_str());
    assert_eq!(v["line"], Value::Null);
    assert!(v["reason"].as_str().unwrap().contains("cut from its end"));
}

#[test]
fn verify_json_names_the_broken_line() {
    let m = make_five();
    let mut lines = lines_of(&m.file);
    edit(&mut lines, 2, "witness 2", "witness 7");
    write_lines(&m.file, &lines);
    let r = run(&mut verify_cmd(&m.file, &["--json"]));
    assert_eq!(r.code, Some(1));
    let v: Value = serde_json::from_str(&r.stdout).expect("one JSON object");
    assert_eq!(v["status"], "broken");
    assert_eq!(v["lines"], 5);
    assert_eq!(v["final_sha256"], Value::Null);
    assert_eq!(v["line"], 2);
    let reason = format!(
        "line 2 of '{}' was altered, or line 3 forged: line 3 records a different hash for line 2",
        m.file
    );
    assert_eq!(v["reason"], reason.as_str());
    assert!(
        r.stderr.starts_with(&format!("error: {reason}\nhint: ")),
        "{}",
        r.stderr
    );
}

#[test]
fn append_refuses_a_broken_chain_and_changes_nothing() {
    let m = make_five();
    let mut lines = lines_of(&m.file);
    edit(&mut lines, 4, "step-4", "step-x");
    write_lines(&m.file, &lines);
    let stderr = refused(
        &m.work,
        &mut append_cmd(&m.file, "drill", "operator", "PASS", &[], None),
        1,
    );
    assert!(
        stderr.starts_with(&format!(
            "error: line 4 of '{}' was altered, or line 5 forged: line 5 records a different hash for line 4; nothing was appended\n",
            m.file
        )),
        "{stderr}"
    );
}

#[test]
fn bad_values_and_missing_artifacts_are_refused_before_the_file_is_touched() {
    let m = make_five();
    let new = m.work.path("new.log").to_string_lossy().into_owned();
    let art = m.artifacts[0][0].clone();
    for file in [m.file.as_str(), new.as_str()] {
        // A terminal escape in the actor: refused, and not echoed.
        let stderr = refused(
            &m.work,
            &mut append_cmd(file, "split", "mallory\u{1b}[2J", "DONE", &[], None),
            2,
        );
        assert!(
            stderr.contains("--actor holds the character U+001B (character 8)"),
            "{stderr}"
        );
        assert!(!stderr.contains('\u{1b}'));
        let stderr = refused(
            &m.work,
            &mut append_cmd(file, "split", "op", "DONE", &[], Some("line\nbreak")),
            2,
        );
        assert!(
            stderr.contains("--note holds the character U+000A"),
            "{stderr}"
        );
        let stderr = refused(
            &m.work,
            &mut append_cmd(file, "Split", "op", "DONE", &[], None),
            2,
        );
        assert!(
            stderr.contains("--step is not a step identifier"),
            "{stderr}"
        );
        // An unknown result is refused by the parser, which lists the allowed ones.
        let r = run(&mut append_cmd(file, "split", "op", "OK", &[], None));
        assert_eq!(r.code, Some(2));
        assert!(
            r.stderr
                .contains("[possible values: PASS, FAIL, WARN, INFO, DONE]"),
            "{}",
            r.stderr
        );
        // A missing artifact, after a good one: nothing written.
        let missing = m.work.path("nope.txt").to_string_lossy().into_owned();
        let stderr = refused(
            &m.work,
            &mut append_cmd(file, "split", "op", "DONE", &[&art, &missing], None),
            2,
        );
        assert!(
            stderr.starts_with(&format!(
                "error: cannot hash the artifact '{missing}': No such file"
            )),
            "{stderr}"
        );
        let folder = m.work.dir.path().to_string_lossy().into_owned();
        let stderr = refused(
            &m.work,
            &mut append_cmd(file, "split", "op", "DONE", &[&folder], None),
            2,
        );
        assert!(stderr.contains("it is not a regular file"), "{stderr}");
    }
    assert!(!std::path::Path::new(&new).exists());
    assert_eq!(lines_of(&m.file).len(), 5);
}

#[test]
fn a_missing_or_empty_transcript_cannot_be_verified() {
    let work = Work::new();
    let missing = work.path("none.log").to_string_lossy().into_owned();
    let stderr = refused(&work, &mut verify_cmd(&missing, &[]), 2);
    assert!(
        stderr.starts_with(&format!(
            "error: cannot read the transcript '{missing}': No such file"
        )),
        "{stderr}"
    );
    let empty = work.write("empty.log", "");
    let stderr = refused(&work, &mut verify_cmd(&empty, &["--json"]), 2);
    assert!(stderr.contains("is empty"), "{stderr}");
    let r = run(&mut verify_cmd(&empty, &["--expect", "12ab"]));
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("must be a SHA-256"), "{}", r.stderr);
}

#[test]
fn both_commands_have_help_with_examples_and_the_secret_warning() {
    for c in ["append", "verify"] {
        let out = run_ok(coldshard().args(["transcript", c, "--help"]));
        let examples = out.split("Examples:").nth(1).unwrap_or_default();
        assert!(
            examples
                .lines()
                .any(|l| l.starts_with(&format!("  coldshard transcript {c} "))),
            "{out}"
        );
        assert!(out.contains("Exit codes: 0 "), "{out}");
    }
    let out = run_ok(coldshard().args(["transcript", "append", "--help"]));
    assert!(
        out.contains("Never pass a seed, a passphrase or any other secret"),
        "{out}"
    );
}

#[test]
fn concurrent_appends_wait_for_each_other_and_keep_the_chain() {
    let work = Work::new();
    let file = work.path("busy.log").to_string_lossy().into_owned();
    // A long transcript, so that each append spends a while checking it under the lock:
    // without the lock, appends that overlap would record the same previous line.
    const BEFORE: usize = 5000;
    let mut text = String::new();
    let mut prev = ZEROS.to_string();
    for k in 1..=BEFORE {
        let line = coldshard::transcript::Record {
            transcript: 1,
            seq: k as u64,
            time: "2026-11-24T19:03:04Z".into(),
            step: format!("earlier-{k}"),
            actor: "op".into(),
            result: "DONE".into(),
            artifacts: Vec::new(),
            note: String::new(),
            prev: prev.clone(),
        }
        .to_line();
        prev = sha256_hex(line.as_bytes());
        text.push_str(&line);
        text.push('\n');
    }
    std::fs::write(&file, text).unwrap();
    let art = work.write("a.bin", b"artifact");
    let bin = assert_cmd::cargo::cargo_bin("coldshard");
    let children: Vec<_> = (1..=12)
        .map(|i| {
            std::process::Command::new(&bin)
                .args(["transcript", "append", &file, "--step", &format!("s{i}")])
                .args(["--actor", "op", "--result", "INFO", "--artifact", &art])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    let mut printed: Vec<String> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().expect("wait");
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap().trim().to_string()
        })
        .collect();
    let lines = lines_of(&file);
    assert_eq!(lines.len(), BEFORE + 12);
    let mut hashes: Vec<String> = lines[BEFORE..]
        .iter()
        .map(|l| sha256_hex(l.as_bytes()))
        .collect();
    run_ok(&mut verify_cmd(&file, &["--expect", &hashes[11]]));
    printed.sort();
    hashes.sort();
    assert_eq!(
        printed, hashes,
        "each append printed the hash of its own line"
    );
}
