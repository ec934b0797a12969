//! How `test-roundtrip` looks: progress while it runs, then a table and a summary.

use console::style;

use super::Verbosity;
use super::progress::LineBar;
use crate::roundtrip::{Report, RevisionResult, RoundtripProgress, Status};
use crate::source::RevisionId;

/// A bar on a terminal, a line per revision otherwise.
pub struct RoundtripBar {
    bar: LineBar,
}

impl RoundtripBar {
    pub(super) fn new(bar: bool, verbosity: Verbosity) -> Self {
        RoundtripBar {
            bar: LineBar::new(bar, verbosity),
        }
    }
}

impl RoundtripProgress for RoundtripBar {
    fn start(&mut self, revision: &RevisionId, message: &str, index: usize, total: usize) {
        self.bar
            .show(index, total, "Round trip", format!("{revision} {message}"));
    }

    fn finish(&mut self, result: &RevisionResult) {
        self.bar.line(format!(
            "{} {} {} {}",
            status_word(result.status),
            result.revision,
            result.message,
            style(format!("({} ms)", result.duration_ms))
                .dim()
                .for_stderr()
        ));
    }

    fn done(&mut self) {
        self.bar.finish();
    }
}

/// `      Passed`, cargo-style: padded first, then styled, so colours do not upset the width.
fn status_word(status: Status) -> String {
    let word = |w: &str| format!("{w:>12}");
    match status {
        Status::Passed => style(word("Passed")).green().bold(),
        Status::Failed => style(word("FAILED")).red().bold(),
        Status::ColumnOrder => style(word("Reordered")).yellow().bold(),
        Status::NotRun => style(word("Skipped")).yellow().bold(),
    }
    .for_stderr()
    .to_string()
}

/// The report, rendered.
pub struct RoundtripView<'a> {
    report: &'a Report,
}

impl<'a> RoundtripView<'a> {
    /// Wraps a report.
    pub fn new(report: &'a Report) -> Self {
        RoundtripView { report }
    }

    /// One row per revision with its result and time, each problem under its row.
    pub fn table(&self) -> String {
        let rows: Vec<&RevisionResult> = self
            .report
            .revisions
            .iter()
            .chain(std::iter::once(&self.report.base))
            .collect();
        let width = rows
            .iter()
            .map(|r| r.revision.as_str().len())
            .max()
            .unwrap_or(0)
            .max("revision".len());
        let mut out = format!("{:<width$}  result      time  message\n", "revision");
        for r in rows {
            // Pad before styling, so escape codes do not upset the columns.
            let word = match r.status {
                Status::Passed => style("pass  ").green(),
                Status::Failed => style("FAIL  ").red().bold(),
                Status::ColumnOrder => style("order ").yellow(),
                Status::NotRun => style("skip  ").yellow(),
            };
            // On MySQL nearly every revision is not atomic: a mark on its row, explained once
            // in the summary, rather than the same line under each.
            let mark = if r.atomic { "" } else { "  [not atomic]" };
            out.push_str(&format!(
                "{:<width$}  {word}  {:>5} ms  {}{mark}\n",
                r.revision.as_str(),
                r.duration_ms,
                r.message
            ));
            for problem in &r.problems {
                out.push_str(&format!("    - {problem}\n"));
            }
            for moved in &r.column_order {
                out.push_str(&format!("    - column order only: {moved}\n"));
            }
            if r.rebuilt {
                out.push_str("    - the scratch state was rebuilt after it by plain upgrades\n");
            }
        }
        out
    }

    /// `4 passed, 1 column order only, 1 failed, 0 not run; downgrade to base passed; scratch
    /// state rebuilt 1 time(s)`.
    pub fn summary(&self) -> String {
        let counts = &self.report.counts;
        let base = match self.report.base.status {
            Status::Passed | Status::ColumnOrder => "passed",
            Status::Failed => "FAILED",
            Status::NotRun => "not run",
        };
        let skipped = match self.report.skipped_before_from {
            0 => String::new(),
            n => format!(" ({n} earlier revision(s) applied without checks)"),
        };
        // Said only where it happens: on MySQL (DDL commits) or with `transaction:false`.
        let not_atomic = match counts.not_atomic {
            0 => String::new(),
            n => format!(
                "; {n} revision(s) cannot be rolled back atomically ([not atomic]: they run \
                 statement by statement, so a failure part-way leaves what ran)"
            ),
        };
        format!(
            "{} passed, {} column order only, {} failed, {} not run; downgrade to base {base}; \
             scratch state rebuilt {} time(s){skipped}{not_atomic}",
            counts.passed, counts.column_order, counts.failed, counts.not_run, counts.rebuilt
        )
    }
}
