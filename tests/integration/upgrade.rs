//! Tests for `cargo brainmig up` and `down`: applying, reverting, targets, failures.

use crate::support::{TestDb, TestProject, sqlite_strings};

#[test]
fn up_applies_every_revision_and_down_reverts_one_on_postgres() {
    let db = TestDb::postgres();
    let project = TestProject::linear(3);
    let out = project.on(&db, &["up"]).success();
    assert!(
        out.stderr.contains("applied 3 revision(s)"),
        "{}",
        out.stderr
    );
    assert_eq!(db.tables(), ["brainmig_version", "t1", "t2", "t3"]);
    assert_eq!(db.applied(), ["0001", "0002", "0003"]);

    project.on(&db, &["down"]).success();
    assert_eq!(db.tables(), ["brainmig_version", "t1", "t2"]);
    assert_eq!(db.applied(), ["0001", "0002"]);

    let again = project.on(&db, &["up", "head"]).success();
    assert!(again.stderr.contains("Applied 0003"), "{}", again.stderr);
    let noop = project.on(&db, &["upgrade"]).success();
    assert!(noop.stderr.contains("nothing to do"), "{}", noop.stderr);
}

#[test]
fn the_same_revisions_run_on_a_sqlite_file() {
    let project = TestProject::linear(3);
    project.on_sqlite(&["up", "+2"]).success();
    let db = project.path("app.db");
    assert_eq!(
        sqlite_strings(&db, "SELECT revision FROM brainmig_version ORDER BY 1"),
        ["0001", "0002"]
    );
    project.on_sqlite(&["up"]).success();
    project.on_sqlite(&["downgrade", "base"]).success();
    assert_eq!(
        sqlite_strings(
            &db,
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1"
        ),
        ["brainmig_version"]
    );
}

#[test]
fn down_to_a_revision_keeps_it_and_reverts_what_came_after() {
    let db = TestDb::postgres();
    let project = TestProject::linear(4);
    project.on(&db, &["up"]).success();
    project.on(&db, &["down", "0002"]).success();
    assert_eq!(db.applied(), ["0001", "0002"]);
    project.on(&db, &["down", "-2"]).success();
    assert!(db.applied().is_empty());
    assert_eq!(db.tables(), ["brainmig_version"]);
}

#[test]
fn relative_targets_beyond_the_ends_are_refused_and_change_nothing() {
    let db = TestDb::postgres();
    let project = TestProject::linear(2);
    project.on(&db, &["up", "+1"]).success();
    let out = project.on(&db, &["up", "+5"]).fails_with(2);
    assert!(
        out.stderr
            .contains("cannot go up 5 revisions: only 1 pending"),
        "{}",
        out.stderr
    );
    let out = project.on(&db, &["down", "-3"]).fails_with(2);
    assert!(
        out.stderr
            .contains("cannot go down 3 revisions: only 1 applied"),
        "{}",
        out.stderr
    );
    let out = project.on(&db, &["up", "-1"]).fails_with(2);
    assert!(
        out.stderr
            .contains("help: to go back, use `cargo brainmig down`"),
        "{}",
        out.stderr
    );
    assert_eq!(db.applied(), ["0001"]);
}

#[test]
fn a_failing_statement_names_file_and_line_and_keeps_earlier_revisions() {
    let db = TestDb::postgres();
    let project = TestProject::linear(2);
    project.revision(
        "0003",
        &["0002"],
        "CREATE TABLE t3 (id INTEGER);\nINSERT INTO t3 VALUES (1);\n\nINSERT INTO no_such_table VALUES (1);\nCREATE TABLE t3b (id INTEGER);",
        Some("DROP TABLE t3;"),
    );
    project.revision(
        "0004",
        &["0003"],
        "CREATE TABLE t4 (id INTEGER);",
        Some("DROP TABLE t4;"),
    );
    let out = project.on(&db, &["up"]).fails_with(1);
    // Header (3 lines), blank, marker: the section starts on line 6; the bad statement is its 4th line.
    assert!(
        out.stderr.contains("revision `0003` failed at migrations/0003_r.sql:9: relation \"no_such_table\" does not exist"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("committed by this run before the failure: 0001, 0002"),
        "{}",
        out.stderr
    );
    assert_eq!(db.applied(), ["0001", "0002"]);
    assert_eq!(
        db.tables(),
        ["brainmig_version", "t1", "t2"],
        "nothing of 0003 may remain"
    );
}

#[test]
fn a_failure_without_a_position_is_located_by_counting_completed_statements() {
    let db = TestDb::postgres();
    let project = TestProject::empty();
    project.revision(
        "0001",
        &[],
        "CREATE TABLE a (id INTEGER PRIMARY KEY);\nINSERT INTO a VALUES (1);\nINSERT INTO a VALUES (1);",
        None,
    );
    let out = project.on(&db, &["up"]).fails_with(1);
    assert!(
        out.stderr
            .contains("migrations/0001_r.sql:8: duplicate key value"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("detail: Key (id)=(1) already exists."),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("nothing was committed by this run"),
        "{}",
        out.stderr
    );
    assert!(db.applied().is_empty());
    assert_eq!(db.tables(), ["brainmig_version"]);
}

#[test]
fn sqlite_failures_roll_back_the_revision_and_name_the_line() {
    let project = TestProject::empty();
    project.revision(
        "0001",
        &[],
        "CREATE TABLE a (id INTEGER);\nCREATE TABLE a (id INTEGER);",
        None,
    );
    let out = project.on_sqlite(&["up"]).fails_with(1);
    assert!(
        out.stderr
            .contains("migrations/0001_r.sql:7: table a already exists"),
        "{}",
        out.stderr
    );
    let tables = sqlite_strings(
        &project.path("app.db"),
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1",
    );
    assert_eq!(tables, ["brainmig_version"]);
}

#[test]
fn down_refuses_a_revision_without_down_section_before_running_anything() {
    let db = TestDb::postgres();
    let project = TestProject::empty();
    project.revision(
        "0001",
        &[],
        "CREATE TABLE a (id INTEGER);",
        Some("DROP TABLE a;"),
    );
    project.revision("0002", &["0001"], "CREATE TABLE b (id INTEGER);", None);
    project.revision(
        "0003",
        &["0002"],
        "CREATE TABLE c (id INTEGER);",
        Some("DROP TABLE c;"),
    );
    project.on(&db, &["up"]).success();
    let out = project.on(&db, &["down", "base"]).fails_with(1);
    assert!(
        out.stderr
            .contains("revision `0002` has no `-- migrate:down` section"),
        "{}",
        out.stderr
    );
    assert_eq!(
        db.applied(),
        ["0001", "0002", "0003"],
        "the plan is checked before anything runs"
    );
}

#[test]
fn transaction_false_sections_run_statement_by_statement() {
    let db = TestDb::postgres();
    let project = TestProject::empty();
    project.revision(
        "0001",
        &[],
        "CREATE TABLE notes (id INTEGER, title TEXT, body TEXT);",
        Some("DROP TABLE notes;"),
    );
    project.write(
        "migrations/0002_indexes.sql",
        "-- revision: 0002\n-- revises: 0001\n\n-- migrate:up transaction:false\n\
         CREATE INDEX CONCURRENTLY notes_title_idx ON notes (title);\n\
         -- a comment; with a semicolon\n\
         CREATE INDEX CONCURRENTLY notes_body_idx ON notes (body);\n\n\
         -- migrate:down transaction:false\n\
         DROP INDEX CONCURRENTLY notes_title_idx;\nDROP INDEX CONCURRENTLY notes_body_idx;\n",
    );
    project.on(&db, &["up"]).success();
    assert_eq!(
        db.strings("SELECT indexname::text FROM pg_indexes WHERE tablename = 'notes' ORDER BY 1"),
        ["notes_body_idx", "notes_title_idx"]
    );
    project.on(&db, &["down"]).success();
    assert!(
        db.strings("SELECT indexname::text FROM pg_indexes WHERE tablename = 'notes'")
            .is_empty()
    );
}

#[test]
fn concurrently_in_a_transactional_section_fails_with_a_hint() {
    let db = TestDb::postgres();
    let project = TestProject::empty();
    project.revision(
        "0001",
        &[],
        "CREATE TABLE n (t TEXT);\nCREATE INDEX CONCURRENTLY n_t ON n (t);",
        None,
    );
    let out = project.on(&db, &["up"]).fails_with(1);
    assert!(
        out.stderr.contains("cannot run inside a transaction block"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("transaction:false"), "{}", out.stderr);
    assert_eq!(db.tables(), ["brainmig_version"]);
}

#[test]
fn it_runs_as_a_cargo_subcommand_too() {
    let project = TestProject::from_fixture("second-brain");
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_cargo-brainmig"))
        .parent()
        .unwrap()
        .to_owned();
    let path = std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let out = std::process::Command::new("cargo")
        .args(["brainmig", "up", "--color", "never"])
        .current_dir(&project.root)
        .env("PATH", path)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("applied 4 revision(s)"), "{stderr}");
    assert!(project.path("data/second_brain.sqlite3").is_file());
}
