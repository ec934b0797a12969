//! The embedded migrator, through the second-brain example app (`fixtures/second-brain`): a real
//! binary that migrates itself at start-up, against real PostgreSQL databases and SQLite files,
//! alongside the command line on the same databases.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::support::{TestDb, TestProject, fixture_dir, sqlite_strings};

/// The app's binary, built once per test process (cargo's own lock makes later builds in other
/// processes a no-op) into this repository's target directory, so sqlx is not compiled again.
pub(crate) fn app() -> &'static Path {
    static APP: OnceLock<PathBuf> = OnceLock::new();
    APP.get_or_init(|| {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo.join("target"));
        let out = cargo()
            .args(["build", "--quiet", "--offline", "--manifest-path"])
            .arg(fixture_dir("second-brain").join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "building the second-brain app failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        target.join("debug").join("second-brain")
    })
}

/// Cargo, without the variables cargo set for this test binary: they are not the app's, and
/// some build scripts (ring's) rerun when they change, which would rebuild sqlx for both builds.
fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        let set_for_tests = [
            "CARGO_PKG_",
            "CARGO_BIN_",
            "CARGO_MANIFEST_",
            "CARGO_CRATE_",
        ]
        .iter()
        .any(|p| name.starts_with(p))
            || [
                "CARGO_PRIMARY_PACKAGE",
                "CARGO_TARGET_TMPDIR",
                "CARGO_RUSTC_CURRENT_DIR",
            ]
            .contains(&name.as_ref());
        if set_for_tests {
            cmd.env_remove(name.as_ref());
        }
    }
    cmd.stdin(Stdio::null());
    cmd
}

/// The app in `dir` with `DATABASE_URL` = `url` and nothing else in its environment: no cargo,
/// no migrations folder.
pub(crate) fn run_app(dir: &Path, url: &str, args: &[&str]) -> std::process::Output {
    app_command(app(), dir, url, args).output().unwrap()
}

fn app_command(binary: &Path, dir: &Path, url: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(binary);
    cmd.args(args)
        .current_dir(dir)
        .env_clear()
        .env("DATABASE_URL", url)
        .stdin(Stdio::null());
    cmd
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A folder with the app's migrations, for the command line to work on the same databases.
fn cli_project() -> TestProject {
    TestProject::with_migrations("second-brain/migrations")
}

const ALL: [&str; 4] = ["0001", "0002", "0003", "0004"];

/// The version rows of a PostgreSQL database, without the time columns.
fn pg_rows(db: &TestDb) -> Vec<String> {
    db.strings(
        "SELECT concat_ws('|', revision, parents, message, checksum, down_sql, down_transactional::text, incomplete) \
         FROM brainmig_version ORDER BY revision",
    )
}

#[test]
fn the_app_migrates_postgres_with_the_same_rows_as_the_command_line() {
    let by_app = TestDb::postgres();
    let by_cli = TestDb::postgres();
    let folder = TestProject::empty();
    let out = run_app(&folder.root, &by_app.url(), &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("applied 4 revision(s), schema at 0004"),
        "{}",
        text(&out.stdout)
    );
    assert!(text(&out.stdout).contains("0 note(s)"));
    assert_eq!(by_app.applied(), ALL);
    cli_project().on(&by_cli, &["up"]).success();
    assert_eq!(pg_rows(&by_app), pg_rows(&by_cli));
    // A second start finds nothing to do.
    let again = run_app(&folder.root, &by_app.url(), &[]);
    assert!(text(&again.stdout).contains("applied 0 revision(s)"));
}

#[test]
fn the_app_migrates_sqlite_and_the_command_line_reads_it() {
    let folder = TestProject::empty();
    let out = run_app(&folder.root, "sqlite://brain.db", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let db = folder.root.join("brain.db");
    assert_eq!(
        sqlite_strings(
            &db,
            "SELECT revision FROM brainmig_version ORDER BY revision"
        ),
        ALL
    );
    let project = cli_project();
    let url = format!("sqlite://{}", db.display());
    let out = project
        .brainmig([
            "current",
            "--migrations-dir",
            "migrations",
            "--database-url",
            &url,
        ])
        .success();
    assert!(out.stdout.contains("0004 (head)"), "{}", out.stdout);
}

#[test]
fn eight_copies_started_at_once_apply_each_revision_exactly_once() {
    let db = TestDb::postgres();
    // A folder with the binary alone: no migrations, no cargo, no Cargo.toml.
    let folder = TestProject::empty();
    let binary = folder.root.join("second-brain");
    std::fs::copy(app(), &binary).unwrap();
    let children: Vec<_> = (0..8)
        .map(|_| {
            app_command(&binary, &folder.root, &db.url(), &[])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut applied = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        let n: usize = stdout
            .split("applied ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no count in {stdout}"));
        applied += n;
    }
    assert_eq!(applied, 4, "each revision applied once in all");
    assert_eq!(db.applied(), ALL);
}

#[test]
fn the_command_line_applies_half_and_the_app_the_rest() {
    let db = TestDb::postgres();
    let folder = TestProject::empty();
    cli_project().on(&db, &["up", "0002"]).success();
    let out = run_app(&folder.root, &db.url(), &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("applied 2 revision(s)"));
    assert_eq!(db.applied(), ALL);
}

#[test]
fn the_app_applies_half_and_the_command_line_the_rest() {
    let db = TestDb::postgres();
    let folder = TestProject::empty();
    let out = run_app(&folder.root, &db.url(), &["--to", "0002"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(db.applied(), ["0001", "0002"]);
    let out = cli_project().on(&db, &["up"]).success();
    assert!(out.stderr.contains("0004"), "{}", out.stderr);
    assert_eq!(db.applied(), ALL);
}

#[test]
fn an_edited_applied_file_makes_the_app_refuse_with_the_command_line_s_message() {
    let db = TestDb::postgres();
    // The command line applies an edited 0002, so the app's 0002 differs from what was applied.
    let edited = cli_project();
    let path = "migrations/0002_add_user_preferences.sql";
    let original = edited.read(path);
    edited.write(
        path,
        &original.replacen("-- migrate:up\n", "-- migrate:up\nSELECT 1;\n", 1),
    );
    edited.on(&db, &["up"]).success();
    let cli = cli_project().on(&db, &["up"]).fails_with(1);
    let app = run_app(&TestProject::empty().root, &db.url(), &[]);
    assert_eq!(app.status.code(), Some(1));
    let first_line = |s: &str| s.lines().next().unwrap_or_default().to_owned();
    let app_err = text(&app.stderr);
    assert!(app_err.contains("was applied with checksum"), "{app_err}");
    assert_eq!(first_line(&app_err), first_line(&cli.stderr));
    assert!(app_err.contains("help: applied migrations should not be edited"));
}

#[test]
fn the_app_s_check_says_pending_then_up_to_date_then_unknown_revisions() {
    let db = TestDb::postgres();
    let folder = TestProject::empty();
    let out = run_app(&folder.root, &db.url(), &["--check"]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("4 revisions pending"));
    assert!(db.tables().is_empty(), "a check migrates nothing");
    run_app(&folder.root, &db.url(), &[]);
    let out = run_app(&folder.root, &db.url(), &["--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let newer = cli_project();
    newer.revision("0005", &["0004"], "CREATE TABLE later (id int);", None);
    newer.on(&db, &["up"]).success();
    let out = run_app(&folder.root, &db.url(), &["--check"]);
    assert_eq!(out.status.code(), Some(6), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("`0005`"));
}

/// Builds a copy of the app in `project` into the shared target directory, as package
/// `second-brain-copy`, so that it never replaces the binary the other tests run.
fn build_copy(project: &TestProject) -> std::process::Output {
    let manifest = project.read("Cargo.toml");
    if !manifest.contains("second-brain-copy") {
        project.write(
            "Cargo.toml",
            &manifest.replacen("name = \"second-brain\"", "name = \"second-brain-copy\"", 1),
        );
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    cargo()
        .args(["build", "--offline", "--message-format", "short"])
        .current_dir(&project.root)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .unwrap()
}

#[test]
fn a_malformed_file_is_a_compile_error_and_added_or_removed_files_rebuild_the_app() {
    let project = TestProject::from_fixture("second-brain");
    let bad = "migrations/0005_bad.sql";
    project.write(
        bad,
        "-- revision: 0005\n-- revises: 0004\n-- message: bad\n\n-- migrate:up\nCREATE TABLE x (id int);\n-- migrate:sideways\n",
    );
    let out = build_copy(&project);
    assert!(!out.status.success());
    // The parser's message, with the file and line `up` names.
    let up = project
        .brainmig([
            "up",
            "--migrations-dir",
            "migrations",
            "--database-url",
            "sqlite://x.db",
        ])
        .fails_with(1);
    let message =
        "migrations/0005_bad.sql:7: unknown marker `-- migrate:sideways` (expected `up` or `down`)";
    assert!(up.stderr.contains(message), "{}", up.stderr);
    assert!(text(&out.stderr).contains(message), "{}", text(&out.stderr));
    // Fixed: the build picks the changed file up without being told.
    project.write(
        bad,
        "-- revision: 0005\n-- revises: 0004\n-- message: fixed\n\n-- migrate:up\nCREATE TABLE x (id int);\n",
    );
    let out = build_copy(&project);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let binary = Path::new(&std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
        PathBuf::from,
    ))
    .join("debug/second-brain-copy");
    // Keep this build's binary: other tests' builds replace the one in the target directory.
    let five = project.root.with_extension("five");
    std::fs::copy(&binary, &five).unwrap();
    let ran = app_command(&five, &project.root, "sqlite://five.db", &[])
        .output()
        .unwrap();
    assert!(
        text(&ran.stdout).contains("applied 5 revision(s)"),
        "{}",
        text(&ran.stderr)
    );
    // Removed: the next build has four again.
    std::fs::remove_file(project.path(bad)).unwrap();
    let out = build_copy(&project);
    assert!(out.status.success(), "{}", text(&out.stderr));
    std::fs::copy(&binary, &five).unwrap();
    let ran = app_command(&five, &project.root, "sqlite://four.db", &[])
        .output()
        .unwrap();
    assert!(
        text(&ran.stdout).contains("applied 4 revision(s)"),
        "{}",
        text(&ran.stderr)
    );
    let _ = std::fs::remove_file(five);
}

#[test]
fn the_library_without_the_command_line_pulls_none_of_its_dependencies() {
    let tree = |features: &[&str]| {
        let out = cargo()
            .args([
                "tree",
                "--offline",
                "-e",
                "normal",
                "--prefix",
                "none",
                "--no-default-features",
            ])
            .args(features)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
            .lines()
            .filter_map(|l| l.split(' ').next().map(str::to_owned))
            .collect::<Vec<_>>()
    };
    let app = tree(&["--features", "migrate"]);
    assert!(
        app.iter().any(|c| c == "sqlx"),
        "the app's set has sqlx: {app:?}"
    );
    let build_script = tree(&[]);
    for cli_only in ["clap", "console", "indicatif", "cargo_metadata"] {
        assert!(!app.iter().any(|c| c == cli_only), "{cli_only} in {app:?}");
    }
    for heavy in ["sqlx", "tokio", "clap"] {
        assert!(
            !build_script.iter().any(|c| c == heavy),
            "{heavy} in {build_script:?}"
        );
    }
    // And the default, the command line, does have them: the filter above can see them.
    assert!(tree(&["--features", "cli"]).iter().any(|c| c == "clap"));
}

#[test]
fn current_check_exits_0_at_head_5_with_pending_and_6_with_unknown_revisions() {
    let db = TestDb::postgres();
    let project = cli_project();
    let out = project.on(&db, &["current", "--check"]).fails_with(5);
    assert!(
        out.stderr
            .contains("4 revisions pending (`0001`, `0002`, `0003`, `0004`)"),
        "{}",
        out.stderr
    );
    assert!(db.tables().is_empty(), "a check creates nothing");
    project.on(&db, &["up", "0003"]).success();
    let out = project.on(&db, &["current", "--check"]).fails_with(5);
    assert!(
        out.stderr.contains("1 revision pending (`0004`)"),
        "{}",
        out.stderr
    );
    project.on(&db, &["up"]).success();
    let out = project.on(&db, &["current", "--check"]).success();
    assert!(out.stdout.contains("0004 (head)"), "{}", out.stdout);
    // A newer build applied 0005; this one does not know it.
    let newer = cli_project();
    newer.revision("0005", &["0004"], "CREATE TABLE later (id int);", None);
    newer.on(&db, &["up"]).success();
    let out = project.on(&db, &["current", "--check"]).fails_with(6);
    assert!(
        out.stderr.contains("this build does not know (`0005`)"),
        "{}",
        out.stderr
    );
    let json = project
        .on(&db, &["current", "--check", "--format", "json"])
        .fails_with(6);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["error"]["unknown"], serde_json::json!(["0005"]));
    assert_eq!(doc["error"]["exit_code"], 6);
}

/// The files of `project`'s migrations folder as an embedded set, as the build script gives it.
fn embedded_from(project: &TestProject) -> brainmig::embed::EmbeddedMigrations {
    let mut files: Vec<(&'static str, &'static str)> =
        std::fs::read_dir(project.path("migrations"))
            .unwrap()
            .map(|e| {
                let path = e.unwrap().path();
                let rel = format!("migrations/{}", path.file_name().unwrap().to_string_lossy());
                let text = std::fs::read_to_string(&path).unwrap();
                (
                    &*Box::leak(rel.into_boxed_str()),
                    &*Box::leak(text.into_boxed_str()),
                )
            })
            .collect();
    files.sort();
    brainmig::embed::EmbeddedMigrations::new(Box::leak(files.into_boxed_slice()))
}

#[test]
fn the_migrator_records_transaction_false_progress_and_down_sql_as_the_command_line_does() {
    let db = TestDb::postgres();
    let project = TestProject::empty();
    project.revision(
        "0001",
        &[],
        "CREATE TABLE a (x INTEGER);",
        Some("DROP TABLE a;"),
    );
    project.write(
        "migrations/0002_concurrently.sql",
        "-- revision: 0002\n-- revises: 0001\n\n-- migrate:up transaction:false\n\
         CREATE INDEX CONCURRENTLY a_x_idx ON a (x);\nSELECT * FROM no_such_table;\nCREATE TABLE b (x INTEGER);\n\n\
         -- migrate:down transaction:false\nDROP TABLE b;\nDROP INDEX CONCURRENTLY a_x_idx;\n",
    );
    let migrator = brainmig::Migrator::new(embedded_from(&project));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let error = runtime
        .block_on(migrator.run(db.url().as_str()))
        .unwrap_err();
    let brainmig::Error::Run(run) = &error else {
        panic!("expected a failed revision, got {error}")
    };
    assert_eq!(run.id.to_string(), "0002");
    assert_eq!(run.statements_done, Some(1));
    assert_eq!(
        db.strings(
            "SELECT revision || ':' || coalesce(incomplete, 'complete') || ':' || coalesce(down_sql, '') \
             FROM brainmig_version ORDER BY 1"
        ),
        [
            "0001:complete:DROP TABLE a;\n",
            "0002:up 1/3:DROP TABLE b;\nDROP INDEX CONCURRENTLY a_x_idx;\n"
        ]
    );
    // The command line reads the app's progress and refuses as after its own run.
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
    // And the migrator refuses the same way.
    let again = runtime
        .block_on(migrator.run(db.url().as_str()))
        .unwrap_err();
    assert!(
        again.to_string().contains("revision `0002` did not finish"),
        "{again}"
    );
}

#[test]
fn the_migrator_migrates_mariadb_from_a_pool_and_a_url_by_mysql_s_lexical_rules() {
    let db = TestDb::mysql();
    let project = TestProject::linear(3);
    // MySQL's own words: split (and summed) by PostgreSQL's rules this would not run, and the
    // command line, which reads the folder by MySQL's, would call the file edited.
    project.revision(
        "0004",
        &["0003"],
        "# a MySQL comment, with a ; in it\nCREATE TABLE `t;4` (id INT);\nDELIMITER //\n\
         CREATE PROCEDURE bump()\nBEGIN\n  INSERT INTO `t;4` VALUES (1);\n  SELECT 1;\nEND//\nDELIMITER ;\n\
         CALL bump();",
        Some("DROP PROCEDURE bump;\nDROP TABLE `t;4`;"),
    );
    let migrator = brainmig::Migrator::new(embedded_from(&project));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let pool = runtime.block_on(async {
        sqlx::mysql::MySqlPoolOptions::new()
            .max_connections(1)
            .connect_lazy(&db.url())
            .unwrap()
    });
    let target: brainmig::graph::Target = "0002".parse().unwrap();
    let report = runtime.block_on(migrator.run_to(&pool, &target)).unwrap();
    let applied: Vec<String> = report
        .applied
        .iter()
        .map(|c| c.revision.to_string())
        .collect();
    assert_eq!(applied, ["0001", "0002"]);

    // The command line continues from the app's rows; the app (by URL) applies the rest.
    project.on_mysql(&db, &["brainmig", "up", "0003"]).success();
    let report = runtime.block_on(migrator.run(db.url().as_str())).unwrap();
    assert_eq!(report.applied.len(), 1);
    assert_eq!(
        db.strings("SELECT CAST(COUNT(*) AS CHAR) FROM `t;4`"),
        ["1"]
    );
    // Same checksums: the command line finds nothing edited and nothing to do.
    let up = project.on_mysql(&db, &["brainmig", "up"]).success();
    assert!(up.stderr.contains("nothing to do"), "{}", up.stderr);
    let status = runtime.block_on(migrator.check(&pool)).unwrap();
    assert_eq!(status.current.len(), 1);
    assert_eq!(status.current[0].to_string(), "0004");
    assert!(
        runtime
            .block_on(migrator.run(&pool))
            .unwrap()
            .applied
            .is_empty()
    );
    runtime.block_on(pool.close());
}
