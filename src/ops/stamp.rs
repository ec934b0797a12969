//! `stamp` and `rehash`: change what the version table records, running no migration SQL.
//! Which rows change is decided by [`plan`] (PURE); [`stamp`] and [`rehash`] write them.

use std::collections::BTreeSet;

use crate::db::{Connection, Dialect, DurationSql, VersionRow};
use crate::error::{Error, PlanError};
use crate::graph::RevisionGraph;
use crate::plan::{AppliedSet, Direction};
use crate::state::{State, version_row};

/// What stamping changes in the version table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StampPlan {
    /// `--purge`: every row is deleted first.
    pub purge: bool,
    /// Applied revisions the stamped state leaves out (all applied ones with `--purge`).
    pub remove: Vec<usize>,
    /// Rows to delete one by one (without `--purge`): `remove`, then the unfinished
    /// `transaction:false` revisions that are re-recorded as complete.
    pub delete: Vec<usize>,
    /// Rows to insert, parents first.
    pub add: Vec<usize>,
    /// What the database is recorded at afterwards.
    pub current: Vec<usize>,
}

/// The stamped state is exactly `targets` and their ancestors. A revision whose
/// `transaction:false` section stopped part-way (`incomplete`) is re-recorded as complete when
/// stamped, and forgotten otherwise.
pub fn plan(
    graph: &RevisionGraph,
    applied: &BTreeSet<usize>,
    incomplete: &BTreeSet<usize>,
    targets: &[usize],
    purge: bool,
) -> StampPlan {
    let wanted = graph.ancestors(targets);
    let in_order = graph.in_order(&wanted);
    let current = AppliedSet::from_applied_order(in_order.clone()).current(graph);
    if purge {
        let remove = applied.iter().copied().collect();
        return StampPlan {
            purge,
            remove,
            delete: Vec::new(),
            add: in_order,
            current,
        };
    }
    let remove: Vec<usize> = applied
        .iter()
        .copied()
        .filter(|i| !wanted.contains(i))
        .collect();
    let rerecorded = incomplete.iter().copied().filter(|i| wanted.contains(i));
    let delete = remove.iter().copied().chain(rerecorded).collect();
    let add = in_order
        .into_iter()
        .filter(|i| !applied.contains(i) || incomplete.contains(i))
        .collect();
    StampPlan {
        purge,
        remove,
        delete,
        add,
        current,
    }
}

/// Stamps `targets` under the caller's lock: records a recognised `squash` baseline in place of
/// the rows it replaces first (as `up` does, so no replaced row is left behind), refuses to forget
/// a revision that has no file unless purging, then rewrites the rows in one transaction.
pub async fn stamp(
    conn: &mut Connection,
    state: &State,
    table: &str,
    targets: &[usize],
    purge: bool,
) -> Result<StampPlan, Error> {
    let g = &state.graph;
    let applied = &state.applied.revisions;
    let wanted = g.ancestors(targets);
    crate::executor::record_baselines(conn, state, table).await?;
    let forgotten_missing: Vec<usize> = applied
        .iter()
        .copied()
        .filter(|i| !wanted.contains(i) && state.files[*i].is_none() && state.broken[*i].is_none())
        .collect();
    if !purge && !forgotten_missing.is_empty() {
        let ids = g.ids(&forgotten_missing);
        return Err(PlanError::StampForgetsMissing { ids }.into());
    }
    let incomplete = state.incomplete().into_iter().collect();
    let plan = plan(g, applied, &incomplete, targets, purge);
    let sql = sql(state, &plan, conn.dialect(), table)?;
    if let Err(e) = conn.execute(&sql).await {
        let _ = conn.execute("ROLLBACK").await;
        return Err(e.context("stamping the version table").into());
    }
    Ok(plan)
}

/// The transaction that rewrites the rows.
fn sql(state: &State, plan: &StampPlan, dialect: Dialect, table: &str) -> Result<String, Error> {
    let mut sql = String::from("BEGIN;\n");
    if plan.purge {
        sql.push_str(&format!("DELETE FROM {};\n", dialect.quote_table(table)));
    }
    for &i in &plan.delete {
        sql.push_str(&dialect.delete_version(table, &state.graph.node(i).id));
        sql.push('\n');
    }
    for &i in &plan.add {
        sql.push_str(&dialect.insert_version(table, &row_of(state, i)?, DurationSql::Measured(0)));
        sql.push('\n');
    }
    sql.push_str("COMMIT;\n");
    Ok(sql)
}

/// The row to record for node `i`: from its file, else from what the table already holds.
fn row_of(state: &State, i: usize) -> Result<VersionRow, Error> {
    match (&state.files[i], &state.records[i]) {
        (Some(file), _) => Ok(version_row(file)),
        (None, Some(record)) => Ok(record.row.clone()),
        (None, None) => {
            // A broken file has no checksum or down section to record.
            state.refuse_broken(&[i], Direction::Up)?;
            Err(PlanError::UnknownRevision(state.graph.node(i).id.to_string()).into())
        }
    }
}

/// A rehashed revision: its recorded checksum before, and its file's now.
pub struct Rehashed {
    /// The revision.
    pub revision: crate::source::RevisionId,
    /// The checksum the table held.
    pub previous: String,
    /// The file's checksum, now recorded.
    pub checksum: String,
}

/// Records the current checksum of applied revision `i` after its change was reviewed.
pub async fn rehash(
    conn: &mut Connection,
    state: &State,
    table: &str,
    i: usize,
) -> Result<Rehashed, Error> {
    let id = state.graph.node(i).id.clone();
    let (Some(file), Some(record)) = (&state.files[i], &state.records[i]) else {
        if let Some(broken) = &state.broken[i] {
            let error = broken.error.clone();
            return Err(PlanError::AppliedFileBroken { id, error }.into());
        }
        if state.files[i].is_none() {
            return Err(PlanError::MissingFiles { ids: vec![id] }.into());
        }
        return Err(PlanError::RehashNotApplied(id).into());
    };
    let sql = conn.dialect().update_checksum(table, &version_row(file));
    conn.execute(&sql)
        .await
        .map_err(|e| e.context("updating the checksum"))?;
    Ok(Rehashed {
        revision: id,
        previous: record.row.checksum.clone(),
        checksum: file.checksum.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{test_graph, test_names as names};

    fn set(g: &RevisionGraph, names: &[&str]) -> BTreeSet<usize> {
        names
            .iter()
            .map(|n| g.find_prefix(n).expect("exists"))
            .collect()
    }

    #[test]
    fn stamping_records_exactly_the_target_and_its_ancestors() {
        // a - b - c, a - d
        let g = test_graph(&[("a", &[]), ("b", &["a"]), ("c", &["b"]), ("d", &["a"])]);
        let none = BTreeSet::new();
        let c = g.find_prefix("c").expect("c");
        let d = g.find_prefix("d").expect("d");
        // From a and d applied, stamping c forgets d and adds b and c.
        let p = plan(&g, &set(&g, &["a", "d"]), &none, &[c], false);
        assert_eq!(names(&g, &p.remove), ["d"]);
        assert_eq!(names(&g, &p.delete), ["d"]);
        assert_eq!(names(&g, &p.add), ["b", "c"]);
        assert_eq!(names(&g, &p.current), ["c"]);
        // Stamping base forgets everything; stamping both heads records both branches.
        let p = plan(&g, &set(&g, &["a", "b"]), &none, &[], false);
        assert_eq!(
            (names(&g, &p.remove), p.add.len(), p.current.len()),
            (vec!["a".to_owned(), "b".to_owned()], 0, 0)
        );
        let p = plan(&g, &set(&g, &["a"]), &none, &[c, d], false);
        assert_eq!(names(&g, &p.add), ["b", "c", "d"]);
        assert_eq!(names(&g, &p.current), ["c", "d"]);
    }

    #[test]
    fn an_unfinished_revision_is_re_recorded_when_stamped_and_purge_rewrites_all() {
        let g = test_graph(&[("a", &[]), ("b", &["a"])]);
        let b = g.find_prefix("b").expect("b");
        let p = plan(&g, &set(&g, &["a", "b"]), &set(&g, &["b"]), &[b], false);
        assert!(p.remove.is_empty());
        assert_eq!(names(&g, &p.delete), ["b"]);
        assert_eq!(names(&g, &p.add), ["b"]);
        let p = plan(&g, &set(&g, &["a", "b"]), &BTreeSet::new(), &[b], true);
        assert!(p.purge && p.delete.is_empty());
        assert_eq!(names(&g, &p.remove), ["a", "b"]);
        assert_eq!(names(&g, &p.add), ["a", "b"]);
    }
}
