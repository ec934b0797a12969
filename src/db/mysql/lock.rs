//! The run lock: `GET_LOCK` on a name derived from the database and the version table, held on a
//! connection of its own so that a section's implicit commits never touch it. The server drops
//! the lock when that connection ends, so a killed run leaves nothing to clean up.

use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use sqlx::Connection as _;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};

use super::connect;
use crate::db::LockHolder;
use crate::db::failure::statement_error;
use crate::error::DbError;

/// How long one `GET_LOCK` call waits on the server before we check the timeout again.
const WAIT_STEP_SECONDS: u64 = 1;

/// Opens the lock connection and takes the lock on it, calling `on_wait` once if another run
/// holds it; returns the connection and the lock's name, for [`release`].
pub(super) async fn acquire(
    options: &MySqlConnectOptions,
    redacted_url: &str,
    table: &str,
    timeout: Option<Duration>,
    on_wait: impl FnOnce(LockHolder),
) -> Result<(MySqlConnection, String), DbError> {
    let mut conn = connect::open(options, redacted_url).await?;
    let name = lock_name(&mut conn, table).await?;
    if get_lock(&mut conn, &name, 0).await? {
        return Ok((conn, name));
    }
    let holder = lock_holder(&mut conn, &name).await;
    on_wait(LockHolder {
        description: holder.clone(),
    });
    let started = Instant::now();
    loop {
        let step = match timeout {
            Some(limit) => {
                let left = limit.saturating_sub(started.elapsed());
                if left.is_zero() {
                    return Err(DbError::LockTimeout {
                        waited: limit,
                        holder: lock_holder(&mut conn, &name).await.or(holder),
                    });
                }
                // GET_LOCK waits in whole seconds; poll finer near the end.
                if left.as_secs() >= WAIT_STEP_SECONDS {
                    WAIT_STEP_SECONDS
                } else {
                    0
                }
            }
            None => WAIT_STEP_SECONDS,
        };
        if get_lock(&mut conn, &name, step).await? {
            return Ok((conn, name));
        }
        if step == 0 {
            tokio::time::sleep(crate::db::LOCK_POLL).await;
        }
    }
}

/// Releases the lock and closes its connection (closing alone would release it too).
pub(super) async fn release(mut conn: MySqlConnection, name: &str) {
    let _ = sqlx::query("SELECT RELEASE_LOCK(?)")
        .bind(name)
        .execute(&mut conn)
        .await;
    let _ = conn.close().await;
}

async fn get_lock(conn: &mut MySqlConnection, name: &str, wait: u64) -> Result<bool, DbError> {
    const GET: &str = "SELECT GET_LOCK(?, ?)";
    let got: Option<i64> = sqlx::query_scalar(GET)
        .bind(name)
        .bind(wait)
        .fetch_one(conn)
        .await
        .map_err(|e| statement_error("taking the run lock", e, GET))?;
    Ok(got == Some(1))
}

/// Lock names are server-wide and at most 64 characters: a digest of the database and table.
async fn lock_name(conn: &mut MySqlConnection, table: &str) -> Result<String, DbError> {
    const DATABASE: &str = "SELECT CAST(COALESCE(DATABASE(), '') AS CHAR)";
    let database: String = sqlx::query_scalar(DATABASE)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| statement_error("taking the run lock", e, DATABASE))?;
    let digest = Sha256::digest(format!("{database}.{table}").as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("brainmig:{hex}"))
}

/// Who holds the lock, from the process list, if visible to us.
async fn lock_holder(conn: &mut MySqlConnection, name: &str) -> Option<String> {
    let row: (i64, String, String, i64) = sqlx::query_as(
        "SELECT CAST(ID AS SIGNED), CAST(USER AS CHAR), CAST(HOST AS CHAR), CAST(TIME AS SIGNED) \
         FROM information_schema.PROCESSLIST WHERE ID = IS_USED_LOCK(?)",
    )
    .bind(name)
    .fetch_optional(conn)
    .await
    .ok()??;
    let (id, user, host, seconds) = row;
    Some(format!(
        "`{user}` (connection {id}, from {host}, in its current state for {seconds} s)"
    ))
}
