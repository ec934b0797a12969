//! `history`: the revisions newest first, or drawn as a graph ([`crate::ops::history`]); files only,
//! with a warning, when the database cannot be read.

use crate::cli::Context;
use crate::error::Error;
use crate::ops::history;
use crate::output::{Format, RevisionList, history_graph, warn_about_state};

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Only revisions in `FROM:TO` (either side may be empty; `current` is allowed).
    #[arg(short = 'r', long = "rev-range", value_name = "FROM:TO")]
    range: Option<String>,
    /// Draw the graph as `git log --graph` does: lanes, branch points, merges, heads, `*` for
    /// applied and `o` for pending revisions. `--format dot` writes Graphviz instead.
    #[arg(long)]
    graph: bool,
}

pub async fn exec(ctx: &Context, args: &HistoryArgs) -> Result<(), Error> {
    let (state, database_read) = match ctx.read_state().await {
        Ok(state) => (state, true),
        Err(Error::Db(e)) => {
            let why = format!("cannot read the applied state ({e}); showing files only");
            ctx.shell.warn(why);
            (ctx.offline_state()?, false)
        }
        Err(e) => return Err(e),
    };
    let order = history::newest_first(&state.graph, &state.applied, args.range.as_deref())?;
    let empty = if state.graph.is_empty() {
        "no revisions yet; create one with `cargo brainmig new -m \"...\"`"
    } else {
        "no revisions in that range"
    };
    let dot = ctx.format == Format::Dot;
    if (args.graph || dot) && !order.is_empty() {
        ctx.shell.out(&history_graph(&state, &order, dot));
    } else {
        RevisionList::new(&state, "history", &order).report(&ctx.shell, empty);
    }
    // Without the database there is nothing to say about what it lacks.
    if !ctx.shell.json_mode() && database_read {
        warn_about_state(&ctx.shell, &state);
    }
    Ok(())
}
