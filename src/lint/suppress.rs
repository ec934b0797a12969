//! `brainmig:allow` comments: the person who accepts a danger says which rule and why.
//!
//! ```sql
//! -- brainmig:allow-file BM013 ids of this lookup table never pass 100   (in the header)
//!
//! -- brainmig:allow BM001,BM012 the table has 40 rows                    (before a statement)
//! CREATE INDEX ...;
//! ```
//!
//! A statement's comments are those between the end of the previous statement and its start,
//! found with our lexer, so a `brainmig:allow` inside a string or a function body is no comment.

use crate::source::{Section, TokenKind, tokens};

use super::rules::{self, Rule};

/// One `brainmig:allow` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allow {
    /// The codes it names, as written (`BM001` or a rule name).
    pub codes: Vec<String>,
    /// Its reason; empty when it gives none.
    pub reason: String,
    /// 1-based line and column in the file.
    pub line: usize,
    /// See `line`.
    pub column: usize,
}

impl Allow {
    /// True when it names `rule` (by code or name).
    pub fn covers(&self, rule: &Rule) -> bool {
        self.codes
            .iter()
            .any(|c| c.eq_ignore_ascii_case(rule.code) || c == rule.name)
    }

    /// What is wrong with it, as (line, column, detail): no reason, no code, an unknown code.
    pub fn problems(&self) -> Vec<(usize, usize, String)> {
        let mut out = Vec::new();
        let at = |detail: String| (self.line, self.column, detail);
        if self.codes.is_empty() {
            out.push(at("`brainmig:allow` names no rule code".to_owned()));
        }
        for code in &self.codes {
            if rules::find(code).is_none() {
                out.push(at(format!(
                    "`brainmig:allow` names an unknown rule `{code}`"
                )));
            }
        }
        if self.reason.is_empty() {
            out.push(at(format!(
                "`brainmig:allow {}` gives no reason",
                self.codes.join(",")
            )));
        }
        out
    }
}

/// Reads `brainmig:allow CODES reason` from the text of one comment (after `--` or inside
/// `/* */`); `None` when the comment is not one.
fn read(comment: &str, marker: &str, line: usize, column: usize) -> Option<Allow> {
    let body = comment
        .trim_start_matches("--")
        .trim_start_matches("/*")
        .trim_end_matches("*/")
        .trim();
    let rest = body.strip_prefix(marker)?;
    // `brainmig:allow-file` must not read as `brainmig:allow` with the code `-file`.
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let rest = rest.trim();
    let (codes, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    Some(Allow {
        codes: codes
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
        reason: reason.trim().to_owned(),
        line,
        column,
    })
}

/// The `-- brainmig:allow-file` lines of the file's header (the lines above the up section).
pub fn file_allows(raw: &str, up_first_line: usize) -> Vec<Allow> {
    raw.lines()
        .take(up_first_line.saturating_sub(1))
        .enumerate()
        .filter_map(|(i, line)| {
            let trimmed = line.trim_start();
            let column = line.len() - trimmed.len() + 1;
            read(trimmed, "brainmig:allow-file", i + 1, column)
        })
        .collect()
}

/// For each statement of the section, the `brainmig:allow` comments just before it.
pub fn statement_allows(section: &Section) -> Vec<Vec<Allow>> {
    let mut out = vec![Vec::new(); section.statements.len()];
    let sql = &section.sql;
    let mut next = 0;
    // The section lexed once already when it was loaded; a lex error cannot happen here.
    for token in tokens(sql).map_while(Result::ok) {
        while next < section.statements.len() && section.statements[next].end <= token.start {
            next += 1;
        }
        if token.kind != TokenKind::Comment || next >= section.statements.len() {
            continue;
        }
        // A comment inside a statement (between its start and end) belongs to no suppression.
        if token.start > section.statements[next].start {
            continue;
        }
        let before = &sql[..token.start];
        let line = section.first_line + before.matches('\n').count();
        let column = before
            .rfind('\n')
            .map_or(token.start, |nl| token.start - nl - 1)
            + 1;
        if let Some(allow) = read(&sql[token.start..token.end], "brainmig:allow", line, column) {
            out[next].push(allow);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_codes_and_reason() {
        let a = read(
            "-- brainmig:allow BM001,drop-table  tiny table ",
            "brainmig:allow",
            3,
            1,
        )
        .expect("ok");
        assert_eq!(a.codes, ["BM001", "drop-table"]);
        assert_eq!(a.reason, "tiny table");
        assert!(a.covers(&rules::CREATE_INDEX) && a.covers(&rules::DROP_TABLE));
        assert!(a.problems().is_empty());
        let bare = read("-- brainmig:allow BM001", "brainmig:allow", 1, 1).expect("ok");
        assert_eq!(bare.problems().len(), 1);
        let unknown = read("-- brainmig:allow BM999 because", "brainmig:allow", 1, 1).expect("ok");
        assert_eq!(unknown.problems().len(), 1);
        assert_eq!(
            read("-- brainmig:allow-file BM001 x", "brainmig:allow", 1, 1),
            None
        );
        assert_eq!(read("-- an ordinary comment", "brainmig:allow", 1, 1), None);
    }
}
