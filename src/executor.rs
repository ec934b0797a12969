//! Carrying out a plan: each step's SQL and its version row in one transaction (one round trip on
//! PostgreSQL), or statement by statement for `transaction:false` sections.
//!
//! The executor decides nothing: the plan says what to run, [`crate::db::script`] says how it is
//! written, the dialect's [`Delivery`] how it is sent, and a [`Progress`] shows it. It sees the
//! database only through [`Database`], so its tests below run against a fake.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::db::{Database, Delivery, DurationSql, StepScript};
use crate::error::DbError;
use crate::error::{DbMessage, RunError};
use crate::plan::Direction;
use crate::source::{RevisionId, Section};
use crate::state::{PlannedStep, State, version_row};

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
    progress: &mut (dyn Progress + Send),
) -> Result<Vec<Completed>, Box<RunError>> {
    run_until_stopped(conn, table, steps, progress, &AtomicBool::new(false)).await
}

/// Like [`run`], but stops before the next step once `stop` is set (by Ctrl-C); the step in
/// flight is cancelled by the caller through [`Database::canceller`].
pub async fn run_until_stopped<D: Database>(
    conn: &mut D,
    table: &str,
    steps: &[PlannedStep],
    progress: &mut (dyn Progress + Send),
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
        if let Err(failure) = run_step(conn, table, step, stop).await {
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
    stop: &AtomicBool,
) -> Result<(), StepFailure> {
    // What the connection would not run as the file was read is refused before any of it is sent.
    if let Some((k, error)) = conn.refusal(&step.section).await {
        return Err(StepFailure {
            db: error.statement_words().0,
            statement: Some(k),
            offset: None,
            statements_done: None,
        });
    }
    let sending = Sending {
        conn,
        table,
        step,
        stop,
    };
    if !sending.conn.dialect().runs_in_transaction(&step.section) {
        return sending.statement_by_statement().await;
    }
    match sending.conn.dialect().delivery() {
        Delivery::OneQuery => sending.in_one_query().await,
        Delivery::LocalTransaction => sending.in_local_transaction().await,
    }
}

/// One step on its way to the database, sent in one of three ways (the section's `transaction`
/// setting and the dialect's [`Delivery`] choose which).
struct Sending<'a, D> {
    conn: &'a mut D,
    /// The version table.
    table: &'a str,
    step: &'a PlannedStep,
    /// Set by Ctrl-C: a section sent statement by statement stops before its next statement.
    stop: &'a AtomicBool,
}

impl<D: Database> Sending<'_, D> {
    /// The step's SQL and bookkeeping, with the duration written as `duration`.
    fn script(&self, duration: DurationSql) -> StepScript {
        let step = self.step;
        let dialect = self.conn.dialect();
        StepScript::new(
            dialect,
            self.table,
            step.direction,
            &step.section,
            &step.row,
            duration,
        )
    }

    /// PostgreSQL: `BEGIN; <section>; <bookkeeping>; COMMIT;` in one round trip. The server reports
    /// each completed statement, which names the failing one.
    async fn in_one_query(self) -> Result<(), StepFailure> {
        let script = self.script(DurationSql::SinceTransactionStart);
        let Sending { conn, step, .. } = self;
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

    /// SQLite runs in-process, so round trips cost nothing: begin, run, record, commit. MySQL's
    /// DML-only sections take this way too (its DDL never reaches it: it would commit).
    async fn in_local_transaction(self) -> Result<(), StepFailure> {
        let started = Instant::now();
        self.conn
            .execute(self.conn.dialect().begin_local())
            .await
            .map_err(|e| plain_failure(&e))?;
        let (done, error) = self.conn.execute_counting(&self.step.section.sql).await;
        if let Some(error) = error {
            let _ = self.conn.execute("ROLLBACK").await;
            return Err(StepFailure {
                db: error.statement_words().0,
                statement: Some(done),
                offset: None,
                statements_done: None,
            });
        }
        let script = self.script(DurationSql::Measured(millis(started.elapsed())));
        let finish = format!("{}\nCOMMIT;", script.bookkeeping);
        if let Err(error) = self.conn.execute(&finish).await {
            let _ = self.conn.execute("ROLLBACK").await;
            return Err(bookkeeping_failure(&error));
        }
        Ok(())
    }

    /// `transaction:false`: each statement on its own, so PostgreSQL does not wrap them in an implicit
    /// transaction (`CREATE INDEX CONCURRENTLY` refuses to run in one). The version row is written
    /// first and says how far the section got after every statement, so a crash leaves a precise record.
    async fn statement_by_statement(self) -> Result<(), StepFailure> {
        let script = self.script(DurationSql::SinceTransactionStart);
        let Sending {
            conn, step, stop, ..
        } = self;
        let section: &Section = &step.section;
        for part in &script.parts {
            // A cancelled statement may still have returned normally (MySQL's lone `SLEEP` does):
            // stop before the next one, its progress note already saying how far the section got.
            // (Before the first, the row would say `0/n` of a revision that never started.)
            if let Some(k) = part
                .statement
                .filter(|&k| k > 0 && stop.load(Ordering::SeqCst))
            {
                return Err(StepFailure {
                    db: DbMessage {
                        message: format!("the run was interrupted before statement {}", k + 1),
                        ..DbMessage::default()
                    },
                    statement: Some(k),
                    offset: None,
                    statements_done: Some(k),
                });
            }
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

#[cfg(test)]
mod tests {
    //! The executor against a fake database: what it sends, and how a failure the database
    //! reports becomes a [`RunError`] naming the revision, file line and what stayed applied.

    use std::path::Path;

    use super::*;
    use crate::db::{AppliedRow, Dialect, LockHolder, VersionRow, script};
    use crate::error::FailedStatement;
    use crate::schema::Schema;

    /// A failure the fake reports for the first query containing `when_sent`.
    struct ScriptedFailure {
        when_sent: &'static str,
        /// Statements the "server" completed before failing.
        completed: usize,
        message: &'static str,
        /// Text of the query the error position points at, as PostgreSQL reports one.
        position_at: Option<&'static str>,
    }

    /// Records every query string; fails once as scripted.
    struct FakeDb {
        dialect: Dialect,
        sent: Vec<String>,
        failure: Option<ScriptedFailure>,
    }

    impl FakeDb {
        fn new(dialect: Dialect) -> Self {
            FakeDb {
                dialect,
                sent: Vec::new(),
                failure: None,
            }
        }

        fn failing(mut self, failure: ScriptedFailure) -> Self {
            self.failure = Some(failure);
            self
        }
    }

    fn not_faked() -> DbError {
        DbError::Query {
            doing: "using the fake database".into(),
            reason: "not part of the fake".into(),
        }
    }

    impl Database for FakeDb {
        type Canceller = crate::db::NoCancel;

        fn dialect(&self) -> Dialect {
            self.dialect
        }

        async fn lock(
            &mut self,
            _table: &str,
            _timeout: Option<Duration>,
            _on_wait: impl FnOnce(LockHolder),
        ) -> Result<(), DbError> {
            Ok(())
        }

        async fn unlock(&mut self) {}

        async fn execute_counting(&mut self, sql: &str) -> (usize, Option<DbError>) {
            self.sent.push(sql.to_owned());
            let fails = self
                .failure
                .as_ref()
                .is_some_and(|f| sql.contains(f.when_sent));
            let Some(failure) = self.failure.take_if(|_| fails) else {
                return (sql.matches(';').count().max(1), None);
            };
            let error = DbError::Statement(Box::new(FailedStatement {
                doing: "running SQL".into(),
                db: DbMessage {
                    message: failure.message.into(),
                    ..DbMessage::default()
                },
                offset: failure.position_at.and_then(|text| sql.find(text)),
                driver: None,
            }));
            (failure.completed, Some(error))
        }

        async fn table_columns(&mut self, _table: &str) -> Result<Vec<String>, DbError> {
            Ok(script::VERSION_COLUMNS
                .iter()
                .map(|c| c.to_string())
                .collect())
        }

        async fn version_rows(&mut self, _table: &str) -> Result<Vec<AppliedRow>, DbError> {
            Ok(Vec::new())
        }

        async fn text_rows(&mut self, _sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError> {
            Err(not_faked())
        }

        async fn catalog(&mut self) -> Result<Schema, DbError> {
            Err(not_faked())
        }

        async fn close(self) {}
    }

    /// Counts the progress events.
    #[derive(Default)]
    struct Events {
        started: usize,
        finished: usize,
        done: usize,
    }

    impl Progress for Events {
        fn start(&mut self, _: &PlannedStep, _: usize, _: usize) {
            self.started += 1;
        }
        fn finish(&mut self, _: &PlannedStep, _: Duration) {
            self.finished += 1;
        }
        fn done(&mut self) {
            self.done += 1;
        }
    }

    /// Revision `id` whose up section (file line 5 on) is `up`.
    fn step(id: &str, up: &str, transactional: bool) -> PlannedStep {
        let marker = if transactional {
            ""
        } else {
            " transaction:false"
        };
        let text = format!(
            "-- revision: {id}\n-- message: revision {id}\n\n-- migrate:up{marker}\n{up}\n-- migrate:down\nSELECT 1;\n"
        );
        let path = format!("migrations/{id}_test.sql");
        let file =
            crate::source::parse(Path::new(&path), text.as_bytes()).expect("test file parses");
        PlannedStep {
            id: file.id.clone(),
            message: file.message.clone(),
            path: file.path.clone(),
            direction: Direction::Up,
            section: file.up.clone(),
            row: VersionRow {
                revision: file.id,
                parents: Vec::new(),
                message: file.message,
                checksum: file.checksum,
                down_sql: None,
                down_transactional: true,
            },
        }
    }

    fn three_steps() -> Vec<PlannedStep> {
        vec![
            step("0001", "CREATE TABLE a (id int);", true),
            step(
                "0002",
                "CREATE TABLE b (id int);\nCREATE TABLE c (id bogus);",
                true,
            ),
            step("0003", "CREATE TABLE d (id int);", true),
        ]
    }

    async fn run_fake(
        db: &mut FakeDb,
        steps: &[PlannedStep],
    ) -> (Result<Vec<Completed>, Box<RunError>>, Events) {
        let mut events = Events::default();
        let result = run(db, "brainmig_version", steps, &mut events).await;
        (result, events)
    }

    #[tokio::test]
    async fn postgres_sends_each_transactional_revision_in_one_round_trip() {
        let mut db = FakeDb::new(Dialect::Postgres);
        let steps = three_steps();
        let (result, events) = run_fake(&mut db, &steps).await;
        let completed = result.expect("the run succeeds");
        assert_eq!(
            completed
                .iter()
                .map(|c| c.revision.as_str())
                .collect::<Vec<_>>(),
            ["0001", "0002", "0003"]
        );
        assert_eq!(
            db.sent.len(),
            3,
            "one query string per revision: {:#?}",
            db.sent
        );
        for (sent, step) in db.sent.iter().zip(&steps) {
            assert!(sent.starts_with("BEGIN;\n"), "{sent}");
            assert!(sent.ends_with("COMMIT;\n"), "{sent}");
            assert!(sent.contains(step.section.sql.trim_end()), "{sent}");
            assert!(sent.contains("INSERT INTO \"brainmig_version\""), "{sent}");
        }
        assert_eq!((events.started, events.finished, events.done), (3, 3, 1));
    }

    #[tokio::test]
    async fn mysql_runs_ddl_statement_by_statement_and_dml_alone_in_a_transaction() {
        let mut db = FakeDb::new(Dialect::Mysql);
        let steps = [
            step(
                "0001",
                "CREATE TABLE a (id int);\nCREATE TABLE b (id int);",
                true,
            ),
            step(
                "0002",
                "INSERT INTO a VALUES (1);\nUPDATE a SET id = 2;",
                true,
            ),
        ];
        run_fake(&mut db, &steps).await.0.expect("the run succeeds");
        let ddl = &db.sent[..db.sent.len() - 3];
        assert!(
            ddl[0].contains("INSERT INTO `brainmig_version`") && ddl[0].contains("'up 0/2'"),
            "{ddl:#?}"
        );
        assert_eq!(ddl[1], "CREATE TABLE a (id int);");
        assert!(ddl[2].contains("'up 1/2'"), "{ddl:#?}");
        assert_eq!(ddl[3], "CREATE TABLE b (id int);");
        assert!(ddl[4].contains("SET incomplete = NULL"), "{ddl:#?}");
        let dml = &db.sent[db.sent.len() - 3..];
        assert_eq!(dml[0], "START TRANSACTION");
        assert_eq!(dml[1], steps[1].section.sql);
        assert!(dml[2].contains("INSERT INTO `brainmig_version`") && dml[2].ends_with("COMMIT;"));
    }

    #[tokio::test]
    async fn sqlite_runs_a_revision_as_begin_section_then_bookkeeping_with_commit() {
        let mut db = FakeDb::new(Dialect::Sqlite);
        let steps = [step("0001", "CREATE TABLE a (id int);", true)];
        run_fake(&mut db, &steps).await.0.expect("the run succeeds");
        assert_eq!(db.sent.len(), 3, "{:#?}", db.sent);
        assert_eq!(db.sent[0], "BEGIN IMMEDIATE");
        assert_eq!(db.sent[1], steps[0].section.sql);
        assert!(db.sent[2].contains("INSERT INTO \"brainmig_version\""));
        assert!(db.sent[2].ends_with("COMMIT;"), "{}", db.sent[2]);
    }

    #[tokio::test]
    async fn a_failure_names_the_line_the_database_pointed_at_and_what_stayed_applied() {
        let mut db = FakeDb::new(Dialect::Postgres).failing(ScriptedFailure {
            when_sent: "CREATE TABLE c",
            completed: 2, // BEGIN and the first statement
            message: "type \"bogus\" does not exist",
            position_at: Some("bogus"),
        });
        let steps = three_steps();
        let (result, events) = run_fake(&mut db, &steps).await;
        let error = result.expect_err("the second revision fails");
        assert_eq!(error.id.as_str(), "0002");
        assert_eq!(error.path, Path::new("migrations/0002_test.sql"));
        assert_eq!(error.line, Some(6), "the second line of the section");
        assert_eq!(error.db.message, "type \"bogus\" does not exist");
        assert_eq!(
            error
                .completed
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>(),
            ["0001"]
        );
        assert_eq!(error.statements_done, None);
        assert!(!error.interrupted);
        assert_eq!(db.sent.last().map(String::as_str), Some("ROLLBACK"));
        assert_eq!(db.sent.len(), 3, "nothing runs after the failure");
        assert_eq!((events.started, events.finished, events.done), (2, 1, 1));
    }

    #[tokio::test]
    async fn the_reported_position_is_counted_from_the_section_not_from_the_query_sent() {
        // The position counts from the start of `BEGIN;\n...`; `bogus` lies within that
        // prefix's length of the next line, so an uncorrected position names the wrong line.
        let mut db = FakeDb::new(Dialect::Postgres).failing(ScriptedFailure {
            when_sent: "bogus",
            completed: 1,
            message: "column \"bogus\" does not exist",
            position_at: Some("bogus"),
        });
        let steps = [step("0001", "SELECT bogus;\nSELECT 1;", true)];
        let error = run_fake(&mut db, &steps).await.0.expect_err("fails");
        assert_eq!(error.line, Some(5));
    }

    #[tokio::test]
    async fn without_a_position_the_count_of_completed_statements_names_the_line() {
        let mut db = FakeDb::new(Dialect::Sqlite).failing(ScriptedFailure {
            when_sent: "CREATE TABLE c",
            completed: 1,
            message: "no such type",
            position_at: None,
        });
        let steps = [step(
            "0002",
            "CREATE TABLE b (id int);\n\nCREATE TABLE c (id x);",
            true,
        )];
        let error = run_fake(&mut db, &steps).await.0.expect_err("fails");
        assert_eq!(error.line, Some(7));
        assert_eq!(
            db.sent,
            ["BEGIN IMMEDIATE", steps[0].section.sql.as_str(), "ROLLBACK"]
        );
    }

    #[tokio::test]
    async fn a_failed_version_row_is_reported_as_bookkeeping_not_as_the_migration() {
        // BEGIN and the section's one statement completed: the insert of the version row failed.
        let mut db = FakeDb::new(Dialect::Postgres).failing(ScriptedFailure {
            when_sent: "INSERT INTO",
            completed: 2,
            message: "permission denied for table brainmig_version",
            position_at: None,
        });
        let steps = [step("0001", "CREATE TABLE a (id int);", true)];
        let error = run_fake(&mut db, &steps).await.0.expect_err("fails");
        assert_eq!(
            error.db.message,
            "recording the revision in the version table failed: permission denied for table brainmig_version"
        );
        assert_eq!(error.line, None);
    }

    #[tokio::test]
    async fn outside_a_transaction_a_failure_says_how_many_statements_stayed() {
        let mut db = FakeDb::new(Dialect::Postgres).failing(ScriptedFailure {
            when_sent: "CREATE INDEX CONCURRENTLY b_id",
            completed: 0,
            message: "column \"nope\" does not exist",
            position_at: Some("nope"),
        });
        let steps = [step(
            "0001",
            "CREATE INDEX CONCURRENTLY a_id ON a (id);\nCREATE INDEX CONCURRENTLY b_id ON b (nope);",
            false,
        )];
        let error = run_fake(&mut db, &steps).await.0.expect_err("fails");
        assert_eq!(error.statements_done, Some(1));
        assert_eq!(error.line, Some(6));
        assert!(
            db.sent.iter().all(|sql| !sql.contains("BEGIN")),
            "no transaction around the statements: {:#?}",
            db.sent
        );
    }

    #[tokio::test]
    async fn a_stopped_run_reports_the_next_revision_as_interrupted_and_sends_nothing() {
        let mut db = FakeDb::new(Dialect::Postgres);
        let steps = three_steps();
        let mut events = Events::default();
        let stop = AtomicBool::new(true);
        let error = run_until_stopped(&mut db, "brainmig_version", &steps, &mut events, &stop)
            .await
            .expect_err("stopped");
        assert!(error.interrupted);
        assert_eq!(error.id.as_str(), "0001");
        assert!(error.completed.is_empty());
        assert_eq!(error.db.message, "not started: the run was interrupted");
        assert!(db.sent.is_empty());
        assert_eq!((events.started, events.done), (0, 1));
    }

    #[test]
    fn into_run_error_prefers_the_reported_position_over_the_statement_count() {
        // Section lines 1-3 are file lines 5-7; statement 0 on line 1, statement 1 on line 3.
        let step = step("0009", "SELECT 1;\n\nSELECT bogus;", true);
        let bogus = step.section.sql.find("bogus").expect("in the section");
        let done = [Completed {
            revision: RevisionId::parse("0008").expect("valid id"),
            message: "before".into(),
            direction: Direction::Up,
            duration_ms: 1,
        }];
        let cases = [
            ((Some(bogus), Some(0)), Some(7)),
            ((Some(0), None), Some(5)),
            ((None, Some(1)), Some(7)),
            ((None, Some(0)), Some(5)),
            ((None, Some(9)), None),
            ((None, None), None),
        ];
        for ((offset, statement), line) in cases {
            let failure = StepFailure {
                db: DbMessage {
                    message: "boom".into(),
                    ..DbMessage::default()
                },
                statement,
                offset,
                statements_done: Some(1),
            };
            let error = failure.into_run_error(&step, &done);
            assert_eq!(
                error.line, line,
                "offset {offset:?}, statement {statement:?}"
            );
            assert_eq!(error.id.as_str(), "0009");
            assert_eq!(error.completed, [done[0].revision.clone()]);
            assert_eq!(error.statements_done, Some(1));
            assert_eq!(error.db.message, "boom");
            assert!(!error.interrupted);
        }
    }
}

/// A baseline written by `squash` (`-- replaces: a, b, c`), recorded in place of the rows of the
/// revisions it replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedBaseline {
    /// The baseline.
    pub id: RevisionId,
    /// How many version rows it took the place of.
    pub replaced: usize,
}

/// Records each baseline the state recognised (the database applied everything it replaces)
/// and forgets the rows it replaces, in one transaction, running no migration SQL; from then on
/// `down` and everything after see an ordinary applied revision. Runs under the run lock, before
/// a plan: `up`, `down` and the embedded migrator share it.
pub async fn record_baselines(
    conn: &mut impl Database,
    state: &State,
    table: &str,
) -> Result<Vec<RecordedBaseline>, DbError> {
    let files: Vec<_> = (state.baselines_to_record.iter())
        .filter_map(|&i| state.files[i].as_ref())
        .collect();
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let dialect = conn.dialect();
    let mut sql = String::from("BEGIN;\n");
    for file in &files {
        for id in &file.replaces {
            sql.push_str(&dialect.delete_version(table, id));
            sql.push('\n');
        }
        sql.push_str(&dialect.insert_version(table, &version_row(file), DurationSql::Measured(0)));
        sql.push('\n');
    }
    sql.push_str("COMMIT;\n");
    if let Err(e) = conn.execute(&sql).await {
        let _ = conn.execute("ROLLBACK").await;
        return Err(e.context("recording the baseline"));
    }
    Ok(files
        .iter()
        .map(|file| RecordedBaseline {
            id: file.id.clone(),
            replaced: file.replaces.len(),
        })
        .collect())
}
