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
    // The sleep was killed on the server, not left to run out, and the third statement never ran.
    assert_eq!(db.strings(&sleeping(&db)), ["0"]);
    assert_eq!(db.tables(), ["a", "brainmig_version"]);
    // MariaDB ends a killed lone `SLEEP` without an error (the run then stops before the third
    // statement: `up 2/3`); a server that fails it records `up 1/3`. Either way, the record and
    // the message agree.
    let applied = db.applied();
    let done = match applied[0].as_str() {
        "0001 up 2/3" => 2,
        "0001 up 1/3" => 1,
        other => panic!("unexpected record {other}"),
    };
    assert!(
        stderr.contains(&format!("its first {done} statement(s) took effect")),
        "{stderr}"
    );
}

/// `n` revisions after a `run_log` table, each creating a table and logging itself once.
fn logged_chain(n: usize) -> TestProject {
    let project = TestProject::empty();
    project.revision(
        "0000",
        &[],
        "CREATE TABLE run_log (revision VARCHAR(8) NOT NULL);",
        Some("DROP TABLE run_log;"),
    );
    for i in 1..=n {
        let id = format!("{i:04}");
        let parent = format!("{:04}", i - 1);
        project.revision(
            &id,
            &[&parent],
            &format!("CREATE TABLE c{i} (id INT);\nINSERT INTO run_log VALUES ('{id}');"),
            Some(&format!(
                "DROP TABLE c{i};\nDELETE FROM run_log WHERE revision = '{id}';"
            )),
        );
    }
    project
}

#[test]
fn eight_concurrent_ups_on_mariadb_apply_each_revision_exactly_once() {
    let db = TestDb::mysql();
    let project = logged_chain(40);
    let started = Instant::now();
    let children: Vec<Child> = (0..8)
        .map(|_| spawn(&project, &db, &["brainmig", "up"]))
        .collect();
    let mut idle = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        idle += usize::from(stderr.contains("nothing to do"));
    }
    assert!(idle >= 1, "the runs that waited found nothing left to do");
    assert_eq!(db.applied().len(), 41);
    assert!(
        db.applied().iter().all(|row| !row.contains(' ')),
        "{:?}",
        db.applied()
    );
    assert_eq!(
        db.strings(
            "SELECT CAST(CONCAT(COUNT(*), '/', COUNT(DISTINCT revision)) AS CHAR) FROM run_log"
        ),
        ["40/40"]
    );
    eprintln!(
        "fault figures: 8 concurrent `up` processes on MariaDB, 40 revisions, each applied once, {idle} found nothing to do, {:.1}s",
        started.elapsed().as_secs_f64()
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

/// Three migrations in MySQL's words, as `(version, name, up, down)`.
const TOOL_MIGRATIONS: [(&str, &str, &str, &str); 3] = [
    (
        "20240110090000",
        "create_authors",
        "CREATE TABLE `authors` (id INT PRIMARY KEY AUTO_INCREMENT, name TEXT NOT NULL); # who\n",
        "DROP TABLE `authors`;\n",
    ),
    (
        "20240112101500",
        "create_books",
        "CREATE TABLE books (id INT PRIMARY KEY, author_id INT, title VARCHAR(200) DEFAULT 'it\\'s');\n",
        "DROP TABLE books;\n",
    ),
    (
        "20240201080000",
        "add_loans",
        "CREATE TABLE loans (book_id INT, since DATE);\nCREATE INDEX loans_since ON loans (since);\n",
        "DROP TABLE loans;\n",
    ),
];

/// Writes the tool's folder of [`TOOL_MIGRATIONS`]; returns each up file's path, in order.
fn write_tool_folder(project: &TestProject, tool: &str) -> Vec<String> {
    TOOL_MIGRATIONS
        .iter()
        .map(|(version, name, up, down)| match tool {
            "sqlx" => {
                let path = format!("migrations/{version}_{name}.sql");
                project.write(&path, up);
                path
            }
            "dbmate" => {
                let path = format!("db/migrations/{version}_{name}.sql");
                project.write(
                    &path,
                    &format!("-- migrate:up\n{up}\n-- migrate:down\n{down}"),
                );
                path
            }
            "diesel" => {
                let (date, time) = version.split_at(8);
                let (y, md) = date.split_at(4);
                let (m, d) = md.split_at(2);
                let dir = format!("migrations/{y}-{m}-{d}-{time}_{name}");
                project.write(&format!("{dir}/down.sql"), down);
                project.write(&format!("{dir}/up.sql"), up);
                format!("{dir}/up.sql")
            }
            other => unreachable!("{other}"),
        })
        .collect()
}

/// The tool's version table as the tool creates it on MySQL, recording the first `n` migrations.
fn record_as_tool(db: &MysqlTestDb, project: &TestProject, tool: &str, files: &[String], n: usize) {
    use sha2::{Digest, Sha384};
    let versions = TOOL_MIGRATIONS[..n].iter().map(|m| m.0);
    let sql = match tool {
        "sqlx" => {
            let mut sql = "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, \
                description TEXT NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, \
                success BOOLEAN NOT NULL, checksum BLOB NOT NULL, execution_time BIGINT NOT NULL);\n"
                .to_owned();
            for (version, file) in versions.zip(files) {
                let sum: String = Sha384::digest(project.read(file).as_bytes())
                    .iter()
                    .map(|b| format!("{b:02X}"))
                    .collect();
                sql.push_str(&format!(
                    "INSERT INTO _sqlx_migrations VALUES ({version}, 'm', NOW(), TRUE, X'{sum}', 1);\n"
                ));
            }
            sql
        }
        "dbmate" => {
            let mut sql =
                "CREATE TABLE schema_migrations (version VARCHAR(128) PRIMARY KEY);\n".to_owned();
            for version in versions {
                sql.push_str(&format!(
                    "INSERT INTO schema_migrations VALUES ('{version}');\n"
                ));
            }
            sql
        }
        "diesel" => {
            let mut sql =
                "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY \
                NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);\n"
                    .to_owned();
            for version in versions {
                sql.push_str(&format!(
                    "INSERT INTO __diesel_schema_migrations (version) VALUES ('{version}');\n"
                ));
            }
            sql
        }
        other => unreachable!("{other}"),
    };
    db.execute(&sql);
}

fn in_brainmig(project: &TestProject, db: &MysqlTestDb, args: &[&str]) -> crate::support::Run {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--migrations-dir", "brainmig", "--database-url"]);
    let url = db.url();
    all.push(&url);
    project.brainmig(all)
}

/// The tool applied two of three migrations; `import` takes its table over and `up` applies the
/// third, once, leaving the tool's table as it was.
fn take_over_on_mariadb(tool: &str) {
    let db = TestDb::mysql();
    let project = TestProject::empty();
    let files = write_tool_folder(&project, tool);
    for (_, _, up, _) in &TOOL_MIGRATIONS[..2] {
        db.execute(up);
    }
    record_as_tool(&db, &project, tool, &files, 2);
    let old_table = match tool {
        "sqlx" => "_sqlx_migrations",
        "dbmate" => "schema_migrations",
        _ => "__diesel_schema_migrations",
    };
    let old_rows = format!("SELECT CAST(version AS CHAR) FROM {old_table} ORDER BY 1");
    let before = db.strings(&old_rows);

    let out = in_brainmig(&project, &db, &["brainmig", "import", tool]).success();
    assert!(
        out.stderr.contains("Recorded 2 revision(s) as applied"),
        "{}",
        out.stderr
    );
    assert_eq!(db.applied(), ["20240110090000", "20240112101500"]);
    let up = in_brainmig(&project, &db, &["brainmig", "up"]).success();
    assert!(up.stderr.contains("applied 1 revision(s)"), "{}", up.stderr);
    in_brainmig(&project, &db, &["brainmig", "up"]).success();
    assert_eq!(
        db.applied(),
        ["20240110090000", "20240112101500", "20240201080000"]
    );
    let mut expected = vec!["authors", "books", "brainmig_version", "loans", old_table];
    expected.sort_unstable();
    let mut tables = db.tables();
    tables.sort_unstable();
    assert_eq!(tables, expected);
    assert_eq!(db.strings(&old_rows), before, "the old table is only read");
}

#[test]
fn sqlx_take_over_on_mariadb_checks_checksums_and_up_applies_the_rest_once() {
    take_over_on_mariadb("sqlx");
}

#[test]
fn dbmate_take_over_on_mariadb_and_up_applies_the_rest_once() {
    take_over_on_mariadb("dbmate");
}

#[test]
fn diesel_take_over_on_mariadb_and_up_applies_the_rest_once() {
    take_over_on_mariadb("diesel");
}

#[test]
fn a_sqlx_checksum_that_differs_on_mariadb_stops_before_anything_is_written() {
    let db = TestDb::mysql();
    let project = TestProject::empty();
    let files = write_tool_folder(&project, "sqlx");
    db.execute(TOOL_MIGRATIONS[0].2);
    record_as_tool(&db, &project, "sqlx", &files, 1);
    // Edited after sqlx applied it.
    project.write(&files[0], &format!("{}-- edited\n", TOOL_MIGRATIONS[0].2));
    let out = in_brainmig(&project, &db, &["brainmig", "import", "sqlx"]).fails_with(1);
    assert!(out.stderr.contains("checksum"), "{}", out.stderr);
    assert!(!project.path("brainmig").exists());
    assert!(!db.tables().contains(&"brainmig_version".to_owned()));
}

#[test]
fn rehash_on_mariadb_accepts_an_edited_applied_file() {
    let db = TestDb::mysql();
    let project = TestProject::linear(2);
    project.on_mysql(&db, &["brainmig", "up", "0001"]).success();
    let file = "migrations/0001_r.sql";
    let original = project.read(file);
    let edited = original.replace("PRIMARY KEY)", "PRIMARY KEY, note TEXT) # widened later");
    assert_ne!(edited, original);
    project.write(file, &edited);
    let refused = project.on_mysql(&db, &["brainmig", "up"]).fails_with(1);
    assert!(
        refused
            .stderr
            .contains("revision `0001` was applied with checksum")
            && refused.stderr.contains("cargo brainmig rehash 0001"),
        "{}",
        refused.stderr
    );
    let out = project
        .on_mysql(&db, &["brainmig", "rehash", "0001"])
        .success();
    assert!(out.stderr.contains("Rehashed"), "{}", out.stderr);
    project.on_mysql(&db, &["brainmig", "up"]).success();
    assert_eq!(db.applied(), ["0001", "0002"]);
}

#[test]
fn down_of_a_deleted_file_splits_its_stored_down_by_mysql_rules() {
    let db = TestDb::mysql();
    let project = TestProject::empty();
    project.revision(
        "0001",
        &[],
        "CREATE TABLE base (id INT);",
        Some("DROP TABLE base;"),
    );
    project.revision(
        "0002",
        &["0001"],
        "CREATE TABLE `odd;name` (note TEXT);\n\
         INSERT INTO `odd;name` VALUES ('it\\'s; here');",
        Some(
            "# undo 0002; a ; in a MySQL comment\n\
             DELIMITER //\n\
             CREATE PROCEDURE undo_0002()\nBEGIN\n  DELETE FROM `odd;name`;\n  DROP TABLE `odd;name`;\nEND//\n\
             DELIMITER ;\n\
             CALL undo_0002();\n\
             DROP PROCEDURE undo_0002;",
        ),
    );
    project.on_mysql(&db, &["brainmig", "up"]).success();
    std::fs::remove_file(project.path("migrations/0002_r.sql")).unwrap();
    let out = project
        .on_mysql(&db, &["brainmig", "down", "0001"])
        .success();
    assert!(out.stderr.contains("0002"), "{}", out.stderr);
    assert_eq!(db.tables(), ["base", "brainmig_version"]);
    assert_eq!(db.applied(), ["0001"]);
    assert_eq!(
        db.strings(
            "SELECT CAST(COUNT(*) AS CHAR) FROM information_schema.ROUTINES \
             WHERE ROUTINE_SCHEMA = DATABASE()"
        ),
        ["0"]
    );
}

#[test]
fn a_backslash_string_under_no_backslash_escapes_is_refused_before_it_is_sent() {
    let db = TestDb::mysql();
    let project = TestProject::empty();
    // The session's mode, changed by a revision: the server-wide one is not ours to change.
    project.revision(
        "0001",
        &[],
        "SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES');",
        Some("SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', '');"),
    );
    // brainmig's own literal (the stored down, with a backslash) reads the same in this mode.
    project.revision(
        "0002",
        &["0001"],
        "CREATE TABLE notes (body TEXT);",
        Some("DROP TABLE notes; # a \\ in a comment"),
    );
    project.revision(
        "0003",
        &["0002"],
        "INSERT INTO notes VALUES ('plain');\nINSERT INTO notes VALUES ('C:\\\\temp');",
        Some("DELETE FROM notes;"),
    );
    let out = project.on_mysql(&db, &["brainmig", "up"]).fails_with(1);
    assert!(
        out.stderr.contains("NO_BACKSLASH_ESCAPES")
            && out.stderr.contains("0003_r.sql:")
            && out.stderr.contains("Nothing of this revision was sent"),
        "{}",
        out.stderr
    );
    assert_eq!(db.applied(), ["0001", "0002"]);
    assert!(db.strings("SELECT CAST(COUNT(*) AS CHAR) FROM notes") == ["0"]);
    assert_eq!(
        db.strings("SELECT CAST(down_sql AS CHAR) FROM brainmig_version WHERE revision = '0002'"),
        ["DROP TABLE notes; # a \\ in a comment\n"]
    );
}
