//! One module per command (or per family of commands that share their arguments).

pub mod autogen;
pub mod config;
pub mod database;
pub mod fleet;
pub mod history;
pub mod import;
pub mod init;
pub mod inspect;
pub mod lint;
pub mod new;
pub mod renumber;
pub mod roundtrip;
pub mod run;
pub mod squash;
pub mod stamp;
