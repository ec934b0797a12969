//! How `new --autogenerate`, `check` and `diff` report: notes and what could not be generated on
//! stderr, the differences and their SQL (or the new file) as data.

use serde::Serialize;

use super::{Shell, View};
use crate::autogen::{Migration, Statement};
use crate::source::RevisionId;

/// Notes and what could not be generated, on stderr, before anything else is reported.
pub fn announce_notes(shell: &Shell, m: &Migration) {
    for note in &m.notes {
        shell.note(note);
    }
    for what in &m.unsupported {
        shell.warn(format_args!("brainmig cannot generate: {what}"));
    }
}

/// `new --autogenerate` when the schema file matches the head: no file written.
#[derive(Debug, Serialize)]
pub struct UnchangedView {
    /// Always `null`.
    pub revision: Option<RevisionId>,
    /// Always `null`.
    pub file: Option<String>,
    /// Always `true`.
    pub unchanged: bool,
    /// What autogenerate left alone on purpose.
    pub notes: Vec<String>,
    /// The schema file, for the status line.
    #[serde(skip)]
    pub schema: String,
}

impl UnchangedView {
    /// Nothing written: `schema` matches the head.
    pub fn new(schema: &std::path::Path, notes: Vec<String>) -> Self {
        UnchangedView {
            revision: None,
            file: None,
            unchanged: true,
            notes,
            schema: schema.display().to_string(),
        }
    }
}

impl View for UnchangedView {
    fn status(&self, shell: &Shell) {
        shell.status(
            "Unchanged",
            format_args!("`{}` matches the head; no revision written", self.schema),
        );
    }
}

/// A statement to review, with its section.
#[derive(Debug, Serialize)]
pub struct ReviewView {
    /// `up` or `down`.
    pub section: &'static str,
    /// The statement.
    pub sql: String,
    /// Why to review it.
    pub review: Option<String>,
    /// The `lint` codes of the same danger (`BM010`...).
    pub codes: Vec<&'static str>,
}

/// `new --autogenerate` that wrote a revision.
#[derive(Debug, Serialize)]
pub struct GeneratedView {
    /// The new revision.
    pub revision: RevisionId,
    /// Its parents.
    pub parents: Vec<RevisionId>,
    /// Its message.
    pub message: String,
    /// The file written.
    pub file: String,
    /// Always `false`.
    pub unchanged: bool,
    /// Statements in the up section.
    pub up_statements: usize,
    /// Statements in the down section.
    pub down_statements: usize,
    /// The statements to review.
    pub reviews: Vec<ReviewView>,
    /// What could not be generated.
    pub unsupported: Vec<String>,
    /// What was left alone on purpose.
    pub notes: Vec<String>,
}

impl GeneratedView {
    /// The view of a written revision.
    pub fn new(
        revision: &crate::scaffold::NewRevision,
        file: String,
        m: &Migration,
    ) -> GeneratedView {
        GeneratedView {
            revision: revision.id.clone(),
            parents: revision.parents.clone(),
            message: revision.message.clone(),
            file,
            unchanged: false,
            up_statements: m.up.len(),
            down_statements: m.down.len(),
            reviews: m
                .reviews()
                .map(|(section, s)| ReviewView {
                    section,
                    sql: s.sql.clone(),
                    review: s.review.clone(),
                    codes: crate::lint::codes_for(&s.sql, true),
                })
                .collect(),
            unsupported: m.unsupported.clone(),
            notes: m.notes.clone(),
        }
    }
}

impl View for GeneratedView {
    fn text(&self) -> String {
        format!("{}\n", self.file)
    }

    /// The status line, then the statements to review.
    fn status(&self, shell: &Shell) {
        shell.status(
            "Generated",
            format_args!(
                "revision {} ({}): {} statement(s) up, {} down",
                self.revision, self.message, self.up_statements, self.down_statements
            ),
        );
        if self.reviews.is_empty() {
            return;
        }
        shell.warn(format_args!(
            "{} statement(s) in `{}` need review before they run:",
            self.reviews.len(),
            self.file
        ));
        for r in &self.reviews {
            let first_line = r.sql.lines().next().unwrap_or_default();
            let mut why = r.review.as_deref().unwrap_or_default().replace('\n', "; ");
            if !r.codes.is_empty() {
                why = format!("[{}] {why}", r.codes.join(","));
            }
            shell.warn(format_args!("  [{}] {first_line}\n      {why}", r.section));
        }
    }
}

/// `check` or `diff` that found nothing to change.
#[derive(Debug, Serialize)]
pub struct MatchView {
    /// How many revisions built the expected state.
    pub revisions: usize,
    /// `check`'s schema file; `diff` has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Always empty.
    pub differences: Vec<String>,
    /// What could not be compared.
    pub unsupported: Vec<String>,
    /// What was left alone on purpose.
    pub notes: Vec<String>,
    /// Always empty.
    pub sql: Vec<Statement>,
}

impl MatchView {
    /// A clean comparison; `schema` for `check`, `None` for `diff`.
    pub fn new(revisions: usize, schema: Option<String>, m: &Migration) -> Self {
        MatchView {
            revisions,
            schema,
            differences: Vec::new(),
            unsupported: m.unsupported.clone(),
            notes: m.notes.clone(),
            sql: Vec::new(),
        }
    }
}

impl View for MatchView {
    fn status(&self, shell: &Shell) {
        match &self.schema {
            Some(schema) => shell.status(
                "Checked",
                format_args!(
                    "{} revision(s), one head; `{schema}` matches what they build",
                    self.revisions
                ),
            ),
            None => shell.status(
                "Checked",
                format_args!(
                    "no drift: the database is what its {} recorded revision(s) build",
                    self.revisions
                ),
            ),
        }
    }
}

/// `check` or `diff` that found differences: each in words, and the SQL that would reconcile them.
#[derive(Debug, Serialize)]
pub struct DifferencesView {
    /// Each difference.
    pub differences: Vec<String>,
    /// What could not be compared.
    pub unsupported: Vec<String>,
    /// The statements that would reconcile them.
    pub sql: Vec<Statement>,
    /// The line above the list.
    #[serde(skip)]
    pub heading: String,
    /// The statements as a script, review lines included.
    #[serde(skip)]
    pub script: String,
}

impl DifferencesView {
    /// The differences under `heading`.
    pub fn new(heading: String, differences: Vec<String>, m: &Migration) -> Self {
        DifferencesView {
            differences,
            unsupported: m.unsupported.clone(),
            sql: m.up.clone(),
            heading,
            script: m.section_sql(&m.up),
        }
    }
}

impl View for DifferencesView {
    fn text(&self) -> String {
        let mut text = format!("{}\n", self.heading);
        for d in &self.differences {
            text.push_str(&format!("  - {d}\n"));
        }
        text.push_str("\n-- SQL that would reconcile them:\n");
        text.push_str(&self.script);
        text
    }
}
