//! brainmig: Alembic-style schema migrations for PostgreSQL, SQLite and MySQL/MariaDB, driven
//! from cargo.
//!
//! The crate is a library with a thin binary (`cargo-brainmig`). The pure parts — parsing a file
//! (`source::parse`; [`source`] itself reads the folder), the revision graph ([`graph`]) and
//! planning ([`plan`]) — do no I/O; [`db`] and [`executor`] carry a plan out; [`ops`] holds what
//! each command does; [`cli`] only turns flags into calls to it; [`output`] writes what the
//! commands print, through typed views (clap prints its own help and usage errors).
//! `ARCHITECTURE.md` at the repository root maps the modules.

//!
//! Features: `cli` (default) is the command line; `migrate` is what an application needs to run
//! its migrations itself ([`Migrator`], [`embedded_migrations!`]) without the command line's
//! dependencies; with no feature the crate is the parser and [`build`], for a build script.

// Pure, and all a build script needs (no sqlx, no tokio).
pub mod build;
pub mod embed;
pub mod error;
pub mod graph;
pub mod plan;
pub mod source;

#[cfg(feature = "migrate")]
pub mod config;
#[cfg(feature = "migrate")]
pub mod db;
#[cfg(feature = "migrate")]
pub mod executor;
#[cfg(feature = "migrate")]
pub mod migrator;
#[cfg(feature = "migrate")]
pub mod scaffold;
#[cfg(feature = "migrate")]
pub mod schema;
#[cfg(feature = "migrate")]
pub mod state;

#[cfg(feature = "cli")]
pub mod autogen;
#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "cli")]
pub mod fleet;
#[cfg(feature = "cli")]
pub mod import;
#[cfg(feature = "cli")]
pub mod lint;
#[cfg(feature = "cli")]
pub mod ops;
#[cfg(feature = "cli")]
pub mod output;
#[cfg(feature = "cli")]
pub mod roundtrip;

pub use error::{Error, exit_code};
pub use source::RevisionId;

#[cfg(feature = "migrate")]
pub use migrator::{Connect, Migrator};
