//! Read-only commands: `current`, `heads`, `branches`, `show` (`history` has its own file).

use crate::cli::Context;
use crate::error::Error;
use crate::graph::Target;
use crate::output::{BranchesView, RevisionList, ShowView, Verbosity, warn_about_state};

#[derive(Debug, clap::Args)]
pub struct CurrentArgs {
    /// Exit 5 when revisions are pending, 6 when the database has revisions these migrations
    /// do not know: "is the schema exactly what this build expects?"
    #[arg(long)]
    check: bool,
    #[command(flatten)]
    fleet: super::fleet::FleetArgs,
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The revision (id or unique prefix; `head` for the single head).
    #[arg(value_name = "REV")]
    revision: String,
}

pub async fn current(ctx: &Context, args: &CurrentArgs) -> Result<(), Error> {
    if args.fleet.runs_fleet(args.check.then_some("--check"))? {
        return super::fleet::current(ctx, &args.fleet).await;
    }
    let state = ctx.read_state().await?;
    let current = state.applied.current(&state.graph);
    let view = RevisionList::new(&state, "current", &current);
    view.report(&ctx.shell, "<base> (nothing applied)");
    if let Some(note) = ctx.embedded_default_note(state.applied.revisions.is_empty()) {
        ctx.shell.note(note);
    }
    if args.check {
        // The verdict is the error (exit 5 or 6), not a warning.
        return crate::migrator::verdict(&crate::migrator::Status::of(&state)?);
    }
    warn_about_state(&ctx.shell, &state);
    Ok(())
}

pub async fn heads(ctx: &Context) -> Result<(), Error> {
    let state = ctx.read_state().await?;
    let view = RevisionList::new(&state, "heads", &state.graph.heads());
    view.report(&ctx.shell, "no revisions yet");
    Ok(())
}

pub async fn branches(ctx: &Context) -> Result<(), Error> {
    let state = ctx.read_state().await?;
    let mut view = BranchesView::new(&state);
    view.verbose = ctx.shell.verbosity() == Verbosity::Verbose;
    ctx.shell.report(&view);
    Ok(())
}

pub async fn show(ctx: &Context, args: &ShowArgs) -> Result<(), Error> {
    let state = ctx.read_state().await?;
    let i = state.graph.resolve_one(&args.revision.parse::<Target>()?)?;
    ctx.shell.report(&ShowView::new(&state, i));
    Ok(())
}
