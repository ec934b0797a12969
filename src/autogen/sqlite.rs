//! SQLite: tables, columns, indexes, views and triggers. What `ALTER TABLE` cannot do in place
//! (a column's type, nullability or default, a constraint, a column order) becomes SQLite's
//! documented rebuild: create the new table under another name, copy the rows, drop the old one,
//! rename, and create its indexes and triggers again.

use std::collections::BTreeSet;

use super::{Changes, Phases, Statement, mentions, order_by_mentions, qualified, quote_ident};
use crate::schema::{QualifiedName, Schema, Table};

/// Phases, in the order their statements run (the declaration order is the order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    DropTriggers,
    DropViews,
    DropIndexes,
    DropTables,
    DropColumns,
    Tables,
    AddColumns,
    Rebuilds,
    Indexes,
    Views,
    Triggers,
}

/// The name a rebuilt table is created under before it takes the old one's place.
const NEW_PREFIX: &str = "brainmig_new_";

pub(super) fn changes(old: &Schema, new: &Schema) -> Changes {
    let mut out = Phases::default();
    // Tables whose rows stay but whose definition is replaced.
    let mut rebuilt: BTreeSet<QualifiedName> = BTreeSet::new();
    // Tables changed in any way (views over them are recreated, which SQLite needs for drops).
    let mut touched: BTreeSet<QualifiedName> = BTreeSet::new();
    for (name, t) in &new.tables {
        match old.tables.get(name) {
            None => {
                if let Some(sql) = create_table(&mut out, name, t, &qualified(name)) {
                    out.sql(Phase::Tables, sql);
                }
            }
            Some(o) if o == t => {}
            Some(o) => {
                touched.insert(name.clone());
                if alter_in_place(&mut out, name, o, t) {
                    continue;
                }
                if let Some(child) = referencing_table(old, name) {
                    // Dropping the old table would run the children's ON DELETE actions (a
                    // cascade deletes their rows), and foreign_keys cannot be switched off
                    // inside the revision's transaction.
                    out.cannot(format!(
                        "table `{name}` needs SQLite's table rebuild, but `{child}` has a foreign key to it; \
                         rebuild it by hand with `PRAGMA foreign_keys = OFF` in a `transaction:false` revision \
                         (https://www.sqlite.org/lang_altertable.html#otheralter)"
                    ));
                    continue;
                }
                rebuild(&mut out, name, o, t);
                rebuilt.insert(name.clone());
            }
        }
    }
    let dropped: Vec<(QualifiedName, String, QualifiedName)> = old
        .tables
        .iter()
        .filter(|(n, _)| !new.tables.contains_key(*n))
        .map(|(n, t)| {
            let refs: Vec<&str> = t
                .constraints
                .values()
                .map(|c| c.definition.as_str())
                .filter(|d| d.starts_with("FOREIGN KEY"))
                .collect();
            (n.clone(), refs.join(" "), n.clone())
        })
        .collect();
    let mut order = order_by_mentions(&dropped);
    order.reverse();
    for name in order {
        touched.insert(name.clone());
        out.push(
            Phase::DropTables,
            Statement::review(
                format!("DROP TABLE {}", qualified(&name)),
                format!("drops table `{name}` and all its rows"),
            ),
        );
    }

    // Indexes: those of rebuilt tables are created again with the table.
    for (name, i) in &old.indexes {
        if !new.tables.contains_key(&i.table) || rebuilt.contains(&i.table) {
            continue;
        }
        if new
            .indexes
            .get(name)
            .is_none_or(|n| n.definition != i.definition)
        {
            out.sql(
                Phase::DropIndexes,
                format!("DROP INDEX {}", qualified(name)),
            );
        }
    }
    for (name, i) in &new.indexes {
        let changed = old
            .indexes
            .get(name)
            .is_none_or(|o| o.definition != i.definition);
        if changed || rebuilt.contains(&i.table) {
            out.sql(Phase::Indexes, i.definition.clone());
        }
    }

    // Views: dropped when gone, changed, or over a changed table; created after the tables.
    let rebuild_view = |name: &QualifiedName| {
        let Some(o) = old.views.get(name) else {
            return false;
        };
        new.views
            .get(name)
            .is_none_or(|n| n.definition != o.definition)
            || touched.iter().any(|t| mentions(&o.definition, &t.name))
    };
    let mut views: BTreeSet<QualifiedName> = old
        .views
        .keys()
        .filter(|n| rebuild_view(n))
        .cloned()
        .collect();
    loop {
        let more: Vec<QualifiedName> = old
            .views
            .iter()
            .filter(|(n, v)| {
                !views.contains(*n) && views.iter().any(|r| mentions(&v.definition, &r.name))
            })
            .map(|(n, _)| n.clone())
            .collect();
        if more.is_empty() {
            break;
        }
        views.extend(more);
    }
    let dropping: Vec<(QualifiedName, String, QualifiedName)> = views
        .iter()
        .map(|n| (n.clone(), old.views[n].definition.clone(), n.clone()))
        .collect();
    let mut drop_order = order_by_mentions(&dropping);
    drop_order.reverse();
    for name in drop_order {
        out.sql(Phase::DropViews, format!("DROP VIEW {}", qualified(&name)));
    }
    let creating: Vec<(QualifiedName, String, QualifiedName)> = new
        .views
        .iter()
        .filter(|(n, _)| views.contains(*n) || !old.views.contains_key(*n))
        .map(|(n, v)| (n.clone(), v.definition.clone(), n.clone()))
        .collect();
    for name in order_by_mentions(&creating) {
        out.sql(Phase::Views, new.views[&name].definition.clone());
    }

    // Triggers: by their stored text.
    let triggers = |s: &Schema| -> Vec<(QualifiedName, String, String)> {
        s.tables
            .iter()
            .flat_map(|(n, t)| {
                t.triggers
                    .iter()
                    .map(move |(tn, tr)| (n.clone(), tn.clone(), tr.definition.clone()))
            })
            .chain(s.views.iter().flat_map(|(n, v)| {
                v.triggers
                    .iter()
                    .map(move |(tn, tr)| (n.clone(), tn.clone(), tr.definition.clone()))
            }))
            .collect()
    };
    let (old_triggers, new_triggers) = (triggers(old), triggers(new));
    let owner_replaced = |owner: &QualifiedName| rebuilt.contains(owner) || views.contains(owner);
    for (owner, name, def) in &old_triggers {
        let owner_gone = !new.tables.contains_key(owner) && !new.views.contains_key(owner);
        if owner_gone || owner_replaced(owner) {
            continue;
        }
        if !new_triggers
            .iter()
            .any(|(o, n, d)| o == owner && n == name && d == def)
        {
            out.sql(
                Phase::DropTriggers,
                format!("DROP TRIGGER {}", quote_ident(name)),
            );
        }
    }
    for (owner, name, def) in &new_triggers {
        let same = old_triggers
            .iter()
            .any(|(o, n, d)| o == owner && n == name && d == def);
        if !same || owner_replaced(owner) {
            out.sql(Phase::Triggers, def.clone());
        }
    }
    out.finish()
}

/// A table of `schema` with a foreign key to `target`, if any.
fn referencing_table<'a>(schema: &'a Schema, target: &QualifiedName) -> Option<&'a QualifiedName> {
    schema.tables.iter().find_map(|(name, t)| {
        t.constraints
            .values()
            .filter_map(|c| c.definition.split_once("REFERENCES "))
            .map(|(_, rest)| {
                rest.split('(')
                    .next()
                    .unwrap_or(rest)
                    .trim()
                    .trim_matches('"')
            })
            .any(|r| r.eq_ignore_ascii_case(&target.name))
            .then_some(name)
    })
}

/// `CREATE TABLE` from the model, named `as_name`; `None` (and a message) when the model lacks
/// what SQLite would need.
fn create_table(
    out: &mut Phases<Phase>,
    name: &QualifiedName,
    t: &Table,
    as_name: &str,
) -> Option<String> {
    let mut lines = Vec::new();
    for c in &t.column_order {
        let col = &t.columns[c];
        if col.generated.is_some() {
            out.cannot(format!(
                "table `{name}`: generated column `{c}` (SQLite does not report its expression)"
            ));
            return None;
        }
        let mut line = quote_ident(c);
        if !col.data_type.is_empty() {
            line.push_str(&format!(" {}", col.data_type));
        }
        if col.not_null {
            line.push_str(" NOT NULL");
        }
        if let Some(d) = &col.default {
            line.push_str(&format!(" DEFAULT {d}"));
        }
        lines.push(line);
    }
    // Primary key, unique constraints, then foreign keys, as SQLite lists them.
    let mut constraints: Vec<&str> = t
        .constraints
        .values()
        .map(|c| c.definition.as_str())
        .collect();
    constraints.sort_by_key(|d| (!d.starts_with("PRIMARY"), d.starts_with("FOREIGN")));
    lines.extend(constraints.into_iter().map(str::to_owned));
    let mut sql = format!("CREATE TABLE {as_name} (\n    {}\n)", lines.join(",\n    "));
    if let Some(options) = &t.options {
        sql.push_str(&format!(" {options}"));
    }
    Some(sql)
}

/// A default SQLite accepts in `ALTER TABLE ADD COLUMN`: a constant.
fn constant_default(d: &str) -> bool {
    let d = d.trim();
    d.eq_ignore_ascii_case("null")
        || d.parse::<f64>().is_ok()
        || (d.starts_with('\'') && d.ends_with('\'') && d.len() >= 2)
}

/// Adds and drops columns when that is all that changed; false when a rebuild is needed.
fn alter_in_place(out: &mut Phases<Phase>, name: &QualifiedName, o: &Table, t: &Table) -> bool {
    let changed_column = t
        .columns
        .iter()
        .any(|(c, col)| o.columns.get(c).is_some_and(|oc| oc != col));
    let dropped: Vec<&String> = o
        .column_order
        .iter()
        .filter(|c| !t.columns.contains_key(*c))
        .collect();
    let added: Vec<&String> = t
        .column_order
        .iter()
        .filter(|c| !o.columns.contains_key(*c))
        .collect();
    let mut expected: Vec<&String> = o
        .column_order
        .iter()
        .filter(|c| t.columns.contains_key(*c))
        .collect();
    expected.extend(added.iter().copied());
    let in_order = expected == t.column_order.iter().collect::<Vec<_>>();
    let addable = added.iter().all(|c| {
        let col = &t.columns[*c];
        col.generated.is_none()
            && col.default.as_deref().is_none_or(constant_default)
            && (!col.not_null || col.default.is_some())
    });
    // Dropping a column that a key uses needs a rebuild; so do constraint and option changes.
    let keyed = |c: &String| o.constraints.values().any(|k| mentions(&k.definition, c));
    if changed_column
        || !in_order
        || !addable
        || o.constraints != t.constraints
        || o.options != t.options
        || dropped.iter().any(|c| keyed(c))
    {
        return false;
    }
    let q = qualified(name);
    for c in dropped {
        out.push(
            Phase::DropColumns,
            Statement::review(
                format!("ALTER TABLE {q} DROP COLUMN {}", quote_ident(c)),
                format!("drops column `{name}.{c}` and its data"),
            ),
        );
    }
    for c in added {
        let col = &t.columns[c];
        let mut sql = format!("ALTER TABLE {q} ADD COLUMN {}", quote_ident(c));
        if !col.data_type.is_empty() {
            sql.push_str(&format!(" {}", col.data_type));
        }
        if col.not_null {
            sql.push_str(" NOT NULL");
        }
        if let Some(d) = &col.default {
            sql.push_str(&format!(" DEFAULT {d}"));
        }
        out.sql(Phase::AddColumns, sql);
    }
    true
}

/// SQLite's twelve-step rebuild, the parts that run inside a transaction.
fn rebuild(out: &mut Phases<Phase>, name: &QualifiedName, o: &Table, t: &Table) {
    let q = qualified(name);
    let temp = quote_ident(&format!("{NEW_PREFIX}{}", name.name));
    let Some(create) = create_table(out, name, t, &temp) else {
        return;
    };
    let common: Vec<String> = t
        .column_order
        .iter()
        .filter(|c| o.columns.contains_key(*c))
        .map(|c| quote_ident(c))
        .collect();
    let lost: Vec<&String> = o
        .column_order
        .iter()
        .filter(|c| !t.columns.contains_key(*c))
        .collect();
    let mut why = format!(
        "rebuilds table `{name}` (SQLite cannot make this change in place): copies every row into a new \
         table, drops the old one and renames; foreign keys pointing at it are not checked meanwhile"
    );
    if !lost.is_empty() {
        let lost: Vec<&str> = lost.iter().map(|c| c.as_str()).collect();
        why.push_str(&format!(
            "\ndrops the data of column(s) {}",
            lost.join(", ")
        ));
    }
    out.push(Phase::Rebuilds, Statement::review(create, why));
    if !common.is_empty() {
        let cols = common.join(", ");
        out.sql(
            Phase::Rebuilds,
            format!("INSERT INTO {temp} ({cols}) SELECT {cols} FROM {q}"),
        );
    }
    out.sql(Phase::Rebuilds, format!("DROP TABLE {q}"));
    out.sql(
        Phase::Rebuilds,
        format!("ALTER TABLE {temp} RENAME TO {}", quote_ident(&name.name)),
    );
}
