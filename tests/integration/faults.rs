//! Fault tests: concurrent deploys, crashes inside `transaction:false` sections, connections cut
//! by the server, lock waits, and the connection errors a user meets first. Each prints a
//! `fault figures:` line that the CI log keeps.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{TestDb, TestProject};

fn spawn(project: &TestProject, url: &str, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_cargo-brainmig"))
        .args(args)
        .args([
            "--color",
            "never",
            "--migrations-dir",
            "migrations",
            "--database-url",
            url,
        ])
        .current_dir(&project.root)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn finish(child: Child) -> (i32, String) {
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Polls `sql` (first column, text) until `done` accepts it, for at most 20 seconds.
fn wait_until(db: &TestDb, sql: &str, done: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if done(&db.strings(sql)[0]) {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting on: {sql}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn sleeping_queries(db: &TestDb) -> String {
    format!(
        "SELECT count(*)::text FROM pg_stat_activity WHERE datname = '{}' AND state = 'active' \
         AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()",
        db.name
    )
}

/// Sends `sig` (e.g. `-INT`) to a child.
fn signal(child: &Child, sig: &str) {
    let status = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Advisory locks held in the test database (the run lock must never outlive a run).
fn advisory_locks(db: &TestDb) -> String {
    db.strings(&format!(
        "SELECT count(*)::text FROM pg_locks l JOIN pg_database d ON d.oid = l.database \
         WHERE l.locktype = 'advisory' AND d.datname = '{}'",
        db.name
    ))
    .remove(0)
}

/// `0001` creates `a`; `0002` creates `b` and then sleeps on the server.
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

#[test]
fn ctrl_c_cancels_the_running_statement_rolls_back_and_reports_what_was_committed() {
    let db = TestDb::postgres();
    let project = sleeping_project(60);
    let child = spawn(&project, &db.url(), &["up"]);
    wait_until(&db, &sleeping_queries(&db), |n| n != "0");
    signal(&child, "-INT");
    let (code, stderr) = finish(child);
    assert_eq!(code, 130, "{stderr}");
    assert!(
        stderr.contains("revision `0002` was interrupted (and rolled back)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("committed by this run before the failure: 0001"),
        "{stderr}"
    );
    // The statement was cancelled on the server, not left to finish and commit.
    wait_until(&db, &sleeping_queries(&db), |n| n == "0");
    assert_eq!(db.applied(), ["0001"]);
    assert_eq!(db.tables(), ["a", "brainmig_version"]);
    assert_eq!(advisory_locks(&db), "0");
    eprintln!("fault figures: Ctrl-C mid-revision cancelled on the server, rolled back, exit 130");
}

#[test]
fn sigkill_mid_revision_leaves_nothing_of_it_and_the_next_run_completes() {
    let db = TestDb::postgres();
    let project = sleeping_project(3);
    let child = spawn(&project, &db.url(), &["up"]);
    wait_until(&db, &sleeping_queries(&db), |n| n != "0");
    signal(&child, "-KILL");
    finish(child);
    // The server notices the dead client and rolls back rather than committing for nobody.
    wait_until(&db, &sleeping_queries(&db), |n| n == "0");
    assert_eq!(db.applied(), ["0001"]);
    assert_eq!(db.tables(), ["a", "brainmig_version"]);
    assert_eq!(advisory_locks(&db), "0");
    project.on(&db, &["up"]).success();
    assert_eq!(db.applied(), ["0001", "0002"]);
    eprintln!("fault figures: SIGKILL mid-revision survived, nothing of it left, rerun completed");
}

/// `n` revisions after a `run_log` table, each creating a table and logging itself once.
fn logged_chain(n: usize) -> TestProject {
    let project = TestProject::empty();
    project.revision(
        "0000",
        &[],
        "CREATE TABLE run_log (revision TEXT NOT NULL);",
        Some("DROP TABLE run_log;"),
    );
    for i in 1..=n {
        let id = format!("{i:04}");
        let parent = format!("{:04}", i - 1);
        project.revision(
            &id,
            &[&parent],
            &format!("CREATE TABLE c{i} (id INTEGER);\nINSERT INTO run_log VALUES ('{id}');"),
            Some(&format!(
                "DROP TABLE c{i};\nDELETE FROM run_log WHERE revision = '{id}';"
            )),
        );
    }
    project
}

#[test]
fn eight_concurrent_ups_of_200_revisions_apply_each_exactly_once() {
    let db = TestDb::postgres();
    let project = logged_chain(200);
    let started = Instant::now();
    // A test-roundtrip on the same server works beside them, in its own scratch database.
    let roundtrip = spawn(&project, &db.url(), &["test-roundtrip", "--from", "0190"]);
    let children: Vec<Child> = (0..8)
        .map(|_| spawn(&project, &db.url(), &["up"]))
        .collect();
    let results: Vec<(i32, String)> = children.into_iter().map(finish).collect();
    let (code, stderr) = finish(roundtrip);
    assert_eq!(code, 0, "test-roundtrip beside the deploys: {stderr}");
    for (code, stderr) in &results {
        assert_eq!(*code, 0, "{stderr}");
    }
    let idle = results
        .iter()
        .filter(|(_, e)| e.contains("nothing to do"))
        .count();
    assert!(idle >= 1, "the runs that waited found nothing left to do");
    assert_eq!(db.applied().len(), 201);
    assert_eq!(
        db.strings("SELECT count(*)::text || '/' || count(DISTINCT revision)::text FROM run_log"),
        ["200/200"]
    );
    eprintln!(
        "fault figures: 8 concurrent `up` processes and a test-roundtrip, 200 revisions, each applied once, {idle} found nothing to do, {:.1}s",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn up_racing_down_leaves_a_consistent_version_table() {
    let db = TestDb::postgres();
    let project = logged_chain(40);
    project.on(&db, &["up", "0020"]).success();
    let children: Vec<Child> = (0..6)
        .map(|i| {
            spawn(
                &project,
                &db.url(),
                if i % 2 == 0 { &["up"] } else { &["down", "-5"] },
            )
        })
        .collect();
    for (code, stderr) in children.into_iter().map(finish) {
        // A `down -5` that finds fewer than five applied is refused; nothing else may fail.
        assert!(
            code == 0 || stderr.contains("cannot go down"),
            "{code}: {stderr}"
        );
    }
    // Every recorded revision's table exists and every logged revision is recorded, exactly once.
    let applied = db.applied();
    let logged = db.strings("SELECT revision FROM run_log ORDER BY revision");
    assert_eq!(applied[1..], logged[..], "version table and effects agree");
    let tables = db.strings(
        "SELECT count(*)::text FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'c%'",
    );
    assert_eq!(tables, [logged.len().to_string()]);
    project.on(&db, &["up"]).success();
    eprintln!(
        "fault figures: 3 `up` and 3 `down -5` processes racing on 40 revisions, version table consistent"
    );
}

#[test]
fn a_crash_inside_a_transaction_false_section_is_recorded_and_explained() {
    let db = TestDb::postgres();
    let project = TestProject::empty();
    project.revision(
        "0001",
        &[],
        "CREATE TABLE a (x INTEGER);",
        Some("DROP TABLE a;"),
    );
    project.write(
        "migrations/0002_slow.sql",
        "-- revision: 0002\n-- revises: 0001\n\n-- migrate:up transaction:false\n\
         CREATE INDEX CONCURRENTLY a_x_idx ON a (x);\nSELECT pg_sleep(30);\nCREATE TABLE b (x INTEGER);\n\n\
         -- migrate:down transaction:false\nDROP TABLE b;\nDROP INDEX CONCURRENTLY a_x_idx;\n",
    );
    let child = spawn(&project, &db.url(), &["up"]);
    wait_until(&db, &sleeping_queries(&db), |n| n != "0");
    signal(&child, "-KILL");
    finish(child);
    wait_until(&db, &sleeping_queries(&db), |n| n == "0");

    assert_eq!(
        db.strings("SELECT revision || ':' || coalesce(incomplete, 'complete') FROM brainmig_version ORDER BY 1"),
        ["0001:complete", "0002:up 1/3"]
    );
    let out = project.on(&db, &["up"]).fails_with(1);
    assert!(
        out.stderr.contains("revision `0002` did not finish"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("stopped at up 1/3 statements"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("migrations/0002_slow.sql:6"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("cargo brainmig stamp 0001"),
        "{}",
        out.stderr
    );
    let history = project.on(&db, &["history"]).success();
    assert!(
        history.stdout.contains("(incomplete: up 1/3)"),
        "{}",
        history.stdout
    );

    // The user undoes what ran, stamps the parent, and the next run completes.
    db.execute("DROP INDEX a_x_idx");
    project.on(&db, &["stamp", "0001"]).success();
    let mut text = project.read("migrations/0002_slow.sql");
    text = text.replace("SELECT pg_sleep(30);", "SELECT 1;");
    project.write("migrations/0002_slow.sql", &text);
    project.on(&db, &["up"]).success();
    assert_eq!(
        db.strings(
            "SELECT coalesce(incomplete, 'complete') FROM brainmig_version WHERE revision = '0002'"
        ),
        ["complete"]
    );
    eprintln!(
        "fault figures: SIGKILL inside a transaction:false section survived and recorded as `up 1/3`"
    );
}

#[test]
fn a_failing_statement_in_a_transaction_false_section_says_what_took_effect() {
    let db = TestDb::postgres();
    let project = TestProject::empty();
    project.write(
        "migrations/0001_two.sql",
        "-- revision: 0001\n\n-- migrate:up transaction:false\nCREATE TABLE a (x INTEGER);\nCREATE TABLE a (x INTEGER);\n",
    );
    let out = project.on(&db, &["up"]).fails_with(1);
    assert!(
        out.stderr.contains("migrations/0001_two.sql:5"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("its first 1 statement(s) took effect"),
        "{}",
        out.stderr
    );
    assert_eq!(
        db.strings("SELECT incomplete FROM brainmig_version"),
        ["up 1/2"]
    );
}

#[test]
fn a_connection_terminated_by_the_server_leaves_no_half_state() {
    let db = TestDb::postgres();
    let project = sleeping_project(30);
    let child = spawn(&project, &db.url(), &["up"]);
    wait_until(&db, &sleeping_queries(&db), |n| n != "0");
    db.execute(&format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}' AND query LIKE '%pg_sleep%' \
         AND pid <> pg_backend_pid()",
        db.name
    ));
    let (code, stderr) = finish(child);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("revision `0002` failed"), "{stderr}");
    assert!(
        stderr.contains("terminating connection due to administrator command"),
        "{stderr}"
    );
    assert_eq!(db.applied(), ["0001"]);
    assert_eq!(db.tables(), ["a", "brainmig_version"]);
    project.write(
        "migrations/0002_r.sql",
        &crate::support::rev(
            "0002",
            &["0001"],
            "CREATE TABLE b (x INTEGER);",
            Some("DROP TABLE b;"),
        ),
    );
    project.on(&db, &["up"]).success();
    eprintln!("fault figures: pg_terminate_backend mid-revision survived, rerun completed");
}

#[test]
fn lock_timeout_gives_up_and_names_the_holder() {
    let db = TestDb::postgres();
    let project = TestProject::empty();
    project.revision("0001", &[], "SELECT pg_sleep(30);", None);
    let holder = spawn(&project, &db.url(), &["up"]);
    wait_until(&db, &sleeping_queries(&db), |n| n != "0");
    let started = Instant::now();
    let out = project
        .on(&db, &["up", "--lock-timeout", "0.5"])
        .fails_with(1);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        out.stderr.contains("waiting for another brainmig run"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("still holds the lock after 0.5s"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("`cargo-brainmig` (server pid"),
        "{}",
        out.stderr
    );
    signal(&holder, "-INT");
    finish(holder);
}

#[test]
fn sqlite_lock_timeout_names_the_holding_process() {
    let project = TestProject::empty();
    project.revision("0001", &[], "CREATE TABLE a (x INTEGER);", None);
    project.revision("0002", &["0001"], "CREATE TABLE b (x INTEGER);", None);
    project.on_sqlite(&["up", "0001"]).success();
    // A sqlite3 shell holds the database's write lock, so the first run takes brainmig's lock
    // and then waits inside `0002` (busy timeout) for as long as this test wants: the second run
    // always finds the lock held, whatever the timing.
    let mut writer = Command::new("sqlite3")
        .arg(project.path("app.db"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut writer_in = writer.stdin.take().unwrap();
    writeln!(writer_in, "BEGIN IMMEDIATE;\nSELECT 'locked';").unwrap();
    let mut line = String::new();
    BufReader::new(writer.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "locked");
    let url = project.sqlite_url("app.db");
    let holder = spawn(&project, &url, &["up"]);
    let holder_pid = holder.id();
    let lock = project.path("app.db.brainmig-lock");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(&lock).is_ok_and(|s| s.contains("pid")) {
        assert!(
            Instant::now() < deadline,
            "the first run never took the lock"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let started = Instant::now();
    let out = project
        .on_sqlite(&["up", "--lock-timeout", "0.2"])
        .fails_with(1);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        out.stderr.contains("still holds the lock after 0.2s"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains(&format!("cargo-brainmig (pid {holder_pid}, since ")),
        "{}",
        out.stderr
    );
    writeln!(writer_in, "COMMIT;").unwrap();
    drop(writer_in);
    assert!(writer.wait().unwrap().success());
    let (code, stderr) = finish(holder);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        crate::support::sqlite_strings(
            &project.path("app.db"),
            "SELECT revision FROM brainmig_version ORDER BY 1"
        ),
        ["0001", "0002"]
    );
}

#[test]
fn connection_problems_each_get_one_clear_message() {
    let db = TestDb::postgres();
    let project = TestProject::linear(1);
    let role = format!("{}_role", db.name);
    db.execute(&format!("CREATE ROLE \"{role}\" LOGIN"));
    let mut as_role = url::Url::parse(&db.url()).unwrap();
    as_role.set_username(&role).unwrap();
    as_role.set_password(Some("s3cr3t")).unwrap();
    let mut missing_db = url::Url::parse(&db.url()).unwrap();
    missing_db.set_path(&format!("{}_missing", db.name));
    missing_db.set_password(Some("s3cr3t")).unwrap();
    let mut no_role = url::Url::parse(&db.url()).unwrap();
    no_role.set_username("bm_no_such_role").unwrap();
    no_role.set_password(Some("s3cr3t")).unwrap();
    let cases = [
        (
            "postgres://u:s3cr3t@127.0.0.1:1/db".to_owned(),
            "is the server running",
        ),
        (missing_db.to_string(), "does not exist"),
        (
            no_role.to_string(),
            "role \"bm_no_such_role\" does not exist",
        ),
        (as_role.to_string(), "permission denied for schema public"),
    ];
    for (url, expected) in &cases {
        let out = project
            .brainmig([
                "up",
                "--migrations-dir",
                "migrations",
                "--database-url",
                url,
            ])
            .fails_with(1);
        assert!(out.stderr.contains(expected), "{url}: {}", out.stderr);
        assert!(
            !out.stderr.contains("s3cr3t") && !out.stdout.contains("s3cr3t"),
            "{}",
            out.stderr
        );
        assert_eq!(out.stderr.matches("error:").count(), 1, "{}", out.stderr);
    }
    assert_eq!(db.tables(), Vec::<String>::new());
    db.execute(&format!("DROP OWNED BY \"{role}\"; DROP ROLE \"{role}\""));
}

#[test]
fn four_concurrent_ups_on_sqlite_apply_each_revision_once() {
    let project = logged_chain(30);
    let url = project.sqlite_url("app.db");
    let children: Vec<Child> = (0..4).map(|_| spawn(&project, &url, &["up"])).collect();
    for (code, stderr) in children.into_iter().map(finish) {
        assert_eq!(code, 0, "{stderr}");
    }
    let counts = crate::support::sqlite_strings(
        &project.path("app.db"),
        "SELECT count(*) || '/' || count(DISTINCT revision) FROM run_log",
    );
    assert_eq!(counts, ["30/30"]);
}
