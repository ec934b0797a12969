//! How `lint` reports: each finding as a compiler-style block (text), a workflow annotation
//! (`--format github`), or the whole report as one JSON document; a summary on stderr.

use serde::Serialize;

use super::{Shell, View};
use crate::lint::{Finding, Report, Severity};

/// A finished lint run.
#[derive(Debug, Serialize)]
pub struct LintView {
    /// What was found.
    #[serde(flatten)]
    pub report: Report,
    /// `--format github`.
    #[serde(skip)]
    pub github: bool,
}

impl LintView {
    /// The view of `report`, as annotations when `github`.
    pub fn new(report: Report, github: bool) -> Self {
        LintView { report, github }
    }
}

impl View for LintView {
    fn text(&self) -> String {
        let render = if self.github { annotation } else { block };
        self.report.findings.iter().map(render).collect()
    }

    fn status(&self, shell: &Shell) {
        let r = &self.report;
        let count = |s| r.count(s);
        let mut summary = format!(
            "{} revision(s) for PostgreSQL {} (from {}): {} error(s), {} warning(s)",
            r.revisions.len(),
            r.target_version,
            r.target_version_from,
            count(Severity::Error),
            count(Severity::Warning),
        );
        if count(Severity::Style) > 0 {
            summary.push_str(&format!(", {} style", count(Severity::Style)));
        }
        if r.suppressed > 0 {
            summary.push_str(&format!(", {} suppressed", r.suppressed));
        }
        shell.status("Linted", summary);
    }
}

/// ```text
/// error[BM001 create-index-not-concurrently]: index on the existing table "users"
///   --> migrations/0002_x.sql:7:1 (revision 0002)
///    | CREATE INDEX i ON users (email);
///    = why: ...
///    = instead: ...
/// ```
fn block(f: &Finding) -> String {
    let mut out = format!(
        "{}[{} {}]: {}\n  --> {}:{}:{} (revision {})\n",
        f.severity.as_str(),
        f.code,
        f.name,
        f.detail,
        f.file,
        f.line,
        f.column,
        f.revision
    );
    for line in f.statement.lines() {
        out.push_str(&format!("   | {line}\n"));
    }
    out.push_str(&format!(
        "   = why: {}\n   = instead: {}\n\n",
        f.why, f.instead
    ));
    out
}

/// `::error file=..,line=..,col=..,title=..::message`, escaped as the runner expects.
fn annotation(f: &Finding) -> String {
    let level = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Style => "notice",
    };
    let message = format!("{}. Why: {}. Instead: {}", f.detail, f.why, f.instead);
    format!(
        "::{level} file={},line={},col={},title={}::{}\n",
        property(&f.file),
        f.line,
        f.column,
        property(&format!("{} {}", f.code, f.name)),
        data(&message)
    )
}

fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_escape_what_the_runner_would_misread() {
        let f = Finding {
            code: "BM010",
            name: "drop-table",
            severity: Severity::Warning,
            revision: "0002".into(),
            file: "m/0002_a,b.sql".into(),
            line: 7,
            column: 3,
            statement: "DROP TABLE users;".into(),
            detail: "drops \"users\"\n100% gone".into(),
            why: "w",
            instead: "i",
        };
        assert_eq!(
            annotation(&f),
            "::warning file=m/0002_a%2Cb.sql,line=7,col=3,title=BM010 drop-table::drops \"users\"%0A100%25 gone. Why: w. Instead: i\n"
        );
        assert!(block(&f).starts_with("warning[BM010 drop-table]: drops"));
    }
}
