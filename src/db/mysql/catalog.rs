//! Reading a [`Schema`] from MySQL or MariaDB: `information_schema`, for the connection's own
//! database only.
//!
//! Everything is keyed in schema `""` (the database snapshotted, see [`Dialect::default_schema`]),
//! so a scratch database and the configured one compare by what they hold, not by their names.
//! The model's words map like this: `AUTO_INCREMENT` is the column's identity, a collation is
//! kept when it is not the table's, `ON UPDATE CURRENT_TIMESTAMP` is part of the default; the
//! primary key (always named `PRIMARY`), unique keys, foreign keys and checks are the table's
//! constraints; every other index (with prefix lengths, `FULLTEXT`, `SPATIAL`) is an index; the
//! engine and default collation are the table's options; routines are functions; events have
//! their own map. Spelling differences between the servers are settled in `normalise.rs`.
//!
//! [`Dialect::default_schema`]: crate::db::Dialect::default_schema

use std::collections::BTreeMap;

use sqlx::mysql::MySqlConnection;

use super::normalise::{self, Flavour};
use crate::db::rows;
use crate::error::DbError;
use crate::schema::{
    Column, Constraint, ConstraintKind, Event, Function, FunctionKind, Identity, Index,
    QualifiedName, Schema, Table, TableKind, Trigger, TriggerState, View,
};

/// The schema every object is keyed in: the database snapshotted, whatever its name.
const HERE: &str = "";

/// One row of text columns (every query casts its columns to `CHAR`).
struct Row(Vec<Option<String>>);

impl Row {
    /// Column `i`, `None` for SQL `NULL`.
    fn opt(&self, i: usize) -> Option<&str> {
        self.0.get(i).and_then(|v| v.as_deref())
    }

    /// Column `i`, empty for SQL `NULL`.
    fn text(&self, i: usize) -> &str {
        self.opt(i).unwrap_or("")
    }

    /// Column `i` when it is not empty (comments).
    fn non_empty(&self, i: usize) -> Option<String> {
        self.opt(i).filter(|s| !s.is_empty()).map(str::to_owned)
    }
}

/// Reads the schema of the connection's database.
pub(super) async fn read(conn: &mut MySqlConnection) -> Result<Schema, DbError> {
    let about = query(
        conn,
        "SELECT CAST(VERSION() AS CHAR), CAST(DATABASE() AS CHAR)",
    )
    .await?;
    let (version, database) = match about.first() {
        Some(row) => (row.text(0).to_owned(), row.text(1).to_owned()),
        None => Default::default(),
    };
    if database.is_empty() {
        return Err(DbError::Query {
            doing: "taking a schema snapshot".into(),
            reason: "the URL names no database".into(),
        });
    }
    let flavour = Flavour::of_version(&version);
    let mut schema = Schema::default();
    add_tables(&mut schema, &query(conn, TABLES).await?);
    add_columns(&mut schema, flavour, &query(conn, COLUMNS).await?);
    add_indexes(&mut schema, &query(conn, &indexes_sql(flavour)).await?);
    add_foreign_keys(&mut schema, &query(conn, FOREIGN_KEYS).await?);
    add_checks(&mut schema, &query(conn, checks_sql(flavour)).await?);
    add_views(
        &mut schema,
        &database,
        &query(conn, views_sql(flavour)).await?,
    );
    add_triggers(&mut schema, &query(conn, TRIGGERS).await?);
    let parameters = query(conn, PARAMETERS).await?;
    add_routines(&mut schema, &query(conn, ROUTINES).await?, &parameters);
    add_events(&mut schema, &query(conn, EVENTS).await?);
    Ok(schema)
}

async fn query(conn: &mut MySqlConnection, sql: &str) -> Result<Vec<Row>, DbError> {
    let rows = rows::fetch_decoded::<sqlx::MySql, _>(conn, sql, "taking a schema snapshot", |r| {
        rows::decode_text(r)
    })
    .await?;
    Ok(rows.into_iter().map(Row).collect())
}

fn name(n: &str) -> QualifiedName {
    QualifiedName::new(HERE, n)
}

// Every query reads the connection's database only, and casts to CHAR: some
// `information_schema` columns are binary strings on MySQL 8.

const TABLES: &str = "SELECT CAST(TABLE_NAME AS CHAR), CAST(TABLE_TYPE AS CHAR), \
    CAST(ENGINE AS CHAR), CAST(TABLE_COLLATION AS CHAR), CAST(CREATE_OPTIONS AS CHAR), \
    CAST(TABLE_COMMENT AS CHAR) \
    FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() \
    AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')";

fn add_tables(schema: &mut Schema, rows: &[Row]) {
    for r in rows {
        let mut options = Vec::new();
        if let Some(engine) = r.opt(2) {
            options.push(format!("ENGINE={engine}"));
        }
        if let Some(collation) = r.opt(3) {
            options.push(format!("COLLATE={collation}"));
        }
        if r.text(1) == "SYSTEM VERSIONED" {
            options.push("WITH SYSTEM VERSIONING".into());
        }
        // `row_format=DYNAMIC`, `stats_persistent=1`, ..; `partitioned` is said by the rest.
        options.extend(r.text(4).split_whitespace().map(str::to_owned));
        let table = Table {
            kind: TableKind::Table,
            options: Some(options.join(" ")),
            comment: r.non_empty(5),
            ..Table::default()
        };
        schema.tables.insert(name(r.text(0)), table);
    }
}

const COLUMNS: &str = "SELECT CAST(c.TABLE_NAME AS CHAR), CAST(c.COLUMN_NAME AS CHAR), \
    CAST(c.COLUMN_DEFAULT AS CHAR), CAST(c.IS_NULLABLE AS CHAR), CAST(c.COLUMN_TYPE AS CHAR), \
    CAST(c.COLLATION_NAME AS CHAR), CAST(c.EXTRA AS CHAR), CAST(c.GENERATION_EXPRESSION AS CHAR), \
    CAST(c.COLUMN_COMMENT AS CHAR), CAST(t.TABLE_COLLATION AS CHAR) \
    FROM information_schema.COLUMNS c JOIN information_schema.TABLES t \
    ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME \
    WHERE c.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') \
    ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION";

fn add_columns(schema: &mut Schema, flavour: Flavour, rows: &[Row]) {
    for r in rows {
        let Some(table) = schema.tables.get_mut(&name(r.text(0))) else {
            continue;
        };
        let column_name = r.text(1).to_owned();
        let data_type = normalise::column_type(r.text(4));
        let extra = r.text(6);
        let extra_lower = extra.to_ascii_lowercase();
        let generated = r.opt(7).filter(|g| !g.is_empty()).map(|expression| {
            let kind = if extra_lower.contains("stored") {
                "STORED"
            } else {
                "VIRTUAL"
            };
            format!("{expression} {kind}")
        });
        let default = match generated {
            // A generated column has no default; MariaDB shows its expression there too.
            Some(_) => None,
            None => normalise::column_default(flavour, r.opt(2), extra, &data_type),
        };
        let column = Column {
            data_type,
            not_null: r.text(3) == "NO",
            default,
            identity: extra_lower
                .contains("auto_increment")
                .then_some(Identity::AutoIncrement),
            generated,
            // The table's default collation is in its options; a column says only its own.
            collation: r.opt(5).filter(|c| Some(*c) != r.opt(9)).map(str::to_owned),
            comment: r.non_empty(8),
        };
        table.column_order.push(column_name.clone());
        table.columns.insert(column_name, column);
    }
}

/// Key parts of every index, in order; MySQL 8 also has functional key parts (`EXPRESSION`).
fn indexes_sql(flavour: Flavour) -> String {
    let expression = match flavour {
        Flavour::Mysql => "CAST(EXPRESSION AS CHAR)",
        Flavour::MariaDb => "NULL",
    };
    format!(
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(INDEX_NAME AS CHAR), CAST(NON_UNIQUE AS CHAR), \
         CAST(COLUMN_NAME AS CHAR), CAST(SUB_PART AS CHAR), CAST(INDEX_TYPE AS CHAR), \
         CAST(COLLATION AS CHAR), CAST(INDEX_COMMENT AS CHAR), {expression} \
         FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
         ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"
    )
}

/// An index being put together from its key parts.
struct IndexParts {
    table: String,
    unique: bool,
    method: String,
    parts: Vec<String>,
    comment: Option<String>,
}

fn add_indexes(schema: &mut Schema, rows: &[Row]) {
    let mut found: BTreeMap<(String, String), IndexParts> = BTreeMap::new();
    for r in rows {
        let key = (r.text(0).to_owned(), r.text(1).to_owned());
        let index = found.entry(key).or_insert_with(|| IndexParts {
            table: r.text(0).to_owned(),
            unique: r.text(2) == "0",
            method: r.text(5).to_owned(),
            parts: Vec::new(),
            comment: r.non_empty(7),
        });
        let mut part = match (r.opt(3), r.opt(8)) {
            (Some(column), _) => format!("`{}`", column.replace('`', "``")),
            (None, Some(expression)) => format!("({expression})"),
            (None, None) => "?".to_owned(),
        };
        if let Some(length) = r.opt(4) {
            part.push_str(&format!("({length})"));
        }
        if r.text(6) == "D" {
            part.push_str(" DESC");
        }
        index.parts.push(part);
    }
    for ((table_name, index_name), index) in found {
        let Some(table) = schema.tables.get_mut(&name(&table_name)) else {
            continue;
        };
        let columns = index.parts.join(", ");
        let (kind, definition) = match (index_name.as_str(), index.unique) {
            ("PRIMARY", _) => (
                Some(ConstraintKind::PrimaryKey),
                format!("PRIMARY KEY ({columns})"),
            ),
            (_, true) => (
                Some(ConstraintKind::Unique),
                format!("UNIQUE ({columns}){}", using(&index.method)),
            ),
            (_, false) => (None, index_definition(&index.method, &columns)),
        };
        match kind {
            Some(kind) => {
                table.constraints.insert(
                    index_name,
                    Constraint {
                        kind,
                        definition,
                        comment: index.comment,
                    },
                );
            }
            None => {
                // Index names are unique per table on MySQL, not per database: the key's
                // schema part is the table, which the messages then name with `on`.
                let key = QualifiedName::new(index.table.clone(), index_name);
                let index = Index {
                    table: name(&index.table),
                    unique: false,
                    definition,
                    comment: index.comment,
                };
                schema.indexes.insert(key, index);
            }
        }
    }
}

/// ` USING HASH` for a method other than the default B-tree.
fn using(method: &str) -> String {
    match method {
        "" | "BTREE" => String::new(),
        other => format!(" USING {other}"),
    }
}

fn index_definition(method: &str, columns: &str) -> String {
    match method {
        "FULLTEXT" | "SPATIAL" => format!("{method} ({columns})"),
        other => format!("({columns}){}", using(other)),
    }
}

const FOREIGN_KEYS: &str = "SELECT CAST(k.TABLE_NAME AS CHAR), CAST(k.CONSTRAINT_NAME AS CHAR), \
    CAST(k.COLUMN_NAME AS CHAR), CAST(k.REFERENCED_TABLE_SCHEMA AS CHAR), \
    CAST(k.REFERENCED_TABLE_NAME AS CHAR), CAST(k.REFERENCED_COLUMN_NAME AS CHAR), \
    CAST(r.UPDATE_RULE AS CHAR), CAST(r.DELETE_RULE AS CHAR), \
    CAST(k.REFERENCED_TABLE_SCHEMA = DATABASE() AS CHAR) \
    FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
    ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME \
    AND r.TABLE_NAME = k.TABLE_NAME \
    WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL \
    ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION";

fn add_foreign_keys(schema: &mut Schema, rows: &[Row]) {
    // (table, constraint) -> (columns, target, referenced columns, actions)
    type Key = (String, String);
    let mut found: BTreeMap<Key, (Vec<String>, String, Vec<String>, String)> = BTreeMap::new();
    for r in rows {
        let key = (r.text(0).to_owned(), r.text(1).to_owned());
        let fk = found.entry(key).or_insert_with(|| {
            let target = if r.text(8) == "1" {
                format!("`{}`", r.text(4))
            } else {
                format!("`{}`.`{}`", r.text(3), r.text(4))
            };
            let actions = normalise::referential_action("UPDATE", r.text(6)).unwrap_or_default()
                + &normalise::referential_action("DELETE", r.text(7)).unwrap_or_default();
            (Vec::new(), target, Vec::new(), actions)
        });
        fk.0.push(format!("`{}`", r.text(2)));
        fk.2.push(format!("`{}`", r.text(5)));
    }
    for ((table_name, constraint), (columns, target, referenced, actions)) in found {
        let Some(table) = schema.tables.get_mut(&name(&table_name)) else {
            continue;
        };
        let definition = format!(
            "FOREIGN KEY ({}) REFERENCES {target} ({}){actions}",
            columns.join(", "),
            referenced.join(", ")
        );
        table.constraints.insert(
            constraint,
            Constraint {
                kind: ConstraintKind::ForeignKey,
                definition,
                comment: None,
            },
        );
    }
}

/// Check constraints: MariaDB lists them with their table (and `LEVEL`, `Column` for one written
/// on a column, named after it); MySQL 8.0.16+ by name only, so joined with `TABLE_CONSTRAINTS`.
fn checks_sql(flavour: Flavour) -> &'static str {
    match flavour {
        Flavour::MariaDb => {
            "SELECT CAST(TABLE_NAME AS CHAR), CAST(CONSTRAINT_NAME AS CHAR), \
             CAST(CHECK_CLAUSE AS CHAR), 'YES' \
             FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()"
        }
        Flavour::Mysql => {
            "SELECT CAST(tc.TABLE_NAME AS CHAR), CAST(tc.CONSTRAINT_NAME AS CHAR), \
             CAST(cc.CHECK_CLAUSE AS CHAR), CAST(tc.ENFORCED AS CHAR) \
             FROM information_schema.TABLE_CONSTRAINTS tc JOIN information_schema.CHECK_CONSTRAINTS cc \
             ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME \
             WHERE tc.TABLE_SCHEMA = DATABASE() AND tc.CONSTRAINT_TYPE = 'CHECK'"
        }
    }
}

fn add_checks(schema: &mut Schema, rows: &[Row]) {
    for r in rows {
        let Some(table) = schema.tables.get_mut(&name(r.text(0))) else {
            continue;
        };
        let mut definition = normalise::check(r.text(2));
        if r.text(3) == "NO" {
            definition.push_str(" NOT ENFORCED");
        }
        table.constraints.insert(
            r.text(1).to_owned(),
            Constraint {
                kind: ConstraintKind::Check,
                definition,
                comment: None,
            },
        );
    }
}

/// Views; `ALGORITHM` is in MariaDB's `information_schema.VIEWS` only.
fn views_sql(flavour: Flavour) -> &'static str {
    match flavour {
        Flavour::MariaDb => {
            "SELECT CAST(TABLE_NAME AS CHAR), CAST(VIEW_DEFINITION AS CHAR), \
             CAST(CHECK_OPTION AS CHAR), CAST(SECURITY_TYPE AS CHAR), CAST(ALGORITHM AS CHAR) \
             FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()"
        }
        Flavour::Mysql => {
            "SELECT CAST(TABLE_NAME AS CHAR), CAST(VIEW_DEFINITION AS CHAR), \
             CAST(CHECK_OPTION AS CHAR), CAST(SECURITY_TYPE AS CHAR), 'UNDEFINED' \
             FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()"
        }
    }
}

fn add_views(schema: &mut Schema, database: &str, rows: &[Row]) {
    for r in rows {
        // The defaults (`CHECK OPTION` none, `SQL SECURITY DEFINER`, `ALGORITHM UNDEFINED`) go
        // unsaid; the definer is left out, as the owner is on PostgreSQL.
        let mut options = Vec::new();
        if !matches!(r.text(2), "" | "NONE") {
            options.push(format!("check_option={}", r.text(2).to_ascii_lowercase()));
        }
        if r.text(3) == "INVOKER" {
            options.push("security=invoker".to_owned());
        }
        if !matches!(r.text(4), "" | "UNDEFINED") {
            options.push(format!("algorithm={}", r.text(4).to_ascii_lowercase()));
        }
        let view = View {
            definition: normalise::view_definition(r.text(1), database),
            options: (!options.is_empty()).then(|| options.join(", ")),
            ..View::default()
        };
        schema.views.insert(name(r.text(0)), view);
    }
}

const TRIGGERS: &str = "SELECT CAST(EVENT_OBJECT_TABLE AS CHAR), CAST(TRIGGER_NAME AS CHAR), \
    CAST(ACTION_TIMING AS CHAR), CAST(EVENT_MANIPULATION AS CHAR), CAST(ACTION_STATEMENT AS CHAR) \
    FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()";

fn add_triggers(schema: &mut Schema, rows: &[Row]) {
    for r in rows {
        let Some(table) = schema.tables.get_mut(&name(r.text(0))) else {
            continue;
        };
        let definition = format!(
            "{} {} ON `{}` FOR EACH ROW {}",
            r.text(2),
            r.text(3),
            r.text(0),
            r.text(4).trim()
        );
        let trigger = Trigger {
            definition,
            enabled: TriggerState::Enabled,
            comment: None,
        };
        table.triggers.insert(r.text(1).to_owned(), trigger);
    }
}

const ROUTINES: &str = "SELECT CAST(ROUTINE_NAME AS CHAR), CAST(ROUTINE_TYPE AS CHAR), \
    CAST(DTD_IDENTIFIER AS CHAR), CAST(ROUTINE_DEFINITION AS CHAR), \
    CAST(IS_DETERMINISTIC AS CHAR), CAST(SQL_DATA_ACCESS AS CHAR), CAST(SECURITY_TYPE AS CHAR), \
    CAST(ROUTINE_COMMENT AS CHAR) \
    FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()";

/// Parameters in order; position 0 is a function's result, which `ROUTINES` gives already.
const PARAMETERS: &str = "SELECT CAST(SPECIFIC_NAME AS CHAR), CAST(ROUTINE_TYPE AS CHAR), \
    CAST(PARAMETER_MODE AS CHAR), CAST(PARAMETER_NAME AS CHAR), CAST(DTD_IDENTIFIER AS CHAR) \
    FROM information_schema.PARAMETERS WHERE SPECIFIC_SCHEMA = DATABASE() AND ORDINAL_POSITION > 0 \
    ORDER BY SPECIFIC_NAME, ROUTINE_TYPE, ORDINAL_POSITION";

fn add_routines(schema: &mut Schema, rows: &[Row], parameters: &[Row]) {
    for r in rows {
        let procedure = r.text(1) == "PROCEDURE";
        let arguments: Vec<String> = parameters
            .iter()
            .filter(|p| p.text(0) == r.text(0) && p.text(1) == r.text(1))
            .map(|p| {
                let data_type = normalise::column_type(p.text(4));
                match (procedure, p.opt(2)) {
                    (true, Some(mode)) => format!("{mode} {} {data_type}", p.text(3)),
                    _ => format!("{} {data_type}", p.text(3)),
                }
            })
            .collect();
        let deterministic = if r.text(4) == "YES" {
            "DETERMINISTIC"
        } else {
            "NOT DETERMINISTIC"
        };
        let function = Function {
            kind: if procedure {
                FunctionKind::Procedure
            } else {
                FunctionKind::Function
            },
            arguments: arguments.join(", "),
            result: (!procedure).then(|| normalise::column_type(r.text(2))),
            language: "SQL".into(),
            body: r.text(3).trim().to_owned(),
            attributes: format!("{deterministic} {} SQL SECURITY {}", r.text(5), r.text(6)),
            comment: r.non_empty(7),
        };
        // Functions and procedures have a name space each; one name for both is rare.
        let mut key = r.text(0).to_owned();
        if procedure && schema.functions.contains_key(&name(&key)) {
            key.push_str(" (procedure)");
        }
        schema.functions.insert(name(&key), function);
    }
}

const EVENTS: &str = "SELECT CAST(EVENT_NAME AS CHAR), CAST(EVENT_DEFINITION AS CHAR), \
    CAST(EVENT_TYPE AS CHAR), CAST(EXECUTE_AT AS CHAR), CAST(INTERVAL_VALUE AS CHAR), \
    CAST(INTERVAL_FIELD AS CHAR), CAST(ENDS AS CHAR), CAST(STATUS AS CHAR), \
    CAST(ON_COMPLETION AS CHAR), CAST(EVENT_COMMENT AS CHAR) \
    FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()";

fn add_events(schema: &mut Schema, rows: &[Row]) {
    for r in rows {
        let mut schedule = match r.text(2) {
            "ONE TIME" => format!("AT '{}'", r.text(3)),
            _ => format!("EVERY {} {}", r.text(4), r.text(5)),
        };
        if let Some(ends) = r.opt(6) {
            schedule.push_str(&format!(" ENDS '{ends}'"));
        }
        let event = Event {
            schedule,
            body: r.text(1).trim().to_owned(),
            status: r.text(7).to_owned(),
            preserve: r.text(8) == "PRESERVE",
            comment: r.non_empty(9),
        };
        schema.events.insert(name(r.text(0)), event);
    }
}
