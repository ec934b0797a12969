//! `up --sql` and `down --sql`: the exact script a run would send. It starts from an assumed
//! point (`FROM` in `FROM:TO`, no database needed) or, without one, from where the configured
//! database is: its version rows are read, never written (no lock, no version table created).

use std::time::Duration;

use crate::config::{Config, DatabaseUrl};
use crate::db::{AppliedRow, Connection, Dialect, DurationSql, StepScript};
use crate::error::Error;
use crate::graph::{RevisionGraph, Target};
use crate::ops::connect::waiting_for;
use crate::output::{ScriptView, Shell, warn_broken, warn_empty_up};
use crate::plan::{self, AppliedSet, Direction};
use crate::source::{Lexicon, MigrationSource};
use crate::state::{PlannedStep, State};

/// Where a script starts and ends: `FROM` and `TO`.
pub struct Span<'a> {
    /// The assumed starting point (empty for base); `None` starts where the database is.
    pub from: Option<&'a str>,
    /// The target.
    pub to: &'a str,
}

impl<'a> Span<'a> {
    /// Reads `--sql`'s target: `FROM:TO`, or `TO` alone (from where the database is).
    pub fn parse(target: &'a str) -> Span<'a> {
        match target.split_once(':') {
            Some((from, to)) => Span {
                from: Some(from),
                to,
            },
            None => Span {
                from: None,
                to: target,
            },
        }
    }
}

/// Where `--sql` reads from: the configured folder and, without `FROM:`, the configured database.
pub struct Scripting<'a> {
    /// Where notes and the `-v` line go.
    pub shell: &'a Shell,
    /// The migrations folder, the version table and the database URL.
    pub config: &'a Config,
    /// The dialect the script is written in.
    pub dialect: Dialect,
    /// `--wait`: how long to retry connecting while the server is not up.
    pub wait: Option<Duration>,
}

impl<'a> Scripting<'a> {
    /// Gathers what a script is written from.
    pub fn new(
        shell: &'a Shell,
        config: &'a Config,
        dialect: Dialect,
        wait: Option<Duration>,
    ) -> Self {
        Scripting {
            shell,
            config,
            dialect,
            wait,
        }
    }
}

/// `up --sql TARGET` and `down --sql TARGET`: the script of that run (see [`Span`] and [`build`]),
/// from where the database is unless `FROM:` is given.
pub async fn script(
    s: &Scripting<'_>,
    direction: Direction,
    target: &str,
    ignore_checksums: bool,
) -> Result<ScriptView, Error> {
    let table = &s.config.version_table.value;
    let span = Span::parse(target);
    let rows = match span.from {
        None => {
            let (url, origin) = s.config.database_url()?;
            s.shell
                .detail("Database", format_args!("{url} (from {origin})"));
            database_rows(s.shell, &url, table, s.wait).await?
        }
        Some(_) => Vec::new(),
    };
    // Split (and checksummed) by the rules `up` uses on this database, or a MySQL file with a
    // `#` comment reads as changed and its `DELIMITER` blocks as plain text.
    let lexicon = match s.dialect {
        Dialect::Mysql => Lexicon::Mysql,
        Dialect::Postgres | Dialect::Sqlite => Lexicon::Standard,
    };
    let source = MigrationSource::load_as(&s.config.migrations.value, lexicon)?;
    let state = State::build(source, rows)?;
    let dialect = (s.dialect, table.as_str());
    build(s.shell, &state, dialect, direction, span, ignore_checksums)
}

/// The version rows at `url`, read only: no lock, no version table created; none when the
/// database or its version table does not exist. Connecting retries under `--wait`.
pub async fn read_rows(
    shell: &Shell,
    url: &DatabaseUrl,
    table: &str,
    wait: Option<Duration>,
) -> Result<Vec<AppliedRow>, Error> {
    let Some(mut conn) = waiting_for(shell, wait, || Connection::open_existing(url)).await? else {
        return Ok(Vec::new());
    };
    let rows = conn.applied(table).await;
    conn.close().await;
    Ok(rows?)
}

/// The version rows of the database at `url`, read only: a database or SQLite file that does
/// not exist yet, or has no version table, has nothing applied and is left as it is.
async fn database_rows(
    shell: &Shell,
    url: &DatabaseUrl,
    table: &str,
    wait: Option<Duration>,
) -> Result<Vec<AppliedRow>, Error> {
    read_rows(shell, url, table, wait).await.inspect_err(|_| {
        shell.note(
            "without `FROM:` the script starts where the database is; to write it without a database, give its start, e.g. `base:head` or `head:base`",
        );
    })
}

/// The script of a run over `span`; warns about broken files the run does not need. Without
/// `FROM` it starts from `state.applied` (the database's rows) and refuses what `up` or `down`
/// would refuse there (changed files, an unfinished step), so it is the next run's SQL.
pub fn build(
    shell: &Shell,
    state: &State,
    (dialect, table): (Dialect, &str),
    direction: Direction,
    span: Span<'_>,
    ignore_checksums: bool,
) -> Result<ScriptView, Error> {
    let target: Target = span.to.parse()?;
    let assumed = match span.from {
        None => {
            state.check_runnable(direction, ignore_checksums)?;
            // A run would first record the baseline in place of the rows it replaces; the script
            // has no such step, so it would leave the version table wrong.
            if let Some(&i) = state.baselines_to_record.first() {
                return Err(crate::error::ConfigError::Unsupported(format!(
                    "the database applied what baseline `{}` replaces but has not recorded it yet: run `cargo brainmig up` once (it records the baseline and runs nothing else that is not pending), or give the script's start, e.g. `{}:head`",
                    state.graph.node(i).id,
                    state.graph.node(i).id
                ))
                .into());
            }
            if super::run::nothing_to_revert(state, direction, &target) {
                let sql = render(dialect, table, &[], direction);
                return Ok(ScriptView::new(direction, dialect, &[], sql));
            }
            state.applied.clone()
        }
        from => assumed_applied(&state.graph, from)?,
    };
    let plan = match direction {
        Direction::Up => plan::upgrade(&state.graph, &assumed, &target)?,
        Direction::Down => plan::downgrade(&state.graph, &assumed, &target)?,
    };
    warn_broken(shell, state, &plan);
    let steps = state.steps(&plan, direction)?;
    if direction == Direction::Up {
        warn_empty_up(shell, state, &plan);
    }
    let sql = render(dialect, table, &steps, direction);
    Ok(ScriptView::new(direction, dialect, &steps, sql))
}

/// What the script assumes is applied: `FROM` and its ancestors, nothing for `base` or none.
pub fn assumed_applied(graph: &RevisionGraph, from: Option<&str>) -> Result<AppliedSet, Error> {
    let targets = match from {
        None | Some("") => Vec::new(),
        Some(rev) => graph.resolve(&rev.parse::<Target>()?)?,
    };
    let below = graph.ancestors(&targets);
    Ok(AppliedSet::from_applied_order(graph.in_order(&below)))
}

/// The script's text: how to run it, the version table (going up), then each step in its own
/// transaction exactly as a run sends it.
pub fn render(
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
        Dialect::Mysql => {
            "-- Generated by cargo-brainmig. With mysql, run it as: mysql <database> < <file>\n\
             -- MySQL commits each DDL statement on its own: a failure part-way leaves the statements before it applied.\n\n"
        }
    });
    if direction == Direction::Up {
        out.push_str(&dialect.create_version_table(table));
        out.push_str("\n\n");
    }
    let verb = match direction {
        Direction::Up => "Upgrade",
        Direction::Down => "Downgrade",
    };
    for step in steps {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::test_graph;

    #[test]
    fn a_span_is_from_to_or_to_alone_from_the_database() {
        let ends = |t| {
            let span = Span::parse(t);
            (span.from, span.to)
        };
        assert_eq!(ends("head"), (None, "head"));
        assert_eq!(ends("0001:head"), (Some("0001"), "head"));
        assert_eq!(ends(":head"), (Some(""), "head"));
        assert_eq!(ends("head:base"), (Some("head"), "base"));
        assert_eq!(ends("-1"), (None, "-1"));
    }

    #[test]
    fn the_script_assumes_from_and_its_ancestors_applied() {
        let g = test_graph(&[("a", &[]), ("b", &["a"]), ("c", &["b"]), ("d", &["a"])]);
        let names = |from| {
            let set = assumed_applied(&g, from).expect("resolves");
            set.by_time
                .iter()
                .map(|&i| g.node(i).id.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(None), Vec::<String>::new());
        assert_eq!(names(Some("")), Vec::<String>::new());
        assert_eq!(names(Some("base")), Vec::<String>::new());
        assert_eq!(names(Some("b")), ["a", "b"]);
        assert_eq!(names(Some("heads")), ["a", "b", "c", "d"]);
        assert!(assumed_applied(&g, Some("head")).is_err(), "two heads");
        assert!(assumed_applied(&g, Some("-1")).is_err(), "relative");
    }

    #[test]
    fn an_empty_upgrade_script_says_how_to_run_it_and_creates_the_version_table() {
        let text = render(Dialect::Sqlite, "brainmig_version", &[], Direction::Up);
        assert!(text.starts_with("-- Generated by cargo-brainmig. With sqlite3"));
        assert!(text.contains("brainmig_version"));
        let down = render(Dialect::Postgres, "brainmig_version", &[], Direction::Down);
        assert_eq!(
            down,
            "-- Generated by cargo-brainmig. With psql, run it as: psql -v ON_ERROR_STOP=1 -f <file>\n\n"
        );
    }
}
