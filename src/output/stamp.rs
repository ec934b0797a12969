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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Verbosity;

    #[test]
    fn stamp_reports_each_change_then_where_the_database_is_recorded() {
        console::set_colors_enabled_stderr(false);
        let id = |s: &str| RevisionId::parse(s).expect("id");
        let view = StampView {
            stamped: vec![id("0002"), id("0003")],
            unstamped: vec![id("0009")],
            purged: false,
            current: vec![id("0003")],
        };
        let (shell, out, err) = Shell::captured(Verbosity::Normal);
        shell.report(&view);
        assert_eq!(out.text(), "");
        assert_eq!(
            err.text(),
            "   Unstamped 0009\n     Stamped 0002, 0003\n    Finished the database is recorded at 0003; no migration SQL was run\n"
        );
        let base = StampView {
            stamped: vec![],
            unstamped: vec![],
            purged: true,
            current: vec![],
        };
        let (shell, _, err) = Shell::captured(Verbosity::Normal);
        shell.report(&base);
        assert!(err.text().contains("recorded at <base>;"));
        let doc = serde_json::to_value(&base).expect("serializes");
        assert_eq!(
            doc,
            serde_json::json!({ "stamped": [], "unstamped": [], "purged": true, "current": [] })
        );
    }
}
