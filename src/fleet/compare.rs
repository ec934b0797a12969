//! `check` and `diff` over the fleet: each target's comparison exactly as the single-database
//! command makes it (`ops::autogen`), its scratch databases on that target's server, one row
//! per target. The comparisons are read-only: nothing here changes a target.

use std::time::Instant;

use super::run::{Fleet, bounded, failed, row};
use super::schemas;
use super::targets::FleetTarget;
use crate::db::Dialect;
use crate::error::Error;
use crate::ops::{self, autogen::Comparison, autogen::SchemaFile, autogen::Scratchpad};
use crate::output::{FleetActivity, FleetRow, Shell, TargetResult};
use crate::state::State;

/// `check` on every target: what the head builds (on the target's server) against the schema
/// file. `state` is the files alone, read once.
pub async fn check(
    fleet: &Fleet<'_>,
    shell: &Shell,
    targets: &[FleetTarget],
    state: &State,
    schema: &SchemaFile,
) -> Vec<FleetRow> {
    let doing = FleetActivity::looking("Checking");
    bounded(fleet, shell, targets, doing, |t, quiet| async move {
        let started = Instant::now();
        let config = schemas::config_for(fleet.config, t);
        let pad = scratchpad(fleet, &quiet, t, &config.version_table.value);
        let found = ops::autogen::check(&pad, state, schema, Dialect::of(&t.url)).await;
        let shown = schema.path.display().to_string();
        match found {
            Ok(found) if found.migration.is_empty() => {
                let detail = format!("matches `{shown}` ({} revision(s))", found.revisions);
                row(t, Vec::new(), Vec::new(), TargetResult::Ok, detail, started)
            }
            Ok(found) => failed(t, Vec::new(), Vec::new(), &differs(schema, &found), started),
            Err(e) => failed(t, Vec::new(), Vec::new(), &e, started),
        }
    })
    .await
}

/// `diff` on every target: the live database against what its recorded revisions build.
pub async fn diff(fleet: &Fleet<'_>, shell: &Shell, targets: &[FleetTarget]) -> Vec<FleetRow> {
    let doing = FleetActivity::looking("Comparing");
    bounded(fleet, shell, targets, doing, |t, quiet| async move {
        let started = Instant::now();
        let config = schemas::config_for(fleet.config, t);
        let result = async {
            let state = ops::connect::read_state(&quiet, &config, &t.url, fleet.waits.1).await?;
            let pad = scratchpad(fleet, &quiet, t, &config.version_table.value);
            let found = ops::autogen::drift(&pad, &state, Dialect::of(&t.url)).await?;
            Ok::<_, Error>((state, found))
        };
        match result.await {
            Ok((state, found)) => {
                let at = state.graph.ids(&state.applied.current(&state.graph));
                if found.migration.is_empty() {
                    let detail = "no drift".to_owned();
                    row(t, at.clone(), at, TargetResult::Ok, detail, started)
                } else {
                    let e = ops::autogen::drift_found(&found);
                    failed(t, at.clone(), at, &e, started)
                }
            }
            Err(e) => failed(t, Vec::new(), Vec::new(), &e, started),
        }
    })
    .await
}

/// Where `target`'s comparisons build: scratch databases on its server, in its schema (if any),
/// which is all its snapshots read.
fn scratchpad<'a>(
    fleet: &Fleet<'_>,
    shell: &'a Shell,
    target: &'a FleetTarget,
    table: &'a str,
) -> Scratchpad<'a> {
    Scratchpad {
        shell,
        url: &target.url,
        table,
        wait: fleet.waits.1,
        schema: target.schema.as_deref(),
    }
}

fn differs(schema: &SchemaFile, found: &Comparison) -> Error {
    ops::autogen::check_failed(schema, found)
}
