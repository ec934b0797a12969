//! `import alembic` (issue #13): the fixture `fixtures/import/alembic/` is a project in Alembic's
//! own layout (alembic.ini, env.py, script.py.mako, versions/) with a branch, a merge, a
//! revision whose upgrade emits no SQL and one that offline mode cannot render. The schema that
//! `up` builds from the import is compared with what the real Alembic builds.

use std::path::Path;
use std::process::Command;

use crate::import::schema;
use crate::support::{TestDb, TestProject};

const AUTHORS: &str = "1a2b3c4d5e6f";
const BOOKS: &str = "2b3c4d5e6f7a";
const TAGS: &str = "3c4d5e6f7a8b";
const MERGE: &str = "4d5e6f7a8b9c";
const NO_OP: &str = "5e6f7a8b9c0d";
const INSPECTS: &str = "6f7a8b9c0d1e";

/// What a person writes for the revision Alembic cannot render offline: what it creates on a
/// database where the table does not exist yet.
const RATINGS_SQL: &str = "CREATE TABLE ratings (\n    book_id INTEGER NOT NULL,\n    stars SMALLINT NOT NULL,\n    PRIMARY KEY (book_id),\n    FOREIGN KEY(book_id) REFERENCES books (id)\n);\n";

/// Runs the real `alembic` in the project against `db`; the fixture's env.py reads the URL from
/// `LIBRARY_DATABASE_URL`. Fails loudly when Alembic is not installed: these tests never skip.
fn alembic(project: &TestProject, db: &TestDb, args: &[&str]) {
    let url = db
        .url()
        .replacen("postgres://", "postgresql+psycopg2://", 1);
    let out = Command::new("alembic")
        .args(args)
        .current_dir(project.path("."))
        .env("LIBRARY_DATABASE_URL", url)
        .output()
        .expect("Alembic is installed (`pip install alembic sqlalchemy psycopg2-binary`)");
    assert!(
        out.status.success(),
        "alembic {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn import(project: &TestProject, extra: &[&str]) -> crate::support::Run {
    let mut args = vec!["import", "alembic", "--migrations-dir", "brainmig"];
    args.extend_from_slice(extra);
    project.brainmig(args)
}

fn up(project: &TestProject, db: &TestDb) -> crate::support::Run {
    project.brainmig([
        "up",
        "--migrations-dir",
        "brainmig",
        "--database-url",
        &db.url(),
    ])
}

/// The written file of a revision.
fn file_of(project: &TestProject, id: &str) -> String {
    let dir = project.path("brainmig");
    let name = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with(id))
        .unwrap_or_else(|| panic!("no file for {id} in {}", dir.display()));
    format!("brainmig/{name}")
}

/// Does what the import asks of a person for the revision it could not convert.
fn complete_by_hand(project: &TestProject) {
    let rel = file_of(project, INSPECTS);
    let text = project.read(&rel);
    assert!(
        text.contains("-- NOT CONVERTED: Alembic cannot render its upgrade() offline"),
        "{text}"
    );
    let done: String = text
        .lines()
        .map(|l| {
            if l.starts_with("-- Write the SQL that applies this change here") {
                RATINGS_SQL.to_owned()
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    project.write(&rel, &done);
}

#[test]
fn alembic_import_then_up_builds_what_alembic_upgrade_heads_builds() {
    let project = TestProject::from_fixture("import/alembic");
    let out = import(&project, &[]).success();
    assert!(
        out.stderr
            .contains("Imported 6 alembic migration(s) from `alembic` into `brainmig`"),
        "{}",
        out.stderr
    );
    // Listed with the reason, never silently empty.
    assert!(
        out.stderr.contains(&format!("{INSPECTS}_add_ratings_if_missing.py"))
            && out.stderr.contains("cannot be converted (Alembic cannot render its upgrade() offline: NoInspectionAvailable"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!(
            "`brainmig/{NO_OP}_backfill_full_names_nothing_to_do_on_a_fresh_database.sql`): its up SQL has no statements"
        )),
        "{}",
        out.stderr
    );

    // Ids, parents (the merge's tuple included) and messages are Alembic's; the SQL is what
    // Alembic renders, without its own version table and transaction wrapper.
    let merge = project.read(&file_of(&project, MERGE));
    assert!(
        merge.contains(&format!(
            "-- revises: {BOOKS}, {TAGS}\n-- message: merge books and tags\n"
        )),
        "{merge}"
    );
    let books = project.read(&file_of(&project, BOOKS));
    assert!(
        books.contains("CREATE INDEX books_by_author ON books (author_id);"),
        "{books}"
    );
    assert!(
        books.contains("-- migrate:down\nDROP INDEX books_by_author;"),
        "{books}"
    );
    for id in [AUTHORS, BOOKS, TAGS, MERGE, NO_OP, INSPECTS] {
        let text = project.read(&file_of(&project, id));
        for alembics_own in ["alembic_version", "BEGIN;", "COMMIT;", "-- Running"] {
            assert!(!text.contains(alembics_own), "{id}: {alembics_own}\n{text}");
        }
    }
    let tags = project.read(&file_of(&project, TAGS));
    assert!(
        tags.contains("INSERT INTO tags (name) VALUES ('fiction'), ('poetry');"),
        "{tags}"
    );
    assert!(
        !tags.contains("tags created"),
        "what the revision prints is not SQL:\n{tags}"
    );

    // Until someone completes it, `up` refuses the unconverted revision and runs nothing.
    let imported = TestDb::postgres();
    let refused = up(&project, &imported).fails_with(1);
    assert!(refused.stderr.contains(INSPECTS), "{}", refused.stderr);
    assert_eq!(imported.tables(), ["brainmig_version"]);

    complete_by_hand(&project);
    let out = up(&project, &imported).success();
    assert!(
        out.stderr.contains(&format!("warning: revision `{NO_OP}`")),
        "{}",
        out.stderr
    );
    let mut all = vec![AUTHORS, BOOKS, TAGS, MERGE, NO_OP, INSPECTS];
    all.sort_unstable();
    assert_eq!(imported.applied(), all);

    let by_alembic = TestDb::postgres();
    alembic(&project, &by_alembic, &["upgrade", "heads"]);
    assert_eq!(schema(&imported), schema(&by_alembic));
    assert!(schema(&imported).contains("CREATE TABLE public.ratings"));

    // The imported down sections are Alembic's downgrades: all the way down leaves nothing.
    project
        .brainmig([
            "down",
            "base",
            "--migrations-dir",
            "brainmig",
            "--database-url",
            &imported.url(),
        ])
        .success();
    assert_eq!(imported.tables(), ["brainmig_version"]);
}

#[test]
fn alembic_take_over_records_the_heads_ancestors_and_up_applies_the_rest_once() {
    let project = TestProject::from_fixture("import/alembic");
    let db = TestDb::postgres();
    // Both branches applied by Alembic: two rows, two heads.
    alembic(&project, &db, &["upgrade", BOOKS]);
    alembic(&project, &db, &["upgrade", TAGS]);
    let mut heads = db.strings("SELECT version_num FROM alembic_version");
    heads.sort();
    assert_eq!(heads, [BOOKS, TAGS]);

    let out = import(&project, &["--database-url", &db.url()]).success();
    assert!(
        out.stderr.contains("Recorded 3 revision(s) as applied"),
        "{}",
        out.stderr
    );
    assert_eq!(db.applied(), [AUTHORS, BOOKS, TAGS]);
    // Recorded with down SQL, so `down` could revert them without the files.
    let downs = db.strings(&format!(
        "SELECT down_sql FROM brainmig_version WHERE revision = '{BOOKS}'"
    ));
    assert!(downs[0].contains("DROP TABLE books;"), "{downs:?}");

    // With a database configured, the revision offline mode cannot render was run online on a
    // scratch database: nothing to complete by hand.
    let inspects = project.read(&file_of(&project, INSPECTS));
    assert!(
        inspects.contains("-- Recorded by running upgrade() on a scratch database")
            && inspects.contains("CREATE TABLE ratings"),
        "{inspects}"
    );
    let out = up(&project, &db).success();
    for id in [MERGE, NO_OP, INSPECTS] {
        assert!(out.stderr.contains(id), "{id}: {}", out.stderr);
    }
    for id in [AUTHORS, BOOKS, TAGS] {
        assert!(
            !out.stderr.contains(&format!("{id} ")),
            "{id} ran again: {}",
            out.stderr
        );
    }
    assert!(
        up(&project, &db).success().stderr.contains("nothing to do"),
        "second up"
    );
    // Alembic's table is left as it was, so the team can go back.
    let mut left = db.strings("SELECT version_num FROM alembic_version");
    left.sort();
    assert_eq!(left, [BOOKS, TAGS]);

    let by_alembic = TestDb::postgres();
    alembic(&project, &by_alembic, &["upgrade", "heads"]);
    assert_eq!(schema(&db), schema(&by_alembic));
}

#[test]
fn alembic_missing_is_named_with_what_to_install_and_changes_nothing() {
    let project = TestProject::from_fixture("import/alembic");
    let db = TestDb::postgres();
    // A PATH with no `alembic` (and no Python) on it.
    let empty = project.path("empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    let out = import(&project, &["--database-url", &db.url()])
        .env("PATH", &empty.display().to_string())
        .fails_with(1);
    assert!(
        out.stderr
            .contains("Alembic is needed to import Alembic revisions")
            && out.stderr.contains("pip install alembic"),
        "{}",
        out.stderr
    );
    assert!(!Path::new(&project.path("brainmig")).exists());
    assert!(db.tables().is_empty(), "{:?}", db.tables());
}

#[test]
fn alembic_revisions_offline_mode_cannot_render_are_recorded_on_a_scratch_database() {
    let project = TestProject::from_fixture("import/alembic");
    let db = TestDb::postgres();
    let out = import(&project, &["--database-url", &db.url()]).success();
    assert!(
        !out.stderr.contains("cannot be converted"),
        "{}",
        out.stderr
    );
    let inspects = project.read(&file_of(&project, INSPECTS));
    assert!(
        inspects.contains("offline mode could not render it (NoInspectionAvailable")
            && inspects.contains("REFERENCES books (id)"),
        "{inspects}"
    );
    // The scratch database is gone, and the database taken over ran nothing.
    assert_eq!(db.tables(), ["brainmig_version"]);
    up(&project, &db).success();
    let by_alembic = TestDb::postgres();
    alembic(&project, &by_alembic, &["upgrade", "heads"]);
    assert_eq!(schema(&db), schema(&by_alembic));
}

#[test]
fn an_env_py_that_connects_elsewhere_is_never_run_online_there() {
    let project = TestProject::from_fixture("import/alembic");
    let db = TestDb::postgres();
    let elsewhere = TestDb::postgres();
    // The fixture's env.py takes its URL from the environment, whatever brainmig configures.
    let url = elsewhere
        .url()
        .replacen("postgres://", "postgresql+psycopg2://", 1);
    let out = import(&project, &["--database-url", &db.url()])
        .env("LIBRARY_DATABASE_URL", &url)
        .success();
    assert!(
        out.stderr
            .contains("running it online on a scratch database failed too")
            && out.stderr.contains("not to brainmig's scratch database"),
        "{}",
        out.stderr
    );
    assert!(elsewhere.tables().is_empty(), "{:?}", elsewhere.tables());
    // Listed, and written so that `up` refuses it until completed.
    let inspects = project.read(&file_of(&project, INSPECTS));
    assert!(
        inspects.contains("-- Write the SQL that applies this change here."),
        "{inspects}"
    );
}
