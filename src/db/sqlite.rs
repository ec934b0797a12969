//! SQLite: one connection to the file, and an exclusive lock on a file beside it for the run,
//! released by the operating system if the process dies.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection as _};

use super::LockHolder;
use crate::config::DatabaseUrl;
use crate::error::{ConnectFailure, DbError};

pub struct SqliteDatabase {
    pub(super) conn: SqliteConnection,
    path: Option<PathBuf>,
    lock_file: Option<File>,
}

impl SqliteDatabase {
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

    /// Locks `<file>.brainmig-lock` and writes who holds it there; in-memory databases need no lock.
    pub async fn lock(
        &mut self,
        timeout: Option<Duration>,
        on_wait: impl FnOnce(LockHolder),
    ) -> Result<(), DbError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let mut lock_path = path.clone().into_os_string();
        lock_path.push(".brainmig-lock");
        let lock_path = PathBuf::from(lock_path);
        let io_error = |e: std::io::Error| DbError::Query {
            doing: format!("locking `{}`", lock_path.display()),
            reason: e.to_string(),
        };
        let mut file = File::options()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&lock_path)
            .map_err(io_error)?;
        let holder = || {
            std::fs::read_to_string(&lock_path)
                .ok()
                .filter(|s| !s.trim().is_empty())
        };
        let started = Instant::now();
        let mut told = Some(on_wait);
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) => {}
                Err(std::fs::TryLockError::Error(e)) => return Err(io_error(e)),
            }
            if let Some(on_wait) = told.take() {
                on_wait(LockHolder {
                    description: holder(),
                });
            }
            if timeout.is_some_and(|limit| started.elapsed() >= limit) {
                return Err(DbError::LockTimeout {
                    waited: timeout.unwrap_or_default(),
                    holder: holder(),
                });
            }
            tokio::time::sleep(super::LOCK_POLL).await;
        }
        // Tell a waiting run who is holding it.
        let _ = file.set_len(0);
        let _ = writeln!(
            file,
            "cargo-brainmig (pid {}, since {})",
            std::process::id(),
            crate::scaffold::UtcTime::now().header()
        );
        self.lock_file = Some(file);
        Ok(())
    }

    pub fn unlock(&mut self) {
        if let Some(file) = self.lock_file.take() {
            let _ = file.set_len(0);
            let _ = file.unlock();
        }
    }

    pub async fn columns(&mut self, table: &str) -> Result<Vec<String>, sqlx::Error> {
        let (schema, name) = table.split_once('.').unwrap_or(("main", table));
        sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info({}, {})",
            super::Dialect::Sqlite.literal(name),
            super::Dialect::Sqlite.literal(schema)
        )))
        .fetch_all(&mut self.conn)
        .await
    }

    pub async fn close(mut self) {
        self.unlock();
        let _ = self.conn.close().await;
    }
}
