//! Reading a share's QR code from an image: a clean PNG, a scan of a printed sheet or a phone
//! photo (PNG or JPEG).
//!
//! The image is decoded under a pixel cap checked from its header before any pixel is
//! decoded, turned to grey (transparency composited onto white paper), and searched for QR
//! codes with rxing, a port of ZXing and zxing-cpp. When nothing is found, the search is
//! repeated on a few cleaned-up versions of the picture, cheapest first: halved (averages
//! away noise and JPEG blocks on large codes), binarized with one global (Otsu) threshold
//! (blur and uneven contrast), smoothed (noise on small codes) and sharpened (blur).
//!
//! Measured on 360 A4 pages at 300 dpi with text-like clutter (24-word and 256-byte shares;
//! scale 50-200%, rotation 0-10 degrees, blur sigma 0-2 px, noise, PNG or JPEG quality 50),
//! three times with different random layouts: rxing alone read 307-309, this cascade 342
//! (all but 18 of the 24 pages at 50% scale blurred by 2 px, half a module or more, which
//! no decoder tried reads reliably), rqrr (quirc's method) at most 201 even with
//! preprocessing: it often misses codes among printed text.
//!
//! Whether the text read is a coldshard share is for the caller to check
//! ([`crate::armor::decode`]).

use std::collections::BTreeSet;
use std::io::Cursor;

use image::{DynamicImage, GrayImage, ImageFormat, ImageReader, Limits};
use rxing::common::HybridBinarizer;
use rxing::multi::MultipleBarcodeReader;
use rxing::qrcode::QRCodeReader;
use rxing::qrcode::cpp_port::QrReader;
use rxing::{BarcodeFormat, BinaryBitmap, DecodeHints, Luma8Source, Reader};

/// Most pixels an image may have (100 megapixels: a 600 dpi A4 scan is 35, a phone photo 12
/// to 50). Checked from the header, before any pixel is decoded.
pub const MAX_PIXELS: u64 = 100_000_000;

/// Most bytes the image decoder may allocate (its own buffers, not counting our grey copy).
pub const MAX_DECODE_ALLOC: u64 = 1024 * 1024 * 1024;

const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";
const JPEG_MAGIC: &[u8] = b"\xff\xd8\xff";

/// Why no QR text could be read from an image.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    /// Neither PNG nor JPEG.
    #[error("it is not a PNG or JPEG image")]
    NotAnImage,
    /// A PNG or JPEG that cannot be decoded (damaged or truncated).
    #[error("the image cannot be read: {0}")]
    Undecodable(String),
    /// More pixels than [`MAX_PIXELS`], or more memory than [`MAX_DECODE_ALLOC`].
    #[error(
        "the image is too large ({width}x{height} pixels; coldshard reads images of at most {} megapixels): scale it down or crop it to the QR code",
        MAX_PIXELS / 1_000_000
    )]
    TooLarge {
        /// Width in pixels, as the header says.
        width: u32,
        /// Height in pixels, as the header says.
        height: u32,
    },
    /// No QR code could be found and read.
    #[error("no QR code was found in the image")]
    NoQr,
    /// More than one QR code, with different contents.
    #[error("the image holds {0} QR codes; give one share per image (crop it)")]
    SeveralQr(usize),
}

/// Whether bytes look like an image coldshard reads (PNG or JPEG magic).
pub fn is_image(bytes: &[u8]) -> bool {
    bytes.starts_with(PNG_MAGIC) || bytes.starts_with(JPEG_MAGIC)
}

/// The text of the one QR code in a PNG or JPEG image.
///
/// The same code found twice (one share printed twice on a page) counts once; codes with
/// different texts are [`ScanError::SeveralQr`].
pub fn read_qr_text(bytes: &[u8]) -> Result<String, ScanError> {
    let gray = decode_gray(bytes)?;
    read_qr_text_gray(&gray)
}

/// The image as grey levels, transparency composited onto white, under the pixel cap.
pub fn decode_gray(bytes: &[u8]) -> Result<GrayImage, ScanError> {
    let format = if bytes.starts_with(PNG_MAGIC) {
        ImageFormat::Png
    } else if bytes.starts_with(JPEG_MAGIC) {
        ImageFormat::Jpeg
    } else {
        return Err(ScanError::NotAnImage);
    };
    let reader = || ImageReader::with_format(Cursor::new(bytes), format);
    // The header only: refuse a huge image before its pixels are decoded.
    let (width, height) = reader().into_dimensions().map_err(undecodable)?;
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ScanError::TooLarge { width, height });
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    let mut reader = reader();
    reader.limits(limits);
    let image = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => ScanError::TooLarge { width, height },
        other => undecodable(other),
    })?;
    Ok(to_gray_on_white(image))
}

fn undecodable(e: image::ImageError) -> ScanError {
    // The decoder's own words, without anything a terminal would interpret.
    let reason: String = e
        .to_string()
        .chars()
        .filter(|c| !c.is_control())
        .take(120)
        .collect();
    ScanError::Undecodable(reason)
}

/// Grey levels, with transparent pixels on white paper (a transparent PNG's background is
/// often stored as black).
fn to_gray_on_white(image: DynamicImage) -> GrayImage {
    if !image.color().has_alpha() {
        return image.into_luma8();
    }
    let la = image.into_luma_alpha8();
    let (w, h) = la.dimensions();
    let raw: Vec<u8> = la
        .as_raw()
        .chunks_exact(2)
        .map(|p| {
            let (l, a) = (u32::from(p[0]), u32::from(p[1]));
            ((l * a + 255 * (255 - a) + 127) / 255) as u8
        })
        .collect();
    GrayImage::from_raw(w, h, raw).unwrap_or_else(|| GrayImage::new(w, h))
}

/// Cleaned-up versions of the picture tried in turn, cheapest and most often needed first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// The picture as it is.
    Original,
    /// Half size, each pixel the mean of four: averages away noise and JPEG blocks.
    Half,
    /// Black and white at one global threshold (Otsu's).
    Otsu,
    /// Gaussian blur of one pixel: noise on small modules.
    Smooth,
    /// Unsharp mask: blur.
    Sharpen,
}

/// Every variant, in the order [`read_qr_text`] tries them.
pub const VARIANTS: [Variant; 5] = [
    Variant::Original,
    Variant::Half,
    Variant::Otsu,
    Variant::Smooth,
    Variant::Sharpen,
];

/// [`read_qr_text`] on an image already decoded to grey levels.
pub fn read_qr_text_gray(gray: &GrayImage) -> Result<String, ScanError> {
    for variant in VARIANTS {
        let texts = match variant {
            Variant::Original => find_texts(gray),
            other => match apply(other, gray) {
                Some(changed) => find_texts(&changed),
                None => continue,
            },
        };
        match texts.len() {
            0 => continue,
            1 => return Ok(texts.into_iter().next().unwrap_or_default()),
            n => return Err(ScanError::SeveralQr(n)),
        }
    }
    Err(ScanError::NoQr)
}

/// The variant of `gray`, or None when it does not apply (too small to halve).
pub fn apply(variant: Variant, gray: &GrayImage) -> Option<GrayImage> {
    let (w, h) = gray.dimensions();
    match variant {
        Variant::Original => Some(gray.clone()),
        // Half of a small image leaves modules too small to read.
        Variant::Half if w.min(h) < 600 => None,
        Variant::Half => Some(image::imageops::thumbnail(gray, w / 2, h / 2)),
        Variant::Otsu => {
            let t = otsu_threshold(gray);
            let raw = gray
                .as_raw()
                .iter()
                .map(|&v| if v <= t { 0 } else { 255 })
                .collect();
            GrayImage::from_raw(w, h, raw)
        }
        Variant::Smooth => Some(image::imageops::blur(gray, 1.0)),
        Variant::Sharpen => Some(image::imageops::unsharpen(gray, 2.0, 0)),
    }
}

/// The grey level that best splits the histogram into two classes (Otsu 1979).
fn otsu_threshold(gray: &GrayImage) -> u8 {
    let mut hist = [0u64; 256];
    for &v in gray.as_raw() {
        hist[usize::from(v)] += 1;
    }
    let total: u64 = hist.iter().sum();
    let sum: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, &c)| i as f64 * c as f64)
        .sum();
    let (mut below, mut sum_below, mut best, mut threshold) = (0u64, 0f64, -1f64, 127u8);
    for (t, &count) in hist.iter().enumerate() {
        below += count;
        let above = total - below;
        if below == 0 {
            continue;
        }
        if above == 0 {
            break;
        }
        sum_below += t as f64 * count as f64;
        let mean_below = sum_below / below as f64;
        let mean_above = (sum - sum_below) / above as f64;
        let between = below as f64 * above as f64 * (mean_below - mean_above).powi(2);
        if between > best {
            best = between;
            threshold = t as u8;
        }
    }
    threshold
}

/// The distinct texts of the QR codes rxing finds in `gray` (empty: none).
pub fn find_texts(gray: &GrayImage) -> BTreeSet<String> {
    let (w, h) = gray.dimensions();
    if w == 0 || h == 0 {
        return BTreeSet::new();
    }
    let hints = DecodeHints {
        PossibleFormats: Some([BarcodeFormat::QR_CODE].into_iter().collect()),
        TryHarder: Some(true),
        ..DecodeHints::default()
    };
    // A decoder bug on a hostile image must not take the program down: it is "not found".
    let found = crate::hardening::contain_panic(|| {
        let source = Luma8Source::new_with_slice(gray.as_raw(), w, h).ok()?;
        let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
        // zxing-cpp's detector finds every code at once...
        let mut texts: BTreeSet<String> = QrReader
            .decode_multiple_with_hints(&mut bitmap, &hints)
            .map(|results| results.iter().map(|r| r.getText().to_string()).collect())
            .unwrap_or_default();
        // ...and ZXing's finds some single codes it misses.
        if texts.is_empty()
            && let Ok(result) = QRCodeReader.decode_with_hints(&mut bitmap, &hints)
        {
            texts.insert(result.getText().to_string());
        }
        Some(texts)
    });
    found.ok().flatten().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qr::{Ecc, QrMatrix};

    fn png(gray: &GrayImage) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        gray.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    /// `codes` drawn side by side at 4 pixels per module on a white strip.
    fn strip(codes: &[&str]) -> GrayImage {
        let images: Vec<GrayImage> = codes
            .iter()
            .map(|t| QrMatrix::encode(t, Ecc::Q).unwrap().to_gray(4))
            .collect();
        let w = images.iter().map(|i| i.width()).sum::<u32>() + 40;
        let h = images.iter().map(|i| i.height()).max().unwrap_or(0) + 40;
        let mut page = GrayImage::from_pixel(w, h, image::Luma([255]));
        let mut x = 20;
        for i in &images {
            image::imageops::overlay(&mut page, i, i64::from(x), 20);
            x += i.width();
        }
        page
    }

    #[test]
    fn magic_bytes_decide_what_is_an_image() {
        assert!(is_image(b"\x89PNG\r\n\x1a\nrest"));
        assert!(is_image(b"\xff\xd8\xff\xe0rest"));
        assert!(!is_image(b"-----BEGIN COLDSHARD SHARE-----"));
        assert!(!is_image(b"COLDSHARD:1:INJUQUQB"));
        assert!(!is_image(b"GIF89a"));
        assert!(!is_image(b""));
        assert_eq!(
            read_qr_text(b"GIF89a....").unwrap_err(),
            ScanError::NotAnImage
        );
    }

    #[test]
    fn a_clean_png_reads_back_and_problems_are_named() {
        let text = "COLDSHARD:1:INJUQUQBAAAA";
        assert_eq!(read_qr_text(&png(&strip(&[text]))).unwrap(), text);
        assert_eq!(
            read_qr_text(&png(&strip(&[text, text]))).unwrap(),
            text,
            "the same code twice is one share"
        );
        assert_eq!(
            read_qr_text(&png(&strip(&[text, "HELLO"]))).unwrap_err(),
            ScanError::SeveralQr(2)
        );
        let blank = GrayImage::from_pixel(300, 200, image::Luma([255]));
        assert_eq!(read_qr_text(&png(&blank)).unwrap_err(), ScanError::NoQr);
        let mut truncated = png(&strip(&[text]));
        truncated.truncate(truncated.len() / 2);
        assert!(matches!(
            read_qr_text(&truncated).unwrap_err(),
            ScanError::Undecodable(_)
        ));
    }

    #[test]
    fn transparency_is_white_paper() {
        // Black modules on a fully transparent background stored as transparent black.
        let code = QrMatrix::encode("COLDSHARD:1:AB", Ecc::Q)
            .unwrap()
            .to_gray(4);
        let rgba = image::RgbaImage::from_fn(code.width(), code.height(), |x, y| {
            if code.get_pixel(x, y).0[0] == 0 {
                image::Rgba([0, 0, 0, 255])
            } else {
                image::Rgba([0, 0, 0, 0])
            }
        });
        let mut out = Cursor::new(Vec::new());
        rgba.write_to(&mut out, ImageFormat::Png).unwrap();
        assert_eq!(read_qr_text(out.get_ref()).unwrap(), "COLDSHARD:1:AB");
    }

    #[test]
    fn a_huge_image_is_refused_from_its_header() {
        // A valid PNG header claiming 20000x20000 pixels, with 2 bytes of pixel data: the
        // refusal comes from the header, so it is immediate and allocates nothing.
        let mut bytes = PNG_MAGIC.to_vec();
        let mut ihdr = 20_000u32.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&20_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
        for (kind, data) in [
            (b"IHDR", ihdr),
            (b"IDAT", vec![0x78, 0x9c]),
            (b"IEND", vec![]),
        ] {
            bytes.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let mut chunk = kind.to_vec();
            chunk.extend_from_slice(&data);
            bytes.extend_from_slice(&chunk);
            bytes.extend_from_slice(&crc32(&chunk).to_be_bytes());
        }
        assert_eq!(
            read_qr_text(&bytes).unwrap_err(),
            ScanError::TooLarge {
                width: 20_000,
                height: 20_000
            }
        );
    }

    fn crc32(data: &[u8]) -> u32 {
        crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(data)
    }

    #[test]
    fn otsu_splits_two_levels() {
        let img = GrayImage::from_fn(10, 10, |x, _| image::Luma([if x < 5 { 40 } else { 200 }]));
        let t = otsu_threshold(&img);
        assert!((40..200).contains(&t), "{t}");
    }
}
