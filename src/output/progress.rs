//! Progress of a run: an indicatif bar on a terminal, one plain line per revision otherwise.

#![allow(clippy::print_stderr)]

use std::time::Duration;

use console::style;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Verbosity;
use super::fleet::LiveLine;
use crate::executor::Progress;
use crate::plan::Direction;
use crate::state::PlannedStep;

/// Decides whether to draw a bar: only on a terminal, never with `-q`, and not for a single step.
pub fn bar_enabled(verbosity: Verbosity, stderr_is_tty: bool, total: usize) -> bool {
    stderr_is_tty && verbosity != Verbosity::Quiet && total > 1
}

/// A bar over a known number of items on a terminal, or nothing but the finished lines elsewhere;
/// shared by runs and round trips so they look alike.
pub(super) struct LineBar {
    bar: Option<ProgressBar>,
    verbosity: Verbosity,
}

impl LineBar {
    pub(super) fn new(bar: bool, verbosity: Verbosity) -> Self {
        LineBar {
            bar: bar.then(ProgressBar::hidden),
            verbosity,
        }
    }

    /// Shows the current item; the first call sizes and reveals the bar.
    pub(super) fn show(&self, index: usize, total: usize, prefix: &'static str, message: String) {
        let Some(bar) = &self.bar else { return };
        if index == 0 {
            bar.set_length(total as u64);
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix:>12.cyan.bold} [{bar:30}] {pos}/{len} {wide_msg} {elapsed}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_draw_target(ProgressDrawTarget::stderr());
            bar.enable_steady_tick(Duration::from_millis(100));
        }
        bar.set_prefix(prefix);
        bar.set_message(message);
    }

    /// True when lines, not a bar, are being written (for `-v` start lines).
    pub(super) fn plain(&self) -> bool {
        self.bar.is_none()
    }

    /// A finished item: printed above the bar, or as a plain line unless `-q`.
    pub(super) fn line(&self, line: String) {
        match &self.bar {
            Some(bar) => {
                bar.println(line);
                bar.inc(1);
            }
            None if self.verbosity >= Verbosity::Normal => eprintln!("{line}"),
            None => {}
        }
    }

    /// Removes the bar.
    pub(super) fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// Reports a run as a bar or as lines.
pub struct RunProgress {
    bar: LineBar,
    verbosity: Verbosity,
    /// A fleet target's line, told each step as it starts and ends.
    live: Option<LiveLine>,
}

impl RunProgress {
    pub(super) fn new(bar: bool, verbosity: Verbosity) -> Self {
        RunProgress {
            bar: LineBar::new(bar, verbosity),
            verbosity,
            live: None,
        }
    }

    pub(super) fn with_live_line(mut self, live: Option<LiveLine>) -> Self {
        self.live = live;
        self
    }
}

fn verb(direction: Direction, done: bool) -> &'static str {
    match (direction, done) {
        (Direction::Up, false) => "Applying",
        (Direction::Up, true) => "Applied",
        (Direction::Down, false) => "Reverting",
        (Direction::Down, true) => "Reverted",
    }
}

/// `0002 add user preferences`, or just `0002` when it has no message.
fn label(step: &PlannedStep) -> String {
    if step.message.is_empty() {
        step.id.to_string()
    } else {
        format!("{} {}", step.id, step.message)
    }
}

impl Progress for RunProgress {
    fn start(&mut self, step: &PlannedStep, index: usize, total: usize) {
        if let Some(live) = &self.live {
            let verb = verb(step.direction, false).to_lowercase();
            live.show(format!("{verb} {} ({}/{total})", label(step), index + 1));
        }
        self.bar
            .show(index, total, verb(step.direction, false), label(step));
        if self.bar.plain() && self.verbosity == Verbosity::Verbose {
            eprintln!(
                "{} {} ({})",
                style(format!("{:>12}", verb(step.direction, false)))
                    .cyan()
                    .for_stderr(),
                label(step),
                step.path.display()
            );
        }
    }

    fn finish(&mut self, step: &PlannedStep, elapsed: Duration) {
        if let Some(live) = &self.live {
            live.step_done();
        }
        self.bar.line(format!(
            "{} {} {}",
            style(format!("{:>12}", verb(step.direction, true)))
                .green()
                .bold()
                .for_stderr(),
            label(step),
            style(format!("({} ms)", elapsed.as_millis()))
                .dim()
                .for_stderr()
        ));
    }

    fn done(&mut self) {
        self.bar.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_only_on_a_terminal_and_not_when_quiet() {
        assert!(bar_enabled(Verbosity::Normal, true, 3));
        assert!(!bar_enabled(Verbosity::Normal, false, 3));
        assert!(!bar_enabled(Verbosity::Quiet, true, 3));
        assert!(!bar_enabled(Verbosity::Normal, true, 1));
    }
}
