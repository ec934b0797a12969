//! `import`: write brainmig revisions from another tool's migrations and, with a database
//! configured, take over its version table ([`ops::import`]).

use std::path::PathBuf;

use crate::cli::Context;
use crate::error::Error;
use crate::import::Tool;
use crate::ops::{self, import::Importer};

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The tool whose migrations to import.
    #[arg(value_enum, value_name = "TOOL")]
    tool: Tool,
    /// The tool's migrations folder (default: `migrations/`; for dbmate `db/migrations/`; for
    /// Alembic the folder with `alembic.ini`, or the script location itself).
    #[arg(long, value_name = "DIR")]
    from: Option<PathBuf>,
    /// Print the files it would write and the revisions it would record; change nothing.
    #[arg(long)]
    dry_run: bool,
}

pub async fn exec(ctx: &Context, args: &ImportArgs) -> Result<(), Error> {
    let importer = Importer {
        shell: &ctx.shell,
        config: &ctx.config,
        lock_timeout: ctx.lock_timeout,
        wait: ctx.wait,
    };
    ops::import::import(&importer, args.tool, args.from.as_deref(), args.dry_run).await
}
