//! What every command starts from: the resolved config, the shell, and helpers to load the
//! migrations and connect, so no command repeats them.

use crate::config::{Config, DatabaseUrl, DiscoveryArgs, UrlOrigin};
use crate::db::{Connection, Dialect};
use crate::error::{Error, LoadError, Problem};
use crate::output::{Format, Shell};
use crate::source::MigrationSource;
use crate::state::State;

/// Resolved settings and the terminal.
pub struct Context {
    /// Settings.
    pub config: Config,
    /// Output.
    pub shell: Shell,
    /// `--format`.
    pub format: Format,
    /// `--lock-timeout`: how long to wait for another run's lock; `None` waits for ever.
    pub lock_timeout: Option<std::time::Duration>,
    /// `--wait`: how long to retry connecting while the database is not up; `None` tries once.
    pub wait: Option<std::time::Duration>,
}

impl Context {
    /// Discovers the config from the current directory.
    pub fn new(
        discovery: &DiscoveryArgs,
        shell: Shell,
        format: Format,
        lock_timeout: Option<std::time::Duration>,
    ) -> Result<Self, Error> {
        let cwd = std::env::current_dir().map_err(|source| LoadError::Io {
            path: ".".into(),
            source,
        })?;
        let config = Config::discover(discovery, &cwd)?;
        Ok(Context {
            config,
            shell,
            format,
            lock_timeout,
            wait: None,
        })
    }

    /// With `--wait`.
    pub fn with_wait(mut self, wait: Option<std::time::Duration>) -> Self {
        self.wait = wait;
        self
    }

    /// Runs `connect`, retrying under `--wait` with a spinner.
    async fn waiting_for<T, Fut>(&self, connect: impl FnMut() -> Fut) -> Result<T, Error>
    where
        Fut: std::future::Future<Output = Result<T, crate::error::DbError>>,
    {
        let mut waiting = self.shell.waiting();
        let conn =
            crate::db::wait::retrying(self.wait, connect, |retry| waiting.retry(&retry)).await;
        waiting.done();
        Ok(conn?)
    }

    /// Reads the migrations folder; parse problems are kept for [`State::build`] to report.
    pub fn load_source(&self) -> Result<MigrationSource, Error> {
        Ok(MigrationSource::load(&self.config.migrations.value)?)
    }

    /// Files only, with no database: for `new`, `merge`, `check`; warns about broken files.
    pub fn offline_state(&self) -> Result<State, Error> {
        let state = State::build(self.load_source()?, Vec::new())?;
        self.warn_broken(&state, &[]);
        Ok(state)
    }

    /// Warns about each broken file except those in `refused` (reported as an error instead):
    /// the commands that do not need a file go on without it.
    pub fn warn_broken(&self, state: &State, refused: &[usize]) {
        crate::output::warn_broken(&self.shell, state, refused);
    }

    /// The database URL (named with `-v`). The embedded default is announced only when its file
    /// is created (see [`Context::connect_locked`]) and by `current`, not on every command.
    pub fn database_url(&self) -> Result<DatabaseUrl, Error> {
        let (url, origin) = self.config.database_url()?;
        self.shell
            .detail("Database", format_args!("{url} (from {origin})"));
        Ok(url)
    }

    /// For `current`: when the embedded default is in use and records nothing, say so, so that an
    /// empty answer is not mistaken for a lost database.
    pub fn embedded_default_note(&self, nothing_applied: bool) -> Option<String> {
        let (DatabaseUrl::Sqlite(Some(path)), UrlOrigin::EmbeddedDefault) =
            self.config.database_url().ok()?
        else {
            return None;
        };
        let why = format!(
            "no database URL is configured (`--database-url`, `{}`, `.env` or `app_config`)",
            self.config.url_env.value
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

    /// Before a SQLite file is created: its folder (for the embedded default, with a
    /// `.gitignore` so the database never gets committed). Returns the file's path when it does
    /// not exist yet, for the note after creating it.
    fn prepare_new_sqlite_file(
        &self,
        url: &DatabaseUrl,
        origin: &UrlOrigin,
    ) -> Result<Option<std::path::PathBuf>, Error> {
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
    fn announce_created(&self, path: &std::path::Path, origin: &UrlOrigin) {
        if *origin == UrlOrigin::EmbeddedDefault {
            self.shell.note(format_args!(
                "created the embedded SQLite database `{}`: no database URL is configured (`--database-url`, `{}`, `.env` or `app_config`)",
                path.display(),
                self.config.url_env.value
            ));
        } else {
            self.shell.note(format_args!(
                "created the SQLite database `{}` (URL from {origin})",
                path.display()
            ));
        }
    }

    /// The dialect of the configured URL, without connecting.
    pub fn dialect(&self) -> Result<Dialect, Error> {
        let (url, _) = self.config.database_url()?;
        Ok(match url {
            DatabaseUrl::Postgres(_) => Dialect::Postgres,
            DatabaseUrl::Sqlite(_) => Dialect::Sqlite,
        })
    }

    /// Connects for a command that changes the database, takes the run lock and makes sure the
    /// version table exists; then reads the state under the lock.
    pub async fn connect_locked(&self) -> Result<(Connection, State), Error> {
        let (url, origin) = self.config.database_url()?;
        self.shell
            .detail("Database", format_args!("{url} (from {origin})"));
        let source = self.load_source()?;
        // Broken files are reported before the database is touched (or a SQLite file created);
        // all but a missing parent, which the version table may know (a deleted applied file),
        // and a duplicate id, whose fix depends on which of the two files is applied.
        if let Err(LoadError::Problems { dir, problems }) = State::build(source.clone(), Vec::new())
            && problems.iter().any(|p| {
                !matches!(
                    p,
                    Problem::UnknownParent { .. } | Problem::DuplicateRevision { .. }
                )
            })
        {
            return Err(LoadError::Problems { dir, problems }.into());
        }
        let created = self.prepare_new_sqlite_file(&url, &origin)?;
        let mut conn = self.waiting_for(|| Connection::open(&url)).await?;
        if let Some(path) = created {
            self.announce_created(&path, &origin);
        }
        let table = &self.config.version_table.value;
        let shell = &self.shell;
        conn.lock(table, self.lock_timeout, |holder| {
            match holder.description {
                Some(who) => shell.note(format_args!(
                    "waiting for another brainmig run to finish; the lock is held by {who}"
                )),
                None => shell.note("waiting for another brainmig run to finish"),
            }
        })
        .await?;
        conn.ensure_version_table(table).await?;
        let rows = conn.applied(table).await?;
        Ok((conn, State::build(source, rows)?))
    }

    /// Reads the state for a command that only looks; a SQLite file that does not exist yet
    /// counts as nothing applied and is not created.
    pub async fn read_state(&self) -> Result<State, Error> {
        let url = self.database_url()?;
        // The folder is read on a blocking thread while the database answers: the two waits
        // overlap instead of adding up (most of `current`'s time on a large history).
        let dir = self.config.migrations.value.clone();
        let source = tokio::task::spawn_blocking(move || MigrationSource::load(&dir));
        let rows = async {
            match self.waiting_for(|| Connection::open_existing(&url)).await? {
                Some(mut conn) => {
                    let rows = conn.applied(&self.config.version_table.value).await;
                    conn.close().await;
                    Ok::<_, Error>(rows?)
                }
                None => Ok(Vec::new()),
            }
        };
        let (source, rows) = tokio::join!(source, rows);
        let source = source.map_err(|e| LoadError::Io {
            path: self.config.migrations.value.clone(),
            source: std::io::Error::other(e),
        })??;
        let state = State::build(source, rows?)?;
        self.warn_broken(&state, &[]);
        Ok(state)
    }
}
