//! The compact QR payload decoder: the text a QR reader returns for a share's code
//! (`COLDSHARD:1:` and base32), read by `armor::decode` as `input::read_shares` does after
//! `scan::read_qr_text`. Two inputs per run: the raw text, and (so that the fuzzer reaches
//! the binary decoder behind it) the fuzz bytes as a binary share with its check recomputed,
//! wrapped in the compact form. Property: the compact path accepts exactly what the binary
//! decoder accepts, and an accepted payload is the canonical compact text.
#![no_main]

use coldshard::armor;
use coldshard::format::{CHECK_LEN, EncryptedShare};
use data_encoding::BASE32_NOPAD;
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && text
            .trim_start_matches(|c: char| c.is_ascii_whitespace())
            .starts_with(armor::COMPACT_PREFIX)
        && let Ok(decoded) = armor::decode(data)
    {
        assert_eq!(
            text.trim_matches(|c: char| c.is_ascii_whitespace()),
            armor::encode_compact(&decoded.share)
        );
    }
    let mut fixed = data.to_vec();
    if fixed.len() >= CHECK_LEN {
        let body = fixed.len() - CHECK_LEN;
        let digest = Sha256::digest(&fixed[..body]);
        fixed[body..].copy_from_slice(&digest[..CHECK_LEN]);
    }
    let payload = format!("{}1:{}", armor::COMPACT_PREFIX, BASE32_NOPAD.encode(&fixed));
    let via_qr = armor::decode(payload.as_bytes()).map(|a| a.share);
    let direct = EncryptedShare::from_bytes(&fixed);
    assert_eq!(via_qr.is_ok(), direct.is_ok());
    if let (Ok(a), Ok(b)) = (via_qr, direct) {
        assert_eq!(a, b);
    }
});
