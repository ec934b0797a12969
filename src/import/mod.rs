//! `import`: adopting a project that another migration tool built.
//!
//! Three steps, each in its own module so a new tool only adds a reader:
//! - a reader per tool ([`diesel`], [`sqlx`], [`dbmate`], [`refinery`]) turns the tool's folder
//!   into a [`Reading`]: the migrations in the tool's order, with their SQL as the tool would
//!   send it, plus the entries that are not migrations. Readers are the only tool-specific code
//!   besides the version table of [`takeover`]; an Alembic reader (which must run `alembic` to
//!   get its SQL) returns the same [`Reading`], with parents of its own instead of a line.
//! - [`write`] renders one brainmig revision file per migration, checks that each loads, and
//!   writes them all or none;
//! - [`takeover`] reads the old tool's version table and records the same revisions as applied
//!   in brainmig's, in one transaction, running no migration SQL.

mod alembic;
mod dbmate;
mod diesel;
pub mod error;
mod refinery;
mod sqlx;
pub mod takeover;
mod tool;
pub mod write;

use std::path::{Path, PathBuf};

pub use error::ImportError;
pub use tool::Tool;
pub use write::{Note, PlannedFile};

impl Tool {
    /// True when the tool's migrations are `.sql` files directly in its folder, which brainmig
    /// would try to load as revisions: the two cannot share a folder.
    fn sql_files_in_folder(self) -> bool {
        !matches!(self, Tool::Diesel | Tool::Alembic)
    }

    /// Whether two versions are the same migration for this tool: sqlx and refinery compare
    /// numbers (`0001` is `1`), diesel and dbmate compare text.
    pub fn same_version(self, a: &str, b: &str) -> bool {
        match self {
            Tool::Sqlx | Tool::Refinery => match (a.parse::<i64>(), b.parse::<i64>()) {
                (Ok(x), Ok(y)) => x == y,
                _ => a == b,
            },
            Tool::Diesel | Tool::Dbmate => a == b,
            Tool::Alembic => alembic::revision_id(a) == alembic::revision_id(b),
        }
    }

    /// Reads the tool's migrations folder.
    pub fn read(self, dir: &Path) -> Result<Reading, ImportError> {
        self.read_with_scratch(dir, None)
    }

    /// [`Tool::read`]; for Alembic, `scratch_server` (a PostgreSQL URL) is where the revisions
    /// offline mode cannot render may run online, in a scratch database created and dropped there.
    pub fn read_with_scratch(
        self,
        dir: &Path,
        scratch_server: Option<&str>,
    ) -> Result<Reading, ImportError> {
        if !dir.is_dir() {
            return Err(ImportError::MissingDir {
                tool: self,
                dir: dir.to_owned(),
            });
        }
        let reading = match self {
            Tool::Diesel => diesel::read(dir),
            Tool::Sqlx => sqlx::read(dir),
            Tool::Dbmate => dbmate::read(dir),
            Tool::Refinery => refinery::read(dir),
            Tool::Alembic => alembic::read(dir, scratch_server),
        }?;
        if reading.migrations.is_empty() {
            return Err(ImportError::NoMigrations {
                tool: self,
                dir: dir.to_owned(),
                looks_like: looks_like(dir),
            });
        }
        reading.check_unique_versions(self)?;
        Ok(reading)
    }
}

/// SQL as the tool sends it, and whether the tool wraps it in a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sql {
    /// The text, as in the tool's file.
    pub text: String,
    /// False when the tool runs it outside a transaction.
    pub transactional: bool,
}

/// What a migration does on the way up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Up {
    /// Plain SQL.
    Sql(Sql),
    /// Something brainmig cannot turn into SQL (a Rust migration); the reason says what.
    Unconverted {
        /// Why, for the person who completes it.
        reason: String,
    },
}

/// One migration of the other tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// The version as the tool records it in its table (diesel: the folder's prefix without
    /// dashes); it becomes the revision id.
    pub version: String,
    /// The name part of the file or folder, e.g. `create_users`.
    pub name: String,
    /// The file or folder it came from.
    pub source: PathBuf,
    /// The up SQL.
    pub up: Up,
    /// The down SQL, when the tool has one for it.
    pub down: Option<Sql>,
    /// What the tool records as its checksum, when it keeps one that brainmig can verify
    /// (sqlx: SHA-384 of the up file's bytes).
    pub checksum: Option<Vec<u8>>,
    /// The parents' versions when the tool names them (Alembic's `down_revision`, merges
    /// included); `None` for the previous migration in reading order, as for every tool here.
    pub parents: Option<Vec<String>>,
    /// The message when the tool keeps one apart from the name (Alembic's docstring); `None`
    /// to derive it from the name.
    pub message: Option<String>,
}

impl Migration {
    /// The revision message: the tool's own, else the name with `_` as spaces, as sqlx shows
    /// its descriptions.
    pub fn message(&self) -> String {
        match &self.message {
            Some(message) => message.trim().to_owned(),
            None => self.name.replace('_', " ").trim().to_owned(),
        }
    }
}

/// An entry of the folder that is not a migration, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The entry.
    pub path: PathBuf,
    /// Why it is not a migration.
    pub reason: String,
}

/// A tool's folder, read.
#[derive(Debug, Clone)]
pub struct Reading {
    /// The tool.
    pub tool: Tool,
    /// Its folder.
    pub dir: PathBuf,
    /// Its migrations, in the order the tool applies them.
    pub migrations: Vec<Migration>,
    /// Entries that are not migrations.
    pub skipped: Vec<Skipped>,
}

impl Reading {
    fn check_unique_versions(&self, tool: Tool) -> Result<(), ImportError> {
        for (i, a) in self.migrations.iter().enumerate() {
            if let Some(b) = self.migrations[i + 1..]
                .iter()
                .find(|b| tool.same_version(&a.version, &b.version))
            {
                return Err(ImportError::DuplicateVersion {
                    version: a.version.clone(),
                    first: a.source.clone(),
                    second: b.source.clone(),
                });
            }
        }
        Ok(())
    }
}

/// Refuses to write into the tool's own folder when the tool keeps `.sql` files in it.
pub fn check_target(tool: Tool, from: &Path, into: &Path) -> Result<(), ImportError> {
    let same = match (from.canonicalize(), into.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same && tool.sql_files_in_folder() {
        return Err(ImportError::SameFolder {
            tool,
            dir: into.to_owned(),
        });
    }
    Ok(())
}

/// A guess at which tool wrote a folder, for the hint when the one asked for finds nothing.
fn looks_like(dir: &Path) -> Option<Tool> {
    let entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    let name = |p: &Path| {
        p.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_owned()
    };
    if entries
        .iter()
        .any(|p| p.is_dir() && p.join("up.sql").is_file())
    {
        return Some(Tool::Diesel);
    }
    if entries
        .iter()
        .any(|p| refinery::parse_name(&name(p)).is_some())
    {
        return Some(Tool::Refinery);
    }
    let sql: Vec<&PathBuf> = entries
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sql") && p.is_file())
        .collect();
    if sql
        .iter()
        .any(|p| std::fs::read_to_string(p).is_ok_and(|t| t.lines().any(dbmate::is_up_marker)))
    {
        return Some(Tool::Dbmate);
    }
    if sql.iter().any(|p| sqlx::parse_name(&name(p)).is_some()) {
        return Some(Tool::Sqlx);
    }
    None
}

/// `Some(Sqlx)` when a file another reader refuses has sqlx's naming: the hint to give.
fn looks_like_sqlx(path: &Path) -> Option<Tool> {
    sqlx::parse_name(&file_name(path)).map(|_| Tool::Sqlx)
}

/// Reads a file as UTF-8 text, naming it when that fails.
fn read_text(path: &Path) -> Result<String, ImportError> {
    std::fs::read_to_string(path).map_err(|source| ImportError::Io {
        path: path.to_owned(),
        source,
    })
}

/// The entries of a folder with their names, sorted by name, leaving out hidden ones (`.keep`,
/// `.gitkeep`): every tool ignores them, and so do we, silently.
fn visible_entries(dir: &Path) -> Result<Vec<(PathBuf, String)>, ImportError> {
    let io = |source| ImportError::Io {
        path: dir.to_owned(),
        source,
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        paths.push(entry.map_err(io)?.path());
    }
    paths.sort();
    Ok(paths
        .into_iter()
        .filter_map(|path| {
            let name = file_name(&path);
            (!name.starts_with('.')).then_some((path, name))
        })
        .collect())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
