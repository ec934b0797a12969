//! refinery: files named `V<version>__<name>.sql` (or `U...` for unversioned ones) anywhere
//! under its folder, and `.rs` migrations whose SQL is built by Rust code at run time. A comment
//! line `-- refinery:noTransaction` runs a file outside a transaction. refinery has no down
//! migrations and records an integer version.

use std::path::{Path, PathBuf};

use super::{ImportError, Migration, Reading, Skipped, Sql, Tool, Up, file_name, read_text};

/// `(version, name, is_rust)` of a refinery file name.
pub(super) fn parse_name(name: &str) -> Option<(&str, &str, bool)> {
    let (stem, is_rust) = match (name.strip_suffix(".sql"), name.strip_suffix(".rs")) {
        (Some(stem), _) => (stem, false),
        (None, Some(stem)) => (stem, true),
        (None, None) => return None,
    };
    let rest = stem.strip_prefix('V').or_else(|| stem.strip_prefix('U'))?;
    let (version, title) = rest.split_once("__")?;
    let valid_version = !version.is_empty()
        && version.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && version.starts_with(|c: char| c.is_ascii_digit());
    let valid_name = !title.is_empty() && title.chars().all(|c| c.is_alphanumeric() || c == '_');
    (valid_version && valid_name).then_some((version, title, is_rust))
}

/// Files under `dir`, in subfolders too, as refinery finds them.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ImportError> {
    for (path, _) in super::visible_entries(dir)? {
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// refinery's annotation: a comment line that is exactly `--refinery:noTransaction` (two or
/// more dashes, at most one space).
fn no_transaction(text: &str) -> bool {
    text.lines().any(|line| {
        let rest = line.trim_start_matches('-');
        line.len() - rest.len() >= 2
            && rest.strip_prefix(' ').unwrap_or(rest) == "refinery:noTransaction"
    })
}

pub(super) fn read(dir: &Path) -> Result<Reading, ImportError> {
    let mut files = Vec::new();
    walk(dir, &mut files)?;
    let mut migrations = Vec::new();
    let mut skipped = Vec::new();
    for path in files {
        let name = file_name(&path);
        let Some((version, title, is_rust)) = parse_name(&name) else {
            let reason = if name == "mod.rs" {
                "the module file of the Rust migrations"
            } else {
                "not named `V<version>__<name>.sql` or `.rs`"
            };
            skipped.push(Skipped {
                path,
                reason: reason.into(),
            });
            continue;
        };
        if version.parse::<i32>().is_err() {
            return Err(ImportError::BadVersion {
                path,
                version: version.to_owned(),
            });
        }
        let up = if is_rust {
            Up::Unconverted {
                reason: "a Rust migration: refinery builds its SQL by running code, which brainmig cannot do".into(),
            }
        } else {
            let text = read_text(&path)?;
            Up::Sql(Sql {
                transactional: !no_transaction(&text),
                text,
            })
        };
        migrations.push(Migration {
            version: version.to_owned(),
            name: title.to_owned(),
            source: path,
            up,
            down: None,
            checksum: None,
            parents: None,
            message: None,
        });
    }
    migrations.sort_by_key(|m| m.version.parse::<i32>().unwrap_or_default());
    Ok(Reading {
        tool: Tool::Refinery,
        dir: dir.to_owned(),
        migrations,
        skipped,
    })
}
