//! What can go wrong importing, on its own so that `error.rs` can gather it without importing
//! the readers, which return it.

use std::path::PathBuf;

use super::tool::Tool;

/// What can go wrong importing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The tool's folder does not exist.
    #[error("no {tool} migrations folder at `{}`", dir.display())]
    MissingDir {
        /// The tool.
        tool: Tool,
        /// Where it was looked for.
        dir: PathBuf,
    },
    /// The folder holds no migration of the tool.
    #[error("`{}` holds no {tool} migrations", dir.display())]
    NoMigrations {
        /// The tool asked for.
        tool: Tool,
        /// The folder.
        dir: PathBuf,
        /// The tool whose layout the folder seems to have.
        looks_like: Option<Tool>,
    },
    /// A file in the tool's naming that is not in its layout.
    #[error("`{}` is not a {tool} migration: {reason}", path.display())]
    WrongLayout {
        /// The tool asked for.
        tool: Tool,
        /// The file.
        path: PathBuf,
        /// What gives it away.
        reason: String,
        /// The tool whose layout it has.
        looks_like: Option<Tool>,
    },
    /// Two migrations with one version.
    #[error("version `{version}` is used twice: `{}` and `{}`", first.display(), second.display())]
    DuplicateVersion {
        /// The version.
        version: String,
        /// One migration.
        first: PathBuf,
        /// The other.
        second: PathBuf,
    },
    /// A version that cannot be a revision id.
    #[error("`{}` has version `{version}`, which cannot be a revision id (ASCII letters, digits and `-`)", path.display())]
    BadVersion {
        /// The migration.
        path: PathBuf,
        /// Its version.
        version: String,
    },
    /// A file or folder could not be read.
    #[error("cannot read `{}`", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Files to write exist already.
    #[error("refusing to overwrite {}", paths.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", "))]
    Exists {
        /// The files.
        paths: Vec<PathBuf>,
    },
    /// The brainmig folder is the tool's folder.
    #[error("the migrations folder `{}` is also the {tool} folder", dir.display())]
    SameFolder {
        /// The tool.
        tool: Tool,
        /// The folder.
        dir: PathBuf,
    },
    /// A revision file could not be written.
    #[error("cannot write `{}`", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Alembic (or a Python that can import it) is not installed.
    #[error("Alembic is needed to import Alembic revisions: {detail}")]
    AlembicMissing {
        /// The command that installs it.
        install: &'static str,
        /// What was missing.
        detail: String,
    },
    /// Running Alembic failed.
    #[error("{what}{}", if output.is_empty() { String::new() } else { format!(":\n{output}") })]
    AlembicFailed {
        /// What failed.
        what: String,
        /// The end of what Alembic printed.
        output: String,
    },
    /// The old version table records migrations the folder does not have.
    #[error("`{table}` records {} that `{}` does not have", versions.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", "), dir.display())]
    UnknownRecorded {
        /// The old tool's table.
        table: &'static str,
        /// The versions without a migration.
        versions: Vec<String>,
        /// The tool's folder.
        dir: PathBuf,
    },
    /// sqlx recorded another checksum than the file has now.
    #[error("`{table}` records version `{version}` with checksum {recorded}, but `{}` has {current}", path.display())]
    ChecksumMismatch {
        /// The old tool's table.
        table: &'static str,
        /// The version.
        version: String,
        /// Its file.
        path: PathBuf,
        /// What the table says (hex, shortened).
        recorded: String,
        /// What the file hashes to (hex, shortened).
        current: String,
    },
    /// sqlx recorded a migration that failed part-way.
    #[error(
        "`{table}` records version `{version}` as failed (success = false): the database is in an unknown state"
    )]
    Dirty {
        /// The old tool's table.
        table: &'static str,
        /// The version.
        version: String,
    },
    /// The old table exists with columns the tool does not use.
    #[error("`{table}` does not have the columns {tool} uses: {reason}")]
    ForeignTable {
        /// The tool.
        tool: Tool,
        /// The table.
        table: &'static str,
        /// What the database said.
        reason: String,
    },
    /// brainmig already records revisions in this database.
    #[error(
        "`{table}` already records {count} revision(s); a take-over needs a database brainmig has not migrated"
    )]
    AlreadyManaged {
        /// brainmig's version table.
        table: String,
        /// How many rows it has.
        count: usize,
    },
}

impl ImportError {
    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            ImportError::MissingDir { .. } => {
                Some("pass the folder with `--from DIR`".into())
            }
            ImportError::NoMigrations {
                looks_like: Some(other),
                ..
            }
            | ImportError::WrongLayout {
                looks_like: Some(other),
                ..
            } => Some(format!(
                "this looks like a {other} folder: run `cargo brainmig import {other}`"
            )),
            ImportError::NoMigrations { .. } => Some(
                "pass the folder that holds the tool's migrations with `--from DIR`".into(),
            ),
            ImportError::Exists { .. } => Some(
                "the migrations were imported already, or choose an empty folder with `--migrations-dir` (or `migrations` in `[package.metadata.brainmig]`)".into(),
            ),
            ImportError::SameFolder { tool, .. } => Some(format!(
                "{tool} keeps using its folder until you switch: give brainmig another one with `--migrations-dir` (or `migrations` in `[package.metadata.brainmig]`)"
            )),
            ImportError::UnknownRecorded { .. } => Some(
                "the database is ahead of this checkout: import from the folder the database was migrated from; nothing was written".into(),
            ),
            ImportError::ChecksumMismatch { .. } => Some(
                "the file was edited after sqlx applied it: restore it (`git log -p` on the file) so the take-over records what really ran; nothing was written".into(),
            ),
            ImportError::Dirty { .. } => Some(
                "repair the database and that row with sqlx first (`sqlx migrate run` reports it); nothing was written".into(),
            ),
            ImportError::AlreadyManaged { .. } => Some(
                "this database was taken over already (or migrated by brainmig); to write only the files, run the import without a database URL".into(),
            ),
            ImportError::AlembicMissing { install, .. } => Some(format!(
                "install it in the Python environment the project uses (`{install}`, plus the database driver env.py needs, e.g. `pip install psycopg2-binary`) and make sure `alembic` is on PATH; nothing was written"
            )),
            ImportError::AlembicFailed { .. } => Some(
                "run `alembic history` in the project to see the same problem; brainmig runs the project's own env.py in offline mode (`alembic upgrade --sql`); nothing was written".into(),
            ),
            ImportError::DuplicateVersion { .. } => {
                Some("the tool refuses this too: rename one of them".into())
            }
            _ => None,
        }
    }
}
