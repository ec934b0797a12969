//! `database create|drop|reset` on MySQL and MariaDB: `CREATE DATABASE` and `DROP DATABASE` sent
//! over a connection that names no database, since the configured one may not exist yet (and
//! MySQL, unlike PostgreSQL, has no maintenance database to connect to instead).

use std::str::FromStr;

use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::{AssertSqlSafe, Connection as _};

use super::connect;
use crate::config::DatabaseUrl;
use crate::db::failure::statement_error;
use crate::error::DbError;

/// The database the URL names (its path), or `None` when it names none.
pub fn database_name(raw: &str, url: &DatabaseUrl) -> Result<Option<String>, DbError> {
    let options = options(raw, url)?;
    Ok(options
        .get_database()
        .filter(|name| !name.is_empty())
        .map(str::to_owned))
}

/// Whether a database called `name` exists on the server.
pub async fn exists(raw: &str, url: &DatabaseUrl, name: &str) -> Result<bool, DbError> {
    const FIND: &str = "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?";
    let mut admin = server(raw, url).await?;
    let found = sqlx::query_scalar::<_, i32>(FIND)
        .bind(name)
        .fetch_optional(&mut admin)
        .await
        .map_err(|e| statement_error("looking the database up", e, FIND));
    let _ = admin.close().await;
    Ok(found?.is_some())
}

/// `CREATE DATABASE`, with the server's default character set and collation.
pub async fn create(raw: &str, url: &DatabaseUrl, name: &str) -> Result<(), DbError> {
    let mut admin = server(raw, url).await?;
    let sql = format!("CREATE DATABASE {}", quote(name));
    let done = send(&mut admin, &sql, "creating the database").await;
    let _ = admin.close().await;
    done
}

/// `DROP DATABASE`; with `force`, the other connections using it are killed first (MySQL has no
/// `WITH (FORCE)`, and a session holding a table open would keep the drop waiting).
pub async fn drop(raw: &str, url: &DatabaseUrl, name: &str, force: bool) -> Result<(), DbError> {
    let mut admin = server(raw, url).await?;
    let done = async {
        if force {
            kill_sessions(&mut admin, name).await?;
        }
        let sql = format!("DROP DATABASE {}", quote(name));
        send(&mut admin, &sql, "dropping the database").await
    }
    .await;
    let _ = admin.close().await;
    done
}

async fn kill_sessions(admin: &mut MySqlConnection, name: &str) -> Result<(), DbError> {
    const OTHERS: &str = "SELECT CAST(ID AS UNSIGNED) FROM information_schema.PROCESSLIST \
                          WHERE DB = ? AND ID <> CONNECTION_ID()";
    let ids: Vec<u64> = sqlx::query_scalar(OTHERS)
        .bind(name)
        .fetch_all(&mut *admin)
        .await
        .map_err(|e| statement_error("finding the database's other sessions", e, OTHERS))?;
    for id in ids {
        // One may have ended meanwhile (error 1094, unknown thread): that is what we wanted.
        let _ = send(admin, &format!("KILL {id}"), "ending another session").await;
    }
    Ok(())
}

async fn send(conn: &mut MySqlConnection, sql: &str, doing: &str) -> Result<(), DbError> {
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(|e| statement_error(doing, e, sql))
}

/// A connection to the server of the URL, in no database.
async fn server(raw: &str, url: &DatabaseUrl) -> Result<MySqlConnection, DbError> {
    let mut without_database = url::Url::parse(&crate::config::mysql_driver_url(raw))
        .map_err(|e| bad_url(url, &e.to_string()))?;
    without_database.set_path("");
    let options = MySqlConnectOptions::from_str(without_database.as_str())
        .map_err(|e| connect::connect_error(&url.redacted(), &e))?;
    connect::open(&options, &url.redacted()).await
}

fn options(raw: &str, url: &DatabaseUrl) -> Result<MySqlConnectOptions, DbError> {
    MySqlConnectOptions::from_str(&crate::config::mysql_driver_url(raw))
        .map_err(|e| connect::connect_error(&url.redacted(), &e))
}

fn bad_url(url: &DatabaseUrl, reason: &str) -> DbError {
    DbError::Connect {
        url: url.redacted(),
        reason: reason.to_owned(),
        kind: crate::error::ConnectFailure::Other,
    }
}

/// A MySQL identifier in backticks, inner backticks doubled.
fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_name_is_the_path_and_identifiers_are_quoted() {
        let name = |raw: &str| database_name(raw, &DatabaseUrl::Mysql(raw.into())).unwrap();
        assert_eq!(
            name("mysql://root@h:3306/app_dev").as_deref(),
            Some("app_dev")
        );
        assert_eq!(name("mariadb://u:p@h/my%20db").as_deref(), Some("my db"));
        assert_eq!(name("mysql://root@h:3306"), None);
        assert_eq!(quote("a`b"), "`a``b`");
    }
}
