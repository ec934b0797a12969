//! Baselines written by `squash` (`-- replaces: a, b, c`): a database that applied every
//! revision a baseline replaces is at the baseline. The state counts it so
//! ([`crate::state::State::baselines_to_record`]); the first run that holds the lock records it
//! here, in place of the replaced rows, in one transaction and running no migration SQL, so
//! that `down` and everything after see an ordinary applied revision.

use crate::db::{Database, DurationSql};
use crate::error::Error;
use crate::output::Shell;
use crate::state::{State, version_row};

/// Records each recognised baseline and forgets the rows it replaces.
pub async fn record_recognised(
    shell: &Shell,
    conn: &mut impl Database,
    state: &State,
    table: &str,
) -> Result<(), Error> {
    if state.baselines_to_record.is_empty() {
        return Ok(());
    }
    let dialect = conn.dialect();
    let mut sql = String::from("BEGIN;\n");
    for &i in &state.baselines_to_record {
        let Some(file) = &state.files[i] else {
            continue;
        };
        for id in &file.replaces {
            sql.push_str(&dialect.delete_version(table, id));
            sql.push('\n');
        }
        sql.push_str(&dialect.insert_version(table, &version_row(file), DurationSql::Measured(0)));
        sql.push('\n');
    }
    sql.push_str("COMMIT;\n");
    if let Err(e) = conn.execute(&sql).await {
        let _ = conn.execute("ROLLBACK").await;
        return Err(e.context("recording the baseline").into());
    }
    for &i in &state.baselines_to_record {
        if let Some(file) = &state.files[i] {
            shell.status(
                "Recorded",
                format_args!(
                    "baseline {} in place of the {} revisions it replaces; no migration SQL was run",
                    file.id,
                    file.replaces.len()
                ),
            );
        }
    }
    Ok(())
}
