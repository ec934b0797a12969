//! Talking to the database: connecting, the run lock, the version table, and sending SQL.
//!
//! The surface is deliberately small (send a script, send and count statements, read versions,
//! lock); what a step means is decided by the executor, and the text comes from [`script`].

mod postgres;
pub mod scratch;
pub mod script;
mod sqlite;

use futures_util::StreamExt;
use sqlx::{AssertSqlSafe, Row};

pub use postgres::Canceller;
pub use script::{Dialect, DurationSql, Part, StepScript, VersionRow};

use crate::config::DatabaseUrl;
use crate::error::{DbError, DbMessage};
use crate::source::RevisionId;

/// How often a run with `--lock-timeout` checks whether the lock came free.
const LOCK_POLL: std::time::Duration = std::time::Duration::from_millis(100);

/// A row of the version table as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedRow {
    /// What was recorded.
    pub row: VersionRow,
    /// When it was applied, UTC, as text.
    pub applied_at: String,
    /// How long the revision took, in milliseconds.
    pub duration_ms: i64,
    /// For a `transaction:false` section that did not finish: how far it got, e.g. `up 2/5`.
    pub incomplete: Option<String>,
}

/// Someone else holds the run lock; told to the caller before waiting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockHolder {
    /// Who, as far as the database can tell (application, pid, host, since when).
    pub description: Option<String>,
}

/// An open connection of either backend.
pub enum Connection {
    /// PostgreSQL, with a second connection for the advisory lock.
    Postgres(Box<postgres::PgDatabase>),
    /// A SQLite file.
    Sqlite(sqlite::SqliteDatabase),
}

impl Connection {
    /// Connects, creating a SQLite file (and its folder) if needed.
    pub async fn open(url: &DatabaseUrl) -> Result<Connection, DbError> {
        match url {
            DatabaseUrl::Postgres(raw) => Ok(Connection::Postgres(Box::new(
                postgres::PgDatabase::connect(raw, url).await?,
            ))),
            DatabaseUrl::Sqlite(path) => Ok(Connection::Sqlite(
                sqlite::SqliteDatabase::open(path.as_deref(), url).await?,
            )),
        }
    }

    /// Connects to look only: `Ok(None)` for a SQLite file that does not exist yet, which is
    /// then not created.
    pub async fn open_existing(url: &DatabaseUrl) -> Result<Option<Connection>, DbError> {
        if let DatabaseUrl::Sqlite(Some(path)) = url
            && !path.exists()
        {
            return Ok(None);
        }
        Connection::open(url).await.map(Some)
    }

    /// The SQL flavour.
    pub fn dialect(&self) -> Dialect {
        match self {
            Connection::Postgres(_) => Dialect::Postgres,
            Connection::Sqlite(_) => Dialect::Sqlite,
        }
    }

    /// The PostgreSQL connection, for introspection.
    pub fn as_postgres(&mut self) -> Option<&mut sqlx::PgConnection> {
        match self {
            Connection::Postgres(pg) => Some(&mut pg.conn),
            Connection::Sqlite(_) => None,
        }
    }

    /// The SQLite connection, for introspection.
    pub fn as_sqlite(&mut self) -> Option<&mut sqlx::SqliteConnection> {
        match self {
            Connection::Postgres(_) => None,
            Connection::Sqlite(db) => Some(&mut db.conn),
        }
    }

    /// A handle that cancels the running statement from elsewhere (PostgreSQL only: SQLite runs
    /// in this process and has no server statement to cancel).
    pub fn canceller(&self) -> Option<Canceller> {
        match self {
            Connection::Postgres(pg) => Some(pg.canceller()),
            Connection::Sqlite(_) => None,
        }
    }

    /// Takes the run lock, calling `on_wait` once if another run holds it, and giving up after
    /// `timeout` if one is set.
    pub async fn lock(
        &mut self,
        table: &str,
        timeout: Option<std::time::Duration>,
        on_wait: impl FnOnce(LockHolder),
    ) -> Result<(), DbError> {
        match self {
            Connection::Postgres(pg) => pg.lock(table, timeout, on_wait).await,
            Connection::Sqlite(db) => db.lock(timeout, on_wait).await,
        }
    }

    /// Releases the run lock (it is also released when the process ends).
    pub async fn unlock(&mut self) {
        match self {
            Connection::Postgres(pg) => pg.unlock().await,
            Connection::Sqlite(db) => db.unlock(),
        }
    }

    /// Sends `sql` as one query string.
    pub async fn execute(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        self.execute_counting(sql).await.1.map_or(Ok(()), Err)
    }

    /// Sends `sql` as one query string and counts the statements the server completed before an
    /// error, so the failing statement can be named.
    pub async fn execute_counting(&mut self, sql: &str) -> (usize, Option<sqlx::Error>) {
        let query = sqlx::raw_sql(AssertSqlSafe(sql.to_owned()));
        let stream = match self {
            Connection::Postgres(pg) => query
                .execute_many(&mut pg.conn)
                .map(|r| r.map(drop))
                .boxed(),
            Connection::Sqlite(db) => query
                .execute_many(&mut db.conn)
                .map(|r| r.map(drop))
                .boxed(),
        };
        count_until_error(stream).await
    }

    /// Creates the version table if it does not exist, after checking an existing one's shape.
    pub async fn ensure_version_table(&mut self, table: &str) -> Result<(), DbError> {
        if !self.check_version_table(table).await? {
            let sql = self.dialect().create_version_table(table);
            self.execute(&sql)
                .await
                .map_err(|e| query_error("creating the version table", &e))?;
        }
        Ok(())
    }

    /// True when the version table exists with the expected columns; an error when it exists
    /// with another shape.
    async fn check_version_table(&mut self, table: &str) -> Result<bool, DbError> {
        let columns = match self {
            Connection::Postgres(pg) => pg.columns(table).await,
            Connection::Sqlite(db) => db.columns(table).await,
        }
        .map_err(|e| query_error("inspecting the version table", &e))?;
        if columns.is_empty() {
            return Ok(false);
        }
        if let Some(missing) = script::VERSION_COLUMNS
            .iter()
            .find(|c| !columns.iter().any(|have| have == *c))
        {
            return Err(DbError::VersionTableShape {
                table: table.to_owned(),
                column: (*missing).to_owned(),
            });
        }
        Ok(true)
    }

    /// The recorded revisions, oldest first; empty when the version table does not exist.
    pub async fn applied(&mut self, table: &str) -> Result<Vec<AppliedRow>, DbError> {
        if !self.check_version_table(table).await? {
            return Ok(Vec::new());
        }
        let sql = self.dialect().select_versions(table);
        let query = || sqlx::raw_sql(AssertSqlSafe(sql.clone()));
        let decoded = match self {
            Connection::Postgres(pg) => query()
                .fetch_all(&mut pg.conn)
                .await
                .and_then(|rows| rows.iter().map(decode_version).collect()),
            Connection::Sqlite(db) => query()
                .fetch_all(&mut db.conn)
                .await
                .and_then(|rows| rows.iter().map(decode_version).collect()),
        };
        decoded.map_err(|e| query_error("reading the version table", &e))
    }

    /// Closes the connection politely.
    pub async fn close(self) {
        match self {
            Connection::Postgres(pg) => pg.close().await,
            Connection::Sqlite(db) => db.close().await,
        }
    }
}

/// One row of [`Dialect::select_versions`], which gives both backends the same column types.
fn decode_version<'r, R>(r: &'r R) -> Result<AppliedRow, sqlx::Error>
where
    R: Row,
    &'static str: sqlx::ColumnIndex<R>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(AppliedRow {
        row: VersionRow {
            revision: stored_id(r.try_get("revision")?)?,
            parents: stored_parents(&r.try_get::<String, _>("parents")?)?,
            message: r.try_get("message")?,
            checksum: r.try_get("checksum")?,
            down_sql: r.try_get("down_sql")?,
            down_transactional: r.try_get::<i64, _>("down_transactional")? != 0,
        },
        applied_at: r.try_get("applied_at")?,
        duration_ms: r.try_get("duration_ms")?,
        incomplete: r.try_get("incomplete")?,
    })
}

/// Ids read back from the version table, validated like ids from files.
fn stored_id(text: String) -> Result<RevisionId, sqlx::Error> {
    RevisionId::parse(&text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

fn stored_parents(text: &str) -> Result<Vec<RevisionId>, sqlx::Error> {
    text.split(',')
        .filter(|p| !p.is_empty())
        .map(|p| stored_id(p.to_owned()))
        .collect()
}

async fn count_until_error(
    mut stream: futures_util::stream::BoxStream<'_, Result<(), sqlx::Error>>,
) -> (usize, Option<sqlx::Error>) {
    let mut done = 0;
    while let Some(item) = stream.next().await {
        match item {
            Ok(()) => done += 1,
            Err(e) => return (done, Some(e)),
        }
    }
    (done, None)
}

/// A failed statement as the database describes it, plus the byte offset into the query text
/// that PostgreSQL reports for many errors.
pub fn describe(error: &sqlx::Error, query: &str) -> (DbMessage, Option<usize>) {
    let Some(db) = error.as_database_error() else {
        return (
            DbMessage {
                message: error.to_string(),
                ..DbMessage::default()
            },
            None,
        );
    };
    let mut message = DbMessage {
        message: db.message().to_owned(),
        code: db.code().map(|c| c.into_owned()),
        ..DbMessage::default()
    };
    let mut offset = None;
    if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        message.detail = pg.detail().map(str::to_owned);
        message.hint = pg.hint().map(str::to_owned);
        if let Some(sqlx::postgres::PgErrorPosition::Original(chars)) = pg.position() {
            // PostgreSQL counts characters from 1; we need bytes from 0.
            offset = query
                .char_indices()
                .nth(chars.saturating_sub(1))
                .map(|(b, _)| b);
        }
    }
    (message, offset)
}

/// A bookkeeping query that failed.
pub fn query_error(doing: &str, error: &sqlx::Error) -> DbError {
    DbError::Query {
        doing: doing.to_owned(),
        reason: describe(error, "").0.message,
    }
}
