//! `test-roundtrip`: run every revision up, down and up again in a scratch database.

use crate::cli::Context;
use crate::config::DatabaseUrl;
use crate::db::scratch::{Scratch, ScratchSet};
use crate::error::Error;
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
}

pub async fn exec(ctx: &Context, args: &RoundtripArgs) -> Result<(), Error> {
    let source = ctx.load_source()?;
    // Broken files are reported before any database is created; the round trip runs them all.
    let state = crate::state::State::build(source.clone(), Vec::new())?;
    state.refuse_broken(state.graph.topological(), crate::plan::Direction::Up)?;
    let url = ctx.database_url()?;
    url.refuse_on_mysql("`test-roundtrip`")?;
    let scratches = ScratchSet::new();
    let scratch = scratches.create(&url).await?;
    scratches.set_main(&scratch);
    ctx.shell.detail("Scratch", scratch.describe());
    let options = roundtrip::Options {
        from: args.from.as_deref(),
        strict: args.strict,
    };
    let result = tokio::select! {
        result = run_in(ctx, &scratches, &url, scratch, &source, options) => result,
        _ = tokio::signal::ctrl_c() => Err(Error::Interrupted),
    };
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

async fn run_in(
    ctx: &Context,
    scratches: &ScratchSet,
    url: &DatabaseUrl,
    scratch: Scratch,
    source: &crate::source::MigrationSource,
    options: roundtrip::Options<'_>,
) -> Result<roundtrip::Report, Error> {
    let table = &ctx.config.version_table.value;
    let mut progress = ctx.shell.roundtrip_progress();
    roundtrip::run(
        scratches,
        url,
        scratch,
        source,
        table,
        options,
        &mut progress,
    )
    .await
}
