//! The top-level error and the one place where errors become exit codes and hints.

use crate::armor::ArmorError;
use crate::format::FormatError;
use crate::input::InputError;
use crate::manifest::ManifestError;
use crate::output::OutputError;
use crate::passphrase::PassphraseError;
use crate::scan::ScanError;
use crate::secret::SecretError;
use crate::seedqr::SeedQrError;
use crate::set::SetError;
use crate::shamir::ShamirError;
use crate::terminal::{self, TerminalError};
use crate::transcript::TranscriptError;

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: a check failed (shares disagree, sets mixed, not genuine, self-check failed).
pub const EXIT_CHECK_FAILED: u8 = 1;
/// Exit code: bad usage, or unreadable or invalid input.
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit code: a wrong passphrase.
pub const EXIT_WRONG_PASSPHRASE: u8 = 3;

/// Any failure of a command. Messages never contain secret material.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Arguments that do not fit together.
    #[error("{0}")]
    Usage(String),
    /// A share or input file that cannot be read or decoded.
    #[error(transparent)]
    Input(#[from] InputError),
    /// A problem with a group of shares.
    #[error(transparent)]
    Set(#[from] SetError),
    /// A manifest that cannot be used.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// A drill that found a problem; the verdicts are on standard output.
    #[error("the drill FAILED: {0}")]
    DrillFailed(String),
    /// Bad seed input.
    #[error("the secret input is not valid: {0}")]
    Secret(#[from] SecretError),
    /// Bad passphrase input.
    #[error(transparent)]
    Passphrase(#[from] PassphraseError),
    /// Output could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// The terminal could not be used.
    #[error(transparent)]
    Terminal(#[from] TerminalError),
    /// Splitting failed.
    #[error("splitting failed: {0}")]
    Split(ShamirError),
    /// No SeedQR for this secret, or it could not be made.
    #[error(transparent)]
    SeedQr(#[from] SeedQrError),
    /// Drawing a QR code failed.
    #[error("{0}")]
    Qr(#[from] crate::qr::QrError),
    /// Drawing a sheet failed.
    #[error("cannot draw the printable sheet: {0}")]
    Sheet(crate::sheet::SheetError),
    /// Encoding a share failed.
    #[error("encoding a share failed: {0}")]
    Encode(FormatError),
    /// The written set did not read back as it should: nothing was kept.
    #[error("the shares did not pass the read-back check ({0}); the output folder was not created")]
    SelfCheck(String),
    /// Several shares failed their checks (verify); each is reported on its own line.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\nerror: "))]
    Several(Vec<SetError>),
    /// The OS random number generator failed.
    #[error("the operating system's random number generator failed: {0}")]
    Random(String),
    /// A secret would go to a standard output that is not a terminal, without --reveal.
    #[error(
        "refusing to print the new seed: standard output is not a terminal but a pipe or a file"
    )]
    NotRevealed,
    /// Writing to standard output failed.
    #[error("cannot write to standard output: {0}")]
    Stdout(String),
    /// A ceremony transcript that cannot be read, is not intact, or cannot be appended to.
    #[error(transparent)]
    Transcript(#[from] TranscriptError),
    /// A worker deriving keys stopped on an internal error (a bug); no result was produced.
    #[error(transparent)]
    Worker(#[from] crate::parallel::WorkerPanicked),
}

/// Exit codes of the set layer's verdicts.
fn set_exit_code(e: &SetError) -> u8 {
    match e {
        SetError::WrongPassphrase { .. } => EXIT_WRONG_PASSPHRASE,
        SetError::Mixed(_)
        | SetError::HeaderDisagrees { .. }
        | SetError::Inconsistent { .. }
        | SetError::Ambiguous { .. }
        | SetError::BadSecret(_)
        | SetError::Altered { .. }
        | SetError::RecordMismatch => EXIT_CHECK_FAILED,
        SetError::Empty
        | SetError::Duplicate { .. }
        // Two signed shares of one index: an original and its re-issued copy, given together.
        | SetError::Conflict { .. }
        | SetError::TooFew { .. }
        | SetError::Kdf { .. }
        | SetError::Shamir(_) => EXIT_BAD_INPUT,
    }
}

/// Exit codes of the transcript layer: a line that is not intact is a failed check (tampering
/// or damage), while a file that cannot be read or used at all is bad input.
fn transcript_exit_code(e: &TranscriptError) -> u8 {
    match e {
        TranscriptError::Malformed { .. }
        | TranscriptError::Sequence { .. }
        | TranscriptError::BrokenChain { .. }
        | TranscriptError::FinalHashMismatch { .. } => EXIT_CHECK_FAILED,
        TranscriptError::NotAppended(inner) => transcript_exit_code(inner),
        TranscriptError::Unreadable { .. }
        | TranscriptError::Empty { .. }
        | TranscriptError::TooLarge { .. }
        | TranscriptError::UnknownVersion { .. }
        | TranscriptError::Field { .. }
        | TranscriptError::Artifact { .. }
        | TranscriptError::Full { .. }
        | TranscriptError::Write { .. } => EXIT_BAD_INPUT,
    }
}

/// The hint of a transcript error.
fn transcript_hint(e: &TranscriptError) -> Option<String> {
    const COMPARE: &str =
        "compare the file with another copy, and its final hash with the one written on paper";
    match e {
        TranscriptError::NotAppended(inner) => transcript_hint(inner),
        TranscriptError::Malformed { .. } => Some(format!(
            "coldshard writes every line in one exact form, so a line that does not read back exactly is damage or tampering; {COMPARE}"
        )),
        TranscriptError::Sequence { .. } => Some(COMPARE.to_string()),
        TranscriptError::BrokenChain { altered, noticed, .. } => Some(format!(
            "either line {altered} was changed after line {noticed} was written, or line {noticed} is not the line written after it (forged, replaced, or lines removed between them); {COMPARE}"
        )),
        TranscriptError::FinalHashMismatch { .. } => Some(
            "check the hash on paper digit by digit; if it is right, this file is not the transcript that was signed off"
                .into(),
        ),
        TranscriptError::UnknownVersion { .. } => {
            Some("a newer coldshard may read it; docs/FORMAT.md lists the versions".into())
        }
        TranscriptError::TooLarge { .. } => Some(
            "a ceremony transcript stays far below these limits; treat the file as hostile".into(),
        ),
        TranscriptError::Full { .. } => Some(
            "start a new transcript file, and note the final hash of this one in its first line"
                .into(),
        ),
        TranscriptError::Empty { .. } => Some(
            "give the file that 'coldshard transcript append' wrote during the ceremony".into(),
        ),
        _ => None,
    }
}

impl Error {
    /// The documented exit code (docs/CLI.md).
    pub fn exit_code(&self) -> u8 {
        match self {
            // The first failing share decides, as it would if it were checked alone.
            Error::Several(all) => all.first().map(set_exit_code).unwrap_or(EXIT_CHECK_FAILED),
            Error::Set(e) => set_exit_code(e),
            Error::Transcript(e) => transcript_exit_code(e),
            // The tool could not complete safely (a failed self-check, the OS RNG failing).
            // A share that is not genuine: a check failed.
            Error::Input(InputError::Share {
                source: ArmorError::Format(FormatError::NotAuthentic),
                ..
            }) => EXIT_CHECK_FAILED,
            Error::Manifest(
                ManifestError::NotAuthentic { .. }
                | ManifestError::OtherSet { .. }
                | ManifestError::FileProblem { .. }
                | ManifestError::NotOnRecord { .. }
                | ManifestError::Clock,
            ) => EXIT_CHECK_FAILED,
            Error::DrillFailed(_)
            | Error::SeedQr(SeedQrError::Encode(_) | SeedQrError::ReadBack(_))
            | Error::Qr(_)
            | Error::Sheet(_)
            | Error::SelfCheck(_)
            | Error::Split(_)
            | Error::Encode(_)
            | Error::Passphrase(PassphraseError::Random(_))
            | Error::Secret(SecretError::Random(_))
            | Error::Random(_)
            | Error::Worker(_) => EXIT_CHECK_FAILED,
            Error::Usage(_)
            | Error::NotRevealed
            | Error::SeedQr(
                SeedQrError::NotAMnemonic(_)
                | SeedQrError::WordCount(_)
                | SeedQrError::NoDestination,
            )
            | Error::Input(_)
            | Error::Manifest(_)
            | Error::Secret(_)
            | Error::Passphrase(_)
            | Error::Output(_)
            | Error::Terminal(_)
            | Error::Stdout(_) => EXIT_BAD_INPUT,
        }
    }

    /// A second line telling the user what to do, where there is something useful to say.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Set(SetError::WrongPassphrase { .. }) | Error::Several(_)
                if self.any_wrong_passphrase() =>
            {
                Some(
                "passphrases are case-sensitive; check the keyboard layout and Caps Lock"
                    .into(),
                )
            }
            Error::Set(SetError::TooFew { need, .. }) => {
                Some(format!("bring at least {need} different shares of the same set"))
            }
            Error::Set(SetError::Mixed(_)) => {
                Some("give only shares of one set; 'coldshard inspect' shows each share's set".into())
            }
            Error::Set(SetError::Ambiguous { .. }) => Some(
                "bring more shares of the set: with enough agreeing shares the odd one is named"
                    .into(),
            ),
            Error::Input(InputError::Share { source, .. }) => match source {
                ArmorError::LineCheck { line } => Some(format!(
                    "compare line {line:02} character by character with the paper sheet"
                )),
                ArmorError::Format(FormatError::Damaged) => Some(
                    "every line passed its own check, so compare the line numbers and line order with the sheet"
                        .into(),
                ),
                ArmorError::Format(FormatError::NotAuthentic) => Some(
                    "do not use this share; keep it as evidence and tell the other custodians"
                        .into(),
                ),
                ArmorError::Format(FormatError::TooExpensive(_)) => Some(
                    "a genuine coldshard share never asks for this much; treat the file as hostile".into(),
                ),
                ArmorError::UnknownVersion(_) | ArmorError::Format(FormatError::UnknownVersion(_)) => {
                    Some("a newer coldshard may read it; docs/FORMAT.md lists the versions".into())
                }
                _ => None,
            },
            Error::Input(InputError::Image { source: ScanError::NoQr, .. }) => Some(
                "take a sharper, closer picture of the whole QR code with its white border, in even light; or type the text lines instead"
                    .into(),
            ),
            Error::Input(InputError::NotShareQr { .. }) => Some(
                "a coldshard QR code holds text starting with 'COLDSHARD:'; check that this is the share's code and not another one on the page"
                    .into(),
            ),
            Error::Secret(SecretError::UnknownWord { suggestions, .. }) => {
                if suggestions.0.is_empty() {
                    None
                } else if terminal::has_terminal() {
                    Some("the closest valid words are shown on the terminal".into())
                } else {
                    Some("run at a terminal to see the closest valid words".into())
                }
            }
            Error::Secret(SecretError::WordCount { .. }) => Some(
                "if the secret is not a mnemonic, say so with --secret-format hex or --secret-format raw"
                    .into(),
            ),
            Error::Manifest(ManifestError::NotAuthentic { .. }) => Some(
                "do not rely on this manifest; compare it with another copy of the set's manifest or the paper record"
                    .into(),
            ),
            Error::Manifest(ManifestError::NotOnRecord { .. }) => Some(
                "use the current sheets and the latest manifest revision; 'coldshard drill' shows which shares are on record"
                    .into(),
            ),
            Error::Manifest(ManifestError::OtherSet { .. }) => Some(
                "give the manifest of the set the shares belong to; 'coldshard inspect' shows a share's set"
                    .into(),
            ),
            Error::NotRevealed => Some(
                "write it to a new private file with --out FILE, or add --reveal to send it down the pipe on purpose (as in 'coldshard generate --reveal | coldshard split --in - ...')"
                    .into(),
            ),
            Error::SeedQr(SeedQrError::NoDestination) => Some(
                "add --reveal to draw it on this terminal, or --out FILE.png to write it to a new PNG file (mode 0600)"
                    .into(),
            ),
            Error::SeedQr(SeedQrError::NotAMnemonic(_)) => Some(
                "without --seedqr, --reveal or --out FILE gives the secret back as it was split"
                    .into(),
            ),
            Error::SeedQr(SeedQrError::WordCount(_)) => Some(
                "without --seedqr, --reveal or --out FILE gives the words, to enter on the signing device by hand"
                    .into(),
            ),
            Error::Transcript(e) => transcript_hint(e),
            Error::Output(OutputError::FolderNotEmpty(_)) => {
                Some("choose a new folder name; existing shares are never overwritten".into())
            }
            _ => None,
        }
    }

    fn any_wrong_passphrase(&self) -> bool {
        match self {
            Error::Set(SetError::WrongPassphrase { .. }) => true,
            Error::Several(all) => all
                .iter()
                .any(|e| matches!(e, SetError::WrongPassphrase { .. })),
            _ => false,
        }
    }

    /// Prints `error: ...` and, if any, `hint: ...` to stderr.
    pub fn report(&self) {
        terminal::stderr_line(&format!("error: {self}"));
        if let Some(hint) = self.hint() {
            terminal::stderr_line(&format!("hint: {hint}"));
        }
        // Word suggestions hint at a secret word: only ever to the terminal itself, never to
        // stderr, which may be a pipe, a log or a recorded session.
        if let Error::Secret(SecretError::UnknownWord { suggestions, .. }) = self
            && !suggestions.0.is_empty()
            && terminal::has_terminal()
        {
            terminal::say(&format!("did you mean {}?", suggestions.0.join(", ")));
        }
    }
}
