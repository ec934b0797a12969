//! Carrying out a plan: each step's SQL and its version row in one transaction (one round trip on
//! PostgreSQL), or statement by statement for `transaction:false` sections.
//!
//! The executor decides nothing: the plan says what to run, [`crate::db::script`] says how it is
//! written, the dialect's [`Delivery`] how it is sent, and a [`Progress`] shows it. It sees the
//! database only through [`Database`], so its tests below run against a fake.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::db::{Database, Delivery, Dialect, DurationSql, StepScript};
use crate::error::DbError;
use crate::error::{DbMessage, RunError};
use crate::plan::Direction;
use crate::source::{RevisionId, Section};
use crate::state::PlannedStep;

/// Receives the run's events, to draw a bar or print lines.
pub trait Progress {
    /// A step is about to run.
    fn start(&mut self, step: &PlannedStep, index: usize, total: usize);
    /// A step completed.
    fn finish(&mut self, step: &PlannedStep, elapsed: Duration);
    /// The run stopped, successfully or not.
    fn done(&mut self);
}

/// One completed step.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Completed {
    /// The revision.
    pub revision: RevisionId,
    /// Its message.
    pub message: String,
    /// Applied or reverted.
    pub direction: Direction,
    /// How long it took, in milliseconds.
    pub duration_ms: u128,
}

/// Runs `steps` in order, stopping at the first failure. Steps completed before it stay done and
/// are listed in the error.
pub async fn run<D: Database>(
    conn: &mut D,
    table: &str,
    steps: &[PlannedStep],
    progress: &mut dyn Progress,
) -> Result<Vec<Completed>, Box<RunError>> {
    run_until_stopped(conn, table, steps, progress, &AtomicBool::new(false)).await
}

/// Like [`run`], but stops before the next step once `stop` is set (by Ctrl-C); the step in
/// flight is cancelled by the caller through [`Database::canceller`].
pub async fn run_until_stopped<D: Database>(
    conn: &mut D,
    table: &str,
    steps: &[PlannedStep],
    progress: &mut dyn Progress,
    stop: &AtomicBool,
) -> Result<Vec<Completed>, Box<RunError>> {
    let mut completed = Vec::with_capacity(steps.len());
    for (index, step) in steps.iter().enumerate() {
        if stop.load(Ordering::SeqCst) {
            progress.done();
            let mut error = StepFailure::interrupted().into_run_error(step, &completed);
            error.interrupted = true;
            return Err(Box::new(error));
        }
        progress.start(step, index, steps.len());
        let started = Instant::now();
        if let Err(failure) = run_step(conn, table, step).await {
            progress.done();
            let mut error = failure.into_run_error(step, &completed);
            error.interrupted = stop.load(Ordering::SeqCst);
            return Err(Box::new(error));
        }
        let elapsed = started.elapsed();
        progress.finish(step, elapsed);
        completed.push(Completed {
            revision: step.id.clone(),
            message: step.message.clone(),
            direction: step.direction,
            duration_ms: elapsed.as_millis(),
        });
    }
    progress.done();
    Ok(completed)
}

/// Where a step failed, before it is turned into a user-facing error.
struct StepFailure {
    db: DbMessage,
    /// Index of the failing statement in the section, when known.
    statement: Option<usize>,
    /// Byte offset of the error in the section text, when the database gave one.
    offset: Option<usize>,
    /// For `transaction:false` sections: statements that completed (and stay).
    statements_done: Option<usize>,
}

impl StepFailure {
    fn interrupted() -> Self {
        StepFailure {
            db: DbMessage {
                message: "not started: the run was interrupted".into(),
                ..DbMessage::default()
            },
            statement: None,
            offset: None,
            statements_done: None,
        }
    }

    fn into_run_error(self, step: &PlannedStep, completed: &[Completed]) -> RunError {
        let section = &step.section;
        let line = match (self.offset, self.statement) {
            (Some(offset), _) => {
                Some(section.first_line + crate::source::line_of(&section.sql, offset) - 1)
            }
            (None, Some(k)) => section.statements.get(k).map(|s| section.file_line(s)),
            (None, None) => None,
        };
        RunError {
            id: step.id.clone(),
            path: step.path.clone(),
            line,
            db: self.db,
            completed: completed.iter().map(|c| c.revision.clone()).collect(),
            statements_done: self.statements_done,
            interrupted: false,
        }
    }
}

async fn run_step<D: Database>(
    conn: &mut D,
    table: &str,
    step: &PlannedStep,
) -> Result<(), StepFailure> {
    if !step.section.transactional {
        return run_statement_by_statement(conn, table, step).await;
    }
    match conn.dialect().delivery() {
        Delivery::OneQuery => run_as_one_query(conn, table, step).await,
        Delivery::LocalTransaction => run_in_local_transaction(conn, table, step).await,
    }
}

fn script(dialect: Dialect, table: &str, step: &PlannedStep, duration: DurationSql) -> StepScript {
    StepScript::new(
        dialect,
        table,
        step.direction,
        &step.section,
        &step.row,
        duration,
    )
}

/// PostgreSQL: `BEGIN; <section>; <bookkeeping>; COMMIT;` in one round trip. The server reports
/// each completed statement, which names the failing one.
async fn run_as_one_query<D: Database>(
    conn: &mut D,
    table: &str,
    step: &PlannedStep,
) -> Result<(), StepFailure> {
    let script = script(
        conn.dialect(),
        table,
        step,
        DurationSql::SinceTransactionStart,
    );
    let sql = script.single_query();
    let (done, error) = conn.execute_counting(&sql).await;
    let Some(error) = error else { return Ok(()) };
    // The transaction is aborted (or the connection gone); either way nothing of it stays.
    let _ = conn.execute("ROLLBACK").await;
    let (db, offset) = error.statement_words();
    let offset = offset
        .and_then(|o| o.checked_sub(script.prefix_len()))
        .filter(|&o| o < step.section.sql.len());
    // `done` counts BEGIN too; a count past the section's statements means the bookkeeping failed.
    let statement = done.checked_sub(1);
    if statement == Some(step.section.statements.len()) {
        return Err(bookkeeping_failure(&error));
    }
    Err(StepFailure {
        db,
        statement,
        offset,
        statements_done: None,
    })
}

/// SQLite runs in-process, so round trips cost nothing: begin, run, record, commit.
async fn run_in_local_transaction<D: Database>(
    conn: &mut D,
    table: &str,
    step: &PlannedStep,
) -> Result<(), StepFailure> {
    let started = Instant::now();
    conn.execute("BEGIN IMMEDIATE")
        .await
        .map_err(|e| plain_failure(&e))?;
    let (done, error) = conn.execute_counting(&step.section.sql).await;
    if let Some(error) = error {
        let _ = conn.execute("ROLLBACK").await;
        return Err(StepFailure {
            db: error.statement_words().0,
            statement: Some(done),
            offset: None,
            statements_done: None,
        });
    }
    let script = script(
        conn.dialect(),
        table,
        step,
        DurationSql::Measured(millis(started.elapsed())),
    );
    let finish = format!("{}\nCOMMIT;", script.bookkeeping);
    if let Err(error) = conn.execute(&finish).await {
        let _ = conn.execute("ROLLBACK").await;
        return Err(bookkeeping_failure(&error));
    }
    Ok(())
}

/// `transaction:false`: each statement on its own, so PostgreSQL does not wrap them in an implicit
/// transaction (`CREATE INDEX CONCURRENTLY` refuses to run in one). The version row is written
/// first and says how far the section got after every statement, so a crash leaves a precise record.
async fn run_statement_by_statement<D: Database>(
    conn: &mut D,
    table: &str,
    step: &PlannedStep,
) -> Result<(), StepFailure> {
    let script = script(
        conn.dialect(),
        table,
        step,
        DurationSql::SinceTransactionStart,
    );
    let section: &Section = &step.section;
    for part in &script.parts {
        let Err(error) = conn.execute(&part.sql).await else {
            continue;
        };
        let Some(k) = part.statement else {
            return Err(bookkeeping_failure(&error));
        };
        let statement = &section.statements[k];
        let (db, offset) = error.statement_words();
        return Err(StepFailure {
            db,
            statement: Some(k),
            offset: offset.map(|o| statement.start + o),
            statements_done: Some(k),
        });
    }
    Ok(())
}

fn plain_failure(error: &DbError) -> StepFailure {
    StepFailure {
        db: error.statement_words().0,
        statement: None,
        offset: None,
        statements_done: None,
    }
}

fn bookkeeping_failure(error: &DbError) -> StepFailure {
    let mut failure = plain_failure(error);
    failure.db.message = format!(
        "recording the revision in the version table failed: {}",
        failure.db.message
    );
    failure
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
