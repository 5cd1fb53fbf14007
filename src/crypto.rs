//! Passphrase-based encryption of one share: Argon2id (RFC 9106) then XChaCha20-Poly1305.
//!
//! XChaCha20-Poly1305 is used rather than ChaCha20-Poly1305: every share already has its own
//! key (random salt per share), so nonce reuse cannot happen by design, but the 192-bit random
//! nonce keeps that true even if a salt ever repeated (a broken RNG, a reused passphrase and a
//! copied salt), at no cost.

use std::sync::OnceLock;

use argon2::{Algorithm, Argon2, Block, Params, Version};
use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{Tag, XChaCha20Poly1305, XNonce};
use rayon::prelude::*;
use zeroize::{Zeroize, Zeroizing};

use crate::passphrase::Passphrase;

/// Length of the per-share KDF salt in bytes.
pub const SALT_LEN: usize = 16;
/// Length of the XChaCha20-Poly1305 nonce in bytes.
pub const NONCE_LEN: usize = 24;
/// Length of the Poly1305 tag in bytes.
pub const TAG_LEN: usize = 16;
/// Length of the derived key in bytes.
pub const KEY_LEN: usize = 32;

/// Length of the set signing seed (the Ed25519 secret key), shared along with the secret.
pub const SEED_LEN: usize = 32;
/// Length of the set public key (Ed25519).
pub const PUBLIC_KEY_LEN: usize = 32;
/// Length of a share signature (Ed25519).
pub const SIGNATURE_LEN: usize = 64;
/// Length of the commitment to the secret.
pub const COMMITMENT_LEN: usize = 16;

/// Highest Argon2 memory a decoder accepts, in KiB (2 GiB): a hostile share cannot demand more.
pub const MAX_MEMORY_KIB: u32 = 2 * 1024 * 1024;
/// Highest Argon2 pass count a decoder accepts.
pub const MAX_ITERATIONS: u8 = 10;
/// Highest Argon2 lane count a decoder accepts.
pub const MAX_LANES: u8 = 16;

/// Default Argon2 memory in KiB (512 MiB); see docs/KDF.md for the reasoning and timings.
pub const DEFAULT_MEMORY_KIB: u32 = 512 * 1024;
/// Default Argon2 pass count.
pub const DEFAULT_ITERATIONS: u8 = 3;
/// Default Argon2 lane count.
pub const DEFAULT_LANES: u8 = 4;
/// Below this memory (KiB) the CLI warns that the setting is for tests only.
pub const WEAK_MEMORY_KIB: u32 = 256 * 1024;

/// Errors of the crypto layer.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    /// KDF parameters outside what this implementation accepts.
    #[error("{0}")]
    InvalidParams(String),
    /// KDF parameters above the decoder's cap (a hostile or mistaken share).
    #[error(
        "its key derivation asks for {memory_kib} KiB of memory and {iterations} pass(es), above the limit of {} MiB and {} passes",
        MAX_MEMORY_KIB / 1024,
        MAX_ITERATIONS
    )]
    TooExpensive {
        /// Requested memory in KiB.
        memory_kib: u32,
        /// Requested passes.
        iterations: u8,
    },
    /// The AEAD tag did not verify: wrong passphrase, or a share altered with a valid checksum.
    #[error("the passphrase is wrong")]
    Authentication,
    /// The OS random number generator failed.
    #[error("the operating system's random number generator failed: {0}")]
    Random(String),
    /// The KDF itself failed (out of memory, for instance).
    #[error("key derivation failed: {0}")]
    Kdf(String),
}

/// Argon2id cost parameters, validated against the decoder caps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Argon2Params {
    memory_kib: u32,
    iterations: u8,
    lanes: u8,
}

impl Argon2Params {
    /// The documented defaults (512 MiB, 3 passes, 4 lanes).
    pub const DEFAULT: Argon2Params = Argon2Params {
        memory_kib: DEFAULT_MEMORY_KIB,
        iterations: DEFAULT_ITERATIONS,
        lanes: DEFAULT_LANES,
    };

    /// Validates parameters: within RFC 9106 minimums and below this decoder's caps.
    pub fn new(memory_kib: u32, iterations: u8, lanes: u8) -> Result<Self, CryptoError> {
        if lanes == 0 || lanes > MAX_LANES {
            return Err(CryptoError::InvalidParams(format!(
                "Argon2 lanes must be 1 to {MAX_LANES}, not {lanes}"
            )));
        }
        if iterations == 0 {
            return Err(CryptoError::InvalidParams(
                "Argon2 passes must be at least 1".into(),
            ));
        }
        if memory_kib < 8 * u32::from(lanes) {
            return Err(CryptoError::InvalidParams(format!(
                "Argon2 memory must be at least 8 KiB per lane, not {memory_kib} KiB"
            )));
        }
        if memory_kib > MAX_MEMORY_KIB || iterations > MAX_ITERATIONS {
            return Err(CryptoError::TooExpensive {
                memory_kib,
                iterations,
            });
        }
        Ok(Argon2Params {
            memory_kib,
            iterations,
            lanes,
        })
    }

    /// Memory in KiB.
    pub fn memory_kib(&self) -> u32 {
        self.memory_kib
    }

    /// Number of passes.
    pub fn iterations(&self) -> u8 {
        self.iterations
    }

    /// Number of lanes.
    pub fn lanes(&self) -> u8 {
        self.lanes
    }
}

/// How the key of a share is derived from its passphrase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kdf {
    /// No passphrase: the key is 32 zero bytes and the share has no confidentiality.
    None,
    /// Argon2id version 0x13.
    Argon2id(Argon2Params),
}

/// A 256-bit share key; on the heap (moving it copies no key bytes), zeroized on drop, never
/// printed.
pub struct Key(Box<Zeroizing<[u8; KEY_LEN]>>);

/// The threads that compute Argon2 lanes at the same time (the `argon2` crate's `parallel`
/// feature runs the lanes of each slice on the current rayon pool): one per core, or
/// `RAYON_NUM_THREADS`. Started on first use and shared by every derivation of the process, so
/// that derivations running at once share the cores rather than each starting its own threads.
/// A failure to start them is kept and reported as a key-derivation error, never a panic.
fn lane_threads() -> Result<&'static rayon::ThreadPool, CryptoError> {
    static POOL: OnceLock<Result<rayon::ThreadPool, String>> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("coldshard-kdf-{i}"))
            .build()
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| CryptoError::Kdf(format!("cannot start the key-derivation threads: {e}")))
}

/// Blocks per parallel work item when filling and wiping the working memory (1 MiB).
const WIPE_CHUNK_BLOCKS: usize = 1024;

/// The Argon2 working memory of one derivation. Our own, so that it is wiped after use (argon2
/// frees its own unwiped), and allocated fallibly, so that too little memory is an error.
/// Zero-filled and wiped by the lane threads: the first touch of 512 MiB (page faults) and the
/// wipe then use every core instead of one.
struct WorkingMemory {
    blocks: Vec<Block>,
    pool: &'static rayon::ThreadPool,
}

impl WorkingMemory {
    /// `count` zeroed blocks, or `None` when the memory cannot be had.
    fn new(count: usize, pool: &'static rayon::ThreadPool) -> Option<Self> {
        let mut blocks = Vec::new();
        blocks.try_reserve_exact(count).ok()?;
        let mut memory = WorkingMemory { blocks, pool };
        // An indexed parallel extend writes into the reserved capacity: no reallocation.
        pool.install(|| {
            memory.blocks.par_extend(
                (0..count)
                    .into_par_iter()
                    .with_min_len(WIPE_CHUNK_BLOCKS)
                    .map(|_| Block::default()),
            );
        });
        Some(memory)
    }
}

impl Drop for WorkingMemory {
    fn drop(&mut self) {
        let blocks = &mut self.blocks;
        self.pool.install(|| {
            blocks
                .par_chunks_mut(WIPE_CHUNK_BLOCKS)
                .for_each(|chunk| chunk.iter_mut().zeroize());
        });
        // Anything the allocator gave beyond the blocks (nothing was ever written there).
        blocks.spare_capacity_mut().zeroize();
    }
}

/// Derives the key of one share from its passphrase and salt.
pub fn derive_key(
    kdf: &Kdf,
    passphrase: &Passphrase,
    salt: &[u8; SALT_LEN],
) -> Result<Key, CryptoError> {
    let mut key = Box::new(Zeroizing::new([0u8; KEY_LEN]));
    match kdf {
        Kdf::None => {}
        Kdf::Argon2id(p) => {
            let params = Params::new(
                p.memory_kib,
                u32::from(p.iterations),
                u32::from(p.lanes),
                Some(KEY_LEN),
            )
            .map_err(|e| CryptoError::InvalidParams(e.to_string()))?;
            let pool = lane_threads()?;
            let mut memory = WorkingMemory::new(params.block_count(), pool).ok_or_else(|| {
                CryptoError::Kdf(format!("cannot allocate {} MiB", p.memory_kib / 1024))
            })?;
            pool.install(|| {
                Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
                    .hash_password_into_with_memory(
                        passphrase.as_bytes(),
                        salt,
                        key.as_mut_slice(),
                        memory.blocks.as_mut_slice(),
                    )
            })
            .map_err(|e| CryptoError::Kdf(e.to_string()))?;
        }
    }
    Ok(Key(key))
}

/// Encrypts `plaintext`, binding `aad`; returns ciphertext followed by the 16-byte tag.
pub fn seal(
    key: &Key,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let cipher = XChaCha20Poly1305::new_from_slice(key.0.as_slice())
        .map_err(|_| CryptoError::InvalidParams("key length".into()))?;
    let mut out = Vec::with_capacity(plaintext.len() + TAG_LEN);
    out.extend_from_slice(plaintext);
    let tag = cipher
        .encrypt_inout_detached(&XNonce::from(*nonce), aad, out.as_mut_slice().into())
        .map_err(|_| CryptoError::Kdf("encryption failed".into()))?;
    out.extend_from_slice(tag.as_slice());
    Ok(out)
}

/// Decrypts ciphertext-with-tag, checking `aad`; the plaintext is zeroized on drop.
pub fn open(
    key: &Key,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let split = sealed
        .len()
        .checked_sub(TAG_LEN)
        .ok_or(CryptoError::Authentication)?;
    let (ciphertext, tag) = sealed.split_at(split);
    let tag = Tag::try_from(tag).map_err(|_| CryptoError::Authentication)?;
    let cipher = XChaCha20Poly1305::new_from_slice(key.0.as_slice())
        .map_err(|_| CryptoError::InvalidParams("key length".into()))?;
    let mut buffer = Zeroizing::new(ciphertext.to_vec());
    cipher
        .decrypt_inout_detached(
            &XNonce::from(*nonce),
            aad,
            buffer.as_mut_slice().into(),
            &tag,
        )
        .map_err(|_| CryptoError::Authentication)?;
    Ok(buffer)
}

/// The per-set Ed25519 signing key. Its 32-byte seed is split along with the secret, so that
/// whoever rebuilds the secret can also sign a re-issued share, and nobody else can sign.
/// Zeroized on drop (ed25519-dalek's zeroize feature and our own buffer); no Debug.
pub struct SetKey {
    seed: Zeroizing<[u8; SEED_LEN]>,
    key: ed25519_dalek::SigningKey,
}

impl SetKey {
    /// A new set key from the OS CSPRNG.
    pub fn generate() -> Result<Self, CryptoError> {
        let mut seed = Zeroizing::new([0u8; SEED_LEN]);
        getrandom::fill(seed.as_mut_slice()).map_err(|e| CryptoError::Random(e.to_string()))?;
        Ok(Self::from_seed_array(seed))
    }

    /// The set key for a seed (as rebuilt from the shares).
    pub fn from_seed(seed: &[u8]) -> Option<Self> {
        let mut array = Zeroizing::new([0u8; SEED_LEN]);
        if seed.len() != SEED_LEN {
            return None;
        }
        array.copy_from_slice(seed);
        Some(Self::from_seed_array(array))
    }

    fn from_seed_array(seed: Zeroizing<[u8; SEED_LEN]>) -> Self {
        let key = ed25519_dalek::SigningKey::from_bytes(&seed);
        SetKey { seed, key }
    }

    /// The seed, to be split with the secret.
    pub fn seed(&self) -> &[u8] {
        self.seed.as_slice()
    }

    /// The public key every share carries.
    pub fn public_key(&self) -> [u8; PUBLIC_KEY_LEN] {
        self.key.verifying_key().to_bytes()
    }

    /// An Ed25519 signature of `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; SIGNATURE_LEN] {
        use ed25519_dalek::ed25519::signature::Signer;
        self.key.sign(message).to_bytes()
    }
}

/// Checks an Ed25519 signature strictly (canonical encodings, no small-order keys).
pub fn verify_signature(
    public_key: &[u8; PUBLIC_KEY_LEN],
    message: &[u8],
    signature: &[u8; SIGNATURE_LEN],
) -> bool {
    ed25519_dalek::VerifyingKey::from_bytes(public_key)
        .map(|key| {
            key.verify_strict(message, &ed25519_dalek::Signature::from_bytes(signature))
                .is_ok()
        })
        .unwrap_or(false)
}

/// The commitment to the secret: HMAC-SHA256 keyed with the set seed, so that it confirms a
/// rebuilt secret without letting anyone who lacks T shares test guesses of a weak secret.
pub fn commitment(seed: &[u8], kind: u8, payload: &[u8]) -> [u8; COMMITMENT_LEN] {
    use hmac::{KeyInit as _, Mac};
    let mut mac = match hmac::Hmac::<sha2::Sha256>::new_from_slice(seed) {
        Ok(mac) => mac,
        Err(_) => return [0; COMMITMENT_LEN], // HMAC takes keys of any length
    };
    mac.update(b"coldshard commitment v1\0");
    mac.update(&[kind]);
    mac.update(
        &u16::try_from(payload.len())
            .unwrap_or(u16::MAX)
            .to_be_bytes(),
    );
    mac.update(payload);
    let tag = mac.finalize().into_bytes();
    let mut out = [0u8; COMMITMENT_LEN];
    out.copy_from_slice(&tag[..COMMITMENT_LEN]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Kdf {
        Kdf::Argon2id(Argon2Params::new(64, 1, 1).unwrap())
    }

    #[test]
    fn seal_open_round_trip_and_wrong_key() {
        let pass = Passphrase::new("correct horse");
        let salt = [7u8; SALT_LEN];
        let key = derive_key(&small(), &pass, &salt).unwrap();
        let sealed = seal(&key, &[1; NONCE_LEN], b"header", b"share bytes").unwrap();
        assert_eq!(sealed.len(), 11 + TAG_LEN);
        let opened = open(&key, &[1; NONCE_LEN], b"header", &sealed).unwrap();
        assert_eq!(opened.as_slice(), b"share bytes");

        let wrong = derive_key(&small(), &Passphrase::new("wrong horse"), &salt).unwrap();
        assert_eq!(
            open(&wrong, &[1; NONCE_LEN], b"header", &sealed).unwrap_err(),
            CryptoError::Authentication
        );
        // The associated data is bound: a changed header fails as well.
        assert_eq!(
            open(&key, &[1; NONCE_LEN], b"headex", &sealed).unwrap_err(),
            CryptoError::Authentication
        );
        assert!(open(&key, &[1; NONCE_LEN], b"header", &sealed[..3]).is_err());
    }

    #[test]
    fn argon2id_matches_reference_cli() {
        // Expected keys from the reference C implementation (Debian `argon2`):
        //   echo -n password | argon2 somesaltsomesalt -id -m 6 -t 2 -p 1 -l 32 -r
        let kdf = Kdf::Argon2id(Argon2Params::new(64, 2, 1).unwrap());
        let key = derive_key(&kdf, &Passphrase::new("password"), b"somesaltsomesalt").unwrap();
        assert_eq!(
            hex::encode(key.0.as_slice()),
            "1a98fba8e6394425c9bdc333a9c750aaf811df070f5fb4a5788e1cf4db5793a1"
        );
        // The passphrase is NFKD-normalised first: U+00E4 becomes "a" + U+0308, as in
        //   printf 'pa\xcc\x88ssword' | argon2 somesaltsomesalt -id -m 10 -t 3 -p 4 -l 32 -r
        let kdf = Kdf::Argon2id(Argon2Params::new(1024, 3, 4).unwrap());
        let key = derive_key(&kdf, &Passphrase::new("p\u{e4}ssword"), b"somesaltsomesalt").unwrap();
        assert_eq!(
            hex::encode(key.0.as_slice()),
            "4d1e3b2f28105865c9cb257cbbc19193101e6023265b8e1dade41b36cd7379ff"
        );
        // 64 MiB in 4 lanes: many work items for the lane threads that fill, derive and wipe.
        //   echo -n password | argon2 somesaltsomesalt -id -m 16 -t 3 -p 4 -l 32 -r
        let kdf = Kdf::Argon2id(Argon2Params::new(64 * 1024, 3, 4).unwrap());
        let key = derive_key(&kdf, &Passphrase::new("password"), b"somesaltsomesalt").unwrap();
        assert_eq!(
            hex::encode(key.0.as_slice()),
            "81db97a7e67a891784a2599bc879f957cb3512d273984bd97d8a18fc59ff01e2"
        );
    }

    #[test]
    fn set_key_signs_and_only_its_signature_verifies() {
        let key = SetKey::generate().unwrap();
        let again = SetKey::from_seed(key.seed()).unwrap();
        assert_eq!(key.public_key(), again.public_key());
        let sig = key.sign(b"share");
        assert!(verify_signature(&key.public_key(), b"share", &sig));
        assert!(!verify_signature(&key.public_key(), b"sharf", &sig));
        let other = SetKey::generate().unwrap();
        assert!(!verify_signature(&other.public_key(), b"share", &sig));
        assert!(SetKey::from_seed(&[1; 31]).is_none());
    }

    #[test]
    fn commitment_depends_on_seed_kind_and_payload() {
        let c = commitment(&[1; 32], 1, b"payload");
        assert_ne!(c, commitment(&[2; 32], 1, b"payload"));
        assert_ne!(c, commitment(&[1; 32], 2, b"payload"));
        assert_ne!(c, commitment(&[1; 32], 1, b"payloae"));
        assert_eq!(c, commitment(&[1; 32], 1, b"payload"));
    }

    #[test]
    fn params_caps() {
        assert!(matches!(
            Argon2Params::new(MAX_MEMORY_KIB + 1, 1, 1),
            Err(CryptoError::TooExpensive { .. })
        ));
        assert!(matches!(
            Argon2Params::new(1024, MAX_ITERATIONS + 1, 1),
            Err(CryptoError::TooExpensive { .. })
        ));
        assert!(Argon2Params::new(1024, 0, 1).is_err());
        assert!(Argon2Params::new(1024, 1, 0).is_err());
        assert!(Argon2Params::new(31, 1, 4).is_err());
        assert!(Argon2Params::new(MAX_MEMORY_KIB, MAX_ITERATIONS, MAX_LANES).is_ok());
    }
}
