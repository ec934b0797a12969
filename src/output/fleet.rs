//! How a fleet run reports: a plain line per finished target (or, on a terminal, a live line per
//! running target and an overall bar) while it runs, then one table of every target, failures first, or the same as JSON.

#![allow(clippy::print_stderr)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use super::{Shell, Verbosity, View};
use crate::plan::Direction;
use crate::source::RevisionId;

/// How one target ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetResult {
    /// It failed; the others went on (unless `--fail-fast`).
    Failed,
    /// Not started: `--fail-fast` stopped the fleet first.
    Skipped,
    /// It did what was asked.
    Ok,
}

/// One target's line of the table.
#[derive(Debug, Serialize)]
pub struct FleetRow {
    /// Its name.
    pub target: String,
    /// Its URL, password masked.
    pub url: String,
    /// Where it was before (for `current`, where it is).
    pub from: Vec<RevisionId>,
    /// Where it is now.
    pub to: Vec<RevisionId>,
    /// How it ended.
    pub result: TargetResult,
    /// What happened, in words: "applied 3 revision(s)", "2 pending", the error.
    pub detail: String,
    /// For `current`: the revisions `up` would apply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending: Option<Vec<RevisionId>>,
    /// The error as scripts read it, for a failed target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<serde_json::Value>,
    /// Wall time of this target, in milliseconds.
    pub time_ms: u128,
    /// The failure's exit code, for the fleet's own.
    #[serde(skip)]
    pub exit_code: u8,
}

impl FleetRow {
    /// `tenant-a: applied 3 revision(s) (0001 -> 0003)`: the plain progress line.
    pub fn line(&self) -> String {
        format!("{}: {}", self.target, self.detail)
    }
}

/// `<base>` for nothing applied, else the ids joined.
pub fn revisions_text(ids: &[RevisionId]) -> String {
    if ids.is_empty() {
        "<base>".into()
    } else {
        ids.iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Counts for the summary.
#[derive(Debug, Default, Serialize)]
pub struct FleetSummary {
    /// Targets selected.
    pub total: usize,
    /// Done.
    pub ok: usize,
    /// Failed.
    pub failed: usize,
    /// Not started after a failure under `--fail-fast`.
    pub skipped: usize,
}

/// The whole fleet: the table (text) or one document (JSON).
#[derive(Debug, Serialize)]
pub struct FleetView {
    /// `up`, `down` or `current`.
    pub command: &'static str,
    /// Every target, failures first, then by name.
    pub targets: Vec<FleetRow>,
    /// The counts.
    pub summary: FleetSummary,
}

impl FleetView {
    /// Sorts the rows (failures first) and counts them.
    pub fn new(command: &'static str, mut targets: Vec<FleetRow>) -> Self {
        targets.sort_by(|a, b| (a.result, &a.target).cmp(&(b.result, &b.target)));
        let count = |r| targets.iter().filter(|t| t.result == r).count();
        let summary = FleetSummary {
            total: targets.len(),
            ok: count(TargetResult::Ok),
            failed: count(TargetResult::Failed),
            skipped: count(TargetResult::Skipped),
        };
        FleetView {
            command,
            targets,
            summary,
        }
    }
}

impl View for FleetView {
    fn text(&self) -> String {
        let (from, to) = if self.command == "current" {
            ("CURRENT", "HEADS")
        } else {
            ("FROM", "TO")
        };
        let mut rows = vec![[
            "TARGET".to_owned(),
            from.to_owned(),
            to.to_owned(),
            "RESULT".to_owned(),
            "TIME".to_owned(),
            "DETAIL".to_owned(),
        ]];
        for row in &self.targets {
            let result = match row.result {
                TargetResult::Ok => "ok",
                TargetResult::Failed => "FAILED",
                TargetResult::Skipped => "skipped",
            };
            let to = revisions_text(&row.to);
            rows.push([
                row.target.clone(),
                revisions_text(&row.from),
                to,
                result.to_owned(),
                format!("{} ms", row.time_ms),
                row.detail.clone(),
            ]);
        }
        let widths: Vec<usize> = (0..6)
            .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
            .collect();
        let mut text = String::new();
        for row in rows {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(c, cell)| match c {
                    5 => cell.clone(),
                    _ => format!("{cell:<w$}", w = widths[c]),
                })
                .collect();
            text.push_str(cells.join("  ").trim_end());
            text.push('\n');
        }
        let s = &self.summary;
        text.push_str(&format!(
            "{} target(s): {} ok, {} failed, {} skipped\n",
            s.total, s.ok, s.failed, s.skipped
        ));
        text
    }
}

/// A fleet's progress while it runs. On a terminal: one live line per running target (what it is
/// doing, which revision of how many) above an overall bar (targets done / total, revisions
/// applied), finished targets' lines printed above them; elsewhere, a plain line per finished
/// target.
pub struct FleetProgress {
    live: Option<Live>,
    lines: bool,
}

/// The terminal's lines: the running targets' and the overall bar.
struct Live {
    lines: MultiProgress,
    overall: ProgressBar,
    applied: Arc<AtomicUsize>,
    steps: Option<&'static str>,
}

/// What a fleet does, for its progress: the overall bar's verb and, for `up` and `down`, what
/// each step does to a revision (counted in the bar).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FleetActivity {
    /// `Upgrading`, `Reading`, ..
    pub verb: &'static str,
    /// `applied` or `reverted`; none when nothing is counted.
    pub steps: Option<&'static str>,
}

impl FleetActivity {
    /// `up` or `down`.
    pub fn migrating(direction: Direction) -> Self {
        let (verb, steps) = match direction {
            Direction::Up => ("Upgrading", "applied"),
            Direction::Down => ("Downgrading", "reverted"),
        };
        FleetActivity {
            verb,
            steps: Some(steps),
        }
    }

    /// A command that changes no revision (`current`, `check`, `diff`).
    pub fn looking(verb: &'static str) -> Self {
        FleetActivity { verb, steps: None }
    }
}

/// One running target's line (cheap to clone: the bars are shared): on a terminal, a live line
/// above the overall bar; elsewhere only the target's name, which its notes are printed under.
#[derive(Clone)]
pub struct LiveLine(Line);

#[derive(Clone)]
enum Line {
    Bar {
        line: ProgressBar,
        overall: ProgressBar,
        applied: Arc<AtomicUsize>,
        steps: Option<&'static str>,
    },
    Plain {
        target: String,
    },
}

impl LiveLine {
    /// What the target is doing now (on a terminal).
    pub fn show(&self, doing: String) {
        if let Line::Bar { line, .. } = &self.0 {
            line.set_message(doing);
        }
    }

    /// A revision finished: counted in the overall bar.
    pub fn step_done(&self) {
        if let Line::Bar {
            overall,
            applied,
            steps: Some(steps),
            ..
        } = &self.0
        {
            let n = applied.fetch_add(1, Ordering::Relaxed) + 1;
            overall.set_message(format!("{n} revision(s) {steps}"));
        }
    }

    /// A note of the target's run (waiting for the lock, a new SQLite file): on its live line
    /// until its next step, or printed at once under its name.
    pub fn note(&self, message: &str) {
        match &self.0 {
            Line::Bar { line, .. } => line.set_message(format!("note: {message}")),
            Line::Plain { target } => eprintln!("{target}: note: {message}"),
        }
    }
}

/// Live lines only on a terminal and never with `-q` (or `--format json`'s quiet stderr).
pub fn live_lines_enabled(verbosity: Verbosity, stderr_is_tty: bool) -> bool {
    stderr_is_tty && verbosity != Verbosity::Quiet
}

impl Shell {
    /// The progress of a fleet of `total` targets.
    pub fn fleet_progress(&self, total: usize, doing: FleetActivity) -> FleetProgress {
        let loud = self.verbosity != Verbosity::Quiet;
        let live = live_lines_enabled(self.verbosity, self.stderr_is_tty)
            .then(|| Live::new(ProgressDrawTarget::stderr(), total, doing));
        FleetProgress {
            lines: loud && live.is_none(),
            live,
        }
    }
}

impl Live {
    fn new(target: ProgressDrawTarget, total: usize, doing: FleetActivity) -> Live {
        let lines = MultiProgress::with_draw_target(target);
        let overall = lines.add(ProgressBar::new(total as u64));
        overall.set_style(
            ProgressStyle::with_template(
                "{prefix:>12.cyan.bold} [{bar:30}] {pos}/{len} targets, {msg} {elapsed}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        overall.set_prefix(doing.verb);
        if let Some(steps) = doing.steps {
            overall.set_message(format!("0 revision(s) {steps}"));
        }
        overall.enable_steady_tick(Duration::from_millis(100));
        Live {
            lines,
            overall,
            applied: Arc::default(),
            steps: doing.steps,
        }
    }
}

impl FleetProgress {
    /// A line for a target that starts: on a terminal above the overall bar; elsewhere (unless
    /// quiet) the name its notes are printed under.
    pub fn start(&self, target: &str) -> Option<LiveLine> {
        let Some(live) = self.live.as_ref() else {
            let target = target.to_owned();
            return self.lines.then_some(LiveLine(Line::Plain { target }));
        };
        let line = live
            .lines
            .insert_before(&live.overall, ProgressBar::new_spinner());
        line.set_style(
            ProgressStyle::with_template("{prefix:>24.bold} {spinner} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        line.set_prefix(target.to_owned());
        line.set_message("connecting");
        line.enable_steady_tick(Duration::from_millis(100));
        Some(LiveLine(Line::Bar {
            line,
            overall: live.overall.clone(),
            applied: live.applied.clone(),
            steps: live.steps,
        }))
    }

    /// A target finished: its live line goes, its result line is printed above the bars (or
    /// on its own).
    pub fn done(&self, row: &FleetRow, extra: &str, line: Option<LiveLine>) {
        let mut text = row.line();
        for warning in extra.lines().filter(|l| !l.trim().is_empty()) {
            text.push_str(&format!("\n{}: {warning}", row.target));
        }
        match &self.live {
            Some(live) => {
                if let Some(LiveLine(Line::Bar { line, .. })) = line {
                    line.finish_and_clear();
                    live.lines.remove(&line);
                }
                let _ = live.lines.println(text);
                live.overall.inc(1);
            }
            None if self.lines => eprintln!("{text}"),
            None => {}
        }
    }

    /// Removes the bars before the table.
    pub fn finish(self) {
        if let Some(live) = self.live {
            live.overall.finish_and_clear();
            let _ = live.lines.clear();
        }
    }
}

#[cfg(test)]
mod live_tests {
    use super::*;

    fn finished(name: &str) -> FleetRow {
        FleetRow {
            target: name.into(),
            url: String::new(),
            from: Vec::new(),
            to: Vec::new(),
            result: TargetResult::Ok,
            detail: "applied 2 revision(s)".into(),
            pending: None,
            error: None,
            time_ms: 0,
            exit_code: 0,
        }
    }

    #[test]
    fn live_lines_only_on_a_terminal_and_not_when_quiet() {
        assert!(live_lines_enabled(Verbosity::Normal, true));
        assert!(!live_lines_enabled(Verbosity::Normal, false));
        assert!(!live_lines_enabled(Verbosity::Quiet, true));
        let up = FleetActivity::migrating(Direction::Up);
        let (shell, _, _) = Shell::captured(Verbosity::Quiet);
        assert!(shell.fleet_progress(2, up).start("a").is_none());
        let (shell, _, _) = Shell::captured(Verbosity::Normal);
        let plain = shell
            .fleet_progress(2, up)
            .start("a")
            .expect("a plain line");
        assert!(matches!(plain.0, Line::Plain { .. }));
    }

    fn bar(line: &LiveLine) -> &ProgressBar {
        match &line.0 {
            Line::Bar { line, .. } => line,
            Line::Plain { .. } => panic!("a live line"),
        }
    }

    #[test]
    fn the_overall_bar_counts_reverted_revisions_during_down_and_shows_a_note() {
        let down = FleetActivity::migrating(Direction::Down);
        let progress = FleetProgress {
            live: Some(Live::new(ProgressDrawTarget::hidden(), 1, down)),
            lines: false,
        };
        let live = progress.live.as_ref().expect("live");
        assert_eq!(live.overall.message(), "0 revision(s) reverted");
        let a = progress.start("tenant-a").expect("a live line");
        a.note("waiting for another brainmig run to finish");
        assert_eq!(
            bar(&a).message(),
            "note: waiting for another brainmig run to finish"
        );
        a.step_done();
        assert_eq!(live.overall.message(), "1 revision(s) reverted");
        let reading = Live::new(
            ProgressDrawTarget::hidden(),
            1,
            FleetActivity::looking("Reading"),
        );
        assert_eq!(reading.overall.message(), "", "nothing is counted");
        progress.finish();
    }

    #[test]
    fn each_running_target_has_a_line_and_the_overall_bar_counts_targets_and_revisions() {
        let progress = FleetProgress {
            live: Some(Live::new(
                ProgressDrawTarget::hidden(),
                2,
                FleetActivity::migrating(Direction::Up),
            )),
            lines: false,
        };
        let a = progress.start("tenant-a").expect("a live line");
        let b = progress.start("tenant-b").expect("a live line");
        assert_eq!(bar(&a).prefix(), "tenant-a");
        a.show("applying 0002 (2/2)".into());
        a.step_done();
        b.step_done();
        assert_eq!(bar(&a).message(), "applying 0002 (2/2)");
        let live = progress.live.as_ref().expect("live");
        assert_eq!(live.overall.message(), "2 revision(s) applied");
        let line = bar(&a).clone();
        progress.done(&finished("tenant-a"), "", Some(a));
        assert!(line.is_finished(), "a finished target's line goes");
        assert_eq!(live.overall.position(), 1);
        assert!(!bar(&b).is_finished());
        progress.finish();
    }
}
