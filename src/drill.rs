//! The recovery drill: a PASS or FAIL verdict for every share presented and for the set,
//! judged against the signed manifest. The secret is rebuilt in memory only, and dropped.
//!
//! The report (docs/CLI.md) holds verdicts, indices and labels: never the secret, a
//! passphrase, or anything decrypted.

use serde::Serialize;

use crate::input::LoadedShare;
use crate::manifest::{self, Manifest};
use crate::set::{self, SetError};
use crate::shamir::SharePoint;

/// The `format` value of every drill report.
pub const REPORT_FORMAT: &str = "coldshard-drill-report";

/// One share argument as the drill sees it.
pub struct Presented {
    /// The argument as given.
    pub arg: String,
    /// The share, if it could be read at all; else why not.
    pub share: Result<LoadedShare, String>,
    /// The verdict so far: `None` while nothing failed.
    pub failure: Option<String>,
    /// The decrypted point, once opened.
    pub point: Option<SharePoint>,
}

impl Presented {
    /// How the report names it: "share 2 of 5 ('file')" or the argument.
    pub fn describe(&self) -> String {
        match &self.share {
            Ok(s) => s.describe(),
            Err(_) => format!("'{}'", self.arg),
        }
    }

    /// Whether it is still in the running (read, no failure).
    pub fn eligible(&self) -> Option<&LoadedShare> {
        match (&self.share, &self.failure) {
            (Ok(s), None) => Some(s),
            _ => None,
        }
    }

    fn fail(&mut self, reason: String) {
        self.failure.get_or_insert(reason);
        self.point = None;
    }
}

/// Checks each readable share against the manifest before any passphrase is asked: its set
/// and record, that the manifest lists its index, that it is the share on record for that
/// index, and that its label line (if any) is the recorded label.
pub fn check_against_manifest(presented: &mut [Presented], manifest: &Manifest) {
    for p in presented.iter_mut() {
        let Ok(share) = &p.share else { continue };
        let header = share.share().header();
        let reason = if header.set_id != manifest.set_id() {
            Some(format!(
                "it is a share of set {}, not of set {} (the manifest's)",
                header.set_id,
                manifest.set_id()
            ))
        } else if !manifest.matches(header) {
            Some("its public fields differ from the manifest's record of the set".to_string())
        } else {
            match manifest.share(header.index.get()) {
                None => Some(format!(
                    "the manifest lists no share {}",
                    header.index.get()
                )),
                Some(record)
                    if record.share_sha256 != manifest::sha256_hex(&share.share().to_bytes()) =>
                {
                    Some(format!(
                        "it is not the share the manifest records for index {} (an older copy replaced by a re-issue?)",
                        header.index.get()
                    ))
                }
                Some(record) => match (&share.armored.label, &record.label) {
                    (Some(on_sheet), recorded)
                        if Some(on_sheet.as_str()) != recorded.as_deref() =>
                    {
                        Some(format!(
                            "its label line says '{on_sheet}' but the manifest records {}",
                            recorded
                                .as_deref()
                                .map(|l| format!("'{l}'"))
                                .unwrap_or_else(|| "no label".into())
                        ))
                    }
                    _ => None,
                },
            }
        };
        if let Some(reason) = reason {
            p.fail(reason);
        }
    }
}

/// Rebuilds the secret in memory from every opened share and judges it against the record.
/// Returns the set's verdict: `Ok(indices used)` or `Err(reason)`. Shares the rebuild shows to
/// be odd get their own FAIL.
pub fn rebuild(presented: &mut [Presented], manifest: &Manifest) -> Result<Vec<u8>, String> {
    let need = usize::from(manifest.body().threshold);
    loop {
        let opened: Vec<usize> = presented
            .iter()
            .enumerate()
            .filter(|(_, p)| p.failure.is_none() && p.point.is_some())
            .map(|(i, _)| i)
            .collect();
        if opened.len() < need {
            return Err(format!(
                "only {} of the shares presented passed their own checks, and {need} are needed to rebuild the secret",
                opened.len()
            ));
        }
        let shares: Vec<LoadedShare> = opened
            .iter()
            .filter_map(|&i| presented.get(i)?.share.as_ref().ok().cloned())
            .collect();
        let points: Vec<SharePoint> = opened
            .iter()
            .filter_map(|&i| {
                let p = presented.get(i)?.point.as_ref()?;
                Some(SharePoint::new(
                    p.index(),
                    zeroize::Zeroizing::new(p.value().to_vec()),
                ))
            })
            .collect();
        let result = set::validate(shares).and_then(|set| set.recover(&points));
        match result {
            // The secret is dropped (and zeroized) here: the drill only needed to know.
            Ok(_secret) => return Ok(points.iter().map(|p| p.index().get()).collect()),
            Err(SetError::Inconsistent { indices, .. }) => {
                for &i in &opened {
                    if let Some(p) = presented.get_mut(i) {
                        let odd = p
                            .point
                            .as_ref()
                            .is_some_and(|pt| indices.contains(&pt.index()));
                        if odd {
                            p.fail(
                                "it does not agree with the other shares: it is damaged or not genuine"
                                    .into(),
                            );
                        }
                    }
                }
                // Try again without the odd shares.
            }
            Err(other) => {
                let reason = other.to_string();
                for &i in &opened {
                    if let Some(p) = presented.get_mut(i) {
                        p.fail(format!("not confirmed: {reason}"));
                    }
                }
                return Err(reason);
            }
        }
    }
}

/// One share's line in the report.
#[derive(Serialize)]
pub struct ShareReport {
    /// The argument as given.
    pub file: String,
    /// Its index, if it could be read.
    pub index: Option<u8>,
    /// The label on record in the manifest for that index.
    pub label: Option<String>,
    /// "PASS" or "FAIL".
    pub result: &'static str,
    /// Why it failed.
    pub reason: Option<String>,
}

/// The manifest the drill was judged against.
#[derive(Serialize)]
pub struct ManifestRef {
    /// The path as given.
    pub file: String,
    /// SHA-256 of the file.
    pub sha256: String,
    /// Its revision.
    pub revision: u32,
}

/// The drill report (docs/CLI.md).
#[derive(Serialize)]
pub struct Report {
    /// Always [`REPORT_FORMAT`].
    pub format: &'static str,
    /// 1.
    pub version: u8,
    /// When the drill ran (RFC 3339, UTC).
    pub time: String,
    /// "coldshard X.Y.Z".
    pub tool: String,
    /// The set.
    pub set_id: String,
    /// T.
    pub threshold: u8,
    /// N dealt at the split.
    pub count: u8,
    /// The manifest.
    pub manifest: ManifestRef,
    /// Every share presented, in the order given.
    pub shares: Vec<ShareReport>,
    /// Indices of the shares the secret was rebuilt from (empty if it was not).
    pub rebuilt_from: Vec<u8>,
    /// Whether the rebuilt secret matches the record (set key and commitment).
    pub matches_record: bool,
    /// Why the set failed, if it did.
    pub reason: Option<String>,
    /// "PASS" or "FAIL".
    pub result: &'static str,
    /// Whether the set's shares are encrypted (for the wording of the rendering only).
    #[serde(skip)]
    pub encrypted: bool,
}

impl Report {
    /// The report of a finished drill.
    pub fn new(
        manifest: &Manifest,
        manifest_file: &str,
        presented: &[Presented],
        set_verdict: &Result<Vec<u8>, String>,
    ) -> Result<Self, manifest::ManifestError> {
        let shares: Vec<ShareReport> = presented
            .iter()
            .map(|p| {
                let index = p
                    .share
                    .as_ref()
                    .ok()
                    .map(|s| s.share().header().index.get());
                let reason = p
                    .share
                    .as_ref()
                    .err()
                    .cloned()
                    .or_else(|| p.failure.clone());
                ShareReport {
                    file: p.arg.clone(),
                    index,
                    label: index
                        .filter(|_| {
                            p.share
                                .as_ref()
                                .is_ok_and(|s| s.share().header().set_id == manifest.set_id())
                        })
                        .and_then(|i| manifest.share(i))
                        .and_then(|r| r.label.clone()),
                    result: if reason.is_none() { "PASS" } else { "FAIL" },
                    reason,
                }
            })
            .collect();
        let all_pass = shares.iter().all(|s| s.reason.is_none());
        let body = manifest.body();
        Ok(Report {
            format: REPORT_FORMAT,
            version: 1,
            time: manifest::now()?,
            tool: manifest::tool_version(),
            set_id: body.set_id.clone(),
            threshold: body.threshold,
            count: body.count,
            manifest: ManifestRef {
                file: manifest_file.to_string(),
                sha256: manifest.file_sha256(),
                revision: body.revision,
            },
            shares,
            rebuilt_from: set_verdict.as_ref().cloned().unwrap_or_default(),
            matches_record: set_verdict.is_ok(),
            reason: set_verdict.as_ref().err().cloned(),
            result: if all_pass && set_verdict.is_ok() {
                "PASS"
            } else {
                "FAIL"
            },
            encrypted: manifest.kdf() != crate::crypto::Kdf::None,
        })
    }

    /// Whether the drill passed.
    pub fn passed(&self) -> bool {
        self.result == "PASS"
    }

    /// The report file's bytes (pretty JSON and a final newline).
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }

    /// The human-readable rendering, as the drill prints it.
    pub fn render(&self) -> String {
        let mut out = format!(
            "Recovery drill of set {} ({}-of-{}), {} UTC, {}\n\
             Manifest: '{}' (revision {}, SHA-256 {})\n\n",
            self.set_id,
            self.threshold,
            self.count,
            self.time.trim_end_matches('Z').replace('T', " "),
            self.tool,
            self.manifest.file,
            self.manifest.revision,
            self.manifest.sha256,
        );
        for s in &self.shares {
            let who = match (s.index, &s.label) {
                (Some(i), Some(l)) => format!("share {i} ({l}) '{}'", s.file),
                (Some(i), None) => format!("share {i} '{}'", s.file),
                _ => format!("'{}'", s.file),
            };
            let opened = if self.encrypted {
                "passphrase correct"
            } else {
                "not encrypted"
            };
            match &s.reason {
                None if self.matches_record => out.push_str(&format!(
                    "PASS  {who}: genuine, {opened}, agrees with the record\n"
                )),
                None => out.push_str(&format!(
                    "PASS  {who}: genuine, {opened} (no rebuild to compare with)\n"
                )),
                Some(r) => out.push_str(&format!("FAIL  {who}: {r}\n")),
            }
        }
        out.push('\n');
        match &self.reason {
            None => out.push_str(&format!(
                "The secret was rebuilt in memory from shares {} and matches the record (set key and commitment). It was not shown or written.\n",
                self.rebuilt_from
                    .iter()
                    .map(u8::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Some(r) => out.push_str(&format!("The secret was not confirmed: {r}.\n")),
        }
        let passed = self.shares.iter().filter(|s| s.reason.is_none()).count();
        out.push_str(&format!(
            "Result: {} ({passed} of {} shares passed)\n",
            self.result,
            self.shares.len()
        ));
        out
    }
}
