//! Criterion benchmarks of coldshard's building blocks (docs/PERFORMANCE.md has one run's
//! figures): Shamir split and combine, the text armor, drawing a share's QR code, reading it
//! back from a scanned page and from a phone photo, and the key derivation at the defaults.
//!
//! ```sh
//! cargo bench --bench coldshard              # everything (about six minutes on 2 cores)
//! cargo bench --bench coldshard -- kdf       # only the groups whose name matches
//! ```
//!
//! CI only builds them (`cargo clippy --all-targets`).

use std::hint::black_box;
use std::io::Cursor;
use std::time::Duration;

use coldshard::armor;
use coldshard::crypto::{self, Argon2Params, Kdf, SetKey};
use coldshard::format::{EncryptedShare, SetId, ShareHeader};
use coldshard::passphrase::Passphrase;
use coldshard::qr::{Ecc, QUIET_ZONE, QrMatrix};
use coldshard::scan;
use coldshard::secret::{InputFormat, Secret};
use coldshard::set;
use coldshard::shamir::{self, ShareCount, SharePoint, Threshold};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use image::{GrayImage, Luma};

/// A valid 24-word mnemonic (all-zero entropy), the most common secret.
const WORDS_24: &str = "abandon abandon abandon abandon abandon abandon abandon abandon abandon \
                        abandon abandon abandon abandon abandon abandon abandon abandon abandon \
                        abandon abandon abandon abandon abandon art";

/// Pixels per QR module in the PNG that `split` writes (`issue::PNG_SCALE`).
const PNG_SCALE: usize = 8;

/// Shamir split and combine: secrets of 16, 32, 64 and 256 bytes into N = 3, 16 and 255
/// shares, with a majority threshold T = N / 2 + 1 (2, 9 and 128); combine gets exactly T.
fn shamir(c: &mut Criterion) {
    for (name, op) in [("shamir_split", false), ("shamir_combine", true)] {
        let mut group = c.benchmark_group(name);
        group
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(5));
        for len in [16usize, 32, 64, 256] {
            let secret: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            group.throughput(Throughput::Bytes(len as u64));
            for n in [3u8, 16, 255] {
                let t = Threshold::new(n / 2 + 1).expect("threshold");
                let count = ShareCount::new(n).expect("count");
                let id = BenchmarkId::new(format!("{len}B"), format!("{}-of-{n}", t.get()));
                if op {
                    let points = shamir::split(&secret, t, count).expect("split");
                    let some: Vec<&SharePoint> = points.iter().take(usize::from(t.get())).collect();
                    assert_eq!(
                        shamir::combine(&some, t).expect("combine").as_slice(),
                        secret.as_slice()
                    );
                    group.bench_function(id, |b| {
                        b.iter(|| shamir::combine(black_box(&some), t).expect("combine"));
                    });
                } else {
                    group.bench_function(id, |b| {
                        b.iter(|| shamir::split(black_box(&secret), t, count).expect("split"));
                    });
                }
            }
        }
        group.finish();
    }
}

/// Share 1 of a 2-of-3 set of `secret`, sealed at a tiny key-derivation cost: the armor, QR
/// and scan benchmarks do not depend on it (the parameters take the same header bytes).
fn share_of(secret: &str) -> EncryptedShare {
    let secret = Secret::parse(secret.as_bytes(), InputFormat::Auto).expect("secret");
    let set_key = SetKey::from_seed(&[7; 32]).expect("set key");
    let dealt = set::dealt_value(&secret, &set_key);
    let t = Threshold::new(2).expect("threshold");
    let points = shamir::split(&dealt, t, ShareCount::new(3).expect("count")).expect("split");
    let header = ShareHeader {
        set_id: SetId::of_public_key(&set_key.public_key()),
        index: points[0].index(),
        threshold: t,
        count: ShareCount::new(3).expect("count"),
        kind: secret.kind(),
        secret_len: u16::try_from(secret.payload().len()).expect("length"),
        kdf: Kdf::Argon2id(Argon2Params::new(8, 1, 1).expect("params")),
        salt: [9; crypto::SALT_LEN],
        nonce: [8; crypto::NONCE_LEN],
        set_key: set_key.public_key(),
        commitment: crypto::commitment(set_key.seed(), secret.kind().code(), secret.payload()),
    };
    EncryptedShare::seal(header, &points[0], &Passphrase::new("bench"), &set_key).expect("seal")
}

/// The two shares the armor, QR and scan benchmarks use: a 24-word seed, and the largest
/// secret (256 bytes), whose QR code is the densest coldshard prints.
fn shares() -> [(&'static str, EncryptedShare); 2] {
    let largest: String = (0..=255u8).map(|b| format!("{:02x}", b ^ 0xa5)).collect();
    [
        ("24_words", share_of(WORDS_24)),
        ("256_bytes", share_of(&largest)),
    ]
}

/// Text armor: writing a share, and reading it back as `inspect` does: strict parse, line
/// checks, the share's SHA-256 check and its Ed25519 signature.
fn armor(c: &mut Criterion) {
    let mut group = c.benchmark_group("armor");
    for (name, share) in shares() {
        let text = armor::encode(&share, None);
        assert_eq!(armor::decode(text.as_bytes()).expect("decode").share, share);
        group.bench_function(BenchmarkId::new("encode", name), |b| {
            b.iter(|| armor::encode(black_box(&share), None));
        });
        group.bench_function(BenchmarkId::new("parse", name), |b| {
            b.iter(|| armor::decode(black_box(text.as_bytes())).expect("decode"));
        });
    }
    group.finish();
}

/// Drawing a share's QR code as `split` does: the compact text, the code at level Q, the PNG.
fn qr_render(c: &mut Criterion) {
    let mut group = c.benchmark_group("qr_render");
    for (name, share) in shares() {
        group.bench_function(name, |b| {
            b.iter(|| {
                let compact = armor::encode_compact(black_box(&share));
                QrMatrix::encode(&compact, Ecc::Q)
                    .expect("QR code")
                    .to_png(PNG_SCALE)
                    .expect("PNG")
            });
        });
    }
    group.finish();
}

/// xorshift64: the same images on every run.
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

/// How a picture of a sheet is taken.
struct Shot {
    /// Image size in pixels.
    width: u32,
    height: u32,
    /// Pixels per QR module.
    module_px: f64,
    /// Rotation of the code, in degrees.
    degrees: f64,
    /// Gaussian blur (sigma, pixels).
    blur: f32,
    /// Sensor noise (standard deviation, grey levels).
    noise: f64,
    /// Grey paper and ink, light falling off towards one corner (a photo, not a scan).
    uneven_light: bool,
    /// JPEG quality, or None for PNG.
    jpeg: Option<u8>,
}

/// A white page with rows of text-like bars and the code in the middle, taken as `shot`
/// says; PNG or JPEG bytes.
fn picture(matrix: &QrMatrix, shot: &Shot, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let (w, h) = (f64::from(shot.width), f64::from(shot.height));
    let (cx, cy) = (w / 2.0, h / 2.0);
    let side_modules = (matrix.width() + 2 * QUIET_ZONE) as f64;
    let half = side_modules * shot.module_px / 2.0;
    let (sin, cos) = shot.degrees.to_radians().sin_cos();
    // Clutter keeps clear of the code's rotated square, plus a margin.
    let keep = half * (cos.abs() + sin.abs()) + 2.0 * shot.module_px;
    let mut img = GrayImage::from_pixel(shot.width, shot.height, Luma([255]));
    let mut y = 0.04 * h;
    while y < 0.96 * h {
        let line_h = rng.range(0.006, 0.011) * h;
        let mut x = 0.06 * w;
        while x < 0.94 * w {
            let glyph = rng.range(0.0025, 0.007) * w;
            let top = if rng.unit() < 0.3 {
                y
            } else {
                y + 0.3 * line_h
            };
            for py in top as u32..((y + line_h) as u32).min(shot.height) {
                for px in x as u32..((x + glyph) as u32).min(shot.width) {
                    let (fx, fy) = (f64::from(px), f64::from(py));
                    if (fx - cx).abs() > keep || (fy - cy).abs() > keep {
                        img.put_pixel(px, py, Luma([0]));
                    }
                }
            }
            x += glyph + rng.range(0.001, 0.003) * w;
            if rng.unit() < 0.12 {
                x += rng.range(0.006, 0.014) * w; // a space between words
            }
        }
        y += line_h + rng.range(0.008, 0.017) * h;
    }
    // The code, rotated about the centre, anti-aliased with 3x3 samples per pixel.
    for py in (cy - keep) as u32..((cy + keep) as u32).min(shot.height) {
        for px in (cx - keep) as u32..((cx + keep) as u32).min(shot.width) {
            let (mut inside, mut dark) = (0u32, 0u32);
            for s in 0..9 {
                let fx = f64::from(px) + (f64::from(s % 3) + 0.5) / 3.0 - cx;
                let fy = f64::from(py) + (f64::from(s / 3) + 0.5) / 3.0 - cy;
                let u = (cos * fx + sin * fy + half) / shot.module_px;
                let v = (-sin * fx + cos * fy + half) / shot.module_px;
                if !(0.0..side_modules).contains(&u) || !(0.0..side_modules).contains(&v) {
                    continue;
                }
                inside += 1;
                let (mx, my) = (u - QUIET_ZONE as f64, v - QUIET_ZONE as f64);
                if mx >= 0.0 && my >= 0.0 && matrix.is_dark(mx as usize, my as usize) {
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
    if shot.blur > 0.0 {
        img = image::imageops::blur(&img, shot.blur);
    }
    let (ink, paper) = if shot.uneven_light {
        (45.0, 215.0)
    } else {
        (15.0, 250.0)
    };
    for (x, y, p) in img.enumerate_pixels_mut() {
        let light = if shot.uneven_light {
            1.0 - 0.2 * (f64::from(x) / w + f64::from(y) / h)
        } else {
            1.0
        };
        let v =
            (ink + (paper - ink) * f64::from(p.0[0]) / 255.0) * light + shot.noise * rng.normal();
        p.0[0] = v.round().clamp(0.0, 255.0) as u8;
    }
    let mut out = Cursor::new(Vec::new());
    match shot.jpeg {
        Some(quality) => image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
            .encode_image(&img)
            .expect("JPEG"),
        None => img
            .write_to(&mut out, image::ImageFormat::Png)
            .expect("PNG"),
    }
    out.into_inner()
}

/// Reading a 24-word share's QR code from a picture of its sheet, bytes to text, through
/// `scan::read_qr_text` (what `recover`, `verify` and `drill` do with an image):
/// - a 300 dpi flatbed scan of an A4 page (2480x3508 PNG): the code 6 cm wide, turned
///   1.5 degrees, slightly soft (blur 1 px), a little noise;
/// - a phone photo (1600x1200 JPEG at quality 60): the code about 430 px wide, turned 8
///   degrees, blurred (1.5 px), noisy and unevenly lit.
fn qr_decode(c: &mut Criterion) {
    let [(_, share), _] = shares();
    let compact = armor::encode_compact(&share);
    let matrix = QrMatrix::encode(&compact, Ecc::Q).expect("QR code");
    // 6 cm at 300 dpi over the code and its quiet zone.
    let scan_module = 6.0 / 2.54 * 300.0 / (matrix.width() + 2 * QUIET_ZONE) as f64;
    let pictures = [
        (
            "a4_scan_300dpi_png",
            Shot {
                width: 2480,
                height: 3508,
                module_px: scan_module,
                degrees: 1.5,
                blur: 1.0,
                noise: 4.0,
                uneven_light: false,
                jpeg: None,
            },
        ),
        (
            "phone_photo_jpeg",
            Shot {
                width: 1600,
                height: 1200,
                module_px: 5.0,
                degrees: 8.0,
                blur: 1.5,
                noise: 10.0,
                uneven_light: true,
                jpeg: Some(60),
            },
        ),
    ];
    let mut group = c.benchmark_group("qr_decode");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));
    for (seed, (name, shot)) in pictures.iter().enumerate() {
        let bytes = picture(&matrix, shot, seed as u64 + 1);
        assert_eq!(
            scan::read_qr_text(&bytes).expect("the picture reads"),
            compact,
            "{name}"
        );
        group.bench_function(*name, |b| {
            b.iter(|| scan::read_qr_text(black_box(&bytes)).expect("read"));
        });
    }
    group.finish();
}

/// One key derivation at the defaults (Argon2id, 512 MiB, 3 passes, 4 lanes), as every share
/// costs to seal or open.
fn kdf(c: &mut Criterion) {
    let kdf = Kdf::Argon2id(Argon2Params::DEFAULT);
    let passphrase = Passphrase::new("correct horse battery staple");
    let salt = [9; crypto::SALT_LEN];
    let mut group = c.benchmark_group("kdf");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(3))
        .measurement_time(Duration::from_secs(20));
    group.bench_function("argon2id_default_512MiB_t3_p4", |b| {
        b.iter(|| crypto::derive_key(&kdf, black_box(&passphrase), &salt).expect("derive"));
    });
    group.finish();
}

criterion_group!(benches, shamir, armor, qr_render, qr_decode, kdf);
criterion_main!(benches);
