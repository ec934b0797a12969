//! `renumber`: move one branch after another ([`ops::renumber`]), once the configured database
//! (when it can be read) confirms none of it is applied there.

use crate::cli::Context;
use crate::error::Error;
use crate::ops;
use crate::output::RenumberView;

#[derive(Debug, clap::Args)]
pub struct RenumberArgs {
    /// The first revision of the branch to move (id or unique prefix; its file's path when two
    /// files share the id). It and everything after it move.
    #[arg(value_name = "REV|FILE")]
    start: String,
    /// The revision to put the branch after (default: the only other head).
    #[arg(long, value_name = "REV")]
    onto: Option<String>,
}

pub async fn exec(ctx: &Context, args: &RenumberArgs) -> Result<(), Error> {
    let source = ctx.load_source()?;
    let moves = ops::renumber::plan(&source.files, &args.start, args.onto.as_deref())?;
    let table = &ctx.config.version_table.value;
    match ops::script::read_rows(&ctx.shell, &ctx.database_url()?, table, ctx.wait).await {
        Ok(rows) => ops::renumber::refuse_applied(&moves, &source.files, &rows)?,
        Err(e) => ctx.shell.warn(format_args!(
            "cannot read the configured database ({e}); renumber only revisions that no database has applied"
        )),
    }
    ops::renumber::apply(&moves)?;
    ctx.shell.report(&RenumberView { moved: moves });
    Ok(())
}
