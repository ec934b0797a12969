//! Unit tests of the generator on hand-built snapshots.

use super::*;
use crate::schema::{
    Column, Constraint, ConstraintKind, FunctionKind, Grants, Index, Policy, PolicyCommand,
    PolicyMode, Privileged, Table, TableKind, Trigger, TriggerState, Type, TypeKind, View,
};

fn name(n: &str) -> QualifiedName {
    QualifiedName::new("public", n)
}

fn column(data_type: &str, not_null: bool) -> Column {
    Column {
        data_type: data_type.into(),
        not_null,
        ..Column::default()
    }
}

fn table(columns: &[(&str, &str)]) -> Table {
    Table {
        kind: TableKind::Table,
        columns: columns
            .iter()
            .map(|(n, t)| (n.to_string(), column(t, false)))
            .collect(),
        column_order: columns.iter().map(|(n, _)| n.to_string()).collect(),
        ..Table::default()
    }
}

fn sql(statements: &[Statement]) -> Vec<&str> {
    statements.iter().map(|s| s.sql.as_str()).collect()
}

#[test]
fn identical_schemas_generate_nothing() {
    let mut s = Schema::default();
    s.tables.insert(name("notes"), table(&[("id", "integer")]));
    for dialect in [Dialect::Postgres, Dialect::Sqlite] {
        let m = generate(&s, &s.clone(), dialect);
        assert!(m.is_empty(), "{m:?}");
    }
}

#[test]
fn identifiers_are_quoted_only_when_needed() {
    assert_eq!(quote_ident("notes"), "notes");
    assert_eq!(quote_ident("user"), "\"user\"");
    assert_eq!(quote_ident("Notes"), "\"Notes\"");
    assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    assert!(mentions("SELECT n.id FROM notes n", "notes"));
    assert!(!mentions("SELECT id FROM notes_archive", "notes"));
}

#[test]
fn a_new_table_with_a_foreign_key_and_an_index_in_dependency_order() {
    let mut head = Schema::default();
    head.tables
        .insert(name("users"), table(&[("id", "integer")]));
    let mut desired = head.clone();
    let mut notes = table(&[("id", "integer"), ("user_id", "integer")]);
    notes.constraints.insert(
        "notes_user_id_fkey".into(),
        Constraint {
            kind: ConstraintKind::ForeignKey,
            definition: "FOREIGN KEY (user_id) REFERENCES users(id)".into(),
            comment: None,
        },
    );
    notes.constraints.insert(
        "notes_pkey".into(),
        Constraint {
            kind: ConstraintKind::PrimaryKey,
            definition: "PRIMARY KEY (id)".into(),
            comment: None,
        },
    );
    desired.tables.insert(name("notes"), notes);
    desired.indexes.insert(
        name("notes_user_id_idx"),
        Index {
            table: name("notes"),
            unique: false,
            definition: "USING btree (user_id)".into(),
            comment: None,
        },
    );
    let m = generate(&head, &desired, Dialect::Postgres);
    assert_eq!(
        sql(&m.up),
        [
            "CREATE TABLE notes (\n    id integer,\n    user_id integer,\n    CONSTRAINT notes_pkey PRIMARY KEY (id)\n)",
            "CREATE INDEX notes_user_id_idx ON notes USING btree (user_id)",
            "ALTER TABLE notes ADD CONSTRAINT notes_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id)",
        ]
    );
    assert!(m.up.iter().all(|s| s.review.is_none()), "{m:?}");
    assert_eq!(sql(&m.down), ["DROP TABLE notes"]);
    assert!(
        m.down[0]
            .review
            .as_deref()
            .is_some_and(|r| r.contains("all its rows"))
    );
}

#[test]
fn column_changes_carry_reviews_where_data_or_locks_are_at_stake() {
    let mut head = Schema::default();
    head.tables.insert(
        name("users"),
        table(&[
            ("id", "integer"),
            ("email", "character varying(100)"),
            ("nick", "text"),
        ]),
    );
    let mut desired = Schema::default();
    let mut t = table(&[
        ("id", "integer"),
        ("email", "character varying(255)"),
        ("age", "integer"),
    ]);
    t.columns.get_mut("id").expect("id").not_null = true;
    desired.tables.insert(name("users"), t);
    let m = generate(&head, &desired, Dialect::Postgres);
    let up: Vec<(&str, bool)> =
        m.up.iter()
            .map(|s| (s.sql.as_str(), s.review.is_some()))
            .collect();
    assert_eq!(
        up,
        [
            ("ALTER TABLE users DROP COLUMN nick", true),
            ("ALTER TABLE users ADD COLUMN age integer", false),
            (
                "ALTER TABLE users ALTER COLUMN email TYPE character varying(255) USING email::character varying(255)",
                false
            ),
            ("ALTER TABLE users ALTER COLUMN id SET NOT NULL", true),
        ]
    );
    // Back: narrowing the type is flagged.
    let narrowing = m
        .down
        .iter()
        .find(|s| s.sql.contains("TYPE character varying(100)"))
        .expect("type change");
    assert!(narrowing.review.is_some());
    assert!(m.reviews().count() >= 3);
}

#[test]
fn enum_labels_are_added_in_place_and_removed_by_rebuilding() {
    let mood = |labels: &[&str]| Type {
        kind: TypeKind::Enum {
            labels: labels.iter().map(|l| l.to_string()).collect(),
        },
        comment: None,
    };
    let mut head = Schema::default();
    head.types.insert(name("mood"), mood(&["sad", "happy"]));
    head.tables
        .insert(name("diary"), table(&[("feeling", "mood")]));
    let mut desired = head.clone();
    desired
        .types
        .insert(name("mood"), mood(&["sad", "ok", "happy"]));
    let m = generate(&head, &desired, Dialect::Postgres);
    assert_eq!(sql(&m.up), ["ALTER TYPE mood ADD VALUE 'ok' AFTER 'sad'"]);
    assert_eq!(
        sql(&m.down),
        [
            "ALTER TYPE mood RENAME TO mood__brainmig_old",
            "CREATE TYPE mood AS ENUM ('sad', 'happy')",
            "ALTER TABLE diary ALTER COLUMN feeling TYPE mood USING feeling::text::mood",
            "DROP TYPE mood__brainmig_old",
        ]
    );
    assert!(m.down[0].review.is_some());
}

#[test]
fn views_are_created_after_the_views_they_read() {
    let view = |def: &str| View {
        definition: def.into(),
        ..View::default()
    };
    let mut desired = Schema::default();
    desired
        .tables
        .insert(name("notes"), table(&[("id", "integer")]));
    desired
        .views
        .insert(name("a_top"), view(" SELECT id FROM z_recent;"));
    desired
        .views
        .insert(name("z_recent"), view(" SELECT id FROM notes;"));
    let m = generate(&Schema::default(), &desired, Dialect::Postgres);
    assert_eq!(
        sql(&m.up)[1..],
        [
            "CREATE VIEW z_recent AS\nSELECT id FROM notes",
            "CREATE VIEW a_top AS\nSELECT id FROM z_recent"
        ]
    );
    assert_eq!(
        sql(&m.down),
        ["DROP VIEW a_top", "DROP VIEW z_recent", "DROP TABLE notes"]
    );
}

#[test]
fn what_cannot_be_generated_is_listed() {
    let mut desired = Schema::default();
    let mut t = table(&[("at", "timestamp")]);
    t.kind = TableKind::PartitionedTable;
    t.partition_key = Some("RANGE (at)".into());
    desired.tables.insert(name("events"), t);
    let m = generate(&Schema::default(), &desired, Dialect::Postgres);
    assert!(m.up.is_empty());
    assert!(!m.is_empty());
    assert!(
        m.unsupported[0].contains("partitioned table `events`"),
        "{m:?}"
    );
    assert!(
        m.section_sql(&m.up)
            .starts_with("-- REVIEW: brainmig cannot generate: ")
    );
}

#[test]
fn sqlite_adds_columns_in_place_and_rebuilds_for_the_rest() {
    let lite = |n: &str| QualifiedName::new("main", n);
    let mut head = Schema::default();
    head.tables
        .insert(lite("users"), table(&[("id", "INTEGER"), ("name", "TEXT")]));
    let mut desired = Schema::default();
    desired.tables.insert(
        lite("users"),
        table(&[("id", "INTEGER"), ("name", "TEXT"), ("bio", "TEXT")]),
    );
    let m = generate(&head, &desired, Dialect::Sqlite);
    assert_eq!(sql(&m.up), ["ALTER TABLE users ADD COLUMN bio TEXT"]);
    assert_eq!(sql(&m.down), ["ALTER TABLE users DROP COLUMN bio"]);
    // A type change rebuilds.
    let mut retyped = head.clone();
    retyped
        .tables
        .get_mut(&lite("users"))
        .expect("t")
        .columns
        .get_mut("name")
        .expect("c")
        .data_type = "VARCHAR(10)".into();
    let m = generate(&head, &retyped, Dialect::Sqlite);
    assert_eq!(
        sql(&m.up),
        [
            "CREATE TABLE brainmig_new_users (\n    id INTEGER,\n    name VARCHAR(10)\n)",
            "INSERT INTO brainmig_new_users (id, name) SELECT id, name FROM users",
            "DROP TABLE users",
            "ALTER TABLE brainmig_new_users RENAME TO users",
        ]
    );
}

#[test]
fn a_likely_rename_is_generated_as_drop_and_add_and_flagged() {
    let mut head = Schema::default();
    head.tables
        .insert(name("users"), table(&[("id", "integer"), ("name", "text")]));
    let mut desired = Schema::default();
    desired.tables.insert(
        name("users"),
        table(&[("id", "integer"), ("full_name", "text")]),
    );
    let m = generate(&head, &desired, Dialect::Postgres);
    assert_eq!(
        sql(&m.up),
        [
            "ALTER TABLE users DROP COLUMN name",
            "ALTER TABLE users ADD COLUMN full_name text"
        ]
    );
    let why = m.up[0].review.as_deref().expect("flagged");
    assert!(
        why.contains("ALTER TABLE users RENAME COLUMN name TO full_name"),
        "{why}"
    );
    // Tables with the same columns under another name.
    let mut renamed = Schema::default();
    renamed.tables.insert(
        name("people"),
        table(&[("id", "integer"), ("name", "text")]),
    );
    let m = generate(&head, &renamed, Dialect::Postgres);
    let drop =
        m.up.iter()
            .find(|s| s.sql == "DROP TABLE users")
            .expect("drop");
    assert!(
        drop.review
            .as_deref()
            .is_some_and(|r| r.contains("ALTER TABLE users RENAME TO people")),
        "{drop:?}"
    );
}

#[test]
fn a_column_order_postgres_cannot_make_is_noted_not_generated() {
    let mut head = Schema::default();
    head.tables.insert(
        name("t"),
        table(&[("id", "integer"), ("b", "text"), ("a", "text")]),
    );
    let mut desired = Schema::default();
    desired.tables.insert(
        name("t"),
        table(&[("id", "integer"), ("a", "text"), ("b", "text")]),
    );
    let m = generate(&head, &desired, Dialect::Postgres);
    assert!(m.is_empty(), "{m:?}");
    // One note, from the up direction: the down direction's would say the opposite.
    assert_eq!(
        m.notes,
        [
            "table `t`: columns (id, a, b) cannot be put in that order in place; they stay (id, b, a), as new columns go last"
        ]
    );
}

#[test]
fn a_new_enum_label_read_by_a_sql_function_rebuilds_the_enum_and_replaces_the_function_after_the_column()
 {
    let mood = |labels: &[&str]| Type {
        kind: TypeKind::Enum {
            labels: labels.iter().map(|l| l.to_string()).collect(),
        },
        comment: None,
    };
    let counter = |body: &str| crate::schema::Function {
        kind: FunctionKind::Function,
        result: Some("bigint".into()),
        language: "sql".into(),
        body: body.into(),
        ..Default::default()
    };
    let mut head = Schema::default();
    head.types.insert(name("mood"), mood(&["sad", "happy"]));
    head.tables
        .insert(name("diary"), table(&[("feeling", "mood")]));
    head.functions.insert(
        name("sad_days()"),
        counter("SELECT count(*) FROM diary WHERE feeling = 'sad'"),
    );
    let mut desired = head.clone();
    desired
        .types
        .insert(name("mood"), mood(&["sad", "ok", "happy"]));
    desired.functions.insert(
        name("sad_days()"),
        counter("SELECT count(*) FROM diary WHERE feeling IN ('sad', 'ok')"),
    );
    let m = generate(&head, &desired, Dialect::Postgres);
    let up = sql(&m.up);
    assert!(!up.iter().any(|s| s.contains("ADD VALUE")), "{up:#?}");
    let at = |prefix: &str| up.iter().position(|s| s.starts_with(prefix)).expect(prefix);
    assert!(
        at("ALTER TABLE diary ALTER COLUMN feeling TYPE mood") < at("CREATE OR REPLACE FUNCTION"),
        "{up:#?}"
    );
    assert!(
        m.up[0]
            .review
            .as_deref()
            .is_some_and(|r| r.contains("a new label is used by this revision")),
        "{:?}",
        m.up[0]
    );
}

#[test]
fn a_not_valid_check_is_added_apart_from_its_new_table_without_a_scan_review() {
    let mut desired = Schema::default();
    let mut t = table(&[("amount", "integer")]);
    t.constraints.insert(
        "amount_nonzero".into(),
        Constraint {
            kind: ConstraintKind::Check,
            definition: "CHECK (amount <> 0) NOT VALID".into(),
            comment: None,
        },
    );
    desired.tables.insert(name("ledger"), t);
    let m = generate(&Schema::default(), &desired, Dialect::Postgres);
    assert_eq!(
        sql(&m.up),
        [
            "CREATE TABLE ledger (\n    amount integer\n)",
            "ALTER TABLE ledger ADD CONSTRAINT amount_nonzero CHECK (amount <> 0) NOT VALID",
        ]
    );
    assert!(m.up.iter().all(|s| s.review.is_none()), "{:?}", m.up);
}

#[test]
fn grants_are_granted_on_the_way_up_and_revoked_on_the_way_down() {
    let mut head = Schema::default();
    head.tables
        .insert(name("notes"), table(&[("id", "integer")]));
    let mut desired = head.clone();
    desired.grants.insert(
        Privileged::Table(name("notes")),
        Grants::from([(
            "pg_monitor".to_owned(),
            BTreeMap::from([("SELECT".to_owned(), false), ("UPDATE".to_owned(), true)]),
        )]),
    );
    let m = generate(&head, &desired, Dialect::Postgres);
    assert_eq!(
        sql(&m.up),
        [
            "GRANT SELECT ON TABLE notes TO pg_monitor",
            "GRANT UPDATE ON TABLE notes TO pg_monitor WITH GRANT OPTION"
        ]
    );
    assert_eq!(
        sql(&m.down),
        ["REVOKE SELECT, UPDATE ON TABLE notes FROM pg_monitor"]
    );
}

#[test]
fn a_policy_is_created_with_its_mode_command_roles_and_expressions() {
    let mut head = Schema::default();
    head.tables
        .insert(name("notes"), table(&[("id", "integer")]));
    let mut desired = head.clone();
    let notes = desired.tables.get_mut(&name("notes")).expect("notes");
    notes.row_security = true;
    notes.policies.insert(
        "positive_only".into(),
        Policy {
            command: PolicyCommand::Select,
            mode: PolicyMode::Restrictive,
            roles: vec!["public".into()],
            using: Some("(id > 0)".into()),
            with_check: None,
            comment: None,
        },
    );
    let m = generate(&head, &desired, Dialect::Postgres);
    assert_eq!(
        sql(&m.up),
        [
            "ALTER TABLE notes ENABLE ROW LEVEL SECURITY",
            "CREATE POLICY positive_only ON notes AS RESTRICTIVE FOR SELECT TO PUBLIC USING ((id > 0))"
        ]
    );
    assert_eq!(
        sql(&m.down),
        [
            "DROP POLICY positive_only ON notes",
            "ALTER TABLE notes DISABLE ROW LEVEL SECURITY"
        ]
    );
}

#[test]
fn a_trigger_is_created_whole_and_its_state_changed_with_alter_table() {
    let mut head = Schema::default();
    head.tables
        .insert(name("notes"), table(&[("id", "integer")]));
    let mut desired = head.clone();
    let definition =
        "CREATE TRIGGER touch BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION touch()";
    desired
        .tables
        .get_mut(&name("notes"))
        .expect("notes")
        .triggers
        .insert(
            "touch".into(),
            Trigger {
                definition: definition.into(),
                enabled: TriggerState::Enabled,
                comment: None,
            },
        );
    let created = generate(&head, &desired, Dialect::Postgres);
    let mut disabled = desired.clone();
    disabled
        .tables
        .get_mut(&name("notes"))
        .expect("notes")
        .triggers
        .get_mut("touch")
        .expect("touch")
        .enabled = TriggerState::Replica;
    let switched = generate(&desired, &disabled, Dialect::Postgres);
    assert_eq!(sql(&created.up), [definition]);
    assert_eq!(sql(&created.down), ["DROP TRIGGER touch ON notes"]);
    assert_eq!(
        sql(&switched.up),
        ["ALTER TABLE notes ENABLE REPLICA TRIGGER touch"]
    );
    assert_eq!(
        sql(&switched.down),
        ["ALTER TABLE notes ENABLE TRIGGER touch"]
    );
}
