//! Reading a [`Schema`] from SQLite: `sqlite_master` and the `pragma_*` table functions.
//!
//! SQLite keeps no rendered definitions, only the `CREATE` statement as written, so views,
//! triggers and indexes compare by that text with runs of blanks made one space. Its constraints
//! have no names: they are keyed by kind and columns, e.g. `foreign key (author_id)`.

use std::collections::BTreeMap;

use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use crate::db::query_error;
use crate::error::DbError;
use crate::schema::{
    Column, Constraint, ConstraintKind, Index, QualifiedName, Schema, Table, TableKind, Trigger,
    TriggerState, View,
};
use crate::source::{Token, TokenKind, sqlite_tokens};

/// Every object but SQLite's own (`sqlite_%`), with the table flags of `pragma_table_list`.
const OBJECTS: &str = r#"
SELECT m.type, m.name, m.tbl_name, m.sql, t.wr, t."strict"
FROM sqlite_master m
LEFT JOIN pragma_table_list t ON t.schema = 'main' AND t.name = m.name AND m.type = 'table'
WHERE m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
"#;

const COLUMNS: &str = r#"
SELECT m.name AS tbl, c.cid, c.name, c.type, c."notnull", c.dflt_value, c.pk, c.hidden
FROM sqlite_master m
JOIN pragma_table_xinfo(m.name) c
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
ORDER BY m.name, c.cid
"#;

/// Key columns of every index, for the unique constraints (whose indexes have no SQL) and the
/// uniqueness of the others.
const INDEX_COLUMNS: &str = r#"
SELECT m.name AS tbl, l.name AS idx, l."unique", l.origin, i.name AS col
FROM sqlite_master m
JOIN pragma_index_list(m.name) l
JOIN pragma_index_xinfo(l.name) i
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' AND i.key = 1
ORDER BY m.name, l.name, i.seqno
"#;

const FOREIGN_KEYS: &str = r#"
SELECT m.name AS tbl, f.id, f."table" AS target, f."from", f."to", f.on_update, f.on_delete
FROM sqlite_master m
JOIN pragma_foreign_key_list(m.name) f
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
ORDER BY m.name, f.id, f.seq
"#;

/// Reads the schema of the `main` database in four queries.
pub async fn read(conn: &mut SqliteConnection) -> Result<Schema, DbError> {
    let fail = |e: sqlx::Error| query_error("taking a schema snapshot", &e);
    let objects = sqlx::query(OBJECTS)
        .fetch_all(&mut *conn)
        .await
        .map_err(fail)?;
    let columns = sqlx::query(COLUMNS)
        .fetch_all(&mut *conn)
        .await
        .map_err(fail)?;
    let index_columns = sqlx::query(INDEX_COLUMNS)
        .fetch_all(&mut *conn)
        .await
        .map_err(fail)?;
    let foreign_keys = sqlx::query(FOREIGN_KEYS)
        .fetch_all(&mut *conn)
        .await
        .map_err(fail)?;
    let mut schema = Schema::default();
    add_objects(&mut schema, &objects).map_err(fail)?;
    add_columns(&mut schema, &columns).map_err(fail)?;
    add_index_columns(&mut schema, &index_columns).map_err(fail)?;
    add_foreign_keys(&mut schema, &foreign_keys).map_err(fail)?;
    Ok(schema)
}

fn main(name: impl Into<String>) -> QualifiedName {
    QualifiedName::new("main", name)
}

/// Tables, views and indexes first; triggers once their table or view is known.
fn add_objects(schema: &mut Schema, rows: &[SqliteRow]) -> Result<(), sqlx::Error> {
    let mut triggers = Vec::new();
    for row in rows {
        let kind: String = row.try_get("type")?;
        let name: String = row.try_get("name")?;
        let owner: String = row.try_get("tbl_name")?;
        let sql = normalize_sql(&row.try_get::<Option<String>, _>("sql")?.unwrap_or_default());
        match kind.as_str() {
            "table" => {
                let flags = [
                    (row.try_get::<Option<i64>, _>("wr")?, "WITHOUT ROWID"),
                    (row.try_get::<Option<i64>, _>("strict")?, "STRICT"),
                ];
                let options: Vec<&str> = flags
                    .iter()
                    .filter(|(on, _)| on.is_some_and(|on| on != 0))
                    .map(|(_, word)| *word)
                    .collect();
                let table = Table {
                    kind: TableKind::Table,
                    options: (!options.is_empty()).then(|| options.join(", ")),
                    constraints: check_constraints(&sql),
                    ..Table::default()
                };
                schema.tables.insert(main(name), table);
            }
            "view" => {
                let view = View {
                    definition: sql,
                    ..View::default()
                };
                schema.views.insert(main(name), view);
            }
            // Indexes without SQL are the automatic ones behind PRIMARY KEY and UNIQUE.
            "index" if !sql.is_empty() => {
                let index = Index {
                    table: main(owner),
                    definition: sql,
                    ..Index::default()
                };
                schema.indexes.insert(main(name), index);
            }
            "trigger" => triggers.push((name, owner, sql)),
            _ => {}
        }
    }
    for (name, owner, sql) in triggers {
        let trigger = Trigger {
            definition: sql,
            enabled: TriggerState::Enabled,
            comment: None,
        };
        let owner = main(owner);
        if let Some(table) = schema.tables.get_mut(&owner) {
            table.triggers.insert(name, trigger);
        } else if let Some(view) = schema.views.get_mut(&owner) {
            view.triggers.insert(name, trigger);
        }
    }
    Ok(())
}

/// Columns in order, and the primary key they make up.
fn add_columns(schema: &mut Schema, rows: &[SqliteRow]) -> Result<(), sqlx::Error> {
    let mut primary_keys: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
    for row in rows {
        let table_name: String = row.try_get("tbl")?;
        let name: String = row.try_get("name")?;
        let pk: i64 = row.try_get("pk")?;
        if pk > 0 {
            primary_keys
                .entry(table_name.clone())
                .or_default()
                .push((pk, name.clone()));
        }
        let generated = match row.try_get::<i64, _>("hidden")? {
            2 => Some("virtual".to_owned()),
            3 => Some("stored".to_owned()),
            _ => None,
        };
        let column = Column {
            data_type: row.try_get("type")?,
            not_null: row.try_get::<i64, _>("notnull")? != 0,
            default: row.try_get("dflt_value")?,
            generated,
            ..Column::default()
        };
        if let Some(table) = schema.tables.get_mut(&main(table_name)) {
            table.column_order.push(name.clone());
            table.columns.insert(name, column);
        }
    }
    for (table_name, mut columns) in primary_keys {
        columns.sort();
        let names: Vec<String> = columns.into_iter().map(|(_, name)| name).collect();
        let constraint = Constraint {
            kind: ConstraintKind::PrimaryKey,
            definition: format!("PRIMARY KEY ({})", names.join(", ")),
            comment: None,
        };
        if let Some(table) = schema.tables.get_mut(&main(table_name)) {
            table
                .constraints
                .insert("primary key".to_owned(), constraint);
        }
    }
    Ok(())
}

/// `UNIQUE` constraints (origin `u`) and the uniqueness of explicit indexes (origin `c`).
fn add_index_columns(schema: &mut Schema, rows: &[SqliteRow]) -> Result<(), sqlx::Error> {
    // (table, index) -> (unique, origin, key columns)
    let mut indexes: BTreeMap<(String, String), (bool, String, Vec<String>)> = BTreeMap::new();
    for row in rows {
        let key = (row.try_get("tbl")?, row.try_get("idx")?);
        let entry = indexes.entry(key).or_insert((
            row.try_get::<i64, _>("unique")? != 0,
            row.try_get("origin")?,
            Vec::new(),
        ));
        // Expression columns have no name.
        let column: Option<String> = row.try_get("col")?;
        entry
            .2
            .push(column.unwrap_or_else(|| "<expression>".to_owned()));
    }
    for ((table_name, index_name), (unique, origin, columns)) in indexes {
        match origin.as_str() {
            "u" => {
                let columns = columns.join(", ");
                let constraint = Constraint {
                    kind: ConstraintKind::Unique,
                    definition: format!("UNIQUE ({columns})"),
                    comment: None,
                };
                if let Some(table) = schema.tables.get_mut(&main(table_name)) {
                    table
                        .constraints
                        .insert(format!("unique constraint ({columns})"), constraint);
                }
            }
            "c" => {
                if let Some(index) = schema.indexes.get_mut(&main(index_name)) {
                    index.unique = unique;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Foreign keys, one per `id`, keyed `foreign key (columns)`.
fn add_foreign_keys(schema: &mut Schema, rows: &[SqliteRow]) -> Result<(), sqlx::Error> {
    struct Fk {
        target: String,
        from: Vec<String>,
        to: Vec<String>,
        on_update: String,
        on_delete: String,
    }
    let mut keys: BTreeMap<(String, i64), Fk> = BTreeMap::new();
    for row in rows {
        let fk = keys
            .entry((row.try_get("tbl")?, row.try_get("id")?))
            .or_insert(Fk {
                target: row.try_get("target")?,
                from: Vec::new(),
                to: Vec::new(),
                on_update: row.try_get("on_update")?,
                on_delete: row.try_get("on_delete")?,
            });
        fk.from.push(row.try_get("from")?);
        // `to` is NULL when the key references the target's primary key implicitly.
        if let Some(to) = row.try_get::<Option<String>, _>("to")? {
            fk.to.push(to);
        }
    }
    for ((table_name, _), fk) in keys {
        let Some(table) = schema.tables.get_mut(&main(table_name)) else {
            continue;
        };
        let from = fk.from.join(", ");
        let mut definition = format!("FOREIGN KEY ({from}) REFERENCES {}", fk.target);
        if !fk.to.is_empty() {
            definition.push_str(&format!("({})", fk.to.join(", ")));
        }
        for (event, action) in [("UPDATE", &fk.on_update), ("DELETE", &fk.on_delete)] {
            if action != "NO ACTION" {
                definition.push_str(&format!(" ON {event} {action}"));
            }
        }
        let mut key = format!("foreign key ({from})");
        let mut n = 1;
        while table.constraints.contains_key(&key) {
            n += 1;
            key = format!("foreign key ({from}) #{n}");
        }
        let constraint = Constraint {
            kind: ConstraintKind::ForeignKey,
            definition,
            comment: None,
        };
        table.constraints.insert(key, constraint);
    }
    Ok(())
}

/// The `CHECK` constraints of a `CREATE TABLE` statement, on columns or on the table: SQLite
/// reports them nowhere but in the statement. A named one (`CONSTRAINT n CHECK (..)`) is keyed
/// by its name, others by their expression, so that moving a check from a column to the table
/// (as a rebuild does) is no change.
fn check_constraints(create_table: &str) -> BTreeMap<String, Constraint> {
    let mut checks = BTreeMap::new();
    // SQLite accepted the statement, so by its rules it lexes; should it not, no check is
    // read rather than a wrong one.
    let Ok(all) = sqlite_tokens(create_table).collect::<Result<Vec<_>, _>>() else {
        return checks;
    };
    let significant: Vec<Token> = all
        .into_iter()
        .filter(|t| !matches!(t.kind, TokenKind::Whitespace | TokenKind::Comment))
        .collect();
    let text = |t: &Token| &create_table[t.start..t.end];
    let is_word =
        |t: &Token, word: &str| t.kind == TokenKind::Word && text(t).eq_ignore_ascii_case(word);
    // Depth 1 is the column and constraint list; a name seen after CONSTRAINT waits for its kind.
    let mut depth = 0;
    let mut pending_name: Option<String> = None;
    let mut i = 0;
    while i < significant.len() {
        let t = &significant[i];
        match t.kind {
            TokenKind::OpenParen => depth += 1,
            TokenKind::CloseParen => depth -= 1,
            _ if depth != 1 => {}
            _ if is_word(t, "CONSTRAINT") => {
                pending_name = significant.get(i + 1).map(|n| unquote(text(n)));
                i += 1;
            }
            _ if is_word(t, "CHECK")
                && significant
                    .get(i + 1)
                    .is_some_and(|t| t.kind == TokenKind::OpenParen) =>
            {
                let close = closing_paren(&significant, i + 1);
                if close <= i + 1 {
                    break; // `CHECK (` at the very end: not a statement SQLite stores
                }
                let expression = joined(create_table, &significant[i + 2..close]);
                let (key, definition) = match pending_name.take() {
                    Some(name) => (
                        name.clone(),
                        format!(
                            "CONSTRAINT {} CHECK ({expression})",
                            quote_identifier(&name)
                        ),
                    ),
                    None => (
                        format!("check constraint ({expression})"),
                        format!("CHECK ({expression})"),
                    ),
                };
                let constraint = Constraint {
                    kind: ConstraintKind::Check,
                    definition,
                    comment: None,
                };
                checks.insert(key, constraint);
                i = close + 1;
                continue;
            }
            _ => pending_name = None,
        }
        i += 1;
    }
    checks
}

/// The text of `tokens` (comments already left out), one space wherever blanks or comments
/// stood between two of them: `x > 0 -- positive` reads `x > 0`.
fn joined(text: &str, tokens: &[Token]) -> String {
    let mut out = String::new();
    for (i, t) in tokens.iter().enumerate() {
        if i > 0 && tokens[i - 1].end != t.start {
            out.push(' ');
        }
        out.push_str(&text[t.start..t.end]);
    }
    out
}

/// The index of the `)` that closes the `(` at `open` (the last token if the text ends first).
fn closing_paren(tokens: &[Token], open: usize) -> usize {
    let mut depth = 0;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        match t.kind {
            TokenKind::OpenParen => depth += 1,
            TokenKind::CloseParen => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    tokens.len() - 1
}

/// An identifier as written, without its quotes (`"a""b"`, `'a'`, `[a]`, `` `a` ``).
fn unquote(identifier: &str) -> String {
    let inner = |open: char, close: char| {
        identifier
            .strip_prefix(open)
            .and_then(|s| s.strip_suffix(close))
            .map(|s| s.replace(&format!("{close}{close}"), &close.to_string()))
    };
    inner('"', '"')
        .or_else(|| inner('\'', '\''))
        .or_else(|| inner('`', '`'))
        .or_else(|| inner('[', ']'))
        .unwrap_or_else(|| identifier.to_owned())
}

fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Makes each run of blanks outside quotes one space, so re-indenting a statement is no change.
fn normalize_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut closing: Option<char> = None;
    let mut pending_space = false;
    for c in sql.trim().chars() {
        match closing {
            Some(end) => {
                out.push(c);
                if c == end {
                    closing = None;
                }
            }
            None if c.is_whitespace() => pending_space = true,
            None => {
                if pending_space {
                    out.push(' ');
                    pending_space = false;
                }
                out.push(c);
                closing = match c {
                    '\'' | '"' | '`' => Some(c),
                    '[' => Some(']'),
                    _ => None,
                };
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{check_constraints, normalize_sql};

    #[test]
    fn checks_are_found_on_columns_and_on_the_table_named_or_not() {
        let sql = "CREATE TABLE cards (\n  id INTEGER PRIMARY KEY,\n  \
                   ease REAL NOT NULL DEFAULT 2.5 CHECK (ease >= 1.3),\n  \
                   due TEXT CONSTRAINT due_is_date CHECK (date(due) IS NOT NULL),\n  \
                   note TEXT DEFAULT 'CHECK (x)' REFERENCES notes(id),\n  \
                   CONSTRAINT pk_free UNIQUE (due),\n  \
                   CHECK (  interval_days\n >= 0 AND (ease < 10))\n)";
        let checks = check_constraints(sql);
        let found: Vec<(&str, &str)> = checks
            .iter()
            .map(|(k, c)| (k.as_str(), c.definition.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![
                ("check constraint (ease >= 1.3)", "CHECK (ease >= 1.3)"),
                (
                    "check constraint (interval_days >= 0 AND (ease < 10))",
                    "CHECK (interval_days >= 0 AND (ease < 10))"
                ),
                (
                    "due_is_date",
                    "CONSTRAINT \"due_is_date\" CHECK (date(due) IS NOT NULL)"
                ),
            ]
        );
        // A rebuilt table lists them at the end: the same keys.
        let rebuilt = "CREATE TABLE cards (id INTEGER, ease REAL, due TEXT, interval_days INTEGER, \
                       CHECK (ease >= 1.3), CHECK (interval_days >= 0 AND (ease < 10)), \
                       CONSTRAINT \"due_is_date\" CHECK (date(due) IS NOT NULL))";
        assert_eq!(check_constraints(rebuilt), checks);
    }

    #[test]
    fn sqlite_quoting_and_comments_do_not_hide_checks() {
        let sql = "CREATE TABLE t ([a(b] INT, [it's] INT, x INT /* a /* b */, \
                   CONSTRAINT [pos] CHECK (x > 0), CONSTRAINT `small` CHECK (x < 9), \
                   CONSTRAINT 'odd' CHECK (x % 2 = 1), CHECK ([a(b] <> 0))";
        let keys: Vec<String> = check_constraints(sql).into_keys().collect();
        assert_eq!(
            keys,
            ["check constraint ([a(b] <> 0)", "odd", "pos", "small"]
        );
        // Comments inside the expression are not part of it.
        let commented = "CREATE TABLE t (x INT CHECK (x > 0 -- positive\n), \
                         y INT CHECK (y /* it's */ < 5))";
        let keys: Vec<String> = check_constraints(commented).into_keys().collect();
        assert_eq!(
            keys,
            ["check constraint (x > 0)", "check constraint (y < 5)"]
        );
        // Nothing to read, and no panic, in what SQLite would not have stored.
        assert!(check_constraints("CREATE TABLE t (x INT CHECK (").is_empty());
    }

    #[test]
    fn blanks_collapse_outside_quotes_only() {
        assert_eq!(
            normalize_sql("  CREATE VIEW v\n  AS SELECT  'a  b' AS \"x  y\",\t[p  q]  FROM t "),
            "CREATE VIEW v AS SELECT 'a  b' AS \"x  y\", [p  q] FROM t"
        );
        // A doubled quote closes and reopens, which keeps the inside as it is.
        assert_eq!(normalize_sql("SELECT 'it''s  x'"), "SELECT 'it''s  x'");
    }
}
