//! The fleet flags that `up`, `down`, `current`, `check`, `diff` and `test-roundtrip` share
//! (`--all-targets`, `--target`, `--targets-file`, `--targets-query`, `--schemas`,
//! `--schemas-query`, `--jobs`, `--fail-fast`): which targets they choose and how a fleet runs.

use std::path::PathBuf;

use crate::cli::Context;
use crate::error::Error;
use crate::fleet::targets::Selection;
use crate::fleet::{self, Fleet, FleetTarget};

/// Many databases in one run; see the guide's "Fleets" page (docs/src/fleets.md).
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

    pub(crate) async fn resolve(&self, ctx: &Context) -> Result<Vec<FleetTarget>, Error> {
        self.selection()
            .resolve(&ctx.config, || ctx.database_url())
            .await
    }

    pub(crate) fn fleet<'a>(
        &self,
        ctx: &'a Context,
        sources: &'a fleet::Sources,
        targets: usize,
    ) -> Fleet<'a> {
        Fleet {
            config: &ctx.config,
            sources,
            waits: (ctx.lock_timeout, ctx.wait),
            jobs: fleet::effective_jobs(self.jobs.map(usize::from), targets),
            fail_fast: self.fail_fast,
        }
    }
}
