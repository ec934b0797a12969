//! The fleet flags of `up`, `down` and `current` (`--all-targets`, `--target`, `--targets-file`,
//! `--targets-query`, `--jobs`, `--fail-fast`): choose the targets, run [`crate::fleet`] over
//! them, report the table.

use std::path::PathBuf;

use crate::cli::Context;
use crate::config::SchemaList;
use crate::error::{ConfigError, Error};
use crate::fleet::targets::{self, TargetList};
use crate::fleet::{self, Fleet, FleetTarget};
use crate::output::{FleetRow, FleetView};
use crate::plan::Direction;

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
    /// True when the command runs on a fleet instead of the one configured database.
    pub fn selected(&self) -> bool {
        self.all_targets
            || !self.targets.is_empty()
            || self.targets_file.is_some()
            || self.targets_query.is_some()
            || self.schema_list().is_some()
    }

    fn schema_list(&self) -> Option<SchemaList> {
        match (&self.schemas[..], &self.schemas_query) {
            ([], None) => None,
            (_, Some(sql)) => Some(SchemaList::Query(sql.clone())),
            (names, None) => Some(SchemaList::Names(names.to_vec())),
        }
    }

    /// True when the command runs on the fleet; refuses `--jobs` or `--fail-fast` without
    /// targets, and `single_only` (a flag given that works on one database only) with them.
    pub fn runs_fleet(&self, single_only: Option<&str>) -> Result<bool, Error> {
        let refuse = |message: String| Err(ConfigError::Unsupported(message).into());
        match (self.selected(), single_only) {
            (true, Some(flag)) => refuse(format!(
                "`{flag}` works on one database; drop the fleet flags (`--all-targets`, `--target`, `--targets-file`, `--targets-query`)"
            )),
            (false, _) if self.jobs.is_some() || self.fail_fast => refuse(
                "`--jobs` and `--fail-fast` apply to a fleet: add `--all-targets`, `--target NAME`, `--targets-file` or `--targets-query`".into(),
            ),
            (selected, _) => Ok(selected),
        }
    }

    /// The targets, from the file, the query or the config, narrowed by `--target`.
    async fn resolve(&self, ctx: &Context) -> Result<Vec<FleetTarget>, Error> {
        let list = match (&self.targets_file, &self.targets_query) {
            (Some(file), _) => TargetList::File(file),
            (None, Some(sql)) => TargetList::Query {
                control: ctx.database_url()?,
                sql,
            },
            (None, None) if self.all_targets || !self.targets.is_empty() => TargetList::Config,
            (None, None) => TargetList::Database(ctx.database_url()?),
        };
        let schemas = self.schema_list();
        targets::resolve(list, &ctx.config, schemas.as_ref(), &self.targets).await
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
    let chosen = args.resolve(ctx).await?;
    let target = target.parse()?;
    let source = ctx.load_source()?;
    let run = args.fleet(ctx, &source, chosen.len());
    let rows = fleet::run::migrate(
        &run,
        &ctx.shell,
        &chosen,
        direction,
        &target,
        ignore_checksums,
    )
    .await;
    let command = match direction {
        Direction::Up => "up",
        Direction::Down => "down",
    };
    report(ctx, command, rows)
}

/// `current` on the selected targets: which is where.
pub async fn current(ctx: &Context, args: &FleetArgs) -> Result<(), Error> {
    let chosen = args.resolve(ctx).await?;
    let source = ctx.load_source()?;
    let run = args.fleet(ctx, &source, chosen.len());
    let rows = fleet::run::current(&run, &ctx.shell, &chosen).await;
    report(ctx, "current", rows)
}

/// The table (or document), then the verdict: its error names the failed targets.
fn report(ctx: &Context, command: &'static str, rows: Vec<FleetRow>) -> Result<(), Error> {
    let verdict = fleet::verdict(&rows);
    ctx.shell.report(&FleetView::new(command, rows));
    Ok(verdict?)
}
