//! One test per error class: the exact exit code, an `error:` sentence on stderr that names the
//! share (file and index) or the input it is about, nothing on stdout, and no file written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use coldshard::armor;
use coldshard::format::EncryptedShare;
use crc::{CRC_10_ATM, Crc};
use data_encoding::BASE32_NOPAD;
use sha2::{Digest, Sha256};

use crate::util::{ABOUT, FAST_KDF, Work, coldshard, forge_own_share, passphrases, share_path};

/// Longest any of these commands may take (fast KDF; a hang or a huge allocation fails).
const TIMEOUT: Duration = Duration::from_secs(60);

/// Every file under `dir` (recursively, hidden ones too) with its contents.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                out.insert(path.clone(), Vec::new());
                todo.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("read file");
                out.insert(path, bytes);
            }
        }
    }
    out
}

/// Runs `cmd`, expecting failure with exactly `code`: stderr starts with "error:", stdout is
/// empty, and the work folder is byte-for-byte what it was before. Returns stderr.
fn fails(work: &Work, cmd: &mut Command, code: i32) -> String {
    let before = snapshot(work.dir.path());
    let out = cmd.timeout(TIMEOUT).output().expect("run coldshard");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(code),
        "exit code\nstdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        stdout.is_empty(),
        "stdout must be empty on failure, got: {stdout}"
    );
    // Warnings (e.g. the fast-KDF one) may come first; the error sentence must be there.
    let error_line = stderr
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_else(|| panic!("no 'error:' line on stderr: {stderr}"));
    assert!(
        stderr.starts_with("error:") || stderr.starts_with("warning:"),
        "stderr must start with error: (or a warning line): {stderr}"
    );
    assert!(
        !error_line.trim_end().ends_with("error:"),
        "empty error: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    let after = snapshot(work.dir.path());
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "a failed command must not create or remove files\nstderr: {stderr}"
    );
    assert!(
        before == after,
        "a failed command must not change files\nstderr: {stderr}"
    );
    stderr
}

fn assert_has(stderr: &str, needle: &str) {
    assert!(
        stderr.contains(needle),
        "stderr should contain {needle:?}:\n{stderr}"
    );
}

/// The file name of a share path, as messages show it (the argument as given, quoted).
fn quoted(path: &str) -> String {
    format!("'{path}'")
}

/// `recover SHARES --passphrase-file PASS --out WORK/recovered.txt`.
fn recover(work: &Work, shares: &[&str], pass: Option<&str>) -> Command {
    let mut cmd = coldshard();
    cmd.arg("recover").args(shares);
    if let Some(p) = pass {
        cmd.args(["--passphrase-file", p]);
    }
    cmd.arg("--out").arg(work.path("recovered.txt"));
    cmd
}

fn verify(shares: &[&str], pass: &str) -> Command {
    let mut cmd = coldshard();
    cmd.arg("verify")
        .args(shares)
        .args(["--passphrase-file", pass]);
    cmd
}

fn inspect(shares: &[&str]) -> Command {
    let mut cmd = coldshard();
    cmd.arg("inspect").args(shares);
    cmd
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).expect("read share")
}

/// Independent re-implementation of the armor body (docs/FORMAT.md part 2): base32 without
/// padding, 20 characters per line in groups of 5, each line "NN GGGGG ... CC" where CC is the
/// CRC-10/ATM of "NN" and the data characters, as two base32 characters.
fn armor_body(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let crc = Crc::<u16>::new(&CRC_10_ATM);
    let body = BASE32_NOPAD.encode(bytes);
    let mut out = String::new();
    for (i, chunk) in body.as_bytes().chunks(20).enumerate() {
        let number = format!("{:02}", i + 1);
        let mut digest = crc.digest();
        digest.update(number.as_bytes());
        digest.update(chunk);
        let c = usize::from(digest.finalize());
        out.push_str(&number);
        for group in chunk.chunks(5) {
            out.push(' ');
            out.push_str(std::str::from_utf8(group).expect("ascii"));
        }
        out.push(' ');
        out.push(char::from(ALPHABET[(c >> 5) & 31]));
        out.push(char::from(ALPHABET[c & 31]));
        out.push('\n');
    }
    out
}

/// The share text `original` with its body replaced by the armor of `bytes` (headers kept).
fn rearmor(original: &str, bytes: &[u8]) -> String {
    let head_end = original.find("\n\n").expect("blank line after the headers") + 2;
    format!(
        "{}{}{}\n",
        &original[..head_end],
        armor_body(bytes),
        armor::END
    )
}

/// Replaces the 4-byte SHA-256 check at the end of a binary share.
fn recheck(bytes: &mut [u8]) {
    let n = bytes.len() - 4;
    let check = Sha256::digest(&bytes[..n]);
    bytes[n..].copy_from_slice(&check[..4]);
}

/// The binary share inside a share file.
fn share_bytes(path: &str) -> Vec<u8> {
    armor::decode(read(path).as_bytes())
        .expect("decode share")
        .share
        .to_bytes()
}

#[test]
fn rearmor_reproduces_a_genuine_share_exactly() {
    // The forging helpers below are only meaningful if they write what coldshard writes.
    let work = Work::new();
    let shares = work.split("s", ABOUT, 2, 3, &passphrases(3));
    for s in &shares {
        let text = read(s);
        assert_eq!(rearmor(&text, &share_bytes(s)), text);
    }
}

#[test]
fn wrong_passphrase_names_the_share_exit_3() {
    let work = Work::new();
    let shares = work.split("s", ABOUT, 2, 3, &passphrases(3));
    let pass = work.passfile("wrong.txt", &["pass-1", "pass-2-wrong"]);
    let err = fails(
        &work,
        &mut recover(&work, &[&shares[0], &shares[1]], Some(&pass)),
        3,
    );
    assert_has(&err, "error: share 2 of 3 (");
    assert_has(&err, &quoted(&shares[1]));
    assert_has(&err, "passphrase is wrong");
    assert!(
        !err.contains("share-1-of-3"),
        "only the wrong share is named: {err}"
    );
    assert!(!work.path("recovered.txt").exists());

    let one = work.passfile("one-wrong.txt", &["nope"]);
    let err = fails(&work, &mut verify(&[&shares[2]], &one), 3);
    assert_has(&err, "error: share 3 of 3 (");
    assert_has(&err, &quoted(&shares[2]));
    assert_has(&err, "passphrase is wrong");

    // Verify of several shares names the first one whose passphrase is wrong.
    let mixed = work.passfile("mixed.txt", &["pass-1", "pass-2", "Pass-3"]);
    let err = fails(
        &work,
        &mut verify(&[&shares[0], &shares[1], &shares[2]], &mixed),
        3,
    );
    assert_has(&err, &format!("share 3 of 3 ({})", quoted(&shares[2])));
}

#[test]
fn one_changed_character_names_its_line() {
    let work = Work::new();
    let shares = work.split("s", ABOUT, 2, 3, &passphrases(3));
    let text = read(&shares[1]);
    let changed: String = text
        .lines()
        .map(|l| {
            if let Some(rest) = l.strip_prefix("03 ") {
                let first = rest.chars().next().expect("data on line 03");
                let other = if first == 'Q' { 'R' } else { 'Q' };
                format!("03 {other}{}\n", &rest[1..])
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    assert_ne!(changed, text);
    let bad = work.write("typo.txt", &changed);
    let pass = work.passfile("p.txt", &["pass-2", "pass-1"]);

    let err = fails(
        &work,
        &mut recover(&work, &[&bad, &shares[0]], Some(&pass)),
        2,
    );
    assert_has(&err, &format!("error: share {}", quoted(&bad)));
    assert_has(&err, "line 03");
    assert_has(&err, "typo");
    let err = fails(&work, &mut inspect(&[&shares[0], &bad]), 2);
    assert_has(&err, &quoted(&bad));
    assert_has(&err, "line 03");
    let err = fails(&work, &mut verify(&[&bad], &pass_one(&work)), 2);
    assert_has(&err, "line 03");
}

fn pass_one(work: &Work) -> String {
    work.passfile("single.txt", &["pass-2"])
}

#[test]
fn truncated_share_says_truncated() {
    let work = Work::new();
    let shares = work.split("s", ABOUT, 2, 3, &passphrases(3));
    let text = read(&shares[0]);
    let half = work.write("half.txt", &text.as_bytes()[..text.len() / 2]);

    let mut lines: Vec<&str> = text.lines().collect();
    let end = lines
        .iter()
        .position(|l| *l == armor::END)
        .expect("END line");
    let removed = lines.remove(end - 1);
    assert!(
        removed.starts_with(|c: char| c.is_ascii_digit()),
        "{removed}"
    );
    let short = work.write("short.txt", lines.join("\n") + "\n");
    let pass = work.passfile("p.txt", &["pass-1", "pass-2"]);

    for bad in [&short, &half] {
        let err = fails(
            &work,
            &mut recover(&work, &[bad, &shares[1]], Some(&pass)),
            2,
        );
        assert_has(&err, &format!("error: share {}", quoted(bad)));
        assert_has(&err, "truncated");
        let err = fails(&work, &mut inspect(&[bad]), 2);
        assert_has(&err, &quoted(bad));
        assert_has(&err, "truncated");
    }
}

#[test]
fn every_cut_after_the_begin_line_reads_as_truncated() {
    // A file cut anywhere (a partial copy, a torn download) has no END line: that is the
    // verdict, not a complaint about whichever half-line happens to come last.
    let work = Work::new();
    let shares = work.split("s", ABOUT, 2, 3, &passphrases(3));
    let text = read(&shares[0]);
    let complete = text.trim_end_matches('\n').len();
    let mut wrong = Vec::new();
    for cut in armor::BEGIN.len() + 1..complete {
        match armor::decode(&text.as_bytes()[..cut]) {
            Ok(_) => wrong.push(format!("{cut}: accepted")),
            Err(e) if e.to_string().contains("truncated") => {}
            Err(e) => wrong.push(format!("{cut}: {e}")),
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} cut points are not reported as truncated, e.g.:\n{}",
        wrong.len(),
        complete - armor::BEGIN.len() - 1,
        wrong
            .iter()
            .step_by(wrong.len().div_ceil(12).max(1))
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The set id printed on a share's "Set:" line.
fn set_id(path: &str) -> String {
    read(path)
        .lines()
        .find_map(|l| l.strip_prefix("Set: "))
        .expect("Set: line")
        .to_string()
}

#[test]
fn shares_of_different_sets_exit_1_naming_both_sets() {
    let work = Work::new();
    let a = work.split("a", ABOUT, 2, 3, &passphrases(3));
    let b = work.split("b", ABOUT, 2, 3, &passphrases(3));
    let (id_a, id_b) = (set_id(&a[0]), set_id(&b[1]));
    assert_ne!(id_a, id_b);
    let pass = work.passfile("p.txt", &["pass-1", "pass-2"]);
    let err = fails(&work, &mut recover(&work, &[&a[0], &b[1]], Some(&pass)), 1);
    assert_has(&err, "different sets");
    assert_has(&err, &id_a);
    assert_has(&err, &id_b);
    assert_has(&err, &quoted(&a[0]));
    assert_has(&err, &quoted(&b[1]));
}

#[test]
fn the_same_share_twice_is_refused() {
    let work = Work::new();
    let shares = work.split("s", ABOUT, 2, 3, &passphrases(3));
    let copy = work.write("copy-of-share-1.txt", read(&shares[0]));
    let pass = work.passfile("p.txt", &["pass-1"]);
    for second in [&shares[0], &copy] {
        let err = fails(
            &work,
            &mut recover(&work, &[&shares[0], second], Some(&pass)),
            2,
        );
        assert_has(&err, "same share");
        assert_has(&err, &quoted(&shares[0]));
        assert_has(&err, &format!("share 1 of 3 ({})", quoted(second)));
        let err = fails(&work, &mut verify(&[&shares[0], second], &pass), 2);
        assert_has(&err, "same share");
        assert_has(&err, &quoted(second));
    }
}

#[test]
fn too_few_shares_fail_before_any_passphrase_is_asked() {
    let work = Work::new();
    let small = work.split("small", ABOUT, 2, 3, &passphrases(3));
    let big = work.split("big", ABOUT, 3, 5, &passphrases(5));
    // No --passphrase-file and no terminal: a prompt would fail with a terminal error.
    for (given, need, have) in [(vec![&small[0]], 2, 1), (vec![&big[1], &big[4]], 3, 2)] {
        let args: Vec<&str> = given.iter().map(|s| s.as_str()).collect();
        let err = fails(&work, &mut recover(&work, &args, None), 2);
        assert_has(&err, &format!("needs {need} shares"));
        assert_has(&err, &format!("only {have} w"));
        assert_has(&err, &set_id(given[0]));
        for file in &given {
            assert_has(&err, file.as_str());
        }
        assert!(
            !err.contains("terminal"),
            "must fail before prompting: {err}"
        );
        assert!(
            !err.contains("passphrase"),
            "must fail before prompting: {err}"
        );
    }
}

#[test]
fn unknown_version_is_refused() {
    let work = Work::new();
    let shares = work.split("s", ABOUT, 2, 3, &passphrases(3));
    let text = read(&shares[2]);
    assert!(text.contains("\nVersion: 1\n"));
    let v2 = work.write(
        "v2.txt",
        text.replacen("\nVersion: 1\n", "\nVersion: 2\n", 1),
    );
    let pass = work.passfile("p.txt", &["pass-3", "pass-1"]);
    let err = fails(
        &work,
        &mut recover(&work, &[&v2, &shares[0]], Some(&pass)),
        2,
    );
    assert_has(&err, &format!("error: share {}", quoted(&v2)));
    assert_has(&err, "version 2");
    let err = fails(&work, &mut inspect(&[&v2]), 2);
    assert_has(&err, "version 2");
}

#[test]
fn hostile_kdf_memory_is_refused_without_allocating() {
    let work = Work::new();
    let shares = work.split("s", ABOUT, 2, 3, &passphrases(3));
    let mut bytes = share_bytes(&shares[0]);
    assert_eq!(bytes[19], 1, "Argon2id");
    bytes[20..24].copy_from_slice(&u32::MAX.to_be_bytes());
    recheck(&mut bytes);
    // The library itself refuses to decode it: the forged bytes are exactly what we mean.
    assert!(EncryptedShare::from_bytes(&bytes).is_err());
    let hostile = work.write("hostile.txt", rearmor(&read(&shares[0]), &bytes));
    let pass = work.passfile("p.txt", &["pass-1", "pass-2"]);

    // The command-wide TIMEOUT guards against a hang; the proof that nothing was derived is the
    // verdict itself (the cap is checked while decoding, before any key derivation).
    let err = fails(
        &work,
        &mut recover(&work, &[&hostile, &shares[1]], Some(&pass)),
        2,
    );
    assert_has(&err, &format!("error: share {}", quoted(&hostile)));
    assert_has(&err, "above the limit");
    assert_has(&err, &u32::MAX.to_string());
    let err = fails(&work, &mut verify(&[&hostile], &pass_one(&work)), 2);
    assert_has(&err, "above the limit");
    let err = fails(&work, &mut inspect(&[&hostile]), 2);
    assert_has(&err, "above the limit");
}

fn split_cmd(work: &Work, out: &str, t: &str, n: &str) -> Command {
    let pass = work.passfile(&format!("{out}-pass.txt"), &["pass-1", "pass-2", "pass-3"]);
    let mut cmd = coldshard();
    cmd.args(["split", "-t", t, "-n", n, "--out"])
        .arg(work.path(out))
        .args(["--passphrase-file", &pass])
        .args(FAST_KDF);
    cmd
}

#[test]
fn unknown_mnemonic_word_is_named_without_suggestions_into_a_pipe() {
    let work = Work::new();
    let typo = ABOUT.replace("about", "abuot");
    let err = fails(
        &work,
        split_cmd(&work, "s", "2", "3").write_stdin(typo.clone()),
        2,
    );
    assert_has(&err, "word 12");
    assert_has(&err, "not a BIP39 word");
    assert_has(&err, "run at a terminal");
    assert!(
        !err.contains("about"),
        "suggestions must not reach a pipe: {err}"
    );
    assert!(
        !err.contains("abuot"),
        "the typed word must not be echoed: {err}"
    );
    assert!(!work.path("s").exists());

    // Same from a file with --in.
    let input = work.write("seed.txt", typo);
    let err = fails(
        &work,
        split_cmd(&work, "t", "2", "3").args(["--in", &input]),
        2,
    );
    assert_has(&err, "word 12");
    assert!(!err.contains("about"), "{err}");
}

#[test]
fn bad_mnemonic_checksum_is_refused() {
    let work = Work::new();
    let words = ["abandon"; 12].join(" ");
    let err = fails(&work, split_cmd(&work, "s", "2", "3").write_stdin(words), 2);
    assert_has(&err, "checksum");
    assert!(!err.contains("abandon"), "{err}");
    assert!(!work.path("s").exists());
}

#[test]
fn existing_output_is_never_overwritten() {
    let work = Work::new();
    let shares = work.split("s", ABOUT, 2, 3, &passphrases(3));
    // split into a non-empty folder: the folder keeps exactly what it had.
    std::fs::create_dir(work.path("full")).expect("mkdir");
    work.write("full/keep.txt", "do not touch\n");
    let err = fails(
        &work,
        split_cmd(&work, "full", "2", "3").write_stdin(ABOUT),
        2,
    );
    assert_has(&err, "full");
    assert_has(&err, "not empty");
    // The existing share folder of a previous split.
    let err = fails(&work, split_cmd(&work, "s", "2", "3").write_stdin(ABOUT), 2);
    assert_has(&err, "not empty");

    // recover --out onto an existing file: it keeps its content.
    let target = work.write("seed-out.txt", "old content\n");
    let pass = work.passfile("p.txt", &["pass-1", "pass-2"]);
    let mut cmd = coldshard();
    cmd.args([
        "recover",
        &shares[0],
        &shares[1],
        "--passphrase-file",
        &pass,
        "--out",
        &target,
    ]);
    let err = fails(&work, &mut cmd, 2);
    assert_has(&err, &target);
    assert_has(&err, "already exists");
    assert_eq!(read(&target), "old content\n");
}

#[test]
fn an_altered_share_is_not_genuine_exit_1() {
    let work = Work::new();
    let shares = work.split("s", ABOUT, 2, 3, &passphrases(3));
    let mut bytes = share_bytes(&shares[0]);
    bytes[114] ^= 0x01; // first byte of the ciphertext, whole-share check recomputed
    recheck(&mut bytes);
    let forged = work.write("forged-1.txt", rearmor(&read(&shares[0]), &bytes));
    let pass = work.passfile("p.txt", &["pass-1", "pass-2"]);
    for args in [
        vec![forged.as_str(), shares[1].as_str()],
        vec![forged.as_str()],
    ] {
        let err = fails(&work, &mut recover(&work, &args, Some(&pass)), 1);
        assert_has(&err, &quoted(&forged));
        assert_has(&err, "not genuine");
        assert!(!err.contains("passphrase is wrong"), "{err}");
    }
}

#[test]
fn a_share_forged_by_its_custodian_is_caught_before_reconstruction() {
    let work = Work::new();
    let shares = work.split("s", ABOUT, 2, 5, &passphrases(5));
    let forged = work.write("forged-2.txt", forge_own_share(&shares[1], "pass-2"));
    let pass = work
        .path("s-passphrases.txt")
        .to_string_lossy()
        .into_owned();
    // Exactly T shares (the case no consistency check can catch), and all five.
    let two = work.passfile("p12.txt", &["pass-1", "pass-2"]);
    for (args, passfile) in [
        (vec![shares[0].as_str(), forged.as_str()], two.as_str()),
        (
            vec![&shares[0], &forged, &shares[2], &shares[3], &shares[4]]
                .into_iter()
                .map(String::as_str)
                .collect(),
            pass.as_str(),
        ),
    ] {
        let err = fails(&work, &mut recover(&work, &args, Some(passfile)), 1);
        assert_has(&err, &quoted(&forged));
        assert_has(&err, "not genuine");
    }
    // verify and inspect refuse it too, naming it, without any passphrase.
    let err = fails(&work, &mut inspect(&[&forged]), 1);
    assert_has(&err, "not genuine");
}

#[test]
fn bad_split_usage_exit_2() {
    let work = Work::new();
    let err = fails(&work, split_cmd(&work, "a", "4", "3").write_stdin(ABOUT), 2);
    assert_has(
        &err,
        "threshold (4) cannot be larger than the number of shares (3)",
    );
    let err = fails(&work, split_cmd(&work, "b", "1", "3").write_stdin(ABOUT), 2);
    assert_has(&err, "--allow-threshold-one");
    let err = fails(
        &work,
        split_cmd(&work, "c", "2", "3")
            .args(["--label", "alice", "--label", "bob"])
            .write_stdin(ABOUT),
        2,
    );
    assert_has(&err, "2 labels were given for 3 shares");
    let two = work.passfile("two-lines.txt", &["pass-1", "pass-2"]);
    let mut cmd = coldshard();
    cmd.args(["split", "-t", "2", "-n", "3", "--out"])
        .arg(work.path("d"))
        .args(["--passphrase-file", &two])
        .args(FAST_KDF)
        .write_stdin(ABOUT);
    let err = fails(&work, &mut cmd, 2);
    assert_has(&err, &two);
    assert_has(&err, "has 2 lines");
    for out in ["a", "b", "c", "d"] {
        assert!(!work.path(out).exists(), "{out}");
    }
}

#[test]
fn passphrase_file_with_wrong_line_count_on_recover_exit_2() {
    let work = Work::new();
    let shares = work.split("s", ABOUT, 2, 3, &passphrases(3));
    let pass = work
        .path("s-passphrases.txt")
        .to_string_lossy()
        .into_owned();
    let err = fails(
        &work,
        &mut recover(&work, &[&shares[0], &shares[1]], Some(&pass)),
        2,
    );
    assert_has(&err, &pass);
    assert_has(&err, "has 3 lines");
}

#[test]
fn missing_share_file_is_named() {
    let work = Work::new();
    let missing = work.path("nonexistent.txt").to_string_lossy().into_owned();
    let err = fails(&work, &mut recover(&work, &[&missing], None), 2);
    assert_has(&err, &format!("error: cannot read {}", quoted(&missing)));
    let err = fails(&work, &mut inspect(&[&missing]), 2);
    assert_has(&err, &quoted(&missing));
    // A share that is not where split put it either.
    let err = fails(
        &work,
        &mut inspect(&[&share_path(&work.path("nowhere"), 1, 3)]),
        2,
    );
    assert_has(&err, "share-1-of-3.txt");
}

#[test]
fn an_altered_unencrypted_share_is_not_called_a_wrong_passphrase() {
    let work = Work::new();
    let out = work.path("plain");
    coldshard()
        .args(["split", "-t", "2", "-n", "3", "--no-passphrase", "--out"])
        .arg(&out)
        .write_stdin(ABOUT)
        .assert()
        .success();
    let original = share_path(&out, 2, 3);
    let mut bytes = share_bytes(&original);
    bytes[70] ^= 1; // one ciphertext bit, with the whole-share check recomputed
    recheck(&mut bytes);
    let altered = work.write("altered.txt", rearmor(&read(&original), &bytes));
    let err = fails(&work, coldshard().args(["verify", &altered]), 1);
    assert_has(&err, "altered.txt");
    assert_has(&err, "was altered");
    assert!(!err.contains("passphrase is wrong"), "{err}");
}

#[test]
fn a_passphrase_nobody_could_type_is_refused_at_split() {
    let work = Work::new();
    let pass = work.write("tab.txt", "alice\tsecret\nbob\ncarol\n");
    let out = work.path("never");
    let err = fails(
        &work,
        coldshard()
            .args(["split", "-t", "2", "-n", "3", "--passphrase-file", &pass])
            .args(FAST_KDF)
            .arg("--out")
            .arg(&out)
            .write_stdin(ABOUT),
        2,
    );
    assert_has(&err, "line 1");
    assert_has(&err, "cannot be typed");
}
