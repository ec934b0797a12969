//! `lint`: the real binary over the rule fixtures (`fixtures/lint/<code>-<name>/`), against a
//! real database for what it knows (applied revisions, server version), with suppressions, the
//! configuration, and each output format.

use serde_json::Value;

use crate::support::{Outcome, TestDb, TestProject, fixture_dir};

/// A project whose 0001 is `fixtures/lint/base.sql` and 0002 is `up` (a first line
/// `-- transaction:false` makes its section non-transactional).
pub fn project_with(up: &str) -> TestProject {
    let project = TestProject::empty();
    let base = std::fs::read_to_string(fixture_dir("lint").join("base.sql")).unwrap();
    project.revision("0001", &[], &base, None);
    let (marker, up) = match up.strip_prefix("-- transaction:false\n") {
        Some(rest) => (" transaction:false", rest),
        None => ("", up),
    };
    project.write(
        "migrations/0002_r.sql",
        &format!("-- revision: 0002\n-- revises: 0001\n\n-- migrate:up{marker}\n{up}\n"),
    );
    project
}

pub fn codes(out: &Outcome) -> Vec<String> {
    let doc: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not one JSON document ({e}): {}", out.stdout));
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect()
}

pub fn lint(project: &TestProject, args: &[&str]) -> Outcome {
    let mut all = vec!["lint", "--migrations-dir", "migrations", "--format", "json"];
    all.extend_from_slice(args);
    project.brainmig(all).run()
}

#[test]
fn every_rule_fixture_fires_and_its_safe_form_does_not() {
    let mut dirs: Vec<_> = std::fs::read_dir(fixture_dir("lint"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 20, "{dirs:?}");
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let code = name.split('-').next().unwrap();
        let fire = std::fs::read_to_string(dir.join("fire.sql")).unwrap();
        let out = lint(&project_with(&fire), &["0002"]);
        let found = codes(&out);
        assert!(
            found.iter().any(|c| c == code),
            "{name}/fire.sql: {found:?}\n{}",
            out.stderr
        );
        let safe = std::fs::read_to_string(dir.join("safe.sql")).unwrap();
        let out = lint(&project_with(&safe), &["0002"]);
        let found = codes(&out);
        assert!(
            !found.iter().any(|c| c == code),
            "{name}/safe.sql: {found:?}"
        );
        // The exit code follows the severities: 7 only when an error remains.
        let doc: Value = serde_json::from_str(&out.stdout).unwrap();
        let errors = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["severity"] == "error");
        assert_eq!(
            out.code,
            if errors { 7 } else { 0 },
            "{name}/safe.sql: {}",
            out.stdout
        );
    }
}

#[test]
fn a_database_decides_which_revisions_are_linted_and_which_tables_are_new() {
    let db = TestDb::postgres();
    let project =
        project_with("SET lock_timeout = '1s';\nCREATE TABLE notes (id bigint, body text);");
    project.revision(
        "0003",
        &["0002"],
        "SET lock_timeout = '1s';\nCREATE INDEX notes_body ON notes (body);\nCREATE INDEX users_active ON users (active);",
        None,
    );
    project.on(&db, &["up", "0001"]).success();
    let out = project.on(&db, &["lint", "--format", "json"]).fails_with(7);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["revisions"], serde_json::json!(["0002", "0003"]));
    assert_eq!(doc["target_version_from"], "server");
    let findings = doc["findings"].as_array().unwrap();
    // `notes` comes from 0002, which the database has not applied: only `users` exists.
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["code"], "BM001");
    assert_eq!(findings[0]["line"], 8);
    assert!(findings[0]["detail"].as_str().unwrap().contains("users"));
    // Once 0002 is applied, `notes` exists and its index is dangerous too.
    project.on(&db, &["up", "0002"]).success();
    let out = project.on(&db, &["lint", "--format", "json"]).fails_with(7);
    assert_eq!(codes(&out), ["BM001", "BM001"]);
    // Nothing unapplied: nothing to lint; `--all` and named revisions still lint.
    project.on(&db, &["up"]).success();
    let out = project.on(&db, &["lint"]).success();
    assert!(
        out.stderr.contains("Linted 0 revision(s)"),
        "{}",
        out.stderr
    );
    project.on(&db, &["lint", "--all"]).fails_with(7);
    project.on(&db, &["lint", "0003"]).fails_with(7);
    assert_eq!(db.applied(), ["0001", "0002", "0003"]);
}

#[test]
fn without_a_database_every_revision_is_linted_against_the_configured_version() {
    let project = TestProject::empty();
    project.write(
        "Cargo.toml",
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n\n\
         [package.metadata.brainmig.lint]\ntarget-version = 10\ndisable = [\"BM012\"]\n\
         severity = { BM014 = \"warning\" }\n",
    );
    project.write("src/main.rs", "fn main() {}\n");
    project.revision("0001", &[], "CREATE TABLE t (name varchar(20));", None);
    project.revision(
        "0002",
        &["0001"],
        "ALTER TABLE t ADD COLUMN n int DEFAULT 0;",
        None,
    );
    let out = project.brainmig(["lint", "--format", "json"]).fails_with(7);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["target_version"], 10);
    assert_eq!(doc["target_version_from"], "config");
    assert_eq!(codes(&out), ["BM014", "BM006"]);
    assert_eq!(doc["suppressed"], 1, "BM012 is disabled");
    assert!(
        out.stderr.contains("linting every revision"),
        "{}",
        out.stderr
    );

    // An unknown key is a configuration error that names it, like anywhere in the config.
    let manifest = project.read("Cargo.toml").replace("disable", "disabled");
    project.write("Cargo.toml", &manifest);
    let out = project.brainmig(["lint"]).fails_with(2);
    assert!(
        out.stderr.contains("unknown key `disabled`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("disable, severity, target-version"),
        "{}",
        out.stderr
    );
}

#[test]
fn suppressions_with_reasons_silence_and_without_reasons_fail() {
    let allowed =
        "-- brainmig:allow BM010,BM012 posts moved to the archive service\nDROP TABLE posts;";
    let out = lint(&project_with(allowed), &["0002"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(out.stderr.contains("2 suppressed"), "{}", out.stderr);
    let bare = "-- brainmig:allow BM010,BM012\nDROP TABLE posts;";
    let out = lint(&project_with(bare), &["0002"]);
    assert_eq!(out.code, 7);
    assert_eq!(codes(&out), ["BM025"]);
}

#[test]
fn text_and_github_formats_point_at_the_file_line_and_column() {
    let project = project_with("SET lock_timeout = '1s';\n  DROP TABLE posts;");
    let out = project
        .brainmig(["lint", "0002", "--migrations-dir", "migrations"])
        .fails_with(0);
    assert!(
        out.stdout.starts_with("warning[BM010 drop-table]: drops the table \"posts\"\n  --> migrations/0002_r.sql:6:3 (revision 0002)\n   | DROP TABLE posts;\n   = why: "),
        "{}",
        out.stdout
    );
    let out = project
        .brainmig([
            "lint",
            "0002",
            "--migrations-dir",
            "migrations",
            "--format",
            "github",
        ])
        .fails_with(0);
    assert!(
        out.stdout.starts_with("::warning file=migrations/0002_r.sql,line=6,col=3,title=BM010 drop-table::drops the table \"posts\". Why: "),
        "{}",
        out.stdout
    );
}

#[test]
fn check_runs_lint_and_fails_with_7_when_only_lint_errors_remain() {
    let db = TestDb::postgres();
    let project = TestProject::from_fixture("second-brain");
    project.write(".env", &format!("DATABASE_URL={}\n", db.url()));
    // Applied: `notes` exists in the configured database.
    project.brainmig(["up"]).success();
    project.brainmig(["check"]).success();
    project.write(
        "migrations/0005_notes_title.sql",
        "-- revision: 0005\n-- revises: 0004\n\n-- migrate:up\nCREATE INDEX notes_title_idx ON notes (title);\n\n-- migrate:down\nDROP INDEX notes_title_idx;\n",
    );
    let schema = project.read("schema.sql");
    project.write(
        "schema.sql",
        &format!("{schema}\nCREATE INDEX notes_title_idx ON notes (title);\n"),
    );
    let out = project.brainmig(["check"]).fails_with(7);
    assert!(
        out.stderr.contains("matches what they build"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("error[BM001 create-index-not-concurrently]: index on the existing table \"notes\" at migrations/0005_notes_title.sql:5:1"),
        "{}",
        out.stderr
    );
    // Accepted with a reason, check passes again.
    let text = project.read("migrations/0005_notes_title.sql").replace(
        "CREATE INDEX",
        "-- brainmig:allow BM001,BM012 notes has a few hundred rows\nCREATE INDEX",
    );
    project.write("migrations/0005_notes_title.sql", &text);
    project.brainmig(["check"]).success();
}
