//! One function per command: read inputs, call the library layers, write outputs.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde_json::json;
use zeroize::Zeroizing;

use crate::armor::{self, Label};
use crate::cli::{Cli, DemoArgs, GenerateArgs, InspectArgs, RecoverArgs, SplitArgs, VerifyArgs};
use crate::crypto::{self, Argon2Params, Kdf, NONCE_LEN, SALT_LEN, SetKey, WEAK_MEMORY_KIB};
use crate::error::Error;
use crate::format::{EncryptedShare, SetId, ShareHeader};
use crate::input::{self, LoadedShare};
use crate::output::{self, PendingFolder};
use crate::passphrase::{self, Passphrase};
use crate::secret::{InputFormat, MAX_INPUT_LEN, Secret};
use crate::set::{self, ShareSet};
use crate::shamir::{self, ShareCount, SharePoint, Threshold};
use crate::terminal;

/// The official BIP39 test mnemonic the demo splits (english vector, entropy f585c1...8f).
pub const DEMO_MNEMONIC: &str = "void come effort suffer camp survey warrior heavy shoot primary clutch crush open amazing screen patrol group space point ten exist slush involve unfold";

fn warn(msg: &str) {
    terminal::stderr_line(&format!("warning: {msg}"));
}

/// Progress on stderr, only when a person is watching.
fn progress(msg: &str) {
    if terminal::stderr_is_terminal() {
        terminal::stderr_line(msg);
    }
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

/// Everything `split` needs besides the secret and the passphrases.
struct SplitPlan {
    threshold: Threshold,
    count: ShareCount,
    kdf: Kdf,
    labels: Vec<Option<Label>>,
}

impl SplitPlan {
    fn file_name(&self, i: usize) -> String {
        format!("share-{}-of-{}.txt", i + 1, self.count.get())
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

fn random<const N: usize>() -> Result<[u8; N], Error> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b)
        .map_err(|e| Error::Split(shamir::ShamirError::Random(e.to_string())))?;
    Ok(b)
}

/// Splits, encrypts, writes into a temporary folder, reads everything back, checks every
/// T-subset, and only then renames the folder into place.
/// `before_commit` runs after every check and before the folder appears (split shows the
/// generated passphrases there, so that a set never exists whose passphrases were not shown).
fn split_into(
    out: &Path,
    secret: &Secret,
    plan: &SplitPlan,
    passphrases: &[Passphrase],
    before_commit: impl FnOnce() -> Result<(), Error>,
) -> Result<(SetId, PathBuf), Error> {
    // The set key signs every share; its seed is split along with the secret (docs/FORMAT.md).
    let set_key = SetKey::generate().map_err(|e| match e {
        crypto::CryptoError::Random(reason) => Error::Random(reason),
        other => Error::Encode(crate::format::FormatError::Invalid(other.to_string())),
    })?;
    let public_key = set_key.public_key();
    let set_id = SetId::of_public_key(&public_key);
    let commitment = crypto::commitment(set_key.seed(), secret.kind().code(), secret.payload());
    let dealt = set::dealt_value(secret, &set_key);
    let points = shamir::split(&dealt, plan.threshold, plan.count).map_err(Error::Split)?;
    let secret_len = u16::try_from(secret.payload().len())
        .map_err(|_| Error::Usage("secret too long".into()))?;
    let mut texts = Vec::with_capacity(points.len());
    for (i, (point, pass)) in points.iter().zip(passphrases).enumerate() {
        progress(&format!(
            "Encrypting share {} of {}...",
            i + 1,
            plan.count.get()
        ));
        let header = ShareHeader {
            set_id,
            index: point.index(),
            threshold: plan.threshold,
            count: plan.count,
            kind: secret.kind(),
            secret_len,
            kdf: plan.kdf,
            salt: if plan.kdf == Kdf::None {
                [0; SALT_LEN]
            } else {
                random::<SALT_LEN>()?
            },
            nonce: random::<NONCE_LEN>()?,
            set_key: public_key,
            commitment,
        };
        let share = EncryptedShare::seal(header, point, pass, &set_key).map_err(Error::Encode)?;
        let label = plan.labels.get(i).and_then(Option::as_ref);
        let text = armor::encode(&share, label);
        texts.push((share, text));
    }
    drop(points);

    let pending = PendingFolder::create(out)?;
    let mut written = Vec::with_capacity(texts.len());
    for (i, (_, text)) in texts.iter().enumerate() {
        written.push(pending.write(&plan.file_name(i), text.as_bytes())?);
    }

    // Read back from disk, decrypt with the passphrase given, and rebuild from every T-subset.
    let mut reread = Vec::with_capacity(written.len());
    for (i, ((share, _), path)) in texts.iter().zip(&written).enumerate() {
        progress(&format!(
            "Checking share {} of {} from disk...",
            i + 1,
            plan.count.get()
        ));
        let name = plan.file_name(i);
        let bytes = output::read_back(path, input::MAX_SHARE_FILE)?;
        let back = armor::decode(&bytes).map_err(|e| Error::SelfCheck(format!("{name}: {e}")))?;
        if back.share != *share
            || back.label.as_ref() != plan.labels.get(i).and_then(Option::as_ref)
        {
            return Err(Error::SelfCheck(format!(
                "{name} differs from what was written"
            )));
        }
        let point = back
            .share
            .open(
                passphrases
                    .get(i)
                    .ok_or_else(|| Error::SelfCheck("passphrase missing".into()))?,
            )
            .map_err(|e| Error::SelfCheck(format!("{name}: {e}")))?;
        reread.push(point);
    }
    shamir::check_every_subset(&reread, plan.threshold, &dealt)
        .map_err(|e| Error::SelfCheck(e.to_string()))?;
    before_commit()?;
    let dir = pending.commit()?;
    Ok((set_id, dir))
}

fn kdf_text(kdf: &Kdf) -> String {
    match kdf {
        Kdf::None => "none (shares are not encrypted)".into(),
        Kdf::Argon2id(p) => format!(
            "Argon2id, {} MiB, {} pass{}, {} lane{}",
            p.memory_kib() / 1024,
            p.iterations(),
            if p.iterations() == 1 { "" } else { "es" },
            p.lanes(),
            if p.lanes() == 1 { "" } else { "s" }
        ),
    }
}

/// "Wallet:      BIP32 master fingerprint 73c5da0a (...)\n" for a BIP39 secret, else empty.
/// With `ask`, the BIP39 passphrase ("25th word") is asked at the terminal (hidden).
fn wallet_fingerprint_line(secret: &Secret, ask: bool) -> Result<String, Error> {
    if secret.kind() != crate::secret::SecretKind::Bip39 {
        return Ok(String::new());
    }
    let passphrase = if ask {
        terminal::prompt_hidden(
            "BIP39 passphrase (typing is hidden): ",
            "the BIP39 passphrase",
        )?
    } else {
        Zeroizing::new(String::new())
    };
    let which = if ask {
        "with the BIP39 passphrase given"
    } else {
        "without BIP39 passphrase"
    };
    Ok(secret
        .bip32_fingerprint(&passphrase)
        .map(|f| format!("Wallet:      BIP32 master fingerprint {f} ({which})\n"))
        .unwrap_or_default())
}

/// `coldshard split`.
pub fn split(args: SplitArgs) -> Result<(), Error> {
    let plan = plan_from_args(&args)?;
    output::check_target_free(&args.out)?;
    for stale in output::leftover_staging(&args.out) {
        warn(&format!(
            "'{}' was left by an interrupted split and may hold a complete set of shares; delete it once you are sure no split is running",
            stale.display()
        ));
    }
    if args.generate_passphrases && !terminal::has_terminal() {
        return Err(Error::Usage(
            "--generate-passphrases shows each passphrase on the terminal, and there is none; use --passphrase-file".into(),
        ));
    }
    let secret = read_secret(&args)?;
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
    let (set_id, dir) = split_into(&args.out, &secret, &plan, &passphrases, show_generated)?;

    let (t, n) = (plan.threshold.get(), plan.count.get());
    let mut summary = format!(
        "Split the secret ({}) into {n} share{}; any {t} rebuild it.\n\
         Set:         {set_id}\n\
         Fingerprint: {}  (write it down: recover prints it too)\n\
         {}\
         Key derivation: {}\n\
         Checked:     every file read back from disk and decrypted; every {t} of the {n} shares rebuild the secret.\n\
         Files in '{}':\n",
        secret.describe(),
        if n == 1 { "" } else { "s" },
        secret.fingerprint(),
        wallet_fingerprint_line(&secret, args.bip39_passphrase)?,
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
        summary.push_str(&format!("  {}{label}\n", plan.file_name(i)));
    }
    print(&summary)?;
    Ok(())
}

/// Opens each share, in order: with its passphrase-file line, or asking at the terminal, where
/// each passphrase is checked at once and may be retyped (so nobody retypes because of a later
/// custodian's mistake). Returns one result per share.
/// With `stop_at_failure`, nothing is asked or derived after the first share that fails.
fn open_each(
    shares: &[LoadedShare],
    passphrase_file: Option<&PathBuf>,
    stop_at_failure: bool,
) -> Result<Vec<Result<SharePoint, set::SetError>>, Error> {
    let from_file = match passphrase_file {
        Some(path) => Some(passphrase::read_file(path, shares.len())?),
        None => None,
    };
    let mut results = Vec::with_capacity(shares.len());
    for (i, share) in shares.iter().enumerate() {
        let given = from_file.as_ref().and_then(|list| list.get(i));
        let result = match (given, share.share().header().kdf) {
            (Some(pass), _) => {
                progress(&format!("Deriving the key of {}...", share.describe()));
                set::unlock_one(share, pass)
            }
            (None, Kdf::None) => set::unlock_one(share, &Passphrase::empty()),
            (None, Kdf::Argon2id(_)) => open_at_terminal(share)?,
        };
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
        progress(&format!("Deriving the key of {}...", share.describe()));
        tries_left -= 1;
        match set::unlock_one(share, &pass) {
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
) -> Result<Vec<SharePoint>, Error> {
    open_each(shares, passphrase_file, true)?
        .into_iter()
        .map(|r| r.map_err(Error::from))
        .collect()
}

/// Reads, validates, unlocks and rebuilds: shared by `recover` and `demo`.
fn rebuild(
    share_args: &[String],
    passphrase_file: Option<&PathBuf>,
) -> Result<(ShareSet, Secret), Error> {
    let set = set::validate(input::read_shares(share_args)?)?;
    set.require_threshold()?;
    let points = open_all(set.shares(), passphrase_file)?;
    let secret = set.recover(&points)?;
    Ok((set, secret))
}

/// `coldshard recover`.
pub fn recover(args: RecoverArgs) -> Result<(), Error> {
    if let Some(out) = args.out.as_ref().filter(|o| o.exists()) {
        return Err(output::OutputError::Exists(out.display().to_string()).into());
    }
    let (set, secret) = rebuild(&args.shares, args.passphrase_file.as_ref())?;
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
        wallet_fingerprint_line(&secret, args.bip39_passphrase)?.trim_end()
    );
    let summary = summary.trim_end().to_string();
    if let Some(out) = &args.out {
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
    let results = open_each(&shares, args.passphrase_file.as_ref(), false)?;
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
            "{}\n  Set:        {}\n  Share:      {} of {} (any {} rebuild the secret)\n  Label:      {}\n  Secret:     {}\n  Encryption: {}\n  Format:     coldshard share v{}\n",
            s.name,
            h.set_id,
            h.index.get(),
            h.count.get(),
            h.threshold.get(),
            s.armored.label.as_ref().map(Label::as_str).unwrap_or("(none)"),
            h.kind.describe(usize::from(h.secret_len)),
            match h.kdf {
                Kdf::None => kdf_text(&h.kdf),
                Kdf::Argon2id(_) => format!("{}, XChaCha20-Poly1305", kdf_text(&h.kdf)),
            },
            crate::format::VERSION,
        ));
    }
    print(&text)
}

/// `coldshard demo`: split the demo mnemonic 3-of-5, recover from three shares, verify all.
pub fn demo(args: DemoArgs) -> Result<(), Error> {
    let dir = match args.out {
        Some(dir) => {
            output::check_target_free(&dir)?;
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
    };
    let pass_texts: Vec<String> = names
        .iter()
        .map(|n| format!("demo passphrase of {n}"))
        .collect();
    let passphrases: Vec<Passphrase> = pass_texts.iter().map(|p| Passphrase::new(p)).collect();
    let shares_dir = dir.join("shares");
    print(&format!(
        "coldshard demo: the official BIP39 test mnemonic \"void come effort ... involve unfold\" (24 words).\n\
         The demo uses a LOW key-derivation cost (Argon2id, 8 MiB, 1 pass) to run in seconds;\n\
         real splits use {}.\n\n",
        kdf_text(&Kdf::Argon2id(Argon2Params::DEFAULT))
    ))?;
    let (set_id, shares_dir) = split_into(&shares_dir, &secret, &plan, &passphrases, || Ok(()))?;
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
    let (_, rebuilt) = rebuild(&chosen, Some(&pick_file))?;
    if rebuilt.render()? != secret.render()? {
        return Err(Error::SelfCheck(
            "the demo recovered a different mnemonic".into(),
        ));
    }
    let all: Vec<String> = (0..5).map(file).collect();
    open_all(&input::read_shares(&all)?, Some(&pass_file))?;
    print(&format!(
        "2. recover: shares 1, 3 and 5 rebuilt the mnemonic exactly (fingerprint {}).\n\
         3. verify: all five shares are intact and open with their passphrases.\n\n\
         Files are in '{}'. Try:\n\
         \x20 coldshard inspect {}\n\
         \x20 coldshard verify {}/share-*-of-5.txt --passphrase-file {}\n\
         \x20 coldshard recover {} {} {} --passphrase-file {} --reveal\n",
        rebuilt.fingerprint(),
        dir.display(),
        file(1),
        shares_dir.display(),
        pass_file.display(),
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
