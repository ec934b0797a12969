//! `up` (alias `upgrade`) and `down` (alias `downgrade`): plan, then run or print the script.

use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::json;

use crate::cli::Context;
use crate::db::{Dialect, DurationSql, StepScript};
use crate::error::{ConfigError, Error};
use crate::executor::{self, Completed};
use crate::graph::Target;
use crate::output::Format;
use crate::plan::{self, AppliedSet, Direction};
use crate::state::{PlannedStep, State};

#[derive(Debug, clap::Args)]
pub struct UpArgs {
    /// `head` (default), `heads`, a revision or unique prefix, or `+N`; with `--sql`, also `FROM:TO`.
    #[arg(
        default_value = "head",
        allow_negative_numbers = true,
        value_name = "TARGET"
    )]
    target: String,
    /// Print the SQL script instead of running it (no database needed).
    #[arg(long)]
    sql: bool,
    /// Run even if an applied revision's file changed since it was applied.
    #[arg(long)]
    ignore_checksums: bool,
}

#[derive(Debug, clap::Args)]
pub struct DownArgs {
    /// `-1` (default), `-N`, a revision to go back to, or `base`; with `--sql`, `FROM:TO`.
    #[arg(
        default_value = "-1",
        allow_negative_numbers = true,
        value_name = "TARGET"
    )]
    target: String,
    /// Print the SQL script instead of running it (no database needed).
    #[arg(long)]
    sql: bool,
    /// Run even if an applied revision's file changed since it was applied.
    #[arg(long)]
    ignore_checksums: bool,
}

pub async fn up(ctx: &Context, args: &UpArgs) -> Result<(), Error> {
    if args.sql {
        let (from, to) = match args.target.split_once(':') {
            Some((from, to)) => (Some(from), to),
            None => (None, args.target.as_str()),
        };
        return print_script(ctx, Direction::Up, from, to);
    }
    let target: Target = args.target.parse()?;
    run(ctx, Direction::Up, &target, args.ignore_checksums).await
}

pub async fn down(ctx: &Context, args: &DownArgs) -> Result<(), Error> {
    if args.sql {
        let Some((from, to)) = args.target.split_once(':') else {
            return Err(ConfigError::Unsupported(
                "`down --sql` needs `FROM:TO` (e.g. `head:base`): without a database it cannot know where to start".into(),
            )
            .into());
        };
        return print_script(ctx, Direction::Down, Some(from), to);
    }
    let target: Target = args.target.parse()?;
    run(ctx, Direction::Down, &target, args.ignore_checksums).await
}

async fn run(
    ctx: &Context,
    direction: Direction,
    target: &Target,
    ignore_checksums: bool,
) -> Result<(), Error> {
    let (mut conn, state) = ctx.connect_locked().await?;
    let result =
        plan_and_execute(ctx, &mut conn, &state, direction, target, ignore_checksums).await;
    conn.close().await;
    let completed = result?;
    report(
        ctx,
        direction,
        &completed,
        state.applied.revisions.is_empty(),
    );
    Ok(())
}

async fn plan_and_execute(
    ctx: &Context,
    conn: &mut crate::db::Connection,
    state: &State,
    direction: Direction,
    target: &Target,
    ignore_checksums: bool,
) -> Result<Vec<Completed>, Error> {
    state.check_runnable(direction, ignore_checksums)?;
    // `down` or `down base` at base has nothing to revert: that is not an error.
    if direction == Direction::Down
        && state.applied.revisions.is_empty()
        && matches!(target, Target::Base | Target::Relative(..0))
    {
        ctx.warn_broken(state, &[]);
        return Ok(Vec::new());
    }
    let plan = match direction {
        Direction::Up => plan::upgrade(&state.graph, &state.applied, target)?,
        Direction::Down => plan::downgrade(&state.graph, &state.applied, target)?,
    };
    // Broken files the plan does not run are only warned about; `steps` refuses the others.
    ctx.warn_broken(state, &plan);
    let steps = state.steps(&plan, direction)?;
    let mut progress = ctx.shell.progress(steps.len());
    let stop = AtomicBool::new(false);
    let canceller = conn.canceller();
    let run = executor::run_until_stopped(
        conn,
        &ctx.config.version_table.value,
        &steps,
        &mut progress,
        &stop,
    );
    tokio::pin!(run);
    // Ctrl-C: stop before the next step and cancel the statement in flight on the server, so it
    // cannot go on to commit after we exit; then report what the run did commit.
    let result = tokio::select! {
        result = &mut run => result,
        _ = tokio::signal::ctrl_c() => {
            stop.store(true, Ordering::SeqCst);
            if let Some(canceller) = &canceller {
                canceller.cancel().await;
            }
            run.await
        }
    };
    Ok(result?)
}

fn report(ctx: &Context, direction: Direction, completed: &[Completed], was_at_base: bool) {
    if ctx.format == Format::Json {
        ctx.shell
            .json(&json!({ "direction": direction, "completed": completed }));
        return;
    }
    let total: u128 = completed.iter().map(|c| c.duration_ms).sum();
    match (completed.len(), direction) {
        (0, Direction::Down) if was_at_base => ctx.shell.status(
            "Finished",
            "nothing to revert: no revision is applied (the database is at base)",
        ),
        (0, _) => ctx.shell.status(
            "Finished",
            "nothing to do: the database is already at the target",
        ),
        (n, Direction::Up) => ctx.shell.status(
            "Finished",
            format_args!("applied {n} revision(s) in {total} ms"),
        ),
        (n, Direction::Down) => ctx.shell.status(
            "Finished",
            format_args!("reverted {n} revision(s) in {total} ms"),
        ),
    }
}

/// `--sql`: the exact script a run from `from` (default: base) to `to` would send.
fn print_script(
    ctx: &Context,
    direction: Direction,
    from: Option<&str>,
    to: &str,
) -> Result<(), Error> {
    let state = State::build(ctx.load_source()?, Vec::new())?;
    let dialect = ctx.dialect()?;
    let assumed = match from {
        None | Some("" | "base") => AppliedSet::default(),
        Some(rev) => {
            let targets = state.graph.resolve(&rev.parse::<Target>()?)?;
            AppliedSet::from_applied_order(state.graph.in_order(&state.graph.ancestors(&targets)))
        }
    };
    let target: Target = to.parse()?;
    let plan = match direction {
        Direction::Up => plan::upgrade(&state.graph, &assumed, &target)?,
        Direction::Down => plan::downgrade(&state.graph, &assumed, &target)?,
    };
    ctx.warn_broken(&state, &plan);
    let steps = state.steps(&plan, direction)?;
    let script = render_script(dialect, &ctx.config.version_table.value, &steps, direction);
    if ctx.format == Format::Json {
        let ids: Vec<&crate::source::RevisionId> = steps.iter().map(|s| &s.id).collect();
        ctx.shell.json(&json!({
            "direction": direction,
            "dialect": match dialect {
                Dialect::Postgres => "postgres",
                Dialect::Sqlite => "sqlite",
            },
            "revisions": ids,
            "sql": script,
        }));
    } else {
        ctx.shell.out(&script);
    }
    Ok(())
}

fn render_script(
    dialect: Dialect,
    table: &str,
    steps: &[PlannedStep],
    direction: Direction,
) -> String {
    let mut out = String::from(match dialect {
        Dialect::Postgres => {
            "-- Generated by cargo-brainmig. With psql, run it as: psql -v ON_ERROR_STOP=1 -f <file>\n\n"
        }
        Dialect::Sqlite => {
            "-- Generated by cargo-brainmig. With sqlite3, run it as: sqlite3 -bail <database file> < <file>\n\n"
        }
    });
    if direction == Direction::Up {
        out.push_str(&dialect.create_version_table(table));
        out.push_str("\n\n");
    }
    for step in steps {
        let verb = if direction == Direction::Up {
            "Upgrade"
        } else {
            "Downgrade"
        };
        out.push_str(&format!(
            "-- {verb} {} ({}): {}\n",
            step.id,
            step.message,
            step.path.display()
        ));
        let script = StepScript::new(
            dialect,
            table,
            direction,
            &step.section,
            &step.row,
            DurationSql::SinceTransactionStart,
        );
        out.push_str(&script.printed());
        out.push('\n');
    }
    out
}
