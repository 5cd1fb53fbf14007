//! End-to-end behaviours of the real binary: the ways a user splits, checks and recovers.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

use crate::util::{ABOUT, FAST_KDF, Work, coldshard, passphrases, share_path};

/// `coldshard split -t T -n N --out WORK/out` (no passphrase option, no KDF flags, no input).
fn split_cmd(work: &Work, out: &str, t: u8, n: u8) -> Command {
    let mut cmd = coldshard();
    cmd.args(["split", "-t", &t.to_string(), "-n", &n.to_string(), "--out"])
        .arg(work.path(out));
    cmd
}

/// Share paths 1..=n of the set in WORK/out.
fn shares_of(work: &Work, out: &str, n: u8) -> Vec<String> {
    (1..=n).map(|i| share_path(&work.path(out), i, n)).collect()
}

/// A passphrase file holding "pass-i" for each 1-based index, in the order given.
fn pass_for(work: &Work, indices: &[u8]) -> String {
    let lines: Vec<String> = indices.iter().map(|i| format!("pass-{i}")).collect();
    let tag: Vec<String> = indices.iter().map(u8::to_string).collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    work.passfile(&format!("pass-for-{}.txt", tag.join("-")), &lines)
}

/// The share paths with these 1-based indices, in that order.
fn pick<'a>(shares: &'a [String], indices: &[u8]) -> Vec<&'a str> {
    indices
        .iter()
        .map(|&i| shares[usize::from(i) - 1].as_str())
        .collect()
}

/// `recover SHARES... --passphrase-file F --reveal`, which must succeed; returns stdout.
fn recover_reveal(shares: &[&str], passfile: &str) -> Vec<u8> {
    coldshard()
        .arg("recover")
        .args(shares)
        .args(["--passphrase-file", passfile, "--reveal"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone()
}

fn stdout_of(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(a.get_output().stdout.clone()).expect("UTF-8 stdout")
}

fn stderr_of(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

fn mode(path: impl AsRef<Path>) -> u32 {
    std::fs::metadata(path.as_ref())
        .unwrap_or_else(|e| panic!("stat {}: {e}", path.as_ref().display()))
        .permissions()
        .mode()
        & 0o777
}

/// Names of the entries of a folder.
fn entries(dir: impl AsRef<Path>) -> BTreeSet<String> {
    std::fs::read_dir(dir.as_ref())
        .unwrap_or_else(|e| panic!("list {}: {e}", dir.as_ref().display()))
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The value after "Set:" in split's summary.
fn set_id_in(text: &str) -> String {
    text.lines()
        .find_map(|l| l.trim().strip_prefix("Set:"))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| panic!("no 'Set:' line in:\n{text}"))
}

/// The 8 hex digits after "Fingerprint:".
fn fingerprint_in(text: &str) -> String {
    text.split("Fingerprint:")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no fingerprint in:\n{text}"))
}

/// A 3-of-5 set of ABOUT in WORK/out (passphrases pass-1..pass-5, labels alice..erin).
fn about_3_of_5(work: &Work, out: &str) -> (String, Vec<String>) {
    let pass = work.passfile(
        &format!("{out}-split.txt"),
        &["pass-1", "pass-2", "pass-3", "pass-4", "pass-5"],
    );
    let a = split_cmd(work, out, 3, 5)
        .args(["--passphrase-file", &pass])
        .args(FAST_KDF)
        .args([
            "--label", "alice", "--label", "bob", "--label", "carol", "--label", "dave",
        ])
        .args(["--label", "erin"])
        .write_stdin(ABOUT)
        .assert()
        .success();
    (stdout_of(&a), shares_of(work, out, 5))
}

// ---------------------------------------------------------------------------------------------
// recover

#[test]
fn recover_accepts_more_than_t_shares_in_any_order() {
    let work = Work::new();
    let shares = work.split("s", ABOUT, 3, 5, &passphrases(5));
    let want = format!("{ABOUT}\n").into_bytes();
    for order in [[1, 2, 3, 4, 5], [4, 2, 5, 1, 3], [5, 4, 3, 2, 1]] {
        let out = recover_reveal(&pick(&shares, &order), &pass_for(&work, &order));
        assert_eq!(out, want, "recover with all five shares in order {order:?}");
    }
    // Four of five, shuffled.
    let order = [3, 5, 2, 4];
    assert_eq!(
        recover_reveal(&pick(&shares, &order), &pass_for(&work, &order)),
        want
    );
}

#[test]
fn recover_out_writes_a_private_file_and_never_overwrites() {
    let work = Work::new();
    let shares = work.split("s", ABOUT, 2, 3, &passphrases(3));
    let pass = pass_for(&work, &[2, 3]);
    let seed = work.path("seed.txt");
    let a = coldshard()
        .args([
            "recover",
            &shares[1],
            &shares[2],
            "--passphrase-file",
            &pass,
            "--out",
        ])
        .arg(&seed)
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(&seed).expect("seed file"),
        format!("{ABOUT}\n")
    );
    assert_eq!(
        mode(&seed),
        0o600,
        "recover --out must create the file with mode 0600"
    );
    for (what, text) in [("stdout", stdout_of(&a)), ("stderr", stderr_of(&a))] {
        assert!(
            !text.contains("abandon"),
            "{what} of recover --out shows the secret:\n{text}"
        );
    }

    // A second run refuses the existing file and leaves it as it was.
    coldshard()
        .args([
            "recover",
            &shares[1],
            &shares[2],
            "--passphrase-file",
            &pass,
            "--out",
        ])
        .arg(&seed)
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains("seed.txt").and(predicate::str::contains("already exists")),
        );
    assert_eq!(
        std::fs::read_to_string(&seed).expect("seed file"),
        format!("{ABOUT}\n")
    );

    // Any existing file, whatever it holds.
    let other = work.write("precious.txt", "do not touch\n");
    coldshard()
        .args([
            "recover",
            &shares[0],
            &shares[1],
            "--passphrase-file",
            &pass_for(&work, &[1, 2]),
        ])
        .args(["--out", &other])
        .assert()
        .code(2);
    assert_eq!(
        std::fs::read_to_string(&other).expect("file"),
        "do not touch\n"
    );
}

#[test]
fn recover_without_reveal_or_out_shows_only_the_fingerprint() {
    let work = Work::new();
    let pass = work.passfile("p.txt", &["pass-1", "pass-2", "pass-3"]);
    let split = split_cmd(&work, "s", 2, 3)
        .args(["--passphrase-file", &pass])
        .args(FAST_KDF)
        .write_stdin(ABOUT)
        .assert()
        .success();
    let fp = fingerprint_in(&stdout_of(&split));
    let shares = shares_of(&work, "s", 3);
    let a = coldshard()
        .args([
            "recover",
            &shares[2],
            &shares[0],
            "--passphrase-file",
            &pass_for(&work, &[3, 1]),
        ])
        .assert()
        .success();
    let out = stdout_of(&a);
    assert!(out.contains("Fingerprint"), "no fingerprint:\n{out}");
    assert_eq!(fingerprint_in(&out), fp);
    assert!(
        out.contains("--reveal"),
        "does not tell how to see the words:\n{out}"
    );
    let err = stderr_of(&a);
    assert!(
        !out.contains("abandon") && !err.contains("abandon"),
        "the mnemonic was printed without --reveal:\n{out}\n{err}"
    );
    assert_eq!(
        entries(work.dir.path()),
        names(&["p.txt", "s", "pass-for-3-1.txt"]),
        "recover without --out wrote a file"
    );
}

// ---------------------------------------------------------------------------------------------
// secret kinds

#[test]
fn raw_bytes_come_back_exactly() {
    let secret: &[u8] = b"my secret\x00\xff bytes";
    let work = Work::new();
    let pass = work.passfile("p.txt", &["pass-1", "pass-2"]);
    for (out, format) in [
        ("raw", Some("raw")),
        ("auto", Some("auto")),
        ("default", None),
    ] {
        let mut cmd = split_cmd(&work, out, 2, 2);
        cmd.args(["--passphrase-file", &pass]).args(FAST_KDF);
        if let Some(f) = format {
            cmd.args(["--secret-format", f]);
        }
        let a = cmd.write_stdin(secret).assert().success();
        assert!(
            stdout_of(&a).contains("raw bytes, 17 bytes"),
            "--secret-format {format:?} did not take the input as 17 raw bytes:\n{}",
            stdout_of(&a)
        );
        let shares = shares_of(&work, out, 2);
        let target = work.path(&format!("{out}-recovered.bin"));
        coldshard()
            .args([
                "recover",
                &shares[1],
                &shares[0],
                "--passphrase-file",
                &pass_for(&work, &[2, 1]),
            ])
            .arg("--out")
            .arg(&target)
            .assert()
            .success();
        assert_eq!(
            std::fs::read(&target).expect("recovered file"),
            secret,
            "{out}: bytes differ"
        );
        assert_eq!(mode(&target), 0o600);
    }
    // Text that is not words or hex is raw too, trailing newline included.
    let text = b"hunter2 is not hex!\n";
    split_cmd(&work, "text", 2, 2)
        .args(["--passphrase-file", &pass])
        .args(FAST_KDF)
        .write_stdin(&text[..])
        .assert()
        .success();
    let shares = shares_of(&work, "text", 2);
    assert_eq!(recover_reveal(&[&shares[0], &shares[1]], &pass), text);
}

// ---------------------------------------------------------------------------------------------
// split output

#[test]
fn split_writes_only_private_share_files_and_leaves_nothing_else() {
    let work = Work::new();
    let pass = work.passfile("p.txt", &["pass-1", "pass-2", "pass-3", "pass-4"]);
    let parent = work.path("parent");
    std::fs::create_dir(&parent).expect("mkdir parent");
    let out = parent.join("shares");
    coldshard()
        .args(["split", "-t", "2", "-n", "4", "--out"])
        .arg(&out)
        .args(["--passphrase-file", &pass])
        .args(FAST_KDF)
        .write_stdin(ABOUT)
        .assert()
        .success();
    assert_eq!(
        entries(&parent),
        names(&["shares"]),
        "leftovers beside the share folder"
    );
    assert_eq!(mode(&out), 0o700, "share folder mode");
    let want = crate::util::folder_names(&[
        "share-1-of-4",
        "share-2-of-4",
        "share-3-of-4",
        "share-4-of-4",
    ]);
    let want: Vec<&str> = want.iter().map(String::as_str).collect();
    assert_eq!(entries(&out), names(&want));
    for name in entries(&out) {
        assert_eq!(mode(out.join(&name)), 0o600, "{name} mode");
    }

    // An empty existing folder is used; a non-empty one is refused and left alone.
    let empty = parent.join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    coldshard()
        .args(["split", "-t", "2", "-n", "4", "--out"])
        .arg(&empty)
        .args(["--passphrase-file", &pass])
        .args(FAST_KDF)
        .write_stdin(ABOUT)
        .assert()
        .success();
    let per_set = 4 * coldshard::issue::EXTENSIONS.len() + 1;
    assert_eq!(entries(&empty).len(), per_set, "4 shares and the manifest");
    coldshard()
        .args(["split", "-t", "2", "-n", "4", "--out"])
        .arg(&out)
        .args(["--passphrase-file", &pass])
        .args(FAST_KDF)
        .write_stdin(ABOUT)
        .assert()
        .code(2);
    assert_eq!(
        entries(&parent),
        names(&["shares", "empty"]),
        "leftovers after a refused split"
    );
    assert_eq!(entries(&out).len(), per_set, "the first set is untouched");
}

// ---------------------------------------------------------------------------------------------
// verify and inspect

#[test]
fn verify_one_share_says_ok_and_names_the_set() {
    let work = Work::new();
    let (split_out, shares) = about_3_of_5(&work, "s");
    let set = set_id_in(&split_out);
    let pass2 = work.passfile("two.txt", &["pass-2"]);
    let a = coldshard()
        .args(["verify", &shares[1], "--passphrase-file", &pass2])
        .assert()
        .success();
    let out = stdout_of(&a);
    assert!(out.contains("OK"), "verify does not say OK:\n{out}");
    assert!(out.contains("authentic share of set"), "{out}");
    assert!(out.contains(&set), "verify does not name set {set}:\n{out}");
    assert!(!out.contains("abandon"));

    // The same share with another share's passphrase is not OK: exit 3.
    coldshard()
        .args([
            "verify",
            &shares[1],
            "--passphrase-file",
            &work.passfile("one.txt", &["pass-1"]),
        ])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("OK").not());
}

#[test]
fn verify_json_is_one_object_with_every_share() {
    let work = Work::new();
    let (split_out, shares) = about_3_of_5(&work, "s");
    let set = set_id_in(&split_out);
    let order = [4u8, 2];
    let a = coldshard()
        .arg("verify")
        .args(pick(&shares, &order))
        .args(["--json", "--passphrase-file", &pass_for(&work, &order)])
        .assert()
        .success();
    let out = stdout_of(&a);
    let v: serde_json::Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("verify --json is not one JSON object ({e}):\n{out}"));
    assert_eq!(v["ok"], serde_json::json!(true), "{v}");
    let list = v["shares"].as_array().expect("a shares array");
    assert_eq!(list.len(), 2);
    for (entry, index) in list.iter().zip(order) {
        assert_eq!(entry["set_id"], serde_json::json!(set), "{entry}");
        assert_eq!(entry["index"], serde_json::json!(index), "{entry}");
        assert_eq!(entry["count"], serde_json::json!(5), "{entry}");
        assert_eq!(entry["threshold"], serde_json::json!(3), "{entry}");
        assert_eq!(entry["intact"], serde_json::json!(true), "{entry}");
        assert_eq!(
            entry["passphrase_correct"],
            serde_json::json!(true),
            "{entry}"
        );
    }
}

#[test]
fn inspect_shows_the_public_header_without_a_passphrase() {
    let work = Work::new();
    let (split_out, shares) = about_3_of_5(&work, "s");
    let set = set_id_in(&split_out);
    // No passphrase file and no terminal input: inspect must not need either.
    let a = coldshard()
        .args(["inspect", &shares[1]])
        .write_stdin("")
        .assert()
        .success();
    let out = stdout_of(&a);
    assert!(
        out.contains("Set:") && out.contains(&set),
        "no set in:\n{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.contains("Share:") && l.contains("2 of 5")),
        "no 'Share: 2 of 5' line in:\n{out}"
    );
    assert!(out.contains("any 3"), "threshold missing:\n{out}");
    assert!(out.contains("bob"), "label missing:\n{out}");

    let a = coldshard()
        .args(["inspect", "--json", &shares[4], &shares[1]])
        .write_stdin("")
        .assert()
        .success();
    let out = stdout_of(&a);
    let v: serde_json::Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("inspect --json is not one JSON object ({e}):\n{out}"));
    let list = v["shares"].as_array().expect("a shares array");
    assert_eq!(list.len(), 2);
    for (entry, (index, label)) in list.iter().zip([(5, "erin"), (2, "bob")]) {
        assert_eq!(entry["index"], serde_json::json!(index), "{entry}");
        assert_eq!(entry["count"], serde_json::json!(5), "{entry}");
        assert_eq!(entry["threshold"], serde_json::json!(3), "{entry}");
        assert_eq!(entry["set_id"], serde_json::json!(set), "{entry}");
        assert_eq!(entry["label"], serde_json::json!(label), "{entry}");
        assert_eq!(
            entry["kdf"]["algorithm"],
            serde_json::json!("argon2id"),
            "{entry}"
        );
        assert_eq!(
            entry["kdf"]["memory_kib"],
            serde_json::json!(1024),
            "{entry}"
        );
    }
}

#[test]
fn labels_appear_in_each_share_header() {
    let work = Work::new();
    let (split_out, shares) = about_3_of_5(&work, "s");
    for (i, label) in ["alice", "bob", "carol", "dave", "erin"].iter().enumerate() {
        let text = std::fs::read_to_string(&shares[i]).expect("share file");
        assert!(
            text.lines().any(|l| l == format!("Label: {label}")),
            "share {} has no 'Label: {label}' line:\n{text}",
            i + 1
        );
        assert!(
            split_out.contains(label),
            "split's summary does not list {label}"
        );
    }
    // Without --label there is no Label line.
    let plain = work.split("plain", ABOUT, 2, 2, &passphrases(2));
    let text = std::fs::read_to_string(&plain[0]).expect("share file");
    assert!(
        !text.contains("Label:"),
        "unlabelled share has a label:\n{text}"
    );
}

// ---------------------------------------------------------------------------------------------
// passphrases

#[test]
fn no_passphrase_split_warns_loudly_and_recovers_without_passphrases() {
    let work = Work::new();
    let a = split_cmd(&work, "s", 2, 3)
        .arg("--no-passphrase")
        .write_stdin(ABOUT)
        .assert()
        .success();
    let err = stderr_of(&a);
    assert!(
        err.contains("NOT encrypted"),
        "no loud warning on stderr:\n{err}"
    );
    let shares = shares_of(&work, "s", 3);
    let a = coldshard()
        .args(["recover", &shares[2], &shares[1], "--reveal"])
        .write_stdin("")
        .assert()
        .success();
    assert_eq!(stdout_of(&a), format!("{ABOUT}\n"));
    coldshard()
        .args(["verify", &shares[0]])
        .write_stdin("")
        .assert()
        .success()
        .stdout(predicate::str::contains("OK"));
}

#[test]
fn a_single_line_passphrase_file_applies_to_every_share() {
    let work = Work::new();
    let one = work.passfile("one.txt", &["the same for all"]);
    let a = split_cmd(&work, "s", 3, 4)
        .args(["--passphrase-file", &one])
        .args(FAST_KDF)
        .write_stdin(ABOUT)
        .assert()
        .success();
    let err = stderr_of(&a);
    assert!(
        err.contains("one passphrase for every share"),
        "split does not warn about one passphrase for all shares:\n{err}"
    );
    let shares = shares_of(&work, "s", 4);
    assert_eq!(
        recover_reveal(&pick(&shares, &[4, 1, 3]), &one),
        format!("{ABOUT}\n").into_bytes()
    );
    coldshard()
        .args([
            "verify",
            &shares[0],
            &shares[1],
            &shares[2],
            &shares[3],
            "--passphrase-file",
            &one,
        ])
        .assert()
        .success();
    // And the one passphrase is really checked.
    coldshard()
        .args([
            "recover",
            &shares[0],
            &shares[1],
            &shares[2],
            "--reveal",
            "--passphrase-file",
        ])
        .arg(work.passfile("wrong.txt", &["the same for al"]))
        .assert()
        .code(3)
        .stdout("");
}

#[test]
fn passphrases_are_compared_after_nfkd_normalisation() {
    let work = Work::new();
    // Share 1: "Zoë" typed decomposed (e + combining diaeresis); share 2: plain.
    let split_pass = work.passfile("split.txt", &["Zoe\u{0308}", "pass-2"]);
    split_cmd(&work, "s", 2, 2)
        .args(["--passphrase-file", &split_pass])
        .args(FAST_KDF)
        .write_stdin(ABOUT)
        .assert()
        .success();
    let shares = shares_of(&work, "s", 2);
    // Recovered with "Zoë" typed precomposed (U+00EB).
    let composed = work.passfile("composed.txt", &["Zo\u{eb}", "pass-2"]);
    assert_eq!(
        recover_reveal(&[&shares[0], &shares[1]], &composed),
        format!("{ABOUT}\n").into_bytes()
    );
    // A passphrase without the diaeresis is a different passphrase.
    coldshard()
        .args([
            "recover",
            &shares[0],
            &shares[1],
            "--reveal",
            "--passphrase-file",
        ])
        .arg(work.passfile("plain-e.txt", &["Zoe", "pass-2"]))
        .assert()
        .code(3)
        .stdout("");
}

// ---------------------------------------------------------------------------------------------
// generate

/// Checks `text` is one line of `count` words forming a valid BIP39 English mnemonic.
fn assert_mnemonic(text: &str, count: usize) {
    assert!(
        text.ends_with('\n') && text.lines().count() == 1,
        "not one line: {text:?}"
    );
    let words: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(words.len(), count, "word count of {text:?}");
    bip39::Mnemonic::parse_in_normalized(bip39::Language::English, text.trim())
        .unwrap_or_else(|e| panic!("generated words are not a valid BIP39 mnemonic ({e})"));
}

#[test]
fn generate_prints_valid_words_that_split_accepts() {
    let work = Work::new();
    let a = coldshard()
        .args(["generate", "--reveal"])
        .assert()
        .success();
    let words24 = stdout_of(&a);
    assert_mnemonic(&words24, 24);
    let again = stdout_of(
        &coldshard()
            .args(["generate", "--reveal"])
            .assert()
            .success(),
    );
    assert_ne!(words24, again, "two generated mnemonics are equal");

    let words12 = stdout_of(
        &coldshard()
            .args(["generate", "--words", "12", "--reveal"])
            .assert()
            .success(),
    );
    assert_mnemonic(&words12, 12);

    let pass = work.passfile("p.txt", &["pass-1", "pass-2"]);
    for (out, words, count) in [("s24", &words24, 24), ("s12", &words12, 12)] {
        let a = split_cmd(&work, out, 2, 2)
            .args(["--passphrase-file", &pass])
            .args(FAST_KDF)
            .args(["--secret-format", "bip39"])
            .write_stdin(words.as_str())
            .assert()
            .success();
        assert!(stdout_of(&a).contains(&format!("BIP39 mnemonic, {count} words")));
        let shares = shares_of(&work, out, 2);
        assert_eq!(
            &String::from_utf8(recover_reveal(&[&shares[0], &shares[1]], &pass)).unwrap(),
            words
        );
    }
}

#[test]
fn generate_refuses_to_print_to_a_pipe_without_reveal() {
    // assert_cmd captures standard output through a pipe, as a script's redirect would.
    let a = coldshard()
        .args(["generate", "--words", "12"])
        .assert()
        .code(2);
    assert_eq!(
        stdout_of(&a),
        "",
        "words printed to a pipe without --reveal"
    );
    let err = stderr_of(&a);
    assert!(
        err.starts_with("error: refusing to print the new seed: standard output is not a terminal"),
        "{err}"
    );
    assert!(
        err.contains("hint: write it to a new private file with --out FILE"),
        "{err}"
    );
    // --reveal and --out do not go together: the words go to one place.
    coldshard()
        .args(["generate", "--reveal", "--out", "x.txt"])
        .assert()
        .code(2);
}

#[test]
fn generate_out_writes_a_private_file_and_never_overwrites() {
    let work = Work::new();
    let file = work.path("seed.txt");
    let a = coldshard()
        .args(["generate", "--words", "18", "--out"])
        .arg(&file)
        .assert()
        .success();
    assert_eq!(stdout_of(&a), "", "generate --out must not print the words");
    assert_eq!(mode(&file), 0o600);
    let words = std::fs::read_to_string(&file).expect("seed file");
    assert_mnemonic(&words, 18);
    assert!(
        !stderr_of(&a).contains(words.trim()),
        "the words went to stderr"
    );

    coldshard()
        .args(["generate", "--out"])
        .arg(&file)
        .assert()
        .code(2)
        .stdout("");
    assert_eq!(
        std::fs::read_to_string(&file).expect("seed file"),
        words,
        "generate overwrote the file"
    );
}

#[test]
fn generate_refuses_word_counts_bip39_does_not_allow() {
    for bad in ["13", "0", "11", "25", "twelve"] {
        coldshard()
            .args(["generate", "--words", bad])
            .assert()
            .code(2)
            .stdout("");
    }
    for ok in ["15", "21"] {
        let out = stdout_of(
            &coldshard()
                .args(["generate", "--words", ok, "--reveal"])
                .assert()
                .success(),
        );
        assert_mnemonic(&out, ok.parse().unwrap());
    }
}

// ---------------------------------------------------------------------------------------------
// demo

/// Checks a demo folder: 5 shares, and the recover command the demo suggests works.
fn check_demo_folder(dir: &Path) {
    let shares = dir.join("shares");
    let bases: Vec<String> = (1..=5).map(|i| format!("share-{i}-of-5")).collect();
    let bases: Vec<&str> = bases.iter().map(String::as_str).collect();
    let want = crate::util::folder_names(&bases);
    let want: Vec<&str> = want.iter().map(String::as_str).collect();
    assert_eq!(entries(&shares), names(&want), "demo share folder");
    let s = |i: u8| share_path(&shares, i, 5);
    let pick = dir.join("demo-passphrases-1-3-5.txt");
    let out = recover_reveal(&[&s(1), &s(3), &s(5)], &pick.to_string_lossy());
    assert_eq!(
        String::from_utf8(out).unwrap(),
        format!("{}\n", coldshard::commands::DEMO_MNEMONIC)
    );
}

#[test]
fn demo_with_out_runs_quickly_and_says_what_it_did() {
    let work = Work::new();
    let dir = work.path("demo");
    let a = coldshard()
        .args(["demo", "--out"])
        .arg(&dir)
        .assert()
        .success();
    let out = stdout_of(&a);
    for step in ["split", "recover", "verify"] {
        assert!(out.contains(step), "demo does not mention '{step}':\n{out}");
    }
    assert!(
        out.contains(&dir.display().to_string()),
        "demo does not say where the files are:\n{out}"
    );
    check_demo_folder(&dir);

    // A second demo into the same (now full) folder is refused.
    coldshard()
        .args(["demo", "--out"])
        .arg(&dir)
        .assert()
        .code(2);
}

#[test]
fn demo_without_out_uses_the_temp_dir() {
    let work = Work::new();
    let tmp = work.path("tmp");
    std::fs::create_dir(&tmp).expect("mkdir tmp");
    let a = coldshard()
        .arg("demo")
        .env("TMPDIR", &tmp)
        .assert()
        .success();
    let made = entries(&tmp);
    assert_eq!(
        made.len(),
        1,
        "demo should make one folder in TMPDIR: {made:?}"
    );
    let name = made.iter().next().unwrap();
    let dir = tmp.join(name);
    assert!(
        stdout_of(&a).contains(&dir.display().to_string()),
        "demo does not print its folder"
    );
    check_demo_folder(&dir);
}

// ---------------------------------------------------------------------------------------------
// completions, man, help

#[test]
fn completions_and_man_pages() {
    for shell in ["bash", "zsh", "fish"] {
        let out = stdout_of(&coldshard().args(["completions", shell]).assert().success());
        assert!(
            out.contains("coldshard"),
            "{shell} completions do not mention coldshard"
        );
    }
    assert!(
        stdout_of(&coldshard().args(["completions", "bash"]).assert().success())
            .contains("complete")
    );
    coldshard()
        .args(["completions", "nosuchshell"])
        .assert()
        .code(2)
        .stdout("");

    let page = stdout_of(&coldshard().arg("man").assert().success());
    assert!(
        page.starts_with(".TH") || page.starts_with(".ie"),
        "not roff:\n{page}"
    );
    assert!(page.contains(".TH coldshard"), "{page}");
    let page = stdout_of(&coldshard().args(["man", "split"]).assert().success());
    assert!(
        page.starts_with(".TH") || page.starts_with(".ie"),
        "not roff:\n{page}"
    );
    assert!(
        page.contains("coldshard-split") && page.contains("threshold"),
        "{page}"
    );
    coldshard()
        .args(["man", "nosuchcommand"])
        .assert()
        .code(2)
        .stdout("");
}

#[test]
fn every_command_help_has_examples() {
    let commands = [
        "generate",
        "split",
        "recover",
        "verify",
        "inspect",
        "demo",
        "completions",
        "man",
    ];
    for c in commands {
        let out = stdout_of(&coldshard().args([c, "--help"]).assert().success());
        assert!(
            out.contains("Examples:"),
            "`{c} --help` has no Examples:\n{out}"
        );
        assert!(
            out.lines().any(|l| l.starts_with("  coldshard")),
            "`{c} --help` has no example line starting with '  coldshard':\n{out}"
        );
        let examples = out.split("Examples:").nth(1).unwrap_or_default();
        assert!(
            examples
                .lines()
                .any(|l| l.starts_with(&format!("  coldshard {c}"))),
            "`{c} --help` has no example of `coldshard {c}`:\n{out}"
        );
    }
    let top = stdout_of(&coldshard().arg("--help").assert().success());
    assert!(top.contains("Examples:"));
    for c in commands {
        assert!(top.contains(c), "top-level help does not list {c}");
    }
}

// ---------------------------------------------------------------------------------------------
// limits

#[test]
fn threshold_one_needs_the_flag_and_warns() {
    let work = Work::new();
    let pass = work.passfile("p.txt", &["pass-1", "pass-2", "pass-3"]);
    split_cmd(&work, "refused", 1, 3)
        .args(["--passphrase-file", &pass])
        .args(FAST_KDF)
        .write_stdin(ABOUT)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--allow-threshold-one"));
    assert!(!work.path("refused").exists());

    let a = split_cmd(&work, "s", 1, 3)
        .args(["--passphrase-file", &pass, "--allow-threshold-one"])
        .args(FAST_KDF)
        .write_stdin(ABOUT)
        .assert()
        .success();
    let err = stderr_of(&a);
    assert!(
        err.contains("threshold 1"),
        "no warning about T = 1:\n{err}"
    );
    let shares = shares_of(&work, "s", 3);
    for i in 1..=3u8 {
        let out = recover_reveal(&pick(&shares, &[i]), &pass_for(&work, &[i]));
        assert_eq!(out, format!("{ABOUT}\n").into_bytes(), "share {i} alone");
    }
}

#[test]
fn a_set_of_255_shares_is_allowed_and_256_is_refused() {
    let work = Work::new();
    let secret = "00112233445566778899aabbccddeeff";
    let pass = work.passfile("one.txt", &["one for all"]);
    split_cmd(&work, "big", 2, 255)
        .args(["--passphrase-file", &pass])
        .args(FAST_KDF)
        .write_stdin(secret)
        .assert()
        .success();
    assert_eq!(
        entries(work.path("big")).len(),
        255 * coldshard::issue::EXTENSIONS.len() + 1,
        "255 shares and the manifest"
    );
    let shares = shares_of(&work, "big", 255);
    assert_eq!(
        recover_reveal(&[&shares[254], &shares[0]], &pass),
        format!("{secret}\n").into_bytes()
    );
    coldshard()
        .args(["inspect", &shares[254]])
        .assert()
        .success()
        .stdout(predicate::str::contains("255 of 255"));

    for (n, out) in [("256", "n256"), ("0", "n0")] {
        coldshard()
            .args(["split", "-t", "2", "-n", n, "--out"])
            .arg(work.path(out))
            .args(["--passphrase-file", &pass])
            .args(FAST_KDF)
            .write_stdin(secret)
            .assert()
            .code(2)
            .stdout("");
        assert!(!work.path(out).exists(), "-n {n} created its folder");
    }
}

#[test]
fn verify_reports_every_failing_share_and_json_says_which() {
    let work = Work::new();
    let shares = work.split("s", ABOUT, 2, 3, &passphrases(3));
    // Share 1 right, shares 2 and 3 wrong.
    let pass = work.passfile("mixed.txt", &["pass-1", "nope", "nope either"]);
    let out = coldshard()
        .arg("verify")
        .args(&shares)
        .args(["--passphrase-file", &pass, "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(v["ok"], false);
    let list = v["shares"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[0]["passphrase_correct"], true);
    assert_eq!(list[0]["authentic"], true);
    assert!(list[0]["error"].is_null());
    for bad in &list[1..] {
        assert_eq!(bad["passphrase_correct"], false);
        assert!(
            bad["error"]
                .as_str()
                .unwrap()
                .contains("passphrase is wrong")
        );
    }
    // Without --json: nothing on stdout, one error line per failing share.
    let out = coldshard()
        .arg("verify")
        .args(&shares)
        .args(["--passphrase-file", &pass])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 2, "{stderr}");
    assert!(
        errors[0].contains("share 2 of 3") && errors[1].contains("share 3 of 3"),
        "{stderr}"
    );
}

#[test]
fn a_closed_stdout_is_an_error_not_a_panic() {
    let work = Work::new();
    let bin = assert_cmd::cargo::cargo_bin("coldshard");
    for args in [
        vec![
            "demo".to_string(),
            "--out".into(),
            work.path("demo").to_string_lossy().into_owned(),
        ],
        vec!["completions".into(), "bash".into()],
    ] {
        // A pipe whose read end is closed before the child starts: every write fails (EPIPE).
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let child = std::process::Command::new(&bin)
            .args(&args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            stderr.contains("cannot write to standard output"),
            "{args:?}: {stderr}"
        );
    }
}

/// `split -t 2 -n 2 --secret-format raw --in INPUT --out OUT` with fast KDF settings.
fn split_raw(work: &Work, input: &str, pass: &str, out: &str) -> Command {
    let mut cmd = coldshard();
    cmd.args(["split", "-t", "2", "-n", "2", "--secret-format", "raw"])
        .args(["--in", input, "--passphrase-file", pass])
        .args(FAST_KDF)
        .arg("--out")
        .arg(work.path(out));
    cmd
}

#[test]
fn the_largest_secret_round_trips_and_one_byte_more_is_refused() {
    let work = Work::new();
    let largest: Vec<u8> = (0..256u32).map(|i| (i * 7 + 3) as u8).collect();
    let input = work.write("largest.bin", &largest);
    let pass = work.passfile("p.txt", &["same for all"]);
    split_raw(&work, &input, &pass, "big").assert().success();
    let shares = shares_of(&work, "big", 2);
    let out = work.path("back.bin");
    coldshard()
        .args([
            "recover",
            &shares[0],
            &shares[1],
            "--passphrase-file",
            &pass,
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(std::fs::read(&out).unwrap(), largest);

    let too_big = work.write("too-big.bin", [7u8; 257]);
    split_raw(&work, &too_big, &pass, "never")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("257 bytes"));
    assert!(!work.path("never").exists());
}

#[test]
fn the_wallet_bip32_fingerprint_is_shown_for_mnemonics_only() {
    let work = Work::new();
    let pass = work.passfile("p.txt", &["pass"]);
    // 73c5da0a: the master fingerprint wallets show for "abandon ... about", no passphrase.
    let split = split_cmd(&work, "m", 2, 2)
        .args(["--passphrase-file", &pass])
        .args(FAST_KDF)
        .write_stdin(ABOUT)
        .assert()
        .success();
    assert!(stdout_of(&split).contains("BIP32 master fingerprint 73c5da0a"));
    let shares = shares_of(&work, "m", 2);
    coldshard()
        .args([
            "recover",
            &shares[0],
            &shares[1],
            "--passphrase-file",
            &pass,
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "BIP32 master fingerprint 73c5da0a",
        ));
    let hex = split_cmd(&work, "h", 2, 2)
        .args(["--passphrase-file", &pass])
        .args(FAST_KDF)
        .write_stdin("00112233445566778899aabbccddeeff")
        .assert()
        .success();
    assert!(!stdout_of(&hex).contains("BIP32"));
}
