//! `test-roundtrip`: run every revision up, down and up again in a scratch database.

use crate::cli::Context;
use crate::db::scratch::ScratchSet;
use crate::error::Error;
use crate::ops::connect::waiting_for;
use crate::output::{Format, RoundtripView};
use crate::roundtrip;

#[derive(Debug, clap::Args)]
pub struct RoundtripArgs {
    /// Apply the revisions before REV without checks, then test from REV on.
    #[arg(long, value_name = "REV")]
    from: Option<String>,
    /// Keep the scratch database afterwards and print its name.
    #[arg(long)]
    keep: bool,
    /// Fail a revision whose only difference is the order of a table's columns.
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    fleet: super::fleet::FleetArgs,
}

pub async fn exec(ctx: &Context, args: &RoundtripArgs) -> Result<(), Error> {
    let source = ctx.load_source()?;
    // Broken files are reported before any database is created; the round trip runs them all.
    let state = crate::state::State::build(source.clone(), Vec::new())?;
    state.refuse_broken(state.graph.topological(), crate::plan::Direction::Up)?;
    let url = match args.fleet.runs_fleet(None)? {
        true => super::fleet::roundtrip_server(ctx, &args.fleet).await?,
        false => ctx.database_url()?,
    };
    let scratches = ScratchSet::new();
    // The first scratch database proves the server is up; the later ones need no `--wait`.
    let scratch = waiting_for(&ctx.shell, ctx.wait, || scratches.create(&url)).await?;
    scratches.set_main(&scratch);
    ctx.shell.detail("Scratch", scratch.describe());
    let options = roundtrip::Options {
        from: args.from.as_deref(),
        strict: args.strict,
    };
    let table = &ctx.config.version_table.value;
    let mut progress = ctx.shell.roundtrip_progress();
    let run = roundtrip::run(
        &scratches,
        &url,
        scratch,
        &source,
        table,
        options,
        &mut progress,
    );
    let result = tokio::select! {
        result = run => result,
        _ = tokio::signal::ctrl_c() => Err(Error::Interrupted),
    };
    drop(progress);
    // Dropping the run's future closed its connections; the drops below force out any leftover.
    if let Some(kept) = scratches.finish(args.keep).await {
        ctx.shell
            .status("Kept", format_args!("scratch {}", kept.describe()));
    }
    let report = result?;
    let view = RoundtripView::new(&report);
    match ctx.format {
        Format::Json => ctx
            .shell
            .json(&serde_json::to_value(&report).unwrap_or_default()),
        Format::Text | Format::Github | Format::Dot => ctx.shell.out(&view.table()),
    }
    ctx.shell.status("Finished", view.summary());
    match report.failures() {
        0 => Ok(()),
        failed => Err(Error::RoundtripFailed { failed }),
    }
}
