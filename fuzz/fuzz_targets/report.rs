//! The drill report. coldshard writes reports and never reads one back (the operator and the
//! ceremony transcript hash them), so this target fuzzes the path from hostile input to a
//! report: share texts presented to a drill, checked against a genuine manifest
//! (`drill::check_against_manifest`), then `drill::Report::new`, `to_json` and `render`.
//! The manifest is built once for the set of the first test vector (whose set seed the
//! vectors publish), so the vector shares in the seed corpus are on record and the fuzzer
//! reaches the label and record checks.
//! Input: parts separated by NUL, each `file name` 0x01 `share text`.
//! Properties: the JSON report parses and names every share as given, in order; the
//! rendering has no control character but LF when the file names have none (a hostile
//! share must not reach the terminal through the report).
#![no_main]

use std::sync::OnceLock;

use coldshard::armor;
use coldshard::crypto::SetKey;
use coldshard::drill::{self, Presented, Report};
use coldshard::input::LoadedShare;
use coldshard::manifest::{self, Body, Manifest, SecretRecord};
use libfuzzer_sys::fuzz_target;

const VECTORS: &str = include_str!("../../tests/vectors/format-v1.json");

fn genuine_manifest() -> Manifest {
    let vectors: serde_json::Value = serde_json::from_str(VECTORS).expect("vectors parse");
    let set = &vectors["valid"][0];
    let seed: Vec<u8> = (0..32)
        .map(|i| {
            let hex = set["set_seed_hex"].as_str().expect("seed");
            u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex")
        })
        .collect();
    let key = SetKey::from_seed(&seed).expect("set key");
    let shares: Vec<armor::Armored> = set["shares"]
        .as_array()
        .expect("shares")
        .iter()
        .map(|s| armor::decode(s["armor"].as_str().expect("armor").as_bytes()).expect("share"))
        .collect();
    let header = shares[0].share.header();
    let records = shares
        .iter()
        .map(|a| {
            manifest::share_record(
                a.share.header().index,
                a.label.as_ref(),
                &a.share.to_bytes(),
                &[],
            )
            .expect("record")
        })
        .collect();
    let secret = SecretRecord {
        kind: header.kind.name().to_string(),
        length: header.secret_len,
        commitment: header
            .commitment
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        fingerprint: "0A1B2C3D".to_string(),
        bip32_fingerprint: None,
        bip32_with_passphrase: true,
    };
    let body = Body::new(header, secret, records).expect("body");
    let bytes = body.sign(&key).expect("sign");
    manifest::parse(&bytes, "manifest.json").expect("genuine manifest")
}

fuzz_target!(|data: &[u8]| {
    static MANIFEST: OnceLock<Manifest> = OnceLock::new();
    let manifest = MANIFEST.get_or_init(genuine_manifest);
    let mut presented: Vec<Presented> = data
        .split(|&b| b == 0)
        .take(8)
        .map(|part| {
            let (name, text) = match part.iter().position(|&b| b == 1) {
                Some(i) => (&part[..i], &part[i + 1..]),
                None => (&b"share.txt"[..], part),
            };
            let arg = String::from_utf8_lossy(name).into_owned();
            Presented {
                arg: arg.clone(),
                share: armor::decode(text)
                    .map(|armored| LoadedShare {
                        arg: arg.clone(),
                        name: format!("'{arg}'"),
                        armored,
                    })
                    .map_err(|e| e.to_string()),
                failure: None,
                point: None,
            }
        })
        .collect();
    drill::check_against_manifest(&mut presented, manifest);
    let verdict = Err("the secret was not rebuilt (fuzzing)".to_string());
    let report =
        Report::new(manifest, "manifest.json", &presented, &verdict).expect("clock is sane");
    assert!(!report.passed());
    let json: serde_json::Value = serde_json::from_slice(&report.to_json()).expect("JSON");
    let listed = json["shares"].as_array().expect("shares");
    assert_eq!(listed.len(), presented.len());
    for (line, p) in listed.iter().zip(&presented) {
        assert_eq!(line["file"].as_str(), Some(p.arg.as_str()));
    }
    let rendered = report.render();
    if presented
        .iter()
        .all(|p| !p.arg.chars().any(char::is_control))
    {
        assert!(
            !rendered.chars().any(|c| c.is_control() && c != '\n'),
            "a control character from a share reached the rendered report"
        );
    }
});
