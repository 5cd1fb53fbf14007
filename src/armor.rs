//! Text armor: a share as a short, typeable text for files and paper (docs/FORMAT.md, part 2).
//!
//! The body is the binary share in RFC 4648 base32 (A-Z, 2-7: no 0/O or 1/I to confuse, and
//! all of it QR-alphanumeric), in numbered lines of 20 characters, each line ending in two check
//! characters (CRC-10 of its number and data), so that a mistyped character is reported with
//! its line. The binary share's own SHA-256 check covers the whole share.

use std::fmt;

use crc::{CRC_10_ATM, Crc};
use data_encoding::BASE32_NOPAD;

use crate::format::{EncryptedShare, FormatError, OVERHEAD};

/// First line of an armored share.
pub const BEGIN: &str = "-----BEGIN COLDSHARD SHARE-----";
/// Last line of an armored share.
pub const END: &str = "-----END COLDSHARD SHARE-----";
/// Base32 characters per body line.
pub const CHARS_PER_LINE: usize = 20;
/// Characters per group within a line.
pub const GROUP: usize = 5;
/// Longest label, in characters.
pub const MAX_LABEL_CHARS: usize = 64;

const LINE_CRC: Crc<u16> = Crc::<u16>::new(&CRC_10_ATM);
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Errors reading an armored share. Line numbers are the printed body line numbers.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArmorError {
    /// Not UTF-8 text.
    #[error("it is not a text share (not UTF-8)")]
    NotText,
    /// No BEGIN line at the start.
    #[error("it is not a coldshard share (it does not start with '{BEGIN}' or '{COMPACT_PREFIX}')")]
    NoBegin,
    /// No END line.
    #[error("it is truncated (the '{END}' line is missing)")]
    NoEnd,
    /// Something after the END line.
    #[error("it has text after the END line")]
    TrailingData,
    /// Windows line ends.
    #[error("it has Windows (CR LF) line ends; coldshard writes and reads LF only")]
    CarriageReturn,
    /// A header line that is missing or not as coldshard writes it.
    #[error("its header line '{found}' is not what coldshard writes (expected '{expected}')")]
    Header {
        /// What the line should look like.
        expected: String,
        /// What it says (cut to 60 characters).
        found: String,
    },
    /// A version this build does not read.
    #[error(
        "it uses share format version {0}, which this coldshard does not know (it reads version 1)"
    )]
    UnknownVersion(String),
    /// A body line that is malformed.
    #[error("line {line:02} of the share is malformed: {reason}")]
    BadLine {
        /// Printed line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A body line that is not there (the next line has a higher number).
    #[error("line {line:02} of the share is missing")]
    MissingLine {
        /// Printed line number.
        line: usize,
    },
    /// A body line whose check characters do not match: a typo or damage on that line.
    #[error(
        "line {line:02} of the share has a typo or is damaged (its check characters do not match)"
    )]
    LineCheck {
        /// Printed line number.
        line: usize,
    },
    /// Base32 that is not in canonical form (non-zero unused bits in the last character).
    #[error(
        "it is not in canonical form (the last character of its last line has unused bits set)"
    )]
    NonCanonical,
    /// Lines missing at the end (the binary length does not fit).
    #[error("it is truncated or has lines missing")]
    Truncated,
    /// The header lines disagree with the encoded share.
    #[error("its '{field}' line says {says} but the encoded share says {is}")]
    HeaderMismatch {
        /// Which field.
        field: &'static str,
        /// What the header line says.
        says: String,
        /// What the binary says.
        is: String,
    },
    /// The label is not acceptable.
    #[error("the label {0}")]
    BadLabel(String),
    /// Text that starts like a coldshard QR code's but is not one.
    #[error("its QR text is malformed: {0}")]
    BadCompact(String),
    /// The decoded binary share is invalid.
    #[error("{0}")]
    Format(#[from] FormatError),
}

/// A custodian label: 1 to 64 printable characters; informational (not authenticated).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label(String);

impl Label {
    /// Validates a label.
    pub fn new(s: &str) -> Result<Self, ArmorError> {
        let n = s.chars().count();
        if n == 0 || n > MAX_LABEL_CHARS {
            return Err(ArmorError::BadLabel(format!(
                "must be 1 to {MAX_LABEL_CHARS} characters"
            )));
        }
        // Letters and digits of any script, spaces and common punctuation: nothing invisible,
        // no control or direction characters that could disguise what a terminal shows.
        let allowed = |c: char| c.is_alphanumeric() || c == ' ' || "-_.,'()&/@#+:".contains(c);
        if !s.chars().all(allowed) || s.trim() != s || s.contains("  ") {
            return Err(ArmorError::BadLabel(
                "may hold letters, digits, single spaces and - _ . , ' ( ) & / @ # + : only, and must not start or end with a space".into(),
            ));
        }
        Ok(Label(s.to_string()))
    }
    /// The label text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An armored share as read from text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Armored {
    /// The decoded share.
    pub share: EncryptedShare,
    /// The label line, if any.
    pub label: Option<Label>,
}

fn header_lines(share: &EncryptedShare) -> [String; 4] {
    let h = share.header();
    [
        "Version: 1".to_string(),
        format!("Set: {}", h.set_id),
        format!("Share: {} of {}", h.index.get(), h.count.get()),
        format!("Threshold: {}", h.threshold.get()),
    ]
}

/// Check characters of a body line: CRC-10 of "NN" and the data, as two base32 characters.
fn line_check(number: usize, data: &[u8]) -> [u8; 2] {
    let mut digest = LINE_CRC.digest();
    digest.update(format!("{number:02}").as_bytes());
    digest.update(data);
    let crc = usize::from(digest.finalize());
    [ALPHABET[(crc >> 5) & 31], ALPHABET[crc & 31]]
}

/// Writes the canonical armor of a share, ending in a newline.
pub fn encode(share: &EncryptedShare, label: Option<&Label>) -> String {
    let mut out = String::new();
    out.push_str(BEGIN);
    out.push('\n');
    for line in header_lines(share) {
        out.push_str(&line);
        out.push('\n');
    }
    if let Some(label) = label {
        out.push_str("Label: ");
        out.push_str(label.as_str());
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&encode_body(&share.to_bytes()));
    out.push_str(END);
    out.push('\n');
    out
}

/// The numbered body lines for `bytes` (each ending in a newline), without BEGIN/END/header.
pub fn encode_body(bytes: &[u8]) -> String {
    let mut out = String::new();
    let body = BASE32_NOPAD.encode(bytes);
    for (i, chunk) in body.as_bytes().chunks(CHARS_PER_LINE).enumerate() {
        let number = i + 1;
        out.push_str(&format!("{number:02}"));
        for group in chunk.chunks(GROUP) {
            out.push(' ');
            out.push_str(&String::from_utf8_lossy(group));
        }
        out.push(' ');
        out.push_str(&String::from_utf8_lossy(&line_check(number, chunk)));
        out.push('\n');
    }
    out
}

/// At most 60 characters of untrusted text for a message, with anything that is not plainly
/// printable escaped, so that a hostile file cannot send escape sequences to the terminal.
pub fn printable(s: &str) -> String {
    s.chars()
        .take(60)
        .map(|c| {
            if c == ' ' || c.is_alphanumeric() || c.is_ascii_graphic() {
                c.to_string()
            } else {
                c.escape_unicode().to_string()
            }
        })
        .collect()
}

/// What starts the compact one-line form of a share that QR codes carry.
pub const COMPACT_PREFIX: &str = "COLDSHARD:";

/// The compact form for a QR code: `COLDSHARD:1:` and the base32 of the binary share (upper
/// case, no padding), all in the QR alphanumeric alphabet (docs/FORMAT.md section 7).
pub fn encode_compact(share: &EncryptedShare) -> String {
    format!(
        "{COMPACT_PREFIX}{}:{}",
        crate::format::VERSION,
        BASE32_NOPAD.encode(&share.to_bytes())
    )
}

/// Reads the compact form, as a QR reader gives it (surrounding white space allowed).
fn decode_compact(text: &str) -> Result<Armored, ArmorError> {
    let rest = text
        .trim_matches(|c: char| c.is_ascii_whitespace())
        .strip_prefix(COMPACT_PREFIX)
        .ok_or(ArmorError::NoBegin)?;
    let (version, body) = rest
        .split_once(':')
        .ok_or_else(|| ArmorError::BadCompact("no version field".into()))?;
    if version != crate::format::VERSION.to_string() {
        return Err(ArmorError::UnknownVersion(printable(version)));
    }
    if let Some(bad) = body
        .chars()
        .find(|c| !ALPHABET.contains(&(*c as u8)) || !c.is_ascii())
    {
        return Err(ArmorError::BadCompact(format!(
            "'{}' is not a base32 character",
            printable(&bad.to_string())
        )));
    }
    let bytes = BASE32_NOPAD
        .decode(body.as_bytes())
        .map_err(|e| match e.kind {
            data_encoding::DecodeKind::Trailing => ArmorError::NonCanonical,
            _ => ArmorError::Truncated,
        })?;
    Ok(Armored {
        share: EncryptedShare::from_bytes(&bytes)?,
        label: None,
    })
}

/// Reads a share strictly, in either text form: the armor (only what [`encode`] writes is
/// accepted, a missing final newline aside, and the header lines must agree with the encoded
/// share) or the compact form of a QR code.
pub fn decode(input: &[u8]) -> Result<Armored, ArmorError> {
    let text = std::str::from_utf8(input).map_err(|_| ArmorError::NotText)?;
    if text
        .trim_start_matches(|c: char| c.is_ascii_whitespace())
        .starts_with(COMPACT_PREFIX)
    {
        return decode_compact(text);
    }
    if !text.starts_with(BEGIN) {
        return Err(ArmorError::NoBegin);
    }
    if text.contains('\r') {
        return Err(ArmorError::CarriageReturn);
    }
    if let Some(first) = text.split('\n').next().filter(|l| *l != BEGIN) {
        return Err(ArmorError::Header {
            expected: BEGIN.into(),
            found: printable(first),
        });
    }
    // A file cut off anywhere loses its END line: say so, rather than complain about the
    // half line where the cut fell.
    if !text.split('\n').any(|line| line == END) {
        return Err(ArmorError::NoEnd);
    }
    let text = text.strip_suffix('\n').unwrap_or(text);
    let mut lines = text.split('\n').skip(1).peekable();

    let mut expect_header = |prefix: &str, example: &str| -> Result<String, ArmorError> {
        match lines.next() {
            Some(line) if line.starts_with(prefix) => Ok(line[prefix.len()..].to_string()),
            Some(line) if line == END => Err(ArmorError::Truncated),
            Some(line) => Err(ArmorError::Header {
                expected: format!("{prefix}{example}"),
                found: printable(line),
            }),
            None => Err(ArmorError::NoEnd),
        }
    };
    let version = expect_header("Version: ", "1")?;
    if version != "1" {
        return Err(ArmorError::UnknownVersion(printable(&version)));
    }
    let set = expect_header("Set: ", "1A2B-3C4D-5E6F-7A8B")?;
    let share_of = expect_header("Share: ", "2 of 5")?;
    let threshold = expect_header("Threshold: ", "3")?;
    let label = match lines.next() {
        Some("") => None,
        Some(line) if line.starts_with("Label: ") => {
            let label = Label::new(&line["Label: ".len()..])?;
            match lines.next() {
                Some("") => Some(label),
                Some(other) => {
                    return Err(ArmorError::Header {
                        expected: "an empty line".into(),
                        found: printable(other),
                    });
                }
                None => return Err(ArmorError::NoEnd),
            }
        }
        Some(other) => {
            return Err(ArmorError::Header {
                expected: "an empty line".into(),
                found: printable(other),
            });
        }
        None => return Err(ArmorError::NoEnd),
    };

    let mut data = Vec::new();
    let mut number = 0;
    let mut last_was_short = false;
    loop {
        let line = lines.next().ok_or(ArmorError::NoEnd)?;
        if line == END {
            break;
        }
        number += 1;
        if last_was_short {
            return Err(ArmorError::BadLine {
                line: number - 1,
                reason: "it is shorter than 20 characters but is not the last line".into(),
            });
        }
        let chunk = parse_body_line(number, line)?;
        last_was_short = chunk.len() < CHARS_PER_LINE;
        data.extend_from_slice(&chunk);
    }
    if lines.next().is_some() {
        return Err(ArmorError::TrailingData);
    }
    if data.is_empty() {
        return Err(ArmorError::Truncated);
    }
    let bytes = decode_base32(&data)?;
    let share = EncryptedShare::from_bytes(&bytes).map_err(|e| match e {
        FormatError::Truncated { .. } => ArmorError::Truncated,
        other => ArmorError::Format(other),
    })?;

    let expected = header_lines(&share);
    for ((field, says), line) in [("Set", set), ("Share", share_of), ("Threshold", threshold)]
        .into_iter()
        .zip(expected.iter().skip(1))
    {
        let is = line[field.len() + 2..].to_string();
        if says != is {
            return Err(ArmorError::HeaderMismatch {
                field,
                says: printable(&says),
                is,
            });
        }
    }
    Ok(Armored { share, label })
}

/// Strict base32. A text of exactly the length its header announces but with unused bits set is
/// non-canonical; any other undecodable length means lines are missing.
fn decode_base32(data: &[u8]) -> Result<Vec<u8>, ArmorError> {
    let err = match BASE32_NOPAD.decode(data) {
        Ok(bytes) => return Ok(bytes),
        Err(e) => e,
    };
    let whole = data.len() / 8 * 8;
    let prefix = BASE32_NOPAD
        .decode(data.get(..whole).unwrap_or(&[]))
        .unwrap_or_default();
    let declared = prefix
        .get(17..19)
        .map(|b| OVERHEAD + usize::from(u16::from_be_bytes([b[0], b[1]])));
    match declared {
        Some(len)
            if err.kind == data_encoding::DecodeKind::Trailing
                && (len * 8).div_ceil(5) == data.len() =>
        {
            Err(ArmorError::NonCanonical)
        }
        _ => Err(ArmorError::Truncated),
    }
}

/// Parses "NN GGGGG GGGGG GGGGG GGGGG CC" and returns the data characters.
fn parse_body_line(number: usize, line: &str) -> Result<Vec<u8>, ArmorError> {
    let bad = |reason: &str| ArmorError::BadLine {
        line: number,
        reason: reason.to_string(),
    };
    let mut tokens: Vec<&str> = line.split(' ').collect();
    let printed = tokens.first().copied().unwrap_or("");
    let printed_number = if printed.len() == 2 && printed.bytes().all(|b| b.is_ascii_digit()) {
        printed.parse::<usize>().ok()
    } else {
        None
    };
    match printed_number {
        Some(n) if n == number => {}
        Some(n) if n > number => return Err(ArmorError::MissingLine { line: number }),
        Some(_) => return Err(bad("lines are out of order or repeated")),
        None => return Err(bad("it does not start with its two-digit line number")),
    }
    if tokens.len() < 3 {
        return Err(bad("it has no data or no check characters"));
    }
    let check = tokens.pop().unwrap_or("");
    let groups = tokens.get(1..).unwrap_or(&[]);
    if check.len() != 2 || !check.bytes().all(|b| ALPHABET.contains(&b)) {
        return Err(bad(
            "its last group must be two check characters (A-Z, 2-7)",
        ));
    }
    let mut data = Vec::with_capacity(CHARS_PER_LINE);
    for (i, group) in groups.iter().enumerate() {
        let is_last = i + 1 == groups.len();
        if group.is_empty() || group.len() > GROUP || (!is_last && group.len() != GROUP) {
            return Err(bad(
                "groups must be 5 characters, separated by single spaces",
            ));
        }
        for b in group.bytes() {
            if !ALPHABET.contains(&b) {
                return Err(if b.is_ascii_lowercase() {
                    bad("it has lower-case letters; shares use capitals")
                } else if matches!(b, b'0' | b'1' | b'8' | b'9') {
                    bad("it has a digit 0, 1, 8 or 9, which shares never use (O, I, B or g?)")
                } else {
                    bad("it has a character outside A-Z and 2-7")
                });
            }
        }
        data.extend_from_slice(group.as_bytes());
    }
    if data.len() > CHARS_PER_LINE {
        return Err(bad("it has more than 20 characters"));
    }
    if line_check(number, &data) != check.as_bytes() {
        return Err(ArmorError::LineCheck { line: number });
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{Argon2Params, Kdf, SetKey};
    use crate::format::{SetId, ShareHeader};
    use crate::passphrase::Passphrase;
    use crate::secret::SecretKind;
    use crate::shamir::{ShareCount, ShareIndex, SharePoint, Threshold};
    use zeroize::Zeroizing;

    fn sample() -> EncryptedShare {
        let key = SetKey::from_seed(&[5; 32]).unwrap();
        let header = ShareHeader {
            set_id: SetId::of_public_key(&key.public_key()),
            index: ShareIndex::new(2).unwrap(),
            threshold: Threshold::new(3).unwrap(),
            count: ShareCount::new(5).unwrap(),
            kind: SecretKind::Bip39,
            secret_len: 33,
            kdf: Kdf::Argon2id(Argon2Params::new(64, 1, 1).unwrap()),
            salt: [3; 16],
            nonce: [4; 24],
            set_key: key.public_key(),
            commitment: [6; 16],
        };
        let point = SharePoint::new(header.index, Zeroizing::new(vec![9; 33 + 32]));
        EncryptedShare::seal(header, &point, &Passphrase::new("x"), &key).unwrap()
    }

    #[test]
    fn round_trip_with_and_without_label() {
        let share = sample();
        let label = Label::new("Alice (vault 2)").unwrap();
        for l in [None, Some(&label)] {
            let text = encode(&share, l);
            let back = decode(text.as_bytes()).unwrap();
            assert_eq!(back.share, share);
            assert_eq!(back.label.as_ref(), l);
            // A missing final newline is tolerated.
            assert!(decode(text.trim_end().as_bytes()).is_ok());
        }
    }

    #[test]
    fn every_single_character_substitution_names_its_line() {
        let text = encode(&sample(), None);
        let lines: Vec<&str> = text.lines().collect();
        let body_start = lines.iter().position(|l| l.is_empty()).unwrap() + 1;
        for (row, line) in lines.iter().enumerate().skip(body_start) {
            if *line == END {
                break;
            }
            let number = row - body_start + 1;
            for (col, c) in line.char_indices().skip(3) {
                if c == ' ' {
                    continue;
                }
                for &sub in ALPHABET {
                    if sub as char == c {
                        continue;
                    }
                    let mut changed: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
                    changed[row].replace_range(col..col + 1, &(sub as char).to_string());
                    let err = decode(changed.join("\n").as_bytes()).unwrap_err();
                    assert_eq!(
                        err,
                        ArmorError::LineCheck { line: number },
                        "row {row} col {col}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_compact_qr_form_round_trips_and_is_strict() {
        let share = sample();
        let compact = encode_compact(&share);
        assert!(compact.starts_with("COLDSHARD:1:"));
        // QR alphanumeric alphabet only: upper case, digits and ':'.
        assert!(
            compact
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == ':')
        );
        assert_eq!(decode(compact.as_bytes()).unwrap().share, share);
        let padded = format!("  {compact}\r\n");
        assert_eq!(decode(padded.as_bytes()).unwrap().share, share);
        let v2 = compact.replacen("COLDSHARD:1:", "COLDSHARD:2:", 1);
        assert_eq!(
            decode(v2.as_bytes()).unwrap_err(),
            ArmorError::UnknownVersion("2".into())
        );
        assert!(matches!(
            decode(compact.to_lowercase().as_bytes()).unwrap_err(),
            ArmorError::NoBegin
        ));
        let lower_body = format!("COLDSHARD:1:{}", &compact[12..].to_lowercase());
        assert!(matches!(
            decode(lower_body.as_bytes()).unwrap_err(),
            ArmorError::BadCompact(_)
        ));
        // One character changed anywhere: refused, never another share.
        for i in 12..compact.len() {
            let mut b = compact.clone().into_bytes();
            b[i] = if b[i] == b'A' { b'B' } else { b'A' };
            assert!(decode(&b).is_err(), "position {i}");
        }
        assert!(matches!(
            decode(&compact.as_bytes()[..compact.len() - 1]).unwrap_err(),
            ArmorError::Truncated | ArmorError::Format(FormatError::Truncated { .. })
        ));
    }

    #[test]
    fn structural_errors() {
        let text = encode(&sample(), None);
        assert_eq!(decode(b"hello").unwrap_err(), ArmorError::NoBegin);
        assert_eq!(
            decode(text.replace("Version: 1", "Version: 2").as_bytes()).unwrap_err(),
            ArmorError::UnknownVersion("2".into())
        );
        assert_eq!(
            decode(format!("{text}more\n").as_bytes()).unwrap_err(),
            ArmorError::TrailingData
        );
        assert_eq!(
            decode(text.replace('\n', "\r\n").as_bytes()).unwrap_err(),
            ArmorError::CarriageReturn
        );
        let no_end: String = text.lines().take(8).collect::<Vec<_>>().join("\n");
        assert_eq!(decode(no_end.as_bytes()).unwrap_err(), ArmorError::NoEnd);
        assert!(matches!(
            decode(text.replace("Share: 2 of 5", "Share: 3 of 5").as_bytes()),
            Err(ArmorError::HeaderMismatch { field: "Share", .. })
        ));
        // Dropping a middle line is reported as missing.
        let mut lines: Vec<&str> = text.lines().collect();
        lines.remove(8);
        assert_eq!(
            decode(lines.join("\n").as_bytes()).unwrap_err(),
            ArmorError::MissingLine { line: 3 }
        );
        // Dropping the last body line is a truncation.
        let mut lines: Vec<&str> = text.lines().collect();
        let end = lines.len() - 1;
        lines.remove(end - 1);
        assert_eq!(
            decode(lines.join("\n").as_bytes()).unwrap_err(),
            ArmorError::Truncated
        );
        let lower = text.replacen("01 ", "01 a", 1);
        assert!(matches!(
            decode(lower.as_bytes()),
            Err(ArmorError::BadLine { line: 1, .. })
        ));
    }

    #[test]
    fn labels_are_validated() {
        assert!(Label::new("").is_err());
        assert!(Label::new(" x").is_err());
        assert!(Label::new("a\nb").is_err());
        assert!(Label::new(&"x".repeat(65)).is_err());
        assert!(Label::new("Zo\u{eb}").is_ok());
        assert!(Label::new("Alice (vault 2), Z\u{fc}rich").is_ok());
        for hostile in [
            "a\u{202e}b",
            "a\u{2028}b",
            "a\u{200b}b",
            "a\u{1b}[2Kb",
            "a\tb",
        ] {
            assert!(Label::new(hostile).is_err(), "{hostile:?}");
        }
    }

    #[test]
    fn hostile_header_text_is_escaped_in_messages() {
        let text = encode(&sample(), None).replace("Version: 1", "Version: \u{1b}]0;owned\u{7}");
        let message = decode(text.as_bytes()).unwrap_err().to_string();
        assert!(
            !message.contains('\u{1b}') && !message.contains('\u{7}'),
            "{message:?}"
        );
        let extra = encode(&sample(), None).replacen(BEGIN, &format!("{BEGIN} "), 1);
        assert!(matches!(
            decode(extra.as_bytes()),
            Err(ArmorError::Header { .. })
        ));
    }
}
