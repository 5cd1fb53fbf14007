//! The controlling terminal: hidden prompts and showing a generated passphrase once.
//!
//! Everything here talks to /dev/tty, never to stdout, so that nothing typed or shown can end
//! up in a pipe, a redirected file or a log.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, IsTerminal, Write};

use zeroize::Zeroizing;

use crate::passphrase::Passphrase;

/// Passphrases shorter than this many characters get a warning when created.
pub const SHORT_PASSPHRASE: usize = 12;
/// How many times a passphrase may be typed before giving up.
pub const ATTEMPTS: usize = 3;

/// Errors talking to the terminal.
#[derive(Debug, thiserror::Error)]
pub enum TerminalError {
    /// No terminal to prompt on.
    #[error("no terminal is available to ask for {0}")]
    NoTerminal(String),
    /// Reading failed.
    #[error("reading from the terminal failed: {0}")]
    Io(String),
    /// The two entries differed too often.
    #[error("the two entries of the passphrase for {0} did not match {ATTEMPTS} times")]
    Mismatch(String),
    /// Empty passphrase entered.
    #[error(
        "an empty passphrase was entered for {0}; use --no-passphrase to split without passphrases"
    )]
    Empty(String),
}

/// Whether standard input is a terminal.
pub fn stdin_is_terminal() -> bool {
    std::io::stdin().is_terminal()
}

/// Whether standard error is a terminal (hints that hold secret-adjacent detail go only there).
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

fn tty() -> Result<File, std::io::Error> {
    OpenOptions::new().read(true).write(true).open("/dev/tty")
}

/// Whether a controlling terminal can be opened.
pub fn has_terminal() -> bool {
    tty().is_ok()
}

/// Asks for a line with echo off on the terminal.
pub fn prompt_hidden(prompt: &str, what: &str) -> Result<Zeroizing<String>, TerminalError> {
    if !has_terminal() {
        return Err(TerminalError::NoTerminal(what.to_string()));
    }
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|e| TerminalError::Io(e.to_string()))
}

/// Asks for a passphrase (echo off).
pub fn ask_passphrase(what: &str) -> Result<Passphrase, TerminalError> {
    let raw = prompt_hidden(
        &format!("Passphrase for {what}: "),
        &format!("the passphrase for {what}"),
    )?;
    Ok(Passphrase::new(&raw))
}

/// Asks for a new passphrase twice (echo off) until both entries match.
pub fn ask_new_passphrase(what: &str) -> Result<Passphrase, TerminalError> {
    for _ in 0..ATTEMPTS {
        let first = prompt_hidden(
            &format!("New passphrase for {what}: "),
            &format!("the passphrase for {what}"),
        )?;
        if first.is_empty() {
            return Err(TerminalError::Empty(what.to_string()));
        }
        let second = prompt_hidden("Type it again: ", &format!("the passphrase for {what}"))?;
        let (a, b) = (Passphrase::new(&first), Passphrase::new(&second));
        if a.same_as(&b) {
            if a.char_count() < SHORT_PASSPHRASE {
                say(&format!(
                    "warning: this passphrase is short ({} characters); {SHORT_PASSPHRASE} or more are advised",
                    a.char_count()
                ));
            }
            return Ok(a);
        }
        say("The two entries differ; please type the passphrase again.");
    }
    Err(TerminalError::Mismatch(what.to_string()))
}

/// Writes a line to stderr, ignoring a closed stderr (never a panic, unlike `eprintln!`).
pub fn stderr_line(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

/// Writes a line to the terminal (or stderr when there is none).
pub fn say(line: &str) {
    match tty() {
        Ok(mut t) => {
            let _ = writeln!(t, "{line}");
        }
        Err(_) => stderr_line(line),
    }
}

/// Shows `passphrase` to the custodian of `what` once, on the alternate screen, which is
/// cleared and left when they press Enter, so it stays in no scrollback.
pub fn show_once(what: &str, passphrase: &Passphrase) -> Result<(), TerminalError> {
    let mut t = tty()
        .map_err(|_| TerminalError::NoTerminal(format!("showing the passphrase for {what}")))?;
    let mut reader = BufReader::new(
        t.try_clone()
            .map_err(|e| TerminalError::Io(e.to_string()))?,
    );
    let io = |e: std::io::Error| TerminalError::Io(e.to_string());
    let mut wait = |t: &mut File, msg: &str| -> Result<(), TerminalError> {
        write!(t, "{msg}").map_err(io)?;
        t.flush().map_err(io)?;
        let mut line = Zeroizing::new(String::new());
        reader.read_line(&mut line).map_err(io)?;
        Ok(())
    };
    // Alternate screen, cleared, cursor home.
    write!(t, "\x1b[?1049h\x1b[2J\x1b[H").map_err(io)?;
    wait(
        &mut t,
        &format!(
            "Passphrase for {what}\r\n\r\nOnly the custodian of this share should see the screen now.\r\nPress Enter to show the passphrase. "
        ),
    )?;
    // Written in pieces so that no unzeroized copy of the passphrase is formatted.
    let shown = write!(t, "\r\n\r\n    ")
        .and_then(|()| t.write_all(passphrase.expose().as_bytes()))
        .map_err(io)
        .and_then(|()| {
            wait(
                &mut t,
                "\r\n\r\nWrite it down exactly, then press Enter to clear the screen. ",
            )
        });
    // Clear and leave the alternate screen even if reading failed.
    let _ = write!(t, "\x1b[2J\x1b[3J\x1b[H\x1b[?1049l");
    let _ = t.flush();
    shown
}
