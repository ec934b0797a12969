//! Tests for `up --sql` and `down --sql`: the printed script, piped into psql, must leave the
//! schema and version rows that `up` and `down` leave.

use crate::support::{TestDb, TestProject, pg_dump_schema, psql};

fn schema(db: &TestDb) -> String {
    pg_dump_schema(db, &[])
}

fn rows(db: &TestDb) -> Vec<String> {
    db.strings(
        "SELECT concat_ws('|', revision, parents, message, checksum, down_sql, down_transactional) \
         FROM brainmig_version ORDER BY revision",
    )
}

fn project() -> TestProject {
    let project = TestProject::from_fixture("second-brain");
    project.write(
        "migrations/0005_index_notes_title.sql",
        "-- revision: 0005\n-- revises: 0004\n-- message: index notes by title\n\n\
         -- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY notes_title_idx ON notes (title);\n\
         COMMENT ON INDEX notes_title_idx IS 'it''s for search; \\d';\n\n\
         -- migrate:down transaction:false\nDROP INDEX CONCURRENTLY notes_title_idx;\n",
    );
    project
}

#[test]
fn up_sql_piped_into_psql_matches_up_and_down_sql_matches_down() {
    let by_script = TestDb::postgres();
    let by_run = TestDb::postgres();
    let project = project();

    let script = project.on(&by_script, &["up", "--sql"]).success().stdout;
    assert!(script.contains("BEGIN;"), "{script}");
    assert!(
        script.contains("INSERT INTO \"brainmig_version\""),
        "{script}"
    );
    psql(&by_script, &script);
    project.on(&by_run, &["up"]).success();
    assert_eq!(schema(&by_script), schema(&by_run));
    assert_eq!(rows(&by_script), rows(&by_run));
    assert_eq!(rows(&by_run).len(), 5);

    let script = project
        .on(&by_script, &["down", "--sql", "head:0002"])
        .success()
        .stdout;
    psql(&by_script, &script);
    project.on(&by_run, &["down", "0002"]).success();
    assert_eq!(schema(&by_script), schema(&by_run));
    assert_eq!(rows(&by_script), rows(&by_run));
    assert_eq!(rows(&by_run).len(), 2);

    let script = project
        .on(&by_script, &["up", "--sql", "0002:head"])
        .success()
        .stdout;
    psql(&by_script, &script);
    project.on(&by_run, &["up"]).success();
    assert_eq!(schema(&by_script), schema(&by_run));
    assert_eq!(rows(&by_script), rows(&by_run));
}

#[test]
fn sql_mode_needs_no_database_and_says_what_down_needs() {
    let project = TestProject::linear(2);
    // The URL points nowhere: `--sql` must not connect.
    let out = project
        .brainmig([
            "up",
            "--sql",
            "--migrations-dir",
            "migrations",
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
        ])
        .success();
    assert!(out.stdout.contains("CREATE TABLE t1"), "{}", out.stdout);
    assert!(out.stdout.contains("CREATE TABLE t2"), "{}", out.stdout);
    let out = project
        .brainmig([
            "down",
            "--sql",
            "--migrations-dir",
            "migrations",
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
        ])
        .fails_with(2);
    assert!(out.stderr.contains("FROM:TO"), "{}", out.stderr);
}
