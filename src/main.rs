//! The `coldshard` binary: parse arguments, run one command, map the result to an exit code.

#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use coldshard::cli::{Cli, Command, ManifestCommand, TranscriptCommand};
use coldshard::hardening;
use coldshard::{commands, terminal};

fn main() -> ExitCode {
    hardening::install_panic_hook();
    let command = match Cli::try_parse() {
        Ok(cli) => cli.command,
        Err(e) => return clap_exit(&e),
    };
    for line in hardening::harden_process(command.handles_secrets()) {
        terminal::stderr_line(&line);
    }
    let result = match command {
        Command::Generate(args) => commands::generate(args),
        Command::Split(args) => commands::split(args),
        Command::Recover(args) => commands::recover(args),
        Command::Verify(args) => commands::verify(args),
        Command::Inspect(args) => commands::inspect(args),
        Command::Drill(args) => commands::drill(args),
        Command::Reissue(args) => commands::reissue(args),
        Command::Manifest(ManifestCommand::Verify(args)) => commands::manifest_verify(args),
        Command::Transcript(TranscriptCommand::Append(args)) => commands::transcript_append(args),
        Command::Transcript(TranscriptCommand::Verify(args)) => commands::transcript_verify(args),
        Command::Demo(args) => commands::demo(args),
        Command::Completions { shell } => commands::completions(shell),
        Command::Man { command } => commands::man(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            e.report();
            ExitCode::from(e.exit_code())
        }
    }
}

/// Prints clap's help, version or usage error and gives its exit code, except that help or
/// version that cannot be written to standard output (a reader that has gone) is reported as
/// any other command's output would be: an error line and exit 2 (docs/CLI.md).
fn clap_exit(e: &clap::Error) -> ExitCode {
    let printed = e.print();
    if let Err(io) = printed
        && !e.use_stderr()
    {
        let failed = coldshard::error::Error::Stdout(io.to_string());
        failed.report();
        return ExitCode::from(failed.exit_code());
    }
    ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(coldshard::error::EXIT_BAD_INPUT))
}
