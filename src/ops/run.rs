//! `up` and `down`: plan toward a target, then apply the plan under the run lock, stopping
//! cleanly on Ctrl-C. The lock and the state come from the caller (the command's context).

use std::sync::atomic::{AtomicBool, Ordering};

use crate::db::{Cancel, Database};
use crate::error::Error;
use crate::executor::{self, Completed};
use crate::graph::Target;
use crate::output::{RunView, Shell, warn_broken, warn_empty_up};
use crate::plan::{self, Direction};
use crate::state::State;

/// What a run needs besides the connection and the state.
pub struct RunOptions<'a> {
    /// Up or down.
    pub direction: Direction,
    /// Where to.
    pub target: &'a Target,
    /// Run even if an applied revision's file changed since it was applied.
    pub ignore_checksums: bool,
    /// The version table.
    pub table: &'a str,
}

impl<'a> RunOptions<'a> {
    /// A run `direction` to `target`, recorded in `table`.
    pub fn new(
        direction: Direction,
        target: &'a Target,
        ignore_checksums: bool,
        table: &'a str,
    ) -> Self {
        RunOptions {
            direction,
            target,
            ignore_checksums,
            table,
        }
    }
}

/// Plans the run, applies it and closes the connection; returns what was committed, as the
/// command reports it.
pub async fn run(
    shell: &Shell,
    mut conn: impl Database,
    state: &State,
    run: &RunOptions<'_>,
) -> Result<RunView, Error> {
    let result = execute(shell, &mut conn, state, run).await;
    conn.close().await;
    Ok(RunView {
        direction: run.direction,
        completed: result?,
        was_at_base: state.applied.revisions.is_empty(),
    })
}

/// Plans the run and applies it; returns what was committed.
pub async fn execute(
    shell: &Shell,
    conn: &mut impl Database,
    state: &State,
    run: &RunOptions<'_>,
) -> Result<Vec<Completed>, Error> {
    state.check_runnable(run.direction, run.ignore_checksums)?;
    for baseline in executor::record_baselines(conn, state, run.table).await? {
        shell.status(
            "Recorded",
            format_args!(
                "baseline {} in place of the {} revisions it replaces; no migration SQL was run",
                baseline.id, baseline.replaced
            ),
        );
    }
    if nothing_to_revert(state, run.direction, run.target) {
        warn_broken(shell, state, &[]);
        return Ok(Vec::new());
    }
    let plan = match run.direction {
        Direction::Up => plan::upgrade(&state.graph, &state.applied, run.target)?,
        Direction::Down => plan::downgrade(&state.graph, &state.applied, run.target)?,
    };
    // Broken files the plan does not run are only warned about; `steps` refuses the others.
    warn_broken(shell, state, &plan);
    let steps = state.steps(&plan, run.direction)?;
    if run.direction == Direction::Up {
        warn_empty_up(shell, state, &plan);
    }
    let mut progress = shell.progress(steps.len());
    let stop = AtomicBool::new(false);
    let canceller = conn.canceller();
    let running = executor::run_until_stopped(conn, run.table, &steps, &mut progress, &stop);
    tokio::pin!(running);
    // Ctrl-C: stop before the next step and cancel the statement in flight on the server, so it
    // cannot go on to commit after we exit; then report what the run did commit.
    let result = tokio::select! {
        result = &mut running => result,
        _ = tokio::signal::ctrl_c() => {
            stop.store(true, Ordering::SeqCst);
            if let Some(canceller) = &canceller {
                canceller.cancel().await;
            }
            running.await
        }
    };
    Ok(result?)
}

/// `down` or `down base` at base has nothing to revert: that is not an error.
pub(crate) fn nothing_to_revert(state: &State, direction: Direction, target: &Target) -> bool {
    direction == Direction::Down
        && state.applied.revisions.is_empty()
        && matches!(target, Target::Base | Target::Relative(..0))
}
