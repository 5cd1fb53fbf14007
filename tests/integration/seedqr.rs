//! `recover --seedqr standard|compact`: the SeedQR of the SeedSigner specification's own test
//! vectors (tests/data/seedqr/vectors.json), written as PNG and read by `zbarimg` (installed by
//! .ci/run), or drawn on the terminal and decoded; and the refusals, before anything is asked
//! or written.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command as Process;

use crate::util::{Work, coldshard, passphrases, refused, run, run_ok};

/// One example of the specification.
struct Vector {
    name: String,
    words: String,
    digits: String,
    /// The CompactSeedQR bytes, from the published bit string.
    compact: Vec<u8>,
}

fn vectors() -> Vec<Vector> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/seedqr/vectors.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read vectors.json"))
            .expect("vectors.json is JSON");
    json["vectors"]
        .as_array()
        .expect("vectors")
        .iter()
        .filter_map(|v| {
            let bits = v["compact_bits"].as_str()?;
            Some(Vector {
                name: v["name"].as_str().expect("name").to_string(),
                words: v["words"].as_str().expect("words").to_string(),
                digits: v["standard_digits"].as_str().expect("digits").to_string(),
                compact: bits
                    .as_bytes()
                    .chunks(8)
                    .map(|c| u8::from_str_radix(std::str::from_utf8(c).expect("ASCII"), 2))
                    .collect::<Result<_, _>>()
                    .expect("a bit string"),
            })
        })
        .collect()
}

/// `zbarimg` on one image, with `extra` options; its standard output as bytes.
fn zbarimg(image: &Path, extra: &[&str]) -> Vec<u8> {
    let out = Process::new("zbarimg")
        .args(["--quiet", "--raw"])
        .args(extra)
        .arg(image)
        .output()
        .unwrap_or_else(|e| {
            panic!("zbarimg is needed for this test ({e}); .ci/run installs zbar-tools")
        });
    assert!(
        out.status.success(),
        "zbarimg could not read {}: {}",
        image.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

/// Splits `secret` 2-of-3 (fast KDF) and returns shares 1 and 3 with their passphrase file.
fn two_shares(work: &Work, out: &str, secret: &str) -> (Vec<String>, String) {
    let shares = work.split(out, secret, 2, 3, &passphrases(3));
    let pass = work.passfile(&format!("{out}-p13.txt"), &["pass-1", "pass-3"]);
    (vec![shares[0].clone(), shares[2].clone()], pass)
}

/// For 12- and 24-word vectors (among them NUL, \n, \r and \r\n in the compact bytes), both
/// PNGs are new files with mode 0600, of the specification's size, and zbarimg reads the
/// specification's digits (numeric mode, any reader) and its entropy bytes (binary mode).
#[test]
fn seedqr_pngs_hold_the_specifications_payloads() {
    let all = vectors();
    assert_eq!(all.len(), 9, "test vectors 1-9");
    // 1 (24 words), 2 (24 words, a NUL byte), 4 (12 words), 6 (12 words, \n and NUL), 9 (\r\n).
    for (i, v) in all
        .iter()
        .enumerate()
        .filter(|(i, _)| [0, 1, 3, 5, 8].contains(i))
    {
        let work = Work::new();
        let (shares, pass) = two_shares(&work, "s", &v.words);
        let words = v.words.split(' ').count();
        for (form, modules) in [
            ("standard", if words == 12 { 25 } else { 29 }),
            ("compact", if words == 12 { 21 } else { 25 }),
        ] {
            let png = work.path(&format!("{form}.png"));
            let r = run(coldshard()
                .arg("recover")
                .args(&shares)
                .args(["--passphrase-file", &pass, "--seedqr", form, "--out"])
                .arg(&png));
            assert_eq!(r.code, Some(0), "{}: {}", v.name, r.stderr);
            assert!(r.stdout.is_empty(), "{}: stdout {}", v.name, r.stdout);
            let name = if form == "standard" {
                "Standard SeedQR"
            } else {
                "CompactSeedQR"
            };
            let version = (modules - 17) / 4;
            assert!(
                r.stderr.contains(&format!(
                    "Wrote the {name}, {words} words, {modules}x{modules} (QR version {version}) to '{}' (mode 0600)",
                    png.display()
                )),
                "{}: {}",
                v.name,
                r.stderr
            );
            let first = v.words.split(' ').next().expect("a word");
            assert!(!r.stderr.contains(first) && !r.stderr.contains(&v.digits));
            assert_eq!(mode(&png), 0o600, "{} {form}", v.name);
            let image = image::open(&png).expect("a PNG").into_luma8();
            assert_eq!(
                image.dimensions(),
                (((modules + 8) * 10) as u32, ((modules + 8) * 10) as u32),
                "{} {form}: {modules} modules, the quiet zone, 10 pixels per module",
                v.name
            );
            if form == "standard" {
                assert_eq!(
                    zbarimg(&png, &[]),
                    format!("{}\n", v.digits).into_bytes(),
                    "{} standard, read by zbarimg",
                    v.name
                );
            } else {
                assert_eq!(
                    zbarimg(&png, &["--oneshot", "-Sbinary"]),
                    v.compact,
                    "{} compact, read by zbarimg as binary (vector {})",
                    v.name,
                    i + 1
                );
            }
        }
    }
}

/// `--reveal` draws the code on standard output (black on white half blocks) and names the
/// form and size on standard error; the drawing decodes to the specification's digits.
#[test]
fn seedqr_reveal_draws_a_code_that_decodes_to_the_digits() {
    let v = &vectors()[4]; // test vector 5, 12 words
    let work = Work::new();
    let (shares, pass) = two_shares(&work, "s", &v.words);
    for (form, modules, want) in [
        ("standard", 25, v.digits.as_bytes().to_vec()),
        ("compact", 21, v.compact.clone()),
    ] {
        let r = run(coldshard().arg("recover").args(&shares).args([
            "--passphrase-file",
            &pass,
            "--seedqr",
            form,
            "--reveal",
        ]));
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        let name = if form == "standard" {
            "Standard SeedQR"
        } else {
            "CompactSeedQR"
        };
        assert!(
            r.stderr.contains(&format!(
                "{name}, 12 words, {modules}x{modules} (QR version {}): scan it with the signing device, then clear the screen.",
                (modules - 17) / 4
            )),
            "{}",
            r.stderr
        );
        assert!(!r.stdout.contains("good") && !r.stdout.contains(&v.digits));
        let side = modules + 8;
        let mut dark = vec![vec![false; side]; side + 1];
        let lines: Vec<&str> = r.stdout.lines().collect();
        assert_eq!(
            lines.len(),
            side.div_ceil(2),
            "{form}: one line per two rows"
        );
        for (row, line) in lines.iter().enumerate() {
            let cells = line
                .strip_prefix("\x1b[38;5;16;48;5;231m")
                .and_then(|l| l.strip_suffix("\x1b[0m"))
                .expect("black on white, reset at the end of the line");
            assert_eq!(cells.chars().count(), side);
            for (x, c) in cells.chars().enumerate() {
                let (top, bottom) = match c {
                    '█' => (true, true),
                    '▀' => (true, false),
                    '▄' => (false, true),
                    ' ' => (false, false),
                    other => panic!("unexpected {other:?}"),
                };
                dark[2 * row][x] = top;
                dark[2 * row + 1][x] = bottom;
            }
        }
        let grid = rqrr::SimpleGrid::from_func(modules, |x, y| dark[y + 4][x + 4]);
        let mut got = Vec::new();
        rqrr::Grid::new(grid)
            .decode_to(&mut got)
            .expect("the drawing decodes");
        assert_eq!(got, want, "{form}");
    }
}

/// A set whose secret is not a mnemonic, or a 15-word mnemonic, is refused from its public
/// header: exit 2, one sentence and a hint, before any passphrase is asked (there is no
/// passphrase file and no terminal here, so asking would be another error) and nothing written.
#[test]
fn seedqr_refuses_secrets_it_cannot_hold_before_asking_anything() {
    let work = Work::new();
    let hex = "00112233445566778899aabbccddeeff";
    let pass = work.write("hex-passphrases.txt", "pass-1\npass-2\npass-3\n");
    run_ok(
        coldshard()
            .args([
                "split",
                "-t",
                "2",
                "-n",
                "3",
                "--secret-format",
                "hex",
                "--out",
            ])
            .arg(work.path("hex"))
            .args(["--passphrase-file", &pass])
            .args(crate::util::FAST_KDF)
            .write_stdin(hex),
    );
    let fifteen = coldshard::secret::Secret::generate_mnemonic(15)
        .expect("a 15-word mnemonic")
        .render()
        .expect("words");
    let fifteen = String::from_utf8(fifteen.to_vec()).expect("UTF-8");
    work.split("w15", &fifteen, 2, 3, &passphrases(3));
    for (dir, sentence, hint) in [
        (
            "hex",
            "error: the secret of this set is hex, 16 bytes, not a BIP39 mnemonic, so it cannot be given as a SeedQR",
            "hint: without --seedqr, --reveal or --out FILE gives the secret back as it was split",
        ),
        (
            "w15",
            "error: SeedQR is defined for 12- and 24-word mnemonics only, and the secret of this set has 15 words",
            "hint: without --seedqr, --reveal or --out FILE gives the words, to enter on the signing device by hand",
        ),
    ] {
        for (form, target) in [("compact", "--out"), ("standard", "--reveal")] {
            let mut cmd = coldshard();
            cmd.arg("recover")
                .arg(work.path(dir).join("share-1-of-3.txt"))
                .arg(work.path(dir).join("share-2-of-3.txt"))
                .args(["--seedqr", form, target]);
            if target == "--out" {
                cmd.arg(work.path("seed.png"));
            }
            let stderr = refused(&work, &mut cmd, 2);
            assert_eq!(stderr, format!("{sentence}\n{hint}\n"), "{dir} {form}");
        }
    }
}

/// `--seedqr` alone says where the code can go (exit 2); an existing file is never overwritten.
#[test]
fn seedqr_needs_a_destination_and_never_overwrites() {
    let work = Work::new();
    let v = &vectors()[3];
    let (shares, pass) = two_shares(&work, "s", &v.words);
    let stderr = refused(
        &work,
        coldshard().arg("recover").args(&shares).args([
            "--passphrase-file",
            &pass,
            "--seedqr",
            "compact",
        ]),
        2,
    );
    assert_eq!(
        stderr,
        "error: --seedqr needs --reveal or --out FILE.png: the code is shown or written only where asked\n\
         hint: add --reveal to draw it on this terminal, or --out FILE.png to write it to a new PNG file (mode 0600)\n"
    );
    let existing = work.write("seed.png", "not yours to replace\n");
    let stderr = refused(
        &work,
        coldshard().arg("recover").args(&shares).args([
            "--passphrase-file",
            &pass,
            "--seedqr",
            "standard",
            "--out",
            &existing,
        ]),
        2,
    );
    assert!(stderr.contains("already exists"), "{stderr}");
    // Unknown forms and --out with --reveal are the parser's usage errors.
    for extra in [
        vec!["--seedqr", "binary", "--reveal"],
        vec!["--seedqr", "compact", "--reveal", "--out", "new.png"],
    ] {
        let r = run(coldshard()
            .current_dir(work.dir.path())
            .arg("recover")
            .args(&shares)
            .args(["--passphrase-file", &pass])
            .args(&extra));
        assert_eq!(r.code, Some(2), "{extra:?}: {}", r.stderr);
        assert!(r.stdout.is_empty());
        assert!(!work.path("new.png").exists());
    }
}
