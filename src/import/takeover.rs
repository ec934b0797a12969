//! Taking over a database the other tool migrated: read its version table, match every row to an
//! imported migration, and record the same revisions as applied in brainmig's version table in
//! one transaction. No migration SQL runs and the old table is only read, so the team can go
//! back to the old tool at any time.

use sqlx::{AssertSqlSafe, Row};

use super::{ImportError, PlannedFile, Tool};
use crate::db::{Connection, DurationSql};
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
    if !table_exists(conn, table)
        .await
        .map_err(|e| foreign(tool, &e))?
    {
        return Ok(None);
    }
    let sql = match tool {
        Tool::Sqlx => format!(
            "SELECT CAST(version AS TEXT) AS version, checksum, \
             CAST(CASE WHEN success THEN 1 ELSE 0 END AS BIGINT) AS success FROM {table}"
        ),
        // Alembic keeps one row per head, in `version_num`.
        Tool::Alembic => format!("SELECT CAST(version_num AS TEXT) AS version FROM {table}"),
        _ => format!("SELECT CAST(version AS TEXT) AS version FROM {table}"),
    };
    let decode_sqlx = tool == Tool::Sqlx;
    let query = || sqlx::raw_sql(AssertSqlSafe(sql.clone()));
    let rows = match conn.as_postgres() {
        Some(pg) => query()
            .fetch_all(pg)
            .await
            .and_then(|rows| rows.iter().map(|r| decode(r, decode_sqlx)).collect()),
        None => match conn.as_sqlite() {
            Some(lite) => query()
                .fetch_all(lite)
                .await
                .and_then(|rows| rows.iter().map(|r| decode(r, decode_sqlx)).collect()),
            None => Ok(Vec::new()),
        },
    };
    rows.map(Some).map_err(|e| foreign(tool, &e))
}

fn decode<'r, R>(r: &'r R, sqlx_columns: bool) -> Result<OldRecord, sqlx::Error>
where
    R: Row,
    &'static str: sqlx::ColumnIndex<R>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<Vec<u8>>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let version: String = r.try_get("version")?;
    if !sqlx_columns {
        return Ok(OldRecord {
            version,
            checksum: None,
            success: true,
        });
    }
    Ok(OldRecord {
        version,
        checksum: r.try_get("checksum")?,
        success: r.try_get::<i64, _>("success")? != 0,
    })
}

fn foreign(tool: Tool, e: &sqlx::Error) -> ImportError {
    ImportError::ForeignTable {
        tool,
        table: tool.version_table(),
        reason: crate::db::describe(e, "").0.message,
    }
}

async fn table_exists(conn: &mut Connection, table: &str) -> Result<bool, sqlx::Error> {
    if let Some(pg) = conn.as_postgres() {
        return sqlx::query_scalar::<_, bool>("SELECT to_regclass($1) IS NOT NULL")
            .bind(table)
            .fetch_one(pg)
            .await;
    }
    let Some(lite) = conn.as_sqlite() else {
        return Ok(false);
    };
    sqlx::query_scalar::<_, i64>(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
    )
    .bind(table)
    .fetch_one(lite)
    .await
    .map(|n| n > 0)
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
        return Err(crate::db::query_error(
            "recording the imported revisions",
            &e,
        ));
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
}
