//! Replay of a history through autogenerate (issue #11): for each consecutive pair of revisions
//! (i, i+1), the schema after i+1 (dumped with `pg_dump --schema-only`, as teams keep their
//! `structure.sql`) becomes the schema file of a project holding revisions 1..=i only.
//! `new --autogenerate` must then write a revision after which `check` passes, and which
//! round-trips (`test-roundtrip --from` it). A pair whose second revision changes no schema must
//! write nothing and pass `check`.
//!
//! `autogen_replays_every_pair_of_a_realistic_history` runs it on `fixtures/autogen/replay-history`
//! (enums rebuilt and extended, functions, triggers, views, a materialized view, partial
//! indexes, `NOT VALID`, renames, a domain). The ignored test runs it on any linear history in
//! brainmig's format, e.g. a public one converted to it:
//!
//! ```sh
//! BRAINMIG_REPLAY_DIR=/path/to/migrations cargo nextest run --run-ignored only -E 'test(/replay_of_the_history_in/)'
//! ```

use std::path::Path;
use std::process::Command;

use crate::support::{TestDb, TestProject, fixture_dir};

/// One pair's verdict: the file of revision i+1, and what failed (if anything).
struct PairResult {
    second: String,
    failure: Option<String>,
}

/// Replays every consecutive pair of the linear history in `dir` (files in name order).
fn replay(dir: &Path) -> Vec<PairResult> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".sql"))
        .collect();
    files.sort();
    let db = TestDb::postgres();
    let dumps = dumps_after_each(dir, &files, &db);
    // Two pairs at a time: each waits mostly on PostgreSQL and the binary.
    let (files, dumps, db) = (&files, &dumps, &db);
    let mut results: Vec<(usize, PairResult)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|worker| {
                scope.spawn(move || {
                    (1..dumps.len())
                        .filter(|i| i % 2 == worker)
                        .map(|i| {
                            let failure = replay_pair(dir, &files[..i], &dumps[i], db).err();
                            let second = files[i].clone();
                            (i, PairResult { second, failure })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// `pg_dump --schema-only` of `db` after each revision in turn.
fn dumps_after_each(dir: &Path, files: &[String], db: &TestDb) -> Vec<String> {
    let project = TestProject::empty();
    copy_files(dir, files, &project);
    files
        .iter()
        .map(|file| {
            let id = file.split('_').next().unwrap();
            project.on(db, &["up", id]).success();
            pg_dump(db)
        })
        .collect()
}

fn pg_dump(db: &TestDb) -> String {
    let out = Command::new("pg_dump")
        .args(["--schema-only", "--exclude-table=brainmig_version"])
        .arg(db.url())
        .output()
        .unwrap_or_else(|e| panic!("the replay test needs `pg_dump` on PATH: {e}"));
    assert!(
        out.status.success(),
        "pg_dump failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn copy_files(dir: &Path, files: &[String], project: &TestProject) {
    for f in files {
        project.write(
            &format!("migrations/{f}"),
            &std::fs::read_to_string(dir.join(f)).unwrap(),
        );
    }
}

/// Autogenerates from `head_files` to `schema`, then checks and round-trips the revision.
fn replay_pair(dir: &Path, head_files: &[String], schema: &str, db: &TestDb) -> Result<(), String> {
    let project = TestProject::empty();
    project.write(
        "Cargo.toml",
        "[package]\nname = \"replay\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
         [workspace]\n\n[package.metadata.brainmig]\nmigrations = \"migrations\"\nschema = \"schema.sql\"\n",
    );
    project.write("src/lib.rs", "");
    // Only scratch databases are built; the configured one is never touched.
    project.write(".env", &format!("DATABASE_URL={}\n", db.url()));
    project.write("schema.sql", schema);
    copy_files(dir, head_files, &project);
    let step = |args: &[&str]| {
        let out = project.brainmig(args).run();
        if out.code == 0 {
            Ok(out)
        } else {
            Err(format!(
                "`{}` exited {}:\n{}{}",
                args.join(" "),
                out.code,
                out.stdout,
                out.stderr
            ))
        }
    };
    let generated = step(&["new", "--autogenerate", "-m", "replay"])?;
    step(&["check"])?;
    let path = generated.stdout.trim();
    if path.is_empty() {
        return Ok(()); // no schema change: nothing written, and `check` agreed
    }
    let file = Path::new(path).file_name().unwrap().to_string_lossy();
    let id = file.split('_').next().unwrap().to_owned();
    step(&["test-roundtrip", "--from", &id])
        .map(drop)
        .map_err(|e| format!("{e}\n{}", project.read(path)))
}

/// Panics listing every failing pair, with the count.
fn assert_all_pass(dir: &Path, results: &[PairResult]) {
    let failures: Vec<String> = results
        .iter()
        .filter_map(|r| {
            r.failure
                .as_ref()
                .map(|f| format!("--- pair ending at {}:\n{f}", r.second))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{}: {} of {} pairs pass\n{}",
        dir.display(),
        results.len() - failures.len(),
        results.len(),
        failures.join("\n")
    );
}

#[test]
fn autogen_replays_every_pair_of_a_realistic_history() {
    let dir = fixture_dir("autogen/replay-history/migrations");
    let results = replay(&dir);
    assert!(results.len() >= 15, "{}", results.len());
    assert_all_pass(&dir, &results);
}

#[test]
#[ignore = "needs BRAINMIG_REPLAY_DIR: a linear history in brainmig's format"]
fn replay_of_the_history_in_brainmig_replay_dir() {
    let dir = std::env::var_os("BRAINMIG_REPLAY_DIR").expect("set BRAINMIG_REPLAY_DIR");
    let dir = Path::new(&dir);
    let results = replay(dir);
    assert_all_pass(dir, &results);
}
