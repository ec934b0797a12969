//! Talking to the database, behind one seam: the [`Database`] trait.
//!
//! The executor, `stamp`, `import`, the schema snapshot and the scratch-database commands see
//! only the trait: the run lock, the version table, sending SQL (counting the statements that
//! completed, so a failure can be placed), and the catalog snapshot. What a step means is decided
//! by the executor and the text comes from [`script`]; a dialect only carries it to its server.
//! Driver errors become [`DbError`] inside the dialect, in [`failure`], so nothing above this
//! module names `sqlx`.
//!
//! Layout: one folder per dialect (`postgres/`, `sqlite/`, `mysql/`), each with a type implementing
//! [`Database`]; [`Connection`] picks one from the URL and forwards to it.
//!
//! Adding a dialect (MySQL, issue #19): a `Dialect` variant in [`script`] (its version-table DDL,
//! literals and how a transactional step is delivered), a folder `db/<dialect>/` whose type
//! implements [`Database`], a [`Connection`] variant and its arm in each forwarding `match` in
//! `connection.rs`, and its catalog reader in `schema/`. The embedded migrator (issue #15) will
//! implement [`Database`] over a connection taken from the user's sqlx pool, the same way.

mod connection;
mod failure;
pub mod lifecycle;
mod mysql;
mod postgres;
mod rows;
pub mod scratch;
mod scratch_name;
pub mod script;
mod sqlite;
pub mod wait;

pub use connection::{Canceller, Connection};
pub(crate) use failure::{describe, query_error};
pub use mysql::{Canceller as MysqlCanceller, MysqlDatabase};
pub use postgres::{Canceller as PgCanceller, PgDatabase};
pub use script::{Delivery, Dialect, DurationSql, Part, StepScript, VersionRow};
pub use sqlite::SqliteDatabase;

use crate::error::DbError;
use crate::schema::{Catalog, Schema};

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

/// Cancelling the statement another connection is running, from elsewhere: what `up` and `down`
/// do on Ctrl-C so that the statement in flight cannot go on to commit after the process exits.
#[allow(async_fn_in_trait)]
pub trait Cancel {
    /// Asks the server to cancel; the connection then sees an error and rolls back. Best effort:
    /// a failure to reach the server is ignored (the run stops before its next step anyway).
    async fn cancel(&self);
}

/// The [`Database::Canceller`] of a dialect that cannot cancel; no value of it exists.
#[derive(Debug, Clone, Copy)]
pub enum NoCancel {}

impl Cancel for NoCancel {
    async fn cancel(&self) {
        match *self {}
    }
}

/// An open database of one dialect: everything the executor and the commands ask of it.
///
/// The required methods are the dialect's own work; the provided ones (the version table's
/// checks, [`Database::execute`]) are written once on top of them.
// NOTE: plain `async fn`, so the futures are `Send` exactly when the implementation's are; the
// CLI runs on one thread. The embedded migrator (#15) may need `Send` bounds spelled out.
#[allow(async_fn_in_trait)]
pub trait Database {
    /// The SQL flavour, which decides the text of every script sent.
    fn dialect(&self) -> Dialect;

    /// Takes the run lock for version table `table`, calling `on_wait` once if another run
    /// holds it, and giving up after `timeout` if one is set.
    async fn lock(
        &mut self,
        table: &str,
        timeout: Option<std::time::Duration>,
        on_wait: impl FnOnce(LockHolder),
    ) -> Result<(), DbError>;

    /// Releases the run lock (it is also released when the process ends).
    async fn unlock(&mut self);

    /// A statement of `section` this connection would not run as its file was read, and why:
    /// the executor asks before it sends anything of a step. Only MySQL refuses one (a
    /// backslash in a string on a server with NO_BACKSLASH_ESCAPES).
    async fn refusal(&mut self, section: &crate::source::Section) -> Option<(usize, DbError)> {
        let _ = section;
        None
    }

    /// Sends `sql` as one query string, in one round trip, and counts the statements the
    /// database completed before an error, so the failing statement can be named.
    async fn execute_counting(&mut self, sql: &str) -> (usize, Option<DbError>);

    /// Column names of `table` (possibly schema-qualified); empty when it does not exist.
    async fn table_columns(&mut self, table: &str) -> Result<Vec<String>, DbError>;

    /// Every row of version table `table`, which exists with the expected columns, oldest first.
    async fn version_rows(&mut self, table: &str) -> Result<Vec<AppliedRow>, DbError>;

    /// Rows of a query whose columns are all text (cast them in the SQL), e.g. another tool's
    /// version table during `import`.
    async fn text_rows(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError>;

    /// Everything the catalog holds, the version table included (see [`crate::schema::snapshot`]).
    async fn catalog(&mut self) -> Result<Schema, DbError>;

    /// What the catalog holds in `schema` alone (a schema-per-tenant target): PostgreSQL's;
    /// the other dialects have no such schemas.
    async fn schema_catalog(&mut self, schema: &str) -> Result<Schema, DbError> {
        Err(DbError::Query {
            doing: format!("reading schema `{schema}`"),
            reason: "only PostgreSQL databases have schemas to compare one by one".into(),
        })
    }

    /// What cancels this connection's running statement from elsewhere: [`NoCancel`] for a
    /// dialect with no server statement to cancel (SQLite runs in this process).
    type Canceller: Cancel;

    /// A handle that cancels the running statement from elsewhere (Ctrl-C during a run), where
    /// the server can.
    fn canceller(&self) -> Option<Self::Canceller> {
        None
    }

    /// Closes the connection politely, releasing the lock.
    async fn close(self)
    where
        Self: Sized;

    /// Sends `sql` as one query string.
    async fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        self.execute_counting(sql).await.1.map_or(Ok(()), Err)
    }

    /// Creates the version table if it does not exist, after checking an existing one's shape.
    async fn ensure_version_table(&mut self, table: &str) -> Result<(), DbError> {
        if !rows::table_is_usable(self, table).await? {
            let sql = self.dialect().create_version_table(table);
            self.execute(&sql)
                .await
                .map_err(|e| e.context("creating the version table"))?;
        }
        Ok(())
    }

    /// The recorded revisions, oldest first; empty when the version table does not exist.
    async fn applied(&mut self, table: &str) -> Result<Vec<AppliedRow>, DbError> {
        if !rows::table_is_usable(self, table).await? {
            return Ok(Vec::new());
        }
        self.version_rows(table).await
    }
}

/// Every database is a catalog to snapshot: the schema module names no dialect.
impl<D: Database> Catalog for D {
    async fn read_catalog(&mut self, only: Option<&str>) -> Result<Schema, DbError> {
        match only {
            Some(schema) => self.schema_catalog(schema).await,
            None => self.catalog().await,
        }
    }

    fn default_schema(&self) -> &'static str {
        self.dialect().default_schema()
    }

    fn folds_name_case(&self) -> bool {
        self.dialect().folds_name_case()
    }
}
