//! Opening the configured database for a command: what `up`, `down`, `stamp` and the read-only
//! commands share before they do their own work, and [`waiting_for`], the `--wait` retry every
//! command's connect goes through (with a spinner on a terminal).
//!
//! A command that changes the database refuses broken files before it touches anything (or
//! creates a SQLite file), creates the embedded default's folder with a `.gitignore`, takes the
//! run lock and makes sure the version table exists; a command that only looks reads the
//! folder while the database answers and never creates a file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::{Config, DatabaseUrl, UrlOrigin};
use crate::db::Connection;
use crate::error::{DbError, Error, LoadError};
use crate::output::Shell;
use crate::source::{Lexicon, MigrationSource};
use crate::state::State;

/// Reads the migrations folder by the lexical rules of the configured database (MySQL's for a
/// `mysql://` URL, the standard ones otherwise or when no URL resolves). Every command that reads
/// the folder for one database comes through here, so `up`, `up --sql`, `lint`, `stamp` and the
/// rest split the same statements and compute the same checksums.
pub fn load_source(config: &Config) -> Result<MigrationSource, Error> {
    Ok(MigrationSource::load_as(
        &config.migrations.value,
        lexicon(config),
    )?)
}

/// The lexical rules the configured database reads SQL by (see [`load_source`]).
pub fn lexicon(config: &Config) -> Lexicon {
    config
        .database_url()
        .map_or(Lexicon::Standard, |(url, _)| url.lexicon())
}

/// Connects for a command that changes the database, takes the run lock (waiting at most
/// `lock_timeout`) and makes sure the version table exists; then reads the state under the lock.
pub async fn open_locked(
    shell: &Shell,
    config: &Config,
    url: (&DatabaseUrl, &UrlOrigin),
    source: MigrationSource,
    waits: (Option<Duration>, Option<Duration>),
) -> Result<(Connection, State), Error> {
    let (conn, state) = open_locked_for_bookkeeping(shell, config, url, source, waits).await?;
    let nothing_recorded = state.records.iter().all(Option::is_none) && state.replaced.is_empty();
    if nothing_recorded && conn.dialect() == crate::db::Dialect::Mysql {
        // Said once, on the first run against a database: after that the version table has rows.
        shell.note(MYSQL_IMPLICIT_COMMITS);
    }
    Ok((conn, state))
}

/// [`open_locked`] for a command that writes only version rows (`stamp`, `rehash`): it runs no
/// migration SQL, so it has nothing to say about MySQL's implicit commits.
pub async fn open_locked_for_bookkeeping(
    shell: &Shell,
    config: &Config,
    (url, origin): (&DatabaseUrl, &UrlOrigin),
    source: MigrationSource,
    (lock_timeout, wait): (Option<Duration>, Option<Duration>),
) -> Result<(Connection, State), Error> {
    State::refuse_broken_before_connecting(&source)?;
    let created = prepare_new_sqlite_file(url, origin)?;
    let mut conn = waiting_for(shell, wait, || Connection::open(url)).await?;
    if let Some(path) = created {
        shell.note(created_note(&path, origin, &config.url_env.value));
    }
    let table = &config.version_table.value;
    conn.lock(table, lock_timeout, |holder| match holder.description {
        Some(who) => shell.note(format_args!(
            "waiting for another brainmig run to finish; the lock is held by {who}"
        )),
        None => shell.note("waiting for another brainmig run to finish"),
    })
    .await?;
    conn.ensure_version_table(table).await?;
    let rows = conn.applied(table).await?;
    Ok((conn, State::build(source, rows)?))
}

/// What a user coming from PostgreSQL must know before the first run against MySQL.
const MYSQL_IMPLICIT_COMMITS: &str = "MySQL and MariaDB commit each DDL statement on its own, so a revision cannot be rolled back: \
     brainmig runs each section statement by statement and records its progress after each one \
     (a revision of only INSERT/UPDATE/DELETE runs in one transaction); see \"MySQL and MariaDB\" in the guide (docs/src/mysql.md)";

/// Reads the state for a command that only looks; a SQLite file that does not exist yet counts
/// as nothing applied and is not created.
pub async fn read_state(
    shell: &Shell,
    config: &Config,
    url: &DatabaseUrl,
    wait: Option<Duration>,
) -> Result<State, Error> {
    // The folder is read on a blocking thread while the database answers: the two waits
    // overlap instead of adding up (most of `current`'s time on a large history).
    let dir = config.migrations.value.clone();
    let lexicon = url.lexicon();
    let source = tokio::task::spawn_blocking(move || MigrationSource::load_as(&dir, lexicon));
    let rows = async {
        match waiting_for(shell, wait, || Connection::open_existing(url)).await? {
            Some(mut conn) => {
                let rows = conn.applied(&config.version_table.value).await;
                conn.close().await;
                Ok::<_, Error>(rows?)
            }
            None => Ok(Vec::new()),
        }
    };
    let (source, rows) = tokio::join!(source, rows);
    let source = source.map_err(|e| LoadError::Io {
        path: config.migrations.value.clone(),
        source: std::io::Error::other(e),
    })??;
    Ok(State::build(source, rows?)?)
}

/// Runs `connect`, retrying under `--wait` (`None` tries once) with a spinner on a terminal.
pub async fn waiting_for<T, Fut>(
    shell: &Shell,
    wait: Option<Duration>,
    connect: impl FnMut() -> Fut,
) -> Result<T, Error>
where
    Fut: Future<Output = Result<T, DbError>>,
{
    let mut waiting = shell.waiting();
    let conn = crate::db::wait::retrying(wait, connect, |retry| waiting.retry(&retry)).await;
    waiting.done();
    Ok(conn?)
}

/// Before a SQLite file is created: its folder (for the embedded default, with a `.gitignore`
/// so the database never gets committed). Returns the file's path when it does not exist yet,
/// for the note after creating it.
fn prepare_new_sqlite_file(
    url: &DatabaseUrl,
    origin: &UrlOrigin,
) -> Result<Option<PathBuf>, Error> {
    let DatabaseUrl::Sqlite(Some(path)) = url else {
        return Ok(None);
    };
    if path.exists() {
        return Ok(None);
    }
    if *origin == UrlOrigin::EmbeddedDefault
        && let Some(dir) = path.parent()
        && !dir.exists()
    {
        let io = |source| LoadError::Io {
            path: dir.to_owned(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        std::fs::write(
            dir.join(".gitignore"),
            "# brainmig's embedded development database; never committed.\n*\n",
        )
        .map_err(io)?;
    }
    Ok(Some(path.clone()))
}

/// The note after creating a SQLite file: its full path, and why that one.
fn created_note(path: &Path, origin: &UrlOrigin, url_env: &str) -> String {
    if *origin == UrlOrigin::EmbeddedDefault {
        format!(
            "created the embedded SQLite database `{}`: no database URL is configured (`--database-url`, `{url_env}`, `.env` or `app_config`)",
            path.display()
        )
    } else {
        format!(
            "created the SQLite database `{}` (URL from {origin})",
            path.display()
        )
    }
}

/// For `current`: when the embedded default is in use and records nothing, say so, so that an
/// empty answer is not mistaken for a lost database.
pub fn embedded_default_note(config: &Config, nothing_applied: bool) -> Option<String> {
    let (DatabaseUrl::Sqlite(Some(path)), UrlOrigin::EmbeddedDefault) =
        config.database_url().ok()?
    else {
        return None;
    };
    let why = format!(
        "no database URL is configured (`--database-url`, `{}`, `.env` or `app_config`)",
        config.url_env.value
    );
    if !path.exists() {
        Some(format!(
            "the embedded SQLite database `{}` does not exist yet: {why}; `cargo brainmig up` creates it",
            path.display()
        ))
    } else if nothing_applied {
        Some(format!(
            "the embedded SQLite database `{}` has nothing applied: {why}",
            path.display()
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder of this test's own, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let dir = std::env::temp_dir().join(format!("brainmig-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("temp dir");
            TempDir(dir)
        }

        fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn the_embedded_default_gets_a_folder_that_git_ignores_and_other_files_get_none() {
        let dir = TempDir::new("connect-default");
        let file = dir.path().join("target/brainmig/dev.sqlite3");
        let url = DatabaseUrl::Sqlite(Some(file.clone()));
        let made = prepare_new_sqlite_file(&url, &UrlOrigin::EmbeddedDefault).expect("prepared");
        assert_eq!(made.as_deref(), Some(file.as_path()));
        let ignore = std::fs::read_to_string(file.with_file_name(".gitignore")).expect("written");
        assert!(ignore.lines().any(|l| l == "*"), "{ignore}");

        let other = dir.path().join("elsewhere/app.sqlite3");
        let url = DatabaseUrl::Sqlite(Some(other.clone()));
        let made = prepare_new_sqlite_file(&url, &UrlOrigin::CommandLine).expect("prepared");
        assert_eq!(made.as_deref(), Some(other.as_path()));
        assert!(
            !other.parent().expect("parent").exists(),
            "only the default's folder is made"
        );
    }

    #[test]
    fn an_existing_file_or_a_server_is_not_announced() {
        let dir = TempDir::new("connect-existing");
        let file = dir.path().join("app.sqlite3");
        std::fs::write(&file, b"").expect("written");
        let url = DatabaseUrl::Sqlite(Some(file));
        assert_eq!(
            prepare_new_sqlite_file(&url, &UrlOrigin::CommandLine).ok(),
            Some(None)
        );
        let url = DatabaseUrl::Postgres("postgres://localhost/app".into());
        assert_eq!(
            prepare_new_sqlite_file(&url, &UrlOrigin::CommandLine).ok(),
            Some(None)
        );
    }

    #[test]
    fn the_creation_note_names_the_path_and_why_that_one() {
        let path = Path::new("/p/target/brainmig/dev.sqlite3");
        let note = created_note(path, &UrlOrigin::EmbeddedDefault, "DATABASE_URL");
        assert!(
            note.starts_with(
                "created the embedded SQLite database `/p/target/brainmig/dev.sqlite3`"
            ),
            "{note}"
        );
        assert!(note.contains("`DATABASE_URL`"), "{note}");
        let note = created_note(path, &UrlOrigin::CommandLine, "DATABASE_URL");
        assert!(note.starts_with("created the SQLite database `"), "{note}");
    }
}
