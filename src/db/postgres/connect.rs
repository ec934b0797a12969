//! Connecting to PostgreSQL: plain on loopback when TLS protects nothing, the driver's connect
//! failures turned into a [`DbError::Connect`] with a precise kind, and cancelling a running
//! statement from a connection of its own.

use sqlx::ConnectOptions;
use sqlx::Connection as _;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};

use crate::error::{ConnectFailure, DbError};

/// Connects with `options`; for a server on this machine, first without TLS (see
/// [`plain_on_loopback`]). Returns the options that worked, for later connections of the run.
pub(crate) async fn connect_preferring_plain_on_loopback(
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
    pub(super) fn new(options: PgConnectOptions, backend_pid: i32) -> Self {
        Canceller {
            options,
            backend_pid,
        }
    }

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

pub(crate) fn connect_error(redacted_url: &str, error: &sqlx::Error) -> DbError {
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
            // cannot_connect_now (starting up, shutting down, recovery), too_many_connections,
            // and the slots reserved for superusers.
            Some("57P03" | "53300" | "53000") => ConnectFailure::NotReady,
            _ => ConnectFailure::Other,
        },
        _ => ConnectFailure::Other,
    };
    DbError::Connect {
        url: redacted_url.to_owned(),
        reason: crate::db::describe(error, "").0.message,
        kind,
    }
}
