//! `lint [REV...] [--all]`: arguments in, [`crate::ops::lint`] called, the report out.

use crate::cli::Context;
use crate::error::Error;
use crate::lint::Severity;
use crate::ops::lint::{self, Linting};
use crate::output::{Format, LintView};

#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Revisions to lint (ids or unique prefixes). Default: those the configured database has
    /// not applied, or every revision when no database answers.
    #[arg(value_name = "REV")]
    revisions: Vec<String>,
    /// Lint every revision, applied or not.
    #[arg(long, conflicts_with = "revisions")]
    all: bool,
}

/// `lint`: exit 7 when a finding at error severity remains.
pub async fn exec(ctx: &Context, args: &LintArgs) -> Result<(), Error> {
    let report = lint::run(&linting(ctx), &args.revisions, args.all).await?;
    let errors = report.count(Severity::Error);
    ctx.shell
        .report(&LintView::new(report, ctx.format == Format::Github));
    match errors {
        0 => Ok(()),
        errors => Err(Error::LintFailed { errors }),
    }
}

/// For `check`: see [`lint::for_check`].
pub async fn for_check(ctx: &Context) -> Result<usize, Error> {
    lint::for_check(&linting(ctx)).await
}

fn linting(ctx: &Context) -> Linting<'_> {
    Linting {
        shell: &ctx.shell,
        config: &ctx.config,
        wait: ctx.wait,
    }
}
