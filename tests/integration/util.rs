//! Shared helpers: the binary, fast KDF settings, and a throw-away working folder.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// KDF flags that make tests fast. Never the defaults.
pub const FAST_KDF: [&str; 6] = [
    "--kdf-memory",
    "1",
    "--kdf-iterations",
    "1",
    "--kdf-lanes",
    "1",
];

/// The coldshard binary under test.
pub fn coldshard() -> Command {
    let mut cmd = Command::cargo_bin("coldshard").expect("binary built");
    cmd.env_remove("RUST_BACKTRACE");
    cmd
}

/// A temporary working folder, deleted at the end of the test.
pub struct Work {
    pub dir: tempfile::TempDir,
}

impl Work {
    pub fn new() -> Self {
        Work {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file and returns its path as a String (for arguments).
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
        let p = self.path(name);
        std::fs::write(&p, contents).expect("write test file");
        p.to_string_lossy().into_owned()
    }

    /// Splits `secret` T-of-N into `out` with one passphrase per share (fast KDF).
    /// Returns the share file paths in index order.
    pub fn split(
        &self,
        out: &str,
        secret: &str,
        t: u8,
        n: u8,
        passphrases: &[String],
    ) -> Vec<String> {
        let pass = self.write(
            &format!("{out}-passphrases.txt"),
            passphrases.join("\n") + "\n",
        );
        let outdir = self.path(out);
        coldshard()
            .args(["split", "-t", &t.to_string(), "-n", &n.to_string(), "--out"])
            .arg(&outdir)
            .args(["--passphrase-file", &pass])
            .args(FAST_KDF)
            .write_stdin(secret)
            .assert()
            .success();
        (1..=n).map(|i| share_path(&outdir, i, n)).collect()
    }

    /// A passphrase file holding `lines`, one per line.
    pub fn passfile(&self, name: &str, lines: &[&str]) -> String {
        self.write(name, lines.join("\n") + "\n")
    }
}

/// Path of share i of n in `dir`.
pub fn share_path(dir: &Path, i: u8, n: u8) -> String {
    dir.join(format!("share-{i}-of-{n}.txt"))
        .to_string_lossy()
        .into_owned()
}

/// Distinct passphrases "pass-1" .. "pass-n".
pub fn passphrases(n: u8) -> Vec<String> {
    (1..=n).map(|i| format!("pass-{i}")).collect()
}

/// The 12-word "abandon ... about" test mnemonic.
pub const ABOUT: &str =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
