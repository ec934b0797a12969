//! MySQL and MariaDB: the migration connection, and a second connection that holds the run's
//! `GET_LOCK` lock (the server releases it when that connection ends, so a killed run frees it).
//!
//! MySQL commits every DDL statement implicitly, so sections run statement by statement with
//! their progress recorded (see [`Dialect::runs_in_transaction`]); only DML-only sections run in a
//! transaction. The schema snapshot is read from `information_schema` (`catalog.rs`).

mod cancel;
mod catalog;
mod connect;
mod escapes;
pub(super) mod lifecycle;
mod lock;
mod normalise;
pub(crate) mod scratch;

use std::str::FromStr;
use std::time::Duration;

use sqlx::Connection as _;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};

use super::{AppliedRow, Database, Dialect, LockHolder, rows};
use crate::config::DatabaseUrl;
use crate::error::DbError;
use crate::schema::Schema;
use crate::source::Section;

pub use cancel::Canceller;

/// An open MySQL or MariaDB database.
pub struct MysqlDatabase {
    conn: MySqlConnection,
    /// The server's id of `conn`, which Ctrl-C's `KILL QUERY` names.
    connection_id: u64,
    options: MySqlConnectOptions,
    lock_conn: Option<(MySqlConnection, String)>,
    redacted_url: String,
}

impl MysqlDatabase {
    /// Connects to the database of `raw` (`url`, redacted, names it in errors).
    pub async fn connect(raw: &str, url: &DatabaseUrl) -> Result<Self, DbError> {
        let redacted_url = url.redacted();
        let options = MySqlConnectOptions::from_str(&crate::config::mysql_driver_url(raw))
            .map_err(|e| connect::connect_error(&redacted_url, &e))?;
        Self::connect_with(options, redacted_url).await
    }

    /// Connects with the options of an application's sqlx pool (the embedded migrator): a
    /// connection of its own, since the run lock must outlive any one pooled connection.
    pub async fn connect_with_pool_options(options: &MySqlConnectOptions) -> Result<Self, DbError> {
        let redacted_url = format!(
            "mysql://{}@{}:{}/{}",
            options.get_username(),
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or_default()
        );
        Self::connect_with(options.clone(), redacted_url).await
    }

    async fn connect_with(
        options: MySqlConnectOptions,
        redacted_url: String,
    ) -> Result<Self, DbError> {
        // The user's SQL runs under the server's own `sql_mode`, as the `mysql` client runs it
        // (the driver would add PIPES_AS_CONCAT). The session's time zone stays UTC, which the
        // version table's `applied_at` relies on.
        let options = options.pipes_as_concat(false).no_engine_substitution(false);
        let mut conn = connect::open(&options, &redacted_url).await?;
        let connection_id = connect::connection_id(&mut conn).await?;
        Ok(MysqlDatabase {
            conn,
            connection_id,
            options,
            lock_conn: None,
            redacted_url,
        })
    }
}

/// The database of the connection, for names the version table is looked up in.
const CURRENT_DATABASE: &str = "DATABASE()";

impl Database for MysqlDatabase {
    type Canceller = Canceller;

    fn dialect(&self) -> Dialect {
        Dialect::Mysql
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
        if let Some((conn, name)) = self.lock_conn.take() {
            lock::release(conn, &name).await;
        }
    }

    async fn refusal(&mut self, section: &Section) -> Option<(usize, DbError)> {
        escapes::refusal(&mut self.conn, section).await
    }

    async fn execute_counting(&mut self, sql: &str) -> (usize, Option<DbError>) {
        rows::execute_counting::<sqlx::MySql>(&mut self.conn, sql).await
    }

    async fn table_columns(&mut self, table: &str) -> Result<Vec<String>, DbError> {
        let (schema, name) = match table.split_once('.') {
            Some((schema, name)) => (Dialect::Mysql.literal(schema), name),
            None => (CURRENT_DATABASE.to_owned(), table),
        };
        let sql = format!(
            "SELECT CAST(COLUMN_NAME AS CHAR) FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = {schema} AND TABLE_NAME = {} ORDER BY ORDINAL_POSITION",
            Dialect::Mysql.literal(name)
        );
        let found = rows::fetch_decoded::<sqlx::MySql, _>(
            &mut self.conn,
            &sql,
            "reading the columns of a table",
            |r| rows::decode_text(r),
        )
        .await?;
        Ok(found.into_iter().flatten().flatten().collect())
    }

    async fn version_rows(&mut self, table: &str) -> Result<Vec<AppliedRow>, DbError> {
        let sql = Dialect::Mysql.select_versions(table);
        let doing = "reading the version table";
        rows::fetch_decoded::<sqlx::MySql, _>(&mut self.conn, &sql, doing, |r| {
            rows::decode_version(r)
        })
        .await
    }

    async fn text_rows(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError> {
        rows::fetch_decoded::<sqlx::MySql, _>(&mut self.conn, sql, "reading rows", |r| {
            rows::decode_text(r)
        })
        .await
    }

    async fn catalog(&mut self) -> Result<Schema, DbError> {
        catalog::read(&mut self.conn).await
    }

    fn canceller(&self) -> Option<Canceller> {
        Some(Canceller::new(self.options.clone(), self.connection_id))
    }

    async fn close(mut self) {
        self.unlock().await;
        let _ = self.conn.close().await;
    }
}
