//! Tests for `cargo brainmig import` (issue #13): the fixtures in `fixtures/import/<tool>/` are
//! written in each tool's own layout; imported, `up` must build what a psql replay of the tool's
//! SQL builds, and a take-over must leave `up` only what the tool had not applied.

use sha2::{Digest, Sha384};

use crate::support::{TestDb, TestProject, pg_dump_schema, psql};

/// One tool's fixture: where its files are and what it applies, in order.
struct Case {
    tool: &'static str,
    /// The fixture folder under `fixtures/`.
    fixture: &'static str,
    /// The up SQL files, relative to the project, in the tool's order.
    up_files: &'static [&'static str],
    /// The revision ids the import must produce, in order.
    ids: &'static [&'static str],
}

const DIESEL: Case = Case {
    tool: "diesel",
    fixture: "import/diesel",
    up_files: &[
        "migrations/00000000000000_shared_functions/up.sql",
        "migrations/2024-01-10-090000_create_authors/up.sql",
        "migrations/2024-01-12-101500_create_books/up.sql",
        "migrations/2024-02-01-080000_index_books_title/up.sql",
        "migrations/2024-02-03-120000_add_loans/up.sql",
    ],
    ids: &[
        "00000000000000",
        "20240110090000",
        "20240112101500",
        "20240201080000",
        "20240203120000",
    ],
};

const SQLX: Case = Case {
    tool: "sqlx",
    fixture: "import/sqlx",
    up_files: &[
        "migrations/20240110090000_create_authors.sql",
        "migrations/20240112101500_create_books.up.sql",
        "migrations/20240201080000_index_books_title.up.sql",
        "migrations/20240203120000_add_loans.sql",
    ],
    ids: &[
        "20240110090000",
        "20240112101500",
        "20240201080000",
        "20240203120000",
    ],
};

const DBMATE: Case = Case {
    tool: "dbmate",
    fixture: "import/dbmate",
    up_files: &[
        "db/migrations/20240110090000_create_authors.sql",
        "db/migrations/20240112101500_create_books.sql",
        "db/migrations/20240201080000_index_books_title.sql",
        "db/migrations/20240203120000_add_loans.sql",
    ],
    ids: &[
        "20240110090000",
        "20240112101500",
        "20240201080000",
        "20240203120000",
    ],
};

const REFINERY: Case = Case {
    tool: "refinery",
    fixture: "import/refinery",
    up_files: &[
        "migrations/V1__create_authors.sql",
        "migrations/V2__create_books.sql",
        "migrations/2024/V3__index_books_title.sql",
        "migrations/2024/V4__add_loans.sql",
    ],
    ids: &["1", "2", "3", "4"],
};

/// The schema as pg_dump prints it, without the version tables of brainmig and the tools.
pub(crate) fn schema(db: &TestDb) -> String {
    let tool_tables = [
        "brainmig_version",
        "__diesel_schema_migrations",
        "_sqlx_migrations",
        "schema_migrations",
        "refinery_schema_history",
        "alembic_version",
    ];
    pg_dump_schema(db, &tool_tables)
}

/// The up SQL the tool runs for one file (dbmate: only the up section).
fn tool_up_sql(project: &TestProject, case: &Case, file: &str) -> String {
    let text = project.read(file);
    if case.tool == "dbmate" {
        return text.split("-- migrate:down").next().unwrap().to_owned();
    }
    text
}

/// Runs the tool's first `n` up files with psql, one at a time, as the tool would.
fn replay(db: &TestDb, project: &TestProject, case: &Case, n: usize) {
    for file in &case.up_files[..n] {
        psql(db, &tool_up_sql(project, case, file));
    }
}

/// Creates the tool's version table and records its first `n` migrations as the tool does.
fn record_as_tool(db: &TestDb, project: &TestProject, case: &Case, n: usize) {
    let ids = &case.ids[..n];
    let sql = match case.tool {
        "diesel" => format!(
            "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, \
             run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);\n{}",
            ids.iter()
                .map(|v| format!("INSERT INTO __diesel_schema_migrations (version) VALUES ('{v}');\n"))
                .collect::<String>()
        ),
        "sqlx" => format!(
            "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, \
             installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL, \
             checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL);\n{}",
            ids.iter()
                .zip(case.up_files)
                .map(|(v, file)| {
                    let sum: String = Sha384::digest(std::fs::read(project.path(file)).unwrap())
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect();
                    format!(
                        "INSERT INTO _sqlx_migrations VALUES ({v}, 'm', now(), true, '\\x{sum}', 1);\n"
                    )
                })
                .collect::<String>()
        ),
        "dbmate" => format!(
            "CREATE TABLE schema_migrations (version VARCHAR(128) PRIMARY KEY);\n{}",
            ids.iter()
                .map(|v| format!("INSERT INTO schema_migrations (version) VALUES ('{v}');\n"))
                .collect::<String>()
        ),
        "refinery" => format!(
            "CREATE TABLE refinery_schema_history (version INT4 PRIMARY KEY, name VARCHAR(255), \
             applied_on VARCHAR(255), checksum VARCHAR(255));\n{}",
            ids.iter()
                .map(|v| format!("INSERT INTO refinery_schema_history VALUES ({v}, 'm', 'now', '1');\n"))
                .collect::<String>()
        ),
        other => unreachable!("{other}"),
    };
    db.execute(&sql);
}

fn old_rows(db: &TestDb, case: &Case) -> Vec<String> {
    let table = match case.tool {
        "diesel" => "__diesel_schema_migrations",
        "sqlx" => "_sqlx_migrations",
        "dbmate" => "schema_migrations",
        _ => "refinery_schema_history",
    };
    db.strings(&format!(
        "SELECT version::text FROM {table} ORDER BY version"
    ))
}

/// `import <tool> --migrations-dir brainmig`, with extra arguments.
fn import(project: &TestProject, case: &Case, extra: &[&str]) -> crate::support::Run {
    let mut args = vec!["import", case.tool, "--migrations-dir", "brainmig"];
    args.extend_from_slice(extra);
    project.brainmig(args)
}

fn brainmig_files(project: &TestProject) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(project.path("brainmig")) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn up_builds_the_schema_of_a_replay(case: &Case) {
    let project = TestProject::from_fixture(case.fixture);
    let out = import(&project, case, &[]).success();
    assert!(
        out.stderr.contains(&format!(
            "Imported {} {} migration(s)",
            case.ids.len(),
            case.tool
        )),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("note: skipped"), "{}", out.stderr);
    // Ids are the tool's versions, chained in the tool's order.
    let history = project
        .brainmig([
            "history",
            "--migrations-dir",
            "brainmig",
            "--database-url",
            "sqlite::memory:",
        ])
        .success();
    let mut expected = Vec::new();
    for (i, id) in case.ids.iter().enumerate() {
        let parent = if i == 0 { "<base>" } else { case.ids[i - 1] };
        expected.push(format!("{parent} -> {id}"));
    }
    for (line, want) in history.stdout.lines().rev().zip(&expected) {
        assert!(
            line.trim_start().starts_with(want.as_str()),
            "{line} / {want}\n{}",
            history.stdout
        );
    }
    assert_eq!(history.stdout.lines().count(), case.ids.len());
    // The index migration runs outside a transaction, as the tool runs it.
    let index_file = brainmig_files(&project)
        .into_iter()
        .find(|f| f.contains("index_books_title"))
        .unwrap();
    let text = project.read(&format!("brainmig/{index_file}"));
    assert!(text.contains("-- migrate:up transaction:false"), "{text}");

    let imported = TestDb::postgres();
    project
        .brainmig([
            "up",
            "--migrations-dir",
            "brainmig",
            "--database-url",
            &imported.url(),
        ])
        .success();
    assert_eq!(imported.applied(), case.ids);
    let replayed = TestDb::postgres();
    replay(&replayed, &project, case, case.up_files.len());
    assert_eq!(schema(&imported), schema(&replayed));
}

#[test]
fn diesel_import_then_up_builds_what_diesel_sql_builds() {
    up_builds_the_schema_of_a_replay(&DIESEL);
}

#[test]
fn sqlx_import_then_up_builds_what_sqlx_sql_builds() {
    up_builds_the_schema_of_a_replay(&SQLX);
}

#[test]
fn dbmate_import_then_up_builds_what_dbmate_sql_builds() {
    up_builds_the_schema_of_a_replay(&DBMATE);
}

#[test]
fn refinery_import_then_up_builds_what_refinery_sql_builds() {
    up_builds_the_schema_of_a_replay(&REFINERY);
}

/// The tool applied part of the history; after the import `up` applies the rest, once.
fn take_over_leaves_up_the_rest(case: &Case, applied: usize) {
    let project = TestProject::from_fixture(case.fixture);
    let db = TestDb::postgres();
    replay(&db, &project, case, applied);
    record_as_tool(&db, &project, case, applied);
    let before = old_rows(&db, case);

    // `-v` prints the database URL: masked, like everywhere else.
    let with_password = db.url_with_password("s3cret-pw");
    let out = import(&project, case, &["--database-url", &with_password, "-v"]).success();
    assert!(
        !out.stderr.contains("s3cret-pw") && !out.stdout.contains("s3cret-pw"),
        "{}",
        out.stderr
    );
    let last = case.ids[applied - 1];
    assert!(
        out.stderr
            .contains(&format!("Recorded {applied} revision(s) as applied")),
        "{}",
        out.stderr
    );
    assert_eq!(db.applied(), case.ids[..applied]);
    let current = project
        .brainmig([
            "current",
            "--migrations-dir",
            "brainmig",
            "--database-url",
            &db.url(),
        ])
        .success();
    assert!(current.stdout.contains(last), "{}", current.stdout);
    // Every recorded row carries the checksum and down SQL of its file: `up` accepts them.
    let up = project
        .brainmig([
            "up",
            "--migrations-dir",
            "brainmig",
            "--database-url",
            &db.url(),
        ])
        .success();
    let pending = case.ids.len() - applied;
    assert!(
        up.stderr
            .contains(&format!("applied {pending} revision(s)")),
        "{}",
        up.stderr
    );
    assert_eq!(db.applied(), case.ids);
    let again = project
        .brainmig([
            "up",
            "--migrations-dir",
            "brainmig",
            "--database-url",
            &db.url(),
        ])
        .success();
    assert!(!again.stderr.contains("Applied"), "{}", again.stderr);
    assert_eq!(
        old_rows(&db, case),
        before,
        "the old table is left as it was"
    );

    let replayed = TestDb::postgres();
    replay(&replayed, &project, case, case.up_files.len());
    assert_eq!(schema(&db), schema(&replayed));
}

#[test]
fn diesel_take_over_records_what_diesel_applied_and_up_applies_the_rest_once() {
    take_over_leaves_up_the_rest(&DIESEL, 3);
}

#[test]
fn sqlx_take_over_records_what_sqlx_applied_and_up_applies_the_rest_once() {
    take_over_leaves_up_the_rest(&SQLX, 2);
}

#[test]
fn dbmate_take_over_records_what_dbmate_applied_and_up_applies_the_rest_once() {
    take_over_leaves_up_the_rest(&DBMATE, 3);
}

#[test]
fn refinery_take_over_records_what_refinery_applied_and_up_applies_the_rest_once() {
    take_over_leaves_up_the_rest(&REFINERY, 1);
}

#[test]
fn a_folder_of_another_layout_is_refused_and_names_the_layout() {
    let project = TestProject::from_fixture(DIESEL.fixture);
    let db = TestDb::postgres();
    let out = import(&project, &SQLX, &["--database-url", &db.url()]).fails_with(1);
    assert!(
        out.stderr.contains("holds no sqlx migrations"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("help: this looks like a diesel folder: run `cargo brainmig import diesel`"),
        "{}",
        out.stderr
    );
    // sqlx's file names, dbmate's sections: refused rather than run up and down together.
    let dbmate = TestProject::from_fixture(DBMATE.fixture);
    let out = dbmate
        .brainmig([
            "import",
            "sqlx",
            "--from",
            "db/migrations",
            "--migrations-dir",
            "brainmig",
        ])
        .fails_with(1);
    assert!(
        out.stderr.contains("`-- migrate:up` section marker"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("import dbmate"), "{}", out.stderr);
    let sqlx = TestProject::from_fixture(SQLX.fixture);
    let out = sqlx
        .brainmig([
            "import",
            "dbmate",
            "--from",
            "migrations",
            "--migrations-dir",
            "brainmig",
        ])
        .fails_with(1);
    assert!(
        out.stderr.contains("has no `-- migrate:up` line"),
        "{}",
        out.stderr
    );
    for p in [&project, &dbmate, &sqlx] {
        assert!(brainmig_files(p).is_empty());
    }
    assert!(db.tables().is_empty(), "{:?}", db.tables());
}

#[test]
fn a_version_table_naming_unknown_migrations_stops_before_writing_anything() {
    let project = TestProject::from_fixture(DIESEL.fixture);
    let db = TestDb::postgres();
    record_as_tool(&db, &project, &DIESEL, 2);
    db.execute("INSERT INTO __diesel_schema_migrations (version) VALUES ('20991231000000')");
    let out = import(&project, &DIESEL, &["--database-url", &db.url()]).fails_with(1);
    assert!(
        out.stderr.contains(
            "`__diesel_schema_migrations` records `20991231000000` that `migrations` does not have"
        ),
        "{}",
        out.stderr
    );
    assert!(brainmig_files(&project).is_empty());
    assert_eq!(db.tables(), ["__diesel_schema_migrations"]);
}

#[test]
fn a_sqlx_checksum_mismatch_stops_before_writing_anything() {
    let project = TestProject::from_fixture(SQLX.fixture);
    let db = TestDb::postgres();
    replay(&db, &project, &SQLX, 2);
    record_as_tool(&db, &project, &SQLX, 2);
    // Edited after sqlx applied it: sqlx itself would refuse to run.
    let file = "migrations/20240112101500_create_books.up.sql";
    project.write(file, &format!("{}-- reviewed\n", project.read(file)));
    let out = import(&project, &SQLX, &["--database-url", &db.url()]).fails_with(1);
    assert!(
        out.stderr
            .contains("`_sqlx_migrations` records version `20240112101500` with checksum"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(file), "{}", out.stderr);
    assert!(brainmig_files(&project).is_empty());
    assert!(!db.tables().contains(&"brainmig_version".to_owned()));
}

#[test]
fn dry_run_prints_the_files_and_rows_and_changes_nothing() {
    let project = TestProject::from_fixture(DBMATE.fixture);
    let db = TestDb::postgres();
    replay(&db, &project, &DBMATE, 2);
    record_as_tool(&db, &project, &DBMATE, 2);
    let out = import(
        &project,
        &DBMATE,
        &["--database-url", &db.url(), "--dry-run"],
    )
    .success();
    assert!(
        out.stdout
            .contains("write brainmig/20240110090000_create_authors.sql"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("record 20240112101500 (create books)"),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("record 20240201080000"),
        "{}",
        out.stdout
    );
    assert!(brainmig_files(&project).is_empty());
    assert!(!db.tables().contains(&"brainmig_version".to_owned()));
}

#[test]
fn existing_files_and_the_tools_own_folder_are_never_overwritten() {
    let project = TestProject::from_fixture(SQLX.fixture);
    project.write("brainmig/20240110090000_create_authors.sql", "mine\n");
    let out = import(&project, &SQLX, &[]).fails_with(1);
    assert!(
        out.stderr.contains("refusing to overwrite"),
        "{}",
        out.stderr
    );
    assert_eq!(
        project.read("brainmig/20240110090000_create_authors.sql"),
        "mine\n"
    );
    assert_eq!(brainmig_files(&project).len(), 1);
    // sqlx keeps reading `migrations/` until the switch: brainmig may not write there.
    let out = project
        .brainmig(["import", "sqlx", "--migrations-dir", "migrations"])
        .fails_with(1);
    assert!(
        out.stderr.contains("is also the sqlx folder"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_rust_refinery_migration_is_listed_and_written_so_that_up_refuses_it() {
    let project = TestProject::from_fixture(REFINERY.fixture);
    project.write(
        "migrations/V5__backfill_pages.rs",
        "pub fn migration() -> String {\n    String::from(\"UPDATE books SET pages = 1\")\n}\n",
    );
    project.write("migrations/mod.rs", "");
    let out = import(&project, &REFINERY, &[]).success();
    assert!(
        out.stderr.contains("warning: `migrations/V5__backfill_pages.rs` (as `brainmig/5_backfill_pages.sql`): cannot be converted (a Rust migration"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("skipped `migrations/mod.rs`"),
        "{}",
        out.stderr
    );
    let text = project.read("brainmig/5_backfill_pages.sql");
    assert!(text.contains("-- revises: 4"), "{text}");
    assert!(text.contains("-- NOT CONVERTED"), "{text}");
    // Until someone writes its SQL, `up` refuses it (today: as an unfinished revision whose up
    // section has no statements) and applies nothing.
    let db = TestDb::postgres();
    let up = project
        .brainmig([
            "up",
            "--migrations-dir",
            "brainmig",
            "--database-url",
            &db.url(),
        ])
        .fails_with(1);
    assert!(up.stderr.contains("5_backfill_pages.sql"), "{}", up.stderr);
    // Only brainmig's own (empty) version table: no migration ran.
    assert_eq!(db.tables(), ["brainmig_version"]);
    assert!(db.applied().is_empty(), "{:?}", db.applied());
}

#[test]
fn sqlx_take_over_works_on_sqlite_too() {
    let project = TestProject::from_fixture(SQLX.fixture);
    let db = project.path("app.db");
    let sum = |file: &str| -> String {
        Sha384::digest(std::fs::read(project.path(file)).unwrap())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    // What `sqlx migrate run` leaves after the first migration, on SQLite.
    let setup = format!(
        "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, \
         installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, \
         checksum BLOB NOT NULL, execution_time BIGINT NOT NULL);\
         INSERT INTO _sqlx_migrations VALUES (20240110090000, 'create authors', CURRENT_TIMESTAMP, 1, X'{}', 1);\
         CREATE TABLE authors (id INTEGER PRIMARY KEY, full_name TEXT NOT NULL);",
        sum(SQLX.up_files[0])
    );
    crate::support::sqlite_strings(&db, &setup);
    let url = project.sqlite_url("app.db");
    let out = import(&project, &SQLX, &["--database-url", &url]).success();
    assert!(
        out.stderr.contains("Recorded 1 revision(s)"),
        "{}",
        out.stderr
    );
    assert_eq!(
        crate::support::sqlite_strings(&db, "SELECT revision FROM brainmig_version"),
        ["20240110090000"]
    );
    let current = project
        .brainmig([
            "current",
            "--migrations-dir",
            "brainmig",
            "--database-url",
            &url,
        ])
        .success();
    assert!(
        current.stdout.contains("20240110090000"),
        "{}",
        current.stdout
    );
}

#[test]
fn an_empty_up_sql_is_written_as_it_is_and_named() {
    let project = TestProject::from_fixture(DIESEL.fixture);
    project.write(
        "migrations/2024-03-01-000000_placeholder/up.sql",
        "-- kept so that the numbering stays as it was in production\n",
    );
    project.write("migrations/2024-03-01-000000_placeholder/down.sql", "");
    let out = import(&project, &DIESEL, &[]).success();
    assert!(
        out.stderr
            .contains("`brainmig/20240301000000_placeholder.sql`): its up SQL has no statements"),
        "{}",
        out.stderr
    );
    let text = project.read("brainmig/20240301000000_placeholder.sql");
    assert!(
        text.contains(
            "-- migrate:up\n-- kept so that the numbering stays as it was in production\n"
        ),
        "{text}"
    );
    // It loads and applies like any other revision, with a warning naming it (issue #13,
    // "Empty up sections"); only the template's placeholder line makes an empty section
    // unfinished.
    let db = TestDb::postgres();
    let up = project
        .brainmig([
            "up",
            "--migrations-dir",
            "brainmig",
            "--database-url",
            &db.url(),
        ])
        .success();
    assert!(
        up.stderr.contains("warning: revision `20240301000000`")
            && up.stderr.contains("its up section has no statements"),
        "{}",
        up.stderr
    );
    assert!(
        db.applied().iter().any(|r| r == "20240301000000"),
        "{:?}",
        db.applied()
    );
}

#[test]
fn the_run_lock_is_respected() {
    let project = TestProject::from_fixture(DBMATE.fixture);
    let db = TestDb::postgres();
    // Hold brainmig's run lock (its key: the first 8 bytes of SHA-256 of `brainmig:<table>`) as
    // a deploy would: the import waits for it, gives up, and writes nothing.
    let digest = sha2::Sha256::digest(b"brainmig:brainmig_version");
    let key = i64::from_be_bytes(digest[..8].try_into().unwrap());
    db.execute(&format!("SELECT pg_advisory_lock({key})"));
    let out = import(
        &project,
        &DBMATE,
        &["--database-url", &db.url(), "--lock-timeout", "0.5"],
    )
    .fails_with(1);
    assert!(
        out.stderr.contains("waiting for another brainmig run"),
        "{}",
        out.stderr
    );
    assert!(brainmig_files(&project).is_empty());
    db.execute(&format!("SELECT pg_advisory_unlock({key})"));
    import(&project, &DBMATE, &["--database-url", &db.url()]).success();
    assert_eq!(brainmig_files(&project).len(), DBMATE.ids.len());
}

#[test]
fn each_database_is_taken_over_from_the_same_files() {
    // Staging is ahead of production: both are taken over from one import of the folder.
    let project = TestProject::from_fixture(SQLX.fixture);
    let staging = TestDb::postgres();
    let production = TestDb::postgres();
    for (db, n) in [(&staging, 3), (&production, 1)] {
        replay(db, &project, &SQLX, n);
        record_as_tool(db, &project, &SQLX, n);
    }
    import(&project, &SQLX, &["--database-url", &staging.url()]).success();
    let before: Vec<String> = brainmig_files(&project)
        .iter()
        .map(|f| project.read(&format!("brainmig/{f}")))
        .collect();
    let out = import(&project, &SQLX, &["--database-url", &production.url()]).success();
    assert!(
        out.stderr
            .contains("(4 already there with the same text, left as they are)"),
        "{}",
        out.stderr
    );
    let after: Vec<String> = brainmig_files(&project)
        .iter()
        .map(|f| project.read(&format!("brainmig/{f}")))
        .collect();
    assert_eq!(before, after);
    assert_eq!(staging.applied(), SQLX.ids[..3]);
    assert_eq!(production.applied(), SQLX.ids[..1]);
    // A database brainmig already records is not taken over twice.
    let out = import(&project, &SQLX, &["--database-url", &production.url()]).fails_with(1);
    assert!(
        out.stderr.contains("already records 1 revision(s)"),
        "{}",
        out.stderr
    );
}
