//! What `lint` learns from the configured database, when one answers: which revisions it has
//! applied (tables they create exist; tables of the others do not yet) and its major version.
//! Without one, everything is linted against the configured or default version.

use std::fmt::Display;

use crate::config::DatabaseUrl;
use crate::db::{AppliedRow, Connection, Database};

use super::{DEFAULT_TARGET_VERSION, Target};

/// The database's answers, or why there are none.
pub struct Reading {
    /// Applied revisions (empty when unknown).
    pub rows: Vec<AppliedRow>,
    /// The version and whether `rows` can be trusted.
    pub target: Target,
    /// Why the database was not asked, for a note.
    pub unreachable: Option<String>,
}

/// Asks the database at `url` (None: none configured) what it has applied and its version,
/// connecting with `open` (the caller's `--wait` retry around [`Connection::open_existing`]).
pub async fn read<E: Display>(
    url: Option<&DatabaseUrl>,
    table: &str,
    configured: Option<u32>,
    open: impl AsyncFnOnce(&DatabaseUrl) -> Result<Option<Connection>, E>,
) -> Reading {
    let offline = |why: String| Reading {
        rows: Vec::new(),
        target: match configured {
            Some(version) => Target {
                version,
                version_from: "config",
                applied_known: false,
            },
            None => Target {
                version: DEFAULT_TARGET_VERSION,
                version_from: "default",
                applied_known: false,
            },
        },
        unreachable: Some(why),
    };
    let Some(url) = url else {
        return offline("no database URL is configured".into());
    };
    let mut conn = match open(url).await {
        Ok(Some(conn)) => conn,
        Ok(None) => return offline(format!("`{url}` does not exist yet")),
        Err(e) => return offline(format!("`{url}` did not answer ({e})")),
    };
    let rows = conn.applied(table).await;
    let version = match url {
        DatabaseUrl::Postgres(_) => Database::text_rows(&mut conn, "SHOW server_version_num")
            .await
            .ok()
            .and_then(|rows| {
                rows.into_iter()
                    .next()?
                    .into_iter()
                    .next()??
                    .parse::<u32>()
                    .ok()
            })
            .map(|num| num / 10_000),
        DatabaseUrl::Sqlite(_) | DatabaseUrl::Mysql(_) => None,
    };
    conn.close().await;
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) => return offline(format!("its version table could not be read ({e})")),
    };
    let target = match (version, configured) {
        (Some(version), _) => Target {
            version,
            version_from: "server",
            applied_known: true,
        },
        (None, Some(version)) => Target {
            version,
            version_from: "config",
            applied_known: true,
        },
        (None, None) => Target {
            version: DEFAULT_TARGET_VERSION,
            version_from: "default",
            applied_known: true,
        },
    };
    Reading {
        rows,
        target,
        unreachable: None,
    }
}
