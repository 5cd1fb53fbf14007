//! Progress on standard error, only when a person is watching it.
//!
//! A step that may take longer than about half a second shows a bar ("Deriving keys 3/5") or,
//! for a single item, a spinner, drawn by indicatif on standard error. When standard error is
//! not a terminal (a pipe, a file, a log, the tests) nothing at all is written. On a terminal
//! that cannot draw (`TERM` unset or `dumb`), the step's name is printed once as a plain line.
//! No progress text ever holds a secret: only share names, counts and file names.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::terminal;

/// The frames of the spinner; the last one is shown when the step is done.
const TICKS: [&str; 5] = ["-", "\\", "|", "/", "done"];
/// How often the spinner turns while a step runs.
const TICK: Duration = Duration::from_millis(120);

/// A progress display for one step; finished (its line left on screen) by [`Progress::done`]
/// or when dropped.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// Nothing shown (for steps that report their own progress, and for unit tests).
    pub fn hidden() -> Self {
        Progress(None)
    }

    /// A bar "`what` 3/5" for a step of `total` items, a spinner "`single`" when there is
    /// only one item, nothing when there is none.
    pub fn bar(what: &str, total: usize, single: impl FnOnce() -> String) -> Self {
        if total == 0 {
            return Progress(None);
        }
        if total == 1 {
            return Self::spinner(&single());
        }
        Self::start(
            ProgressBar::new(u64::try_from(total).unwrap_or(u64::MAX)),
            "{msg} {pos}/{len} {spinner}",
            what,
        )
    }

    /// A spinner "`what` |" for one long step.
    pub fn spinner(what: &str) -> Self {
        Self::start(ProgressBar::new_spinner(), "{msg} {spinner}", what)
    }

    fn start(bar: ProgressBar, template: &str, what: &str) -> Self {
        if !terminal::stderr_is_terminal() {
            return Progress(None);
        }
        // indicatif itself hides the bar when standard error is not a terminal or TERM is
        // unset or dumb; the check above makes the first case explicit.
        bar.set_draw_target(ProgressDrawTarget::stderr());
        if bar.is_hidden() {
            terminal::stderr_line(what);
            return Progress(None);
        }
        let style = ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_spinner())
            .tick_strings(&TICKS);
        bar.set_style(style);
        bar.set_message(what.to_string());
        bar.enable_steady_tick(TICK);
        Progress(Some(bar))
    }

    /// One more item done.
    pub fn inc(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }

    /// The step is done: the line stays on screen, ending in "done".
    pub fn done(self) {
        if let Some(bar) = &self.0 {
            bar.finish();
        }
    }

    /// The step stopped before its end: the line stays as it is.
    pub fn stop(&self) {
        if let Some(bar) = &self.0 {
            bar.abandon();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        // A step left early (an error): stop the spinner where it is, so that the error line
        // that follows is not overdrawn.
        if let Some(bar) = &self.0
            && !bar.is_finished()
        {
            bar.abandon();
        }
    }
}
