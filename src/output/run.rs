//! How `up` and `down` report: what a run committed, or the script `--sql` prints.

use serde::Serialize;

use super::{Shell, View};
use crate::db::Dialect;
use crate::executor::Completed;
use crate::plan::Direction;
use crate::source::RevisionId;
use crate::state::PlannedStep;

/// A finished run.
#[derive(Debug, Serialize)]
pub struct RunView {
    /// Up or down.
    pub direction: Direction,
    /// What the run committed, in order.
    pub completed: Vec<Completed>,
    /// Nothing was applied before a `down`: "nothing to revert" rather than "nothing to do".
    #[serde(skip)]
    pub was_at_base: bool,
}

impl View for RunView {
    /// The summary line; under `--format json` the document says it all.
    fn status(&self, shell: &Shell) {
        if shell.json_mode() {
            return;
        }
        let total: u128 = self.completed.iter().map(|c| c.duration_ms).sum();
        let message = match (self.completed.len(), self.direction) {
            (0, Direction::Down) if self.was_at_base => {
                "nothing to revert: no revision is applied (the database is at base)".to_owned()
            }
            (0, _) => "nothing to do: the database is already at the target".to_owned(),
            (n, Direction::Up) => format!("applied {n} revision(s) in {total} ms"),
            (n, Direction::Down) => format!("reverted {n} revision(s) in {total} ms"),
        };
        shell.status("Finished", message);
    }
}

/// `--sql`: the script, or its revisions and text as JSON.
#[derive(Debug, Serialize)]
pub struct ScriptView {
    /// Up or down.
    pub direction: Direction,
    /// `postgres` or `sqlite`.
    pub dialect: &'static str,
    /// The revisions the script runs, in order.
    pub revisions: Vec<RevisionId>,
    /// The script.
    pub sql: String,
}

impl ScriptView {
    /// The view of a built script: its steps, in order, and its text.
    pub fn new(direction: Direction, dialect: Dialect, steps: &[PlannedStep], sql: String) -> Self {
        ScriptView {
            direction,
            dialect: match dialect {
                Dialect::Postgres => "postgres",
                Dialect::Sqlite => "sqlite",
                Dialect::Mysql => "mysql",
            },
            revisions: steps.iter().map(|s| s.id.clone()).collect(),
            sql,
        }
    }
}

impl View for ScriptView {
    fn text(&self) -> String {
        self.sql.clone()
    }
}
