//! `stamp` and `rehash`: change what the version table records, running no migration SQL.

use std::collections::BTreeSet;

use crate::cli::Context;
use crate::db::{Connection, DurationSql, VersionRow};
use crate::error::{Error, PlanError};
use crate::graph::Target;
use crate::plan;
use crate::state::{State, short, version_row};

#[derive(Debug, clap::Args)]
pub struct StampArgs {
    /// The revision to record as current: an id or prefix, `head`, `heads` or `base`.
    #[arg(value_name = "REV")]
    revision: String,
    /// Erase every recorded row first, including revisions that have no file here.
    #[arg(long)]
    purge: bool,
}

#[derive(Debug, clap::Args)]
pub struct RehashArgs {
    /// The applied revision whose file you reviewed.
    #[arg(value_name = "REV")]
    revision: String,
}

pub async fn stamp(ctx: &Context, args: &StampArgs) -> Result<(), Error> {
    let target: Target = args.revision.parse()?;
    let (mut conn, state) = ctx.connect_locked().await?;
    let result = stamp_locked(ctx, &mut conn, &state, &target, args.purge).await;
    conn.close().await;
    result
}

/// The stamped state is exactly the target and its ancestors.
async fn stamp_locked(
    ctx: &Context,
    conn: &mut Connection,
    state: &State,
    target: &Target,
    purge: bool,
) -> Result<(), Error> {
    let g = &state.graph;
    let targets = match target {
        Target::Base => Vec::new(),
        Target::Head => plan::upgrade(g, &plan::AppliedSet::default(), &Target::Head)?
            .last()
            .copied()
            .into_iter()
            .collect(),
        Target::Heads => g.heads(),
        Target::Revision(r) => vec![g.resolve(r)?],
        Target::Relative(_) => return Err(PlanError::BadTarget(target.to_string()).into()),
    };
    let wanted: BTreeSet<usize> = g.ancestors(&targets);
    let applied = &state.applied.revisions;
    let forgotten_missing: Vec<usize> = applied
        .iter()
        .copied()
        .filter(|i| !wanted.contains(i) && state.files[*i].is_none() && state.broken[*i].is_none())
        .collect();
    if !purge && !forgotten_missing.is_empty() {
        return Err(PlanError::StampForgetsMissing {
            ids: g.ids(&forgotten_missing),
        }
        .into());
    }
    let table = &ctx.config.version_table.value;
    let dialect = conn.dialect();
    let mut sql = String::from("BEGIN;\n");
    // A revision whose `transaction:false` section stopped part-way is re-recorded as complete
    // when stamped, and forgotten otherwise.
    let incomplete: BTreeSet<usize> = state.incomplete().into_iter().collect();
    let (remove, add): (Vec<usize>, Vec<usize>) = if purge {
        sql.push_str(&format!("DELETE FROM {};\n", dialect.quote_table(table)));
        (applied.iter().copied().collect(), g.in_order(&wanted))
    } else {
        (
            applied
                .iter()
                .copied()
                .filter(|i| !wanted.contains(i))
                .collect(),
            g.in_order(&wanted)
                .into_iter()
                .filter(|i| !applied.contains(i) || incomplete.contains(i))
                .collect(),
        )
    };
    if !purge {
        for &i in remove
            .iter()
            .chain(incomplete.iter().filter(|i| wanted.contains(i)))
        {
            sql.push_str(&dialect.delete_version(table, &g.node(i).id));
            sql.push('\n');
        }
    }
    for &i in &add {
        sql.push_str(&dialect.insert_version(table, &row_of(state, i)?, DurationSql::Measured(0)));
        sql.push('\n');
    }
    sql.push_str("COMMIT;\n");
    if let Err(e) = conn.execute(&sql).await {
        let _ = conn.execute("ROLLBACK").await;
        return Err(e.context("stamping the version table").into());
    }
    let names = |v: &[usize]| {
        g.ids(v)
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !remove.is_empty() && !purge {
        ctx.shell.status("Unstamped", names(&remove));
    }
    if !add.is_empty() {
        ctx.shell.status("Stamped", names(&add));
    }
    let current = plan::AppliedSet::from_applied_order(g.in_order(&wanted)).current(g);
    let at = if current.is_empty() {
        "<base>".to_owned()
    } else {
        names(&current)
    };
    ctx.shell.status(
        "Finished",
        format_args!("the database is recorded at {at}; no migration SQL was run"),
    );
    ctx.shell.json(&serde_json::json!({
        "stamped": g.ids(&add),
        "unstamped": if purge { Vec::new() } else { g.ids(&remove) },
        "purged": purge,
        "current": g.ids(&current),
    }));
    Ok(())
}

fn row_of(state: &State, i: usize) -> Result<VersionRow, Error> {
    match (&state.files[i], &state.records[i]) {
        (Some(file), _) => Ok(version_row(file)),
        (None, Some(record)) => Ok(record.row.clone()),
        (None, None) => {
            // A broken file has no checksum or down section to record.
            state.refuse_broken(&[i], plan::Direction::Up)?;
            Err(PlanError::UnknownRevision(state.graph.node(i).id.to_string()).into())
        }
    }
}

pub async fn rehash(ctx: &Context, args: &RehashArgs) -> Result<(), Error> {
    let (mut conn, state) = ctx.connect_locked().await?;
    let result = rehash_locked(ctx, &mut conn, &state, &args.revision).await;
    conn.close().await;
    result
}

async fn rehash_locked(
    ctx: &Context,
    conn: &mut Connection,
    state: &State,
    revision: &str,
) -> Result<(), Error> {
    let i = state.graph.resolve(revision)?;
    let id = state.graph.node(i).id.clone();
    let (Some(file), Some(record)) = (&state.files[i], &state.records[i]) else {
        if let Some(broken) = &state.broken[i] {
            return Err(PlanError::AppliedFileBroken {
                id,
                error: broken.error.clone(),
            }
            .into());
        }
        if state.files[i].is_none() {
            return Err(PlanError::MissingFiles { ids: vec![id] }.into());
        }
        return Err(PlanError::RehashNotApplied(id).into());
    };
    let sql = conn
        .dialect()
        .update_checksum(&ctx.config.version_table.value, &version_row(file));
    conn.execute(&sql)
        .await
        .map_err(|e| e.context("updating the checksum"))?;
    ctx.shell.json(&serde_json::json!({
        "revision": id,
        "previous_checksum": record.row.checksum,
        "checksum": file.checksum,
        "changed": record.row.checksum != file.checksum,
    }));
    if record.row.checksum == file.checksum {
        ctx.shell.status(
            "Unchanged",
            format_args!(
                "revision {id}: checksum {} already matches",
                short(&file.checksum)
            ),
        );
    } else {
        ctx.shell.status(
            "Rehashed",
            format_args!(
                "revision {id}: checksum {} -> {}",
                short(&record.row.checksum),
                short(&file.checksum)
            ),
        );
    }
    Ok(())
}
