//! Many databases in one run (issue #18): tenants, shards, environments. Chooses the targets
//! (`targets.rs`), runs the single-database operations on each, bounded and concurrently
//! (`run.rs`), and turns the rows into the fleet's verdict. What a target runs is exactly what
//! `up`, `down` or `current` runs on one database: this room only multiplies it.

pub mod error;
pub mod run;
pub mod schemas;
pub mod targets;

use crate::output::{FleetRow, TargetResult};
use error::FleetError;

pub use run::Fleet;
pub use targets::FleetTarget;

/// `--jobs` when not given: a few connections at once, far below any server's
/// `max_connections` (each PostgreSQL target holds two: the run and its lock).
pub const DEFAULT_JOBS: usize = 4;

/// The jobs to run with: never more than targets, never zero.
pub fn effective_jobs(asked: Option<usize>, targets: usize) -> usize {
    asked.unwrap_or(DEFAULT_JOBS).min(targets).max(1)
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
