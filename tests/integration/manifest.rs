//! The set manifest: what `split` records in `manifest.json` (checked against the share files
//! and an independent Ed25519 verification of its signature), and `coldshard manifest verify`
//! on genuine, tampered, malformed and out-of-date manifests.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::util::{
    ABOUT, Work, coldshard, file_sha256, printed_set_id, refused, run, run_ok, sha256_hex,
    share_bytes,
};

/// Labels of the five custodians; one with spaces and a non-ASCII letter, which the signed
/// canonical text must carry unescaped.
pub const LABELS: [&str; 5] = ["alice", "Bob Smith", "carol", "Zoë (vault 2)", "erin"];

/// The members of the signed body, in the documented (signed) order.
const BODY_ORDER: [&str; 14] = [
    "format",
    "version",
    "set_id",
    "set_public_key",
    "threshold",
    "count",
    "created",
    "revision",
    "updated",
    "previous_manifest_sha256",
    "tool",
    "secret",
    "kdf",
    "shares",
];

/// The JSON text `text` with every whitespace character outside strings removed.
pub fn compact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

/// The signed body of a manifest file, as compact text in the order the file has it, and the
/// signature's hex. (serde_json's `Value` sorts keys, so the text is cut out of the file.)
pub fn body_and_signature(file_text: &str) -> (String, String) {
    let c = compact(file_text);
    let inner = c
        .strip_prefix("{\"manifest\":")
        .expect("the file starts with the manifest member");
    let cut = inner
        .rfind(",\"signature\":\"")
        .expect("a signature member last");
    let signature = inner[cut + 14..]
        .strip_suffix("\"}")
        .expect("the file ends with the signature");
    (inner[..cut].to_string(), signature.to_string())
}

/// The set id of an Ed25519 public key: SHA-256("coldshard set id v1" 0x00 || key)[0..8] in
/// upper-case hex, four groups (docs/FORMAT.md section 4), computed here independently.
pub fn set_id_of(public_key: &[u8; 32]) -> String {
    let digest = Sha256::new()
        .chain_update(b"coldshard set id v1\0")
        .chain_update(public_key)
        .finalize();
    let h = hex::encode_upper(&digest[..8]);
    format!("{}-{}-{}-{}", &h[0..4], &h[4..8], &h[8..12], &h[12..16])
}

/// Checks a manifest file's signature without coldshard's code: Ed25519 (strict) under the
/// key it names, over "coldshard manifest v1" 0x00 || the compact body; and that the body
/// members are in the documented order and the set id is the key's.
pub fn independently_genuine(file_text: &str) -> bool {
    let (body, signature) = body_and_signature(file_text);
    let value: Value = serde_json::from_str(&body).expect("body is JSON");
    let key_hex = value["set_public_key"].as_str().expect("public key");
    let key: [u8; 32] = hex::decode(key_hex)
        .expect("hex")
        .try_into()
        .expect("32 bytes");
    let signature: [u8; 64] = hex::decode(&signature)
        .expect("hex")
        .try_into()
        .expect("64 bytes");
    let mut message = b"coldshard manifest v1\0".to_vec();
    message.extend_from_slice(body.as_bytes());
    let order_ok = {
        let positions: Vec<usize> = BODY_ORDER
            .iter()
            .map(|k| body.find(&format!("\"{k}\":")).expect("member present"))
            .collect();
        positions.windows(2).all(|w| w[0] < w[1])
    };
    order_ok
        && value["set_id"] == set_id_of(&key)
        && VerifyingKey::from_bytes(&key)
            .and_then(|k| k.verify_strict(&message, &Signature::from_bytes(&signature)))
            .is_ok()
}

/// The parsed manifest file at `path`.
pub fn load(path: impl AsRef<std::path::Path>) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("read manifest")).expect("manifest JSON")
}

/// `manifest verify FILE` (and any extra arguments).
fn verify_manifest(path: &str, extra: &[&str]) -> assert_cmd::Command {
    let mut cmd = coldshard();
    cmd.args(["manifest", "verify", path]).args(extra);
    cmd
}

/// A labelled 3-of-5 split of ABOUT into "s": (work, shares, manifest path, split stdout).
fn labelled_set() -> (Work, Vec<String>, String, String) {
    let work = Work::new();
    let (shares, stdout) = work.split_labeled("s", ABOUT, 3, &crate::util::passphrases(5), &LABELS);
    let manifest = work.path("s/manifest.json").to_string_lossy().into_owned();
    (work, shares, manifest, stdout)
}

/// The exact text `from` must occur in `text`; it is replaced once.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from:?} not in the manifest");
    text.replacen(from, to, 1)
}

/// split records every share: its index, label, binary hash and the exact file it wrote.
#[test]
fn split_writes_a_manifest_recording_every_share_file() {
    let (work, shares, manifest, stdout) = labelled_set();
    let m = load(&manifest);
    let top: Vec<&String> = m.as_object().expect("object").keys().collect();
    assert_eq!(top, ["manifest", "signature"]);
    let b = &m["manifest"];
    assert_eq!(b["format"], "coldshard-manifest");
    assert_eq!(b["version"], 1);
    assert_eq!(b["set_id"], printed_set_id(&stdout).as_str());
    assert_eq!(b["set_public_key"].as_str().expect("hex").len(), 64);
    assert_eq!(b["threshold"], 3);
    assert_eq!(b["count"], 5);
    assert_eq!(b["revision"], 1);
    assert_eq!(b["created"], b["updated"]);
    let created = b["created"].as_str().expect("time");
    assert!(
        created.len() == 20 && created.ends_with('Z') && created.as_bytes()[10] == b'T',
        "RFC 3339 UTC to the second: {created}"
    );
    assert!(b["previous_manifest_sha256"].is_null());
    assert_eq!(b["tool"], "coldshard 0.1.0");

    let s = &b["secret"];
    assert_eq!(s["kind"], "bip39");
    assert_eq!(s["length"], 17, "16 bytes of entropy and the checksum byte");
    assert_eq!(s["commitment"].as_str().expect("hex").len(), 32);
    let printed_fingerprint = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Fingerprint:"))
        .and_then(|l| l.split_whitespace().next())
        .expect("Fingerprint: line");
    assert_eq!(s["fingerprint"], printed_fingerprint);
    assert_eq!(
        s["bip32_fingerprint"], "73c5da0a",
        "BIP32 root of 'abandon ... about'"
    );
    assert_eq!(s["bip32_with_passphrase"], false);
    assert_eq!(
        b["kdf"],
        serde_json::json!({"algorithm": "argon2id", "memory_kib": 1024, "iterations": 1, "lanes": 1})
    );

    let records = b["shares"].as_array().expect("shares");
    assert_eq!(records.len(), 5);
    for (i, (r, share)) in records.iter().zip(&shares).enumerate() {
        let index = i + 1;
        assert_eq!(r["index"], index);
        assert_eq!(r["label"], LABELS[i]);
        assert!(r["issued"].as_str().expect("time").ends_with('Z'));
        assert_eq!(r["share_sha256"], sha256_hex(&share_bytes(share)));
        assert_eq!(r["files"], crate::util::expected_files(share));
        let text = std::fs::read_to_string(share).expect("share");
        assert!(text.contains(&format!("\nLabel: {}\n", LABELS[i])));
    }
    // Nothing else was written beside the shares.
    let mut names: Vec<String> = std::fs::read_dir(work.path("s"))
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        crate::util::folder_names(&[
            "share-1-of-5",
            "share-2-of-5",
            "share-3-of-5",
            "share-4-of-5",
            "share-5-of-5"
        ])
    );
}

/// The signature checks out with plain ed25519-dalek over the documented canonical text.
#[test]
fn manifest_signature_verifies_independently() {
    let (_work, _shares, manifest, _) = labelled_set();
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    assert!(independently_genuine(&text));
    let (body, signature) = body_and_signature(&text);
    assert_eq!(signature.len(), 128);
    assert!(
        body.contains("\"label\":\"Zoë (vault 2)\""),
        "labels are signed as plain UTF-8: {body}"
    );
    // The independent check can fail: one changed value in the body.
    let changed = edit(&text, "\"label\": \"carol\"", "\"label\": \"carl\"");
    assert!(!independently_genuine(&changed));
}

/// `manifest verify` accepts the manifest split wrote and lists each file's state.
#[test]
fn manifest_verify_reports_a_genuine_manifest() {
    let (work, shares, manifest, stdout) = labelled_set();
    let set = printed_set_id(&stdout);
    let out = run_ok(&mut verify_manifest(&manifest, &[]));
    assert!(
        out.starts_with(&format!(
            "OK  {manifest}: genuine manifest of set {set}, signed by the set key.\n"
        )),
        "{out}"
    );
    assert!(out.contains("any 3 of 5 shares rebuild the secret; 5 shares on record"));
    assert!(out.contains("BIP32 master fingerprint 73c5da0a"), "{out}");
    for (i, label) in LABELS.iter().enumerate() {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("  share {} ({label}), issued ", i + 1)))
            .unwrap_or_else(|| panic!("no line for share {}: {out}", i + 1));
        assert!(
            line.ends_with(&format!(
                "share-{}-of-5.txt: present, SHA-256 matches",
                i + 1
            )),
            "{line}"
        );
    }

    // The sheets go to their custodians: a listed file that is not there is normal.
    let away = work.path("away");
    std::fs::create_dir(&away).expect("mkdir");
    std::fs::rename(&shares[1], away.join("share-2-of-5.txt")).expect("move");
    let out = run_ok(&mut verify_manifest(&manifest, &[]));
    assert!(out.starts_with("OK  "), "{out}");
    assert!(
        out.contains("share-2-of-5.txt: not in this folder\n"),
        "{out}"
    );
    assert!(out.contains("share-1-of-5.txt: present, SHA-256 matches\n"));
}

/// A genuine manifest re-formatted (compact JSON) is refused, exit 2; tampered too, exit 1.
#[test]
fn a_reformatted_manifest_is_refused_after_its_signature() {
    let (work, _shares, manifest, _) = labelled_set();
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    // Same values, other layouts: the signature still holds, the file is not the one written.
    let (body, _) = body_and_signature(&text);
    assert!(independently_genuine(&compact(&text)));
    for (name, contents) in [
        ("compact.json", compact(&text)),
        ("no-final-newline.json", text.trim_end().to_string()),
        ("crlf.json", text.replace('\n', "\r\n")),
    ] {
        let path = work.write(name, &contents);
        let err = refused(&work, &mut verify_manifest(&path, &[]), 2);
        assert!(
            err.contains(&format!("error: '{path}' is not a coldshard manifest: its content is genuine but it was re-formatted")),
            "{name}: {err}"
        );
    }
    // Re-formatted and altered: the signature is checked first.
    let altered = compact(&text).replacen("\"threshold\":3", "\"threshold\":2", 1);
    assert_ne!(altered, compact(&text));
    let path = work.write("compact-altered.json", &altered);
    let err = refused(&work, &mut verify_manifest(&path, &[]), 1);
    assert!(err.contains("is not genuine"), "{err}");
    assert!(body.starts_with("{\"format\":\"coldshard-manifest\",\"version\":1,"));
}

/// `manifest verify --json`: ok, authentic, the body, and a status per listed file.
#[test]
fn manifest_verify_json_gives_each_file_status() {
    let (work, shares, manifest, _) = labelled_set();
    std::fs::remove_file(&shares[4]).expect("remove share 5");
    let v: Value =
        serde_json::from_str(&run_ok(&mut verify_manifest(&manifest, &["--json"]))).expect("JSON");
    assert_eq!(v["ok"], true);
    assert_eq!(v["authentic"], true);
    assert_eq!(v["manifest"], load(&manifest)["manifest"]);
    let statuses: Vec<(u64, &str, &str)> = v["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter(|f| f["name"].as_str().is_some_and(|n| n.ends_with(".txt")))
        .map(|f| {
            (
                f["index"].as_u64().expect("index"),
                f["name"].as_str().expect("name"),
                f["status"].as_str().expect("status"),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            (1, "share-1-of-5.txt", "matches"),
            (2, "share-2-of-5.txt", "matches"),
            (3, "share-3-of-5.txt", "matches"),
            (4, "share-4-of-5.txt", "matches"),
            (5, "share-5-of-5.txt", "missing"),
        ]
    );
    assert_eq!(
        v["files"].as_array().expect("files").len(),
        5 * coldshard::issue::EXTENSIONS.len(),
        "every file of every share is listed"
    );

    // A changed file: ok false, "bad", exit 1.
    work.write("s/share-3-of-5.txt", "not the share\n");
    let r = run(&mut verify_manifest(&manifest, &["--json"]));
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(v["ok"], false);
    assert_eq!(v["authentic"], true);
    let status = |name: &str| {
        v["files"]
            .as_array()
            .expect("files")
            .iter()
            .find(|f| f["name"] == name)
            .map(|f| f["status"].clone())
            .expect("listed")
    };
    assert_eq!(status("share-3-of-5.txt"), "bad");
    assert_eq!(status("share-2-of-5.txt"), "matches");
}

/// A share file beside the manifest that is not the one written: exit 1, naming the file.
#[test]
fn a_changed_share_file_beside_the_manifest_exit_1() {
    let (work, shares, manifest, _) = labelled_set();
    // A label line edited by hand: the share itself still decodes, the file is not the one
    // split wrote.
    let text = std::fs::read_to_string(&shares[1]).expect("share");
    std::fs::write(
        &shares[1],
        edit(&text, "Label: Bob Smith\n", "Label: Bob Smyth\n"),
    )
    .expect("write");
    let before = crate::util::tree(work.dir.path());
    let r = run(&mut verify_manifest(&manifest, &[]));
    assert_eq!(
        r.code,
        Some(1),
        "stdout: {}\nstderr: {}",
        r.stdout,
        r.stderr
    );
    assert!(
        r.stderr.contains(&format!(
            "error: '{}' (share 2 in the manifest '{manifest}') differs from the file written",
            shares[1]
        )),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("share-1-of-5"), "{}", r.stderr);
    assert!(r.stdout.starts_with("BAD "), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("share-2-of-5.txt: BAD: differs from the file written\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("share-3-of-5.txt: present, SHA-256 matches\n")
    );
    assert!(before == crate::util::tree(work.dir.path()));
}

/// A listed name that is a link (even to the right file) or a folder: BAD, exit 1.
#[test]
fn a_listed_name_that_is_not_a_regular_file_exit_1() {
    let (work, shares, manifest, _) = labelled_set();
    let kept = work.path("kept-share-4.txt");
    std::fs::rename(&shares[3], &kept).expect("move");
    std::os::unix::fs::symlink(&kept, &shares[3]).expect("symlink");
    assert_eq!(
        file_sha256(&shares[3]),
        file_sha256(&kept),
        "the link reads the right bytes"
    );
    let r = run(&mut verify_manifest(&manifest, &[]));
    assert_eq!(
        r.code,
        Some(1),
        "stdout: {}\nstderr: {}",
        r.stdout,
        r.stderr
    );
    assert!(
        r.stderr.contains(&format!(
            "error: '{}' (share 4 in the manifest '{manifest}') is not a regular file",
            shares[3]
        )),
        "{}",
        r.stderr
    );
    assert!(
        r.stdout
            .contains("share-4-of-5.txt: BAD: is not a regular file\n"),
        "{}",
        r.stdout
    );

    std::fs::remove_file(&shares[3]).expect("remove link");
    std::fs::create_dir(&shares[3]).expect("mkdir");
    let r = run(&mut verify_manifest(&manifest, &["--json"]));
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(v["ok"], false);
    let listed = v["files"].as_array().expect("files");
    let share4 = listed
        .iter()
        .find(|f| f["name"] == "share-4-of-5.txt")
        .expect("share 4 listed");
    assert_eq!(share4["status"], "bad");
    assert!(r.stderr.contains("is not a regular file"), "{}", r.stderr);
}

/// Each signed value changed on its own (JSON still valid): exit 1, "not genuine".
#[test]
fn a_tampered_manifest_is_not_genuine_exit_1() {
    let (work, _shares, manifest, _) = labelled_set();
    let other = Work::new();
    let (_, other_stdout) = other.split_labeled("b", ABOUT, 3, &crate::util::passphrases(5), &[]);
    let other_manifest = load(other.path("b/manifest.json"));
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    let m = load(&manifest);
    let b = &m["manifest"];
    let set_id = b["set_id"].as_str().expect("id");
    let key = b["set_public_key"].as_str().expect("key");
    let other_id = printed_set_id(&other_stdout);
    let other_key = other_manifest["manifest"]["set_public_key"]
        .as_str()
        .expect("key");
    let hash = b["shares"][3]["files"][0]["sha256"].as_str().expect("hash");
    let last = hash.chars().last().expect("digit");
    let changed_hash = format!("{}{}", &hash[..63], if last == '0' { '1' } else { '0' });
    let cases = [
        (
            "threshold",
            "\"threshold\": 3",
            "\"threshold\": 2".to_string(),
        ),
        (
            "label",
            "\"label\": \"carol\"",
            "\"label\": \"mallory\"".to_string(),
        ),
        ("file hash", hash, changed_hash),
        ("set id", set_id, other_id.clone()),
        ("public key", key, other_key.to_string()),
        (
            "set id and public key together",
            &format!("\"set_id\": \"{set_id}\",\n    \"set_public_key\": \"{key}\""),
            format!("\"set_id\": \"{other_id}\",\n    \"set_public_key\": \"{other_key}\""),
        ),
    ];
    for (what, from, to) in &cases {
        let name = format!("tampered-{}.json", what.replace(' ', "-"));
        let path = work.write(&name, edit(&text, from, to));
        assert!(
            serde_json::from_str::<Value>(&std::fs::read_to_string(&path).expect("read")).is_ok()
        );
        let err = refused(&work, &mut verify_manifest(&path, &[]), 1);
        assert!(
            err.contains(&format!(
                "error: the manifest '{path}' is not genuine: its signature does not match"
            )),
            "{what}: {err}"
        );
        let err = refused(&work, &mut verify_manifest(&path, &["--json"]), 1);
        assert!(err.contains("is not genuine"), "{what} --json: {err}");
    }
}

/// A manifest signed by someone else's key is genuine only for that key's own set id.
#[test]
fn a_manifest_re_signed_with_another_key_cannot_keep_the_set_id() {
    let (work, _shares, manifest, stdout) = labelled_set();
    let set = printed_set_id(&stdout);
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    let key = load(&manifest)["manifest"]["set_public_key"]
        .as_str()
        .expect("key")
        .to_string();
    let forger = SigningKey::from_bytes(&[7u8; 32]);
    let forger_key = forger.verifying_key().to_bytes();
    let forger_id = set_id_of(&forger_key);
    let sign = |file_text: &str| -> String {
        let (body, old_signature) = body_and_signature(file_text);
        let mut message = b"coldshard manifest v1\0".to_vec();
        message.extend_from_slice(body.as_bytes());
        let signature = hex::encode(forger.sign(&message).to_bytes());
        file_text.replacen(&old_signature, &signature, 1)
    };
    // Threshold lowered and the forger's key put in, but the set id kept: refused.
    let lowered = edit(&text, "\"threshold\": 3", "\"threshold\": 2");
    let keeps_id = sign(&edit(&lowered, &key, &hex::encode(forger_key)));
    let path = work.write("keeps-id.json", &keeps_id);
    let err = refused(&work, &mut verify_manifest(&path, &[]), 1);
    assert!(err.contains("is not genuine"), "{err}");
    // With the forger's own set id it is genuine, but of another set.
    let own_id = sign(&edit(
        &edit(&lowered, &key, &hex::encode(forger_key)),
        &set,
        &forger_id,
    ));
    assert!(independently_genuine(&own_id));
    let path = work.write("own-id.json", &own_id);
    let out = run_ok(&mut verify_manifest(&path, &[]));
    assert!(
        out.contains(&format!("genuine manifest of set {forger_id}")),
        "{out}"
    );
    assert!(!out.contains(&set), "{out}");
}

/// Not JSON, not the documented shape, or no file: exit 2; version 2: exit 2, saying so.
#[test]
fn malformed_or_newer_manifests_exit_2() {
    let (work, _shares, manifest, _) = labelled_set();
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    let cases = [
        ("truncated.json", text[..text.len() / 2].to_string()),
        ("not-json.json", "manifest: yes\n".to_string()),
        ("empty.json", String::new()),
        (
            "extra-member.json",
            edit(&text, "\"revision\": 1", "\"extra\": 1, \"revision\": 1"),
        ),
        (
            "missing-member.json",
            edit(&text, "\"tool\": \"coldshard 0.1.0\",", ""),
        ),
        ("upper-case-key.json", {
            let key = load(&manifest)["manifest"]["set_public_key"]
                .as_str()
                .expect("key")
                .to_string();
            edit(&text, &key, &key.to_uppercase())
        }),
        (
            "threshold-0.json",
            edit(&text, "\"threshold\": 3", "\"threshold\": 0"),
        ),
    ];
    for (name, contents) in &cases {
        let path = work.write(name, contents);
        let err = refused(&work, &mut verify_manifest(&path, &[]), 2);
        assert!(
            err.contains(&format!("error: '{path}' is not a coldshard manifest")),
            "{name}: {err}"
        );
        assert!(!err.contains("not genuine"), "{name}: {err}");
    }
    let v2 = work.write("v2.json", edit(&text, "\"version\": 1", "\"version\": 2"));
    let err = refused(&work, &mut verify_manifest(&v2, &[]), 2);
    assert!(
        err.contains(&format!(
            "error: '{v2}' is a version 2 manifest, which this coldshard does not know"
        )),
        "{err}"
    );
    let missing = work.path("nowhere.json").to_string_lossy().into_owned();
    let err = refused(&work, &mut verify_manifest(&missing, &[]), 2);
    assert!(
        err.contains(&format!("error: cannot read the manifest '{missing}'")),
        "{err}"
    );
}
