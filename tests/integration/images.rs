//! Shares read from images through the real binary: QR codes of real shares drawn on an A4
//! page at 300 dpi among text-like clutter, then rotated, scaled, blurred, made noisy and
//! saved as PNG or JPEG (quality 50), as a scan or a phone photo would; and the refusals for
//! an image without a QR code, with two, or with one that is not a share.

use std::io::Cursor;

use coldshard::qr::{Ecc, QUIET_ZONE, QrMatrix};
use image::{GrayImage, ImageFormat, Luma};

use crate::util::{Work, coldshard, passphrases, refused, run_ok};

/// A4 at 300 dpi, in pixels.
const PAGE_W: u32 = 2480;
const PAGE_H: u32 = 3508;

/// The printed width of a QR code with its quiet zone at scale 1: 6 cm at 300 dpi.
const NOMINAL_PX: f64 = 6.0 / 2.54 * 300.0;

/// A valid 24-word mnemonic (all-zero entropy).
const WORDS_24: &str = "abandon abandon abandon abandon abandon abandon abandon abandon abandon \
                        abandon abandon abandon abandon abandon abandon abandon abandon abandon \
                        abandon abandon abandon abandon abandon art";

/// How a page is degraded, the way a scanner or a phone camera would.
#[derive(Clone, Copy, Debug)]
struct Look {
    /// Gaussian blur, in pixels (sigma); 0 for none.
    blur: f32,
    /// Additive Gaussian noise, in grey levels (standard deviation).
    noise: f64,
    /// JPEG quality, or None for PNG.
    jpeg: Option<u8>,
    /// Grey paper and ink, lit unevenly (a photo rather than a scan).
    uneven_light: bool,
}

/// One QR code on the page: its scale relative to 6 cm, its rotation and its centre as a
/// fraction of the page.
struct Placed {
    matrix: QrMatrix,
    scale: f64,
    degrees: f64,
    centre: (f64, f64),
}

impl Placed {
    fn px_per_module(&self) -> f64 {
        NOMINAL_PX / (self.matrix.width() + 2 * QUIET_ZONE) as f64 * self.scale
    }
    /// Half the side of the code's square, quiet zone included, in pixels.
    fn half_side(&self) -> f64 {
        (self.matrix.width() + 2 * QUIET_ZONE) as f64 * self.px_per_module() / 2.0
    }
    /// Half the side of the rotated code's bounding box, in pixels.
    fn half_extent(&self) -> f64 {
        let t = self.degrees.to_radians();
        self.half_side() * (t.cos().abs() + t.sin().abs())
    }
    fn centre_px(&self) -> (f64, f64) {
        (
            self.centre.0 * f64::from(PAGE_W),
            self.centre.1 * f64::from(PAGE_H),
        )
    }
}

/// xorshift64: deterministic pages, so that a failure can be reproduced.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    /// Roughly standard normal (sum of four uniforms, rescaled).
    fn normal(&mut self) -> f64 {
        ((0..4).map(|_| self.unit()).sum::<f64>() - 2.0) * 3f64.sqrt()
    }
}

/// The QR code of a share file: its compact form at level Q, as `coldshard` prints it.
fn share_qr(path: &str) -> QrMatrix {
    let text = std::fs::read(path).expect("read share");
    let share = coldshard::armor::decode(&text).expect("decode share").share;
    QrMatrix::encode(&coldshard::armor::encode_compact(&share), Ecc::Q).expect("QR code")
}

/// An A4 page at 300 dpi with lines of text-like clutter around `codes`, degraded by `look`,
/// as PNG or JPEG bytes.
fn page(codes: &[Placed], look: Look, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut img = GrayImage::from_pixel(PAGE_W, PAGE_H, Luma([255]));
    // Clutter: lines of "words" (runs of glyph-like bars) and rules, kept two modules clear
    // of each code's quiet zone, as a printed sheet would be laid out.
    let clear = |x: f64, y: f64| {
        codes.iter().all(|c| {
            let (cx, cy) = c.centre_px();
            let keep = c.half_extent() + 2.0 * c.px_per_module();
            (x - cx).abs() > keep || (y - cy).abs() > keep
        })
    };
    let bar = |img: &mut GrayImage, x0: f64, y0: f64, x1: f64, y1: f64| {
        for y in y0 as u32..(y1 as u32).min(PAGE_H) {
            for x in x0 as u32..(x1 as u32).min(PAGE_W) {
                if clear(f64::from(x), f64::from(y)) {
                    img.put_pixel(x, y, Luma([0]));
                }
            }
        }
    };
    let mut y = 120.0;
    while y < f64::from(PAGE_H) - 150.0 {
        let line_h = rng.range(22.0, 40.0);
        let right = f64::from(PAGE_W) - 150.0;
        if rng.unit() < 0.08 {
            bar(&mut img, 150.0, y, right, y + 4.0);
        } else {
            let mut x = 150.0;
            while x < right {
                let word_end = (x + rng.range(30.0, 220.0)).min(right);
                while x < word_end {
                    let glyph = rng.range(6.0, 18.0);
                    let top = if rng.unit() < 0.3 {
                        y
                    } else {
                        y + line_h * 0.3
                    };
                    bar(&mut img, x, top, (x + glyph).min(word_end), y + line_h);
                    x += glyph + rng.range(3.0, 8.0);
                }
                x = word_end + rng.range(15.0, 35.0);
            }
        }
        y += line_h + rng.range(25.0, 60.0);
    }
    for code in codes {
        draw(&mut img, code);
    }
    if look.blur > 0.0 {
        img = image::imageops::blur(&img, look.blur);
    }
    // Ink and paper levels, uneven light and sensor noise.
    let (ink, paper) = if look.uneven_light {
        (45.0, 215.0)
    } else {
        (15.0, 250.0)
    };
    let (w, h) = (f64::from(PAGE_W), f64::from(PAGE_H));
    for (x, y, p) in img.enumerate_pixels_mut() {
        let light = if look.uneven_light {
            // 40% darker towards the far corner, and a soft shadow across the page.
            let (x, y) = (f64::from(x), f64::from(y));
            (1.0 - 0.2 * (x / w + y / h)) * (1.0 - 0.15 * (-((x - 0.6 * w) / 300.0).powi(2)).exp())
        } else {
            1.0
        };
        let v =
            (ink + (paper - ink) * f64::from(p.0[0]) / 255.0) * light + look.noise * rng.normal();
        p.0[0] = v.round().clamp(0.0, 255.0) as u8;
    }
    encode(&img, look.jpeg)
}

/// Draws a code (dark modules black, its square white), rotated about its centre, with
/// anti-aliased edges (3x3 samples per pixel).
fn draw(img: &mut GrayImage, code: &Placed) {
    let (cx, cy) = code.centre_px();
    let half = code.half_extent();
    let side = 2.0 * code.half_side();
    let module = code.px_per_module();
    let (sin, cos) = code.degrees.to_radians().sin_cos();
    let quiet = QUIET_ZONE as f64;
    // (Casts saturate: a code running off the page is cut at its edges.)
    for py in (cy - half).floor() as u32..((cy + half).ceil() as u32).min(PAGE_H) {
        for px in (cx - half).floor() as u32..((cx + half).ceil() as u32).min(PAGE_W) {
            let (mut inside, mut dark) = (0u32, 0u32);
            for s in 0..9 {
                let fx = f64::from(px) + (f64::from(s % 3) + 0.5) / 3.0 - cx;
                let fy = f64::from(py) + (f64::from(s / 3) + 0.5) / 3.0 - cy;
                // Into the code's own coordinates (inverse rotation).
                let u = cos * fx + sin * fy + side / 2.0;
                let v = -sin * fx + cos * fy + side / 2.0;
                if !(0.0..side).contains(&u) || !(0.0..side).contains(&v) {
                    continue;
                }
                inside += 1;
                let (mx, my) = (u / module - quiet, v / module - quiet);
                if mx >= 0.0 && my >= 0.0 && code.matrix.is_dark(mx as usize, my as usize) {
                    dark += 1;
                }
            }
            if inside > 0 {
                let old = f64::from(img.get_pixel(px, py).0[0]);
                let (inside, dark) = (f64::from(inside) / 9.0, f64::from(dark) / 9.0);
                let v = old * (1.0 - inside) + 255.0 * (inside - dark);
                img.put_pixel(px, py, Luma([v.round() as u8]));
            }
        }
    }
}

fn encode(img: &GrayImage, jpeg: Option<u8>) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    match jpeg {
        Some(quality) => image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
            .encode_image(img)
            .expect("JPEG"),
        None => img.write_to(&mut out, ImageFormat::Png).expect("PNG"),
    }
    out.into_inner()
}

fn one(matrix: QrMatrix, scale: f64, degrees: f64, centre: (f64, f64)) -> Vec<Placed> {
    vec![Placed {
        matrix,
        scale,
        degrees,
        centre,
    }]
}

/// Writes `bytes` as WORK/name and returns the path.
fn image_file(work: &Work, name: &str, bytes: &[u8]) -> String {
    work.write(name, bytes)
}

/// `recover IMAGES... --passphrase-file F --reveal`; returns what it printed.
fn recover(work: &Work, files: &[&str], passes: &[&str]) -> String {
    let pass = work.passfile(&format!("pass-{}.txt", passes.join("-")), passes);
    run_ok(
        coldshard()
            .arg("recover")
            .args(files)
            .args(["--passphrase-file", &pass, "--reveal"]),
    )
}

const SCAN: Look = Look {
    blur: 1.0,
    noise: 4.0,
    jpeg: None,
    uneven_light: false,
};

#[test]
fn a_24_word_seed_comes_back_from_clean_scanned_and_photographed_pages() {
    let work = Work::new();
    let shares = work.split("s", WORDS_24, 2, 3, &passphrases(3));
    let qr = |i: usize| share_qr(&shares[i]);
    // A clean PNG: the code as drawn, upright, on a page of text.
    let clean = Look {
        blur: 0.0,
        noise: 0.0,
        jpeg: None,
        uneven_light: false,
    };
    let clean = image_file(
        &work,
        "clean.png",
        &page(&one(qr(0), 1.0, 0.0, (0.3, 0.25)), clean, 1),
    );
    // A 300 dpi flatbed scan: slightly skewed, slightly soft, a little sensor noise.
    let scan = image_file(
        &work,
        "scan.png",
        &page(&one(qr(1), 1.0, 1.5, (0.7, 0.6)), SCAN, 2),
    );
    // Phone photos: at half size turned 10 degrees, and at double size turned the other way
    // and blurred more, both noisy, unevenly lit and saved as JPEG at quality 50.
    let phone = |blur| Look {
        blur,
        noise: 12.0,
        jpeg: Some(50),
        uneven_light: true,
    };
    let small = image_file(
        &work,
        "small.jpg",
        &page(&one(qr(2), 0.5, 10.0, (0.6, 0.8)), phone(1.0), 3),
    );
    let large = image_file(
        &work,
        "large.jpg",
        &page(&one(qr(0), 2.0, -7.0, (0.5, 0.45)), phone(2.0), 4),
    );
    let want = format!("{WORDS_24}\n");
    assert_eq!(
        recover(&work, &[&clean, &small], &["pass-1", "pass-3"]),
        want
    );
    assert_eq!(
        recover(&work, &[&scan, &large], &["pass-2", "pass-1"]),
        want
    );
    // An image and a text file mix.
    assert_eq!(
        recover(&work, &[&shares[2], &scan], &["pass-3", "pass-2"]),
        want
    );
}

#[test]
fn the_largest_secret_comes_back_from_degraded_images() {
    // 256 bytes, the largest secret: the densest QR code coldshard prints.
    let secret: String = (0..=255u8).map(|b| format!("{:02x}", b ^ 0xa5)).collect();
    let work = Work::new();
    let shares = work.split("s", &secret, 2, 2, &passphrases(2));
    let a = image_file(
        &work,
        "a.jpg",
        &page(
            &one(share_qr(&shares[0]), 0.75, 4.0, (0.35, 0.7)),
            Look {
                blur: 2.0,
                noise: 8.0,
                jpeg: Some(50),
                uneven_light: false,
            },
            5,
        ),
    );
    let b = image_file(
        &work,
        "b.png",
        &page(
            &one(share_qr(&shares[1]), 1.5, -10.0, (0.55, 0.35)),
            Look {
                blur: 1.0,
                noise: 12.0,
                jpeg: None,
                uneven_light: true,
            },
            6,
        ),
    );
    let out = recover(&work, &[&b, &a], &["pass-2", "pass-1"]);
    assert_eq!(out.trim().to_lowercase(), secret);
}

#[test]
fn inspect_reads_the_header_from_an_image() {
    let work = Work::new();
    let shares = work.split("s", WORDS_24, 2, 3, &passphrases(3));
    let img = image_file(
        &work,
        "share2.jpg",
        &page(
            &one(share_qr(&shares[1]), 1.0, -3.0, (0.5, 0.5)),
            Look {
                jpeg: Some(50),
                ..SCAN
            },
            7,
        ),
    );
    let from_image = run_ok(
        coldshard()
            .args(["inspect", "--json", &img])
            .write_stdin(""),
    );
    let from_text = run_ok(
        coldshard()
            .args(["inspect", "--json", &shares[1]])
            .write_stdin(""),
    );
    // The same share, whichever way it was read: only the file name differs.
    assert_eq!(
        from_image.replace(&img, "F"),
        from_text.replace(&shares[1], "F")
    );
    let json: serde_json::Value = serde_json::from_str(&from_image).expect("JSON");
    assert_eq!(json["shares"][0]["index"], 2, "{from_image}");
}

#[test]
fn an_image_without_a_qr_code_is_refused() {
    let work = Work::new();
    let img = image_file(&work, "text-only.png", &page(&[], SCAN, 8));
    let err = refused(&work, coldshard().args(["inspect", &img]), 2);
    assert!(err.contains("no QR code"), "{err}");
    assert!(err.contains("text-only.png"), "names the file: {err}");
    assert!(
        err.contains("hint: take a sharper, closer picture of the whole QR code"),
        "{err}"
    );
}

#[test]
fn an_image_with_two_shares_is_refused() {
    let work = Work::new();
    let shares = work.split("s", WORDS_24, 2, 3, &passphrases(3));
    let codes = vec![
        Placed {
            matrix: share_qr(&shares[0]),
            scale: 1.0,
            degrees: 0.0,
            centre: (0.3, 0.3),
        },
        Placed {
            matrix: share_qr(&shares[1]),
            scale: 1.0,
            degrees: 2.0,
            centre: (0.65, 0.7),
        },
    ];
    let img = image_file(&work, "both.png", &page(&codes, SCAN, 9));
    let pass = work.passfile("p.txt", &["pass-1", "pass-2"]);
    let err = refused(
        &work,
        coldshard().args(["recover", &img, &shares[2]]).args([
            "--passphrase-file",
            &pass,
            "--reveal",
        ]),
        2,
    );
    assert!(err.contains("2 QR codes"), "{err}");
}

#[test]
fn a_qr_code_that_is_not_a_share_is_refused() {
    let work = Work::new();
    for (i, text) in ["HELLO", "https://example.com/"].iter().enumerate() {
        let matrix = QrMatrix::encode(text, Ecc::M).expect("QR code");
        let img = image_file(
            &work,
            &format!("other-{i}.png"),
            &page(&one(matrix, 0.5, 3.0, (0.5, 0.5)), SCAN, 10 + i as u64),
        );
        let err = refused(&work, coldshard().args(["inspect", &img]), 2);
        assert!(err.contains("not a coldshard share"), "{err}");
        assert!(
            err.contains("hint: a coldshard QR code holds text starting with 'COLDSHARD:'"),
            "{err}"
        );
    }
}
