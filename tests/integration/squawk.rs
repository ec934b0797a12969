//! Side by side with squawk, the usual PostgreSQL migration linter: every statement squawk flags
//! in `fixtures/lint/*/fire.sql` that is dangerous on an existing table, brainmig flags too.
//!
//! What squawk flagged is the committed table `tests/squawk/flagged.tsv`, written by
//! `tests/squawk/compare.sh`, so this runs without squawk (or npm/PyPI) on the machine; the
//! ignored test below re-runs squawk and checks that the table is still what it says.

use std::collections::HashMap;

use crate::lint::{codes, lint, project_with};
use crate::support::fixture_dir;

/// squawk's rule, and the brainmig codes any of which covers the same danger.
const SAME_DANGER: &[(&str, &[&str])] = &[
    ("require-concurrent-index-creation", &["BM001"]),
    ("require-concurrent-index-deletion", &["BM002"]),
    ("adding-foreign-key-constraint", &["BM003"]),
    ("constraint-missing-not-valid", &["BM003", "BM022"]),
    ("adding-not-nullable-field", &["BM004"]),
    ("changing-column-type", &["BM005"]),
    ("adding-field-with-default", &["BM006"]),
    ("adding-serial-primary-key-field", &["BM006"]),
    ("renaming-column", &["BM007"]),
    ("renaming-table", &["BM008"]),
    ("ban-drop-column", &["BM009"]),
    ("ban-drop-table", &["BM010"]),
    ("ban-concurrent-index-creation-in-transaction", &["BM011"]),
    // brainmig's own rule for the statement is an error already, lock or no lock.
    ("require-lock-timeout", &["BM012", "BM018", "BM024"]),
    ("prefer-bigint-over-int", &["BM013"]),
    ("prefer-identity", &["BM013"]),
    ("disallowed-unique-constraint", &["BM022"]),
    ("adding-required-field", &["BM023"]),
    ("ban-drop-database", &["BM024"]),
    ("ban-truncate-cascade", &["BM021"]),
];

/// squawk rules brainmig has no counterpart for, and why (the guide's lint page says the same).
const BY_DESIGN: &[(&str, &str)] = &[
    (
        "prefer-robust-stmts",
        "a revision runs in one transaction with its version row: never half-applied",
    ),
    (
        "require-statement-timeout",
        "lock_timeout (BM012) is what keeps a DDL from queueing everyone; a statement timeout would cut a long backfill",
    ),
    (
        "require-enum-value-ordering",
        "label order is a design choice; BM017 catches the enum danger that fails a revision",
    ),
    (
        "ban-drop-constraint",
        "dropping a constraint takes a brief lock and scans nothing",
    ),
];

/// Single flags that differ on purpose, as (fixture file, squawk rule).
const DIFFERENCES: &[(&str, &str, &str)] = &[
    (
        "BM023-add-column-not-null-without-default/fire.sql",
        "prefer-bigint-over-int",
        "a plain int column is not an id: BM013 judges primary keys and serials",
    ),
    (
        "BM025-bad-suppression/fire.sql",
        "ban-drop-table",
        "squawk knows no brainmig:allow; brainmig reports the reasonless suppression instead (BM025)",
    ),
];

fn flagged() -> Vec<(String, String)> {
    let table = std::fs::read_to_string(fixture_dir("lint").join("../../tests/squawk/flagged.tsv"))
        .unwrap();
    table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (file, rule) = l.split_once('\t').unwrap();
            (file.to_owned(), rule.to_owned())
        })
        .collect()
}

#[test]
fn brainmig_flags_every_existing_table_danger_squawk_flags_on_the_fixtures() {
    let rows = flagged();
    assert!(rows.len() > 30, "{rows:?}");
    let mut found: HashMap<String, Vec<String>> = HashMap::new();
    let mut missed = Vec::new();
    for (file, rule) in rows.iter().filter(|(f, _)| f.ends_with("/fire.sql")) {
        if BY_DESIGN.iter().any(|(r, _)| r == rule)
            || DIFFERENCES.iter().any(|(f, r, _)| f == file && r == rule)
        {
            continue;
        }
        let Some((_, ours)) = SAME_DANGER.iter().find(|(r, _)| r == rule) else {
            panic!("squawk rule `{rule}` (on {file}) is neither mapped nor listed as a difference");
        };
        let codes = found.entry(file.clone()).or_insert_with(|| {
            let sql = std::fs::read_to_string(fixture_dir("lint").join(file)).unwrap();
            codes(&lint(&project_with(&sql), &["0002"]))
        });
        if !codes.iter().any(|c| ours.contains(&c.as_str())) {
            missed.push(format!("{file}: squawk `{rule}`, brainmig {codes:?}"));
        }
    }
    assert!(missed.is_empty(), "{missed:#?}");
}

#[test]
#[ignore = "needs squawk on PATH (pip install squawk-cli) or SQUAWK=/path/to/squawk"]
fn the_committed_squawk_table_is_what_squawk_says() {
    let script = fixture_dir("lint").join("../../tests/squawk/compare.sh");
    let out = std::process::Command::new("bash")
        .arg(script)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let now = String::from_utf8(out.stdout).unwrap();
    let committed =
        std::fs::read_to_string(fixture_dir("lint").join("../../tests/squawk/flagged.tsv"))
            .unwrap();
    // The version line may move on; the findings must not.
    let body = |t: &str| {
        t.lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(body(&now), body(&committed));
}
