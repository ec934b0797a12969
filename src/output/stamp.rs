//! How `stamp` and `rehash` report: status lines on stderr, and one JSON document.

use serde::Serialize;

use super::{Shell, View};
use crate::source::RevisionId;
use crate::state::short;

/// A finished `stamp`.
#[derive(Debug, Serialize)]
pub struct StampView {
    /// Rows added.
    pub stamped: Vec<RevisionId>,
    /// Rows removed (empty with `--purge`, which removes them all).
    pub unstamped: Vec<RevisionId>,
    /// `--purge`.
    pub purged: bool,
    /// What the database is recorded at now.
    pub current: Vec<RevisionId>,
}

fn join(ids: &[RevisionId]) -> String {
    ids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl View for StampView {
    fn status(&self, shell: &Shell) {
        if !self.unstamped.is_empty() {
            shell.status("Unstamped", join(&self.unstamped));
        }
        if !self.stamped.is_empty() {
            shell.status("Stamped", join(&self.stamped));
        }
        let at = match self.current.as_slice() {
            [] => "<base>".to_owned(),
            current => join(current),
        };
        shell.status(
            "Finished",
            format_args!("the database is recorded at {at}; no migration SQL was run"),
        );
    }
}

/// A finished `rehash`.
#[derive(Debug, Serialize)]
pub struct RehashView {
    /// The revision.
    pub revision: RevisionId,
    /// The checksum recorded before.
    pub previous_checksum: String,
    /// The checksum recorded now.
    pub checksum: String,
    /// They differ.
    pub changed: bool,
}

impl View for RehashView {
    fn status(&self, shell: &Shell) {
        let id = &self.revision;
        if self.changed {
            let (from, to) = (short(&self.previous_checksum), short(&self.checksum));
            shell.status(
                "Rehashed",
                format_args!("revision {id}: checksum {from} -> {to}"),
            );
        } else {
            let sum = short(&self.checksum);
            shell.status(
                "Unchanged",
                format_args!("revision {id}: checksum {sum} already matches"),
            );
        }
    }
}
