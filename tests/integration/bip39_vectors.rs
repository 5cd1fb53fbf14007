//! The official BIP39 English test vectors, split and recovered through the real binary:
//! every mnemonic comes back word for word, every entropy comes back as lowercase hex.

use std::path::Path;

use crate::util::{FAST_KDF, Work, coldshard, passphrases, share_path};

/// One English vector: (entropy hex, mnemonic).
struct Vector {
    entropy: String,
    mnemonic: String,
}

/// The 24 English vectors of tests/data/bip39-vectors.json ([entropy, mnemonic, seed, xprv]).
fn english() -> Vec<Vector> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bip39-vectors.json");
    let text = std::fs::read_to_string(&path).expect("read bip39-vectors.json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("bip39-vectors.json is JSON");
    let list = json["english"].as_array().expect("an \"english\" array");
    let vectors: Vec<Vector> = list
        .iter()
        .map(|v| Vector {
            entropy: v[0].as_str().expect("entropy hex").to_string(),
            mnemonic: v[1].as_str().expect("mnemonic").to_string(),
        })
        .collect();
    assert_eq!(
        vectors.len(),
        24,
        "the official English list has 24 vectors"
    );
    vectors
}

/// Splits `input` T-of-N (passphrases "pass-1".."pass-N", fast KDF) into `out`.
/// Returns split's stdout and the share paths in index order.
fn split(work: &Work, out: &str, input: &str, t: u8, n: u8) -> (String, Vec<String>) {
    let pass = work.passfile(&format!("{out}-split-pass.txt"), &as_strs(&passphrases(n)));
    let dir = work.path(out);
    let assert = coldshard()
        .args(["split", "-t", &t.to_string(), "-n", &n.to_string(), "--out"])
        .arg(&dir)
        .args(["--passphrase-file", &pass])
        .args(FAST_KDF)
        .write_stdin(input)
        .assert()
        .success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).expect("UTF-8 stdout");
    (stdout, (1..=n).map(|i| share_path(&dir, i, n)).collect())
}

fn as_strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Runs `recover` on the shares with these 1-based `indices`, in this order, with a matching
/// passphrase file; `extra` adds flags. Returns (stdout, stderr).
fn recover(work: &Work, shares: &[String], indices: &[usize], extra: &[&str]) -> (Vec<u8>, String) {
    let tag: Vec<String> = indices.iter().map(usize::to_string).collect();
    let dir_tag = Path::new(&shares[0])
        .parent()
        .and_then(Path::file_name)
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let lines: Vec<String> = indices.iter().map(|i| format!("pass-{i}")).collect();
    let pass = work.passfile(
        &format!("{dir_tag}-recover-{}.txt", tag.join("-")),
        &as_strs(&lines),
    );
    let assert = coldshard()
        .arg("recover")
        .args(indices.iter().map(|&i| &shares[i - 1]))
        .args(["--passphrase-file", &pass])
        .args(extra)
        .assert()
        .success();
    let out = assert.get_output();
    (
        out.stdout.clone(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The 8-hex-digit fingerprint that follows "Fingerprint:" in `text`.
fn fingerprint(text: &str) -> String {
    let line = text
        .lines()
        .find(|l| l.contains("Fingerprint:"))
        .unwrap_or_else(|| panic!("no 'Fingerprint:' line in:\n{text}"));
    let fp = line
        .split("Fingerprint:")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_default()
        .to_string();
    assert!(
        fp.len() == 8 && fp.chars().all(|c| c.is_ascii_hexdigit()),
        "fingerprint '{fp}' in line '{line}' is not 8 hex digits"
    );
    fp
}

/// The 2-of-3 pairs, in varying order, picked per vector so every pair and order is used.
const PAIRS: [[usize; 2]; 6] = [[1, 2], [3, 1], [2, 3], [2, 1], [1, 3], [3, 2]];

#[test]
fn every_english_mnemonic_survives_two_of_three_and_keeps_its_fingerprint() {
    let work = Work::new();
    for (i, v) in english().iter().enumerate() {
        let words = v.mnemonic.split(' ').count();
        let (split_out, shares) = split(&work, &format!("m23-{i}"), &v.mnemonic, 2, 3);
        assert!(
            split_out.contains(&format!("BIP39 mnemonic, {words} words")),
            "vector {i}: split did not read the input as a {words}-word mnemonic:\n{split_out}"
        );
        let fp = fingerprint(&split_out);

        let pair = PAIRS[i % PAIRS.len()];
        let (stdout, stderr) = recover(&work, &shares, &pair, &["--reveal"]);
        assert_eq!(
            String::from_utf8(stdout).expect("UTF-8"),
            format!("{}\n", v.mnemonic),
            "vector {i}: recover {pair:?} --reveal did not give back the mnemonic"
        );
        assert_eq!(
            fingerprint(&stderr),
            fp,
            "vector {i}: recover's fingerprint differs from split's"
        );

        // Without --reveal: the same fingerprint on stdout, and not the words.
        let other = PAIRS[(i + 2) % PAIRS.len()];
        let (stdout, stderr) = recover(&work, &shares, &other, &[]);
        let stdout = String::from_utf8(stdout).expect("UTF-8");
        assert_eq!(
            fingerprint(&stdout),
            fp,
            "vector {i}: recover {other:?} without --reveal shows another fingerprint than split"
        );
        let words: Vec<&str> = v.mnemonic.split(' ').collect();
        for two in words.windows(2).map(|w| w.join(" ")) {
            assert!(
                !stdout.contains(&two) && !stderr.contains(&two),
                "vector {i}: recover without --reveal printed the words '{two}'"
            );
        }
    }
}

#[test]
fn every_english_mnemonic_survives_three_of_five_in_two_subsets() {
    let work = Work::new();
    // A sorted subset and a different one in shuffled order, varied across vectors.
    let subsets: [([usize; 3], [usize; 3]); 4] = [
        ([1, 2, 3], [5, 1, 3]),
        ([2, 4, 5], [3, 1, 4]),
        ([1, 3, 5], [4, 2, 5]),
        ([3, 4, 5], [2, 5, 1]),
    ];
    for (i, v) in english().iter().enumerate() {
        let (split_out, shares) = split(&work, &format!("m35-{i}"), &v.mnemonic, 3, 5);
        let fp = fingerprint(&split_out);
        let (sorted, shuffled) = subsets[i % subsets.len()];
        for subset in [&sorted[..], &shuffled[..]] {
            let (stdout, stderr) = recover(&work, &shares, subset, &["--reveal"]);
            assert_eq!(
                String::from_utf8(stdout).expect("UTF-8"),
                format!("{}\n", v.mnemonic),
                "vector {i}: recover {subset:?} --reveal did not give back the mnemonic"
            );
            assert_eq!(
                fingerprint(&stderr),
                fp,
                "vector {i}, shares {subset:?}: fingerprint differs"
            );
        }
    }
}

#[test]
fn every_english_entropy_comes_back_as_lowercase_hex() {
    let work = Work::new();
    for (i, v) in english().iter().enumerate() {
        // Half the vectors are fed in upper case: the output is lowercase either way.
        let input = if i % 2 == 0 {
            v.entropy.clone()
        } else {
            v.entropy.to_uppercase()
        };
        let (split_out, shares) = split(&work, &format!("hex-{i}"), &format!("{input}\n"), 2, 2);
        let bytes = v.entropy.len() / 2;
        assert!(
            split_out.contains(&format!("hex, {bytes} bytes")),
            "vector {i}: split did not read '{input}' as {bytes} bytes of hex:\n{split_out}"
        );
        let pair = if i % 2 == 0 { [1, 2] } else { [2, 1] };
        let (stdout, _) = recover(&work, &shares, &pair, &["--reveal"]);
        assert_eq!(
            String::from_utf8(stdout).expect("UTF-8"),
            format!("{}\n", v.entropy.to_lowercase()),
            "vector {i}: hex in must give the same hex out, lowercase"
        );
    }
}
