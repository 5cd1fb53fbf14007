//! Share format v1: the binary encoding of one encrypted share (docs/FORMAT.md is normative).
//!
//! ```text
//! offset  len  field
//!      0    4  magic "CSHR"
//!      4    1  format version = 1
//!      5    8  set id = SHA-256("coldshard set id v1\0" || set public key)[0..8]
//!     13    1  share index x (1..=255)
//!     14    1  threshold T (1..=255)
//!     15    1  share count N dealt at the split (T..=255; x above N: added later)
//!     16    1  secret kind (1 bip39, 2 hex, 3 raw)
//!     17    2  secret length L, big-endian
//!     19    1  KDF id (0 none, 1 Argon2id v0x13)
//!     20    4  KDF memory in KiB, big-endian
//!     24    1  KDF passes
//!     25    1  KDF lanes
//!     26   16  KDF salt
//!     42   24  XChaCha20-Poly1305 nonce
//!     66   32  set public key (Ed25519)
//!     98   16  commitment to the secret
//!    114 L+32  ciphertext of the share value (over the secret and the set seed)
//!  146+L   16  Poly1305 tag (associated data: bytes 0..114)
//!  162+L   64  Ed25519 signature by the set key of "coldshard share v1\0" || bytes 0..162+L
//!  226+L    4  check: SHA-256(bytes 0..226+L), first 4 bytes
//! ```

use std::fmt;

use sha2::{Digest, Sha256};

use crate::crypto::{
    self, Argon2Params, COMMITMENT_LEN, CryptoError, Kdf, NONCE_LEN, PUBLIC_KEY_LEN, SALT_LEN,
    SEED_LEN, SIGNATURE_LEN, SetKey, TAG_LEN,
};
use crate::passphrase::Passphrase;
use crate::secret::SecretKind;
use crate::shamir::{ShareCount, ShareIndex, SharePoint, Threshold};

/// The four bytes every coldshard share starts with.
pub const MAGIC: [u8; 4] = *b"CSHR";
/// The format version this module writes.
pub const VERSION: u8 = 1;
/// Length of the public header (the associated data).
pub const HEADER_LEN: usize = 114;
/// Length of the trailing check.
pub const CHECK_LEN: usize = 4;
/// Bytes of a share besides the secret length: header, set seed, tag, signature, check.
pub const OVERHEAD: usize = HEADER_LEN + SEED_LEN + TAG_LEN + SIGNATURE_LEN + CHECK_LEN;
/// What the signature covers, before the share bytes.
const SIGNATURE_CONTEXT: &[u8] = b"coldshard share v1\0";

const KDF_NONE: u8 = 0;
const KDF_ARGON2ID: u8 = 1;

/// Identifies one share set: derived from the set's public key, the same in all its shares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SetId([u8; 8]);

impl SetId {
    /// The set id of a set public key: SHA-256("coldshard set id v1\0" || key)[0..8].
    pub fn of_public_key(key: &[u8; PUBLIC_KEY_LEN]) -> Self {
        let digest = Sha256::new()
            .chain_update(b"coldshard set id v1\0")
            .chain_update(key)
            .finalize();
        let mut id = [0u8; 8];
        id.copy_from_slice(&digest[..8]);
        SetId(id)
    }
    /// A set id from its bytes.
    pub fn from_bytes(bytes: [u8; 8]) -> Self {
        SetId(bytes)
    }
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 8] {
        &self.0
    }
}

impl fmt::Display for SetId {
    /// Upper-case hex in four groups: `1A2B-3C4D-5E6F-7A8B`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = hex::encode_upper(self.0);
        write!(f, "{}-{}-{}-{}", &h[0..4], &h[4..8], &h[8..12], &h[12..16])
    }
}

/// Errors decoding a binary share. Each is a distinct verdict (see tests/vectors).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FormatError {
    /// Not a coldshard share at all.
    #[error("it is not a coldshard share (wrong magic bytes)")]
    NotAShare,
    /// A version this build does not know.
    #[error(
        "it uses share format version {0}, which this coldshard does not know (it reads version 1)"
    )]
    UnknownVersion(u8),
    /// Fewer bytes than the header announces.
    #[error("it is truncated ({have} bytes, {want} expected)")]
    Truncated {
        /// Bytes present.
        have: usize,
        /// Bytes expected.
        want: usize,
    },
    /// More bytes than the header announces.
    #[error("it has {0} bytes of trailing data")]
    TrailingData(usize),
    /// The whole-share check does not match: the bytes were damaged.
    #[error("it is damaged (its checksum does not match)")]
    Damaged,
    /// A field with a value v1 does not allow.
    #[error("it is invalid: {0}")]
    Invalid(String),
    /// KDF parameters above the cap.
    #[error("it is refused: {0}")]
    TooExpensive(CryptoError),
    /// The signature does not verify under the share's own set key, or the set id is not that
    /// key's: the share was altered or forged.
    #[error("it is not genuine: its signature does not match (it was altered or forged)")]
    NotAuthentic,
    /// The OS random number generator failed.
    #[error("the operating system's random number generator failed: {0}")]
    Random(String),
}

/// The public part of a share: everything before the ciphertext.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShareHeader {
    /// The set this share belongs to.
    pub set_id: SetId,
    /// This share's x coordinate.
    pub index: ShareIndex,
    /// Shares needed to rebuild.
    pub threshold: Threshold,
    /// Shares in the set.
    pub count: ShareCount,
    /// Kind of secret.
    pub kind: SecretKind,
    /// Secret payload length in bytes.
    pub secret_len: u16,
    /// Key derivation.
    pub kdf: Kdf,
    /// KDF salt.
    pub salt: [u8; SALT_LEN],
    /// AEAD nonce.
    pub nonce: [u8; NONCE_LEN],
    /// The set's Ed25519 public key.
    pub set_key: [u8; PUBLIC_KEY_LEN],
    /// Commitment to the secret (HMAC keyed with the set seed).
    pub commitment: [u8; COMMITMENT_LEN],
}

impl ShareHeader {
    /// The 66 header bytes, which are also the AEAD associated data.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[0..4].copy_from_slice(&MAGIC);
        b[4] = VERSION;
        b[5..13].copy_from_slice(self.set_id.as_bytes());
        b[13] = self.index.get();
        b[14] = self.threshold.get();
        b[15] = self.count.get();
        b[16] = self.kind.code();
        b[17..19].copy_from_slice(&self.secret_len.to_be_bytes());
        match self.kdf {
            Kdf::None => b[19] = KDF_NONE,
            Kdf::Argon2id(p) => {
                b[19] = KDF_ARGON2ID;
                b[20..24].copy_from_slice(&p.memory_kib().to_be_bytes());
                b[24] = p.iterations();
                b[25] = p.lanes();
            }
        }
        b[26..42].copy_from_slice(&self.salt);
        b[42..66].copy_from_slice(&self.nonce);
        b[66..98].copy_from_slice(&self.set_key);
        b[98..114].copy_from_slice(&self.commitment);
        b
    }

    /// Length of the share value: the secret payload and the set seed.
    pub fn value_len(&self) -> usize {
        usize::from(self.secret_len) + SEED_LEN
    }

    /// Parses and validates the header of a v1 share (magic and version already checked).
    fn parse(b: &[u8; HEADER_LEN]) -> Result<Self, FormatError> {
        let invalid = |s: &str| FormatError::Invalid(s.to_string());
        let index = ShareIndex::new(b[13]).ok_or_else(|| invalid("share index 0"))?;
        let threshold = Threshold::new(b[14]).ok_or_else(|| invalid("threshold 0"))?;
        let count = ShareCount::new(b[15]).ok_or_else(|| invalid("share count 0"))?;
        if threshold.get() > count.get() {
            return Err(invalid("threshold larger than the share count"));
        }
        // An index above N is allowed: it is a share added after the split (`reissue --add`).
        let kind = SecretKind::from_code(b[16]).ok_or_else(|| invalid("unknown secret kind"))?;
        let secret_len = u16::from_be_bytes([b[17], b[18]]);
        if !kind.valid_len(usize::from(secret_len)) {
            return Err(invalid("secret length not allowed for its kind"));
        }
        let memory = u32::from_be_bytes([b[20], b[21], b[22], b[23]]);
        let mut salt = [0u8; SALT_LEN];
        salt.copy_from_slice(&b[26..42]);
        let kdf = match b[19] {
            KDF_NONE => {
                if memory != 0 || b[24] != 0 || b[25] != 0 || salt != [0; SALT_LEN] {
                    return Err(invalid("KDF 'none' with non-zero parameters or salt"));
                }
                Kdf::None
            }
            KDF_ARGON2ID => Kdf::Argon2id(Argon2Params::new(memory, b[24], b[25]).map_err(
                |e| match e {
                    CryptoError::TooExpensive { .. } => FormatError::TooExpensive(e),
                    other => FormatError::Invalid(other.to_string()),
                },
            )?),
            _ => return Err(invalid("unknown KDF")),
        };
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&b[42..66]);
        let mut set_key = [0u8; PUBLIC_KEY_LEN];
        set_key.copy_from_slice(&b[66..98]);
        let mut commitment = [0u8; COMMITMENT_LEN];
        commitment.copy_from_slice(&b[98..114]);
        Ok(ShareHeader {
            set_id: SetId::from_bytes([b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12]]),
            index,
            threshold,
            count,
            kind,
            secret_len,
            kdf,
            salt,
            nonce,
            set_key,
            commitment,
        })
    }
}

/// One encrypted share: public header plus sealed y values. Holds nothing secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptedShare {
    header: ShareHeader,
    sealed: Vec<u8>,
    signature: [u8; SIGNATURE_LEN],
}

impl EncryptedShare {
    /// Encrypts `point` under `passphrase` with the salt and nonce in `header`, and signs the
    /// share with the set key, whose public key and set id the header must carry.
    ///
    /// The CLI always fills salt and nonce from the OS CSPRNG; tests pass fixed ones to
    /// reproduce the vectors in tests/vectors.
    pub fn seal(
        header: ShareHeader,
        point: &SharePoint,
        passphrase: &Passphrase,
        set_key: &SetKey,
    ) -> Result<Self, FormatError> {
        if point.index() != header.index || point.value().len() != header.value_len() {
            return Err(FormatError::Invalid(
                "share point does not match its header".into(),
            ));
        }
        if header.set_key != set_key.public_key()
            || header.set_id != SetId::of_public_key(&header.set_key)
        {
            return Err(FormatError::Invalid(
                "header does not carry the set key it is signed with".into(),
            ));
        }
        let key = crypto::derive_key(&header.kdf, passphrase, &header.salt)
            .map_err(|e| FormatError::Invalid(e.to_string()))?;
        let sealed = crypto::seal(&key, &header.nonce, &header.to_bytes(), point.value())
            .map_err(|e| FormatError::Invalid(e.to_string()))?;
        let mut share = EncryptedShare {
            header,
            sealed,
            signature: [0; SIGNATURE_LEN],
        };
        share.signature = set_key.sign(&share.signed_message());
        Ok(share)
    }

    /// The bytes the signature covers: the context string, header, ciphertext and tag.
    fn signed_message(&self) -> Vec<u8> {
        let mut m = Vec::with_capacity(SIGNATURE_CONTEXT.len() + HEADER_LEN + self.sealed.len());
        m.extend_from_slice(SIGNATURE_CONTEXT);
        m.extend_from_slice(&self.header.to_bytes());
        m.extend_from_slice(&self.sealed);
        m
    }

    /// Derives the key and decrypts; `CryptoError::Authentication` means a wrong passphrase.
    pub fn open(&self, passphrase: &Passphrase) -> Result<SharePoint, CryptoError> {
        let key = crypto::derive_key(&self.header.kdf, passphrase, &self.header.salt)?;
        let value = crypto::open(
            &key,
            &self.header.nonce,
            &self.header.to_bytes(),
            &self.sealed,
        )?;
        Ok(SharePoint::new(self.header.index, value))
    }

    /// The public header.
    pub fn header(&self) -> &ShareHeader {
        &self.header
    }

    /// The canonical v1 encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(HEADER_LEN + self.sealed.len() + SIGNATURE_LEN + CHECK_LEN);
        out.extend_from_slice(&self.header.to_bytes());
        out.extend_from_slice(&self.sealed);
        out.extend_from_slice(&self.signature);
        let check = Sha256::digest(&out);
        out.extend_from_slice(&check[..CHECK_LEN]);
        out
    }

    /// Decodes a share strictly: exact length, matching check, canonical fields, KDF under caps.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FormatError> {
        if bytes.len() < MAGIC.len() || bytes[..MAGIC.len()] != MAGIC {
            return Err(FormatError::NotAShare);
        }
        let version = *bytes.get(4).ok_or(FormatError::Truncated {
            have: bytes.len(),
            want: OVERHEAD + 1,
        })?;
        if version != VERSION {
            return Err(FormatError::UnknownVersion(version));
        }
        let header: &[u8; HEADER_LEN] = bytes
            .get(..HEADER_LEN)
            .and_then(|h| h.try_into().ok())
            .ok_or(FormatError::Truncated {
                have: bytes.len(),
                want: OVERHEAD + 1,
            })?;
        let secret_len = usize::from(u16::from_be_bytes([header[17], header[18]]));
        let want = OVERHEAD + secret_len;
        if bytes.len() < want {
            return Err(FormatError::Truncated {
                have: bytes.len(),
                want,
            });
        }
        if bytes.len() > want {
            return Err(FormatError::TrailingData(bytes.len() - want));
        }
        // Check the whole share before looking at fields, so that damage reads as damage.
        let (body, check) = bytes.split_at(want - CHECK_LEN);
        if Sha256::digest(body)[..CHECK_LEN] != *check {
            return Err(FormatError::Damaged);
        }
        let header = ShareHeader::parse(header)?;
        let (signed, signature) = body.split_at(body.len() - SIGNATURE_LEN);
        let mut sig = [0u8; SIGNATURE_LEN];
        sig.copy_from_slice(signature);
        let share = EncryptedShare {
            header,
            sealed: signed[HEADER_LEN..].to_vec(),
            signature: sig,
        };
        // Authenticity last: the set id must be the key's, and the key must have signed.
        if share.header.set_id != SetId::of_public_key(&share.header.set_key)
            || !crypto::verify_signature(
                &share.header.set_key,
                &share.signed_message(),
                &share.signature,
            )
        {
            return Err(FormatError::NotAuthentic);
        }
        Ok(share)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zeroize::Zeroizing;

    fn sample(kdf: Kdf) -> (EncryptedShare, Passphrase) {
        let pass = Passphrase::new("pass");
        let key = SetKey::from_seed(&[7; 32]).unwrap();
        let header = ShareHeader {
            set_id: SetId::of_public_key(&key.public_key()),
            index: ShareIndex::new(2).unwrap(),
            threshold: Threshold::new(2).unwrap(),
            count: ShareCount::new(3).unwrap(),
            kind: SecretKind::Raw,
            secret_len: 3,
            kdf,
            salt: if kdf == Kdf::None { [0; 16] } else { [9; 16] },
            nonce: [8; 24],
            set_key: key.public_key(),
            commitment: [1; 16],
        };
        let mut value = vec![10, 20, 30];
        value.extend_from_slice(&[40; 32]);
        let point = SharePoint::new(header.index, Zeroizing::new(value));
        (
            EncryptedShare::seal(header, &point, &pass, &key).unwrap(),
            pass,
        )
    }

    fn argon() -> Kdf {
        Kdf::Argon2id(Argon2Params::new(64, 1, 1).unwrap())
    }

    #[test]
    fn round_trip() {
        for kdf in [Kdf::None, argon()] {
            let (share, pass) = sample(kdf);
            let bytes = share.to_bytes();
            assert_eq!(bytes.len(), OVERHEAD + 3);
            let back = EncryptedShare::from_bytes(&bytes).unwrap();
            assert_eq!(back, share);
            assert_eq!(&back.open(&pass).unwrap().value()[..3], &[10, 20, 30]);
        }
    }

    #[test]
    fn every_truncation_and_extension_is_refused() {
        let bytes = sample(argon()).0.to_bytes();
        for len in 0..bytes.len() {
            assert!(EncryptedShare::from_bytes(&bytes[..len]).is_err(), "{len}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            EncryptedShare::from_bytes(&longer),
            Err(FormatError::TrailingData(1))
        );
    }

    #[test]
    fn every_bit_flip_is_refused() {
        let bytes = sample(argon()).0.to_bytes();
        for i in 0..bytes.len() * 8 {
            let mut b = bytes.clone();
            b[i / 8] ^= 1 << (i % 8);
            assert!(EncryptedShare::from_bytes(&b).is_err(), "bit {i}");
        }
    }

    /// Re-encodes a header with a field changed and a fresh check, as a hostile tool would.
    fn forge(mutate: impl Fn(&mut Vec<u8>)) -> Result<EncryptedShare, FormatError> {
        let mut b = sample(argon()).0.to_bytes();
        b.truncate(b.len() - CHECK_LEN);
        mutate(&mut b);
        let check = Sha256::digest(&b);
        b.extend_from_slice(&check[..CHECK_LEN]);
        EncryptedShare::from_bytes(&b)
    }

    #[test]
    fn hostile_fields_get_their_own_verdicts() {
        assert_eq!(
            forge(|b| b[4] = 2).unwrap_err(),
            FormatError::UnknownVersion(2)
        );
        assert!(matches!(forge(|b| b[13] = 0), Err(FormatError::Invalid(_))));
        // An index above N is a share added after the split: valid, so the signature decides.
        assert_eq!(forge(|b| b[13] = 4).unwrap_err(), FormatError::NotAuthentic);
        assert!(matches!(forge(|b| b[14] = 4), Err(FormatError::Invalid(_))));
        assert!(matches!(forge(|b| b[16] = 9), Err(FormatError::Invalid(_))));
        assert!(matches!(forge(|b| b[19] = 7), Err(FormatError::Invalid(_))));
        assert!(matches!(
            forge(|b| b[20..24].copy_from_slice(&u32::MAX.to_be_bytes())),
            Err(FormatError::TooExpensive(_))
        ));
        assert!(matches!(
            forge(|b| b[24] = 200),
            Err(FormatError::TooExpensive(_))
        ));
        assert!(matches!(forge(|b| b[25] = 0), Err(FormatError::Invalid(_))));
        // Any change that passes the field checks is caught by the signature.
        assert_eq!(
            forge(|b| b[120] ^= 1).unwrap_err(),
            FormatError::NotAuthentic
        );
        assert_eq!(
            forge(|b| b[99] ^= 1).unwrap_err(),
            FormatError::NotAuthentic
        );
        assert_eq!(forge(|b| b[5] ^= 1).unwrap_err(), FormatError::NotAuthentic);
        assert_eq!(forge(|b| b[14] = 3).unwrap_err(), FormatError::NotAuthentic);
        assert_eq!(
            EncryptedShare::from_bytes(b"XSHR\x01"),
            Err(FormatError::NotAShare)
        );
    }

    #[test]
    fn wrong_passphrase_is_an_authentication_error() {
        let (share, _) = sample(argon());
        assert_eq!(
            share.open(&Passphrase::new("nope")).err(),
            Some(CryptoError::Authentication)
        );
    }

    #[test]
    fn set_id_display() {
        let id = SetId::from_bytes([0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f, 0x7a, 0x8b]);
        assert_eq!(id.to_string(), "1A2B-3C4D-5E6F-7A8B");
    }
}
