//! Comparing two snapshots, object by object, in a person's words. Pure: no I/O.
//!
//! Each object kind lists its fields (destructured, so a field added to the model and forgotten
//! here does not compile) and nested objects are compared per key. An object that exists on one
//! side only is one difference; what belongs to it (its indexes, the sequences of its columns) is
//! not listed again.
//!
//! Why one big file: it is one destructuring comparison per object kind of the model (a dozen),
//! each a deliberate field list, plus their unit tests; split by kind, every part would import
//! the same helpers and the tests the same builders, and the "every field is compared" rule would
//! no longer be visible in one place.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::sql_text::{same_but_blanks, select_list_reordered};
use super::{
    Column, Constraint, DefaultPrivileges, Event, Extension, Function, Grants, Index, Namespace,
    Policy, Privileged, QualifiedName, Schema, Sequence, Table, Trigger, Type, TypeKind, View,
};

/// One way in which the state found differs from the state expected.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Difference {
    /// The object, in words, e.g. ``index `notes_title_idx` on `notes` ``.
    pub object: String,
    /// What is different about it.
    pub change: Change,
}

/// What is different about an object.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Change {
    /// Present in the state found only: "… is still present".
    Unexpected,
    /// Present in the state expected only: "… is missing".
    Missing,
    /// Present in both, with one property different: "…: type was text, is varchar(255)".
    Changed {
        /// The property, e.g. `type`, `default`, `definition`.
        what: String,
        /// Its value in the state expected (`none` when absent).
        expected: String,
        /// Its value in the state found.
        actual: String,
    },
    /// The same columns in another order: a table's, or the select list of a view that differs
    /// in nothing else (a view over `t.*` follows `t`'s order) while some table's order changed.
    ColumnOrder {
        /// The column names (a view's select-list items) as expected.
        expected: Vec<String>,
        /// The column names as found.
        actual: Vec<String>,
    },
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let object = &self.object;
        match &self.change {
            Change::Unexpected => write!(f, "{object} is still present"),
            Change::Missing => write!(f, "{object} is missing"),
            Change::Changed {
                what,
                expected,
                actual,
            } => {
                // `labels were`, but `uniqueness was`.
                let (was, is) = if what.ends_with('s') && !what.ends_with("ss") {
                    ("were", "are")
                } else {
                    ("was", "is")
                };
                write!(f, "{object}: {what} {was} {expected}, {is} {actual}")
            }
            Change::ColumnOrder { expected, actual } => write!(
                f,
                "{object}: column order was ({}), is ({})",
                expected.join(", "),
                actual.join(", ")
            ),
        }
    }
}

/// What differs between the state that was `expected` and the state found (`actual`), in a
/// person's words; empty exactly when the two are equal.
pub fn diff(expected: &Schema, actual: &Schema) -> Vec<Difference> {
    let mut d = Differ::default();
    d.maps(
        &expected.schemas,
        &actual.schemas,
        |name, _| format!("schema `{name}`"),
        |d, _, object, e, a| d.fields(object, namespace_fields(e), namespace_fields(a)),
    );
    d.maps(
        &expected.extensions,
        &actual.extensions,
        |name, _| format!("extension `{name}`"),
        |d, _, object, e, a| d.fields(object, extension_fields(e), extension_fields(a)),
    );
    d.maps(
        &expected.types,
        &actual.types,
        |name, t| format!("{} `{name}`", t.kind.word()),
        Differ::types,
    );
    d.maps(
        &expected.tables,
        &actual.tables,
        |name, t| format!("{} `{name}`", t.kind),
        Differ::tables,
    );
    // Indexes and sequences of a table that is missing or left over go with the table.
    let whole = one_sided_relations(expected, actual);
    d.maps_except(
        &expected.indexes,
        &actual.indexes,
        |i: &Index| whole.contains(&i.table),
        |name, i| format!("index `{}` on `{}`", name.name, i.table),
        |d, _, object, e, a| d.fields(object, index_fields(e), index_fields(a)),
    );
    d.maps_except(
        &expected.sequences,
        &actual.sequences,
        |s: &Sequence| {
            s.owned_by
                .as_ref()
                .is_some_and(|o| whole.contains(&o.table))
        },
        |name, _| format!("sequence `{name}`"),
        |d, _, object, e, a| d.fields(object, sequence_fields(e), sequence_fields(a)),
    );
    d.maps(
        &expected.views,
        &actual.views,
        |name, v| format!("{} `{name}`", view_kind(v)),
        Differ::views,
    );
    d.maps(
        &expected.functions,
        &actual.functions,
        |name, f| format!("{} `{name}`", f.kind),
        Differ::functions,
    );
    d.maps(
        &expected.events,
        &actual.events,
        |name, _| format!("event `{name}`"),
        Differ::events,
    );
    // Privileges of objects on both sides; an object on one side only takes its own along.
    let none = Grants::new();
    let objects: BTreeSet<&Privileged> =
        expected.grants.keys().chain(actual.grants.keys()).collect();
    for on in objects
        .into_iter()
        .filter(|on| expected.has(on) && actual.has(on))
    {
        let e = expected.grants.get(on).unwrap_or(&none);
        let a = actual.grants.get(on).unwrap_or(&none);
        d.grants(&privileged_object(expected, on), e, a);
    }
    let keys: BTreeSet<&DefaultPrivileges> = expected
        .default_privileges
        .keys()
        .chain(actual.default_privileges.keys())
        .collect();
    for key in keys {
        let (e, a) = (
            expected.default_privileges_of(key),
            actual.default_privileges_of(key),
        );
        d.grants(&key.to_string(), &e, &a);
    }
    d.out
}

/// An object privileges are granted on, in the words its other differences use.
fn privileged_object(schema: &Schema, on: &Privileged) -> String {
    match on {
        Privileged::Schema(name) => format!("schema `{name}`"),
        Privileged::Table(name) => match (schema.tables.get(name), schema.views.get(name)) {
            (Some(t), _) => format!("{} `{name}`", t.kind),
            (None, Some(v)) => format!("{} `{name}`", view_kind(v)),
            (None, None) => format!("table `{name}`"),
        },
        Privileged::Sequence(name) => format!("sequence `{name}`"),
        Privileged::Routine(key) => {
            let kind = schema
                .functions
                .get(key)
                .map_or("function", |f| f.kind.as_str());
            format!("{kind} `{key}`")
        }
        Privileged::Column(table, column) => format!("column `{table}.{column}`"),
    }
}

/// A property and its value in words; `None` is shown as `none`.
type Field = (&'static str, Option<String>);

#[derive(Default)]
struct Differ {
    out: Vec<Difference>,
    /// Some table's columns are in another order (views over it may follow).
    reordered_tables: bool,
}

impl Differ {
    fn push(&mut self, object: String, change: Change) {
        self.out.push(Difference { object, change });
    }

    /// Walks the keys of both maps in order: a key on one side is missing or still present,
    /// a key on both goes to `both` with the object's name.
    fn maps<K: Ord, V>(
        &mut self,
        expected: &BTreeMap<K, V>,
        actual: &BTreeMap<K, V>,
        name: impl Fn(&K, &V) -> String,
        both: impl FnMut(&mut Self, &K, &str, &V, &V),
    ) {
        self.maps_except(expected, actual, |_| false, name, both);
    }

    /// [`Differ::maps`], leaving unsaid the one-sided objects for which `implied` is true.
    fn maps_except<K: Ord, V>(
        &mut self,
        expected: &BTreeMap<K, V>,
        actual: &BTreeMap<K, V>,
        implied: impl Fn(&V) -> bool,
        name: impl Fn(&K, &V) -> String,
        mut both: impl FnMut(&mut Self, &K, &str, &V, &V),
    ) {
        let keys: BTreeSet<&K> = expected.keys().chain(actual.keys()).collect();
        for key in keys {
            match (expected.get(key), actual.get(key)) {
                (Some(e), Some(a)) => both(self, key, &name(key, e), e, a),
                (Some(e), None) if !implied(e) => self.push(name(key, e), Change::Missing),
                (None, Some(a)) if !implied(a) => self.push(name(key, a), Change::Unexpected),
                _ => {}
            }
        }
    }

    /// One [`Change::Changed`] per field that differs. Both lists come from the same function
    /// on the same kind of object, so they line up.
    fn fields(&mut self, object: &str, expected: Vec<Field>, actual: Vec<Field>) {
        for ((what, e), (_, a)) in expected.into_iter().zip(actual) {
            if e != a {
                let (expected, actual) = shown(e.as_deref(), a.as_deref());
                self.push(
                    object.to_owned(),
                    Change::Changed {
                        what: what.to_owned(),
                        expected,
                        actual,
                    },
                );
            }
        }
    }

    fn types(&mut self, _: &QualifiedName, object: &str, e: &Type, a: &Type) {
        if e.kind.word() != a.kind.word() {
            self.fields(
                object,
                vec![("kind", Some(e.kind.word().to_owned()))],
                vec![("kind", Some(a.kind.word().to_owned()))],
            );
            return;
        }
        self.fields(object, type_fields(e), type_fields(a));
        if let (
            TypeKind::Domain {
                constraints: ec, ..
            },
            TypeKind::Domain {
                constraints: ac, ..
            },
        ) = (&e.kind, &a.kind)
        {
            self.constraints(object, ec, ac);
        }
    }

    fn tables(&mut self, name: &QualifiedName, object: &str, e: &Table, a: &Table) {
        self.fields(object, table_fields(e), table_fields(a));
        let table = format!("`{name}`");
        let table = table.as_str();
        self.maps(
            &e.columns,
            &a.columns,
            |column, _| format!("column `{name}.{column}`"),
            |d, _, object, e, a| d.fields(object, column_fields(e), column_fields(a)),
        );
        self.column_order(object, &e.column_order, &a.column_order);
        self.constraints(table, &e.constraints, &a.constraints);
        self.triggers(table, &e.triggers, &a.triggers);
        self.maps(
            &e.policies,
            &a.policies,
            |name, _| format!("policy `{name}` on {table}"),
            |d, _, object, e, a| d.fields(object, policy_fields(e), policy_fields(a)),
        );
    }

    /// One difference per role whose privileges on the object differ.
    fn grants(&mut self, object: &str, expected: &Grants, actual: &Grants) {
        let none = BTreeMap::new();
        let roles: BTreeSet<&String> = expected.keys().chain(actual.keys()).collect();
        for role in roles {
            let e = expected.get(role).unwrap_or(&none);
            let a = actual.get(role).unwrap_or(&none);
            if e != a {
                let (expected, actual) = shown(privileges(e).as_deref(), privileges(a).as_deref());
                self.push(
                    object.to_owned(),
                    Change::Changed {
                        what: format!("`{role}`'s privileges"),
                        expected,
                        actual,
                    },
                );
            }
        }
    }

    fn column_order(&mut self, object: &str, expected: &[String], actual: &[String]) {
        let same_set = expected.iter().collect::<BTreeSet<_>>() == actual.iter().collect();
        if same_set && expected != actual {
            self.reordered_tables = true;
            self.push(
                object.to_owned(),
                Change::ColumnOrder {
                    expected: expected.to_vec(),
                    actual: actual.to_vec(),
                },
            );
        }
    }

    /// Constraints of `owner` (``"`users`"`` or ``"domain `email`"``).
    fn constraints(
        &mut self,
        owner: &str,
        expected: &BTreeMap<String, Constraint>,
        actual: &BTreeMap<String, Constraint>,
    ) {
        self.maps(
            expected,
            actual,
            |name, c| {
                // SQLite's unnamed constraints are keyed by kind and columns:
                // `foreign key (author_id)`.
                if name.starts_with(c.kind.as_str()) {
                    format!("{name} on {owner}")
                } else {
                    format!("{} `{name}` on {owner}", c.kind)
                }
            },
            |d, _, object, e, a| d.fields(object, constraint_fields(e), constraint_fields(a)),
        );
    }

    fn triggers(
        &mut self,
        owner: &str,
        expected: &BTreeMap<String, Trigger>,
        actual: &BTreeMap<String, Trigger>,
    ) {
        self.maps(
            expected,
            actual,
            |name, _| format!("trigger `{name}` on {owner}"),
            |d, _, object, e, a| {
                // A body that differs only in layout is the same trigger.
                let a = if same_but_blanks(&e.definition, &a.definition) {
                    &Trigger {
                        definition: e.definition.clone(),
                        ..a.clone()
                    }
                } else {
                    a
                };
                d.fields(object, trigger_fields(e), trigger_fields(a));
            },
        );
    }

    fn functions(&mut self, _: &QualifiedName, object: &str, e: &Function, a: &Function) {
        // A body that differs only in layout is the same function.
        let a = if same_but_blanks(&e.body, &a.body) {
            &Function {
                body: e.body.clone(),
                ..a.clone()
            }
        } else {
            a
        };
        self.fields(object, function_fields(e), function_fields(a));
    }

    fn events(&mut self, _: &QualifiedName, object: &str, e: &Event, a: &Event) {
        // A body that differs only in layout is the same event.
        let a = if same_but_blanks(&e.body, &a.body) {
            &Event {
                body: e.body.clone(),
                ..a.clone()
            }
        } else {
            a
        };
        self.fields(object, event_fields(e), event_fields(a));
    }

    fn views(&mut self, name: &QualifiedName, object: &str, e: &View, a: &View) {
        let reordered = self
            .reordered_tables
            .then(|| select_list_reordered(&e.definition, &a.definition))
            .flatten();
        if let Some((expected, actual)) = reordered {
            self.push(object.to_owned(), Change::ColumnOrder { expected, actual });
            let a = View {
                definition: e.definition.clone(),
                ..a.clone()
            };
            self.fields(object, view_fields(e), view_fields(&a));
        } else {
            self.fields(object, view_fields(e), view_fields(a));
        }
        let columns: BTreeSet<&String> = e
            .column_comments
            .keys()
            .chain(a.column_comments.keys())
            .collect();
        for column in columns {
            self.fields(
                &format!("column `{name}.{column}`"),
                vec![("comment", e.column_comments.get(column).cloned())],
                vec![("comment", a.column_comments.get(column).cloned())],
            );
        }
        self.triggers(&format!("`{name}`"), &e.triggers, &a.triggers);
    }
}

/// Tables and views that exist on one side only: reported as a whole, with their dependents.
fn one_sided_relations(expected: &Schema, actual: &Schema) -> BTreeSet<QualifiedName> {
    one_sided(&expected.tables, &actual.tables)
        .chain(one_sided(&expected.views, &actual.views))
        .cloned()
        .collect()
}

fn one_sided<'a, K: Ord, V>(
    expected: &'a BTreeMap<K, V>,
    actual: &'a BTreeMap<K, V>,
) -> impl Iterator<Item = &'a K> {
    let gone = expected.keys().filter(|k| !actual.contains_key(*k));
    let new = actual.keys().filter(|k| !expected.contains_key(*k));
    gone.chain(new)
}

/// Values as shown in a message: blanks collapsed so multi-line definitions fit on a line, unless
/// blanks are all that differs, in which case both are quoted as they are.
fn shown(expected: Option<&str>, actual: Option<&str>) -> (String, String) {
    let flat = |v: Option<&str>| v.map_or_else(|| "none".to_owned(), collapse_blanks);
    let (e, a) = (flat(expected), flat(actual));
    if e != a {
        return (e, a);
    }
    let quoted = |v: Option<&str>| v.map_or_else(|| "none".to_owned(), |s| format!("{s:?}"));
    (quoted(expected), quoted(actual))
}

fn collapse_blanks(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn text(value: &str) -> Option<String> {
    Some(value.to_owned())
}

fn word(flag: bool, yes: &str, no: &str) -> Option<String> {
    text(if flag { yes } else { no })
}

fn list(items: &[String]) -> Option<String> {
    (!items.is_empty()).then(|| items.join(", "))
}

/// `SELECT, UPDATE with grant option`, or `None` for no privilege.
fn privileges(granted: &BTreeMap<String, bool>) -> Option<String> {
    let words: Vec<String> = granted
        .iter()
        .map(|(privilege, option)| {
            if *option {
                format!("{privilege} with grant option")
            } else {
                privilege.clone()
            }
        })
        .collect();
    (!words.is_empty()).then(|| words.join(", "))
}

fn view_kind(v: &View) -> &'static str {
    if v.materialized {
        "materialized view"
    } else {
        "view"
    }
}

fn namespace_fields(n: &Namespace) -> Vec<Field> {
    let Namespace { comment } = n;
    vec![("comment", comment.clone())]
}

fn extension_fields(e: &Extension) -> Vec<Field> {
    let Extension {
        schema,
        version,
        comment,
    } = e;
    vec![
        ("schema", text(schema)),
        ("version", text(version)),
        ("comment", comment.clone()),
    ]
}

/// The fields of a type; the caller has checked that both are the same kind.
fn type_fields(t: &Type) -> Vec<Field> {
    let Type { kind, comment } = t;
    let mut fields = match kind {
        TypeKind::Enum { labels } => {
            let quoted: Vec<String> = labels
                .iter()
                .map(|l| format!("'{}'", l.replace('\'', "''")))
                .collect();
            vec![("labels", list(&quoted))]
        }
        TypeKind::Domain {
            base_type,
            not_null,
            default,
            collation,
            constraints: _, // compared one by one
        } => vec![
            ("base type", text(base_type)),
            ("nullability", word(*not_null, "not null", "nullable")),
            ("default", default.clone()),
            ("collation", collation.clone()),
        ],
        TypeKind::Composite { attributes } => vec![("attributes", list(attributes))],
        TypeKind::Range { subtype } => vec![("subtype", text(subtype))],
    };
    fields.push(("comment", comment.clone()));
    fields
}

fn table_fields(t: &Table) -> Vec<Field> {
    let Table {
        kind,
        columns: _,      // compared one by one
        column_order: _, // compared as a whole
        partition_key,
        partition_of,
        parents,
        unlogged,
        options,
        row_security,
        force_row_security,
        comment,
        constraints: _, // compared one by one
        triggers: _,    // compared one by one
        policies: _,    // compared one by one
    } = t;
    vec![
        ("kind", text(kind.as_str())),
        ("partition key", partition_key.clone()),
        ("partition of", partition_of.clone()),
        ("parents", list(parents)),
        ("persistence", word(*unlogged, "unlogged", "logged")),
        ("options", options.clone()),
        (
            "row-level security",
            word(*row_security, "enabled", "disabled"),
        ),
        (
            "forced row-level security",
            word(*force_row_security, "on", "off"),
        ),
        ("comment", comment.clone()),
    ]
}

fn column_fields(c: &Column) -> Vec<Field> {
    let Column {
        data_type,
        not_null,
        default,
        identity,
        generated,
        collation,
        comment,
    } = c;
    vec![
        ("type", text(data_type)),
        ("nullability", word(*not_null, "not null", "nullable")),
        ("default", default.clone()),
        ("identity", identity.map(|i| i.as_str().to_owned())),
        ("generated", generated.clone()),
        ("collation", collation.clone()),
        ("comment", comment.clone()),
    ]
}

fn constraint_fields(c: &Constraint) -> Vec<Field> {
    let Constraint {
        kind,
        definition,
        comment,
    } = c;
    vec![
        ("kind", text(kind.as_str())),
        ("definition", text(definition)),
        ("comment", comment.clone()),
    ]
}

fn index_fields(i: &Index) -> Vec<Field> {
    let Index {
        table,
        unique,
        definition,
        comment,
    } = i;
    vec![
        ("table", Some(table.to_string())),
        ("uniqueness", word(*unique, "unique", "not unique")),
        ("definition", text(definition)),
        ("comment", comment.clone()),
    ]
}

fn sequence_fields(s: &Sequence) -> Vec<Field> {
    let Sequence {
        data_type,
        start,
        increment,
        min,
        max,
        cache,
        cycle,
        owned_by,
        comment,
    } = s;
    vec![
        ("type", text(data_type)),
        ("start", Some(start.to_string())),
        ("increment", Some(increment.to_string())),
        ("minimum", Some(min.to_string())),
        ("maximum", Some(max.to_string())),
        ("cache", Some(cache.to_string())),
        ("cycling", word(*cycle, "cycle", "no cycle")),
        ("owner", owned_by.as_ref().map(ToString::to_string)),
        ("comment", comment.clone()),
    ]
}

fn view_fields(v: &View) -> Vec<Field> {
    let View {
        materialized: _, // part of the kind
        definition,
        options,
        comment,
        column_comments: _, // compared one by one
        triggers: _,        // compared one by one
    } = v;
    vec![
        ("kind", text(view_kind(v))),
        ("definition", text(definition)),
        ("options", options.clone()),
        ("comment", comment.clone()),
    ]
}

fn function_fields(f: &Function) -> Vec<Field> {
    let Function {
        kind,
        arguments,
        result,
        language,
        body,
        attributes,
        comment,
    } = f;
    vec![
        ("kind", text(kind.as_str())),
        ("arguments", text(arguments)),
        ("result", result.clone()),
        ("language", text(language)),
        ("body", text(body)),
        ("attributes", text(attributes)),
        ("comment", comment.clone()),
    ]
}

fn event_fields(e: &Event) -> Vec<Field> {
    let Event {
        schedule,
        body,
        status,
        preserve,
        comment,
    } = e;
    vec![
        ("schedule", text(schedule)),
        ("body", text(body)),
        ("status", text(status)),
        ("on completion", word(*preserve, "preserve", "not preserve")),
        ("comment", comment.clone()),
    ]
}

fn trigger_fields(t: &Trigger) -> Vec<Field> {
    let Trigger {
        definition,
        enabled,
        comment,
    } = t;
    vec![
        ("definition", text(definition)),
        ("state", text(enabled.as_str())),
        ("comment", comment.clone()),
    ]
}

fn policy_fields(p: &Policy) -> Vec<Field> {
    let Policy {
        command,
        mode,
        roles,
        using,
        with_check,
        comment,
    } = p;
    vec![
        ("command", text(command.as_str())),
        ("mode", text(mode.as_str())),
        ("roles", list(roles)),
        ("using expression", using.clone()),
        ("with check expression", with_check.clone()),
        ("comment", comment.clone()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ConstraintKind, FunctionKind, TableKind};

    fn name(n: &str) -> QualifiedName {
        QualifiedName::new("public", n)
    }

    fn column(data_type: &str) -> Column {
        Column {
            data_type: data_type.to_owned(),
            ..Column::default()
        }
    }

    /// A table with text columns in the given order.
    fn table(columns: &[&str]) -> Table {
        Table {
            kind: TableKind::Table,
            columns: columns
                .iter()
                .map(|c| (c.to_string(), column("text")))
                .collect(),
            column_order: columns.iter().map(|c| c.to_string()).collect(),
            ..Table::default()
        }
    }

    fn with_table(n: &str, t: Table) -> Schema {
        let mut s = Schema::default();
        s.tables.insert(name(n), t);
        s
    }

    fn said(expected: &Schema, actual: &Schema) -> Vec<String> {
        diff(expected, actual)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn mysql_events_compare_by_schedule_and_body_with_blanks_ignored() {
        // MySQL keys its objects in the empty schema: the database snapshotted.
        let key = QualifiedName::new("", "purge_drafts");
        let event = |schedule: &str, body: &str| {
            let mut s = Schema::default();
            s.events.insert(
                key.clone(),
                Event {
                    schedule: schedule.into(),
                    body: body.into(),
                    status: "ENABLED".into(),
                    ..Event::default()
                },
            );
            s
        };
        let daily = event("EVERY 1 DAY", "DELETE FROM notes WHERE draft");
        let relaid = event("EVERY 1 DAY", "DELETE FROM notes\n  WHERE draft");
        assert_eq!(said(&daily, &relaid), Vec::<String>::new());
        assert_eq!(
            said(
                &daily,
                &event("EVERY 1 HOUR", "DELETE FROM notes WHERE draft")
            ),
            ["event `purge_drafts`: schedule was EVERY 1 DAY, is EVERY 1 HOUR"]
        );
        assert_eq!(
            said(&Schema::default(), &daily),
            ["event `purge_drafts` is still present"]
        );
        assert!(!daily.is_empty());
    }

    #[test]
    fn equal_snapshots_have_no_differences() {
        let s = with_table("notes", table(&["id", "title"]));
        assert_eq!(said(&s, &s.clone()), Vec::<String>::new());
        assert_eq!(
            said(&Schema::default(), &Schema::default()),
            Vec::<String>::new()
        );
    }

    #[test]
    fn each_change_reads_as_a_sentence() {
        let object = "index `notes_title_idx` on `notes`".to_owned();
        let cases = [
            (
                Change::Unexpected,
                "index `notes_title_idx` on `notes` is still present",
            ),
            (
                Change::Missing,
                "index `notes_title_idx` on `notes` is missing",
            ),
            (
                Change::Changed {
                    what: "definition".into(),
                    expected: "USING btree (title)".into(),
                    actual: "USING hash (title)".into(),
                },
                "index `notes_title_idx` on `notes`: definition was USING btree (title), is USING hash (title)",
            ),
            (
                Change::Changed {
                    what: "labels".into(),
                    expected: "'a'".into(),
                    actual: "'b'".into(),
                },
                "index `notes_title_idx` on `notes`: labels were 'a', are 'b'",
            ),
            (
                Change::Changed {
                    what: "uniqueness".into(),
                    expected: "unique".into(),
                    actual: "not unique".into(),
                },
                "index `notes_title_idx` on `notes`: uniqueness was unique, is not unique",
            ),
            (
                Change::ColumnOrder {
                    expected: vec!["a".into(), "b".into()],
                    actual: vec!["b".into(), "a".into()],
                },
                "index `notes_title_idx` on `notes`: column order was (a, b), is (b, a)",
            ),
        ];
        for (change, text) in cases {
            let d = Difference {
                object: object.clone(),
                change,
            };
            assert_eq!(d.to_string(), text);
        }
    }

    #[test]
    fn objects_on_one_side_are_missing_or_still_present() {
        let expected = with_table("notes", table(&["id"]));
        let actual = with_table("tags", table(&["id"]));
        assert_eq!(
            said(&expected, &actual),
            ["table `notes` is missing", "table `tags` is still present"]
        );
    }

    #[test]
    fn changed_column_fields_are_named_one_by_one() {
        let expected = with_table("users", table(&["id", "full_name"]));
        let mut t = table(&["id", "full_name"]);
        let full_name = t.columns.get_mut("full_name").expect("column");
        full_name.data_type = "character varying(255)".into();
        full_name.not_null = true;
        full_name.default = Some("'anon'::text".into());
        let actual = with_table("users", t);
        assert_eq!(
            said(&expected, &actual),
            [
                "column `users.full_name`: type was text, is character varying(255)",
                "column `users.full_name`: nullability was nullable, is not null",
                "column `users.full_name`: default was none, is 'anon'::text",
            ]
        );
    }

    #[test]
    fn column_order_is_reported_only_for_the_same_columns() {
        let expected = with_table("users", table(&["id", "name", "email"]));
        let reordered = with_table("users", table(&["id", "email", "name"]));
        assert_eq!(
            said(&expected, &reordered),
            ["table `users`: column order was (id, name, email), is (id, email, name)"]
        );
        // A column more or less is that, not an order change.
        let fewer = with_table("users", table(&["id", "email"]));
        assert_eq!(said(&expected, &fewer), ["column `users.name` is missing"]);
    }

    #[test]
    fn indexes_and_sequences_of_a_whole_table_are_not_repeated() {
        let mut actual = with_table("tags", table(&["id"]));
        actual.indexes.insert(
            name("tags_name_idx"),
            Index {
                table: name("tags"),
                definition: "USING btree (name)".into(),
                ..Index::default()
            },
        );
        actual.sequences.insert(
            name("tags_id_seq"),
            Sequence {
                owned_by: Some(crate::schema::SequenceOwner {
                    table: name("tags"),
                    column: "id".into(),
                    identity: true,
                }),
                ..Sequence::default()
            },
        );
        actual
            .sequences
            .insert(name("counter"), Sequence::default());
        assert_eq!(
            said(&Schema::default(), &actual),
            [
                "table `tags` is still present",
                "sequence `counter` is still present"
            ]
        );
        // An index on a table that stays is named.
        let mut expected = with_table("tags", table(&["id"]));
        expected.indexes = actual.indexes.clone();
        let actual = with_table("tags", table(&["id"]));
        assert_eq!(
            said(&expected, &actual),
            ["index `tags_name_idx` on `tags` is missing"]
        );
    }

    #[test]
    fn constraints_are_named_by_kind_and_owner() {
        let pg = |n: &str| Constraint {
            kind: ConstraintKind::Unique,
            definition: format!("UNIQUE ({n})"),
            comment: None,
        };
        let mut e = table(&["email"]);
        e.constraints.insert("users_email_key".into(), pg("email"));
        let mut a = table(&["email"]);
        a.constraints
            .insert("users_email_unique".into(), pg("email"));
        // SQLite's unnamed constraints are keyed by kind and columns.
        a.constraints
            .insert("unique constraint (email)".into(), pg("email"));
        assert_eq!(
            said(&with_table("users", e), &with_table("users", a)),
            [
                "unique constraint (email) on `users` is still present",
                "unique constraint `users_email_key` on `users` is missing",
                "unique constraint `users_email_unique` on `users` is still present",
            ]
        );
    }

    #[test]
    fn names_outside_the_default_schema_are_qualified() {
        let mut expected = Schema::default();
        expected
            .tables
            .insert(QualifiedName::new("app", "notes"), table(&["id"]));
        let mut actual = expected.clone();
        actual
            .tables
            .get_mut(&QualifiedName::new("app", "notes"))
            .expect("table")
            .columns
            .insert("id".into(), column("bigint"));
        assert_eq!(
            said(&expected, &actual),
            ["column `app.notes.id`: type was text, is bigint"]
        );
    }

    #[test]
    fn types_of_another_kind_say_only_that() {
        let mut expected = Schema::default();
        expected.types.insert(
            name("mood"),
            Type {
                kind: TypeKind::Enum {
                    labels: vec!["sad".into(), "it's ok".into()],
                },
                comment: None,
            },
        );
        let mut relabelled = expected.clone();
        relabelled.types.insert(
            name("mood"),
            Type {
                kind: TypeKind::Enum {
                    labels: vec!["it's ok".into(), "sad".into()],
                },
                comment: None,
            },
        );
        assert_eq!(
            said(&expected, &relabelled),
            ["enum type `mood`: labels were 'sad', 'it''s ok', are 'it''s ok', 'sad'"]
        );
        let mut domain = Schema::default();
        domain.types.insert(
            name("mood"),
            Type {
                kind: TypeKind::Domain {
                    base_type: "text".into(),
                    not_null: false,
                    default: None,
                    collation: None,
                    constraints: BTreeMap::new(),
                },
                comment: None,
            },
        );
        assert_eq!(
            said(&expected, &domain),
            ["enum type `mood`: kind was enum type, is domain"]
        );
    }

    #[test]
    fn multi_line_values_are_shown_on_one_line_unless_blanks_are_the_difference() {
        let view = |definition: &str| View {
            definition: definition.into(),
            ..View::default()
        };
        let mut expected = Schema::default();
        expected
            .views
            .insert(name("recent"), view(" SELECT notes.id\n   FROM notes;"));
        let mut actual = Schema::default();
        actual.views.insert(
            name("recent"),
            view(" SELECT notes.id,\n    notes.title\n   FROM notes;"),
        );
        assert_eq!(
            said(&expected, &actual),
            [
                "view `recent`: definition was SELECT notes.id FROM notes;, is SELECT notes.id, notes.title \
                 FROM notes;"
            ]
        );
        let mut spaced = Schema::default();
        spaced
            .views
            .insert(name("recent"), view(" SELECT notes.id\n   FROM  notes;"));
        assert_eq!(
            said(&expected, &spaced),
            [
                "view `recent`: definition was \" SELECT notes.id\\n   FROM notes;\", is \" SELECT notes.id\\n   \
                 FROM  notes;\""
            ]
        );
    }

    #[test]
    fn a_function_body_that_differs_only_in_layout_is_equal() {
        let function = |body: &str| Function {
            kind: FunctionKind::Function,
            language: "plpgsql".into(),
            body: body.into(),
            ..Function::default()
        };
        let with = |body: &str| {
            let mut s = Schema::default();
            s.functions.insert(name("touch()"), function(body));
            s
        };
        let expected = with("\nBEGIN\n    NEW.at := now();\n    RETURN NEW;\nEND;\n");
        assert!(said(&expected, &with("BEGIN NEW.at := now(); RETURN NEW; END;")).is_empty());
        assert_eq!(
            said(
                &expected,
                &with("BEGIN NEW.at := now(); RETURN 'NEW  '; END;")
            ),
            [
                "function `touch()`: body was BEGIN NEW.at := now(); RETURN NEW; END;, is BEGIN NEW.at \
                 := now(); RETURN 'NEW '; END;"
            ]
        );
    }

    #[test]
    fn a_view_over_a_reordered_table_is_a_column_order_difference() {
        let with = |columns: &[&str], definition: &str| {
            let mut s = with_table("t", table(columns));
            s.views.insert(
                name("v"),
                View {
                    definition: definition.into(),
                    ..View::default()
                },
            );
            s
        };
        let expected = with(&["a", "b"], " SELECT t.a,\n    t.b\n   FROM t;");
        let actual = with(&["b", "a"], " SELECT t.b,\n    t.a\n   FROM t;");
        let found = diff(&expected, &actual);
        assert!(
            found
                .iter()
                .all(|d| matches!(d.change, Change::ColumnOrder { .. })),
            "{found:?}"
        );
        assert_eq!(
            said(&expected, &actual),
            [
                "table `t`: column order was (a, b), is (b, a)",
                "view `v`: column order was (t.a, t.b), is (t.b, t.a)"
            ]
        );
        // Without a reordered table, a view whose select list moved is a changed definition.
        let same_table = with(&["a", "b"], " SELECT t.b,\n    t.a\n   FROM t;");
        assert!(matches!(
            diff(&expected, &same_table)[0].change,
            Change::Changed { .. }
        ));
    }

    #[test]
    fn view_column_comments_and_triggers_are_compared() {
        let mut expected = Schema::default();
        expected.views.insert(name("recent"), View::default());
        let mut actual = expected.clone();
        let view = actual.views.get_mut(&name("recent")).expect("view");
        view.column_comments
            .insert("title".into(), "Its title".into());
        view.triggers
            .insert("recent_insert".into(), Trigger::default());
        assert_eq!(
            said(&expected, &actual),
            [
                "column `recent.title`: comment was none, is Its title",
                "trigger `recent_insert` on `recent` is still present",
            ]
        );
    }

    #[test]
    fn privileges_are_compared_role_by_role_and_go_with_their_object() {
        let grants = |role: &str, privileges: &[(&str, bool)]| -> Grants {
            let privileges = privileges.iter().map(|(p, o)| ((*p).to_owned(), *o));
            Grants::from([(role.to_owned(), privileges.collect())])
        };
        let mut before = Schema::default();
        before.tables.insert(name("notes"), table(&["id"]));
        let mut after = before.clone();
        after.grants.insert(
            Privileged::Table(name("notes")),
            grants("reader", &[("SELECT", false), ("UPDATE", true)]),
        );
        after.grants.insert(
            Privileged::Column(name("notes"), "id".to_owned()),
            grants("PUBLIC", &[("SELECT", false)]),
        );
        // Privileges of a table that exists on one side only are not listed on their own.
        after.grants.insert(
            Privileged::Table(name("gone")),
            grants("reader", &[("SELECT", false)]),
        );
        let found: Vec<String> = diff(&before, &after)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            found,
            [
                "table `notes`: `reader`'s privileges were none, are SELECT, UPDATE with grant option",
                "column `notes.id`: `PUBLIC`'s privileges were none, are SELECT",
            ]
        );

        // No entry for all schemas means the built-in defaults: PUBLIC may execute routines.
        let functions = |schema: Option<&str>| DefaultPrivileges {
            role: None,
            schema: schema.map(str::to_owned),
            objects: "FUNCTIONS".to_owned(),
        };
        let mut revoked = Schema::default();
        revoked
            .default_privileges
            .insert(functions(None), Grants::new());
        let found: Vec<String> = diff(&Schema::default(), &revoked)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            found,
            ["default privileges on functions: `PUBLIC`'s privileges were EXECUTE, are none"]
        );
        // A schema's entry adds to nothing.
        assert!(
            Schema::default()
                .default_privileges_of(&functions(Some("app")))
                .is_empty()
        );
        // Maps keyed by these serialise as JSON objects (their keys as text).
        let json = serde_json::to_value(&after).expect("serialises");
        assert!(json["grants"]["table notes"]["reader"]["UPDATE"] == true);
    }
}
