//! diesel: one folder per migration, `<version>_<name>/` holding `up.sql`, usually `down.sql`,
//! and optionally `metadata.toml` (`run_in_transaction = false`). diesel records the folder's
//! prefix with its dashes removed (`2020-01-31-120000` as `20200131120000`) and applies
//! migrations in the order of those versions.

use std::path::Path;

use super::{ImportError, Migration, Reading, Skipped, Sql, Tool, Up, read_text};

pub(super) fn read(dir: &Path) -> Result<Reading, ImportError> {
    let mut migrations = Vec::new();
    let mut skipped = Vec::new();
    for (path, name) in super::visible_entries(dir)? {
        if !path.is_dir() {
            skipped.push(Skipped {
                path,
                reason: "not a migration folder".into(),
            });
            continue;
        }
        if !path.join("up.sql").is_file() {
            skipped.push(Skipped {
                path,
                reason: "a folder without `up.sql`".into(),
            });
            continue;
        }
        migrations.push(read_migration(&path, &name)?);
    }
    // diesel orders by version text; ties cannot happen (duplicates are refused later).
    migrations.sort_by(|a, b| a.version.cmp(&b.version));
    Ok(Reading {
        tool: Tool::Diesel,
        dir: dir.to_owned(),
        migrations,
        skipped,
    })
}

fn read_migration(path: &Path, folder: &str) -> Result<Migration, ImportError> {
    let (prefix, name) = folder.split_once('_').unwrap_or((folder, ""));
    let version = prefix.replace('-', "");
    let transactional = run_in_transaction(&path.join("metadata.toml"))?;
    let down_path = path.join("down.sql");
    let down = if down_path.is_file() {
        Some(Sql {
            text: read_text(&down_path)?,
            transactional,
        })
    } else {
        None
    };
    Ok(Migration {
        version,
        name: name.to_owned(),
        source: path.to_owned(),
        up: Up::Sql(Sql {
            text: read_text(&path.join("up.sql"))?,
            transactional,
        }),
        down,
        checksum: None,
        parents: None,
        message: None,
    })
}

/// `run_in_transaction` from `metadata.toml`; true when the file or the key is missing, as in
/// diesel (which also falls back to the default when the file does not parse).
fn run_in_transaction(path: &Path) -> Result<bool, ImportError> {
    if !path.is_file() {
        return Ok(true);
    }
    let text = read_text(path)?;
    Ok(text
        .parse::<toml::Table>()
        .ok()
        .and_then(|t| t.get("run_in_transaction").and_then(toml::Value::as_bool))
        .unwrap_or(true))
}
