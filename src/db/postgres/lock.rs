//! The run lock: `pg_advisory_lock` on a key derived from the version table's name, held on a
//! connection of its own so that `transaction:false` sections and reconnects never drop it.

use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection as _, Row};

use super::connect::connect_error;
use crate::db::LockHolder;
use crate::db::failure::statement_error;
use crate::error::DbError;

/// Opens the lock connection and takes the lock on it, calling `on_wait` once if another run
/// holds it; returns the connection and the key, for [`release`].
pub(super) async fn acquire(
    options: &PgConnectOptions,
    redacted_url: &str,
    table: &str,
    timeout: Option<Duration>,
    on_wait: impl FnOnce(LockHolder),
) -> Result<(PgConnection, i64), DbError> {
    let key = lock_key(table);
    let mut conn = options
        .connect()
        .await
        .map_err(|e| connect_error(redacted_url, &e))?;
    if try_lock(&mut conn, key).await? {
        return Ok((conn, key));
    }
    let holder = lock_holder(&mut conn, key).await;
    on_wait(LockHolder {
        description: holder.clone(),
    });
    let Some(limit) = timeout else {
        const WAIT: &str = "SELECT pg_advisory_lock($1)";
        sqlx::query(WAIT)
            .bind(key)
            .execute(&mut conn)
            .await
            .map_err(|e| statement_error("waiting for the run lock", e, WAIT))?;
        return Ok((conn, key));
    };
    let started = Instant::now();
    while !try_lock(&mut conn, key).await? {
        if started.elapsed() >= limit {
            return Err(DbError::LockTimeout {
                waited: limit,
                holder: lock_holder(&mut conn, key).await.or(holder),
            });
        }
        tokio::time::sleep(crate::db::LOCK_POLL).await;
    }
    Ok((conn, key))
}

/// Releases the lock and closes its connection.
pub(super) async fn release(mut conn: PgConnection, key: i64) {
    // Closing the session releases the lock even if this query fails.
    let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(key)
        .execute(&mut conn)
        .await;
    let _ = conn.close().await;
}

async fn try_lock(conn: &mut PgConnection, key: i64) -> Result<bool, DbError> {
    const TRY: &str = "SELECT pg_try_advisory_lock($1)";
    sqlx::query_scalar(TRY)
        .bind(key)
        .fetch_one(conn)
        .await
        .map_err(|e| statement_error("taking the run lock", e, TRY))
}

fn lock_key(table: &str) -> i64 {
    let digest = Sha256::digest(format!("brainmig:{table}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// Who holds the advisory lock, from `pg_locks` and `pg_stat_activity`, if visible to us.
async fn lock_holder(conn: &mut PgConnection, key: i64) -> Option<String> {
    let row = sqlx::query(
        "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.client_addr::text, 'local'), \
                coalesce(to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), '') \
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted \
           AND l.classid = (($1 >> 32) & x'FFFFFFFF'::bigint)::oid AND l.objid = ($1 & x'FFFFFFFF'::bigint)::oid \
         LIMIT 1",
    )
    .bind(key)
    .fetch_optional(conn)
    .await
    .ok()??;
    let pid: i32 = row.try_get(0).ok()?;
    let app: String = row.try_get(1).ok()?;
    let addr: String = row.try_get(2).ok()?;
    let since: String = row.try_get(3).ok()?;
    Some(format!(
        "`{app}` (server pid {pid}, from {addr}, connected since {since} UTC)"
    ))
}
