//! End-to-end tests: the real `cargo-brainmig` binary against real PostgreSQL databases and
//! SQLite files. One binary, so the crate and its dependencies are linked once.

// Panicking on a broken test environment is the point of a test.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod support;

mod autogen;
mod autogen_cases;
mod autogen_replay;
mod config;
mod database;
mod embedded;
mod faults;
mod first_hour;
mod fleet;
mod guide;
mod import;
mod import_alembic;
mod lint;
mod loading;
mod long_history;
mod mysql;
mod mysql_files;
mod mysql_ops;
mod mysql_schema;
mod pinned;
mod revisions;
mod roundtrip;
mod schema;
mod script;
mod shipping;
mod squawk;
mod state;
mod upgrade;
mod wait;
