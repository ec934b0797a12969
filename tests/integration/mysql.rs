//! MySQL and MariaDB (issue #19) against the real server: a small history up and down, a revision
//! failing part-way recorded as `up k/n` and refused until stamped, a DML-only revision rolled
//! back whole, the `GET_LOCK` run lock under two runs at once, and the password kept out of errors.

use crate::support::{TestDb, TestProject};

#[test]
fn up_current_history_and_down_on_a_small_history() {
    let db = TestDb::mysql();
    let project = TestProject::linear(3);
    let out = project.on_mysql(&db, &["brainmig", "up"]).success();
    assert!(
        out.stderr.contains("commit each DDL statement on its own"),
        "the first run explains implicit commits:\n{}",
        out.stderr
    );
    assert_eq!(db.tables(), ["brainmig_version", "t1", "t2", "t3"]);
    assert_eq!(db.applied(), ["0001", "0002", "0003"]);

    let current = project.on_mysql(&db, &["brainmig", "current"]).success();
    assert!(current.stdout.contains("0003"), "{}", current.stdout);
    let history = project.on_mysql(&db, &["brainmig", "history"]).success();
    assert!(history.stdout.contains("0001"), "{}", history.stdout);

    let again = project.on_mysql(&db, &["brainmig", "up"]).success();
    assert!(
        !again.stderr.contains("commit each DDL statement"),
        "said once, not on every run:\n{}",
        again.stderr
    );

    project
        .on_mysql(&db, &["brainmig", "down", "0001"])
        .success();
    assert_eq!(db.tables(), ["brainmig_version", "t1"]);
    assert_eq!(db.applied(), ["0001"]);
    project
        .on_mysql(&db, &["brainmig", "down", "base"])
        .success();
    assert_eq!(db.tables(), ["brainmig_version"]);
}

#[test]
fn a_revision_failing_part_way_is_recorded_refused_and_continues_after_fix_and_stamp() {
    let db = TestDb::mysql();
    let project = TestProject::empty();
    project.revision(
        "0001",
        &[],
        "CREATE TABLE a (id INT);\nCREATE TABLE a (id INT);\nCREATE TABLE c (id INT);",
        Some("DROP TABLE c;\nDROP TABLE a;"),
    );
    let failed = project.on_mysql(&db, &["brainmig", "up"]).fails_with(1);
    assert!(
        failed.stderr.contains("already exists"),
        "{}",
        failed.stderr
    );
    // MySQL committed the first CREATE TABLE; the record says so.
    assert_eq!(db.tables(), ["a", "brainmig_version"]);
    assert_eq!(db.applied(), ["0001 up 1/3"]);

    let refused = project.on_mysql(&db, &["brainmig", "up"]).fails_with(1);
    assert!(
        refused.stderr.contains("stopped at up 1/3") && refused.stderr.contains("0001_r.sql:7"),
        "names the first statement that did not run:\n{}",
        refused.stderr
    );

    // Fixed by hand: the rest of the revision, then stamped.
    db.execute("CREATE TABLE c (id INT)");
    project
        .on_mysql(&db, &["brainmig", "stamp", "0001"])
        .success();
    assert_eq!(db.applied(), ["0001"]);
    project.revision(
        "0002",
        &["0001"],
        "CREATE TABLE d (id INT);",
        Some("DROP TABLE d;"),
    );
    project.on_mysql(&db, &["brainmig", "up"]).success();
    assert_eq!(db.tables(), ["a", "brainmig_version", "c", "d"]);
    assert_eq!(db.applied(), ["0001", "0002"]);
}

#[test]
fn a_dml_only_revision_that_fails_leaves_nothing() {
    let db = TestDb::mysql();
    let project = TestProject::empty();
    project.revision(
        "0001",
        &[],
        "CREATE TABLE a (id INT PRIMARY KEY) ENGINE = InnoDB;",
        Some("DROP TABLE a;"),
    );
    project.revision(
        "0002",
        &["0001"],
        "INSERT INTO a VALUES (1);\nINSERT INTO a VALUES (2);\nINSERT INTO a VALUES (1);",
        Some("DELETE FROM a;"),
    );
    let failed = project.on_mysql(&db, &["brainmig", "up"]).fails_with(1);
    assert!(
        failed.stderr.contains("Duplicate entry"),
        "{}",
        failed.stderr
    );
    assert_eq!(db.strings("SELECT CAST(COUNT(*) AS CHAR) FROM a"), ["0"]);
    assert_eq!(db.applied(), ["0001"]);
}

#[test]
fn two_runs_at_once_apply_each_revision_once() {
    let db = TestDb::mysql();
    let project = TestProject::empty();
    // A slow first revision holds the lock while the other run waits for it.
    project.revision(
        "0001",
        &[],
        "CREATE TABLE a (id INT);\nDO SLEEP(1);",
        Some("DROP TABLE a;"),
    );
    project.revision(
        "0002",
        &["0001"],
        "CREATE TABLE b (id INT);",
        Some("DROP TABLE b;"),
    );
    let runs: Vec<_> = (0..2)
        .map(|_| {
            project
                .on_mysql(&db, &["brainmig", "up"])
                .cmd
                .stderr(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for run in runs {
        let out = run.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(db.applied(), ["0001", "0002"]);
    assert_eq!(db.tables(), ["a", "b", "brainmig_version"]);
}

#[test]
fn mysql_lexical_rules_apply_to_files_run_against_mysql() {
    let db = TestDb::mysql();
    let project = TestProject::empty();
    project.revision(
        "0001",
        &[],
        "CREATE TABLE `odd;name` (id INT, note TEXT); # it's a comment\n\
         INSERT INTO `odd;name` VALUES (1, 'it\\'s; fine');\n\
         DELIMITER //\n\
         CREATE PROCEDURE bump()\nBEGIN\n  UPDATE `odd;name` SET id = id + 1;\n  IF 1 THEN SELECT 1; END IF;\nEND//\n\
         DELIMITER ;\n\
         /*!40101 CALL bump() */;",
        Some("DROP PROCEDURE bump;\nDROP TABLE `odd;name`;"),
    );
    project.on_mysql(&db, &["brainmig", "up"]).success();
    assert_eq!(
        db.strings("SELECT CAST(CONCAT(id, ' ', note) AS CHAR) FROM `odd;name`"),
        ["2 it's; fine"]
    );
    project
        .on_mysql(&db, &["brainmig", "down", "base"])
        .success();
    assert_eq!(db.tables(), ["brainmig_version"]);
}

#[test]
fn the_password_is_masked_in_a_connection_error() {
    let db = TestDb::mysql();
    let project = TestProject::linear(1);
    let mut url = url::Url::parse(&db.url()).unwrap();
    url.set_password(Some("hunter2-secret")).unwrap();
    let out = project
        .brainmig([
            "brainmig",
            "current",
            "--migrations-dir",
            "migrations",
            "--database-url",
            url.as_str(),
        ])
        .fails_with(1);
    assert!(!out.stderr.contains("hunter2-secret"), "{}", out.stderr);
    assert!(out.stderr.contains(":****@"), "{}", out.stderr);
}

#[test]
fn the_sql_script_is_written_in_mysql_words() {
    let db = TestDb::mysql();
    let project = TestProject::linear(2);
    let out = project
        .on_mysql(&db, &["brainmig", "up", "--sql"])
        .success();
    assert!(
        out.stdout
            .contains("CREATE TABLE IF NOT EXISTS `brainmig_version`")
            && out.stdout.contains("SET incomplete = 'up 0/1'")
            && !out.stdout.contains("BEGIN;"),
        "{}",
        out.stdout
    );
    // Nothing ran.
    assert!(db.tables().is_empty());
}

#[test]
fn lock_timeout_gives_up_and_names_the_holder() {
    use sha2::{Digest, Sha256};
    let db = TestDb::mysql();
    let project = TestProject::linear(1);
    // The name brainmig's lock takes for this database's `brainmig_version`, held by the test's
    // own connection for as long as the test wants: the run always finds it taken.
    let digest = Sha256::digest(format!("{}.brainmig_version", db.name).as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    let taken = db.strings(&format!(
        "SELECT CAST(GET_LOCK('brainmig:{hex}', 0) AS CHAR)"
    ));
    assert_eq!(taken, ["1"]);
    let out = project
        .on_mysql(&db, &["brainmig", "up", "--lock-timeout", "0.5"])
        .fails_with(1);
    assert!(
        out.stderr.contains("waiting for another brainmig run")
            && out.stderr.contains("still holds the lock after 0.5s")
            && out.stderr.contains("(connection "),
        "{}",
        out.stderr
    );
    assert!(db.tables().is_empty(), "nothing ran: {:?}", db.tables());
}

#[test]
fn sigkill_mid_revision_leaves_its_progress_recorded_and_the_lock_free() {
    let db = TestDb::mysql();
    let project = TestProject::empty();
    project.revision(
        "0001",
        &[],
        "CREATE TABLE a (id INT);\nDO SLEEP(20);\nCREATE TABLE b (id INT);",
        Some("DROP TABLE b;\nDROP TABLE a;"),
    );
    let mut run = project
        .on_mysql(&db, &["brainmig", "up"])
        .cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Until the run is inside its second statement (a bound, not a timing: it normally takes ms).
    let sleeping = format!(
        "SELECT CAST(COUNT(*) AS CHAR) FROM information_schema.PROCESSLIST \
         WHERE DB = '{}' AND INFO LIKE 'DO SLEEP%'",
        db.name
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while db.strings(&sleeping) == ["0"] {
        assert!(
            std::time::Instant::now() < deadline,
            "the run never reached its 2nd statement"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    run.kill().unwrap();
    run.wait().unwrap();

    assert_eq!(db.applied(), ["0001 up 1/3"]);
    // The server dropped the killed run's GET_LOCK with its connection: the next run is not
    // kept waiting, and it refuses the half-run revision.
    let out = project
        .on_mysql(&db, &["brainmig", "up", "--lock-timeout", "5"])
        .fails_with(1);
    assert!(
        out.stderr.contains("stopped at up 1/3") && !out.stderr.contains("waiting for"),
        "{}",
        out.stderr
    );
    // Cleans up the orphaned SLEEP so the database drops at once.
    for id in db.strings(&format!(
        "SELECT CAST(ID AS CHAR) FROM information_schema.PROCESSLIST \
         WHERE DB = '{}' AND INFO LIKE 'DO SLEEP%'",
        db.name
    )) {
        db.execute(&format!("KILL {id}"));
    }
}
