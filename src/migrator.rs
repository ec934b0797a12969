//! The embedded migrator: what an application calls at start-up to migrate itself, or to refuse
//! to start against the wrong schema, with the migrations compiled into its binary.
//!
//! It goes through the same seam as the command line — [`State`], [`plan`], the [`executor`],
//! the [`Database`] trait with its run lock — so revisions applied by the app and by
//! `cargo brainmig` are the same rows and either continues the other. It never prints: it emits
//! `tracing` events (target `brainmig`) and returns a typed report or an [`Error`], whose
//! [`Error::hint`] is the command line's hint.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::config::{DatabaseUrl, UrlOrigin};
use crate::db::{Connection, PgDatabase, wait};
use crate::embed::EmbeddedMigrations;
use crate::error::{ConnectFailure, DbError, Error};
use crate::executor::{self, Completed, Progress};
use crate::graph::Target;
use crate::plan::{self, Direction};
use crate::source::RevisionId;
use crate::state::{PlannedStep, State};

/// The default version table, as the command line's.
pub const DEFAULT_VERSION_TABLE: &str = "brainmig_version";

/// Applies, lists and checks the embedded migrations against a database.
#[derive(Debug, Clone)]
pub struct Migrator {
    migrations: EmbeddedMigrations,
    version_table: String,
    lock_timeout: Option<Duration>,
    wait: Option<Duration>,
}

/// What a run applied.
#[derive(Debug, Clone)]
pub struct Report {
    /// The revisions applied, in order, with their durations.
    pub applied: Vec<Completed>,
    /// The current revisions afterwards.
    pub current: Vec<RevisionId>,
}

/// Where the database stands against the embedded migrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The applied revisions no applied revision revises.
    pub current: Vec<RevisionId>,
    /// The heads of the embedded migrations.
    pub heads: Vec<RevisionId>,
    /// Revisions a run to every head would apply, in order.
    pub pending: Vec<RevisionId>,
    /// Applied revisions the embedded migrations do not have (a newer build migrated).
    pub unknown: Vec<RevisionId>,
}

impl Migrator {
    /// A migrator for `migrations` (see [`crate::embedded_migrations!`]) with the command
    /// line's defaults: version table `brainmig_version`, wait for the run lock for ever.
    pub fn new(migrations: EmbeddedMigrations) -> Self {
        Migrator {
            migrations,
            version_table: DEFAULT_VERSION_TABLE.to_owned(),
            lock_timeout: None,
            wait: None,
        }
    }

    /// The version table, optionally schema-qualified (`ops.brainmig_version`): the same as the
    /// project's `version_table` setting, or the two will not see each other's revisions.
    pub fn version_table(mut self, table: &str) -> Result<Self, Error> {
        crate::config::validate_table_name(table)?;
        self.version_table = table.to_owned();
        Ok(self)
    }

    /// How long to wait for another run's lock (another replica migrating) before failing;
    /// `None`, the default, waits for ever.
    pub fn lock_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// Like the command line's `--wait`: retry connecting for up to `wait` while the server is
    /// unreachable, starting up or out of connection slots (a `tracing` event per retry); bad
    /// credentials and missing databases fail at once. `None`, the default, tries once.
    pub fn wait(mut self, wait: Option<Duration>) -> Self {
        self.wait = wait;
        self
    }

    /// Applies every pending revision (to the single head, like `cargo brainmig up`).
    pub async fn run(&self, db: impl Into<Connect<'_>>) -> Result<Report, Error> {
        self.run_to(db, &Target::Head).await
    }

    /// Applies the revisions up to `target` (`head`, `heads`, a revision id or `+N`).
    pub async fn run_to(
        &self,
        db: impl Into<Connect<'_>>,
        target: &Target,
    ) -> Result<Report, Error> {
        let db = db.into();
        db.check()?;
        let mut conn = wait::retrying(self.wait, || db.open(), trace_retry).await?;
        let result = self.run_on(&mut conn, target).await;
        conn.close().await;
        result
    }

    /// Where the database stands; reads only (a SQLite file that does not exist is not
    /// created and counts as nothing applied).
    pub async fn status(&self, db: impl Into<Connect<'_>>) -> Result<Status, Error> {
        let db = db.into();
        db.check()?;
        let rows = match wait::retrying(self.wait, || db.open_existing(), trace_retry).await? {
            Some(mut conn) => {
                let rows = conn.applied(&self.version_table).await;
                conn.close().await;
                rows?
            }
            None => Vec::new(),
        };
        let state = State::build(self.migrations.source(), rows)?;
        Status::of(&state)
    }

    /// The applied revisions no applied revision revises.
    pub async fn current(&self, db: impl Into<Connect<'_>>) -> Result<Vec<RevisionId>, Error> {
        Ok(self.status(db).await?.current)
    }

    /// The revisions a run would apply, in order.
    pub async fn pending(&self, db: impl Into<Connect<'_>>) -> Result<Vec<RevisionId>, Error> {
        Ok(self.status(db).await?.pending)
    }

    /// For an app that must not migrate itself: succeeds only when the database is exactly at
    /// the embedded heads. Otherwise [`Error::UnknownApplied`] (exit code 6) when the database
    /// has revisions this build does not know, else [`Error::Pending`] (exit code 5).
    pub async fn check(&self, db: impl Into<Connect<'_>>) -> Result<Status, Error> {
        let status = self.status(db).await?;
        verdict(&status)?;
        Ok(status)
    }

    async fn run_on(&self, conn: &mut Connection, target: &Target) -> Result<Report, Error> {
        let table = self.version_table.as_str();
        let source = self.migrations.source_as(conn.dialect().lexicon());
        // Files that do not parse are refused before the database is touched, as `up` does
        // (the build script already refused them; this guards hand-built lists).
        State::refuse_broken_before_connecting(&source)?;
        let waiting_since = Instant::now();
        conn.lock(table, self.lock_timeout, |holder| {
            tracing::info!(
                target: "brainmig",
                holder = holder.description.as_deref().unwrap_or("unknown"),
                "waiting for another brainmig run to finish"
            );
        })
        .await?;
        tracing::debug!(target: "brainmig", waited_ms = waiting_since.elapsed().as_millis() as u64, "run lock taken");
        let result = async {
            conn.ensure_version_table(table).await?;
            let rows = conn.applied(table).await?;
            let state = State::build(source, rows)?;
            state.check_runnable(Direction::Up, false)?;
            for baseline in executor::record_baselines(conn, &state, table).await? {
                tracing::info!(
                    target: "brainmig",
                    baseline = %baseline.id,
                    replaced = baseline.replaced,
                    "recorded a squash baseline in place of the revisions it replaces"
                );
            }
            let plan = plan::upgrade(&state.graph, &state.applied, target)?;
            let steps = state.steps(&plan, Direction::Up)?;
            let applied = executor::run(conn, table, &steps, &mut TracingProgress).await?;
            let mut current = state.applied.clone();
            for i in plan {
                current.revisions.insert(i);
            }
            let current = state.graph.ids(&current.current(&state.graph));
            tracing::info!(target: "brainmig", applied = applied.len(), "migrations up to date");
            Ok::<_, Error>(Report { applied, current })
        }
        .await;
        conn.unlock().await;
        result
    }
}

impl Status {
    /// Where `state`'s database stands against its files (`current --check` shares it).
    pub fn of(state: &State) -> Result<Status, Error> {
        let graph = &state.graph;
        let unknown = graph.ids(&state.missing_files());
        let pending = if unknown.is_empty() {
            graph.ids(&plan::upgrade(graph, &state.applied, &Target::Heads)?)
        } else {
            // A graph the files do not fully describe: nothing can be planned honestly.
            Vec::new()
        };
        Ok(Status {
            current: graph.ids(&state.applied.current(graph)),
            heads: graph.ids(&graph.heads()),
            pending,
            unknown,
        })
    }
}

/// Unknown revisions first: a database ahead of the build is the worse surprise.
pub fn verdict(status: &Status) -> Result<(), Error> {
    if !status.unknown.is_empty() {
        return Err(Error::UnknownApplied {
            unknown: status.unknown.clone(),
        });
    }
    if !status.pending.is_empty() {
        return Err(Error::Pending {
            pending: status.pending.clone(),
        });
    }
    Ok(())
}

/// What the migrator connects to: a URL (as `DATABASE_URL` gives it; a relative SQLite path
/// is relative to the working directory) or the application's sqlx pool, whose connect options
/// it uses for connections of its own (the run lock must outlive any one pooled connection).
#[derive(Debug, Clone, Copy)]
pub enum Connect<'a> {
    /// `postgres://...` or `sqlite://...`.
    Url(&'a str),
    /// A PostgreSQL pool.
    Postgres(&'a sqlx::PgPool),
    /// A SQLite pool on a file (an in-memory pool is refused: another connection would see
    /// another, empty database).
    Sqlite(&'a sqlx::SqlitePool),
}

impl<'a> From<&'a str> for Connect<'a> {
    fn from(url: &'a str) -> Self {
        Connect::Url(url)
    }
}

impl<'a> From<&'a String> for Connect<'a> {
    fn from(url: &'a String) -> Self {
        Connect::Url(url)
    }
}

impl<'a> From<&'a sqlx::PgPool> for Connect<'a> {
    fn from(pool: &'a sqlx::PgPool) -> Self {
        Connect::Postgres(pool)
    }
}

impl<'a> From<&'a sqlx::SqlitePool> for Connect<'a> {
    fn from(pool: &'a sqlx::SqlitePool) -> Self {
        Connect::Sqlite(pool)
    }
}

impl Connect<'_> {
    /// A malformed URL is refused before any attempt, as the command line refuses it (exit 2).
    fn check(&self) -> Result<(), Error> {
        match *self {
            Connect::Url(raw) => parse_url(raw).map(drop).map_err(Error::from),
            _ => Ok(()),
        }
    }

    /// Opens a connection, creating a SQLite file if needed.
    async fn open(&self) -> Result<Connection, DbError> {
        match self.target()? {
            Opening::Url(url) => Connection::open(&url).await,
            Opening::PgPool(pool) => open_like_pool(pool).await,
        }
    }

    /// Opens a connection to look only: `None` for a SQLite file that does not exist yet.
    async fn open_existing(&self) -> Result<Option<Connection>, DbError> {
        match self.target()? {
            Opening::Url(url) => Connection::open_existing(&url).await,
            Opening::PgPool(pool) => open_like_pool(pool).await.map(Some),
        }
    }

    /// The URL to open, or the PostgreSQL pool to take options from.
    fn target(&self) -> Result<Opening<'_>, DbError> {
        match *self {
            Connect::Url(raw) => parse_url(raw)
                .map(Opening::Url)
                .map_err(|e| DbError::Connect {
                    url: crate::config::redact(raw),
                    reason: e.to_string(),
                    kind: ConnectFailure::Other,
                }),
            Connect::Postgres(pool) => Ok(Opening::PgPool(pool)),
            Connect::Sqlite(pool) => {
                let path = pool.connect_options().get_filename().to_owned();
                if path.as_os_str().is_empty() || path.as_os_str() == ":memory:" {
                    return Err(DbError::Connect {
                        url: "sqlite::memory:".into(),
                        reason: "an in-memory SQLite pool cannot be migrated: pass a file".into(),
                        kind: ConnectFailure::Other,
                    });
                }
                Ok(Opening::Url(DatabaseUrl::Sqlite(Some(path))))
            }
        }
    }
}

/// What [`Connect`] opens.
enum Opening<'a> {
    Url(DatabaseUrl),
    /// A PostgreSQL pool whose connect options the migrator borrows.
    PgPool(&'a sqlx::PgPool),
}

async fn open_like_pool(pool: &sqlx::PgPool) -> Result<Connection, DbError> {
    let db = PgDatabase::connect_with_pool_options(&pool.connect_options()).await?;
    Ok(Connection::Postgres(Box::new(db)))
}

/// URLs as `DATABASE_URL` gives them; a relative SQLite path is relative to the working
/// directory.
fn parse_url(raw: &str) -> Result<DatabaseUrl, crate::error::ConfigError> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    DatabaseUrl::parse(raw, &cwd, &UrlOrigin::Environment("DATABASE_URL".into()))
}

fn trace_retry(retry: wait::Retry<'_>) {
    tracing::info!(
        target: "brainmig",
        error = %retry.error,
        waited_ms = retry.waited.as_millis() as u64,
        "waiting for the database"
    );
}

/// The run's events as `tracing` events.
struct TracingProgress;

impl Progress for TracingProgress {
    fn start(&mut self, step: &PlannedStep, index: usize, total: usize) {
        tracing::info!(
            target: "brainmig",
            revision = %step.id,
            message = %step.message,
            step = index + 1,
            total,
            "applying revision"
        );
    }

    fn finish(&mut self, step: &PlannedStep, elapsed: Duration) {
        tracing::info!(
            target: "brainmig",
            revision = %step.id,
            duration_ms = elapsed.as_millis() as u64,
            "revision applied"
        );
    }

    fn done(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: &T) {}

    #[test]
    fn the_migrator_s_futures_can_be_spawned_on_a_multi_threaded_runtime() {
        let migrator = Migrator::new(EmbeddedMigrations::new(&[]));
        assert_send(&migrator.run("sqlite::memory:"));
        assert_send(&migrator.status("sqlite::memory:"));
        assert_send(&migrator.check("sqlite::memory:"));
    }
}
