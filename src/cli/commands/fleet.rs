//! The fleet flags of `up`, `down`, `current`, `check`, `diff` and `test-roundtrip` (`--all-targets`, `--target`, `--targets-file`,
//! `--targets-query`, `--jobs`, `--fail-fast`): choose the targets, run [`crate::fleet`] over
//! them, report the table.

use std::path::PathBuf;

use crate::cli::Context;
use crate::config::DatabaseUrl;
use crate::error::{ConfigError, Error};
use crate::fleet::targets::{self, Selection};
use crate::fleet::{self, Fleet, FleetTarget, Work};
use crate::ops::autogen::SchemaFile;
use crate::output::FleetView;
use crate::plan::Direction;
use crate::state::State;

/// Many databases in one run; see the README's "Fleets".
#[derive(Debug, Default, clap::Args)]
#[command(next_help_heading = "Fleet (many databases)")]
pub struct FleetArgs {
    /// Run on every target of `[package.metadata.brainmig.targets]` (or of the targets file or
    /// query).
    #[arg(long)]
    all_targets: bool,
    /// Run on the targets of this name; repeatable, globs like `tenant-*` allowed.
    #[arg(long = "target", value_name = "NAME")]
    targets: Vec<String>,
    /// Targets from a file: one database URL per line, `#` comments; alone, all of them.
    #[arg(long, value_name = "FILE", conflicts_with = "targets_query")]
    targets_file: Option<PathBuf>,
    /// Targets from a query on `--database-url`, whose first column is a URL (as text); alone,
    /// all of them.
    #[arg(long, value_name = "SQL")]
    targets_query: Option<String>,
    /// Schema-per-tenant: these schemas of each target (or of the configured database) are each
    /// a target, with its own version table and `search_path`; comma-separated.
    #[arg(
        long,
        value_name = "NAMES",
        value_delimiter = ',',
        conflicts_with = "schemas_query"
    )]
    schemas: Vec<String>,
    /// Schema-per-tenant: the schemas are the first column of this query, run on each target
    /// (or on the configured database).
    #[arg(long, value_name = "SQL")]
    schemas_query: Option<String>,
    /// How many targets to work on at once (default 4; never more than there are targets).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Start no further target once one has failed (those running finish).
    #[arg(long)]
    fail_fast: bool,
}

impl FleetArgs {
    /// The flags that choose the targets, for [`fleet::targets::Selection::resolve`].
    fn selection(&self) -> Selection<'_> {
        Selection {
            all: self.all_targets,
            patterns: &self.targets,
            file: self.targets_file.as_deref(),
            query: self.targets_query.as_deref(),
            schema_names: &self.schemas,
            schemas_query: self.schemas_query.as_deref(),
        }
    }

    /// True when the command runs on the fleet; refuses `--jobs` or `--fail-fast` without
    /// targets, and `single_only` (a flag given that works on one database only) with them.
    pub fn runs_fleet(&self, single_only: Option<&str>) -> Result<bool, Error> {
        let tuned = self.jobs.is_some() || self.fail_fast;
        Ok(self.selection().runs_fleet(tuned, single_only)?)
    }

    async fn resolve(&self, ctx: &Context) -> Result<Vec<FleetTarget>, Error> {
        self.selection()
            .resolve(&ctx.config, || ctx.database_url())
            .await
    }

    fn fleet<'a>(
        &self,
        ctx: &'a Context,
        source: &'a crate::source::MigrationSource,
        targets: usize,
    ) -> Fleet<'a> {
        Fleet {
            config: &ctx.config,
            source,
            waits: (ctx.lock_timeout, ctx.wait),
            jobs: fleet::effective_jobs(self.jobs.map(usize::from), targets),
            fail_fast: self.fail_fast,
        }
    }
}

/// `up` or `down` on the selected targets.
pub async fn migrate(
    ctx: &Context,
    args: &FleetArgs,
    direction: Direction,
    target: &str,
    ignore_checksums: bool,
) -> Result<(), Error> {
    let target = target.parse()?;
    let work = Work::Migrate {
        direction,
        target: &target,
        ignore_checksums,
    };
    over(ctx, args, work).await
}

/// `current` on the selected targets: which is where.
pub async fn current(ctx: &Context, args: &FleetArgs) -> Result<(), Error> {
    over(ctx, args, Work::Current).await
}

/// `check` on the selected targets (the files and the schema file read once).
pub async fn check(
    ctx: &Context,
    args: &FleetArgs,
    state: &State,
    schema: &SchemaFile,
) -> Result<(), Error> {
    over(ctx, args, Work::Check { state, schema }).await
}

/// `diff` on the selected targets.
pub async fn diff(ctx: &Context, args: &FleetArgs) -> Result<(), Error> {
    over(ctx, args, Work::Diff).await
}

/// Chooses the targets, does `work` on each, reports the table (or document), then the
/// verdict: its error names the failed targets.
async fn over(ctx: &Context, args: &FleetArgs, work: Work<'_>) -> Result<(), Error> {
    let chosen = args.resolve(ctx).await?;
    let source = ctx.load_source_as(targets::lexicon(&chosen)?)?;
    let run = args.fleet(ctx, &source, chosen.len());
    let rows = fleet::perform(&run, &ctx.shell, &chosen, &work).await;
    let verdict = fleet::verdict(&rows);
    ctx.shell.report(&FleetView::new(work.command(), rows));
    Ok(verdict?)
}

/// `test-roundtrip` with fleet flags: the database its scratch databases go beside, the first
/// target's (the round trip does not depend on the target, so it runs once).
pub async fn roundtrip_server(ctx: &Context, args: &FleetArgs) -> Result<DatabaseUrl, Error> {
    let chosen = args.resolve(ctx).await?;
    let first = chosen
        .first()
        .ok_or_else(|| ConfigError::Unsupported("no targets".into()))?;
    ctx.shell.note(format_args!(
        "test-roundtrip runs once, not per target: its scratch databases are on the server of target `{}`",
        first.name
    ));
    Ok(first.url.clone())
}
