//! SQLite: one connection to the file, and an exclusive lock on a file beside it for the run.
//!
//! SQLite runs in this process, so round trips cost nothing: a step is sent as begin, section,
//! bookkeeping-and-commit (see [`crate::db::Delivery::LocalTransaction`]).

mod catalog;
mod lock;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection as _};

use super::failure::statement_error;
use super::{AppliedRow, Database, Dialect, LockHolder, NoCancel, rows};
use crate::config::DatabaseUrl;
use crate::error::{ConnectFailure, DbError};
use crate::schema::Schema;

/// An open SQLite database (a file, or in memory).
pub struct SqliteDatabase {
    conn: SqliteConnection,
    path: Option<PathBuf>,
    lock_file: Option<File>,
}

impl SqliteDatabase {
    /// Opens the file at `path` (in memory without one), creating it and its folder if needed.
    pub async fn open(path: Option<&Path>, url: &DatabaseUrl) -> Result<Self, DbError> {
        let fail = |reason: String| DbError::Connect {
            url: url.redacted(),
            reason,
            kind: ConnectFailure::Other,
        };
        let options = match path {
            Some(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        fail(format!("cannot create folder `{}`: {e}", dir.display()))
                    })?;
                }
                SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
            }
            None => SqliteConnectOptions::new().in_memory(true),
        };
        let conn = options
            .busy_timeout(Duration::from_secs(30))
            .connect()
            .await
            .map_err(|e| fail(super::describe(&e, "").0.message))?;
        Ok(SqliteDatabase {
            conn,
            path: path.map(Path::to_owned),
            lock_file: None,
        })
    }
}

impl Database for SqliteDatabase {
    type Canceller = NoCancel;

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    /// In-memory databases need no lock: no other process can see them.
    async fn lock(
        &mut self,
        _table: &str,
        timeout: Option<Duration>,
        on_wait: impl FnOnce(LockHolder),
    ) -> Result<(), DbError> {
        if let Some(path) = &self.path {
            self.lock_file = Some(lock::acquire(path, timeout, on_wait).await?);
        }
        Ok(())
    }

    async fn unlock(&mut self) {
        if let Some(file) = self.lock_file.take() {
            lock::release(file);
        }
    }

    async fn execute_counting(&mut self, sql: &str) -> (usize, Option<DbError>) {
        rows::execute_counting::<sqlx::Sqlite>(&mut self.conn, sql).await
    }

    async fn table_columns(&mut self, table: &str) -> Result<Vec<String>, DbError> {
        let (schema, name) = table.split_once('.').unwrap_or(("main", table));
        let sql = format!(
            "SELECT name FROM pragma_table_info({}, {})",
            Dialect::Sqlite.literal(name),
            Dialect::Sqlite.literal(schema)
        );
        sqlx::query_scalar(AssertSqlSafe(sql.clone()))
            .fetch_all(&mut self.conn)
            .await
            .map_err(|e| statement_error("reading the columns of a table", e, &sql))
    }

    async fn version_rows(&mut self, table: &str) -> Result<Vec<AppliedRow>, DbError> {
        let sql = Dialect::Sqlite.select_versions(table);
        let doing = "reading the version table";
        rows::fetch_decoded::<sqlx::Sqlite, _>(&mut self.conn, &sql, doing, |r| {
            rows::decode_version(r)
        })
        .await
    }

    async fn text_rows(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError> {
        rows::fetch_decoded::<sqlx::Sqlite, _>(&mut self.conn, sql, "reading rows", |r| {
            rows::decode_text(r)
        })
        .await
    }

    async fn catalog(&mut self) -> Result<Schema, DbError> {
        catalog::read(&mut self.conn).await
    }

    async fn close(mut self) {
        self.unlock().await;
        let _ = self.conn.close().await;
    }
}

/// Deletes a scratch database file and whatever SQLite and the run lock left beside it.
pub(crate) fn delete_database_files(path: &Path) {
    for suffix in ["", "-journal", "-wal", "-shm", ".brainmig-lock"] {
        let mut file = path.to_owned().into_os_string();
        file.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(file));
    }
}
