//! Custodian passphrases: NFKD normalisation, passphrase files, generated passphrases.

use std::io::Read;
use std::path::Path;

use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

/// Number of BIP39 words in a generated passphrase (66 bits of entropy before Argon2id).
pub const GENERATED_WORDS: usize = 6;
/// Largest passphrase file read, in bytes (255 lines of generous passphrases).
const MAX_FILE_BYTES: u64 = 256 * 1024;

/// Errors of the passphrase layer.
#[derive(Debug, thiserror::Error)]
pub enum PassphraseError {
    /// The passphrase file could not be read.
    #[error("cannot read passphrase file '{path}': {reason}")]
    Read {
        /// File path.
        path: String,
        /// OS reason.
        reason: String,
    },
    /// The file is not UTF-8 or too large.
    #[error("passphrase file '{path}' {reason}")]
    Invalid {
        /// File path.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// An empty passphrase where one is required.
    #[error("line {line} of passphrase file '{path}' is empty")]
    EmptyLine {
        /// File path.
        path: String,
        /// 1-based line number.
        line: usize,
    },
    /// A line with a character nobody can type at a passphrase prompt.
    #[error(
        "line {line} of passphrase file '{path}' contains a control or invisible character, which cannot be typed at a passphrase prompt"
    )]
    Untypeable {
        /// File path.
        path: String,
        /// 1-based line number.
        line: usize,
    },
    /// Wrong number of lines for the shares at hand.
    #[error(
        "passphrase file '{path}' has {lines} lines; it needs one line per share ({needed}), or a single line for all"
    )]
    LineCount {
        /// File path.
        path: String,
        /// Lines found.
        lines: usize,
        /// Lines needed.
        needed: usize,
    },
    /// The OS random number generator failed.
    #[error("the operating system's random number generator failed: {0}")]
    Random(String),
}

/// A passphrase, NFKD-normalised; zeroized on drop and never printed.
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    /// Normalises `raw` to NFKD (so the same passphrase typed on any system derives the same key).
    pub fn new(raw: &str) -> Self {
        // Sized exactly first, so that the normalised copy is never reallocated (and left behind).
        let len = raw.nfkd().map(char::len_utf8).sum();
        let mut out = Zeroizing::new(String::with_capacity(len));
        for c in raw.nfkd() {
            out.push(c);
        }
        Passphrase(out)
    }

    /// The empty passphrase (used only with `--no-passphrase`, where the KDF is `none`).
    pub fn empty() -> Self {
        Passphrase(Zeroizing::new(String::new()))
    }

    /// The normalised bytes fed to the KDF.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// The passphrase text, for showing a generated passphrase to its custodian once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Number of characters.
    pub fn char_count(&self) -> usize {
        self.0.chars().count()
    }

    /// Constant-shape comparison for "type it again" prompts.
    pub fn same_as(&self, other: &Passphrase) -> bool {
        let (a, b) = (self.as_bytes(), other.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// Control characters (a hidden prompt drops them) and invisible format characters (zero-width
/// spaces and joiners, direction marks, byte-order marks): a passphrase holding one could be
/// written from a file but never typed again at a prompt.
fn untypeable(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{ad}' | '\u{61c}' | '\u{180e}' | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

/// Draws a passphrase of [`GENERATED_WORDS`] words uniformly from the BIP39 English list.
pub fn generate() -> Result<Passphrase, PassphraseError> {
    let words = bip39::Language::English.word_list();
    let mut out = Zeroizing::new(String::with_capacity(GENERATED_WORDS * 9));
    for i in 0..GENERATED_WORDS {
        let mut two = Zeroizing::new([0u8; 2]);
        getrandom::fill(two.as_mut_slice()).map_err(|e| PassphraseError::Random(e.to_string()))?;
        // 2048 = 2^11 words: the low 11 bits of a uniform u16 are uniform.
        let index = usize::from(u16::from_le_bytes(*two) & 0x07ff);
        if i > 0 {
            out.push(' ');
        }
        out.push_str(words[index]); // index < 2048 by the mask above
    }
    Ok(Passphrase(out))
}

/// Reads a passphrase file: UTF-8, one passphrase per line, LF or CRLF line ends.
///
/// Returns one passphrase per share: a single line applies to all `needed` shares.
pub fn read_file(path: &Path, needed: usize) -> Result<Vec<Passphrase>, PassphraseError> {
    let shown = path.display().to_string();
    let read_err = |e: std::io::Error| PassphraseError::Read {
        path: shown.clone(),
        reason: e.to_string(),
    };
    // Read at most MAX + 1 bytes into a buffer sized once: works for pipes and /dev/stdin
    // (no size in metadata), never grows (no freed copies), and caps the work.
    let mut bytes = Zeroizing::new(Vec::with_capacity(MAX_FILE_BYTES as usize + 1));
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(read_err)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(PassphraseError::Invalid {
            path: shown,
            reason: format!("is larger than {MAX_FILE_BYTES} bytes"),
        });
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| PassphraseError::Invalid {
        path: shown.clone(),
        reason: "is not valid UTF-8".into(),
    })?;
    // A byte-order mark is an editor's artefact, not part of the first passphrase.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = text.strip_suffix('\n').unwrap_or(text);
    let mut lines = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            return Err(PassphraseError::EmptyLine {
                path: shown,
                line: i + 1,
            });
        }
        if line.chars().any(untypeable) {
            return Err(PassphraseError::Untypeable {
                path: shown,
                line: i + 1,
            });
        }
        lines.push(Passphrase::new(line));
    }
    match lines.len() {
        1 => {
            let one = lines.pop().unwrap_or_else(Passphrase::empty);
            Ok((0..needed).map(|_| Passphrase::new(one.expose())).collect())
        }
        n if n == needed => Ok(lines),
        n => Err(PassphraseError::LineCount {
            path: shown,
            lines: n,
            needed,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfkd_makes_composed_and_decomposed_equal() {
        let composed = Passphrase::new("Zo\u{eb} \u{fb01}");
        let decomposed = Passphrase::new("Zoe\u{308} fi");
        assert!(composed.same_as(&decomposed));
        assert!(!composed.same_as(&Passphrase::new("Zoe fi")));
    }

    #[test]
    fn generated_passphrases_are_six_bip39_words_and_differ() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        let words: Vec<&str> = a.expose().split(' ').collect();
        assert_eq!(words.len(), GENERATED_WORDS);
        for w in words {
            assert!(bip39::Language::English.find_word(w).is_some(), "{w}");
        }
        assert!(!a.same_as(&b));
    }

    #[test]
    fn passphrase_file_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p.txt");
        std::fs::write(&p, "one\r\ntwo\nthree\n").unwrap();
        let got = read_file(&p, 3).unwrap();
        assert_eq!(got[1].expose(), "two");
        assert_eq!(got[0].expose(), "one");
        assert!(matches!(
            read_file(&p, 2),
            Err(PassphraseError::LineCount { lines: 3, .. })
        ));
        std::fs::write(&p, "same").unwrap();
        assert_eq!(read_file(&p, 4).unwrap().len(), 4);
        std::fs::write(&p, "a\n\nb\n").unwrap();
        assert!(matches!(
            read_file(&p, 3),
            Err(PassphraseError::EmptyLine { line: 2, .. })
        ));
        std::fs::write(&p, "\u{feff}first\nsecond\n").unwrap();
        assert_eq!(read_file(&p, 2).unwrap()[0].expose(), "first");
        for bad in ["tab\there\n", "zero\u{200b}width\n"] {
            std::fs::write(&p, bad).unwrap();
            assert!(matches!(
                read_file(&p, 1),
                Err(PassphraseError::Untypeable { line: 1, .. })
            ));
        }
        std::fs::write(&p, [0xffu8, 0xfe]).unwrap();
        assert!(matches!(
            read_file(&p, 1),
            Err(PassphraseError::Invalid { .. })
        ));
    }
}
