//! Many databases in one run (issue #18): tenants, shards, environments. Chooses the targets
//! (`targets.rs`), runs the single-database operations on each, bounded and concurrently
//! (`run.rs`), and turns the rows into the fleet's verdict. What a target runs is exactly what
//! `up`, `down` or `current` runs on one database: this room only multiplies it.

pub mod compare;
pub mod error;
pub mod run;
pub mod schemas;
pub mod sources;
pub mod targets;

use crate::graph::Target;
use crate::ops::autogen::SchemaFile;
use crate::output::{FleetRow, Shell, TargetResult};
use crate::plan::Direction;
use crate::state::State;
use error::FleetError;

pub use run::Fleet;
pub use sources::Sources;
pub use targets::FleetTarget;

/// `--jobs` when not given: a few connections at once, far below any server's
/// `max_connections` (each PostgreSQL target holds two: the run and its lock).
pub const DEFAULT_JOBS: usize = 4;

/// The jobs to run with: never more than targets, never zero.
pub fn effective_jobs(asked: Option<usize>, targets: usize) -> usize {
    asked.unwrap_or(DEFAULT_JOBS).min(targets).max(1)
}

/// What a fleet command does on each target.
pub enum Work<'a> {
    /// `up` or `down` to `target`.
    Migrate {
        /// Up or down.
        direction: Direction,
        /// Where to.
        target: &'a Target,
        /// `--ignore-checksums`.
        ignore_checksums: bool,
    },
    /// `current`.
    Current,
    /// `check` against the schema file, with the files read once.
    Check {
        /// The files alone.
        state: &'a State,
        /// The schema file.
        schema: &'a SchemaFile,
    },
    /// `diff`.
    Diff,
}

impl Work<'_> {
    /// The command's name, as the table and the document say it.
    pub fn command(&self) -> &'static str {
        match self {
            Work::Migrate {
                direction: Direction::Up,
                ..
            } => "up",
            Work::Migrate { .. } => "down",
            Work::Current => "current",
            Work::Check { .. } => "check",
            Work::Diff => "diff",
        }
    }
}

/// Does `work` on every target: one row per target, in no particular order.
pub async fn perform(
    fleet: &Fleet<'_>,
    shell: &Shell,
    targets: &[FleetTarget],
    work: &Work<'_>,
) -> Vec<FleetRow> {
    match *work {
        Work::Migrate {
            direction,
            target,
            ignore_checksums,
        } => run::migrate(fleet, shell, targets, direction, target, ignore_checksums).await,
        Work::Current => run::current(fleet, shell, targets).await,
        Work::Check { state, schema } => compare::check(fleet, shell, targets, state, schema).await,
        Work::Diff => compare::diff(fleet, shell, targets).await,
    }
}

/// The fleet's outcome: fine when every target succeeded; otherwise the failed targets, with the
/// exit code they share (or 1 when their codes differ).
pub fn verdict(rows: &[FleetRow]) -> Result<(), FleetError> {
    let failed: Vec<&FleetRow> = rows
        .iter()
        .filter(|r| r.result == TargetResult::Failed)
        .collect();
    let Some(first) = failed.first() else {
        return Ok(());
    };
    let exit_code = if failed.iter().all(|r| r.exit_code == first.exit_code) {
        first.exit_code
    } else {
        crate::error::exit_code::FAILURE
    };
    Err(FleetError::TargetsFailed {
        failed: failed.len(),
        total: rows.len(),
        names: failed.iter().map(|r| r.target.clone()).collect(),
        exit_code,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, result: TargetResult, code: u8) -> FleetRow {
        FleetRow {
            target: name.into(),
            url: String::new(),
            from: Vec::new(),
            to: Vec::new(),
            result,
            detail: String::new(),
            pending: None,
            error: None,
            time_ms: 0,
            exit_code: code,
        }
    }

    #[test]
    fn jobs_are_bounded_by_the_targets_and_never_zero() {
        assert_eq!(effective_jobs(None, 100), DEFAULT_JOBS);
        assert_eq!(effective_jobs(Some(16), 3), 3);
        assert_eq!(effective_jobs(Some(0), 3), 1);
        assert_eq!(effective_jobs(None, 0), 1);
    }

    #[test]
    fn the_exit_code_is_the_failures_shared_code_else_one() {
        assert!(verdict(&[row("a", TargetResult::Ok, 0)]).is_ok());
        let shared = verdict(&[
            row("a", TargetResult::Failed, 2),
            row("b", TargetResult::Failed, 2),
        ]);
        assert_eq!(shared.expect_err("failed").targets_exit_code(), Some(2));
        let mixed = verdict(&[
            row("a", TargetResult::Failed, 2),
            row("b", TargetResult::Failed, 130),
            row("c", TargetResult::Skipped, 0),
        ]);
        let err = mixed.expect_err("failed");
        assert_eq!(err.targets_exit_code(), Some(1));
        assert!(
            err.to_string().starts_with("2 of 3 target(s) failed"),
            "{err}"
        );
    }
}
