//! `cargo brainmig init`: the migrations folder, a template to edit, and the config to add
//! ([`ops::init`]).

use crate::cli::Context;
use crate::error::Error;
use crate::ops;

pub fn exec(ctx: &Context) -> Result<(), Error> {
    let view = ops::init::init(&ctx.shell, &ctx.config)?;
    ctx.shell.report(&view);
    if !ctx.shell.json_mode() {
        ctx.shell
            .note("next: `cargo brainmig new -m \"initial schema\"`");
    }
    Ok(())
}
