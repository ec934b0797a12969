//! Scratch databases on a PostgreSQL server (see [`crate::db::scratch`]): created and dropped
//! through a connection to the configured database, which itself is never touched.

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{AssertSqlSafe, Connection as _};

use super::{connect_error, connect_preferring_plain_on_loopback};
use crate::config::DatabaseUrl;
use crate::db::scratch_name::{created_at, unix_now};
use crate::error::{ConnectFailure, DbError};

/// Creates database `name` on the server of `raw` (`url`), after sweeping unused leftovers.
pub(crate) async fn create_database(
    raw: &str,
    url: &DatabaseUrl,
    name: &str,
) -> Result<(), DbError> {
    let mut admin = connect(raw, url).await?;
    sweep(&mut admin).await;
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut admin)
        .await
        .map_err(|e| DbError::ScratchRefused {
            reason: crate::db::describe(&e, "").0.message,
        })?;
    let _ = admin.close().await;
    Ok(())
}

/// Creates database `name` as a copy of `from`, schema and rows, with `CREATE DATABASE ...
/// TEMPLATE` (nobody may be connected to `from` meanwhile); the error in words on failure.
pub(crate) async fn copy_database(admin_url: &str, from: &str, name: &str) -> Result<(), String> {
    let configured = DatabaseUrl::Postgres(admin_url.to_owned());
    let mut admin = connect(admin_url, &configured)
        .await
        .map_err(|e| e.to_string())?;
    // The server refuses a template with sessions and, if one is still exiting, polls in steps
    // of 100 ms; waiting here in shorter steps saves most of one.
    for _ in 0..400 {
        let sessions: i64 =
            sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = $1")
                .bind(from)
                .fetch_one(&mut admin)
                .await
                .unwrap_or(0);
        if sessions == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let created = sqlx::raw_sql(AssertSqlSafe(format!(
        "CREATE DATABASE \"{name}\" TEMPLATE \"{from}\""
    )))
    .execute(&mut admin)
    .await;
    let _ = admin.close().await;
    created.map_err(|e| crate::db::describe(&e, "").0.message)?;
    Ok(())
}

/// Drops database `name`, connecting with `admin_url`. Failures are ignored: the next run sweeps it.
pub(crate) async fn drop_database(admin_url: &str, name: &str) {
    let Ok(options) = admin_url.parse::<PgConnectOptions>() else {
        return;
    };
    if let Ok((_, mut admin)) = connect_preferring_plain_on_loopback(options, admin_url).await {
        let _ = sqlx::raw_sql(AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
        )))
        .execute(&mut admin)
        .await;
        let _ = admin.close().await;
    }
}

async fn connect(raw: &str, url: &DatabaseUrl) -> Result<PgConnection, DbError> {
    let options: PgConnectOptions = raw.parse().map_err(|e: sqlx::Error| DbError::Connect {
        url: url.redacted(),
        reason: crate::db::describe(&e, "").0.message,
        kind: ConnectFailure::Other,
    })?;
    connect_preferring_plain_on_loopback(options, raw)
        .await
        .map(|(_, conn)| conn)
        .map_err(|e| connect_error(&url.redacted(), &e))
}

/// Drops scratch databases nobody is connected to: those a killed run left behind. A live run's
/// database has its connection, so `DROP DATABASE` (without FORCE) refuses it and it is skipped;
/// one younger than a minute may be between its creation and its first connection, so it is left.
async fn sweep(admin: &mut PgConnection) {
    let leftovers: Vec<String> = sqlx::query_scalar(
        "SELECT datname::text FROM pg_database d WHERE datname LIKE 'brainmig\\_rt\\_%' \
         AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)",
    )
    .fetch_all(&mut *admin)
    .await
    .unwrap_or_default();
    for name in leftovers {
        if created_at(&name).is_some_and(|t| unix_now().saturating_sub(t) > 60) {
            let _ = sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\"")))
                .execute(&mut *admin)
                .await;
        }
    }
}
