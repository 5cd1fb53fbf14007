//! The binary share decoder (`EncryptedShare::from_bytes`). Each input is decoded twice: as
//! given (almost every mutation then fails the trailing SHA-256 check), and with that check
//! recomputed, so that the header parser behind it is reached. The Ed25519 signature still
//! stops forged shares; the fuzzer cannot get past it, nor should it.
//! Properties: an accepted share re-encodes to the same bytes, and its KDF costs are under
//! the decoder caps (a hostile header must not make us run a huge Argon2).
#![no_main]

use coldshard::crypto::{Kdf, MAX_ITERATIONS, MAX_LANES, MAX_MEMORY_KIB};
use coldshard::format::{CHECK_LEN, EncryptedShare};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

fn check(bytes: &[u8]) {
    if let Ok(share) = EncryptedShare::from_bytes(bytes) {
        assert_eq!(share.to_bytes(), bytes, "accepted a non-canonical share");
        if let Kdf::Argon2id(p) = share.header().kdf {
            assert!(p.memory_kib() <= MAX_MEMORY_KIB);
            assert!(p.iterations() <= MAX_ITERATIONS);
            assert!(p.lanes() <= MAX_LANES);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    check(data);
    if data.len() >= CHECK_LEN {
        let mut fixed = data.to_vec();
        let body = fixed.len() - CHECK_LEN;
        let digest = Sha256::digest(&fixed[..body]);
        fixed[body..].copy_from_slice(&digest[..CHECK_LEN]);
        check(&fixed);
    }
});
