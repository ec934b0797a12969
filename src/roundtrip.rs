//! `test-roundtrip`: prove that every downgrade undoes its upgrade.
//!
//! For each revision in upgrade order: snapshot, upgrade it, snapshot, downgrade it (the schema
//! must equal the first snapshot), upgrade it again (it must equal the second). Then downgrade
//! everything to base: the schema must be what the empty scratch database had. The scratch
//! database itself is the caller's business ([`crate::db::scratch`]).

use std::time::{Duration, Instant};

use crate::db::Database;
use crate::error::Error;
use crate::executor::{self, Progress};
use crate::graph::Target;
use crate::plan::{self, AppliedSet, Direction};
use crate::schema::{self, Schema};
use crate::source::{MigrationSource, RevisionId};
use crate::state::{PlannedStep, State};

/// How one revision fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Up, down and up again left the expected schemas.
    Passed,
    /// A step failed or a snapshot differed.
    Failed,
    /// An earlier failure left the database in a state this revision cannot be tested from.
    NotRun,
}

/// The result for one revision.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RevisionResult {
    /// The revision.
    pub revision: RevisionId,
    /// Its message.
    pub message: String,
    /// Passed, failed or not run.
    pub status: Status,
    /// Time for its three steps and snapshots, in milliseconds.
    pub duration_ms: u128,
    /// What went wrong, one sentence each.
    pub problems: Vec<String>,
}

/// The whole run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    /// Per revision, in the order tested.
    pub revisions: Vec<RevisionResult>,
    /// Revisions applied without checks because of `--from`.
    pub skipped_before_from: usize,
    /// The final downgrade to base.
    pub base: RevisionResult,
}

impl Report {
    /// Revisions (and the base check) that failed.
    pub fn failures(&self) -> usize {
        self.revisions
            .iter()
            .chain(std::iter::once(&self.base))
            .filter(|r| r.status == Status::Failed)
            .count()
    }
}

/// Receives progress over the revisions.
pub trait RoundtripProgress {
    /// Testing `revision` (index of total) begins.
    fn start(&mut self, revision: &RevisionId, message: &str, index: usize, total: usize);
    /// It ended.
    fn finish(&mut self, result: &RevisionResult);
    /// The run ended.
    fn done(&mut self);
}

/// Executor progress that shows nothing: the round trip reports per revision, not per step.
struct Silent;

impl Progress for Silent {
    fn start(&mut self, _: &PlannedStep, _: usize, _: usize) {}
    fn finish(&mut self, _: &PlannedStep, _: Duration) {}
    fn done(&mut self) {}
}

/// Runs the round trip in `conn`, a scratch database that starts empty.
pub async fn run(
    conn: &mut impl Database,
    source: &MigrationSource,
    table: &str,
    from: Option<&str>,
    progress: &mut dyn RoundtripProgress,
) -> Result<Report, Error> {
    let state = State::build(source.clone(), Vec::new())?;
    let order = plan::upgrade(&state.graph, &AppliedSet::default(), &Target::Heads)?;
    let untested = match from {
        Some(rev) => {
            let start = state.graph.resolve(rev)?;
            let mut before = state.graph.ancestors(&[start]);
            before.remove(&start);
            before
        }
        None => Default::default(),
    };
    let empty = schema::snapshot(conn, table).await?;
    let prefix: Vec<usize> = order
        .iter()
        .copied()
        .filter(|i| untested.contains(i))
        .collect();
    apply(conn, table, &state.steps(&prefix, Direction::Up)?).await?;

    let tested: Vec<usize> = order
        .iter()
        .copied()
        .filter(|i| !untested.contains(i))
        .collect();
    let mut results = Vec::with_capacity(tested.len());
    let mut blocked = false;
    for (index, &i) in tested.iter().enumerate() {
        let node = &state.graph.node(i).id;
        let message = state.message(i).to_owned();
        progress.start(node, &message, index, tested.len());
        let started = Instant::now();
        let (status, problems) = if blocked {
            (
                Status::NotRun,
                vec!["not run: an earlier revision failed to apply".to_owned()],
            )
        } else {
            let outcome = round_trip(conn, table, &state, i).await?;
            blocked = outcome.blocks_the_rest;
            let status = if outcome.problems.is_empty() {
                Status::Passed
            } else {
                Status::Failed
            };
            (status, outcome.problems)
        };
        let result = RevisionResult {
            revision: node.clone(),
            message,
            status,
            duration_ms: started.elapsed().as_millis(),
            problems,
        };
        progress.finish(&result);
        results.push(result);
    }
    progress.done();
    let base = if blocked {
        base_result(
            Status::NotRun,
            vec!["not run: an earlier revision failed to apply".into()],
            Instant::now(),
        )
    } else {
        down_to_base(conn, source, table, &empty).await?
    };
    Ok(Report {
        revisions: results,
        skipped_before_from: prefix.len(),
        base,
    })
}

struct Outcome {
    problems: Vec<String>,
    /// The database is not at this revision's "applied" state, so its descendants cannot run.
    blocks_the_rest: bool,
}

/// Up, snapshot, down, compare, up again, compare.
async fn round_trip(
    conn: &mut impl Database,
    table: &str,
    state: &State,
    i: usize,
) -> Result<Outcome, Error> {
    let label = format!("{} ({})", state.graph.node(i).id, state.message(i));
    let up = state.step(i, Direction::Up)?;
    let before = schema::snapshot(conn, table).await?;
    if let Err(e) = apply(conn, table, std::slice::from_ref(&up)).await {
        return Ok(Outcome {
            problems: vec![format!("upgrading {label} failed: {e}")],
            blocks_the_rest: true,
        });
    }
    let after_up = schema::snapshot(conn, table).await?;
    let down = match state.step(i, Direction::Down) {
        Ok(down) => down,
        Err(e) => {
            return Ok(Outcome {
                problems: vec![e.to_string()],
                blocks_the_rest: false,
            });
        }
    };
    if let Err(e) = apply(conn, table, std::slice::from_ref(&down)).await {
        // A failed downgrade rolled back: the database is still upgraded, so testing goes on.
        return Ok(Outcome {
            problems: vec![format!("downgrading {label} failed: {e}")],
            blocks_the_rest: false,
        });
    }
    let after_down = schema::snapshot(conn, table).await?;
    let mut problems: Vec<String> = schema::diff(&before, &after_down)
        .iter()
        .map(|d| format!("after downgrading {label}: {d}"))
        .collect();
    if let Err(e) = apply(conn, table, std::slice::from_ref(&up)).await {
        problems.push(format!("upgrading {label} again failed: {e}"));
        return Ok(Outcome {
            problems,
            blocks_the_rest: true,
        });
    }
    let again = schema::snapshot(conn, table).await?;
    problems.extend(
        schema::diff(&after_up, &again)
            .iter()
            .map(|d| format!("after upgrading {label} again: {d}")),
    );
    Ok(Outcome {
        problems,
        blocks_the_rest: false,
    })
}

/// Downgrades everything and compares with the empty database.
async fn down_to_base(
    conn: &mut impl Database,
    source: &MigrationSource,
    table: &str,
    empty: &Schema,
) -> Result<RevisionResult, Error> {
    let started = Instant::now();
    let rows = conn.applied(table).await?;
    let state = State::build(source.clone(), rows)?;
    let order = plan::downgrade(&state.graph, &state.applied, &Target::Base)?;
    let steps = match state.steps(&order, Direction::Down) {
        Ok(steps) => steps,
        Err(e) => {
            return Ok(base_result(
                Status::NotRun,
                vec![format!("not run: {e}")],
                started,
            ));
        }
    };
    if let Err(e) = apply(conn, table, &steps).await {
        return Ok(base_result(
            Status::Failed,
            vec![format!("downgrading to base failed: {e}")],
            started,
        ));
    }
    let after = schema::snapshot(conn, table).await?;
    let problems: Vec<String> = schema::diff(empty, &after)
        .iter()
        .map(|d| format!("after downgrading everything to base: {d}"))
        .collect();
    let status = if problems.is_empty() {
        Status::Passed
    } else {
        Status::Failed
    };
    Ok(base_result(status, problems, started))
}

fn base_result(status: Status, problems: Vec<String>, started: Instant) -> RevisionResult {
    RevisionResult {
        revision: RevisionId::parse("base")
            .unwrap_or_else(|_| unreachable!("`base` is a valid id")),
        message: "downgrade everything to base".into(),
        status,
        duration_ms: started.elapsed().as_millis(),
        problems,
    }
}

async fn apply(conn: &mut impl Database, table: &str, steps: &[PlannedStep]) -> Result<(), Error> {
    executor::run(conn, table, steps, &mut Silent).await?;
    Ok(())
}
