//! PostgreSQL: the migration connection, and a second connection that holds the run's advisory
//! lock so that `transaction:false` sections and reconnects never drop it by accident.
//!
//! A whole step (`BEGIN; <section>; <bookkeeping>; COMMIT;`) goes out as one query string, so
//! each revision costs one round trip (see [`Database::execute_counting`]).

mod catalog;
mod connect;
mod lock;
pub(crate) mod scratch;

use std::str::FromStr;
use std::time::Duration;

use sqlx::Connection as _;
use sqlx::postgres::{PgConnectOptions, PgConnection};

pub use connect::Canceller;
pub(crate) use connect::{connect_error, connect_preferring_plain_on_loopback};

use super::failure::statement_error;
use super::{AppliedRow, Cancel, Database, Dialect, LockHolder, rows};
use crate::config::DatabaseUrl;
use crate::error::DbError;
use crate::schema::Schema;

/// An open PostgreSQL database.
pub struct PgDatabase {
    conn: PgConnection,
    options: PgConnectOptions,
    /// The server process of `conn`, for `pg_cancel_backend` on Ctrl-C.
    backend_pid: i32,
    lock_conn: Option<(PgConnection, i64)>,
    redacted_url: String,
}

impl PgDatabase {
    /// Connects to the database of `raw` (`url`, redacted, names it in errors).
    pub async fn connect(raw: &str, url: &DatabaseUrl) -> Result<Self, DbError> {
        let redacted_url = url.redacted();
        let options = PgConnectOptions::from_str(raw)
            .map_err(|e| connect_error(&redacted_url, &e))?
            .application_name("cargo-brainmig");
        Self::connect_with(options, raw, redacted_url).await
    }

    /// Connects with the options of an application's pool (the embedded migrator): connections
    /// of its own, since the run lock must outlive any one pooled connection.
    pub async fn connect_with_pool_options(options: &PgConnectOptions) -> Result<Self, DbError> {
        let redacted_url = format!(
            "postgres://{}@{}:{}/{}",
            options.get_username(),
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or_default()
        );
        Self::connect_with(options.clone(), "", redacted_url).await
    }

    async fn connect_with(
        options: PgConnectOptions,
        raw: &str,
        redacted_url: String,
    ) -> Result<Self, DbError> {
        let (options, mut conn) = connect_preferring_plain_on_loopback(options, raw)
            .await
            .map_err(|e| connect_error(&redacted_url, &e))?;
        // If this process dies mid-statement, make the server notice and roll back instead of
        // running the rest of the query string (its COMMIT included) for nobody (PostgreSQL 14+).
        let backend_pid: i32 = sqlx::query_scalar(
            "SELECT pg_backend_pid() FROM (SELECT CASE WHEN current_setting('server_version_num')::int >= 140000 \
             THEN set_config('client_connection_check_interval', '1000', false) END) AS s",
        )
        .fetch_one(&mut conn)
        .await
        .map_err(|e| connect_error(&redacted_url, &e))?;
        Ok(PgDatabase {
            conn,
            backend_pid,
            options,
            lock_conn: None,
            redacted_url,
        })
    }
}

impl Cancel for Canceller {
    async fn cancel(&self) {
        // The inherent method: `pg_cancel_backend` through a connection of its own.
        Canceller::cancel(self).await;
    }
}

impl Database for PgDatabase {
    type Canceller = Canceller;

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn lock(
        &mut self,
        table: &str,
        timeout: Option<Duration>,
        on_wait: impl FnOnce(LockHolder),
    ) -> Result<(), DbError> {
        let locked =
            lock::acquire(&self.options, &self.redacted_url, table, timeout, on_wait).await?;
        self.lock_conn = Some(locked);
        Ok(())
    }

    async fn unlock(&mut self) {
        if let Some((conn, key)) = self.lock_conn.take() {
            lock::release(conn, key).await;
        }
    }

    async fn execute_counting(&mut self, sql: &str) -> (usize, Option<DbError>) {
        rows::execute_counting::<sqlx::Postgres>(&mut self.conn, sql).await
    }

    async fn table_columns(&mut self, table: &str) -> Result<Vec<String>, DbError> {
        const COLUMNS: &str = "SELECT attname::text FROM pg_attribute \
             WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped";
        sqlx::query_scalar(COLUMNS)
            .bind(Dialect::Postgres.quote_table(table))
            .fetch_all(&mut self.conn)
            .await
            .map_err(|e| statement_error("reading the columns of a table", e, COLUMNS))
    }

    async fn version_rows(&mut self, table: &str) -> Result<Vec<AppliedRow>, DbError> {
        let sql = Dialect::Postgres.select_versions(table);
        let doing = "reading the version table";
        rows::fetch_decoded::<sqlx::Postgres, _>(&mut self.conn, &sql, doing, |r| {
            rows::decode_version(r)
        })
        .await
    }

    async fn text_rows(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError> {
        rows::fetch_decoded::<sqlx::Postgres, _>(&mut self.conn, sql, "reading rows", |r| {
            rows::decode_text(r)
        })
        .await
    }

    async fn catalog(&mut self) -> Result<Schema, DbError> {
        catalog::read(&mut self.conn, None).await
    }

    async fn schema_catalog(&mut self, schema: &str) -> Result<Schema, DbError> {
        catalog::read(&mut self.conn, Some(schema)).await
    }

    fn canceller(&self) -> Option<Canceller> {
        Some(Canceller::new(self.options.clone(), self.backend_pid))
    }

    async fn close(mut self) {
        self.unlock().await;
        let _ = self.conn.close().await;
    }
}
