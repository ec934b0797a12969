//! Tests for the schema snapshot: every object kind is seen, and every difference is named.

use std::path::Path;
use std::time::Instant;

use brainmig::config::DatabaseUrl;
use brainmig::db::Connection;
use brainmig::schema::{self, QualifiedName, Schema, TypeKind};

use crate::support::{TestDb, TestProject};

const VERSION_TABLE: &str = "brainmig_version";

/// A brainmig connection with its own runtime, as the commands use it.
struct Live {
    rt: tokio::runtime::Runtime,
    conn: Option<Connection>,
}

impl Live {
    fn postgres(db: &TestDb) -> Live {
        Live::open(&DatabaseUrl::Postgres(db.url()))
    }

    fn sqlite(path: &Path) -> Live {
        Live::open(&DatabaseUrl::Sqlite(Some(path.to_owned())))
    }

    fn open(url: &DatabaseUrl) -> Live {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let conn = rt.block_on(Connection::open(url)).unwrap();
        Live {
            rt,
            conn: Some(conn),
        }
    }

    fn run(&mut self, sql: &str) {
        if sql.is_empty() {
            return;
        }
        let conn = self.conn.as_mut().unwrap();
        if let Err(e) = self.rt.block_on(conn.execute(sql)) {
            panic!("{e}\nwhile running:\n{sql}");
        }
    }

    fn snapshot(&mut self) -> Schema {
        self.snapshot_ignoring(VERSION_TABLE)
    }

    fn snapshot_ignoring(&mut self, version_table: &str) -> Schema {
        let conn = self.conn.as_mut().unwrap();
        self.rt
            .block_on(schema::snapshot(conn, version_table))
            .unwrap()
    }

    fn ensure_version_table(&mut self, table: &str) {
        let conn = self.conn.as_mut().unwrap();
        self.rt.block_on(conn.ensure_version_table(table)).unwrap();
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.rt.block_on(conn.close());
        }
    }
}

fn differences(expected: &Schema, actual: &Schema) -> Vec<String> {
    schema::diff(expected, actual)
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn public(name: &str) -> QualifiedName {
    QualifiedName::new("public", name)
}

fn app(name: &str) -> QualifiedName {
    QualifiedName::new("app", name)
}

/// Plays a revision against a fresh database and returns what a wrong down section leaves
/// behind, in words.
///
/// Along the way it checks that `up` changes the snapshot, that the correct `down` restores it
/// exactly, and that running `up` again after `down` (the object dropped and recreated
/// identically) gives the same snapshot as the first time.
fn after_wrong_down(setup: &str, up: &str, down: &str, wrong_down: &str) -> Vec<String> {
    let db = TestDb::postgres();
    let mut live = Live::postgres(&db);
    live.run(setup);
    let before = live.snapshot();
    live.run(up);
    let upgraded = live.snapshot();
    assert_ne!(before, upgraded, "the snapshot does not see what `up` did");
    live.run(down);
    let downgraded = live.snapshot();
    assert_eq!(differences(&before, &downgraded), Vec::<String>::new());
    assert_eq!(before, downgraded);
    live.run(up);
    let again = live.snapshot();
    assert_eq!(
        differences(&upgraded, &again),
        Vec::<String>::new(),
        "dropped and recreated identically"
    );
    assert_eq!(upgraded, again);
    live.run(down);
    live.run(up);
    live.run(wrong_down);
    differences(&before, &live.snapshot())
}

const NOTES: &str = "CREATE TABLE notes (id int PRIMARY KEY, title text, body text)";

#[test]
fn a_leftover_index_is_named() {
    assert_eq!(
        after_wrong_down(
            NOTES,
            "CREATE INDEX notes_title_idx ON notes (title)",
            "DROP INDEX notes_title_idx",
            "",
        ),
        ["index `notes_title_idx` on `notes` is still present"]
    );
}

#[test]
fn an_index_recreated_with_other_columns_is_named() {
    assert_eq!(
        after_wrong_down(
            "CREATE TABLE notes (id int PRIMARY KEY, title text, body text, archived bool);
             CREATE INDEX notes_title_idx ON notes USING btree (lower(title)) INCLUDE (id) WHERE NOT archived",
            "DROP INDEX notes_title_idx",
            "CREATE INDEX notes_title_idx ON notes (lower(title)) INCLUDE (id) WHERE (NOT archived)",
            "CREATE UNIQUE INDEX notes_title_idx ON notes (title)",
        ),
        [
            "index `notes_title_idx` on `notes`: uniqueness was not unique, is unique",
            "index `notes_title_idx` on `notes`: definition was USING btree (lower(title)) INCLUDE (id) WHERE \
             (NOT archived), is USING btree (title)"
        ]
    );
}

#[test]
fn a_leftover_enum_type_is_named() {
    assert_eq!(
        after_wrong_down(
            "",
            "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
            "DROP TYPE mood",
            "",
        ),
        ["enum type `mood` is still present"]
    );
}

#[test]
fn enum_labels_compare_in_order() {
    assert_eq!(
        after_wrong_down(
            "CREATE TYPE mood AS ENUM ('sad', 'happy')",
            "ALTER TYPE mood ADD VALUE 'ok' BEFORE 'happy'",
            "DROP TYPE mood; CREATE TYPE mood AS ENUM ('sad', 'happy')",
            "DROP TYPE mood; CREATE TYPE mood AS ENUM ('happy', 'sad')",
        ),
        ["enum type `mood`: labels were 'sad', 'happy', are 'happy', 'sad'"]
    );
}

#[test]
fn a_leftover_sequence_is_named() {
    assert_eq!(
        after_wrong_down(
            "",
            "CREATE SEQUENCE invoice_numbers START 1000",
            "DROP SEQUENCE invoice_numbers",
            "",
        ),
        ["sequence `invoice_numbers` is still present"]
    );
}

#[test]
fn a_sequence_recreated_with_other_options_is_named() {
    assert_eq!(
        after_wrong_down(
            "CREATE SEQUENCE invoice_numbers AS integer START 1000 INCREMENT 10",
            "DROP SEQUENCE invoice_numbers",
            "CREATE SEQUENCE invoice_numbers AS integer START 1000 INCREMENT BY 10",
            "CREATE SEQUENCE invoice_numbers START 1000",
        ),
        [
            "sequence `invoice_numbers`: type was integer, is bigint",
            "sequence `invoice_numbers`: increment was 10, is 1",
            "sequence `invoice_numbers`: maximum was 2147483647, is 9223372036854775807",
        ]
    );
}

#[test]
fn a_leftover_trigger_is_named() {
    assert_eq!(
        after_wrong_down(
            "CREATE TABLE notes (id int, updated_at timestamptz);
             CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql
                 AS $$BEGIN NEW.updated_at := now(); RETURN NEW; END$$",
            "CREATE TRIGGER notes_touch BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION touch()",
            "DROP TRIGGER notes_touch ON notes",
            "",
        ),
        ["trigger `notes_touch` on `notes` is still present"]
    );
}

#[test]
fn a_leftover_function_is_named() {
    assert_eq!(
        after_wrong_down(
            "",
            "CREATE FUNCTION slugify(title text) RETURNS text LANGUAGE sql IMMUTABLE
                 RETURN lower(replace(title, ' ', '-'))",
            "DROP FUNCTION slugify(text)",
            "",
        ),
        ["function `slugify(text)` is still present"]
    );
}

#[test]
fn a_function_body_not_restored_is_named() {
    assert_eq!(
        after_wrong_down(
            "CREATE FUNCTION slugify(title text) RETURNS text LANGUAGE sql IMMUTABLE
                 RETURN lower(title)",
            "CREATE OR REPLACE FUNCTION slugify(title text) RETURNS text LANGUAGE sql STABLE
                 RETURN lower(replace(title, ' ', '-'))",
            "CREATE OR REPLACE FUNCTION slugify(title text) RETURNS text LANGUAGE sql IMMUTABLE
                 RETURN   lower( title )",
            "",
        ),
        [
            "function `slugify(text)`: body was RETURN lower(title), is RETURN lower(replace(title, ' '::text, \
             '-'::text))",
            "function `slugify(text)`: attributes were IMMUTABLE COST 100, are STABLE COST 100",
        ]
    );
}

#[test]
fn a_leftover_procedure_is_named() {
    assert_eq!(
        after_wrong_down(
            NOTES,
            "CREATE PROCEDURE purge_notes(keep int) LANGUAGE sql AS $$DELETE FROM notes WHERE id > keep$$",
            "DROP PROCEDURE purge_notes",
            "",
        ),
        ["procedure `purge_notes(integer)` is still present"]
    );
}

#[test]
fn a_leftover_view_is_named() {
    assert_eq!(
        after_wrong_down(
            NOTES,
            "CREATE VIEW recent_notes AS SELECT id, title FROM notes WHERE id > 10",
            "DROP VIEW recent_notes",
            "",
        ),
        ["view `recent_notes` is still present"]
    );
}

#[test]
fn a_view_definition_not_restored_is_named() {
    assert_eq!(
        after_wrong_down(
            &format!("{NOTES}; CREATE VIEW recent_notes AS SELECT id, title FROM notes"),
            "CREATE OR REPLACE VIEW recent_notes AS SELECT id, title, body FROM notes",
            "DROP VIEW recent_notes; CREATE VIEW recent_notes AS\n  SELECT id,\n         title\n    FROM notes",
            "",
        ),
        [
            "view `recent_notes`: definition was SELECT notes.id, notes.title FROM notes;, is SELECT notes.id, \
             notes.title, notes.body FROM notes;"
        ]
    );
}

#[test]
fn a_leftover_materialized_view_is_named_once_with_its_index() {
    assert_eq!(
        after_wrong_down(
            NOTES,
            "CREATE MATERIALIZED VIEW note_counts AS SELECT count(*) AS n FROM notes;
             CREATE UNIQUE INDEX note_counts_n ON note_counts (n)",
            "DROP MATERIALIZED VIEW note_counts",
            "",
        ),
        ["materialized view `note_counts` is still present"]
    );
}

#[test]
fn a_leftover_table_is_named_once_with_its_index_and_sequence() {
    assert_eq!(
        after_wrong_down(
            "",
            "CREATE TABLE tags (id serial PRIMARY KEY, name text UNIQUE);
             CREATE INDEX tags_name_lower_idx ON tags (lower(name))",
            "DROP TABLE tags",
            "",
        ),
        ["table `tags` is still present"]
    );
}

#[test]
fn a_changed_column_default_is_named() {
    assert_eq!(
        after_wrong_down(
            "CREATE TABLE notes (id int, status text DEFAULT 'draft')",
            "ALTER TABLE notes ALTER COLUMN status SET DEFAULT 'published'",
            "ALTER TABLE notes ALTER COLUMN status SET DEFAULT 'draft'",
            "ALTER TABLE notes ALTER COLUMN status DROP DEFAULT",
        ),
        ["column `notes.status`: default was 'draft'::text, is none"]
    );
}

#[test]
fn a_constraint_recreated_under_another_name_is_named() {
    assert_eq!(
        after_wrong_down(
            "CREATE TABLE users (id int PRIMARY KEY, email text UNIQUE)",
            "ALTER TABLE users DROP CONSTRAINT users_email_key",
            "ALTER TABLE users ADD UNIQUE (email)",
            "ALTER TABLE users ADD CONSTRAINT users_email_unique UNIQUE (email)",
        ),
        [
            "unique constraint `users_email_key` on `users` is missing",
            "unique constraint `users_email_unique` on `users` is still present",
        ]
    );
}

#[test]
fn a_foreign_key_recreated_without_its_actions_is_named() {
    assert_eq!(
        after_wrong_down(
            "CREATE TABLE users (id int PRIMARY KEY);
             CREATE TABLE posts (id int PRIMARY KEY,
                 author_id int REFERENCES users ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED)",
            "ALTER TABLE posts DROP CONSTRAINT posts_author_id_fkey",
            "ALTER TABLE posts ADD FOREIGN KEY (author_id) REFERENCES users (id)
                 ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED",
            "ALTER TABLE posts ADD FOREIGN KEY (author_id) REFERENCES users (id)",
        ),
        [
            "foreign key `posts_author_id_fkey` on `posts`: definition was FOREIGN KEY (author_id) REFERENCES \
             users(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED, is FOREIGN KEY (author_id) REFERENCES \
             users(id)"
        ]
    );
}

#[test]
fn leftover_check_and_exclusion_constraints_are_named() {
    assert_eq!(
        after_wrong_down(
            "CREATE TABLE bookings (room int, during tstzrange)",
            "ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (during WITH &&);
             ALTER TABLE bookings ADD CHECK (room > 0)",
            "ALTER TABLE bookings DROP CONSTRAINT bookings_no_overlap;
             ALTER TABLE bookings DROP CONSTRAINT bookings_room_check",
            "",
        ),
        [
            "exclusion constraint `bookings_no_overlap` on `bookings` is still present",
            "check constraint `bookings_room_check` on `bookings` is still present",
        ]
    );
}

#[test]
fn a_column_type_not_restored_is_named() {
    assert_eq!(
        after_wrong_down(
            "CREATE TABLE users (id int, full_name text)",
            "ALTER TABLE users ALTER COLUMN full_name TYPE varchar(255)",
            "ALTER TABLE users ALTER COLUMN full_name TYPE text",
            "",
        ),
        ["column `users.full_name`: type was text, is character varying(255)"]
    );
}

#[test]
fn a_changed_column_order_is_named() {
    assert_eq!(
        after_wrong_down(
            "CREATE TABLE users (id int, name text, email text)",
            "ALTER TABLE users DROP COLUMN name",
            "DROP TABLE users; CREATE TABLE users (id int, name text, email text)",
            "ALTER TABLE users ADD COLUMN name text",
        ),
        ["table `users`: column order was (id, name, email), is (id, email, name)"]
    );
}

#[test]
fn column_nullability_identity_collation_and_generation_are_compared() {
    assert_eq!(
        after_wrong_down(
            "CREATE TABLE notes (id int NOT NULL, title text, size int GENERATED ALWAYS AS (length(title)) STORED)",
            "ALTER TABLE notes ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;
             ALTER TABLE notes ALTER COLUMN title SET NOT NULL;
             ALTER TABLE notes DROP COLUMN size;
             ALTER TABLE notes ALTER COLUMN title TYPE text COLLATE \"C\";
             ALTER TABLE notes ADD COLUMN size int GENERATED ALWAYS AS (octet_length(title)) STORED",
            "ALTER TABLE notes ALTER COLUMN id DROP IDENTITY;
             ALTER TABLE notes ALTER COLUMN title DROP NOT NULL;
             ALTER TABLE notes DROP COLUMN size;
             ALTER TABLE notes ALTER COLUMN title TYPE text COLLATE \"default\";
             ALTER TABLE notes ADD COLUMN size int GENERATED ALWAYS AS (length(title)) STORED",
            "",
        ),
        [
            "column `notes.id`: identity was none, is always",
            "column `notes.size`: generated was length(title), is octet_length(title)",
            "column `notes.title`: nullability was nullable, is not null",
            "column `notes.title`: collation was none, is C",
            "sequence `notes_id_seq` is still present",
        ]
    );
}

#[test]
fn leftover_schemas_extensions_domains_and_composite_types_are_named() {
    assert_eq!(
        after_wrong_down(
            "",
            "CREATE SCHEMA archive;
             CREATE EXTENSION citext;
             CREATE DOMAIN email AS citext CHECK (VALUE LIKE '%@%');
             CREATE TYPE pair AS (a int, b text);
             CREATE TYPE float_range AS RANGE (subtype = float8)",
            "DROP TYPE float_range; DROP TYPE pair; DROP DOMAIN email; DROP EXTENSION citext; DROP SCHEMA archive",
            "",
        ),
        [
            "schema `archive` is still present",
            "extension `citext` is still present",
            "domain `email` is still present",
            "range type `float_range` is still present",
            "composite type `pair` is still present",
        ]
    );
}

#[test]
fn a_domain_check_recreated_under_another_name_is_named() {
    assert_eq!(
        after_wrong_down(
            "CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%')",
            "DROP DOMAIN email",
            "CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%')",
            "CREATE DOMAIN email AS text NOT NULL CONSTRAINT email_has_at CHECK (VALUE LIKE '%@%')",
        ),
        [
            "domain `email`: nullability was nullable, is not null",
            "check constraint `email_check` on domain `email` is missing",
            "check constraint `email_has_at` on domain `email` is still present",
        ]
    );
}

#[test]
fn comments_are_compared() {
    assert_eq!(
        after_wrong_down(
            &format!("{NOTES}; CREATE INDEX notes_title_idx ON notes (title)"),
            "COMMENT ON TABLE notes IS 'Things to remember';
             COMMENT ON COLUMN notes.title IS 'Shown in lists';
             COMMENT ON INDEX notes_title_idx IS 'For search';
             COMMENT ON CONSTRAINT notes_pkey ON notes IS 'Ids';
             COMMENT ON SCHEMA public IS 'Our things'",
            "COMMENT ON TABLE notes IS NULL;
             COMMENT ON COLUMN notes.title IS NULL;
             COMMENT ON INDEX notes_title_idx IS NULL;
             COMMENT ON CONSTRAINT notes_pkey ON notes IS NULL;
             COMMENT ON SCHEMA public IS 'standard public schema'",
            "COMMENT ON TABLE notes IS NULL",
        ),
        [
            "schema `public`: comment was standard public schema, is Our things",
            "column `notes.title`: comment was none, is Shown in lists",
            "primary key `notes_pkey` on `notes`: comment was none, is Ids",
            "index `notes_title_idx` on `notes`: comment was none, is For search",
        ]
    );
}

#[test]
fn row_level_security_and_policies_are_compared() {
    assert_eq!(
        after_wrong_down(
            "CREATE TABLE notes (id int, owner text)",
            "ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
             CREATE POLICY notes_owner ON notes FOR SELECT USING (owner = current_user)",
            "DROP POLICY notes_owner ON notes; ALTER TABLE notes DISABLE ROW LEVEL SECURITY",
            "DROP POLICY notes_owner ON notes",
        ),
        ["table `notes`: row-level security was disabled, is enabled"]
    );
    assert_eq!(
        after_wrong_down(
            "CREATE TABLE notes (id int, owner text)",
            "CREATE POLICY notes_owner ON notes FOR SELECT USING (owner = current_user)",
            "DROP POLICY notes_owner ON notes",
            "",
        ),
        ["policy `notes_owner` on `notes` is still present"]
    );
}

#[test]
fn a_leftover_partition_is_named() {
    assert_eq!(
        after_wrong_down(
            "CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);
             CREATE INDEX events_at_idx ON events (at)",
            "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
            "DROP TABLE events_2024",
            "",
        ),
        ["table `events_2024` is still present"]
    );
}

#[test]
fn objects_outside_public_are_named_with_their_schema() {
    assert_eq!(
        after_wrong_down(
            "CREATE SCHEMA app; CREATE TABLE app.notes (id int, title text)",
            "CREATE INDEX notes_title_idx ON app.notes (title); ALTER TABLE app.notes ADD COLUMN body text",
            "DROP INDEX app.notes_title_idx; ALTER TABLE app.notes DROP COLUMN body",
            "",
        ),
        [
            "column `app.notes.body` is still present",
            "index `notes_title_idx` on `app.notes` is still present",
        ]
    );
}

/// Objects of every kind, in schema `app` (and one table in `public` for cross-schema names);
/// `DROP SCHEMA app CASCADE; DROP TABLE public.accounts` removes them all.
const EVERYTHING: &str = r#"
CREATE SCHEMA app;
COMMENT ON SCHEMA app IS 'The application';
CREATE EXTENSION citext SCHEMA app;
CREATE TABLE public.accounts (id bigint PRIMARY KEY);
CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
COMMENT ON TYPE app.mood IS 'How it went';
CREATE DOMAIN app.email AS app.citext NOT NULL DEFAULT 'nobody@example.com' CHECK (VALUE LIKE '%@%');
CREATE TYPE app.pair AS (a int, b text);
CREATE TYPE app.float_range AS RANGE (subtype = float8);
CREATE SEQUENCE app.invoice_numbers AS integer START 1000 INCREMENT 10 CACHE 5 CYCLE;
COMMENT ON SEQUENCE app.invoice_numbers IS 'Numbers';
CREATE TABLE app.notes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES public.accounts ON DELETE CASCADE DEFERRABLE,
    title text COLLATE "C" NOT NULL DEFAULT 'untitled',
    body text,
    mood app.mood DEFAULT 'ok',
    author app.email,
    during tstzrange,
    title_length int GENERATED ALWAYS AS (length(title)) STORED,
    serial_no serial,
    CONSTRAINT notes_title_unique UNIQUE (account_id, title),
    CHECK (length(body) < 10000),
    EXCLUDE USING gist (during WITH &&)
) WITH (fillfactor = 80);
ALTER SEQUENCE app.invoice_numbers OWNED BY app.notes.id;
COMMENT ON TABLE app.notes IS 'Things to remember';
COMMENT ON COLUMN app.notes.title IS 'Shown in lists';
CREATE INDEX notes_search_idx ON app.notes USING btree (lower(title) DESC) INCLUDE (body) WHERE body IS NOT NULL;
CREATE INDEX notes_body_hash ON app.notes USING hash (body);
COMMENT ON INDEX app.notes_search_idx IS 'Search';
ALTER TABLE app.notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.notes FORCE ROW LEVEL SECURITY;
CREATE POLICY notes_mine ON app.notes AS RESTRICTIVE FOR UPDATE TO postgres USING (account_id > 0)
    WITH CHECK (account_id < 1000);
COMMENT ON POLICY notes_mine ON app.notes IS 'Mine';
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = app
    AS $$BEGIN NEW.body := coalesce(NEW.body, ''); RETURN NEW; END$$;
CREATE TRIGGER notes_touch BEFORE INSERT OR UPDATE OF body ON app.notes
    FOR EACH ROW WHEN (NEW.title <> '') EXECUTE FUNCTION app.touch();
COMMENT ON TRIGGER notes_touch ON app.notes IS 'Touch';
CREATE FUNCTION app.slugify(title text, sep text DEFAULT '-') RETURNS text LANGUAGE sql IMMUTABLE STRICT
    PARALLEL SAFE RETURN lower(replace(title, ' ', sep));
CREATE FUNCTION app.slugify(n int) RETURNS SETOF text LANGUAGE sql ROWS 5 AS 'SELECT n::text';
COMMENT ON FUNCTION app.slugify(text, text) IS 'Slug';
CREATE PROCEDURE app.purge(keep int) LANGUAGE plpgsql AS $$BEGIN DELETE FROM app.notes WHERE id > keep; END$$;
CREATE AGGREGATE app.longest(text) (SFUNC = text_larger, STYPE = text);
CREATE TABLE app.events (id int, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE app.events_2024 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE INDEX events_at_idx ON app.events (at);
CREATE TABLE app.audit (at timestamptz DEFAULT now());
CREATE TABLE app.note_audit (note_id bigint) INHERITS (app.audit);
CREATE UNLOGGED TABLE app.scratch (x int);
CREATE VIEW app.recent_notes WITH (security_barrier) AS
    SELECT id, title FROM app.notes WHERE id > 10 WITH LOCAL CHECK OPTION;
COMMENT ON VIEW app.recent_notes IS 'Recent';
COMMENT ON COLUMN app.recent_notes.title IS 'Its title';
CREATE FUNCTION app.recent_insert() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER recent_insert INSTEAD OF INSERT ON app.recent_notes
    FOR EACH ROW EXECUTE FUNCTION app.recent_insert();
CREATE MATERIALIZED VIEW app.note_counts AS SELECT account_id, count(*) AS n FROM app.notes GROUP BY account_id;
CREATE UNIQUE INDEX note_counts_account ON app.note_counts (account_id);
"#;

const NOTHING: &str = "DROP SCHEMA app CASCADE; DROP TABLE public.accounts CASCADE";

#[test]
fn every_object_kind_is_seen() {
    let db = TestDb::postgres();
    let mut live = Live::postgres(&db);
    assert!(live.snapshot().is_empty(), "a new database is empty");
    live.run(EVERYTHING);
    let s = live.snapshot();
    assert!(!s.is_empty());

    assert_eq!(s.schemas["app"].comment.as_deref(), Some("The application"));
    assert_eq!(s.extensions["citext"].schema, "app");
    assert!(
        s.functions.keys().all(|f| !f.name.starts_with("citext")),
        "objects of extensions are left out"
    );
    assert_eq!(
        s.types[&app("mood")].kind,
        TypeKind::Enum {
            labels: vec!["sad".into(), "ok".into(), "happy".into()]
        }
    );
    assert_eq!(
        s.types[&app("mood")].comment.as_deref(),
        Some("How it went")
    );
    let TypeKind::Domain {
        base_type,
        not_null,
        default,
        constraints,
        ..
    } = &s.types[&app("email")].kind
    else {
        panic!("{:?}", s.types[&app("email")]);
    };
    assert_eq!(
        (base_type.as_str(), *not_null, default.as_deref()),
        ("app.citext", true, Some("'nobody@example.com'::app.citext"))
    );
    assert_eq!(
        constraints["email_check"].definition,
        "CHECK (VALUE::text ~~ '%@%'::text)"
    );
    assert_eq!(
        s.types[&app("pair")].kind,
        TypeKind::Composite {
            attributes: vec!["a integer".into(), "b text".into()]
        }
    );
    assert_eq!(
        s.types[&app("float_range")].kind,
        TypeKind::Range {
            subtype: "double precision".into()
        }
    );
    assert!(
        !s.types.contains_key(&app("float_multirange")),
        "multiranges come with their range"
    );

    let notes = &s.tables[&app("notes")];
    assert_eq!(
        notes.column_order,
        [
            "id",
            "account_id",
            "title",
            "body",
            "mood",
            "author",
            "during",
            "title_length",
            "serial_no"
        ]
    );
    assert_eq!(notes.columns["id"].identity.as_deref(), Some("always"));
    assert_eq!(notes.columns["title"].collation.as_deref(), Some("C"));
    assert_eq!(
        notes.columns["title"].default.as_deref(),
        Some("'untitled'::text")
    );
    assert!(notes.columns["title"].not_null);
    assert_eq!(
        notes.columns["title"].comment.as_deref(),
        Some("Shown in lists")
    );
    assert_eq!(notes.columns["mood"].data_type, "app.mood");
    assert_eq!(
        notes.columns["title_length"].generated.as_deref(),
        Some("length(title)")
    );
    assert_eq!(notes.columns["title_length"].default, None);
    assert_eq!(
        notes.columns["serial_no"].default.as_deref(),
        Some("nextval('app.notes_serial_no_seq'::regclass)")
    );
    assert_eq!(notes.options.as_deref(), Some("fillfactor=80"));
    assert!(notes.row_security && notes.force_row_security);
    assert_eq!(notes.comment.as_deref(), Some("Things to remember"));
    let constraints: Vec<(&str, &str, &str)> = notes
        .constraints
        .iter()
        .map(|(name, c)| (name.as_str(), c.kind.as_str(), c.definition.as_str()))
        .collect();
    assert_eq!(
        constraints,
        [
            (
                "notes_account_id_fkey",
                "foreign key",
                "FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE DEFERRABLE"
            ),
            (
                "notes_body_check",
                "check constraint",
                "CHECK (length(body) < 10000)"
            ),
            (
                "notes_during_excl",
                "exclusion constraint",
                "EXCLUDE USING gist (during WITH &&)"
            ),
            ("notes_pkey", "primary key", "PRIMARY KEY (id)"),
            (
                "notes_title_unique",
                "unique constraint",
                "UNIQUE (account_id, title)"
            ),
        ]
    );
    let policy = &notes.policies["notes_mine"];
    assert_eq!(
        (
            policy.command.as_str(),
            policy.mode.as_str(),
            policy.roles.as_slice(),
            policy.using.as_deref(),
            policy.with_check.as_deref(),
            policy.comment.as_deref()
        ),
        (
            "UPDATE",
            "restrictive",
            ["postgres".to_owned()].as_slice(),
            Some("(account_id > 0)"),
            Some("(account_id < 1000)"),
            Some("Mine")
        )
    );
    let trigger = &notes.triggers["notes_touch"];
    assert_eq!(
        trigger.definition,
        "CREATE TRIGGER notes_touch BEFORE INSERT OR UPDATE OF body ON app.notes FOR EACH ROW WHEN \
         (new.title <> ''::text) EXECUTE FUNCTION app.touch()"
    );
    assert_eq!(trigger.comment.as_deref(), Some("Touch"));

    // Indexes behind constraints are part of the constraint.
    let indexes: Vec<(&str, &str, bool, &str)> = s
        .indexes
        .iter()
        .map(|(n, i)| {
            (
                n.name.as_str(),
                i.table.name.as_str(),
                i.unique,
                i.definition.as_str(),
            )
        })
        .collect();
    assert_eq!(
        indexes,
        [
            (
                "events_2024_at_idx",
                "events_2024",
                false,
                "USING btree (at)"
            ),
            ("events_at_idx", "events", false, "USING btree (at)"),
            (
                "note_counts_account",
                "note_counts",
                true,
                "USING btree (account_id)"
            ),
            ("notes_body_hash", "notes", false, "USING hash (body)"),
            (
                "notes_search_idx",
                "notes",
                false,
                "USING btree (lower(title) DESC) INCLUDE (body) WHERE (body IS NOT NULL)"
            ),
        ]
    );
    assert_eq!(
        s.indexes[&app("notes_search_idx")].comment.as_deref(),
        Some("Search")
    );

    let events = &s.tables[&app("events")];
    assert_eq!(events.kind, "partitioned table");
    assert_eq!(events.partition_key.as_deref(), Some("RANGE (at)"));
    assert_eq!(
        s.tables[&app("events_2024")].partition_of.as_deref(),
        Some("app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')")
    );
    assert_eq!(s.tables[&app("note_audit")].parents, ["app.audit"]);
    assert_eq!(s.tables[&app("note_audit")].column_order, ["at", "note_id"]);
    assert!(s.tables[&app("scratch")].unlogged);

    let invoice = &s.sequences[&app("invoice_numbers")];
    assert_eq!(
        (
            invoice.data_type.as_str(),
            invoice.start,
            invoice.increment,
            invoice.cache,
            invoice.cycle
        ),
        ("integer", 1000, 10, 5, true)
    );
    assert_eq!(
        invoice
            .owned_by
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("app.notes.id")
    );
    assert_eq!(
        s.sequences[&app("notes_id_seq")]
            .owned_by
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("app.notes.id (identity)")
    );
    assert!(s.sequences.contains_key(&app("notes_serial_no_seq")));

    let recent = &s.views[&app("recent_notes")];
    assert!(!recent.materialized);
    assert_eq!(
        recent.definition,
        " SELECT notes.id,\n    notes.title\n   FROM app.notes\n  WHERE notes.id > 10;"
    );
    assert_eq!(
        recent.options.as_deref(),
        Some("security_barrier=true, check_option=local")
    );
    assert_eq!(recent.comment.as_deref(), Some("Recent"));
    assert_eq!(recent.column_comments["title"], "Its title");
    assert!(recent.triggers.contains_key("recent_insert"));
    assert!(s.views[&app("note_counts")].materialized);

    let functions: Vec<(String, &str)> = s
        .functions
        .iter()
        .map(|(n, f)| (n.to_string(), f.kind.as_str()))
        .collect();
    assert_eq!(
        functions,
        [
            ("app.longest(text)".to_owned(), "aggregate"),
            ("app.purge(integer)".to_owned(), "procedure"),
            ("app.recent_insert()".to_owned(), "function"),
            ("app.slugify(integer)".to_owned(), "function"),
            ("app.slugify(text, text)".to_owned(), "function"),
            ("app.touch()".to_owned(), "function"),
        ]
    );
    let slugify = &s.functions[&app("slugify(text, text)")];
    assert_eq!(slugify.arguments, "title text, sep text DEFAULT '-'::text");
    assert_eq!(slugify.result.as_deref(), Some("text"));
    assert_eq!(slugify.language, "sql");
    assert_eq!(slugify.body, "RETURN lower(replace(title, ' '::text, sep))");
    assert_eq!(
        slugify.attributes,
        "IMMUTABLE STRICT PARALLEL SAFE COST 100"
    );
    assert_eq!(slugify.comment.as_deref(), Some("Slug"));
    assert_eq!(
        s.functions[&app("slugify(integer)")].attributes,
        "VOLATILE COST 100 ROWS 5"
    );
    assert_eq!(
        s.functions[&app("touch()")].attributes,
        "VOLATILE SECURITY DEFINER COST 100 SET search_path=app"
    );
    assert_eq!(
        s.functions[&app("longest(text)")].body,
        "SFUNC = text_larger, STYPE = text"
    );

    // The model holds no OIDs and serializes with its names as keys.
    let json = serde_json::to_value(&s).unwrap();
    assert!(json["tables"]["app.notes"]["columns"]["title"].is_object());
}

#[test]
fn every_object_kind_is_stable_when_dropped_and_recreated() {
    let db = TestDb::postgres();
    let mut live = Live::postgres(&db);
    let empty = live.snapshot();
    live.run(EVERYTHING);
    let first = live.snapshot();
    live.run(NOTHING);
    assert_eq!(differences(&empty, &live.snapshot()), Vec::<String>::new());
    live.run(EVERYTHING);
    let second = live.snapshot();
    assert_eq!(differences(&first, &second), Vec::<String>::new());
    assert_eq!(first, second);
}

#[test]
fn a_session_search_path_does_not_change_the_snapshot() {
    let db = TestDb::postgres();
    let mut live = Live::postgres(&db);
    live.run(EVERYTHING);
    let first = live.snapshot();
    live.run("SET search_path = app, public");
    assert_eq!(differences(&first, &live.snapshot()), Vec::<String>::new());
    // The session keeps its own setting.
    live.run("CREATE TABLE probe (x int)");
    assert!(live.snapshot().tables.contains_key(&app("probe")));
}

#[test]
fn the_version_table_and_what_belongs_to_it_are_left_out() {
    let db = TestDb::postgres();
    let mut live = Live::postgres(&db);
    live.ensure_version_table(VERSION_TABLE);
    live.run(
        "CREATE INDEX brainmig_version_applied_idx ON brainmig_version (applied_at);
         ALTER TABLE brainmig_version ADD COLUMN n serial;
         COMMENT ON TABLE brainmig_version IS 'Ours'",
    );
    let s = live.snapshot();
    assert!(s.is_empty(), "{s:#?}");

    // The same name in another schema is somebody else's table.
    live.run("CREATE SCHEMA app; CREATE TABLE app.brainmig_version (id int)");
    let s = live.snapshot();
    assert_eq!(
        s.tables.keys().collect::<Vec<_>>(),
        [&app("brainmig_version")]
    );

    // A qualified version table.
    live.ensure_version_table("app.versions");
    let s = live.snapshot_ignoring("app.versions");
    assert_eq!(
        s.tables.keys().collect::<Vec<_>>(),
        [&app("brainmig_version"), &public("brainmig_version")]
    );
}

#[test]
fn the_snapshot_sees_300_tables() {
    let db = TestDb::postgres();
    let mut live = Live::postgres(&db);
    let mut sql = String::new();
    for i in 0..300 {
        let parent = if i == 0 {
            String::new()
        } else {
            format!(" REFERENCES t{} (id) ON DELETE CASCADE", i - 1)
        };
        sql.push_str(&format!(
            "CREATE TABLE t{i} (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, parent_id bigint{parent}, \
             name text NOT NULL, note text DEFAULT '', created_at timestamptz NOT NULL DEFAULT now());\n\
             CREATE INDEX t{i}_name_idx ON t{i} (name);\n\
             COMMENT ON TABLE t{i} IS 'table {i}';\n"
        ));
        if i % 10 == 0 {
            sql.push_str(&format!(
                "CREATE VIEW v{i} AS SELECT id, name FROM t{i} WHERE note <> '';\n\
                 CREATE FUNCTION f{i}(x bigint) RETURNS bigint LANGUAGE sql STABLE \
                 AS 'SELECT count(*) FROM t{i} WHERE id > x';\n"
            ));
        }
    }
    live.run(&sql);
    live.snapshot(); // warm up: the statement is prepared once per connection
    let started = Instant::now();
    let s = live.snapshot();
    let elapsed = started.elapsed();
    eprintln!("snapshot of 300 tables took {elapsed:?}");
    assert_eq!(s.tables.len(), 300);
    assert_eq!(s.indexes.len(), 300);
    assert_eq!(s.views.len(), 30);
    assert_eq!(s.functions.len(), 30);
    assert_eq!(s.sequences.len(), 300);
    assert_eq!(
        s.tables[&public("t7")].constraints["t7_parent_id_fkey"].definition,
        "FOREIGN KEY (parent_id) REFERENCES t6(id) ON DELETE CASCADE"
    );
}

#[test]
fn sqlite_tables_columns_indexes_keys_views_and_triggers_are_seen() {
    let project = TestProject::empty();
    let path = project.path("app.db");
    let mut live = Live::sqlite(&path);
    assert!(live.snapshot().is_empty());
    live.ensure_version_table(VERSION_TABLE);
    assert!(live.snapshot().is_empty(), "the version table is left out");

    let schema_sql = "
        CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, full_name TEXT DEFAULT 'anon');
        CREATE TABLE notes (
            id INTEGER NOT NULL,
            author_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
            title TEXT,
            size INTEGER GENERATED ALWAYS AS (length(title)) VIRTUAL,
            PRIMARY KEY (id, author_id)
        ) STRICT;
        CREATE INDEX notes_title_idx ON notes (title) WHERE title IS NOT NULL;
        CREATE VIEW named AS SELECT id,   full_name FROM users;
        CREATE TRIGGER notes_guard BEFORE DELETE ON notes BEGIN SELECT 1; END;
    ";
    live.run(schema_sql);
    let s = live.snapshot();
    let main = |name: &str| QualifiedName::new("main", name);
    assert_eq!(
        s.tables.keys().collect::<Vec<_>>(),
        [&main("notes"), &main("users")]
    );
    let users = &s.tables[&main("users")];
    assert_eq!(users.column_order, ["id", "email", "full_name"]);
    assert_eq!(users.columns["email"].data_type, "TEXT");
    assert!(users.columns["email"].not_null);
    assert_eq!(
        users.columns["full_name"].default.as_deref(),
        Some("'anon'")
    );
    let notes = &s.tables[&main("notes")];
    assert_eq!(notes.options.as_deref(), Some("STRICT"));
    assert_eq!(notes.columns["size"].generated.as_deref(), Some("virtual"));
    let constraints = |t: &brainmig::schema::Table| -> Vec<(String, String)> {
        t.constraints
            .iter()
            .map(|(k, c)| (k.clone(), c.definition.clone()))
            .collect()
    };
    assert_eq!(
        constraints(users),
        [
            ("primary key".to_owned(), "PRIMARY KEY (id)".to_owned()),
            (
                "unique constraint (email)".to_owned(),
                "UNIQUE (email)".to_owned()
            ),
        ]
    );
    assert_eq!(
        constraints(notes),
        [
            (
                "foreign key (author_id)".to_owned(),
                "FOREIGN KEY (author_id) REFERENCES users(id) ON DELETE CASCADE".to_owned()
            ),
            (
                "primary key".to_owned(),
                "PRIMARY KEY (id, author_id)".to_owned()
            ),
        ]
    );
    assert_eq!(
        s.indexes[&main("notes_title_idx")].definition,
        "CREATE INDEX notes_title_idx ON notes (title) WHERE title IS NOT NULL"
    );
    assert_eq!(
        s.views[&main("named")].definition,
        "CREATE VIEW named AS SELECT id, full_name FROM users"
    );
    assert!(notes.triggers.contains_key("notes_guard"));

    // Dropped and recreated identically (blanks aside): the same snapshot.
    live.run("DROP VIEW named; DROP TABLE notes; DROP TABLE users");
    live.run(&schema_sql.replace("  ", "\t"));
    assert_eq!(differences(&s, &live.snapshot()), Vec::<String>::new());

    // What wrong down sections leave behind.
    live.run(
        "CREATE INDEX users_name_idx ON users (full_name);
         DROP TABLE notes;
         CREATE TABLE notes (id INTEGER NOT NULL, author_id INTEGER REFERENCES users (id), title TEXT,
             size INTEGER GENERATED ALWAYS AS (length(title)) VIRTUAL, PRIMARY KEY (id, author_id)) STRICT;
         ALTER TABLE users RENAME COLUMN full_name TO name;
         ALTER TABLE users ADD COLUMN full_name VARCHAR(255) DEFAULT 'anon'",
    );
    assert_eq!(
        differences(&s, &live.snapshot()),
        [
            "foreign key (author_id) on `notes`: definition was FOREIGN KEY (author_id) REFERENCES users(id) ON \
             DELETE CASCADE, is FOREIGN KEY (author_id) REFERENCES users(id)",
            "trigger `notes_guard` on `notes` is missing",
            "column `users.full_name`: type was TEXT, is VARCHAR(255)",
            "column `users.name` is still present",
            "index `notes_title_idx` on `notes` is missing",
            "index `users_name_idx` on `users` is still present",
            "view `named`: definition was CREATE VIEW named AS SELECT id, full_name FROM users, is CREATE VIEW named \
             AS SELECT id, name FROM users",
        ]
    );
}
