//! Every rule fires on its dangerous form and stays quiet on the same statement against a table
//! created in the same revision, and on the safe form.

use std::collections::HashSet;
use std::path::Path;

use super::*;

/// The codes found in a revision whose up section is `up` (`transaction:false` when `!tx`).
fn lint_with(up: &str, tx: bool, version: u32, fresh: &[&str]) -> Vec<Finding> {
    let marker = if tx { "" } else { " transaction:false" };
    let text = format!("-- revision: 0002\n-- revises: 0001\n\n-- migrate:up{marker}\n{up}\n");
    let file = crate::source::parse(Path::new("0002_x.sql"), text.as_bytes()).expect("ok");
    let mut fresh: HashSet<String> = fresh.iter().map(|s| s.to_string()).collect();
    lint_file(&file, &text, &mut fresh, version, &LintConfig::default()).0
}

fn codes(up: &str) -> Vec<&'static str> {
    lint_with(up, true, 16, &[])
        .into_iter()
        .map(|f| f.code)
        .collect()
}

fn codes_no_tx(up: &str) -> Vec<&'static str> {
    lint_with(up, false, 16, &[])
        .into_iter()
        .map(|f| f.code)
        .collect()
}

const TIMEOUT: &str = "SET lock_timeout = '2s';\n";

/// (dangerous form, the code it must raise, the safe form or the same statement on a new table).
const CASES: &[(&str, &str, &str)] = &[
    (
        "CREATE INDEX i ON users (email);",
        "BM001",
        "CREATE TABLE users (id bigint); CREATE INDEX i ON users (email);",
    ),
    (
        "DROP INDEX users_email;",
        "BM002",
        "CREATE TABLE t (a text); CREATE INDEX users_email ON t (a); DROP INDEX users_email;",
    ),
    (
        "ALTER TABLE posts ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);",
        "BM003",
        "ALTER TABLE posts ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;",
    ),
    (
        "ALTER TABLE posts ADD CONSTRAINT c CHECK (n > 0);",
        "BM003",
        "ALTER TABLE posts ADD CONSTRAINT c CHECK (n > 0) NOT VALID;",
    ),
    (
        "ALTER TABLE posts ADD CONSTRAINT c CHECK (n > 0) NOT VALID;\nALTER TABLE posts VALIDATE CONSTRAINT c;",
        "BM003",
        "ALTER TABLE posts VALIDATE CONSTRAINT c;",
    ),
    (
        "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
        "BM004",
        "ALTER TABLE users VALIDATE CONSTRAINT nn;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;",
    ),
    (
        "ALTER TABLE users ALTER COLUMN id TYPE bigint;",
        "BM005",
        "CREATE TABLE users (id int); ALTER TABLE users ALTER COLUMN id TYPE bigint;",
    ),
    (
        "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();",
        "BM006",
        "ALTER TABLE users ADD COLUMN created timestamptz DEFAULT now();",
    ),
    (
        "ALTER TABLE users ADD COLUMN n bigserial;",
        "BM006",
        "CREATE TABLE users (a int); ALTER TABLE users ADD COLUMN n bigserial;",
    ),
    (
        "ALTER TABLE users RENAME COLUMN email TO mail;",
        "BM007",
        "CREATE TABLE users (email text); ALTER TABLE users RENAME COLUMN email TO mail;",
    ),
    (
        "ALTER TABLE users RENAME TO people;",
        "BM008",
        "CREATE TABLE users (a int); ALTER TABLE users RENAME TO people; DROP TABLE people;",
    ),
    (
        "ALTER TABLE users DROP COLUMN email;",
        "BM009",
        "CREATE TABLE users (email text); ALTER TABLE users DROP COLUMN email;",
    ),
    (
        "DROP TABLE users;",
        "BM010",
        "CREATE TABLE users (a int); DROP TABLE users;",
    ),
    (
        "UPDATE users SET active = true;",
        "BM016",
        "UPDATE users SET active = true WHERE id < 1000;",
    ),
    (
        "DELETE FROM users;",
        "BM016",
        "DELETE FROM users WHERE id = 1;",
    ),
    ("VACUUM FULL users;", "BM018", "VACUUM users;"),
    ("CLUSTER users USING users_pkey;", "BM019", "ANALYZE users;"),
    (
        "LOCK TABLE users IN ACCESS EXCLUSIVE MODE;",
        "BM020",
        "SELECT 1;",
    ),
    (
        "TRUNCATE users;",
        "BM021",
        "CREATE TABLE users (a int); TRUNCATE users;",
    ),
    (
        "ALTER TABLE users ADD CONSTRAINT u UNIQUE (email);",
        "BM022",
        "ALTER TABLE users ADD CONSTRAINT u UNIQUE USING INDEX users_email_idx;",
    ),
    (
        "ALTER TABLE users ADD PRIMARY KEY (id);",
        "BM022",
        "ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX users_id_idx;",
    ),
    (
        "ALTER TABLE users ADD COLUMN n int NOT NULL;",
        "BM023",
        "ALTER TABLE users ADD COLUMN n int NOT NULL DEFAULT 0;",
    ),
    ("DROP DATABASE app;", "BM024", "SELECT 1;"),
    (
        "CREATE TABLE t (id serial PRIMARY KEY);",
        "BM013",
        "CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);",
    ),
];

#[test]
fn every_rule_fires_on_its_case_and_not_on_the_safe_form() {
    for (danger, code, safe) in CASES {
        let found = codes(&format!("{TIMEOUT}{danger}"));
        assert!(
            found.contains(code),
            "{danger}: expected {code}, got {found:?}"
        );
        let quiet = codes(&format!("{TIMEOUT}{safe}"));
        assert!(
            !quiet.contains(code),
            "{safe}: {code} must not fire, got {quiet:?}"
        );
    }
}

#[test]
fn concurrently_needs_a_non_transactional_section() {
    let sql = "SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY i ON users (email);";
    assert_eq!(codes(sql), ["BM011"]);
    assert_eq!(codes_no_tx(sql), Vec::<&str>::new());
    assert_eq!(codes("DROP INDEX CONCURRENTLY i;"), ["BM011"]);
}

#[test]
fn lock_timeout_is_wanted_once_before_the_first_strong_lock() {
    let found = codes("ALTER TABLE users DROP COLUMN a;\nALTER TABLE users DROP COLUMN b;");
    assert_eq!(found, ["BM009", "BM012", "BM009"]);
    assert_eq!(
        codes("SET lock_timeout TO '1s'; ALTER TABLE users DROP COLUMN a;"),
        ["BM009"]
    );
    // A new table takes no lock anyone waits for.
    assert!(codes("CREATE TABLE t (a int); ALTER TABLE t ADD COLUMN b int;").is_empty());
}

#[test]
fn an_enum_value_added_in_a_transaction_cannot_be_used_in_it() {
    let sql = "ALTER TYPE mood ADD VALUE 'meh';\nUPDATE users SET mood = 'meh' WHERE id = 1;";
    assert_eq!(codes(sql), ["BM017"]);
    assert!(codes_no_tx(sql).is_empty());
    assert!(codes("ALTER TYPE mood ADD VALUE 'meh';").is_empty());
    let before_12 = lint_with("ALTER TYPE mood ADD VALUE 'meh';", true, 11, &[]);
    assert_eq!(before_12[0].code, "BM017");
    assert!(lint_with("ALTER TYPE mood ADD VALUE 'meh';", false, 11, &[]).is_empty());
}

#[test]
fn the_target_version_decides_fast_defaults_and_the_not_null_trick() {
    let add = "SET lock_timeout = '1s'; ALTER TABLE users ADD COLUMN n int DEFAULT 0;";
    assert!(lint_with(add, true, 11, &[]).is_empty());
    assert_eq!(lint_with(add, true, 10, &[])[0].code, "BM006");
    let trick = "SET lock_timeout = '1s';\nALTER TABLE users VALIDATE CONSTRAINT nn;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;";
    assert!(lint_with(trick, true, 12, &[]).is_empty());
    assert_eq!(lint_with(trick, true, 11, &[])[0].code, "BM004");
}

#[test]
fn tables_of_unapplied_revisions_are_new() {
    let sql = "CREATE INDEX i ON users (email);";
    assert_eq!(lint_with(sql, true, 16, &[])[0].code, "BM001");
    assert!(lint_with(sql, true, 16, &["users"]).is_empty());
}

#[test]
fn style_rules_are_off_by_default() {
    assert!(codes("CREATE TABLE t (name varchar(20), at timestamp);").is_empty());
    let text = "-- revision: 0002\n-- revises: 0001\n\n-- migrate:up\nCREATE TABLE t (name varchar(20), at timestamp);\n";
    let file = crate::source::parse(Path::new("0002_x.sql"), text.as_bytes()).expect("ok");
    let config = LintConfig::read(
        &serde_json::json!({"severity": {"BM014": "warning", "BM015": "error"}}),
        "lint",
        Path::new(""),
    )
    .expect("ok");
    let found = lint_file(&file, text, &mut HashSet::new(), 16, &config).0;
    let got: Vec<_> = found.iter().map(|f| (f.code, f.severity)).collect();
    assert_eq!(
        got,
        [("BM014", Severity::Warning), ("BM015", Severity::Error)]
    );
}

/// Words that would fire if they were statements, hidden in places that are not.
#[test]
fn comments_strings_quoted_names_and_bodies_never_fire() {
    let sql = r#"
-- DROP TABLE users; CREATE INDEX i ON users (a);
/* ALTER TABLE users DROP COLUMN email; /* nested: TRUNCATE users; */ */
CREATE TABLE "DROP TABLE users" ("CREATE INDEX ON users" text);
INSERT INTO notes (body) VALUES ('DROP TABLE users; ALTER TABLE users RENAME TO x;');
INSERT INTO notes (body) VALUES (E'it\'s DELETE FROM users;');
CREATE FUNCTION purge() RETURNS void LANGUAGE plpgsql AS $body$
BEGIN
  DELETE FROM users;
  EXECUTE 'DROP TABLE users';
  TRUNCATE users;
END
$body$;
CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;
COMMENT ON TABLE notes IS $$VACUUM FULL notes$$;
"#;
    assert_eq!(codes(sql), Vec::<&str>::new());
}

#[test]
fn findings_point_at_file_line_and_column() {
    let found = lint_with(
        "SET lock_timeout = '1s';\n\n  DROP TABLE users;",
        true,
        16,
        &[],
    );
    assert_eq!(found.len(), 1);
    let f = &found[0];
    assert_eq!(
        (f.code, f.name, f.line, f.column),
        ("BM010", "drop-table", 7, 3)
    );
    assert_eq!(f.statement, "DROP TABLE users;");
    assert_eq!(f.file, "0002_x.sql");
    assert!(f.detail.contains("\"users\""), "{}", f.detail);
}

#[test]
fn suppressions_need_known_codes_and_a_reason() {
    let allowed = "SET lock_timeout = '1s';\n-- brainmig:allow BM010 the table was never used\nDROP TABLE users;";
    assert!(codes(allowed).is_empty());
    let named =
        "SET lock_timeout = '1s';\n-- brainmig:allow drop-table retired in 2025\nDROP TABLE users;";
    assert!(codes(named).is_empty());
    let bare = "SET lock_timeout = '1s';\n-- brainmig:allow BM010\nDROP TABLE users;";
    assert_eq!(codes(bare), ["BM025"]);
    let unknown = "SET lock_timeout = '1s';\n-- brainmig:allow BM999 why not\nDROP TABLE users;";
    assert_eq!(codes(unknown), ["BM025", "BM010"]);
    // Only the next statement is covered.
    let next =
        "SET lock_timeout = '1s';\n-- brainmig:allow BM010 old\nDROP TABLE a;\nDROP TABLE b;";
    assert_eq!(codes(next), ["BM010"]);
    // Inside a string it is no comment.
    let quoted = "SET lock_timeout = '1s';\nSELECT '-- brainmig:allow BM010 x';\nDROP TABLE users;";
    assert_eq!(codes(quoted), ["BM010"]);
}

#[test]
fn a_file_header_suppresses_for_the_whole_file() {
    let text = "-- revision: 0002\n-- revises: 0001\n-- brainmig:allow-file BM009,BM012 columns retired in 0001\n\n-- migrate:up\nALTER TABLE a DROP COLUMN x;\nALTER TABLE b DROP COLUMN y;\n";
    let file = crate::source::parse(Path::new("0002_x.sql"), text.as_bytes()).expect("ok");
    let (found, suppressed) =
        lint_file(&file, text, &mut HashSet::new(), 16, &LintConfig::default());
    assert!(found.is_empty(), "{found:?}");
    assert_eq!(suppressed, 3);
    let bare = text.replace(" columns retired in 0001", "");
    let file = crate::source::parse(Path::new("0002_x.sql"), bare.as_bytes()).expect("ok");
    let found = lint_file(
        &file,
        &bare,
        &mut HashSet::new(),
        16,
        &LintConfig::default(),
    )
    .0;
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].code, found[0].line), ("BM025", 3));
}

#[test]
fn unparsable_statements_are_reported_not_guessed() {
    assert_eq!(codes("CREATE TABEL users (a int);"), ["BM026"]);
}

#[test]
fn autogenerate_labels_come_from_the_same_rules() {
    assert_eq!(codes_for("DROP TABLE users", true), ["BM010"]);
    assert_eq!(
        codes_for("ALTER TABLE users ALTER COLUMN a SET NOT NULL", true),
        ["BM004"]
    );
    assert!(codes_for("CREATE TABLE t (a int)", true).is_empty());
}
