//! `squash --to REV`: one baseline revision in place of base..REV ([`ops::squash`]).

use std::path::PathBuf;

use crate::cli::Context;
use crate::error::Error;
use crate::ops::{self, autogen::Scratchpad, squash::SquashOptions};
use crate::output::SquashView;

#[derive(Debug, clap::Args)]
pub struct SquashArgs {
    /// The last revision to replace: every head must descend from it (`head` for all).
    #[arg(long, value_name = "REV")]
    to: String,
    /// Where the replaced files go (default: `squashed/` inside the migrations folder, which
    /// brainmig does not read).
    #[arg(long, value_name = "DIR", conflicts_with = "delete")]
    archive: Option<PathBuf>,
    /// Delete the replaced files instead of archiving them (git keeps them).
    #[arg(long)]
    delete: bool,
}

pub async fn exec(ctx: &Context, args: &SquashArgs) -> Result<(), Error> {
    let state = ctx.offline_state()?;
    let url = ctx.database_url()?;
    let pad = Scratchpad {
        shell: &ctx.shell,
        url: &url,
        table: &ctx.config.version_table.value,
        wait: ctx.wait,
        schema: None,
    };
    let archive = match (&args.archive, args.delete) {
        (_, true) => None,
        (Some(dir), false) => Some(dir.clone()),
        (None, false) => Some(state.dir.join("squashed")),
    };
    let options = SquashOptions {
        to: &args.to,
        style: ctx.config.revision_style.value,
        archive,
    };
    let squashed = ops::squash::squash(&pad, &state, ctx.dialect()?, &options).await?;
    ctx.shell.report(&SquashView::from(squashed));
    Ok(())
}
