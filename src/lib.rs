//! coldshard: offline Shamir backup and recovery of cold-wallet seeds.
//!
//! Data flows one way: secret input ([`secret`]) → Shamir points ([`shamir`]) → encrypted
//! shares ([`format`], [`crypto`]) → text armor ([`armor`]) → files ([`output`]); and back
//! through [`input`] and [`set`], the one gate from untrusted shares to a rebuilt secret.
//! [`manifest`] is the signed public record of a set; [`drill`] checks a set against it.
//! [`seedqr`] gives a recovered BIP39 seed as a SeedQR (SeedSigner's format) for signing devices.
//! [`transcript`] is the hash-chained ceremony log the ceremony scripts append to.
//! [`parallel`] derives the keys of several shares at once within a memory budget;
//! [`progress`] shows progress on standard error when it is a terminal.
//! [`commands`] holds one function per CLI command; [`error`] maps failures to exit codes.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod armor;
pub mod cli;
pub mod commands;
pub mod crypto;
pub mod drill;
pub mod error;
pub mod format;
pub mod hardening;
pub mod input;
pub mod issue;
pub mod manifest;
pub mod output;
pub mod parallel;
pub mod passphrase;
pub mod progress;
pub mod qr;
pub mod scan;
pub mod secret;
pub mod seedqr;
pub mod set;
pub mod shamir;
pub mod sheet;
pub mod terminal;
pub mod transcript;
