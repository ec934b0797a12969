//! The first hour of a new user (issue 12): flags, JSON for scripts, SQLite paths, connection
//! messages and wording. Each test runs the real binary on real SQLite files (or a real server).

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::{Outcome, TestDb, TestProject, sqlite_strings};

/// A cargo project (its own workspace) named `demo`; `extra` is appended to its Cargo.toml.
fn cargo_project(extra: &str) -> TestProject {
    let project = TestProject::empty();
    project.write(
        "Cargo.toml",
        &format!("[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n\n{extra}"),
    );
    project.write("src/main.rs", "fn main() {}\n");
    project
}

fn applied(path: &Path) -> Vec<String> {
    sqlite_strings(path, "SELECT revision FROM brainmig_version ORDER BY 1")
}

/// Stdout parsed as exactly one JSON document (trailing text is an error for `from_str`).
fn one_document(out: &Outcome, what: &str) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{what}: stdout is not one JSON document ({e}):\n{}\nstderr:\n{}",
            out.stdout, out.stderr
        )
    })
}

#[test]
fn a_word_starting_with_two_dashes_is_an_unknown_option_never_a_target() {
    let project = TestProject::linear(3);
    let db = project.path("app.db");
    project.on_sqlite(&["up"]).success();
    let commands: &[&[&str]] = &[
        &["up", "--dry-run"],
        &["down", "--dry-run"],
        &["up", "--sql", "--dry-run"],
        &["stamp", "--dry-run"],
        &["show", "--dry-run"],
        &["rehash", "--dry-run"],
        &["merge", "-m", "x", "--dry-run"],
        &["history", "-r", "--dry-run"],
        &["new", "-m", "x", "--head", "--dry-run"],
        &["test-roundtrip", "--from", "--dry-run"],
    ];
    for args in commands {
        let out = project.on_sqlite(args).fails_with(2);
        assert!(
            out.stderr.contains("unexpected argument '--dry-run'")
                || out.stderr.contains("a value is required"),
            "{args:?}: {}",
            out.stderr
        );
        assert!(
            !out.stderr.contains("not a valid target"),
            "{args:?}: {}",
            out.stderr
        );
    }
    assert_eq!(applied(&db), ["0001", "0002", "0003"], "nothing ran");
    assert!(!project.path("migrations/0004_x.sql").exists());

    // Negative numbers stay relative targets.
    project.on_sqlite(&["down", "-2"]).success();
    assert_eq!(applied(&db), ["0001"]);
    project.on_sqlite(&["up", "+1"]).success();
    assert_eq!(applied(&db), ["0001", "0002"]);
}

#[test]
fn every_command_prints_one_json_document_passing_or_failing() {
    let project = cargo_project("[package.metadata.brainmig]\nschema = \"schema.sql\"\n");
    let db = project.path("app.db");
    let url = project.sqlite_url("app.db");
    let json = |args: &[&str], code: i32| {
        let mut full = args.to_vec();
        full.extend(["--format", "json", "--database-url", &url]);
        let out = project.brainmig(&full).fails_with(code);
        let doc = one_document(&out, &format!("{args:?}"));
        assert_eq!(doc.get("error").is_some(), code != 0, "{args:?}: {doc:#}");
        if code != 0 {
            assert_eq!(doc["error"]["exit_code"], code, "{args:?}: {doc:#}");
            let message = doc["error"]["message"].as_str().unwrap_or_default();
            assert!(!message.is_empty(), "{args:?}: {doc:#}");
            // The human message stays on stderr.
            assert!(out.stderr.contains("error:"), "{args:?}: {}", out.stderr);
        }
        doc
    };

    let doc = json(&["init"], 0);
    assert!(
        doc["config"]
            .as_str()
            .unwrap_or_default()
            .contains("[package.metadata.brainmig]")
    );
    let doc = json(&["new", "-m", "create notes"], 0);
    assert_eq!(doc["revision"], "0001");
    let file = doc["file"].as_str().expect("file").to_owned();
    assert!(
        file.ends_with("migrations/0001_create_notes.sql"),
        "{doc:#}"
    );
    project.write(
        "migrations/0001_create_notes.sql",
        &crate::support::rev(
            "0001",
            &[],
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);",
            Some("DROP TABLE notes;"),
        ),
    );
    project.write(
        "schema.sql",
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n",
    );

    let doc = json(&["up", "--sql"], 0);
    assert!(
        doc["sql"]
            .as_str()
            .unwrap_or_default()
            .contains("CREATE TABLE notes"),
        "{doc:#}"
    );
    assert_eq!(doc["revisions"], serde_json::json!(["0001"]));
    assert!(!db.exists(), "--sql touches no database");
    let doc = json(&["check"], 0);
    assert_eq!(doc["differences"], serde_json::json!([]), "{doc:#}");
    let doc = json(&["up"], 0);
    assert_eq!(doc["completed"][0]["revision"], "0001");
    let doc = json(&["diff"], 0);
    assert_eq!(doc["differences"], serde_json::json!([]), "{doc:#}");
    assert_eq!(json(&["current"], 0)["current"][0]["revision"], "0001");
    assert_eq!(json(&["history"], 0)["history"][0]["revision"], "0001");
    assert_eq!(json(&["heads"], 0)["heads"][0]["revision"], "0001");
    assert_eq!(json(&["branches"], 0)["branches"], serde_json::json!([]));
    assert_eq!(json(&["show", "0001"], 0)["revision"], "0001");
    assert!(json(&["config"], 0)["database_url"]["value"].is_string());
    assert_eq!(json(&["rehash", "0001"], 0)["changed"], false);
    let doc = json(&["stamp", "base"], 0);
    assert_eq!(doc["unstamped"], serde_json::json!(["0001"]), "{doc:#}");
    assert_eq!(applied(&db), Vec::<String>::new());
    let doc = json(&["stamp", "head"], 0);
    assert_eq!(doc["stamped"], serde_json::json!(["0001"]), "{doc:#}");
    assert_eq!(json(&["down"], 0)["completed"][0]["revision"], "0001");
    let doc = json(&["test-roundtrip"], 0);
    assert_eq!(doc["revisions"][0]["status"], "passed", "{doc:#}");
    let doc = json(&["merge", "-m", "join", "0001", "heads"], 2);
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("at least two"),
        "{doc:#}"
    );

    // Failures: a usage error, a drifted `check` (its differences and the error in one
    // document), and a failing migration with what the run committed.
    let doc = json(&["up", "--dry-run"], 2);
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("--dry-run")
    );
    project.write(
        "schema.sql",
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, tag TEXT);\n",
    );
    let doc = json(&["check"], 4);
    assert_eq!(
        doc["differences"].as_array().map(Vec::len),
        Some(1),
        "{doc:#}"
    );
    let doc = json(&["new", "--autogenerate", "-m", "add tag"], 0);
    let generated = doc["file"].as_str().expect("file").to_owned();
    assert_eq!(doc["revision"], "0002", "{doc:#}");
    assert!(
        project.read(&generated).contains("ADD COLUMN tag"),
        "{doc:#}"
    );
    std::fs::remove_file(project.path(&generated)).expect("remove");
    // `--format=json` counts too, even when clap rejects the command line.
    let out = project
        .brainmig(["up", "--bogus", "--format=json"])
        .fails_with(2);
    assert_eq!(one_document(&out, "--format=json")["error"]["exit_code"], 2);
    project.write(
        "migrations/0002_r.sql",
        &crate::support::rev("0002", &["0001"], "CREATE TABLE tags (id INTEGER);", None),
    );
    project.write(
        "migrations/0003_r.sql",
        &crate::support::rev(
            "0003",
            &["0002"],
            "INSERT INTO no_such_table VALUES (1);",
            None,
        ),
    );
    let doc = json(&["up"], 1);
    assert_eq!(doc["error"]["revision"], "0003", "{doc:#}");
    assert_eq!(
        doc["error"]["completed"],
        serde_json::json!(["0001", "0002"]),
        "{doc:#}"
    );
    assert_eq!(applied(&db), ["0001", "0002"]);
}

#[test]
fn relative_sqlite_paths_from_the_environment_mean_the_workspace_root_and_tilde_means_home() {
    let project = cargo_project("");
    project.revision("0001", &[], "CREATE TABLE a (id INTEGER);", None);
    let src = project.path("src");
    let home = TestProject::empty();

    // From `src/`, the environment's relative path is the workspace root's, and the note says
    // which file was created, in full.
    let out = project
        .brainmig(["up"])
        .in_dir(&src)
        .env("DATABASE_URL", "sqlite://rel.db")
        .success();
    let full = project.root.canonicalize().expect("root").join("rel.db");
    assert!(
        out.stderr
            .contains(&format!("created the SQLite database `{}`", full.display())),
        "{}",
        out.stderr
    );
    assert_eq!(applied(&full), ["0001"]);
    assert!(!src.join("rel.db").exists());
    // The run's lock file sits beside it (documented in the guide's Configuration page).
    assert!(project.path("rel.db.brainmig-lock").exists());
    // Not announced again.
    let out = project
        .brainmig(["up"])
        .in_dir(&src)
        .env("DATABASE_URL", "sqlite://rel.db")
        .success();
    assert!(!out.stderr.contains("created"), "{}", out.stderr);

    // `--database-url` is a command-line path: relative to the current folder.
    project
        .brainmig(["up", "--database-url", "sqlite://flag.db"])
        .in_dir(&src)
        .success();
    assert_eq!(applied(&src.join("flag.db")), ["0001"]);

    // `~/` is the home folder; no folder named `~` appears.
    let out = project
        .brainmig(["up"])
        .in_dir(&src)
        .env("HOME", &home.root.display().to_string())
        .env("DATABASE_URL", "sqlite://~/home.db")
        .success();
    assert!(
        out.stderr
            .contains(&home.path("home.db").display().to_string()),
        "{}",
        out.stderr
    );
    assert_eq!(applied(&home.path("home.db")), ["0001"]);
    assert!(!src.join("~").exists() && !project.path("~").exists());

    // `~user/` is refused clearly, as configuration (exit 2), creating nothing.
    let out = project
        .brainmig(["up"])
        .in_dir(&src)
        .env("DATABASE_URL", "sqlite://~someone/x.db")
        .fails_with(2);
    assert!(
        out.stderr.contains("`~someone/x.db`") && out.stderr.contains("only `~/`"),
        "{}",
        out.stderr
    );
    assert!(!src.join("~someone").exists() && !project.path("~someone").exists());
}

/// Answers every connection like MariaDB does: its greeting, before the client says anything.
fn fake_mariadb() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut greeting = b"d\x00\x00\x00\n5.5.5-10.11.19-MariaDB\x00".to_vec();
            greeting.resize(104, 0);
            let _ = stream.write_all(&greeting);
            let mut sink = [0u8; 512];
            let _ = stream.read(&mut sink);
        }
    });
    port
}

#[test]
fn a_postgres_url_at_a_mariadb_port_says_the_server_did_not_answer_as_postgresql() {
    let project = TestProject::linear(1);
    let mut ports = vec![fake_mariadb()];
    // The real MariaDB of the development machine, when one listens.
    if std::net::TcpStream::connect("127.0.0.1:3306").is_ok() {
        ports.push(3306);
    }
    for port in ports {
        let url = format!("postgres://root:s3cr3t@127.0.0.1:{port}/app");
        for args in [&["up"][..], &["current"], &["test-roundtrip"]] {
            let mut full = args.to_vec();
            full.extend(["--migrations-dir", "migrations", "--database-url", &url]);
            let out = project.brainmig(&full).fails_with(1);
            assert!(
                out.stderr.contains(&format!(
                    "the server at port {port} did not answer as PostgreSQL"
                )),
                "{port} {args:?}: {}",
                out.stderr
            );
            assert!(
                out.stderr.contains("help:") && out.stderr.contains("5432"),
                "{}",
                out.stderr
            );
            assert!(
                !out.stderr.contains("CopyData") && !out.stderr.contains("sqlx"),
                "{}",
                out.stderr
            );
            assert!(!out.stderr.contains("s3cr3t"), "{}", out.stderr);
        }
    }
}

#[test]
fn repeated_verbose_and_quiet_flags_are_accepted_as_cargo_accepts_them() {
    let project = TestProject::linear(1);
    project.on_sqlite(&["up"]).success();
    let out = project.on_sqlite(&["-vv", "current"]).success();
    assert!(
        out.stdout.contains("file:"),
        "verbose detail: {}",
        out.stdout
    );
    let out = project.on_sqlite(&["current", "-v", "-v"]).success();
    assert!(out.stdout.contains("file:"), "{}", out.stdout);
    let out = project.on_sqlite(&["-q", "up"]).success();
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    project.on_sqlite(&["-q", "-v", "up"]).fails_with(2);

    let install = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/src/install.md");
    let readme = std::fs::read_to_string(install).expect("the guide's install page");
    assert!(
        readme.contains("cargo install --locked --path ."),
        "the install line keeps Cargo.lock"
    );
    assert!(!readme.contains("cargo install --path ."));
}

#[test]
fn sqlite_scripts_name_sqlite3_and_run_in_it() {
    let project = TestProject::linear(2);
    let out = project.on_sqlite(&["up", "--sql"]).success();
    assert!(out.stdout.contains("sqlite3 -bail"), "{}", out.stdout);
    assert!(!out.stdout.contains("psql"), "{}", out.stdout);
    let file = project.path("piped.db");
    let mut child = Command::new("sqlite3")
        .arg("-bail")
        .arg(&file)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sqlite3 is installed");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(out.stdout.as_bytes())
        .expect("write");
    let done = child.wait_with_output().expect("sqlite3 ran");
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert_eq!(applied(&file), ["0001", "0002"]);
}

#[test]
fn diff_calls_a_hand_added_column_present_in_the_database_but_not_in_the_migrations() {
    let project = TestProject::linear(1);
    project.on_sqlite(&["up"]).success();
    sqlite_strings(
        &project.path("app.db"),
        "ALTER TABLE t1 ADD COLUMN hack TEXT",
    );
    let out = project.on_sqlite(&["diff"]).fails_with(4);
    assert!(
        out.stdout
            .contains("column `t1.hack` is present in the database but not in the migrations"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("still present"), "{}", out.stdout);
}

#[test]
fn a_missing_migrations_folder_is_a_configuration_error() {
    let project = TestProject::empty();
    for args in [&["up"][..], &["current"], &["history"], &["new", "-m", "x"]] {
        let mut full = args.to_vec();
        full.extend([
            "--migrations-dir",
            "nope",
            "--database-url",
            "sqlite://app.db",
        ]);
        let out = project.brainmig(&full).fails_with(2);
        assert!(
            out.stderr
                .contains("migrations folder `nope` does not exist"),
            "{args:?}: {}",
            out.stderr
        );
    }
    assert!(!project.path("app.db").exists() && !project.path("nope").exists());
}

#[test]
fn a_message_in_accented_letters_keeps_them_in_the_file_name() {
    let project = TestProject::empty();
    std::fs::create_dir_all(project.path("migrations")).expect("folder");
    let out = project
        .brainmig([
            "new",
            "-m",
            "Ünïcode café",
            "--migrations-dir",
            "migrations",
        ])
        .success();
    assert_eq!(out.stdout.trim(), "migrations/0001_unicode_cafe.sql");
    project.write(
        "migrations/0001_unicode_cafe.sql",
        &crate::support::rev("0001", &[], "CREATE TABLE cafe (id INTEGER);", None),
    );
    let out = project
        .brainmig(["new", "-m", "Größe", "--migrations-dir", "migrations"])
        .success();
    assert_eq!(out.stdout.trim(), "migrations/0002_grosse.sql");
}

#[test]
fn the_not_postgres_hint_does_not_hide_real_connection_errors() {
    // A real server with a database that does not exist still gets its own message.
    let db = TestDb::postgres();
    let project = TestProject::linear(1);
    let url = db.url().replacen(&db.name, "bm_no_such_database", 1);
    let out = project
        .brainmig([
            "up",
            "--migrations-dir",
            "migrations",
            "--database-url",
            &url,
        ])
        .fails_with(1);
    assert!(
        !out.stderr.contains("did not answer as PostgreSQL"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("bm_no_such_database"), "{}", out.stderr);
}
