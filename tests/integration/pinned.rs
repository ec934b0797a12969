//! Pinned output: the `--help` of every command and the shape of each `--format json` document,
//! as insta snapshots in `snapshots/`.
//!
//! Scripts read the JSON by field name and users read the help, so a renamed field or flag must
//! be a deliberate change: here it fails the suite (a plain `cargo nextest run` fails on any
//! difference; `cargo insta review` only helps to accept one). Times, durations and the test's
//! own folder are redacted so that the snapshots are the same on every run.

use insta::assert_snapshot;
use serde_json::Value;

use crate::support::{Outcome, TestDb, TestProject, rev, sqlite_strings};

/// Every command's name, from the parser itself, so a new command cannot go unpinned.
fn command_names() -> Vec<String> {
    <brainmig::cli::Cli as clap::CommandFactory>::command()
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect()
}

#[test]
fn help_of_every_command_is_pinned() {
    let project = TestProject::empty();
    let help = |args: &[&str]| {
        let out = project
            .brainmig(args)
            // The help is wrapped to the terminal; a test has none, so fix the width.
            .env("COLUMNS", "100")
            .success();
        assert!(out.stderr.is_empty(), "{}", out.stderr);
        out.stdout
    };
    assert_snapshot!("help", help(&["--help"]));
    let names = command_names();
    assert!(names.len() >= 17, "{names:?}");
    for name in names {
        assert_snapshot!(format!("help_{name}"), help(&[&name, "--help"]));
    }
}

/// Times, durations and the project's folder, replaced so the document is the same every run.
fn redact(value: &mut Value, root: &str) {
    match value {
        Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                match field {
                    Value::String(_)
                        if ["applied_at", "created", "since"].contains(&key.as_str()) =>
                    {
                        *field = Value::from("[TIME]");
                    }
                    Value::Number(_) if key.ends_with("_ms") => {
                        *field = Value::from("[DURATION]");
                    }
                    _ => redact(field, root),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| redact(item, root)),
        Value::String(s) if s.contains(root) => *s = s.replace(root, "[ROOT]"),
        _ => {}
    }
}

/// The exit code and the redacted JSON document of a run, which must be the only thing on stdout.
fn json_shape(project: &TestProject, out: &Outcome) -> String {
    let mut doc: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", out.stdout));
    let root = project.root.display().to_string();
    redact(&mut doc, &root);
    format!(
        "exit code: {}\n{}",
        out.code,
        serde_json::to_string_pretty(&doc).unwrap()
    )
}

fn json(project: &TestProject, args: &[&str], code: i32) -> String {
    let mut args = args.to_vec();
    args.extend(["--format", "json"]);
    let out = project.on_sqlite(&args).fails_with(code);
    json_shape(project, &out)
}

#[test]
fn json_of_commands_that_run_or_record_revisions_is_pinned() {
    let project = TestProject::linear(2);
    assert_snapshot!("json_up_sql", json(&project, &["up", "--sql"], 0));
    assert_snapshot!("json_up", json(&project, &["up"], 0));
    assert_snapshot!("json_down", json(&project, &["down"], 0));
    assert_snapshot!("json_stamp", json(&project, &["stamp", "0002"], 0));
    assert_snapshot!("json_rehash", json(&project, &["rehash", "0002"], 0));
    assert_snapshot!(
        "json_test_roundtrip",
        json(&project, &["test-roundtrip"], 0)
    );
}

#[test]
fn json_of_fleet_runs_is_pinned() {
    let project = TestProject::linear(2);
    project.write("targets.txt", "sqlite://a.db\nsqlite://b.db\n");
    std::fs::write(project.root.join("b.db"), b"").unwrap();
    crate::support::sqlite_strings(&project.root.join("b.db"), "CREATE TABLE t2 (id INTEGER)");
    let fleet = ["--targets-file", "targets.txt"];
    let up: Vec<&str> = ["up"].iter().chain(&fleet).copied().collect();
    assert_snapshot!("json_fleet_up_one_failed", json(&project, &up, 1));
    let current: Vec<&str> = ["current"].iter().chain(&fleet).copied().collect();
    assert_snapshot!("json_fleet_current", json(&project, &current, 0));
}

#[test]
fn json_of_commands_that_look_is_pinned() {
    let project = TestProject::linear(2);
    project.write(
        "migrations/0003_side.sql",
        &rev("0003", &["0001"], "CREATE TABLE c (z INTEGER);", None),
    );
    project.on_sqlite(&["up", "0002"]).success();
    assert_snapshot!("json_current", json(&project, &["current"], 0));
    assert_snapshot!("json_history", json(&project, &["history"], 0));
    assert_snapshot!("json_heads", json(&project, &["heads"], 0));
    assert_snapshot!("json_branches", json(&project, &["branches"], 0));
    assert_snapshot!("json_show", json(&project, &["show", "0002"], 0));
    assert_snapshot!("json_config", json(&project, &["config"], 0));
    // 0003 is pending: `current --check` exits 5 with the list.
    assert_snapshot!(
        "json_current_check_pending",
        json(&project, &["current", "--check"], 5)
    );
    project.write(
        "migrations/0004_lint.sql",
        &rev(
            "0004",
            &["0002"],
            "DROP TABLE t1;\nCREATE INDEX i ON t2 (id);",
            None,
        ),
    );
    assert_snapshot!("json_lint", json(&project, &["lint", "0004"], 7));
}

#[test]
fn json_of_commands_that_write_files_is_pinned() {
    let project = TestProject::empty();
    assert_snapshot!("json_init", json(&project, &["init"], 0));
    assert_snapshot!("json_new", json(&project, &["new", "-m", "first"], 0));
    // Over the file `new` wrote, so that 0001 has a statement.
    project.write(
        "migrations/0001_first.sql",
        &rev("0001", &[], "CREATE TABLE a (x INTEGER);", None),
    );
    project
        .revision("0002", &["0001"], "CREATE TABLE l (x INTEGER);", None)
        .revision("0003", &["0001"], "CREATE TABLE r (x INTEGER);", None);
    assert_snapshot!(
        "json_merge",
        json(&project, &["merge", "-m", "join", "heads"], 0)
    );
}

#[test]
fn json_of_renumber_is_pinned() {
    let project = TestProject::linear(1);
    project
        .revision("0002", &["0001"], "CREATE TABLE l (x INTEGER);", None)
        .revision("0003", &["0001"], "CREATE TABLE r (x INTEGER);", None);
    assert_snapshot!("json_renumber", json(&project, &["renumber", "0003"], 0));
}

#[test]
fn json_of_squash_is_pinned() {
    let project = TestProject::linear(3);
    assert_snapshot!(
        "json_squash",
        json(&project, &["squash", "--to", "0002"], 0)
    );
}

#[test]
fn json_of_import_is_pinned() {
    let project = TestProject::from_fixture("import/sqlx");
    let url = project.sqlite_url("app.db");
    let import = |extra: &[&str]| {
        let mut args = vec!["import", "sqlx", "--format", "json"];
        args.extend(extra);
        args.extend(["--migrations-dir", "brainmig"]);
        args.extend(["--database-url", &url]);
        let out = project.brainmig(&args).fails_with(0);
        json_shape(&project, &out)
    };
    assert_snapshot!("json_import_dry_run", import(&["--dry-run"]));
    assert!(
        !project.path("brainmig").exists(),
        "a dry run writes nothing"
    );
    assert_snapshot!("json_import", import(&[]));
}

#[test]
fn json_of_schema_comparisons_is_pinned() {
    // `check` needs the `schema` key: the second-brain fixture has it, on SQLite.
    let fixture = TestProject::from_fixture("second-brain");
    let check = |fixture: &TestProject, code| {
        let out = fixture
            .brainmig(["check", "--format", "json"])
            .fails_with(code);
        json_shape(fixture, &out)
    };
    assert_snapshot!("json_check_passing", check(&fixture, 0));
    let schema = fixture.read("schema.sql");
    fixture.write(
        "schema.sql",
        &format!("{schema}\nCREATE TABLE more (y INTEGER);\n"),
    );
    assert_snapshot!("json_check_failing", check(&fixture, 4));
    let out = fixture
        .brainmig(["new", "--autogenerate", "-m", "more", "--format", "json"])
        .success();
    assert_snapshot!("json_new_autogenerate", json_shape(&fixture, &out));

    let project = TestProject::linear(2);
    project.on_sqlite(&["up"]).success();
    assert_snapshot!("json_diff_no_drift", json(&project, &["diff"], 0));
    crate::support::sqlite_strings(&project.path("app.db"), "CREATE TABLE extra (x INTEGER);");
    assert_snapshot!("json_diff_drift", json(&project, &["diff"], 4));
}

#[test]
fn json_of_failures_is_pinned() {
    let project = TestProject::linear(2);
    project.write(
        "migrations/0003_bad.sql",
        &rev(
            "0003",
            &["0002"],
            "CREATE TABLE c (z INTEGER);\nSELECT * FROM no_such_table;",
            None,
        ),
    );
    assert_snapshot!("json_failed_migration", json(&project, &["up"], 1));
    assert_snapshot!("json_bad_target", json(&project, &["up", "nope"], 2));
    assert_snapshot!(
        "json_usage_error",
        json(&project, &["up", "--no-such-flag"], 2)
    );
}

/// The version table lives in users' databases and outlives every brainmig release: its columns,
/// their types and the way a row records a merge's parents are fixed here, on both dialects.
#[test]
fn version_table_columns_and_rows_are_pinned_on_postgres_and_sqlite() {
    let project = TestProject::empty();
    project.revision(
        "a1",
        &[],
        "CREATE TABLE a (x INTEGER);",
        Some("DROP TABLE a;"),
    );
    project.revision("b1", &[], "CREATE TABLE b (x INTEGER);", None);
    project.revision("m1", &["a1", "b1"], "", None);
    let rows = [
        "a1||revision a1|DROP TABLE a;\n|1|",
        "b1||revision b1||1|",
        "m1|a1,b1|revision m1||1|",
    ];

    let db = TestDb::postgres();
    project.on(&db, &["up", "heads"]).success();
    assert_eq!(
        db.strings(
            "SELECT concat_ws(' ', column_name, data_type, is_nullable, column_default) \
             FROM information_schema.columns WHERE table_name = 'brainmig_version' \
             ORDER BY ordinal_position"
        ),
        [
            "revision text NO",
            "parents text NO",
            "message text NO",
            "checksum text NO",
            "applied_at timestamp with time zone NO now()",
            "duration_ms bigint NO",
            "down_sql text YES",
            "down_transactional boolean NO",
            "incomplete text YES",
        ]
    );
    assert_eq!(
        db.strings(
            "SELECT a.attname::text FROM pg_index i JOIN pg_attribute a \
             ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) \
             WHERE i.indrelid = 'brainmig_version'::regclass AND i.indisprimary"
        ),
        ["revision"]
    );
    let pg_rows = db.strings(
        "SELECT revision || '|' || parents || '|' || message || '|' || coalesce(down_sql, '') \
         || '|' || down_transactional::int || '|' || coalesce(incomplete, '') \
         FROM brainmig_version ORDER BY revision",
    );
    assert_eq!(pg_rows, rows);

    project.on_sqlite(&["up", "heads"]).success();
    let file = project.path("app.db");
    assert_eq!(
        sqlite_strings(
            &file,
            "SELECT name || ' ' || type || ' ' || \"notnull\" || ' ' || coalesce(dflt_value, '-') || ' ' || pk \
             FROM pragma_table_info('brainmig_version') ORDER BY cid"
        ),
        [
            "revision TEXT 1 - 1",
            "parents TEXT 1 - 0",
            "message TEXT 1 - 0",
            "checksum TEXT 1 - 0",
            "applied_at TEXT 1 strftime('%Y-%m-%d %H:%M:%f', 'now') 0",
            "duration_ms INTEGER 1 - 0",
            "down_sql TEXT 0 - 0",
            "down_transactional INTEGER 1 - 0",
            "incomplete TEXT 0 - 0",
        ]
    );
    let sqlite_rows = sqlite_strings(
        &file,
        "SELECT revision || '|' || parents || '|' || message || '|' || coalesce(down_sql, '') \
         || '|' || down_transactional || '|' || coalesce(incomplete, '') \
         FROM brainmig_version ORDER BY revision",
    );
    // sqlite3 prints the down section's newline as it is, so compare the whole text.
    assert_eq!(sqlite_rows.join("\n"), rows.join("\n"));
}
