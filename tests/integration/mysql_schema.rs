//! The MySQL and MariaDB schema snapshot (issue #19) against the real server: the second-brain
//! history in MySQL's words up, down and through `test-roundtrip`; every kind of wrong down
//! section caught and named; `diff` and `check` finding a hand-made drift; autogenerate refused.

use crate::support::mysql::MysqlTestDb;
use crate::support::{Outcome, TestDb, TestProject};

/// The scratch database a `-v` run names.
fn scratch_name(stderr: &str) -> String {
    stderr
        .split('`')
        .find(|s| s.starts_with("brainmig_rt_"))
        .unwrap_or_else(|| panic!("no scratch database named in: {stderr}"))
        .to_owned()
}

fn database_exists(db: &MysqlTestDb, name: &str) -> bool {
    !db.strings(&format!(
        "SELECT CAST(SCHEMA_NAME AS CHAR) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{name}'"
    ))
    .is_empty()
}

fn roundtrip(project: &TestProject, db: &MysqlTestDb, extra: &[&str]) -> (Outcome, String) {
    let mut args = vec!["brainmig", "test-roundtrip", "-v"];
    args.extend_from_slice(extra);
    let out = project.on_mysql(db, &args).run();
    let name = scratch_name(&out.stderr);
    (out, name)
}

#[test]
fn the_mysql_second_brain_goes_up_and_down_and_passes_the_round_trip() {
    let db = TestDb::mysql();
    let project = TestProject::with_migrations("mysql/second-brain/migrations");
    project.on_mysql(&db, &["brainmig", "up"]).success();
    assert_eq!(
        db.tables(),
        [
            "brainmig_version",
            "cards",
            "due_cards",
            // The server's collation sorts `notes` before `note_tags`.
            "notes",
            "note_tags",
            "tags",
            "users"
        ]
    );
    // `--sql` reads the files by MySQL's rules too: 0003's `#` comment is no change.
    let script = project
        .on_mysql(&db, &["brainmig", "down", "--sql", "0006"])
        .success();
    assert!(
        script.stdout.contains("DROP PROCEDURE review_card"),
        "{}",
        script.stdout
    );
    assert_eq!(
        db.strings("SELECT CAST(title AS CHAR) FROM notes"),
        ["Welcome"]
    );
    project
        .on_mysql(&db, &["brainmig", "down", "base"])
        .success();
    assert_eq!(db.tables(), ["brainmig_version"]);

    let (out, scratch) = roundtrip(&project, &db, &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains(
            "10 passed, 0 column order only, 0 failed, 0 not run; downgrade to base passed"
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("9 revision(s) cannot be rolled back atomically"),
        "the summary says how many revisions run statement by statement:\n{}",
        out.stderr
    );
    // The data-only revision runs in a transaction: no mark on its row.
    let row = |id: &str| -> &str { out.stdout.lines().find(|l| l.starts_with(id)).unwrap() };
    assert!(row("0001").ends_with("[not atomic]"), "{}", out.stdout);
    assert!(!row("0009").contains("not atomic"), "{}", out.stdout);
    assert!(!database_exists(&db, &scratch), "{scratch} left behind");
    assert_eq!(
        db.tables(),
        ["brainmig_version"],
        "only read, never written"
    );

    let json = project
        .on_mysql(&db, &["brainmig", "test-roundtrip", "--format", "json"])
        .success();
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let atomic: Vec<(String, bool)> = report["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["revision"].as_str().unwrap().to_owned(),
                r["atomic"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(atomic[0], ("0001".to_owned(), false));
    assert_eq!(atomic[8], ("0009".to_owned(), true));
    assert_eq!(report["counts"]["not_atomic"], 9);
}

#[test]
fn every_kind_of_wrong_down_section_is_caught_and_named_on_mysql() {
    let db = TestDb::mysql();
    let cases: &[(&str, &str)] = &[
        (
            "leftover-index",
            "index `notes_title_idx` on `notes` is still present",
        ),
        (
            "leftover-fulltext-index",
            "index `notes_search` on `notes` is still present",
        ),
        (
            "leftover-trigger",
            "trigger `notes_touch` on `notes` is still present",
        ),
        ("leftover-view", "view `recent_notes` is still present"),
        ("leftover-routine", "function `word_count` is still present"),
        ("leftover-event", "event `purge_drafts` is still present"),
        (
            "leftover-check",
            "check constraint `notes_title_not_blank` on `notes` is still present",
        ),
        (
            "changed-default",
            "column `notes.status`: default was 'draft', is none",
        ),
        (
            "column-type",
            "column `notes.title`: type was varchar(255), is text",
        ),
        (
            "changed-collation",
            "column `notes.title`: collation was none, is utf8mb4_general_ci",
        ),
        (
            "lost-auto-increment",
            "column `notes.id`: identity was auto_increment, is none",
        ),
    ];
    for (fixture, expected) in cases {
        let project = TestProject::with_migrations(&format!("mysql/roundtrip/{fixture}"));
        let (out, scratch) = roundtrip(&project, &db, &[]);
        assert_eq!(out.code, 3, "{fixture}: {}\n{}", out.stdout, out.stderr);
        let failing_line = out
            .stdout
            .lines()
            .find(|l| l.starts_with("0002"))
            .unwrap_or_else(|| panic!("{fixture}: no row for 0002 in {}", out.stdout));
        assert!(failing_line.contains("FAIL"), "{fixture}: {failing_line}");
        assert!(
            out.stdout
                .lines()
                .any(|l| l.contains("after downgrading 0002 (") && l.contains(expected)),
            "{fixture}: expected {expected:?} in\n{}",
            out.stdout
        );
        assert!(
            !database_exists(&db, &scratch),
            "{fixture}: scratch database {scratch} left behind"
        );
    }
    assert!(
        db.tables().is_empty(),
        "the configured database is never touched"
    );
}

/// A project without revisions whose config names `schema.sql`, for `check`.
fn with_schema_file(schema: &str) -> TestProject {
    let project = TestProject::empty();
    project.write(
        "Cargo.toml",
        "[package]\nname = \"mysql-case\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
         [workspace]\n\n[package.metadata.brainmig]\nmigrations = \"migrations\"\nschema = \"schema.sql\"\n",
    );
    project.write("src/lib.rs", "");
    project.write("schema.sql", schema);
    project
}

#[test]
fn diff_and_check_find_a_hand_made_drift_on_mysql() {
    let db = TestDb::mysql();
    let project = TestProject::with_migrations("mysql/second-brain/migrations");
    project.on_mysql(&db, &["brainmig", "up"]).success();
    let clean = project.on_mysql(&db, &["brainmig", "diff"]).success();
    assert!(!clean.stdout.contains("differ"), "{}", clean.stdout);

    db.execute("ALTER TABLE notes ADD COLUMN mood VARCHAR(10) NULL");
    db.execute("CREATE INDEX cards_question_idx ON cards (question(16))");
    let drift = project.on_mysql(&db, &["brainmig", "diff"]).fails_with(4);
    for text in [
        "column `notes.mood` is present in the database but not in the migrations",
        "index `cards_question_idx` on `cards` is present in the database but not in the migrations",
        "autogenerate is not supported there yet",
    ] {
        assert!(
            drift.stdout.contains(text),
            "expected {text:?} in\n{}",
            drift.stdout
        );
    }
    assert!(drift.stderr.contains("has drifted"), "{}", drift.stderr);

    let schema =
        "CREATE TABLE t1 (id INT NOT NULL PRIMARY KEY, name VARCHAR(20) NOT NULL DEFAULT 'x');\n";
    let project = with_schema_file(schema);
    project.revision(
        "0001",
        &[],
        "CREATE TABLE t1 (id INT NOT NULL PRIMARY KEY, name VARCHAR(20) NOT NULL DEFAULT 'x');",
        Some("DROP TABLE t1;"),
    );
    let check = |project: &TestProject| {
        project
            .brainmig(["brainmig", "check"])
            .env("DATABASE_URL", &db.url())
            .run()
    };
    let same = check(&project);
    assert_eq!(same.code, 0, "{}\n{}", same.stdout, same.stderr);
    project.write(
        "schema.sql",
        "CREATE TABLE t1 (id INT NOT NULL PRIMARY KEY, name VARCHAR(20) NOT NULL DEFAULT 'y');\n",
    );
    let differs = check(&project);
    assert_eq!(differs.code, 4, "{}\n{}", differs.stdout, differs.stderr);
    assert!(
        differs
            .stdout
            .contains("column `t1.name`: default was 'y', is 'x'"),
        "{}",
        differs.stdout
    );
}

#[test]
fn autogenerate_and_squash_are_still_refused_on_mysql() {
    let db = TestDb::mysql();
    let project = with_schema_file("CREATE TABLE t1 (id INTEGER PRIMARY KEY);\n");
    project.revision(
        "0001",
        &[],
        "CREATE TABLE t1 (id INT);",
        Some("DROP TABLE t1;"),
    );
    project.revision(
        "0002",
        &["0001"],
        "CREATE TABLE t2 (id INT);",
        Some("DROP TABLE t2;"),
    );
    for (args, what) in [
        (
            &["brainmig", "new", "--autogenerate", "-m", "x"][..],
            "`new --autogenerate` is not supported on MySQL and MariaDB yet",
        ),
        (
            &["brainmig", "squash", "--to", "0002"],
            "`squash` is not supported on MySQL and MariaDB yet",
        ),
    ] {
        let out = project
            .brainmig(args)
            .env("DATABASE_URL", &db.url())
            .fails_with(2);
        assert!(out.stderr.contains(what), "{}", out.stderr);
        assert!(out.stderr.contains("test-roundtrip"), "{}", out.stderr);
    }
    assert!(db.tables().is_empty());
}

#[test]
fn a_failed_down_leaves_no_session_state_for_the_next_revision() {
    // As in vaultwarden's history: two down sections guard themselves with the same temporary
    // table and fail on purpose. The first failure must not make the second fail differently.
    let db = TestDb::mysql();
    let guard = "CREATE TEMPORARY TABLE guard (blocked INT PRIMARY KEY);\n\
                 INSERT INTO guard VALUES (1);\n\
                 INSERT INTO guard VALUES (1);\n\
                 DROP TABLE guard;";
    let project = TestProject::empty();
    project
        .revision("0001", &[], "CREATE TABLE a (id INT);", Some(guard))
        .revision("0002", &["0001"], "CREATE TABLE b (id INT);", Some(guard));
    let (out, _) = roundtrip(&project, &db, &[]);
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    for id in ["0001", "0002"] {
        let row = out.stdout.lines().skip_while(|l| !l.starts_with(id));
        let problems: String = row.skip(1).take(1).collect();
        assert!(
            problems.contains("Duplicate entry '1'"),
            "{id} fails on its own guard, not on the other's table:\n{}",
            out.stdout
        );
    }
}
