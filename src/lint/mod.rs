//! `lint`: dangerous statements in revisions, found before they reach production.
//!
//! The rules ([`rules`]) are judged per statement with PostgreSQL's own grammar ([`analyze`]),
//! knowing what only brainmig knows: which tables are new (created earlier in the same revision,
//! or in a revision the configured database has not applied yet) and the target server's
//! version. Suppressions ([`suppress`]) and the `[package.metadata.brainmig.lint]` table
//! ([`config`]) decide what is reported. Only up sections are linted: a down section undoes,
//! and its drops are the point of it.

mod analyze;
pub mod config;
pub mod rules;
mod suppress;
pub mod target;

use std::collections::{BTreeSet, HashSet};

use serde::Serialize;

pub use config::LintConfig;
pub use rules::{Rule, Severity};

use crate::source::{RevisionFile, Section};
use crate::state::State;

/// The PostgreSQL major version assumed when no server answers and the configuration names none.
pub const DEFAULT_TARGET_VERSION: u32 = 14;

/// One dangerous statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// `BM001`.
    pub code: &'static str,
    /// `create-index-not-concurrently`.
    pub name: &'static str,
    /// After the configuration's overrides.
    pub severity: Severity,
    /// The revision.
    pub revision: String,
    /// The file, as it was found.
    pub file: String,
    /// 1-based line in the file of the statement's first character.
    pub line: usize,
    /// 1-based column of that character.
    pub column: usize,
    /// The statement, as written (its first lines when long).
    pub statement: String,
    /// What exactly fired.
    pub detail: String,
    /// Why it is dangerous.
    pub why: &'static str,
    /// The safe alternative.
    pub instead: &'static str,
}

/// Everything one run of the linter found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// The revisions looked at, in order.
    pub revisions: Vec<String>,
    /// The PostgreSQL major version the rules assumed, and where it came from.
    pub target_version: u32,
    /// `server`, `config` or `default`.
    pub target_version_from: &'static str,
    /// What remains after suppressions, in file order.
    pub findings: Vec<Finding>,
    /// How many findings a `brainmig:allow` comment or the configuration's `disable` (or
    /// `"off"`) silenced.
    pub suppressed: usize,
}

impl Report {
    /// How many findings have `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// What the run knows beyond the files.
#[derive(Debug, Clone)]
pub struct Target {
    /// The major version, e.g. 16.
    pub version: u32,
    /// `server`, `config` or `default`.
    pub version_from: &'static str,
    /// True when the applied set came from a reachable database: only then are tables created
    /// by unapplied revisions known not to exist yet.
    pub applied_known: bool,
}

/// Lints the revisions `selected` (node indices) of `state`. Every revision is read in
/// topological order so that tables created by unapplied revisions are known as new.
pub fn run(
    state: &State,
    selected: &BTreeSet<usize>,
    target: &Target,
    config: &LintConfig,
) -> Report {
    let mut report = Report {
        target_version: target.version,
        target_version_from: target.version_from,
        ..Report::default()
    };
    // Tables and indexes created by revisions the database has not applied.
    let mut pending: HashSet<String> = HashSet::new();
    for &index in state.graph.topological() {
        let Some(file) = &state.files[index] else {
            continue;
        };
        let mut fresh = pending.clone();
        // Unreadable now (deleted since loading): no file-wide suppressions to honour.
        let raw = std::fs::read_to_string(&file.path).unwrap_or_default();
        let (findings, suppressed) = lint_file(file, &raw, &mut fresh, target.version, config);
        let applied = state.applied.revisions.contains(&index);
        if target.applied_known && !applied {
            pending = fresh;
        }
        if selected.contains(&index) {
            report.revisions.push(file.id.to_string());
            report.findings.extend(findings);
            report.suppressed += suppressed;
        }
    }
    report
}

/// Lints one file's up section (`raw` is the file's text, for its header's suppressions); `fresh` holds the relations that do not exist yet and gains the
/// ones this file creates. Returns the findings left and how many were suppressed.
pub fn lint_file(
    file: &RevisionFile,
    raw: &str,
    fresh: &mut HashSet<String>,
    version: u32,
    config: &LintConfig,
) -> (Vec<Finding>, usize) {
    let shown = file.path.display().to_string();
    let file_allows = suppress::file_allows(raw, file.up.first_line);
    let section = &file.up;
    let texts: Vec<&str> = section
        .statements
        .iter()
        .map(|s| s.text(&section.sql))
        .collect();
    let mut facts = analyze::Facts {
        fresh,
        transactional: section.transactional,
        version,
    };
    let hits = analyze::section(&texts, &mut facts);
    let allows = suppress::statement_allows(section);
    let mut findings = Vec::new();
    let mut suppressed = 0;
    let mut bad = Vec::new();
    for allow in file_allows.iter().chain(allows.iter().flatten()) {
        bad.extend(allow.problems());
    }
    for (line, column, detail) in bad {
        findings.push(finding(
            &rules::BAD_SUPPRESSION,
            &shown,
            file,
            line,
            column,
            "",
            detail,
            rules::BAD_SUPPRESSION.severity,
        ));
    }
    for hit in hits {
        let Some(severity) = config.severity(hit.rule) else {
            // Style rules left off by default are not news; a rule the config turned off is.
            suppressed += usize::from(config.turns_off(hit.rule));
            continue;
        };
        let allowed = |a: &suppress::Allow| a.covers(hit.rule);
        if file_allows.iter().any(allowed) || allows[hit.statement].iter().any(allowed) {
            suppressed += 1;
            continue;
        }
        let statement = &section.statements[hit.statement];
        let (line, column) = position(section, statement.start);
        findings.push(finding(
            hit.rule,
            &shown,
            file,
            line,
            column,
            texts[hit.statement],
            hit.detail,
            severity,
        ));
    }
    findings.sort_by_key(|f| (f.line, f.column, f.code));
    (findings, suppressed)
}

#[allow(clippy::too_many_arguments)] // One finding's fields, named at the one call site each.
fn finding(
    rule: &'static Rule,
    shown: &str,
    file: &RevisionFile,
    line: usize,
    column: usize,
    statement: &str,
    detail: String,
    severity: Severity,
) -> Finding {
    Finding {
        code: rule.code,
        name: rule.name,
        severity,
        revision: file.id.to_string(),
        file: shown.to_owned(),
        line,
        column,
        statement: excerpt(statement),
        detail,
        why: rule.why,
        instead: rule.instead,
    }
}

/// Line and column in the file of a byte offset of the section.
fn position(section: &Section, offset: usize) -> (usize, usize) {
    let before = &section.sql[..offset];
    let line = section.first_line + before.matches('\n').count();
    let column = before.rfind('\n').map_or(offset, |nl| offset - nl - 1) + 1;
    (line, column)
}

/// At most five lines of a statement, so a long function body does not flood the report.
fn excerpt(statement: &str) -> String {
    let lines: Vec<&str> = statement.lines().collect();
    if lines.len() <= 5 {
        statement.to_owned()
    } else {
        format!("{}\n...", lines[..5].join("\n"))
    }
}

/// The rule codes that fire on `sql` as if every table it names already existed: how
/// autogenerate labels its `-- REVIEW:` notes with the linter's vocabulary.
pub fn codes_for(sql: &str, transactional: bool) -> Vec<&'static str> {
    let mut fresh = HashSet::new();
    let mut facts = analyze::Facts {
        fresh: &mut fresh,
        transactional,
        version: DEFAULT_TARGET_VERSION,
    };
    let mut codes: Vec<&'static str> = analyze::section(&[sql], &mut facts)
        .into_iter()
        .map(|h| h.rule)
        .filter(|r| {
            r.severity != Severity::Style
                && r.code != rules::LOCK_TIMEOUT.code
                && r.code != rules::UNPARSABLE.code
        })
        .map(|r| r.code)
        .collect();
    codes.sort_unstable();
    codes.dedup();
    codes
}

#[cfg(test)]
mod tests;
