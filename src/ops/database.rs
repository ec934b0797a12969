//! `database create|drop|reset`: what may be created or dropped, and in what order. The
//! mechanics (the `CREATE DATABASE` on the server, deleting the SQLite file) are in
//! [`crate::db::lifecycle`]; asking the user is the command line's job (`cli/commands/database.rs`).
//!
//! Like sqlx-cli, `create` of a database that exists and `drop` of one that does not are not
//! errors: they say so and exit 0, so a setup script can run them every time.

use std::time::Duration;

use crate::config::DatabaseUrl;
use crate::db::{lifecycle, wait};
use crate::error::DbError;

/// The databases every PostgreSQL server keeps for itself; `drop` and `reset` refuse them.
pub const MAINTENANCE_DATABASES: &[&str] = &["postgres", "template0", "template1"];

/// The same for MySQL and MariaDB: the grants, the catalog views and the `sys` helpers.
/// (MySQL compares database names without case on some systems: so do we.)
pub const MYSQL_SYSTEM_DATABASES: &[&str] =
    &["mysql", "information_schema", "performance_schema", "sys"];

/// Why a `database` command refused to start.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    /// The URL names one of [`MAINTENANCE_DATABASES`] or [`MYSQL_SYSTEM_DATABASES`].
    #[error("refusing to {action} `{name}`: it is one of the server's own databases ({url})")]
    Maintenance {
        /// `drop` or `reset`.
        action: &'static str,
        /// The database.
        name: String,
        /// The masked URL.
        url: String,
    },
    /// A MySQL URL with no database in its path.
    #[error("{url} names no database to {action}")]
    NoName {
        /// `create`, `drop` or `reset`.
        action: &'static str,
        /// The masked URL.
        url: String,
    },
    /// `sqlite::memory:` has nothing to create or drop.
    #[error("`sqlite::memory:` is not a database that can be created or dropped")]
    InMemory,
    /// Standard input is not a terminal and `--yes` was not given.
    #[error("refusing to {action} {url} without confirmation: standard input is not a terminal")]
    NotConfirmed {
        /// `drop` or `reset`.
        action: &'static str,
        /// The masked URL.
        url: String,
    },
    /// The user answered something other than yes.
    #[error("not confirmed: {url} was left as it is")]
    Declined {
        /// The masked URL.
        url: String,
    },
}

impl DatabaseError {
    /// The `help:` line.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            DatabaseError::Maintenance { .. } => {
                "point the URL at the application's own database (`postgres://.../app_dev`, `mysql://.../app_dev`)".into()
            }
            DatabaseError::NoName { .. } => {
                "put the database's name in the URL's path (`mysql://user@host:3306/app_dev`)".into()
            }
            DatabaseError::InMemory => "use a file URL such as `sqlite://data/app.db`".into(),
            DatabaseError::NotConfirmed { .. } => {
                "pass `--yes` to do it without asking (in scripts and CI)".into()
            }
            DatabaseError::Declined { .. } => return None,
        })
    }

    /// Refusals are usage errors (2); a declined prompt is a plain failure (1).
    pub fn is_usage(&self) -> bool {
        !matches!(self, DatabaseError::Declined { .. })
    }
}

/// What a `database` command did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It was created.
    Created,
    /// It existed already; nothing was done.
    AlreadyExists,
    /// It was dropped.
    Dropped,
    /// It did not exist; nothing was done.
    DidNotExist,
}

/// Refuses what `drop` and `reset` must never touch. Runs before any prompt or connection.
pub fn check_droppable(url: &DatabaseUrl, action: &'static str) -> Result<(), crate::Error> {
    check_named(url, action)?;
    let reserved = |name: &str| match url {
        DatabaseUrl::Mysql(_) => MYSQL_SYSTEM_DATABASES
            .iter()
            .any(|own| own.eq_ignore_ascii_case(name)),
        _ => MAINTENANCE_DATABASES.contains(&name),
    };
    if let Some(name) = lifecycle::database_name(url)?
        && reserved(&name)
    {
        return Err(DatabaseError::Maintenance {
            action,
            name,
            url: url.redacted(),
        }
        .into());
    }
    Ok(())
}

/// Refuses a URL that names nothing to create or drop: `sqlite::memory:`, a MySQL URL without
/// a database.
fn check_named(url: &DatabaseUrl, action: &'static str) -> Result<(), crate::Error> {
    match url {
        DatabaseUrl::Sqlite(None) => Err(DatabaseError::InMemory.into()),
        DatabaseUrl::Mysql(_) if lifecycle::database_name(url)?.is_none() => {
            Err(DatabaseError::NoName {
                action,
                url: url.redacted(),
            }
            .into())
        }
        _ => Ok(()),
    }
}

/// Creates the database unless it exists. `wait` is `--wait`: retry while the server starts.
pub async fn create(url: &DatabaseUrl, wait: Option<Duration>) -> Result<Outcome, crate::Error> {
    check_named(url, "create")?;
    if exists(url, wait).await? {
        return Ok(Outcome::AlreadyExists);
    }
    lifecycle::create(url).await?;
    Ok(Outcome::Created)
}

/// Drops the database if it exists; call [`check_droppable`] (and confirm) first.
pub async fn drop(
    url: &DatabaseUrl,
    force: bool,
    wait: Option<Duration>,
) -> Result<Outcome, crate::Error> {
    if !exists(url, wait).await? {
        return Ok(Outcome::DidNotExist);
    }
    lifecycle::drop(url, force).await?;
    Ok(Outcome::Dropped)
}

async fn exists(url: &DatabaseUrl, wait: Option<Duration>) -> Result<bool, DbError> {
    wait::retrying(wait, || lifecycle::exists(url), |_| {}).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn maintenance_databases_and_memory_are_refused() {
        for name in MAINTENANCE_DATABASES {
            let url = DatabaseUrl::Postgres(format!("postgres://u:secret@h/{name}"));
            let error = check_droppable(&url, "drop").unwrap_err().to_string();
            assert!(error.contains(name), "{error}");
            assert!(!error.contains("secret"), "{error}");
        }
        assert!(check_droppable(&DatabaseUrl::Sqlite(None), "drop").is_err());
        let app = DatabaseUrl::Postgres("postgres://u@h/postgres_app".into());
        assert!(check_droppable(&app, "drop").is_ok());
    }

    #[test]
    fn mysql_system_databases_and_a_url_without_a_name_are_refused() {
        for name in MYSQL_SYSTEM_DATABASES.iter().chain(&["MySQL"]) {
            let url = DatabaseUrl::Mysql(format!("mysql://root:secret@h:3306/{name}"));
            let error = check_droppable(&url, "reset").unwrap_err().to_string();
            assert!(error.contains("server's own databases"), "{error}");
            assert!(!error.contains("secret"), "{error}");
        }
        let bare = DatabaseUrl::Mysql("mysql://root@h:3306".into());
        let error = check_droppable(&bare, "drop").unwrap_err().to_string();
        assert!(error.contains("names no database to drop"), "{error}");
        let app = DatabaseUrl::Mysql("mysql://root@h:3306/mysql_app".into());
        assert!(check_droppable(&app, "drop").is_ok());
    }
}
