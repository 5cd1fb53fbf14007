//! Nothing secret leaks: after split, verify, inspect and recover (without --reveal), no file
//! written in the work folder and no captured stdout or stderr holds the secret, its entropy,
//! three consecutive words of the mnemonic, or any passphrase.

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;

use crate::util::{FAST_KDF, Work, coldshard, share_path};

const TIMEOUT: Duration = Duration::from_secs(60);

/// Official BIP39 vector (english, entropy f585c11a...989d8f): 24 words.
const MNEMONIC_24: &str = "void come effort suffer camp survey warrior heavy shoot primary clutch crush open amazing screen patrol group space point ten exist slush involve unfold";

/// A 32-byte hex secret (not a mnemonic's entropy).
const HEX_SECRET: &str = "3b9f0c7a1e52d8844f6a0b2ec97d13a5e6f08c4b7a2913d0c5e8f61b4a7d2c90";

const LABELS: [&str; 5] = ["alice", "bob", "carol", "dave", "erin"];

/// Distinctive passphrases, none of them a substring of anything coldshard prints.
fn secret_passphrases() -> Vec<String> {
    (1..=5)
        .map(|i| format!("Quokka#{i}-lantern-Vexil{}", 7 * i))
        .collect()
}

/// Runs a command that must succeed; returns (stdout, stderr) as bytes.
fn run_ok(cmd: &mut Command) -> (Vec<u8>, Vec<u8>) {
    let out = cmd.timeout(TIMEOUT).output().expect("run coldshard");
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.stdout, out.stderr)
}

/// Every regular file under `dir`, hidden ones included.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                todo.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// What must never appear, each with a name for the failure message.
fn needles(
    secret_text: &str,
    extra: &[(String, Vec<u8>)],
    passphrases: &[String],
) -> Vec<(String, Vec<u8>)> {
    let mut n: Vec<(String, Vec<u8>)> = Vec::new();
    let trimmed = secret_text.trim();
    n.push(("the whole secret".into(), trimmed.as_bytes().to_vec()));
    let words: Vec<&str> = trimmed.split_whitespace().collect();
    if words.len() >= 3 {
        for (i, w) in words.windows(3).enumerate() {
            n.push((
                format!("words {}-{} of the mnemonic", i + 1, i + 3),
                w.join(" ").into_bytes(),
            ));
        }
    }
    n.extend(extra.iter().cloned());
    for (i, p) in passphrases.iter().enumerate() {
        n.push((format!("passphrase {}", i + 1), p.as_bytes().to_vec()));
    }
    n
}

/// Hex of `bytes` in lower and upper case, and the raw bytes themselves.
fn hex_forms(what: &str, bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let lower = hex::encode(bytes);
    vec![
        (
            format!("{what} (lower-case hex)"),
            lower.clone().into_bytes(),
        ),
        (
            format!("{what} (upper-case hex)"),
            lower.to_uppercase().into_bytes(),
        ),
        (format!("{what} (raw bytes)"), bytes.to_vec()),
    ]
}

/// Names of the needles found in `haystack` (case-insensitive for text needles).
fn found_in(haystack: &[u8], needles: &[(String, Vec<u8>)]) -> Vec<String> {
    let lower = haystack.to_ascii_lowercase();
    needles
        .iter()
        .filter(|(_, n)| {
            let text_needle = n.iter().all(|b| b.is_ascii_graphic() || *b == b' ');
            if text_needle {
                let n = n.to_ascii_lowercase();
                lower.windows(n.len()).any(|w| w == n.as_slice())
            } else {
                haystack.windows(n.len()).any(|w| w == n.as_slice())
            }
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// Runs the whole life cycle on `secret_text` and checks that nothing in `extra` (nor the
/// secret, nor its words, nor a passphrase) was written or printed.
fn no_leak(secret_text: &str, extra: Vec<(String, Vec<u8>)>, expect_revealed: &str) {
    let work = Work::new();
    let passes = secret_passphrases();
    let secret_file = work.write("secret-input.txt", format!("{secret_text}\n"));
    let pass_file = work.write("secret-passphrases.txt", passes.join("\n") + "\n");
    let needles = needles(secret_text, &extra, &passes);

    // Positive control: with --reveal the secret is printed, and the search finds it.
    // (Done in a separate folder so that its output is not part of what is searched below.)
    let control = Work::new();
    let control_shares = control.path("shares");
    run_ok(
        coldshard()
            .args(["split", "-t", "3", "-n", "5", "--out"])
            .arg(&control_shares)
            .args(["--in", &secret_file, "--passphrase-file", &pass_file])
            .args(FAST_KDF),
    );
    let control_pick = control.write(
        "p.txt",
        format!("{}\n{}\n{}\n", passes[0], passes[2], passes[4]),
    );
    let (revealed, _) = run_ok(
        coldshard()
            .arg("recover")
            .args([1, 3, 5].map(|i| share_path(&control_shares, i, 5)))
            .args(["--passphrase-file", &control_pick, "--reveal"]),
    );
    assert_eq!(
        String::from_utf8_lossy(&revealed),
        format!("{expect_revealed}\n")
    );
    let hits = found_in(&revealed, &needles);
    assert!(
        hits.contains(&"the whole secret".to_string()),
        "search must find the revealed secret: {hits:?}"
    );
    assert!(
        found_in(&revealed, &extra).len() >= 2,
        "search must find the extra forms in the revealed output"
    );
    // And it finds a passphrase where one is.
    let in_pass_file = found_in(&std::fs::read(&pass_file).expect("read"), &needles);
    assert!(
        in_pass_file.iter().any(|h| h == "passphrase 3"),
        "{in_pass_file:?}"
    );

    // The life cycle, capturing every stdout and stderr.
    let shares_dir = work.path("shares");
    let all: Vec<String> = (1..=5).map(|i| share_path(&shares_dir, i, 5)).collect();
    let mut captured: Vec<(String, Vec<u8>)> = Vec::new();
    let mut keep = |name: &str, (o, e): (Vec<u8>, Vec<u8>)| {
        captured.push((format!("{name} stdout"), o));
        captured.push((format!("{name} stderr"), e));
    };
    let mut split = coldshard();
    split
        .args(["split", "-t", "3", "-n", "5", "--out"])
        .arg(&shares_dir)
        .args(["--in", &secret_file, "--passphrase-file", &pass_file])
        .args(FAST_KDF);
    for l in LABELS {
        split.args(["--label", l]);
    }
    keep("split", run_ok(&mut split));
    keep(
        "verify",
        run_ok(
            coldshard()
                .arg("verify")
                .args(&all)
                .args(["--passphrase-file", &pass_file]),
        ),
    );
    keep(
        "verify --json",
        run_ok(coldshard().arg("verify").args(&all).args([
            "--passphrase-file",
            &pass_file,
            "--json",
        ])),
    );
    keep("inspect", run_ok(coldshard().arg("inspect").args(&all)));
    keep(
        "inspect --json",
        run_ok(coldshard().arg("inspect").args(&all).arg("--json")),
    );
    let pick = work.write(
        "pick-passphrases.txt",
        format!("{}\n{}\n{}\n", passes[1], passes[3], passes[4]),
    );
    let (recover_out, recover_err) = run_ok(
        coldshard()
            .arg("recover")
            .args([&all[1], &all[3], &all[4]])
            .args(["--passphrase-file", &pick]),
    );
    assert!(
        String::from_utf8_lossy(&recover_out).contains("--reveal"),
        "recover without --reveal says how to see the secret"
    );
    keep("recover", (recover_out, recover_err));

    // Every file in the work folder except the two that hold secrets on purpose.
    let files = files_under(work.dir.path());
    assert!(
        files.len() >= 5 + 3,
        "shares and inputs were written: {files:?}"
    );
    let mut leaks = Vec::new();
    for path in files {
        if [&secret_file, &pass_file, &pick]
            .iter()
            .any(|s| Path::new(s.as_str()) == path)
        {
            continue;
        }
        let bytes = std::fs::read(&path).expect("read written file");
        for hit in found_in(&bytes, &needles) {
            leaks.push(format!("{hit} in file {}", path.display()));
        }
    }
    for (name, bytes) in &captured {
        for hit in found_in(bytes, &needles) {
            leaks.push(format!("{hit} in {name}"));
        }
    }
    assert!(
        leaks.is_empty(),
        "secret material leaked:\n{}",
        leaks.join("\n")
    );
}

#[test]
fn no_mnemonic_entropy_or_passphrase_leaks() {
    let entropy = bip39::Mnemonic::parse_in_normalized(bip39::Language::English, MNEMONIC_24)
        .expect("valid vector")
        .to_entropy();
    assert_eq!(
        hex::encode(&entropy),
        "f585c11aec520db57dd353c69554b21a89b20fb0650966fa0a9d6f74fd989d8f"
    );
    // The revealed words hold no entropy hex; these two forms let the positive control check
    // that the extra needles are searched too (case-insensitively).
    let mut extra = hex_forms("the entropy", &entropy);
    extra.push((
        "the mnemonic (upper case)".into(),
        MNEMONIC_24.to_uppercase().into_bytes(),
    ));
    extra.push((
        "the first 12 words".into(),
        MNEMONIC_24
            .split(' ')
            .take(12)
            .collect::<Vec<_>>()
            .join(" ")
            .into_bytes(),
    ));
    no_leak(MNEMONIC_24, extra, MNEMONIC_24);
}

#[test]
fn no_hex_secret_or_passphrase_leaks() {
    let bytes = hex::decode(HEX_SECRET).expect("hex");
    no_leak(HEX_SECRET, hex_forms("the hex secret", &bytes), HEX_SECRET);
}
