//! End-to-end tests: the real `cargo-brainmig` binary against real PostgreSQL databases and
//! SQLite files. One binary, so the crate and its dependencies are linked once.

mod support;

mod upgrade;
