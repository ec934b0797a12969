//! MySQL and MariaDB (issue #19), the commands around `up` against the real server: Ctrl-C
//! cancelling the statement in flight, eight runs at once, `rehash`, a `down` read back from the
//! version table, `import`'s take-over, and `database create|drop|reset`.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::support::mysql::MysqlTestDb;
use crate::support::{TestDb, TestProject};

/// Polls `sql` (one text value) until `done` accepts it, for at most 20 seconds.
fn wait_until(db: &MysqlTestDb, sql: &str, done: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(&db.strings(sql)[0]) {
        assert!(Instant::now() < deadline, "timed out waiting on: {sql}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Statements of this database's connections running `DO SLEEP`, as text.
fn sleeping(db: &MysqlTestDb) -> String {
    format!(
        "SELECT CAST(COUNT(*) AS CHAR) FROM information_schema.PROCESSLIST \
         WHERE DB = '{}' AND INFO LIKE 'DO SLEEP%'",
        db.name
    )
}

fn spawn(project: &TestProject, db: &MysqlTestDb, args: &[&str]) -> Child {
    project
        .on_mysql(db, args)
        .cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn ctrl_c_kills_the_running_query_and_records_how_far_the_revision_got() {
    let db = TestDb::mysql();
    let project = TestProject::empty();
    project.revision(
        "0001",
        &[],
        "CREATE TABLE a (id INT);\nDO SLEEP(60);\nCREATE TABLE b (id INT);",
        Some("DROP TABLE b;\nDROP TABLE a;"),
    );
    let child = spawn(&project, &db, &["brainmig", "up"]);
    wait_until(&db, &sleeping(&db), |n| n != "0");
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("revision `0001` was interrupted at") && stderr.contains("0001_r.sql:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("its first 1 statement(s) took effect"),
        "{stderr}"
    );
    // The sleep was killed on the server, not left to run out, and the third statement never ran.
    assert_eq!(db.strings(&sleeping(&db)), ["0"]);
    assert_eq!(db.tables(), ["a", "brainmig_version"]);
    assert!(
        ["0001 up 1/3", "0001 up 2/3"].contains(&db.applied()[0].as_str()),
        "{:?}",
        db.applied()
    );
}

/// Whether the test's database exists on the server, asked without depending on being in it.
fn exists(db: &MysqlTestDb) -> bool {
    db.strings(&format!(
        "SELECT CAST(COUNT(*) AS CHAR) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{}'",
        db.name
    )) == ["1"]
}

/// Tables of the test's database, named by schema (the helper's connection may be in none).
fn tables_of(db: &MysqlTestDb) -> Vec<String> {
    db.strings(&format!(
        "SELECT CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES \
         WHERE TABLE_SCHEMA = '{}' ORDER BY 1",
        db.name
    ))
}

fn database(project: &TestProject, url: &str, args: &[&str]) -> crate::support::Run {
    let mut all = vec!["brainmig", "database"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--migrations-dir", "migrations", "--database-url", url]);
    project.brainmig(all)
}

#[test]
fn database_drop_create_and_reset_on_mariadb() {
    let db = TestDb::mysql();
    let project = TestProject::linear(2);
    let url = db.url();

    let refused = database(&project, &url, &["drop"]).fails_with(2);
    assert!(
        refused.stderr.contains("standard input is not a terminal"),
        "{}",
        refused.stderr
    );
    assert!(exists(&db));
    let dropped = database(&project, &url, &["drop", "--yes"]).success();
    assert!(dropped.stderr.contains("Dropped"), "{}", dropped.stderr);
    assert!(!exists(&db));
    let absent = database(&project, &url, &["drop", "-y"]).success();
    assert!(
        absent.stderr.contains("does not exist"),
        "{}",
        absent.stderr
    );

    let created = database(&project, &url, &["create", "--format", "json"]).success();
    let doc: serde_json::Value = serde_json::from_str(&created.stdout).unwrap();
    assert_eq!(doc["outcome"], "created", "{doc}");
    assert!(exists(&db));
    let again = database(&project, &url, &["create"]).success();
    assert!(again.stderr.contains("exists already"), "{}", again.stderr);

    project.on_mysql(&db, &["brainmig", "up", "0001"]).success();
    db.execute(&format!("INSERT INTO `{}`.t1 VALUES (7)", db.name));
    let reset = database(&project, &url, &["reset", "--yes"]).success();
    assert!(
        reset.stderr.contains("Dropped") && reset.stderr.contains("Created"),
        "{}",
        reset.stderr
    );
    assert_eq!(tables_of(&db), ["brainmig_version", "t1", "t2"]);
    assert_eq!(
        db.strings(&format!(
            "SELECT CAST(COUNT(*) AS CHAR) FROM `{}`.t1",
            db.name
        )),
        ["0"],
        "the old rows are gone"
    );
}

#[test]
fn database_drop_force_ends_the_other_sessions_on_mariadb() {
    let db = TestDb::mysql();
    let project = TestProject::linear(1);
    project.on_mysql(&db, &["brainmig", "up"]).success();
    // An open transaction holding t1: a plain DROP DATABASE would wait on it for good.
    db.execute("START TRANSACTION");
    db.execute("INSERT INTO t1 VALUES (1)");
    database(&project, &db.url(), &["drop", "--yes", "--force"]).success();
    // The helper's own session was one of those ended: ask through the command instead.
    let created = database(&project, &db.url(), &["create"]).success();
    assert!(created.stderr.contains("Created"), "{}", created.stderr);
}

#[test]
fn database_refuses_the_servers_own_databases_and_a_url_without_one() {
    let project = TestProject::linear(1);
    let admin = crate::support::mysql::mysql_admin_url();
    for name in ["mysql", "information_schema", "performance_schema", "sys"] {
        let mut url = url::Url::parse(&admin).unwrap();
        url.set_path(name);
        url.set_password(Some("s3cretpw")).unwrap();
        // No `--yes`: were the refusal missing, the run would stop at the missing terminal.
        for action in ["drop", "reset"] {
            let out = database(&project, url.as_str(), &[action]).fails_with(2);
            assert!(
                out.stderr.contains("server's own databases")
                    && out.stderr.contains(&format!("`{name}`")),
                "{action} {name}: {}",
                out.stderr
            );
            assert!(!out.stderr.contains("s3cretpw"), "{}", out.stderr);
        }
    }
    for action in ["create", "drop"] {
        let out = database(
            &project,
            &admin,
            &[action, "--yes"][..1 + usize::from(action == "drop")],
        )
        .fails_with(2);
        assert!(
            out.stderr
                .contains(&format!("names no database to {action}")),
            "{}",
            out.stderr
        );
    }
}
