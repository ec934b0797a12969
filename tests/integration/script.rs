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
fn sql_mode_with_from_needs_no_database_and_without_it_says_how_to_do_without() {
    let project = TestProject::linear(2);
    // The URL points nowhere: with `FROM:TO`, `--sql` must not connect.
    let nowhere = |args: &[&str]| {
        let mut args = args.to_vec();
        args.extend([
            "--migrations-dir",
            "migrations",
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
        ]);
        project.brainmig(args)
    };
    let out = nowhere(&["up", "--sql", "base:head"]).success();
    assert!(out.stdout.contains("CREATE TABLE t1"), "{}", out.stdout);
    assert!(out.stdout.contains("CREATE TABLE t2"), "{}", out.stdout);
    let out = nowhere(&["down", "--sql", "head:base"]).success();
    assert!(out.stdout.contains("DROP TABLE t2"), "{}", out.stdout);
    // Without `FROM:` the start is the database, which cannot be reached: say how to do without.
    for args in [&["up", "--sql"][..], &["down", "--sql"][..]] {
        let out = nowhere(args).run();
        assert_ne!(out.code, 0, "{args:?}");
        assert!(out.stdout.is_empty(), "{}", out.stdout);
        assert!(out.stderr.contains("`base:head`"), "{}", out.stderr);
    }
}

/// Without `FROM:` the script starts where the configured database is, reading it only: at a
/// middle revision, the printed SQL piped into psql leaves what the next real run leaves on a
/// twin database, for `up`, `down` and `up +N`.
#[test]
fn sql_without_from_starts_at_the_database_and_equals_the_next_run() {
    let by_script = TestDb::postgres();
    let by_run = TestDb::postgres();
    let project = project();
    project.on(&by_script, &["up", "0002"]).success();
    project.on(&by_run, &["up", "0002"]).success();
    let before = (schema(&by_script), rows(&by_script));

    let script = project.on(&by_script, &["up", "--sql"]).success().stdout;
    assert_eq!(
        (schema(&by_script), rows(&by_script)),
        before,
        "printing the script changes nothing"
    );
    assert!(!script.contains("-- Upgrade 0001"), "{script}");
    assert!(!script.contains("-- Upgrade 0002"), "{script}");
    assert!(script.contains("-- Upgrade 0003"), "{script}");
    psql(&by_script, &script);
    project.on(&by_run, &["up"]).success();
    assert_eq!(schema(&by_script), schema(&by_run));
    assert_eq!(rows(&by_script), rows(&by_run));

    for (printed, run) in [
        (&["down", "--sql"][..], &["down"][..]),
        (&["down", "--sql", "-2"][..], &["down", "-2"][..]),
        (&["up", "--sql", "+2"][..], &["up", "+2"][..]),
        (&["down", "--sql", "base"][..], &["down", "base"][..]),
    ] {
        let script = project.on(&by_script, printed).success().stdout;
        psql(&by_script, &script);
        project.on(&by_run, run).success();
        assert_eq!(schema(&by_script), schema(&by_run), "{printed:?}");
        assert_eq!(rows(&by_script), rows(&by_run), "{printed:?}");
    }

    // A database with nothing in it: the script is from base and no version table appears.
    let fresh = TestDb::postgres();
    let script = project.on(&fresh, &["up", "--sql"]).success().stdout;
    assert!(script.contains("-- Upgrade 0001"), "{script}");
    assert!(fresh.tables().is_empty(), "{:?}", fresh.tables());
    let nothing = project.on(&fresh, &["down", "--sql"]).success().stdout;
    assert!(!nothing.contains("-- Downgrade"), "{nothing}");
}
