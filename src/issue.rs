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
use crate::parallel::{self, KdfThreads};
use crate::passphrase::Passphrase;
use crate::progress::Progress;
use crate::qr::{Ecc, QrMatrix};
use crate::shamir::{self, ShareIndex, SharePoint};
use crate::sheet::{self, Paper, SheetContent};

/// A share to make: its point, passphrase, label and file name.
pub struct NewShare<'a> {
    /// The Shamir point (index and value).
    pub point: SharePoint,
    /// The passphrase it is encrypted under.
    pub passphrase: &'a Passphrase,
    /// The custodian label printed on it.
    pub label: Option<Label>,
}

/// How the files of a share are drawn.
#[derive(Clone, Copy, Debug)]
pub struct Artifacts {
    /// Error correction level of the QR codes.
    pub ecc: Ecc,
    /// Paper size of the printable sheets.
    pub paper: Paper,
}

/// The files written for each share, in this order: text armor, QR code as PNG and as SVG,
/// printable sheet.
pub const EXTENSIONS: [&str; 4] = ["txt", "png", "svg", "pdf"];

/// Pixels per QR module in the PNG (a version 27 code is then about 1 000 pixels wide).
pub const PNG_SCALE: usize = 8;
/// Width of the SVG QR code, in millimetres.
pub const SVG_MM: u32 = 60;

/// A sealed share with every file written for it, ready to write.
pub struct Sealed {
    /// The share.
    pub share: EncryptedShare,
    /// Its compact form, which its QR codes carry.
    pub compact: String,
    /// Its label.
    pub label: Option<Label>,
    /// File names and contents, in the order of [`EXTENSIONS`].
    pub files: Vec<(String, Vec<u8>)>,
}

impl Sealed {
    /// The name of its text file.
    pub fn text_file(&self) -> &str {
        self.files
            .first()
            .map(|(n, _)| n.as_str())
            .unwrap_or_default()
    }
}

/// The base file name of share `index` of a set of `count`: `share-2-of-5`, or for a share
/// added after the split, `share-7-added` ("7 of 5" would read like damage).
pub fn base_name(index: ShareIndex, count: u8) -> String {
    if index.get() > count {
        format!("share-{index}-added")
    } else {
        format!("share-{index}-of-{count}")
    }
}

/// The text file name of a share: `share-2-of-5.txt`.
pub fn file_name(index: ShareIndex, count: u8) -> String {
    format!("{}.txt", base_name(index, count))
}

/// "share 2 of 5", or "share 7 (added)" for a share added after the split.
pub fn share_words(index: ShareIndex, count: u8) -> String {
    if index.get() > count {
        format!("share {index} (added)")
    } else {
        format!("share {index} of {count}")
    }
}

/// The Argon2 memory of one derivation under `kdf`, in KiB (0 without a passphrase).
pub fn kdf_memory_kib(kdf: &Kdf) -> u64 {
    match kdf {
        Kdf::None => 0,
        Kdf::Argon2id(p) => u64::from(p.memory_kib()),
    }
}

/// The results of a step that stops at its first failure, in order: all of them, or the
/// first failure. A step stopped early leaves only items after its failure without a result.
fn all_or_first_error<T>(results: Vec<Option<Result<T, Error>>>) -> Result<Vec<T>, Error> {
    let mut out = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Some(Ok(value)) => out.push(value),
            Some(Err(e)) => return Err(e),
            None => {
                return Err(Error::SelfCheck(
                    "a share was left unprocessed without an error".into(),
                ));
            }
        }
    }
    Ok(out)
}

fn random<const N: usize>() -> Result<[u8; N], Error> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| Error::Random(e.to_string()))?;
    Ok(b)
}

/// Seals each new share with `template`'s set fields, a fresh salt and nonce, and the set key,
/// and draws its files.
///
/// The shares are sealed side by side, as many at once as `threads` and the memory budget
/// allow (see [`crate::parallel`]); the result is in the order of `new`, and the first share
/// (in that order) that fails gives the error.
pub fn seal(
    template: &ShareHeader,
    new: &[NewShare<'_>],
    set_key: &SetKey,
    artifacts: Artifacts,
    threads: KdfThreads,
) -> Result<Vec<Sealed>, Error> {
    let workers = parallel::workers(threads, kdf_memory_kib(&template.kdf), new.len());
    let progress = Progress::bar("Encrypting shares", new.len(), || {
        new.first()
            .map(|n| {
                format!(
                    "Encrypting {}...",
                    share_words(n.point.index(), template.count.get())
                )
            })
            .unwrap_or_default()
    });
    let results = parallel::run(new, workers, &progress, Result::is_err, |n| {
        seal_one(template, n, set_key, artifacts)
    })?;
    let sealed = all_or_first_error(results)?;
    progress.done();
    Ok(sealed)
}

/// Seals one share and draws its files.
fn seal_one(
    template: &ShareHeader,
    n: &NewShare<'_>,
    set_key: &SetKey,
    artifacts: Artifacts,
) -> Result<Sealed, Error> {
    let index = n.point.index();
    let header = ShareHeader {
        index,
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
    let compact = armor::encode_compact(&share);
    let qr = QrMatrix::encode(&compact, artifacts.ecc).map_err(Error::Qr)?;
    let base = base_name(index, template.count.get());
    let text = armor::encode(&share, n.label.as_ref());
    let h = share.header();
    let pdf = sheet::render_pdf(&SheetContent {
        set_id: &h.set_id.to_string(),
        index: index.get(),
        count: h.count.get(),
        threshold: h.threshold.get(),
        label: n.label.as_ref().map(Label::as_str),
        qr: &qr,
        armor: &text,
        paper: artifacts.paper,
    })
    .map_err(Error::Sheet)?;
    let contents = [
        text.into_bytes(),
        qr.to_png(PNG_SCALE).map_err(Error::Qr)?,
        qr.to_svg(SVG_MM).into_bytes(),
        pdf,
    ];
    let files = EXTENSIONS
        .iter()
        .zip(contents)
        .map(|(ext, bytes)| (format!("{base}.{ext}"), bytes))
        .collect();
    Ok(Sealed {
        share,
        compact,
        label: n.label.clone(),
        files,
    })
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
    threads: KdfThreads,
) -> Result<PathBuf, Error> {
    let pending = PendingFolder::create(out)?;
    let mut records = Vec::with_capacity(sealed.len());
    let mut written = Vec::with_capacity(sealed.len());
    for s in sealed {
        let mut paths = Vec::with_capacity(s.files.len());
        for (name, bytes) in &s.files {
            paths.push(pending.write(name, bytes)?);
        }
        written.push(paths);
        let listed: Vec<(String, &[u8])> = s
            .files
            .iter()
            .map(|(n, b)| (n.clone(), b.as_slice()))
            .collect();
        records.push(manifest::share_record(
            s.share.header().index,
            s.label.as_ref(),
            &s.share.to_bytes(),
            &listed,
        )?);
    }
    let manifest_bytes = manifest_for(records)?;
    let manifest_path = pending.write(manifest::FILE_NAME, &manifest_bytes)?;

    // Read every file back from disk: the text must decode to the share and open with the
    // passphrase given; every image must carry exactly the share's compact form. The shares
    // are checked side by side (each decrypts its text); the first failing share in order
    // gives the error.
    let kdf = sealed.first().map_or(Kdf::None, |s| s.share.header().kdf);
    let workers = parallel::workers(threads, kdf_memory_kib(&kdf), sealed.len());
    let progress = Progress::bar("Checking shares from disk", sealed.len(), || {
        sealed
            .first()
            .map(|s| {
                let h = s.share.header();
                format!(
                    "Checking {} from disk...",
                    share_words(h.index, h.count.get())
                )
            })
            .unwrap_or_default()
    });
    let items: Vec<(&Sealed, &Vec<PathBuf>, Option<&&Passphrase>)> = sealed
        .iter()
        .zip(&written)
        .enumerate()
        .map(|(i, (s, paths))| (s, paths, passphrases.get(i)))
        .collect();
    let results = parallel::run(
        &items,
        workers,
        &progress,
        Result::is_err,
        |(s, paths, pass)| read_back_one(s, paths, pass.copied()),
    )?;
    let points = all_or_first_error(results)?;
    progress.done();
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

/// Reads back the files of one sealed share: the text must decode to the share and open with
/// its passphrase; every image must carry exactly the share's compact form. Returns the point.
fn read_back_one(
    s: &Sealed,
    paths: &[PathBuf],
    passphrase: Option<&Passphrase>,
) -> Result<SharePoint, Error> {
    let mut text_point = None;
    for ((name, _), path) in s.files.iter().zip(paths) {
        let bytes = output::read_back(path, input::MAX_IMAGE_FILE)?;
        let fail = |what: String| Error::SelfCheck(format!("{name}: {what}"));
        if name.ends_with(".txt") {
            let back = armor::decode(&bytes).map_err(|e| fail(e.to_string()))?;
            if back.share != s.share || back.label != s.label {
                return Err(fail("differs from what was written".into()));
            }
            let pass = passphrase.ok_or_else(|| Error::SelfCheck("passphrase missing".into()))?;
            text_point = Some(back.share.open(pass).map_err(|e| fail(e.to_string()))?);
        } else if name.ends_with(".png") || name.ends_with(".pdf") {
            let text = if name.ends_with(".png") {
                png_qr_text(&bytes)
            } else {
                sheet::embedded_qr(&bytes)
                    .map_err(|e| e.to_string())
                    .and_then(|img| QrMatrix::read_drawn(&img, 1))
            }
            .map_err(fail)?;
            if text != s.compact {
                return Err(fail("its QR code does not carry the share".into()));
            }
        }
    }
    text_point.ok_or_else(|| Error::SelfCheck("no text file".into()))
}

/// The text of the QR code in a PNG coldshard drew at [`PNG_SCALE`].
fn png_qr_text(png: &[u8]) -> Result<String, String> {
    let gray = image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .map_err(|e| e.to_string())?
        .to_luma8();
    QrMatrix::read_drawn(&gray, PNG_SCALE)
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
