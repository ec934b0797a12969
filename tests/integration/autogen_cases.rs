//! Tests for `new --autogenerate` on the changes of issue #11 that it once got wrong, one fixture
//! each under `fixtures/autogen/`: the generated revision must apply on the head (with rows in
//! the tables), after which `check` passes and the history round-trips.

use crate::support::{Outcome, TestDb, TestProject, rev};

/// A copy of `fixtures/autogen/<case>`, made a cargo project set to PostgreSQL database `db`.
pub fn autogen_case(case: &str, db: &TestDb) -> TestProject {
    let project = TestProject::from_fixture(&format!("autogen/{case}"));
    project.write(
        "Cargo.toml",
        "[package]\nname = \"autogen-case\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
         [workspace]\n\n[package.metadata.brainmig]\nmigrations = \"migrations\"\nschema = \"schema.sql\"\n",
    );
    project.write("src/lib.rs", "");
    project.write(".env", &format!("DATABASE_URL={}\n", db.url()));
    project
}

/// What generating a case printed, and the revision it wrote.
pub struct Generated {
    pub out: Outcome,
    pub text: String,
}

/// Runs `new --autogenerate`, then proves the revision: `check` passes (and prints its notes
/// once), `test-roundtrip` passes, and `up` applies the whole history to the test database.
pub fn generate_and_prove(project: &TestProject) -> Generated {
    let out = project
        .brainmig(["new", "--autogenerate", "-m", "next"])
        .success();
    let text = project.read(out.stdout.trim());
    let check = project.brainmig(["check"]).success();
    assert!(
        check.stderr.contains("matches what they build"),
        "{}\n{text}",
        check.stderr
    );
    let roundtrip = project.brainmig(["test-roundtrip"]).success();
    assert!(
        roundtrip.stderr.contains("0 failed"),
        "{}",
        roundtrip.stderr
    );
    project.brainmig(["up"]).success();
    Generated { out, text }
}

#[test]
fn autogen_enum_labels_used_by_a_sql_function_and_a_partial_index_apply_on_the_head() {
    let db = TestDb::postgres();
    let project = autogen_case("enum-function-partial-index", &db);
    let Generated { text, .. } = generate_and_prove(&project);
    // The enum is rebuilt in one transaction (a label added by ADD VALUE could not be used in
    // it), and the function is replaced only once the column has the new type.
    let up = &text[..text.find("-- migrate:down").unwrap()];
    let retype = up.find("ALTER COLUMN state TYPE status").unwrap();
    let function = up.find("CREATE OR REPLACE FUNCTION open_tasks()").unwrap();
    assert!(retype < function, "{text}");
    assert!(
        up.contains("a new label is used by this revision"),
        "{text}"
    );
    assert!(!text.contains("-- migrate:up transaction:false"), "{text}");
    assert_eq!(
        db.strings("SELECT state::text FROM tasks ORDER BY id"),
        ["draft", "done"]
    );
    assert_eq!(db.strings("SELECT open_tasks()::text"), ["1"]);
    db.execute("INSERT INTO tasks (state, title) VALUES ('review', 'read')");
    assert_eq!(db.strings("SELECT open_tasks()::text"), ["2"]);
}

#[test]
fn autogen_triggers_naming_a_retyped_column_are_dropped_and_created_around_it() {
    let db = TestDb::postgres();
    let project = autogen_case("trigger-retyped-column", &db);
    let Generated { text, .. } = generate_and_prove(&project);
    let up = &text[..text.find("-- migrate:down").unwrap()];
    let drop = up.find("DROP TRIGGER items_price_touch ON items").unwrap();
    let retype = up.find("ALTER COLUMN price TYPE numeric(12,2)").unwrap();
    let create = up.find("CREATE TRIGGER items_price_touch").unwrap();
    assert!(drop < retype && retype < create, "{text}");
    assert!(
        up.contains("DROP TRIGGER items_qty_touch ON items"),
        "{text}"
    );
    assert_eq!(
        db.strings("SELECT price::text FROM items ORDER BY id"),
        ["100.00", "250.00"]
    );
    db.execute("UPDATE items SET qty = 4 WHERE id = 1");
    assert_eq!(
        db.strings("SELECT (updated_at IS NOT NULL)::text FROM items ORDER BY id"),
        ["true", "false"]
    );
}

#[test]
fn autogen_not_valid_constraints_are_added_apart_and_do_not_check_existing_rows() {
    let db = TestDb::postgres();
    let project = autogen_case("not-valid", &db);
    let Generated { out, text } = generate_and_prove(&project);
    assert!(
        text.contains(
            "ALTER TABLE accounts ADD CONSTRAINT accounts_balance_check CHECK (balance >= 0) NOT VALID;"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "ALTER TABLE ledger ADD CONSTRAINT ledger_amount_check CHECK (amount <> 0) NOT VALID;"
        ),
        "{text}"
    );
    let create = &text[text.find("CREATE TABLE ledger").unwrap()..];
    assert!(
        !create[..create.find(';').unwrap()].contains("CHECK"),
        "{text}"
    );
    // No scan, so no "scans the table" review on either of them.
    assert!(!text.contains("scans"), "{text}");
    assert!(!out.stderr.contains("scans"), "{}", out.stderr);
    // The overdrawn account (-5) stayed; new rows are checked.
    assert_eq!(
        db.strings(
            "SELECT convalidated::text FROM pg_constraint WHERE conname = 'accounts_balance_check'"
        ),
        ["false"]
    );
    assert_eq!(
        db.strings("SELECT balance::text FROM accounts ORDER BY id"),
        ["10", "-5"]
    );

    // Once a revision fixes the rows, a valid constraint in the file is validated in place.
    project.write(
        "migrations/0003_fix_overdrawn.sql",
        &rev(
            "0003",
            &["0002"],
            "UPDATE accounts SET balance = 0 WHERE balance < 0;",
            Some("SELECT 1;"),
        ),
    );
    let schema = project
        .read("schema.sql")
        .replace("CHECK (balance >= 0) NOT VALID", "CHECK (balance >= 0)");
    project.write("schema.sql", &schema);
    let out = project
        .brainmig(["new", "--autogenerate", "-m", "validate"])
        .success();
    let text = project.read(out.stdout.trim());
    let up = &text[..text.find("-- migrate:down").unwrap()];
    assert!(
        up.contains("ALTER TABLE accounts VALIDATE CONSTRAINT accounts_balance_check;"),
        "{text}"
    );
    assert!(!up.contains("DROP CONSTRAINT"), "{text}");
    project.brainmig(["check"]).success();
    project.brainmig(["up"]).success();
    assert_eq!(
        db.strings(
            "SELECT convalidated::text FROM pg_constraint WHERE conname = 'accounts_balance_check'"
        ),
        ["true"]
    );
}

#[test]
fn autogen_accepts_a_pg_dump_schema_only_file_with_restrict_lines_as_it_comes() {
    let db = TestDb::postgres();
    let project = autogen_case("pg-dump", &db);
    let dump = project.read("schema.sql");
    assert!(dump.contains("\n\\restrict ") && dump.contains("\n\\unrestrict "));
    assert!(dump.contains("SELECT pg_catalog.set_config('search_path', '', false);"));
    let Generated { text, .. } = generate_and_prove(&project);
    // Names come out as the migrations write them, not qualified by the dump's empty search_path.
    assert!(text.contains("CREATE TABLE posts ("), "{text}");
    assert!(text.contains("CREATE VIEW published_posts AS"), "{text}");
    assert!(!text.contains("public.posts"), "{text}");
    assert!(db.tables().contains(&"posts".to_owned()));
}

#[test]
fn autogen_refuses_another_psql_meta_command_in_the_schema_file_naming_its_line() {
    let db = TestDb::postgres();
    let project = autogen_case("pg-dump", &db);
    let dump = project.read("schema.sql");
    let mut lines: Vec<&str> = dump.lines().collect();
    lines.insert(20, "\\connect other_database");
    project.write("schema.sql", &lines.join("\n"));
    let out = project.brainmig(["check"]).fails_with(1);
    assert!(
        out.stderr.contains("`schema.sql` failed at line 21")
            && out
                .stderr
                .contains("the psql meta-command `\\connect` is not SQL"),
        "{}",
        out.stderr
    );
}

#[test]
fn autogen_then_check_notes_a_column_order_once_without_contradiction() {
    let db = TestDb::postgres();
    let project = autogen_case("column-in-the-middle", &db);
    let Generated { out, .. } = generate_and_prove(&project);
    let note = "note: table `notes`: columns (id, body, title) cannot be put in that order in place; \
                they stay (id, title, body), as new columns go last";
    assert!(out.stderr.contains(note), "{}", out.stderr);
    let check = project.brainmig(["check"]).success();
    assert_eq!(
        check.stderr.matches("note: table `notes`").count(),
        1,
        "{}",
        check.stderr
    );
    assert!(check.stderr.contains(note), "{}", check.stderr);
}

#[test]
fn autogen_keeps_a_serial_sequence_when_its_table_is_replaced_by_one_taking_it_over() {
    // What a table rename looks like to autogenerate (crates.io renamed `packages` to `crates`):
    // the sequence of the serial column must be released before its old table is dropped.
    crate::autogen::check_pairs(&[(
        "serial sequence moves to a new table",
        "CREATE TABLE packages (id serial PRIMARY KEY, name text NOT NULL);",
        "CREATE SEQUENCE packages_id_seq AS integer;
         CREATE TABLE crates (id integer NOT NULL DEFAULT nextval('packages_id_seq') PRIMARY KEY,
             name text NOT NULL);
         ALTER SEQUENCE packages_id_seq OWNED BY crates.id;",
    )]);
}
