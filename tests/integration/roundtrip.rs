//! Tests for `cargo brainmig test-roundtrip`: wrong down sections are caught and named, right
//! ones pass, and the scratch database is gone afterwards whatever happened.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Outcome, TestDb, TestProject, rev};

/// Runs `test-roundtrip -v` against `db`'s server and returns the output and the scratch name.
fn roundtrip(project: &TestProject, db: &TestDb, extra: &[&str]) -> (Outcome, String) {
    let mut args = vec!["test-roundtrip", "-v"];
    args.extend_from_slice(extra);
    let out = project.on(db, &args).run();
    let name = scratch_name(&out.stderr);
    (out, name)
}

fn scratch_name(stderr: &str) -> String {
    stderr
        .split('`')
        .find(|s| s.starts_with("brainmig_rt_"))
        .unwrap_or_else(|| panic!("no scratch database named in: {stderr}"))
        .to_owned()
}

fn database_exists(db: &TestDb, name: &str) -> bool {
    !db.strings(&format!(
        "SELECT datname::text FROM pg_database WHERE datname = '{name}'"
    ))
    .is_empty()
}

#[test]
fn every_kind_of_wrong_down_section_is_caught_and_named() {
    let db = TestDb::postgres();
    let cases: &[(&str, &[&str])] = &[
        (
            "leftover-index",
            &["index `notes_body_idx` on `notes` is still present"],
        ),
        ("leftover-enum", &["enum type `mood` is still present"]),
        (
            "leftover-sequence",
            &["sequence `note_numbers` is still present"],
        ),
        (
            "leftover-trigger",
            &["trigger `notes_touch` on `notes` is still present"],
        ),
        (
            "leftover-function",
            &["function `word_count(text)` is still present"],
        ),
        ("leftover-view", &["view `recent_notes` is still present"]),
        (
            "changed-default",
            &["column `notes.body`: default was ''::text, is none"],
        ),
        (
            "renamed-constraint",
            &[
                "unique constraint `notes_title_key` on `notes` is missing",
                "unique constraint `notes_title_unique` on `notes` is still present",
            ],
        ),
        (
            "column-type",
            &["column `notes.title`: type was text, is character varying(500)"],
        ),
        (
            "leftover-default-privileges",
            &["on tables: `pg_monitor`'s privileges were none, are SELECT"],
        ),
        (
            "leftover-grant",
            &[
                "table `notes`: `pg_monitor`'s privileges were none, are SELECT",
                "function `touch_updated_at()`: `PUBLIC`'s privileges were EXECUTE, are none",
                "column `notes.title`: `pg_read_all_stats`'s privileges were none, are SELECT",
            ],
        ),
    ];
    for (fixture, expected) in cases {
        let project = TestProject::with_migrations(&format!("roundtrip/{fixture}"));
        let (out, scratch) = roundtrip(&project, &db, &[]);
        assert_eq!(out.code, 3, "{fixture}: {}\n{}", out.stdout, out.stderr);
        let failing_line = out
            .stdout
            .lines()
            .find(|l| l.starts_with("0002"))
            .unwrap_or_else(|| panic!("{fixture}: no row for 0002 in {}", out.stdout));
        assert!(failing_line.contains("FAIL"), "{fixture}: {failing_line}");
        assert!(
            out.stdout.contains("after downgrading 0002 ("),
            "{fixture}: {}",
            out.stdout
        );
        for text in *expected {
            assert!(
                out.stdout.contains(text),
                "{fixture}: expected {text:?} in\n{}",
                out.stdout
            );
        }
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

#[test]
fn correct_histories_pass_on_postgres_including_branches_and_merges() {
    let db = TestDb::postgres();
    for fixture in ["second-brain/migrations", "branched", "merged"] {
        let project = TestProject::with_migrations(fixture);
        let (out, scratch) = roundtrip(&project, &db, &[]);
        assert_eq!(out.code, 0, "{fixture}: {}\n{}", out.stdout, out.stderr);
        assert!(
            out.stderr
                .contains("0 failed, 0 not run; downgrade to base passed"),
            "{}",
            out.stderr
        );
        assert!(!out.stdout.contains("FAIL"), "{}", out.stdout);
        assert!(!database_exists(&db, &scratch));
    }
    assert!(db.tables().is_empty());
}

#[test]
fn the_second_brain_passes_on_sqlite_in_a_temporary_file() {
    let project = TestProject::with_migrations("second-brain/migrations");
    let out = project.on_sqlite(&["test-roundtrip", "-v"]).success();
    assert!(out.stdout.contains("0004"), "{}", out.stdout);
    let scratch = out
        .stderr
        .split('`')
        .find(|s| s.contains("brainmig_rt_"))
        .expect("names its file")
        .to_owned();
    assert!(
        !std::path::Path::new(&scratch).exists(),
        "temporary file {scratch} left behind"
    );
    assert!(
        !project.path("app.db").exists(),
        "the configured SQLite file is never created"
    );
}

#[test]
fn a_check_constraint_left_out_of_a_rebuilt_sqlite_table_is_caught() {
    let project = TestProject::empty();
    project.write(
        "migrations/0001_cards.sql",
        &rev(
            "0001",
            &[],
            "CREATE TABLE cards (ease REAL NOT NULL CHECK (ease >= 1.3));",
            Some("DROP TABLE cards;"),
        ),
    );
    project.write(
        "migrations/0002_due.sql",
        &rev(
            "0002",
            &["0001"],
            "CREATE TABLE cards_new (ease REAL NOT NULL CHECK (ease >= 1.3), due TEXT);\n\
             INSERT INTO cards_new (ease) SELECT ease FROM cards;\n\
             DROP TABLE cards;\n\
             ALTER TABLE cards_new RENAME TO cards;",
            Some(
                "CREATE TABLE cards_old (ease REAL NOT NULL);\n\
                 INSERT INTO cards_old SELECT ease FROM cards;\n\
                 DROP TABLE cards;\n\
                 ALTER TABLE cards_old RENAME TO cards;",
            ),
        ),
    );
    let out = project.on_sqlite(&["test-roundtrip"]).fails_with(3);
    assert!(
        out.stdout
            .contains("check constraint (ease >= 1.3) on `cards` is missing"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("0002") && l.contains("FAIL")),
        "{}",
        out.stdout
    );
}

#[test]
fn from_applies_earlier_revisions_without_checks() {
    let db = TestDb::postgres();
    let project = TestProject::with_migrations("second-brain/migrations");
    let (out, _) = roundtrip(&project, &db, &["--from", "0003", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    let tested: Vec<&str> = report["revisions"]
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["revision"].as_str().expect("id"))
        .collect();
    assert_eq!(tested, ["0003", "0004"]);
    assert_eq!(report["skipped_before_from"], 2);
    assert_eq!(report["base"]["status"], "passed");
}

#[test]
fn a_revision_without_down_section_and_a_failing_step_are_failures() {
    let db = TestDb::postgres();
    let project = TestProject::empty();
    project.revision(
        "0001",
        &[],
        "CREATE TABLE a (x INTEGER);",
        Some("DROP TABLE a;"),
    );
    project.revision("0002", &["0001"], "CREATE TABLE b (x INTEGER);", None);
    project.revision(
        "0003",
        &["0002"],
        "CREATE TABLE c (x INTEGER);",
        Some("DROP TABLE nope;"),
    );
    let (out, scratch) = roundtrip(&project, &db, &["--format", "json"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    let status: Vec<&str> = report["revisions"]
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["status"].as_str().expect("s"))
        .collect();
    assert_eq!(status, ["passed", "failed", "failed"]);
    let problems = report["revisions"][2]["problems"].to_string();
    assert!(problems.contains("downgrading 0003"), "{problems}");
    assert!(problems.contains("_r.sql:"), "{problems}");
    assert!(
        report["revisions"][1]["problems"]
            .to_string()
            .contains("no `-- migrate:down` section")
    );
    assert!(!database_exists(&db, &scratch));
}

#[test]
fn keep_leaves_the_scratch_database_and_says_its_name() {
    let db = TestDb::postgres();
    let project = TestProject::linear(2);
    let (out, scratch) = roundtrip(&project, &db, &["--keep"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("Kept scratch database `{scratch}`")),
        "{}",
        out.stderr
    );
    assert!(database_exists(&db, &scratch));
    db.execute(&format!("DROP DATABASE \"{scratch}\""));
}

#[test]
fn ctrl_c_drops_the_scratch_database() {
    let db = TestDb::postgres();
    let project = TestProject::empty();
    project.revision(
        "0001",
        &[],
        "CREATE TABLE a (x INTEGER);\nSELECT pg_sleep(30);",
        Some("DROP TABLE a;"),
    );
    let child = Command::new(env!("CARGO_BIN_EXE_cargo-brainmig"))
        .args([
            "test-roundtrip",
            "-v",
            "--color",
            "never",
            "--migrations-dir",
            "migrations",
            "--database-url",
            &db.url(),
        ])
        .current_dir(&project.root)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let scratch = loop {
        let found = db.strings(
            "SELECT datname::text FROM pg_stat_activity WHERE datname LIKE 'brainmig\\_rt\\_%' AND state = 'active' AND query LIKE '%pg_sleep%'",
        );
        if let Some(name) = found.into_iter().next() {
            break name;
        }
        assert!(Instant::now() < deadline, "the round trip never started");
        std::thread::sleep(Duration::from_millis(50));
    };
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !database_exists(&db, &scratch),
        "scratch database {scratch} left behind"
    );
}

#[test]
fn the_next_run_sweeps_what_a_killed_run_left_and_nothing_else() {
    let db = TestDb::postgres();
    let an_hour_ago = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 3600;
    let leftover = format!(
        "brainmig_rt_{an_hour_ago:x}_{:016x}",
        u64::from(std::process::id())
    );
    let not_ours = format!("brainmig_rt_{}_keep", db.name);
    db.execute(&format!("CREATE DATABASE \"{leftover}\""));
    db.execute(&format!("CREATE DATABASE \"{not_ours}\""));
    let project = TestProject::linear(1);
    let (out, _) = roundtrip(&project, &db, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!database_exists(&db, &leftover), "the leftover was swept");
    assert!(
        database_exists(&db, &not_ours),
        "a name brainmig did not generate is never dropped"
    );
    db.execute(&format!("DROP DATABASE \"{not_ours}\""));
}

#[test]
fn a_user_who_cannot_create_databases_is_refused_rather_than_working_in_theirs() {
    let db = TestDb::postgres();
    let role = format!("{}_nocreate", db.name);
    db.execute(&format!("CREATE ROLE \"{role}\" LOGIN NOCREATEDB"));
    let mut url = url::Url::parse(&db.url()).unwrap();
    url.set_username(&role).unwrap();
    let project = TestProject::linear(1);
    let out = project
        .brainmig([
            "test-roundtrip",
            "--migrations-dir",
            "migrations",
            "--database-url",
            url.as_str(),
        ])
        .fails_with(1);
    assert!(
        out.stderr.contains("cannot create a scratch database"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("never in yours"), "{}", out.stderr);
    assert!(db.tables().is_empty());
    db.execute(&format!("DROP ROLE \"{role}\""));
}
