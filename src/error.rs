//! Errors: one enum per domain, gathered into [`Error`], which alone decides hints and exit codes.
//!
//! Messages say what went wrong with the offending value in backticks; the cause sits in `#[source]`
//! and is not repeated in the message. Hints are separate so the terminal can print them as `help:`.
//!
//! Why one big file: [`Error::exit_code`] and the hints are the one mapping from a failure to
//! what a script sees and what the user reads next; with every domain's enum beside them, each
//! failure's words, hint and exit code are read and reviewed in one place (most of the lines
//! are those words). An enum that need not be here lives in a leaf file (`import/error.rs`).

use std::path::PathBuf;

// From the leaf files, not `crate::source`, whose loader returns the errors defined here.
use crate::source::id::{InvalidRevisionId, RevisionId};
use crate::source::lexer::LexError;
// Likewise the leaf files of the graph, the planner and import.
#[cfg(feature = "cli")]
use crate::fleet::error::FleetError;
use crate::graph::fix::CollisionFix;
#[cfg(feature = "cli")]
use crate::import::error::ImportError;
use crate::plan::direction::Direction;

/// The process exit codes, a documented contract for scripts and CI.
pub mod exit_code {
    /// Success: the command did what was asked (including "nothing to do").
    pub const OK: u8 = 0;
    /// A failure while working: a migration failed, the database refused, a file could not be read.
    pub const FAILURE: u8 = 1;
    /// Bad usage or configuration: unknown flag, bad target, bad config key, malformed URL.
    pub const USAGE: u8 = 2;
    /// `test-roundtrip`: a revision's downgrade did not undo its upgrade (or a step failed).
    pub const ROUNDTRIP_FAILED: u8 = 3;
    /// `check` and `diff`: the schema file, the migrations and the database disagree (or there
    /// are several heads).
    pub const DRIFT: u8 = 4;
    /// `current --check` and `Migrator::check`: revisions of this build are not applied yet.
    pub const PENDING: u8 = 5;
    /// `current --check` and `Migrator::check`: the database has revisions this build does not
    /// know (it was migrated by a newer build).
    pub const UNKNOWN_APPLIED: u8 = 6;
    /// `lint` (and `check`): a finding at error severity remains.
    pub const LINT: u8 = 7;
    /// Interrupted by Ctrl-C: the revision in flight was rolled back, earlier ones stay applied.
    pub const INTERRUPTED: u8 = 130;
}

/// Anything brainmig can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Settings could not be found or are wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The migrations folder could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A target or plan the command cannot carry out.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The database refused or failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A revision failed while running; earlier ones of the run stay applied.
    #[error(transparent)]
    Run(#[from] Box<RunError>),
    /// Writing a new revision or the template failed.
    #[error(transparent)]
    Scaffold(#[from] ScaffoldError),
    /// `test-roundtrip` found revisions whose downgrade does not undo their upgrade.
    #[error("{failed} check(s) failed the round trip")]
    RoundtripFailed {
        /// How many revisions (and the final base check) failed.
        failed: usize,
    },
    /// Ctrl-C outside a migration run (which reports through [`RunError`]).
    #[error("interrupted")]
    Interrupted,
    /// `check` or `diff` found differences.
    #[error("{message}")]
    Drift {
        /// Between what, and how many.
        message: String,
        /// What to do about it.
        hint: String,
    },
    /// `lint` (or `check`) found dangerous statements at error severity.
    #[error("lint: {errors} finding(s) at error severity")]
    LintFailed {
        /// How many.
        errors: usize,
    },
    /// `new --autogenerate` found differences but could generate SQL for none of them.
    #[error("brainmig cannot generate SQL for these differences; no revision written")]
    NothingGenerated,
    /// The declarative schema file could not be read or executed in the scratch database.
    #[error("the schema file `{}`{}: {message}", path.display(), line.map(|l| format!(" failed at line {l}")).unwrap_or_default())]
    SchemaFile {
        /// The file.
        path: PathBuf,
        /// The line of the failing statement, when the database says.
        line: Option<usize>,
        /// What went wrong.
        message: String,
    },
    /// `import` could not read, write or take over another tool's migrations.
    #[cfg(feature = "cli")]
    #[error(transparent)]
    Import(#[from] ImportError),
    /// Choosing a fleet's targets failed, or some of its targets did.
    #[cfg(feature = "cli")]
    #[error(transparent)]
    Fleet(#[from] FleetError),
    /// `database drop|reset` refused, or was not confirmed.
    #[cfg(feature = "cli")]
    #[error(transparent)]
    Database(#[from] crate::ops::database::DatabaseError),
    /// A schema check: the database is behind the migrations of this build.
    #[error("the database is not at head: {} pending ({})", plural(pending.len(), "revision"), id_list(pending))]
    Pending {
        /// The revisions `up` would apply, in order.
        pending: Vec<RevisionId>,
    },
    /// A schema check: the database has revisions the migrations of this build do not have.
    #[error("the database has {} this build does not know ({})", plural(unknown.len(), "revision"), id_list(unknown))]
    UnknownApplied {
        /// The applied revisions with no file.
        unknown: Vec<RevisionId>,
    },
}

impl Error {
    /// The exit code this error ends the process with.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Config(_) => exit_code::USAGE,
            // The configured (or default) folder is not there: a configuration error, as documented.
            Error::Load(LoadError::MissingDir(_)) => exit_code::USAGE,
            Error::Run(run) if run.interrupted => exit_code::INTERRUPTED,
            Error::Interrupted => exit_code::INTERRUPTED,
            Error::RoundtripFailed { .. } => exit_code::ROUNDTRIP_FAILED,
            Error::Drift { .. } => exit_code::DRIFT,
            Error::LintFailed { .. } => exit_code::LINT,
            Error::Pending { .. } => exit_code::PENDING,
            Error::UnknownApplied { .. } => exit_code::UNKNOWN_APPLIED,
            Error::Plan(e) if e.is_usage() => exit_code::USAGE,
            #[cfg(feature = "cli")]
            Error::Fleet(e) if e.is_usage() => exit_code::USAGE,
            #[cfg(feature = "cli")]
            Error::Fleet(e) => e.targets_exit_code().unwrap_or(exit_code::FAILURE),
            #[cfg(feature = "cli")]
            Error::Database(e) if e.is_usage() => exit_code::USAGE,
            Error::Scaffold(ScaffoldError::BadMessage | ScaffoldError::Template { .. }) => {
                exit_code::USAGE
            }
            _ => exit_code::FAILURE,
        }
    }

    /// A suggestion of what to do next, printed as `help:` after the message.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Config(e) => e.hint(),
            Error::Load(e) => e.hint(),
            Error::Plan(e) => e.hint(),
            Error::Db(e) => e.hint(),
            Error::Run(e) => e.suggestion(),
            Error::Scaffold(e) => e.hint(),
            Error::RoundtripFailed { .. } => Some(
                "fix each down section so that it removes exactly what its up section created"
                    .into(),
            ),
            Error::Interrupted => None,
            Error::Drift { hint, .. } => Some(hint.clone()),
            Error::LintFailed { .. } => Some(
                "make each statement safe as its finding says, or accept it with `-- brainmig:allow CODE reason` before it"
                    .into(),
            ),
            Error::NothingGenerated => {
                Some("write the revision by hand: `cargo brainmig new -m \"...\"`".into())
            }
            Error::SchemaFile { .. } => {
                Some("the `schema` file must be plain DDL that runs on an empty database".into())
            }
            #[cfg(feature = "cli")]
            Error::Import(e) => e.hint(),
            #[cfg(feature = "cli")]
            Error::Fleet(e) => e.hint(),
            #[cfg(feature = "cli")]
            Error::Database(e) => e.hint(),
            Error::Pending { .. } => {
                Some("apply them with `cargo brainmig up` (or let the application migrate itself)".into())
            }
            Error::UnknownApplied { .. } => Some(
                "this build is older than the database: deploy the build that has those revisions, or revert them with it".into(),
            ),
        }
    }
}

/// A problem with discovery or settings.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `cargo metadata` failed or could not be run.
    #[error("could not read the cargo workspace: {message}")]
    CargoMetadata {
        /// What cargo said, first line.
        message: String,
    },
    /// `-p` named a package that is not in the workspace.
    #[error("package `{0}` is not a member of this workspace")]
    UnknownPackage(String),
    /// A key in `[*.metadata.brainmig]` that brainmig does not know.
    #[error("unknown key `{key}` in `{table}` of `{manifest}`")]
    UnknownKey {
        /// The key as written.
        key: String,
        /// `package.metadata.brainmig` or `workspace.metadata.brainmig`.
        table: String,
        /// The Cargo.toml it is in.
        manifest: PathBuf,
    },
    /// A known key with a value of the wrong kind.
    #[error("`{key}` in `{table}` of `{manifest}` must be {expected}")]
    BadValue {
        /// The key.
        key: String,
        /// Where it is.
        table: String,
        /// The Cargo.toml it is in.
        manifest: PathBuf,
        /// What it should be, e.g. "a string".
        expected: &'static str,
    },
    /// A target's `url-env` names a variable that is not set.
    #[error("target `{target}`: the environment variable `{var}` (its `url-env`) is not set")]
    TargetEnvUnset {
        /// The target.
        target: String,
        /// The variable.
        var: String,
    },
    /// The app config file named by `app_config` could not be read.
    #[error("cannot read the app config `{path}`")]
    AppConfigUnreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The app config file is not valid TOML.
    #[error("the app config `{path}` is not valid TOML: {message}")]
    AppConfigParse {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// The app config file has no string at `app_config_key`.
    #[error("the app config `{path}` has no string at key `{key}`")]
    AppConfigKeyMissing {
        /// The file.
        path: PathBuf,
        /// The dotted key.
        key: String,
    },
    /// `app_config` without `app_config_key` or the reverse.
    #[error("`app_config` and `app_config_key` must be set together")]
    AppConfigIncomplete,
    /// A `.env` line that dotenvy cannot parse. Its value is never echoed: it may be a secret.
    #[error("`{path}` line {line} cannot be parsed")]
    DotEnv {
        /// The `.env` file.
        path: PathBuf,
        /// 1-based line, when it could be found.
        line: usize,
    },
    /// The database URL is malformed.
    #[error("the database URL from {origin} is not valid: {reason}")]
    InvalidUrl {
        /// Where it came from, in words.
        origin: String,
        /// What is wrong (never the URL itself).
        reason: String,
    },
    /// The database URL has a scheme brainmig does not drive.
    #[error("the database URL from {origin} uses `{scheme}:`, which brainmig does not support")]
    UnsupportedScheme {
        /// Where it came from.
        origin: String,
        /// The scheme.
        scheme: String,
    },
    /// A command that needs autogenerate (or a server feature) MySQL does not have yet (#19).
    #[error("{what} is not supported on MySQL and MariaDB yet")]
    NotOnMysql {
        /// The command or feature, e.g. "`test-roundtrip`".
        what: String,
    },
    /// `lint` against a MySQL database: its rules read statements with PostgreSQL's parser.
    #[error(
        "`lint` cannot judge MySQL's SQL: its rules read each statement with PostgreSQL's parser, which would call valid MySQL broken"
    )]
    LintOnMysql,
    /// The version table name is not a plain identifier.
    #[error("`version_table` `{0}` is not a valid table name")]
    BadVersionTable(String),
    /// No Cargo.toml and no `--migrations-dir`.
    #[error("no cargo project found from `{0}`")]
    NoProject(PathBuf),
    /// A flag that the chosen command does not support.
    #[error("{0}")]
    Unsupported(String),
    /// `new --autogenerate` or `check` without a `schema` key.
    #[error("no declarative schema file is configured")]
    NoSchemaFile,
}

impl ConfigError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            ConfigError::UnknownKey { table, .. } if table.ends_with(".lint") => {
                "known keys: disable, severity, target-version".into()
            }
            ConfigError::UnknownKey { .. } => {
                "known keys: migrations, version_table, url_env, app_config, app_config_key, template, revision_style, schema, lint, targets"
                    .into()
            }
            ConfigError::NoProject(_) | ConfigError::CargoMetadata { .. } => {
                "run inside a cargo project, pass `--manifest-path`, or pass `--migrations-dir` to work without one"
                    .into()
            }
            ConfigError::UnsupportedScheme { .. } => {
                "use a `postgres://user@host/db`, `mysql://user@host/db` or `sqlite://path/to/file.db` URL".into()
            }
            ConfigError::NotOnMysql { .. } => {
                "write the revision by hand and prove it with `cargo brainmig test-roundtrip`; `up`, `down`, `stamp`, `--sql`, `diff` and `check` work on MySQL".into()
            }
            ConfigError::LintOnMysql => {
                "`lint` is for PostgreSQL migrations; on MySQL, `up --sql` shows what a run would send, and `up` then `down` on a database of your own tries it".into()
            }
            ConfigError::InvalidUrl { .. } => {
                "the form is `postgres://user:password@host:5432/db` (percent-encode special characters) or `sqlite://path`".into()
            }
            ConfigError::AppConfigKeyMissing { .. } | ConfigError::AppConfigUnreadable { .. } => {
                "fix `app_config`/`app_config_key` in `[package.metadata.brainmig]`, or set the URL with `--database-url` or `DATABASE_URL`".into()
            }
            ConfigError::NoSchemaFile => {
                "add `schema = \"schema.sql\"` to `[package.metadata.brainmig]`: a file of plain DDL describing the database as it should be".into()
            }
            ConfigError::DotEnv { .. } => "each line must read `NAME=value`; quote values with spaces".into(),
            _ => return None,
        })
    }
}

/// One thing wrong with one migration file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {kind}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ParseError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    /// What is wrong.
    pub kind: ParseErrorKind,
}

/// What is wrong in a migration file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseErrorKind {
    /// Not UTF-8.
    #[error("the file is not valid UTF-8")]
    InvalidUtf8,
    /// No `-- revision:` header.
    #[error("missing `-- revision: <id>` header")]
    MissingRevisionHeader,
    /// A header value that is not a revision id.
    #[error(transparent)]
    InvalidId(InvalidRevisionId),
    /// The header and the file name disagree.
    #[error("header says revision `{header}` but the file name says `{file_prefix}`")]
    FileNameMismatch {
        /// What `-- revision:` says.
        header: RevisionId,
        /// What the file name's prefix says.
        file_prefix: String,
    },
    /// `-- migrate:up` twice (or down twice).
    #[error("a second `-- migrate:{0}` marker")]
    DuplicateMarker(&'static str),
    /// `-- migrate:xyz`.
    #[error("unknown marker `-- migrate:{0}` (expected `up` or `down`)")]
    UnknownMarker(String),
    /// `-- migrate:up xyz`.
    #[error(
        "unknown marker option `{0}` (the options are `transaction:false` and `transaction:true`)"
    )]
    UnknownMarkerOption(String),
    /// `-- foo: bar` before the first marker.
    #[error("unknown header `{0}` (headers are revision, revises, message, created)")]
    UnknownHeader(String),
    /// The same header twice.
    #[error("header `{0}` appears twice")]
    DuplicateHeader(String),
    /// SQL before `-- migrate:up`.
    #[error("SQL before the first `-- migrate:up` or `-- migrate:down` marker")]
    SqlBeforeMarker,
    /// `revises: a, a`.
    #[error("`revises` names `{0}` twice")]
    RepeatedParent(RevisionId),
    /// `COMMIT` and the like in a section brainmig runs in a transaction.
    #[error(
        "`{0}` in a section that runs in a transaction: brainmig wraps each revision and its version row in one transaction; mark the section `transaction:false` to control transactions yourself"
    )]
    TransactionControl(String),
    /// No `-- migrate:up`.
    #[error("missing `-- migrate:up` section")]
    MissingUp,
    /// `-- migrate:up` with nothing after it.
    #[error("the `-- migrate:up` section has no statements")]
    EmptyUp,
    /// A string, quoted identifier, dollar quote or comment left open.
    #[error(transparent)]
    Lex(LexError),
}

/// Everything wrong with the migrations folder, reported together.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The folder does not exist.
    #[error("migrations folder `{0}` does not exist")]
    MissingDir(PathBuf),
    /// The folder or a file could not be read.
    #[error("cannot read `{path}`")]
    Io {
        /// What could not be read.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Problems with the files themselves.
    #[error("{} in `{}`:\n{}", plural(problems.len(), "problem"), dir.display(), bullet_list(problems))]
    Problems {
        /// The migrations folder.
        dir: PathBuf,
        /// Each problem, one line each.
        problems: Vec<Problem>,
    },
}

impl LoadError {
    fn hint(&self) -> Option<String> {
        match self {
            LoadError::MissingDir(_) => Some(
                "run `cargo brainmig init` to create it, or point `migrations` / `--migrations-dir` at the right folder"
                    .into(),
            ),
            LoadError::Problems { problems, .. }
                if problems
                    .iter()
                    .any(|p| matches!(p, Problem::DuplicateRevision { fix: Some(_), .. })) =>
            {
                Some(collision_hint(problems))
            }
            LoadError::Problems { problems, .. }
                if problems.iter().any(|p| matches!(p, Problem::UnknownParent { .. })) =>
            {
                Some("Can't locate revision: restore the missing file, or fix the `revises:` header".into())
            }
            LoadError::Problems { problems, .. }
                if problems
                    .iter()
                    .any(|p| matches!(p, Problem::Parse(e) if e.kind == ParseErrorKind::EmptyUp)) =>
            {
                Some("write the SQL of the change under `-- migrate:up` (and how to undo it under `-- migrate:down`); to apply it without SQL on purpose, delete the placeholder line".into())
            }
            _ => None,
        }
    }
}

/// One problem found while loading the migrations folder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// A file that does not parse.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// Two files claim the same revision (usually two git branches that each ran `new`).
    #[error("revision `{id}` is defined twice: `{}` and `{}`{}", first.display(), second.display(), collision_story(id, fix.as_deref()))]
    DuplicateRevision {
        /// The id.
        id: RevisionId,
        /// One file.
        first: PathBuf,
        /// The other.
        second: PathBuf,
        /// How to resolve it, when the files could be looked at (see `graph::suggest_fixes`).
        fix: Option<Box<CollisionFix>>,
    },
    /// `revises:` names a revision that no file defines.
    #[error("Can't locate revision `{parent}`, named as parent of `{id}` in `{}`", path.display())]
    UnknownParent {
        /// The revision whose header is wrong.
        id: RevisionId,
        /// The missing parent.
        parent: RevisionId,
        /// Its file.
        path: PathBuf,
    },
    /// `revises:` names the revision itself.
    #[error("revision `{id}` revises itself in `{}`", path.display())]
    SelfParent {
        /// The revision.
        id: RevisionId,
        /// Its file.
        path: PathBuf,
    },
    /// The revisions form a cycle.
    #[error(
        "revisions form a cycle: {} (in {})",
        ids.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(" -> "),
        paths.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", ")
    )]
    Cycle {
        /// The revisions on the cycle, in order, the first repeated at the end.
        ids: Vec<RevisionId>,
        /// Their files.
        paths: Vec<PathBuf>,
    },
    /// A file that could not be read.
    #[error("cannot read `{}`: {reason}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The operating system's words.
        reason: String,
    },
}

/// A target or plan that cannot be carried out.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// A target string that is not a target.
    #[error("`{0}` is not a valid target")]
    BadTarget(String),
    /// A target naming no known revision.
    #[error("no revision matches `{0}`")]
    UnknownRevision(String),
    /// A prefix matching several revisions.
    #[error("`{prefix}` is ambiguous: it matches {}", list(candidates))]
    Ambiguous {
        /// What was given.
        prefix: String,
        /// What it matches.
        candidates: Vec<RevisionId>,
    },
    /// `head` with several heads.
    #[error("multiple heads are present: {}", list(heads))]
    MultipleHeads {
        /// The heads.
        heads: Vec<RevisionId>,
    },
    /// A target that does not make sense for the direction (`up -1`, `down heads`).
    #[error("`{target}` is not a valid target for `{command}`")]
    WrongDirection {
        /// The target as given.
        target: String,
        /// `up` or `down`.
        command: &'static str,
    },
    /// `-N` asks for more than is applied.
    #[error("cannot go down {requested} revisions: only {available} applied")]
    BeyondBase {
        /// N.
        requested: usize,
        /// How many are applied.
        available: usize,
    },
    /// `+N` asks for more than is pending.
    #[error("cannot go up {requested} revisions: only {available} pending")]
    BeyondHead {
        /// N.
        requested: usize,
        /// How many are pending.
        available: usize,
    },
    /// `REV+N` / `REV-N` that walks past a head or the base, or reaches a fork on the way.
    #[error("`{target}` cannot be followed: {reason}")]
    RelativeStep {
        /// The target as given.
        target: String,
        /// Where the walk stopped, in words.
        reason: String,
        /// The revisions to choose between at a fork (empty when the walk ran out).
        choices: Vec<RevisionId>,
    },
    /// The database applied only some of the revisions a baseline replaces.
    #[error(
        "the database is part-way through the revisions baseline `{baseline}` replaces: it applied {} but not {}",
        list(have),
        list(lack)
    )]
    PartWayThroughBaseline {
        /// The baseline.
        baseline: RevisionId,
        /// The replaced revisions it applied.
        have: Vec<RevisionId>,
        /// Those it did not.
        lack: Vec<RevisionId>,
    },
    /// `squash` cannot replace what it was asked to.
    #[error("cannot squash: {0}")]
    CannotSquash(String),
    /// `renumber` cannot move the branch it was given.
    #[error("cannot renumber: {0}")]
    CannotRenumber(String),
    /// `down REV` where REV is not applied.
    #[error("revision `{0}` is not applied, so the database cannot be downgraded to it")]
    NotApplied(RevisionId),
    /// A revision to revert has no down section.
    #[error("revision `{id}` has no `-- migrate:down` section, so it cannot be downgraded ({})", path.display())]
    NoDownSection {
        /// The revision.
        id: RevisionId,
        /// Its file.
        path: PathBuf,
    },
    /// Recorded revisions with no file: the database is ahead of the code.
    #[error("Revision not found: the database records {} but no file defines {}", list(ids), if ids.len() == 1 { "it" } else { "them" })]
    MissingFiles {
        /// The recorded revisions without a file.
        ids: Vec<RevisionId>,
    },
    /// An applied revision whose up section changed since.
    #[error("revision `{id}` was applied with checksum {recorded} but `{}` now has {current}", path.display())]
    ChecksumMismatch {
        /// The revision.
        id: RevisionId,
        /// Its file.
        path: PathBuf,
        /// Short form of the checksum in the version table.
        recorded: String,
        /// Short form of the file's checksum.
        current: String,
    },
    /// `stamp` would forget recorded revisions that have no file.
    #[error("stamping would forget {}, which {} no file here; {} down section would be lost", list(ids), if ids.len() == 1 { "has" } else { "have" }, if ids.len() == 1 { "its" } else { "their" })]
    StampForgetsMissing {
        /// The revisions.
        ids: Vec<RevisionId>,
    },
    /// `merge` needs at least two distinct revisions.
    #[error("a merge needs at least two distinct revisions, got {}", list(given))]
    MergeTooFew {
        /// What was given.
        given: Vec<RevisionId>,
    },
    /// `new` with several heads and no `--head`.
    #[error(
        "multiple heads are present ({}); say which one the new revision revises\n{explained}",
        list(heads)
    )]
    NewNeedsHead {
        /// The heads.
        heads: Vec<RevisionId>,
        /// How the heads came about, in words ([`crate::graph::conflict::explain`]).
        explained: String,
        /// Merge or renumber ([`crate::graph::conflict::fixes`]).
        fixes: String,
    },
    /// A `transaction:false` section stopped part-way in an earlier run.
    #[error(
        "revision `{id}` did not finish: its {section} section, run statement by statement (`transaction:false`, or on MySQL), stopped at {progress} statements{}",
        next.as_ref().map(|n| format!(" (the first that did not run is at {n})")).unwrap_or_default()
    )]
    Incomplete {
        /// The revision.
        id: RevisionId,
        /// `up` or `down`.
        section: String,
        /// As recorded, e.g. `up 2/5`.
        progress: String,
        /// `file:line` of the first statement that did not run.
        next: Option<String>,
        /// Its (first) parent, or `base`.
        parent: String,
    },
    /// `new --head REV` where REV already has children, without `--splice`.
    #[error("revision `{0}` is not a head: a new revision there would start a new branch")]
    NotAHead(RevisionId),
    /// `merge` of a revision with one of its ancestors.
    #[error(
        "`{ancestor}` is an ancestor of `{descendant}`; a merge joins revisions on different branches"
    )]
    MergeOfAncestor {
        /// The ancestor.
        ancestor: RevisionId,
        /// Its descendant.
        descendant: RevisionId,
    },
    /// `rehash` of a revision that is not applied.
    #[error("revision `{0}` is not applied; there is no checksum to update")]
    RehashNotApplied(RevisionId),
    /// The run would apply revisions whose files are broken (refused before anything runs).
    #[error(
        "cannot {} {}: {} broken:\n{}",
        if *direction == Direction::Up { "apply" } else { "revert" },
        if errors.len() == 1 { format!("revision `{}`", ids[0]) } else { format!("revisions {}", list(ids)) },
        if errors.len() == 1 { "its file is" } else { "their files are" },
        errors.iter().map(|e| format!("  - {e}")).collect::<Vec<_>>().join("\n")
    )]
    BrokenFiles {
        /// Apply or revert.
        direction: Direction,
        /// The revisions, in the order they would run.
        ids: Vec<RevisionId>,
        /// What is wrong with each file.
        errors: Vec<ParseError>,
        /// The target that stops before the first of them (its parent), if there is one.
        stop_before: Option<RevisionId>,
    },
    /// An applied revision whose file no longer parses: it was edited after it was applied.
    #[error("revision `{id}` is applied but its file no longer parses: {error}")]
    AppliedFileBroken {
        /// The revision.
        id: RevisionId,
        /// What is wrong with the file.
        error: ParseError,
    },
}

impl PlanError {
    fn is_usage(&self) -> bool {
        matches!(
            self,
            PlanError::BadTarget(_)
                | PlanError::UnknownRevision(_)
                | PlanError::Ambiguous { .. }
                | PlanError::MultipleHeads { .. }
                | PlanError::WrongDirection { .. }
                | PlanError::BeyondBase { .. }
                | PlanError::BeyondHead { .. }
                | PlanError::RelativeStep { .. }
                | PlanError::CannotRenumber(_)
                | PlanError::CannotSquash(_)
                | PlanError::NotApplied(_)
                | PlanError::MergeTooFew { .. }
                | PlanError::MergeOfAncestor { .. }
                | PlanError::NotAHead(_)
                | PlanError::NewNeedsHead { .. }
        )
    }

    fn hint(&self) -> Option<String> {
        Some(match self {
            PlanError::BadTarget(_) => {
                "targets are `head`, `heads`, `base`, a revision id or unique prefix, `+N`, `-N`, `REV+N` or `REV-N`".into()
            }
            PlanError::UnknownRevision(_) => "run `cargo brainmig history` to list the revisions".into(),
            PlanError::RelativeStep { choices, .. } if !choices.is_empty() => format!(
                "count from the branch you mean instead (one of {}); `cargo brainmig history --graph` shows them",
                ids_plain(choices)
            ),
            PlanError::PartWayThroughBaseline { lack, .. } => format!(
                "finish the replaced revisions with the code from before the squash (check out the commit before it and run `cargo brainmig up {}`), then come back: `up` then sees the database at the baseline; a database you can rebuild can instead be emptied and brought up from the baseline",
                lack.last().map(ToString::to_string).unwrap_or_default()
            ),
            PlanError::CannotSquash(_) => {
                "`cargo brainmig history --graph` shows where every head descends from".into()
            }
            PlanError::CannotRenumber(_) => {
                "`cargo brainmig history --graph` shows the branches; `cargo brainmig merge -m \"merge heads\" heads` joins them instead".into()
            }
            PlanError::RelativeStep { .. } => {
                "use a smaller N; `cargo brainmig history --graph` shows the revisions".into()
            }
            PlanError::MultipleHeads { heads } => format!(
                "run `cargo brainmig merge -m \"merge heads\" {}` to join them, name one head, or use `heads` to apply all",
                ids_plain(heads)
            ),
            PlanError::WrongDirection { command, .. } => {
                if *command == "up" {
                    "to go back, use `cargo brainmig down`".into()
                } else {
                    "to go forward, use `cargo brainmig up`".into()
                }
            }
            PlanError::NoDownSection { .. } => {
                "add a `-- migrate:down` section, or `stamp` past it if you have reverted it by hand".into()
            }
            PlanError::MissingFiles { ids } => format!(
                "restore the file{s} (e.g. check out the newer code), run `cargo brainmig down` to revert with the stored down section{s}, or `cargo brainmig stamp <known revision>` (use with caution); `{}` listed them",
                "cargo brainmig history",
                s = if ids.len() == 1 { "" } else { "s" }
            ),
            PlanError::ChecksumMismatch { id, .. } => format!(
                "applied migrations should not be edited: restore the file, or after review run `cargo brainmig rehash {id}` (or pass `--ignore-checksums`)"
            ),
            PlanError::StampForgetsMissing { .. } => "pass `--purge` to stamp anyway".into(),
            PlanError::NewNeedsHead { heads, fixes, .. } => {
                format!("pass `--head {}` to add to one branch; or {fixes}", heads[0])
            }
            PlanError::NotApplied(_) => "`cargo brainmig current` shows what is applied".into(),
            PlanError::Incomplete { id, section, parent, .. } if section == "down" => format!(
                "finish reverting it by hand and run `cargo brainmig stamp {parent}`, or redo what was reverted and run `cargo brainmig stamp {id}`"
            ),
            PlanError::Incomplete { id, parent, .. } => format!(
                "run the remaining statements by hand and then `cargo brainmig stamp {id}`, or undo the ones that ran and then `cargo brainmig stamp {parent}`"
            ),
            PlanError::NotAHead(_) => {
                "name a head (`cargo brainmig heads` lists them), or pass `--splice` to branch on purpose".into()
            }
            PlanError::BrokenFiles { errors, stop_before, .. } => {
                let fix = match errors.first().map(|e| &e.kind) {
                    Some(ParseErrorKind::EmptyUp | ParseErrorKind::MissingUp) => {
                        "write the SQL of the change under `-- migrate:up` (and how to undo it under `-- migrate:down`); to apply it without SQL on purpose, delete the placeholder line"
                    }
                    Some(ParseErrorKind::TransactionControl(_)) => {
                        "remove the transaction control statement (brainmig opens the transaction), or mark the section `transaction:false`"
                    }
                    _ => "fix the file at the line shown",
                };
                match stop_before {
                    Some(parent) => format!(
                        "{fix}; to apply only what comes before it, run `cargo brainmig up {parent}`"
                    ),
                    None => fix.to_owned(),
                }
            }
            PlanError::AppliedFileBroken { .. } => {
                "applied migrations should not be edited: restore the file as it was applied (e.g. `git checkout -- <file>`), or pass `--ignore-checksums` (`down` then reverts it with the down section stored when it was applied)".into()
            }
            _ => return None,
        })
    }
}

/// A database operation that failed outside a migration's own SQL.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// Could not connect.
    #[error("cannot connect to {url}: {reason}")]
    Connect {
        /// The URL with its password masked.
        url: String,
        /// Why, in the driver's words.
        reason: String,
        /// Which kind of failure, for the hint.
        kind: ConnectFailure,
    },
    /// A bookkeeping query failed.
    #[error("{doing}: {reason}")]
    Query {
        /// What brainmig was doing, e.g. "reading the version table".
        doing: String,
        /// The database's message.
        reason: String,
    },
    /// The server would not let us create a scratch database.
    #[error("cannot create a scratch database on the server: {reason}")]
    ScratchRefused {
        /// The database's words.
        reason: String,
    },
    /// `--lock-timeout` passed while another run held the lock.
    #[error(
        "another brainmig run still holds the lock after {:.1}s{}",
        waited.as_secs_f64(),
        holder.as_ref().map(|h| format!("; it is held by {h}")).unwrap_or_default()
    )]
    LockTimeout {
        /// How long we waited.
        waited: std::time::Duration,
        /// Who holds it, if the database can tell.
        holder: Option<String>,
    },
    /// The version table exists with columns brainmig does not expect.
    #[error(
        "table `{table}` exists but is not a brainmig version table (missing column `{column}`)"
    )]
    VersionTableShape {
        /// The table.
        table: String,
        /// A column it lacks.
        column: String,
    },
    /// A statement sent to the database failed (see `src/db/failure.rs`, where driver errors
    /// become this).
    #[error("{}: {}", .0.doing, .0.db.message)]
    Statement(Box<FailedStatement>),
}

/// What [`DbError::Statement`] knows of a failed statement (boxed: errors stay small).
#[derive(Debug, Clone)]
pub struct FailedStatement {
    /// What brainmig was doing, e.g. "reading the version table".
    pub doing: String,
    /// The database's own words.
    pub db: DbMessage,
    /// Byte offset of the error in the SQL text sent, when the database reported a position.
    pub offset: Option<usize>,
    /// The driver's error, kept for callers that inspect it.
    pub driver: Option<DriverError>,
}

/// The driver's error behind a [`DbError::Statement`] (a `sqlx::Error` today), for callers that
/// want to inspect it (`DbError::driver_error`). It is deliberately not the error's `source()`:
/// `db` already holds its words, and the report would print them twice.
#[derive(Debug, Clone)]
pub struct DriverError(pub std::sync::Arc<dyn std::error::Error + Send + Sync>);

/// Why a connection failed, for a precise hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectFailure {
    /// Nothing answers at the address.
    Unreachable,
    /// The server refused the credentials.
    Auth,
    /// The database does not exist.
    NoDatabase,
    /// Something answered, but not in PostgreSQL's protocol (another server on that port).
    NotPostgres,
    /// The server answered but cannot take a connection yet: starting up, shutting down, in
    /// recovery, or out of connection slots (`--wait` retries these).
    NotReady,
    /// Anything else.
    Other,
}

impl DbError {
    fn hint(&self) -> Option<String> {
        match self {
            DbError::Connect { kind, .. } => match kind {
                ConnectFailure::Unreachable => Some("is the server running, and are host and port right?".into()),
                ConnectFailure::Auth => Some("check the user name and password in the URL".into()),
                ConnectFailure::NoDatabase => {
                    Some("create it first, e.g. `createdb <name>`, or fix the database name in the URL".into())
                }
                ConnectFailure::NotPostgres => Some(
                    "check the port in the URL (PostgreSQL listens on 5432 by default; 3306 is MySQL's and MariaDB's) and that the URL's scheme names the database you run: brainmig speaks PostgreSQL (`postgres://`) and SQLite (`sqlite://`)".into(),
                ),
                ConnectFailure::NotReady => Some(
                    "the server is starting up or out of connection slots: pass `--wait` to retry until it accepts".into(),
                ),
                ConnectFailure::Other => None,
            },
            DbError::VersionTableShape { .. } => {
                Some("set `version_table` in `[package.metadata.brainmig]` to a name no other table uses".into())
            }
            DbError::ScratchRefused { .. } => Some(
                "test-roundtrip, check, diff and autogenerate work only in databases of their own (`brainmig_rt_...`), never in yours: grant the user CREATEDB, or point `--database-url` at a server where it may create one".into(),
            ),
            DbError::LockTimeout { .. } => Some(
                "wait for the other run (a deploy?) to finish, or raise `--lock-timeout`".into(),
            ),
            DbError::Query { .. } | DbError::Statement(_) => None,
        }
    }
}

/// The database's own words about a failed statement.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DbMessage {
    /// The primary message.
    pub message: String,
    /// SQLSTATE, when known.
    pub code: Option<String>,
    /// DETAIL.
    pub detail: Option<String>,
    /// HINT.
    pub hint: Option<String>,
}

/// A revision failed; what ran before it in the same run stays applied.
#[derive(Debug, thiserror::Error)]
#[error(
    "revision `{id}` {} {}{}: {}",
    run_outcome(*interrupted, *statements_done),
    path.display(),
    line.map(|l| format!(":{l}")).unwrap_or_default(),
    db.message
)]
pub struct RunError {
    /// The revision.
    pub id: RevisionId,
    /// Its file (or a description when it has none).
    pub path: PathBuf,
    /// The line of the failing statement in the file.
    pub line: Option<usize>,
    /// The database's message.
    pub db: DbMessage,
    /// Revisions this run completed before the failure.
    pub completed: Vec<RevisionId>,
    /// For a `transaction:false` section: statements that completed before the failure.
    pub statements_done: Option<usize>,
    /// True when the run stopped because of Ctrl-C.
    pub interrupted: bool,
}

/// How a revision's run ended, in the error's words: an interrupted section that ran statement
/// by statement keeps what it did, so it was not rolled back.
fn run_outcome(interrupted: bool, statements_done: Option<usize>) -> &'static str {
    match (interrupted, statements_done) {
        (false, _) => "failed at",
        (true, Some(done)) if done > 0 => "was interrupted at",
        (true, _) => "was interrupted (and rolled back) at",
    }
}

impl RunError {
    fn suggestion(&self) -> Option<String> {
        if self
            .db
            .message
            .contains("cannot run inside a transaction block")
        {
            return Some("mark the section `-- migrate:up transaction:false` (or `down`) to run it outside a transaction".into());
        }
        if let Some(done) = self.statements_done.filter(|d| *d > 0) {
            return Some(format!(
                "this section runs outside a transaction and its first {done} statement(s) took effect; undo them by hand or make the section idempotent before re-running"
            ));
        }
        None
    }
}

/// Writing files for `init`, `new` and `merge`.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// A file or folder could not be written.
    #[error("cannot write `{path}`")]
    Write {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The template could not be read or rendered.
    #[error("template `{path}`: {reason}")]
    Template {
        /// The template file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The message yields no usable slug.
    #[error("the message must contain at least one letter or digit")]
    BadMessage,
}

impl ScaffoldError {
    fn hint(&self) -> Option<String> {
        match self {
            ScaffoldError::Write { .. } => Some("check that the migrations folder exists and is writable".into()),
            ScaffoldError::Template { reason, .. } if reason.contains("placeholder") || reason.contains("{{") => Some(
                "placeholders are {{revision}}, {{revises}}, {{message}}, {{created}}, {{up_options}}, {{down_options}}".into(),
            ),
            ScaffoldError::Template { .. } => None,
            ScaffoldError::BadMessage => None,
        }
    }
}

fn id_list(ids: &[RevisionId]) -> String {
    ids.iter()
        .map(|id| format!("`{id}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn bullet_list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Why two files can claim one id, appended to the duplicate message.
fn collision_story(id: &RevisionId, fix: Option<&CollisionFix>) -> String {
    let Some(fix) = fix else {
        return String::new();
    };
    let revises = |parents: &[RevisionId]| {
        if parents.is_empty() {
            "the base".to_owned()
        } else {
            list(parents)
        }
    };
    let parents = if fix.kept_parents == fix.rename_parents {
        format!("both revise {}", revises(&fix.kept_parents))
    } else {
        format!(
            "they revise {} and {}",
            revises(&fix.kept_parents),
            revises(&fix.rename_parents)
        )
    };
    format!(
        " (two branches, e.g. git branches merged since, each created revision `{id}`; {parents})"
    )
}

/// For each collision: which file to rename to which id, and which header lines to edit.
fn collision_hint(problems: &[Problem]) -> String {
    let mut steps = Vec::new();
    for problem in problems {
        let Problem::DuplicateRevision {
            id, fix: Some(fix), ..
        } = problem
        else {
            continue;
        };
        let new = &fix.new_id;
        let mut step = format!(
            "give `{}` a free id (if it is the one not yet applied to a shared database; else the other file): rename it to `{}` and change its `-- revision: {id}` line to `-- revision: {new}`",
            fix.rename.display(),
            fix.to.display()
        );
        if !fix.revisers.is_empty() {
            step.push_str(&format!(
                "; files that revise `{id}` ({}) and came from its branch must then say `{new}` in their `-- revises:` line",
                fix.revisers
                    .iter()
                    .map(|p| format!("`{}`", p.display()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        step.push_str(&format!(
            "; then either change its `-- revises: {}` line to `-- revises: {id}` (a linear history) or join the two heads with `cargo brainmig merge -m \"merge\" heads`",
            ids_comma(&fix.rename_parents),
        ));
        if fix.revisers.is_empty() {
            step.push_str(&format!(
                "; or let `cargo brainmig renumber {}` do the renaming and re-parenting (a linear history)",
                fix.rename.display()
            ));
        }
        steps.push(step);
    }
    steps.join("; and ")
}

fn ids_comma(ids: &[RevisionId]) -> String {
    ids.iter()
        .map(RevisionId::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn list(ids: &[RevisionId]) -> String {
    ids.iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn ids_plain(ids: &[RevisionId]) -> String {
    ids.iter()
        .map(RevisionId::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}
