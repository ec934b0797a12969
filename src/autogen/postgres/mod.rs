//! PostgreSQL: one direction of a migration, phase by phase. The driver, phase order and shared
//! helpers live here; each object kind generates its statements in a file of its own.

use std::collections::{BTreeMap, BTreeSet};

use super::{
    Changes, Phases, Statement, literal, mentions, order_by_mentions, qualified, quote_ident,
};
use crate::schema::{
    Column, Constraint, ConstraintKind, DefaultPrivileges, Function, FunctionKind, Grants,
    Identity, Index, Policy, Privileged, QualifiedName, Schema, Sequence, Table, TableKind,
    Trigger, TriggerState, Type, TypeKind, View,
};

mod alter;
mod functions;
mod grants;
mod indexes;
mod policies;
mod sequences;
mod tables;
mod triggers;
mod types;
mod views;

/// Phases, in the order their statements run (the declaration order is the order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    DropTriggers,
    /// SQL functions whose bodies read a table or view that goes away.
    EarlyDropFunctions,
    DropViews,
    DropForeignKeys,
    DropConstraints,
    /// Sequences kept while the table or column owning them goes: released before it drops them.
    ReleaseSequences,
    DropTables,
    DropColumns,
    DropForRecreate,
    Schemas,
    Extensions,
    Types,
    Domains,
    Composites,
    Sequences,
    Functions,
    Tables,
    AlterColumns,
    /// SQL functions whose bodies read a table whose columns change type (or name a rebuilt enum):
    /// PostgreSQL checks a SQL body against the columns as they are when the function is created.
    RetypedFunctions,
    OwnedBy,
    Constraints,
    ForeignKeys,
    Views,
    ViewIndexes,
    LateFunctions,
    Triggers,
    Comments,
    Grants,
    DropFunctions,
    DropComposites,
    DropSequences,
    DropDomains,
    DropTypes,
    DropExtensions,
    DropSchemas,
}

/// The suffix of an enum type renamed out of the way while it is rebuilt.
const OLD_SUFFIX: &str = "__brainmig_old";

pub(super) fn changes(old: &Schema, new: &Schema) -> Changes {
    let mut g = Gen {
        old,
        new,
        out: Phases::default(),
        rebuilt_enums: BTreeSet::new(),
        recreated_functions: BTreeSet::new(),
        rebuilt_views: BTreeSet::new(),
        altered_tables: BTreeSet::new(),
        rekeyed: rekeyed_tables(old, new),
    };
    g.schemas_and_extensions();
    g.types();
    g.sequences();
    g.functions();
    g.tables();
    g.views();
    g.indexes();
    g.triggers();
    g.grants();
    g.out.finish()
}

struct Gen<'a> {
    old: &'a Schema,
    new: &'a Schema,
    out: Phases<Phase>,
    /// Enum types dropped and created again (a label removed or moved).
    rebuilt_enums: BTreeSet<QualifiedName>,
    /// Functions dropped and created again (their signature or result changed).
    recreated_functions: BTreeSet<QualifiedName>,
    /// Views dropped and created again, whether their own definition changed or not.
    rebuilt_views: BTreeSet<QualifiedName>,
    /// Tables whose columns change type or go away: views over them are rebuilt.
    altered_tables: BTreeSet<QualifiedName>,
    /// Tables (as foreign keys name them) whose primary key or unique constraints are dropped
    /// and added again: the foreign keys pointing at them must go first and come back after.
    rekeyed: BTreeSet<String>,
}

fn rekeyed_tables(old: &Schema, new: &Schema) -> BTreeSet<String> {
    old.tables
        .iter()
        .filter(|(name, o)| {
            let Some(t) = new.tables.get(*name) else {
                return false;
            };
            o.constraints.iter().any(|(cname, c)| {
                !matches!(c.kind, ConstraintKind::ForeignKey | ConstraintKind::Check)
                    && t.constraints.get(cname) != Some(c)
            })
        })
        .map(|(name, _)| qualified(name))
        .collect()
}

/// `COMMENT ON <what> IS ...` when the comment is new or changed (`old` is `None` for an object
/// that is created by this migration).
fn comment(
    out: &mut Phases<Phase>,
    what: &str,
    old: Option<&Option<String>>,
    new: &Option<String>,
) {
    let changed = match old {
        None => new.is_some(),
        Some(old) => old != new,
    };
    if changed {
        let value = new.as_deref().map_or_else(|| "NULL".to_owned(), literal);
        out.sql(Phase::Comments, format!("COMMENT ON {what} IS {value}"));
    }
}

/// The name and argument types of a function key `name(argument types)`.
fn function_parts(key: &QualifiedName) -> (QualifiedName, &str) {
    let (name, args) = key.name.split_once('(').unwrap_or((&key.name, ")"));
    (
        QualifiedName::new(&key.schema, name),
        args.strip_suffix(')').unwrap_or(args),
    )
}

fn function_signature(key: &QualifiedName) -> String {
    let (name, args) = function_parts(key);
    format!("{}({args})", qualified(&name))
}

/// Only SQL and PL/pgSQL functions and aggregates are created by a generated migration.
fn generated_function(f: &Function) -> bool {
    (matches!(f.language.as_str(), "sql" | "plpgsql") || f.kind == FunctionKind::Aggregate)
        && f.kind != FunctionKind::WindowFunction
}

/// Partitioned, partition, inheriting and foreign tables are not created by a generated migration.
fn generated_table(t: &Table) -> bool {
    t.kind == TableKind::Table
        && t.partition_key.is_none()
        && t.partition_of.is_none()
        && t.parents.is_empty()
}

fn function_word(f: &Function) -> &'static str {
    match f.kind {
        FunctionKind::Procedure => "PROCEDURE",
        FunctionKind::Aggregate => "AGGREGATE",
        FunctionKind::Function | FunctionKind::WindowFunction => "FUNCTION",
    }
}

/// The keyword of `GENERATED .. AS IDENTITY`.
fn generated_word(identity: Identity) -> &'static str {
    match identity {
        Identity::Always => "ALWAYS",
        // MySQL's counter, which a PostgreSQL snapshot never holds; its nearest word here.
        Identity::ByDefault | Identity::AutoIncrement => "BY DEFAULT",
    }
}

/// The table a foreign key definition references (`... REFERENCES users(id) ...`).
fn referenced_table(definition: &str) -> Option<&str> {
    let rest = &definition[definition.find("REFERENCES ")? + "REFERENCES ".len()..];
    Some(rest.split('(').next().unwrap_or(rest).trim())
}

/// True for type changes that keep every value and need no review.
fn widening(old: &str, new: &str) -> bool {
    let varchar = |t: &str| -> Option<Option<u32>> {
        if t == "character varying" || t == "text" {
            return Some(None);
        }
        let n = t.strip_prefix("character varying(")?.strip_suffix(')')?;
        n.parse().ok().map(Some)
    };
    if let (Some(o), Some(n)) = (varchar(old), varchar(new)) {
        return match (o, n) {
            (_, None) => true,
            (Some(o), Some(n)) => n >= o,
            (None, Some(_)) => false,
        };
    }
    false
}

impl Gen<'_> {
    fn schemas_and_extensions(&mut self) {
        let (old, new) = (self.old, self.new);
        for (name, ns) in &new.schemas {
            let q = quote_ident(name);
            match old.schemas.get(name) {
                None => {
                    self.out.sql(Phase::Schemas, format!("CREATE SCHEMA {q}"));
                    comment(&mut self.out, &format!("SCHEMA {q}"), None, &ns.comment);
                }
                Some(o) => comment(
                    &mut self.out,
                    &format!("SCHEMA {q}"),
                    Some(&o.comment),
                    &ns.comment,
                ),
            }
        }
        for name in old.schemas.keys().filter(|n| !new.schemas.contains_key(*n)) {
            self.out.push(
                Phase::DropSchemas,
                Statement::review(
                    format!("DROP SCHEMA {}", quote_ident(name)),
                    format!("drops schema `{name}`"),
                ),
            );
        }
        for (name, ext) in &new.extensions {
            let q = quote_ident(name);
            match old.extensions.get(name) {
                None => self.out.sql(
                    Phase::Extensions,
                    format!(
                        "CREATE EXTENSION {q} WITH SCHEMA {}",
                        quote_ident(&ext.schema)
                    ),
                ),
                Some(o) => {
                    if o.version != ext.version {
                        self.out.sql(
                            Phase::Extensions,
                            format!("ALTER EXTENSION {q} UPDATE TO {}", literal(&ext.version)),
                        );
                    }
                    if o.schema != ext.schema {
                        self.out.sql(
                            Phase::Extensions,
                            format!(
                                "ALTER EXTENSION {q} SET SCHEMA {}",
                                quote_ident(&ext.schema)
                            ),
                        );
                    }
                    comment(
                        &mut self.out,
                        &format!("EXTENSION {q}"),
                        Some(&o.comment),
                        &ext.comment,
                    );
                }
            }
        }
        for name in old
            .extensions
            .keys()
            .filter(|n| !new.extensions.contains_key(*n))
        {
            self.out.push(
                Phase::DropExtensions,
                Statement::review(
                    format!("DROP EXTENSION {}", quote_ident(name)),
                    format!("drops extension `{name}` and the objects it created"),
                ),
            );
        }
    }
}

fn type_word(t: &Type) -> &'static str {
    if matches!(t.kind, TypeKind::Domain { .. }) {
        "DOMAIN"
    } else {
        "TYPE"
    }
}

fn view_word(v: &View) -> &'static str {
    if v.materialized {
        "MATERIALIZED VIEW"
    } else {
        "VIEW"
    }
}

/// The end of the definition of a constraint that is not checked against existing rows.
const NOT_VALID: &str = " NOT VALID";

fn not_valid(c: &Constraint) -> bool {
    c.definition.ends_with(NOT_VALID)
}

fn index_shape(i: &Index) -> (&QualifiedName, bool, &str) {
    (&i.table, i.unique, &i.definition)
}

/// True when a default, constraint, trigger, index, view, domain or SQL function body of
/// `schema` contains `text`: what PostgreSQL parses when it is created, where a label added in
/// the same transaction is refused ("unsafe use of new value"). Function bodies count only when
/// the migration (re)creates them, i.e. when they differ from `old`.
fn uses_literal(old: &Schema, schema: &Schema, text: &str) -> bool {
    let tables = schema.tables.values().any(|t| {
        t.columns
            .values()
            .any(|c| c.default.as_deref().is_some_and(|d| d.contains(text)))
            || t.constraints.values().any(|c| c.definition.contains(text))
            || t.triggers.values().any(|tr| tr.definition.contains(text))
    });
    let functions = schema
        .functions
        .iter()
        .filter(|(key, f)| old.functions.get(*key) != Some(*f))
        .any(|(_, f)| f.language == "sql" && f.body.contains(text));
    let types = schema.types.values().any(|t| match &t.kind {
        TypeKind::Domain {
            default,
            constraints,
            ..
        } => {
            default.as_deref().is_some_and(|d| d.contains(text))
                || constraints.values().any(|c| c.definition.contains(text))
        }
        _ => false,
    });
    tables
        || types
        || functions
        || schema.indexes.values().any(|i| i.definition.contains(text))
        || schema.views.values().any(|v| v.definition.contains(text))
}

/// True when every label of `old` is in `new`, in the same order.
fn is_subsequence(old: &[String], new: &[String]) -> bool {
    let mut it = new.iter();
    old.iter().all(|o| it.any(|n| n == o))
}

/// A schema-qualified name even in `public` (identity sequence names need it).
fn qualified_always(name: &QualifiedName) -> String {
    format!("{}.{}", quote_ident(&name.schema), quote_ident(&name.name))
}

/// `AS bigint INCREMENT BY 1 MINVALUE 1 MAXVALUE ... START WITH 1 CACHE 1 [NO] CYCLE`.
fn sequence_options(s: &Sequence) -> String {
    format!("AS {} {}", s.data_type, sequence_limits(s))
}

/// The options of [`sequence_options`] but its type (an identity sequence takes its column's).
fn sequence_limits(s: &Sequence) -> String {
    format!(
        "INCREMENT BY {} MINVALUE {} MAXVALUE {} START WITH {} CACHE {} {}",
        s.increment,
        s.min,
        s.max,
        s.start,
        s.cache,
        if s.cycle { "CYCLE" } else { "NO CYCLE" }
    )
}

/// A dollar-quote tag that does not occur in `body`.
fn dollar_tag(body: &str) -> String {
    let mut tag = "$body$".to_owned();
    let mut n = 0;
    while body.contains(&tag) {
        n += 1;
        tag = format!("$body{n}$");
    }
    tag
}

fn create_function(key: &QualifiedName, f: &Function, replace: bool) -> String {
    let (name, args) = function_parts(key);
    let q = qualified(&name);
    let or_replace = if replace { "OR REPLACE " } else { "" };
    if f.kind == FunctionKind::Aggregate {
        return format!("CREATE {or_replace}AGGREGATE {q}({args}) ({})", f.body);
    }
    let word = function_word(f);
    let mut sql = format!("CREATE {or_replace}{word} {q}({})", f.arguments);
    if let Some(result) = &f.result {
        sql.push_str(&format!("\n RETURNS {result}"));
    }
    sql.push_str(&format!("\n LANGUAGE {}", f.language));
    let attributes = if f.kind == FunctionKind::Procedure {
        // Procedures take no volatility, cost or parallel markings.
        let mut kept = Vec::new();
        if f.attributes.contains("SECURITY DEFINER") {
            kept.push("SECURITY DEFINER".to_owned());
        }
        if let Some(at) = f.attributes.find("SET ") {
            kept.push(f.attributes[at..].to_owned());
        }
        kept.join(" ")
    } else {
        f.attributes.clone()
    };
    if !attributes.is_empty() {
        sql.push_str(&format!("\n {attributes}"));
    }
    let body = f.body.trim();
    let sql_body =
        f.language == "sql" && (body.starts_with("BEGIN ATOMIC") || body.starts_with("RETURN "));
    if sql_body {
        sql.push_str(&format!("\n{body}"));
    } else {
        let tag = dollar_tag(&f.body);
        sql.push_str(&format!("\nAS {tag}{}{tag}", f.body));
    }
    sql
}
