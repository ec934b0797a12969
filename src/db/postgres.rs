//! PostgreSQL: the migration connection, and a second connection that holds the run's advisory
//! lock so that `transaction:false` sections and reconnects never drop it by accident.

use std::str::FromStr;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::{ConnectOptions, Connection as _, Row};

use super::LockHolder;
use crate::config::DatabaseUrl;
use crate::error::{ConnectFailure, DbError};

pub struct PgDatabase {
    pub(super) conn: PgConnection,
    options: PgConnectOptions,
    /// The server process of `conn`, for `pg_cancel_backend` on Ctrl-C.
    backend_pid: i32,
    lock_conn: Option<(PgConnection, i64)>,
    redacted_url: String,
}

impl PgDatabase {
    pub async fn connect(raw: &str, url: &DatabaseUrl) -> Result<Self, DbError> {
        let redacted_url = url.redacted();
        let options = PgConnectOptions::from_str(raw)
            .map_err(|e| connect_error(&redacted_url, &e))?
            .application_name("cargo-brainmig");
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

    /// `pg_advisory_lock` on a key derived from the version table's name, on its own connection.
    pub async fn lock(
        &mut self,
        table: &str,
        timeout: Option<Duration>,
        on_wait: impl FnOnce(LockHolder),
    ) -> Result<(), DbError> {
        let key = lock_key(table);
        let mut conn = self
            .options
            .connect()
            .await
            .map_err(|e| connect_error(&self.redacted_url, &e))?;
        if !try_lock(&mut conn, key).await? {
            let holder = lock_holder(&mut conn, key).await;
            on_wait(LockHolder {
                description: holder.clone(),
            });
            match timeout {
                None => {
                    sqlx::query("SELECT pg_advisory_lock($1)")
                        .bind(key)
                        .execute(&mut conn)
                        .await
                        .map_err(|e| super::query_error("waiting for the run lock", &e))?;
                }
                Some(limit) => {
                    let started = Instant::now();
                    while !try_lock(&mut conn, key).await? {
                        if started.elapsed() >= limit {
                            return Err(DbError::LockTimeout {
                                waited: limit,
                                holder: lock_holder(&mut conn, key).await.or(holder),
                            });
                        }
                        tokio::time::sleep(super::LOCK_POLL).await;
                    }
                }
            }
        }
        self.lock_conn = Some((conn, key));
        Ok(())
    }

    pub async fn unlock(&mut self) {
        if let Some((mut conn, key)) = self.lock_conn.take() {
            // Closing the session releases the lock even if this query fails.
            let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(key)
                .execute(&mut conn)
                .await;
            let _ = conn.close().await;
        }
    }

    /// Column names of `table`; empty when it does not exist.
    pub async fn columns(&mut self, table: &str) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT attname::text FROM pg_attribute \
             WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped",
        )
        .bind(super::Dialect::Postgres.quote_table(table))
        .fetch_all(&mut self.conn)
        .await
    }

    /// What it takes to cancel the statement running on `conn` from elsewhere.
    pub fn canceller(&self) -> Canceller {
        Canceller {
            options: self.options.clone(),
            backend_pid: self.backend_pid,
        }
    }

    pub async fn close(mut self) {
        self.unlock().await;
        let _ = self.conn.close().await;
    }
}

/// Connects with `options`; for a server on this machine, first without TLS (see
/// [`plain_on_loopback`]). Returns the options that worked, for later connections of the run.
pub(super) async fn connect_preferring_plain_on_loopback(
    options: PgConnectOptions,
    raw: &str,
) -> Result<(PgConnectOptions, PgConnection), sqlx::Error> {
    if let Some(plain) = plain_on_loopback(&options, raw) {
        match plain.connect().await {
            Ok(conn) => return Ok((plain, conn)),
            // The server answered but refused (e.g. a `hostssl`-only pg_hba.conf): try as asked.
            Err(sqlx::Error::Database(_)) => {}
            Err(e) => return Err(e),
        }
    }
    let conn = options.connect().await?;
    Ok((options, conn))
}

/// TLS to a server on this machine protects nothing, and sqlx's TLS handshake costs 40-90 ms per
/// connection here (its handshake writes meet Nagle's algorithm and the server's delayed ACK:
/// one or two 40 ms stalls), which made `current` 4x slower than a plain connection. So unless
/// the URL or `PGSSLMODE` names an `sslmode`, a loopback host (`localhost`, `127.0.0.0/8`, `::1`,
/// a Unix socket) is tried without TLS first; the default `prefer` would accept that anyway.
fn plain_on_loopback(options: &PgConnectOptions, raw: &str) -> Option<PgConnectOptions> {
    if !matches!(options.get_ssl_mode(), PgSslMode::Prefer)
        || std::env::var_os("PGSSLMODE").is_some()
    {
        return None;
    }
    let lower = raw.to_ascii_lowercase();
    if lower.contains("sslmode") || lower.contains("ssl-mode") {
        return None;
    }
    let host = options
        .get_host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host.starts_with('/')
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    loopback.then(|| options.clone().ssl_mode(PgSslMode::Disable))
}

/// Cancels the running statement of a connection, through a connection of its own.
#[derive(Debug, Clone)]
pub struct Canceller {
    options: PgConnectOptions,
    backend_pid: i32,
}

impl Canceller {
    /// Asks the server to cancel; the migration connection then sees an error and rolls back.
    pub async fn cancel(&self) {
        if let Ok(mut conn) = self.options.connect().await {
            let _ = sqlx::query("SELECT pg_cancel_backend($1)")
                .bind(self.backend_pid)
                .execute(&mut conn)
                .await;
            let _ = conn.close().await;
        }
    }
}

async fn try_lock(conn: &mut PgConnection, key: i64) -> Result<bool, DbError> {
    sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(key)
        .fetch_one(conn)
        .await
        .map_err(|e| super::query_error("taking the run lock", &e))
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

pub(super) fn connect_error(redacted_url: &str, error: &sqlx::Error) -> DbError {
    // The driver's words ("unexpected message: CopyData (sqlx_postgres::...)") tell the user
    // nothing: what happened is that another kind of server answered.
    if matches!(error, sqlx::Error::Protocol(_)) {
        let port = url::Url::parse(redacted_url)
            .ok()
            .and_then(|u| u.port())
            .map_or_else(|| "the port".to_owned(), |p| format!("port {p}"));
        return DbError::Connect {
            url: redacted_url.to_owned(),
            reason: format!(
                "the server at {port} did not answer as PostgreSQL (another kind of server may be listening there)"
            ),
            kind: ConnectFailure::NotPostgres,
        };
    }
    let kind = match error {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut => ConnectFailure::Unreachable,
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("28P01" | "28000") => ConnectFailure::Auth,
            Some("3D000") => ConnectFailure::NoDatabase,
            _ => ConnectFailure::Other,
        },
        _ => ConnectFailure::Other,
    };
    DbError::Connect {
        url: redacted_url.to_owned(),
        reason: super::describe(error, "").0.message,
        kind,
    }
}
