//! `up`, `down`, `current`, `check`, `diff` and `test-roundtrip` on a fleet (chosen by the flags
//! in `cli/fleet_args.rs`): run [`crate::fleet`] over the targets, report the table.

use crate::cli::Context;
pub use crate::cli::fleet_args::FleetArgs;
use crate::config::DatabaseUrl;
use crate::error::{ConfigError, Error};
use crate::fleet::{self, Work};
use crate::ops::autogen::SchemaFile;
use crate::output::FleetView;
use crate::plan::Direction;
use crate::state::State;

/// `up` or `down` on the selected targets.
pub async fn migrate(
    ctx: &Context,
    args: &FleetArgs,
    direction: Direction,
    target: &str,
    ignore_checksums: bool,
) -> Result<(), Error> {
    let target = target.parse()?;
    let work = Work::Migrate {
        direction,
        target: &target,
        ignore_checksums,
    };
    over(ctx, args, work).await
}

/// `current` on the selected targets: which is where.
pub async fn current(ctx: &Context, args: &FleetArgs) -> Result<(), Error> {
    over(ctx, args, Work::Current).await
}

/// `check` on the selected targets (the files and the schema file read once).
pub async fn check(
    ctx: &Context,
    args: &FleetArgs,
    state: &State,
    schema: &SchemaFile,
) -> Result<(), Error> {
    over(ctx, args, Work::Check { state, schema }).await
}

/// `diff` on the selected targets.
pub async fn diff(ctx: &Context, args: &FleetArgs) -> Result<(), Error> {
    over(ctx, args, Work::Diff).await
}

/// Chooses the targets, does `work` on each, reports the table (or document), then the
/// verdict: its error names the failed targets.
async fn over(ctx: &Context, args: &FleetArgs, work: Work<'_>) -> Result<(), Error> {
    let chosen = args.resolve(ctx).await?;
    let sources = fleet::Sources::read(&chosen, |lexicon| ctx.load_source_as(lexicon))?;
    let run = args.fleet(ctx, &sources, chosen.len());
    let rows = fleet::perform(&run, &ctx.shell, &chosen, &work).await;
    let verdict = fleet::verdict(&rows);
    ctx.shell.report(&FleetView::new(work.command(), rows));
    Ok(verdict?)
}

/// `test-roundtrip` with fleet flags: the database its scratch databases go beside, the first
/// target's (the round trip does not depend on the target, so it runs once).
pub async fn roundtrip_server(ctx: &Context, args: &FleetArgs) -> Result<DatabaseUrl, Error> {
    let chosen = args.resolve(ctx).await?;
    let first = chosen
        .first()
        .ok_or_else(|| ConfigError::Unsupported("no targets".into()))?;
    ctx.shell.note(format_args!(
        "test-roundtrip runs once, not per target: its scratch databases are on the server of target `{}`",
        first.name
    ));
    Ok(first.url.clone())
}
