//! `new --autogenerate`, `check` and `diff`: the scratch-database work is in
//! [`crate::ops::autogen`]; here, arguments in and views out.

use super::fleet::FleetArgs;
use super::new::NewArgs;
use crate::cli::Context;
use crate::config::DatabaseUrl;
use crate::error::Error;
use crate::ops::autogen::{self, SchemaFile, Scratchpad};
use crate::output::{GeneratedView, UnchangedView, announce_notes};
use crate::scaffold::NewRevision;

/// `new --autogenerate -m MSG`.
pub async fn new(ctx: &Context, args: &NewArgs) -> Result<(), Error> {
    let state = ctx.offline_state()?;
    let parents = super::new::parents(&state, args)?;
    let schema = schema_file(ctx)?;
    let url = ctx.database_url()?;
    let m = autogen::generate(&pad(ctx, &url), &state, &parents, &schema, ctx.dialect()?).await?;
    announce_notes(&ctx.shell, &m);
    if m.is_empty() {
        ctx.shell.report(&UnchangedView::new(&schema.path, m.notes));
        return Ok(());
    }
    let (graph, style) = (&state.graph, ctx.config.revision_style.value);
    let revision = NewRevision::next(graph, style, graph.ids(&parents), &args.message, false);
    let path = autogen::write_revision(&state.dir, &revision, &m, &schema.path)?;
    let path = path.display().to_string();
    ctx.shell.report(&GeneratedView::new(&revision, path, &m));
    Ok(())
}

/// `check`: the revisions load, there is one head, and the schema file is what they build.
pub async fn check(ctx: &Context, fleet: &FleetArgs) -> Result<(), Error> {
    let state = ctx.offline_state()?;
    autogen::refuse_several_heads(&state)?;
    let schema = schema_file(ctx)?;
    if fleet.runs_fleet(None)? {
        return super::fleet::check(ctx, fleet, &state, &schema).await;
    }
    let url = ctx.database_url()?;
    let found = autogen::check(&pad(ctx, &url), &state, &schema, ctx.dialect()?).await?;
    let shown = schema.path.display();
    let heading = format!("`{shown}` (expected) and what the migrations build (found) differ:");
    let lint_errors = super::lint::for_check(ctx).await?;
    match autogen::report(&ctx.shell, &found, Some(shown.to_string()), heading) {
        true if lint_errors > 0 => Err(Error::LintFailed {
            errors: lint_errors,
        }),
        true => Ok(()),
        false => Err(autogen::check_failed(&schema, &found)),
    }
}

/// `diff`: the live database against what its recorded revisions build. Read-only.
pub async fn drift(ctx: &Context, fleet: &FleetArgs) -> Result<(), Error> {
    if fleet.runs_fleet(None)? {
        return super::fleet::diff(ctx, fleet).await;
    }
    let state = ctx.read_state().await?;
    autogen::refuse_missing_files(&state)?;
    let url = ctx.database_url()?;
    let found = autogen::drift(&pad(ctx, &url), &state, ctx.dialect()?).await?;
    let heading = "the recorded revisions (expected) and the database (found) differ:";
    match autogen::report(&ctx.shell, &found, None, heading.to_owned()) {
        true => Ok(()),
        false => Err(autogen::drift_found(&found)),
    }
}

fn schema_file(ctx: &Context) -> Result<SchemaFile, Error> {
    SchemaFile::read(ctx.config.schema.as_ref().map(|s| s.value.as_path()))
}

fn pad<'a>(ctx: &'a Context, url: &'a DatabaseUrl) -> Scratchpad<'a> {
    let table = &ctx.config.version_table.value;
    Scratchpad {
        shell: &ctx.shell,
        url,
        table,
        wait: ctx.wait,
        schema: None,
    }
}
