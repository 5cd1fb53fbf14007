//! Integration tests: one binary, one module per area, driving the real `coldshard` binary.

mod util;

mod bip39_vectors;
mod ceremony;
mod drill;
mod errors;
mod faults;
mod format_vectors;
mod hygiene;
mod images;
mod leaks;
mod manifest;
mod mutation;
mod parallel;
mod printing;
mod properties;
mod pty;
mod reissue;
mod secrecy;
mod seedqr;
mod transcript;
mod workflows;
