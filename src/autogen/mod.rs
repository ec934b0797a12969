//! Autogenerate: the DDL that takes the database from one [`Schema`] snapshot to another. Pure:
//! no I/O, so its rules can be unit-tested on hand-built snapshots (`tests.rs` holds a dozen); the
//! rest are proven against real servers by the `autogen*` integration tests.
//!
//! [`generate`] plans both directions with the same function (`up` = head → desired, `down` =
//! desired → head), so whatever one direction can do, the other can undo. Statements are emitted
//! in fixed phases that respect dependencies (drops of dependents first, then types, sequences,
//! functions, tables, columns, constraints, foreign keys, views, triggers, comments, and drops of
//! what nothing uses any more last); within a phase, views and tables are ordered by what their
//! definitions mention.
//!
//! What may lose data or block writers carries a review reason; what brainmig cannot express is
//! listed in [`Migration::unsupported`] rather than guessed at.

mod postgres;
mod sqlite;

use std::collections::{BTreeMap, BTreeSet};

pub use crate::db::Dialect;
use crate::schema::{QualifiedName, Schema};

/// One generated statement.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Statement {
    /// The SQL, without the final semicolon.
    pub sql: String,
    /// Why a person should look at it before it runs (data loss, long locks, a possible rename).
    pub review: Option<String>,
}

impl Statement {
    fn new(sql: impl Into<String>) -> Statement {
        Statement {
            sql: sql.into(),
            review: None,
        }
    }

    fn review(sql: impl Into<String>, why: impl Into<String>) -> Statement {
        Statement {
            sql: sql.into(),
            review: Some(why.into()),
        }
    }
}

/// The two sections of a generated revision.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Migration {
    /// From the first schema to the second.
    pub up: Vec<Statement>,
    /// From the second back to the first.
    pub down: Vec<Statement>,
    /// Differences no statement was generated for, in words (both directions, deduplicated).
    pub unsupported: Vec<String>,
    /// Differences left alone on purpose, e.g. a column order PostgreSQL cannot change in place
    /// (as seen from the up direction only).
    pub notes: Vec<String>,
}

impl Migration {
    /// True when the schemas are the same as far as autogenerate can tell (notes aside).
    pub fn is_empty(&self) -> bool {
        self.up.is_empty() && self.down.is_empty() && self.unsupported.is_empty()
    }

    /// Every statement with a review reason, up section first, as `(section, statement)`.
    pub fn reviews(&self) -> impl Iterator<Item = (&'static str, &Statement)> {
        let up = self.up.iter().map(|s| ("up", s));
        let down = self.down.iter().map(|s| ("down", s));
        up.chain(down).filter(|(_, s)| s.review.is_some())
    }

    /// The text of a section: each statement ends in `;`, preceded by its `-- REVIEW:` line; the
    /// unsupported differences come first, as review lines too.
    pub fn section_sql(&self, statements: &[Statement]) -> String {
        let mut out = String::new();
        for what in &self.unsupported {
            out.push_str(&format!("-- REVIEW: brainmig cannot generate: {what}\n"));
        }
        if !self.unsupported.is_empty() {
            out.push('\n');
        }
        for s in statements {
            if let Some(why) = &s.review {
                // The linter's codes for the same danger, so that review notes and `lint`
                // findings speak one vocabulary (and a `brainmig:allow` can name them).
                let codes = crate::lint::codes_for(&s.sql, true);
                let label = match codes.as_slice() {
                    [] => String::new(),
                    codes => format!("[{}] ", codes.join(",")),
                };
                for (i, line) in why.lines().enumerate() {
                    let label = if i == 0 { label.as_str() } else { "" };
                    out.push_str(&format!("-- REVIEW: {label}{line}\n"));
                }
            }
            out.push_str(s.sql.trim_end());
            out.push_str(";\n\n");
        }
        out
    }
}

/// The statements that take a database from `from` to `to`, and back.
pub fn generate(from: &Schema, to: &Schema, dialect: Dialect) -> Migration {
    let up = changes(from, to, dialect);
    let down = changes(to, from, dialect);
    let mut unsupported: Vec<String> = Vec::new();
    for u in up.unsupported.into_iter().chain(down.unsupported) {
        if !unsupported.contains(&u) {
            unsupported.push(u);
        }
    }
    // The notes of the down direction are the mirror image of the up direction's (a column
    // order one way is the other order the other way): both would read as a contradiction.
    let mut notes: Vec<String> = Vec::new();
    for n in up.notes {
        if !notes.contains(&n) {
            notes.push(n);
        }
    }
    Migration {
        up: up.statements,
        down: down.statements,
        unsupported,
        notes,
    }
}

/// One direction.
#[derive(Debug, Default)]
struct Changes {
    statements: Vec<Statement>,
    unsupported: Vec<String>,
    notes: Vec<String>,
}

fn changes(old: &Schema, new: &Schema, dialect: Dialect) -> Changes {
    match dialect {
        Dialect::Postgres => postgres::changes(old, new),
        Dialect::Sqlite => sqlite::changes(old, new),
        // `new --autogenerate` and `squash` are refused on MySQL before any snapshot; `check`
        // and `diff` compare MySQL snapshots and list the differences, with no SQL to offer.
        Dialect::Mysql if crate::schema::diff(old, new).is_empty() => Changes::default(),
        Dialect::Mysql => Changes {
            unsupported: vec![
                "the SQL on MySQL and MariaDB (autogenerate is not supported there yet); write it by hand".into(),
            ],
            ..Changes::default()
        },
    }
}

/// Statements gathered per phase, then flattened in phase order.
/// `P` is the dialect's ordered phase enum.
#[derive(Debug)]
struct Phases<P> {
    phases: BTreeMap<P, Vec<Statement>>,
    unsupported: Vec<String>,
    notes: Vec<String>,
}

impl<P> Default for Phases<P> {
    fn default() -> Self {
        Phases {
            phases: BTreeMap::new(),
            unsupported: Vec::new(),
            notes: Vec::new(),
        }
    }
}

impl<P: Ord> Phases<P> {
    fn push(&mut self, phase: P, s: Statement) {
        self.phases.entry(phase).or_default().push(s);
    }

    fn sql(&mut self, phase: P, sql: impl Into<String>) {
        self.push(phase, Statement::new(sql));
    }

    fn cannot(&mut self, what: impl Into<String>) {
        let what = what.into();
        if !self.unsupported.contains(&what) {
            self.unsupported.push(what);
        }
    }

    fn finish(self) -> Changes {
        Changes {
            statements: self.phases.into_values().flatten().collect(),
            unsupported: self.unsupported,
            notes: self.notes,
        }
    }
}

/// Words that must be quoted as identifiers (PostgreSQL's reserved and type/function-name
/// keywords; SQLite accepts the quoted form of any name).
const RESERVED: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

/// An identifier as SQL: bare when it is a plain lowercase name, double-quoted otherwise.
pub fn quote_ident(name: &str) -> String {
    let mut chars = name.chars();
    let plain = matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$')
        && !RESERVED.contains(&name);
    if plain {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// A name as SQL, schema-qualified outside the default schema (`public`, SQLite's `main`), as
/// the snapshot renders names inside definitions.
fn qualified(name: &QualifiedName) -> String {
    if name.schema == "public" || name.schema == "main" {
        quote_ident(&name.name)
    } else {
        format!("{}.{}", quote_ident(&name.schema), quote_ident(&name.name))
    }
}

/// A string literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// True when `text` mentions `name` as a whole identifier (bare, or quoted when it needs quotes).
fn mentions(text: &str, name: &str) -> bool {
    let needle = quote_ident(name);
    let is_ident = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let mut from = 0;
    while let Some(at) = text[from..].find(&needle) {
        let start = from + at;
        let end = start + needle.len();
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        if !before.is_some_and(is_ident) && !after.is_some_and(is_ident) {
            return true;
        }
        from = end;
    }
    false
}

/// Orders `items` (name, text) so that an item comes after those whose names its text mentions;
/// ties and cycles keep the given order.
fn order_by_mentions<T: Clone>(items: &[(QualifiedName, String, T)]) -> Vec<T> {
    let n = items.len();
    let deps: Vec<BTreeSet<usize>> = items
        .iter()
        .enumerate()
        .map(|(i, (_, text, _))| {
            items
                .iter()
                .enumerate()
                .filter(|(j, (name, _, _))| *j != i && mentions(text, &name.name))
                .map(|(j, _)| j)
                .collect()
        })
        .collect();
    let mut done = vec![false; n];
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let ready = (0..n).find(|&i| !done[i] && deps[i].iter().all(|&d| done[d]));
        // A cycle: take the first remaining item and let the database judge.
        let i = ready.unwrap_or_else(|| (0..n).find(|&i| !done[i]).unwrap_or(0));
        done[i] = true;
        out.push(items[i].2.clone());
    }
    out
}

#[cfg(test)]
mod tests;
