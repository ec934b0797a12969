//! `database create|drop|reset`: the configured database's own life, as sqlx-cli and diesel
//! offer it. Asking before a drop is here; what may be dropped is decided in
//! [`ops::database`].

use std::io::{BufRead, IsTerminal, Write};

use crate::cli::Context;
use crate::config::DatabaseUrl;
use crate::error::Error;
use crate::ops::database::{self, DatabaseError, Outcome};
use crate::ops::{self, run::RunOptions};
use crate::plan::Direction;

#[derive(Debug, clap::Subcommand)]
pub enum DatabaseCommand {
    /// Create the configured database (a SQLite file: an empty file); exit 0 if it exists.
    Create,
    /// Drop the configured database; asks first unless `--yes`.
    ///
    /// Refuses the server's maintenance databases (`postgres`, `template0`, `template1`). Exit
    /// 0 if it does not exist.
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
    /// PostgreSQL: end the other sessions on the database first (`DROP DATABASE ... WITH (FORCE)`).
    #[arg(long)]
    force: bool,
}

pub async fn exec(ctx: &Context, command: &DatabaseCommand) -> Result<(), Error> {
    let url = ctx.database_url()?;
    match command {
        DatabaseCommand::Create => {
            let outcome = database::create(&url, ctx.wait).await?;
            report(ctx, &url, outcome, true);
        }
        DatabaseCommand::Drop(args) => {
            database::check_droppable(&url, "drop")?;
            confirm(&url, "drop", args.yes)?;
            let outcome = database::drop(&url, args.force, ctx.wait).await?;
            report(ctx, &url, outcome, true);
        }
        DatabaseCommand::Reset(args) => {
            database::check_droppable(&url, "reset")?;
            // A folder that cannot be read would leave an empty database behind: read it first.
            ctx.load_source()?;
            confirm(&url, "reset", args.yes)?;
            let dropped = database::drop(&url, args.force, ctx.wait).await?;
            report(ctx, &url, dropped, false);
            let created = database::create(&url, None).await?;
            report(ctx, &url, created, false);
            let target = "head".parse()?;
            let options = RunOptions {
                direction: Direction::Up,
                target: &target,
                ignore_checksums: false,
                table: &ctx.config.version_table.value,
            };
            let (conn, state) = ctx.connect_locked().await?;
            ctx.shell
                .report(&ops::run::run(&ctx.shell, conn, &state, &options).await?);
        }
    }
    Ok(())
}

/// Says what happened; `json_document` is false for `reset`'s steps, whose one JSON document is
/// the `up` report.
fn report(ctx: &Context, url: &DatabaseUrl, outcome: Outcome, json_document: bool) {
    if ctx.shell.json_mode() && json_document {
        ctx.shell
            .json(&serde_json::json!({ "database": url.redacted(), "outcome": outcome }));
        return;
    }
    if ctx.shell.json_mode() {
        return;
    }
    match outcome {
        Outcome::Created => ctx.shell.status("Created", url),
        Outcome::Dropped => ctx.shell.status("Dropped", url),
        Outcome::AlreadyExists => ctx.shell.note(format_args!("{url} exists already")),
        Outcome::DidNotExist => ctx.shell.note(format_args!("{url} does not exist")),
    }
}

/// Asks on the terminal; without one, only `--yes` lets the command go on.
#[allow(clippy::print_stderr)] // The question must be seen even with `--quiet`.
fn confirm(url: &DatabaseUrl, action: &'static str, yes: bool) -> Result<(), Error> {
    if yes {
        return Ok(());
    }
    let url = url.redacted();
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(DatabaseError::NotConfirmed { action, url }.into());
    }
    eprint!("{action} {url}? Every table and row in it will be lost. [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = stdin.lock().read_line(&mut answer);
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => Err(DatabaseError::Declined { url }.into()),
    }
}
