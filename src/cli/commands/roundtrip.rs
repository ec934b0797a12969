//! `test-roundtrip`: run every revision up, down and up again in a scratch database.

use crate::cli::Context;
use crate::db::Connection;
use crate::db::scratch::Scratch;
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
}

pub async fn exec(ctx: &Context, args: &RoundtripArgs) -> Result<(), Error> {
    let source = ctx.load_source()?;
    // Broken files are reported before any database is created; the round trip runs them all.
    let state = crate::state::State::build(source.clone(), Vec::new())?;
    state.refuse_broken(state.graph.topological(), crate::plan::Direction::Up)?;
    let url = ctx.database_url()?;
    let scratch = Scratch::create(&url).await?;
    ctx.shell.detail("Scratch", scratch.describe());
    let result = tokio::select! {
        result = run_in(ctx, &scratch, &source, args.from.as_deref()) => result,
        _ = tokio::signal::ctrl_c() => Err(Error::Interrupted),
    };
    // Dropping the run's future closed its connections; the drop below forces out any leftover.
    if args.keep {
        ctx.shell
            .status("Kept", format_args!("scratch {}", scratch.describe()));
    } else {
        scratch.drop_now().await;
    }
    let report = result?;
    let view = RoundtripView::new(&report);
    match ctx.format {
        Format::Json => ctx
            .shell
            .json(&serde_json::to_value(&report).unwrap_or_default()),
        Format::Text => ctx.shell.out(&view.table()),
    }
    ctx.shell.status("Finished", view.summary());
    match report.failures() {
        0 => Ok(()),
        failed => Err(Error::RoundtripFailed { failed }),
    }
}

async fn run_in(
    ctx: &Context,
    scratch: &Scratch,
    source: &crate::source::MigrationSource,
    from: Option<&str>,
) -> Result<roundtrip::Report, Error> {
    let mut conn = Connection::open(&scratch.url()).await?;
    let table = &ctx.config.version_table.value;
    conn.ensure_version_table(table).await?;
    let mut progress = ctx.shell.roundtrip_progress();
    let report = roundtrip::run(&mut conn, source, table, from, &mut progress).await;
    conn.close().await;
    report
}
