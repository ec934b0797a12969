//! How the read-only commands (`current`, `history`, `heads`, `branches`, `show`) look: one view
//! per revision, serialized as is for `--format json` and rendered as lines for people, so the two
//! formats cannot drift apart.

use serde::Serialize;

use super::{Shell, Verbosity, View, alert_style, id_style, tag_style};
use crate::source::RevisionId;
use crate::state::{State, short};

/// Everything known about one revision. The field names are the JSON contract.
#[derive(Debug, Clone, Serialize)]
pub struct RevisionView {
    /// The revision.
    pub revision: RevisionId,
    /// Its parents.
    pub parents: Vec<RevisionId>,
    /// Its message (from the file, else the version table).
    pub message: String,
    /// Its file, broken or not.
    pub file: Option<String>,
    /// The `created` header.
    pub created: Option<String>,
    /// Nothing revises it.
    pub head: bool,
    /// It revises nothing.
    pub base: bool,
    /// The database records it.
    pub applied: bool,
    /// When it was applied, in UTC.
    pub applied_at: Option<String>,
    /// How long applying it took.
    pub duration_ms: Option<i64>,
    /// The file's checksum, else the recorded one.
    pub checksum: Option<String>,
    /// The file changed since it was applied.
    pub checksum_changed: bool,
    /// Recorded, but no file defines it.
    pub file_missing: bool,
    /// Why its file does not load.
    pub file_broken: Option<String>,
    /// How far an unfinished `transaction:false` section got.
    pub incomplete: Option<String>,
    /// It can be downgraded.
    pub has_down: bool,
    /// More than one revision revises it (text only: JSON lists branches under `branches`).
    #[serde(skip)]
    pub branch_point: bool,
}

impl RevisionView {
    /// The view of node `i`; `heads` is the graph's heads, computed once by the caller.
    pub fn new(state: &State, i: usize, heads: &[usize]) -> Self {
        let node = state.graph.node(i);
        let file = state.files[i].as_ref();
        let broken = state.broken[i].as_ref();
        let record = state.records[i].as_ref();
        RevisionView {
            revision: node.id.clone(),
            parents: state.graph.ids(&node.parents),
            message: state.message(i).to_owned(),
            file: file
                .map(|f| &f.path)
                .or(broken.map(|b| &b.path))
                .map(|p| p.display().to_string()),
            created: file.and_then(|f| f.created.clone()),
            head: heads.contains(&i),
            base: node.parents.is_empty(),
            applied: record.is_some(),
            applied_at: record.map(|r| format!("{} UTC", r.applied_at)),
            duration_ms: record.map(|r| r.duration_ms),
            checksum: file
                .map(|f| f.checksum.clone())
                .or_else(|| record.map(|r| r.row.checksum.clone())),
            checksum_changed: matches!((file, record), (Some(f), Some(r)) if f.checksum != r.row.checksum),
            file_missing: file.is_none() && broken.is_none(),
            file_broken: broken.map(|b| b.error.to_string()),
            incomplete: record.and_then(|r| r.incomplete.clone()),
            has_down: file.map_or_else(
                || record.is_some_and(|r| r.row.down_sql.is_some()),
                |f| f.down.is_some(),
            ),
            branch_point: node.children.len() > 1,
        }
    }

    /// One line, `* 0003 -> 0004 (head), add full_name`, and with `verbose` the details under it.
    pub fn line(&self, verbose: bool) -> String {
        let mark = if self.applied { "*" } else { " " };
        let parents = if self.parents.is_empty() {
            "<base>".to_owned()
        } else {
            join(&self.parents)
        };
        let mut text = format!("{mark} {parents} -> {}, {}\n", self.title(), self.message);
        if verbose {
            if let Some(file) = &self.file {
                text.push_str(&format!("      file:     {file}\n"));
            }
            if let Some(created) = &self.created {
                text.push_str(&format!("      created:  {created}\n"));
            }
            if let (Some(at), Some(ms)) = (&self.applied_at, self.duration_ms) {
                text.push_str(&format!("      applied:  {at} ({ms} ms)\n"));
            }
            if let Some(sum) = &self.checksum {
                text.push_str(&format!("      checksum: {}\n", short(sum)));
            }
        }
        text
    }

    /// The id and its tags: `0004 (head) (merge)`.
    pub fn title(&self) -> String {
        let mut tags = Vec::new();
        if self.head {
            tags.push(tag_style("(head)"));
        }
        if self.branch_point {
            tags.push(tag_style("(branch point)"));
        }
        if self.parents.len() > 1 {
            tags.push(tag_style("(merge)"));
        }
        if self.file_broken.is_some() {
            tags.push(alert_style("(file broken)"));
        } else if self.file_missing {
            tags.push(alert_style("(file missing)"));
        }
        if let Some(progress) = &self.incomplete {
            tags.push(alert_style(format!("(incomplete: {progress})")));
        }
        if self.checksum_changed {
            tags.push(alert_style("(changed since applied)"));
        }
        let tags: String = tags.iter().map(|t| format!(" {t}")).collect();
        format!("{}{tags}", id_style(&self.revision))
    }
}

fn join(ids: &[RevisionId]) -> String {
    ids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `current`, `history` or `heads`: a list of revisions under one key, or a line saying why it
/// is empty.
#[derive(Debug, Clone)]
pub struct RevisionList {
    /// The JSON key: `current`, `history` or `heads`.
    pub key: &'static str,
    /// The revisions, in the order shown.
    pub revisions: Vec<RevisionView>,
    /// The line printed instead of an empty list.
    pub empty: &'static str,
    /// `-v`: details under each line.
    pub verbose: bool,
}

impl RevisionList {
    /// The views of `indices`, in that order.
    pub fn new(state: &State, key: &'static str, indices: &[usize]) -> Self {
        let heads = state.graph.heads();
        RevisionList {
            key,
            revisions: indices
                .iter()
                .map(|&i| RevisionView::new(state, i, &heads))
                .collect(),
            empty: "",
            verbose: false,
        }
    }

    /// Prints the list, or `empty` when there is nothing in it; `-v` adds details.
    pub fn report(mut self, shell: &Shell, empty: &'static str) {
        self.empty = empty;
        self.verbose = shell.verbosity() == Verbosity::Verbose;
        shell.report(&self);
    }
}

impl Serialize for RevisionList {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(self.key, &self.revisions)?;
        map.end()
    }
}

impl View for RevisionList {
    fn text(&self) -> String {
        if self.revisions.is_empty() {
            return format!("{}\n", self.empty);
        }
        self.revisions
            .iter()
            .map(|r| r.line(self.verbose))
            .collect()
    }
}

/// A branch point and the revisions that revise it.
#[derive(Debug, Clone, Serialize)]
pub struct BranchPointView {
    /// The branch point.
    #[serde(flatten)]
    pub revision: RevisionView,
    /// Its children's ids.
    pub branches: Vec<RevisionId>,
    /// Its children's messages, for the text form.
    #[serde(skip)]
    pub branch_messages: Vec<String>,
}

/// `branches`.
#[derive(Debug, Clone, Serialize)]
pub struct BranchesView {
    /// Every branch point, in topological order.
    pub branches: Vec<BranchPointView>,
    /// `-v`.
    #[serde(skip)]
    pub verbose: bool,
}

impl BranchesView {
    /// The branch points of the state's graph.
    pub fn new(state: &State) -> Self {
        let heads = state.graph.heads();
        let branches = state
            .graph
            .branch_points()
            .into_iter()
            .map(|i| {
                let children = &state.graph.node(i).children;
                BranchPointView {
                    revision: RevisionView::new(state, i, &heads),
                    branches: state.graph.ids(children),
                    branch_messages: children
                        .iter()
                        .map(|&c| state.message(c).to_owned())
                        .collect(),
                }
            })
            .collect();
        BranchesView {
            branches,
            verbose: false,
        }
    }
}

impl View for BranchesView {
    fn text(&self) -> String {
        if self.branches.is_empty() {
            return "no branch points: the history is linear\n".to_owned();
        }
        let mut text = String::new();
        for point in &self.branches {
            text.push_str(&point.revision.line(self.verbose));
            for (id, message) in point.branches.iter().zip(&point.branch_messages) {
                text.push_str(&format!("      -> {}, {message}\n", id_style(id)));
            }
        }
        text
    }
}

/// `show`: one revision with its SQL.
#[derive(Debug, Clone, Serialize)]
pub struct ShowView {
    /// The revision.
    #[serde(flatten)]
    pub revision: RevisionView,
    /// The up section, when a file holds it.
    pub up_sql: Option<String>,
    /// The down section, from the file or the version table.
    pub down_sql: Option<String>,
    /// What the text shows in place of a missing up section.
    #[serde(skip)]
    no_up: String,
    /// What the text shows in place of a missing down section.
    #[serde(skip)]
    no_down: &'static str,
}

impl ShowView {
    /// Node `i` in full.
    pub fn new(state: &State, i: usize) -> Self {
        let (up_sql, down_sql) = match (&state.files[i], &state.records[i]) {
            (Some(f), _) => (
                Some(f.up.sql.clone()),
                f.down.as_ref().map(|s| s.sql.clone()),
            ),
            (None, Some(r)) => (None, r.row.down_sql.clone()),
            (None, None) => (None, None),
        };
        let (no_up, no_down) = match &state.broken[i] {
            Some(b) => (
                format!("-- (the file is broken: {})\n", b.error),
                "-- (the file is broken: see the up section)\n",
            ),
            None => (
                "-- (no file: the up section is not stored)\n".to_owned(),
                "-- (none: this revision cannot be downgraded)\n",
            ),
        };
        ShowView {
            revision: RevisionView::new(state, i, &state.graph.heads()),
            up_sql,
            down_sql,
            no_up,
            no_down,
        }
    }
}

impl View for ShowView {
    fn text(&self) -> String {
        // The verbose line already says when an applied revision was applied.
        let mut text = self.revision.line(true);
        if !self.revision.applied {
            text.push_str("      applied:  no\n");
        }
        text.push_str("\n-- migrate:up\n");
        text.push_str(self.up_sql.as_deref().unwrap_or(&self.no_up));
        text.push_str("\n-- migrate:down\n");
        text.push_str(self.down_sql.as_deref().unwrap_or(self.no_down));
        text
    }
}

/// Notes on stderr that `current` and `history` add to their data.
pub fn warn_about_state(shell: &super::Shell, state: &State) {
    let missing = state.missing_files();
    if !missing.is_empty() {
        shell.warn(format_args!(
            "Revision not found: the database records {} with no file here; restore the file, `down` past it, or `stamp` a known revision",
            join(&state.graph.ids(&missing))
        ));
    }
    for i in state.incomplete() {
        let progress = state.records[i]
            .as_ref()
            .and_then(|r| r.incomplete.clone())
            .unwrap_or_default();
        shell.warn(format_args!(
            "revision {} did not finish its section run statement by statement ({progress}); `cargo brainmig up` explains what to do",
            state.graph.node(i).id
        ));
    }
    for i in state.checksum_mismatches() {
        let id = &state.graph.node(i).id;
        shell.warn(format_args!(
            "revision {id} changed since it was applied; review it and run `cargo brainmig rehash {id}`"
        ));
    }
    let pending = state.graph.len() - state.applied.revisions.len();
    if pending > 0 && missing.is_empty() {
        shell.note(format_args!(
            "Target database is not up to date: {pending} revision(s) pending; run `cargo brainmig up`"
        ));
    }
}

/// Warns about each broken file except those in `refused` (reported as an error instead):
/// the commands that do not need a file go on without it.
pub fn warn_broken(shell: &super::Shell, state: &State, refused: &[usize]) {
    for i in state.broken_files() {
        let Some(file) = state.broken[i].as_ref().filter(|_| !refused.contains(&i)) else {
            continue;
        };
        let consequence = if state.records[i].is_some() {
            "it is applied, so `up` and `down` refuse to run until the file is restored"
        } else {
            "`up` will refuse to apply it until it is fixed"
        };
        shell.warn(format_args!(
            "revision `{}`: {}; {consequence}",
            file.id, file.error
        ));
    }
}

/// Warns about each revision of an `up` plan whose up section has no statements (a no-op kept
/// for numbering, an import): it is recorded as applied without running SQL. Merges are empty by
/// nature and not named.
pub fn warn_empty_up(shell: &super::Shell, state: &State, plan: &[usize]) {
    for &i in plan {
        let Some(file) = state.files[i].as_ref() else {
            continue;
        };
        if file.up.statements.is_empty() && file.parents.len() < 2 {
            shell.warn(format_args!(
                "revision `{}` ({}): its up section has no statements; it is recorded as applied without running SQL",
                file.id,
                file.path.display()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> RevisionView {
        let id = |s: &str| RevisionId::parse(s).expect("id");
        RevisionView {
            revision: id("0004"),
            parents: vec![id("0002"), id("0003")],
            message: "join".into(),
            file: Some("migrations/0004_join.sql".into()),
            created: Some("2026-11-24 10:31:07 UTC".into()),
            head: true,
            base: false,
            applied: true,
            applied_at: Some("2026-11-25 08:00:00 UTC".into()),
            duration_ms: Some(12),
            checksum: Some("0123456789abcdef0123".into()),
            checksum_changed: true,
            file_missing: false,
            file_broken: None,
            incomplete: None,
            has_down: true,
            branch_point: false,
        }
    }

    #[test]
    fn a_revision_line_marks_applied_parents_and_tags() {
        console::set_colors_enabled(false);
        let v = view();
        assert_eq!(
            v.line(false),
            "* 0002, 0003 -> 0004 (head) (merge) (changed since applied), join\n"
        );
        let verbose = v.line(true);
        assert!(verbose.contains("\n      file:     migrations/0004_join.sql\n"));
        assert!(verbose.contains("\n      applied:  2026-11-25 08:00:00 UTC (12 ms)\n"));
        assert!(verbose.contains("\n      checksum: "));
    }

    #[test]
    fn the_json_of_a_list_is_keyed_by_command_and_keeps_every_field_name() {
        let list = RevisionList {
            key: "heads",
            revisions: vec![view()],
            empty: "no revisions yet",
            verbose: false,
        };
        let doc = serde_json::to_value(&list).expect("serializes");
        let fields: Vec<&str> = doc["heads"][0]
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            fields,
            [
                "applied",
                "applied_at",
                "base",
                "checksum",
                "checksum_changed",
                "created",
                "duration_ms",
                "file",
                "file_broken",
                "file_missing",
                "has_down",
                "head",
                "incomplete",
                "message",
                "parents",
                "revision"
            ]
        );
        let empty = RevisionList {
            revisions: Vec::new(),
            ..list
        };
        assert_eq!(empty.text(), "no revisions yet\n");
    }
}
