//! `database create|drop|reset`: the configured database's own life, as sqlx-cli and diesel
//! offer it. What may be dropped is decided in [`ops::database`]; the question is asked here.

use crate::cli::Context;
use crate::config::DatabaseUrl;
use crate::error::Error;
use crate::ops::database::{self, DatabaseError};
use crate::ops::{self, run::RunOptions};
use crate::output::{Answer, DatabaseView, View, ask};
use crate::plan::Direction;

#[derive(Debug, clap::Subcommand)]
pub enum DatabaseCommand {
    /// Create the configured database (a SQLite file: an empty file); exit 0 if it exists.
    Create,
    /// Drop the configured database; asks first unless `--yes`.
    ///
    /// Refuses the server's own databases (`postgres`, `template0`, `template1`; MySQL's `mysql`,
    /// `information_schema`, `performance_schema`, `sys`). Exit 0 if it does not exist.
    Drop(DropArgs),
    /// Drop the configured database, create it again and apply every revision (`up`); asks
    /// first unless `--yes`.
    Reset(DropArgs),
}

#[derive(Debug, clap::Args)]
pub struct DropArgs {
    /// Do not ask (needed when standard input is not a terminal).
    #[arg(short, long)]
    yes: bool,
    /// End the other sessions on the database first (PostgreSQL: `WITH (FORCE)`; MySQL: `KILL`).
    #[arg(long)]
    force: bool,
}

pub async fn exec(ctx: &Context, command: &DatabaseCommand) -> Result<(), Error> {
    let url = ctx.database_url()?;
    let view = |outcome| DatabaseView {
        database: url.redacted(),
        outcome,
    };
    let (action, args) = match command {
        DatabaseCommand::Create => {
            ctx.shell
                .report(&view(database::create(&url, ctx.wait).await?));
            return Ok(());
        }
        DatabaseCommand::Drop(args) => ("drop", args),
        DatabaseCommand::Reset(args) => ("reset", args),
    };
    database::check_droppable(&url, action)?;
    // A folder that cannot be read would leave `reset` with an empty database: read it first.
    if action == "reset" {
        ctx.load_source()?;
    }
    confirm(&url, action, args.yes)?;
    let dropped = view(database::drop(&url, args.force, ctx.wait).await?);
    if action == "drop" {
        ctx.shell.report(&dropped);
        return Ok(());
    }
    // `reset`: status lines for its steps; its one JSON document is the `up` report.
    dropped.status(&ctx.shell);
    view(database::create(&url, None).await?).status(&ctx.shell);
    let options = RunOptions {
        direction: Direction::Up,
        target: &"head".parse()?,
        ignore_checksums: false,
        table: &ctx.config.version_table.value,
    };
    let (conn, state) = ctx.connect_locked().await?;
    ctx.shell
        .report(&ops::run::run(&ctx.shell, conn, &state, &options).await?);
    Ok(())
}

fn confirm(url: &DatabaseUrl, action: &'static str, yes: bool) -> Result<(), Error> {
    let url = url.redacted();
    let question = format!("{action} {url}? Every table and row in it will be lost.");
    match if yes { Answer::Yes } else { ask(&question) } {
        Answer::Yes => Ok(()),
        Answer::NoTerminal => Err(DatabaseError::NotConfirmed { action, url }.into()),
        Answer::No => Err(DatabaseError::Declined { url }.into()),
    }
}
