//! How a fleet run reports: a plain line per finished target (or an overall bar on a terminal)
//! while it runs, then one table of every target, failures first, or the same as JSON.

#![allow(clippy::print_stderr)]

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use super::{Shell, Verbosity, View};
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

/// Progress of a fleet: an overall bar (targets done / total) on a terminal, one plain line per
/// finished target elsewhere; nothing with `-q`.
pub struct FleetProgress {
    bar: Option<ProgressBar>,
    lines: bool,
}

impl Shell {
    /// The progress of a fleet of `total` targets.
    pub fn fleet_progress(&self, total: usize, verb: &'static str) -> FleetProgress {
        let loud = self.verbosity != Verbosity::Quiet;
        let bar = (loud && self.stderr_is_tty).then(|| {
            let bar =
                ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix:>12.cyan.bold} [{bar:30}] {pos}/{len} targets {wide_msg} {elapsed}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_prefix(verb);
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
        FleetProgress {
            lines: loud && bar.is_none(),
            bar,
        }
    }
}

impl FleetProgress {
    /// A target finished: its line above the bar, or on its own.
    pub fn done(&self, row: &FleetRow, extra: &str) {
        let mut line = row.line();
        for warning in extra.lines().filter(|l| !l.trim().is_empty()) {
            line.push_str(&format!("\n{}: {warning}", row.target));
        }
        match &self.bar {
            Some(bar) => {
                bar.println(line);
                bar.inc(1);
            }
            None if self.lines => eprintln!("{line}"),
            None => {}
        }
    }

    /// Removes the bar before the table.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}
