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

// ---- Appended for the manifest, drill and reissue tests. ----

/// What a finished command did: its exit code and its output as text.
pub struct Ran {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cmd` (one minute at most: the fast KDF makes every call take milliseconds).
pub fn run(cmd: &mut Command) -> Ran {
    let out = cmd
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run coldshard");
    Ran {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `cmd`, which must succeed with exit 0 and no `error:` line; returns its stdout.
pub fn run_ok(cmd: &mut Command) -> String {
    let r = run(cmd);
    assert_eq!(
        r.code,
        Some(0),
        "exit code\nstdout: {}\nstderr: {}",
        r.stdout,
        r.stderr
    );
    assert!(!r.stderr.contains("error:"), "stderr: {}", r.stderr);
    r.stdout
}

/// Every file and folder under `dir`, recursively, with its contents (folders: empty).
pub fn tree(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                out.insert(path.clone(), Vec::new());
                todo.push(path);
            } else {
                out.insert(path.clone(), std::fs::read(&path).expect("read file"));
            }
        }
    }
    out
}

/// Runs `cmd`, expecting a refusal: exit `code`, nothing on stdout, an `error:` line on
/// stderr (after warnings only), no panic, and the work folder exactly as it was. Returns
/// stderr.
pub fn refused(work: &Work, cmd: &mut Command, code: i32) -> String {
    let before = tree(work.dir.path());
    let r = run(cmd);
    assert_eq!(
        r.code,
        Some(code),
        "exit code\nstdout: {}\nstderr: {}",
        r.stdout,
        r.stderr
    );
    assert!(
        r.stdout.is_empty(),
        "stdout must be empty on failure: {}",
        r.stdout
    );
    assert!(
        r.stderr.lines().all(|l| ["error: ", "warning: ", "hint: "]
            .iter()
            .any(|p| l.starts_with(p))),
        "every stderr line is a warning, the error or its hint: {}",
        r.stderr
    );
    assert!(
        r.stderr.lines().any(|l| l.starts_with("error: ")),
        "no error: line: {}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "panic: {}", r.stderr);
    assert!(
        before == tree(work.dir.path()),
        "a refused command must not create, remove or change files\nstderr: {}",
        r.stderr
    );
    r.stderr
}

/// SHA-256 as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

/// SHA-256 of a file's bytes as lower-case hex.
pub fn file_sha256(path: impl AsRef<Path>) -> String {
    sha256_hex(&std::fs::read(path).expect("read file"))
}

/// The value of the `Set:` line `split` prints.
pub fn printed_set_id(split_stdout: &str) -> String {
    split_stdout
        .lines()
        .find_map(|l| l.strip_prefix("Set:"))
        .expect("a Set: line")
        .trim()
        .to_string()
}

impl Work {
    /// Like [`Work::split`], with one `--label` per share (none if `labels` is empty).
    /// Returns the share paths in index order and what split printed.
    pub fn split_labeled(
        &self,
        out: &str,
        secret: &str,
        t: u8,
        passphrases: &[String],
        labels: &[&str],
    ) -> (Vec<String>, String) {
        let n = u8::try_from(passphrases.len()).expect("at most 255 shares");
        let pass = self.write(
            &format!("{out}-passphrases.txt"),
            passphrases.join("\n") + "\n",
        );
        let outdir = self.path(out);
        let mut cmd = coldshard();
        cmd.args(["split", "-t", &t.to_string(), "-n", &n.to_string(), "--out"])
            .arg(&outdir)
            .args(["--passphrase-file", &pass])
            .args(FAST_KDF);
        for l in labels {
            cmd.args(["--label", l]);
        }
        let stdout = run_ok(cmd.write_stdin(secret));
        ((1..=n).map(|i| share_path(&outdir, i, n)).collect(), stdout)
    }
}

/// The binary share inside a share file.
pub fn share_bytes(path: &str) -> Vec<u8> {
    let text = std::fs::read(path).expect("read share");
    coldshard::armor::decode(&text)
        .expect("decode share")
        .share
        .to_bytes()
}

/// Recomputes the 4-byte SHA-256 check at the end of a binary share.
pub fn recheck(bytes: &mut [u8]) {
    use sha2::{Digest, Sha256};
    let n = bytes.len() - 4;
    let check = Sha256::digest(&bytes[..n]);
    bytes[n..].copy_from_slice(&check[..4]);
}

/// The share file `original` (its text) with the body replaced by the armor of `bytes`.
pub fn rearmor(original: &str, bytes: &[u8]) -> String {
    let head_end = original.find("\n\n").expect("blank line after the headers") + 2;
    format!(
        "{}{}{}\n",
        &original[..head_end],
        coldshard::armor::encode_body(bytes),
        coldshard::armor::END
    )
}

/// The manifest's `files` entries expected for the share whose text file is `text_path`:
/// one per file coldshard writes for a share (text, PNG, SVG), with the SHA-256 on disk.
pub fn expected_files(text_path: &str) -> serde_json::Value {
    let base = text_path.strip_suffix(".txt").expect("a .txt share path");
    let name = |p: &str| {
        Path::new(p)
            .file_name()
            .expect("file name")
            .to_string_lossy()
            .into_owned()
    };
    serde_json::Value::Array(
        coldshard::issue::EXTENSIONS
            .iter()
            .map(|ext| {
                let path = format!("{base}.{ext}");
                serde_json::json!({"name": name(&path), "sha256": file_sha256(&path)})
            })
            .collect(),
    )
}

/// The summary line split and reissue print for a share's files: "  share-2-of-5  .txt .png .svg".
pub fn files_line(base: &str) -> String {
    let exts: Vec<String> = coldshard::issue::EXTENSIONS
        .iter()
        .map(|e| format!(".{e}"))
        .collect();
    format!("  {base}  {}", exts.join(" "))
}

/// The sorted names of a share folder holding these shares (base names) and the manifest.
pub fn folder_names(bases: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = bases
        .iter()
        .flat_map(|b| {
            coldshard::issue::EXTENSIONS
                .iter()
                .map(move |e| format!("{b}.{e}"))
        })
        .collect();
    names.push("manifest.json".into());
    names.sort();
    names
}

/// What a dishonest custodian can do alone: open their share, change the value, encrypt it
/// again correctly under their passphrase, fix every check. Only the signature is left wrong.
pub fn forge_own_share(share_file: &str, passphrase: &str) -> String {
    let text = std::fs::read_to_string(share_file).expect("share");
    let armored = coldshard::armor::decode(text.as_bytes()).expect("decode");
    let header = armored.share.header().clone();
    let pass = coldshard::passphrase::Passphrase::new(passphrase);
    let point = armored
        .share
        .open(&pass)
        .expect("the custodian's own share");
    let mut value = zeroize::Zeroizing::new(point.value().to_vec());
    value[0] ^= 0x5a;
    let key = coldshard::crypto::derive_key(&header.kdf, &pass, &header.salt).expect("key");
    let sealed =
        coldshard::crypto::seal(&key, &header.nonce, &header.to_bytes(), &value).expect("seal");
    let mut bytes = armored.share.to_bytes();
    let start = coldshard::format::HEADER_LEN;
    bytes[start..start + sealed.len()].copy_from_slice(&sealed);
    recheck(&mut bytes);
    rearmor(&text, &bytes)
}

/// Multiplication in GF(2^8) modulo x^8 + x^4 + x^3 + x^2 + 1 (0x11d), as FORMAT.md section 3
/// fixes: written here from the definition, not taken from blahaj, to check it independently.
pub fn gf_mul(mut a: u8, mut b: u8) -> u8 {
    let mut p = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            p ^= a;
        }
        let carry = a & 0x80 != 0;
        a <<= 1;
        if carry {
            a ^= 0x1d;
        }
        b >>= 1;
    }
    p
}

/// The inverse of a non-zero element of GF(2^8).
pub fn gf_inv(a: u8) -> u8 {
    (1..=255u8).find(|&b| gf_mul(a, b) == 1).expect("non-zero")
}
