//! What split prints, read by independent tools (installed by .ci/run): `zbarimg` decodes every
//! PNG, every SVG rasterised by `rsvg-convert` and the 300 dpi rendering of every PDF sheet
//! (`pdftoppm`) to exactly the share's compact text, the shares recover from what those tools
//! read and from the rendered pages themselves, the PDF embeds its fonts (`pdffonts`)
//! and its text (`pdftotext`) holds the share lines but no passphrase or seed.

use std::path::Path;
use std::process::Command as Process;

use crate::util::{FAST_KDF, Work, coldshard, run_ok};

/// Runs an external tool, failing the test with a plain message if it is missing.
fn tool(program: &str, args: &[&str]) -> std::process::Output {
    Process::new(program).args(args).output().unwrap_or_else(|e| {
        panic!("{program} is needed for this test ({e}); .ci/run installs zbar-tools, poppler-utils, librsvg2-bin and qrencode")
    })
}

/// The text of the one QR code `zbarimg` finds in an image.
fn zbar(image: &Path) -> String {
    let out = tool("zbarimg", &["--quiet", "--raw", &image.to_string_lossy()]);
    assert!(
        out.status.success(),
        "zbarimg could not read {}: {}",
        image.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let text = text.strip_suffix('\n').unwrap_or(&text).to_string();
    assert!(
        !text.contains('\n'),
        "one QR code expected in {}",
        image.display()
    );
    text
}

/// The compact form of the share in a text file, computed by the library.
fn compact_of(text_file: &Path) -> String {
    let armored =
        coldshard::armor::decode(&std::fs::read(text_file).expect("share")).expect("decode");
    coldshard::armor::encode_compact(&armored.share)
}

const SEED: &str = "legal winner thank year wave sausage worth useful legal winner thank yellow";
const PASSES: [&str; 3] = ["Otter$1-quince", "Otter$2-quince", "Otter$3-quince"];

/// A 2-of-3 split of [`SEED`] with labels, into `work/s`.
fn split(work: &Work, paper: &str) -> std::path::PathBuf {
    let pass = work.passfile("pass.txt", &PASSES);
    let dir = work.path("s");
    run_ok(
        coldshard()
            .args(["split", "-t", "2", "-n", "3", "--out"])
            .arg(&dir)
            .args(["--passphrase-file", &pass, "--paper", paper])
            .args(["--label", "alice", "--label", "bob", "--label", "Zoë"])
            .args(FAST_KDF)
            .write_stdin(SEED),
    );
    dir
}

/// zbarimg reads every PNG, SVG and 300 dpi sheet to exactly the compact text; two shares read
/// that way (saved as the text a QR reader gives) recover the seed, and so do two page images.
#[test]
fn zbarimg_reads_every_png_svg_and_rendered_sheet() {
    for paper in ["a4", "letter"] {
        let work = Work::new();
        let dir = split(&work, paper);
        let mut from_sheets = Vec::new();
        let mut pages = Vec::new();
        for i in 1..=3 {
            let base = dir.join(format!("share-{i}-of-3"));
            let want = compact_of(&base.with_extension("txt"));
            assert!(want.starts_with("COLDSHARD:1:"));
            assert_eq!(zbar(&base.with_extension("png")), want, "PNG of share {i}");

            // The SVG, rasterised by librsvg at 300 dpi on white, reads the same.
            let svg_png = work.path(&format!("svg-{i}.png"));
            let out = tool(
                "rsvg-convert",
                &[
                    "--dpi-x",
                    "300",
                    "--dpi-y",
                    "300",
                    "--background-color",
                    "white",
                    "--output",
                    &svg_png.to_string_lossy(),
                    &base.with_extension("svg").to_string_lossy(),
                ],
            );
            assert!(out.status.success(), "rsvg-convert: {out:?}");
            assert_eq!(zbar(&svg_png), want, "SVG of share {i}");

            let prefix = work.path(&format!("page-{i}"));
            let out = tool(
                "pdftoppm",
                &[
                    "-r",
                    "300",
                    "-png",
                    &base.with_extension("pdf").to_string_lossy(),
                    &prefix.to_string_lossy(),
                ],
            );
            assert!(out.status.success(), "pdftoppm: {out:?}");
            let page = work.path(&format!("page-{i}-1.png"));
            let read = zbar(&page);
            assert_eq!(read, want, "{paper} sheet of share {i}");
            from_sheets.push(work.write(&format!("scanned-{i}.txt"), format!("{read}\n")));
            pages.push(page.to_string_lossy().into_owned());
        }
        let pass = work.passfile("p31.txt", &[PASSES[2], PASSES[0]]);
        let out = run_ok(
            coldshard()
                .args(["recover", &from_sheets[2], &from_sheets[0], "--reveal"])
                .args(["--passphrase-file", &pass]),
        );
        assert_eq!(out, format!("{SEED}\n"));

        // The rendered pages themselves, given to coldshard as images, recover the seed too.
        let pass = work.passfile("p23.txt", &[PASSES[1], PASSES[2]]);
        let out = run_ok(
            coldshard()
                .args(["recover", &pages[1], &pages[2], "--reveal"])
                .args(["--passphrase-file", &pass]),
        );
        assert_eq!(out, format!("{SEED}\n"), "{paper} pages 2 and 3");
    }
}

/// The sheets embed every font, and their text holds the share lines and the label but no
/// passphrase, no seed word sequence.
#[test]
fn sheets_embed_their_fonts_and_print_nothing_secret() {
    let work = Work::new();
    let dir = split(&work, "a4");
    for i in 1..=3 {
        let pdf = dir.join(format!("share-{i}-of-3.pdf"));
        let pdf_s = pdf.to_string_lossy().into_owned();
        let fonts = String::from_utf8(tool("pdffonts", &[&pdf_s]).stdout).expect("UTF-8");
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert!(rows.len() >= 2, "fonts listed:\n{fonts}");
        for row in &rows {
            // Columns: name type encoding emb sub uni object ID; "emb" must be yes.
            let cols: Vec<&str> = row.split_whitespace().collect();
            let emb = cols.get(cols.len().saturating_sub(5)).copied();
            assert_eq!(emb, Some("yes"), "font not embedded: {row}\n{fonts}");
        }
        let out = tool("pdftotext", &["-layout", &pdf_s, "-"]);
        let text = String::from_utf8(out.stdout).expect("UTF-8");
        let armor = std::fs::read_to_string(dir.join(format!("share-{i}-of-3.txt"))).unwrap();
        for line in armor
            .lines()
            .filter(|l| l.len() > 3 && l.as_bytes()[0].is_ascii_digit())
        {
            assert!(
                text.contains(line),
                "line {line:?} not on the sheet:\n{text}"
            );
        }
        assert!(text.contains(["alice", "bob", "Zoë"][i - 1]), "{text}");
        for pass in PASSES {
            assert!(!text.contains(pass), "a passphrase is on the sheet");
        }
        let words: Vec<&str> = SEED.split(' ').collect();
        for run in words.windows(3) {
            assert!(!text.contains(&run.join(" ")), "seed words on the sheet");
        }
    }
    // The search can fail: the passphrase file holds what the sheets must not.
    let pass_text = std::fs::read_to_string(work.path("pass.txt")).unwrap();
    assert!(pass_text.contains(PASSES[0]));
}

/// QR codes made by another encoder (`qrencode`), in byte mode and in alphanumeric mode, at
/// several error correction levels, are read as shares, and recover the seed.
#[test]
fn qr_codes_made_by_qrencode_are_read() {
    let work = Work::new();
    let dir = split(&work, "a4");
    let mut images = Vec::new();
    for (i, mode) in [(1, "-8"), (2, "-i")] {
        let compact = compact_of(&dir.join(format!("share-{i}-of-3.txt")));
        for level in ["L", "H"] {
            let png = work.path(&format!("qrencode-{i}-{level}.png"));
            let out = tool(
                "qrencode",
                &[
                    mode,
                    "-l",
                    level,
                    "-s",
                    "4",
                    "-o",
                    &png.to_string_lossy(),
                    &compact,
                ],
            );
            assert!(out.status.success(), "qrencode: {out:?}");
            let shown = run_ok(coldshard().args(["inspect", &png.to_string_lossy()]));
            assert!(shown.contains(&format!("Share:      {i} of 3")), "{shown}");
            images.push(png.to_string_lossy().into_owned());
        }
    }
    let pass = work.passfile("p12.txt", &[PASSES[0], PASSES[1]]);
    let out = run_ok(
        coldshard()
            .args(["recover", &images[0], &images[3], "--reveal"])
            .args(["--passphrase-file", &pass]),
    );
    assert_eq!(out, format!("{SEED}\n"));
}
