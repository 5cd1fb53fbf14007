//! QR codes of shares: the compact form ([`crate::armor::encode_compact`]) in alphanumeric
//! mode, drawn as PNG, SVG and terminal text from the module matrix.

use qrcode::{EcLevel, QrCode};

/// Error correction level of the QR codes (`--qr-ecc`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Ecc {
    /// About 7% of the code can be restored.
    L,
    /// About 15%.
    M,
    /// About 25% (the default: paper gets folded, stained and photographed).
    Q,
    /// About 30%.
    H,
}

/// Why a QR code could not be made.
#[derive(Debug, thiserror::Error)]
pub enum QrError {
    /// The text does not fit a QR code at this level.
    #[error("the share does not fit in a QR code at error correction level {0:?}: {1}")]
    TooLong(Ecc, String),
    /// Writing the PNG failed.
    #[error("cannot draw the QR code as PNG: {0}")]
    Png(String),
}

/// The dark/light modules of a QR code, row by row, without the quiet zone.
///
/// A SeedQR ([`crate::seedqr`]) is the seed itself, so the modules are wiped on drop and
/// `Debug` shows only the width.
#[derive(Clone, PartialEq, Eq)]
pub struct QrMatrix {
    width: usize,
    dark: Vec<bool>,
}

impl std::fmt::Debug for QrMatrix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "QrMatrix({0}x{0}, modules hidden)", self.width)
    }
}

impl Drop for QrMatrix {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.dark);
    }
}

/// Light modules around the code, as the QR specification requires.
pub const QUIET_ZONE: usize = 4;
/// Black on white, set before each row of a terminal drawing.
const START: &str = "\x1b[38;5;16;48;5;231m";
/// Colours reset at the end of each row.
const END: &str = "\x1b[0m\n";

impl QrMatrix {
    /// The QR code of `text` (the compact form: upper case, digits and ':', so alphanumeric
    /// mode is chosen) at `ecc`.
    pub fn encode(text: &str, ecc: Ecc) -> Result<Self, QrError> {
        let level = match ecc {
            Ecc::L => EcLevel::L,
            Ecc::M => EcLevel::M,
            Ecc::Q => EcLevel::Q,
            Ecc::H => EcLevel::H,
        };
        let code = QrCode::with_error_correction_level(text.as_bytes(), level)
            .map_err(|e| QrError::TooLong(ecc, e.to_string()))?;
        Ok(QrMatrix::from_code(code))
    }

    /// The modules of a code built elsewhere (the SeedQR encoder builds its own bit stream).
    pub(crate) fn from_code(code: QrCode) -> Self {
        let width = code.width();
        let dark = code
            .into_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect();
        QrMatrix { width, dark }
    }

    /// Modules per side, without the quiet zone.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether the module at (`x`, `y`) is dark; outside the code (quiet zone) it is light.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.width && self.dark.get(y * self.width + x) == Some(&true)
    }

    /// A grayscale image, `scale` pixels per module, with the quiet zone.
    pub fn to_gray(&self, scale: usize) -> image::GrayImage {
        let side = (self.width + 2 * QUIET_ZONE) * scale;
        let side32 = u32::try_from(side).unwrap_or(u32::MAX);
        image::GrayImage::from_fn(side32, side32, |px, py| {
            let x = (px as usize / scale).wrapping_sub(QUIET_ZONE);
            let y = (py as usize / scale).wrapping_sub(QUIET_ZONE);
            image::Luma([if self.is_dark(x, y) { 0 } else { 255 }])
        })
    }

    /// PNG bytes, `scale` pixels per module, with the quiet zone.
    pub fn to_png(&self, scale: usize) -> Result<Vec<u8>, QrError> {
        let mut out = std::io::Cursor::new(Vec::new());
        self.to_gray(scale)
            .write_to(&mut out, image::ImageFormat::Png)
            .map_err(|e| QrError::Png(e.to_string()))?;
        Ok(out.into_inner())
    }

    /// An SVG document: one path of unit squares, with the quiet zone, `mm` millimetres wide.
    pub fn to_svg(&self, mm: u32) -> String {
        let side = self.width + 2 * QUIET_ZONE;
        let mut path = String::new();
        for y in 0..self.width {
            for x in 0..self.width {
                if self.is_dark(x, y) {
                    path.push_str(&format!("M{} {}h1v1h-1z", x + QUIET_ZONE, y + QUIET_ZONE));
                }
            }
        }
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{mm}mm\" height=\"{mm}mm\" \
             viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\">\n\
             <rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/>\n\
             <path fill=\"#000\" d=\"{path}\"/>\n\
             </svg>\n"
        )
    }

    /// Reads back a QR code drawn by [`QrMatrix::to_gray`] at `scale` (a PNG coldshard wrote, or
    /// the image inside its PDF sheet): checks the quiet zone is light, samples the centre of
    /// every module, and decodes the symbol (format information, error correction, data) with
    /// rqrr. The position is known, so no search is needed: this checks what the file holds,
    /// fast enough for 255 shares. Scans and photos go through `scan` instead.
    pub fn read_drawn(gray: &image::GrayImage, scale: usize) -> Result<String, String> {
        String::from_utf8(Self::read_drawn_bytes(gray, scale)?)
            .map_err(|_| "its data is not UTF-8 text".to_string())
    }

    /// Like [`QrMatrix::read_drawn`], giving the decoded data as bytes (any bytes: a
    /// CompactSeedQR holds binary data).
    pub fn read_drawn_bytes(gray: &image::GrayImage, scale: usize) -> Result<Vec<u8>, String> {
        let side = usize::try_from(gray.width()).map_err(|e| e.to_string())?;
        if scale == 0
            || gray.width() != gray.height()
            || side % scale != 0
            || side / scale <= 2 * QUIET_ZONE
        {
            return Err("the image is not a QR code drawn by coldshard".into());
        }
        let width = side / scale - 2 * QUIET_ZONE;
        let dark = |mx: usize, my: usize| {
            let px = u32::try_from(mx * scale + scale / 2).unwrap_or(u32::MAX);
            let py = u32::try_from(my * scale + scale / 2).unwrap_or(u32::MAX);
            gray.get_pixel_checked(px, py).is_some_and(|p| p.0[0] < 128)
        };
        let all = width + 2 * QUIET_ZONE;
        let quiet_dark = (0..all)
            .flat_map(|y| (0..all).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                x < QUIET_ZONE
                    || y < QUIET_ZONE
                    || x >= QUIET_ZONE + width
                    || y >= QUIET_ZONE + width
            })
            .any(|(x, y)| dark(x, y));
        if quiet_dark {
            return Err("its quiet zone is not blank".into());
        }
        let grid = rqrr::SimpleGrid::from_func(width, |x, y| dark(x + QUIET_ZONE, y + QUIET_ZONE));
        // Sized once for the largest QR payload, so that no freed copy is left behind.
        let mut data = Vec::with_capacity(rqrr::MAX_PAYLOAD_SIZE);
        rqrr::Grid::new(grid)
            .decode_to(&mut data)
            .map_err(|e| e.to_string())?;
        Ok(data)
    }

    /// Text for a terminal: two modules per character cell (half blocks), black on white set
    /// explicitly with ANSI colours so that it scans on dark and light terminals alike, with
    /// the quiet zone.
    pub fn to_terminal(&self) -> String {
        let side = self.width + 2 * QUIET_ZONE;
        let dark = |x: usize, y: usize| {
            self.is_dark(x.wrapping_sub(QUIET_ZONE), y.wrapping_sub(QUIET_ZONE))
        };
        // Sized once (half blocks are 3 bytes in UTF-8): growing would leave copies of a
        // SeedQR drawing behind in freed memory, where the caller's Zeroizing cannot reach.
        let mut out =
            String::with_capacity(side.div_ceil(2) * (START.len() + 3 * side + END.len()));
        for row in (0..side).step_by(2) {
            out.push_str(START);
            for x in 0..side {
                out.push(match (dark(x, row), dark(x, row + 1)) {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (false, false) => ' ',
                });
            }
            out.push_str(END);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_sized_text_fits_at_every_level_and_the_matrix_has_finder_patterns() {
        let text = format!("COLDSHARD:1:{}", "A".repeat(778));
        for ecc in [Ecc::L, Ecc::M, Ecc::Q, Ecc::H] {
            let m = QrMatrix::encode(&text, ecc).unwrap();
            // The top-left finder pattern: a dark 7x7 ring around a light ring.
            assert!(m.is_dark(0, 0) && m.is_dark(6, 6) && !m.is_dark(1, 1) && m.is_dark(3, 3));
            assert!(!m.is_dark(m.width(), 0), "outside is light");
        }
        let png = QrMatrix::encode("COLDSHARD:1:AB", Ecc::Q)
            .unwrap()
            .to_png(4)
            .unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }

    #[test]
    fn the_terminal_drawing_holds_every_module() {
        let text = format!("COLDSHARD:1:{}", "INJUQUQB".repeat(20));
        let m = QrMatrix::encode(&text, Ecc::Q).unwrap();
        let drawing = m.to_terminal();
        let side = m.width() + 2 * QUIET_ZONE;
        // Allocated once at the upper bound and never grown (growing doubles the capacity),
        // so no reallocation left a copy of the drawing behind.
        assert_eq!(
            drawing.capacity(),
            side.div_ceil(2) * (START.len() + 3 * side + END.len())
        );
        let mut dark = vec![vec![false; side]; side + 1];
        for (row, line) in drawing.lines().enumerate() {
            let cells = line
                .trim_start_matches("\x1b[38;5;16;48;5;231m")
                .trim_end_matches("\x1b[0m");
            assert_eq!(cells.chars().count(), side);
            for (x, c) in cells.chars().enumerate() {
                let (top, bottom) = match c {
                    '█' => (true, true),
                    '▀' => (true, false),
                    '▄' => (false, true),
                    ' ' => (false, false),
                    other => panic!("{other:?}"),
                };
                dark[2 * row][x] = top;
                dark[2 * row + 1][x] = bottom;
            }
        }
        let grid =
            rqrr::SimpleGrid::from_func(m.width(), |x, y| dark[y + QUIET_ZONE][x + QUIET_ZONE]);
        assert_eq!(rqrr::Grid::new(grid).decode().unwrap().1, text);
    }

    #[test]
    fn what_is_drawn_reads_back_and_damage_is_caught() {
        let text = format!("COLDSHARD:1:{}", "INJUQUQB".repeat(50));
        let m = QrMatrix::encode(&text, Ecc::Q).unwrap();
        let gray = m.to_gray(3);
        assert_eq!(QrMatrix::read_drawn(&gray, 3).unwrap(), text);
        // Wrong scale, a mark in the quiet zone, a destroyed symbol: refused.
        assert!(QrMatrix::read_drawn(&gray, 2).is_err());
        let mut marked = gray.clone();
        marked.put_pixel(1, 1, image::Luma([0]));
        assert!(QrMatrix::read_drawn(&marked, 3).is_err());
        let mut wiped = gray.clone();
        for p in wiped.pixels_mut() {
            p.0[0] = 255;
        }
        assert!(QrMatrix::read_drawn(&wiped, 3).is_err());
    }
}
