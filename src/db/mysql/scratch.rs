//! Scratch databases on a MySQL or MariaDB server (see [`crate::db::scratch`]): created and
//! dropped through a connection to the server without a database, so the configured database
//! need not exist and is never touched.
//!
//! MySQL has no `CREATE DATABASE ... TEMPLATE`: a scratch database cannot be copied here, and the
//! round trip rebuilds one by replaying plain upgrades instead (`roundtrip.rs`).

use std::str::FromStr;

use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::{AssertSqlSafe, Connection as _};

use super::connect;
use crate::config::DatabaseUrl;
use crate::db::scratch_name::{created_at, unix_now};
use crate::error::DbError;

/// Creates database `name` on the server of `raw` (`url`), after sweeping unused leftovers. It
/// takes the configured database's character set and collation when that database exists, so
/// that tables created without them compare equal to the configured database's.
pub(crate) async fn create_database(
    raw: &str,
    url: &DatabaseUrl,
    name: &str,
) -> Result<(), DbError> {
    let (options, configured) = server_options(raw, url)?;
    let redacted = url.redacted();
    let mut admin = connect::open(&options, &redacted).await?;
    sweep(&mut admin).await;
    let defaults = match configured {
        Some(database) => defaults_of(&mut admin, &database).await,
        None => String::new(),
    };
    let created = sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE `{name}`{defaults}")))
        .execute(&mut admin)
        .await;
    let _ = admin.close().await;
    created.map_err(|e| DbError::ScratchRefused {
        reason: crate::db::describe(&e, "").0.message,
    })?;
    Ok(())
}

/// Drops database `name` on the server of `admin_url`. Failures are ignored: the next run sweeps it.
pub(crate) async fn drop_database(admin_url: &str, name: &str) {
    let url = DatabaseUrl::Mysql(admin_url.to_owned());
    let Ok((options, _)) = server_options(admin_url, &url) else {
        return;
    };
    if let Ok(mut admin) = connect::open(&options, &url.redacted()).await {
        let _ = sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE IF EXISTS `{name}`")))
            .execute(&mut admin)
            .await;
        let _ = admin.close().await;
    }
}

/// Options for the server of `raw` without a database, and the database `raw` names, if any.
fn server_options(
    raw: &str,
    url: &DatabaseUrl,
) -> Result<(MySqlConnectOptions, Option<String>), DbError> {
    let mut parsed =
        url::Url::parse(&crate::config::mysql_driver_url(raw)).map_err(|e| DbError::Connect {
            url: url.redacted(),
            reason: e.to_string(),
            kind: crate::error::ConnectFailure::Other,
        })?;
    let database = parsed.path().trim_start_matches('/').to_owned();
    parsed.set_path("");
    let options = MySqlConnectOptions::from_str(parsed.as_str())
        .map_err(|e| connect::connect_error(&url.redacted(), &e))?;
    let database = percent_decoded(&database);
    Ok((options, (!database.is_empty()).then_some(database)))
}

/// A URL path segment with its `%XX` escapes decoded (a database name may hold any character).
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = bytes
            .get(at + 1..at + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[at], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                at += 3;
            }
            (byte, _) => {
                out.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// ` CHARACTER SET x COLLATE y` of `database`, or nothing when it does not exist.
async fn defaults_of(admin: &mut MySqlConnection, database: &str) -> String {
    let found: Option<(String, String)> = sqlx::query_as(
        "SELECT CAST(DEFAULT_CHARACTER_SET_NAME AS CHAR), CAST(DEFAULT_COLLATION_NAME AS CHAR) \
         FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
    )
    .bind(database)
    .fetch_optional(&mut *admin)
    .await
    .ok()
    .flatten();
    let plain = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    match found {
        Some((charset, collation)) if plain(&charset) && plain(&collation) => {
            format!(" CHARACTER SET {charset} COLLATE {collation}")
        }
        _ => String::new(),
    }
}

/// Drops scratch databases nobody is connected to: those a killed run left behind. One younger
/// than a minute may be between its creation and its first connection, so it is left.
async fn sweep(admin: &mut MySqlConnection) {
    let leftovers: Vec<String> = sqlx::query_scalar(
        "SELECT CAST(SCHEMA_NAME AS CHAR) FROM information_schema.SCHEMATA s \
         WHERE SCHEMA_NAME LIKE 'brainmig\\_rt\\_%' AND NOT EXISTS \
         (SELECT 1 FROM information_schema.PROCESSLIST p WHERE p.DB = s.SCHEMA_NAME)",
    )
    .fetch_all(&mut *admin)
    .await
    .unwrap_or_default();
    for name in leftovers {
        if created_at(&name).is_some_and(|t| unix_now().saturating_sub(t) > 60) {
            let _ = sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE IF EXISTS `{name}`")))
                .execute(&mut *admin)
                .await;
        }
    }
}
