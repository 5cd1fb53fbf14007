//! The transcript parser (`transcript::verify`, what `transcript verify` and `append` run).
//! Two inputs per run: the bytes as given, and the same lines re-chained (each line that is
//! a JSON record gets the right `seq` and the SHA-256 of the line before as `prev`, written
//! in canonical form), so that the field checks behind the hash chain are reached.
//! Properties: a re-chained transcript never fails on its sequence or its chain; when it is
//! accepted, it has one verified line per line and its final hash is the last line's SHA-256.
#![no_main]

use coldshard::transcript::{self, Record, TranscriptError, ZERO_HASH};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = transcript::verify(data, "transcript") {
        assert_eq!(v.lines(), transcript::count_lines(data));
    }
    let mut rechained = Vec::new();
    let mut prev = ZERO_HASH.to_string();
    let mut lines = 0;
    for (k, line) in data.split(|&b| b == b'\n').enumerate().take(64) {
        if line.is_empty() && k > 0 {
            continue;
        }
        let Ok(mut record) = serde_json::from_slice::<Record>(line) else {
            return;
        };
        lines += 1;
        record.transcript = transcript::VERSION;
        record.seq = lines as u64;
        record.prev = prev;
        let text = record.to_line();
        prev = hex(&Sha256::digest(text.as_bytes()));
        rechained.extend_from_slice(text.as_bytes());
        rechained.push(b'\n');
    }
    match transcript::verify(&rechained, "transcript") {
        Ok(v) => {
            assert_eq!(v.lines(), lines);
            assert_eq!(v.final_hash(), prev);
        }
        Err(TranscriptError::Sequence { .. } | TranscriptError::BrokenChain { .. }) => {
            panic!("a correctly chained transcript failed its chain")
        }
        Err(_) => {}
    }
});
