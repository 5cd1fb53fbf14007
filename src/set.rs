//! From untrusted shares to a validated set, and from a validated set to the secret.
//!
//! [`validate`] is the only way to obtain a [`ShareSet`]: it refuses mixed sets, duplicates,
//! conflicting copies of one index and headers that disagree, before anyone types a passphrase.

use std::collections::BTreeMap;

use zeroize::Zeroizing;

use crate::crypto::{self, CryptoError, Kdf, SEED_LEN, SetKey};
use crate::format::{SetId, ShareHeader};
use crate::input::LoadedShare;
use crate::passphrase::Passphrase;
use crate::secret::{Secret, SecretError, SecretKind};
use crate::shamir::{self, ShamirError, ShareIndex, SharePoint, Threshold};

/// Errors about a group of shares. Each names the shares it is about.
#[derive(Debug, thiserror::Error)]
pub enum SetError {
    /// No shares at all.
    #[error("no shares were given")]
    Empty,
    /// Shares from more than one set.
    #[error("the shares come from {} different sets: {}", .0.len(), groups(.0))]
    Mixed(Vec<(SetId, Vec<String>)>),
    /// The same share given twice.
    #[error("{first} and {second} are the same share")]
    Duplicate {
        /// The first occurrence.
        first: String,
        /// The repeat.
        second: String,
    },
    /// Two different shares claiming the same index of one set.
    #[error(
        "{first} and {second} are both share {index} of set {set} but differ: one is a re-issued copy of the other (or not genuine); give each share only once"
    )]
    Conflict {
        /// One share.
        first: String,
        /// The other.
        second: String,
        /// The index both claim.
        index: ShareIndex,
        /// The set.
        set: SetId,
    },
    /// A share whose public fields disagree with the others of its set.
    #[error(
        "{share} says {field} is {says} but {other} says {others}: one of them is damaged or not genuine (set {set})"
    )]
    HeaderDisagrees {
        /// The share that differs from the first one given.
        share: String,
        /// The first share given.
        other: String,
        /// Which field.
        field: &'static str,
        /// Its value.
        says: String,
        /// The others' value.
        others: String,
        /// The set.
        set: SetId,
    },
    /// Fewer than T shares.
    #[error("set {set} needs {need} shares to rebuild the secret, but only {have} {} given: {}", if *.have == 1 { "was" } else { "were" }, .given.join(", "))]
    TooFew {
        /// The set.
        set: SetId,
        /// Shares given.
        have: usize,
        /// Threshold.
        need: u8,
        /// The shares given, described.
        given: Vec<String>,
    },
    /// Wrong passphrase for a share.
    #[error("{share}: the passphrase is wrong")]
    WrongPassphrase {
        /// The share.
        share: String,
    },
    /// A share without a passphrase whose tag does not verify: it was altered.
    #[error(
        "{share}: it was altered (it has no passphrase, and its authentication tag does not match)"
    )]
    Altered {
        /// The share.
        share: String,
    },
    /// Key derivation failed for a share.
    #[error("{share}: {source}")]
    Kdf {
        /// The share.
        share: String,
        /// Why.
        source: CryptoError,
    },
    /// Shares that do not lie on one polynomial with the rest.
    #[error("{} does not agree with the other shares: it is damaged or not genuine", .shares.join(", "))]
    Inconsistent {
        /// The odd shares, described.
        shares: Vec<String>,
        /// Their indices.
        indices: Vec<ShareIndex>,
    },
    /// Disagreement that cannot be pinned on one share.
    #[error(
        "the shares do not agree with each other, and with only {have} shares of a {need}-of-N set coldshard cannot tell which one is wrong"
    )]
    Ambiguous {
        /// Shares given.
        have: usize,
        /// Threshold.
        need: u8,
    },
    /// The rebuilt secret does not match the set's key or commitment.
    #[error(
        "the rebuilt secret does not match the record every share carries (set key and commitment): a share is damaged or not genuine"
    )]
    RecordMismatch,
    /// The rebuilt secret is not valid for its kind (BIP39 checksum).
    #[error("{0}")]
    BadSecret(SecretError),
    /// Anything else Shamir refused.
    #[error("{0}")]
    Shamir(ShamirError),
}

fn groups(g: &[(SetId, Vec<String>)]) -> String {
    g.iter()
        .map(|(id, names)| format!("set {id}: {}", names.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Shares that passed [`validate`]: one set, distinct indices, agreeing headers.
#[derive(Debug)]
pub struct ShareSet {
    shares: Vec<LoadedShare>,
    /// The header fields all shares agree on (those of the first share).
    header: ShareHeader,
}

/// Refuses duplicate shares (the same bytes given twice), whatever their set.
pub fn refuse_duplicates(shares: &[LoadedShare]) -> Result<(), SetError> {
    for (i, a) in shares.iter().enumerate() {
        for b in shares.iter().skip(i + 1) {
            if a.share() == b.share() {
                return Err(SetError::Duplicate {
                    first: a.describe(),
                    second: b.describe(),
                });
            }
        }
    }
    Ok(())
}

/// Refuses two different shares of one set with the same index (an original and its
/// re-issued copy, given together).
pub fn refuse_conflicts(shares: &[LoadedShare]) -> Result<(), SetError> {
    for (i, a) in shares.iter().enumerate() {
        let h = a.share().header();
        if let Some(b) = shares.iter().skip(i + 1).find(|b| {
            let g = b.share().header();
            g.set_id == h.set_id && g.index == h.index
        }) {
            return Err(SetError::Conflict {
                first: a.describe(),
                second: b.describe(),
                index: h.index,
                set: h.set_id,
            });
        }
    }
    Ok(())
}

/// The one way from untrusted shares to a [`ShareSet`].
pub fn validate(shares: Vec<LoadedShare>) -> Result<ShareSet, SetError> {
    let first = shares.first().ok_or(SetError::Empty)?;
    let mut by_set: BTreeMap<SetId, Vec<String>> = BTreeMap::new();
    for s in &shares {
        by_set
            .entry(s.share().header().set_id)
            .or_default()
            .push(s.describe());
    }
    if by_set.len() > 1 {
        return Err(SetError::Mixed(by_set.into_iter().collect()));
    }
    refuse_duplicates(&shares)?;
    let reference = first.share().header();
    for a in &shares {
        let h = a.share().header();
        let disagree = |field: &'static str, says: String, others: String| {
            Err(SetError::HeaderDisagrees {
                share: a.describe(),
                other: first.describe(),
                field,
                says,
                others,
                set: h.set_id,
            })
        };
        if h.threshold != reference.threshold {
            return disagree(
                "the threshold",
                h.threshold.get().to_string(),
                reference.threshold.get().to_string(),
            );
        }
        if h.count != reference.count {
            return disagree(
                "the share count",
                h.count.get().to_string(),
                reference.count.get().to_string(),
            );
        }
        if h.set_key != reference.set_key || h.commitment != reference.commitment {
            return disagree(
                "the set key or commitment",
                "one value".into(),
                "another".into(),
            );
        }
        if h.kind != reference.kind || h.secret_len != reference.secret_len {
            return disagree(
                "the secret",
                h.kind.describe(usize::from(h.secret_len)),
                reference.kind.describe(usize::from(reference.secret_len)),
            );
        }
    }
    refuse_conflicts(&shares)?;
    let header = reference.clone();
    Ok(ShareSet { shares, header })
}

impl ShareSet {
    /// The shares, in the order given.
    pub fn shares(&self) -> &[LoadedShare] {
        &self.shares
    }

    /// The set id.
    pub fn set_id(&self) -> SetId {
        self.header.set_id
    }

    /// The threshold T.
    pub fn threshold(&self) -> Threshold {
        self.header.threshold
    }

    /// The public fields all shares agree on (those of the first share given).
    pub fn header(&self) -> &ShareHeader {
        &self.header
    }

    /// The kind of secret.
    pub fn kind(&self) -> SecretKind {
        self.header.kind
    }

    /// Refuses a set with fewer than T shares, before any passphrase is asked.
    pub fn require_threshold(&self) -> Result<(), SetError> {
        let need = self.threshold().get();
        if self.shares.len() < usize::from(need) {
            return Err(SetError::TooFew {
                set: self.set_id(),
                have: self.shares.len(),
                need,
                given: self.shares.iter().map(LoadedShare::describe).collect(),
            });
        }
        Ok(())
    }

    /// Rebuilds and checks the secret from decrypted points (any order; more than T allowed).
    pub fn recover(&self, points: &[SharePoint]) -> Result<Secret, SetError> {
        self.recover_with_key(points).map(|(secret, _)| secret)
    }

    /// As [`ShareSet::recover`], also giving the set key rebuilt with it (to sign re-issued shares).
    pub fn recover_with_key(&self, points: &[SharePoint]) -> Result<(Secret, SetKey), SetError> {
        let name = |x: ShareIndex| {
            self.shares
                .iter()
                .find(|s| s.share().header().index == x)
                .map(LoadedShare::describe)
                .unwrap_or_else(|| format!("share {x}"))
        };
        let payload = shamir::recover(points, self.threshold()).map_err(|e| match e {
            ShamirError::Inconsistent(odd) => SetError::Inconsistent {
                shares: odd.iter().copied().map(name).collect(),
                indices: odd,
            },
            ShamirError::Ambiguous => SetError::Ambiguous {
                have: points.len(),
                need: self.threshold().get(),
            },
            ShamirError::TooFew { have, need } => SetError::TooFew {
                set: self.set_id(),
                have,
                need,
                given: self.shares.iter().map(LoadedShare::describe).collect(),
            },
            other => SetError::Shamir(other),
        })?;
        // The rebuilt value is the secret payload followed by the set seed: the seed must give
        // back the set's public key, and the commitment must match the payload.
        let split = payload
            .len()
            .checked_sub(SEED_LEN)
            .ok_or(SetError::RecordMismatch)?;
        let (secret, seed) = payload.split_at(split);
        let key = SetKey::from_seed(seed).ok_or(SetError::RecordMismatch)?;
        if key.public_key() != self.header.set_key
            || crypto::commitment(seed, self.kind().code(), secret) != self.header.commitment
        {
            return Err(SetError::RecordMismatch);
        }
        let secret = Secret::from_payload(self.kind(), Zeroizing::new(secret.to_vec()))
            .map_err(SetError::BadSecret)?;
        Ok((secret, key))
    }
}

/// What is split: the secret payload followed by the set seed.
pub fn dealt_value(secret: &Secret, set_key: &SetKey) -> Zeroizing<Vec<u8>> {
    let mut dealt = Zeroizing::new(Vec::with_capacity(secret.payload().len() + SEED_LEN));
    dealt.extend_from_slice(secret.payload());
    dealt.extend_from_slice(set_key.seed());
    dealt
}

/// Decrypts one share; a failed tag is reported as a wrong passphrase naming the share.
pub fn unlock_one(share: &LoadedShare, passphrase: &Passphrase) -> Result<SharePoint, SetError> {
    share.share().open(passphrase).map_err(|e| match e {
        CryptoError::Authentication if share.share().header().kdf == Kdf::None => {
            SetError::Altered {
                share: share.describe(),
            }
        }
        CryptoError::Authentication => SetError::WrongPassphrase {
            share: share.describe(),
        },
        other => SetError::Kdf {
            share: share.describe(),
            source: other,
        },
    })
}
