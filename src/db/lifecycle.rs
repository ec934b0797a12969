//! Creating and dropping the configured database itself (`database create|drop|reset`): the one
//! place brainmig acts on a whole database rather than inside one. On PostgreSQL that is done
//! through a connection to the server's maintenance database (`postgres`, else `template1`),
//! since nobody can drop the database they are connected to; on MySQL through a connection in no
//! database (`mysql/lifecycle.rs`); on SQLite it is the file.
//!
//! Only the mechanics live here; which databases may be dropped is decided in `ops::database`.

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{AssertSqlSafe, Connection as _};

use super::mysql::lifecycle as mysql;
use super::postgres::{connect_error, connect_preferring_plain_on_loopback};
use crate::config::DatabaseUrl;
use crate::error::{ConnectFailure, DbError};

/// The name of the database a server URL connects to, or `None` for a SQLite URL and a MySQL
/// URL that names none. A PostgreSQL URL without one means the user's name, as libpq does.
pub fn database_name(url: &DatabaseUrl) -> Result<Option<String>, DbError> {
    let raw = match url {
        DatabaseUrl::Sqlite(_) => return Ok(None),
        DatabaseUrl::Mysql(raw) => return mysql::database_name(raw, url),
        DatabaseUrl::Postgres(raw) => raw,
    };
    let options = parse(raw, url)?;
    Ok(Some(
        options
            .get_database()
            .unwrap_or(options.get_username())
            .to_owned(),
    ))
}

/// Whether the database exists (for SQLite: whether its file does).
pub async fn exists(url: &DatabaseUrl) -> Result<bool, DbError> {
    match url {
        DatabaseUrl::Sqlite(path) => Ok(path.as_ref().is_some_and(|p| p.exists())),
        DatabaseUrl::Postgres(raw) => {
            let name = named(url)?;
            let mut admin = maintenance(raw, url).await?;
            let found =
                sqlx::query_scalar::<_, i32>("SELECT 1 FROM pg_database WHERE datname = $1")
                    .bind(&name)
                    .fetch_optional(&mut admin)
                    .await
                    .map_err(|e| super::query_error("looking the database up", &e));
            let _ = admin.close().await;
            Ok(found?.is_some())
        }
        DatabaseUrl::Mysql(raw) => mysql::exists(raw, url, &named(url)?).await,
    }
}

/// Creates the database (for SQLite: an empty file, and its folder). It must not exist yet.
pub async fn create(url: &DatabaseUrl) -> Result<(), DbError> {
    match url {
        DatabaseUrl::Sqlite(path) => {
            let db = super::SqliteDatabase::open(path.as_deref(), url).await?;
            super::Database::close(db).await;
            Ok(())
        }
        DatabaseUrl::Postgres(raw) => {
            let name = named(url)?;
            let sql = format!("CREATE DATABASE {}", quote(&name));
            run_on_maintenance(raw, url, &sql, "creating the database").await
        }
        DatabaseUrl::Mysql(raw) => mysql::create(raw, url, &named(url)?).await,
    }
}

/// Drops the database (for SQLite: deletes the file and its journal and lock files). With
/// `force`, PostgreSQL ends the other sessions on it first (`WITH (FORCE)`, PostgreSQL 13+).
pub async fn drop(url: &DatabaseUrl, force: bool) -> Result<(), DbError> {
    match url {
        DatabaseUrl::Sqlite(Some(path)) => {
            std::fs::remove_file(path).map_err(|e| DbError::Query {
                doing: format!("deleting `{}`", path.display()),
                reason: e.to_string(),
            })?;
            super::sqlite::delete_database_files(path);
            Ok(())
        }
        DatabaseUrl::Sqlite(None) => Ok(()),
        DatabaseUrl::Postgres(raw) => {
            let name = named(url)?;
            let force = if force { " WITH (FORCE)" } else { "" };
            let sql = format!("DROP DATABASE {}{force}", quote(&name));
            run_on_maintenance(raw, url, &sql, "dropping the database").await
        }
        DatabaseUrl::Mysql(raw) => mysql::drop(raw, url, &named(url)?, force).await,
    }
}

/// The server database's name; `ops::database` has refused a URL without one.
fn named(url: &DatabaseUrl) -> Result<String, DbError> {
    Ok(database_name(url)?.unwrap_or_default())
}

async fn run_on_maintenance(
    raw: &str,
    url: &DatabaseUrl,
    sql: &str,
    doing: &str,
) -> Result<(), DbError> {
    let mut admin = maintenance(raw, url).await?;
    let done = sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(&mut admin)
        .await
        .map_err(|e| super::query_error(doing, &e));
    let _ = admin.close().await;
    done.map(|_| ())
}

/// A connection to the server's maintenance database, with the URL's user, host and options.
/// `template1` exists on every server; `postgres` is tried first because it is the usual one and
/// a session on `template1` would block a concurrent `CREATE DATABASE` (it copies `template1`).
async fn maintenance(raw: &str, url: &DatabaseUrl) -> Result<PgConnection, DbError> {
    let options = parse(raw, url)?;
    let mut last = None;
    for admin_db in ["postgres", "template1"] {
        match connect_preferring_plain_on_loopback(options.clone().database(admin_db), raw).await {
            Ok((_, conn)) => return Ok(conn),
            Err(e) => last = Some(e),
        }
    }
    let error = last.unwrap_or(sqlx::Error::PoolClosed);
    Err(connect_error(&url.redacted(), &error))
}

fn parse(raw: &str, url: &DatabaseUrl) -> Result<PgConnectOptions, DbError> {
    raw.parse().map_err(|e: sqlx::Error| DbError::Connect {
        url: url.redacted(),
        reason: super::describe(&e, "").0.message,
        kind: ConnectFailure::Other,
    })
}

/// A PostgreSQL identifier in double quotes, inner quotes doubled.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_path_or_default_to_the_user() {
        let name = |raw: &str| {
            database_name(&DatabaseUrl::Postgres(raw.into()))
                .unwrap()
                .unwrap()
        };
        assert_eq!(name("postgres://u:p@h:5432/app_dev"), "app_dev");
        assert_eq!(name("postgres://u@h/my%20db?sslmode=disable"), "my db");
        assert_eq!(name("postgres://alice@h"), "alice");
        assert_eq!(database_name(&DatabaseUrl::Sqlite(None)).unwrap(), None);
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote("app"), "\"app\"");
        assert_eq!(quote("a\"b"), "\"a\"\"b\"");
    }
}
