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

/// Starts `test-roundtrip` on `db`, waits until one of its scratch databases runs the revision
/// that sleeps `pg_sleep(<sleep>)` (a length no other test uses, so the database found is this
/// run's), then interrupts it; returns that database's name, the exit code and stderr.
fn interrupt_roundtrip_while_sleeping(
    project: &TestProject,
    db: &TestDb,
    sleep: &str,
) -> (String, Option<i32>, String) {
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
    let deadline = Instant::now() + Duration::from_secs(30);
    let sleeping = loop {
        let found = db.strings(&format!(
            "SELECT datname::text FROM pg_stat_activity WHERE datname LIKE 'brainmig\\_rt\\_%' \
             AND state = 'active' AND query LIKE '%pg_sleep({sleep})%'"
        ));
        if let Some(name) = found.into_iter().next() {
            break name;
        }
        assert!(
            Instant::now() < deadline,
            "the sleeping revision never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (sleeping, out.status.code(), stderr)
}

#[test]
fn ctrl_c_drops_the_scratch_database() {
    let db = TestDb::postgres();
    let project = TestProject::empty();
    project.revision(
        "0001",
        &[],
        "CREATE TABLE a (x INTEGER);\nSELECT pg_sleep(30.5);",
        Some("DROP TABLE a;"),
    );
    let (scratch, code, stderr) = interrupt_roundtrip_while_sleeping(&project, &db, "30.5");
    assert_eq!(code, Some(130), "{stderr}");
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

/// The statuses of the revisions in a `--format json` report.
fn statuses(report: &serde_json::Value) -> Vec<String> {
    report["revisions"]
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["status"].as_str().expect("status").to_owned())
        .collect()
}

fn json_report(out: &Outcome) -> serde_json::Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", out.stdout, out.stderr))
}

#[test]
fn every_revision_gets_a_verdict_after_several_kinds_of_broken_down() {
    let db = TestDb::postgres();
    let project = TestProject::with_migrations("roundtrip/several-broken-downs");
    let (out, scratch) = roundtrip(&project, &db, &["--format", "json"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    let report = json_report(&out);
    assert_eq!(
        statuses(&report),
        [
            "passed", "failed", "failed", "passed", "failed", "failed", "passed", "failed",
            "not_run"
        ],
        "{}",
        out.stdout
    );
    let revision = |i: usize| &report["revisions"][i];
    let problems = |i: usize| revision(i)["problems"].to_string();
    // 0002: the down fails and rolls back; nothing to rebuild.
    assert!(
        problems(1).contains("downgrading 0002 (tags) failed"),
        "{}",
        problems(1)
    );
    assert_eq!(revision(1)["rebuilt"], false);
    // 0003: the down leaves the index, so the second up fails; rebuilt, and 0004 passes.
    assert!(problems(2).contains("upgrading 0003 (title_index) again failed"));
    assert_eq!(revision(2)["rebuilt"], true);
    // 0005: the down leaves a column the second up steps over; the state is right, no rebuild.
    assert!(problems(4).contains("column `notes.body` is still present"));
    assert_eq!(revision(4)["rebuilt"], false);
    // 0006: the down drops too much and the second up does not bring it back; rebuilt.
    assert!(problems(5).contains("after upgrading 0006 (decks) again: table `tags` is missing"));
    assert_eq!(revision(5)["rebuilt"], true);
    // 0008's own up fails: 0009, which needs it, is not run, with the reason.
    assert!(problems(7).contains("upgrading 0008 (broken_up) failed"));
    assert!(problems(8).contains("not run: it needs 0008, whose upgrade failed"));
    assert_eq!(
        report["counts"],
        serde_json::json!({"passed": 3, "column_order": 0, "failed": 5, "not_run": 1, "rebuilt": 2, "not_atomic": 0})
    );
    // The base step runs from the rebuilt state, and 0002's failing down fails it.
    assert_eq!(report["base"]["status"], "failed");
    assert!(
        report["base"]["problems"]
            .to_string()
            .contains("0002_tags.sql:10"),
        "{}",
        report["base"]
    );
    assert!(
        out.stderr.contains(
            "3 passed, 0 column order only, 5 failed, 1 not run; downgrade to base FAILED; \
             scratch state rebuilt 2 time(s)"
        ),
        "{}",
        out.stderr
    );
    assert!(!database_exists(&db, &scratch));
    assert!(db.tables().is_empty());
}

#[test]
fn a_revision_that_fails_on_the_rebuilt_state_is_reported_and_its_descendants_are_not_run() {
    let db = TestDb::postgres();
    let project = TestProject::empty();
    project.revision(
        "0001",
        &[],
        "CREATE TABLE counter (n INTEGER);",
        Some("DROP TABLE counter;"),
    );
    // Its down forgets the row: the round trip leaves two, where a plain upgrade leaves one.
    project.revision(
        "0002",
        &["0001"],
        "INSERT INTO counter VALUES (1);",
        Some("SELECT 1;"),
    );
    // Works only on the round trip's two rows; its down leaves a table behind, so the state is
    // rebuilt by plain upgrades, where it fails.
    project.revision(
        "0003",
        &["0002"],
        "DO $$ BEGIN IF (SELECT count(*) FROM counter) <> 2 THEN \
         RAISE EXCEPTION 'counter holds % row(s)', (SELECT count(*) FROM counter); END IF; END $$;\n\
         CREATE TABLE three (id INTEGER);",
        Some("DROP TABLE three;\nCREATE TABLE ghost (id INTEGER);"),
    );
    project.revision(
        "0004",
        &["0003"],
        "CREATE TABLE four (id INTEGER);",
        Some("DROP TABLE four;"),
    );
    let (out, scratch) = roundtrip(&project, &db, &["--format", "json"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    let report = json_report(&out);
    assert_eq!(
        statuses(&report),
        ["passed", "passed", "failed", "not_run"],
        "{}",
        out.stdout
    );
    let problems = report["revisions"][2]["problems"].to_string();
    assert!(
        problems.contains("table `ghost` is still present"),
        "{problems}"
    );
    assert!(
        problems.contains(
            "upgrading 0003 failed on the rebuilt scratch state (plain upgrades from base)"
        ) && problems.contains("counter holds 1 row(s)"),
        "{problems}"
    );
    assert!(
        report["revisions"][3]["problems"]
            .to_string()
            .contains("not run: it needs 0003, which fails on a plain upgrade")
    );
    assert_eq!(report["counts"]["rebuilt"], 1);
    // The rebuilt state holds 0001 and 0002 only, and goes down to base cleanly.
    assert_eq!(report["base"]["status"], "passed", "{}", report["base"]);
    assert!(!database_exists(&db, &scratch));
}

#[test]
fn sqlite_rebuilds_the_scratch_file_and_goes_on() {
    let project = TestProject::empty();
    project.revision(
        "0001",
        &[],
        "CREATE TABLE a (id INTEGER);",
        Some("DROP TABLE a;"),
    );
    project.revision(
        "0002",
        &["0001"],
        "CREATE INDEX a_id ON a (id);",
        Some("SELECT 1;"),
    );
    project.revision(
        "0003",
        &["0002"],
        "CREATE TABLE b (id INTEGER);",
        Some("DROP TABLE b;"),
    );
    let out = project
        .on_sqlite(&["test-roundtrip", "-v", "--format", "json"])
        .fails_with(3);
    let report = json_report(&out);
    assert_eq!(statuses(&report), ["passed", "failed", "passed"]);
    assert!(
        report["revisions"][1]["problems"]
            .to_string()
            .contains("upgrading 0002 (revision 0002) again failed")
    );
    assert_eq!(report["revisions"][1]["rebuilt"], true);
    assert_eq!(report["counts"]["rebuilt"], 1);
    assert_eq!(report["base"]["status"], "passed", "{}", report["base"]);
    let file = out
        .stderr
        .split('`')
        .find(|s| s.contains("brainmig_rt_"))
        .expect("names its file");
    assert!(
        !std::path::Path::new(file).exists(),
        "temporary file {file} left behind"
    );
}

/// A project whose `0001` creates `notes_touch()` with `body` and whose `0002` replaces it
/// and puts it back in its down section with `restored`.
fn function_restored_as(body: &str, restored: &str) -> TestProject {
    let function = |body: &str| {
        format!(
            "CREATE OR REPLACE FUNCTION notes_touch() RETURNS trigger LANGUAGE plpgsql AS $fn${body}$fn$;"
        )
    };
    let project = TestProject::empty();
    project.revision(
        "0001",
        &[],
        &format!(
            "CREATE TABLE notes (id INTEGER, at TIMESTAMPTZ, note TEXT);\n{}",
            function(body)
        ),
        Some("DROP FUNCTION notes_touch();\nDROP TABLE notes;"),
    );
    project.revision(
        "0002",
        &["0001"],
        &function("BEGIN NEW.at := now() - interval '1 second'; RETURN NEW; END;"),
        Some(&function(restored)),
    );
    project
}

#[test]
fn a_function_body_restored_with_other_blanks_passes_and_other_text_in_a_literal_fails() {
    let db = TestDb::postgres();
    let body =
        "\nBEGIN\n    NEW.at := now();\n    NEW.note := 'two  spaces';\n    RETURN NEW;\nEND;\n";
    let reindented = "BEGIN NEW.at:=now(); NEW.note := 'two  spaces';\n\tRETURN NEW; END;";
    let project = function_restored_as(body, reindented);
    let (out, _) = roundtrip(&project, &db, &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    // Blanks inside a string literal are data: one space less is a difference.
    let literal = "BEGIN NEW.at:=now(); NEW.note := 'two spaces'; RETURN NEW; END;";
    let project = function_restored_as(body, literal);
    let (out, _) = roundtrip(&project, &db, &[]);
    assert_eq!(out.code, 3, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("after downgrading 0002 (revision 0002): function `notes_touch()`: body was"),
        "{}",
        out.stdout
    );
}

/// `0002` drops column `b`; its down section adds it back, at the end.
fn column_moved_by_a_correct_down(with_view: bool) -> TestProject {
    let (drop_view, create_view) = if with_view {
        ("DROP VIEW v;\n", "\nCREATE VIEW v AS SELECT * FROM t;")
    } else {
        ("", "")
    };
    let project = TestProject::empty();
    project.revision(
        "0001",
        &[],
        &format!("CREATE TABLE t (a INTEGER, b TEXT, c INTEGER);{create_view}"),
        Some(&format!("{drop_view}DROP TABLE t;")),
    );
    project.revision(
        "0002",
        &["0001"],
        &format!("{drop_view}ALTER TABLE t DROP COLUMN b;{create_view}"),
        Some(&format!(
            "{drop_view}ALTER TABLE t ADD COLUMN b TEXT;{create_view}"
        )),
    );
    project
}

#[test]
fn a_column_order_difference_alone_passes_and_fails_under_strict() {
    let db = TestDb::postgres();
    let project = column_moved_by_a_correct_down(false);
    let (out, _) = roundtrip(&project, &db, &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("0002") && l.contains("order")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "column order only: after downgrading 0002 (revision 0002): table `t`: column order was \
             (a, b, c), is (a, c, b)"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr
            .contains("1 passed, 1 column order only, 0 failed, 0 not run"),
        "{}",
        out.stderr
    );
    let (strict, _) = roundtrip(&project, &db, &["--strict", "--format", "json"]);
    assert_eq!(strict.code, 3, "{}", strict.stderr);
    let report = json_report(&strict);
    assert_eq!(statuses(&report), ["passed", "failed"]);
    assert!(
        report["revisions"][1]["column_order"]
            .to_string()
            .contains("table `t`: column order was (a, b, c), is (a, c, b)")
    );
    assert_eq!(report["counts"]["failed"], 1);
}

#[test]
fn a_view_over_star_that_follows_its_table_s_new_column_order_passes() {
    let db = TestDb::postgres();
    let project = column_moved_by_a_correct_down(true);
    let (out, _) = roundtrip(&project, &db, &["--format", "json"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let report = json_report(&out);
    assert_eq!(statuses(&report), ["passed", "column_order"]);
    let moved = report["revisions"][1]["column_order"].to_string();
    assert!(
        moved.contains("view `v`: column order was (t.a, t.b, t.c), is (t.a, t.c, t.b)"),
        "{moved}"
    );
    assert!(
        report["revisions"][1]["problems"]
            .as_array()
            .expect("array")
            .is_empty()
    );
    let (strict, _) = roundtrip(&project, &db, &["--strict"]);
    assert_eq!(strict.code, 3, "{}", strict.stdout);
}

#[test]
fn ctrl_c_after_a_rebuild_drops_every_scratch_database_of_the_run() {
    let db = TestDb::postgres();
    let project = TestProject::empty();
    // 0001's down forgets its table: the second up fails and the state is rebuilt on a copy.
    project.revision(
        "0001",
        &[],
        "CREATE TABLE a (x INTEGER);",
        Some("SELECT 1;"),
    );
    project.revision(
        "0002",
        &["0001"],
        "CREATE TABLE b (x INTEGER);\nSELECT pg_sleep(30.25);",
        Some("DROP TABLE b;"),
    );
    let (copy, code, stderr) = interrupt_roundtrip_while_sleeping(&project, &db, "30.25");
    assert_eq!(code, Some(130), "{stderr}");
    let first = scratch_name(&stderr);
    assert_ne!(first, copy, "0002 runs on the rebuilt copy");
    assert!(!database_exists(&db, &first), "{first} left behind");
    assert!(!database_exists(&db, &copy), "{copy} left behind");
}
