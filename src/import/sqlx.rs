//! sqlx: `.sql` files directly in the folder, `<version>_<description>.sql` (simple) or
//! `<version>_<description>.up.sql` with `.down.sql` (reversible). The version is an integer,
//! the description the rest with `_` as spaces; a file whose first line starts with
//! `-- no-transaction` runs outside a transaction. sqlx records the SHA-384 of the up file's
//! bytes and refuses to run when a file no longer matches it; the take-over checks the same.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha384};

use super::{ImportError, Migration, Reading, Skipped, Sql, Tool, Up};

/// Which kind of sqlx file a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Simple,
    Up,
    Down,
}

/// `(version text, description, kind)` of a sqlx file name, if it is one.
pub(super) fn parse_name(name: &str) -> Option<(&str, &str, Kind)> {
    let (version, rest) = name.split_once('_')?;
    version.parse::<i64>().ok()?;
    let (description, kind) = if let Some(d) = rest.strip_suffix(".up.sql") {
        (d, Kind::Up)
    } else if let Some(d) = rest.strip_suffix(".down.sql") {
        (d, Kind::Down)
    } else {
        (rest.strip_suffix(".sql")?, Kind::Simple)
    };
    Some((version, description, kind))
}

#[derive(Default)]
struct Parts {
    description: String,
    up: Option<(PathBuf, Vec<u8>)>,
    down: Option<(PathBuf, Vec<u8>)>,
    simple: bool,
}

pub(super) fn read(dir: &Path) -> Result<Reading, ImportError> {
    let mut by_version: BTreeMap<i64, (String, Parts)> = BTreeMap::new();
    let mut skipped = Vec::new();
    for (path, name) in super::visible_entries(dir)? {
        if path.is_dir() {
            skipped.push(Skipped {
                path,
                reason: "a folder (sqlx reads only the files directly in its folder)".into(),
            });
            continue;
        }
        let Some((version, description, kind)) = parse_name(&name) else {
            let reason = if name.ends_with(".sql") {
                "not named `<version>_<description>.sql`"
            } else {
                "not a `.sql` file"
            };
            skipped.push(Skipped {
                path,
                reason: reason.into(),
            });
            continue;
        };
        let number: i64 = version.parse().unwrap_or_default();
        let bytes = std::fs::read(&path).map_err(|source| ImportError::Io {
            path: path.clone(),
            source,
        })?;
        check_not_dbmate(&path, &bytes)?;
        let (text, parts) = by_version
            .entry(number)
            .or_insert_with(|| (version.to_owned(), Parts::default()));
        if text != version
            || (kind == Kind::Simple && (parts.up.is_some() || parts.simple))
            || (kind == Kind::Up && parts.up.is_some())
            || (kind == Kind::Down && parts.down.is_some())
        {
            let first = parts
                .up
                .as_ref()
                .or(parts.down.as_ref())
                .map(|(p, _)| p.clone())
                .unwrap_or_default();
            return Err(ImportError::DuplicateVersion {
                version: version.to_owned(),
                first,
                second: path,
            });
        }
        parts.description = description.to_owned();
        match kind {
            Kind::Simple => {
                parts.simple = true;
                parts.up = Some((path, bytes));
            }
            Kind::Up => parts.up = Some((path, bytes)),
            Kind::Down => parts.down = Some((path, bytes)),
        }
    }
    let mut migrations = Vec::new();
    for (_, (version, parts)) in by_version {
        let Some((up_path, up_bytes)) = parts.up else {
            if let Some((path, _)) = parts.down {
                skipped.push(Skipped {
                    path,
                    reason: "a `.down.sql` file without its `.up.sql`".into(),
                });
            }
            continue;
        };
        let down = match parts.down {
            Some((path, bytes)) => Some(sql_of(&path, &bytes)?),
            None => None,
        };
        migrations.push(Migration {
            version,
            name: parts.description,
            checksum: Some(Sha384::digest(&up_bytes).to_vec()),
            parents: None,
            message: None,
            up: Up::Sql(sql_of(&up_path, &up_bytes)?),
            source: up_path,
            down,
        });
    }
    Ok(Reading {
        tool: Tool::Sqlx,
        dir: dir.to_owned(),
        migrations,
        skipped,
    })
}

fn sql_of(path: &Path, bytes: &[u8]) -> Result<Sql, ImportError> {
    let text = String::from_utf8(bytes.to_vec()).map_err(|e| ImportError::Io {
        path: path.to_owned(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })?;
    // sqlx looks at the very start of the file, as written.
    let transactional = !text.starts_with("-- no-transaction");
    Ok(Sql {
        text,
        transactional,
    })
}

/// A dbmate file has sqlx's naming, but sqlx would run its up and down sections one after the
/// other: refuse rather than import that.
fn check_not_dbmate(path: &Path, bytes: &[u8]) -> Result<(), ImportError> {
    let text = String::from_utf8_lossy(bytes);
    if text.lines().any(super::dbmate::is_up_marker) {
        return Err(ImportError::WrongLayout {
            tool: Tool::Sqlx,
            path: path.to_owned(),
            reason: "it has a `-- migrate:up` section marker, as dbmate files do".into(),
            looks_like: Some(Tool::Dbmate),
        });
    }
    Ok(())
}
