//! Reading rows back: the version table's shape check, written once over [`Database`], and the
//! row decoders the sqlx dialects share (both read through the same `sqlx::Row` interface).

use sqlx::{AssertSqlSafe, Row};

use super::failure::{SENDING_SQL, statement_error};
use super::{AppliedRow, Database, VersionRow, script};
use crate::error::DbError;
use crate::source::RevisionId;

/// True when the version table exists with the expected columns; an error when it exists with
/// another shape.
pub(super) async fn table_is_usable<D: Database + ?Sized>(
    db: &mut D,
    table: &str,
) -> Result<bool, DbError> {
    let columns = db
        .table_columns(table)
        .await
        .map_err(|e| e.context("inspecting the version table"))?;
    if columns.is_empty() {
        return Ok(false);
    }
    if let Some(missing) = script::VERSION_COLUMNS
        .iter()
        .find(|c| !columns.iter().any(|have| have == *c))
    {
        return Err(DbError::VersionTableShape {
            table: table.to_owned(),
            column: (*missing).to_owned(),
        });
    }
    Ok(true)
}

/// One row of [`super::Dialect::select_versions`], which gives both backends the same column types.
pub(super) fn decode_version<'r, R>(r: &'r R) -> Result<AppliedRow, sqlx::Error>
where
    R: Row,
    &'static str: sqlx::ColumnIndex<R>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(AppliedRow {
        row: VersionRow {
            revision: stored_id(r.try_get("revision")?)?,
            parents: stored_parents(&r.try_get::<String, _>("parents")?)?,
            message: r.try_get("message")?,
            checksum: r.try_get("checksum")?,
            down_sql: r.try_get("down_sql")?,
            down_transactional: r.try_get::<i64, _>("down_transactional")? != 0,
        },
        applied_at: r.try_get("applied_at")?,
        duration_ms: r.try_get("duration_ms")?,
        incomplete: r.try_get("incomplete")?,
    })
}

/// Every column of a row whose columns are all text.
pub(super) fn decode_text<'r, R>(r: &'r R) -> Result<Vec<Option<String>>, sqlx::Error>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    (0..r.len()).map(|i| r.try_get(i)).collect()
}

/// Ids read back from the version table, validated like ids from files.
fn stored_id(text: String) -> Result<RevisionId, sqlx::Error> {
    RevisionId::parse(&text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

fn stored_parents(text: &str) -> Result<Vec<RevisionId>, sqlx::Error> {
    text.split(',')
        .filter(|p| !p.is_empty())
        .map(|p| stored_id(p.to_owned()))
        .collect()
}

/// Sends `sql` as one query string and counts the statements completed before the first error
/// (what [`Database::execute_counting`] is for a sqlx connection).
pub(super) async fn execute_counting<'c, DB>(
    conn: &'c mut DB::Connection,
    sql: &str,
) -> (usize, Option<DbError>)
where
    DB: sqlx::Database,
    &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    use futures_util::StreamExt;
    let mut stream = sqlx::raw_sql(AssertSqlSafe(sql.to_owned())).execute_many(conn);
    let mut done = 0;
    while let Some(item) = stream.next().await {
        match item {
            Ok(_) => done += 1,
            Err(e) => return (done, Some(statement_error(SENDING_SQL, e, sql))),
        }
    }
    (done, None)
}

/// Runs `sql` and decodes every row it returns; a failure says brainmig was `doing` it.
pub(super) async fn fetch_decoded<'c, DB, T>(
    conn: &'c mut DB::Connection,
    sql: &str,
    doing: &str,
    decode: impl Fn(&DB::Row) -> Result<T, sqlx::Error>,
) -> Result<Vec<T>, DbError>
where
    DB: sqlx::Database,
    &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .fetch_all(conn)
        .await
        .and_then(|found| found.iter().map(decode).collect())
        .map_err(|e| statement_error(doing, e, sql))
}
