//! `up` (alias `upgrade`) and `down` (alias `downgrade`): run toward a target ([`ops::run`]), or
//! print the script of that run ([`ops::script`]).

use super::fleet::FleetArgs;
use crate::cli::Context;
use crate::error::Error;
use crate::ops::script::{self, Scripting};
use crate::ops::{self, run::RunOptions};
use crate::plan::Direction;

/// The flags `up` and `down` share.
#[derive(Debug, clap::Args)]
struct RunFlags {
    /// Print the SQL script instead of running it, from where the database is (read only), or
    /// with `FROM:TO` from FROM (no database needed). It is written for the configured URL's
    /// database, even with `FROM:TO`: for MySQL, give a `mysql://` URL (`FROM:TO` never connects).
    #[arg(long)]
    sql: bool,
    /// Run even if an applied revision's file changed since it was applied.
    #[arg(long)]
    ignore_checksums: bool,
    #[command(flatten)]
    fleet: FleetArgs,
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
}

pub async fn up(ctx: &Context, args: &UpArgs) -> Result<(), Error> {
    run_or_print(ctx, Direction::Up, &args.target, &args.flags).await
}

pub async fn down(ctx: &Context, args: &DownArgs) -> Result<(), Error> {
    run_or_print(ctx, Direction::Down, &args.target, &args.flags).await
}

async fn run_or_print(
    ctx: &Context,
    direction: Direction,
    target: &str,
    flags: &RunFlags,
) -> Result<(), Error> {
    let ignore = flags.ignore_checksums;
    if flags.fleet.runs_fleet(flags.sql.then_some("--sql"))? {
        return super::fleet::migrate(ctx, &flags.fleet, direction, target, ignore).await;
    }
    if flags.sql {
        let scripting = Scripting::new(&ctx.shell, &ctx.config, ctx.dialect()?, ctx.wait);
        let view = script::script(&scripting, direction, target, ignore).await?;
        ctx.shell.report(&view);
        return Ok(());
    }
    let target = target.parse()?;
    let table = &ctx.config.version_table.value;
    let options = RunOptions::new(direction, &target, ignore, table);
    let (conn, state) = ctx.connect_locked().await?;
    ctx.shell
        .report(&ops::run::run(&ctx.shell, conn, &state, &options).await?);
    Ok(())
}
