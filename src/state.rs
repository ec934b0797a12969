//! The project as the commands see it: the revision files, what the database records, and the
//! graph built from both (revisions recorded without a file join it, so `down` and `history` work
//! when the database is ahead of the code).

use std::collections::HashSet;
use std::path::PathBuf;

use crate::db::{AppliedRow, VersionRow};
use crate::error::{LoadError, PlanError, Problem};
use crate::graph::{Claim, suggest_fixes};
use crate::graph::{NodeSpec, RevisionGraph};
use crate::plan::{AppliedSet, Direction};
use crate::source::{BrokenFile, Lexicon, MigrationSource, RevisionFile, RevisionId, Section};

/// Files, records and the graph joining them.
#[derive(Debug)]
pub struct State {
    /// The revision graph.
    pub graph: RevisionGraph,
    /// The file of each node, by node index; `None` for a broken or missing file.
    pub files: Vec<Option<RevisionFile>>,
    /// The broken file of each node (header read, sections not), by node index.
    pub broken: Vec<Option<BrokenFile>>,
    /// The version-table row of each node, by node index.
    pub records: Vec<Option<AppliedRow>>,
    /// What is applied.
    pub applied: AppliedSet,
    /// The migrations folder.
    pub dir: PathBuf,
    /// Rows of revisions a baseline replaces (`-- replaces:`) whose files are gone: the
    /// baseline stands for them.
    pub replaced: Vec<AppliedRow>,
    /// Baselines counted as applied because the database applied everything they replace; the
    /// next run records them in place of those rows (no migration SQL runs).
    pub baselines_to_record: Vec<usize>,
    /// Baselines the database applied only part of: (baseline, replaced ids it has, ids it lacks).
    pub part_way: Vec<(usize, Vec<RevisionId>, Vec<RevisionId>)>,
    /// The lexical rules the files were read by, for down sections stored in the version table.
    pub lexicon: Lexicon,
}

/// One step ready to run: what to send and how to report it.
#[derive(Debug, Clone)]
pub struct PlannedStep {
    /// The revision.
    pub id: RevisionId,
    /// Its message.
    pub message: String,
    /// Its file, or a note that the SQL comes from the version table.
    pub path: PathBuf,
    /// Apply or revert.
    pub direction: Direction,
    /// The section to run.
    pub section: Section,
    /// The bookkeeping row.
    pub row: VersionRow,
}

/// A baseline whose own row is absent counts as applied when every revision it replaces is
/// recorded (then a run records it in their place), and as part-way when only some are.
#[allow(clippy::type_complexity)]
fn recognise_baselines(
    files: &[Option<RevisionFile>],
    records: &mut [Option<AppliedRow>],
    by_time: &mut Vec<usize>,
    replaced: &[AppliedRow],
) -> (Vec<usize>, Vec<(usize, Vec<RevisionId>, Vec<RevisionId>)>) {
    let mut to_record = Vec::new();
    let mut part_way = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let Some(file) = file else { continue };
        if file.replaces.is_empty() || records[i].is_some() {
            continue;
        }
        let row_of = |id: &RevisionId| replaced.iter().find(|r| &r.row.revision == id);
        let (have, lack): (Vec<&RevisionId>, Vec<&RevisionId>) =
            file.replaces.iter().partition(|id| row_of(id).is_some());
        if lack.is_empty() {
            let latest = have
                .iter()
                .filter_map(|id| row_of(id))
                .map(|r| r.applied_at.clone())
                .max()
                .unwrap_or_default();
            records[i] = Some(AppliedRow {
                row: version_row(file),
                applied_at: latest,
                duration_ms: 0,
                incomplete: None,
            });
            by_time.push(i);
            to_record.push(i);
        } else if !have.is_empty() {
            part_way.push((
                i,
                have.into_iter().cloned().collect(),
                lack.into_iter().cloned().collect(),
            ));
        }
    }
    (to_record, part_way)
}

impl State {
    /// Refuses, before any database is touched (or a SQLite file created), files that no
    /// version table can excuse: all problems but a missing parent, which the table may know (a
    /// deleted applied file), and a duplicate id, whose fix depends on which file is applied.
    /// `up`, `down`, `stamp` and the embedded migrator share it.
    pub fn refuse_broken_before_connecting(source: &MigrationSource) -> Result<(), LoadError> {
        match State::build(source.clone(), Vec::new()) {
            Err(LoadError::Problems { dir, problems })
                if problems.iter().any(|p| {
                    !matches!(
                        p,
                        Problem::UnknownParent { .. } | Problem::DuplicateRevision { .. }
                    )
                }) =>
            {
                Err(LoadError::Problems { dir, problems })
            }
            _ => Ok(()),
        }
    }

    /// Joins the loaded files and the recorded rows. Fails when a file's header cannot be read
    /// or the graph cannot be built (duplicate ids, unknown parents, cycles), reporting every
    /// problem of the folder at once; a file broken only in its sections joins the graph and is
    /// refused only by what would run it (see [`State::broken_files`]).
    pub fn build(source: MigrationSource, rows: Vec<AppliedRow>) -> Result<State, LoadError> {
        let unreadable = source.broken_ids();
        let file_ids: HashSet<&RevisionId> = source
            .files
            .iter()
            .map(|f| &f.id)
            .chain(source.broken.iter().map(|b| &b.id))
            .collect();
        let mut specs: Vec<NodeSpec> = source
            .files
            .iter()
            .map(|file| NodeSpec {
                id: file.id.clone(),
                parents: file.parents.clone(),
                path: Some(file.path.clone()),
            })
            .chain(source.broken.iter().map(|file| NodeSpec {
                id: file.id.clone(),
                parents: file.parents.clone(),
                path: Some(file.path.clone()),
            }))
            .collect();
        let replaced_ids: HashSet<&RevisionId> =
            source.files.iter().flat_map(|f| &f.replaces).collect();
        for row in &rows {
            if !file_ids.contains(&row.row.revision) && !replaced_ids.contains(&row.row.revision) {
                specs.push(NodeSpec {
                    id: row.row.revision.clone(),
                    parents: row.row.parents.clone(),
                    path: None,
                });
            }
        }
        drop(file_ids);
        drop(replaced_ids);
        let graph = match RevisionGraph::build(specs) {
            Ok(graph) if source.problems.is_empty() => graph,
            built => {
                let mut problems = source.problems.clone();
                if let Err(more) = built {
                    // A child of a file that cannot be read is not also missing its parent.
                    problems.extend(more.into_iter().filter(
                        |p| !matches!(p, Problem::UnknownParent { parent, .. } if unreadable.contains(parent)),
                    ));
                }
                explain_collisions(&mut problems, &source, &rows);
                // Failing anyway: report the broken sections too, so one run shows everything.
                problems.extend(
                    source
                        .broken
                        .iter()
                        .map(|b| Problem::Parse(b.error.clone())),
                );
                problems.sort_by(|a, b| problem_path(a).cmp(&problem_path(b)));
                return Err(LoadError::Problems {
                    dir: source.dir,
                    problems,
                });
            }
        };
        // A graph that built has one node per spec, in spec order: usable files, broken files,
        // then revisions known only from the database.
        let usable = source.files.len();
        let mut by_node_files: Vec<Option<RevisionFile>> = Vec::with_capacity(graph.len());
        by_node_files.extend(source.files.into_iter().map(Some));
        by_node_files.resize_with(graph.len(), || None);
        let mut by_node_broken: Vec<Option<BrokenFile>> = vec![None; usable];
        by_node_broken.extend(source.broken.into_iter().map(Some));
        by_node_broken.resize_with(graph.len(), || None);
        debug_assert!(
            by_node_files
                .iter()
                .enumerate()
                .all(|(i, file)| file.as_ref().is_none_or(|f| graph.find(&f.id) == Some(i)))
        );
        let mut records: Vec<Option<AppliedRow>> = vec![None; graph.len()];
        let mut by_time = Vec::with_capacity(rows.len());
        let mut replaced = Vec::new();
        for row in rows {
            if let Some(i) = graph.find(&row.row.revision) {
                by_time.push(i);
                records[i] = Some(row);
            } else {
                replaced.push(row);
            }
        }
        let (baselines_to_record, part_way) =
            recognise_baselines(&by_node_files, &mut records, &mut by_time, &replaced);
        // Rows come oldest first; rows stamped together share a time, so parents go first.
        by_time.sort_by(|a, b| {
            let ta = records[*a].as_ref().map(|r| r.applied_at.as_str());
            let tb = records[*b].as_ref().map(|r| r.applied_at.as_str());
            ta.cmp(&tb)
                .then(graph.position(*a).cmp(&graph.position(*b)))
        });
        Ok(State {
            applied: AppliedSet::from_applied_order(by_time),
            graph,
            files: by_node_files,
            broken: by_node_broken,
            records,
            dir: source.dir,
            replaced,
            baselines_to_record,
            part_way,
            lexicon: source.lexicon,
        })
    }

    /// Revisions whose file is broken in its sections, in topological order.
    pub fn broken_files(&self) -> Vec<usize> {
        self.graph
            .topological()
            .iter()
            .copied()
            .filter(|&i| self.broken[i].is_some())
            .collect()
    }

    /// Refuses `plan` (node indices in run order) if it would run a broken file: any to apply,
    /// and those to revert that have no down section stored in the version table.
    pub fn refuse_broken(&self, plan: &[usize], direction: Direction) -> Result<(), PlanError> {
        let broken: Vec<&BrokenFile> = plan
            .iter()
            .filter(|&&i| direction == Direction::Up || self.records[i].is_none())
            .filter_map(|&i| self.broken[i].as_ref())
            .collect();
        let Some(first) = broken.first() else {
            return Ok(());
        };
        // Where `up` can stop short of the first broken file: its only parent.
        let stop_before = match first.parents.as_slice() {
            [parent] if direction == Direction::Up => Some(parent.clone()),
            _ => None,
        };
        Err(PlanError::BrokenFiles {
            direction,
            ids: broken.iter().map(|b| b.id.clone()).collect(),
            errors: broken.iter().map(|b| b.error.clone()).collect(),
            stop_before,
        })
    }

    /// Recorded revisions that no file defines.
    pub fn missing_files(&self) -> Vec<usize> {
        self.graph
            .topological()
            .iter()
            .copied()
            .filter(|&i| self.files[i].is_none() && self.broken[i].is_none())
            .collect()
    }

    /// Applied revisions whose up section no longer matches the recorded checksum.
    pub fn checksum_mismatches(&self) -> Vec<usize> {
        self.graph
            .topological()
            .iter()
            .copied()
            .filter(|&i| match (&self.files[i], &self.records[i]) {
                (Some(file), Some(record)) => file.checksum != record.row.checksum,
                _ => false,
            })
            .collect()
    }

    /// Refuses to run when the database is ahead of the code or an applied file was edited.
    pub fn check_runnable(
        &self,
        direction: Direction,
        ignore_checksums: bool,
    ) -> Result<(), PlanError> {
        if let Some(error) = self.incomplete_error() {
            return Err(error);
        }
        if let Some((i, have, lack)) = self.part_way.first() {
            return Err(PlanError::PartWayThroughBaseline {
                baseline: self.graph.node(*i).id.clone(),
                have: have.clone(),
                lack: lack.clone(),
            });
        }
        // An applied file that no longer parses was edited since it was applied: refused like
        // a changed checksum, and with `--ignore-checksums` its stored down section is used.
        if !ignore_checksums
            && let Some(file) = self
                .broken_files()
                .into_iter()
                .filter(|i| self.records[*i].is_some())
                .find_map(|i| self.broken[i].as_ref())
        {
            return Err(PlanError::AppliedFileBroken {
                id: file.id.clone(),
                error: file.error.clone(),
            });
        }
        let missing = self.missing_files();
        if direction == Direction::Up && !missing.is_empty() {
            return Err(PlanError::MissingFiles {
                ids: self.graph.ids(&missing),
            });
        }
        if !ignore_checksums && let Some(&i) = self.checksum_mismatches().first() {
            let (Some(file), Some(record)) = (&self.files[i], &self.records[i]) else {
                unreachable!("mismatches have both a file and a record")
            };
            return Err(PlanError::ChecksumMismatch {
                id: file.id.clone(),
                path: file.path.clone(),
                recorded: short(&record.row.checksum),
                current: short(&file.checksum),
            });
        }
        Ok(())
    }

    /// Revisions whose `transaction:false` section stopped part-way (a crash or a failure).
    pub fn incomplete(&self) -> Vec<usize> {
        self.graph
            .topological()
            .iter()
            .copied()
            .filter(|&i| {
                self.records[i]
                    .as_ref()
                    .is_some_and(|r| r.incomplete.is_some())
            })
            .collect()
    }

    /// The refusal for the first incomplete revision: what ran, what did not, and where.
    fn incomplete_error(&self) -> Option<PlanError> {
        let i = *self.incomplete().first()?;
        let record = self.records[i].as_ref()?;
        let progress = record.incomplete.clone().unwrap_or_default();
        let (section, done) = progress.split_once(' ').unwrap_or((&progress, "0/0"));
        let done: usize = done
            .split('/')
            .next()
            .and_then(|d| d.parse().ok())
            .unwrap_or(0);
        let next = self.files[i].as_ref().and_then(|f| {
            let s = if section == "down" {
                f.down.as_ref()?
            } else {
                &f.up
            };
            let statement = s.statements.get(done)?;
            Some(format!("{}:{}", f.path.display(), s.file_line(statement)))
        });
        let node = self.graph.node(i);
        Some(PlanError::Incomplete {
            id: node.id.clone(),
            section: section.to_owned(),
            progress,
            next,
            parent: node
                .parents
                .first()
                .map_or_else(|| "base".to_owned(), |&p| self.graph.node(p).id.to_string()),
        })
    }

    /// The step that applies or reverts node `i`.
    pub fn step(&self, i: usize, direction: Direction) -> Result<PlannedStep, PlanError> {
        let id = self.graph.node(i).id.clone();
        self.refuse_broken(&[i], direction)?;
        if let Some(file) = &self.files[i] {
            let section = match direction {
                Direction::Up => file.up.clone(),
                Direction::Down => file.down.clone().ok_or_else(|| PlanError::NoDownSection {
                    id: id.clone(),
                    path: file.path.clone(),
                })?,
            };
            return Ok(PlannedStep {
                id,
                message: file.message.clone(),
                path: file.path.clone(),
                direction,
                section,
                row: version_row(file),
            });
        }
        // Known only from the version table: revert with the down section stored at apply time.
        let record = self.records[i]
            .as_ref()
            .ok_or_else(|| PlanError::UnknownRevision(id.to_string()))?;
        // (A broken file's revision reaches here only when applied and run with
        // `--ignore-checksums`: its down section as it was applied is the one to trust.)
        let path = PathBuf::from(format!("<{id}: down section stored in the version table>"));
        let Some(sql) = record.row.down_sql.clone() else {
            return Err(PlanError::NoDownSection { id, path });
        };
        Ok(PlannedStep {
            message: record.row.message.clone(),
            direction,
            section: Section {
                statements: crate::source::split_as(&sql, self.lexicon).unwrap_or_default(),
                sql,
                first_line: 1,
                transactional: record.row.down_transactional,
            },
            row: record.row.clone(),
            path,
            id,
        })
    }

    /// Steps for a plan, failing before anything runs if one cannot be built.
    pub fn steps(
        &self,
        plan: &[usize],
        direction: Direction,
    ) -> Result<Vec<PlannedStep>, PlanError> {
        self.refuse_broken(plan, direction)?;
        plan.iter().map(|&i| self.step(i, direction)).collect()
    }

    /// The message of node `i`, from its file or its record.
    pub fn message(&self, i: usize) -> &str {
        match (&self.files[i], &self.broken[i], &self.records[i]) {
            (Some(f), _, _) => &f.message,
            (None, Some(b), _) => &b.message,
            (None, None, Some(r)) => &r.row.message,
            (None, None, None) => "",
        }
    }
}

/// The bookkeeping row for a file's revision.
pub fn version_row(file: &RevisionFile) -> VersionRow {
    VersionRow {
        revision: file.id.clone(),
        parents: file.parents.clone(),
        message: file.message.clone(),
        checksum: file.checksum.clone(),
        down_sql: file.down.as_ref().map(|d| d.sql.clone()),
        down_transactional: file.down.as_ref().is_none_or(|d| d.transactional),
    }
}

/// The first 12 hex digits of a checksum, as shown to people.
pub fn short(checksum: &str) -> String {
    checksum.chars().take(12).collect()
}

/// The file a problem is about, to list a folder's problems in file order.
fn problem_path(problem: &Problem) -> Option<&std::path::Path> {
    match problem {
        Problem::Parse(e) => Some(&e.path),
        Problem::DuplicateRevision { first, .. } => Some(first),
        Problem::UnknownParent { path, .. }
        | Problem::SelfParent { path, .. }
        | Problem::Unreadable { path, .. } => Some(path),
        Problem::Cycle { paths, .. } => paths.first().map(PathBuf::as_path),
    }
}

/// Adds to each duplicate-id problem the fix to suggest: which file to rename to which free id.
fn explain_collisions(problems: &mut [Problem], source: &MigrationSource, rows: &[AppliedRow]) {
    if !problems
        .iter()
        .any(|p| matches!(p, Problem::DuplicateRevision { .. }))
    {
        return;
    }
    let recorded = |id: &RevisionId, checksum: Option<&str>| {
        rows.iter()
            .any(|r| &r.row.revision == id && Some(r.row.checksum.as_str()) == checksum)
    };
    let claims: Vec<Claim<'_>> = source
        .files
        .iter()
        .map(|f| Claim {
            path: &f.path,
            id: &f.id,
            parents: &f.parents,
            applied: recorded(&f.id, Some(&f.checksum)),
        })
        .chain(source.broken.iter().map(|b| Claim {
            path: &b.path,
            id: &b.id,
            parents: &b.parents,
            applied: false,
        }))
        .collect();
    let taken: Vec<&RevisionId> = claims
        .iter()
        .map(|c| c.id)
        .chain(rows.iter().map(|r| &r.row.revision))
        .collect();
    suggest_fixes(problems, &claims, &taken);
}
