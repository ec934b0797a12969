//! `stamp` and `rehash`: change what the version table records ([`ops::stamp`]), running no
//! migration SQL.

use crate::cli::Context;
use crate::error::Error;
use crate::graph::Target;
use crate::ops;
use crate::output::{RehashView, StampView};

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
    let (mut conn, state) = ctx.connect_locked_for_bookkeeping().await?;
    let table = &ctx.config.version_table.value;
    let result = match state.graph.resolve(&target) {
        Ok(targets) => ops::stamp::stamp(&mut conn, &state, table, &targets, args.purge).await,
        Err(e) => Err(e.into()),
    };
    conn.close().await;
    let done = result?;
    let ids = |v: &[usize]| state.graph.ids(v);
    ctx.shell.report(&StampView {
        stamped: ids(&done.add),
        unstamped: if done.purge {
            Vec::new()
        } else {
            ids(&done.remove)
        },
        purged: done.purge,
        current: ids(&done.current),
    });
    Ok(())
}

pub async fn rehash(ctx: &Context, args: &RehashArgs) -> Result<(), Error> {
    let (mut conn, state) = ctx.connect_locked_for_bookkeeping().await?;
    let table = &ctx.config.version_table.value;
    let result = match state.graph.find_prefix(&args.revision) {
        Ok(i) => ops::stamp::rehash(&mut conn, &state, table, i).await,
        Err(e) => Err(e.into()),
    };
    conn.close().await;
    let done = result?;
    ctx.shell.report(&RehashView {
        changed: done.previous != done.checksum,
        revision: done.revision,
        previous_checksum: done.previous,
        checksum: done.checksum,
    });
    Ok(())
}
