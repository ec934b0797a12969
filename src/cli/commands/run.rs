//! `up` (alias `upgrade`) and `down` (alias `downgrade`): run toward a target ([`ops::run`]), or
//! print the script of that run ([`ops::script`]).

use crate::cli::Context;
use crate::error::Error;
use crate::ops::{self, run::RunOptions, script::Span};
use crate::plan::Direction;
use crate::state::State;

/// The flags `up` and `down` share.
#[derive(Debug, clap::Args)]
struct RunFlags {
    /// Print the SQL script instead of running it, from where the database is (read only), or
    /// with `FROM:TO` from FROM (no database needed).
    #[arg(long)]
    sql: bool,
    /// Run even if an applied revision's file changed since it was applied.
    #[arg(long)]
    ignore_checksums: bool,
}

#[derive(Debug, clap::Args)]
pub struct UpArgs {
    /// `head` (default), `heads`, a revision or unique prefix, or `+N`; with `--sql`, also `FROM:TO`.
    #[arg(
        default_value = "head",
        allow_negative_numbers = true,
        value_name = "TARGET"
    )]
    target: String,
    #[command(flatten)]
    flags: RunFlags,
    #[command(flatten)]
    fleet: super::fleet::FleetArgs,
}

#[derive(Debug, clap::Args)]
pub struct DownArgs {
    /// `-1` (default), `-N`, a revision to go back to, or `base`; with `--sql`, `FROM:TO`.
    #[arg(
        default_value = "-1",
        allow_negative_numbers = true,
        value_name = "TARGET"
    )]
    target: String,
    #[command(flatten)]
    flags: RunFlags,
    #[command(flatten)]
    fleet: super::fleet::FleetArgs,
}

pub async fn up(ctx: &Context, args: &UpArgs) -> Result<(), Error> {
    let (fleet, flags) = (&args.fleet, &args.flags);
    if fleet.runs_fleet(flags.sql.then_some("--sql"))? {
        return super::fleet::migrate(
            ctx,
            fleet,
            Direction::Up,
            &args.target,
            flags.ignore_checksums,
        )
        .await;
    }
    run_or_print(ctx, Direction::Up, &args.target, flags).await
}

pub async fn down(ctx: &Context, args: &DownArgs) -> Result<(), Error> {
    let (fleet, flags) = (&args.fleet, &args.flags);
    if fleet.runs_fleet(flags.sql.then_some("--sql"))? {
        return super::fleet::migrate(
            ctx,
            fleet,
            Direction::Down,
            &args.target,
            flags.ignore_checksums,
        )
        .await;
    }
    run_or_print(ctx, Direction::Down, &args.target, flags).await
}

async fn run_or_print(
    ctx: &Context,
    direction: Direction,
    target: &str,
    flags: &RunFlags,
) -> Result<(), Error> {
    let table = &ctx.config.version_table.value;
    if flags.sql {
        let span = Span::parse(target);
        let rows = match span.from {
            None => ops::script::database_rows(&ctx.shell, &ctx.database_url()?, table).await?,
            Some(_) => Vec::new(),
        };
        let state = State::build(ctx.load_source()?, rows)?;
        let (dialect, ignore) = (ctx.dialect()?, flags.ignore_checksums);
        let view = ops::script::build(
            &ctx.shell,
            &state,
            (dialect, table),
            direction,
            span,
            ignore,
        )?;
        ctx.shell.report(&view);
        return Ok(());
    }
    let target = target.parse()?;
    let options = RunOptions {
        direction,
        target: &target,
        ignore_checksums: flags.ignore_checksums,
        table,
    };
    let (conn, state) = ctx.connect_locked().await?;
    ctx.shell
        .report(&ops::run::run(&ctx.shell, conn, &state, &options).await?);
    Ok(())
}
