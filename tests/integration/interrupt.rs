//! Tests for runs that end abruptly: Ctrl-C and SIGKILL in the middle of a long revision must
//! leave nothing of it behind, release the lock, and let the next run complete.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{TestDb, TestProject};

fn sleeping_project(seconds: u32) -> TestProject {
    let project = TestProject::empty();
    project.revision(
        "0001",
        &[],
        "CREATE TABLE a (x INTEGER);",
        Some("DROP TABLE a;"),
    );
    project.revision(
        "0002",
        &["0001"],
        &format!("CREATE TABLE b (x INTEGER);\nSELECT pg_sleep({seconds});"),
        Some("DROP TABLE b;"),
    );
    project
}

fn spawn_up(project: &TestProject, db: &TestDb) -> Child {
    Command::new(env!("CARGO_BIN_EXE_cargo-brainmig"))
        .args([
            "up",
            "--color",
            "never",
            "--migrations-dir",
            "migrations",
            "--database-url",
            &db.url(),
        ])
        .current_dir(&project.root)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until the server runs (`true`) or no longer runs (`false`) a `pg_sleep` of this database.
fn wait_for_sleep(db: &TestDb, running: bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let n = db.strings(&format!(
            "SELECT count(*)::text FROM pg_stat_activity WHERE datname = '{}' AND state = 'active' \
             AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()",
            db.name
        ));
        if (n[0] != "0") == running {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for pg_sleep running={running}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn signal(child: &Child, sig: &str) {
    let status = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn advisory_locks(db: &TestDb) -> String {
    db.strings(&format!(
        "SELECT count(*)::text FROM pg_locks l JOIN pg_database d ON d.oid = l.database \
         WHERE l.locktype = 'advisory' AND d.datname = '{}'",
        db.name
    ))
    .remove(0)
}

#[test]
fn ctrl_c_cancels_the_running_statement_rolls_back_and_reports_what_was_committed() {
    let db = TestDb::postgres();
    let project = sleeping_project(60);
    let child = spawn_up(&project, &db);
    wait_for_sleep(&db, true);
    signal(&child, "-INT");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("revision `0002` was interrupted (and rolled back)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("committed by this run before the failure: 0001"),
        "{stderr}"
    );
    // The statement was cancelled on the server, not left to finish and commit.
    wait_for_sleep(&db, false);
    assert_eq!(db.applied(), ["0001"]);
    assert_eq!(db.tables(), ["a", "brainmig_version"]);
    assert_eq!(advisory_locks(&db), "0");
}

#[test]
fn sigkill_mid_revision_leaves_nothing_of_it_and_the_next_run_completes() {
    let db = TestDb::postgres();
    let project = sleeping_project(3);
    let mut child = spawn_up(&project, &db);
    wait_for_sleep(&db, true);
    signal(&child, "-KILL");
    child.wait().unwrap();
    // The server notices the dead client and rolls back rather than committing for nobody.
    wait_for_sleep(&db, false);
    assert_eq!(db.applied(), ["0001"]);
    assert_eq!(db.tables(), ["a", "brainmig_version"]);
    assert_eq!(advisory_locks(&db), "0");
    project.on(&db, &["up"]).success();
    assert_eq!(db.applied(), ["0001", "0002"]);
}
