//! What can go wrong choosing or running a fleet's targets: a leaf, so that `error.rs` can
//! gather it without importing the fleet.

use std::path::PathBuf;

/// A fleet-wide failure (one target's own failure is a row of the fleet's table).
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    /// `--target NAME` matches no target.
    #[error("no target matches `{pattern}` (targets: {})", list(known))]
    UnknownTarget {
        /// The name or glob as given.
        pattern: String,
        /// Every target's name.
        known: Vec<String>,
    },
    /// The selection came out empty.
    #[error("no targets selected: {why}")]
    NoTargets {
        /// Which source was empty.
        why: String,
    },
    /// `--targets-file` could not be read, or a line of it is not a URL.
    #[error("cannot use the targets file `{}`{}: {reason}", path.display(), line.map(|l| format!(" (line {l})")).unwrap_or_default())]
    TargetsFile {
        /// The file.
        path: PathBuf,
        /// The 1-based line, for a bad entry.
        line: Option<usize>,
        /// What is wrong (never the URL itself: it may hold a password).
        reason: String,
    },
    /// `--targets-query` failed on the control database or returned something other than URLs.
    #[error("the targets query failed: {reason}")]
    TargetsQuery {
        /// What went wrong.
        reason: String,
    },
    /// A target's schemas (schema-per-tenant) could not be listed or are not usable.
    #[error("cannot use the schemas of target `{target}`: {reason}")]
    Schemas {
        /// The database's target name (empty for the configured database).
        target: String,
        /// What is wrong.
        reason: String,
    },
    /// Some targets failed (each is in the table); the others were migrated.
    #[error("{failed} of {total} target(s) failed: {}", list(names))]
    TargetsFailed {
        /// How many failed.
        failed: usize,
        /// How many were selected.
        total: usize,
        /// The failed targets' names.
        names: Vec<String>,
        /// The exit code of the failures when they all share one, else the general failure.
        exit_code: u8,
    },
}

fn list(names: &[String]) -> String {
    const SHOWN: usize = 8;
    let mut text: Vec<String> = names.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
    if names.len() > SHOWN {
        text.push(format!("and {} more", names.len() - SHOWN));
    }
    if text.is_empty() {
        "none".into()
    } else {
        text.join(", ")
    }
}

impl FleetError {
    /// True for a mistake in the command line or the targets' list (exit code 2).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            FleetError::UnknownTarget { .. }
                | FleetError::NoTargets { .. }
                | FleetError::TargetsFile { .. }
        )
    }

    /// The exit code the failed targets share, when targets failed.
    pub fn targets_exit_code(&self) -> Option<u8> {
        match self {
            FleetError::TargetsFailed { exit_code, .. } => Some(*exit_code),
            _ => None,
        }
    }

    /// What to do next.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            FleetError::UnknownTarget { .. } => {
                "name a target of `[package.metadata.brainmig.targets]` (globs like `tenant-*` work) or use `--all-targets`".into()
            }
            FleetError::NoTargets { .. } => {
                "add targets to `[package.metadata.brainmig.targets]`, or pass `--targets-file FILE` or `--targets-query SQL`".into()
            }
            FleetError::TargetsFile { .. } => {
                "one `postgres://` or `sqlite://` URL per line; `#` starts a comment".into()
            }
            FleetError::TargetsQuery { .. } => {
                "the query runs on `--database-url` and its first column must be a database URL".into()
            }
            FleetError::Schemas { .. } => {
                "list schema names in `schemas = [..]` or `--schemas a,b`, or return them from the first column of `schemas-query` / `--schemas-query`, on a `postgres://` target".into()
            }
            FleetError::TargetsFailed { .. } => {
                "fix the failed targets and run the same command again: the others are already done".into()
            }
        })
    }
}
