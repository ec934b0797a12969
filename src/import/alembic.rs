//! The Alembic reader. Alembic revisions are Python, so brainmig does not read them: it runs a
//! small script (`alembic_reader.py`) with the Python of the user's own `alembic` executable,
//! which loads the project through Alembic's `ScriptDirectory` and renders each revision's
//! upgrade and downgrade in offline mode through the project's own `env.py`. What comes back is
//! the SQL Alembic would send, from which only Alembic's bookkeeping (its version table rows and
//! the `BEGIN`/`COMMIT` around them) is removed.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{ImportError, Migration, Reading, Sql, Up};
use crate::source;

/// The script run with the user's Python; it prints the graph and the SQL as JSON.
const READER: &str = include_str!("alembic_reader.py");

/// What `pip install` must add when the reader cannot import Alembic.
const INSTALL: &str = "pip install alembic";

/// The URL given to `env.py` when `alembic.ini` has none: offline mode only uses it to pick
/// the SQL dialect.
const FALLBACK_URL: &str = "postgresql://localhost/brainmig_import";

#[derive(Debug, serde::Deserialize)]
struct Output {
    script_location: PathBuf,
    revisions: Vec<Revision>,
}

#[derive(Debug, serde::Deserialize)]
struct Revision {
    revision: String,
    parents: Vec<String>,
    message: String,
    path: PathBuf,
    upgrade: Rendered,
    downgrade: Rendered,
}

#[derive(Debug, serde::Deserialize)]
struct Rendered {
    sql: Option<String>,
    version_table: Option<String>,
    error: Option<String>,
    /// Set when offline mode failed (with its error) and the SQL was recorded online instead.
    online: Option<String>,
}

/// Where the project keeps its Alembic configuration: `dir/alembic.ini`, or `dir` itself being
/// the script location (the folder with `env.py`), with or without an `alembic.ini` above it.
fn locate(dir: &Path) -> Result<(Option<PathBuf>, PathBuf), ImportError> {
    let ini = dir.join("alembic.ini");
    if ini.is_file() {
        let location = script_location(&ini)?;
        return Ok((Some(ini), location));
    }
    if dir.join("env.py").is_file() {
        let above = dir.parent().map(|p| p.join("alembic.ini"));
        let ini = above.filter(|ini| script_location(ini).is_ok_and(|l| same_dir(&l, dir)));
        return Ok((ini, dir.to_owned()));
    }
    Err(ImportError::NoMigrations {
        tool: super::Tool::Alembic,
        dir: dir.to_owned(),
        looks_like: super::looks_like(dir),
    })
}

fn same_dir(a: &Path, b: &Path) -> bool {
    matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
}

/// `script_location` of the `[alembic]` section, with `%(here)s` as the file's folder and
/// relative paths taken from that folder, as Alembic does.
fn script_location(ini: &Path) -> Result<PathBuf, ImportError> {
    let text = super::read_text(ini)?;
    let here = ini.parent().unwrap_or(Path::new("."));
    let mut in_alembic = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_alembic = line == "[alembic]";
            continue;
        }
        let Some((key, value)) = line.split_once(['=', ':']) else {
            continue;
        };
        if in_alembic && key.trim() == "script_location" {
            let value = value
                .trim()
                .replace("%(here)s", &here.display().to_string());
            let path = PathBuf::from(value);
            return Ok(if path.is_absolute() {
                path
            } else {
                here.join(path)
            });
        }
    }
    Err(ImportError::AlembicFailed {
        what: format!(
            "`{}` has no `script_location` in its `[alembic]` section",
            ini.display()
        ),
        output: String::new(),
    })
}

/// The `alembic` executable on `PATH`, as the user would run it.
fn find_alembic() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("alembic"))
        .find(|candidate| candidate.is_file())
}

/// The Python that runs `alembic`: its `#!` line when that names a Python (pip's console
/// scripts do), else `python3` from `PATH` (version managers' shims are shell scripts that
/// pick the same Python for both).
fn python_of(alembic: &Path) -> Vec<String> {
    let first = std::fs::read(alembic)
        .ok()
        .and_then(|bytes| {
            let line = bytes.split(|&b| b == b'\n').next()?.to_vec();
            String::from_utf8(line).ok()
        })
        .unwrap_or_default();
    match first.strip_prefix("#!") {
        Some(shebang) if shebang.contains("python") => {
            shebang.split_whitespace().map(str::to_owned).collect()
        }
        _ => vec!["python3".to_owned()],
    }
}

/// Reads an Alembic project by running Alembic. With `scratch_server` (a PostgreSQL URL), the
/// revisions offline mode cannot render are run online on a scratch database created and dropped
/// on that server, and what they sent is recorded.
pub(super) fn read(dir: &Path, scratch_server: Option<&str>) -> Result<Reading, ImportError> {
    let (ini, location) = locate(dir)?;
    let alembic = find_alembic().ok_or(ImportError::AlembicMissing {
        install: INSTALL,
        detail: "no `alembic` executable on PATH".into(),
    })?;
    let python = python_of(&alembic);
    let ini_arg = ini
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    // env.py and alembic.ini may name paths relative to the project: run where alembic would.
    let cwd = ini
        .as_ref()
        .and_then(|i| i.parent())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| location.parent().unwrap_or(Path::new(".")).to_owned());
    let cwd = if cwd.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        cwd
    };
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_owned());
    let ini_arg = if ini_arg.is_empty() {
        ini_arg
    } else {
        abs(Path::new(&ini_arg)).display().to_string()
    };
    let output = Command::new(&python[0])
        .args(&python[1..])
        .arg("-c")
        .arg(READER)
        .arg(ini_arg)
        .arg(abs(&location))
        .arg(FALLBACK_URL)
        .env("BRAINMIG_SCRATCH_SERVER", scratch_server.unwrap_or(""))
        .current_dir(&cwd)
        .output()
        .map_err(|e| ImportError::AlembicMissing {
            install: INSTALL,
            detail: format!("cannot run `{}`: {e}", python.join(" ")),
        })?;
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if !output.status.success() {
        if stderr.contains("No module named 'alembic'") {
            return Err(ImportError::AlembicMissing {
                install: INSTALL,
                detail: format!("`{}` cannot import alembic", python.join(" ")),
            });
        }
        return Err(ImportError::AlembicFailed {
            what: format!("Alembic could not load `{}`", location.display()),
            output: last_lines(&stderr, 15),
        });
    }
    let parsed: Output =
        serde_json::from_slice(&output.stdout).map_err(|e| ImportError::AlembicFailed {
            what: format!("unexpected output from the Alembic reader: {e}"),
            output: last_lines(&stderr, 15),
        })?;
    let migrations = parsed.revisions.into_iter().map(migration).collect();
    Ok(Reading {
        tool: super::Tool::Alembic,
        dir: super::write::relative(&parsed.script_location),
        migrations,
        skipped: Vec::new(),
    })
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// An Alembic revision id as a brainmig revision id: `_` and other characters brainmig does not
/// allow become `-` (the take-over compares ids the same way).
pub(super) fn revision_id(alembic: &str) -> String {
    alembic
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

fn migration(r: Revision) -> Migration {
    let up = match (&r.upgrade.sql, &r.upgrade.error) {
        (Some(sql), _) => {
            let mut up = without_bookkeeping(sql, r.upgrade.version_table.as_deref());
            if let Some(offline_error) = &r.upgrade.online {
                // Say where this SQL comes from: what upgrade() sent on a fresh database at its
                // parents' state, which a revision that looks at the data may not send elsewhere.
                up.text = format!(
                    "-- Recorded by running upgrade() on a scratch database at its parents' state, because\n\
                     -- offline mode could not render it ({}).\n\
                     -- Check it: a revision that looks at the database may do otherwise on yours.\n{}",
                    offline_error.lines().next().unwrap_or(""),
                    up.text
                );
            }
            Up::Sql(up)
        }
        (None, error) => Up::Unconverted {
            reason: format!(
                "Alembic cannot render its upgrade() offline: {}",
                error.as_deref().unwrap_or("no output")
            ),
        },
    };
    let down = r
        .downgrade
        .sql
        .as_deref()
        .map(|sql| without_bookkeeping(sql, r.downgrade.version_table.as_deref()));
    let message = r.message.lines().next().unwrap_or("").trim().to_owned();
    // The file name's slug comes from the message: Alembic's `file_template` may put dates and
    // the id anywhere in its own names.
    let name = if message.is_empty() {
        r.path
            .file_stem()
            .map(|s| s.to_string_lossy().replace(&r.revision, ""))
            .unwrap_or_default()
    } else {
        message.clone()
    };
    Migration {
        version: revision_id(&r.revision),
        name,
        source: super::write::relative(&r.path),
        up,
        down,
        checksum: None,
        parents: Some(r.parents.iter().map(|p| revision_id(p)).collect()),
        message: Some(message),
    }
}

/// Alembic's offline output without what Alembic adds around the revision: the `BEGIN;` and
/// `COMMIT;` it wraps each step in, its `-- Running upgrade ...` comment, and the statements on
/// its own version table. Anything else is kept as Alembic wrote it.
fn without_bookkeeping(sql: &str, version_table: Option<&str>) -> Sql {
    let table = version_table
        .unwrap_or("alembic_version")
        .to_ascii_lowercase();
    let Ok(statements) = source::split(sql) else {
        // brainmig cannot split it; keep it whole and let loading report why.
        return Sql {
            text: sql.to_owned(),
            transactional: true,
        };
    };
    let texts: Vec<&str> = statements.iter().map(|s| s.text(sql).trim()).collect();
    let last = texts.len().saturating_sub(1);
    let mut kept = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        let upper = text.to_ascii_uppercase();
        let word = upper.trim_end_matches(';').trim();
        let wrapper = (i == 0 && matches!(word, "BEGIN" | "BEGIN TRANSACTION"))
            || (i == last && word == "COMMIT");
        if wrapper || is_version_row(&upper.to_ascii_lowercase(), &table) {
            continue;
        }
        kept.push(*text);
    }
    let mut text = String::new();
    for statement in kept {
        text.push_str(statement);
        if !statement.ends_with(';') {
            text.push(';');
        }
        text.push_str("\n\n");
    }
    Sql {
        text: text.trim_end().to_owned() + if text.is_empty() { "" } else { "\n" },
        transactional: true,
    }
}

/// A statement on Alembic's version table: its `CREATE TABLE` and the rows it keeps.
fn is_version_row(lower: &str, table: &str) -> bool {
    let words: Vec<&str> = lower.split_whitespace().take(3).collect();
    let target = match words.as_slice() {
        ["create", "table", t] | ["insert", "into", t] | ["delete", "from", t] => *t,
        ["update", t, ..] => *t,
        _ => return false,
    };
    let target = target.trim_end_matches('(').trim_matches('"');
    target == table || target.ends_with(&format!(".{table}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alembic_bookkeeping_is_stripped_and_the_revision_sql_kept() {
        let out = "BEGIN;\n\nCREATE TABLE alembic_version (\n    version_num VARCHAR(32) NOT NULL\n);\n\n\
                   -- Running upgrade  -> 1a\n\nCREATE TABLE authors (id SERIAL);\n\n\
                   INSERT INTO alembic_version (version_num) VALUES ('1a') RETURNING alembic_version.version_num;\n\n\
                   UPDATE alembic_version SET version_num='2b' WHERE alembic_version.version_num = '1a';\n\n\
                   UPDATE authors SET id = 1;\n\nCOMMIT;\n\n";
        let sql = without_bookkeeping(out, Some("alembic_version"));
        assert_eq!(
            sql.text,
            "CREATE TABLE authors (id SERIAL);\n\nUPDATE authors SET id = 1;\n"
        );
        let empty = without_bookkeeping(
            "BEGIN;\n\n-- Running upgrade a -> b\n\nUPDATE alembic_version SET version_num='b';\n\nCOMMIT;\n\n",
            None,
        );
        assert_eq!(empty.text, "");
    }

    #[test]
    fn a_custom_version_table_is_recognised() {
        let sql = without_bookkeeping(
            "DELETE FROM app.versions WHERE version_num = 'a';\nDROP TABLE x;\n",
            Some("versions"),
        );
        assert_eq!(sql.text, "DROP TABLE x;\n");
    }

    #[test]
    fn revision_ids_with_underscores_become_brainmig_ids() {
        assert_eq!(revision_id("0001_initial"), "0001-initial");
        assert_eq!(revision_id("ae1027a6acf"), "ae1027a6acf");
    }
}
