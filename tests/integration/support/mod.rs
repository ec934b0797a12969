//! Test support: a PostgreSQL database per test, throw-away project folders, and a builder that
//! runs the real `cargo-brainmig` binary.
//!
//! Databases are named `bm_t_<pid>_<n>_<hash>`; they are dropped when the test passes and kept
//! (with their name printed) when it fails. Leftovers of dead processes are swept on start-up.

#![allow(dead_code, clippy::unwrap_used, clippy::print_stderr)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once};

use sqlx::{AssertSqlSafe, Connection, PgConnection, Row};

pub mod mysql;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The admin URL of the test server.
pub fn admin_url() -> String {
    std::env::var("BRAINMIG_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

pub(crate) fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{prefix}{}_{n}_{:x}", std::process::id(), nanos % 0xffff)
}

fn admin_connect(rt: &tokio::runtime::Runtime) -> PgConnection {
    rt.block_on(PgConnection::connect(&admin_url())).unwrap_or_else(|e| {
        panic!(
            "cannot reach the test PostgreSQL at {} ({e}).\nStart one (e.g. `pg_ctlcluster 15 main start`) or set \
             BRAINMIG_TEST_DATABASE_URL to an admin URL.",
            brainmig::config::redact(&admin_url())
        )
    })
}

/// Drops `bm_t_<pid>_...` databases whose process is gone (a crashed or killed earlier run).
fn sweep_leftovers(rt: &tokio::runtime::Runtime, conn: &mut PgConnection) {
    let names: Vec<String> = rt
        .block_on(
            sqlx::query_scalar(
                "SELECT datname::text FROM pg_database WHERE datname LIKE 'bm\\_t\\_%'",
            )
            .fetch_all(&mut *conn),
        )
        .unwrap_or_default();
    for name in names {
        let pid: Option<u32> = name
            .strip_prefix("bm_t_")
            .and_then(|r| r.split('_').next())
            .and_then(|p| p.parse().ok());
        if pid.is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists()) {
            let _ = rt.block_on(
                sqlx::raw_sql(AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                )))
                .execute(&mut *conn),
            );
        }
    }
}

/// A PostgreSQL database that exists for one test.
pub struct TestDb {
    pub name: String,
    rt: tokio::runtime::Runtime,
    conn: Mutex<Option<PgConnection>>,
}

impl TestDb {
    pub fn postgres() -> TestDb {
        static SWEEP: Once = Once::new();
        let rt = runtime();
        let mut admin = admin_connect(&rt);
        SWEEP.call_once(|| sweep_leftovers(&rt, &mut admin));
        let name = unique("bm_t_");
        rt.block_on(
            sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE \"{name}\""))).execute(&mut admin),
        )
        .unwrap();
        let _ = rt.block_on(admin.close());
        TestDb {
            name,
            rt,
            conn: Mutex::new(None),
        }
    }

    /// The URL of this database.
    pub fn url(&self) -> String {
        let mut url = url::Url::parse(&admin_url()).unwrap();
        url.set_path(&self.name);
        url.to_string()
    }

    fn with_conn<T>(&self, f: impl FnOnce(&tokio::runtime::Runtime, &mut PgConnection) -> T) -> T {
        let mut guard = self.conn.lock().unwrap();
        if guard.is_none() {
            *guard = Some(
                self.rt
                    .block_on(PgConnection::connect(&self.url()))
                    .unwrap(),
            );
        }
        f(&self.rt, guard.as_mut().unwrap())
    }

    /// Runs SQL (several statements allowed).
    pub fn execute(&self, sql: &str) {
        self.with_conn(|rt, c| {
            rt.block_on(sqlx::raw_sql(AssertSqlSafe(sql.to_owned())).execute(c))
        })
        .unwrap();
    }

    /// The first column of every row, as text.
    pub fn strings(&self, sql: &str) -> Vec<String> {
        self.with_conn(|rt, c| {
            let rows = rt
                .block_on(sqlx::query(AssertSqlSafe(sql.to_owned())).fetch_all(c))
                .unwrap();
            rows.iter()
                .map(|r| {
                    r.try_get::<Option<String>, _>(0)
                        .unwrap()
                        .unwrap_or_default()
                })
                .collect()
        })
    }

    /// The URL of this database with `password` written verbatim as the password of the user-info
    /// (the test server uses trust authentication, so any password is accepted).
    pub fn url_with_password(&self, password: &str) -> String {
        let mut url = url::Url::parse(&self.url()).unwrap();
        url.set_password(Some("PASSWORD_PLACEHOLDER")).unwrap();
        url.to_string()
            .replacen("PASSWORD_PLACEHOLDER", password, 1)
    }

    /// Tables in `public`, sorted.
    pub fn tables(&self) -> Vec<String> {
        self.strings("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
    }

    /// Revisions in the version table, sorted.
    pub fn applied(&self) -> Vec<String> {
        self.strings("SELECT revision FROM brainmig_version ORDER BY revision")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.lock().unwrap().take() {
            let _ = self.rt.block_on(conn.close());
        }
        if std::thread::panicking() {
            eprintln!("kept test database `{}` for inspection", self.name);
            return;
        }
        let mut admin = admin_connect(&self.rt);
        let _ = self.rt.block_on(
            sqlx::raw_sql(AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            )))
            .execute(&mut admin),
        );
    }
}

/// A folder for one test's project, outside any cargo workspace.
pub struct TestProject {
    pub root: PathBuf,
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" || name == "data" || name == ".env" {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(&name));
        } else {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}

pub fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

impl TestProject {
    /// An empty folder.
    pub fn empty() -> TestProject {
        let root = std::env::temp_dir()
            .join("brainmig-tests")
            .join(unique("p"));
        std::fs::create_dir_all(&root).unwrap();
        TestProject { root }
    }

    /// A copy of `fixtures/<name>`.
    pub fn from_fixture(name: &str) -> TestProject {
        let project = TestProject::empty();
        copy_dir(&fixture_dir(name), &project.root);
        // An app fixture depends on brainmig by a relative path, which the copy would break
        // (`cargo metadata` loads path dependencies): point it at this repository.
        let manifest = project.root.join("Cargo.toml");
        if let Ok(text) = std::fs::read_to_string(&manifest)
            && text.contains("path = \"../..\"")
        {
            let repo = format!("path = {:?}", env!("CARGO_MANIFEST_DIR"));
            std::fs::write(&manifest, text.replace("path = \"../..\"", &repo)).unwrap();
        }
        project
    }

    /// A folder with `migrations/` holding copies of `fixtures/<name>/*.sql`, used with `--migrations-dir`.
    pub fn with_migrations(name: &str) -> TestProject {
        let project = TestProject::empty();
        copy_dir(&fixture_dir(name), &project.root.join("migrations"));
        project
    }

    /// The project's own `BRAINMIG_CACHE_DIR`, beside it so that it never shows in the project.
    pub fn cache_dir(&self) -> PathBuf {
        self.root.with_extension("cache")
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) {
        let path = self.root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).unwrap()
    }

    /// A SQLite URL for a file in this project.
    pub fn sqlite_url(&self, file: &str) -> String {
        format!("sqlite://{}", self.root.join(file).display())
    }

    /// Runs `cargo-brainmig` here.
    pub fn brainmig<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-brainmig"));
        cmd.args(args)
            .args(["--color", "never"])
            .current_dir(&self.root)
            .env("NO_COLOR", "1")
            .env_remove("DATABASE_URL")
            .env_remove("CARGO_TARGET_DIR")
            .env("BRAINMIG_CACHE_DIR", self.cache_dir())
            .stdin(Stdio::null());
        Run { cmd }
    }

    /// Runs `cargo-brainmig` against a PostgreSQL test database with `--migrations-dir migrations`.
    pub fn on(&self, db: &TestDb, args: &[&str]) -> Run {
        let mut run = self.brainmig(args);
        run.cmd.args([
            "--migrations-dir",
            "migrations",
            "--database-url",
            &db.url(),
        ]);
        run
    }

    /// The same against a SQLite file of this project.
    pub fn on_sqlite(&self, args: &[&str]) -> Run {
        let mut run = self.brainmig(args);
        run.cmd.args([
            "--migrations-dir",
            "migrations",
            "--database-url",
            &self.sqlite_url("app.db"),
        ]);
        run
    }
}

impl Drop for TestProject {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.root);
            let _ = std::fs::remove_dir_all(self.cache_dir());
        }
    }
}

/// A command about to run.
pub struct Run {
    pub cmd: Command,
}

/// What a run printed and returned.
#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn env(mut self, key: &str, value: &str) -> Run {
        self.cmd.env(key, value);
        self
    }

    /// Runs in `dir` instead of the project root.
    pub fn in_dir(mut self, dir: &Path) -> Run {
        self.cmd.current_dir(dir);
        self
    }

    pub fn run(mut self) -> Outcome {
        let Output {
            status,
            stdout,
            stderr,
        } = self.cmd.output().unwrap();
        Outcome {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        }
    }

    /// Runs and asserts exit code 0.
    pub fn success(self) -> Outcome {
        let out = self.run();
        assert_eq!(
            out.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            out.stdout, out.stderr
        );
        out
    }

    /// Runs and asserts the exit code.
    pub fn fails_with(self, code: i32) -> Outcome {
        let out = self.run();
        assert_eq!(
            out.code, code,
            "expected exit {code}\nstdout:\n{}\nstderr:\n{}",
            out.stdout, out.stderr
        );
        out
    }
}

/// Reads a SQLite file's first column of every row as text.
pub fn sqlite_strings(path: &Path, sql: &str) -> Vec<String> {
    let out = Command::new("sqlite3").arg(path).arg(sql).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The text of a revision file.
pub fn rev(id: &str, parents: &[&str], up: &str, down: Option<&str>) -> String {
    let mut text = format!(
        "-- revision: {id}\n-- revises: {}\n-- message: revision {id}\n\n-- migrate:up\n{up}\n",
        parents.join(", ")
    );
    if let Some(down) = down {
        text.push_str(&format!("\n-- migrate:down\n{down}\n"));
    }
    text
}

impl TestProject {
    /// Writes `migrations/<id>_r.sql`.
    pub fn revision(&self, id: &str, parents: &[&str], up: &str, down: Option<&str>) -> &Self {
        self.write(
            &format!("migrations/{id}_r.sql"),
            &rev(id, parents, up, down),
        );
        self
    }

    /// A linear chain `0001..=000n`, each creating table `t<i>` and dropping it on the way down.
    pub fn linear(n: usize) -> TestProject {
        let project = TestProject::empty();
        for i in 1..=n {
            let id = format!("{i:04}");
            let parent = format!("{:04}", i - 1);
            let parents: Vec<&str> = if i == 1 {
                vec![]
            } else {
                vec![parent.as_str()]
            };
            project.revision(
                &id,
                &parents,
                &format!("CREATE TABLE t{i} (id INTEGER PRIMARY KEY);"),
                Some(&format!("DROP TABLE t{i};")),
            );
        }
        project
    }
}

/// Runs `script` through psql on `db`, stopping at the first error, as a user's deploy would.
pub fn psql(db: &TestDb, script: &str) {
    let mut child = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            &db.url(),
            "-f",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("psql is installed");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "psql failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The schema of `db` as `pg_dump --schema-only` prints it, without owners, privileges, comments,
/// pg_dump's `\restrict` lines and the tables in `exclude`: two databases built two ways compare
/// equal when their schemas do.
pub fn pg_dump_schema(db: &TestDb, exclude: &[&str]) -> String {
    let mut args = vec!["--schema-only", "--no-owner", "--no-privileges"];
    for table in exclude {
        args.extend(["--exclude-table", table]);
    }
    let url = db.url();
    args.extend(["-d", &url]);
    let out = Command::new("pg_dump")
        .args(&args)
        .output()
        .expect("pg_dump is installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| {
            !l.starts_with("--") && !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict")
        })
        .collect::<Vec<_>>()
        .join("\n")
}
