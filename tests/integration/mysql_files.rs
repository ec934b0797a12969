//! MySQL files read alike by every command (#19): `up`, `up --sql`, `lint` and the `mysql` client
//! agree on a MySQL folder's statements and checksums; trigger and routine bodies run whole,
//! written with or without `DELIMITER`; and what brainmig says about them on MySQL.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::mysql::MysqlTestDb;
use crate::support::{TestDb, TestProject};

/// Pipes `script` into the `mysql` client on the test database, as a user runs `up --sql`'s
/// output, and fails the test when the client does.
fn pipe_into_mysql_client(db: &MysqlTestDb, script: &str) {
    let admin = url::Url::parse(&db.url()).unwrap();
    let mut cmd = Command::new("mysql");
    cmd.arg(format!("-h{}", admin.host_str().unwrap_or("127.0.0.1")))
        .arg(format!("-P{}", admin.port().unwrap_or(3306)))
        .arg(format!("-u{}", admin.username()));
    if let Some(password) = admin.password() {
        cmd.arg(format!("-p{password}"));
    }
    let mut child = cmd
        .arg(admin.path().trim_start_matches('/'))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the `mysql` client runs (install mariadb-client or mysql-client)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the mysql client refused the script: {}\n{script}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A backticked name, `#` comments, backslash escapes and a version comment: MySQL's own.
const MYSQL_LEXICON_UP: &str = "/*!40101 SET NAMES utf8mb4 */;\n\
    CREATE TABLE `odd;name` (`key` INT, note TEXT) /*!50100 ENGINE=InnoDB */; # don't split; here\n\
    INSERT INTO `odd;name` VALUES (1, 'it\\'s; fine');";

#[test]
fn up_sql_and_up_read_a_mysql_folder_alike() {
    let project = TestProject::empty();
    project.revision(
        "0001",
        &[],
        MYSQL_LEXICON_UP,
        Some("DROP TABLE `odd;name`; # gone"),
    );
    project.revision(
        "0002",
        &["0001"],
        "CREATE TABLE b (id INT);",
        Some("DROP TABLE b;"),
    );

    // Applied live, then scripted from where the database is: same checksums, no refusal.
    let live = TestDb::mysql();
    project
        .on_mysql(&live, &["brainmig", "up", "0001"])
        .success();
    let script = project
        .on_mysql(&live, &["brainmig", "up", "--sql"])
        .success();
    assert!(
        script.stdout.contains("-- Upgrade 0002") && !script.stdout.contains("-- Upgrade 0001"),
        "{}",
        script.stdout
    );

    // Applied by the `mysql` client from `--sql`, then run live: nothing pending, nothing changed.
    let piped = TestDb::mysql();
    let script = project
        .on_mysql(&piped, &["brainmig", "up", "--sql", "base:head"])
        .success();
    pipe_into_mysql_client(&piped, &script.stdout);
    assert_eq!(piped.applied(), ["0001", "0002"]);
    assert_eq!(
        piped.strings("SELECT CAST(note AS CHAR) FROM `odd;name`"),
        ["it's; fine"]
    );
    project.on_mysql(&piped, &["brainmig", "up"]).success();
    project
        .on_mysql(&piped, &["brainmig", "down", "base"])
        .success();
    assert_eq!(piped.tables(), ["brainmig_version"]);
}

#[test]
fn lint_refuses_a_mysql_database_rather_than_judge_it_by_postgresql() {
    let db = TestDb::mysql();
    let project = TestProject::empty();
    project.revision("0001", &[], MYSQL_LEXICON_UP, None);
    let out = project.on_mysql(&db, &["brainmig", "lint"]).fails_with(2);
    assert!(
        out.stderr.contains("`lint` cannot judge MySQL's SQL")
            && !out.stderr.contains("PostgreSQL 14")
            && !out.stderr.contains("unterminated"),
        "{}",
        out.stderr
    );
}

/// A trigger and a procedure as diesel and sqlx take them (no `DELIMITER`), then as the `mysql`
/// client takes them (`DELIMITER $$`, the body ending in `END$$`).
fn project_with_compound_bodies() -> TestProject {
    let project = TestProject::empty();
    project.revision(
        "0001",
        &[],
        "CREATE TABLE t (id INT PRIMARY KEY, n INT);\n\
         CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW\n\
         BEGIN\n  IF NEW.n IS NULL THEN\n    SET NEW.n = 0;\n  END IF;\nEND;\n\
         CREATE PROCEDURE p()\nBEGIN\n  DECLARE x INT DEFAULT 1;\n  INSERT INTO t VALUES (x, NULL);\nEND;\n\
         CALL p();",
        Some("DROP PROCEDURE p;\nDROP TABLE t;"),
    );
    project.revision(
        "0002",
        &["0001"],
        "DELIMITER $$\n\
         CREATE TRIGGER t_bu BEFORE UPDATE ON t FOR EACH ROW\nBEGIN\n  SET NEW.n = NEW.n + 10;\nEND$$\n\
         CREATE PROCEDURE q(IN k INT)\nBEGIN\n  WHILE k > 0 DO\n    UPDATE t SET n = n + 1;\n    SET k = k - 1;\n  END WHILE;\nEND$$\n\
         DELIMITER ;\n\
         CALL q(1);",
        Some("DROP PROCEDURE q;\nDROP TRIGGER t_bu;"),
    );
    project
}

/// The trigger of 0001 set `n` to 0 when `p` inserted the row, and 0002's `q(1)` updated it
/// once, its trigger adding 10: 11.
fn assert_bodies_ran(db: &MysqlTestDb) {
    assert_eq!(
        db.strings("SELECT CAST(CONCAT(id, ' ', n) AS CHAR) FROM t"),
        ["1 11"]
    );
    db.execute("CALL q(2)");
    assert_eq!(db.strings("SELECT CAST(n AS CHAR) FROM t"), ["33"]);
}

#[test]
fn trigger_and_procedure_bodies_run_whole_with_or_without_delimiter() {
    let project = project_with_compound_bodies();
    let live = TestDb::mysql();
    project.on_mysql(&live, &["brainmig", "up"]).success();
    assert_eq!(live.applied(), ["0001", "0002"]);
    assert_bodies_ran(&live);
    // A down section with DDL does not run in a transaction on MySQL, and its row says so.
    assert_eq!(
        live.strings(
            "SELECT CAST(down_transactional AS CHAR) FROM brainmig_version ORDER BY revision"
        ),
        ["0", "0"]
    );
    project
        .on_mysql(&live, &["brainmig", "down", "base"])
        .success();
    assert_eq!(live.tables(), ["brainmig_version"]);

    // The `--sql` script, piped into the `mysql` client, builds the same, and agrees with `up`.
    let piped = TestDb::mysql();
    let script = project
        .on_mysql(&piped, &["brainmig", "up", "--sql", "base:head"])
        .success();
    assert!(
        script.stdout.contains("DELIMITER $$\nCREATE TRIGGER t_bi"),
        "{}",
        script.stdout
    );
    pipe_into_mysql_client(&piped, &script.stdout);
    assert_bodies_ran(&piped);
    project.on_mysql(&piped, &["brainmig", "up"]).success();
    project
        .on_mysql(&piped, &["brainmig", "down", "base"])
        .success();
    assert_eq!(piped.tables(), ["brainmig_version"]);
}

#[test]
fn a_first_revision_failing_part_way_does_not_claim_nothing_took_effect() {
    let db = TestDb::mysql();
    let project = TestProject::empty();
    project.revision(
        "0001",
        &[],
        "CREATE TABLE a (id INT);\nCREATE TABLE b (id INT);\nCREATE TABLE a (id INT);",
        Some("DROP TABLE b;\nDROP TABLE a;"),
    );
    let out = project.on_mysql(&db, &["brainmig", "up"]).fails_with(1);
    assert!(
        !out.stderr.contains("nothing was committed")
            && out.stderr.contains("no revision was completed by this run")
            && out.stderr.contains("first 2 statement(s) took effect"),
        "{}",
        out.stderr
    );
}

#[test]
fn stamp_runs_no_sql_so_says_nothing_of_implicit_commits() {
    let db = TestDb::mysql();
    let project = TestProject::linear(1);
    let out = project
        .on_mysql(&db, &["brainmig", "stamp", "head"])
        .success();
    assert!(
        !out.stderr.contains("commit each DDL statement"),
        "{}",
        out.stderr
    );
    assert_eq!(db.applied(), ["0001"]);
}

#[test]
fn import_warns_once_about_revisions_without_a_down_section() {
    let project = TestProject::from_fixture("import/sqlx");
    let out = project
        .brainmig(["import", "sqlx", "--migrations-dir", "brainmig"])
        .success();
    let warning = "2 of 4 imported revision(s) have no down section";
    assert_eq!(out.stderr.matches(warning).count(), 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("`cargo brainmig down` refuses a range that holds one"),
        "{}",
        out.stderr
    );
}
