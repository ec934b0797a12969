//! A MySQL/MariaDB database per test: `brainmig_test_<pid>_<n>_<hash>` on the server of
//! `BRAINMIG_TEST_MYSQL_URL` (default `mysql://root@127.0.0.1:3306`), dropped when the test
//! passes and kept (its name printed) when it fails. Leftovers of dead processes are swept.

use std::path::Path;
use std::sync::{Mutex, Once};

use sqlx::{AssertSqlSafe, Connection, MySqlConnection, Row};

use super::{Run, TestDb, TestProject, runtime, unique};

/// The admin URL of the MySQL test server (no database in its path).
pub fn mysql_admin_url() -> String {
    std::env::var("BRAINMIG_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".to_owned())
}

fn admin_connect(rt: &tokio::runtime::Runtime) -> MySqlConnection {
    rt.block_on(MySqlConnection::connect(&mysql_admin_url()))
        .unwrap_or_else(|e| {
            panic!(
                "cannot reach the test MariaDB at {} ({e}).\nStart one (`.ci/run` does) or set \
                 BRAINMIG_TEST_MYSQL_URL to an admin URL.",
                brainmig::config::redact(&mysql_admin_url())
            )
        })
}

/// Drops `brainmig_test_<pid>_...` databases whose process is gone (a crashed or killed run).
fn sweep_leftovers(rt: &tokio::runtime::Runtime, conn: &mut MySqlConnection) {
    let names: Vec<String> = rt
        .block_on(
            sqlx::query_scalar(
                "SELECT CAST(SCHEMA_NAME AS CHAR) FROM information_schema.SCHEMATA \
                 WHERE SCHEMA_NAME LIKE 'brainmig\\_test\\_%'",
            )
            .fetch_all(&mut *conn),
        )
        .unwrap_or_default();
    for name in names {
        let pid: Option<u32> = name
            .strip_prefix("brainmig_test_")
            .and_then(|r| r.split('_').next())
            .and_then(|p| p.parse().ok());
        if pid.is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists()) {
            let _ = rt.block_on(
                sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE IF EXISTS `{name}`")))
                    .execute(&mut *conn),
            );
        }
    }
}

/// A MySQL database that exists for one test.
pub struct MysqlTestDb {
    pub name: String,
    rt: tokio::runtime::Runtime,
    conn: Mutex<Option<MySqlConnection>>,
}

impl TestDb {
    /// A database of its own on the MariaDB test server.
    pub fn mysql() -> MysqlTestDb {
        static SWEEP: Once = Once::new();
        let rt = runtime();
        let mut admin = admin_connect(&rt);
        SWEEP.call_once(|| sweep_leftovers(&rt, &mut admin));
        let name = unique("brainmig_test_");
        rt.block_on(
            sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE `{name}`"))).execute(&mut admin),
        )
        .unwrap();
        let _ = rt.block_on(admin.close());
        MysqlTestDb {
            name,
            rt,
            conn: Mutex::new(None),
        }
    }
}

impl MysqlTestDb {
    /// The URL of this database.
    pub fn url(&self) -> String {
        let mut url = url::Url::parse(&mysql_admin_url()).unwrap();
        url.set_path(&self.name);
        url.to_string()
    }

    fn with_conn<T>(
        &self,
        f: impl FnOnce(&tokio::runtime::Runtime, &mut MySqlConnection) -> T,
    ) -> T {
        let mut guard = self.conn.lock().unwrap();
        if guard.is_none() {
            *guard = Some(
                self.rt
                    .block_on(MySqlConnection::connect(&self.url()))
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

    /// The first column of every row, as text (cast it in the SQL).
    pub fn strings(&self, sql: &str) -> Vec<String> {
        self.with_conn(|rt, c| {
            let rows = rt
                .block_on(sqlx::raw_sql(AssertSqlSafe(sql.to_owned())).fetch_all(c))
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

    /// Tables of this database (the version table included), sorted.
    pub fn tables(&self) -> Vec<String> {
        self.strings(
            "SELECT CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1",
        )
    }

    /// Revisions in the version table with their `incomplete` note, sorted: `0001` or `0003 up 1/3`.
    pub fn applied(&self) -> Vec<String> {
        self.strings(
            "SELECT CAST(CONCAT_WS(' ', revision, incomplete) AS CHAR) FROM brainmig_version ORDER BY revision",
        )
    }
}

impl Drop for MysqlTestDb {
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
                "DROP DATABASE IF EXISTS `{}`",
                self.name
            )))
            .execute(&mut admin),
        );
    }
}

impl TestProject {
    /// Runs `cargo-brainmig` against a MySQL test database with `--migrations-dir migrations`.
    pub fn on_mysql(&self, db: &MysqlTestDb, args: &[&str]) -> Run {
        let mut run = self.brainmig(args);
        run.cmd.args([
            "--migrations-dir",
            "migrations",
            "--database-url",
            &db.url(),
        ]);
        run
    }
}
