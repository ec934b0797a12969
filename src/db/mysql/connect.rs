//! Connecting to MySQL or MariaDB, and the driver's connect failures turned into a
//! [`DbError::Connect`] with a precise kind (and the URL's password masked).

use sqlx::ConnectOptions;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlDatabaseError};

use crate::error::{ConnectFailure, DbError};

/// Opens one connection with `options`.
pub(super) async fn open(
    options: &MySqlConnectOptions,
    redacted_url: &str,
) -> Result<MySqlConnection, DbError> {
    options
        .connect()
        .await
        .map_err(|e| connect_error(redacted_url, &e))
}

/// The server's id of `conn` (`KILL QUERY` takes it).
pub(super) async fn connection_id(conn: &mut MySqlConnection) -> Result<u64, DbError> {
    const ID: &str = "SELECT CONNECTION_ID()";
    sqlx::query_scalar(ID)
        .fetch_one(conn)
        .await
        .map_err(|e| crate::db::failure::statement_error("connecting", e, ID))
}

pub(super) fn connect_error(redacted_url: &str, error: &sqlx::Error) -> DbError {
    let number = error
        .as_database_error()
        .and_then(|db| db.try_downcast_ref::<MySqlDatabaseError>())
        .map(MySqlDatabaseError::number);
    let kind = match (error, number) {
        (sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut, _) => ConnectFailure::Unreachable,
        // ER_ACCESS_DENIED_ERROR, ER_DBACCESS_DENIED_ERROR
        (_, Some(1045 | 1044)) => ConnectFailure::Auth,
        // ER_BAD_DB_ERROR
        (_, Some(1049)) => ConnectFailure::NoDatabase,
        // ER_CON_COUNT_ERROR, ER_SERVER_SHUTDOWN
        (_, Some(1040 | 1053)) => ConnectFailure::NotReady,
        _ => ConnectFailure::Other,
    };
    DbError::Connect {
        url: redacted_url.to_owned(),
        reason: crate::db::describe(error, "").0.message,
        kind,
    }
}
