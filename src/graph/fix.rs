//! The fix suggested for two files claiming one revision id, on its own so that `error.rs` can
//! carry it without importing the graph, which returns the errors `error.rs` defines.

use std::path::PathBuf;

use crate::source::id::RevisionId;

/// How to resolve one collision by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollisionFix {
    /// The parents of the file that keeps the id.
    pub kept_parents: Vec<RevisionId>,
    /// The file to rename: the one not applied here, else the later one.
    pub rename: PathBuf,
    /// Its parents (its `-- revises:` line).
    pub rename_parents: Vec<RevisionId>,
    /// Its new path.
    pub to: PathBuf,
    /// The free id it gets.
    pub new_id: RevisionId,
    /// Other files that revise the colliding id: some may belong to the renamed file's branch.
    pub revisers: Vec<PathBuf>,
}
