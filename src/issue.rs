//! Issuing shares, for `split` and `reissue`: seal points into signed shares, write them and
//! the signed manifest into a staged folder, read every file back and check it, and only then
//! let the folder appear under its name.

use std::path::{Path, PathBuf};

use crate::armor::{self, Label};
use crate::crypto::{self, Kdf, NONCE_LEN, SALT_LEN, SetKey};
use crate::error::Error;
use crate::format::{EncryptedShare, ShareHeader};
use crate::input;
use crate::manifest::{self, ShareRecord};
use crate::output::{self, PendingFolder};
use crate::passphrase::Passphrase;
use crate::shamir::{self, ShareIndex, SharePoint};
use crate::terminal;

/// A share to make: its point, passphrase, label and file name.
pub struct NewShare<'a> {
    /// The Shamir point (index and value).
    pub point: SharePoint,
    /// The passphrase it is encrypted under.
    pub passphrase: &'a Passphrase,
    /// The custodian label printed on it.
    pub label: Option<Label>,
}

/// A sealed share with its armored text, ready to write.
pub struct Sealed {
    /// The share.
    pub share: EncryptedShare,
    /// Its armored text.
    pub text: String,
    /// Its file name.
    pub file_name: String,
    /// Its label.
    pub label: Option<Label>,
}

/// The file name of share `index` of a set of `count`: `share-2-of-5.txt`, or for a share
/// added after the split, `share-7-added.txt` ("7 of 5" would read like damage).
pub fn file_name(index: ShareIndex, count: u8) -> String {
    if index.get() > count {
        format!("share-{index}-added.txt")
    } else {
        format!("share-{index}-of-{count}.txt")
    }
}

/// "share 2 of 5", or "share 7 (added)" for a share added after the split.
pub fn share_words(index: ShareIndex, count: u8) -> String {
    if index.get() > count {
        format!("share {index} (added)")
    } else {
        format!("share {index} of {count}")
    }
}

/// Progress on stderr, only when a person is watching.
pub fn progress(msg: &str) {
    if terminal::stderr_is_terminal() {
        terminal::stderr_line(msg);
    }
}

fn random<const N: usize>() -> Result<[u8; N], Error> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| Error::Random(e.to_string()))?;
    Ok(b)
}

/// Seals each new share with `template`'s set fields, a fresh salt and nonce, and the set key.
pub fn seal(
    template: &ShareHeader,
    new: &[NewShare<'_>],
    set_key: &SetKey,
) -> Result<Vec<Sealed>, Error> {
    let mut out = Vec::with_capacity(new.len());
    for n in new {
        progress(&format!(
            "Encrypting {}...",
            share_words(n.point.index(), template.count.get())
        ));
        let header = ShareHeader {
            index: n.point.index(),
            salt: if template.kdf == Kdf::None {
                [0; SALT_LEN]
            } else {
                random::<SALT_LEN>()?
            },
            nonce: random::<NONCE_LEN>()?,
            ..template.clone()
        };
        let share =
            EncryptedShare::seal(header, &n.point, n.passphrase, set_key).map_err(Error::Encode)?;
        let text = armor::encode(&share, n.label.as_ref());
        out.push(Sealed {
            file_name: file_name(n.point.index(), template.count.get()),
            text,
            share,
            label: n.label.clone(),
        });
    }
    Ok(out)
}

/// Writes `sealed` and the manifest that `manifest_for` signs into a staged folder, reads
/// every file back, decrypts every share with its passphrase, hands the points to `check`
/// (which must prove they lie on the set's polynomial), runs `before_commit`, and only then
/// renames the folder to `out`. On any failure nothing appears at `out`.
pub fn write_checked(
    out: &Path,
    sealed: &[Sealed],
    passphrases: &[&Passphrase],
    manifest_for: impl FnOnce(Vec<ShareRecord>) -> Result<Vec<u8>, Error>,
    check: impl FnOnce(&[SharePoint]) -> Result<(), Error>,
    before_commit: impl FnOnce() -> Result<(), Error>,
) -> Result<PathBuf, Error> {
    let pending = PendingFolder::create(out)?;
    let mut records = Vec::with_capacity(sealed.len());
    let mut written = Vec::with_capacity(sealed.len());
    for s in sealed {
        written.push(pending.write(&s.file_name, s.text.as_bytes())?);
        records.push(manifest::share_record(
            s.share.header().index,
            s.label.as_ref(),
            &s.share.to_bytes(),
            &[(s.file_name.clone(), s.text.as_bytes())],
        )?);
    }
    let manifest_bytes = manifest_for(records)?;
    let manifest_path = pending.write(manifest::FILE_NAME, &manifest_bytes)?;

    // Read back from disk, decrypt with the passphrase given, and let the caller check.
    let mut points = Vec::with_capacity(sealed.len());
    for (i, (s, path)) in sealed.iter().zip(&written).enumerate() {
        let header = s.share.header();
        progress(&format!(
            "Checking {} from disk...",
            share_words(header.index, header.count.get())
        ));
        let name = &s.file_name;
        let bytes = output::read_back(path, input::MAX_SHARE_FILE)?;
        let back = armor::decode(&bytes).map_err(|e| Error::SelfCheck(format!("{name}: {e}")))?;
        if back.share != s.share || back.label != s.label {
            return Err(Error::SelfCheck(format!(
                "{name} differs from what was written"
            )));
        }
        let pass = passphrases
            .get(i)
            .ok_or_else(|| Error::SelfCheck("passphrase missing".into()))?;
        let point = back
            .share
            .open(pass)
            .map_err(|e| Error::SelfCheck(format!("{name}: {e}")))?;
        points.push(point);
    }
    check(&points)?;
    let bytes = output::read_back(&manifest_path, manifest::MAX_FILE)?;
    let back = manifest::parse(&bytes, manifest::FILE_NAME)
        .map_err(|e| Error::SelfCheck(e.to_string()))?;
    if bytes != manifest_bytes
        || sealed.iter().any(|s| {
            !back.matches(s.share.header()) || back.share(s.share.header().index.get()).is_none()
        })
    {
        return Err(Error::SelfCheck(format!(
            "{} does not match the shares written",
            manifest::FILE_NAME
        )));
    }
    before_commit()?;
    Ok(pending.commit()?)
}

/// Checks that each new point, with T - 1 of `known` points (already on the set's polynomial),
/// rebuilds `dealt`: then it lies on the same polynomial.
pub fn check_new_points(
    new: &[SharePoint],
    known: &[SharePoint],
    threshold: shamir::Threshold,
    dealt: &[u8],
) -> Result<(), Error> {
    let others = usize::from(threshold.get()) - 1;
    for p in new {
        let mut probe: Vec<&SharePoint> = known
            .iter()
            .filter(|k| k.index() != p.index())
            .take(others)
            .collect();
        probe.push(p);
        let rebuilt =
            shamir::combine(&probe, threshold).map_err(|e| Error::SelfCheck(e.to_string()))?;
        if rebuilt.as_slice() != dealt {
            return Err(Error::SelfCheck(format!(
                "new share {} does not rebuild the secret with the others",
                p.index()
            )));
        }
    }
    Ok(())
}

/// The set key for a freshly split set (its seed is split with the secret).
pub fn new_set_key() -> Result<SetKey, Error> {
    SetKey::generate().map_err(|e| match e {
        crypto::CryptoError::Random(reason) => Error::Random(reason),
        other => Error::Encode(crate::format::FormatError::Invalid(other.to_string())),
    })
}
