//! `cargo brainmig config`: every resolved setting and its origin; passwords masked.

use crate::cli::Context;
use crate::error::Error;
use crate::output::ConfigView;

pub fn exec(ctx: &Context) -> Result<(), Error> {
    ctx.shell.report(&ConfigView::new(&ctx.config)?);
    Ok(())
}
