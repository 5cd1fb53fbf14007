//! SeedQR: a BIP39 mnemonic as a QR code that a signing device (SeedSigner, and others that
//! adopted the format) scans instead of having the words typed in, as specified by SeedSigner
//! in docs/seed_qr/README.md of <https://github.com/SeedSigner/seedsigner>:
//!
//! - Standard SeedQR: each word's index in the BIP39 English list (0-2047) as four decimal
//!   digits, zero-padded, concatenated; QR numeric mode. 12 words → 48 digits → version 2
//!   (25x25); 24 words → 96 digits → version 3 (29x29).
//! - CompactSeedQR: the entropy bytes (the mnemonic's bits without the checksum bits); QR byte
//!   mode. 12 words → 16 bytes → version 1 (21x21); 24 words → 32 bytes → version 2 (25x25).
//!
//! Both at error correction level L. The specification defines 12 and 24 words only; other
//! word counts are refused. The bit stream is built here segment by segment, with the version
//! fixed, so the mode and the size are the specification's, not an encoder's choice.
//! docs/SEEDQR.md describes what is emitted.

use qrcode::bits::Bits;
use qrcode::{EcLevel, QrCode, Version};
use zeroize::{Zeroize, Zeroizing};

use crate::qr::QrMatrix;
use crate::secret::{Secret, SecretKind};

/// Word counts the SeedQR specification defines.
pub const WORD_COUNTS: [usize; 2] = [12, 24];

/// Pixels per module in a SeedQR PNG: 290 to 370 pixels square with the quiet zone, crisp on
/// a screen and on paper, and well within what a signing device's camera reads.
pub const PNG_SCALE: usize = 10;

/// The two SeedQR forms (`--seedqr`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SeedQrForm {
    /// Word indices as digits (numeric mode): any QR reader shows the digits.
    Standard,
    /// The entropy bytes (byte mode): one size smaller, unreadable to most phone apps.
    Compact,
}

impl SeedQrForm {
    /// The specification's name of the form.
    pub fn name(self) -> &'static str {
        match self {
            SeedQrForm::Standard => "Standard SeedQR",
            SeedQrForm::Compact => "CompactSeedQR",
        }
    }

    /// The QR version the specification gives for `words` words (`None`: not defined).
    pub fn version(self, words: usize) -> Option<i16> {
        match (self, words) {
            (SeedQrForm::Standard, 12) => Some(2),
            (SeedQrForm::Standard, 24) => Some(3),
            (SeedQrForm::Compact, 12) => Some(1),
            (SeedQrForm::Compact, 24) => Some(2),
            _ => None,
        }
    }
}

/// Why no SeedQR can be made. Messages never contain secret material.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SeedQrError {
    /// The secret is not a BIP39 mnemonic (hex or raw bytes).
    #[error(
        "the secret of this set is {0}, not a BIP39 mnemonic, so it cannot be given as a SeedQR"
    )]
    NotAMnemonic(String),
    /// A mnemonic whose word count the specification does not define.
    #[error(
        "SeedQR is defined for 12- and 24-word mnemonics only, and the secret of this set has {0} words"
    )]
    WordCount(usize),
    /// `--seedqr` without saying where the code goes.
    #[error(
        "--seedqr needs --reveal or --out FILE.png: the code is shown or written only where asked"
    )]
    NoDestination,
    /// The QR encoder refused the data (should not happen: the sizes are fixed).
    #[error("cannot encode the SeedQR: {0}")]
    Encode(String),
    /// The code drawn did not decode to the seed; nothing was shown or written.
    #[error("the SeedQR drawn did not read back as the seed ({0}); nothing was shown or written")]
    ReadBack(String),
}

/// The number of words of a secret of `kind` with a payload of `payload_len` bytes, if it is a
/// mnemonic the specification defines a SeedQR for. Needs only the public share header, so
/// `recover` checks it before any passphrase is asked.
pub fn check_words(kind: SecretKind, payload_len: usize) -> Result<usize, SeedQrError> {
    if kind != SecretKind::Bip39 {
        return Err(SeedQrError::NotAMnemonic(kind.describe(payload_len)));
    }
    // A BIP39 payload is the entropy (4/3 byte per word) and one checksum byte.
    let words = match payload_len {
        17 | 21 | 25 | 29 | 33 => (payload_len - 1) * 3 / 4,
        _ => {
            return Err(SeedQrError::NotAMnemonic(format!(
                "a payload of {payload_len} bytes"
            )));
        }
    };
    if WORD_COUNTS.contains(&words) {
        Ok(words)
    } else {
        Err(SeedQrError::WordCount(words))
    }
}

/// The payload of a BIP39 secret SeedQR defines, and its word count.
fn mnemonic_payload(secret: &Secret) -> Result<(&[u8], usize), SeedQrError> {
    let payload = secret.payload();
    let words = check_words(secret.kind(), payload.len())?;
    Ok((payload, words))
}

/// The Standard SeedQR digits: each word's index as four digits ("0000" to "2047").
pub fn standard_digits(secret: &Secret) -> Result<Zeroizing<String>, SeedQrError> {
    let (payload, words) = mnemonic_payload(secret)?;
    let mut digits = Zeroizing::new(String::with_capacity(4 * words));
    // The payload is the entropy followed by the checksum bits, left-aligned: exactly the
    // mnemonic's bit string, 11 bits per word.
    for word in 0..words {
        let mut index: u16 = 0;
        for bit in word * 11..word * 11 + 11 {
            let byte = payload
                .get(bit / 8)
                .ok_or_else(|| SeedQrError::Encode("the payload is too short".into()))?;
            index = (index << 1) | u16::from((byte >> (7 - bit % 8)) & 1);
        }
        for place in [1000, 100, 10, 1] {
            let digit = u8::try_from(index / place % 10).unwrap_or(0);
            digits.push(char::from(b'0' + digit));
        }
    }
    Ok(digits)
}

/// The CompactSeedQR bytes: the entropy (16 or 32 bytes), without the checksum.
pub fn compact_bytes(secret: &Secret) -> Result<Zeroizing<Vec<u8>>, SeedQrError> {
    let (payload, words) = mnemonic_payload(secret)?;
    let entropy = payload
        .get(..words * 4 / 3)
        .ok_or_else(|| SeedQrError::Encode("the payload is too short".into()))?;
    Ok(Zeroizing::new(entropy.to_vec()))
}

/// What a QR reader gives back from the SeedQR of `secret`: the digits (as ASCII) or the
/// entropy bytes.
pub fn payload(secret: &Secret, form: SeedQrForm) -> Result<Zeroizing<Vec<u8>>, SeedQrError> {
    match form {
        SeedQrForm::Standard => {
            let digits = standard_digits(secret)?;
            Ok(Zeroizing::new(digits.as_bytes().to_vec()))
        }
        SeedQrForm::Compact => compact_bytes(secret),
    }
}

/// The SeedQR of `secret`: one segment in the form's mode, at the specification's version and
/// error correction level L.
pub fn encode(secret: &Secret, form: SeedQrForm) -> Result<QrMatrix, SeedQrError> {
    let (_, words) = mnemonic_payload(secret)?;
    let version = form.version(words).ok_or(SeedQrError::WordCount(words))?;
    let encode_err = |e: qrcode::types::QrError| SeedQrError::Encode(e.to_string());
    let mut bits = Bits::new(Version::Normal(version));
    match form {
        SeedQrForm::Standard => bits.push_numeric_data(standard_digits(secret)?.as_bytes()),
        SeedQrForm::Compact => bits.push_byte_data(&compact_bytes(secret)?),
    }
    .map_err(encode_err)?;
    bits.push_terminator(EcLevel::L).map_err(encode_err)?;
    let code = QrCode::with_bits(bits, EcLevel::L).map_err(encode_err)?;
    Ok(QrMatrix::from_code(code))
}

/// "CompactSeedQR, 24 words, 25x25 (QR version 2)".
pub fn describe(form: SeedQrForm, words: usize) -> String {
    match form.version(words) {
        Some(v) => {
            let side = 17 + 4 * v;
            format!(
                "{}, {words} words, {side}x{side} (QR version {v})",
                form.name()
            )
        }
        None => format!("{}, {words} words", form.name()),
    }
}

/// Decodes the modules of `m` (rqrr), giving the data bytes.
fn read_matrix(m: &QrMatrix) -> Result<Zeroizing<Vec<u8>>, String> {
    let grid = rqrr::SimpleGrid::from_func(m.width(), |x, y| m.is_dark(x, y));
    let mut data = Zeroizing::new(Vec::with_capacity(rqrr::MAX_PAYLOAD_SIZE));
    rqrr::Grid::new(grid)
        .decode_to(&mut *data)
        .map_err(|e| e.to_string())?;
    Ok(data)
}

/// Decodes a PNG written by [`to_png`], giving the data bytes.
pub(crate) fn read_png(png: &[u8]) -> Result<Zeroizing<Vec<u8>>, String> {
    let mut gray = image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .map_err(|e| e.to_string())?
        .into_luma8();
    let data = QrMatrix::read_drawn_bytes(&gray, PNG_SCALE).map(Zeroizing::new);
    (*gray).zeroize();
    data
}

/// The SeedQR of `secret` as terminal text (see [`QrMatrix::to_terminal`]), after checking
/// that its modules decode to the seed.
pub fn to_terminal(secret: &Secret, form: SeedQrForm) -> Result<Zeroizing<String>, SeedQrError> {
    let matrix = encode(secret, form)?;
    let want = payload(secret, form)?;
    let got = read_matrix(&matrix).map_err(SeedQrError::ReadBack)?;
    if got != want {
        return Err(SeedQrError::ReadBack("other data".into()));
    }
    Ok(Zeroizing::new(matrix.to_terminal()))
}

/// The SeedQR of `secret` as PNG bytes, [`PNG_SCALE`] pixels per module with the quiet zone,
/// after checking that the PNG decodes to the seed.
pub fn to_png(secret: &Secret, form: SeedQrForm) -> Result<Zeroizing<Vec<u8>>, SeedQrError> {
    let matrix = encode(secret, form)?;
    let want = payload(secret, form)?;
    let mut gray = matrix.to_gray(PNG_SCALE);
    // Sized once (above the raw pixel count), so that no freed copy of the image is left.
    let mut out = std::io::Cursor::new(Vec::with_capacity(
        gray.len() + gray.height() as usize + 4096,
    ));
    let written = gray.write_to(&mut out, image::ImageFormat::Png);
    (*gray).zeroize();
    let png = Zeroizing::new(out.into_inner());
    written.map_err(|e| SeedQrError::Encode(e.to_string()))?;
    let got = read_png(&png).map_err(SeedQrError::ReadBack)?;
    if got != want {
        return Err(SeedQrError::ReadBack("other data".into()));
    }
    Ok(png)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::InputFormat;

    /// The specification's examples (tests/data/seedqr/vectors.json: source and licence there).
    fn vectors() -> Vec<serde_json::Value> {
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("../tests/data/seedqr/vectors.json")).unwrap();
        assert_eq!(doc["source"]["path"], "docs/seed_qr/README.md");
        let list = doc["vectors"].as_array().unwrap().clone();
        assert_eq!(
            list.len(),
            10,
            "the introduction example and test vectors 1-9"
        );
        list
    }

    fn text<'a>(v: &'a serde_json::Value, key: &str) -> &'a str {
        v[key]
            .as_str()
            .unwrap_or_else(|| panic!("{key} in {}", v["name"]))
    }

    fn mnemonic(v: &serde_json::Value) -> Secret {
        Secret::parse(text(v, "words").as_bytes(), InputFormat::Bip39).unwrap()
    }

    /// "0101..." → bytes (the length is a multiple of 8 in every vector).
    fn bits_to_bytes(bits: &str) -> Vec<u8> {
        assert_eq!(bits.len() % 8, 0);
        bits.as_bytes()
            .chunks(8)
            .map(|c| u8::from_str_radix(std::str::from_utf8(c).unwrap(), 2).unwrap())
            .collect()
    }

    /// The bytes of a Python bytes literal as the specification prints them (b'...' or b"...").
    fn python_bytes(literal: &str) -> Vec<u8> {
        let body = literal
            .strip_prefix("b'")
            .and_then(|s| s.strip_suffix('\''))
            .or_else(|| {
                literal
                    .strip_prefix("b\"")
                    .and_then(|s| s.strip_suffix('"'))
            })
            .unwrap();
        let mut out = Vec::new();
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(u8::try_from(u32::from(c)).unwrap());
                continue;
            }
            match chars.next().unwrap() {
                'x' => {
                    let hex: String = chars.by_ref().take(2).collect();
                    out.push(u8::from_str_radix(&hex, 16).unwrap());
                }
                'n' => out.push(b'\n'),
                'r' => out.push(b'\r'),
                't' => out.push(b'\t'),
                '\\' => out.push(b'\\'),
                '\'' => out.push(b'\''),
                '"' => out.push(b'"'),
                other => panic!("escape \\{other}"),
            }
        }
        out
    }

    /// The spec's CompactSeedQR bytes of a vector: its published bit string (the bytes
    /// literal must agree), or for the introduction example the 128 entropy bits of its
    /// 132-bit word-index stream.
    fn spec_compact(v: &serde_json::Value) -> Vec<u8> {
        match v.get("compact_bits") {
            Some(bits) => {
                let bytes = bits_to_bytes(bits.as_str().unwrap());
                assert_eq!(
                    bytes,
                    python_bytes(text(v, "compact_bytes_python")),
                    "{}",
                    v["name"]
                );
                bytes
            }
            None => {
                let bits = text(v, "word_index_bits");
                assert_eq!(bits.len(), 132);
                bits_to_bytes(&bits[..128])
            }
        }
    }

    fn words(v: &serde_json::Value) -> usize {
        text(v, "words").split(' ').count()
    }

    /// The module count per side the specification gives (its size tables).
    fn spec_width(form: SeedQrForm, words: usize) -> usize {
        match (form, words) {
            (SeedQrForm::Standard, 12) => 25,
            (SeedQrForm::Standard, 24) => 29,
            (SeedQrForm::Compact, 12) => 21,
            (SeedQrForm::Compact, 24) => 25,
            _ => panic!("no size for {words} words"),
        }
    }

    #[test]
    fn seedqr_digits_and_compact_bytes_are_the_specifications() {
        for v in vectors() {
            let s = mnemonic(&v);
            assert_eq!(
                standard_digits(&s).unwrap().as_str(),
                text(&v, "standard_digits"),
                "{}",
                v["name"]
            );
            assert_eq!(
                compact_bytes(&s).unwrap().as_slice(),
                spec_compact(&v).as_slice(),
                "{}",
                v["name"]
            );
            assert_eq!(
                payload(&s, SeedQrForm::Standard).unwrap().as_slice(),
                text(&v, "standard_digits").as_bytes()
            );
        }
    }

    #[test]
    fn seedqr_matrices_have_the_specifications_size_and_decode_to_the_payload() {
        for v in vectors() {
            let s = mnemonic(&v);
            let words = words(&v);
            for (form, want) in [
                (
                    SeedQrForm::Standard,
                    text(&v, "standard_digits").as_bytes().to_vec(),
                ),
                (SeedQrForm::Compact, spec_compact(&v)),
            ] {
                let m = encode(&s, form).unwrap();
                let name = format!("{} {form:?}", v["name"]);
                assert_eq!(m.width(), spec_width(form, words), "{name}");
                // rqrr, byte for byte (the compact vectors hold NUL, \n, \r and \r\n).
                let grid = rqrr::SimpleGrid::from_func(m.width(), |x, y| m.is_dark(x, y));
                let mut got = Vec::new();
                let meta = rqrr::Grid::new(grid).decode_to(&mut got).unwrap();
                assert_eq!(got, want, "{name}");
                assert_eq!(meta.version.to_size(), spec_width(form, words), "{name}");
                // rqrr gives the two format bits as stored: L is 01 (ISO/IEC 18004 table 12).
                assert_eq!(meta.ecc_level, 1, "{name}: error correction L");
            }
        }
    }

    /// rxing (a ZXing port, independent of the encoder and of rqrr) reads the PNG; its raw bytes
    /// are the symbol's data codewords, which the specification describes for the compact form
    /// as zxing.org shows them: "41 0" ... "0 ec" for 12 words, "42 0" ... "0" for 24.
    #[test]
    fn seedqr_png_data_codewords_have_the_specifications_mode_and_length() {
        use rxing::common::HybridBinarizer;
        use rxing::qrcode::QRCodeReader;
        use rxing::qrcode::common::ErrorCorrectionLevel;
        use rxing::{
            BinaryBitmap, Luma8Source, RXingResultMetadataType, RXingResultMetadataValue, Reader,
        };
        for v in vectors() {
            let s = mnemonic(&v);
            let words = words(&v);
            for form in [SeedQrForm::Standard, SeedQrForm::Compact] {
                let png = to_png(&s, form).unwrap();
                let gray = image::load_from_memory(&png).unwrap().into_luma8();
                assert_eq!(
                    gray.width() as usize,
                    (spec_width(form, words) + 8) * PNG_SCALE
                );
                let (w, h) = gray.dimensions();
                let source = Luma8Source::new_with_slice(gray.as_raw(), w, h).unwrap();
                let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
                let result = QRCodeReader.decode(&mut bitmap).unwrap();
                let raw = hex::encode(result.getRawBytes());
                let name = format!("{} {form:?}", v["name"]);
                match (form, words) {
                    // Mode 0001 (numeric), then the digit count in 10 bits: 48 or 96.
                    (SeedQrForm::Standard, 12) => assert!(raw.starts_with("10c"), "{name}: {raw}"),
                    (SeedQrForm::Standard, _) => assert!(raw.starts_with("118"), "{name}: {raw}"),
                    (SeedQrForm::Compact, 12) => {
                        assert!(
                            raw.starts_with("410") && raw.ends_with("0ec"),
                            "{name}: {raw}"
                        );
                        assert_eq!(raw.len(), 2 * 19, "version 1-L has 19 data codewords");
                    }
                    (SeedQrForm::Compact, _) => {
                        assert!(
                            raw.starts_with("420") && raw.ends_with('0'),
                            "{name}: {raw}"
                        );
                        assert_eq!(raw.len(), 2 * 34, "version 2-L has 34 data codewords");
                    }
                }
                let meta = result.getRXingResultMetadata();
                let Some(RXingResultMetadataValue::ErrorCorrectionLevel(level)) =
                    meta.get(&RXingResultMetadataType::ERROR_CORRECTION_LEVEL)
                else {
                    panic!("{name}: no error correction level")
                };
                assert_eq!(
                    level.parse::<ErrorCorrectionLevel>().ok(),
                    Some(ErrorCorrectionLevel::L),
                    "{name}"
                );
                if form == SeedQrForm::Compact {
                    let Some(RXingResultMetadataValue::ByteSegments(segments)) =
                        meta.get(&RXingResultMetadataType::BYTE_SEGMENTS)
                    else {
                        panic!("{name}: no byte segment")
                    };
                    assert_eq!(segments, &vec![spec_compact(&v)], "{name}");
                } else {
                    assert_eq!(result.getText(), text(&v, "standard_digits"), "{name}");
                }
            }
        }
    }

    #[test]
    fn seedqr_terminal_drawing_and_png_read_back() {
        let v = &vectors()[7]; // \n in the compact bytes
        let s = mnemonic(v);
        let drawing = to_terminal(&s, SeedQrForm::Compact).unwrap();
        let side = spec_width(SeedQrForm::Compact, 12) + 2 * crate::qr::QUIET_ZONE;
        assert_eq!(drawing.lines().count(), side.div_ceil(2));
        let png = to_png(&s, SeedQrForm::Compact).unwrap();
        assert_eq!(
            read_png(&png).unwrap().as_slice(),
            spec_compact(v).as_slice()
        );
        // The read-back sees damage: the lower right quarter of the symbol (data and error
        // correction modules, far more than level L restores) inverted.
        let mut gray = image::load_from_memory(&png).unwrap().into_luma8();
        let (first, last) = (
            (crate::qr::QUIET_ZONE + 9) * PNG_SCALE,
            (crate::qr::QUIET_ZONE + 21) * PNG_SCALE,
        );
        for y in first..last {
            for x in first..last {
                let p = gray.get_pixel_mut(x as u32, y as u32);
                p.0[0] = 255 - p.0[0];
            }
        }
        let mut damaged = Vec::new();
        gray.write_to(
            &mut std::io::Cursor::new(&mut damaged),
            image::ImageFormat::Png,
        )
        .unwrap();
        assert_ne!(
            read_png(&damaged).ok().as_deref().map(Vec::as_slice),
            Some(spec_compact(v).as_slice())
        );
    }

    #[test]
    fn seedqr_is_refused_for_other_secrets_and_word_counts() {
        let hex = Secret::parse(b"00112233445566778899aabbccddeeff", InputFormat::Hex).unwrap();
        for form in [SeedQrForm::Standard, SeedQrForm::Compact] {
            assert_eq!(
                encode(&hex, form).err(),
                Some(SeedQrError::NotAMnemonic("hex, 16 bytes".into()))
            );
        }
        let raw = Secret::parse(b"not a mnemonic", InputFormat::Raw).unwrap();
        assert!(matches!(
            standard_digits(&raw),
            Err(SeedQrError::NotAMnemonic(_))
        ));
        for n in [15, 18, 21] {
            let s = Secret::generate_mnemonic(n).unwrap();
            assert_eq!(compact_bytes(&s).err(), Some(SeedQrError::WordCount(n)));
            assert_eq!(
                encode(&s, SeedQrForm::Standard).err(),
                Some(SeedQrError::WordCount(n))
            );
            assert_eq!(
                check_words(SecretKind::Bip39, n * 4 / 3 + 1),
                Err(SeedQrError::WordCount(n))
            );
        }
        assert_eq!(check_words(SecretKind::Bip39, 17), Ok(12));
        assert_eq!(check_words(SecretKind::Bip39, 33), Ok(24));
        assert!(matches!(
            check_words(SecretKind::Bip39, 0),
            Err(SeedQrError::NotAMnemonic(_))
        ));
        assert!(matches!(
            check_words(SecretKind::Raw, 16),
            Err(SeedQrError::NotAMnemonic(_))
        ));
    }

    #[test]
    fn seedqr_matrix_debug_shows_no_modules() {
        let s = mnemonic(&vectors()[4]);
        let m = encode(&s, SeedQrForm::Compact).unwrap();
        assert_eq!(format!("{m:?}"), "QrMatrix(21x21, modules hidden)");
        assert_eq!(
            describe(SeedQrForm::Compact, 24),
            "CompactSeedQR, 24 words, 25x25 (QR version 2)"
        );
        assert_eq!(
            describe(SeedQrForm::Standard, 12),
            "Standard SeedQR, 12 words, 25x25 (QR version 2)"
        );
    }
}
