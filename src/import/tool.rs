//! The tools `import` reads, by name, on their own so that `error.rs` can name them (through
//! [`super::error::ImportError`]) without importing the readers, which return its errors.

use std::fmt;

/// A migration tool brainmig can import from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Tool {
    /// Folders `migrations/<version>_<name>/` with `up.sql`, `down.sql`, `metadata.toml`.
    Diesel,
    /// Files `migrations/<version>_<description>.sql`, or `.up.sql` and `.down.sql`.
    Sqlx,
    /// Files `db/migrations/<version>_<name>.sql` with up and down sections.
    Dbmate,
    /// Files `migrations/V<version>__<name>.sql` (and `.rs`), in subfolders too.
    Refinery,
    /// The project's `alembic.ini` and its `script_location`; SQL rendered by Alembic itself.
    Alembic,
}

impl Tool {
    /// The tool's name as users type it.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Diesel => "diesel",
            Tool::Sqlx => "sqlx",
            Tool::Dbmate => "dbmate",
            Tool::Refinery => "refinery",
            Tool::Alembic => "alembic",
        }
    }

    /// Where the tool keeps its migrations unless told otherwise, relative to the project.
    pub fn default_dir(self) -> &'static str {
        match self {
            Tool::Dbmate => "db/migrations",
            // The project folder, where `alembic.ini` names the script location.
            Tool::Alembic => ".",
            Tool::Diesel | Tool::Sqlx | Tool::Refinery => "migrations",
        }
    }

    /// The table in which the tool records what it applied.
    pub fn version_table(self) -> &'static str {
        match self {
            Tool::Diesel => "__diesel_schema_migrations",
            Tool::Sqlx => "_sqlx_migrations",
            Tool::Dbmate => "schema_migrations",
            Tool::Refinery => "refinery_schema_history",
            Tool::Alembic => "alembic_version",
        }
    }
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
