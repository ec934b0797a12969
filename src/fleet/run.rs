//! Running a command over the fleet: each target exactly as the single-database command runs it
//! (`ops::connect` opens and locks it, `ops::run` plans and applies), several at once but never
//! more than `--jobs`, each reporting into its own quiet shell so their output cannot interleave.

use std::future::Future;
use std::time::{Duration, Instant};

use futures_util::stream::{FuturesUnordered, StreamExt};

use super::schemas;
use super::sources::Sources;
use super::targets::FleetTarget;
use crate::config::{Config, UrlOrigin};
use crate::error::Error;
use crate::graph::Target;
use crate::migrator::Status;
use crate::ops::{self, run::RunOptions};
use crate::output::{
    FleetActivity, FleetRow, Shell, TargetResult, Verbosity, error_json, revisions_text,
};
use crate::plan::{AppliedSet, Direction};
use crate::source::RevisionId;
use crate::state::State;

/// What every target's run shares.
pub struct Fleet<'a> {
    /// The project's settings (version table, migrations folder).
    pub config: &'a Config,
    /// The migrations, read once per lexicon the targets need.
    pub sources: &'a Sources,
    /// `--lock-timeout` and `--wait`, per target.
    pub waits: (Option<Duration>, Option<Duration>),
    /// `--jobs`: how many targets at once.
    pub jobs: usize,
    /// `--fail-fast`: start no further target after one fails.
    pub fail_fast: bool,
}

/// `up` or `down` on every target; returns one row per target, in no particular order.
pub async fn migrate(
    fleet: &Fleet<'_>,
    shell: &Shell,
    targets: &[FleetTarget],
    direction: Direction,
    target: &Target,
    ignore_checksums: bool,
) -> Vec<FleetRow> {
    let options = RunOptions {
        direction,
        target,
        ignore_checksums,
        table: &fleet.config.version_table.value,
    };
    let doing = FleetActivity::migrating(direction);
    bounded(fleet, shell, targets, doing, |t, quiet| {
        migrate_one(fleet, quiet, t, &options)
    })
    .await
}

/// `current` on every target: where each is and what is pending.
pub async fn current(fleet: &Fleet<'_>, shell: &Shell, targets: &[FleetTarget]) -> Vec<FleetRow> {
    let doing = FleetActivity::looking("Reading");
    bounded(fleet, shell, targets, doing, |t, quiet| {
        current_one(fleet, quiet, t)
    })
    .await
}

/// Runs `work` on the targets, at most `fleet.jobs` at a time, reporting each as it finishes;
/// under `--fail-fast` the targets not started after a failure are skipped.
pub(super) async fn bounded<'t, F, Fut>(
    fleet: &Fleet<'_>,
    shell: &Shell,
    targets: &'t [FleetTarget],
    doing: FleetActivity,
    work: F,
) -> Vec<FleetRow>
where
    F: Fn(&'t FleetTarget, Shell) -> Fut,
    Fut: Future<Output = FleetRow>,
{
    let progress = shell.fleet_progress(targets.len(), doing);
    let mut waiting = targets.iter();
    let mut running = FuturesUnordered::new();
    let mut rows = Vec::with_capacity(targets.len());
    let (mut stop, mut interrupted) = (false, false);
    // Ctrl-C: start no further target; those running stop as their single-database run does.
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        while !stop && running.len() < fleet.jobs.max(1) {
            let Some(target) = waiting.next() else { break };
            // Each target writes into a buffer of its own; its warnings follow its line.
            let (quiet, _, messages) = Shell::captured(Verbosity::Quiet);
            // On a terminal, the target's run shows its steps on a line of its own.
            let line = progress.start(&target.name);
            let run = work(target, quiet.with_live_line(line.clone()));
            running.push(async move { (run.await, messages, line) });
        }
        let next = if interrupted {
            running.next().await
        } else {
            tokio::select! {
                biased;
                _ = &mut ctrl_c => {
                    (stop, interrupted) = (true, true);
                    continue;
                }
                next = running.next() => next,
            }
        };
        let Some((row, messages, line)) = next else {
            break;
        };
        progress.done(&row, &messages.text(), line);
        stop |= fleet.fail_fast && row.result == TargetResult::Failed;
        // A target's own run saw the Ctrl-C first.
        if row.exit_code == crate::error::exit_code::INTERRUPTED {
            (stop, interrupted) = (true, true);
        }
        rows.push(row);
    }
    progress.finish();
    rows.extend(waiting.map(|t| not_started(t, interrupted)));
    rows
}

/// A target the fleet did not start: skipped after a failure under `--fail-fast`, or failed
/// (with Ctrl-C's exit code) when the run was interrupted, so the exit code says so.
fn not_started(target: &FleetTarget, interrupted: bool) -> FleetRow {
    let (result, detail, exit_code) = if interrupted {
        (
            TargetResult::Failed,
            "not started: interrupted (Ctrl-C)",
            crate::error::exit_code::INTERRUPTED,
        )
    } else {
        (
            TargetResult::Skipped,
            "skipped: an earlier target failed (`--fail-fast`)",
            0,
        )
    };
    FleetRow {
        target: target.name.clone(),
        url: target.shown_url(),
        from: Vec::new(),
        to: Vec::new(),
        result,
        detail: detail.into(),
        pending: None,
        error: None,
        time_ms: 0,
        exit_code,
    }
}

/// One target of `up`/`down`: the same lock, state and run as the single-database command.
async fn migrate_one(
    fleet: &Fleet<'_>,
    shell: Shell,
    target: &FleetTarget,
    options: &RunOptions<'_>,
) -> FleetRow {
    let started = Instant::now();
    let origin = UrlOrigin::Target(target.name.clone());
    // A schema target has its version table (and so its run lock) in its schema.
    let config = schemas::config_for(fleet.config, target);
    let options = RunOptions {
        table: &config.version_table.value,
        target: options.target,
        ..*options
    };
    let opened = async {
        if let (Some(schema), Direction::Up) = (&target.schema, options.direction) {
            State::refuse_broken_before_connecting(fleet.sources.of(target))?;
            schemas::create_if_missing(&shell, fleet.waits.1, &target.url, schema).await?;
        }
        ops::connect::open_locked(
            &shell,
            &config,
            (&target.connect_url(), &origin),
            fleet.sources.of(target).clone(),
            fleet.waits,
        )
        .await
    };
    let (conn, state) = match opened.await {
        Ok(opened) => opened,
        Err(e) => return failed(target, Vec::new(), Vec::new(), &e, started),
    };
    let from = state.graph.ids(&state.applied.current(&state.graph));
    match ops::run::run(&shell, conn, &state, &options).await {
        Ok(view) => {
            let done: Vec<RevisionId> = view.completed.iter().map(|c| c.revision.clone()).collect();
            let to = after(&state, options.direction, &done);
            let verb = match options.direction {
                Direction::Up => "applied",
                Direction::Down => "reverted",
            };
            let detail = if done.is_empty() {
                format!("nothing to do (at {})", revisions_text(&to))
            } else {
                format!(
                    "{verb} {} revision(s) ({} -> {})",
                    done.len(),
                    revisions_text(&from),
                    revisions_text(&to)
                )
            };
            row(target, from, to, TargetResult::Ok, detail, started)
        }
        Err(e) => {
            let done = match &e {
                Error::Run(run) => run.completed.clone(),
                _ => Vec::new(),
            };
            let to = after(&state, options.direction, &done);
            failed(target, from, to, &e, started)
        }
    }
}

/// One target of `current`: read only, as `current` reads.
async fn current_one(fleet: &Fleet<'_>, shell: Shell, target: &FleetTarget) -> FleetRow {
    let started = Instant::now();
    let config = schemas::config_for(fleet.config, target);
    let url = target.connect_url();
    let read = ops::connect::read_state(&shell, &config, &url, fleet.waits.1).await;
    let status = read.and_then(|state| Status::of(&state));
    match status {
        Ok(status) => {
            let detail = match (status.unknown.len(), status.pending.len()) {
                (0, 0) => "at head".to_owned(),
                (0, n) => format!("{n} pending"),
                (n, _) => format!("{n} unknown revision(s) applied (a newer build migrated it)"),
            };
            let mut row = row(
                target,
                status.current.clone(),
                status.heads,
                TargetResult::Ok,
                detail,
                started,
            );
            row.pending = Some(status.pending);
            row
        }
        Err(e) => failed(target, Vec::new(), Vec::new(), &e, started),
    }
}

/// The current revisions once `done` has been applied (or reverted) on top of `state`.
fn after(state: &State, direction: Direction, done: &[RevisionId]) -> Vec<RevisionId> {
    let graph = &state.graph;
    let done: Vec<usize> = done.iter().filter_map(|id| graph.find(id)).collect();
    let mut order = state.applied.by_time.clone();
    match direction {
        Direction::Up => order.extend(done),
        Direction::Down => order.retain(|i| !done.contains(i)),
    }
    graph.ids(&AppliedSet::from_applied_order(order).current(graph))
}

pub(super) fn row(
    target: &FleetTarget,
    from: Vec<RevisionId>,
    to: Vec<RevisionId>,
    result: TargetResult,
    detail: String,
    started: Instant,
) -> FleetRow {
    FleetRow {
        target: target.name.clone(),
        url: target.shown_url(),
        from,
        to,
        result,
        detail,
        pending: None,
        error: None,
        time_ms: started.elapsed().as_millis(),
        exit_code: 0,
    }
}

pub(super) fn failed(
    target: &FleetTarget,
    from: Vec<RevisionId>,
    to: Vec<RevisionId>,
    error: &Error,
    started: Instant,
) -> FleetRow {
    let mut row = row(
        target,
        from,
        to,
        TargetResult::Failed,
        format!("failed: {error}"),
        started,
    );
    row.error = Some(error_json(error));
    row.exit_code = error.exit_code();
    row
}
