//! Seed material: parsing what the user gives (BIP39 words, hex, raw bytes), the byte payload
//! that is split, and giving back the same kind that went in.

use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;
use zeroize::{Zeroize, Zeroizing};

/// Largest secret payload in bytes.
pub const MAX_SECRET_LEN: usize = 256;
/// Largest input read for a secret, in bytes (a mnemonic with generous spacing fits easily).
pub const MAX_INPUT_LEN: usize = 8 * 1024;
/// Word counts BIP39 allows.
pub const MNEMONIC_WORD_COUNTS: [usize; 5] = [12, 15, 18, 21, 24];

/// What kind of secret a share set holds; recovery gives back the same kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretKind {
    /// A BIP39 English mnemonic; payload = entropy followed by one checksum byte.
    Bip39,
    /// Bytes given (and given back) as hexadecimal text.
    Hex,
    /// Bytes given (and given back) exactly as they were.
    Raw,
}

impl SecretKind {
    /// The byte that encodes this kind in the share format.
    pub fn code(self) -> u8 {
        match self {
            SecretKind::Bip39 => 1,
            SecretKind::Hex => 2,
            SecretKind::Raw => 3,
        }
    }

    /// The kind for a share-format byte, if defined.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(SecretKind::Bip39),
            2 => Some(SecretKind::Hex),
            3 => Some(SecretKind::Raw),
            _ => None,
        }
    }

    /// Name used in JSON output and docs.
    pub fn name(self) -> &'static str {
        match self {
            SecretKind::Bip39 => "bip39",
            SecretKind::Hex => "hex",
            SecretKind::Raw => "raw",
        }
    }

    /// The kind with this [`SecretKind::name`].
    pub fn from_name(name: &str) -> Option<Self> {
        [SecretKind::Bip39, SecretKind::Hex, SecretKind::Raw]
            .into_iter()
            .find(|k| k.name() == name)
    }

    /// Whether `len` is a valid payload length for this kind.
    pub fn valid_len(self, len: usize) -> bool {
        match self {
            SecretKind::Bip39 => [17, 21, 25, 29, 33].contains(&len),
            SecretKind::Hex | SecretKind::Raw => (1..=MAX_SECRET_LEN).contains(&len),
        }
    }

    /// A short human description of a payload of `len` bytes of this kind.
    pub fn describe(self, len: usize) -> String {
        match self {
            SecretKind::Bip39 => format!("BIP39 mnemonic, {} words", (len - 1) * 3 / 4),
            SecretKind::Hex => format!("hex, {len} bytes"),
            SecretKind::Raw => format!("raw bytes, {len} bytes"),
        }
    }
}

/// How to read the secret input; `Auto` decides as documented in docs/CLI.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum InputFormat {
    /// Words if it looks like words, hex if it is hex, otherwise raw bytes.
    #[default]
    Auto,
    /// A BIP39 English mnemonic.
    Bip39,
    /// Hexadecimal text (whitespace between digits is ignored).
    Hex,
    /// The bytes exactly as given.
    Raw,
}

/// Errors of secret input and output. They never contain secret material.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    /// Nothing was given.
    #[error("the secret is empty")]
    Empty,
    /// Too many bytes.
    #[error("the secret is {len} bytes; the most coldshard splits is {MAX_SECRET_LEN} bytes")]
    TooLong {
        /// Bytes given.
        len: usize,
    },
    /// A mnemonic with a word count BIP39 does not allow.
    #[error("a BIP39 mnemonic has 12, 15, 18, 21 or 24 words; this one has {count}")]
    WordCount {
        /// Words given.
        count: usize,
    },
    /// A word that is not in the BIP39 English list.
    /// The closest valid words are carried separately: they hint at a secret word, so the CLI
    /// shows them only on a terminal, never in a log.
    #[error("word {position} of the mnemonic is not a BIP39 word")]
    UnknownWord {
        /// 1-based position.
        position: usize,
        /// Up to three closest BIP39 words.
        suggestions: Suggestions,
    },
    /// All words valid, but the checksum does not match.
    #[error("the mnemonic's checksum does not match: a word is wrong, missing or out of order")]
    Checksum,
    /// Hex text that is not valid hex.
    #[error("the hex secret is not valid: {0}")]
    Hex(String),
    /// Text that is not valid UTF-8 where text is needed.
    #[error("the secret is not valid UTF-8 text")]
    NotText,
    /// A recovered payload that is not valid for its kind (checksum or length).
    #[error("the rebuilt secret is not a valid {0}: a share is damaged or forged")]
    BadPayload(&'static str),
    /// The OS random number generator failed.
    #[error("the operating system's random number generator failed: {0}")]
    Random(String),
}

/// The closest BIP39 words to a mistyped one. They hint at a seed word, so `Debug` hides them.
#[derive(Clone, PartialEq, Eq)]
pub struct Suggestions(pub Vec<&'static str>);

impl std::fmt::Debug for Suggestions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Suggestions({} hidden)", self.0.len())
    }
}

/// Seed material of a known kind; zeroized on drop and never printed by accident (no Debug).
pub struct Secret {
    kind: SecretKind,
    payload: Zeroizing<Vec<u8>>,
}

impl Secret {
    /// Parses user input according to `format`.
    pub fn parse(input: &[u8], format: InputFormat) -> Result<Secret, SecretError> {
        if input.len() > MAX_INPUT_LEN {
            return Err(SecretError::TooLong { len: input.len() });
        }
        match format {
            InputFormat::Bip39 => parse_mnemonic(&normalised_words(text(input)?)),
            InputFormat::Hex => parse_hex(text(input)?),
            InputFormat::Raw => Secret::from_bytes(SecretKind::Raw, input),
            InputFormat::Auto => match std::str::from_utf8(input) {
                Ok(t) if t.trim().is_empty() => Err(SecretError::Empty),
                Ok(t) if looks_like_hex(t) => parse_hex(t),
                Ok(t) => {
                    let words = normalised_words(t);
                    if looks_like_mnemonic(&words) {
                        parse_mnemonic(&words)
                    } else {
                        Secret::from_bytes(SecretKind::Raw, input)
                    }
                }
                _ => Secret::from_bytes(SecretKind::Raw, input),
            },
        }
    }

    /// Builds a hex or raw secret from bytes, checking the length.
    fn from_bytes(kind: SecretKind, bytes: &[u8]) -> Result<Secret, SecretError> {
        if bytes.is_empty() {
            return Err(SecretError::Empty);
        }
        if bytes.len() > MAX_SECRET_LEN {
            return Err(SecretError::TooLong { len: bytes.len() });
        }
        Ok(Secret {
            kind,
            payload: Zeroizing::new(bytes.to_vec()),
        })
    }

    /// Rebuilds a secret from a recovered payload, checking it (the BIP39 checksum for words).
    pub fn from_payload(
        kind: SecretKind,
        payload: Zeroizing<Vec<u8>>,
    ) -> Result<Secret, SecretError> {
        if !kind.valid_len(payload.len()) {
            return Err(SecretError::BadPayload(kind.name()));
        }
        if kind == SecretKind::Bip39 {
            let (entropy, check) = payload.split_at(payload.len() - 1);
            if check != [checksum_byte(entropy)] {
                return Err(SecretError::BadPayload("BIP39 mnemonic (checksum)"));
            }
        }
        Ok(Secret { kind, payload })
    }

    /// A new mnemonic of `words` words from the OS CSPRNG.
    pub fn generate_mnemonic(words: usize) -> Result<Secret, SecretError> {
        if !MNEMONIC_WORD_COUNTS.contains(&words) {
            return Err(SecretError::WordCount { count: words });
        }
        let mut entropy = Zeroizing::new(vec![0u8; words * 4 / 3]);
        getrandom::fill(entropy.as_mut_slice()).map_err(|e| SecretError::Random(e.to_string()))?;
        Ok(Secret::from_entropy(&entropy))
    }

    /// A BIP39 secret from entropy of a valid length (16..=32 bytes, multiple of 4).
    fn from_entropy(entropy: &[u8]) -> Secret {
        let mut payload = Zeroizing::new(Vec::with_capacity(entropy.len() + 1));
        payload.extend_from_slice(entropy);
        payload.push(checksum_byte(entropy));
        Secret {
            kind: SecretKind::Bip39,
            payload,
        }
    }

    /// The kind of secret.
    pub fn kind(&self) -> SecretKind {
        self.kind
    }

    /// The bytes that are split.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Human description ("BIP39 mnemonic, 24 words").
    pub fn describe(&self) -> String {
        self.kind.describe(self.payload.len())
    }

    /// The secret as the user gave it: words and newline, lowercase hex and newline, or raw bytes.
    pub fn render(&self) -> Result<Zeroizing<Vec<u8>>, SecretError> {
        let mut out = Zeroizing::new(Vec::with_capacity(self.payload.len() * 9 + 1));
        match self.kind {
            SecretKind::Bip39 => {
                let entropy = &self.payload[..self.payload.len() - 1];
                let mnemonic = bip39::Mnemonic::from_entropy(entropy)
                    .map_err(|_| SecretError::BadPayload("BIP39 mnemonic"))?;
                for (i, word) in mnemonic.words().enumerate() {
                    if i > 0 {
                        out.push(b' ');
                    }
                    out.extend_from_slice(word.as_bytes());
                }
                out.push(b'\n');
            }
            SecretKind::Hex => {
                let mut digits = Zeroizing::new(vec![0u8; self.payload.len() * 2]);
                hex::encode_to_slice(self.payload.as_slice(), digits.as_mut_slice())
                    .map_err(|e| SecretError::Hex(e.to_string()))?;
                out.extend_from_slice(&digits);
                out.push(b'\n');
            }
            SecretKind::Raw => out.extend_from_slice(&self.payload),
        }
        Ok(out)
    }

    /// The BIP32 master key fingerprint wallets display (8 hex digits, lower case), for a BIP39
    /// secret: HASH160 of the master public key of the seed made with `bip39_passphrase`
    /// (empty for none). `None` for hex and raw secrets.
    pub fn bip32_fingerprint(&self, bip39_passphrase: &str) -> Option<String> {
        use hmac::{KeyInit as _, Mac};
        use sha2::Sha512;
        if self.kind != SecretKind::Bip39 {
            return None;
        }
        let entropy = self.payload.get(..self.payload.len().saturating_sub(1))?;
        let mnemonic = bip39::Mnemonic::from_entropy(entropy).ok()?;
        let normalised: Zeroizing<String> = Zeroizing::new(bip39_passphrase.nfkd().collect());
        let seed = Zeroizing::new(mnemonic.to_seed_normalized(&normalised));
        let mut mac = hmac::Hmac::<Sha512>::new_from_slice(b"Bitcoin seed").ok()?;
        mac.update(seed.as_slice());
        let master = Zeroizing::new(mac.finalize().into_bytes());
        let key = k256::SecretKey::from_slice(master.get(..32)?).ok()?;
        let public = key.public_key().to_sec1_bytes();
        let hash160 = ripemd::Ripemd160::digest(Sha256::digest(&public));
        Some(hex::encode(&hash160[..4]))
    }

    /// A short public fingerprint (8 hex digits) to compare a recovery with the record.
    ///
    /// It is a truncated SHA-256 of the secret: harmless for a seed of 128 bits or more, but
    /// it lets an attacker test guesses of a weak raw secret; docs/THREAT-MODEL.md says so.
    pub fn fingerprint(&self) -> String {
        let digest = sha256_of_secret(&[
            b"coldshard fingerprint v1\0",
            &[self.kind.code()],
            self.payload.as_slice(),
        ]);
        hex::encode_upper(&digest[..4])
    }
}

/// The BIP39 checksum bits of `entropy`, left-aligned in one byte, the unused bits zero.
fn checksum_byte(entropy: &[u8]) -> u8 {
    let bits = entropy.len() / 4; // ENT / 32
    let mask = 0xffu8 << (8 - bits.clamp(1, 8));
    sha256_of_secret(&[entropy])[0] & mask
}

/// SHA-256 over secret parts without leaving copies behind: the hasher is finalised in place
/// and reset (sha2's zeroize feature wipes its buffer), the digest is zeroized on drop.
fn sha256_of_secret(parts: &[&[u8]]) -> Zeroizing<[u8; 32]> {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    let mut digest = sha2::digest::Output::<Sha256>::default();
    hasher.finalize_into_reset(&mut digest);
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(&digest);
    digest.zeroize();
    out
}

fn text(input: &[u8]) -> Result<&str, SecretError> {
    std::str::from_utf8(input).map_err(|_| SecretError::NotText)
}

/// Words, and at least half of them BIP39 words: treated (and validated) as a mnemonic, so a
/// mistyped mnemonic is reported rather than silently split as raw text.
fn looks_like_mnemonic(words: &[Zeroizing<String>]) -> bool {
    !words.is_empty()
        && words.iter().all(|w| w.chars().all(char::is_alphabetic))
        && 2 * words
            .iter()
            .filter(|w| bip39::Language::English.find_word(w).is_some())
            .count()
            >= words.len()
}

/// The text without surrounding whitespace and an optional `0x` prefix.
fn strip_hex_prefix(t: &str) -> &str {
    let t = t.trim();
    t.strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t)
}

fn looks_like_hex(t: &str) -> bool {
    let mut digits = strip_hex_prefix(t)
        .chars()
        .filter(|c| !c.is_whitespace())
        .peekable();
    digits.peek().is_some() && digits.all(|c| c.is_ascii_hexdigit())
}

/// The words of `t`, NFKD and lower case, each in a buffer sized once and zeroized on drop.
fn normalised_words(t: &str) -> Vec<Zeroizing<String>> {
    t.split_whitespace()
        .map(|w| {
            let normal = || w.nfkd().flat_map(char::to_lowercase);
            let mut out = Zeroizing::new(String::with_capacity(normal().map(char::len_utf8).sum()));
            out.extend(normal());
            out
        })
        .collect()
}

fn parse_mnemonic(words: &[Zeroizing<String>]) -> Result<Secret, SecretError> {
    if words.is_empty() {
        return Err(SecretError::Empty);
    }
    let list = bip39::Language::English;
    for (i, w) in words.iter().enumerate() {
        if list.find_word(w).is_none() {
            return Err(SecretError::UnknownWord {
                position: i + 1,
                suggestions: Suggestions(suggest(w)),
            });
        }
    }
    if !MNEMONIC_WORD_COUNTS.contains(&words.len()) {
        return Err(SecretError::WordCount { count: words.len() });
    }
    let mut joined = Zeroizing::new(String::with_capacity(words.len() * 9));
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            joined.push(' ');
        }
        joined.push_str(w);
    }
    let mnemonic =
        bip39::Mnemonic::parse_in_normalized(list, &joined).map_err(|_| SecretError::Checksum)?;
    let (entropy, len) = mnemonic.to_entropy_array();
    let entropy = Zeroizing::new(entropy);
    Ok(Secret::from_entropy(&entropy[..len]))
}

/// Up to three closest BIP39 words (edit distance at most 2), closest first.
fn suggest(word: &str) -> Vec<&'static str> {
    let mut scored: Vec<(usize, &'static str)> = candidates(word.chars().count())
        .map(|w| (strsim::damerau_levenshtein(word, w), w))
        .filter(|(d, _)| *d <= 2)
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, w)| w).collect()
}

/// The BIP39 words that can be within edit distance 2 of a word of `len` characters: the
/// distance is at least the difference in length. Without this, a long hostile "word" cost
/// 2048 distance computations of its full length (found by fuzzing, docs/SECURITY.md).
fn candidates(len: usize) -> impl Iterator<Item = &'static str> {
    bip39::Language::English
        .word_list()
        .iter()
        .copied()
        .filter(move |w| w.len().abs_diff(len) <= 2)
}

fn parse_hex(t: &str) -> Result<Secret, SecretError> {
    let stripped = strip_hex_prefix(t);
    let mut digits = Zeroizing::new(String::with_capacity(stripped.len()));
    digits.extend(stripped.chars().filter(|c| !c.is_whitespace()));
    if digits.is_empty() {
        return Err(SecretError::Empty);
    }
    if !digits.len().is_multiple_of(2) {
        return Err(SecretError::Hex(format!(
            "it has an odd number of digits ({})",
            digits.len()
        )));
    }
    let bytes =
        Zeroizing::new(hex::decode(digits.as_bytes()).map_err(|_| {
            SecretError::Hex("it contains characters other than 0-9 and a-f".into())
        })?);
    Secret::from_bytes(SecretKind::Hex, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ABOUT: &str = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

    #[test]
    fn mnemonic_round_trip_with_case_and_whitespace() {
        let messy = "  Abandon abandon\tabandon abandon abandon abandon\nabandon abandon abandon abandon ABANDON about \n";
        let s = Secret::parse(messy.as_bytes(), InputFormat::Auto).unwrap();
        assert_eq!(s.kind(), SecretKind::Bip39);
        assert_eq!(s.payload().len(), 17);
        assert_eq!(&s.render().unwrap()[..], format!("{ABOUT}\n").as_bytes());
    }

    /// Fuzzing regression: a 4096-character "word" took seconds to parse under the fuzzer
    /// (every BIP39 word's distance to it was computed). No word can be close to it.
    #[test]
    fn long_unknown_word_skips_the_distance_computations() {
        let input = include_bytes!("../tests/data/fuzz-regressions/seed_input-long-word.txt");
        assert_eq!(candidates(input.len()).count(), 0);
        match Secret::parse(input, InputFormat::Bip39) {
            Err(SecretError::UnknownWord {
                position: 1,
                suggestions,
            }) => assert!(suggestions.0.is_empty()),
            _ => panic!("expected an unknown word"),
        }
        // A word of BIP39 length still gets its close words.
        assert!(candidates(5).any(|w| w == "about"));
    }

    #[test]
    fn mnemonic_errors() {
        let bad_word = ABOUT.replace("about", "abuot");
        match Secret::parse(bad_word.as_bytes(), InputFormat::Auto) {
            Err(SecretError::UnknownWord {
                position,
                suggestions,
            }) => {
                assert_eq!(position, 12);
                assert_eq!(suggestions.0.first(), Some(&"about"));
                assert!(!format!("{suggestions:?}").contains("about"));
            }
            _ => panic!("expected unknown word"),
        }
        let bad_sum = ABOUT.replace("about", "abandon");
        assert_eq!(
            Secret::parse(bad_sum.as_bytes(), InputFormat::Auto).err(),
            Some(SecretError::Checksum)
        );
        let short = "abandon abandon abandon";
        assert_eq!(
            Secret::parse(short.as_bytes(), InputFormat::Auto).err(),
            Some(SecretError::WordCount { count: 3 })
        );
    }

    #[test]
    fn hex_and_raw() {
        let s = Secret::parse(b"DEAD beef\n", InputFormat::Auto).unwrap();
        assert_eq!(s.kind(), SecretKind::Hex);
        assert_eq!(s.payload(), &[0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(&s.render().unwrap()[..], b"deadbeef\n");
        let prefixed = Secret::parse(b"0xDEADBEEF\n", InputFormat::Auto).unwrap();
        assert_eq!(prefixed.kind(), SecretKind::Hex);
        assert_eq!(prefixed.payload(), &[0xde, 0xad, 0xbe, 0xef]);
        assert!(matches!(
            Secret::parse(b"abc", InputFormat::Hex),
            Err(SecretError::Hex(_))
        ));
        let raw = Secret::parse(b"hunter2 is not hex!\n", InputFormat::Auto).unwrap();
        assert_eq!(raw.kind(), SecretKind::Raw);
        assert_eq!(&raw.render().unwrap()[..], b"hunter2 is not hex!\n");
        assert_eq!(
            Secret::parse(&[7u8; 257], InputFormat::Raw).err(),
            Some(SecretError::TooLong { len: 257 })
        );
        assert_eq!(
            Secret::parse(b" \n", InputFormat::Auto).err(),
            Some(SecretError::Empty)
        );
    }

    #[test]
    fn recovered_payload_checksum_is_checked() {
        let s = Secret::parse(ABOUT.as_bytes(), InputFormat::Bip39).unwrap();
        let mut payload = Zeroizing::new(s.payload().to_vec());
        assert!(Secret::from_payload(SecretKind::Bip39, payload.clone()).is_ok());
        payload[3] ^= 1;
        assert!(matches!(
            Secret::from_payload(SecretKind::Bip39, payload),
            Err(SecretError::BadPayload(_))
        ));
    }

    #[test]
    fn checksum_byte_matches_bip39_crate() {
        for len in [16usize, 20, 24, 28, 32] {
            let entropy: Vec<u8> = (0..len as u8).map(|b| b.wrapping_mul(37)).collect();
            let m = bip39::Mnemonic::from_entropy(&entropy).unwrap();
            let bits = len / 4;
            assert_eq!(checksum_byte(&entropy) >> (8 - bits), m.checksum());
        }
    }

    #[test]
    fn bip32_master_fingerprint_matches_what_wallets_show() {
        // The well-known fingerprint of the "abandon ... about" test mnemonic, no passphrase.
        let s = Secret::parse(ABOUT.as_bytes(), InputFormat::Bip39).unwrap();
        assert_eq!(s.bip32_fingerprint("").as_deref(), Some("73c5da0a"));
        assert_ne!(s.bip32_fingerprint("TREZOR").as_deref(), Some("73c5da0a"));
        assert!(
            Secret::parse(b"00ff", InputFormat::Hex)
                .unwrap()
                .bip32_fingerprint("")
                .is_none()
        );
    }

    #[test]
    fn generated_mnemonics_are_valid_and_distinct() {
        let a = Secret::generate_mnemonic(24).unwrap();
        let b = Secret::generate_mnemonic(24).unwrap();
        assert_ne!(a.payload(), b.payload());
        let words = a.render().unwrap();
        assert!(bip39::Mnemonic::parse(std::str::from_utf8(&words).unwrap().trim()).is_ok());
        assert!(Secret::generate_mnemonic(13).is_err());
    }
}
