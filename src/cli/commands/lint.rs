//! `lint [REV...] [--all]`: arguments in, [`crate::lint`] called, the report out. Also the lint
//! pass `check` runs.

use std::collections::BTreeSet;

use crate::cli::Context;
use crate::config::UrlOrigin;
use crate::error::Error;
use crate::lint::{self, LintConfig, Report, Severity, target};
use crate::output::{Format, LintView};
use crate::state::State;

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
    let report = run(ctx, &args.revisions, args.all).await?;
    let errors = report.count(Severity::Error);
    ctx.shell
        .report(&LintView::new(report, ctx.format == Format::Github));
    match errors {
        0 => Ok(()),
        errors => Err(Error::LintFailed { errors }),
    }
}

/// For `check`: the default selection linted, each finding one line on stderr; the number of
/// findings at error severity.
pub async fn for_check(ctx: &Context) -> Result<usize, Error> {
    let report = run(ctx, &[], false).await?;
    for f in &report.findings {
        let line = format!(
            "{}[{} {}]: {} at {}:{}:{}",
            f.severity.as_str(),
            f.code,
            f.name,
            f.detail,
            f.file,
            f.line,
            f.column
        );
        match f.severity {
            Severity::Error | Severity::Warning => ctx.shell.warn(line),
            Severity::Style => ctx.shell.note(line),
        }
    }
    Ok(report.count(Severity::Error))
}

async fn run(ctx: &Context, revisions: &[String], all: bool) -> Result<Report, Error> {
    let config = match &ctx.config.lint {
        Some((value, table, manifest)) => LintConfig::read(value, table, manifest)?,
        None => LintConfig::default(),
    };
    let (url, origin) = ctx.config.database_url()?;
    if matches!(url, crate::config::DatabaseUrl::Sqlite(_)) && origin != UrlOrigin::EmbeddedDefault
    {
        ctx.shell.note(
            "lint's rules are written for PostgreSQL; on SQLite most of its dangers do not apply",
        );
    }
    // The embedded default is a development file, not the database the revisions go to.
    let url = (origin != UrlOrigin::EmbeddedDefault).then_some(url);
    let table = &ctx.config.version_table.value;
    let reading = target::read(url.as_ref(), table, config.target_version).await;
    let state = State::build(ctx.load_source()?, reading.rows)?;
    ctx.warn_broken(&state, &[]);
    let with_file = |i: &usize| state.files[*i].is_some();
    let every: BTreeSet<usize> = state
        .graph
        .topological()
        .iter()
        .copied()
        .filter(with_file)
        .collect();
    let selected: BTreeSet<usize> = if !revisions.is_empty() {
        let mut chosen = BTreeSet::new();
        for text in revisions {
            chosen.insert(state.graph.find_prefix(text)?);
        }
        chosen
    } else if all {
        every
    } else if let Some(why) = &reading.unreachable {
        ctx.shell
            .note(format_args!("{why}: linting every revision"));
        every
    } else {
        every
            .into_iter()
            .filter(|i| !state.applied.revisions.contains(i))
            .collect()
    };
    Ok(lint::run(&state, &selected, &reading.target, &config))
}
