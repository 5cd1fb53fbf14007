//! The official BIP39 English test vectors, split and recovered through the real binary:
//! every mnemonic comes back word for word, every entropy comes back as lowercase hex, and
//! the wallet fingerprint shown with the passphrase "TREZOR" is that of the vector's root xprv.

use std::path::Path;
use std::process::Command;

use k256::elliptic_curve::sec1::ToSec1Point as _;
use rexpect::process::WaitStatus;
use rexpect::session::spawn_command;
use ripemd::Ripemd160;
use sha2::{Digest as _, Sha256};

use crate::util::{FAST_KDF, Work, coldshard, passphrases, share_path};

/// One English vector: entropy hex, mnemonic, and the root xprv of its seed with "TREZOR".
struct Vector {
    entropy: String,
    mnemonic: String,
    xprv: String,
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
            xprv: v[3].as_str().expect("xprv").to_string(),
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

/// Borrows each String as a &str.
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

/// The BIP39 passphrase every official vector's seed and xprv are made with.
const TREZOR: &str = "TREZOR";

/// The BIP32 fingerprint of a root xprv, computed here from the key alone: the first 4 bytes
/// of RIPEMD160(SHA256(compressed public key)), as lowercase hex.
fn xprv_fingerprint(xprv: &str) -> String {
    let raw = bs58::decode(xprv)
        .with_check(None)
        .into_vec()
        .unwrap_or_else(|e| panic!("{xprv} is not Base58Check: {e}"));
    assert_eq!(raw.len(), 78, "{xprv}: an extended key has 78 bytes");
    let (version, rest) = raw.split_at(4);
    let (depth, rest) = rest.split_at(1);
    let (parent, rest) = rest.split_at(4);
    let (child, rest) = rest.split_at(4);
    let (_chain_code, key) = rest.split_at(32);
    assert_eq!(
        version,
        [0x04, 0x88, 0xad, 0xe4],
        "{xprv}: not a mainnet xprv"
    );
    assert_eq!(depth, [0], "{xprv}: a root key has depth 0");
    assert_eq!(
        parent, [0; 4],
        "{xprv}: a root key has parent fingerprint 0"
    );
    assert_eq!(child, [0; 4], "{xprv}: a root key has child number 0");
    assert_eq!(key[0], 0, "{xprv}: a private key is stored as 0x00 || k");
    let secret = k256::SecretKey::from_slice(&key[1..]).expect("a valid secp256k1 private key");
    let public = secret.public_key().to_sec1_point(true);
    assert_eq!(public.len(), 33, "a compressed public key has 33 bytes");
    let hash160 = Ripemd160::digest(Sha256::digest(public.as_bytes()));
    hash160[..4].iter().map(|b| format!("{b:02x}")).collect()
}

/// The fingerprint and the "(...)" note of the "Wallet: BIP32 master fingerprint" line.
fn wallet_fingerprint(text: &str) -> (String, String) {
    const MARK: &str = "BIP32 master fingerprint ";
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("Wallet:") && l.contains(MARK))
        .unwrap_or_else(|| panic!("no 'Wallet: {MARK}' line in:\n{text}"));
    let rest = line.split(MARK).nth(1).unwrap_or_default();
    let (fp, note) = rest.split_once(' ').unwrap_or((rest, ""));
    assert!(
        fp.len() == 8 && fp.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')),
        "wallet fingerprint '{fp}' in line '{line}' is not 8 lowercase hex digits"
    );
    (fp.to_string(), note.trim().to_string())
}

/// Runs coldshard with `args` in a pseudo-terminal, types `bip39` at the hidden BIP39
/// passphrase prompt, checks it exits 0, and returns everything the terminal showed.
fn run_with_bip39_passphrase(args: &[&str], bip39: &str) -> String {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("coldshard"));
    cmd.args(args).env_remove("RUST_BACKTRACE");
    let mut p = spawn_command(cmd, Some(20_000)).expect("spawn in a pty");
    let prompt = "BIP39 passphrase (typing is hidden): ";
    let mut seen = p
        .exp_string(prompt)
        .unwrap_or_else(|e| panic!("waiting for {prompt:?} from {args:?}: {e}"));
    seen.push_str(prompt);
    p.send_line(bip39).expect("type the BIP39 passphrase");
    seen.push_str(&p.exp_eof().expect("coldshard ends"));
    let status = p.process_mut().wait().expect("exit status");
    assert!(
        matches!(status, WaitStatus::Exited(_, 0)),
        "{args:?} ended with {status:?}:\n{seen}"
    );
    seen
}

/// For every English vector, split and recover with the BIP39 passphrase "TREZOR" show the
/// fingerprint of the vector's root xprv, and split without it shows another one.
#[test]
fn every_english_vector_shows_the_fingerprint_of_its_trezor_root_xprv() {
    let work = Work::new();
    let vectors = english();
    let mut expected_all = Vec::new();
    for (i, v) in vectors.iter().enumerate() {
        let expected = xprv_fingerprint(&v.xprv);
        expected_all.push(expected.clone());

        // Without the BIP39 passphrase: a different wallet, so a different fingerprint.
        let (plain_out, _) = split(&work, &format!("plain-{i}"), &v.mnemonic, 2, 2);
        let (plain, note) = wallet_fingerprint(&plain_out);
        assert_eq!(
            note, "(without BIP39 passphrase)",
            "vector {i}:\n{plain_out}"
        );
        assert_ne!(
            plain, expected,
            "vector {i}: the fingerprint without passphrase equals the TREZOR one"
        );

        // split, reading the seed and share passphrases from files, asked only the BIP39 one.
        let seed = work.write(&format!("seed-{i}.txt"), format!("{}\n", v.mnemonic));
        let pass = work.passfile(&format!("trezor-{i}-pass.txt"), &["pass-1", "pass-2"]);
        let dir = work.path(&format!("trezor-{i}"));
        let dir_s = dir.to_string_lossy().into_owned();
        let mut args = vec![
            "split",
            "-t",
            "2",
            "-n",
            "2",
            "--out",
            &dir_s,
            "--in",
            &seed,
            "--passphrase-file",
            &pass,
            "--bip39-passphrase",
        ];
        args.extend(FAST_KDF);
        let seen = run_with_bip39_passphrase(&args, TREZOR);
        let (shown, note) = wallet_fingerprint(&seen);
        assert_eq!(
            note, "(with the BIP39 passphrase given)",
            "vector {i}:\n{seen}"
        );
        assert_eq!(
            shown, expected,
            "vector {i}: split --bip39-passphrase shows {shown}, the xprv's is {expected}"
        );
        // The manifest withholds it: with the mnemonic it would test BIP39 passphrase guesses.
        let manifest: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.join("manifest.json")).expect("manifest.json written"),
        )
        .expect("manifest is JSON");
        let record = &manifest["manifest"]["secret"];
        assert_eq!(
            record["bip32_fingerprint"],
            serde_json::Value::Null,
            "vector {i}"
        );
        assert_eq!(record["bip32_with_passphrase"], true, "vector {i}");

        // recover from those shares, in varying order, shows the same.
        let (a, b) = if i % 2 == 0 { (1, 2) } else { (2, 1) };
        let (sa, sb) = (share_path(&dir, a, 2), share_path(&dir, b, 2));
        let rpass = work.passfile(
            &format!("trezor-{i}-recover.txt"),
            &[&format!("pass-{a}"), &format!("pass-{b}")],
        );
        let seen = run_with_bip39_passphrase(
            &[
                "recover",
                &sa,
                &sb,
                "--passphrase-file",
                &rpass,
                "--bip39-passphrase",
            ],
            TREZOR,
        );
        let (shown, note) = wallet_fingerprint(&seen);
        assert_eq!(
            note, "(with the BIP39 passphrase given)",
            "vector {i}:\n{seen}"
        );
        assert_eq!(
            shown, expected,
            "vector {i}: recover --bip39-passphrase shows {shown}, the xprv's is {expected}"
        );
    }
    // 24 different wallets: 24 different fingerprints (no constant slipped through).
    expected_all.sort();
    expected_all.dedup();
    assert_eq!(
        expected_all.len(),
        vectors.len(),
        "xprv fingerprints repeat"
    );
}

/// The xprv fingerprint helper itself agrees with BIP32 test vector 1 (chain m: 3442193e).
#[test]
fn xprv_fingerprint_matches_bip32_test_vector_1() {
    assert_eq!(
        xprv_fingerprint(
            "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi"
        ),
        "3442193e"
    );
}
