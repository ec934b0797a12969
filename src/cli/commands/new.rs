//! `new` (alias `revision`) and `merge`: scaffold a revision file from the template
//! ([`ops::new`]).

use crate::cli::Context;
use crate::error::Error;
use crate::ops;
use crate::output::NewView;
use crate::scaffold::NewRevision;
use crate::source::RevisionId;
use crate::state::State;

#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// What the revision does, e.g. "add email_verified to users"; also names the file.
    #[arg(short, long, value_name = "MSG")]
    pub(super) message: String,
    /// The revision the new one revises, when there are several heads.
    #[arg(long, value_name = "REV")]
    head: Option<String>,
    /// Mark both sections `transaction:false` (for `CREATE INDEX CONCURRENTLY` and the like).
    #[arg(long)]
    no_transaction: bool,
    /// Allow `--head` to name a revision that is not a head, starting a new branch there.
    #[arg(long, requires = "head")]
    splice: bool,
    /// Write the SQL too: the difference between the head (built in a scratch database) and the
    /// `schema` file (executed in another). Review every `-- REVIEW:` line before applying.
    #[arg(long, conflicts_with = "no_transaction")]
    pub(crate) autogenerate: bool,
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// What the merge joins, e.g. "merge tags and cards branches".
    #[arg(short, long, value_name = "MSG")]
    message: String,
    /// The revisions to merge (usually the heads), or `heads` for all of them.
    #[arg(required = true, num_args = 1.., value_name = "REV")]
    revisions: Vec<String>,
}

pub fn exec(ctx: &Context, args: &NewArgs) -> Result<(), Error> {
    let state = ctx.offline_state()?;
    let parents = state.graph.ids(&parents(&state, args)?);
    write(ctx, &state, parents, &args.message, args.no_transaction)
}

/// The revisions a new revision revises: `--head`, else the single head.
pub(super) fn parents(state: &State, args: &NewArgs) -> Result<Vec<usize>, Error> {
    ops::new::parents(&state.graph, args.head.as_deref(), args.splice)
}

pub fn merge(ctx: &Context, args: &MergeArgs) -> Result<(), Error> {
    let state = ctx.offline_state()?;
    let parents = ops::new::merge_parents(&state.graph, &args.revisions)?;
    write(ctx, &state, state.graph.ids(&parents), &args.message, false)
}

fn write(
    ctx: &Context,
    state: &State,
    parents: Vec<RevisionId>,
    message: &str,
    no_transaction: bool,
) -> Result<(), Error> {
    let style = ctx.config.revision_style.value;
    let revision = NewRevision::next(&state.graph, style, parents, message, no_transaction);
    let template = ctx.config.template.as_ref().map(|t| t.value.as_path());
    let path = ops::new::write(&revision, &state.dir, template)?;
    ctx.shell.report(&NewView {
        revision: revision.id,
        parents: revision.parents,
        message: revision.message,
        file: path.display().to_string(),
    });
    Ok(())
}
