//! The manifest parser (`manifest::parse`, what `manifest::read` runs on `manifest.json`).
//! Two inputs per run: the bytes as given (the signature stops the fuzzer before the layout
//! check, so this covers JSON, version and field checks), and, when the bytes are a JSON
//! manifest body, that body signed with a fixed set key (its key and set id set to match), so
//! that the checks behind the signature are reached too.
//! Properties: a genuinely signed body is never refused as not authentic nor as re-formatted,
//! and when accepted it reads back as the same body; an accepted file's SHA-256 is its bytes'.
#![no_main]

use coldshard::crypto::SetKey;
use coldshard::format::SetId;
use coldshard::manifest::{self, Body, ManifestError};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = manifest::parse(data, "manifest.json") {
        let digest: String = Sha256::digest(data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(m.file_sha256(), digest);
    }
    let Ok(mut body) = serde_json::from_slice::<Body>(data) else {
        return;
    };
    let key = SetKey::from_seed(&[7; 32]).expect("set key");
    body.set_public_key = key
        .public_key()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    body.set_id = SetId::of_public_key(&key.public_key()).to_string();
    let Ok(signed) = body.sign(&key) else { return };
    match manifest::parse(&signed, "manifest.json") {
        Ok(m) => assert_eq!(m.body(), &body),
        Err(ManifestError::Malformed { reason, .. }) => {
            assert!(
                !reason.contains("re-formatted"),
                "a manifest as signed was refused as re-formatted"
            );
        }
        Err(ManifestError::UnknownVersion { .. }) => {}
        Err(e) => panic!("a genuinely signed manifest was refused: {e}"),
    }
});
