//! The project as the commands see it: the revision files, what the database records, and the
//! graph built from both (revisions recorded without a file join it, so `down` and `history` work
//! when the database is ahead of the code).

use std::collections::HashSet;
use std::path::PathBuf;

use crate::db::{AppliedRow, VersionRow};
use crate::error::{LoadError, PlanError};
use crate::graph::{NodeSpec, RevisionGraph};
use crate::plan::{AppliedSet, Direction};
use crate::source::{MigrationSource, RevisionFile, RevisionId, Section};

/// Files, records and the graph joining them.
#[derive(Debug)]
pub struct State {
    /// The revision graph.
    pub graph: RevisionGraph,
    /// The file of each node, by node index.
    pub files: Vec<Option<RevisionFile>>,
    /// The version-table row of each node, by node index.
    pub records: Vec<Option<AppliedRow>>,
    /// What is applied.
    pub applied: AppliedSet,
    /// The migrations folder.
    pub dir: PathBuf,
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

impl State {
    /// Joins the loaded files and the recorded rows; fails on any broken file or graph problem.
    pub fn build(source: MigrationSource, rows: Vec<AppliedRow>) -> Result<State, LoadError> {
        let broken = source.broken_ids();
        let mut problems = source.problems;
        let file_ids: HashSet<&RevisionId> = source.files.iter().map(|f| &f.id).collect();
        let mut specs: Vec<NodeSpec> = source
            .files
            .iter()
            .map(|file| NodeSpec {
                id: file.id.clone(),
                parents: file.parents.clone(),
                path: Some(file.path.clone()),
            })
            .collect();
        for row in &rows {
            if !file_ids.contains(&row.row.revision) {
                specs.push(NodeSpec {
                    id: row.row.revision.clone(),
                    parents: row.row.parents.clone(),
                    path: None,
                });
            }
        }
        drop(file_ids);
        let graph = match RevisionGraph::build(specs) {
            Ok(graph) if problems.is_empty() => graph,
            Ok(_) => {
                return Err(LoadError::Problems {
                    dir: source.dir,
                    problems,
                });
            }
            Err(more) => {
                // A child of a file that failed to parse is not also missing its parent.
                problems.extend(more.into_iter().filter(
                    |p| !matches!(p, crate::error::Problem::UnknownParent { parent, .. } if broken.contains(parent)),
                ));
                return Err(LoadError::Problems {
                    dir: source.dir,
                    problems,
                });
            }
        };
        // A graph that built has one node per spec, in spec order: the files come first.
        let mut by_node_files: Vec<Option<RevisionFile>> = Vec::with_capacity(graph.len());
        by_node_files.extend(source.files.into_iter().map(Some));
        by_node_files.resize_with(graph.len(), || None);
        debug_assert!(
            by_node_files
                .iter()
                .enumerate()
                .all(|(i, file)| file.as_ref().is_none_or(|f| graph.find(&f.id) == Some(i)))
        );
        let mut records: Vec<Option<AppliedRow>> = vec![None; graph.len()];
        let mut by_time = Vec::with_capacity(rows.len());
        for row in rows {
            if let Some(i) = graph.find(&row.row.revision) {
                by_time.push(i);
                records[i] = Some(row);
            }
        }
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
            records,
            dir: source.dir,
        })
    }

    /// Recorded revisions that no file defines.
    pub fn missing_files(&self) -> Vec<usize> {
        self.graph
            .topological()
            .iter()
            .copied()
            .filter(|&i| self.files[i].is_none())
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
        let path = PathBuf::from(format!("<{id}: down section stored in the version table>"));
        let Some(sql) = record.row.down_sql.clone() else {
            return Err(PlanError::NoDownSection { id, path });
        };
        Ok(PlannedStep {
            message: record.row.message.clone(),
            direction,
            section: Section {
                statements: crate::source::split(&sql).unwrap_or_default(),
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
        plan.iter().map(|&i| self.step(i, direction)).collect()
    }

    /// The message of node `i`, from its file or its record.
    pub fn message(&self, i: usize) -> &str {
        match (&self.files[i], &self.records[i]) {
            (Some(f), _) => &f.message,
            (None, Some(r)) => &r.row.message,
            (None, None) => "",
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
