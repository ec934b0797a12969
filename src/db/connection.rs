//! [`Connection`]: the dialect picked from the URL, forwarding every [`Database`] method to it.
//!
//! This `impl` is the one place that matches on the dialect of an open connection; a new dialect
//! adds a variant and one arm per method here.

use std::time::Duration;

use super::mysql::MysqlDatabase;
use super::postgres::PgDatabase;
use super::sqlite::SqliteDatabase;
use super::{AppliedRow, Cancel, Database, Dialect, LockHolder};
use crate::config::DatabaseUrl;
use crate::error::DbError;
use crate::schema::Schema;

/// An open connection of any backend.
pub enum Connection {
    /// PostgreSQL, with a second connection for the advisory lock.
    Postgres(Box<PgDatabase>),
    /// A SQLite file.
    Sqlite(SqliteDatabase),
    /// MySQL or MariaDB, with a second connection for `GET_LOCK`.
    Mysql(Box<MysqlDatabase>),
}

/// What cancels the running statement of a [`Connection`], for the dialects whose server can.
#[derive(Debug, Clone)]
pub enum Canceller {
    /// `pg_cancel_backend`.
    Postgres(super::postgres::Canceller),
    /// `KILL QUERY`.
    Mysql(super::mysql::Canceller),
}

impl Cancel for Canceller {
    async fn cancel(&self) {
        match self {
            Canceller::Postgres(pg) => pg.cancel().await,
            Canceller::Mysql(my) => my.cancel().await,
        }
    }
}

/// Forwards a call to the dialect's own implementation.
macro_rules! forward {
    ($self:expr, $db:ident => $call:expr) => {
        match $self {
            Connection::Postgres($db) => $call,
            Connection::Sqlite($db) => $call,
            Connection::Mysql($db) => $call,
        }
    };
}

impl Connection {
    /// Connects, creating a SQLite file (and its folder) if needed.
    pub async fn open(url: &DatabaseUrl) -> Result<Connection, DbError> {
        match url {
            DatabaseUrl::Postgres(raw) => Ok(Connection::Postgres(Box::new(
                PgDatabase::connect(raw, url).await?,
            ))),
            DatabaseUrl::Sqlite(path) => Ok(Connection::Sqlite(
                SqliteDatabase::open(path.as_deref(), url).await?,
            )),
            DatabaseUrl::Mysql(raw) => Ok(Connection::Mysql(Box::new(
                MysqlDatabase::connect(raw, url).await?,
            ))),
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

    // The methods below keep the names callers used before the trait existed, so they need
    // not import it; each is the [`Database`] method of the same name.

    /// See [`Database::dialect`].
    pub fn dialect(&self) -> Dialect {
        Database::dialect(self)
    }

    /// See [`Database::canceller`].
    pub fn canceller(&self) -> Option<Canceller> {
        Database::canceller(self)
    }

    /// See [`Database::lock`].
    pub async fn lock(
        &mut self,
        table: &str,
        timeout: Option<Duration>,
        on_wait: impl FnOnce(LockHolder),
    ) -> Result<(), DbError> {
        Database::lock(self, table, timeout, on_wait).await
    }

    /// See [`Database::unlock`].
    pub async fn unlock(&mut self) {
        Database::unlock(self).await;
    }

    /// See [`Database::execute`].
    pub async fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        Database::execute(self, sql).await
    }

    /// See [`Database::ensure_version_table`].
    pub async fn ensure_version_table(&mut self, table: &str) -> Result<(), DbError> {
        Database::ensure_version_table(self, table).await
    }

    /// See [`Database::applied`].
    pub async fn applied(&mut self, table: &str) -> Result<Vec<AppliedRow>, DbError> {
        Database::applied(self, table).await
    }

    /// See [`Database::close`].
    pub async fn close(self) {
        Database::close(self).await;
    }
}

impl Database for Connection {
    type Canceller = Canceller;

    fn dialect(&self) -> Dialect {
        forward!(self, db => db.dialect())
    }

    async fn lock(
        &mut self,
        table: &str,
        timeout: Option<Duration>,
        on_wait: impl FnOnce(LockHolder),
    ) -> Result<(), DbError> {
        forward!(self, db => db.lock(table, timeout, on_wait).await)
    }

    async fn unlock(&mut self) {
        forward!(self, db => db.unlock().await)
    }

    async fn refusal(&mut self, section: &crate::source::Section) -> Option<(usize, DbError)> {
        forward!(self, db => db.refusal(section).await)
    }

    async fn execute_counting(&mut self, sql: &str) -> (usize, Option<DbError>) {
        forward!(self, db => db.execute_counting(sql).await)
    }

    async fn table_columns(&mut self, table: &str) -> Result<Vec<String>, DbError> {
        forward!(self, db => db.table_columns(table).await)
    }

    async fn version_rows(&mut self, table: &str) -> Result<Vec<AppliedRow>, DbError> {
        forward!(self, db => db.version_rows(table).await)
    }

    async fn text_rows(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError> {
        forward!(self, db => db.text_rows(sql).await)
    }

    async fn catalog(&mut self) -> Result<Schema, DbError> {
        forward!(self, db => db.catalog().await)
    }

    async fn schema_catalog(&mut self, schema: &str) -> Result<Schema, DbError> {
        forward!(self, db => db.schema_catalog(schema).await)
    }

    fn canceller(&self) -> Option<Canceller> {
        // SQLite runs in this process: there is no server statement to cancel.
        match self {
            Connection::Postgres(db) => db.canceller().map(Canceller::Postgres),
            Connection::Mysql(db) => db.canceller().map(Canceller::Mysql),
            Connection::Sqlite(_) => None,
        }
    }

    async fn close(self) {
        match self {
            Connection::Postgres(db) => (*db).close().await,
            Connection::Sqlite(db) => db.close().await,
            Connection::Mysql(db) => (*db).close().await,
        }
    }
}
