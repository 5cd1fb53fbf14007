//! One function per command: read inputs, call the library layers, write outputs.

use std::io::{IsTerminal, Write};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde_json::json;
use zeroize::Zeroizing;

use crate::armor::Label;
use crate::cli::{
    Cli, DemoArgs, DrillArgs, GenerateArgs, InspectArgs, ManifestVerifyArgs, RecoverArgs,
    ReissueArgs, SplitArgs, TranscriptAppendArgs, TranscriptVerifyArgs, VerifyArgs,
};
use crate::crypto::{self, Argon2Params, Kdf, NONCE_LEN, SALT_LEN, WEAK_MEMORY_KIB};
use crate::drill;
use crate::error::Error;
use crate::format::{SetId, ShareHeader};
use crate::input::{self, LoadedShare};
use crate::issue::{self, NewShare};
use crate::manifest::{self, SecretRecord};
use crate::output;
use crate::parallel::{self, KdfThreads};
use crate::passphrase::{self, Passphrase};
use crate::progress::Progress;
use crate::secret::{InputFormat, MAX_INPUT_LEN, Secret, SecretKind};
use crate::set::{self, ShareSet};
use crate::shamir::{self, ShareCount, ShareIndex, SharePoint, Threshold};
use crate::terminal;
use crate::transcript::{self, TranscriptError};

/// The official BIP39 test mnemonic the demo splits (english vector, entropy f585c1...8f).
pub const DEMO_MNEMONIC: &str = "void come effort suffer camp survey warrior heavy shoot primary clutch crush open amazing screen patrol group space point ten exist slush involve unfold";

fn warn(msg: &str) {
    terminal::stderr_line(&format!("warning: {msg}"));
}

fn stdout_write(bytes: &[u8]) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| Error::Stdout(e.to_string()))
}

fn print(text: &str) -> Result<(), Error> {
    stdout_write(text.as_bytes())
}

/// `coldshard generate`.
pub fn generate(args: GenerateArgs) -> Result<(), Error> {
    // A new seed goes to a pipe or a file only when asked: a redirect left in a script, or a
    // terminal multiplexer's log, must not keep it by accident.
    if args.out.is_none() && !args.reveal && !std::io::stdout().is_terminal() {
        return Err(Error::NotRevealed);
    }
    let secret = Secret::generate_mnemonic(args.words).map_err(|e| match e {
        crate::secret::SecretError::Random(reason) => Error::Random(reason),
        other => Error::Secret(other),
    })?;
    let words = secret.render()?;
    match args.out {
        Some(path) => {
            output::write_new_file(&path, &words)?;
            terminal::stderr_line(&format!(
                "Wrote a new {}-word mnemonic to '{}' (mode 0600). Fingerprint: {}",
                args.words,
                path.display(),
                secret.fingerprint()
            ));
        }
        None => stdout_write(&words)?,
    }
    Ok(())
}

/// Deletes what interrupted splits or reissues left beside `out` and says what it found.
fn clean_leftovers(out: &Path) {
    for found in output::clean_leftovers(out) {
        match found {
            output::Leftover::Removed(p) => warn(&format!(
                "removed '{}', left by an interrupted split or reissue (its shares were never complete or checked)",
                p.display()
            )),
            output::Leftover::InUse(p) => warn(&format!(
                "'{}' is being written by a split or reissue running now",
                p.display()
            )),
            output::Leftover::Unknown(p) => warn(&format!(
                "'{}' was left by an interrupted split or reissue and may hold a complete set of shares or a secret; delete it once you are sure none is running",
                p.display()
            )),
        }
    }
}

/// Everything `split` needs besides the secret and the passphrases.
struct SplitPlan {
    threshold: Threshold,
    count: ShareCount,
    kdf: Kdf,
    labels: Vec<Option<Label>>,
    artifacts: issue::Artifacts,
}

impl SplitPlan {
    fn file_name(&self, i: usize) -> String {
        let index = u8::try_from(i + 1).ok().and_then(ShareIndex::new);
        index
            .map(|x| issue::file_name(x, self.count.get()))
            .unwrap_or_default()
    }
}

fn plan_from_args(args: &SplitArgs) -> Result<SplitPlan, Error> {
    let (t, n) = (args.threshold, args.shares);
    if t > n {
        return Err(Error::Usage(format!(
            "the threshold ({t}) cannot be larger than the number of shares ({n})"
        )));
    }
    if t == 1 {
        if !args.allow_threshold_one {
            return Err(Error::Usage(
                "a threshold of 1 makes every share a full copy of the secret; pass --allow-threshold-one if that is really wanted".into(),
            ));
        }
        warn("threshold 1: every single share rebuilds the secret on its own");
    }
    if !args.labels.is_empty() && args.labels.len() != usize::from(n) {
        return Err(Error::Usage(format!(
            "{} labels were given for {n} shares; give one --label per share, or none",
            args.labels.len()
        )));
    }
    let mut labels = Vec::with_capacity(usize::from(n));
    for l in &args.labels {
        labels.push(Some(Label::new(l).map_err(|e| {
            Error::Usage(format!("--label '{}': {e}", l.escape_debug()))
        })?));
    }
    labels.resize(usize::from(n), None);
    let kdf = if args.no_passphrase {
        if args.kdf_memory.is_some() || args.kdf_iterations.is_some() || args.kdf_lanes.is_some() {
            return Err(Error::Usage(
                "--kdf-* options have no effect with --no-passphrase".into(),
            ));
        }
        Kdf::None
    } else {
        let d = Argon2Params::DEFAULT;
        let memory = args.kdf_memory.map(|m| m * 1024).unwrap_or(d.memory_kib());
        let params = Argon2Params::new(
            memory,
            args.kdf_iterations.unwrap_or(d.iterations()),
            args.kdf_lanes.unwrap_or(d.lanes()),
        )
        .map_err(|e| Error::Usage(e.to_string()))?;
        if memory < WEAK_MEMORY_KIB {
            warn(&format!(
                "--kdf-memory {} MiB is far below the default of {} MiB: use it for tests only, never for real shares",
                memory / 1024,
                d.memory_kib() / 1024
            ));
        }
        Kdf::Argon2id(params)
    };
    match (Threshold::new(t), ShareCount::new(n)) {
        (Some(threshold), Some(count)) => Ok(SplitPlan {
            threshold,
            count,
            kdf,
            labels,
            artifacts: issue::Artifacts {
                ecc: args.qr_ecc,
                paper: args.paper,
            },
        }),
        _ => Err(Error::Usage(
            "threshold and share count must be at least 1".into(),
        )),
    }
}

fn read_secret(args: &SplitArgs) -> Result<Secret, Error> {
    // Standard input is read as a stream only when it is not a terminal: typing the seed at a
    // terminal always goes through the hidden prompt, even with `--in -`.
    let bytes = match args.input.as_deref() {
        Some(source) if source != "-" => input::read_limited(source, MAX_INPUT_LEN as u64)?,
        _ if !terminal::stdin_is_terminal() => input::read_limited("-", MAX_INPUT_LEN as u64)?,
        _ => {
            let line = terminal::prompt_hidden(
                "Seed (BIP39 words or hex; typing is hidden): ",
                "the seed",
            )?;
            Zeroizing::new(line.as_bytes().to_vec())
        }
    };
    Ok(Secret::parse(&bytes, args.secret_format)?)
}

fn split_passphrases(args: &SplitArgs, plan: &SplitPlan) -> Result<Vec<Passphrase>, Error> {
    let n = usize::from(plan.count.get());
    if args.no_passphrase {
        warn(
            "--no-passphrase: the shares are NOT encrypted; anyone who gets enough sheets can rebuild the secret",
        );
        return Ok((0..n).map(|_| Passphrase::empty()).collect());
    }
    if let Some(path) = &args.passphrase_file {
        let list = passphrase::read_file(path, n)?;
        if n > 1
            && list
                .iter()
                .all(|p| list.first().is_some_and(|q| p.same_as(q)))
        {
            warn(
                "one passphrase for every share: each custodian then knows the passphrase of all the others",
            );
        }
        return Ok(list);
    }
    if args.generate_passphrases {
        return (0..n)
            .map(|_| passphrase::generate().map_err(Error::from))
            .collect();
    }
    (0..n)
        .map(|i| {
            let who = describe_new_share(plan, i);
            terminal::ask_new_passphrase(&who).map_err(Error::from)
        })
        .collect()
}

fn describe_new_share(plan: &SplitPlan, i: usize) -> String {
    let base = format!("share {} of {}", i + 1, plan.count.get());
    match plan.labels.get(i).and_then(Option::as_ref) {
        Some(l) => format!("{base} ({l})"),
        None => base,
    }
}

/// Splits, encrypts and signs; writes the shares and the manifest into a temporary folder,
/// reads everything back, checks every T-subset, and only then renames the folder into place.
/// `before_commit` runs after every check and before the folder appears (split shows the
/// generated passphrases there, so that a set never exists whose passphrases were not shown).
fn split_into(
    out: &Path,
    secret: &Secret,
    plan: &SplitPlan,
    passphrases: &[Passphrase],
    wallet: Option<&WalletFingerprint>,
    before_commit: impl FnOnce() -> Result<(), Error>,
    threads: KdfThreads,
) -> Result<(SetId, PathBuf), Error> {
    // The set key signs every share; its seed is split along with the secret (docs/FORMAT.md).
    let set_key = issue::new_set_key()?;
    let public_key = set_key.public_key();
    let set_id = SetId::of_public_key(&public_key);
    let template = ShareHeader {
        set_id,
        index: ShareIndex::new(1).ok_or_else(|| Error::Usage("index".into()))?,
        threshold: plan.threshold,
        count: plan.count,
        kind: secret.kind(),
        secret_len: u16::try_from(secret.payload().len())
            .map_err(|_| Error::Usage("secret too long".into()))?,
        kdf: plan.kdf,
        salt: [0; SALT_LEN],
        nonce: [0; NONCE_LEN],
        set_key: public_key,
        commitment: crypto::commitment(set_key.seed(), secret.kind().code(), secret.payload()),
    };
    let dealt = set::dealt_value(secret, &set_key);
    let points = shamir::split(&dealt, plan.threshold, plan.count).map_err(Error::Split)?;
    let new: Vec<NewShare<'_>> = points
        .into_iter()
        .zip(passphrases)
        .enumerate()
        .map(|(i, (point, passphrase))| NewShare {
            point,
            passphrase,
            label: plan.labels.get(i).cloned().flatten(),
        })
        .collect();
    let sealed = issue::seal(&template, &new, &set_key, plan.artifacts, threads)?;
    drop(new);
    let record = SecretRecord {
        kind: secret.kind().name().into(),
        length: template.secret_len,
        commitment: hex::encode(template.commitment),
        fingerprint: secret.fingerprint(),
        // Withheld with a BIP39 passphrase: with the mnemonic, it would let anyone test
        // guesses of that passphrase (docs/FORMAT.md section 9.1).
        bip32_fingerprint: wallet
            .filter(|w| !w.with_passphrase)
            .map(|w| w.fingerprint.clone()),
        bip32_with_passphrase: wallet.is_some_and(|w| w.with_passphrase),
    };
    let pass_refs: Vec<&Passphrase> = passphrases.iter().collect();
    let dir = issue::write_checked(
        out,
        &sealed,
        &pass_refs,
        |records| Ok(manifest::Body::new(&template, record, records)?.sign(&set_key)?),
        |points| {
            shamir::check_every_subset(points, plan.threshold, &dealt)
                .map_err(|e| Error::SelfCheck(e.to_string()))
        },
        before_commit,
        threads,
    )?;
    Ok((set_id, dir))
}

fn kdf_text(kdf: &Kdf) -> String {
    match kdf {
        Kdf::None => "none (shares are not encrypted)".into(),
        Kdf::Argon2id(p) => format!(
            "Argon2id, {}, {} pass{}, {} lane{}",
            memory_text(p.memory_kib()),
            p.iterations(),
            if p.iterations() == 1 { "" } else { "es" },
            p.lanes(),
            if p.lanes() == 1 { "" } else { "s" }
        ),
    }
}

/// Memory in MiB when it is a whole number of MiB, else in KiB (test vectors use 64 KiB).
fn memory_text(kib: u32) -> String {
    if kib.is_multiple_of(1024) {
        format!("{} MiB", kib / 1024)
    } else {
        format!("{kib} KiB")
    }
}

/// The BIP32 master key fingerprint of a BIP39 secret, and whether a BIP39 passphrase was used.
struct WalletFingerprint {
    fingerprint: String,
    with_passphrase: bool,
}

impl WalletFingerprint {
    /// For a BIP39 secret; with `ask`, the BIP39 passphrase ("25th word") is asked at the
    /// terminal (hidden). `None` for other secrets.
    fn of(secret: &Secret, ask: bool) -> Result<Option<Self>, Error> {
        if secret.kind() != crate::secret::SecretKind::Bip39 {
            return Ok(None);
        }
        let passphrase = if ask {
            terminal::prompt_hidden(
                "BIP39 passphrase (typing is hidden): ",
                "the BIP39 passphrase",
            )?
        } else {
            Zeroizing::new(String::new())
        };
        Ok(secret
            .bip32_fingerprint(&passphrase)
            .map(|fingerprint| WalletFingerprint {
                fingerprint,
                with_passphrase: ask,
            }))
    }

    /// "Wallet:      BIP32 master fingerprint 73c5da0a (...)\n".
    fn line(&self) -> String {
        let which = if self.with_passphrase {
            "with the BIP39 passphrase given"
        } else {
            "without BIP39 passphrase"
        };
        format!(
            "Wallet:      BIP32 master fingerprint {} ({which})\n",
            self.fingerprint
        )
    }
}

fn wallet_line(wallet: Option<&WalletFingerprint>) -> String {
    wallet.map(WalletFingerprint::line).unwrap_or_default()
}

/// `coldshard split`.
pub fn split(args: SplitArgs) -> Result<(), Error> {
    let plan = plan_from_args(&args)?;
    output::check_target_free(&args.out)?;
    clean_leftovers(&args.out);
    if args.generate_passphrases && !terminal::has_terminal() {
        return Err(Error::Usage(
            "--generate-passphrases shows each passphrase on the terminal, and there is none; use --passphrase-file".into(),
        ));
    }
    let secret = read_secret(&args)?;
    let wallet = WalletFingerprint::of(&secret, args.bip39_passphrase)?;
    let passphrases = split_passphrases(&args, &plan)?;
    let show_generated = || {
        if args.generate_passphrases {
            for (i, pass) in passphrases.iter().enumerate() {
                terminal::show_once(&describe_new_share(&plan, i), pass)?;
            }
            terminal::say("All passphrases were shown once and cleared from the screen.");
        }
        Ok(())
    };
    let (set_id, dir) = split_into(
        &args.out,
        &secret,
        &plan,
        &passphrases,
        wallet.as_ref(),
        show_generated,
        KdfThreads::from_arg(args.kdf_threads),
    )?;

    let (t, n) = (plan.threshold.get(), plan.count.get());
    let mut summary = format!(
        "Split the secret ({}) into {n} share{}; any {t} rebuild it.\n\
         Set:         {set_id}\n\
         Fingerprint: {}  (write it down: recover prints it too)\n\
         {}\
         Key derivation: {}\n\
         Checked:     every file read back from disk: the text decrypted, the QR codes decoded; every {t} of the {n} shares rebuild the secret.\n\
         Files in '{}':\n",
        secret.describe(),
        if n == 1 { "" } else { "s" },
        secret.fingerprint(),
        wallet_line(wallet.as_ref()),
        kdf_text(&plan.kdf),
        dir.display()
    );
    for i in 0..usize::from(n) {
        let label = plan
            .labels
            .get(i)
            .and_then(Option::as_ref)
            .map(|l| format!("  ({l})"))
            .unwrap_or_default();
        let base = plan.file_name(i);
        let base = base.strip_suffix(".txt").unwrap_or(&base);
        summary.push_str(&format!(
            "  {base}  {}{label}\n",
            issue::EXTENSIONS.map(|e| format!(".{e}")).join(" ")
        ));
    }
    summary.push_str(&format!(
        "  {}  (the set's signed public record: keep it with the ceremony record)\n",
        manifest::FILE_NAME
    ));
    print(&summary)?;
    Ok(())
}

/// The passphrases of a passphrase file for `n` SHARE arguments (line i for the i-th, or one
/// line for all), or `None` to ask at the terminal.
fn passphrase_list(file: Option<&PathBuf>, n: usize) -> Result<Option<Vec<Passphrase>>, Error> {
    Ok(match file {
        Some(path) => Some(passphrase::read_file(path, n)?),
        None => None,
    })
}

/// Opens one share without a passphrase file: without a passphrase if it has none, or asking
/// at the terminal, where a mistyped passphrase may be retyped at once.
fn open_one(share: &LoadedShare) -> Result<Result<SharePoint, set::SetError>, Error> {
    Ok(match share.share().header().kdf {
        Kdf::None => set::unlock_one(share, &Passphrase::empty()),
        Kdf::Argon2id(_) => open_at_terminal(share)?,
    })
}

/// Opens shares whose passphrases are known (a passphrase file), deriving their keys side by
/// side within the memory budget (see [`crate::parallel`]). Returns one result per share, in
/// order. With `stop_at_failure`, the results end with the first share that fails, in order,
/// exactly as if the shares had been opened one after the other.
fn open_given(
    shares: &[(&LoadedShare, &Passphrase)],
    stop_at_failure: bool,
    threads: KdfThreads,
) -> Result<Vec<Result<SharePoint, set::SetError>>, Error> {
    let per_job = shares
        .iter()
        .map(|(s, _)| issue::kdf_memory_kib(&s.share().header().kdf))
        .max()
        .unwrap_or(0);
    let workers = parallel::workers(threads, per_job, shares.len());
    let progress = Progress::bar("Deriving keys", shares.len(), || {
        shares
            .first()
            .map(|(s, _)| format!("Deriving the key of {}...", s.describe()))
            .unwrap_or_default()
    });
    let results = parallel::run(
        shares,
        workers,
        &progress,
        |r: &Result<SharePoint, set::SetError>| stop_at_failure && r.is_err(),
        |(share, pass)| set::unlock_one(share, pass),
    )?;
    let mut out = Vec::with_capacity(shares.len());
    for result in results {
        match result {
            Some(r) => {
                let failed = r.is_err();
                out.push(r);
                if failed && stop_at_failure {
                    progress.stop();
                    return Ok(out);
                }
            }
            None => {
                return Err(Error::SelfCheck(
                    "a share was left unopened without an error".into(),
                ));
            }
        }
    }
    progress.done();
    Ok(out)
}

/// Opens each share, in order: with its passphrase-file line (keys derived side by side, see
/// [`open_given`]), or asking at the terminal one share after the other, where each passphrase
/// is checked at once and may be retyped (so nobody retypes because of a later custodian's
/// mistake). Returns one result per share, in order.
/// With `stop_at_failure`, the results end with the first share that fails; at the terminal,
/// nothing is asked or derived after it.
fn open_each(
    shares: &[LoadedShare],
    passphrase_file: Option<&PathBuf>,
    stop_at_failure: bool,
    threads: KdfThreads,
) -> Result<Vec<Result<SharePoint, set::SetError>>, Error> {
    if let Some(list) = passphrase_list(passphrase_file, shares.len())? {
        let pairs: Vec<(&LoadedShare, &Passphrase)> = shares.iter().zip(&list).collect();
        return open_given(&pairs, stop_at_failure, threads);
    }
    let mut results = Vec::with_capacity(shares.len());
    for share in shares {
        let result = open_one(share)?;
        let failed = result.is_err();
        results.push(result);
        if failed && stop_at_failure {
            break;
        }
    }
    Ok(results)
}

fn open_at_terminal(share: &LoadedShare) -> Result<Result<SharePoint, set::SetError>, Error> {
    let mut tries_left = terminal::ATTEMPTS;
    loop {
        let pass = terminal::ask_passphrase(&share.describe())?;
        let progress = Progress::spinner(&format!("Deriving the key of {}...", share.describe()));
        tries_left -= 1;
        let result = set::unlock_one(share, &pass);
        progress.done();
        match result {
            Err(set::SetError::WrongPassphrase { .. }) if tries_left > 0 => {
                terminal::say(&format!(
                    "That passphrase does not open {}; please type it again ({tries_left} {} left).",
                    share.describe(),
                    if tries_left == 1 { "try" } else { "tries" }
                ))
            }
            other => return Ok(other),
        }
    }
}

/// Opens every share and stops at the first failure, which names its share.
fn open_all(
    shares: &[LoadedShare],
    passphrase_file: Option<&PathBuf>,
    threads: KdfThreads,
) -> Result<Vec<SharePoint>, Error> {
    open_each(shares, passphrase_file, true, threads)?
        .into_iter()
        .map(|r| r.map_err(Error::from))
        .collect()
}

/// Reads, validates, unlocks and rebuilds: `recover` does the same steps itself, with its SeedQR
/// check between them.
fn rebuild(
    share_args: &[String],
    passphrase_file: Option<&PathBuf>,
    threads: KdfThreads,
) -> Result<(ShareSet, Secret), Error> {
    let set = set::validate(input::read_shares(share_args)?)?;
    set.require_threshold()?;
    let points = open_all(set.shares(), passphrase_file, threads)?;
    let secret = set.recover(&points)?;
    Ok((set, secret))
}

/// `coldshard recover`.
pub fn recover(args: RecoverArgs) -> Result<(), Error> {
    use crate::seedqr::{self, SeedQrError};
    if args.seedqr.is_some() && args.out.is_none() && !args.reveal {
        return Err(SeedQrError::NoDestination.into());
    }
    if let Some(out) = &args.out {
        output::check_new_file(out)?;
    }
    let record = args.manifest.as_deref().map(manifest::read).transpose()?;
    let set = set::validate(input::read_shares(&args.shares)?)?;
    set.require_threshold()?;
    if let (Some(m), Some(path)) = (&record, &args.manifest) {
        // Before any passphrase: sheets of another (say, retired) set, or an old copy of a
        // re-issued share, are refused, so nothing unexpected is ever shown.
        require_on_manifest(m, path, &set)?;
    }
    if args.seedqr.is_some() {
        // The signed header, the same in every share, says what the secret is: a set that has
        // no SeedQR is refused before any passphrase is asked.
        seedqr::check_words(set.kind(), usize::from(set.header().secret_len))?;
    }
    let points = open_all(
        set.shares(),
        args.passphrase_file.as_ref(),
        KdfThreads::from_arg(args.kdf_threads),
    )?;
    let secret = set.recover(&points)?;
    let indices: Vec<String> = set
        .shares()
        .iter()
        .map(|s| s.share().header().index.to_string())
        .collect();
    let summary = format!(
        "Rebuilt the secret of set {} ({}) from shares {}. Fingerprint: {}\n{}",
        set.set_id(),
        secret.describe(),
        indices.join(", "),
        secret.fingerprint(),
        wallet_line(WalletFingerprint::of(&secret, args.bip39_passphrase)?.as_ref()).trim_end()
    );
    let mut summary = summary.trim_end().to_string();
    if let (Some(m), Some(path)) = (&record, &args.manifest) {
        // The rebuilt secret matched the set key and commitment every share carries, which
        // the signed manifest records too.
        summary.push_str(&format!(
            "\nMatches the manifest '{}' (revision {}): the set key and the commitment agree.",
            path.display(),
            m.body().revision
        ));
    }
    if let Some(form) = args.seedqr {
        // The secret itself is checked again (the header could only say what it claims), and
        // the code is drawn and read back, all before anything is shown or written.
        let words = seedqr::check_words(secret.kind(), secret.payload().len())?;
        let what = seedqr::describe(form, words);
        let passphrase_note = if args.bip39_passphrase {
            " It does not hold the BIP39 passphrase: enter that on the device."
        } else {
            ""
        };
        if let Some(out) = &args.out {
            let png = seedqr::to_png(&secret, form)?;
            output::write_new_file(out, &png)?;
            terminal::stderr_line(&format!(
                "{summary}\nWrote the {what} to '{}' (mode 0600): scan it with the signing device, \
                 then delete the file.{passphrase_note}",
                out.display()
            ));
        } else {
            let drawing = seedqr::to_terminal(&secret, form)?;
            terminal::stderr_line(&summary);
            stdout_write(drawing.as_bytes())?;
            terminal::stderr_line(&format!(
                "{what}: scan it with the signing device, then clear the screen.{passphrase_note}"
            ));
        }
    } else if let Some(out) = &args.out {
        output::write_new_file(out, &secret.render()?)?;
        terminal::stderr_line(&format!(
            "{summary}\nWrote it to '{}' (mode 0600).",
            out.display()
        ));
    } else if args.reveal {
        terminal::stderr_line(&summary);
        stdout_write(&secret.render()?)?;
    } else {
        print(&format!(
            "{summary}\nThe secret was not shown. To see it, run the same command with --reveal; \
             to write it to a new file (mode 0600), add --out FILE.\n"
        ))?;
    }
    Ok(())
}

/// `coldshard verify`: every share is checked on its own; all failures are reported.
pub fn verify(args: VerifyArgs) -> Result<(), Error> {
    let shares = input::read_shares(&args.shares)?;
    set::refuse_duplicates(&shares)?;
    let results = open_each(
        &shares,
        args.passphrase_file.as_ref(),
        false,
        KdfThreads::from_arg(args.kdf_threads),
    )?;
    let ok = results.iter().all(Result::is_ok);
    if args.json {
        let list: Vec<_> = shares
            .iter()
            .zip(&results)
            .map(|(s, r)| {
                let mut v = share_json(s);
                let encrypted = s.share().header().kdf != Kdf::None;
                // "intact": the share passed every format check (it was decoded at all).
                // "passphrase_correct": null where it does not apply or could not be told.
                let correct = match r {
                    Ok(_) if encrypted => json!(true),
                    Err(set::SetError::WrongPassphrase { .. }) => json!(false),
                    _ => serde_json::Value::Null,
                };
                v["intact"] = json!(!matches!(r, Err(set::SetError::Altered { .. })));
                // Every share read has had its signature checked (decoding refuses others).
                v["authentic"] = json!(true);
                v["encrypted"] = json!(encrypted);
                v["passphrase_correct"] = correct;
                v["ok"] = json!(r.is_ok());
                v["error"] = json!(r.as_ref().err().map(ToString::to_string));
                v
            })
            .collect();
        print(&format!("{}\n", json!({ "ok": ok, "shares": list })))?;
    } else if ok {
        let mut text = String::new();
        for s in &shares {
            let h = s.share().header();
            let pass = match h.kdf {
                Kdf::None => "not encrypted (no passphrase)",
                Kdf::Argon2id(_) => "passphrase correct",
            };
            text.push_str(&format!(
                "OK  {}: authentic share of set {}, any {} of {} rebuild; intact, {pass}.\n",
                s.describe(),
                h.set_id,
                h.threshold.get(),
                h.count.get()
            ));
        }
        print(&text)?;
    }
    let failures: Vec<set::SetError> = results.into_iter().filter_map(Result::err).collect();
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Error::Several(failures))
    }
}

fn share_json(s: &LoadedShare) -> serde_json::Value {
    let h = s.share().header();
    let kdf = match h.kdf {
        Kdf::None => json!({ "algorithm": "none" }),
        Kdf::Argon2id(p) => json!({
            "algorithm": "argon2id",
            "memory_kib": p.memory_kib(),
            "iterations": p.iterations(),
            "lanes": p.lanes(),
        }),
    };
    json!({
        "file": s.arg,
        "format_version": crate::format::VERSION,
        "set_id": h.set_id.to_string(),
        "index": h.index.get(),
        "count": h.count.get(),
        "threshold": h.threshold.get(),
        "label": s.armored.label.as_ref().map(Label::as_str),
        "secret_kind": h.kind.name(),
        "secret_length": h.secret_len,
        "kdf": kdf,
    })
}

/// `coldshard inspect`.
pub fn inspect(args: InspectArgs) -> Result<(), Error> {
    let shares = input::read_shares(&args.shares)?;
    if args.json {
        let list: Vec<_> = shares.iter().map(share_json).collect();
        return print(&format!("{}\n", json!({ "shares": list })));
    }
    let mut text = String::new();
    for s in &shares {
        let h = s.share().header();
        text.push_str(&format!(
            "{}\n  Set:        {}\n  Share:      {} (any {} rebuild the secret)\n  Label:      {}\n  Secret:     {}\n  Encryption: {}\n  Format:     coldshard share v{}\n",
            s.name,
            h.set_id,
            if h.index.get() > h.count.get() {
                format!("{}, added after the split into {}", h.index.get(), h.count.get())
            } else {
                format!("{} of {}", h.index.get(), h.count.get())
            },
            h.threshold.get(),
            s.armored.label.as_ref().map(Label::as_str).unwrap_or("(none)"),
            h.kind.describe(usize::from(h.secret_len)),
            match h.kdf {
                Kdf::None => kdf_text(&h.kdf),
                Kdf::Argon2id(_) => format!("{}, XChaCha20-Poly1305", kdf_text(&h.kdf)),
            },
            crate::format::VERSION,
        ));
        if args.qr {
            let compact = crate::armor::encode_compact(s.share());
            let qr = crate::qr::QrMatrix::encode(&compact, crate::qr::Ecc::Q)?;
            text.push_str(&qr.to_terminal());
        }
    }
    print(&text)
}

/// Whether a file listed in a manifest is in the manifest's folder and matches its record.
enum FileCheck {
    Matches,
    Missing,
    /// Present but not what was written: says why.
    Bad(String),
}

/// The largest listed file hashed (sheets and images are far smaller).
const MAX_LISTED_FILE: u64 = 64 * 1024 * 1024;

fn check_listed_file(folder: &Path, name: &str, sha256: &str) -> FileCheck {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let path = folder.join(name);
    // Not followed: a listed name must be a plain file, not a link, FIFO or device.
    match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return FileCheck::Missing,
        Err(e) => return FileCheck::Bad(format!("cannot be read ({e})")),
        Ok(m) if !m.file_type().is_file() => {
            return FileCheck::Bad("is not a regular file".into());
        }
        Ok(m) if m.len() > MAX_LISTED_FILE => {
            return FileCheck::Bad("is far larger than any file coldshard writes".into());
        }
        Ok(_) => {}
    }
    let mut file = match std::fs::File::open(&path) {
        Ok(f) => f.take(MAX_LISTED_FILE + 1),
        Err(e) => return FileCheck::Bad(format!("cannot be read ({e})")),
    };
    // Streamed: listed files are public (shares, later sheets and images).
    let mut hasher = Sha256::new();
    let mut buf = [0u8; 64 * 1024];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(buf.get(..n).unwrap_or_default()),
            Err(e) => return FileCheck::Bad(format!("cannot be read ({e})")),
        }
    }
    if hex::encode(hasher.finalize()) == sha256 {
        FileCheck::Matches
    } else {
        FileCheck::Bad("differs from the file written".into())
    }
}

/// `coldshard manifest verify`: the signature, then the listed files found beside it.
pub fn manifest_verify(args: ManifestVerifyArgs) -> Result<(), Error> {
    let m = manifest::read(&args.manifest)?;
    let shown = args.manifest.display().to_string();
    let folder = match args.manifest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let b = m.body();
    let mut first_difference = None;
    let mut lines = String::new();
    let mut files_json = Vec::new();
    for share in &b.shares {
        for f in &share.files {
            let check = check_listed_file(&folder, &f.name, &f.sha256);
            let status = match &check {
                FileCheck::Matches => "present, SHA-256 matches".to_string(),
                FileCheck::Missing => "not in this folder".to_string(),
                FileCheck::Bad(problem) => format!("BAD: {problem}"),
            };
            if let (FileCheck::Bad(problem), None) = (&check, &first_difference) {
                first_difference = Some(manifest::ManifestError::FileProblem {
                    path: shown.clone(),
                    file: folder.join(&f.name).display().to_string(),
                    index: share.index,
                    problem: problem.clone(),
                });
            }
            let label = share
                .label
                .as_deref()
                .map(|l| format!(" ({l})"))
                .unwrap_or_default();
            lines.push_str(&format!(
                "  share {}{label}, issued {}: {}: {status}\n",
                share.index, share.issued, f.name
            ));
            files_json.push(json!({
                "index": share.index,
                "name": f.name,
                "status": match check {
                    FileCheck::Matches => "matches",
                    FileCheck::Missing => "missing",
                    FileCheck::Bad(_) => "bad",
                },
            }));
        }
    }
    if args.json {
        // A struct, not json!, so that the manifest keeps its documented member order.
        #[derive(serde::Serialize)]
        struct Output<'a> {
            ok: bool,
            authentic: bool,
            manifest: &'a manifest::Body,
            files: Vec<serde_json::Value>,
        }
        let out = Output {
            ok: first_difference.is_none(),
            authentic: true,
            manifest: b,
            files: files_json,
        };
        print(&format!(
            "{}\n",
            serde_json::to_string(&out).map_err(|e| Error::Stdout(e.to_string()))?
        ))?;
    } else {
        let secret = &b.secret;
        let wallet = secret
            .bip32_fingerprint
            .as_deref()
            .map(|f| {
                format!(
                    "; BIP32 master fingerprint {f} ({})",
                    if secret.bip32_with_passphrase {
                        "with a BIP39 passphrase"
                    } else {
                        "without BIP39 passphrase"
                    }
                )
            })
            .unwrap_or_default();
        print(&format!(
            "{} {shown}: genuine manifest of set {}, signed by the set key.\n\
             Set:        any {} of {} shares rebuild the secret; {} share{} on record\n\
             Made:       {} by {}; revision {}, updated {}\n\
             Secret:     {}, fingerprint {}{wallet}\n\
             Key derivation: {}\n\
             Files:\n{lines}",
            if first_difference.is_none() {
                "OK "
            } else {
                "BAD"
            },
            b.set_id,
            b.threshold,
            b.count,
            b.shares.len(),
            if b.shares.len() == 1 { "" } else { "s" },
            b.created,
            b.tool,
            b.revision,
            b.updated,
            SecretKind::from_name(&secret.kind)
                .map(|k| k.describe(usize::from(secret.length)))
                .unwrap_or_else(|| secret.kind.clone()),
            secret.fingerprint,
            kdf_text(&m.kdf()),
        ))?;
    }
    match first_difference {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// `coldshard drill`: every share checked and the secret rebuilt in memory against the manifest.
pub fn drill(args: DrillArgs) -> Result<(), Error> {
    if let Some(out) = &args.report {
        output::check_new_file(out)?;
    }
    let manifest = manifest::read(&args.manifest)?;
    let need = manifest.body().threshold;
    if args.shares.len() < usize::from(need) {
        return Err(set::SetError::TooFew {
            set: manifest.set_id(),
            have: args.shares.len(),
            need,
            given: args.shares.iter().map(|a| format!("'{a}'")).collect(),
        }
        .into());
    }
    if args.shares.iter().filter(|a| *a == "-").count() > 1 {
        return Err(input::InputError::StdinTwice.into());
    }
    // Each share is read on its own: a damaged or forged share is a FAIL, not the end.
    let mut presented: Vec<drill::Presented> = args
        .shares
        .iter()
        .map(|arg| drill::Presented {
            arg: arg.clone(),
            // The report's line already names the share: keep only what is wrong with it.
            share: input::read_shares(std::slice::from_ref(arg))
                .map_err(|e| match e {
                    input::InputError::Share { source, .. } => source.to_string(),
                    other => other.to_string(),
                })
                .and_then(|v| v.into_iter().next().ok_or_else(|| "no share".into())),
            failure: None,
            point: None,
        })
        .collect();
    let readable: Vec<LoadedShare> = presented
        .iter()
        .filter_map(|p| p.share.as_ref().ok().cloned())
        .collect();
    set::refuse_duplicates(&readable)?;
    if !readable.is_empty()
        && readable
            .iter()
            .all(|s| s.share().header().set_id != manifest.set_id())
    {
        let share_set = readable
            .first()
            .map(|s| s.share().header().set_id)
            .unwrap_or(manifest.set_id());
        return Err(manifest::ManifestError::OtherSet {
            path: args.manifest.display().to_string(),
            manifest_set: manifest.set_id().to_string(),
            share_set,
            shares: readable
                .iter()
                .map(LoadedShare::describe)
                .collect::<Vec<_>>()
                .join(", "),
        }
        .into());
    }
    // An original and its re-issued copy given together: one index, two sheets.
    let of_set: Vec<LoadedShare> = readable
        .into_iter()
        .filter(|s| s.share().header().set_id == manifest.set_id())
        .collect();
    set::refuse_conflicts(&of_set)?;
    drill::check_against_manifest(&mut presented, &manifest);
    let list = passphrase_list(args.passphrase_file.as_ref(), presented.len())?;
    // The shares still in the running, with their passphrase-file lines if there is a file.
    let eligible: Vec<(usize, &LoadedShare, Option<&Passphrase>)> = presented
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            p.eligible()
                .map(|s| (i, s, list.as_ref().and_then(|l| l.get(i))))
        })
        .collect();
    let opened = match list.as_ref() {
        // Every share is checked, so none stops the others: derived side by side.
        Some(_) => {
            let pairs: Vec<(&LoadedShare, &Passphrase)> = eligible
                .iter()
                .filter_map(|(_, s, pass)| pass.map(|p| (*s, p)))
                .collect();
            if pairs.len() != eligible.len() {
                return Err(Error::Usage(
                    "the passphrase file has no line for a share".into(),
                ));
            }
            open_given(&pairs, false, KdfThreads::from_arg(args.kdf_threads))?
        }
        None => eligible
            .iter()
            .map(|(_, s, _)| open_one(s))
            .collect::<Result<Vec<_>, Error>>()?,
    };
    let outcomes: Vec<(usize, String, Result<SharePoint, set::SetError>)> = eligible
        .iter()
        .map(|(i, s, _)| (*i, s.describe()))
        .zip(opened)
        .map(|((i, described), r)| (i, described, r))
        .collect();
    for (i, described, result) in outcomes {
        let Some(p) = presented.get_mut(i) else {
            continue;
        };
        match result {
            Ok(point) => p.point = Some(point),
            Err(e) => {
                let text = e.to_string();
                let prefix = format!("{described}: ");
                p.failure = Some(text.strip_prefix(&prefix).unwrap_or(&text).to_string());
            }
        }
    }
    let verdict = drill::rebuild(&mut presented, &manifest);
    drop(list);
    let report = drill::Report::new(
        &manifest,
        &args.manifest.display().to_string(),
        &presented,
        &verdict,
    )?;
    drop(presented);
    // The verdicts first: a report that cannot be written must not hide them.
    print(&report.render())?;
    if let Some(path) = &args.report {
        let bytes = report.to_json();
        output::write_new_file(path, &bytes)?;
        print(&format!(
            "Report: '{}', SHA-256 {}\n  (copy the SHA-256 onto the paper log; 'sha256sum' shows the same)\n",
            path.display(),
            manifest::sha256_hex(&bytes)
        ))?;
    }
    if report.passed() {
        Ok(())
    } else {
        let failed = report.shares.iter().filter(|s| s.reason.is_some()).count();
        Err(Error::DrillFailed(match (&report.reason, failed) {
            (Some(r), _) => r.clone(),
            (None, n) => format!(
                "{n} of the {} shares presented failed their checks",
                report.shares.len()
            ),
        }))
    }
}

/// The indices `reissue` makes: the one asked for (it must be on record), or `add` new ones
/// after the highest index on record.
fn reissue_targets(args: &ReissueArgs, m: &manifest::Manifest) -> Result<Vec<ShareIndex>, Error> {
    match (args.index, args.add) {
        (Some(i), _) => {
            if m.share(i).is_none() {
                return Err(Error::Usage(format!(
                    "the manifest lists no share {i}; to add shares to the set, use --add"
                )));
            }
            Ok(ShareIndex::new(i).into_iter().collect())
        }
        (None, Some(k)) => {
            let highest = m.body().shares.iter().map(|s| s.index).max().unwrap_or(0);
            let first = u16::from(highest) + 1;
            let last = first + u16::from(k) - 1;
            if last > 255 {
                return Err(Error::Usage(format!(
                    "a set holds at most 255 shares; {highest} are on record, so at most {} can be added",
                    255 - u16::from(highest)
                )));
            }
            Ok((first..=last)
                .filter_map(|x| u8::try_from(x).ok().and_then(ShareIndex::new))
                .collect())
        }
        (None, None) => Err(Error::Usage("give --index I or --add K".into())),
    }
}

/// Refuses shares that are not all of the manifest's set, or not the shares it records for
/// their indices (an old copy of a re-issued share). Needs no passphrase.
fn require_on_manifest(
    m: &manifest::Manifest,
    path: &std::path::Path,
    set: &set::ShareSet,
) -> Result<(), Error> {
    if !m.matches(set.header()) {
        return Err(manifest::ManifestError::OtherSet {
            path: path.display().to_string(),
            manifest_set: m.set_id().to_string(),
            share_set: set.set_id(),
            shares: set
                .shares()
                .iter()
                .map(LoadedShare::describe)
                .collect::<Vec<_>>()
                .join(", "),
        }
        .into());
    }
    let shown = path.display().to_string();
    for share in set.shares() {
        m.require_on_record(share, &shown)?;
    }
    Ok(())
}

/// `coldshard reissue`: T shares rebuild the set in memory; new shares are dealt on the same
/// polynomials and signed with the set key; a new manifest revision records them.
pub fn reissue(args: ReissueArgs) -> Result<(), Error> {
    output::check_target_free(&args.out)?;
    let m = manifest::read(&args.manifest)?;
    let set = set::validate(input::read_shares(&args.shares)?)?;
    require_on_manifest(&m, &args.manifest, &set)?;
    clean_leftovers(&args.out);
    let targets = reissue_targets(&args, &m)?;
    if !args.labels.is_empty() && args.labels.len() != targets.len() {
        return Err(Error::Usage(format!(
            "{} labels were given for {} new share{}; give one --label per new share, or none",
            args.labels.len(),
            targets.len(),
            if targets.len() == 1 { "" } else { "s" }
        )));
    }
    let mut labels = Vec::with_capacity(targets.len());
    for (i, x) in targets.iter().enumerate() {
        labels.push(match args.labels.get(i) {
            Some(l) => Some(
                Label::new(l)
                    .map_err(|e| Error::Usage(format!("--label '{}': {e}", l.escape_debug())))?,
            ),
            None => m
                .share(x.get())
                .and_then(|r| r.label.as_deref())
                .and_then(|l| Label::new(l).ok()),
        });
    }
    let kdf = m.kdf();
    if kdf == Kdf::None && (args.new_passphrase_file.is_some() || args.generate_passphrases) {
        return Err(Error::Usage(
            "the shares of this set are not encrypted, so the new ones take no passphrase".into(),
        ));
    }
    if args.generate_passphrases && !terminal::has_terminal() {
        return Err(Error::Usage(
            "--generate-passphrases shows each passphrase on the terminal, and there is none; use --new-passphrase-file".into(),
        ));
    }
    set.require_threshold()?;
    let threads = KdfThreads::from_arg(args.kdf_threads);
    let points = open_all(set.shares(), args.passphrase_file.as_ref(), threads)?;
    let (secret, set_key) = set.recover_with_key(&points)?;
    let threshold = set.threshold();
    let describe = |i: usize| {
        let x = targets.get(i).map(|x| x.get()).unwrap_or(0);
        let base = if x > m.body().count {
            if args.index.is_some() {
                format!("share {x} (added)")
            } else {
                format!("new share {x}")
            }
        } else {
            format!("share {x} of {}", m.body().count)
        };
        match labels.get(i).and_then(Option::as_ref) {
            Some(l) => format!("{base} ({l})"),
            None => base,
        }
    };
    let passphrases: Vec<Passphrase> = if kdf == Kdf::None {
        targets.iter().map(|_| Passphrase::empty()).collect()
    } else if let Some(path) = &args.new_passphrase_file {
        let list = passphrase::read_file(path, targets.len())?;
        if list.len() > 1
            && list
                .iter()
                .all(|p| list.first().is_some_and(|q| p.same_as(q)))
        {
            warn(
                "one passphrase for every new share: each new custodian then knows the others' passphrase",
            );
        }
        list
    } else if args.generate_passphrases {
        targets
            .iter()
            .map(|_| passphrase::generate().map_err(Error::from))
            .collect::<Result<_, _>>()?
    } else {
        (0..targets.len())
            .map(|i| terminal::ask_new_passphrase(&describe(i)).map_err(Error::from))
            .collect::<Result<_, _>>()?
    };
    let mut new = Vec::with_capacity(targets.len());
    for ((x, label), passphrase) in targets.iter().zip(&labels).zip(&passphrases) {
        new.push(NewShare {
            point: shamir::evaluate_at(&points, threshold, *x).map_err(Error::Split)?,
            passphrase,
            label: label.clone(),
        });
    }
    let template = ShareHeader {
        kdf,
        ..set.header().clone()
    };
    let sealed = issue::seal(
        &template,
        &new,
        &set_key,
        issue::Artifacts {
            ecc: args.qr_ecc,
            paper: args.paper,
        },
        threads,
    )?;
    drop(new);
    let dealt = set::dealt_value(&secret, &set_key);
    let pass_refs: Vec<&Passphrase> = passphrases.iter().collect();
    let show_generated = || {
        if args.generate_passphrases {
            for (i, pass) in passphrases.iter().enumerate() {
                terminal::show_once(&describe(i), pass)?;
            }
            terminal::say("All passphrases were shown once and cleared from the screen.");
        }
        Ok(())
    };
    let dir = issue::write_checked(
        &args.out,
        &sealed,
        &pass_refs,
        |records| Ok(m.next_revision(records, &set_key)?),
        |new_points| issue::check_new_points(new_points, &points, threshold, &dealt),
        show_generated,
        threads,
    )?;
    let mut text = String::new();
    if args.index.is_some() {
        text.push_str(&format!(
            "Re-issued {} of set {}: the same share value as before{}.\n\
             The old sheet of this share still works{}: recover and destroy it if you can.\n",
            describe(0),
            set.set_id(),
            if kdf == Kdf::None {
                ""
            } else {
                ", under a new passphrase"
            },
            if kdf == Kdf::None {
                ""
            } else {
                " with its old passphrase"
            }
        ));
    } else {
        let list: Vec<String> = targets.iter().map(ShareIndex::to_string).collect();
        text.push_str(&format!(
            "Added share{} {} to set {}: any {} shares of the set still rebuild the secret.\n",
            if targets.len() == 1 { "" } else { "s" },
            list.join(", "),
            set.set_id(),
            threshold.get()
        ));
    }
    text.push_str(&format!(
        "Checked:     every new file read back and decrypted; each new share rebuilds the secret with {} of the shares given.\n\
         Manifest:    revision {} replaces the one given; keep it with the set's records.\n\
         Files in '{}':\n",
        threshold.get() - 1,
        m.body().revision.saturating_add(1),
        dir.display()
    ));
    for (i, s) in sealed.iter().enumerate() {
        let label = labels
            .get(i)
            .and_then(Option::as_ref)
            .map(|l| format!("  ({l})"))
            .unwrap_or_default();
        let base = s.text_file();
        let base = base.strip_suffix(".txt").unwrap_or(base);
        text.push_str(&format!(
            "  {base}  {}{label}\n",
            issue::EXTENSIONS.map(|e| format!(".{e}")).join(" ")
        ));
    }
    text.push_str(&format!("  {}\n", manifest::FILE_NAME));
    print(&text)
}

/// `coldshard demo`: split the demo mnemonic 3-of-5, recover from three shares, verify all.
pub fn demo(args: DemoArgs) -> Result<(), Error> {
    if let Some(dir) = &args.out {
        output::check_target_free(dir)?;
    }
    // Printed before anything is made: with nobody reading, the demo leaves nothing behind.
    print(&format!(
        "coldshard demo: the official BIP39 test mnemonic \"void come effort ... involve unfold\" (24 words).\n\
         The demo uses a LOW key-derivation cost (Argon2id, 8 MiB, 1 pass) to run in seconds;\n\
         real splits use {}.\n\n",
        kdf_text(&Kdf::Argon2id(Argon2Params::DEFAULT))
    ))?;
    let dir = match args.out {
        Some(dir) => {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&dir)
                .map_err(|e| output::OutputError::Io {
                    path: dir.display().to_string(),
                    reason: e.to_string(),
                })?;
            dir
        }
        None => tempfile::Builder::new()
            .prefix("coldshard-demo-")
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir()
            .map_err(|e| output::OutputError::Io {
                path: std::env::temp_dir().display().to_string(),
                reason: e.to_string(),
            })?
            .keep(),
    };
    let secret = Secret::parse(DEMO_MNEMONIC.as_bytes(), InputFormat::Bip39)?;
    let kdf =
        Kdf::Argon2id(Argon2Params::new(8 * 1024, 1, 1).map_err(|e| Error::Usage(e.to_string()))?);
    let names = ["alice", "bob", "carol", "dave", "erin"];
    let plan = SplitPlan {
        threshold: Threshold::new(3).ok_or_else(|| Error::Usage("threshold".into()))?,
        count: ShareCount::new(5).ok_or_else(|| Error::Usage("count".into()))?,
        kdf,
        labels: names.iter().map(|n| Label::new(n).ok()).collect(),
        artifacts: issue::Artifacts {
            ecc: crate::qr::Ecc::Q,
            paper: crate::sheet::Paper::A4,
        },
    };
    let pass_texts: Vec<String> = names
        .iter()
        .map(|n| format!("demo passphrase of {n}"))
        .collect();
    let passphrases: Vec<Passphrase> = pass_texts.iter().map(|p| Passphrase::new(p)).collect();
    let shares_dir = dir.join("shares");
    let wallet = WalletFingerprint::of(&secret, false)?;
    let (set_id, shares_dir) = split_into(
        &shares_dir,
        &secret,
        &plan,
        &passphrases,
        wallet.as_ref(),
        || Ok(()),
        KdfThreads::Auto,
    )?;
    print(&format!(
        "1. split: 3-of-5 set {set_id} written to '{}', every file read back and every 3-subset checked.\n",
        shares_dir.display()
    ))?;
    let pass_file = dir.join("demo-passphrases.txt");
    output::write_new_file(
        &pass_file,
        format!("{}\n", pass_texts.join("\n")).as_bytes(),
    )?;

    let file = |i: usize| {
        shares_dir
            .join(plan.file_name(i))
            .to_string_lossy()
            .into_owned()
    };
    let chosen = [file(0), file(2), file(4)];
    let pick_file = dir.join("demo-passphrases-1-3-5.txt");
    output::write_new_file(
        &pick_file,
        format!("{}\n{}\n{}\n", pass_texts[0], pass_texts[2], pass_texts[4]).as_bytes(),
    )?;
    let (_, rebuilt) = rebuild(&chosen, Some(&pick_file), KdfThreads::Auto)?;
    if rebuilt.render()? != secret.render()? {
        return Err(Error::SelfCheck(
            "the demo recovered a different mnemonic".into(),
        ));
    }
    let all: Vec<String> = (0..5).map(file).collect();
    open_all(
        &input::read_shares(&all)?,
        Some(&pass_file),
        KdfThreads::Auto,
    )?;
    print(&format!(
        "2. recover: shares 1, 3 and 5 rebuilt the mnemonic exactly (fingerprint {}).\n\
         3. verify: all five shares are intact and open with their passphrases.\n\
         4. drill: shares 1, 3 and 5 against the signed manifest, report written:\n\n",
        rebuilt.fingerprint(),
    ))?;
    let manifest_file = shares_dir.join(manifest::FILE_NAME);
    drill(DrillArgs {
        manifest: manifest_file.clone(),
        shares: chosen.to_vec(),
        passphrase_file: Some(pick_file.clone()),
        report: Some(dir.join("drill-report.json")),
        kdf_threads: None,
    })?;
    print(&format!(
        "\nFiles are in '{}'. Try:\n\
         \x20 coldshard inspect {}\n\
         \x20 coldshard verify {}/share-*-of-5.txt --passphrase-file {}\n\
         \x20 coldshard manifest verify {}\n\
         \x20 coldshard recover {} {} {} --passphrase-file {} --reveal\n",
        dir.display(),
        file(1),
        shares_dir.display(),
        pass_file.display(),
        manifest_file.display(),
        chosen[0],
        chosen[1],
        chosen[2],
        pick_file.display()
    ))
}

/// `coldshard completions SHELL`.
pub fn completions(shell: clap_complete::Shell) -> Result<(), Error> {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "coldshard", &mut buf);
    stdout_write(&buf)
}

/// `coldshard man [COMMAND]`: the page of coldshard, or of one command (`coldshard-split`).
pub fn man(command: Option<String>) -> Result<(), Error> {
    let top = <Cli as clap::CommandFactory>::command();
    let page = match command {
        None => top,
        Some(name) => top
            .find_subcommand(&name)
            .cloned()
            .map(|sub| {
                sub.name(format!("coldshard-{name}"))
                    .version(env!("CARGO_PKG_VERSION"))
            })
            .ok_or_else(|| Error::Usage(format!("there is no command '{name}'")))?,
    };
    let mut buf = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut buf)
        .map_err(|e| Error::Stdout(e.to_string()))?;
    stdout_write(&buf)
}

/// `coldshard transcript append`: one line added to the ceremony transcript; prints its hash.
pub fn transcript_append(args: TranscriptAppendArgs) -> Result<(), Error> {
    let note = args.note.as_deref().unwrap_or_default();
    // Every value is checked before any artifact is read or the transcript is opened.
    let unhashed = args
        .artifacts
        .iter()
        .map(|name| transcript::Artifact {
            name: name.clone(),
            sha256: transcript::ZERO_HASH.into(),
        })
        .collect();
    transcript::Entry::new(&args.step, &args.actor, &args.result, unhashed, note)?;
    let artifacts = args
        .artifacts
        .iter()
        .map(|name| transcript::hash_artifact(name))
        .collect::<Result<Vec<_>, _>>()?;
    let entry = transcript::Entry::new(&args.step, &args.actor, &args.result, artifacts, note)?;
    let time = manifest::now()?;
    let hash = transcript::append(&args.transcript, &entry, &time)?;
    print(&format!("{hash}\n"))
}

/// `coldshard transcript verify`: the whole chain, and the final hash against `--expect`.
pub fn transcript_verify(args: TranscriptVerifyArgs) -> Result<(), Error> {
    let shown = transcript::shown(&args.transcript);
    let bytes = transcript::read(&args.transcript)?;
    let (verified, problem) = match transcript::verify(&bytes, &shown) {
        Ok(v) => {
            let mismatch = args
                .expect
                .as_deref()
                .and_then(|expected| v.expect(expected, &shown).err());
            (Some(v), mismatch)
        }
        // A line that is not intact is a finding, reported like a result.
        Err(
            e @ (TranscriptError::Malformed { .. }
            | TranscriptError::Sequence { .. }
            | TranscriptError::BrokenChain { .. }),
        ) => (None, Some(e)),
        // A file that cannot be checked at all: exit 2, no result.
        Err(e) => return Err(e.into()),
    };
    let status = match (&verified, &problem) {
        (_, None) => "ok",
        (Some(_), Some(_)) => "mismatch",
        (None, Some(_)) => "broken",
    };
    if args.json {
        // A struct, not json!, so that the members keep their documented order.
        #[derive(serde::Serialize)]
        struct Output<'a> {
            file: String,
            status: &'a str,
            lines: usize,
            final_sha256: Option<String>,
            expected_sha256: Option<&'a str>,
            line: Option<usize>,
            reason: Option<String>,
        }
        let out = Output {
            file: args.transcript.display().to_string(),
            status,
            lines: verified
                .as_ref()
                .map_or_else(|| transcript::count_lines(&bytes), |v| v.lines()),
            final_sha256: verified.as_ref().map(|v| v.final_hash()),
            expected_sha256: args.expect.as_deref(),
            line: problem.as_ref().and_then(|e| e.line()),
            reason: problem.as_ref().map(ToString::to_string),
        };
        print(&format!(
            "{}\n",
            serde_json::to_string(&out).map_err(|e| Error::Stdout(e.to_string()))?
        ))?;
    }
    if let Some(e) = problem {
        return Err(e.into());
    }
    if !args.json
        && let Some(v) = verified
    {
        let n = v.lines();
        print(&format!(
            "transcript '{shown}': {n} line{}, chain intact. Final hash: {}\n{}\n",
            if n == 1 { "" } else { "s" },
            v.final_hash(),
            if args.expect.is_some() {
                "It matches the hash written on paper (--expect)."
            } else {
                "Compare it with the hash written on paper at the ceremony: only that comparison shows that no line was cut from the end and that the file was not rewritten as a whole."
            }
        ))?;
    }
    Ok(())
}
