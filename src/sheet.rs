//! The printable sheet of one share: a one-page PDF with the QR code, the text armor in an
//! embedded monospace font, short recovery instructions and custody fields to fill in by hand.
//!
//! Written with `pdf-writer` (a low-level writer with no dependencies of its own beyond number
//! formatting). The fonts are DejaVu (assets/fonts/, with their licence), embedded as subsets:
//! Type0 fonts over CIDFontType2 with Identity-H encoding and a ToUnicode map, so that any
//! script the fonts cover prints and `pdftotext` gives the text back. Nothing is compressed (the
//! subsets keep a sheet under 100 KB, and the image is read back without a decompressor) and
//! nothing depends on the clock or on randomness: the same content gives the same bytes.
//!
//! The QR code is one image XObject, one pixel per module (quiet zone included), scaled by the
//! page transform without interpolation. [`embedded_qr`] reads exactly that image back from a
//! sheet's bytes, for the print-and-verify check.

use std::collections::{BTreeMap, BTreeSet};

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str, TextStr};
use sha2::{Digest, Sha256};

use crate::armor;
use crate::crypto::Kdf;
use crate::qr::QrMatrix;

/// Paper size of the sheet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Paper {
    /// ISO A4, 210 x 297 mm.
    A4,
    /// US Letter, 8.5 x 11 in.
    Letter,
}

impl Paper {
    /// Width and height in points (1/72 in).
    fn size(self) -> (f32, f32) {
        match self {
            Paper::A4 => (595.276, 841.89),
            Paper::Letter => (612.0, 792.0),
        }
    }
}

/// What one sheet shows. Nothing secret: the share is encrypted and its passphrase, the seed
/// and its fingerprint are never printed.
pub struct SheetContent<'a> {
    /// The set id as the armor writes it (`27F7-D31A-5428-8136`).
    pub set_id: &'a str,
    /// The share's index; above `count` for a share added after the split.
    pub index: u8,
    /// Shares dealt at the split.
    pub count: u8,
    /// Shares needed to rebuild.
    pub threshold: u8,
    /// The custodian's label, if any.
    pub label: Option<&'a str>,
    /// The QR code of the share's compact form.
    pub qr: &'a QrMatrix,
    /// The share's armor, as [`crate::armor::encode`] writes it (with the same label).
    pub armor: &'a str,
    /// Paper size.
    pub paper: Paper,
}

/// Why a sheet could not be made or read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SheetError {
    /// The fields disagree with the armor, or the armor is not a share.
    #[error("the sheet's content is inconsistent: {0}")]
    Mismatch(String),
    /// A character the sheet cannot print (in practice: in the label).
    #[error(
        "the sheet cannot print '{}' (U+{:04X}): {reason}",
        armor::printable(&ch.to_string()),
        u32::from(*ch)
    )]
    Unprintable {
        /// The character.
        ch: char,
        /// Why.
        reason: &'static str,
    },
    /// The share text does not fit on one page.
    #[error("the share text does not fit on one sheet ({0} lines)")]
    TooLong(usize),
    /// A bundled font could not be read (a build problem).
    #[error("the bundled font {0} is unreadable")]
    Font(&'static str),
    /// The bytes are not a sheet that [`render_pdf`] made.
    #[error("not a coldshard sheet: {0}")]
    NotASheet(String),
}

static SANS: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
static SANS_BOLD: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-Bold.ttf");
static MONO: &[u8] = include_bytes!("../assets/fonts/DejaVuSansMono.ttf");

const MM: f32 = 72.0 / 25.4;

/// Renders the sheet of one share as a one-page PDF.
///
/// The armor is decoded (no passphrase needed) and must agree with the other fields, so that a
/// sheet never shows one share's header over another's text; a share without passphrase gets a
/// warning instead of the sentence that it is encrypted. A label with characters the embedded
/// fonts lack (for example CJK) or that need right-to-left layout is refused.
pub fn render_pdf(content: &SheetContent) -> Result<Vec<u8>, SheetError> {
    let encrypted = check_consistent(content)?;
    let (w, h) = content.paper.size();
    let mut page = Page::new(w, h)?;
    layout(&mut page, content, encrypted)?;
    Ok(page.finish(content))
}

/// Decodes the armor and compares it with the fields; returns whether the share is encrypted.
fn check_consistent(c: &SheetContent) -> Result<bool, SheetError> {
    if !c.armor.starts_with(armor::BEGIN) {
        return Err(SheetError::Mismatch(
            "the text copy must be the armor, not the QR code's compact form".into(),
        ));
    }
    let decoded = armor::decode(c.armor.as_bytes())
        .map_err(|e| SheetError::Mismatch(format!("the armor does not decode: {e}")))?;
    let h = decoded.share.header();
    let field = |name: &str, sheet: String, armor: String| {
        if sheet == armor {
            Ok(())
        } else {
            Err(SheetError::Mismatch(format!(
                "{name} '{}' but the armor says '{}'",
                armor::printable(&sheet),
                armor::printable(&armor)
            )))
        }
    };
    field("set", c.set_id.to_string(), h.set_id.to_string())?;
    field("index", c.index.to_string(), h.index.get().to_string())?;
    field("count", c.count.to_string(), h.count.get().to_string())?;
    field(
        "threshold",
        c.threshold.to_string(),
        h.threshold.get().to_string(),
    )?;
    let armor_label = decoded.label.as_ref().map(|l| l.as_str());
    if c.label != armor_label {
        let shown =
            |l: Option<&str>| l.map_or("none".into(), |l| format!("'{}'", armor::printable(l)));
        return Err(SheetError::Mismatch(format!(
            "label {} but the armor's is {}",
            shown(c.label),
            shown(armor_label)
        )));
    }
    Ok(h.kdf != Kdf::None)
}

/// The sentence the issue asks for: "Share i of N: any T rebuild the seed".
fn share_line(c: &SheetContent) -> String {
    if c.index > c.count {
        format!(
            "Share {} (added to the {} of the split): any {} rebuild the seed",
            c.index, c.count, c.threshold
        )
    } else {
        format!(
            "Share {} of {}: any {} rebuild the seed",
            c.index, c.count, c.threshold
        )
    }
}

// Layout ---------------------------------------------------------------------------------------

const INK: f32 = 0.0;
const MUTED: f32 = 0.33;
const RULE: f32 = 0.6;

fn layout(p: &mut Page, c: &SheetContent, encrypted: bool) -> Result<(), SheetError> {
    let left = 20.0 * MM;
    let right = p.w - 20.0 * MM;
    let width = right - left;
    let mut y = 15.0 * MM;

    // Heading: what the document is, then which share.
    p.text_spaced(
        Face::Bold,
        7.0,
        1.1,
        left,
        y,
        MUTED,
        "COLDSHARD · SHAMIR BACKUP OF A COLD-WALLET SEED",
    )?;
    y += 23.0;
    p.text(Face::Bold, 21.0, left, y, INK, "Seed backup share")?;
    y += 21.0;
    let line = share_line(c);
    let mut size = 13.5;
    while p.width(Face::Sans, size, &line) > width && size > 10.0 {
        size -= 0.5;
    }
    for l in p.wrap(Face::Sans, size, &line, width) {
        p.text(Face::Sans, size, left, y, INK, &l)?;
        y += size * 1.3;
    }
    p.hline(left, right, y, 1.0, INK);
    y += 16.0;

    // The QR code on the left, its modules aligned with the margin (the quiet zone lies
    // outside); on the right, the identification and short instructions.
    let qr_side = 64.0 * MM;
    let modules = c.qr.width().max(1) as f32;
    let quiet = qr_side / modules * crate::qr::QUIET_ZONE as f32;
    let qr_top = y;
    p.qr = Some(QrPlacement {
        x: left - quiet,
        y: qr_top - quiet,
        side: qr_side + 2.0 * quiet,
    });
    let caption = "Scan: the whole share in one QR code";
    let cw = p.width(Face::Sans, 7.5, caption);
    p.text(
        Face::Sans,
        7.5,
        left + (qr_side - cw) / 2.0,
        qr_top + qr_side + quiet + 7.0,
        MUTED,
        caption,
    )?;
    let col = left + qr_side + 8.0 * MM;
    let col_w = right - col;
    let mut ty = qr_top + 8.0;
    let key_w = 58.0;
    for (key, value, face) in [
        ("Set", c.set_id, Face::Mono),
        ("Custodian", c.label.unwrap_or(""), Face::Sans),
    ] {
        p.text(Face::Sans, 8.5, col, ty, MUTED, key)?;
        if value.is_empty() {
            p.hline(col + key_w, right, ty + 2.0, 0.5, RULE);
        } else {
            // A long label in smaller type, so that it takes two or three lines.
            let mut size = 11.5;
            let mut lines = p.wrap(face, size, value, col_w - key_w);
            if lines.len() > 2 {
                size = 9.0;
                lines = p.wrap(face, size, value, col_w - key_w);
            }
            for (i, l) in lines.iter().enumerate() {
                p.text(face, size, col + key_w, ty + size * 1.25 * i as f32, INK, l)?;
            }
            ty += size * 1.25 * (lines.len() - 1) as f32;
        }
        ty += 19.0;
    }
    ty += 5.0;
    let what = format!(
        "One share of a coldshard Shamir backup of a cold-wallet seed. Useless alone: any {t} \
         of the set's shares rebuild the seed with coldshard, fewer reveal nothing.",
        t = c.threshold
    );
    let guard = if encrypted {
        "Encrypted with its custodian's passphrase, which is never written on this sheet."
            .to_string()
    } else {
        format!(
            "NOT encrypted: anyone who holds {} sheets of this set can rebuild the seed. Keep \
             it locked away.",
            c.threshold
        )
    };
    let guard_face = if encrypted { Face::Sans } else { Face::Bold };
    ty = p.section(
        col,
        ty,
        col_w,
        "What this is",
        &[(Face::Sans, &what), (guard_face, &guard)],
    )?;
    ty += 4.0;
    ty = p.section(
        col,
        ty,
        col_w,
        "If the QR code is damaged",
        &[(
            Face::Sans,
            "Type the text copy below into a file exactly as printed (the last two characters \
             of each numbered line check that line), then run:",
        )],
    )?;
    p.text(
        Face::Mono,
        9.0,
        col + 12.0,
        ty + 1.0,
        INK,
        "coldshard inspect FILE",
    )?;
    ty += 1.0;
    y = (qr_top + qr_side + quiet + 14.0).max(ty + 6.0) + 6.0;

    // The text copy, in two columns of the monospace font, as large as the page allows.
    let custody_top = p.h - 14.0 * MM - 86.0;
    let pad = 10.0;
    let avail = custody_top - (y + 24.0) - 2.0 * pad - 30.0;
    let copy = TextCopy::arrange(p, c.armor, avail, width)?;
    p.hline(left, right, y, 0.5, RULE);
    y += 16.0;
    p.text(Face::Bold, 10.5, left, y, INK, "Text copy of the share")?;
    let note = "type every line exactly as printed, BEGIN to END";
    let nw = p.width(Face::Sans, 8.0, note);
    p.text(Face::Sans, 8.0, right - nw, y, MUTED, note)?;
    y += 8.0;
    let box_top = y;
    let box_h = copy.height() + 2.0 * pad;
    p.rect(left, box_top, width, box_h, 0.6, RULE);
    copy.draw(p, left, box_top + pad, width)?;
    y = box_top + box_h + 14.0;
    let spec = "The share format is specified in docs/FORMAT.md of coldshard: section 6 for this \
                text, section 7 for the QR code.";
    for l in p.wrap(Face::Sans, 8.0, spec, width) {
        p.text(Face::Sans, 8.0, left, y, MUTED, &l)?;
        y += 11.0;
    }

    // Custody record, filled in by hand, at the foot of the page.
    let mut y = custody_top.max(y + 4.0);
    p.hline(left, right, y, 0.5, RULE);
    y += 16.0;
    p.text(Face::Bold, 10.5, left, y, INK, "Custody record")?;
    let note = "fill in by hand";
    let nw = p.width(Face::Sans, 8.0, note);
    p.text(Face::Sans, 8.0, right - nw, y, MUTED, note)?;
    y += 30.0;
    let half = (width - 10.0 * MM) / 2.0;
    for row in [["Holder", "Place"], ["Date", "Signature"]] {
        for (i, key) in row.iter().enumerate() {
            let x = left + i as f32 * (half + 10.0 * MM);
            p.text(Face::Sans, 8.5, x, y, MUTED, key)?;
            p.hline(x + 50.0, x + half, y + 1.5, 0.6, INK);
        }
        y += 30.0;
    }

    // Footer.
    let footer = format!(
        "coldshard · set {} · {}",
        c.set_id,
        if c.index > c.count {
            format!("share {} (added)", c.index)
        } else {
            format!("share {} of {}", c.index, c.count)
        }
    );
    let fy = p.h - 9.0 * MM;
    p.text(Face::Sans, 7.0, left, fy, MUTED, &footer)?;
    let nothing = "No passphrase, seed or fingerprint is printed on this sheet.";
    let nw = p.width(Face::Sans, 7.0, nothing);
    p.text(Face::Sans, 7.0, right - nw, fy, MUTED, nothing)?;
    Ok(())
}

/// The armor laid out in the monospace font: two columns, the header lines either at the top
/// of the first column or, when a long label does not fit there, across the page.
struct TextCopy<'a> {
    size: f32,
    leading: f32,
    /// Lines across the whole width, then the two columns.
    full: Vec<&'a str>,
    columns: [Vec<&'a str>; 2],
}

impl<'a> TextCopy<'a> {
    const MAX_SIZE: f32 = 11.0;
    const MIN_SIZE: f32 = 7.0;
    const GAP: f32 = 18.0;

    fn arrange(p: &Page, armor: &'a str, height: f32, width: f32) -> Result<Self, SheetError> {
        let lines: Vec<&str> = armor.lines().collect();
        let body = lines.iter().position(|l| l.is_empty()).map_or(0, |i| i + 1);
        let widest = |ls: &[&str]| {
            ls.iter()
                .map(|l| p.width(Face::Mono, 1.0, l))
                .fold(0.0, f32::max)
        };
        // Header lines in the first column, or across the page: whichever prints larger.
        let mut best: Option<TextCopy> = None;
        for split in [0, body] {
            let (full, rest) = lines.split_at(split);
            let (first, second) = rest.split_at(rest.len().div_ceil(2));
            let rows = full.len() + first.len();
            // As large as the height and width allow; lines 1.3 times the size apart at
            // least, up to 1.6 when there is room.
            let size = (height / rows as f32 / 1.3)
                .min(Self::MAX_SIZE)
                .min((width - 3.0 * Self::GAP) / (widest(first) + widest(second)))
                .min((width - 2.0 * Self::GAP) / widest(full));
            let leading = (height / rows as f32).min(size * 1.6);
            if size >= Self::MIN_SIZE && best.as_ref().is_none_or(|b| size > b.size) {
                best = Some(TextCopy {
                    size,
                    leading,
                    full: full.to_vec(),
                    columns: [first.to_vec(), second.to_vec()],
                });
            }
        }
        best.ok_or(SheetError::TooLong(lines.len()))
    }

    fn rows(&self) -> usize {
        self.full.len() + self.columns[0].len()
    }

    fn height(&self) -> f32 {
        (self.rows() - 1) as f32 * self.leading + self.size
    }

    /// Draws the lines; `top` is the top of the first line's capitals.
    fn draw(&self, p: &mut Page, left: f32, top: f32, width: f32) -> Result<(), SheetError> {
        let widest = |ls: &[&str]| {
            ls.iter()
                .map(|l| p.width(Face::Mono, self.size, l))
                .fold(0.0, f32::max)
        };
        let (w0, w1) = (widest(&self.columns[0]), widest(&self.columns[1]));
        let gap = (width - w0 - w1) / 3.0;
        let baseline = |row: usize| top + self.size * 0.78 + row as f32 * self.leading;
        for (row, l) in self.full.iter().enumerate() {
            p.text(Face::Mono, self.size, left + gap, baseline(row), INK, l)?;
        }
        for (i, column) in self.columns.iter().enumerate() {
            let x = left + gap + i as f32 * (w0 + gap);
            for (row, l) in column.iter().enumerate() {
                let y = baseline(self.full.len() + row);
                p.text(Face::Mono, self.size, x, y, INK, l)?;
            }
        }
        Ok(())
    }
}

// Page: content stream, fonts in use, the QR image -------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Face {
    Sans,
    Bold,
    Mono,
}

impl Face {
    const ALL: [Face; 3] = [Face::Sans, Face::Bold, Face::Mono];
    fn index(self) -> usize {
        self as usize
    }
    fn resource(self) -> Name<'static> {
        match self {
            Face::Sans => Name(b"F1"),
            Face::Bold => Name(b"F2"),
            Face::Mono => Name(b"F3"),
        }
    }
}

struct QrPlacement {
    x: f32,
    y: f32,
    side: f32,
}

struct Page {
    w: f32,
    h: f32,
    content: Content,
    fonts: [Font; 3],
    /// Glyphs used per face, with the character each one shows.
    used: [BTreeMap<u16, char>; 3],
    qr: Option<QrPlacement>,
}

impl Page {
    fn new(w: f32, h: f32) -> Result<Self, SheetError> {
        Ok(Page {
            w,
            h,
            content: Content::new(),
            fonts: [
                Font::parse(SANS, "DejaVuSans")?,
                Font::parse(SANS_BOLD, "DejaVuSans-Bold")?,
                Font::parse(MONO, "DejaVuSansMono")?,
            ],
            used: Default::default(),
            qr: None,
        })
    }

    /// The glyph ids of `s` as the two-byte codes of Identity-H, noting the glyphs used.
    fn encode(&mut self, face: Face, s: &str) -> Result<Vec<u8>, SheetError> {
        let mut out = Vec::with_capacity(2 * s.len());
        for ch in s.chars() {
            if is_right_to_left(ch) {
                return Err(SheetError::Unprintable {
                    ch,
                    reason: "right-to-left scripts are not laid out on sheets",
                });
            }
            let gid = self.fonts[face.index()]
                .glyph(ch)?
                .ok_or(SheetError::Unprintable {
                    ch,
                    reason: "the sheet's fonts (DejaVu) have no glyph for it",
                })?;
            self.used[face.index()].entry(gid).or_insert(ch);
            out.extend_from_slice(&gid.to_be_bytes());
        }
        Ok(out)
    }

    /// Width of `s` in points.
    fn width(&self, face: Face, size: f32, s: &str) -> f32 {
        let font = &self.fonts[face.index()];
        let units: u32 = s
            .chars()
            .map(|c| {
                let gid = font.glyph(c).ok().flatten().unwrap_or(0);
                u32::from(font.advance(gid).unwrap_or(0))
            })
            .sum();
        units as f32 * size / f32::from(font.units_per_em)
    }

    /// Greedy word wrap to `max` points.
    fn wrap(&self, face: Face, size: f32, s: &str, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in s.split(' ') {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if !line.is_empty() && self.width(face, size, &candidate) > max {
                lines.push(std::mem::replace(&mut line, word.to_string()));
            } else {
                line = candidate;
            }
            // A word longer than the line is cut where it must be.
            while self.width(face, size, &line) > max && line.chars().count() > 1 {
                let mut cut = line.len();
                while cut > 0 && self.width(face, size, &line[..cut]) > max {
                    cut = line[..cut].char_indices().last().map_or(0, |(i, _)| i);
                }
                let cut = if cut == 0 {
                    line.chars().next().map_or(line.len(), char::len_utf8)
                } else {
                    cut
                };
                let rest = line.split_off(cut);
                lines.push(std::mem::replace(&mut line, rest));
            }
        }
        lines.push(line);
        lines
    }

    /// One line of text, its baseline `y` points from the top of the page.
    fn text(
        &mut self,
        face: Face,
        size: f32,
        x: f32,
        y: f32,
        gray: f32,
        s: &str,
    ) -> Result<(), SheetError> {
        self.text_spaced(face, size, 0.0, x, y, gray, s)
    }

    #[allow(clippy::too_many_arguments)]
    fn text_spaced(
        &mut self,
        face: Face,
        size: f32,
        spacing: f32,
        x: f32,
        y: f32,
        gray: f32,
        s: &str,
    ) -> Result<(), SheetError> {
        if s.is_empty() {
            return Ok(());
        }
        let codes = self.encode(face, s)?;
        let baseline = self.h - y;
        self.content.set_fill_gray(gray);
        self.content.begin_text();
        self.content.set_font(face.resource(), size);
        if spacing != 0.0 {
            self.content.set_char_spacing(spacing);
        }
        self.content
            .set_text_matrix([1.0, 0.0, 0.0, 1.0, x, baseline]);
        self.content.show(Str(&codes));
        if spacing != 0.0 {
            self.content.set_char_spacing(0.0);
        }
        self.content.end_text();
        Ok(())
    }

    /// A heading and paragraphs in a column; returns the baseline below the last line.
    fn section(
        &mut self,
        x: f32,
        mut y: f32,
        w: f32,
        heading: &str,
        paragraphs: &[(Face, &str)],
    ) -> Result<f32, SheetError> {
        self.text(Face::Bold, 10.5, x, y, INK, heading)?;
        y += 15.0;
        for &(face, para) in paragraphs {
            for l in self.wrap(face, 9.0, para, w) {
                self.text(face, 9.0, x, y, INK, &l)?;
                y += 12.5;
            }
            y += 4.0;
        }
        Ok(y)
    }

    fn hline(&mut self, x1: f32, x2: f32, y: f32, width: f32, gray: f32) {
        self.content.set_stroke_gray(gray);
        self.content.set_line_width(width);
        self.content.move_to(x1, self.h - y);
        self.content.line_to(x2, self.h - y);
        self.content.stroke();
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, width: f32, gray: f32) {
        self.content.set_stroke_gray(gray);
        self.content.set_line_width(width);
        self.content.rect(x, self.h - y - h, w, h);
        self.content.stroke();
    }

    /// Writes the document: page, content, the QR image and the font subsets.
    fn finish(mut self, c: &SheetContent) -> Vec<u8> {
        let mut pdf = Pdf::new();
        let mut next = Ref::new(1);
        let catalog = next.bump();
        let pages = next.bump();
        let page = next.bump();
        let contents = next.bump();
        let image = next.bump();
        let info = next.bump();
        let font_refs: Vec<Ref> = Face::ALL.iter().map(|_| next.bump()).collect();

        pdf.catalog(catalog).pages(pages);
        pdf.pages(pages).kids([page]).count(1);
        let gray = c.qr.to_gray(1);
        let px = gray.width();
        if let Some(q) = &self.qr {
            self.content.save_state();
            self.content
                .transform([q.side, 0.0, 0.0, q.side, q.x, self.h - q.y - q.side]);
            self.content.x_object(Name(b"Im1"));
            self.content.restore_state();
        }
        {
            let mut pg = pdf.page(page);
            pg.media_box(Rect::new(0.0, 0.0, self.w, self.h));
            pg.parent(pages);
            pg.contents(contents);
            let mut res = pg.resources();
            res.x_objects().pair(Name(b"Im1"), image);
            let mut fonts = res.fonts();
            for (face, r) in Face::ALL.iter().zip(&font_refs) {
                fonts.pair(face.resource(), *r);
            }
        }
        let stream = std::mem::replace(&mut self.content, Content::new()).finish();
        pdf.stream(contents, &stream);
        {
            let side = i32::try_from(px).unwrap_or(i32::MAX);
            let mut im = pdf.image_xobject(image, gray.as_raw());
            im.width(side);
            im.height(side);
            im.color_space().device_gray();
            im.bits_per_component(8);
            im.interpolate(false);
        }
        let title = format!("coldshard share sheet: set {}, {}", c.set_id, share_line(c));
        pdf.document_info(info)
            .title(TextStr(&title))
            .creator(TextStr("coldshard"))
            .producer(TextStr("coldshard"));
        for face in Face::ALL {
            let used = &self.used[face.index()];
            let font = &self.fonts[face.index()];
            embed_font(&mut pdf, &mut next, font_refs[face.index()], font, used);
        }
        pdf.finish()
    }
}

/// Characters of scripts written right to left, which the sheet does not lay out.
fn is_right_to_left(c: char) -> bool {
    matches!(u32::from(c),
        0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF | 0x10800..=0x10FFF | 0x1E800..=0x1EFFF)
}

/// Writes a Type0 font (Identity-H) over a CIDFontType2 with a subset of `font` holding the
/// `used` glyphs, and a ToUnicode map from those glyphs to their characters.
fn embed_font(pdf: &mut Pdf, next: &mut Ref, type0: Ref, font: &Font, used: &BTreeMap<u16, char>) {
    let cid = next.bump();
    let descriptor = next.bump();
    let file = next.bump();
    let cmap = next.bump();
    let glyphs: BTreeSet<u16> = used.keys().copied().collect();
    // The subset can only fail on a malformed bundled font; then embed the whole font.
    let data = font.subset(&glyphs).unwrap_or_else(|_| font.data.to_vec());
    let mut hash = Sha256::new();
    hash.update(font.ps_name.as_bytes());
    for g in &glyphs {
        hash.update(g.to_be_bytes());
    }
    let tag: String = hash.finalize()[..6]
        .iter()
        .map(|b| char::from(b'A' + b % 26))
        .collect();
    let base = format!("{tag}+{}", font.ps_name);
    let scale = 1000.0 / f32::from(font.units_per_em);

    pdf.type0_font(type0)
        .base_font(Name(base.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(cmap);
    {
        let mut c = pdf.cid_font(cid);
        c.subtype(CidFontType::Type2);
        c.base_font(Name(base.as_bytes()));
        c.system_info(SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        });
        c.font_descriptor(descriptor);
        c.default_width(font.advance(0).map_or(0.0, |a| f32::from(a) * scale));
        c.cid_to_gid_map_predefined(Name(b"Identity"));
        let mut w = c.widths();
        for &g in &glyphs {
            w.consecutive(g, [font.advance(g).map_or(0.0, |a| f32::from(a) * scale)]);
        }
    }
    let m = font.metrics();
    let mut flags = FontFlags::SYMBOLIC;
    if m.fixed_pitch {
        flags |= FontFlags::FIXED_PITCH;
    }
    pdf.font_descriptor(descriptor)
        .name(Name(base.as_bytes()))
        .flags(flags)
        .bbox(Rect::new(
            f32::from(m.bbox[0]) * scale,
            f32::from(m.bbox[1]) * scale,
            f32::from(m.bbox[2]) * scale,
            f32::from(m.bbox[3]) * scale,
        ))
        .italic_angle(0.0)
        .ascent(f32::from(m.ascent) * scale)
        .descent(f32::from(m.descent) * scale)
        .cap_height(f32::from(m.cap_height) * scale)
        .stem_v(if font.ps_name.contains("Bold") {
            140.0
        } else {
            80.0
        })
        .font_file2(file);
    let length1 = i32::try_from(data.len()).unwrap_or(i32::MAX);
    pdf.stream(file, &data).pair(Name(b"Length1"), length1);
    let mut map = UnicodeCmap::new(
        Name(b"Custom"),
        SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"UCS"),
            supplement: 0,
        },
    );
    for (&g, &ch) in used {
        map.pair(g, ch);
    }
    let map = map.finish();
    pdf.cmap(cmap, map.as_slice())
        .name(Name(b"Custom"))
        .system_info(SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"UCS"),
            supplement: 0,
        });
}

// Reading the QR image back --------------------------------------------------------------------

/// The QR image embedded in a sheet made by [`render_pdf`], as a grayscale image: one pixel
/// per module, quiet zone included (scale it up before handing it to a QR decoder).
///
/// This reads the sheets coldshard writes, not PDF files in general: it looks for the one
/// uncompressed 8-bit DeviceGray image XObject.
pub fn embedded_qr(pdf: &[u8]) -> Result<image::GrayImage, SheetError> {
    let bad = |s: &str| SheetError::NotASheet(s.to_string());
    if !pdf.starts_with(b"%PDF-") {
        return Err(bad("it does not start with %PDF-"));
    }
    let marker = b"/Subtype /Image";
    let hits: Vec<usize> = find_all(pdf, marker);
    let [hit] = hits.as_slice() else {
        return Err(SheetError::NotASheet(format!(
            "{} images instead of one",
            hits.len()
        )));
    };
    // The image's dictionary: from the "<<" after its "obj" to the ">>" before "stream".
    let start = rfind(&pdf[..*hit], b"<<").ok_or_else(|| bad("no image dictionary"))?;
    let end = start
        + find_all(&pdf[start..], b">>")
            .first()
            .copied()
            .ok_or_else(|| bad("unterminated image dictionary"))?;
    let dict = std::str::from_utf8(&pdf[start + 2..end]).map_err(|_| bad("binary dictionary"))?;
    let tokens: Vec<&str> = dict.split_ascii_whitespace().collect();
    let value = |key: &str| {
        tokens
            .iter()
            .position(|t| *t == key)
            .and_then(|i| tokens.get(i + 1).copied())
    };
    let int = |key: &str| -> Result<usize, SheetError> {
        value(key)
            .and_then(|v| v.parse::<usize>().ok())
            .ok_or_else(|| SheetError::NotASheet(format!("image without a valid {key}")))
    };
    if value("/Filter").is_some() {
        return Err(bad("the image is compressed"));
    }
    if value("/ColorSpace") != Some("/DeviceGray") || int("/BitsPerComponent")? != 8 {
        return Err(bad("the image is not 8-bit grayscale"));
    }
    let (w, h, len) = (int("/Width")?, int("/Height")?, int("/Length")?);
    if w.checked_mul(h) != Some(len) || w == 0 {
        return Err(bad("the image's size does not match its data"));
    }
    let rest = &pdf[end + 2..];
    let data_start = if rest.starts_with(b"\nstream\n") {
        8
    } else if rest.starts_with(b"\nstream\r\n") {
        9
    } else {
        return Err(bad("no image data"));
    };
    let data = rest
        .get(data_start..data_start + len)
        .ok_or_else(|| bad("the image data is truncated"))?;
    let (w32, h32) = (
        u32::try_from(w).map_err(|_| bad("image too large"))?,
        u32::try_from(h).map_err(|_| bad("image too large"))?,
    );
    image::GrayImage::from_raw(w32, h32, data.to_vec()).ok_or_else(|| bad("image data"))
}

fn find_all(hay: &[u8], needle: &[u8]) -> Vec<usize> {
    hay.windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

// TrueType: what the sheet needs of the bundled fonts ----------------------------------------

/// A TrueType font: its tables, character map and horizontal metrics.
struct Font {
    data: &'static [u8],
    ps_name: &'static str,
    tables: BTreeMap<[u8; 4], (usize, usize)>,
    units_per_em: u16,
    glyph_count: u16,
    h_metrics: u16,
    /// Offset of the chosen cmap subtable (format 4 or 12) in `data`, and its format.
    cmap: (usize, u16),
}

struct Metrics {
    bbox: [i16; 4],
    ascent: i16,
    descent: i16,
    cap_height: i16,
    fixed_pitch: bool,
}

fn rd16(d: &[u8], o: usize) -> Option<u16> {
    d.get(o..o + 2).map(|b| u16::from_be_bytes([b[0], b[1]]))
}

fn rd32(d: &[u8], o: usize) -> Option<u32> {
    d.get(o..o + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn rdi16(d: &[u8], o: usize) -> Option<i16> {
    rd16(d, o).map(|v| v as i16)
}

/// Offset and length of each table, checked to lie inside the file.
fn table_directory(data: &[u8]) -> Option<BTreeMap<[u8; 4], (usize, usize)>> {
    let mut tables = BTreeMap::new();
    for i in 0..usize::from(rd16(data, 4)?) {
        let rec = 12 + 16 * i;
        let tag: [u8; 4] = data.get(rec..rec + 4)?.try_into().ok()?;
        let off = rd32(data, rec + 8)? as usize;
        let len = rd32(data, rec + 12)? as usize;
        data.get(off..off.checked_add(len)?)?;
        tables.insert(tag, (off, len));
    }
    Some(tables)
}

impl Font {
    fn parse(data: &'static [u8], ps_name: &'static str) -> Result<Self, SheetError> {
        Self::try_parse(data, ps_name).ok_or(SheetError::Font(ps_name))
    }

    fn try_parse(data: &'static [u8], ps_name: &'static str) -> Option<Self> {
        let tables = table_directory(data)?;
        let head = tables.get(b"head")?.0;
        let units_per_em = rd16(data, head + 18)?;
        let glyph_count = rd16(data, tables.get(b"maxp")?.0 + 4)?;
        let h_metrics = rd16(data, tables.get(b"hhea")?.0 + 34)?;
        let (cmap_off, _) = *tables.get(b"cmap")?;
        let mut best: Option<(u8, usize, u16)> = None;
        for i in 0..usize::from(rd16(data, cmap_off + 2)?) {
            let rec = cmap_off + 4 + 8 * i;
            let (platform, encoding) = (rd16(data, rec)?, rd16(data, rec + 2)?);
            let sub = cmap_off + rd32(data, rec + 4)? as usize;
            let format = rd16(data, sub)?;
            let rank = match (platform, encoding, format) {
                (3, 10, 12) | (0, 4, 12) | (0, 6, 12) => 2,
                (3, 1, 4) | (0, 3, 4) => 1,
                _ => 0,
            };
            if rank > 0 && best.is_none_or(|b| rank > b.0) {
                best = Some((rank, sub, format));
            }
        }
        let (_, sub, format) = best?;
        if units_per_em == 0 || h_metrics == 0 {
            return None;
        }
        Some(Font {
            data,
            ps_name,
            tables,
            units_per_em,
            glyph_count,
            h_metrics,
            cmap: (sub, format),
        })
    }

    fn table(&self, tag: &[u8; 4]) -> Option<&'static [u8]> {
        let (off, len) = *self.tables.get(tag)?;
        self.data.get(off..off + len)
    }

    /// The glyph of `c`, if the font has one.
    fn glyph(&self, c: char) -> Result<Option<u16>, SheetError> {
        self.try_glyph(u32::from(c))
            .ok_or(SheetError::Font(self.ps_name))
    }

    fn try_glyph(&self, c: u32) -> Option<Option<u16>> {
        let d = self.data;
        let (st, format) = self.cmap;
        if format == 12 {
            let groups = rd32(d, st + 12)? as usize;
            for i in 0..groups {
                let g = st + 16 + 12 * i;
                let (start, end, first) = (rd32(d, g)?, rd32(d, g + 4)?, rd32(d, g + 8)?);
                if (start..=end).contains(&c) {
                    let gid = u16::try_from(first + (c - start)).ok()?;
                    return Some((gid != 0).then_some(gid));
                }
            }
            return Some(None);
        }
        let Ok(c) = u16::try_from(c) else {
            return Some(None);
        };
        let seg_x2 = usize::from(rd16(d, st + 6)?);
        let (ends, starts) = (st + 14, st + 16 + seg_x2);
        let (deltas, offsets) = (st + 16 + 2 * seg_x2, st + 16 + 3 * seg_x2);
        for i in 0..seg_x2 / 2 {
            if rd16(d, ends + 2 * i)? < c {
                continue;
            }
            let start = rd16(d, starts + 2 * i)?;
            if start > c {
                return Some(None);
            }
            let delta = rd16(d, deltas + 2 * i)?;
            let range = usize::from(rd16(d, offsets + 2 * i)?);
            let gid = if range == 0 {
                c.wrapping_add(delta)
            } else {
                let at = offsets + 2 * i + range + 2 * usize::from(c - start);
                match rd16(d, at)? {
                    0 => 0,
                    g => g.wrapping_add(delta),
                }
            };
            return Some((gid != 0).then_some(gid));
        }
        Some(None)
    }

    /// Advance width of a glyph in font units.
    fn advance(&self, gid: u16) -> Option<u16> {
        let i = gid.min(self.h_metrics - 1);
        rd16(self.table(b"hmtx")?, 4 * usize::from(i))
    }

    fn metrics(&self) -> Metrics {
        let head = self.table(b"head").unwrap_or(&[]);
        let hhea = self.table(b"hhea").unwrap_or(&[]);
        let ascent = rdi16(hhea, 4).unwrap_or(800);
        let os2 = self.table(b"OS/2").unwrap_or(&[]);
        let cap_height = match rd16(os2, 0) {
            Some(v) if v >= 2 => rdi16(os2, 88).unwrap_or(ascent),
            _ => ascent,
        };
        let post = self.table(b"post").unwrap_or(&[]);
        Metrics {
            bbox: [36, 38, 40, 42].map(|o| rdi16(head, o).unwrap_or(0)),
            ascent,
            descent: rdi16(hhea, 6).unwrap_or(-200),
            cap_height,
            fixed_pitch: rd32(post, 12).unwrap_or(0) != 0,
        }
    }

    /// Byte range of a glyph's outline in `glyf`.
    fn glyph_range(&self, gid: u16) -> Option<(usize, usize)> {
        let loca = self.table(b"loca")?;
        let long = rd16(self.table(b"head")?, 50)? == 1;
        let i = usize::from(gid);
        let (a, b) = if long {
            (rd32(loca, 4 * i)? as usize, rd32(loca, 4 * i + 4)? as usize)
        } else {
            (
                2 * usize::from(rd16(loca, 2 * i)?),
                2 * usize::from(rd16(loca, 2 * i + 2)?),
            )
        };
        (a <= b && b <= self.table(b"glyf")?.len()).then_some((a, b))
    }

    /// A TrueType font with only `glyphs` (and glyph 0, and the components of composite
    /// glyphs) outlined; glyph ids are kept, so the PDF's CIDToGIDMap is the identity.
    fn subset(&self, glyphs: &BTreeSet<u16>) -> Result<Vec<u8>, SheetError> {
        self.try_subset(glyphs)
            .ok_or(SheetError::Font(self.ps_name))
    }

    fn try_subset(&self, glyphs: &BTreeSet<u16>) -> Option<Vec<u8>> {
        let glyf = self.table(b"glyf")?;
        // Close over the components of composite glyphs.
        let mut keep: BTreeSet<u16> = BTreeSet::new();
        let mut todo: Vec<u16> = glyphs.iter().copied().chain([0]).collect();
        while let Some(g) = todo.pop() {
            if g >= self.glyph_count || !keep.insert(g) {
                continue;
            }
            let (a, b) = self.glyph_range(g)?;
            let outline = &glyf[a..b];
            if outline.len() >= 10 && rdi16(outline, 0)? < 0 {
                let mut pos = 10;
                loop {
                    let flags = rd16(outline, pos)?;
                    todo.push(rd16(outline, pos + 2)?);
                    pos += 4 + if flags & 0x0001 != 0 { 4 } else { 2 };
                    pos += if flags & 0x0008 != 0 {
                        2
                    } else if flags & 0x0040 != 0 {
                        4
                    } else if flags & 0x0080 != 0 {
                        8
                    } else {
                        0
                    };
                    if flags & 0x0020 == 0 {
                        break;
                    }
                }
            }
        }
        let count = keep.last()? + 1;
        let mut new_glyf = Vec::new();
        let mut new_loca = Vec::new();
        for g in 0..count {
            new_loca.extend_from_slice(&u32::try_from(new_glyf.len()).ok()?.to_be_bytes());
            if keep.contains(&g) {
                let (a, b) = self.glyph_range(g)?;
                new_glyf.extend_from_slice(&glyf[a..b]);
                while new_glyf.len() % 4 != 0 {
                    new_glyf.push(0);
                }
            }
        }
        new_loca.extend_from_slice(&u32::try_from(new_glyf.len()).ok()?.to_be_bytes());
        let hmtx = self.table(b"hmtx")?;
        let metrics = self.h_metrics.min(count);
        let mut new_hmtx = hmtx.get(..4 * usize::from(metrics))?.to_vec();
        for g in metrics..count {
            let lsb = if g < self.h_metrics {
                4 * usize::from(g) + 2
            } else {
                4 * usize::from(self.h_metrics) + 2 * usize::from(g - self.h_metrics)
            };
            new_hmtx.extend_from_slice(hmtx.get(lsb..lsb + 2)?);
        }
        let mut head = self.table(b"head")?.to_vec();
        head.get_mut(8..12)?.copy_from_slice(&[0; 4]);
        head.get_mut(50..52)?.copy_from_slice(&1u16.to_be_bytes());
        let mut hhea = self.table(b"hhea")?.to_vec();
        hhea.get_mut(34..36)?
            .copy_from_slice(&metrics.to_be_bytes());
        let mut maxp = self.table(b"maxp")?.to_vec();
        maxp.get_mut(4..6)?.copy_from_slice(&count.to_be_bytes());

        let mut tables: Vec<([u8; 4], Vec<u8>)> = vec![
            (*b"glyf", new_glyf),
            (*b"head", head),
            (*b"hhea", hhea),
            (*b"hmtx", new_hmtx),
            (*b"loca", new_loca),
            (*b"maxp", maxp),
        ];
        for tag in [b"cvt ", b"fpgm", b"prep"] {
            if let Some(t) = self.table(tag) {
                tables.push((*tag, t.to_vec()));
            }
        }
        tables.sort_by_key(|t| t.0);
        Some(assemble(&tables))
    }
}

/// An sfnt file from its tables (sorted by tag), with checksums and head.checkSumAdjustment.
fn assemble(tables: &[([u8; 4], Vec<u8>)]) -> Vec<u8> {
    fn checksum(data: &[u8]) -> u32 {
        data.chunks(4).fold(0u32, |sum, c| {
            let mut word = [0u8; 4];
            word[..c.len()].copy_from_slice(c);
            sum.wrapping_add(u32::from_be_bytes(word))
        })
    }
    let n = tables.len() as u16;
    let pow = 1u16 << (15 - n.leading_zeros());
    let mut out = Vec::new();
    out.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    out.extend_from_slice(&n.to_be_bytes());
    out.extend_from_slice(&(pow * 16).to_be_bytes());
    out.extend_from_slice(&(pow.trailing_zeros() as u16).to_be_bytes());
    out.extend_from_slice(&(n * 16 - pow * 16).to_be_bytes());
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = None;
    for (tag, data) in tables {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        if tag == b"head" {
            head_at = Some(offset);
        }
        offset += data.len().div_ceil(4) * 4;
    }
    for (_, data) in tables {
        out.extend_from_slice(data);
        while out.len() % 4 != 0 {
            out.push(0);
        }
    }
    if let Some(at) = head_at {
        let adjust = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out[at + 8..at + 12].copy_from_slice(&adjust.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::armor::Label;
    use crate::crypto::{Argon2Params, SetKey};
    use crate::format::{EncryptedShare, SetId, ShareHeader};
    use crate::passphrase::Passphrase;
    use crate::qr::{Ecc, QUIET_ZONE};
    use crate::secret::SecretKind;
    use crate::shamir::{ShareCount, ShareIndex, SharePoint, Threshold};
    use zeroize::Zeroizing;

    fn share(kind: SecretKind, len: u16, index: u8, count: u8, threshold: u8) -> EncryptedShare {
        share_with(kind, len, index, count, threshold, argon())
    }

    fn argon() -> Kdf {
        Kdf::Argon2id(Argon2Params::new(64, 1, 1).unwrap())
    }

    fn share_with(
        kind: SecretKind,
        len: u16,
        index: u8,
        count: u8,
        threshold: u8,
        kdf: Kdf,
    ) -> EncryptedShare {
        let key = SetKey::from_seed(&[5; 32]).unwrap();
        let header = ShareHeader {
            set_id: SetId::of_public_key(&key.public_key()),
            index: ShareIndex::new(index).unwrap(),
            threshold: Threshold::new(threshold).unwrap(),
            count: ShareCount::new(count).unwrap(),
            kind,
            secret_len: len,
            kdf,
            salt: if kdf == Kdf::None { [0; 16] } else { [3; 16] },
            nonce: [4; 24],
            set_key: key.public_key(),
            commitment: [6; 16],
        };
        let value = vec![9; usize::from(len) + 32];
        let point = SharePoint::new(header.index, Zeroizing::new(value));
        EncryptedShare::seal(header, &point, &Passphrase::new("x"), &key).unwrap()
    }

    struct Owned {
        set_id: String,
        index: u8,
        count: u8,
        threshold: u8,
        label: Option<String>,
        qr: QrMatrix,
        armor: String,
    }

    fn owned(s: &EncryptedShare, label: Option<&str>) -> Owned {
        let l = label.map(|l| Label::new(l).unwrap());
        let h = s.header();
        Owned {
            set_id: h.set_id.to_string(),
            index: h.index.get(),
            count: h.count.get(),
            threshold: h.threshold.get(),
            label: label.map(str::to_string),
            qr: QrMatrix::encode(&armor::encode_compact(s), Ecc::Q).unwrap(),
            armor: armor::encode(s, l.as_ref()),
        }
    }

    fn content(o: &Owned, paper: Paper) -> SheetContent<'_> {
        SheetContent {
            set_id: &o.set_id,
            index: o.index,
            count: o.count,
            threshold: o.threshold,
            label: o.label.as_deref(),
            qr: &o.qr,
            armor: &o.armor,
            paper,
        }
    }

    fn assert_modules_equal(img: &image::GrayImage, qr: &QrMatrix) {
        let side = qr.width() + 2 * QUIET_ZONE;
        assert_eq!((img.width() as usize, img.height() as usize), (side, side));
        for y in 0..side {
            for x in 0..side {
                let dark = qr.is_dark(x.wrapping_sub(QUIET_ZONE), y.wrapping_sub(QUIET_ZONE));
                let px = img.get_pixel(x as u32, y as u32).0[0];
                assert_eq!(px, if dark { 0 } else { 255 }, "module ({x}, {y})");
            }
        }
    }

    #[test]
    fn the_largest_share_fits_a4_and_letter_and_its_qr_image_comes_back() {
        let big = share(SecretKind::Raw, 256, 2, 5, 3);
        assert_eq!(big.to_bytes().len(), 230 + 256);
        let o = owned(&big, Some("Custodian with a long label (vault 2) - Zürich"));
        for paper in [Paper::A4, Paper::Letter] {
            let pdf = render_pdf(&content(&o, paper)).unwrap();
            assert!(pdf.starts_with(b"%PDF-"));
            let img = embedded_qr(&pdf).unwrap();
            assert_modules_equal(&img, &o.qr);
            // Scaled up, a QR decoder reads the share's compact form from it.
            let scaled = image::imageops::resize(
                &img,
                img.width() * 4,
                img.height() * 4,
                image::imageops::FilterType::Nearest,
            );
            let mut prepared = rqrr::PreparedImage::prepare(scaled);
            let grids = prepared.detect_grids();
            assert_eq!(grids.len(), 1);
            assert_eq!(grids[0].decode().unwrap().1, armor::encode_compact(&big));
            // Deterministic.
            assert_eq!(render_pdf(&content(&o, paper)).unwrap(), pdf);
        }
    }

    #[test]
    fn a_bip39_share_renders_with_fonts_embedded_and_nothing_but_the_share() {
        let s = share(SecretKind::Bip39, 33, 7, 5, 3);
        let o = owned(&s, Some("alice"));
        let pdf = render_pdf(&content(&o, Paper::A4)).unwrap();
        assert_modules_equal(&embedded_qr(&pdf).unwrap(), &o.qr);
        let text = String::from_utf8_lossy(&pdf);
        assert_eq!(text.matches("/FontFile2").count(), 3);
        assert_eq!(text.matches("/ToUnicode").count(), 3);
        assert!(!text.contains("/CreationDate") && !text.contains("/ID"));
        // A share without passphrase prints too (with a warning instead).
        let plain = share_with(SecretKind::Hex, 32, 1, 2, 2, Kdf::None);
        let o = owned(&plain, None);
        assert_modules_equal(
            &embedded_qr(&render_pdf(&content(&o, Paper::A4)).unwrap()).unwrap(),
            &o.qr,
        );
    }

    #[test]
    fn labels_in_other_scripts_print_or_are_refused_by_name() {
        let s = share(SecretKind::Bip39, 33, 1, 3, 2);
        for label in [
            "Zoë",
            "Łukasz Ørsted",
            "Ελένη",
            "Иван Петров",
            "O'Brien & Co #2",
        ] {
            let o = owned(&s, Some(label));
            render_pdf(&content(&o, Paper::Letter)).unwrap();
        }
        for (label, ch) in [("王芳", '王'), ("שרה", 'ש')] {
            let o = owned(&s, Some(label));
            match render_pdf(&content(&o, Paper::A4)) {
                Err(SheetError::Unprintable { ch: c, .. }) => assert_eq!(c, ch),
                other => panic!("{label}: {other:?}"),
            }
        }
    }

    #[test]
    fn fields_that_disagree_with_the_armor_are_refused() {
        let s = share(SecretKind::Bip39, 33, 1, 3, 2);
        let o = owned(&s, Some("alice"));
        let mut c = content(&o, Paper::A4);
        c.index = 2;
        assert!(matches!(render_pdf(&c), Err(SheetError::Mismatch(_))));
        let mut c = content(&o, Paper::A4);
        c.label = Some("bob");
        assert!(matches!(render_pdf(&c), Err(SheetError::Mismatch(_))));
        let compact = armor::encode_compact(&s);
        for text in [
            "not a share",
            &compact,
            &o.armor.replace("Threshold: 2", "Threshold: 3"),
        ] {
            let mut c = content(&o, Paper::A4);
            c.armor = text;
            assert!(matches!(render_pdf(&c), Err(SheetError::Mismatch(_))));
        }
    }

    #[test]
    fn embedded_qr_refuses_other_files() {
        assert!(embedded_qr(b"not a pdf").is_err());
        assert!(embedded_qr(b"%PDF-1.7\n%%EOF").is_err());
    }

    #[test]
    fn font_subsets_keep_glyph_ids_and_metrics() {
        let font = Font::parse(SANS, "DejaVuSans").unwrap();
        let a = font.glyph('A').unwrap().unwrap();
        let e = font.glyph('é').unwrap().unwrap();
        let data = font.subset(&BTreeSet::from([a, e])).unwrap();
        let data: &'static [u8] = Box::leak(data.into_boxed_slice());
        let tables = table_directory(data).unwrap();
        let maxp = tables[b"maxp"].0;
        let hhea = tables[b"hhea"].0;
        let sub = Font {
            data,
            ps_name: "sub",
            units_per_em: font.units_per_em,
            glyph_count: rd16(data, maxp + 4).unwrap(),
            h_metrics: rd16(data, hhea + 34).unwrap(),
            tables,
            cmap: (0, 0),
        };
        assert_eq!(usize::from(sub.glyph_count), usize::from(a.max(e)) + 1);
        // The checksum adjustment makes the whole file sum to the magic number.
        let sum = data.chunks(4).fold(0u32, |s, c| {
            s.wrapping_add(u32::from_be_bytes(c.try_into().unwrap()))
        });
        assert_eq!(sum, 0xB1B0_AFBA);
        assert_eq!(sub.advance(a), font.advance(a));
        assert_eq!(sub.advance(e), font.advance(e));
        assert_eq!(
            sub.glyph_range(a).map(|(s, e)| e - s),
            font.glyph_range(a).map(|(s, e)| e - s)
        );
        assert!(data.len() < 40_000, "{}", data.len());
    }

    /// Writes the sheets shown in the docs (docs/images/sheet-a4.png is the first, rendered
    /// with `pdftoppm -r 100 -png`): share 2 of the test vector set
    /// bip39-24-words-3-of-5-argon2id (a public test mnemonic) labelled alice, and the largest
    /// share on Letter. `COLDSHARD_SHEET_OUT=DIR cargo test --lib sample_sheets -- --ignored`
    #[test]
    #[ignore]
    fn sample_sheets() {
        let dir = std::env::var("COLDSHARD_SHEET_OUT").expect("COLDSHARD_SHEET_OUT");
        let vectors: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/vectors/format-v1.json"
            ))
            .unwrap(),
        )
        .unwrap();
        let set = vectors["valid"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == "bip39-24-words-3-of-5-argon2id")
            .unwrap();
        let armor_text = set["shares"][1]["armor"].as_str().unwrap();
        let vector_share = armor::decode(armor_text.as_bytes()).unwrap().share;
        let o = owned(&vector_share, Some("alice"));
        let write = |name: &str, c: &SheetContent| {
            std::fs::write(format!("{dir}/{name}"), render_pdf(c).expect(name)).unwrap();
        };
        write("sheet-a4.pdf", &content(&o, Paper::A4));
        let big = share(SecretKind::Raw, 256, 7, 5, 3);
        let o = owned(&big, Some("Ελένη Παπαδοπούλου (vault B)"));
        write("sheet-largest-letter.pdf", &content(&o, Paper::Letter));
        write("sheet-largest-a4.pdf", &content(&o, Paper::A4));
        let long = "Ορθόδοξη Εκκλησία Αγίου Νικολάου, θυρίδα 12, Θεσσαλονίκη (Ελλάδα) #7";
        let long = &long[..long.char_indices().nth(64).map_or(long.len(), |(i, _)| i)];
        let o = owned(&big, Some(long.trim_end()));
        write("sheet-largest-long-label-a4.pdf", &content(&o, Paper::A4));
        let o = owned(&vector_share, None);
        write("sheet-no-label-letter.pdf", &content(&o, Paper::Letter));
        let o = owned(&big, Some(&"W".repeat(64)));
        write(
            "sheet-largest-unbroken-letter.pdf",
            &content(&o, Paper::Letter),
        );
        let plain = share_with(SecretKind::Hex, 32, 1, 2, 2, Kdf::None);
        let o = owned(&plain, Some("bob"));
        write("sheet-unencrypted-a4.pdf", &content(&o, Paper::A4));
    }
}
