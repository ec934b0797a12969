//! brainmig: Alembic-style schema migrations for PostgreSQL and SQLite, driven from cargo.
//!
//! The crate is a library with a thin binary (`cargo-brainmig`). The pure parts — parsing a file
//! (`source::parse`; [`source`] itself reads the folder), the revision graph ([`graph`]) and
//! planning ([`plan`]) — do no I/O; [`db`] and [`executor`] carry a plan out; [`ops`] holds what
//! each command does; [`cli`] only turns flags into calls to it; [`output`] writes what the
//! commands print, through typed views (clap prints its own help and usage errors).
//! `ARCHITECTURE.md` at the repository root maps the modules.

pub mod autogen;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod executor;
pub mod graph;
pub mod import;
pub mod lint;
pub mod ops;
pub mod output;
pub mod plan;
pub mod roundtrip;
pub mod scaffold;
pub mod schema;
pub mod source;
pub mod state;

pub use error::{Error, exit_code};
pub use source::RevisionId;
