//! Command-line definitions (clap). The same definitions produce completions and the man page.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand};

use crate::qr::Ecc;
use crate::secret::InputFormat;
use crate::sheet::Paper;

const EXAMPLES: &str = "\
Examples:
  coldshard generate --words 24 --out seed.txt
  coldshard split -t 3 -n 5 --in seed.txt --out shares/ --label alice --label bob \\
      --label carol --label dave --label erin
  coldshard verify shares/share-2-of-5.txt
  coldshard recover shares/share-1-of-5.txt shares/share-3-of-5.txt shares/share-5-of-5.txt
  coldshard drill --manifest shares/manifest.json s1.txt s3.txt s5.txt --report drill.json
  coldshard recover s1.txt s3.txt s5.txt --seedqr compact --out seedqr.png
  coldshard transcript verify key-ceremony.transcript --expect HASH
  coldshard demo

Exit codes: 0 success; 1 a check failed; 2 bad usage or unreadable input; 3 wrong passphrase.";

/// Offline Shamir backup of cold-wallet seeds into passphrase-encrypted shares.
#[derive(Debug, Parser)]
#[command(name = "coldshard", version, after_help = EXAMPLES, max_term_width = 100)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make a new BIP39 mnemonic from the operating system's CSPRNG.
    #[command(
        after_help = "Examples:\n  coldshard generate\n  coldshard generate --words 12 --out seed.txt"
    )]
    Generate(GenerateArgs),
    /// Split seed material into T-of-N passphrase-encrypted shares.
    #[command(
        after_help = "Examples:\n  coldshard split -t 2 -n 3 --out shares/            (asks for the seed and three passphrases)\n  coldshard split -t 3 -n 5 --in seed.txt --out shares/ --generate-passphrases\n  coldshard split -t 2 -n 3 --in - --out shares/ --passphrase-file pass.txt < seed.txt"
    )]
    Split(SplitArgs),
    /// Rebuild the secret from at least T shares.
    #[command(
        after_help = "Examples:\n  coldshard recover s/share-1-of-5.txt s/share-4-of-5.txt s/share-5-of-5.txt\n  coldshard recover s/share-1-of-3.txt s/share-2-of-3.txt --reveal\n  coldshard recover s/share-2-of-5.txt s/share-4-of-5.txt s/share-5-of-5.txt --passphrase-file pass.txt --out seed.txt\n  coldshard recover s/share-1-of-3.txt s/share-2-of-3.txt --seedqr compact --reveal"
    )]
    Recover(RecoverArgs),
    /// Check that shares are intact and their passphrases right, revealing nothing.
    #[command(
        after_help = "Examples:\n  coldshard verify share-2-of-5.txt\n  coldshard verify s/share-1-of-3.txt s/share-2-of-3.txt --passphrase-file pass.txt --json"
    )]
    Verify(VerifyArgs),
    /// Show the public header of shares; needs no passphrase.
    #[command(
        after_help = "Examples:\n  coldshard inspect share-2-of-5.txt\n  coldshard inspect shares/*.txt --json\n  coldshard inspect share-2-of-5.txt --qr"
    )]
    Inspect(InspectArgs),
    /// Rebuild the secret in memory and check it against the manifest, without revealing it.
    #[command(
        after_help = "Examples:\n  coldshard drill --manifest manifest.json share-1-of-5.txt share-2-of-5.txt share-4-of-5.txt\n  coldshard drill --manifest manifest.json s/*.txt --passphrase-file pass.txt --report drill-2026-11.json\n\nExit codes: 0 PASS; 1 FAIL (the verdicts are on standard output); 2 bad usage or unreadable manifest."
    )]
    Drill(DrillArgs),
    /// Issue a fresh share for a lost index, or add shares, from T shares of the set.
    #[command(
        after_help = "Examples:\n  coldshard reissue --manifest shares/manifest.json --index 2 --out new-2/ s1.txt s3.txt s5.txt\n  coldshard reissue --manifest shares/manifest.json --add 2 --label frank --label grace --out added/ s1.txt s3.txt s5.txt"
    )]
    Reissue(ReissueArgs),
    /// Check the set manifest (manifest.json) that split writes.
    #[command(subcommand)]
    Manifest(ManifestCommand),
    /// Keep the ceremony transcript: a hash-chained log the ceremony scripts append to.
    #[command(subcommand)]
    Transcript(TranscriptCommand),
    /// Run split, recover and verify on a built-in BIP39 test mnemonic.
    #[command(
        after_help = "Examples:\n  coldshard demo\n  coldshard demo --out /tmp/coldshard-demo"
    )]
    Demo(DemoArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  coldshard completions bash > /etc/bash_completion.d/coldshard\n  coldshard completions zsh > ~/.zfunc/_coldshard"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) of coldshard or of one command.
    #[command(
        after_help = "Examples:\n  coldshard man > coldshard.1 && man ./coldshard.1\n  coldshard man split > coldshard-split.1"
    )]
    Man {
        /// A command name, for its own page.
        command: Option<String>,
    },
}

impl Command {
    /// Whether the command may hold a seed, a passphrase or a decrypted share in memory (and
    /// so locks its memory, see [`crate::hardening::lock_memory`]).
    pub fn handles_secrets(&self) -> bool {
        match self {
            Command::Generate(_)
            | Command::Split(_)
            | Command::Recover(_)
            | Command::Verify(_)
            | Command::Drill(_)
            | Command::Reissue(_)
            | Command::Demo(_) => true,
            Command::Inspect(_)
            | Command::Manifest(_)
            | Command::Transcript(_)
            | Command::Completions { .. }
            | Command::Man { .. } => false,
        }
    }
}

/// `coldshard manifest ...`.
#[derive(Debug, Subcommand)]
pub enum ManifestCommand {
    /// Check a manifest's signature, and the files it lists that are in its folder.
    #[command(
        after_help = "Examples:\n  coldshard manifest verify shares/manifest.json\n  coldshard manifest verify manifest.json --json"
    )]
    Verify(ManifestVerifyArgs),
}

/// `coldshard manifest verify`.
#[derive(Debug, Args)]
pub struct ManifestVerifyArgs {
    /// The manifest file.
    #[arg(value_name = "FILE")]
    pub manifest: PathBuf,
    /// Print one JSON object (docs/CLI.md).
    #[arg(long)]
    pub json: bool,
}

/// `coldshard transcript ...`.
#[derive(Debug, Subcommand)]
pub enum TranscriptCommand {
    /// Append one step to a ceremony transcript (created if missing) and print its hash.
    #[command(
        after_help = "Never pass a seed, a passphrase or any other secret: the transcript is a public record.\n\nExamples:\n  coldshard transcript append ceremony.log --step split --actor \"operator: Ann\" --result DONE \\\n      --artifact shares/manifest.json --note \"3-of-5, labels alice..erin\"\n  hash=$(coldshard transcript append ceremony.log --step drill --actor op --result PASS)\n\nExit codes: 0 appended (the new final hash is on standard output); 1 the existing transcript is not intact (nothing appended); 2 bad usage, an unreadable artifact or transcript."
    )]
    Append(TranscriptAppendArgs),
    /// Check a ceremony transcript's hash chain, optionally against the final hash on paper.
    #[command(
        after_help = "Examples:\n  coldshard transcript verify ceremony.log\n  coldshard transcript verify ceremony.log --expect 5c1f...e0 --json\n\nExit codes: 0 intact (and matching --expect); 1 a line altered, removed, reordered or malformed, or the final hash is not --expect; 2 unreadable, empty or too large."
    )]
    Verify(TranscriptVerifyArgs),
}

/// `coldshard transcript append`.
#[derive(Debug, Args)]
pub struct TranscriptAppendArgs {
    /// The transcript file (created with mode 0600 if it does not exist).
    #[arg(value_name = "FILE")]
    pub transcript: PathBuf,
    /// Step identifier: 1 to 64 of a-z 0-9 . _ -, starting with a letter or digit.
    #[arg(long, value_name = "S")]
    pub step: String,
    /// Who did the step (1 to 200 printable characters).
    #[arg(long, value_name = "A", allow_hyphen_values = true)]
    pub actor: String,
    /// The outcome of the step.
    #[arg(long, value_name = "R", value_parser = crate::transcript::RESULTS)]
    pub result: String,
    /// A file the step made or checked, recorded with its SHA-256 (repeatable, at most 64).
    #[arg(long = "artifact", value_name = "PATH")]
    pub artifacts: Vec<String>,
    /// Free text (up to 1000 printable characters). Never a secret.
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    pub note: Option<String>,
}

/// `coldshard transcript verify`.
#[derive(Debug, Args)]
pub struct TranscriptVerifyArgs {
    /// The transcript file.
    #[arg(value_name = "FILE")]
    pub transcript: PathBuf,
    /// The final hash written on paper (64 hex digits): also check that it matches.
    #[arg(long, value_name = "HASH", value_parser = parse_sha256)]
    pub expect: Option<String>,
    /// Print one JSON object (docs/CLI.md).
    #[arg(long)]
    pub json: bool,
}

fn parse_sha256(s: &str) -> Result<String, String> {
    if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(s.to_ascii_lowercase())
    } else {
        Err("must be a SHA-256: 64 hexadecimal digits, as 'transcript append' and 'transcript verify' print it".to_string())
    }
}

/// `coldshard drill`.
#[derive(Debug, Args)]
pub struct DrillArgs {
    /// The set's manifest.json.
    #[arg(long, value_name = "FILE")]
    pub manifest: PathBuf,
    /// Share files ('-' for stdin): at least T, more to check every share.
    #[arg(required = true, value_name = "SHARE")]
    pub shares: Vec<String>,
    /// Passphrases from a file: line i for the i-th SHARE, or one line for all.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Write the drill report (JSON, docs/CLI.md) to this new file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Key derivations to run at once (default: one per core, within half the available memory).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..))]
    pub kdf_threads: Option<u8>,
}

/// `coldshard reissue`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("what").required(true).args(["index", "add"])))]
#[command(group(ArgGroup::new("new_passphrases").args(["new_passphrase_file", "generate_passphrases"])))]
pub struct ReissueArgs {
    /// The set's manifest.json (the latest revision).
    #[arg(long, value_name = "FILE")]
    pub manifest: PathBuf,
    /// At least T share files of the set ('-' for stdin).
    #[arg(required = true, value_name = "SHARE")]
    pub shares: Vec<String>,
    /// Passphrases of the SHARE files: line i for the i-th SHARE, or one line for all.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Issue a fresh share for this existing index (same point, new passphrase).
    #[arg(long, value_name = "I", value_parser = clap::value_parser!(u8).range(1..))]
    pub index: Option<u8>,
    /// Add this many shares with new indices after the highest one issued.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u8).range(1..))]
    pub add: Option<u8>,
    /// Folder to create for the new share(s) and the new manifest revision.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Custodian label, once per new share (default for --index: the label on record).
    #[arg(long = "label", value_name = "NAME")]
    pub labels: Vec<String>,
    /// Passphrases of the new shares from a file, one line per new share.
    #[arg(long, value_name = "FILE")]
    pub new_passphrase_file: Option<PathBuf>,
    /// Draw a 6-word passphrase per new share and show each once on the terminal.
    #[arg(long)]
    pub generate_passphrases: bool,
    /// Error correction level of the new QR codes.
    #[arg(long, value_enum, default_value_t = Ecc::Q, ignore_case = true)]
    pub qr_ecc: Ecc,
    /// Paper size of the new printable sheets.
    #[arg(long, value_enum, default_value_t = Paper::A4, ignore_case = true)]
    pub paper: Paper,
    /// Key derivations to run at once (default: one per core, within half the available memory).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..))]
    pub kdf_threads: Option<u8>,
}

/// `coldshard generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of words.
    #[arg(long, default_value_t = 24, value_parser = parse_word_count)]
    pub words: usize,
    /// Write the words to this new file (mode 0600) instead of the terminal.
    #[arg(long, value_name = "FILE", conflicts_with = "reveal")]
    pub out: Option<PathBuf>,
    /// Print the words even though standard output is not a terminal (a pipe or a file).
    #[arg(long)]
    pub reveal: bool,
}

fn parse_word_count(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if crate::secret::MNEMONIC_WORD_COUNTS.contains(&n) => Ok(n),
        _ => Err("must be 12, 15, 18, 21 or 24".to_string()),
    }
}

/// `coldshard split`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("passphrases").args(["passphrase_file", "generate_passphrases", "no_passphrase"])))]
pub struct SplitArgs {
    /// Shares needed to rebuild the secret (T).
    #[arg(short = 't', long, value_parser = clap::value_parser!(u8).range(1..))]
    pub threshold: u8,
    /// Number of shares to make (N, at most 255).
    #[arg(short = 'n', long = "shares", value_parser = clap::value_parser!(u8).range(1..))]
    pub shares: u8,
    /// Folder to create for the shares (must not exist, or be empty).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Read the seed from this file, or '-' for stdin (default: stdin if not a terminal, else a hidden prompt).
    #[arg(long = "in", value_name = "FILE")]
    pub input: Option<String>,
    /// How to read the seed.
    #[arg(long, value_enum, default_value_t = InputFormat::Auto)]
    pub secret_format: InputFormat,
    /// Passphrases from a file: line i for share i, or one line for all shares.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Draw a 6-word passphrase per share and show each once on the terminal.
    #[arg(long)]
    pub generate_passphrases: bool,
    /// Do not encrypt the shares (anyone holding T sheets can rebuild the secret).
    #[arg(long)]
    pub no_passphrase: bool,
    /// Custodian label, once per share in order (informational, printed on the share).
    #[arg(long = "label", value_name = "NAME")]
    pub labels: Vec<String>,
    /// Argon2id memory in MiB (default 512; below 256 is for tests only).
    #[arg(long, value_name = "MIB", value_parser = clap::value_parser!(u32).range(1..=2048))]
    pub kdf_memory: Option<u32>,
    /// Argon2id passes (default 3).
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u8).range(1..=10))]
    pub kdf_iterations: Option<u8>,
    /// Argon2id lanes (default 4).
    #[arg(long, value_name = "P", value_parser = clap::value_parser!(u8).range(1..=16))]
    pub kdf_lanes: Option<u8>,
    /// Allow T = 1: every share alone then rebuilds the secret.
    #[arg(long)]
    pub allow_threshold_one: bool,
    /// Ask for the BIP39 passphrase ("25th word") to show the wallet's BIP32 fingerprint with it.
    #[arg(long)]
    pub bip39_passphrase: bool,
    /// Error correction level of the QR codes (L 7%, M 15%, Q 25%, H 30% of the code restorable).
    #[arg(long, value_enum, default_value_t = Ecc::Q, ignore_case = true)]
    pub qr_ecc: Ecc,
    /// Paper size of the printable sheets (share-<i>-of-<N>.pdf).
    #[arg(long, value_enum, default_value_t = Paper::A4, ignore_case = true)]
    pub paper: Paper,
    /// Key derivations to run at once (default: one per core, within half the available memory).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..))]
    pub kdf_threads: Option<u8>,
}

/// `coldshard recover`.
#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// Share files ('-' for stdin), in any order.
    #[arg(required = true, value_name = "SHARE")]
    pub shares: Vec<String>,
    /// Passphrases from a file: line i for the i-th SHARE, or one line for all.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Write the secret to this new file (mode 0600; never overwrites).
    #[arg(long, value_name = "FILE", conflicts_with = "reveal")]
    pub out: Option<PathBuf>,
    /// Print the secret on standard output.
    #[arg(long)]
    pub reveal: bool,
    /// Ask for the BIP39 passphrase ("25th word") to show the wallet's BIP32 fingerprint with it.
    #[arg(long)]
    pub bip39_passphrase: bool,
    /// Give a 12- or 24-word BIP39 seed as a SeedQR for a signing device: drawn on the terminal
    /// with --reveal, or a new PNG file with --out FILE.png (docs/SEEDQR.md).
    #[arg(long, value_enum, value_name = "FORM", ignore_case = true)]
    pub seedqr: Option<crate::seedqr::SeedQrForm>,
    /// The set's manifest.json: shares it does not record are refused before any passphrase.
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Key derivations to run at once (default: one per core, within half the available memory).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..))]
    pub kdf_threads: Option<u8>,
}

/// `coldshard verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Share files ('-' for stdin).
    #[arg(required = true, value_name = "SHARE")]
    pub shares: Vec<String>,
    /// Passphrases from a file: line i for the i-th SHARE, or one line for all.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Key derivations to run at once (default: one per core, within half the available memory).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..))]
    pub kdf_threads: Option<u8>,
    /// Print one JSON object (docs/CLI.md).
    #[arg(long)]
    pub json: bool,
}

/// `coldshard inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Share files ('-' for stdin).
    #[arg(required = true, value_name = "SHARE")]
    pub shares: Vec<String>,
    /// Print one JSON object (docs/CLI.md).
    #[arg(long, conflicts_with = "qr")]
    pub json: bool,
    /// Also draw each share's QR code on the terminal (black on white, any terminal theme).
    #[arg(long)]
    pub qr: bool,
}

/// `coldshard demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder to create for the demo files (default: a new folder under the system temp dir).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}
