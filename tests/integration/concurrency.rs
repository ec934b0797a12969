//! Tests for concurrent runs: two deploys at once apply each revision exactly once.

use std::process::{Command, Stdio};

use crate::support::{TestDb, TestProject};

/// A chain of `n` revisions, each creating a table and logging its id once.
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

fn spawn_all(project: &TestProject, url: &str, runs: usize) -> Vec<(i32, String)> {
    let children: Vec<_> = (0..runs)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_cargo-brainmig"))
                .args([
                    "up",
                    "--color",
                    "never",
                    "-q",
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
        })
        .collect();
    children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            (
                out.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        })
        .collect()
}

#[test]
fn eight_concurrent_ups_on_postgres_apply_each_revision_once() {
    let db = TestDb::postgres();
    let project = logged_chain(60);
    for (code, stderr) in spawn_all(&project, &db.url(), 8) {
        assert_eq!(code, 0, "{stderr}");
    }
    assert_eq!(db.applied().len(), 61);
    let counts =
        db.strings("SELECT count(*)::text || '/' || count(DISTINCT revision)::text FROM run_log");
    assert_eq!(counts, ["60/60"]);
}

#[test]
fn four_concurrent_ups_on_sqlite_apply_each_revision_once() {
    let project = logged_chain(30);
    let url = project.sqlite_url("app.db");
    for (code, stderr) in spawn_all(&project, &url, 4) {
        assert_eq!(code, 0, "{stderr}");
    }
    let counts = crate::support::sqlite_strings(
        &project.path("app.db"),
        "SELECT count(*) || '/' || count(DISTINCT revision) FROM run_log",
    );
    assert_eq!(counts, ["30/30"]);
}
