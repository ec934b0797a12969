//! The migrations folder: reading every `*.sql` file in it and parsing each one.
//!
//! Parsing is pure ([`parse`]); this module only does the file-system part and gathers every
//! problem, so a user sees all broken files at once rather than one per run.

mod lexer;
mod parse;
mod revision;
mod statements;
pub mod template;

use std::path::{Path, PathBuf};

pub use lexer::{LexError, line_of};
pub use parse::{HEADER_KEYS, file_name_revision, parse};
pub use revision::{InvalidRevisionId, RevisionFile, RevisionId, Section};
pub use statements::{Statement, checksum, split};

use crate::error::{LoadError, Problem};

/// The files of a migrations folder that parsed, plus the problems of those that did not.
#[derive(Debug, Clone)]
pub struct MigrationSource {
    /// The folder.
    pub dir: PathBuf,
    /// The parsed files, in file-name order.
    pub files: Vec<RevisionFile>,
    /// Files that failed to parse.
    pub problems: Vec<Problem>,
}

impl MigrationSource {
    /// Revision ids of files that exist but could not be used, taken from their file names, so
    /// that their children are not also reported as revising a missing revision.
    pub fn broken_ids(&self) -> Vec<RevisionId> {
        self.problems
            .iter()
            .filter_map(|p| match p {
                Problem::Parse(e) => Some(e.path.as_path()),
                Problem::Unreadable { path, .. } => Some(path.as_path()),
                _ => None,
            })
            .filter_map(file_name_revision)
            .filter_map(|prefix| RevisionId::parse(prefix).ok())
            .collect()
    }

    /// Reads and parses every `*.sql` file directly inside `dir`; other files are ignored.
    pub fn load(dir: &Path) -> Result<Self, LoadError> {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(LoadError::MissingDir(dir.to_owned()));
            }
            Err(source) => {
                return Err(LoadError::Io {
                    path: dir.to_owned(),
                    source,
                });
            }
        };
        let mut paths = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| LoadError::Io {
                path: dir.to_owned(),
                source,
            })?;
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "sql") && path.is_file() {
                paths.push(path);
            }
        }
        paths.sort();
        let mut files = Vec::with_capacity(paths.len());
        let mut problems = Vec::new();
        for path in paths {
            let bytes = match std::fs::read(&path) {
                Ok(bytes) => bytes,
                Err(e) => {
                    problems.push(Problem::Unreadable {
                        path,
                        reason: e.to_string(),
                    });
                    continue;
                }
            };
            match parse(&path, &bytes) {
                Ok(file) => files.push(file),
                Err(e) => problems.push(Problem::Parse(e)),
            }
        }
        Ok(MigrationSource {
            dir: dir.to_owned(),
            files,
            problems,
        })
    }
}
