//! Share format v1 test vectors (tests/vectors/format-v1.json, listed in docs/FORMAT.md).
//!
//! - `valid`: fixed salts and nonces through the library's explicit-randomness path (never a
//!   CLI flag) reproduce every byte of the binary share and its armor; an independent decoder
//!   written from docs/FORMAT.md with only primitive crates reads them; T-subsets rebuild.
//! - `invalid`: each vector breaks one rule and expects one named verdict and exit code.
//!
//! Regenerate (only when the format changes, together with docs/FORMAT.md):
//! `COLDSHARD_REGENERATE_VECTORS=1 cargo test --test integration regenerate -- --ignored`

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use coldshard::armor::{self, ArmorError, Label};
use coldshard::crypto::{self, Argon2Params, Kdf, SetKey};
use coldshard::format::{EncryptedShare, FormatError, SetId, ShareHeader};
use coldshard::passphrase::Passphrase;
use coldshard::secret::{InputFormat, Secret, SecretKind};
use coldshard::shamir::{self, ShareCount, ShareIndex, SharePoint, Threshold};
use serde_json::{Value, json};

use crate::util::{gf_inv, gf_mul};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::util::{Work, coldshard};

const LINE_CRC: crc::Crc<u16> = crc::Crc::<u16>::new(&crc::CRC_10_ATM);
const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/format-v1.json");

fn load() -> Value {
    let text = std::fs::read_to_string(PATH).expect("tests/vectors/format-v1.json");
    serde_json::from_str(&text).expect("valid JSON")
}

fn hexv(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("hex")
}

fn arr<const N: usize>(v: &Value) -> [u8; N] {
    hexv(v).try_into().expect("length")
}

fn kdf_of(v: &Value) -> Kdf {
    match v["algorithm"].as_str() {
        Some("none") => Kdf::None,
        _ => Kdf::Argon2id(
            Argon2Params::new(
                v["memory_kib"].as_u64().unwrap() as u32,
                v["iterations"].as_u64().unwrap() as u8,
                v["lanes"].as_u64().unwrap() as u8,
            )
            .unwrap(),
        ),
    }
}

fn kind_of(name: &str) -> SecretKind {
    match name {
        "bip39" => SecretKind::Bip39,
        "hex" => SecretKind::Hex,
        _ => SecretKind::Raw,
    }
}

#[test]
fn valid_vectors_reproduce_byte_for_byte() {
    let doc = load();
    let valid = doc["valid"].as_array().unwrap();
    assert!(valid.len() >= 4);
    for v in valid {
        let name = v["name"].as_str().unwrap();
        let kind = kind_of(v["secret"]["kind"].as_str().unwrap());
        let input = hexv(&v["secret"]["input_hex"]);
        let payload = hexv(&v["secret"]["payload_hex"]);
        // The input parses to the recorded payload.
        let parsed = Secret::parse(&input, InputFormat::Auto).unwrap();
        assert_eq!(parsed.kind(), kind, "{name}");
        assert_eq!(parsed.payload(), payload.as_slice(), "{name}");

        let set_key = SetKey::from_seed(&hexv(&v["set_seed_hex"])).unwrap();
        assert_eq!(
            hex::encode(set_key.public_key()),
            v["public_key_hex"].as_str().unwrap()
        );
        assert_eq!(
            hex::encode(crypto::commitment(set_key.seed(), kind.code(), &payload)),
            v["commitment_hex"].as_str().unwrap()
        );
        let mut dealt = payload.clone();
        dealt.extend_from_slice(set_key.seed());
        let mut points = Vec::new();
        for s in v["shares"].as_array().unwrap() {
            let header = ShareHeader {
                set_id: SetId::from_bytes(arr(&v["set_id_hex"])),
                index: ShareIndex::new(s["index"].as_u64().unwrap() as u8).unwrap(),
                threshold: Threshold::new(v["threshold"].as_u64().unwrap() as u8).unwrap(),
                count: ShareCount::new(v["count"].as_u64().unwrap() as u8).unwrap(),
                kind,
                secret_len: payload.len() as u16,
                kdf: kdf_of(&v["kdf"]),
                salt: arr(&s["salt_hex"]),
                nonce: arr(&s["nonce_hex"]),
                set_key: arr(&v["public_key_hex"]),
                commitment: arr(&v["commitment_hex"]),
            };
            let point = SharePoint::new(header.index, Zeroizing::new(hexv(&s["value_hex"])));
            let pass = Passphrase::new(s["passphrase"].as_str().unwrap());
            let share = EncryptedShare::seal(header, &point, &pass, &set_key).unwrap();
            assert_eq!(
                hex::encode(share.to_bytes()),
                s["binary_hex"].as_str().unwrap(),
                "{name}"
            );
            let label = s["label"].as_str().map(|l| Label::new(l).unwrap());
            let text = armor::encode(&share, label.as_ref());
            assert_eq!(text, s["armor"].as_str().unwrap(), "{name}");
            // And back through the decoder.
            let back = armor::decode(text.as_bytes()).unwrap();
            assert_eq!(back.share, share);
            points.push(back.share.open(&pass).ok().unwrap());
        }
        let t = v["threshold"].as_u64().unwrap() as u8;
        let threshold = Threshold::new(t).unwrap();
        shamir::check_every_subset(&points, threshold, &dealt).unwrap();
        let rebuilt = shamir::recover(&points[points.len() - usize::from(t)..], threshold).unwrap();
        let secret =
            Secret::from_payload(kind, Zeroizing::new(rebuilt[..payload.len()].to_vec())).unwrap();
        assert_eq!(&secret.render().unwrap()[..], input.as_slice(), "{name}");
    }
}

/// A decoder written from docs/FORMAT.md alone, with primitive crates only.
fn independent_open(armor_text: &str, passphrase: &str) -> (u8, Vec<u8>, [u8; 32], [u8; 16]) {
    let mut data = String::new();
    let mut in_body = false;
    for line in armor_text.lines() {
        if line.starts_with("-----END") {
            break;
        }
        if in_body {
            let tokens: Vec<&str> = line.split(' ').collect();
            let (check, groups) = tokens[1..].split_last().unwrap();
            let chars: String = groups.concat();
            let mut crc = LINE_CRC.digest();
            crc.update(tokens[0].as_bytes());
            crc.update(chars.as_bytes());
            let c = crc.finalize() as usize;
            let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
            assert_eq!(check.as_bytes(), [alphabet[c >> 5], alphabet[c & 31]]);
            data.push_str(&chars);
        }
        if line.is_empty() {
            in_body = true;
        }
    }
    let b = data_encoding::BASE32_NOPAD.decode(data.as_bytes()).unwrap();
    assert_eq!(&b[0..5], b"CSHR\x01");
    let len = u16::from_be_bytes([b[17], b[18]]) as usize;
    assert_eq!(b.len(), 230 + len);
    assert_eq!(&Sha256::digest(&b[..226 + len])[..4], &b[226 + len..]);
    // Authenticity: the set id is the key's, and the key signed everything before the signature.
    let public: [u8; 32] = b[66..98].try_into().unwrap();
    let id = Sha256::new()
        .chain_update(b"coldshard set id v1\0")
        .chain_update(public)
        .finalize();
    assert_eq!(&id[..8], &b[5..13]);
    let mut message = b"coldshard share v1\0".to_vec();
    message.extend_from_slice(&b[..162 + len]);
    let signature: [u8; 64] = b[162 + len..226 + len].try_into().unwrap();
    ed25519_dalek::VerifyingKey::from_bytes(&public)
        .unwrap()
        .verify_strict(&message, &ed25519_dalek::Signature::from_bytes(&signature))
        .expect("signed by the set key");
    let mut key = [0u8; 32];
    if b[19] == 1 {
        let nfkd: String = unicode_normalization::UnicodeNormalization::nfkd(passphrase).collect();
        let m = u32::from_be_bytes([b[20], b[21], b[22], b[23]]);
        let params = Params::new(m, b[24] as u32, b[25] as u32, Some(32)).unwrap();
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(nfkd.as_bytes(), &b[26..42], &mut key)
            .unwrap();
    }
    let nonce: [u8; 24] = b[42..66].try_into().unwrap();
    let mut value = b[114..146 + len].to_vec();
    let tag = chacha20poly1305::Tag::try_from(&b[146 + len..162 + len]).unwrap();
    XChaCha20Poly1305::new(&key.into())
        .decrypt_inout_detached(
            &XNonce::from(nonce),
            &b[..114],
            value.as_mut_slice().into(),
            &tag,
        )
        .expect("authentic");
    (b[13], value, public, b[98..114].try_into().unwrap())
}

/// Lagrange interpolation at x = 0, byte by byte.
fn interpolate_at_zero(points: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let len = points[0].1.len();
    (0..len)
        .map(|k| {
            points.iter().fold(0u8, |acc, (xi, yi)| {
                let basis = points
                    .iter()
                    .filter(|(xj, _)| xj != xi)
                    .fold(1u8, |b, (xj, _)| gf_mul(b, gf_mul(*xj, gf_inv(xj ^ xi))));
                acc ^ gf_mul(basis, yi[k])
            })
        })
        .collect()
}

#[test]
fn an_independent_decoder_reads_the_valid_vectors() {
    for v in load()["valid"].as_array().unwrap() {
        let mut points = Vec::new();
        let mut record = None;
        for s in v["shares"].as_array().unwrap() {
            let (index, value, public, commitment) = independent_open(
                s["armor"].as_str().unwrap(),
                s["passphrase"].as_str().unwrap(),
            );
            assert_eq!(u64::from(index), s["index"].as_u64().unwrap());
            assert_eq!(hex::encode(&value), s["value_hex"].as_str().unwrap());
            record = Some((public, commitment));
            points.push((index, value));
        }
        let (public, commitment) = record.unwrap();
        // Any T of them interpolate, over the field the spec names, to payload || set seed;
        // the seed gives back the set key and the commitment matches the payload.
        let t = v["threshold"].as_u64().unwrap() as usize;
        let kind = v["secret"]["kind"].as_str().unwrap();
        let kind_code = [1u8, 2, 3][["bip39", "hex", "raw"]
            .iter()
            .position(|k| *k == kind)
            .unwrap()];
        for start in 0..=points.len() - t {
            let dealt = interpolate_at_zero(&points[start..start + t]);
            let (payload, seed) = dealt.split_at(dealt.len() - 32);
            assert_eq!(
                hex::encode(payload),
                v["secret"]["payload_hex"].as_str().unwrap()
            );
            let signing = ed25519_dalek::SigningKey::from_bytes(seed.try_into().unwrap());
            assert_eq!(signing.verifying_key().to_bytes(), public);
            use hmac::{KeyInit as _, Mac};
            let mut mac = hmac::Hmac::<Sha256>::new_from_slice(seed).unwrap();
            mac.update(b"coldshard commitment v1\0");
            mac.update(&[kind_code]);
            mac.update(&(payload.len() as u16).to_be_bytes());
            mac.update(payload);
            assert_eq!(&mac.finalize().into_bytes()[..16], &commitment);
        }
    }
}

/// The verdict name of a library decoding (and opening) outcome.
fn verdict(armor_text: &str, passphrase: &str) -> (String, Option<u64>) {
    match armor::decode(armor_text.as_bytes()) {
        Ok(a) => match a.share.open(&Passphrase::new(passphrase)) {
            Ok(_) => ("ok".into(), None),
            Err(_) => ("wrong-passphrase".into(), None),
        },
        Err(e) => match e {
            ArmorError::NotText => ("not-text".into(), None),
            ArmorError::NoBegin => ("no-begin".into(), None),
            ArmorError::NoEnd => ("no-end".into(), None),
            ArmorError::TrailingData => ("trailing-data".into(), None),
            ArmorError::CarriageReturn => ("carriage-return".into(), None),
            ArmorError::Header { .. } => ("bad-header".into(), None),
            ArmorError::UnknownVersion(_) => ("unknown-version".into(), None),
            ArmorError::BadLine { line, .. } => ("bad-line".into(), Some(line as u64)),
            ArmorError::MissingLine { line } => ("missing-line".into(), Some(line as u64)),
            ArmorError::LineCheck { line } => ("line-check".into(), Some(line as u64)),
            ArmorError::NonCanonical => ("non-canonical".into(), None),
            ArmorError::Truncated => ("truncated".into(), None),
            ArmorError::HeaderMismatch { .. } => ("header-mismatch".into(), None),
            ArmorError::BadLabel(_) => ("bad-label".into(), None),
            ArmorError::BadCompact(_) => ("malformed".into(), None),
            ArmorError::Format(f) => match f {
                FormatError::NotAShare => ("not-a-share".into(), None),
                FormatError::UnknownVersion(_) => ("unknown-version".into(), None),
                FormatError::Truncated { .. } => ("truncated".into(), None),
                FormatError::TrailingData(_) => ("trailing-data".into(), None),
                FormatError::Damaged => ("damaged".into(), None),
                FormatError::Invalid(_) => ("invalid-field".into(), None),
                FormatError::TooExpensive(_) => ("kdf-too-expensive".into(), None),
                FormatError::NotAuthentic => ("not-authentic".into(), None),
                FormatError::Random(_) => ("random".into(), None),
            },
        },
    }
}

#[test]
fn invalid_vectors_get_their_named_verdicts() {
    let doc = load();
    let invalid = doc["invalid"].as_array().unwrap();
    assert!(invalid.len() >= 15);
    for v in invalid {
        let name = v["name"].as_str().unwrap();
        let text = v["armor"].as_str().unwrap();
        let pass = v["passphrase"].as_str().unwrap();
        let (got, line) = verdict(text, pass);
        assert_eq!(got, v["verdict"].as_str().unwrap(), "{name}");
        assert_eq!(line, v["line"].as_u64(), "{name}");
    }
}

#[test]
fn invalid_vectors_give_their_exit_codes_through_the_binary() {
    let work = Work::new();
    for v in load()["invalid"].as_array().unwrap() {
        let name = v["name"].as_str().unwrap();
        let file = work.write(&format!("{name}.txt"), v["armor"].as_str().unwrap());
        let pass = work.passfile(
            &format!("{name}.pass"),
            &[v["passphrase"].as_str().unwrap()],
        );
        let out = coldshard()
            .args(["verify", &file, "--passphrase-file", &pass])
            .output()
            .unwrap();
        let code = v["exit_code"].as_i64().unwrap() as i32;
        assert_eq!(
            out.status.code(),
            Some(code),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("error: "), "{name}: {stderr}");
        assert!(
            stderr.contains(&format!("{name}.txt")),
            "{name} is not named: {stderr}"
        );
    }
}

#[test]
fn inspect_shows_the_vectors_kdf_memory_in_kib_below_one_mib() {
    let work = Work::new();
    for v in load()["valid"].as_array().unwrap() {
        let Kdf::Argon2id(p) = kdf_of(&v["kdf"]) else {
            continue;
        };
        let name = v["name"].as_str().unwrap();
        let file = work.write(
            &format!("{name}-inspect.txt"),
            v["shares"][0]["armor"].as_str().unwrap(),
        );
        let out = coldshard().args(["inspect", &file]).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{name}: {stdout}");
        // The vectors use less than 1 MiB, which must not read as "0 MiB".
        assert!(p.memory_kib() < 1024, "{name}");
        let expected = format!("Argon2id, {} KiB, ", p.memory_kib());
        assert!(stdout.contains(&expected), "{name}: {stdout}");
    }
}

// ---------------------------------------------------------------------------------------------
// Generator

fn det<const N: usize>(tag: &str) -> [u8; N] {
    Sha256::digest(tag.as_bytes())[..N].try_into().unwrap()
}

struct Spec {
    name: &'static str,
    input: &'static [u8],
    t: u8,
    n: u8,
    kdf: Kdf,
    labels: &'static [&'static str],
}

fn kdf_json(kdf: &Kdf) -> Value {
    match kdf {
        Kdf::None => json!({"algorithm": "none"}),
        Kdf::Argon2id(p) => {
            json!({"algorithm": "argon2id", "memory_kib": p.memory_kib(), "iterations": p.iterations(), "lanes": p.lanes()})
        }
    }
}

fn reframe(text: &str, bytes: &[u8]) -> String {
    let head: Vec<&str> = text.split("\n\n").take(1).collect();
    format!(
        "{}\n\n{}{}\n",
        head[0],
        armor::encode_body(bytes),
        armor::END
    )
}

fn with_check(mut b: Vec<u8>) -> Vec<u8> {
    let n = b.len() - 4;
    b.truncate(n);
    let c = Sha256::digest(&b);
    b.extend_from_slice(&c[..4]);
    b
}

#[test]
#[ignore = "writes tests/vectors/format-v1.json; run only when the format changes"]
fn regenerate() {
    if std::env::var("COLDSHARD_REGENERATE_VECTORS").as_deref() != Ok("1") {
        return;
    }
    let argon = |m, t, p| Kdf::Argon2id(Argon2Params::new(m, t, p).unwrap());
    let specs = [
        Spec { name: "bip39-12-words-2-of-3-argon2id", input: b"abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about\n", t: 2, n: 3, kdf: argon(256, 2, 2), labels: &["alice", "bob", "carol"] },
        Spec { name: "bip39-24-words-3-of-5-argon2id", input: b"void come effort suffer camp survey warrior heavy shoot primary clutch crush open amazing screen patrol group space point ten exist slush involve unfold\n", t: 3, n: 5, kdf: argon(64, 1, 1), labels: &[] },
        Spec { name: "hex-32-bytes-2-of-2-no-passphrase", input: b"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n", t: 2, n: 2, kdf: Kdf::None, labels: &[] },
        Spec { name: "raw-bytes-2-of-3-argon2id", input: b"coldshard raw secret \x00\xff\n", t: 2, n: 3, kdf: argon(128, 1, 1), labels: &["Zo\u{eb}", "b", "c"] },
    ];
    let mut valid = Vec::new();
    let mut first_share: Option<(String, String, EncryptedShare)> = None;
    for spec in &specs {
        let secret = Secret::parse(spec.input, InputFormat::Auto).unwrap();
        let set_key = SetKey::from_seed(&det::<32>(&format!("seed {}", spec.name))).unwrap();
        let public_key = set_key.public_key();
        let set_id = SetId::of_public_key(&public_key);
        let commitment = crypto::commitment(set_key.seed(), secret.kind().code(), secret.payload());
        let mut dealt = secret.payload().to_vec();
        dealt.extend_from_slice(set_key.seed());
        let points = shamir::split(
            &dealt,
            Threshold::new(spec.t).unwrap(),
            ShareCount::new(spec.n).unwrap(),
        )
        .unwrap();
        let mut shares = Vec::new();
        for p in &points {
            let i = p.index().get();
            let passphrase = if spec.kdf == Kdf::None {
                String::new()
            } else {
                format!("{} passphrase {i} \u{e9}t\u{e9}", spec.name)
            };
            let header = ShareHeader {
                set_id,
                index: p.index(),
                threshold: Threshold::new(spec.t).unwrap(),
                count: ShareCount::new(spec.n).unwrap(),
                kind: secret.kind(),
                secret_len: secret.payload().len() as u16,
                kdf: spec.kdf,
                salt: if spec.kdf == Kdf::None {
                    [0; 16]
                } else {
                    det(&format!("salt {} {i}", spec.name))
                },
                nonce: det(&format!("nonce {} {i}", spec.name)),
                set_key: public_key,
                commitment,
            };
            let pass = Passphrase::new(&passphrase);
            let share = EncryptedShare::seal(header.clone(), p, &pass, &set_key).unwrap();
            let mut key = [0u8; 32];
            if let Kdf::Argon2id(a) = spec.kdf {
                let params = Params::new(
                    a.memory_kib(),
                    a.iterations().into(),
                    a.lanes().into(),
                    Some(32),
                )
                .unwrap();
                Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
                    .hash_password_into(pass.as_bytes(), &header.salt, &mut key)
                    .unwrap();
            }
            let label = spec
                .labels
                .get(usize::from(i) - 1)
                .map(|l| Label::new(l).unwrap());
            let text = armor::encode(&share, label.as_ref());
            if first_share.is_none() {
                first_share = Some((text.clone(), passphrase.clone(), share.clone()));
            }
            shares.push(json!({
                "index": i,
                "label": label.as_ref().map(Label::as_str),
                "passphrase": passphrase,
                "salt_hex": hex::encode(header.salt),
                "nonce_hex": hex::encode(header.nonce),
                "value_hex": hex::encode(p.value()),
                "key_hex": hex::encode(key),
                "binary_hex": hex::encode(share.to_bytes()),
                "armor": text,
            }));
        }
        valid.push(json!({
            "name": spec.name,
            "secret": {
                "kind": secret.kind().name(),
                "input_hex": hex::encode(spec.input),
                "input_text": std::str::from_utf8(spec.input).ok(),
                "payload_hex": hex::encode(secret.payload()),
            },
            "threshold": spec.t,
            "count": spec.n,
            "set_id_hex": hex::encode(set_id.as_bytes()),
            "set_seed_hex": hex::encode(set_key.seed()),
            "public_key_hex": hex::encode(public_key),
            "commitment_hex": hex::encode(commitment),
            "kdf": kdf_json(&spec.kdf),
            "shares": shares,
        }));
    }

    // Invalid vectors: each derived from the first valid share, breaking exactly one rule.
    let (text, pass, share) = first_share.unwrap();
    let bytes = share.to_bytes();
    let lines: Vec<&str> = text.lines().collect();
    let body = lines.iter().position(|l| l.is_empty()).unwrap() + 1;
    let join = |ls: &[String]| ls.join("\n") + "\n";
    let owned = || lines.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut invalid = Vec::new();
    let mut add = |name: &str,
                   description: &str,
                   armor_text: String,
                   passphrase: &str,
                   verdict: &str,
                   line: Option<u64>,
                   exit: i32| {
        invalid.push(json!({"name": name, "description": description, "armor": armor_text, "passphrase": passphrase, "verdict": verdict, "line": line, "exit_code": exit}));
    };
    add(
        "wrong-passphrase",
        "A valid share opened with another passphrase.",
        text.clone(),
        "not the passphrase",
        "wrong-passphrase",
        None,
        3,
    );
    let mut l = owned();
    let row = body + 2;
    let c = l[row].as_bytes()[3];
    let sub = if c == b'A' { "B" } else { "A" };
    l[row].replace_range(3..4, sub);
    add(
        "typo-line-03",
        "One character of body line 03 changed.",
        join(&l),
        &pass,
        "line-check",
        Some(3),
        2,
    );
    let mut l = owned();
    l.remove(body + 1);
    add(
        "missing-line-02",
        "Body line 02 left out.",
        join(&l),
        &pass,
        "missing-line",
        Some(2),
        2,
    );
    let mut l = owned();
    l.remove(l.len() - 2);
    add(
        "last-line-missing",
        "The last body line left out.",
        join(&l),
        &pass,
        "truncated",
        None,
        2,
    );
    let mut l = owned();
    l.pop();
    add(
        "no-end-line",
        "The END line left out.",
        join(&l),
        &pass,
        "no-end",
        None,
        2,
    );
    add(
        "trailing-text",
        "Text after the END line.",
        format!("{text}extra\n"),
        &pass,
        "trailing-data",
        None,
        2,
    );
    add(
        "not-a-share",
        "Some other text.",
        "hello world\n".into(),
        &pass,
        "no-begin",
        None,
        2,
    );
    add(
        "crlf-line-ends",
        "Windows line ends.",
        text.replace('\n', "\r\n"),
        &pass,
        "carriage-return",
        None,
        2,
    );
    add(
        "header-version-2",
        "The Version header line says 2.",
        text.replace("Version: 1", "Version: 2"),
        &pass,
        "unknown-version",
        None,
        2,
    );
    let mut b = bytes.clone();
    b[4] = 2;
    add(
        "binary-version-2",
        "The binary version byte is 2 (check recomputed).",
        reframe(&text, &with_check(b)),
        &pass,
        "unknown-version",
        None,
        2,
    );
    let mut b = bytes.clone();
    b[0] = b'X';
    add(
        "bad-magic",
        "The magic is XSHR (check recomputed).",
        reframe(&text, &with_check(b)),
        &pass,
        "not-a-share",
        None,
        2,
    );
    let mut b = bytes.clone();
    b[120] ^= 1;
    add(
        "damaged-ciphertext",
        "One ciphertext bit flipped; every line check is valid, the whole-share check is not.",
        reframe(&text, &b),
        &pass,
        "damaged",
        None,
        2,
    );
    let mut b = bytes.clone();
    b[120] ^= 1;
    add(
        "altered-ciphertext",
        "One ciphertext bit flipped and the whole-share check recomputed: the signature catches it.",
        reframe(&text, &with_check(b)),
        &pass,
        "not-authentic",
        None,
        1,
    );
    let mut b = bytes.clone();
    b[14] = 3;
    add(
        "altered-threshold",
        "The threshold changed to another valid value (check recomputed): the signature catches it.",
        reframe(&text, &with_check(b)),
        &pass,
        "not-authentic",
        None,
        1,
    );
    let mut b = bytes.clone();
    b[5] ^= 0x80;
    add(
        "set-id-of-another-key",
        "The set id is not the one of the share's public key (check recomputed).",
        reframe(&text, &with_check(b)),
        &pass,
        "not-authentic",
        None,
        1,
    );
    {
        // The custodian's forgery: open the share with the right passphrase, change the value,
        // encrypt it again correctly, keep the old signature, fix the check.
        let header = share.header().clone();
        let p = Passphrase::new(&pass);
        let opened = share.open(&p).ok().unwrap();
        let mut value = opened.value().to_vec();
        value[0] ^= 0x5a;
        let key = crypto::derive_key(&header.kdf, &p, &header.salt).unwrap();
        let sealed = crypto::seal(&key, &header.nonce, &header.to_bytes(), &value).unwrap();
        let mut b = bytes.clone();
        b[114..114 + sealed.len()].copy_from_slice(&sealed);
        add(
            "forged-by-custodian",
            "Re-encrypted correctly under the right passphrase with a changed value, the old signature kept and the check recomputed.",
            reframe(&text, &with_check(b)),
            &pass,
            "not-authentic",
            None,
            1,
        );
    }
    let mut b = bytes.clone();
    b[20..24].copy_from_slice(&u32::MAX.to_be_bytes());
    add(
        "kdf-memory-4-tib",
        "Argon2 memory 0xFFFFFFFF KiB (check recomputed).",
        reframe(&text, &with_check(b)),
        &pass,
        "kdf-too-expensive",
        None,
        2,
    );
    let mut b = bytes.clone();
    b[24] = 255;
    add(
        "kdf-255-passes",
        "Argon2 passes 255 (check recomputed).",
        reframe(&text, &with_check(b)),
        &pass,
        "kdf-too-expensive",
        None,
        2,
    );
    let mut b = bytes.clone();
    b[13] = 0;
    add(
        "index-zero",
        "Share index 0 (check recomputed).",
        reframe(&text, &with_check(b)),
        &pass,
        "invalid-field",
        None,
        2,
    );
    let mut b = bytes.clone();
    b[14] = b[15] + 1;
    add(
        "threshold-above-count",
        "Threshold larger than the share count (check recomputed).",
        reframe(&text, &with_check(b)),
        &pass,
        "invalid-field",
        None,
        2,
    );
    let mut b = bytes.clone();
    b[16] = 9;
    add(
        "unknown-secret-kind",
        "Secret kind 9 (check recomputed).",
        reframe(&text, &with_check(b)),
        &pass,
        "invalid-field",
        None,
        2,
    );
    let mut b = bytes.clone();
    b[19] = 0;
    add(
        "kdf-none-with-parameters",
        "KDF 0 (none) with non-zero parameters and salt (check recomputed).",
        reframe(&text, &with_check(b)),
        &pass,
        "invalid-field",
        None,
        2,
    );
    let mut b = bytes.clone();
    b.push(0);
    add(
        "trailing-byte",
        "One byte more than the header announces, the check recomputed over everything before it.",
        reframe(&text, &with_check(b)),
        &pass,
        "trailing-data",
        None,
        2,
    );
    add(
        "header-share-mismatch",
        "The 'Share:' line disagrees with the encoded index.",
        text.replace("Share: 1 of 3", "Share: 2 of 3"),
        &pass,
        "header-mismatch",
        None,
        2,
    );
    let mut l = owned();
    let last = l.len() - 2;
    let line = l[last].clone();
    let (num, rest) = line.split_at(3);
    let mut chars: Vec<char> = rest.chars().collect();
    let check_start = chars.len() - 2;
    // Flip an unused low bit of the last data character and recompute the line check.
    let data_end = check_start - 1;
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let v = alphabet.find(chars[data_end - 1]).unwrap();
    chars[data_end - 1] = alphabet.as_bytes()[v ^ 1] as char;
    let data: String = chars[..data_end].iter().filter(|c| **c != ' ').collect();
    let number: usize = num.trim().parse().unwrap();
    let mut crc = LINE_CRC.digest();
    crc.update(format!("{number:02}").as_bytes());
    crc.update(data.as_bytes());
    let c = crc.finalize() as usize;
    chars[check_start] = alphabet.as_bytes()[c >> 5] as char;
    chars[check_start + 1] = alphabet.as_bytes()[c & 31] as char;
    l[last] = format!("{num}{}", chars.iter().collect::<String>());
    add(
        "non-canonical-base32",
        "The last data character has an unused bit set (line check recomputed).",
        join(&l),
        &pass,
        "non-canonical",
        None,
        2,
    );
    let mut l = owned();
    l[body] = l[body].to_lowercase();
    add(
        "lower-case-body",
        "Body line 01 in lower case.",
        join(&l),
        &pass,
        "bad-line",
        Some(1),
        2,
    );

    let doc = json!({
        "format": "coldshard share v1",
        "spec": "docs/FORMAT.md",
        "valid": valid,
        "invalid": invalid,
    });
    std::fs::write(PATH, serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
}
