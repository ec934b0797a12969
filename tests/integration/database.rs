//! `database create|drop|reset` on PostgreSQL and SQLite: what each does to the server or the
//! file, its refusals (maintenance databases, no terminal without `--yes`, `sqlite::memory:`),
//! and masked URLs. Each PostgreSQL test names its own database (`bm_t_<pid>_db_...`, swept like
//! every test database) and drops it at the end.

use sqlx::{AssertSqlSafe, Connection, PgConnection};

use crate::support::{TestProject, admin_url, sqlite_strings};

/// A database name no other test uses, dropped (if it exists) when the test ends.
struct OwnName {
    name: String,
}

impl OwnName {
    fn new() -> OwnName {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        OwnName {
            name: format!("bm_t_{}_db{n}_{:x}", std::process::id(), nanos % 0xffff),
        }
    }

    /// Its URL, with a password (the test server trusts, so any password works) to prove it is
    /// masked.
    fn url(&self) -> String {
        let mut url = url::Url::parse(&admin_url()).unwrap();
        url.set_path(&self.name);
        url.set_password(Some("s3cretpw")).unwrap();
        url.to_string()
    }

    fn exists(&self) -> bool {
        admin(|rt, conn| {
            rt.block_on(
                sqlx::query_scalar::<_, i32>("SELECT 1 FROM pg_database WHERE datname = $1")
                    .bind(&self.name)
                    .fetch_optional(conn),
            )
            .unwrap()
            .is_some()
        })
    }
}

impl Drop for OwnName {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        admin(|rt, conn| {
            let _ = rt.block_on(sqlx::raw_sql(AssertSqlSafe(sql)).execute(conn));
        });
    }
}

fn admin<T>(f: impl FnOnce(&tokio::runtime::Runtime, &mut PgConnection) -> T) -> T {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut conn = rt.block_on(PgConnection::connect(&admin_url())).unwrap();
    let out = f(&rt, &mut conn);
    let _ = rt.block_on(conn.close());
    out
}

fn on(project: &TestProject, url: &str, args: &[&str]) -> crate::support::Run {
    let mut all = vec!["database"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--migrations-dir", "migrations", "--database-url", url]);
    project.brainmig(all)
}

#[test]
fn postgres_create_twice_then_drop_asks_then_drops_once() {
    let project = TestProject::linear(1);
    let db = OwnName::new();
    let created = on(&project, &db.url(), &["create"]).success();
    assert!(created.stderr.contains("Created"), "{}", created.stderr);
    assert!(db.exists());
    let again = on(&project, &db.url(), &["create"]).success();
    assert!(again.stderr.contains("exists already"), "{}", again.stderr);

    // stdin is not a terminal here: no `--yes`, no drop.
    let refused = on(&project, &db.url(), &["drop"]).fails_with(2);
    assert!(refused.stderr.contains("standard input is not a terminal"));
    assert!(refused.stderr.contains("--yes"));
    assert!(db.exists());

    let dropped = on(&project, &db.url(), &["drop", "--yes"]).success();
    assert!(dropped.stderr.contains("Dropped"), "{}", dropped.stderr);
    assert!(!db.exists());
    let absent = on(&project, &db.url(), &["drop", "-y"]).success();
    assert!(
        absent.stderr.contains("does not exist"),
        "{}",
        absent.stderr
    );
    for out in [created, again, refused, dropped, absent] {
        let all = format!("{}{}", out.stdout, out.stderr);
        assert!(!all.contains("s3cretpw"), "{all}");
        assert!(all.contains("****"), "{all}");
    }
}

#[test]
fn postgres_reset_rebuilds_the_database_at_head() {
    let project = TestProject::linear(2);
    let db = OwnName::new();
    on(&project, &db.url(), &["create"]).success();
    let url = db.url();
    let mut up = project.brainmig(["up", "0001", "--migrations-dir", "migrations"]);
    up.cmd.args(["--database-url", &url]);
    up.success();
    admin(|rt, _| {
        let mut conn = rt.block_on(PgConnection::connect(&url)).unwrap();
        rt.block_on(sqlx::raw_sql("INSERT INTO t1 VALUES (7)").execute(&mut conn))
            .unwrap();
        let _ = rt.block_on(conn.close());
    });

    let reset = on(&project, &url, &["reset", "--yes"]).success();
    assert!(reset.stderr.contains("Dropped"), "{}", reset.stderr);
    assert!(reset.stderr.contains("Created"), "{}", reset.stderr);
    let (rows, applied) = admin(|rt, _| {
        let mut conn = rt.block_on(PgConnection::connect(&url)).unwrap();
        let rows: i64 = rt
            .block_on(sqlx::query_scalar("SELECT count(*) FROM t1").fetch_one(&mut conn))
            .unwrap();
        let applied: Vec<String> = rt
            .block_on(
                sqlx::query_scalar("SELECT revision FROM brainmig_version ORDER BY 1")
                    .fetch_all(&mut conn),
            )
            .unwrap();
        let _ = rt.block_on(conn.close());
        (rows, applied)
    });
    assert_eq!(rows, 0, "the old rows are gone");
    assert_eq!(applied, ["0001", "0002"]);
}

#[test]
fn postgres_drop_of_a_database_in_use_needs_force() {
    let project = TestProject::linear(1);
    let db = OwnName::new();
    on(&project, &db.url(), &["create"]).success();
    let url = db.url();
    admin(|rt, _| {
        let session = rt.block_on(PgConnection::connect(&url)).unwrap();
        let busy = on(&project, &url, &["drop", "--yes"]).fails_with(1);
        assert!(
            busy.stderr.contains("dropping the database"),
            "{}",
            busy.stderr
        );
        assert!(db.exists());
        on(&project, &url, &["drop", "--yes", "--force"]).success();
        drop(session);
    });
    assert!(!db.exists());
}

#[test]
fn maintenance_databases_are_refused_before_anything_is_asked() {
    let project = TestProject::linear(1);
    for name in ["postgres", "template0", "template1"] {
        let mut url = url::Url::parse(&admin_url()).unwrap();
        url.set_path(name);
        url.set_password(Some("s3cretpw")).unwrap();
        // No `--yes`: were the refusal missing, the run would stop at the missing terminal.
        for action in ["drop", "reset"] {
            let out = on(&project, url.as_str(), &[action]).fails_with(2);
            assert!(
                out.stderr.contains("server's own databases"),
                "{action} {name}: {}",
                out.stderr
            );
            assert!(out.stderr.contains(&format!("`{name}`")), "{}", out.stderr);
            assert!(!out.stderr.contains("s3cretpw"), "{}", out.stderr);
        }
    }
}

#[test]
fn sqlite_create_drop_and_reset_act_on_the_file() {
    let project = TestProject::linear(2);
    let url = project.sqlite_url("data/app.db");
    let file = project.path("data/app.db");
    let created = on(&project, &url, &["create", "--format", "json"]).success();
    let doc: serde_json::Value = serde_json::from_str(&created.stdout).unwrap();
    assert_eq!(doc["outcome"], "created", "{doc}");
    assert!(file.exists(), "the file and its folder are created");
    on(&project, &url, &["create"]).success();

    let url_flag = format!("--database-url={url}");
    project
        .brainmig(["up", "--migrations-dir", "migrations", &url_flag])
        .success();
    sqlite_strings(&file, "INSERT INTO t1 VALUES (1);");
    let reset = on(&project, &url, &["reset", "--yes", "--format", "json"]).success();
    let doc: serde_json::Value = serde_json::from_str(&reset.stdout)
        .unwrap_or_else(|e| panic!("one JSON document ({e}):\n{}", reset.stdout));
    assert!(doc.is_object(), "{doc}");
    assert!(reset.stderr.contains("Dropped") && reset.stderr.contains("Created"));
    assert_eq!(sqlite_strings(&file, "SELECT count(*) FROM t1"), ["0"]);
    assert_eq!(
        sqlite_strings(&file, "SELECT revision FROM brainmig_version ORDER BY 1"),
        ["0001", "0002"]
    );

    on(&project, &url, &["drop"]).fails_with(2);
    assert!(file.exists());
    on(&project, &url, &["drop", "--yes"]).success();
    assert!(!file.exists());
    let memory = on(&project, "sqlite::memory:", &["create"]).fails_with(2);
    assert!(
        memory.stderr.contains("sqlite::memory:"),
        "{}",
        memory.stderr
    );
}

#[test]
fn reset_reads_the_migrations_before_dropping_anything() {
    let project = TestProject::empty();
    let url = project.sqlite_url("app.db");
    on(&project, &url, &["create"]).success();
    // No migrations folder: reset would leave an empty database; it must stop first.
    on(&project, &url, &["reset", "--yes"]).fails_with(2);
    assert!(project.path("app.db").exists());
}

/// On a terminal (a pseudo-terminal from util-linux `script`), `drop` asks: `n` leaves the file,
/// `y` drops it.
#[test]
fn drop_asks_on_a_terminal() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("SKIPPED: util-linux `script` is not installed; no terminal to ask on");
        return;
    }
    let project = TestProject::linear(1);
    let url = project.sqlite_url("app.db");
    on(&project, &url, &["create"]).success();
    let answer = |text: &str| {
        let command = format!(
            "{} database drop --color never --migrations-dir migrations --database-url {url}",
            env!("CARGO_BIN_EXE_cargo-brainmig")
        );
        let mut child = std::process::Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .current_dir(&project.root)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{text}\n").as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, said) = answer("n");
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains("[y/N]") && said.contains("left as it is"),
        "{said}"
    );
    assert!(project.path("app.db").exists());
    let (code, said) = answer("y");
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("Dropped"), "{said}");
    assert!(!project.path("app.db").exists());
}
