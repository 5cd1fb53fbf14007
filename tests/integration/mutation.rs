//! Mutation test (issue 7, part 2): every single-character substitution, deletion and insertion
//! in a share's text (armor and QR compact form), and every single-bit flip of its binary form,
//! used with the other T - 1 genuine shares, is refused with a named verdict and exit 2 or 1,
//! or is provably the same share (an unauthenticated label, surrounding white space, the final
//! newline) and rebuilds the identical secret. Never another share, never a panic.
//!
//! The bulk (about 118,000 cases) runs in-process through the library's entry points
//! (`armor::decode`, `set::validate`, `set::unlock_one`, `ShareSet::recover`), with the error
//! mapped to its exit code by `Error::exit_code`, the function the binary uses. A sample of 50
//! cases per class then runs through the real binary. docs/SECURITY.md, "Mutation and secrecy
//! tests", records the figures.

use std::collections::BTreeMap;

use coldshard::armor::{self, ArmorError};
use coldshard::error::Error;
use coldshard::format::{EncryptedShare, FormatError};
use coldshard::input::{InputError, LoadedShare};
use coldshard::passphrase::Passphrase;
use coldshard::set;
use coldshard::shamir::SharePoint;
use data_encoding::BASE32_NOPAD;
use sha2::{Digest, Sha256};

use crate::util::{ABOUT, Work, coldshard, passphrases, recheck, refused, run};

/// Characters tried for every substitution and insertion: the whole armor alphabet, then
/// characters outside it (lower case, the digits base32 never uses, separators, control
/// characters, look-alikes from other scripts), and one byte that is not UTF-8.
fn replacements() -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
        .iter()
        .map(|&c| vec![c])
        .collect();
    for c in [
        "a", "z", "0", "1", "8", "9", " ", "\n", "\r", "\t", "\0", "-", ":", "=", "\u{e9}",
        "\u{410}", "\u{ff21}",
    ] {
        out.push(c.as_bytes().to_vec());
    }
    out.push(vec![0xff]);
    out
}

/// The six classes of mutation; the binary runs [`SAMPLE`] cases of each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    /// One character of the armor replaced (every line: BEGIN, headers, label, body, END).
    Substitution,
    /// One character of the armor removed.
    Deletion,
    /// One character inserted into the armor, at every position including both ends.
    Insertion,
    /// A substitution, deletion or insertion in the QR code's compact form.
    Compact,
    /// One bit of the binary share flipped and the body re-armored (valid line checks).
    BitFlip,
    /// One bit flipped, the SHA-256 check recomputed, re-armored: the change reaches the
    /// field checks and the signature, as a hostile tool would make it.
    BitFlipRechecked,
}

/// Cases of each class run through the real binary.
const SAMPLE: usize = 50;

/// A verdict: the names of docs/FORMAT.md (section 4.1, 6 and 7) with the line for line
/// verdicts, or "accepted".
type Verdict = (&'static str, Option<usize>);

/// The verdict name of an armor error.
fn verdict_of(e: &ArmorError) -> Verdict {
    match e {
        ArmorError::NotText => ("not-text", None),
        ArmorError::NoBegin => ("no-begin", None),
        ArmorError::NoEnd => ("no-end", None),
        ArmorError::TrailingData => ("trailing-data", None),
        ArmorError::CarriageReturn => ("carriage-return", None),
        ArmorError::Header { .. } => ("bad-header", None),
        ArmorError::UnknownVersion(_) => ("unknown-version", None),
        ArmorError::BadLine { line, .. } => ("bad-line", Some(*line)),
        ArmorError::MissingLine { line } => ("missing-line", Some(*line)),
        ArmorError::LineCheck { line } => ("line-check", Some(*line)),
        ArmorError::NonCanonical => ("non-canonical", None),
        ArmorError::Truncated => ("truncated", None),
        ArmorError::HeaderMismatch { .. } => ("header-mismatch", None),
        ArmorError::BadLabel(_) => ("bad-label", None),
        ArmorError::BadCompact(_) => ("malformed", None),
        ArmorError::Format(f) => (format_verdict(f), None),
    }
}

fn format_verdict(e: &FormatError) -> &'static str {
    match e {
        FormatError::NotAShare => "not-a-share",
        FormatError::UnknownVersion(_) => "unknown-version",
        FormatError::Truncated { .. } => "truncated",
        FormatError::TrailingData(_) => "trailing-data",
        FormatError::Damaged => "damaged",
        FormatError::Invalid(_) => "invalid-field",
        FormatError::TooExpensive(_) => "kdf-too-expensive",
        FormatError::NotAuthentic => "not-authentic",
        FormatError::Random(_) => "random",
    }
}

/// The exit code docs/CLI.md gives a verdict: 1 for a share that is not genuine, 2 for
/// anything damaged or unreadable.
fn exit_of(verdict: &str) -> u8 {
    if verdict == "not-authentic" { 1 } else { 2 }
}

/// An independent oracle for a binary share: docs/FORMAT.md section 4.1, steps 1 to 8, written
/// from the document. Any byte string other than the genuine share that passes steps 1 to 7
/// must fail the signature (step 8): nobody without the set key can sign another share.
fn oracle(b: &[u8], genuine: &[u8]) -> &'static str {
    if b.len() < 4 || b[..4] != *b"CSHR" {
        return "not-a-share";
    }
    match b.get(4) {
        None => return "truncated",
        Some(&v) if v != 1 => return "unknown-version",
        Some(_) => {}
    }
    if b.len() < 114 {
        return "truncated";
    }
    let l = usize::from(u16::from_be_bytes([b[17], b[18]]));
    let want = 230 + l;
    if b.len() < want {
        return "truncated";
    }
    if b.len() > want {
        return "trailing-data";
    }
    if Sha256::digest(&b[..want - 4])[..4] != b[want - 4..] {
        return "damaged";
    }
    let (index, t, n, kind) = (b[13], b[14], b[15], b[16]);
    let memory = u32::from_be_bytes([b[20], b[21], b[22], b[23]]);
    let (passes, lanes) = (b[24], b[25]);
    let len_ok = match kind {
        1 => [17, 21, 25, 29, 33].contains(&l),
        2 | 3 => (1..=256).contains(&l),
        _ => false,
    };
    let kdf_ok = match b[19] {
        0 => memory == 0 && passes == 0 && lanes == 0 && b[26..42].iter().all(|&x| x == 0),
        1 => (1..=16).contains(&lanes) && passes >= 1 && memory >= 8 * u32::from(lanes),
        _ => false,
    };
    if index == 0 || t == 0 || n == 0 || t > n || !len_ok || !kdf_ok {
        return "invalid-field";
    }
    if b[19] == 1 && (memory > 2_097_152 || passes > 10) {
        return "kdf-too-expensive";
    }
    if b != genuine {
        return "not-authentic";
    }
    "accepted"
}

/// The verdict the compact form `text` must get (docs/FORMAT.md section 7), from the text
/// alone: the prefix, the version, the alphabet, then base32 and the binary oracle.
fn compact_oracle(text: &[u8], genuine: &[u8]) -> &'static str {
    let Ok(text) = std::str::from_utf8(text) else {
        return "not-text";
    };
    let trimmed = text.trim_matches(|c: char| c.is_ascii_whitespace());
    let Some(rest) = trimmed.strip_prefix("COLDSHARD:") else {
        // Not the compact form: read as an armor, which must start with its BEGIN line.
        return "no-begin";
    };
    let Some((version, body)) = rest.split_once(':') else {
        return "malformed";
    };
    if version != "1" {
        return "unknown-version";
    }
    if !body
        .bytes()
        .all(|c| b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".contains(&c))
    {
        return "malformed";
    }
    match BASE32_NOPAD.decode(body.as_bytes()) {
        Ok(bytes) => oracle(&bytes, genuine),
        Err(e) if e.kind == data_encoding::DecodeKind::Trailing => "non-canonical",
        Err(_) => "truncated",
    }
}

/// One mutated share text and what it must get.
struct Case {
    class: Class,
    /// What was done, for messages.
    what: String,
    text: Vec<u8>,
    /// The verdicts allowed (usually exactly one).
    allowed: Vec<Verdict>,
}

/// What the in-process pipeline made of a case.
enum Outcome {
    Refused {
        verdict: Verdict,
        code: u8,
        message: String,
    },
    /// Read, validated, unlocked and rebuilt: the share as decoded and the secret's payload.
    Accepted {
        share: Box<EncryptedShare>,
        payload: Vec<u8>,
    },
}

/// The genuine set and everything the cases are checked against.
struct Fixture {
    work: Work,
    /// Share 1's text, the one mutated.
    text: String,
    /// Share 1's binary form.
    bytes: Vec<u8>,
    share: EncryptedShare,
    /// Share 2, genuine, given with every mutated share 1 (T = 2).
    other: LoadedShare,
    other_point: SharePoint,
    /// The payload the genuine set rebuilds.
    payload: Vec<u8>,
    /// Where the binary reads the mutated share from; in-process messages use the same name.
    mutated_path: String,
    other_path: String,
    pass_file: String,
}

impl Fixture {
    fn new() -> Self {
        let work = Work::new();
        let (paths, _) = work.split_labeled("set", ABOUT, 2, &passphrases(3), &["Ann", "Bo", "Cy"]);
        let text = std::fs::read_to_string(&paths[0]).expect("share 1");
        let armored = armor::decode(text.as_bytes()).expect("genuine share 1");
        let other_text = std::fs::read(&paths[1]).expect("share 2");
        let other = LoadedShare {
            arg: paths[1].clone(),
            name: format!("'{}'", paths[1]),
            armored: armor::decode(&other_text).expect("genuine share 2"),
        };
        let other_point = set::unlock_one(&other, &Passphrase::new("pass-2")).expect("share 2");
        let mutated_path = work.path("mutated.txt").to_string_lossy().into_owned();
        let pass_file = work.passfile("pass.txt", &["pass-1", "pass-2"]);
        let mut fixture = Fixture {
            bytes: armored.share.to_bytes(),
            share: armored.share,
            text,
            other,
            other_point,
            payload: Vec::new(),
            mutated_path,
            other_path: paths[1].clone(),
            pass_file,
            work,
        };
        // The unmutated share is accepted, and gives the payload every accepted case must give.
        match fixture.run(fixture.text.as_bytes()) {
            Outcome::Accepted { payload, .. } => fixture.payload = payload,
            Outcome::Refused { message, .. } => panic!("the genuine set is refused: {message}"),
        }
        fixture
    }

    /// The steps `coldshard recover` takes (src/commands.rs), in-process: read the share text,
    /// validate the set, unlock each share, rebuild. Share 2's point is unlocked once.
    fn run(&self, text: &[u8]) -> Outcome {
        let name = format!("'{}'", self.mutated_path);
        let refused = |e: Error, verdict: Verdict| Outcome::Refused {
            verdict,
            code: e.exit_code(),
            message: e.to_string(),
        };
        let armored = match armor::decode(text) {
            Ok(a) => a,
            Err(source) => {
                let verdict = verdict_of(&source);
                return refused(InputError::Share { name, source }.into(), verdict);
            }
        };
        let mutated = LoadedShare {
            arg: self.mutated_path.clone(),
            name,
            armored,
        };
        let share = Box::new(mutated.share().clone());
        let set = match set::validate(vec![mutated, self.other.clone()]) {
            Ok(s) => s,
            Err(e) => return refused(e.into(), ("set", None)),
        };
        if let Err(e) = set.require_threshold() {
            return refused(e.into(), ("set", None));
        }
        let point = match set::unlock_one(&set.shares()[0], &Passphrase::new("pass-1")) {
            Ok(p) => p,
            Err(e) => return refused(e.into(), ("unlock", None)),
        };
        let other = SharePoint::new(
            self.other_point.index(),
            zeroize::Zeroizing::new(self.other_point.value().to_vec()),
        );
        match set.recover(&[point, other]) {
            Ok(secret) => Outcome::Accepted {
                share,
                payload: secret.payload().to_vec(),
            },
            Err(e) => refused(e.into(), ("recover", None)),
        }
    }
}

/// Where in the armor a byte position lies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Region {
    Begin,
    Version,
    /// The Set, Share and Threshold lines, which must agree with the binary share.
    Agreeing,
    /// The label line: its value is informational, not authenticated (docs/FORMAT.md
    /// section 6), so a change that leaves a valid label is the same share.
    Label,
    Blank,
    /// A body line, with its number, and the column within the line.
    Body(usize, usize),
    End,
    /// After the final newline (insertions only).
    After,
}

/// The region of each byte of the armor (its newline belongs to the line it ends).
fn regions(text: &str) -> Vec<Region> {
    let mut out = Vec::with_capacity(text.len());
    let mut body = 0;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches('\n');
        let region = if bare == armor::BEGIN {
            Region::Begin
        } else if bare.starts_with("Version: ") {
            Region::Version
        } else if ["Set: ", "Share: ", "Threshold: "]
            .iter()
            .any(|p| bare.starts_with(p))
        {
            Region::Agreeing
        } else if bare.starts_with("Label: ") {
            Region::Label
        } else if bare.is_empty() {
            Region::Blank
        } else if bare == armor::END {
            Region::End
        } else {
            body += 1;
            Region::Body(body, 0)
        };
        for (col, _) in line.bytes().enumerate() {
            out.push(match region {
                Region::Body(n, _) => Region::Body(n, col),
                r => r,
            });
        }
    }
    out
}

/// Body columns that hold base32 data or check characters (not the number, spaces or newline).
fn is_data_column(line: &str, col: usize) -> bool {
    col >= 3
        && line
            .as_bytes()
            .get(col)
            .is_some_and(|&c| c != b' ' && c != b'\n')
}

/// The verdicts allowed for one armor mutation: `op` at byte `pos` with `with` (empty for a
/// deletion). Worked out from the decoding rules of docs/FORMAT.md section 6; each arm says why.
fn allowed_armor(
    text: &str,
    regions: &[Region],
    body_lines: usize,
    class: Class,
    pos: usize,
    with: &[u8],
) -> Vec<Verdict> {
    let region = regions.get(pos).copied().unwrap_or(Region::After);
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let last = body_lines;
    // Text that is not UTF-8 is refused before anything else.
    if with == [0xff] {
        return vec![("not-text", None)];
    }
    // The BEGIN line must start the file; a CR anywhere else is refused as Windows line ends.
    if region == Region::Begin {
        return vec![
            ("no-begin", None),
            ("bad-header", None),
            ("carriage-return", None),
        ];
    }
    if with == b"\r" {
        return vec![("carriage-return", None)];
    }
    let header = matches!(
        region,
        Region::Version | Region::Agreeing | Region::Label | Region::Blank
    );
    if header && with == b"\n" {
        // A newline in the header makes an early blank line: what follows is read as body
        // line 01, which is malformed; or the header line it cut is refused first.
        let mut v = allowed_armor(text, regions, body_lines, class, pos, b"x");
        v.push(("bad-line", Some(1)));
        return v;
    }
    match region {
        Region::Begin => unreachable!(),
        Region::Version => vec![("bad-header", None), ("unknown-version", None)],
        Region::Agreeing => vec![("bad-header", None), ("header-mismatch", None)],
        // A changed label is still a label: the same share (checked by the caller). A broken
        // "Label: " or a label joined to the blank line is a header not as coldshard writes it.
        Region::Label => vec![
            ("accepted", None),
            ("bad-label", None),
            ("bad-header", None),
        ],
        // A character in the blank line is a header line out of place; a newline there is an
        // empty first body line.
        Region::Blank => vec![("bad-header", None), ("bad-line", Some(1))],
        Region::Body(n, col) => {
            let line = lines
                .iter()
                .find(|l| !l.starts_with('-') && l.starts_with(&format!("{n:02} ")))
                .copied()
                .unwrap_or("");
            let alphabet =
                with.len() == 1 && b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".contains(&with[0]);
            let separator = with == b" " || with == b"\n";
            if class == Class::Substitution && is_data_column(line, col) {
                if alphabet {
                    // CRC-10 finds every change of up to 10 bits in a line: a substitution.
                    return vec![("line-check", Some(n))];
                }
                if !separator {
                    // Only A-Z and 2-7 may stand there.
                    return vec![("bad-line", Some(n))];
                }
            }
            let mut v = vec![("line-check", Some(n)), ("bad-line", Some(n))];
            if col < 2 {
                // A line number changed to a later one: the line is reported missing.
                v.push(("missing-line", Some(n)));
            }
            if col + 1 == line.len() {
                // At the newline: a new empty line after line n, or line n joined to END.
                v.push(("bad-line", Some(n + 1)));
                if n == last {
                    v.push(("no-end", None));
                }
            }
            if n == last {
                // A deletion or insertion in the last group that the CRC-10 misses (one time
                // in 1024) changes the length of the base32 text.
                v.extend([
                    ("truncated", None),
                    ("non-canonical", None),
                    ("trailing-data", None),
                ]);
            }
            v
        }
        // Without its final newline the armor is the same share; anything else in or after
        // the END line is an END line missing, an empty body line, or text after the end.
        Region::End => {
            let final_newline = pos + 1 == text.len();
            if class == Class::Deletion && final_newline {
                vec![("accepted", None)]
            } else {
                // An empty line before END is line last + 1, or makes the short last line
                // "not the last line"; a newline before the final one is text after the end.
                vec![
                    ("no-end", None),
                    ("bad-line", Some(last + 1)),
                    ("bad-line", Some(last)),
                    ("trailing-data", None),
                ]
            }
        }
        Region::After => vec![("trailing-data", None)],
    }
}

/// Every mutation of every class, with what each must get.
fn cases(f: &Fixture) -> Vec<Case> {
    let text = f.text.as_str();
    let bytes = text.as_bytes();
    let regions = regions(text);
    let body_lines = regions
        .iter()
        .filter_map(|r| match r {
            Region::Body(n, _) => Some(*n),
            _ => None,
        })
        .max()
        .expect("body lines");
    let subs = replacements();
    let mut out = Vec::new();
    let mut push = |class, what: String, mutated: Vec<u8>, allowed| {
        out.push(Case {
            class,
            what,
            text: mutated,
            allowed,
        })
    };
    for pos in 0..=bytes.len() {
        for with in &subs {
            let inserted = [&bytes[..pos], with, &bytes[pos..]].concat();
            let allowed = allowed_armor(text, &regions, body_lines, Class::Insertion, pos, with);
            push(
                Class::Insertion,
                format!("insert {with:?} at byte {pos}"),
                inserted,
                allowed,
            );
            if pos < bytes.len() && with[..] != bytes[pos..=pos] {
                let replaced = [&bytes[..pos], with, &bytes[pos + 1..]].concat();
                let allowed =
                    allowed_armor(text, &regions, body_lines, Class::Substitution, pos, with);
                push(
                    Class::Substitution,
                    format!("byte {pos} -> {with:?}"),
                    replaced,
                    allowed,
                );
            }
        }
        if pos < bytes.len() {
            let deleted = [&bytes[..pos], &bytes[pos + 1..]].concat();
            let allowed = allowed_armor(text, &regions, body_lines, Class::Deletion, pos, &[]);
            push(
                Class::Deletion,
                format!("delete byte {pos}"),
                deleted,
                allowed,
            );
        }
    }

    // The compact form: each mutation's verdict follows from the text (compact_oracle), and
    // white space around it is allowed (docs/FORMAT.md section 7).
    let compact = armor::encode_compact(&f.share).into_bytes();
    let compact_case = |what: String, mutated: Vec<u8>| {
        let allowed = vec![(compact_oracle(&mutated, &f.bytes), None)];
        Case {
            class: Class::Compact,
            what,
            text: mutated,
            allowed,
        }
    };
    for pos in 0..=compact.len() {
        for with in &subs {
            out.push(compact_case(
                format!("compact: insert {with:?} at {pos}"),
                [&compact[..pos], with, &compact[pos..]].concat(),
            ));
            if pos < compact.len() && with[..] != compact[pos..=pos] {
                out.push(compact_case(
                    format!("compact: {pos} -> {with:?}"),
                    [&compact[..pos], with, &compact[pos + 1..]].concat(),
                ));
            }
        }
        if pos < compact.len() {
            out.push(compact_case(
                format!("compact: delete {pos}"),
                [&compact[..pos], &compact[pos + 1..]].concat(),
            ));
        }
    }

    // Bit flips of the binary share, re-armored with the same header lines and label.
    for bit in 0..f.bytes.len() * 8 {
        let mut flipped = f.bytes.clone();
        flipped[bit / 8] ^= 1 << (bit % 8);
        out.push(Case {
            class: Class::BitFlip,
            what: format!("flip bit {} of byte {}", bit % 8, bit / 8),
            text: crate::util::rearmor(text, &flipped).into_bytes(),
            allowed: vec![(oracle(&flipped, &f.bytes), None)],
        });
        // The check itself is what "rechecked" recomputes: its own bits only in BitFlip.
        if bit / 8 < f.bytes.len() - 4 {
            recheck(&mut flipped);
            out.push(Case {
                class: Class::BitFlipRechecked,
                what: format!("flip bit {} of byte {}, check recomputed", bit % 8, bit / 8),
                text: crate::util::rearmor(text, &flipped).into_bytes(),
                allowed: vec![(oracle(&flipped, &f.bytes), None)],
            });
        }
    }
    out
}

/// Runs every case in-process and checks it; returns each case's verdict name.
fn run_all(f: &Fixture, all: &[Case]) -> Vec<&'static str> {
    let mut verdicts = Vec::with_capacity(all.len());
    let mut failures = Vec::new();
    for case in all {
        let outcome = f.run(&case.text);
        let verdict = match &outcome {
            Outcome::Accepted { share, payload } => {
                // Accepted only as the very same share, giving the very same secret.
                if **share != f.share || *payload != f.payload {
                    failures.push(format!(
                        "{:?} {}: accepted as ANOTHER share",
                        case.class, case.what
                    ));
                }
                ("accepted", None)
            }
            Outcome::Refused {
                verdict,
                code,
                message,
            } => {
                if *code != exit_of(verdict.0) || !(1..=2).contains(code) {
                    failures.push(format!(
                        "{:?} {}: exit {code} for {verdict:?}",
                        case.class, case.what
                    ));
                }
                if message.contains('\n') || !message.contains(&f.mutated_path) {
                    failures.push(format!(
                        "{:?} {}: message {message:?}",
                        case.class, case.what
                    ));
                }
                *verdict
            }
        };
        if !case.allowed.contains(&verdict) {
            failures.push(format!(
                "{:?} {}: got {verdict:?}, expected one of {:?}",
                case.class, case.what, case.allowed
            ));
        }
        verdicts.push(verdict.0);
    }
    assert!(
        failures.is_empty(),
        "{} of {} mutations went wrong, first ones:\n{}",
        failures.len(),
        all.len(),
        failures
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    verdicts
}

/// [`SAMPLE`] cases of `class`: first one of each verdict seen, then evenly spaced ones.
fn sample(all: &[Case], verdicts: &[&str], class: Class) -> Vec<usize> {
    let of_class: Vec<usize> = (0..all.len()).filter(|&i| all[i].class == class).collect();
    let mut chosen = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for &i in &of_class {
        if chosen.len() < SAMPLE / 2 && seen.insert(verdicts[i]) {
            chosen.push(i);
        }
    }
    let step = (of_class.len() / SAMPLE).max(1);
    for &i in of_class.iter().step_by(step) {
        if chosen.len() >= SAMPLE {
            break;
        }
        if !chosen.contains(&i) {
            chosen.push(i);
        }
    }
    chosen
}

/// The real binary on one case: `coldshard recover MUTATED SHARE-2 --passphrase-file P --out F`.
fn run_binary(f: &Fixture, case: &Case) {
    std::fs::write(&f.mutated_path, &case.text).expect("write mutated share");
    let out = f.work.path("recovered.txt");
    let mut cmd = coldshard();
    cmd.args(["recover", &f.mutated_path, &f.other_path])
        .args(["--passphrase-file", &f.pass_file])
        .arg("--out")
        .arg(&out);
    match f.run(&case.text) {
        Outcome::Accepted { .. } => {
            let r = run(&mut cmd);
            assert_eq!(r.code, Some(0), "{}: {}", case.what, r.stderr);
            assert!(
                r.stdout.is_empty() && !r.stderr.contains("panicked"),
                "{}",
                case.what
            );
            assert_eq!(
                std::fs::read_to_string(&out).expect("recovered"),
                format!("{ABOUT}\n"),
                "{}",
                case.what
            );
            std::fs::remove_file(&out).expect("remove recovered");
        }
        Outcome::Refused { code, message, .. } => {
            let stderr = refused(&f.work, &mut cmd, i32::from(code));
            let errors: Vec<&str> = stderr
                .lines()
                .filter(|l| l.starts_with("error: "))
                .collect();
            // One sentence, naming the share file, the same the library gives.
            assert_eq!(
                errors,
                [format!("error: {message}")],
                "{}: {stderr}",
                case.what
            );
        }
    }
}

#[test]
fn every_single_mutation_of_a_share_is_refused_or_is_the_same_share() {
    let started = std::time::Instant::now();
    let f = Fixture::new();
    let all = cases(&f);
    let verdicts = run_all(&f, &all);
    let in_process = started.elapsed();
    let mut seen: BTreeMap<Class, BTreeMap<&str, usize>> = BTreeMap::new();
    for (case, verdict) in all.iter().zip(&verdicts) {
        *seen
            .entry(case.class)
            .or_default()
            .entry(verdict)
            .or_default() += 1;
    }
    let mut ran = 0;
    for class in seen.keys() {
        for i in sample(&all, &verdicts, *class) {
            run_binary(&f, &all[i]);
            ran += 1;
        }
    }
    // The figures docs/SECURITY.md quotes (visible with --nocapture).
    for (class, verdicts) in &seen {
        let total: usize = verdicts.values().sum();
        println!("{class:?}: {total} cases: {verdicts:?}");
    }
    println!(
        "{} cases in-process in {:.1} s; {ran} through the binary; {:.1} s in all",
        all.len(),
        in_process.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    // Every class ran, and the bit flips reached the signature.
    assert_eq!(seen.len(), 6);
    assert!(seen[&Class::BitFlipRechecked]["not-authentic"] > 1000);
    assert!(seen[&Class::BitFlip]["damaged"] > 1000);
}
