//! The ceremony transcript: a hash-chained, append-only log of ceremony steps
//! (docs/FORMAT.md section 12).
//!
//! A transcript is UTF-8 text, one record per LF-terminated line, each line one compact JSON
//! object in one exact (canonical) form. Every line carries the SHA-256 of the line before it
//! (`prev`; 64 zeros on line 1) and its sequence number (`seq`, from 1), so that altering,
//! removing, inserting or reordering any line but the last is found by [`verify`]. Cutting
//! lines from the end, or rewriting the whole file, is found only by comparing the final hash
//! (the SHA-256 of the last line) with the one written on paper ([`Verified::expect`]).
//!
//! [`append`] adds one line under an exclusive lock, after checking the whole existing chain.
//! Nothing here knows what a secret is: callers must never pass one.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `transcript` value of every line this build writes and reads.
pub const VERSION: u64 = 1;
/// The largest transcript read, in bytes.
pub const MAX_FILE: u64 = 16 * 1024 * 1024;
/// The most lines a transcript may have.
pub const MAX_LINES: usize = 100_000;
/// The longest line read, in bytes without its LF (the longest valid line is about 76 KiB).
pub const MAX_LINE: usize = 128 * 1024;
/// The most artifacts one line may list.
pub const MAX_ARTIFACTS: usize = 64;
/// The longest step identifier, in characters.
pub const MAX_STEP: usize = 64;
/// The longest actor, in characters.
pub const MAX_ACTOR: usize = 200;
/// The longest note, in characters.
pub const MAX_NOTE: usize = 1000;
/// The longest artifact name, in characters.
pub const MAX_NAME: usize = 255;
/// The largest artifact file hashed, in bytes.
pub const MAX_ARTIFACT_FILE: u64 = 256 * 1024 * 1024;
/// The allowed `result` values.
pub const RESULTS: [&str; 5] = ["PASS", "FAIL", "WARN", "INFO", "DONE"];
/// The `prev` of line 1.
pub const ZERO_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Why a transcript could not be read, checked or appended to. Each names the file, and the
/// line where there is one (lines count from 1).
#[derive(Debug, thiserror::Error)]
pub enum TranscriptError {
    /// The file could not be opened or read, or is not a regular file.
    #[error("cannot read the transcript '{path}': {reason}")]
    Unreadable {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The file has no line at all.
    #[error("the transcript '{path}' is empty: there is no line to check")]
    Empty {
        /// The file.
        path: String,
    },
    /// Larger than any transcript this build reads.
    #[error("the transcript '{path}' is too large to check: {what}")]
    TooLarge {
        /// The file.
        path: String,
        /// Which limit, in words.
        what: String,
    },
    /// A line of a transcript version this build does not know.
    #[error(
        "line {line} of '{path}' is a version {version} transcript line, which this coldshard does not know (it reads version 1)"
    )]
    UnknownVersion {
        /// The file.
        path: String,
        /// The line.
        line: usize,
        /// The version found.
        version: u64,
    },
    /// A line that is not exactly a transcript line as coldshard writes it.
    #[error("line {line} of '{path}' is not a valid transcript line: {reason}")]
    Malformed {
        /// The file.
        path: String,
        /// The line.
        line: usize,
        /// What is wrong (untrusted text escaped).
        reason: String,
    },
    /// A line whose sequence number is not its position.
    #[error(
        "line {line} of '{path}' has sequence number {found} where {line} was expected: lines were removed, inserted, reordered or duplicated"
    )]
    Sequence {
        /// The file.
        path: String,
        /// The line.
        line: usize,
        /// The sequence number it carries.
        found: u64,
    },
    /// Line `noticed` records another hash for line `altered` (= `noticed` - 1) than its own.
    #[error(
        "line {altered} of '{path}' was altered, or line {noticed} forged: line {noticed} records a different hash for line {altered}"
    )]
    BrokenChain {
        /// The file.
        path: String,
        /// The line whose hash is not the one recorded after it.
        altered: usize,
        /// The line that recorded the hash.
        noticed: usize,
    },
    /// The chain is intact, but its final hash is not the one expected (written on paper).
    #[error(
        "the final hash of the transcript '{path}' is {found}, not {expected} as expected: {}",
        mismatch_detail(.expected_line, .lines)
    )]
    FinalHashMismatch {
        /// The file.
        path: String,
        /// The hash expected.
        expected: String,
        /// The final hash found.
        found: String,
        /// The line whose hash is the one expected, if any.
        expected_line: Option<usize>,
        /// The number of lines.
        lines: usize,
    },
    /// A value given for a new line that a transcript line cannot hold.
    #[error("{field} {reason}")]
    Field {
        /// The flag or field ("--actor", "the artifact name 'x'").
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// An artifact file that cannot be hashed.
    #[error("cannot hash the artifact '{name}': {reason}")]
    Artifact {
        /// The name (path as given).
        name: String,
        /// Why.
        reason: String,
    },
    /// The new line would take the transcript past the limits of [`verify`].
    #[error("appending to the transcript '{path}' would make it too large to check: {what}")]
    Full {
        /// The file.
        path: String,
        /// Which limit, in words.
        what: String,
    },
    /// Writing the new line failed; the file was left as it was.
    #[error("cannot append to the transcript '{path}': {reason}")]
    Write {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// `append` found the existing transcript not intact and appended nothing.
    #[error("{0}; nothing was appended")]
    NotAppended(Box<TranscriptError>),
}

fn mismatch_detail(expected_line: &Option<usize>, lines: &usize) -> String {
    match expected_line {
        Some(k) => format!(
            "that is the hash of line {k}, so the lines after it (up to line {lines}) were added later"
        ),
        None => {
            "no line of the file has that hash, so lines were cut from its end or it was rewritten"
                .to_string()
        }
    }
}

impl TranscriptError {
    /// The line a check failure is about (for `BrokenChain`, the altered line).
    pub fn line(&self) -> Option<usize> {
        match self {
            TranscriptError::UnknownVersion { line, .. }
            | TranscriptError::Malformed { line, .. }
            | TranscriptError::Sequence { line, .. } => Some(*line),
            TranscriptError::BrokenChain { altered, .. } => Some(*altered),
            TranscriptError::NotAppended(inner) => inner.line(),
            _ => None,
        }
    }
}

/// One file listed on a line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Artifact {
    /// The path as given to `append`.
    pub name: String,
    /// SHA-256 of the file (lower-case hex).
    pub sha256: String,
}

/// One line. Field order is the canonical order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// Always [`VERSION`].
    pub transcript: u64,
    /// The line number: 1, 2, 3, ...
    pub seq: u64,
    /// When the line was appended (RFC 3339, UTC, to the second).
    pub time: String,
    /// The step identifier.
    pub step: String,
    /// Who did the step.
    pub actor: String,
    /// One of [`RESULTS`].
    pub result: String,
    /// Files the step made or checked.
    pub artifacts: Vec<Artifact>,
    /// Free text, possibly empty.
    pub note: String,
    /// SHA-256 of the previous line (lower-case hex), or [`ZERO_HASH`] on line 1.
    pub prev: String,
}

impl Record {
    /// The canonical line, without its LF.
    pub fn to_line(&self) -> String {
        // Serializing plain strings, integers and arrays cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Characters that print as nothing or change how the text around them is shown.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}'
        | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF9}'..='\u{FFFB}'
        | '\u{E0000}'..='\u{E0FFF}')
}

/// Whether `c` may appear in an actor, a note or an artifact name: no control character, no
/// whitespace but the plain space, nothing invisible and no direction override.
pub fn allowed_char(c: char) -> bool {
    !(c.is_control() || (c.is_whitespace() && c != ' ') || invisible(c))
}

/// Checks free text: `min..=max` characters, each [`allowed_char`].
fn check_text(s: &str, min: usize, max: usize) -> Result<(), String> {
    let n = s.chars().count();
    if n < min {
        return Err("is empty".into());
    }
    if n > max {
        return Err(format!("is longer than {max} characters ({n})"));
    }
    if let Some((i, c)) = s.chars().enumerate().find(|(_, c)| !allowed_char(*c)) {
        return Err(format!(
            "holds the character U+{:04X} (character {}): only printable characters and the plain space are allowed",
            u32::from(c),
            i + 1
        ));
    }
    Ok(())
}

/// Checks a step identifier: `[a-z0-9][a-z0-9._-]{0,63}`.
pub fn check_step(s: &str) -> Result<(), String> {
    let first_ok = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !first_ok
        || s.len() > MAX_STEP
        || !s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
    {
        return Err(format!(
            "is not a step identifier: 1 to {MAX_STEP} of a-z 0-9 . _ -, starting with a letter or digit"
        ));
    }
    Ok(())
}

/// Checks a result: one of [`RESULTS`].
pub fn check_result(s: &str) -> Result<(), String> {
    if RESULTS.contains(&s) {
        Ok(())
    } else {
        Err(format!("is not one of {}", RESULTS.join(", ")))
    }
}

/// Checks an actor: 1 to [`MAX_ACTOR`] printable characters.
pub fn check_actor(s: &str) -> Result<(), String> {
    check_text(s, 1, MAX_ACTOR)
}

/// Checks a note: up to [`MAX_NOTE`] printable characters (may be empty).
pub fn check_note(s: &str) -> Result<(), String> {
    check_text(s, 0, MAX_NOTE)
}

/// Checks an artifact name: 1 to [`MAX_NAME`] printable characters.
pub fn check_name(s: &str) -> Result<(), String> {
    check_text(s, 1, MAX_NAME)
}

fn is_hash(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// An RFC 3339 UTC time to the second, in exactly the form `manifest::now()` writes.
fn is_time(s: &str) -> bool {
    s.len() == 20
        && humantime::parse_rfc3339(s)
            .is_ok_and(|t| humantime::format_rfc3339_seconds(t).to_string() == s)
}

/// The rules of every field, as a reason naming the field.
fn check_fields(r: &Record) -> Result<(), String> {
    let field =
        |name: &str, result: Result<(), String>| result.map_err(|e| format!("its {name} {e}"));
    if !is_time(&r.time) {
        return Err("its time is not of the form 2026-11-24T19:03:04Z".into());
    }
    field("step", check_step(&r.step))?;
    field("actor", check_actor(&r.actor))?;
    field("result", check_result(&r.result))?;
    if r.artifacts.len() > MAX_ARTIFACTS {
        return Err(format!("it lists more than {MAX_ARTIFACTS} artifacts"));
    }
    for (i, a) in r.artifacts.iter().enumerate() {
        field(&format!("artifact {} name", i + 1), check_name(&a.name))?;
        if !is_hash(&a.sha256) {
            return Err(format!(
                "the SHA-256 of its artifact {} is not 64 lower-case hex digits",
                i + 1
            ));
        }
    }
    field("note", check_note(&r.note))?;
    if !is_hash(&r.prev) {
        return Err("its prev is not 64 lower-case hex digits".into());
    }
    Ok(())
}

/// A transcript whose every line was checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verified {
    /// SHA-256 of each line, without its LF.
    hashes: Vec<[u8; 32]>,
}

impl Verified {
    /// The number of lines.
    pub fn lines(&self) -> usize {
        self.hashes.len()
    }

    /// The final hash (SHA-256 of the last line, hex), or [`ZERO_HASH`] when there is no line.
    pub fn final_hash(&self) -> String {
        self.hashes
            .last()
            .map(hex::encode)
            .unwrap_or_else(|| ZERO_HASH.to_string())
    }

    /// The SHA-256 of line `k` (from 1), hex.
    pub fn line_hash(&self, k: usize) -> Option<String> {
        self.hashes.get(k.checked_sub(1)?).map(hex::encode)
    }

    /// Requires the final hash to be `expected` (lower-case hex); `shown` names the file.
    pub fn expect(&self, expected: &str, shown: &str) -> Result<(), TranscriptError> {
        let found = self.final_hash();
        if found == expected {
            return Ok(());
        }
        Err(TranscriptError::FinalHashMismatch {
            path: shown.to_string(),
            expected: expected.to_string(),
            expected_line: self
                .hashes
                .iter()
                .position(|h| hex::encode(h) == expected)
                .map(|i| i + 1),
            found,
            lines: self.lines(),
        })
    }
}

/// The number of lines in `bytes`: LF-terminated ones and a last one without LF.
pub fn count_lines(bytes: &[u8]) -> usize {
    let lf = bytes.iter().filter(|&&b| b == b'\n').count();
    lf + usize::from(bytes.last().is_some_and(|&b| b != b'\n'))
}

/// Parses one line (without its LF) into a record in canonical form with valid fields. The
/// error is the reason, or the unknown version.
fn parse_line(text: &str) -> Result<Record, Result<String, u64>> {
    let serde_reason = |e: serde_json::Error| {
        // serde's message may quote the hostile line: keep it printable and short.
        let text = e.to_string();
        let what = text.split(" at line ").next().unwrap_or_default();
        Ok(format!(
            "{} (column {})",
            crate::armor::printable(what),
            e.column()
        ))
    };
    // The version first, so that a newer line is reported as such, not as malformed.
    let loose: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| serde_reason(e).map(|r| format!("it is not JSON: {r}")))?;
    match loose.get("transcript").and_then(serde_json::Value::as_u64) {
        Some(VERSION) => {}
        Some(version) => return Err(Err(version)),
        None => return Err(Ok("it has no \"transcript\" version number".into())),
    }
    let record: Record = serde_json::from_value(loose).map_err(serde_reason)?;
    if record.to_line() != text {
        return Err(Ok(
            "it is not in the one form coldshard writes (whitespace, member order or escapes differ)"
                .into(),
        ));
    }
    check_fields(&record).map_err(Ok)?;
    Ok(record)
}

/// Checks a whole transcript: every line in canonical form with valid fields, sequence
/// numbers 1, 2, 3, ... and each `prev` the SHA-256 of the line before. `shown` names the
/// file in messages. An empty transcript is an error: there is nothing to check.
pub fn verify(bytes: &[u8], shown: &str) -> Result<Verified, TranscriptError> {
    if bytes.len() as u64 > MAX_FILE {
        return Err(TranscriptError::TooLarge {
            path: shown.to_string(),
            what: format!("it is larger than {} MiB", MAX_FILE / (1024 * 1024)),
        });
    }
    if bytes.is_empty() {
        return Err(TranscriptError::Empty {
            path: shown.to_string(),
        });
    }
    // Counted first, so that a hostile file is refused before any line is parsed.
    if count_lines(bytes) > MAX_LINES {
        return Err(TranscriptError::TooLarge {
            path: shown.to_string(),
            what: format!("it has more than {MAX_LINES} lines"),
        });
    }
    let mut verified = Verified::default();
    let mut rest = bytes;
    while !rest.is_empty() {
        let k = verified.lines() + 1;
        let malformed = |reason: String| TranscriptError::Malformed {
            path: shown.to_string(),
            line: k,
            reason,
        };
        let (line, after) = match rest.iter().position(|&b| b == b'\n') {
            Some(end) => (rest.get(..end).unwrap_or_default(), rest.get(end + 1..)),
            None => (rest, None),
        };
        if line.len() > MAX_LINE {
            return Err(malformed(format!("it is longer than {MAX_LINE} bytes")));
        }
        let Some(after) = after else {
            return Err(malformed(
                "it does not end with a line feed (an interrupted append, or a cut or altered file)"
                    .into(),
            ));
        };
        let text = std::str::from_utf8(line).map_err(|_| malformed("it is not UTF-8".into()))?;
        let record = parse_line(text).map_err(|e| match e {
            Ok(reason) => malformed(reason),
            Err(version) => TranscriptError::UnknownVersion {
                path: shown.to_string(),
                line: k,
                version,
            },
        })?;
        if record.seq != k as u64 {
            return Err(TranscriptError::Sequence {
                path: shown.to_string(),
                line: k,
                found: record.seq,
            });
        }
        if record.prev != verified.final_hash() {
            if k == 1 {
                return Err(malformed(
                    "its prev is not 64 zeros, as that of the first line must be".into(),
                ));
            }
            return Err(TranscriptError::BrokenChain {
                path: shown.to_string(),
                altered: k - 1,
                noticed: k,
            });
        }
        verified.hashes.push(Sha256::digest(line).into());
        rest = after;
    }
    Ok(verified)
}

/// What a new line says, checked against the rules of every field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    step: String,
    actor: String,
    result: String,
    artifacts: Vec<Artifact>,
    note: String,
}

impl Entry {
    /// Checks the values given for a new line (`note` may be empty).
    pub fn new(
        step: &str,
        actor: &str,
        result: &str,
        artifacts: Vec<Artifact>,
        note: &str,
    ) -> Result<Self, TranscriptError> {
        let field = |field: &str, r: Result<(), String>| {
            r.map_err(|reason| TranscriptError::Field {
                field: field.to_string(),
                reason,
            })
        };
        field("--step", check_step(step))?;
        field("--actor", check_actor(actor))?;
        field("--result", check_result(result))?;
        field("--note", check_note(note))?;
        if artifacts.len() > MAX_ARTIFACTS {
            return Err(TranscriptError::Field {
                field: "--artifact".into(),
                reason: format!("is given more than {MAX_ARTIFACTS} times"),
            });
        }
        for (i, a) in artifacts.iter().enumerate() {
            field(&format!("--artifact number {}", i + 1), check_name(&a.name))?;
            if !is_hash(&a.sha256) {
                return Err(TranscriptError::Field {
                    field: format!("--artifact number {}", i + 1),
                    reason: "has no SHA-256".into(),
                });
            }
        }
        Ok(Entry {
            step: step.into(),
            actor: actor.into(),
            result: result.into(),
            artifacts,
            note: note.into(),
        })
    }

    /// The record that follows `before` (an empty [`Verified`] for the first line) at `time`.
    pub fn record_after(&self, before: &Verified, time: &str) -> Record {
        Record {
            transcript: VERSION,
            seq: before.lines() as u64 + 1,
            time: time.to_string(),
            step: self.step.clone(),
            actor: self.actor.clone(),
            result: self.result.clone(),
            artifacts: self.artifacts.clone(),
            note: self.note.clone(),
            prev: before.final_hash(),
        }
    }
}

/// A path for messages, with control characters escaped.
pub fn shown(path: &Path) -> String {
    path.display()
        .to_string()
        .chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// `O_NONBLOCK`, so that opening a FIFO put where a file was expected cannot hang; it changes
/// nothing for the regular files that are then required.
fn nonblocking() -> i32 {
    i32::try_from(rustix::fs::OFlags::NONBLOCK.bits()).unwrap_or(0)
}

/// Reads at most `limit` + 1 bytes of an opened file that must be a regular file.
fn read_regular(file: &File, limit: u64) -> std::io::Result<Result<Vec<u8>, String>> {
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Ok(Err("it is not a regular file".into()));
    }
    let mut bytes = Vec::with_capacity(meta.len().min(limit) as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    Ok(Ok(bytes))
}

/// Reads a transcript file (at most [`MAX_FILE`] bytes; a regular file).
pub fn read(path: &Path) -> Result<Vec<u8>, TranscriptError> {
    let unreadable = |reason: String| TranscriptError::Unreadable {
        path: shown(path),
        reason,
    };
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(nonblocking())
        .open(path)
        .map_err(|e| unreadable(e.to_string()))?;
    let bytes = read_regular(&file, MAX_FILE)
        .map_err(|e| unreadable(e.to_string()))?
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(TranscriptError::TooLarge {
            path: shown(path),
            what: format!("it is larger than {} MiB", MAX_FILE / (1024 * 1024)),
        });
    }
    Ok(bytes)
}

/// Hashes an artifact: `name` is the path as given, which must be a regular file of at most
/// [`MAX_ARTIFACT_FILE`] bytes. Links are followed.
pub fn hash_artifact(name: &str) -> Result<Artifact, TranscriptError> {
    check_name(name).map_err(|reason| TranscriptError::Field {
        field: "an --artifact path".into(),
        reason,
    })?;
    let bad = |reason: String| TranscriptError::Artifact {
        name: name.to_string(),
        reason,
    };
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(nonblocking())
        .open(name)
        .map_err(|e| bad(e.to_string()))?;
    let meta = file.metadata().map_err(|e| bad(e.to_string()))?;
    if !meta.file_type().is_file() {
        return Err(bad("it is not a regular file".into()));
    }
    if meta.len() > MAX_ARTIFACT_FILE {
        return Err(bad(format!(
            "it is larger than {} MiB",
            MAX_ARTIFACT_FILE / (1024 * 1024)
        )));
    }
    let mut hasher = Sha256::new();
    let mut reader = file.take(MAX_ARTIFACT_FILE + 1);
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                total += n as u64;
                hasher.update(buf.get(..n).unwrap_or_default());
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(bad(e.to_string())),
        }
    }
    if total > MAX_ARTIFACT_FILE {
        return Err(bad(format!(
            "it is larger than {} MiB",
            MAX_ARTIFACT_FILE / (1024 * 1024)
        )));
    }
    Ok(Artifact {
        name: name.to_string(),
        sha256: hex::encode(hasher.finalize()),
    })
}

/// Appends the line of `entry` at `time` to the transcript at `path`, creating it (mode 0600)
/// if it does not exist. Under an exclusive lock (flock) on the file, the whole existing
/// chain is checked first and nothing is appended to one that is not intact; the line is
/// written with O_APPEND and synced. A new transcript appears only with its first line whole
/// (see [`crate::output::write_new_file`]): killed at any moment, no empty or cut file is
/// left. Returns the new line's SHA-256 (hex): the new final hash.
pub fn append(path: &Path, entry: &Entry, time: &str) -> Result<String, TranscriptError> {
    let write_err = |reason: String| TranscriptError::Write {
        path: shown(path),
        reason,
    };
    if matches!(std::fs::symlink_metadata(path), Err(e) if e.kind() == std::io::ErrorKind::NotFound)
    {
        let (line, hash) = line_after(path, &Verified::default(), 0, entry, time)?;
        match crate::output::write_new_file(path, line.as_bytes()) {
            Ok(()) => return Ok(hash),
            // Another append created it first: this line goes after its line, as below.
            Err(crate::output::OutputError::Exists(_)) => {}
            Err(crate::output::OutputError::Io { reason, .. }) => return Err(write_err(reason)),
            Err(e) => return Err(write_err(e.to_string())),
        }
    }
    let file = OpenOptions::new()
        .read(true)
        .append(true)
        .custom_flags(nonblocking())
        .open(path)
        .map_err(|e| write_err(crate::output::io_reason(&e)))?;
    append_locked(path, &file, entry, time)
}

/// The line (with its LF) of `entry` at `time` after the lines `before` (`old_len` bytes),
/// and its hash; refused if the transcript would pass its limits.
fn line_after(
    path: &Path,
    before: &Verified,
    old_len: usize,
    entry: &Entry,
    time: &str,
) -> Result<(String, String), TranscriptError> {
    let record = entry.record_after(before, time);
    let mut line = record.to_line();
    let hash = crate::manifest::sha256_hex(line.as_bytes());
    line.push('\n');
    let full = |what: String| TranscriptError::Full {
        path: shown(path),
        what,
    };
    if before.lines() + 1 > MAX_LINES {
        return Err(full(format!("it would have more than {MAX_LINES} lines")));
    }
    if line.len() > MAX_LINE || (old_len + line.len()) as u64 > MAX_FILE {
        return Err(full(format!(
            "it would be larger than {} MiB",
            MAX_FILE / (1024 * 1024)
        )));
    }
    Ok((line, hash))
}

fn append_locked(
    path: &Path,
    mut file: &File,
    entry: &Entry,
    time: &str,
) -> Result<String, TranscriptError> {
    let write_err = |reason: String| TranscriptError::Write {
        path: shown(path),
        reason,
    };
    // Another append waits here until this one is done: two appends never see the same last line.
    rustix::fs::flock(file, rustix::fs::FlockOperation::LockExclusive)
        .map_err(|e| write_err(format!("cannot lock it ({e})")))?;
    let unreadable = |reason: String| TranscriptError::Unreadable {
        path: shown(path),
        reason,
    };
    let bytes = read_regular(file, MAX_FILE)
        .map_err(|e| unreadable(e.to_string()))?
        .map_err(unreadable)?;
    let before = if bytes.is_empty() {
        Verified::default()
    } else {
        verify(&bytes, &shown(path)).map_err(|e| TranscriptError::NotAppended(Box::new(e)))?
    };
    let (line, hash) = line_after(path, &before, bytes.len(), entry, time)?;
    let old_len = bytes.len() as u64;
    if let Err(e) = file
        .write_all(line.as_bytes())
        .and_then(|()| file.sync_all())
    {
        // Take back whatever part of the line reached the file.
        let _ = file.set_len(old_len).and_then(|()| file.sync_all());
        return Err(write_err(format!(
            "{}; nothing was appended",
            crate::output::io_reason(&e)
        )));
    }
    Ok(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: &str = "2026-11-24T19:03:04Z";

    fn entry(step: &str, actor: &str, note: &str) -> Entry {
        let artifacts = vec![Artifact {
            name: format!("{step}.txt"),
            sha256: crate::manifest::sha256_hex(step.as_bytes()),
        }];
        Entry::new(step, actor, "PASS", artifacts, note).unwrap()
    }

    /// A transcript of `n` lines built with the library.
    fn build(n: usize) -> Vec<u8> {
        let mut bytes = Vec::new();
        let mut before = Verified::default();
        for i in 1..=n {
            let line = entry(&format!("step-{i}"), "operator", &format!("note {i}"))
                .record_after(&before, T0)
                .to_line();
            bytes.extend_from_slice(line.as_bytes());
            bytes.push(b'\n');
            before = verify(&bytes, "t").unwrap();
        }
        bytes
    }

    fn lines(bytes: &[u8]) -> Vec<String> {
        String::from_utf8(bytes.to_vec())
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn join(lines: &[String]) -> Vec<u8> {
        lines
            .iter()
            .flat_map(|l| format!("{l}\n").into_bytes())
            .collect()
    }

    #[test]
    fn a_built_transcript_verifies_and_chains_each_line_to_the_previous() {
        let bytes = build(4);
        let v = verify(&bytes, "t").unwrap();
        assert_eq!(v.lines(), 4);
        let ls = lines(&bytes);
        let mut prev = ZERO_HASH.to_string();
        for (i, l) in ls.iter().enumerate() {
            let r: Record = serde_json::from_str(l).unwrap();
            assert_eq!(r.seq, i as u64 + 1);
            assert_eq!(r.prev, prev);
            assert_eq!(r.to_line(), *l);
            prev = hex::encode(Sha256::digest(l.as_bytes()));
            assert_eq!(v.line_hash(i + 1).unwrap(), prev);
        }
        assert_eq!(v.final_hash(), prev);
        v.expect(&prev, "t").unwrap();
    }

    #[test]
    fn the_canonical_form_is_exactly_the_documented_one() {
        let r =
            entry("split", "Zoë \"the\" operator \\ 2", "").record_after(&Verified::default(), T0);
        assert_eq!(
            r.to_line(),
            format!(
                "{{\"transcript\":1,\"seq\":1,\"time\":\"{T0}\",\"step\":\"split\",\"actor\":\"Zoë \\\"the\\\" operator \\\\ 2\",\"result\":\"PASS\",\"artifacts\":[{{\"name\":\"split.txt\",\"sha256\":\"{}\"}}],\"note\":\"\",\"prev\":\"{ZERO_HASH}\"}}",
                crate::manifest::sha256_hex(b"split")
            )
        );
        verify(format!("{}\n", r.to_line()).as_bytes(), "t").unwrap();
    }

    fn malformed_line(bytes: &[u8]) -> (usize, String) {
        match verify(bytes, "t") {
            Err(TranscriptError::Malformed { line, reason, .. }) => (line, reason),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn any_other_form_of_a_line_is_malformed_and_named() {
        let ls = lines(&build(3));
        let changes: [(&str, &str); 6] = [
            ("\"seq\":2,", "\"seq\": 2,"),
            ("\"note\":\"note 2\"", "\"note\":\"not\\u0065 2\""),
            (
                "{\"transcript\":1,\"seq\":2,",
                "{\"seq\":2,\"transcript\":1,",
            ),
            ("\"seq\":2,", "\"seq\":2.0,"),
            ("\"result\":\"PASS\"", "\"result\":\"PASS\",\"extra\":1"),
            ("\"note\":\"note 2\",", ""),
        ];
        for (from, to) in changes {
            let mut changed = ls.clone();
            assert!(changed[1].contains(from), "{from}");
            changed[1] = changed[1].replacen(from, to, 1);
            assert_eq!(malformed_line(&join(&changed)).0, 2, "{from} -> {to}");
        }
        // A CR before the LF, a missing final LF, a blank line, upper-case hex, not UTF-8.
        let mut crlf = ls.clone();
        crlf[1].push('\r');
        assert_eq!(malformed_line(&join(&crlf)).0, 2);
        let mut cut = join(&ls);
        cut.pop();
        let (line, reason) = malformed_line(&cut);
        assert_eq!(line, 3);
        assert!(reason.contains("line feed"), "{reason}");
        let mut blank = ls.clone();
        blank.insert(1, String::new());
        assert_eq!(malformed_line(&join(&blank)).0, 2);
        let mut upper = ls.clone();
        let prev = upper[2].split("\"prev\":\"").nth(1).unwrap().to_string();
        upper[2] = upper[2].replace(&prev, &prev.to_uppercase());
        assert_ne!(prev, prev.to_uppercase());
        assert_eq!(malformed_line(&join(&upper)).0, 3);
        let mut latin1 = join(&ls[..1]);
        latin1.extend_from_slice(b"\xff\n");
        assert_eq!(malformed_line(&latin1).0, 2);
        // The first line must start the chain.
        let mut first = ls.clone();
        first[0] = first[0].replace(ZERO_HASH, &"1".repeat(64));
        assert_eq!(malformed_line(&join(&first[..1])).0, 1);
    }

    #[test]
    fn invalid_fields_are_malformed_and_escaped_in_the_reason() {
        let ls = lines(&build(2));
        for (from, to, says) in [
            ("\"step\":\"step-2\"", "\"step\":\"Step-2\"", "step"),
            (
                "\"actor\":\"operator\"",
                "\"actor\":\"\\u001b[2Jop\"",
                "U+001B",
            ),
            (
                "\"actor\":\"operator\"",
                "\"actor\":\"op\u{202e}rotare\"",
                "U+202E",
            ),
            ("\"actor\":\"operator\"", "\"actor\":\"\"", "actor is empty"),
            ("\"result\":\"PASS\"", "\"result\":\"pass\"", "result"),
            (
                "\"time\":\"2026-11-24T19:03:04Z\"",
                "\"time\":\"2026-11-24 19:03:04Z\"",
                "time",
            ),
            (
                "\"time\":\"2026-11-24T19:03:04Z\"",
                "\"time\":\"2026-02-30T19:03:04Z\"",
                "time",
            ),
        ] {
            let mut changed = ls.clone();
            assert!(changed[1].contains(from), "{from}");
            changed[1] = changed[1].replacen(from, to, 1);
            let (line, reason) = malformed_line(&join(&changed));
            assert_eq!(line, 2, "{to}");
            assert!(reason.contains(says), "{to}: {reason}");
            assert!(
                !reason.chars().any(|c| c.is_control() || invisible(c)),
                "{reason}"
            );
        }
        // serde's messages quote the line: escaped.
        let mut hostile = ls.clone();
        hostile[1] = hostile[1].replacen("\"note\"", "\"\\u001b[31m\"", 1);
        let (_, reason) = malformed_line(&join(&hostile));
        assert!(!reason.contains('\u{1b}'), "{reason}");
        let long = format!("{{\"transcript\":1,\"note\":\"{}\"}}", "x".repeat(MAX_LINE));
        let (line, reason) = malformed_line(format!("{long}\n").as_bytes());
        assert_eq!(line, 1);
        assert!(reason.contains("longer than"), "{reason}");
    }

    #[test]
    fn an_altered_line_is_named_by_the_line_after_it() {
        let ls = lines(&build(5));
        let mut changed = ls.clone();
        changed[2] = changed[2].replacen("note 3", "note 8", 1);
        match verify(&join(&changed), "t") {
            Err(
                e @ TranscriptError::BrokenChain {
                    altered: 3,
                    noticed: 4,
                    ..
                },
            ) => {
                assert_eq!(e.line(), Some(3));
                assert_eq!(
                    e.to_string(),
                    "line 3 of 't' was altered, or line 4 forged: line 4 records a different hash for line 3"
                );
            }
            other => panic!("{other:?}"),
        }
        // The last line has no line after it: only the final hash shows the change.
        let old_final = verify(&join(&ls), "t").unwrap().final_hash();
        let mut last = ls.clone();
        last[4] = last[4].replacen("note 5", "note 9", 1);
        let v = verify(&join(&last), "t").unwrap();
        assert!(matches!(
            v.expect(&old_final, "t"),
            Err(TranscriptError::FinalHashMismatch {
                expected_line: None,
                lines: 5,
                ..
            })
        ));
    }

    #[test]
    fn removed_reordered_and_duplicated_lines_break_the_sequence() {
        let ls = lines(&build(5));
        let seq = |ls: &[String]| match verify(&join(ls), "t") {
            Err(TranscriptError::Sequence { line, found, .. }) => (line, found),
            other => panic!("{other:?}"),
        };
        let mut removed = ls.clone();
        removed.remove(2);
        assert_eq!(seq(&removed), (3, 4));
        let mut swapped = ls.clone();
        swapped.swap(1, 2);
        assert_eq!(seq(&swapped), (2, 3));
        let mut twice = ls.clone();
        twice.insert(2, ls[1].clone());
        assert_eq!(seq(&twice), (3, 2));
        let mut head = ls.clone();
        head.remove(0);
        assert_eq!(seq(&head), (1, 2));
    }

    #[test]
    fn the_final_hash_must_match_the_expected_one() {
        let bytes = build(5);
        let v = verify(&bytes, "t").unwrap();
        let line3 = v.line_hash(3).unwrap();
        let cut = join(&lines(&bytes)[..3]);
        let short = verify(&cut, "t").unwrap();
        assert_eq!(short.final_hash(), line3);
        match short.expect(&v.final_hash(), "t") {
            Err(
                e @ TranscriptError::FinalHashMismatch {
                    expected_line: None,
                    ..
                },
            ) => {
                assert!(e.to_string().contains("cut from its end"), "{e}")
            }
            other => panic!("{other:?}"),
        }
        match v.expect(&line3, "t") {
            Err(
                e @ TranscriptError::FinalHashMismatch {
                    expected_line: Some(3),
                    ..
                },
            ) => {
                assert!(e.to_string().contains("line 3"), "{e}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn size_version_and_emptiness_are_checked_before_the_lines() {
        assert!(matches!(
            verify(b"", "t"),
            Err(TranscriptError::Empty { .. })
        ));
        let many = vec![b'\n'; MAX_LINES + 1];
        assert!(matches!(
            verify(&many, "t"),
            Err(TranscriptError::TooLarge { .. })
        ));
        let huge = vec![b'x'; MAX_FILE as usize + 1];
        assert!(matches!(
            verify(&huge, "t"),
            Err(TranscriptError::TooLarge { .. })
        ));
        let ls = lines(&build(2));
        let mut newer = ls.clone();
        newer[1] = newer[1].replacen("{\"transcript\":1,", "{\"transcript\":2,", 1);
        assert!(matches!(
            verify(&join(&newer), "t"),
            Err(TranscriptError::UnknownVersion {
                line: 2,
                version: 2,
                ..
            })
        ));
    }

    #[test]
    fn new_entries_are_checked_field_by_field() {
        let ok = |step: &str, actor: &str, result: &str, note: &str| {
            Entry::new(step, actor, result, Vec::new(), note)
        };
        assert!(ok("key-ceremony.split_2", "Zoë (witness)", "DONE", "").is_ok());
        assert!(
            ok(
                &"a".repeat(MAX_STEP),
                &"b".repeat(MAX_ACTOR),
                "INFO",
                &"c".repeat(MAX_NOTE)
            )
            .is_ok()
        );
        for (step, actor, result, note, field) in [
            ("", "a", "PASS", "", "--step"),
            ("-x", "a", "PASS", "", "--step"),
            ("Split", "a", "PASS", "", "--step"),
            (&"a".repeat(MAX_STEP + 1), "a", "PASS", "", "--step"),
            ("s", "", "PASS", "", "--actor"),
            ("s", "a\u{1b}[2J", "PASS", "", "--actor"),
            ("s", "a\tb", "PASS", "", "--actor"),
            ("s", "a\u{200b}b", "PASS", "", "--actor"),
            ("s", &"b".repeat(MAX_ACTOR + 1), "PASS", "", "--actor"),
            ("s", "a", "OK", "", "--result"),
            ("s", "a", "PASS", "line\nbreak", "--note"),
            ("s", "a", "PASS", &"c".repeat(MAX_NOTE + 1), "--note"),
        ] {
            match ok(step, actor, result, note) {
                Err(TranscriptError::Field { field: f, reason }) => {
                    assert_eq!(f, field, "{reason}");
                    assert!(!reason.chars().any(char::is_control));
                }
                other => panic!("{step:?} {actor:?} {result:?} {note:?}: {other:?}"),
            }
        }
        let many = vec![
            Artifact {
                name: "a".into(),
                sha256: ZERO_HASH.into()
            };
            MAX_ARTIFACTS + 1
        ];
        assert!(matches!(
            Entry::new("s", "a", "PASS", many, ""),
            Err(TranscriptError::Field { .. })
        ));
    }

    #[test]
    fn the_longest_valid_line_is_read() {
        // Every character of every field at its longest UTF-8 form that is still one char,
        // quotes escaped in the actor: still below MAX_LINE.
        let name: String = "\u{10348}".repeat(MAX_NAME);
        let artifacts = vec![
            Artifact {
                name,
                sha256: ZERO_HASH.into()
            };
            MAX_ARTIFACTS
        ];
        let e = Entry::new(
            &"a".repeat(MAX_STEP),
            &"\"".repeat(MAX_ACTOR),
            "PASS",
            artifacts,
            &"\u{10348}".repeat(MAX_NOTE),
        )
        .unwrap();
        let line = e.record_after(&Verified::default(), T0).to_line();
        assert!(line.len() < MAX_LINE, "{}", line.len());
        assert_eq!(
            verify(format!("{line}\n").as_bytes(), "t").unwrap().lines(),
            1
        );
    }

    /// The example of docs/FORMAT.md section 12: both lines verify, and the hashes printed
    /// there are theirs.
    #[test]
    fn the_documented_example_verifies_with_the_documented_hashes() {
        let doc = include_str!("../docs/FORMAT.md");
        let section = doc
            .split("## 12. Ceremony transcript")
            .nth(1)
            .expect("FORMAT.md has section 12");
        let block = |after: &str| -> Vec<String> {
            let start = section.find(after).expect(after) + after.len();
            let body = section[start..]
                .split("```text\n")
                .nth(1)
                .expect("a text block");
            body.split("\n```")
                .next()
                .unwrap()
                .lines()
                .map(str::to_string)
                .collect()
        };
        let example = block("Example transcript, two lines:");
        assert_eq!(example.len(), 2);
        let bytes = join(&example);
        let v = verify(&bytes, "example").unwrap();
        let hashes = block("Their SHA-256, the second being the final hash:");
        assert_eq!(hashes.len(), 2);
        for (k, documented) in hashes.iter().enumerate() {
            let own = hex::encode(Sha256::digest(example[k].as_bytes()));
            assert_eq!(*documented, format!("line {}: {own}", k + 1));
            assert_eq!(v.line_hash(k + 1).unwrap(), own);
        }
        let second: Record = serde_json::from_str(&example[1]).unwrap();
        assert_eq!(second.prev, v.line_hash(1).unwrap());
        assert_eq!(v.final_hash(), v.line_hash(2).unwrap());
    }

    #[test]
    fn append_creates_chains_and_refuses_a_broken_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.log");
        let h1 = append(&path, &entry("one", "op", ""), T0).unwrap();
        let h2 = append(&path, &entry("two", "op", "n"), T0).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let v = verify(&bytes, "t").unwrap();
        assert_eq!(
            (v.lines(), v.line_hash(1).unwrap(), v.final_hash()),
            (2, h1, h2)
        );
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let altered = String::from_utf8(bytes)
            .unwrap()
            .replacen("\"op\"", "\"oq\"", 1);
        std::fs::write(&path, &altered).unwrap();
        match append(&path, &entry("three", "op", ""), T0) {
            Err(e @ TranscriptError::NotAppended(_)) => {
                assert_eq!(e.line(), Some(1));
                assert!(e.to_string().ends_with("; nothing was appended"), "{e}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), altered);
        // An existing empty file starts a chain.
        let empty = dir.path().join("empty.log");
        std::fs::write(&empty, b"").unwrap();
        append(&empty, &entry("one", "op", ""), T0).unwrap();
        assert_eq!(
            verify(&std::fs::read(&empty).unwrap(), "t")
                .unwrap()
                .lines(),
            1
        );
    }

    #[test]
    fn only_regular_files_are_read_or_hashed_and_fifos_do_not_hang() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
            0,
        )
        .unwrap();
        let fifo_name = fifo.to_str().unwrap();
        assert!(matches!(
            hash_artifact(fifo_name),
            Err(TranscriptError::Artifact { .. })
        ));
        assert!(matches!(
            read(&fifo),
            Err(TranscriptError::Unreadable { .. })
        ));
        assert!(matches!(
            append(&fifo, &entry("one", "op", ""), T0),
            Err(TranscriptError::Unreadable { .. })
        ));
        let folder = dir.path().to_str().unwrap();
        assert!(matches!(
            hash_artifact(folder),
            Err(TranscriptError::Artifact { .. })
        ));
        assert!(matches!(
            read(dir.path()),
            Err(TranscriptError::Unreadable { .. })
        ));
        let file = dir.path().join("a.bin");
        std::fs::write(&file, b"abc").unwrap();
        assert_eq!(
            hash_artifact(file.to_str().unwrap()).unwrap().sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
