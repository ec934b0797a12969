//! Tests for fleets (issue #18): `up`, `down` and `current` over many databases at once, from
//! the config's `targets`, a targets file or a query.

use std::process::Stdio;

use crate::support::{Outcome, TestDb, TestProject, sqlite_strings};

const SECRET: &str = "fl33t-s3cr3t";

/// `linear(3)` as a cargo project whose Cargo.toml carries `targets`.
fn project_with_targets(targets: &str) -> TestProject {
    let project = TestProject::linear(3);
    project.write(
        "Cargo.toml",
        &format!(
            "[package]\nname = \"fleet\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n\n\
             [package.metadata.brainmig.targets]\n{targets}"
        ),
    );
    project.write("src/main.rs", "fn main() {}\n");
    project
}

fn assert_no_secret(out: &Outcome) {
    assert!(
        !out.stdout.contains(SECRET) && !out.stderr.contains(SECRET),
        "a password was printed\nstdout:\n{}\nstderr:\n{}",
        out.stdout,
        out.stderr
    );
}

/// The table's data rows (after the header), as printed.
fn table_rows(out: &Outcome) -> Vec<String> {
    out.stdout
        .lines()
        .skip(1)
        .filter(|l| !l.contains(" target(s): "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_configured_fleet_of_postgres_and_sqlite_targets_reaches_head_and_says_where_each_is() {
    let (a, b, c) = (TestDb::postgres(), TestDb::postgres(), TestDb::postgres());
    let project = project_with_targets(&format!(
        "tenant-a = \"{}\"\ntenant-b = {{ url-env = \"FLEET_TENANT_B\" }}\n\
         tenant-c = {{ url = \"{}\", url-env = \"FLEET_TENANT_C_PASSWORD\" }}\ndevice = \"sqlite://device.db\"\n",
        a.url(),
        c.url(),
    ));
    let run = |args: &[&str]| {
        project
            .brainmig(args)
            .env("FLEET_TENANT_B", &b.url_with_password(SECRET))
            .env("FLEET_TENANT_C_PASSWORD", SECRET)
    };
    let out = run(&["up", "--all-targets"]).success();
    assert_no_secret(&out);
    for name in ["tenant-a", "tenant-b", "tenant-c", "device"] {
        assert!(
            out.stderr
                .contains(&format!("{name}: applied 3 revision(s) (<base> -> 0003)")),
            "{}",
            out.stderr
        );
    }
    assert!(
        out.stdout
            .contains("4 target(s): 4 ok, 0 failed, 0 skipped"),
        "{}",
        out.stdout
    );
    for db in [&a, &b, &c] {
        assert_eq!(db.applied(), ["0001", "0002", "0003"]);
    }
    let device = project.root.join("device.db");
    assert_eq!(
        sqlite_strings(&device, "SELECT revision FROM brainmig_version ORDER BY 1"),
        ["0001", "0002", "0003"]
    );

    // `down` on a glob of them only.
    let out = run(&[
        "down",
        "0001",
        "--target",
        "tenant-[ab]",
        "--target",
        "tenant-a*",
    ])
    .run();
    assert_eq!(
        out.code, 2,
        "`tenant-[ab]` is no glob we know: {}",
        out.stderr
    );
    let out = run(&["down", "0001", "--target", "tenant-?"]).success();
    assert!(out.stdout.contains("3 target(s): 3 ok"), "{}", out.stdout);
    assert_eq!(a.applied(), ["0001"]);

    // Which tenant is where: one table, and the same as JSON.
    let out = run(&["current", "--all-targets"]).success();
    assert_no_secret(&out);
    let rows = table_rows(&out);
    assert_eq!(rows.len(), 4, "{}", out.stdout);
    assert!(
        rows[0].starts_with("device ") && rows[0].contains("0003") && rows[0].contains("at head"),
        "{rows:?}"
    );
    assert!(
        rows[1].starts_with("tenant-a ") && rows[1].contains("2 pending"),
        "{rows:?}"
    );
    let out = run(&["current", "--all-targets", "--format", "json"]).success();
    assert_no_secret(&out);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["command"], "current");
    assert_eq!(doc["summary"]["total"], 4);
    let tenant_b = doc["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["target"] == "tenant-b")
        .unwrap();
    assert_eq!(tenant_b["from"], serde_json::json!(["0001"]));
    assert_eq!(tenant_b["pending"], serde_json::json!(["0002", "0003"]));
    assert!(
        tenant_b["url"].as_str().unwrap().contains("****"),
        "{tenant_b}"
    );
}

#[test]
fn a_target_that_fails_is_listed_first_the_others_finish_and_a_rerun_does_only_what_is_left() {
    let (a, b, c) = (TestDb::postgres(), TestDb::postgres(), TestDb::postgres());
    let project = TestProject::linear(3);
    // Only `b` already has a table that its second revision creates.
    b.execute("CREATE TABLE t2 (id INTEGER)");
    project.write(
        "targets.txt",
        &format!(
            "# tenants\n{}\n{}  # the broken one\n\n{}\nsqlite://device.db\n",
            a.url_with_password(SECRET),
            b.url(),
            c.url()
        ),
    );
    let fleet = [
        "--migrations-dir",
        "migrations",
        "--targets-file",
        "targets.txt",
    ];
    let out = project.brainmig(["up"].iter().chain(&fleet)).fails_with(1);
    assert_no_secret(&out);
    let rows = table_rows(&out);
    assert!(
        rows[0].starts_with(&format!("127.0.0.1/{}", b.name)) && rows[0].contains("FAILED"),
        "{rows:?}"
    );
    assert!(
        rows[0].contains("0001") && rows[0].contains("t2"),
        "{rows:?}"
    );
    assert!(
        out.stdout
            .contains("4 target(s): 3 ok, 1 failed, 0 skipped"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("error: 1 of 4 target(s) failed"),
        "{}",
        out.stderr
    );
    assert_eq!(a.applied(), ["0001", "0002", "0003"]);
    assert_eq!(c.applied(), ["0001", "0002", "0003"]);
    assert_eq!(b.applied(), ["0001"]);

    // JSON: the same, failures first, with the error as scripts read it.
    let out = project
        .brainmig(["current", "--format", "json"].iter().chain(&fleet))
        .success();
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let b_row = doc["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["target"].as_str().unwrap().ends_with(&b.name))
        .unwrap();
    assert_eq!(b_row["detail"], "2 pending", "{doc}");

    b.execute("DROP TABLE t2");
    let out = project.brainmig(["up"].iter().chain(&fleet)).success();
    let b_line = format!("127.0.0.1/{}: applied 2 revision(s) (0001 -> 0003)", b.name);
    assert!(out.stderr.contains(&b_line), "{}", out.stderr);
    assert_eq!(
        out.stderr.matches("nothing to do (at 0003)").count(),
        3,
        "{}",
        out.stderr
    );
    assert_eq!(b.applied(), ["0001", "0002", "0003"]);
}

#[test]
fn fail_fast_starts_no_further_target_after_a_failure() {
    let (a, b) = (TestDb::postgres(), TestDb::postgres());
    let project = TestProject::linear(2);
    a.execute("CREATE TABLE t1 (id INTEGER)");
    project.write("targets.txt", &format!("{}\n{}\n", a.url(), b.url()));
    let out = project
        .brainmig([
            "up",
            "--migrations-dir",
            "migrations",
            "--targets-file",
            "targets.txt",
            "--fail-fast",
            "--jobs",
            "1",
            "--format",
            "json",
        ])
        .fails_with(1);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["targets"][0]["result"], "failed", "{doc}");
    assert_eq!(doc["targets"][1]["result"], "skipped", "{doc}");
    assert_eq!(doc["summary"]["skipped"], 1);
    assert_eq!(doc["error"]["exit_code"], 1);
    assert!(
        b.strings("SELECT to_regclass('brainmig_version')::text")
            .iter()
            .all(String::is_empty)
    );
}

#[test]
fn two_fleet_runs_at_once_apply_each_revision_once_per_target() {
    let dbs: Vec<TestDb> = (0..3).map(|_| TestDb::postgres()).collect();
    let project = TestProject::linear(5);
    let urls: Vec<String> = dbs.iter().map(TestDb::url).collect();
    project.write("targets.txt", &(urls.join("\n") + "\nsqlite://shared.db\n"));
    let spawn = || {
        let mut run = project.brainmig([
            "up",
            "--migrations-dir",
            "migrations",
            "--targets-file",
            "targets.txt",
            "--jobs",
            "2",
        ]);
        run.cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        run.cmd.spawn().unwrap()
    };
    let (first, second) = (spawn(), spawn());
    for child in [first, second] {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for db in &dbs {
        let counts = db.strings("SELECT count(*)::text FROM brainmig_version GROUP BY revision");
        assert_eq!(counts, ["1"; 5], "{}", db.name);
        assert_eq!(db.tables().len(), 6, "five tables and the version table");
    }
    let shared = project.root.join("shared.db");
    assert_eq!(
        sqlite_strings(&shared, "SELECT count(*) FROM brainmig_version"),
        ["5"]
    );
}

#[test]
fn targets_come_from_a_query_on_the_control_database() {
    let (control, a, b) = (TestDb::postgres(), TestDb::postgres(), TestDb::postgres());
    control.execute(&format!(
        "CREATE TABLE tenants (url text, active boolean);\
         INSERT INTO tenants VALUES ('{}', true), ('{}', true), ('postgres://nowhere/x', false)",
        a.url_with_password(SECRET),
        b.url()
    ));
    let project = TestProject::linear(2);
    let query = "SELECT url FROM tenants WHERE active ORDER BY url";
    let out = project
        .on(&control, &["up", "--targets-query", query])
        .success();
    assert_no_secret(&out);
    assert_eq!(a.applied(), ["0001", "0002"]);
    assert_eq!(b.applied(), ["0001", "0002"]);
    assert!(
        control
            .strings("SELECT to_regclass('brainmig_version')::text")
            .iter()
            .all(String::is_empty)
    );

    let out = project
        .on(
            &control,
            &["current", "--targets-query", "SELECT nope FROM tenants"],
        )
        .fails_with(1);
    assert!(
        out.stderr.contains("error: the targets query failed"),
        "{}",
        out.stderr
    );
}

#[test]
fn bad_selections_are_usage_errors_and_an_unreachable_target_keeps_its_password_hidden() {
    let project = project_with_targets("tenant-a = \"sqlite://a.db\"\n");
    let out = project
        .brainmig(["up", "--target", "tenant-z"])
        .fails_with(2);
    assert!(
        out.stderr
            .contains("no target matches `tenant-z` (targets: `tenant-a`)"),
        "{}",
        out.stderr
    );
    let out = project.brainmig(["up", "--jobs", "2"]).fails_with(2);
    assert!(
        out.stderr
            .contains("`--jobs` and `--fail-fast` apply to a fleet"),
        "{}",
        out.stderr
    );
    let out = project
        .brainmig(["up", "--all-targets", "--sql"])
        .fails_with(2);
    assert!(
        out.stderr.contains("`--sql` works on one database"),
        "{}",
        out.stderr
    );

    project.write("empty.txt", "# nobody yet\n");
    let out = project
        .brainmig(["up", "--targets-file", "empty.txt"])
        .fails_with(2);
    assert!(
        out.stderr.contains("`empty.txt` lists no database URL"),
        "{}",
        out.stderr
    );
    project.write(
        "bad.txt",
        &format!("sqlite://a.db\npostgres://u:{SECRET}@h:notaport/db\n"),
    );
    let out = project
        .brainmig(["up", "--targets-file", "bad.txt"])
        .fails_with(2);
    assert!(out.stderr.contains("`bad.txt` (line 2)"), "{}", out.stderr);
    assert_no_secret(&out);
    let out = project
        .brainmig(["up", "--targets-file", "missing.txt"])
        .fails_with(2);
    assert!(
        out.stderr
            .contains("cannot use the targets file `missing.txt`"),
        "{}",
        out.stderr
    );

    // A server that does not answer: reported in the table, the other target done.
    project.write(
        "down.txt",
        &format!("postgres://postgres:{SECRET}@127.0.0.1:1/gone\nsqlite://a.db\n"),
    );
    for format in ["text", "json"] {
        let out = project
            .brainmig(["up", "--targets-file", "down.txt", "--format", format])
            .fails_with(1);
        assert_no_secret(&out);
        assert!(out.stdout.contains("127.0.0.1/gone"), "{}", out.stdout);
    }
    assert_eq!(
        sqlite_strings(
            &project.root.join("a.db"),
            "SELECT count(*) FROM brainmig_version"
        ),
        ["3"]
    );
}

#[test]
fn ctrl_c_stops_the_fleet_starting_targets_and_exits_130() {
    let dbs: Vec<TestDb> = (0..3).map(|_| TestDb::postgres()).collect();
    let project = TestProject::empty();
    project.revision(
        "0001",
        &[],
        "CREATE TABLE a (x INTEGER);\nSELECT pg_sleep(60);",
        None,
    );
    let urls: Vec<String> = dbs.iter().map(TestDb::url).collect();
    project.write("targets.txt", &urls.join("\n"));
    let mut run = project.brainmig([
        "up",
        "--migrations-dir",
        "migrations",
        "--targets-file",
        "targets.txt",
        "--jobs",
        "1",
    ]);
    run.cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = run.cmd.spawn().unwrap();
    // The first target is asleep on the server (polled, not timed: up to a minute).
    let sleeping = format!(
        "SELECT count(*)::text FROM pg_stat_activity WHERE datname = '{}' \
         AND query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()",
        dbs[0].name
    );
    let admin = TestDb::postgres();
    for _ in 0..1200 {
        if admin.strings(&sleeping) != ["0"] {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(130), "{stdout}");
    assert_eq!(
        stdout.matches("not started: interrupted (Ctrl-C)").count(),
        2,
        "{stdout}"
    );
    for db in &dbs {
        assert!(
            db.tables().is_empty() || db.tables() == ["brainmig_version"],
            "{}",
            db.name
        );
    }
}

/// Schema-per-tenant (#18): the schemas of one database are each a target, with the version
/// table in the schema and the revisions run with `search_path` set to it.
#[test]
fn schemas_of_one_database_each_reach_head_with_their_own_version_table() {
    let db = TestDb::postgres();
    // `gamma` is a tenant whose second revision fails: its `t2` is already there.
    db.execute("CREATE SCHEMA gamma; CREATE TABLE gamma.t2 (id INTEGER);");
    let project = project_with_targets(&format!(
        "tenants = {{ url = \"{}\", schemas = [\"alpha\", \"beta\", \"gamma\"] }}\n",
        db.url_with_password(SECRET)
    ));
    let out = project.brainmig(["up", "--all-targets"]).fails_with(1);
    assert_no_secret(&out);
    for name in ["tenants/alpha", "tenants/beta"] {
        assert!(
            out.stderr
                .contains(&format!("{name}: applied 3 revision(s) (<base> -> 0003)")),
            "{}",
            out.stderr
        );
    }
    let rows = table_rows(&out);
    assert!(
        rows[0].starts_with("tenants/gamma ") && rows[0].contains("failed"),
        "the failure comes first: {rows:?}"
    );
    let versions = |schema: &str| {
        db.strings(&format!(
            "SELECT revision FROM {schema}.brainmig_version ORDER BY 1"
        ))
    };
    assert_eq!(versions("alpha"), ["0001", "0002", "0003"]);
    assert_eq!(versions("beta"), ["0001", "0002", "0003"]);
    assert_eq!(versions("gamma"), ["0001"]);
    let tables = |schema: &str| {
        db.strings(&format!(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = '{schema}' ORDER BY 1"
        ))
    };
    assert_eq!(tables("alpha"), ["brainmig_version", "t1", "t2", "t3"]);
    assert!(tables("public").is_empty(), "{:?}", tables("public"));

    // Fixed, the rerun finishes gamma only.
    db.execute("DROP TABLE gamma.t2;");
    let out = project.brainmig(["up", "--target", "tenants/*"]).success();
    assert!(
        out.stderr
            .contains("tenants/gamma: applied 2 revision(s) (0001 -> 0003)"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("tenants/alpha: nothing to do"),
        "{}",
        out.stderr
    );
    assert_eq!(versions("gamma"), ["0001", "0002", "0003"]);

    // The flags on the configured database: a query for the schemas, or a list.
    let query = "SELECT nspname::text FROM pg_namespace WHERE nspname IN ('alpha', 'beta', 'gamma') ORDER BY 1";
    let out = project
        .on(&db, &["current", "--schemas-query", query])
        .success();
    let rows = table_rows(&out);
    assert_eq!(rows.len(), 3, "{}", out.stdout);
    assert!(rows.iter().all(|r| r.contains("at head")), "{}", out.stdout);
    assert!(rows[0].starts_with("alpha "), "{rows:?}");
    let out = project
        .on(&db, &["up", "--schemas", "alpha,beta"])
        .success();
    assert!(out.stdout.contains("2 target(s): 2 ok"), "{}", out.stdout);
    let out = project
        .on(&db, &["up", "--schemas", "no-such-thing"])
        .fails_with(1);
    assert!(
        out.stderr.contains("not a plain schema name"),
        "{}",
        out.stderr
    );
}

/// `check` and `diff` per target with a table; `test-roundtrip` once, saying so (#18).
#[test]
fn check_and_diff_run_per_target_and_the_round_trip_once() {
    let (a, b) = (TestDb::postgres(), TestDb::postgres());
    let project = project_with_targets(&format!(
        "tenant-a = \"{}\"\ntenant-b = \"{}\"\n",
        a.url(),
        b.url()
    ));
    let manifest = project.read("Cargo.toml").replace(
        "[package.metadata.brainmig.targets]",
        "[package.metadata.brainmig]\nschema = \"schema.sql\"\n\n[package.metadata.brainmig.targets]",
    );
    project.write("Cargo.toml", &manifest);
    project.write(
        "schema.sql",
        "CREATE TABLE t1 (id INTEGER PRIMARY KEY);\nCREATE TABLE t2 (id INTEGER PRIMARY KEY);\n\
         CREATE TABLE t3 (id INTEGER PRIMARY KEY);\n",
    );
    let out = project.brainmig(["check", "--all-targets"]).success();
    assert!(out.stdout.contains("2 target(s): 2 ok"), "{}", out.stdout);
    assert!(
        table_rows(&out).iter().all(|r| r.contains("matches `")),
        "{}",
        out.stdout
    );

    project.brainmig(["up", "--all-targets"]).success();
    b.execute("CREATE TABLE by_hand (id INTEGER);");
    let out = project.brainmig(["diff", "--all-targets"]).fails_with(4);
    let rows = table_rows(&out);
    assert!(
        rows[0].starts_with("tenant-b ") && rows[0].contains("drifted"),
        "the drifted target comes first: {rows:?}"
    );
    assert!(
        rows[1].starts_with("tenant-a ") && rows[1].contains("no drift"),
        "{rows:?}"
    );
    assert_eq!(b.tables().iter().filter(|t| *t == "by_hand").count(), 1);

    let out = project
        .brainmig(["test-roundtrip", "--target", "tenant-a"])
        .success();
    assert!(
        out.stderr
            .contains("test-roundtrip runs once, not per target"),
        "{}",
        out.stderr
    );
    assert!(!out.stdout.contains("target(s):"), "{}", out.stdout);
}

/// `diff` and `check` on schema targets (#18): each compares its own schema alone, so a table
/// added by hand in one tenant (or in `public`, which no tenant owns) is drift of that tenant
/// only.
#[test]
fn diff_on_schema_targets_finds_the_drift_of_one_tenant_and_names_it() {
    let db = TestDb::postgres();
    let project = project_with_targets(&format!(
        "tenants = {{ url = \"{}\", schemas = [\"alpha\", \"beta\", \"gamma\"] }}\n",
        db.url()
    ));
    let manifest = project.read("Cargo.toml").replace(
        "[package.metadata.brainmig.targets]",
        "[package.metadata.brainmig]\nschema = \"schema.sql\"\n\n[package.metadata.brainmig.targets]",
    );
    project.write("Cargo.toml", &manifest);
    project.write(
        "schema.sql",
        "CREATE TABLE t1 (id INTEGER PRIMARY KEY);\nCREATE TABLE t2 (id INTEGER PRIMARY KEY);\n\
         CREATE TABLE t3 (id INTEGER PRIMARY KEY);\n",
    );
    project.brainmig(["up", "--all-targets"]).success();
    let out = project.brainmig(["check", "--all-targets"]).success();
    assert!(out.stdout.contains("3 target(s): 3 ok"), "{}", out.stdout);

    let out = project.brainmig(["diff", "--all-targets"]).success();
    assert!(
        table_rows(&out).iter().all(|r| r.contains("no drift")),
        "{}",
        out.stdout
    );
    db.execute("CREATE TABLE beta.by_hand (id INTEGER); CREATE TABLE public.shared (id INTEGER);");
    let out = project.brainmig(["diff", "--all-targets"]).fails_with(4);
    let rows = table_rows(&out);
    assert!(
        rows[0].starts_with("tenants/beta ") && rows[0].contains("drifted"),
        "the drifted tenant comes first: {rows:?}"
    );
    for row in &rows[1..] {
        assert!(row.contains("no drift"), "{rows:?}");
    }
    assert!(
        out.stderr.contains("1 of 3 target(s) failed") && out.stderr.contains("tenants/beta"),
        "{}",
        out.stderr
    );
    let out = project
        .brainmig(["diff", "--target", "tenants/beta", "--format", "json"])
        .fails_with(4);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["targets"][0]["target"], "tenants/beta");
    assert_eq!(doc["targets"][0]["result"], "failed");
    assert_eq!(db.tables(), ["shared"], "diff changes nothing");
}

/// The schemas query runs only for targets `--target` can select: one filtered out whose
/// server does not answer does not fail the run (#18).
#[test]
fn a_filtered_out_target_with_an_unreachable_server_is_never_asked_for_its_schemas() {
    let project = project_with_targets(
        "device = \"sqlite://device.db\"\n\
         far = { url = \"postgres://postgres@127.0.0.1:1/nowhere\", schemas-query = \"SELECT 'x'\" }\n",
    );
    let out = project.brainmig(["up", "--target", "device"]).success();
    assert!(out.stdout.contains("1 target(s): 1 ok"), "{}", out.stdout);
    let out = project.brainmig(["up", "--target", "dev*"]).success();
    assert!(
        out.stderr.contains("device: nothing to do"),
        "{}",
        out.stderr
    );
    // Selected, its query runs and fails, named.
    let out = project.brainmig(["up", "--target", "far/*"]).fails_with(1);
    assert!(
        out.stderr.contains("far") && out.stderr.contains("schemas query failed"),
        "{}",
        out.stderr
    );
    let out = project.brainmig(["up", "--target", "nope"]).fails_with(2);
    assert!(
        out.stderr.contains("`device`") && out.stderr.contains("`far/*`"),
        "the unlisted database is still named: {}",
        out.stderr
    );
}

/// Unnamed URLs that share a name are numbered by URL, not by where they are listed (#18).
#[test]
fn targets_that_share_a_name_keep_their_number_whatever_the_listing_order() {
    let project = TestProject::linear(1);
    project.write("a/.keep", "");
    project.write("b/.keep", "");
    let names = |listing: &str| {
        project.write("targets.txt", listing);
        let out = project
            .brainmig([
                "up",
                "--migrations-dir",
                "migrations",
                "--targets-file",
                "targets.txt",
                "--format",
                "json",
            ])
            .success();
        let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let mut pairs: Vec<(String, String)> = doc["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let url = t["url"].as_str().unwrap();
                let folder = if url.contains("/a/") { "a" } else { "b" };
                (t["target"].as_str().unwrap().to_owned(), folder.to_owned())
            })
            .collect();
        pairs.sort();
        pairs
    };
    let expected = [
        ("app.db".to_owned(), "a".to_owned()),
        ("app.db#2".to_owned(), "b".to_owned()),
    ];
    assert_eq!(names("sqlite://a/app.db\nsqlite://b/app.db\n"), expected);
    assert_eq!(names("sqlite://b/app.db\nsqlite://a/app.db\n"), expected);
}

/// A fleet of SQLite and MariaDB targets: the folder is read once by each lexicon (#18).
#[test]
fn a_fleet_mixing_mariadb_and_sqlite_reaches_head_on_both() {
    let my = TestDb::mysql();
    let project = TestProject::linear(3);
    project.write(
        "targets.txt",
        &format!("sqlite://device.db\n{}\n", my.url()),
    );
    let args = [
        "up",
        "--migrations-dir",
        "migrations",
        "--targets-file",
        "targets.txt",
    ];
    let out = project.brainmig(args).success();
    assert!(out.stdout.contains("2 target(s): 2 ok"), "{}", out.stdout);
    assert_eq!(my.applied(), ["0001", "0002", "0003"]);
    assert_eq!(
        sqlite_strings(
            &project.root.join("device.db"),
            "SELECT revision FROM brainmig_version ORDER BY 1"
        ),
        ["0001", "0002", "0003"]
    );
    let out = project.brainmig(args).success();
    assert_eq!(
        out.stderr.matches("nothing to do").count(),
        2,
        "{}",
        out.stderr
    );
}

/// A target waiting for the run lock says so on its own line while it waits (#18).
#[test]
fn a_target_waiting_for_the_lock_says_so_under_its_name() {
    use sha2::Digest;
    let db = TestDb::postgres();
    let project = project_with_targets(&format!("tenant-a = \"{}\"\n", db.url()));
    // brainmig's run lock (the first 8 bytes of SHA-256 of `brainmig:<table>`), held by this
    // test's own connection as another deploy would hold it.
    let digest = sha2::Sha256::digest(b"brainmig:brainmig_version");
    let key = i64::from_be_bytes(digest[..8].try_into().unwrap());
    db.execute(&format!("SELECT pg_advisory_lock({key})"));
    let out = project
        .brainmig(["up", "--all-targets", "--lock-timeout", "0.3"])
        .fails_with(1);
    assert!(
        out.stderr
            .contains("tenant-a: note: waiting for another brainmig run to finish"),
        "{}",
        out.stderr
    );
    db.execute(&format!("SELECT pg_advisory_unlock({key})"));
    project.brainmig(["up", "--all-targets"]).success();
    assert_eq!(db.applied(), ["0001", "0002", "0003"]);
}
