//! The set manifest: a public record of a set, signed by the set key (docs/FORMAT.md section 9).
//!
//! The file is `{"manifest": BODY, "signature": HEX}`. The signature is Ed25519 by the set key
//! over `"coldshard manifest v1\0"` followed by BODY in canonical form: compact JSON, keys in the
//! documented order, strings escaped only where JSON requires. [`read`] is the only way to a
//! [`Manifest`], and it checks the signature under the key the manifest names, whose set id
//! must match.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::armor::{self, Label};
use crate::crypto::{self, Argon2Params, COMMITMENT_LEN, Kdf, PUBLIC_KEY_LEN, SetKey};
use crate::format::{SetId, ShareHeader};
use crate::shamir::ShareIndex;

/// The `format` value of every manifest.
pub const FORMAT_NAME: &str = "coldshard-manifest";
/// The manifest version this build writes and reads.
pub const VERSION: u8 = 1;
/// The file name `split` writes.
pub const FILE_NAME: &str = "manifest.json";
/// The largest manifest file read (255 shares with several files each fit easily).
pub const MAX_FILE: u64 = 1024 * 1024;
const SIGNING_CONTEXT: &[u8] = b"coldshard manifest v1\0";

/// Why a manifest was refused. Each names the file.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file could not be read.
    #[error("cannot read the manifest '{path}': {reason}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// Not JSON of the documented shape.
    #[error("'{path}' is not a coldshard manifest: {reason}")]
    Malformed {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A manifest version this build does not know.
    #[error(
        "'{path}' is a version {version} manifest, which this coldshard does not know (it reads version 1)"
    )]
    UnknownVersion {
        /// The file.
        path: String,
        /// The version found.
        version: u64,
    },
    /// The signature does not verify, or the set id is not the key's: altered or forged.
    #[error(
        "the manifest '{path}' is not genuine: its signature does not match (it was altered or forged)"
    )]
    NotAuthentic {
        /// The file.
        path: String,
    },
    /// The shares given belong to another set than the manifest.
    #[error(
        "the manifest '{path}' is of set {manifest_set}, but the shares given are of set {share_set}: {shares}"
    )]
    OtherSet {
        /// The file.
        path: String,
        /// The manifest's set.
        manifest_set: String,
        /// The shares' set.
        share_set: SetId,
        /// The shares, described.
        shares: String,
    },
    /// A file listed in the manifest is present beside it but is not what was written.
    #[error("'{file}' (share {index} in the manifest '{path}') {problem}")]
    FileProblem {
        /// The manifest.
        path: String,
        /// The file.
        file: String,
        /// Its share index.
        index: u8,
        /// What is wrong: "differs from the file written", "is not a regular file", ...
        problem: String,
    },
    /// A share of the set that is not the one the manifest records for its index.
    #[error(
        "{share} is not the share the manifest '{path}' records for index {index} (an older copy, or a manifest that is not the latest revision)"
    )]
    NotOnRecord {
        /// The manifest.
        path: String,
        /// The share, described.
        share: String,
        /// Its index.
        index: u8,
    },
    /// The system clock cannot be written as an RFC 3339 time (before 1970 or after 9999).
    #[error("the system clock is not set to a usable date (before 1970 or after 9999)")]
    Clock,
}

/// The manifest's record of the secret: enough to confirm a rebuild, nothing to rebuild it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SecretRecord {
    /// "bip39", "hex" or "raw".
    pub kind: String,
    /// Payload length in bytes.
    pub length: u16,
    /// The commitment every share carries (hex).
    pub commitment: String,
    /// coldshard's 8-digit fingerprint (truncated SHA-256, shown by split and recover).
    pub fingerprint: String,
    /// The BIP32 master key fingerprint for BIP39 secrets made without a BIP39 passphrase.
    #[serde(deserialize_with = "Option::deserialize")]
    pub bip32_fingerprint: Option<String>,
    /// Whether a BIP39 passphrase was given at the split (then the fingerprint is withheld).
    pub bip32_with_passphrase: bool,
}

/// The key derivation every share of the set uses.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct KdfRecord {
    /// "argon2id" or "none".
    pub algorithm: String,
    /// Argon2id memory in KiB (0 for none).
    pub memory_kib: u32,
    /// Argon2id passes (0 for none).
    pub iterations: u8,
    /// Argon2id lanes (0 for none).
    pub lanes: u8,
}

impl KdfRecord {
    /// The record of `kdf`.
    pub fn of(kdf: &Kdf) -> Self {
        match kdf {
            Kdf::None => KdfRecord {
                algorithm: "none".into(),
                memory_kib: 0,
                iterations: 0,
                lanes: 0,
            },
            Kdf::Argon2id(p) => KdfRecord {
                algorithm: "argon2id".into(),
                memory_kib: p.memory_kib(),
                iterations: p.iterations(),
                lanes: p.lanes(),
            },
        }
    }

    fn kdf(&self) -> Option<Kdf> {
        match self.algorithm.as_str() {
            "none" if self.memory_kib == 0 && self.iterations == 0 && self.lanes == 0 => {
                Some(Kdf::None)
            }
            "argon2id" => Argon2Params::new(self.memory_kib, self.iterations, self.lanes)
                .ok()
                .map(Kdf::Argon2id),
            _ => None,
        }
    }
}

/// One file written for a share.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FileRecord {
    /// File name, relative to the manifest's folder.
    pub name: String,
    /// SHA-256 of the file (hex).
    pub sha256: String,
}

/// One share of the set.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ShareRecord {
    /// The share index.
    pub index: u8,
    /// The custodian label, if any.
    #[serde(deserialize_with = "Option::deserialize")]
    pub label: Option<String>,
    /// When this share was made (RFC 3339, UTC).
    pub issued: String,
    /// SHA-256 of the binary share (hex): the same whatever the file holding it looks like.
    pub share_sha256: String,
    /// The files written for it.
    pub files: Vec<FileRecord>,
}

/// The signed part of a manifest. Field order is the canonical order.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Body {
    /// Always [`FORMAT_NAME`].
    pub format: String,
    /// Always [`VERSION`].
    pub version: u64,
    /// The set id, as shares show it.
    pub set_id: String,
    /// The set's Ed25519 public key (hex).
    pub set_public_key: String,
    /// T.
    pub threshold: u8,
    /// N dealt at the split.
    pub count: u8,
    /// When the set was split (RFC 3339, UTC).
    pub created: String,
    /// 1 for the split; each re-issue adds one.
    pub revision: u32,
    /// When this revision was made.
    pub updated: String,
    /// SHA-256 of the manifest file this one replaces (hex), or null for revision 1.
    #[serde(deserialize_with = "Option::deserialize")]
    pub previous_manifest_sha256: Option<String>,
    /// "coldshard 0.1.0".
    pub tool: String,
    /// The record of the secret.
    pub secret: SecretRecord,
    /// The key derivation of the shares.
    pub kdf: KdfRecord,
    /// Every share issued, by index.
    pub shares: Vec<ShareRecord>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignedFile {
    manifest: Body,
    signature: String,
}

/// A manifest whose signature and consistency were checked.
#[derive(Clone, Debug)]
pub struct Manifest {
    body: Body,
    set_id: SetId,
    public_key: [u8; PUBLIC_KEY_LEN],
    commitment: [u8; COMMITMENT_LEN],
    kdf: Kdf,
    /// SHA-256 of the file as read.
    file_sha256: [u8; 32],
}

/// "coldshard X.Y.Z".
pub fn tool_version() -> String {
    format!("coldshard {}", env!("CARGO_PKG_VERSION"))
}

/// The current time, RFC 3339 in UTC to the second.
pub fn now() -> Result<String, ManifestError> {
    // humantime panics before 1970 and fails after 9999: check the clock first.
    let now = std::time::SystemTime::now();
    match now.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) if d.as_secs() < 253_402_300_800 => {
            Ok(humantime::format_rfc3339_seconds(now).to_string())
        }
        _ => Err(ManifestError::Clock),
    }
}

/// SHA-256 as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn canonical(body: &Body) -> Result<Vec<u8>, ManifestError> {
    let mut message = SIGNING_CONTEXT.to_vec();
    let json = serde_json::to_vec(body).map_err(|e| ManifestError::Malformed {
        path: FILE_NAME.into(),
        reason: e.to_string(),
    })?;
    message.extend_from_slice(&json);
    Ok(message)
}

/// The one layout of a manifest file: serde_json's pretty form (two-space indent) and a LF.
fn layout(file: &SignedFile) -> Result<Vec<u8>, ManifestError> {
    let mut out = serde_json::to_vec_pretty(file).map_err(|e| ManifestError::Malformed {
        path: FILE_NAME.into(),
        reason: e.to_string(),
    })?;
    out.push(b'\n');
    Ok(out)
}

impl Body {
    /// A first-revision body for a set whose shares have `header`'s public fields.
    pub fn new(
        header: &ShareHeader,
        secret: SecretRecord,
        shares: Vec<ShareRecord>,
    ) -> Result<Self, ManifestError> {
        let time = now()?;
        Ok(Body {
            format: FORMAT_NAME.into(),
            version: u64::from(VERSION),
            set_id: header.set_id.to_string(),
            set_public_key: hex::encode(header.set_key),
            threshold: header.threshold.get(),
            count: header.count.get(),
            created: time.clone(),
            revision: 1,
            updated: time,
            previous_manifest_sha256: None,
            tool: tool_version(),
            secret,
            kdf: KdfRecord::of(&header.kdf),
            shares,
        })
    }

    /// Signs the body with the set key: the bytes of `manifest.json`.
    pub fn sign(&self, key: &SetKey) -> Result<Vec<u8>, ManifestError> {
        let signature = hex::encode(key.sign(&canonical(self)?));
        layout(&SignedFile {
            manifest: self.clone(),
            signature,
        })
    }
}

/// A share record for one share written now.
pub fn share_record(
    index: ShareIndex,
    label: Option<&Label>,
    share_bytes: &[u8],
    files: &[(String, &[u8])],
) -> Result<ShareRecord, ManifestError> {
    Ok(ShareRecord {
        index: index.get(),
        label: label.map(|l| l.as_str().to_string()),
        issued: now()?,
        share_sha256: sha256_hex(share_bytes),
        files: files
            .iter()
            .map(|(name, bytes)| FileRecord {
                name: name.clone(),
                sha256: sha256_hex(bytes),
            })
            .collect(),
    })
}

fn hex_array<const N: usize>(s: &str) -> Option<[u8; N]> {
    let bytes = hex::decode(s).ok()?;
    // Lower-case only, so that one manifest has one canonical form.
    if s.chars().any(|c| c.is_ascii_uppercase()) {
        return None;
    }
    bytes.try_into().ok()
}

/// Reads and checks a manifest file: shape, version, consistency, then the signature.
pub fn read(path: &Path) -> Result<Manifest, ManifestError> {
    let shown = path.display().to_string();
    let bytes = crate::input::read_limited(&shown, MAX_FILE).map_err(|e| ManifestError::Read {
        path: shown.clone(),
        reason: match e {
            crate::input::InputError::Io { reason, .. } => reason,
            other => other.to_string(),
        },
    })?;
    parse(&bytes, &shown)
}

/// Checks manifest bytes (`shown` names the file in messages).
pub fn parse(bytes: &[u8], shown: &str) -> Result<Manifest, ManifestError> {
    let malformed = |reason: String| ManifestError::Malformed {
        path: shown.to_string(),
        reason,
    };
    // The version first, so that a newer manifest is reported as such, not as malformed.
    let loose: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| malformed(format!("not JSON ({e})")))?;
    if loose["manifest"]["format"] != FORMAT_NAME {
        return Err(malformed(format!(
            "its \"format\" is not \"{FORMAT_NAME}\""
        )));
    }
    match loose["manifest"]["version"].as_u64() {
        Some(v) if v == u64::from(VERSION) => {}
        Some(version) => {
            return Err(ManifestError::UnknownVersion {
                path: shown.to_string(),
                version,
            });
        }
        None => return Err(malformed("it has no version number".into())),
    }
    let file: SignedFile = serde_json::from_slice(bytes).map_err(|e| {
        // serde's message quotes the hostile file: keep it printable.
        let text = e.to_string();
        let what = text.split(" at line ").next().unwrap_or_default();
        malformed(format!(
            "{} (line {}, column {})",
            armor::printable(what),
            e.line(),
            e.column()
        ))
    })?;
    let body = &file.manifest;
    let public_key: [u8; PUBLIC_KEY_LEN] = hex_array(&body.set_public_key)
        .ok_or_else(|| malformed("\"set_public_key\" is not 64 lower-case hex digits".into()))?;
    let commitment: [u8; COMMITMENT_LEN] = hex_array(&body.secret.commitment)
        .ok_or_else(|| malformed("\"commitment\" is not 32 lower-case hex digits".into()))?;
    let signature: [u8; crypto::SIGNATURE_LEN] = hex_array(&file.signature)
        .ok_or_else(|| malformed("\"signature\" is not 128 lower-case hex digits".into()))?;
    let kdf = check_fields(body).map_err(malformed)?;
    let set_id = SetId::of_public_key(&public_key);
    if body.set_id != set_id.to_string()
        || !crypto::verify_signature(&public_key, &canonical(body)?, &signature)
    {
        return Err(ManifestError::NotAuthentic {
            path: shown.to_string(),
        });
    }
    // Genuine: now it must also be laid out exactly as written, so that one manifest has one
    // SHA-256 (the paper record, drill reports and the next revision refer to it by hash).
    if layout(&file)? != bytes {
        return Err(malformed(
            "its content is genuine but it was re-formatted (whitespace, key order or escapes differ from what coldshard wrote); use an unchanged copy".into(),
        ));
    }
    Ok(Manifest {
        body: file.manifest,
        set_id,
        public_key,
        commitment,
        kdf,
        file_sha256: Sha256::digest(bytes).into(),
    })
}

fn is_time(s: &str) -> bool {
    s.len() == 20 && s.ends_with('Z') && humantime::parse_rfc3339(s).is_ok()
}

fn is_hex(s: &str, digits: usize, upper: bool) -> bool {
    let letters = if upper { 'A'..='F' } else { 'a'..='f' };
    s.len() == digits
        && s.chars()
            .all(|c| c.is_ascii_digit() || letters.contains(&c))
}

/// Rules a genuine manifest always meets (checked before the signature, reported as
/// malformed). Returns the set's key derivation.
fn check_fields(body: &Body) -> Result<Kdf, String> {
    if body.threshold == 0 || body.count == 0 || body.threshold > body.count {
        return Err("its threshold and share count are impossible".into());
    }
    if body.revision == 0 || (body.revision == 1) != body.previous_manifest_sha256.is_none() {
        return Err("its revision and previous manifest do not fit together".into());
    }
    if body
        .previous_manifest_sha256
        .as_deref()
        .is_some_and(|h| !is_hex(h, 64, false))
    {
        return Err("\"previous_manifest_sha256\" is not 64 lower-case hex digits".into());
    }
    if !is_time(&body.created) || !is_time(&body.updated) {
        return Err("a time is not of the form 2026-11-24T19:03:04Z".into());
    }
    let secret = &body.secret;
    let kind = crate::secret::SecretKind::from_name(&secret.kind)
        .filter(|k| k.valid_len(usize::from(secret.length)))
        .ok_or("its secret kind or length is not allowed")?;
    if !is_hex(&secret.fingerprint, 8, true) {
        return Err("\"fingerprint\" is not 8 upper-case hex digits".into());
    }
    // Withheld when a BIP39 passphrase was used: with the mnemonic it would let anyone
    // test guesses of that passphrase.
    let bip32_expected = kind == crate::secret::SecretKind::Bip39 && !secret.bip32_with_passphrase;
    match &secret.bip32_fingerprint {
        Some(f) if bip32_expected && is_hex(f, 8, false) => {}
        None if !bip32_expected => {}
        _ => return Err("\"bip32_fingerprint\" does not fit the secret".into()),
    }
    let kdf = body
        .kdf
        .kdf()
        .ok_or("its key derivation parameters are not allowed")?;
    let mut seen = [false; 256];
    for s in &body.shares {
        let slot = seen
            .get_mut(usize::from(s.index))
            .ok_or("a share index is out of range")?;
        if s.index == 0 || std::mem::replace(slot, true) {
            return Err(format!("share index {} is 0 or listed twice", s.index));
        }
        if let Some(l) = &s.label {
            Label::new(l).map_err(|e| format!("the label of share {}: {e}", s.index))?;
        }
        if !is_time(&s.issued) {
            return Err(format!("the issue time of share {} is not a time", s.index));
        }
        if !is_hex(&s.share_sha256, 64, false)
            || s.files.iter().any(|f| !is_hex(&f.sha256, 64, false))
        {
            return Err(format!(
                "a SHA-256 of share {} is not 64 lower-case hex digits",
                s.index
            ));
        }
        let plain = |n: &str| {
            !n.is_empty()
                && !n.starts_with('.')
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        };
        if !s.files.iter().all(|f| plain(&f.name)) {
            return Err(format!(
                "a file name of share {} is not a plain name",
                s.index
            ));
        }
    }
    Ok(kdf)
}

impl Manifest {
    /// The signed body.
    pub fn body(&self) -> &Body {
        &self.body
    }

    /// The set id.
    pub fn set_id(&self) -> SetId {
        self.set_id
    }

    /// SHA-256 of the manifest file as read (hex).
    pub fn file_sha256(&self) -> String {
        hex::encode(self.file_sha256)
    }

    /// The record of share `index`, if it was ever issued.
    pub fn share(&self, index: u8) -> Option<&ShareRecord> {
        self.body.shares.iter().find(|s| s.index == index)
    }

    /// The key derivation of the set.
    pub fn kdf(&self) -> Kdf {
        self.kdf
    }

    /// Refuses a share of this set that is not the one on record for its index; `shown`
    /// names the manifest file.
    pub fn require_on_record(
        &self,
        share: &crate::input::LoadedShare,
        shown: &str,
    ) -> Result<(), ManifestError> {
        let index = share.share().header().index.get();
        match self.share(index) {
            Some(r) if r.share_sha256 == sha256_hex(&share.share().to_bytes()) => Ok(()),
            _ => Err(ManifestError::NotOnRecord {
                path: shown.to_string(),
                share: share.describe(),
                index,
            }),
        }
    }

    /// Whether a share's public fields are those of this manifest's set.
    pub fn matches(&self, header: &ShareHeader) -> bool {
        header.set_id == self.set_id
            && header.set_key == self.public_key
            && header.commitment == self.commitment
            && header.threshold.get() == self.body.threshold
            && header.count.get() == self.body.count
            && header.kind.name() == self.body.secret.kind
            && header.secret_len == self.body.secret.length
    }

    /// The next revision: entries for `replaced` shares swapped or added, signed by `key`.
    pub fn next_revision(
        &self,
        new_shares: Vec<ShareRecord>,
        key: &SetKey,
    ) -> Result<Vec<u8>, ManifestError> {
        let mut body = self.body.clone();
        for record in new_shares {
            body.shares.retain(|s| s.index != record.index);
            body.shares.push(record);
        }
        body.shares.sort_by_key(|s| s.index);
        body.revision = body.revision.saturating_add(1);
        body.updated = now()?;
        body.previous_manifest_sha256 = Some(self.file_sha256());
        body.tool = tool_version();
        body.sign(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::SecretKind;
    use crate::shamir::{ShareCount, Threshold};

    fn sample() -> (SetKey, ShareHeader, Vec<u8>) {
        let key = SetKey::from_seed(&[3; 32]).unwrap();
        let header = ShareHeader {
            set_id: SetId::of_public_key(&key.public_key()),
            index: ShareIndex::new(1).unwrap(),
            threshold: Threshold::new(2).unwrap(),
            count: ShareCount::new(3).unwrap(),
            kind: SecretKind::Hex,
            secret_len: 16,
            kdf: Kdf::None,
            salt: [0; 16],
            nonce: [0; 24],
            set_key: key.public_key(),
            commitment: [5; 16],
        };
        let shares = (1..=3)
            .map(|i| {
                share_record(
                    ShareIndex::new(i).unwrap(),
                    Label::new("alice").ok().as_ref(),
                    &[i],
                    &[(format!("share-{i}-of-3.txt"), &[i, i][..])],
                )
                .unwrap()
            })
            .collect();
        let record = SecretRecord {
            kind: "hex".into(),
            length: 16,
            commitment: hex::encode([5; 16]),
            fingerprint: "0011AABB".into(),
            bip32_fingerprint: None,
            bip32_with_passphrase: false,
        };
        let bytes = Body::new(&header, record, shares)
            .unwrap()
            .sign(&key)
            .unwrap();
        (key, header, bytes)
    }

    #[test]
    fn a_signed_manifest_reads_back_and_matches_its_shares() {
        let (_, header, bytes) = sample();
        let m = parse(&bytes, "m.json").unwrap();
        assert_eq!(m.set_id(), header.set_id);
        assert!(m.matches(&header));
        assert_eq!(m.share(2).unwrap().files[0].name, "share-2-of-3.txt");
        assert_eq!(m.file_sha256(), sha256_hex(&bytes));
    }

    #[test]
    fn any_change_to_the_body_is_not_authentic() {
        let (_, _, bytes) = sample();
        let text = String::from_utf8(bytes).unwrap();
        for (from, to) in [
            ("\"threshold\": 2", "\"threshold\": 1"),
            ("\"alice\"", "\"mallory\""),
            ("share-3-of-3.txt", "share-9-of-3.txt"),
            ("\"length\": 16", "\"length\": 17"),
        ] {
            assert!(text.contains(from), "{from}");
            let changed = text.replacen(from, to, 1);
            assert!(
                matches!(
                    parse(changed.as_bytes(), "m.json"),
                    Err(ManifestError::NotAuthentic { .. })
                ),
                "{from} -> {to}"
            );
        }
        // Re-formatting keeps the signature valid but would change the file's SHA-256, by
        // which records refer to it: refused as malformed, not as a forgery.
        let compact: serde_json::Value = serde_json::from_str(&text).unwrap();
        match parse(compact.to_string().as_bytes(), "m.json") {
            Err(ManifestError::Malformed { reason, .. }) => {
                assert!(reason.contains("re-formatted"))
            }
            other => panic!("{other:?}"),
        }
        let escaped = text.replacen("\"alice\"", "\"\\u0061lice\"", 1);
        assert!(matches!(
            parse(escaped.as_bytes(), "m.json"),
            Err(ManifestError::Malformed { .. })
        ));
        // A missing null member is not the same as null.
        let missing = text.replacen("\"previous_manifest_sha256\": null,", "", 1);
        assert!(matches!(
            parse(missing.as_bytes(), "m.json"),
            Err(ManifestError::Malformed { .. })
        ));
    }

    #[test]
    fn shape_and_version_errors_are_not_reported_as_forgery() {
        let (_, _, bytes) = sample();
        let text = String::from_utf8(bytes).unwrap();
        let newer = text.replacen("\"version\": 1", "\"version\": 2", 1);
        assert!(matches!(
            parse(newer.as_bytes(), "m"),
            Err(ManifestError::UnknownVersion { version: 2, .. })
        ));
        let extra = text.replacen("\"revision\"", "\"extra\": 1, \"revision\"", 1);
        let hostile = text.replacen("\"revision\"", "\"\\u001b[2J\": 1, \"revision\"", 1);
        match parse(hostile.as_bytes(), "m") {
            Err(e @ ManifestError::Malformed { .. }) => {
                assert!(!e.to_string().contains('\u{1b}'), "{e}")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse(extra.as_bytes(), "m"),
            Err(ManifestError::Malformed { .. })
        ));
        assert!(matches!(
            parse(b"{", "m"),
            Err(ManifestError::Malformed { .. })
        ));
    }

    #[test]
    fn next_revision_replaces_and_adds_entries_and_links_the_previous_file() {
        let (key, _, bytes) = sample();
        let m = parse(&bytes, "m").unwrap();
        let new = vec![
            share_record(ShareIndex::new(2).unwrap(), None, &[9], &[]).unwrap(),
            share_record(ShareIndex::new(4).unwrap(), None, &[8], &[]).unwrap(),
        ];
        let next = parse(&m.next_revision(new, &key).unwrap(), "m2").unwrap();
        assert_eq!(next.body().revision, 2);
        assert_eq!(
            next.body().previous_manifest_sha256.as_deref(),
            Some(sha256_hex(&bytes).as_str())
        );
        let indices: Vec<u8> = next.body().shares.iter().map(|s| s.index).collect();
        assert_eq!(indices, [1, 2, 3, 4]);
        assert_eq!(next.share(2).unwrap().share_sha256, sha256_hex(&[9]));
    }
}
