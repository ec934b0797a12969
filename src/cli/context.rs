//! What every command starts from: the resolved config, the shell, and helpers to load the
//! migrations and connect, so no command repeats them.

use crate::config::{Config, DatabaseUrl, DiscoveryArgs};
use crate::db::{Connection, Dialect};
use crate::error::{Error, LoadError};
use crate::ops;
use crate::output::{Format, Shell};
use crate::source::{Lexicon, MigrationSource};
use crate::state::State;

/// What a command that takes the run lock sends: migration SQL, or version rows only.
enum Sends {
    Migrations,
    VersionRowsOnly,
}

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

    /// Reads the migrations folder; parse problems are kept for [`State::build`] to report.
    pub fn load_source(&self) -> Result<MigrationSource, Error> {
        ops::connect::load_source(&self.config)
    }

    /// The migrations folder read by the given lexical rules (a fleet's, from its targets).
    pub fn load_source_as(&self, lexicon: Lexicon) -> Result<MigrationSource, Error> {
        Ok(MigrationSource::load_as(
            &self.config.migrations.value,
            lexicon,
        )?)
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

    /// For `current`: a note when the embedded default is in use and records nothing.
    pub fn embedded_default_note(&self, nothing_applied: bool) -> Option<String> {
        ops::connect::embedded_default_note(&self.config, nothing_applied)
    }

    /// The dialect of the configured URL, without connecting.
    pub fn dialect(&self) -> Result<Dialect, Error> {
        let (url, _) = self.config.database_url()?;
        Ok(Dialect::of(&url))
    }

    /// Connects for a command that changes the database, under the run lock with the version
    /// table in place, and reads the state (see [`ops::connect::open_locked`]).
    pub async fn connect_locked(&self) -> Result<(Connection, State), Error> {
        self.connect_locked_to(Sends::Migrations).await
    }

    /// [`Context::connect_locked`] for `stamp` and `rehash`, which write version rows only.
    pub async fn connect_locked_for_bookkeeping(&self) -> Result<(Connection, State), Error> {
        self.connect_locked_to(Sends::VersionRowsOnly).await
    }

    async fn connect_locked_to(&self, sends: Sends) -> Result<(Connection, State), Error> {
        let (url, origin) = self.config.database_url()?;
        self.shell
            .detail("Database", format_args!("{url} (from {origin})"));
        let source = self.load_source()?;
        let url = (&url, &origin);
        let waits = (self.lock_timeout, self.wait);
        let (shell, config) = (&self.shell, &self.config);
        match sends {
            Sends::Migrations => ops::connect::open_locked(shell, config, url, source, waits).await,
            Sends::VersionRowsOnly => {
                ops::connect::open_locked_for_bookkeeping(shell, config, url, source, waits).await
            }
        }
    }

    /// Reads the state for a command that only looks; warns about broken files.
    pub async fn read_state(&self) -> Result<State, Error> {
        let url = self.database_url()?;
        let state = ops::connect::read_state(&self.shell, &self.config, &url, self.wait).await?;
        self.warn_broken(&state, &[]);
        Ok(state)
    }
}
