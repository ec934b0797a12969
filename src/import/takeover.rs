//! Taking over a database the other tool migrated: read its version table, match every row to an
//! imported migration, and record the same revisions as applied in brainmig's version table in
//! one transaction. No migration SQL runs and the old table is only read, so the team can go
//! back to the old tool at any time.

use super::{ImportError, PlannedFile, Tool};
use crate::db::{Connection, Database, Dialect, DurationSql};
use crate::error::DbError;

/// One row of the old tool's version table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OldRecord {
    /// The version as text.
    pub version: String,
    /// sqlx's checksum of the up file.
    pub checksum: Option<Vec<u8>>,
    /// False for a sqlx migration that failed part-way.
    pub success: bool,
}

/// The old tool's rows, or `None` when its table does not exist (it never ran here).
pub async fn read_old_table(
    conn: &mut Connection,
    tool: Tool,
) -> Result<Option<Vec<OldRecord>>, ImportError> {
    let table = tool.version_table();
    let columns = conn
        .table_columns(table)
        .await
        .map_err(|e| foreign(tool, &e))?;
    if columns.is_empty() {
        return Ok(None);
    }
    // Every column is read as text, so one reader serves every dialect.
    let dialect = conn.dialect();
    let text = |expr: &str| as_text(expr, dialect);
    let sql = match tool {
        Tool::Sqlx => format!(
            "SELECT {} AS version, {} AS checksum, {} AS success FROM {table}",
            text("version"),
            hex_of("checksum", dialect),
            text("CASE WHEN success THEN 1 ELSE 0 END"),
        ),
        // Alembic keeps one row per head, in `version_num`.
        Tool::Alembic => format!("SELECT {} AS version FROM {table}", text("version_num")),
        _ => format!("SELECT {} AS version FROM {table}", text("version")),
    };
    let rows = conn.text_rows(&sql).await.map_err(|e| foreign(tool, &e))?;
    rows.into_iter()
        .map(|row| decode(row, tool))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// `expr` as text: MySQL's `CAST` knows no `TEXT` type, only `CHAR`.
fn as_text(expr: &str, dialect: Dialect) -> String {
    match dialect {
        Dialect::Mysql => format!("CAST({expr} AS CHAR)"),
        Dialect::Postgres | Dialect::Sqlite => format!("CAST({expr} AS TEXT)"),
    }
}

/// Lowercase hex of a binary column, NULL staying NULL.
fn hex_of(column: &str, dialect: Dialect) -> String {
    match dialect {
        Dialect::Postgres => format!("encode({column}, 'hex')"),
        Dialect::Mysql => format!("lower(hex({column}))"),
        // SQLite's `hex(NULL)` is '' rather than NULL.
        Dialect::Sqlite => {
            format!("CASE WHEN {column} IS NULL THEN NULL ELSE lower(hex({column})) END")
        }
    }
}

/// One row of the query above: version, then for sqlx the checksum (hex) and success (`0`/`1`).
fn decode(row: Vec<Option<String>>, tool: Tool) -> Result<OldRecord, ImportError> {
    let mut cells = row.into_iter();
    let mut next = || cells.next().flatten();
    let unreadable = |what: &str| ImportError::ForeignTable {
        tool,
        table: tool.version_table(),
        reason: format!("a row has no readable {what}"),
    };
    let version = next().ok_or_else(|| unreadable("version"))?;
    if tool != Tool::Sqlx {
        return Ok(OldRecord {
            version,
            checksum: None,
            success: true,
        });
    }
    let checksum = match next() {
        Some(hex) => Some(from_hex(&hex).ok_or_else(|| unreadable("checksum"))?),
        None => None,
    };
    let success = next().ok_or_else(|| unreadable("success flag"))? != "0";
    Ok(OldRecord {
        version,
        checksum,
        success,
    })
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

fn foreign(tool: Tool, e: &DbError) -> ImportError {
    ImportError::ForeignTable {
        tool,
        table: tool.version_table(),
        reason: e.statement_words().0.message,
    }
}

/// The planned files the old table records as applied (indices, in file order); fails, naming
/// them, on rows with no migration, on a failed sqlx row and on a sqlx checksum that differs.
pub fn match_records(
    tool: Tool,
    dir: &std::path::Path,
    records: &[OldRecord],
    files: &[PlannedFile],
) -> Result<Vec<usize>, ImportError> {
    let table = tool.version_table();
    let mut applied = Vec::new();
    let mut unknown = Vec::new();
    for record in records {
        let Some(i) = files
            .iter()
            .position(|f| tool.same_version(&f.migration.version, &record.version))
        else {
            unknown.push(record.version.clone());
            continue;
        };
        if !record.success {
            return Err(ImportError::Dirty {
                table,
                version: record.version.clone(),
            });
        }
        let m = &files[i].migration;
        if let (Some(recorded), Some(current)) = (&record.checksum, &m.checksum)
            && recorded != current
        {
            return Err(ImportError::ChecksumMismatch {
                table,
                version: record.version.clone(),
                path: m.source.clone(),
                recorded: hex(recorded),
                current: hex(current),
            });
        }
        applied.push(i);
    }
    if !unknown.is_empty() {
        unknown.sort();
        return Err(ImportError::UnknownRecorded {
            table,
            versions: unknown,
            dir: dir.to_owned(),
        });
    }
    if tool == Tool::Alembic {
        // `alembic_version` holds only the heads: everything below them ran too.
        applied = with_ancestors(files, applied);
    }
    applied.sort_unstable();
    applied.dedup();
    Ok(applied)
}

/// `heads` (indices into `files`) and every revision they descend from.
fn with_ancestors(files: &[PlannedFile], heads: Vec<usize>) -> Vec<usize> {
    let mut seen = vec![false; files.len()];
    let mut stack = heads;
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        for parent in &files[i].row.parents {
            if let Some(p) = files.iter().position(|f| &f.id == parent) {
                stack.push(p);
            }
        }
    }
    (0..files.len()).filter(|&i| seen[i]).collect()
}

/// The first 12 hex digits, as brainmig shows checksums.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// Records `applied` in brainmig's version table in one transaction.
pub async fn record(
    conn: &mut Connection,
    table: &str,
    files: &[PlannedFile],
    applied: &[usize],
) -> Result<(), DbError> {
    conn.ensure_version_table(table).await?;
    if applied.is_empty() {
        return Ok(());
    }
    let dialect = conn.dialect();
    let mut sql = String::from("BEGIN;\n");
    for &i in applied {
        sql.push_str(&dialect.insert_version(table, &files[i].row, DurationSql::Measured(0)));
        sql.push('\n');
    }
    sql.push_str("COMMIT;\n");
    if let Err(e) = conn.execute(&sql).await {
        let _ = conn.execute("ROLLBACK").await;
        return Err(e.context("recording the imported revisions"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{Migration, Reading, Sql, Up, write};
    use std::path::{Path, PathBuf};

    fn files(tool: Tool, versions: &[&str]) -> Vec<PlannedFile> {
        let migrations = versions
            .iter()
            .map(|v| Migration {
                version: (*v).into(),
                name: "m".into(),
                source: PathBuf::from(format!("{v}_m.sql")),
                up: Up::Sql(Sql {
                    text: "SELECT 1;".into(),
                    transactional: true,
                }),
                down: None,
                checksum: Some(vec![1, 2, 3]),
                parents: None,
                message: None,
            })
            .collect();
        let reading = Reading {
            tool,
            dir: PathBuf::from("m"),
            migrations,
            skipped: Vec::new(),
        };
        write::plan(&reading, Path::new("out")).expect("plans")
    }

    fn rec(version: &str, checksum: &[u8], success: bool) -> OldRecord {
        OldRecord {
            version: version.into(),
            checksum: Some(checksum.to_vec()),
            success,
        }
    }

    #[test]
    fn sqlx_versions_match_by_number() {
        let f = files(Tool::Sqlx, &["0001", "0002", "0003"]);
        let applied = match_records(
            Tool::Sqlx,
            Path::new("m"),
            &[rec("2", &[1, 2, 3], true), rec("1", &[1, 2, 3], true)],
            &f,
        )
        .expect("matches");
        assert_eq!(applied, vec![0, 1]);
    }

    #[test]
    fn unknown_rows_failed_rows_and_checksums_are_refused() {
        let f = files(Tool::Sqlx, &["1"]);
        let m = |r: &[OldRecord]| match_records(Tool::Sqlx, Path::new("m"), r, &f);
        assert!(matches!(
            m(&[rec("7", &[1, 2, 3], true)]),
            Err(ImportError::UnknownRecorded { versions, .. }) if versions == ["7"]
        ));
        assert!(matches!(
            m(&[rec("1", &[9], true)]),
            Err(ImportError::ChecksumMismatch { .. })
        ));
        assert!(matches!(
            m(&[rec("1", &[1, 2, 3], false)]),
            Err(ImportError::Dirty { .. })
        ));
    }

    #[test]
    fn rows_read_as_text_decode_into_records() {
        let text = |cells: &[Option<&str>]| cells.iter().map(|c| c.map(str::to_owned)).collect();
        assert_eq!(
            decode(
                text(&[Some("20240101"), Some("0aff"), Some("1")]),
                Tool::Sqlx
            )
            .ok(),
            Some(rec("20240101", &[0x0a, 0xff], true))
        );
        assert_eq!(
            decode(text(&[Some("7"), None, Some("0")]), Tool::Sqlx).ok(),
            Some(OldRecord {
                version: "7".into(),
                checksum: None,
                success: false,
            })
        );
        assert_eq!(
            decode(text(&[Some("00001")]), Tool::Dbmate).ok(),
            Some(OldRecord {
                version: "00001".into(),
                checksum: None,
                success: true,
            })
        );
        for broken in [
            text(&[None]),
            text(&[Some("1"), Some("abc"), Some("1")]),
            text(&[Some("1"), Some("zz"), Some("1")]),
            text(&[Some("1"), Some("00"), None]),
        ] {
            assert!(
                matches!(
                    decode(broken.clone(), Tool::Sqlx),
                    Err(ImportError::ForeignTable { .. })
                ),
                "{broken:?}"
            );
        }
    }
}
