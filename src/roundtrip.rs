//! `test-roundtrip`: prove that every downgrade undoes its upgrade.
//!
//! For each revision in upgrade order: snapshot, upgrade it, snapshot, downgrade it (the schema
//! must equal the first snapshot), upgrade it again (it must equal the second). Then downgrade
//! everything to base: the schema must be what the empty scratch database had.
//!
//! A failed step can leave the scratch database in a state no plain upgrade would reach; the
//! revisions after it would then be tested from the wrong place. So after such a failure the
//! scratch state is rebuilt ([`Workspace::rebuild`]) and testing goes on: every revision gets a
//! verdict in one run.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use crate::config::DatabaseUrl;
use crate::db::scratch::{Scratch, ScratchSet};
use crate::db::{Connection, Database, Dialect};
use crate::error::Error;
use crate::executor::{self, Progress};
use crate::graph::Target;
use crate::plan::{self, AppliedSet, Direction};
use crate::schema::{self, Change, Difference, Schema};
use crate::source::{MigrationSource, RevisionId};
use crate::state::{PlannedStep, State};

/// How one revision fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Up, down and up again left the expected schemas.
    Passed,
    /// A step failed or a snapshot differed (or, under `--strict`, only the column order did).
    Failed,
    /// Everything matched but the order of some table's columns (and of views over them).
    ColumnOrder,
    /// An earlier failure left the database in a state this revision cannot be tested from.
    NotRun,
}

/// The result for one revision.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RevisionResult {
    /// The revision.
    pub revision: RevisionId,
    /// Its message.
    pub message: String,
    /// Passed, failed or not run.
    pub status: Status,
    /// Time for its three steps and snapshots, in milliseconds.
    pub duration_ms: u128,
    /// What went wrong, one sentence each.
    pub problems: Vec<String>,
    /// Differences in column order alone, one sentence each (failures only under `--strict`).
    pub column_order: Vec<String>,
    /// The scratch state was rebuilt after this revision, because its round trip left the
    /// database where plain upgrades would not have.
    pub rebuilt: bool,
    /// Of `duration_ms`, the time the rebuild took.
    pub rebuild_ms: u128,
    /// Its up and down sections each run in one transaction, so a failure part-way leaves
    /// nothing behind. False for `transaction:false` sections and, on MySQL, for any section
    /// with DDL (which commits implicitly): those run statement by statement.
    pub atomic: bool,
}

/// The whole run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    /// Per revision, in the order tested.
    pub revisions: Vec<RevisionResult>,
    /// Revisions applied without checks because of `--from`.
    pub skipped_before_from: usize,
    /// The final downgrade to base.
    pub base: RevisionResult,
    /// How many revisions ended how (the base step not included).
    pub counts: Counts,
}

/// The summary's numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Revisions that passed.
    pub passed: usize,
    /// Revisions whose only differences were in column order (without `--strict`).
    pub column_order: usize,
    /// Revisions that failed.
    pub failed: usize,
    /// Revisions not run (their own upgrade, or an ancestor's, cannot be applied).
    pub not_run: usize,
    /// Times the scratch state was rebuilt.
    pub rebuilt: usize,
    /// Revisions that cannot be rolled back atomically (see [`RevisionResult::atomic`]).
    pub not_atomic: usize,
}

impl Counts {
    fn of(revisions: &[RevisionResult]) -> Counts {
        let mut counts = Counts::default();
        for r in revisions {
            match r.status {
                Status::Passed => counts.passed += 1,
                Status::ColumnOrder => counts.column_order += 1,
                Status::Failed => counts.failed += 1,
                Status::NotRun => counts.not_run += 1,
            }
            counts.rebuilt += usize::from(r.rebuilt);
            counts.not_atomic += usize::from(!r.atomic);
        }
        counts
    }
}

/// What the caller decides.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// Test from this revision on; apply the earlier ones without checks.
    pub from: Option<&'a str>,
    /// A difference in column order alone fails the revision.
    pub strict: bool,
}

impl Report {
    /// Revisions (and the base check) that failed.
    pub fn failures(&self) -> usize {
        self.revisions
            .iter()
            .chain(std::iter::once(&self.base))
            .filter(|r| r.status == Status::Failed)
            .count()
    }
}

/// Receives progress over the revisions.
pub trait RoundtripProgress {
    /// Testing `revision` (index of total) begins.
    fn start(&mut self, revision: &RevisionId, message: &str, index: usize, total: usize);
    /// It ended.
    fn finish(&mut self, result: &RevisionResult);
    /// The run ended.
    fn done(&mut self);
}

/// Executor progress that shows nothing: the round trip reports per revision, not per step.
struct Silent;

impl Progress for Silent {
    fn start(&mut self, _: &PlannedStep, _: usize, _: usize) {}
    fn finish(&mut self, _: &PlannedStep, _: Duration) {}
    fn done(&mut self) {}
}

/// Runs the round trip in `main`, a scratch database that starts empty (with the version table)
/// and is one of `scratches`; rebuilds make more of them there, on the server of `configured`.
pub async fn run(
    scratches: &ScratchSet,
    configured: &DatabaseUrl,
    main: Scratch,
    source: &MigrationSource,
    table: &str,
    options: Options<'_>,
    progress: &mut dyn RoundtripProgress,
) -> Result<Report, Error> {
    let state = State::build(source.clone(), Vec::new())?;
    let order = plan::upgrade(&state.graph, &AppliedSet::default(), &Target::Heads)?;
    let untested = match options.from {
        Some(rev) => {
            let start = state.graph.find_prefix(rev)?;
            let mut before = state.graph.ancestors(&[start]);
            before.remove(&start);
            before
        }
        None => Default::default(),
    };
    let mut conn = Connection::open(&main.url()).await?;
    conn.ensure_version_table(table).await?;
    let mut ws = Workspace {
        scratches,
        configured,
        table,
        main,
        conn,
        shadow: None,
        spare: None,
    };
    let result = test_all(
        &mut ws, source, &state, &order, &untested, options, progress,
    )
    .await;
    ws.close().await;
    result
}

async fn test_all(
    ws: &mut Workspace<'_>,
    source: &MigrationSource,
    state: &State,
    order: &[usize],
    untested: &BTreeSet<usize>,
    options: Options<'_>,
    progress: &mut dyn RoundtripProgress,
) -> Result<Report, Error> {
    let table = ws.table;
    let empty = schema::snapshot(&mut ws.conn, table).await?;
    // The revisions a plain upgrade would have applied by now, in order: the state to rebuild.
    let mut good: Vec<usize> = order
        .iter()
        .copied()
        .filter(|i| untested.contains(i))
        .collect();
    let skipped_before_from = good.len();
    apply(&mut ws.conn, table, &state.steps(&good, Direction::Up)?).await?;
    let mut current = good.is_empty().then(|| empty.clone());

    let tested: Vec<usize> = order
        .iter()
        .copied()
        .filter(|i| !untested.contains(i))
        .collect();
    let mut results: Vec<RevisionResult> = Vec::with_capacity(tested.len());
    // Revisions that cannot be tested, with the reason.
    let mut blocked: BTreeMap<usize, String> = BTreeMap::new();
    for (index, &i) in tested.iter().enumerate() {
        let node = &state.graph.node(i).id;
        let message = state.message(i).to_owned();
        progress.start(node, &message, index, tested.len());
        let started = Instant::now();
        let mut result = RevisionResult {
            revision: node.clone(),
            message,
            status: Status::NotRun,
            duration_ms: 0,
            problems: Vec::new(),
            column_order: Vec::new(),
            rebuilt: false,
            rebuild_ms: 0,
            atomic: atomic(state, i, ws.conn.dialect()),
        };
        if let Some(reason) = blocked.get(&i) {
            result.problems.push(reason.clone());
        } else {
            let before = match current.take() {
                Some(known) => known,
                None => schema::snapshot(&mut ws.conn, table).await?,
            };
            let outcome = round_trip(&mut ws.conn, table, state, i, before).await?;
            result.problems = outcome.problems;
            result.column_order = outcome.column_order;
            if outcome.applied {
                good.push(i);
            } else {
                block_descendants(
                    state,
                    i,
                    &mut blocked,
                    &format!("not run: it needs {node}, whose upgrade failed"),
                );
            }
            current = ws.settle(outcome.end, state, &good).await?;
            if current.is_none() {
                result.rebuilt = true;
                let rebuilding = Instant::now();
                let refused = ws.rebuild(state, &mut good).await?;
                result.rebuild_ms = rebuilding.elapsed().as_millis();
                for (j, e) in refused {
                    let id = &state.graph.node(j).id;
                    let problem = format!(
                        "upgrading {id} failed on the rebuilt scratch state (plain upgrades from base): {e}"
                    );
                    match results.iter_mut().find(|r| &r.revision == id) {
                        Some(earlier) => {
                            earlier.status = Status::Failed;
                            earlier.problems.push(problem);
                        }
                        None => result.problems.push(problem),
                    }
                    block_descendants(
                        state,
                        j,
                        &mut blocked,
                        &format!("not run: it needs {id}, which fails on a plain upgrade"),
                    );
                }
            }
            result.status = verdict(&result, options.strict);
        }
        result.duration_ms = started.elapsed().as_millis();
        progress.finish(&result);
        results.push(result);
    }
    progress.done();
    let base = down_to_base(&mut ws.conn, source, table, &empty).await?;
    Ok(Report {
        counts: Counts::of(&results),
        revisions: results,
        skipped_before_from,
        base,
    })
}

/// Whether revision `i`'s sections each run in one transaction on `dialect`.
fn atomic(state: &State, i: usize, dialect: Dialect) -> bool {
    [Direction::Up, Direction::Down]
        .into_iter()
        .filter_map(|direction| state.step(i, direction).ok())
        .all(|step| dialect.runs_in_transaction(&step.section))
}

fn verdict(result: &RevisionResult, strict: bool) -> Status {
    if !result.problems.is_empty() || (strict && !result.column_order.is_empty()) {
        Status::Failed
    } else if !result.column_order.is_empty() {
        Status::ColumnOrder
    } else {
        Status::Passed
    }
}

/// Marks the descendants of `i` (not `i`) as not runnable, keeping an earlier reason.
fn block_descendants(state: &State, i: usize, blocked: &mut BTreeMap<usize, String>, reason: &str) {
    for d in state.graph.descendants(&[i]) {
        if d != i {
            blocked.entry(d).or_insert_with(|| reason.to_owned());
        }
    }
}

/// Where a round trip left the database.
enum End {
    /// Where it should be, with a snapshot of it.
    Known(Schema),
    /// Maybe where it should be (a failed step rolled back): compare with this snapshot.
    Check(Schema),
    /// Somewhere else.
    Wrong,
}

struct Outcome {
    problems: Vec<String>,
    column_order: Vec<String>,
    /// Its first upgrade worked, so it belongs to the state later revisions are tested from.
    applied: bool,
    end: End,
}

/// Up, snapshot, down, compare, up again, compare. `before` is the current state's snapshot.
async fn round_trip(
    conn: &mut impl Database,
    table: &str,
    state: &State,
    i: usize,
    before: Schema,
) -> Result<Outcome, Error> {
    let label = format!("{} ({})", state.graph.node(i).id, state.message(i));
    let mut outcome = Outcome {
        problems: Vec::new(),
        column_order: Vec::new(),
        applied: true,
        end: End::Wrong,
    };
    let up = state.step(i, Direction::Up)?;
    if let Err(e) = apply(conn, table, std::slice::from_ref(&up)).await {
        outcome
            .problems
            .push(format!("upgrading {label} failed: {e}"));
        outcome.applied = false;
        outcome.end = End::Check(before);
        return Ok(outcome);
    }
    let after_up = schema::snapshot(conn, table).await?;
    let down = match state.step(i, Direction::Down) {
        Ok(down) => down,
        Err(e) => {
            outcome.problems.push(e.to_string());
            outcome.end = End::Known(after_up);
            return Ok(outcome);
        }
    };
    if let Err(e) = apply(conn, table, std::slice::from_ref(&down)).await {
        // A failed downgrade rolls back, unless it ran outside a transaction: checked after.
        outcome
            .problems
            .push(format!("downgrading {label} failed: {e}"));
        outcome.end = End::Check(after_up);
        return Ok(outcome);
    }
    let after_down = schema::snapshot(conn, table).await?;
    outcome.sort(
        schema::diff(&before, &after_down),
        &format!("after downgrading {label}"),
    );
    if let Err(e) = apply(conn, table, std::slice::from_ref(&up)).await {
        outcome
            .problems
            .push(format!("upgrading {label} again failed: {e}"));
        return Ok(outcome);
    }
    let again = schema::snapshot(conn, table).await?;
    let differences = schema::diff(&after_up, &again);
    // A table whose columns moved is still one later revisions can be tested on: PostgreSQL
    // cannot put them back, and a rebuild for that alone would cost a copy per such revision.
    let moved_only = differences
        .iter()
        .all(|d| matches!(d.change, Change::ColumnOrder { .. }));
    outcome.sort(differences, &format!("after upgrading {label} again"));
    outcome.end = if moved_only {
        End::Known(again)
    } else {
        End::Wrong
    };
    Ok(outcome)
}

impl Outcome {
    /// Files each difference as a problem, or as a column-order note.
    fn sort(&mut self, differences: Vec<Difference>, when: &str) {
        for d in differences {
            let line = format!("{when}: {d}");
            match d.change {
                Change::ColumnOrder { .. } => self.column_order.push(line),
                _ => self.problems.push(line),
            }
        }
    }
}

/// The scratch databases of one run: `main`, where revisions are tested, and, after the first
/// failure, `shadow`, which only ever goes up by plain upgrades and is copied to replace `main`.
struct Workspace<'a> {
    scratches: &'a ScratchSet,
    configured: &'a DatabaseUrl,
    table: &'a str,
    main: Scratch,
    conn: Connection,
    shadow: Option<Shadow>,
    /// A copy of the shadow made in the background, and how many good revisions it holds.
    spare: Option<(Scratch, usize)>,
}

struct Shadow {
    scratch: Scratch,
    /// Closed while it is being copied, and between rebuilds.
    conn: Option<Connection>,
    /// How many of the good revisions it has applied.
    applied: usize,
}

impl Workspace<'_> {
    /// The snapshot of `main` if it is where plain upgrades of `good` would have left it, else
    /// `None`.
    async fn settle(
        &mut self,
        end: End,
        state: &State,
        good: &[usize],
    ) -> Result<Option<Schema>, Error> {
        let expected = match end {
            End::Known(schema) => return Ok(Some(schema)),
            End::Wrong => return Ok(None),
            End::Check(expected) => expected,
        };
        // A failed step may leave session state that no snapshot shows (a temporary table, a
        // variable set by a statement that ran): as after a failed `up`, the next revision is
        // tested on a new session, so one revision's failure cannot fail the next.
        let fresh = Connection::open(&self.main.url()).await?;
        std::mem::replace(&mut self.conn, fresh).close().await;
        let now = schema::snapshot(&mut self.conn, self.table).await?;
        let applied: BTreeSet<RevisionId> = self
            .conn
            .applied(self.table)
            .await?
            .into_iter()
            .map(|r| r.row.revision)
            .collect();
        let wanted: BTreeSet<RevisionId> = good
            .iter()
            .map(|&i| state.graph.node(i).id.clone())
            .collect();
        Ok((applied == wanted && schema::diff(&expected, &now).is_empty()).then_some(now))
    }

    /// Replaces `main` with a copy of `shadow` brought to `good` by plain upgrades. A revision
    /// that fails there is taken out of `good` with its descendants, and returned with its error.
    ///
    /// The copy is made ahead, in the background, right after the previous rebuild (the shadow
    /// is idle while revisions are tested); a rebuild then only brings that spare and the shadow
    /// up to date, side by side. The first rebuild, or one whose spare is unusable, copies now.
    async fn rebuild(
        &mut self,
        state: &State,
        good: &mut Vec<usize>,
    ) -> Result<Vec<(usize, String)>, Error> {
        if !self.main.can_copy() {
            return self.replay(state, good).await;
        }
        let mut shadow = match self.shadow.take() {
            Some(shadow) => shadow,
            None => {
                let scratch = self.scratches.create(self.configured).await?;
                let mut conn = open_for_catch_up(&scratch).await?;
                conn.ensure_version_table(self.table).await?;
                Shadow {
                    scratch,
                    conn: Some(conn),
                    applied: 0,
                }
            }
        };
        let spare = match self.spare.take() {
            Some((spare, holds)) => {
                let made = self.scratches.copied(&spare).await;
                match made {
                    Ok(()) => open_for_catch_up(&spare)
                        .await
                        .ok()
                        .map(|conn| (spare, conn, holds)),
                    Err(_) => None,
                }
            }
            None => None,
        };
        let result = self.renew(&mut shadow, spare, state, good).await;
        // Keep the shadow whatever happened, so that it is closed and dropped with the rest.
        if let Some(conn) = shadow.conn.take() {
            conn.close().await;
        }
        let ready = result.and_then(|refused| {
            let spare = self.scratches.copy_in_background(&shadow.scratch)?;
            self.spare = Some((spare, shadow.applied));
            Ok(refused)
        });
        self.shadow = Some(shadow);
        ready
    }

    /// [`Workspace::rebuild`] where no copy can be made (MySQL has no database templates): a
    /// fresh scratch database brought to `good` by plain upgrades, replacing `main`. Slower than
    /// a copy of a shadow for long histories, but it needs nothing beyond `up`, where copying a
    /// MySQL database by hand (tables, rows, views, triggers, routines, events) would be a second
    /// schema writer to get wrong.
    async fn replay(
        &mut self,
        state: &State,
        good: &mut Vec<usize>,
    ) -> Result<Vec<(usize, String)>, Error> {
        let fresh = self.scratches.create(self.configured).await?;
        let mut conn = open_for_catch_up(&fresh).await?;
        let refused = match conn.ensure_version_table(self.table).await {
            Ok(()) => catch_up(&mut conn, state, good, 0, self.table).await,
            Err(e) => Err(e.into()),
        };
        let refused = match refused {
            Ok(refused) => refused,
            Err(e) => {
                conn.close().await;
                return Err(e);
            }
        };
        forget_refused(state, &refused, good);
        self.replace_main(fresh, conn).await;
        Ok(refused)
    }

    /// Brings the shadow (and the spare, if any) to `good` and makes a copy of it `main`.
    async fn renew(
        &mut self,
        shadow: &mut Shadow,
        spare: Option<(Scratch, Connection, usize)>,
        state: &State,
        good: &mut Vec<usize>,
    ) -> Result<Vec<(usize, String)>, Error> {
        let table = self.table;
        let shadow_conn = match shadow.conn.as_mut() {
            Some(conn) => conn,
            None => shadow
                .conn
                .insert(open_for_catch_up(&shadow.scratch).await?),
        };
        let (refused, copy) = match spare {
            Some((spare, mut spare_conn, holds)) if holds == shadow.applied => {
                let (on_shadow, on_spare) = tokio::join!(
                    catch_up(shadow_conn, state, good, holds, table),
                    catch_up(&mut spare_conn, state, good, holds, table),
                );
                let refused = on_shadow?;
                let ids = |r: &[(usize, String)]| r.iter().map(|(i, _)| *i).collect::<Vec<_>>();
                if on_spare.is_ok_and(|s| ids(&s) == ids(&refused)) {
                    (refused, Some((spare, spare_conn)))
                } else {
                    spare_conn.close().await;
                    self.scratches.discard(&spare);
                    (refused, None)
                }
            }
            other => {
                if let Some((spare, spare_conn, _)) = other {
                    spare_conn.close().await;
                    self.scratches.discard(&spare);
                }
                let refused = catch_up(shadow_conn, state, good, shadow.applied, table).await?;
                (refused, None)
            }
        };
        forget_refused(state, &refused, good);
        shadow.applied = good.len();
        let (copy, conn) = match copy {
            Some(ready) => ready,
            None => {
                if let Some(conn) = shadow.conn.take() {
                    conn.close().await;
                }
                let copy = self.scratches.copy(&shadow.scratch).await?;
                let conn = Connection::open(&copy.url()).await?;
                (copy, conn)
            }
        };
        self.replace_main(copy, conn).await;
        Ok(refused)
    }

    /// Makes `scratch` (open on `conn`) the database revisions are tested in, dropping the old one.
    async fn replace_main(&mut self, scratch: Scratch, conn: Connection) {
        let old_conn = std::mem::replace(&mut self.conn, conn);
        let old = std::mem::replace(&mut self.main, scratch);
        old_conn.close().await;
        self.scratches.discard(&old);
        self.scratches.set_main(&self.main);
    }

    async fn close(self) {
        self.conn.close().await;
        if let Some(Shadow {
            conn: Some(conn), ..
        }) = self.shadow
        {
            conn.close().await;
        }
    }
}

/// Takes the revisions a rebuild could not upgrade, and their descendants, out of `good`.
fn forget_refused(state: &State, refused: &[(usize, String)], good: &mut Vec<usize>) {
    let gone: BTreeSet<usize> = refused
        .iter()
        .flat_map(|&(i, _)| state.graph.descendants(&[i]).into_iter().chain([i]))
        .collect();
    good.retain(|i| !gone.contains(i));
}

/// A connection for plain upgrades in a scratch database: commits need not wait for the disk
/// there (nothing in it must survive a crash), which makes a catch-up several times faster.
async fn open_for_catch_up(scratch: &Scratch) -> Result<Connection, Error> {
    let mut conn = Connection::open(&scratch.url()).await?;
    let relax = conn.dialect().without_durable_commits();
    // Only a speed-up: if the server refuses, the upgrades run as they would anyway.
    let _ = conn.execute(relax).await;
    Ok(conn)
}

/// Plain upgrades of `good[from..]` in `conn`. A revision that fails (it rolls back) is returned
/// with its error, and its descendants are skipped.
async fn catch_up(
    conn: &mut impl Database,
    state: &State,
    good: &[usize],
    from: usize,
    table: &str,
) -> Result<Vec<(usize, String)>, Error> {
    let mut refused = Vec::new();
    let mut gone = BTreeSet::new();
    for &i in good.get(from..).unwrap_or_default() {
        if gone.contains(&i) {
            continue;
        }
        let up = state.step(i, Direction::Up)?;
        if let Err(e) = apply(conn, table, std::slice::from_ref(&up)).await {
            gone.extend(state.graph.descendants(&[i]));
            refused.push((i, e.to_string()));
        }
    }
    Ok(refused)
}

/// Downgrades everything and compares with the empty database.
async fn down_to_base(
    conn: &mut impl Database,
    source: &MigrationSource,
    table: &str,
    empty: &Schema,
) -> Result<RevisionResult, Error> {
    let started = Instant::now();
    let rows = conn.applied(table).await?;
    let state = State::build(source.clone(), rows)?;
    let order = plan::downgrade(&state.graph, &state.applied, &Target::Base)?;
    let steps = match state.steps(&order, Direction::Down) {
        Ok(steps) => steps,
        Err(e) => {
            return Ok(base_result(
                Status::NotRun,
                vec![format!("not run: {e}")],
                started,
            ));
        }
    };
    if let Err(e) = apply(conn, table, &steps).await {
        return Ok(base_result(
            Status::Failed,
            vec![format!("downgrading to base failed: {e}")],
            started,
        ));
    }
    let after = schema::snapshot(conn, table).await?;
    let problems: Vec<String> = schema::diff(empty, &after)
        .iter()
        .map(|d| format!("after downgrading everything to base: {d}"))
        .collect();
    let status = if problems.is_empty() {
        Status::Passed
    } else {
        Status::Failed
    };
    Ok(base_result(status, problems, started))
}

fn base_result(status: Status, problems: Vec<String>, started: Instant) -> RevisionResult {
    RevisionResult {
        revision: RevisionId::parse("base")
            .unwrap_or_else(|_| unreachable!("`base` is a valid id")),
        message: "downgrade everything to base".into(),
        status,
        duration_ms: started.elapsed().as_millis(),
        problems,
        column_order: Vec::new(),
        rebuilt: false,
        rebuild_ms: 0,
        atomic: true,
    }
}

async fn apply(conn: &mut impl Database, table: &str, steps: &[PlannedStep]) -> Result<(), Error> {
    executor::run(conn, table, steps, &mut Silent).await?;
    Ok(())
}
