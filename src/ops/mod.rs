//! What the commands do, as library calls: the domain work behind `src/cli/commands/`, which
//! only parse arguments, call in here and report the result through `output`.
//!
//! Split by command family, as cargo splits `ops`: each module owns its decisions (pure and unit
//! tested where they can be) and its effects on files and databases.

pub mod autogen;
pub mod connect;
pub mod database;
pub mod history;
pub mod import;
pub mod init;
pub mod lint;
pub mod new;
pub mod renumber;
pub mod run;
pub mod script;
pub mod squash;
pub mod staging;
pub mod stamp;
