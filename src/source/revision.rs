//! The in-memory form of one migration file.

use std::path::PathBuf;

use super::id::RevisionId;
use super::statements::Statement;

/// The up or down part of a revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The SQL, with line endings normalised to `\n`.
    pub sql: String,
    /// 1-based line in the file of the section's first line (the one after its marker).
    pub first_line: usize,
    /// False when the marker says `transaction:false`.
    pub transactional: bool,
    /// The statements, as the splitter found them.
    pub statements: Vec<Statement>,
}

impl Section {
    /// The line in the file of a statement of this section.
    pub fn file_line(&self, statement: &Statement) -> usize {
        self.first_line + statement.line - 1
    }
}

/// One parsed migration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// The `revision:` header, equal to the file name's prefix.
    pub id: RevisionId,
    /// The `revises:` header: none for a root, several for a merge.
    pub parents: Vec<RevisionId>,
    /// The `message:` header.
    pub message: String,
    /// The `created:` header, as written.
    pub created: Option<String>,
    /// The `replaces:` header of a baseline written by `squash`: the revisions it stands for, so
    /// that a database which applied them is at the baseline.
    pub replaces: Vec<RevisionId>,
    /// The `-- migrate:up` section.
    pub up: Section,
    /// The `-- migrate:down` section, if the file has one.
    pub down: Option<Section>,
    /// Checksum of the up section (see [`crate::source::checksum`]).
    pub checksum: String,
}

/// A migration file whose header parsed but whose sections did not: the revision has its place
/// in the graph, but it cannot be applied until the file is fixed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// The `revision:` header.
    pub id: RevisionId,
    /// The `revises:` header.
    pub parents: Vec<RevisionId>,
    /// The `message:` header.
    pub message: String,
    /// What is wrong, with the file and line.
    pub error: crate::error::ParseError,
}
