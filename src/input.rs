//! Reading SHARE arguments (files or stdin) and the secret input (file, stdin or prompt).

use std::io::Read;
use std::path::Path;

use zeroize::Zeroizing;

use crate::armor::{self, ArmorError, Armored};
use crate::format::EncryptedShare;

/// Largest share text file read, in bytes (a 256-byte secret armors to well under 2 KiB).
pub const MAX_SHARE_FILE: u64 = 64 * 1024;
/// Largest image file read as a share (a 300 dpi page scan or a phone photo).
pub const MAX_IMAGE_FILE: u64 = 64 * 1024 * 1024;

/// Errors reading input. They name the file.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file could not be read.
    #[error("cannot read {name}: {reason}")]
    Io {
        /// File name as given.
        name: String,
        /// OS reason.
        reason: String,
    },
    /// Larger than any share or secret.
    #[error("{name} is too large ({limit} bytes at most)")]
    TooLarge {
        /// File name as given.
        name: String,
        /// Limit.
        limit: u64,
    },
    /// `-` given more than once.
    #[error("standard input ('-') can be given only once")]
    StdinTwice,
    /// An image that cannot be read as one QR code.
    #[error("{}: {source}", if name.starts_with('\'') { format!("share {name}") } else { format!("the share on {name}") })]
    Image {
        /// File name as given.
        name: String,
        /// What is wrong.
        source: crate::scan::ScanError,
    },
    /// An image whose QR code is not a coldshard share.
    #[error("{}: the QR code in the image is not a coldshard share", if name.starts_with('\'') { format!("share {name}") } else { format!("the share on {name}") })]
    NotShareQr {
        /// File name as given.
        name: String,
    },
    /// The share text is not valid.
    #[error("{}: {source}", if name.starts_with('\'') { format!("share {name}") } else { format!("the share on {name}") })]
    Share {
        /// File name as given.
        name: String,
        /// What is wrong.
        source: ArmorError,
    },
}

/// A share read from a SHARE argument, not yet trusted beyond its own checks.
#[derive(Clone, Debug)]
pub struct LoadedShare {
    /// The argument as given ('-' for standard input).
    pub arg: String,
    /// How messages show it: the quoted path, or "standard input".
    pub name: String,
    /// The decoded armor.
    pub armored: Armored,
}

impl LoadedShare {
    /// The share itself.
    pub fn share(&self) -> &EncryptedShare {
        &self.armored.share
    }

    /// "share 2 of 5 ('file.txt')": how every message names this share.
    pub fn describe(&self) -> String {
        let h = self.share().header();
        if h.index.get() > h.count.get() {
            // Added after the split: "share 6 of 5" would read like damage.
            format!("share {} ({}, added)", h.index.get(), self.name)
        } else {
            format!(
                "share {} of {} ({})",
                h.index.get(),
                h.count.get(),
                self.name
            )
        }
    }
}

fn display_name(arg: &str) -> String {
    if arg == "-" {
        "standard input".to_string()
    } else {
        format!("'{arg}'")
    }
}

/// Reads at most `limit` bytes from a file or from stdin ("-").
pub fn read_limited(arg: &str, limit: u64) -> Result<Zeroizing<Vec<u8>>, InputError> {
    let name = display_name(arg);
    let io = |e: std::io::Error| InputError::Io {
        name: name.clone(),
        reason: e.to_string(),
    };
    // Sized once: `take(limit + 1)` can never make it grow, so no freed copy is left behind.
    let mut buf = Zeroizing::new(Vec::with_capacity(limit as usize + 1));
    if arg == "-" {
        std::io::stdin()
            .lock()
            .take(limit + 1)
            .read_to_end(&mut buf)
            .map_err(io)?;
    } else {
        std::fs::File::open(Path::new(arg))
            .map_err(io)?
            .take(limit + 1)
            .read_to_end(&mut buf)
            .map_err(io)?;
    }
    if buf.len() as u64 > limit {
        return Err(InputError::TooLarge { name, limit });
    }
    Ok(buf)
}

/// Reads and decodes every SHARE argument, in order: share text (armor or the compact form a
/// QR reader gives), or a PNG or JPEG image holding one QR code of a share.
pub fn read_shares(args: &[String]) -> Result<Vec<LoadedShare>, InputError> {
    if args.iter().filter(|a| *a == "-").count() > 1 {
        return Err(InputError::StdinTwice);
    }
    args.iter()
        .map(|arg| {
            let name = display_name(arg);
            let bytes = read_share_bytes(arg)?;
            let armored = if crate::scan::is_image(&bytes) {
                // Finding the code in a page scan or a photo can take most of a second.
                let progress = crate::progress::Progress::spinner(&format!(
                    "Reading the QR code in {name}..."
                ));
                let text =
                    crate::scan::read_qr_text(&bytes).map_err(|source| InputError::Image {
                        name: name.clone(),
                        source,
                    })?;
                progress.done();
                armor::decode(text.as_bytes()).map_err(|source| match source {
                    ArmorError::NoBegin => InputError::NotShareQr { name: name.clone() },
                    source => InputError::Share {
                        name: name.clone(),
                        source,
                    },
                })?
            } else if bytes.len() as u64 > MAX_SHARE_FILE {
                return Err(InputError::TooLarge {
                    name,
                    limit: MAX_SHARE_FILE,
                });
            } else {
                armor::decode(&bytes).map_err(|source| InputError::Share {
                    name: name.clone(),
                    source,
                })?
            };
            Ok(LoadedShare {
                arg: arg.clone(),
                name,
                armored,
            })
        })
        .collect()
}

/// Reads a SHARE argument: at most [`MAX_IMAGE_FILE`] bytes. Not sized in advance (an image
/// may be large and is public; a share text is small and encrypted).
fn read_share_bytes(arg: &str) -> Result<Zeroizing<Vec<u8>>, InputError> {
    let name = display_name(arg);
    let io = |e: std::io::Error| InputError::Io {
        name: name.clone(),
        reason: e.to_string(),
    };
    let mut buf = Zeroizing::new(Vec::new());
    if arg == "-" {
        std::io::stdin()
            .lock()
            .take(MAX_IMAGE_FILE + 1)
            .read_to_end(&mut buf)
            .map_err(io)?;
    } else {
        std::fs::File::open(Path::new(arg))
            .map_err(io)?
            .take(MAX_IMAGE_FILE + 1)
            .read_to_end(&mut buf)
            .map_err(io)?;
    }
    if buf.len() as u64 > MAX_IMAGE_FILE {
        return Err(InputError::TooLarge {
            name,
            limit: MAX_IMAGE_FILE,
        });
    }
    Ok(buf)
}
