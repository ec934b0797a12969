//! `--wait`: connecting to a server that is not up yet. A listener this test opens late (a small
//! TCP proxy to the test server) stands in for a database container that is still starting.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::support::{TestDb, TestProject, admin_url};

/// A port on this machine where nothing listens now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The test server's address, from the admin URL.
fn server_addr() -> String {
    let url = url::Url::parse(&admin_url()).unwrap();
    format!(
        "{}:{}",
        url.host_str().unwrap_or("127.0.0.1"),
        url.port().unwrap_or(5432)
    )
}

/// `db`'s URL through `port`.
fn url_via(db: &TestDb, port: u16) -> String {
    let mut url = url::Url::parse(&db.url()).unwrap();
    url.set_port(Some(port)).unwrap();
    url.to_string()
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buffer[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Both);
}

/// After `delay`, listens on `port` and forwards every connection to the test server.
fn proxy_opening_after(port: u16, delay: Duration) {
    let server = server_addr();
    std::thread::spawn(move || {
        std::thread::sleep(delay);
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        for client in listener.incoming() {
            let Ok(client) = client else { continue };
            let Ok(upstream) = TcpStream::connect(&server) else {
                continue;
            };
            let (c2, u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
            std::thread::spawn(move || pipe(client, upstream));
            std::thread::spawn(move || pipe(u2, c2));
        }
    });
}

#[test]
fn wait_connects_once_a_late_server_starts_listening() {
    let db = TestDb::postgres();
    let project = TestProject::linear(2);
    let port = free_port();
    proxy_opening_after(port, Duration::from_secs(3));
    let url = url_via(&db, port);
    let out = project
        .brainmig([
            "up",
            "--wait=30s",
            "--migrations-dir",
            "migrations",
            "--database-url",
            &url,
        ])
        .success();
    // Not a terminal: one note, not a line per attempt.
    assert_eq!(
        out.stderr.matches("waiting for the database").count(),
        1,
        "{}",
        out.stderr
    );
    assert_eq!(db.applied(), ["0001", "0002"]);
    // `current` reads through the same wait.
    let out = project
        .brainmig([
            "current",
            "--wait",
            "--migrations-dir",
            "migrations",
            "--database-url",
            &url,
        ])
        .success();
    assert!(out.stdout.contains("0002"), "{}", out.stdout);
}

#[test]
fn wait_gives_up_at_its_timeout_with_the_usual_error() {
    let project = TestProject::linear(1);
    let url = format!("postgres://postgres@127.0.0.1:{}/nowhere", free_port());
    let without = project
        .brainmig([
            "up",
            "--migrations-dir",
            "migrations",
            "--database-url",
            &url,
        ])
        .fails_with(1);
    let with = project
        .brainmig([
            "up",
            "--wait=1s",
            "--migrations-dir",
            "migrations",
            "--database-url",
            &url,
        ])
        .fails_with(1);
    assert!(
        with.stderr.contains("waiting for the database"),
        "{}",
        with.stderr
    );
    let error_line = |s: &str| {
        s.lines()
            .find(|l| l.starts_with("error:"))
            .map(str::to_owned)
    };
    assert_eq!(error_line(&with.stderr), error_line(&without.stderr));
    assert!(
        with.stderr.contains("is the server running"),
        "{}",
        with.stderr
    );
}

#[test]
fn wait_does_not_retry_an_unknown_role_or_a_missing_database() {
    let db = TestDb::postgres();
    let project = TestProject::linear(1);
    let mut unknown_role = url::Url::parse(&db.url()).unwrap();
    unknown_role.set_username("bm_no_such_role").unwrap();
    let mut missing_db = url::Url::parse(&db.url()).unwrap();
    missing_db.set_path(&format!("{}_missing", db.name));
    for url in [unknown_role.to_string(), missing_db.to_string()] {
        let started = Instant::now();
        let out = project
            .brainmig([
                "up",
                "--wait=60s",
                "--migrations-dir",
                "migrations",
                "--database-url",
                &url,
            ])
            .fails_with(1);
        assert!(
            !out.stderr.contains("waiting for the database"),
            "{}",
            out.stderr
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "failed at once, not after the timeout"
        );
    }
    assert!(db.tables().is_empty());
}

#[test]
fn the_app_s_migrator_waits_for_a_late_database_too() {
    let db = TestDb::postgres();
    let port = free_port();
    proxy_opening_after(port, Duration::from_secs(3));
    // The example app sets `Migrator::wait` to 30 s.
    let out = crate::embedded::run_app(&TestProject::empty().root, &url_via(&db, port), &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(db.applied(), ["0001", "0002", "0003", "0004"]);
}

/// `url` through a proxy to the test server that starts listening three seconds from now.
fn late_url(db: &TestDb) -> String {
    let port = free_port();
    proxy_opening_after(port, Duration::from_secs(3));
    url_via(db, port)
}

/// One "waiting" note (not a terminal): the command retried, and its later connections (scratch
/// databases on the same server, lint's read) found the server up.
fn waited_once(out: &crate::support::Outcome) {
    assert_eq!(
        out.stderr.matches("waiting for the database").count(),
        1,
        "{}",
        out.stderr
    );
}

#[test]
fn check_and_diff_wait_for_a_late_server_and_their_scratch_databases_follow() {
    let db = TestDb::postgres();
    let project = TestProject::from_fixture("second-brain");
    let out = project
        .brainmig(["check", "--wait=30s", "--database-url", &late_url(&db)])
        .success();
    waited_once(&out);
    assert!(
        out.stderr.contains("matches what they build"),
        "{}",
        out.stderr
    );
    project
        .brainmig(["up", "--database-url", &db.url()])
        .success();
    db.execute("CREATE TABLE added_by_hand (id integer)");
    let out = project
        .brainmig(["diff", "--wait=30s", "--database-url", &late_url(&db)])
        .fails_with(4);
    waited_once(&out);
    assert!(out.stdout.contains("added_by_hand"), "{}", out.stdout);
}

#[test]
fn test_roundtrip_waits_for_a_late_server_and_gives_up_on_a_dead_port() {
    let db = TestDb::postgres();
    let project = TestProject::linear(3);
    let url = late_url(&db);
    let (m, d) = ("--migrations-dir", "migrations");
    let out = project
        .brainmig(["test-roundtrip", "--wait=30s", m, d, "--database-url", &url])
        .success();
    waited_once(&out);
    assert!(out.stderr.contains("0 failed"), "{}", out.stderr);
    assert!(
        db.tables().is_empty(),
        "the configured database is not touched"
    );

    let dead = format!("postgres://postgres@127.0.0.1:{}/nowhere", free_port());
    let out = project
        .brainmig(["test-roundtrip", "--wait=1s", m, d, "--database-url", &dead])
        .fails_with(1);
    waited_once(&out);
    assert!(
        out.stderr.contains("is the server running"),
        "{}",
        out.stderr
    );
}

#[test]
fn lint_reads_a_late_server_s_applied_revisions_and_version() {
    let db = TestDb::postgres();
    let project = crate::lint::project_with("CREATE TABLE notes (id bigint);");
    project.on(&db, &["up", "0001"]).success();
    let (m, d) = ("--migrations-dir", "migrations");
    let url = late_url(&db);
    let out = project
        .brainmig([
            "lint",
            "--format=json",
            "--wait=30s",
            m,
            d,
            "--database-url",
            &url,
        ])
        .success();
    waited_once(&out);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    // Without the database, every revision would be linted against the default version.
    assert_eq!(doc["revisions"], serde_json::json!(["0002"]));
    assert_eq!(doc["target_version_from"], "server");

    // A server that never comes: lint waits, then lints every revision as without one.
    let dead = format!("postgres://postgres@127.0.0.1:{}/nowhere", free_port());
    let out = project
        .brainmig([
            "lint",
            "--format=json",
            "--wait=1s",
            m,
            d,
            "--database-url",
            &dead,
        ])
        .success();
    waited_once(&out);
    assert!(
        out.stderr.contains("linting every revision"),
        "{}",
        out.stderr
    );
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["revisions"], serde_json::json!(["0001", "0002"]));
}

#[test]
fn up_sql_and_renumber_read_a_late_server_s_rows() {
    let db = TestDb::postgres();
    let project = TestProject::linear(2);
    project.on(&db, &["up", "0001"]).success();
    let (m, d) = ("--migrations-dir", "migrations");
    let url = late_url(&db);
    let out = project
        .brainmig(["up", "--sql", "--wait=30s", m, d, "--database-url", &url])
        .success();
    waited_once(&out);
    // From where the database is: only 0002's table.
    assert!(out.stdout.contains("CREATE TABLE t2"), "{}", out.stdout);
    assert!(!out.stdout.contains("CREATE TABLE t1"), "{}", out.stdout);

    // Two branches after 0001; the database has applied 0003, so it may not move.
    project.revision("0003", &["0001"], "CREATE TABLE t3 (id int);", None);
    project.on(&db, &["up", "0003"]).success();
    let url = late_url(&db);
    let out = project
        .brainmig([
            "renumber",
            "0003",
            "--wait=30s",
            m,
            d,
            "--database-url",
            &url,
        ])
        .fails_with(2);
    waited_once(&out);
    assert!(
        out.stderr
            .contains("the configured database has applied `0003`"),
        "{}",
        out.stderr
    );
    assert!(project.path("migrations/0003_r.sql").exists());
}

#[test]
fn import_takes_over_the_version_table_of_a_late_server() {
    let db = TestDb::postgres();
    let project = TestProject::from_fixture("import/dbmate");
    db.execute(
        "CREATE TABLE schema_migrations (version VARCHAR(128) PRIMARY KEY);
         INSERT INTO schema_migrations (version) VALUES ('20240110090000');",
    );
    let url = late_url(&db);
    let out = project
        .brainmig([
            "import",
            "dbmate",
            "--migrations-dir",
            "brainmig",
            "--wait=30s",
            "--database-url",
            &url,
        ])
        .success();
    waited_once(&out);
    assert!(
        out.stderr.contains("Recorded 1 revision(s) as applied"),
        "{}",
        out.stderr
    );
    assert_eq!(db.applied(), ["20240110090000"]);
}
