//! PostgreSQL: one direction of a migration, phase by phase.

use std::collections::{BTreeMap, BTreeSet};

use super::{
    Changes, Phases, Statement, literal, mentions, order_by_mentions, qualified, quote_ident,
};
use crate::schema::{
    Column, Constraint, ConstraintKind, DefaultPrivileges, Function, FunctionKind, Grants,
    Identity, Index, Policy, Privileged, QualifiedName, Schema, Sequence, Table, TableKind,
    Trigger, TriggerState, Type, TypeKind, View,
};

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

/// `GRANT` and `REVOKE` statements that take the privileges on `on` (e.g. `TABLE notes`) from
/// `before` to `after`, role by role.
fn grant_statements(on: &str, before: &Grants, after: &Grants) -> Vec<String> {
    let none = BTreeMap::new();
    let roles: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let mut statements = Vec::new();
    for role in roles {
        let had = before.get(role).unwrap_or(&none);
        let has = after.get(role).unwrap_or(&none);
        let (mut revoke, mut revoke_option, mut grant, mut grant_option) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let privileges: BTreeSet<&String> = had.keys().chain(has.keys()).collect();
        for privilege in privileges {
            let p = privilege.as_str();
            match (had.get(privilege).copied(), has.get(privilege).copied()) {
                (Some(_), None) => revoke.push(p),
                (None, Some(false)) => grant.push(p),
                (None | Some(false), Some(true)) => grant_option.push(p),
                (Some(true), Some(false)) => revoke_option.push(p),
                _ => {} // unchanged
            }
        }
        let to = if role == "PUBLIC" {
            role.clone()
        } else {
            quote_ident(role)
        };
        let list = |privileges: &[&str]| privileges.join(", ");
        if !revoke.is_empty() {
            statements.push(format!("REVOKE {} ON {on} FROM {to}", list(&revoke)));
        }
        if !revoke_option.is_empty() {
            let what = list(&revoke_option);
            statements.push(format!("REVOKE GRANT OPTION FOR {what} ON {on} FROM {to}"));
        }
        if !grant.is_empty() {
            statements.push(format!("GRANT {} ON {on} TO {to}", list(&grant)));
        }
        if !grant_option.is_empty() {
            let what = list(&grant_option);
            statements.push(format!("GRANT {what} ON {on} TO {to} WITH GRANT OPTION"));
        }
    }
    statements
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
        Identity::ByDefault => "BY DEFAULT",
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

    fn types(&mut self) {
        let (old, new) = (self.old, self.new);
        for (name, t) in &new.types {
            match old.types.get(name) {
                None => self.create_type(name, t),
                Some(o) => self.alter_type(name, o, t),
            }
        }
        for (name, t) in &old.types {
            if !new.types.contains_key(name) {
                // What is built from other types goes first.
                let (word, phase) = match t.kind {
                    TypeKind::Domain { .. } => ("DOMAIN", Phase::DropDomains),
                    TypeKind::Composite { .. } => ("TYPE", Phase::DropComposites),
                    _ => ("TYPE", Phase::DropTypes),
                };
                self.out
                    .sql(phase, format!("DROP {word} {}", qualified(name)));
            }
        }
    }

    fn create_type(&mut self, name: &QualifiedName, t: &Type) {
        let q = qualified(name);
        match &t.kind {
            TypeKind::Enum { labels } => {
                let labels: Vec<String> = labels.iter().map(|l| literal(l)).collect();
                self.out.sql(
                    Phase::Types,
                    format!("CREATE TYPE {q} AS ENUM ({})", labels.join(", ")),
                );
            }
            TypeKind::Composite { attributes } => self.out.sql(
                Phase::Composites,
                format!("CREATE TYPE {q} AS ({})", attributes.join(", ")),
            ),
            TypeKind::Range { subtype } => self.out.sql(
                Phase::Types,
                format!("CREATE TYPE {q} AS RANGE (SUBTYPE = {subtype})"),
            ),
            TypeKind::Domain {
                base_type,
                not_null,
                default,
                collation,
                constraints,
            } => {
                let mut sql = format!("CREATE DOMAIN {q} AS {base_type}");
                if let Some(c) = collation {
                    sql.push_str(&format!(" COLLATE {}", quote_ident(c)));
                }
                if let Some(d) = default {
                    sql.push_str(&format!(" DEFAULT {d}"));
                }
                if *not_null {
                    sql.push_str(" NOT NULL");
                }
                for (cname, c) in constraints {
                    sql.push_str(&format!(
                        " CONSTRAINT {} {}",
                        quote_ident(cname),
                        c.definition
                    ));
                }
                self.out.sql(Phase::Domains, sql);
                for (cname, c) in constraints {
                    comment(
                        &mut self.out,
                        &format!("CONSTRAINT {} ON DOMAIN {q}", quote_ident(cname)),
                        None,
                        &c.comment,
                    );
                }
            }
        }
        let word = type_word(t);
        comment(&mut self.out, &format!("{word} {q}"), None, &t.comment);
    }

    fn alter_type(&mut self, name: &QualifiedName, o: &Type, t: &Type) {
        let q = qualified(name);
        match (&o.kind, &t.kind) {
            (TypeKind::Enum { labels: ol }, TypeKind::Enum { labels: nl }) if ol != nl => {
                // A value added by ALTER TYPE cannot be used before the transaction commits,
                // so a new label that a default, constraint, trigger, index, view or SQL body
                // uses forces a rebuild. NOTE: the alternatives were weighed. `ADD VALUE` in a
                // `transaction:false` revision gives up the all-or-nothing revision (a failure
                // halfway leaves the labels added and the rest not); `check_function_bodies = off`
                // helps SQL bodies only, not indexes or defaults, and ships an unchecked body.
                // The rebuild keeps one transaction; its review line names the cheaper route
                // (the label first, in a `transaction:false` revision of its own).
                let used = nl
                    .iter()
                    .filter(|l| !ol.contains(l))
                    .any(|l| uses_literal(self.old, self.new, &literal(l)));
                if is_subsequence(ol, nl) && !used {
                    self.add_enum_labels(&q, ol, nl);
                } else {
                    let why = if is_subsequence(ol, nl) {
                        "a new label is used by this revision, and a label added by ADD VALUE \
                         cannot be used before its transaction commits; to avoid the rewrite, add \
                         the label in a `transaction:false` revision of its own first"
                    } else {
                        "a label was removed or moved"
                    };
                    self.rebuild_enum(name, nl, why);
                    comment(&mut self.out, &format!("TYPE {q}"), None, &t.comment);
                    return;
                }
            }
            (
                TypeKind::Domain {
                    base_type: ob,
                    not_null: on,
                    default: od,
                    collation: oc,
                    constraints: ocs,
                },
                TypeKind::Domain {
                    base_type: nb,
                    not_null: nn,
                    default: nd,
                    collation: nc,
                    constraints: ncs,
                },
            ) => {
                if ob != nb || oc != nc {
                    self.out.cannot(format!(
                        "domain `{name}`: a change of base type or collation ({ob} to {nb}); drop and create it by hand"
                    ));
                }
                if od != nd {
                    let sql = match nd {
                        Some(d) => format!("ALTER DOMAIN {q} SET DEFAULT {d}"),
                        None => format!("ALTER DOMAIN {q} DROP DEFAULT"),
                    };
                    self.out.sql(Phase::Domains, sql);
                }
                if on != nn {
                    let sql = if *nn {
                        format!("ALTER DOMAIN {q} SET NOT NULL")
                    } else {
                        format!("ALTER DOMAIN {q} DROP NOT NULL")
                    };
                    self.out.sql(Phase::Domains, sql);
                }
                for (cname, c) in ocs {
                    if ncs.get(cname).is_none_or(|n| n.definition != c.definition) {
                        self.out.sql(
                            Phase::DropForRecreate,
                            format!("ALTER DOMAIN {q} DROP CONSTRAINT {}", quote_ident(cname)),
                        );
                    }
                }
                for (cname, c) in ncs {
                    let what = format!("CONSTRAINT {} ON DOMAIN {q}", quote_ident(cname));
                    match ocs.get(cname).filter(|o| o.definition == c.definition) {
                        Some(o) => comment(&mut self.out, &what, Some(&o.comment), &c.comment),
                        None => {
                            self.out.push(
                                Phase::Domains,
                                Statement::review(
                                    format!(
                                        "ALTER DOMAIN {q} ADD CONSTRAINT {} {}",
                                        quote_ident(cname),
                                        c.definition
                                    ),
                                    "checks every column of the domain; fails if a stored value violates it",
                                ),
                            );
                            comment(&mut self.out, &what, None, &c.comment);
                        }
                    }
                }
            }
            (ok, nk) if ok.word() != nk.word() || ok != nk => {
                self.out.cannot(format!(
                    "{} `{name}`: its definition changed; drop and create it by hand",
                    nk.word()
                ));
            }
            _ => {}
        }
        comment(
            &mut self.out,
            &format!("{} {q}", type_word(t)),
            Some(&o.comment),
            &t.comment,
        );
    }

    fn add_enum_labels(&mut self, q: &str, old: &[String], new: &[String]) {
        for (i, label) in new.iter().enumerate() {
            if old.contains(label) {
                continue;
            }
            // After the label before it (which exists by now), else before the next old one.
            let sql = match (
                i.checked_sub(1).map(|p| &new[p]),
                new[i + 1..].iter().find(|l| old.contains(l)),
            ) {
                (Some(prev), _) => format!(
                    "ALTER TYPE {q} ADD VALUE {} AFTER {}",
                    literal(label),
                    literal(prev)
                ),
                (None, Some(next)) => format!(
                    "ALTER TYPE {q} ADD VALUE {} BEFORE {}",
                    literal(label),
                    literal(next)
                ),
                (None, None) => format!("ALTER TYPE {q} ADD VALUE {}", literal(label)),
            };
            self.out.sql(Phase::Types, sql);
        }
    }

    /// Renames the old type away, creates the new one, moves every column over (in
    /// [`Gen::alter_column`]) and drops the old one.
    fn rebuild_enum(&mut self, name: &QualifiedName, labels: &[String], why: &str) {
        let q = qualified(name);
        // Functions, domains and composite types bind to the type itself, not to its name.
        let bound: Vec<String> = self
            .old
            .functions
            .iter()
            .filter(|(_, f)| {
                mentions(&f.arguments, &name.name)
                    || f.result.as_deref().is_some_and(|r| mentions(r, &name.name))
            })
            .map(|(k, _)| format!("function `{k}`"))
            .chain(self.old.types.iter().filter_map(|(k, t)| match &t.kind {
                TypeKind::Domain { base_type, .. } if mentions(base_type, &name.name) => {
                    Some(format!("domain `{k}`"))
                }
                TypeKind::Composite { attributes }
                    if attributes.iter().any(|a| mentions(a, &name.name)) =>
                {
                    Some(format!("composite type `{k}`"))
                }
                _ => None,
            }))
            .collect();
        if !bound.is_empty() {
            self.out.cannot(format!(
                "enum `{name}` must be rebuilt ({why}), but {} use(s) it; rebuild them by hand",
                bound.join(", ")
            ));
        }
        let old_name = QualifiedName::new(&name.schema, format!("{}{OLD_SUFFIX}", name.name));
        let labels: Vec<String> = labels.iter().map(|l| literal(l)).collect();
        self.out.push(
            Phase::Types,
            Statement::review(
                format!("ALTER TYPE {q} RENAME TO {}", quote_ident(&old_name.name)),
                format!(
                    "rebuilds enum `{name}` ({why}): every column of the type is \
                     rewritten under an exclusive lock, and rows holding a removed label make it fail"
                ),
            ),
        );
        self.out.sql(
            Phase::Types,
            format!("CREATE TYPE {q} AS ENUM ({})", labels.join(", ")),
        );
        self.out.sql(
            Phase::DropTypes,
            format!("DROP TYPE {}", qualified(&old_name)),
        );
        self.rebuilt_enums.insert(name.clone());
    }

    fn sequences(&mut self) {
        let (old, new) = (self.old, self.new);
        for (name, s) in &new.sequences {
            let identity = s.owned_by.as_ref().is_some_and(|o| o.identity);
            let q = qualified(name);
            match old.sequences.get(name) {
                // Identity sequences come and go with their column.
                None if identity => {}
                None => {
                    self.out.sql(
                        Phase::Sequences,
                        format!("CREATE SEQUENCE {q} {}", sequence_options(s)),
                    );
                    if let Some(owner) = &s.owned_by {
                        self.out.sql(
                            Phase::OwnedBy,
                            format!(
                                "ALTER SEQUENCE {q} OWNED BY {}.{}",
                                qualified(&owner.table),
                                quote_ident(&owner.column)
                            ),
                        );
                    }
                    comment(&mut self.out, &format!("SEQUENCE {q}"), None, &s.comment);
                }
                Some(o) => {
                    let opts = sequence_options(s);
                    if sequence_options(o) != opts {
                        self.out
                            .sql(Phase::AlterColumns, format!("ALTER SEQUENCE {q} {opts}"));
                    }
                    // A sequence survives its owner only if released first (e.g. a table
                    // replaced by another that takes over its serial column's sequence).
                    let owner_goes = o.owned_by.as_ref().is_some_and(|owner| {
                        !owner.identity
                            && new
                                .tables
                                .get(&owner.table)
                                .is_none_or(|t| !t.columns.contains_key(&owner.column))
                    });
                    if !identity && owner_goes && s.owned_by != o.owned_by {
                        self.out.sql(
                            Phase::ReleaseSequences,
                            format!("ALTER SEQUENCE {q} OWNED BY NONE"),
                        );
                    }
                    if !identity
                        && o.owned_by != s.owned_by
                        && (s.owned_by.is_some() || !owner_goes)
                    {
                        let owner = s.owned_by.as_ref().map_or_else(
                            || "NONE".to_owned(),
                            |o| format!("{}.{}", qualified(&o.table), quote_ident(&o.column)),
                        );
                        self.out.sql(
                            Phase::OwnedBy,
                            format!("ALTER SEQUENCE {q} OWNED BY {owner}"),
                        );
                    }
                    comment(
                        &mut self.out,
                        &format!("SEQUENCE {q}"),
                        Some(&o.comment),
                        &s.comment,
                    );
                }
            }
        }
        for (name, s) in &old.sequences {
            if new.sequences.contains_key(name) {
                continue;
            }
            // An owned sequence goes with its table or column.
            let goes_with_owner = s.owned_by.as_ref().is_some_and(|o| {
                new.tables
                    .get(&o.table)
                    .is_none_or(|t| !t.columns.contains_key(&o.column))
                    || o.identity
            });
            if !goes_with_owner {
                self.out.sql(
                    Phase::DropSequences,
                    format!("DROP SEQUENCE {}", qualified(name)),
                );
            }
        }
    }

    fn functions(&mut self) {
        let (old, new) = (self.old, self.new);
        let retyped = self.retyped_columns();
        let created: Vec<&QualifiedName> = new
            .tables
            .keys()
            .filter(|t| !old.tables.contains_key(*t))
            .chain(new.views.keys().filter(|v| !old.views.contains_key(*v)))
            .collect();
        // A function (or aggregate) is created after those its body names, dropped before them.
        let by_body = |s: &'_ Schema, keys: Vec<&QualifiedName>| {
            let items: Vec<(QualifiedName, String, QualifiedName)> = keys
                .into_iter()
                .map(|k| (function_parts(k).0, s.functions[k].body.clone(), k.clone()))
                .collect();
            order_by_mentions(&items)
        };
        for key in by_body(new, new.functions.keys().collect()) {
            let f = &new.functions[&key];
            let key = &key;
            if !generated_function(f) {
                if old.functions.get(key) != Some(f) {
                    self.out.cannot(format!(
                        "{} `{key}` in language {} (only SQL and PL/pgSQL functions are generated)",
                        f.kind, f.language
                    ));
                }
                continue;
            }
            let late = f.language == "sql" && created.iter().any(|t| mentions(&f.body, &t.name));
            // An enum gaining a label that a SQL body uses is rebuilt (see `alter_type`): the
            // body is checked once the columns have their new type.
            let after_columns = f.language == "sql"
                && (retyped.keys().any(|t| mentions(&f.body, &t.name))
                    || self
                        .rebuilt_enums
                        .iter()
                        .any(|e| mentions(&f.body, &e.name)));
            let phase = if late {
                Phase::LateFunctions
            } else if after_columns {
                Phase::RetypedFunctions
            } else {
                Phase::Functions
            };
            let signature = function_signature(key);
            let what = format!("{} {signature}", function_word(f));
            match old.functions.get(key) {
                None => {
                    self.out.sql(phase, create_function(key, f, false));
                    comment(&mut self.out, &what, None, &f.comment);
                }
                Some(o) if o == f => {}
                Some(o) => {
                    let same_shape =
                        o.kind == f.kind && o.arguments == f.arguments && o.result == f.result;
                    if same_shape && f.kind != FunctionKind::Aggregate {
                        if o.body != f.body
                            || o.attributes != f.attributes
                            || o.language != f.language
                        {
                            self.out.sql(phase, create_function(key, f, true));
                        }
                        comment(&mut self.out, &what, Some(&o.comment), &f.comment);
                    } else {
                        self.out.push(
                            Phase::DropForRecreate,
                            Statement::review(
                                format!("DROP {} {signature}", function_word(o)),
                                format!(
                                    "`{key}` changes its arguments or result, so it is dropped and created again; \
                                     this fails if a default, constraint or other function uses it"
                                ),
                            ),
                        );
                        self.out.sql(phase, create_function(key, f, false));
                        comment(&mut self.out, &what, None, &f.comment);
                        self.recreated_functions.insert(key.clone());
                    }
                }
            }
        }
        let gone = old
            .functions
            .keys()
            .filter(|k| !new.functions.contains_key(*k));
        let mut drops = by_body(old, gone.collect());
        drops.reverse();
        let removed: Vec<&QualifiedName> = old
            .tables
            .keys()
            .filter(|t| !new.tables.contains_key(*t))
            .chain(old.views.keys().filter(|v| !new.views.contains_key(*v)))
            .collect();
        for key in drops {
            let f = &old.functions[&key];
            let early = f.language == "sql" && removed.iter().any(|t| mentions(&f.body, &t.name));
            self.out.sql(
                if early {
                    Phase::EarlyDropFunctions
                } else {
                    Phase::DropFunctions
                },
                format!(
                    "DROP {} {}",
                    function_word(&old.functions[&key]),
                    function_signature(&key)
                ),
            );
        }
    }

    /// The columns, per table kept by the migration, that change type or collation or are of an
    /// enum that is rebuilt.
    fn retyped_columns(&self) -> BTreeMap<QualifiedName, Vec<String>> {
        let enum_column = |c: &Column| {
            self.rebuilt_enums.iter().any(|e| {
                let q = qualified(e);
                c.data_type == q || c.data_type == format!("{q}[]")
            })
        };
        let mut out = BTreeMap::new();
        for (name, o) in &self.old.tables {
            let Some(t) = self.new.tables.get(name) else {
                continue;
            };
            let columns: Vec<String> = t
                .columns
                .iter()
                .filter(|(c, col)| {
                    o.columns.get(*c).is_some_and(|oc| {
                        oc.data_type != col.data_type
                            || oc.collation != col.collation
                            || enum_column(col)
                    })
                })
                .map(|(c, _)| c.clone())
                .collect();
            if !columns.is_empty() {
                out.insert(name.clone(), columns);
            }
        }
        out
    }

    fn tables(&mut self) {
        let (old, new) = (self.old, self.new);
        for (name, t) in &new.tables {
            if !generated_table(t) {
                if old.tables.get(name) != Some(t) {
                    self.out.cannot(format!(
                        "{} `{name}` (partitioned, partition, inheriting or foreign tables are not generated)",
                        t.kind
                    ));
                }
                continue;
            }
            match old.tables.get(name) {
                None => self.create_table(name, t),
                Some(o) => self.alter_table(name, o, t),
            }
        }
        // Dropped tables: those referencing others first.
        let dropped: Vec<(QualifiedName, String, QualifiedName)> = old
            .tables
            .iter()
            .filter(|(name, _)| !new.tables.contains_key(*name))
            .map(|(name, t)| {
                let refs: Vec<&str> = t
                    .constraints
                    .values()
                    .filter_map(|c| referenced_table(&c.definition))
                    .collect();
                (name.clone(), refs.join(" "), name.clone())
            })
            .collect();
        let mut order = order_by_mentions(&dropped);
        order.reverse();
        let added: Vec<(&QualifiedName, &Table)> = new
            .tables
            .iter()
            .filter(|(n, _)| !old.tables.contains_key(*n))
            .collect();
        for name in order {
            let t = &old.tables[&name];
            let mut why = format!("drops table `{name}` and all its rows");
            if let Some((renamed, _)) = added.iter().find(|(_, a)| a.columns == t.columns) {
                why.push_str(&format!(
                    "\n`{renamed}` is created with the same columns: if this is a rename, use \
                     ALTER TABLE {} RENAME TO {} instead to keep the data",
                    qualified(&name),
                    quote_ident(&renamed.name)
                ));
            }
            self.out.push(
                Phase::DropTables,
                Statement::review(format!("DROP TABLE {}", qualified(&name)), why),
            );
        }
    }

    fn column_sql(&self, table: &QualifiedName, name: &str, c: &Column) -> String {
        let mut sql = format!("{} {}", quote_ident(name), c.data_type);
        if let Some(coll) = &c.collation {
            sql.push_str(&format!(" COLLATE {}", quote_ident(coll)));
        }
        if let Some(g) = &c.generated {
            sql.push_str(&format!(" GENERATED ALWAYS AS ({g}) STORED"));
        } else if let Some(d) = &c.default {
            sql.push_str(&format!(" DEFAULT {d}"));
        }
        if c.not_null {
            sql.push_str(" NOT NULL");
        }
        if let Some(identity) = &c.identity {
            sql.push_str(&format!(
                " {}",
                self.identity_clause(table, name, *identity)
            ));
        }
        sql
    }

    fn identity_clause(&self, table: &QualifiedName, column: &str, identity: Identity) -> String {
        let kind = generated_word(identity);
        let seq = self.new.sequences.iter().find(|(_, s)| {
            s.owned_by
                .as_ref()
                .is_some_and(|o| o.identity && &o.table == table && o.column == column)
        });
        match seq {
            Some((seq_name, s)) => format!(
                "GENERATED {kind} AS IDENTITY (SEQUENCE NAME {} {})",
                qualified_always(seq_name),
                sequence_limits(s)
            ),
            None => format!("GENERATED {kind} AS IDENTITY"),
        }
    }

    fn create_table(&mut self, name: &QualifiedName, t: &Table) {
        let q = qualified(name);
        let mut lines: Vec<String> = t
            .column_order
            .iter()
            .filter_map(|c| t.columns.get(c).map(|col| self.column_sql(name, c, col)))
            .collect();
        for (cname, c) in &t.constraints {
            if c.kind != ConstraintKind::ForeignKey && !not_valid(c) {
                lines.push(format!(
                    "CONSTRAINT {} {}",
                    quote_ident(cname),
                    c.definition
                ));
            }
        }
        let unlogged = if t.unlogged { "UNLOGGED " } else { "" };
        let mut sql = format!(
            "CREATE {unlogged}TABLE {q} (\n    {}\n)",
            lines.join(",\n    ")
        );
        if let Some(options) = &t.options {
            sql.push_str(&format!(" WITH ({options})"));
        }
        self.out.sql(Phase::Tables, sql);
        for (cname, c) in &t.constraints {
            // `NOT VALID` inside CREATE TABLE is ignored (the constraint is marked valid), so
            // such a constraint is added on its own, as the schema file does.
            if c.kind == ConstraintKind::ForeignKey || not_valid(c) {
                let phase = if c.kind == ConstraintKind::ForeignKey {
                    Phase::ForeignKeys
                } else {
                    Phase::Constraints
                };
                self.out.sql(
                    phase,
                    format!(
                        "ALTER TABLE {q} ADD CONSTRAINT {} {}",
                        quote_ident(cname),
                        c.definition
                    ),
                );
            }
            comment(
                &mut self.out,
                &format!("CONSTRAINT {} ON {q}", quote_ident(cname)),
                None,
                &c.comment,
            );
        }
        self.row_security(&q, None, t);
        comment(&mut self.out, &format!("TABLE {q}"), None, &t.comment);
        for c in &t.column_order {
            if let Some(col) = t.columns.get(c) {
                comment(
                    &mut self.out,
                    &format!("COLUMN {q}.{}", quote_ident(c)),
                    None,
                    &col.comment,
                );
            }
        }
        for (pname, p) in &t.policies {
            self.create_policy(&q, pname, p, None);
        }
    }

    fn row_security(&mut self, q: &str, old: Option<&Table>, t: &Table) {
        if old.is_some_and(|o| o.row_security) != t.row_security {
            let word = if t.row_security { "ENABLE" } else { "DISABLE" };
            self.out.sql(
                Phase::Triggers,
                format!("ALTER TABLE {q} {word} ROW LEVEL SECURITY"),
            );
        }
        if old.is_some_and(|o| o.force_row_security) != t.force_row_security {
            let word = if t.force_row_security {
                "FORCE"
            } else {
                "NO FORCE"
            };
            self.out.sql(
                Phase::Triggers,
                format!("ALTER TABLE {q} {word} ROW LEVEL SECURITY"),
            );
        }
    }

    fn create_policy(&mut self, q: &str, name: &str, p: &Policy, old: Option<&Policy>) {
        let pq = quote_ident(name);
        let what = format!("POLICY {pq} ON {q}");
        if let Some(o) = old {
            let same = Policy {
                comment: None,
                ..o.clone()
            } == Policy {
                comment: None,
                ..p.clone()
            };
            if same {
                comment(&mut self.out, &what, Some(&o.comment), &p.comment);
                return;
            }
            self.out
                .sql(Phase::DropTriggers, format!("DROP POLICY {pq} ON {q}"));
        }
        let roles: Vec<String> = p
            .roles
            .iter()
            .map(|r| {
                if r == "public" {
                    "PUBLIC".to_owned()
                } else {
                    quote_ident(r)
                }
            })
            .collect();
        let mut sql = format!(
            "CREATE POLICY {pq} ON {q} AS {} FOR {} TO {}",
            p.mode.as_str().to_uppercase(),
            p.command,
            roles.join(", ")
        );
        if let Some(u) = &p.using {
            sql.push_str(&format!(" USING ({u})"));
        }
        if let Some(w) = &p.with_check {
            sql.push_str(&format!(" WITH CHECK ({w})"));
        }
        self.out.sql(Phase::Triggers, sql);
        comment(&mut self.out, &what, None, &p.comment);
    }

    fn alter_table(&mut self, name: &QualifiedName, o: &Table, t: &Table) {
        let q = qualified(name);
        if o.unlogged != t.unlogged {
            let word = if t.unlogged { "UNLOGGED" } else { "LOGGED" };
            self.out.push(
                Phase::AlterColumns,
                Statement::review(
                    format!("ALTER TABLE {q} SET {word}"),
                    format!("rewrites table `{name}` under an exclusive lock"),
                ),
            );
        }
        if o.options != t.options {
            let pairs = |s: &Option<String>| -> BTreeMap<String, String> {
                s.as_deref()
                    .unwrap_or_default()
                    .split(", ")
                    .filter_map(|kv| kv.split_once('='))
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect()
            };
            let (op, np) = (pairs(&o.options), pairs(&t.options));
            let reset: Vec<&String> = op.keys().filter(|k| !np.contains_key(*k)).collect();
            if !reset.is_empty() {
                let keys: Vec<&str> = reset.iter().map(|k| k.as_str()).collect();
                self.out.sql(
                    Phase::AlterColumns,
                    format!("ALTER TABLE {q} RESET ({})", keys.join(", ")),
                );
            }
            let set: Vec<String> = np
                .iter()
                .filter(|(k, v)| op.get(*k) != Some(v))
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            if !set.is_empty() {
                self.out.sql(
                    Phase::AlterColumns,
                    format!("ALTER TABLE {q} SET ({})", set.join(", ")),
                );
            }
        }
        self.row_security(&q, Some(o), t);
        comment(
            &mut self.out,
            &format!("TABLE {q}"),
            Some(&o.comment),
            &t.comment,
        );

        // Columns.
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
        for c in &dropped {
            let mut why = format!("drops column `{name}.{c}` and its data");
            let same_type: Vec<&&String> = added
                .iter()
                .filter(|a| t.columns[a.as_str()].data_type == o.columns[c.as_str()].data_type)
                .collect();
            if let Some(a) = same_type.first() {
                why.push_str(&format!(
                    "\ncolumn `{a}` of the same type is added: if this is a rename, use \
                     ALTER TABLE {q} RENAME COLUMN {} TO {} instead to keep the data",
                    quote_ident(c),
                    quote_ident(a)
                ));
            }
            if o.column_order.last() != Some(*c) {
                why.push_str("\nadding it back (in the other section) puts it last: the column order will differ");
            }
            self.out.push(
                Phase::DropColumns,
                Statement::review(
                    format!("ALTER TABLE {q} DROP COLUMN {}", quote_ident(c)),
                    why,
                ),
            );
            self.altered_tables.insert(name.clone());
        }
        for c in &added {
            let col = &t.columns[*c];
            let sql = format!(
                "ALTER TABLE {q} ADD COLUMN {}",
                self.column_sql(name, c, col)
            );
            let s = if col.not_null
                && col.default.is_none()
                && col.identity.is_none()
                && col.generated.is_none()
            {
                Statement::review(
                    sql,
                    format!(
                        "adds NOT NULL column `{name}.{c}` without a default: fails if the table has rows"
                    ),
                )
            } else {
                Statement::new(sql)
            };
            self.out.push(Phase::AlterColumns, s);
            comment(
                &mut self.out,
                &format!("COLUMN {q}.{}", quote_ident(c)),
                None,
                &col.comment,
            );
        }
        for (c, col) in &t.columns {
            if let Some(oc) = o.columns.get(c) {
                self.alter_column(name, c, oc, col);
            }
        }
        // Column order: what remains in both, in each order.
        let kept_old: Vec<&String> = o
            .column_order
            .iter()
            .filter(|c| t.columns.contains_key(*c))
            .collect();
        let mut expected: Vec<&String> = kept_old.clone();
        expected.extend(added.iter().copied());
        let new_order: Vec<&String> = t.column_order.iter().collect();
        if expected != new_order {
            let reached: Vec<&str> = expected.iter().map(|c| c.as_str()).collect();
            self.out.notes.push(format!(
                "table `{name}`: columns ({}) cannot be put in that order in place; they stay ({}), \
                 as new columns go last",
                t.column_order.join(", "),
                reached.join(", ")
            ));
        }

        // Constraints.
        let enums = &self.rebuilt_enums;
        let same = |a: &Constraint, b: &Constraint| {
            a.definition == b.definition
                && a.kind == b.kind
                && !enums.iter().any(|e| mentions(&a.definition, &e.name))
                && !(b.kind == ConstraintKind::ForeignKey
                    && referenced_table(&b.definition).is_some_and(|r| self.rekeyed.contains(r)))
        };
        // A `NOT VALID` constraint that becomes valid is validated in place, not dropped.
        let validated = |a: &Constraint, b: &Constraint| {
            not_valid(a)
                && !not_valid(b)
                && a.definition.strip_suffix(NOT_VALID) == Some(b.definition.as_str())
                && same(
                    &Constraint {
                        definition: b.definition.clone(),
                        ..a.clone()
                    },
                    b,
                )
        };
        for (cname, c) in &o.constraints {
            let changed = t
                .constraints
                .get(cname)
                .is_none_or(|n| !same(c, n) && !validated(c, n));
            if changed {
                let phase = if c.kind == ConstraintKind::ForeignKey {
                    Phase::DropForeignKeys
                } else {
                    Phase::DropConstraints
                };
                self.out.sql(
                    phase,
                    format!("ALTER TABLE {q} DROP CONSTRAINT {}", quote_ident(cname)),
                );
            }
        }
        for (cname, c) in &t.constraints {
            let what = format!("CONSTRAINT {} ON {q}", quote_ident(cname));
            if let Some(oc) = o.constraints.get(cname).filter(|oc| validated(oc, c)) {
                self.out.push(
                    if c.kind == ConstraintKind::ForeignKey {
                        Phase::ForeignKeys
                    } else {
                        Phase::Constraints
                    },
                    Statement::review(
                        format!("ALTER TABLE {q} VALIDATE CONSTRAINT {}", quote_ident(cname)),
                        format!(
                            "scans `{name}` (writes go on meanwhile); fails if a row violates it"
                        ),
                    ),
                );
                comment(&mut self.out, &what, Some(&oc.comment), &c.comment);
                continue;
            }
            match o.constraints.get(cname).filter(|oc| same(oc, c)) {
                Some(oc) => comment(&mut self.out, &what, Some(&oc.comment), &c.comment),
                None => {
                    let sql = format!(
                        "ALTER TABLE {q} ADD CONSTRAINT {} {}",
                        quote_ident(cname),
                        c.definition
                    );
                    let (phase, review) = match c.kind {
                        // Existing rows are not read: only a short lock, no review needed.
                        ConstraintKind::ForeignKey if not_valid(c) => (Phase::ForeignKeys, None),
                        _ if not_valid(c) => (Phase::Constraints, None),
                        ConstraintKind::ForeignKey => (
                            Phase::ForeignKeys,
                            Some(format!(
                                "validates every row of `{name}` while holding a lock that blocks writes"
                            )),
                        ),
                        ConstraintKind::Check => (
                            Phase::Constraints,
                            Some(format!(
                                "scans `{name}` while holding an exclusive lock; fails if a row violates it"
                            )),
                        ),
                        _ => (
                            Phase::Constraints,
                            Some(format!(
                                "builds an index on `{name}` while blocking writes; fails on duplicates"
                            )),
                        ),
                    };
                    self.out.push(phase, Statement { sql, review });
                    comment(&mut self.out, &what, None, &c.comment);
                }
            }
        }
        // Policies.
        for (pname, p) in &t.policies {
            self.create_policy(&q, pname, p, o.policies.get(pname));
        }
        for pname in o.policies.keys().filter(|p| !t.policies.contains_key(*p)) {
            self.out.sql(
                Phase::DropTriggers,
                format!("DROP POLICY {} ON {q}", quote_ident(pname)),
            );
        }
    }

    fn alter_column(&mut self, table: &QualifiedName, name: &str, o: &Column, c: &Column) {
        let q = qualified(table);
        let col = quote_ident(name);
        let alter = |rest: String| format!("ALTER TABLE {q} ALTER COLUMN {col} {rest}");
        if o.generated != c.generated {
            self.out.cannot(format!(
                "column `{table}.{name}`: a change of its generated expression; drop and add it by hand"
            ));
            return;
        }
        let rebuilt_enum = self
            .rebuilt_enums
            .iter()
            .any(|e| c.data_type == qualified(e) || c.data_type == format!("{}[]", qualified(e)));
        let type_changes = o.data_type != c.data_type || o.collation != c.collation || rebuilt_enum;
        if o.identity.is_some() && c.identity.is_none() {
            self.out
                .sql(Phase::AlterColumns, alter("DROP IDENTITY".into()));
        }
        if o.default.is_some() && (type_changes || o.default != c.default) {
            self.out
                .sql(Phase::AlterColumns, alter("DROP DEFAULT".into()));
        }
        if type_changes {
            let collate = c
                .collation
                .as_ref()
                .map(|cl| format!(" COLLATE {}", quote_ident(cl)))
                .unwrap_or_default();
            let via_text = if rebuilt_enum
                || self
                    .new
                    .types
                    .keys()
                    .any(|t| c.data_type.starts_with(&qualified(t)))
            {
                if c.data_type.ends_with("[]") {
                    "::text[]"
                } else {
                    "::text"
                }
            } else {
                ""
            };
            let sql = alter(format!(
                "TYPE {}{collate} USING {col}{via_text}::{}",
                c.data_type, c.data_type
            ));
            let statement = if (rebuilt_enum && o.data_type == c.data_type)
                || widening(&o.data_type, &c.data_type)
            {
                Statement::new(sql)
            } else {
                Statement::review(
                    sql,
                    format!(
                        "changes `{table}.{name}` from {} to {}: may fail or lose data on existing rows, \
                         and rewrites the table under an exclusive lock",
                        o.data_type, c.data_type
                    ),
                )
            };
            self.out.push(Phase::AlterColumns, statement);
            self.altered_tables.insert(table.clone());
        }
        if let Some(d) = &c.default
            && (type_changes || o.default.as_ref() != Some(d))
        {
            self.out
                .sql(Phase::AlterColumns, alter(format!("SET DEFAULT {d}")));
        }
        match (&o.identity, &c.identity) {
            (None, Some(i)) => {
                let clause = self.identity_clause(table, name, *i);
                self.out
                    .sql(Phase::AlterColumns, alter(format!("ADD {clause}")));
            }
            (Some(a), Some(b)) if a != b => {
                let kind = generated_word(*b);
                self.out
                    .sql(Phase::AlterColumns, alter(format!("SET GENERATED {kind}")));
            }
            _ => {}
        }
        if o.not_null != c.not_null {
            if c.not_null {
                self.out.push(
                    Phase::AlterColumns,
                    Statement::review(
                        alter("SET NOT NULL".into()),
                        format!(
                            "scans `{table}` under an exclusive lock; fails if `{name}` holds NULLs (fill them first)"
                        ),
                    ),
                );
            } else {
                self.out
                    .sql(Phase::AlterColumns, alter("DROP NOT NULL".into()));
            }
        }
        comment(
            &mut self.out,
            &format!("COLUMN {q}.{col}"),
            Some(&o.comment),
            &c.comment,
        );
    }

    fn views(&mut self) {
        let (old, new) = (self.old, self.new);
        // Views to drop: gone, changed, or over something that changes under them.
        let mut rebuild: BTreeSet<QualifiedName> = old
            .views
            .iter()
            .filter(|(name, v)| {
                new.views.get(*name).is_none_or(|n| {
                    n.definition != v.definition
                        || n.materialized != v.materialized
                        || n.options != v.options
                })
            })
            .map(|(name, _)| name.clone())
            .collect();
        loop {
            let more: Vec<QualifiedName> = old
                .views
                .iter()
                .filter(|(name, _)| !rebuild.contains(*name))
                .filter(|(_, v)| {
                    self.altered_tables
                        .iter()
                        .any(|t| mentions(&v.definition, &t.name))
                        || rebuild.iter().any(|r| mentions(&v.definition, &r.name))
                        || self
                            .rebuilt_enums
                            .iter()
                            .any(|e| mentions(&v.definition, &e.name))
                        || self
                            .recreated_functions
                            .iter()
                            .any(|f| mentions(&v.definition, &function_parts(f).0.name))
                })
                .map(|(name, _)| name.clone())
                .collect();
            if more.is_empty() {
                break;
            }
            rebuild.extend(more);
        }
        let dropping: Vec<(QualifiedName, String, QualifiedName)> = old
            .views
            .iter()
            .filter(|(name, _)| rebuild.contains(*name))
            .map(|(name, v)| (name.clone(), v.definition.clone(), name.clone()))
            .collect();
        let mut drop_order = order_by_mentions(&dropping);
        drop_order.reverse();
        for name in drop_order {
            let v = &old.views[&name];
            let word = view_word(v);
            self.out.sql(
                Phase::DropViews,
                format!("DROP {word} {}", qualified(&name)),
            );
        }
        let creating: Vec<(QualifiedName, String, QualifiedName)> = new
            .views
            .iter()
            .filter(|(name, _)| rebuild.contains(*name) || !old.views.contains_key(*name))
            .map(|(name, v)| (name.clone(), v.definition.clone(), name.clone()))
            .collect();
        for name in order_by_mentions(&creating) {
            let v = &new.views[&name];
            let q = qualified(&name);
            let word = view_word(v);
            let options = v
                .options
                .as_ref()
                .map(|o| format!(" WITH ({o})"))
                .unwrap_or_default();
            let body = v.definition.trim().trim_end_matches(';');
            self.out.sql(
                Phase::Views,
                format!("CREATE {word} {q}{options} AS\n{body}"),
            );
            let old_view = old.views.get(&name).filter(|_| !rebuild.contains(&name));
            comment(
                &mut self.out,
                &format!("{word} {q}"),
                old_view.map(|o| &o.comment),
                &v.comment,
            );
            for (col, text) in &v.column_comments {
                comment(
                    &mut self.out,
                    &format!("COLUMN {q}.{}", quote_ident(col)),
                    None,
                    &Some(text.clone()),
                );
            }
        }
        for (name, v) in &new.views {
            let Some(o) = old.views.get(name).filter(|_| !rebuild.contains(name)) else {
                continue;
            };
            let q = qualified(name);
            comment(
                &mut self.out,
                &format!("{} {q}", view_word(v)),
                Some(&o.comment),
                &v.comment,
            );
            let cols: BTreeSet<&String> = o
                .column_comments
                .keys()
                .chain(v.column_comments.keys())
                .collect();
            for col in cols {
                comment(
                    &mut self.out,
                    &format!("COLUMN {q}.{}", quote_ident(col)),
                    Some(&o.column_comments.get(col).cloned()),
                    &v.column_comments.get(col).cloned(),
                );
            }
        }
        self.rebuilt_views = rebuild;
    }

    fn indexes(&mut self) {
        let (old, new) = (self.old, self.new);
        let gone_with_owner = |i: &Index| -> bool {
            !new.tables.contains_key(&i.table) && !new.views.contains_key(&i.table)
                || self.rebuilt_views.contains(&i.table)
        };
        // An index whose expression names a rebuilt enum is built again over the new type.
        let enums = &self.rebuilt_enums;
        let on_enum = |i: &Index| enums.iter().any(|e| mentions(&i.definition, &e.name));
        for (name, i) in &old.indexes {
            if gone_with_owner(i) {
                continue;
            }
            if on_enum(i)
                || new
                    .indexes
                    .get(name)
                    .is_none_or(|n| index_shape(n) != index_shape(i))
            {
                self.out.sql(
                    Phase::DropConstraints,
                    format!("DROP INDEX {}", qualified(name)),
                );
            }
        }
        for (name, i) in &new.indexes {
            let q = qualified(name);
            let recreate = self.rebuilt_views.contains(&i.table)
                || on_enum(i)
                || old
                    .indexes
                    .get(name)
                    .is_none_or(|o| index_shape(o) != index_shape(i));
            if !recreate {
                comment(
                    &mut self.out,
                    &format!("INDEX {q}"),
                    old.indexes.get(name).map(|o| &o.comment),
                    &i.comment,
                );
                continue;
            }
            let unique = if i.unique { "UNIQUE " } else { "" };
            let sql = format!(
                "CREATE {unique}INDEX {} ON {} {}",
                quote_ident(&name.name),
                qualified(&i.table),
                i.definition
            );
            let on_view = new.views.contains_key(&i.table);
            let existing = old.tables.contains_key(&i.table);
            let s = if existing {
                Statement::review(
                    sql,
                    format!(
                        "builds index `{}` on existing table `{}` while blocking writes; on a large table, \
                         use CREATE INDEX CONCURRENTLY in a `transaction:false` revision instead",
                        name.name, i.table
                    ),
                )
            } else {
                Statement::new(sql)
            };
            self.out.push(
                if on_view {
                    Phase::ViewIndexes
                } else {
                    Phase::Constraints
                },
                s,
            );
            comment(&mut self.out, &format!("INDEX {q}"), None, &i.comment);
        }
    }

    fn triggers(&mut self) {
        let (old, new) = (self.old, self.new);
        let owners = |s: &'_ Schema| -> BTreeMap<QualifiedName, BTreeMap<String, Trigger>> {
            s.tables
                .iter()
                .map(|(n, t)| (n.clone(), t.triggers.clone()))
                .chain(s.views.iter().map(|(n, v)| (n.clone(), v.triggers.clone())))
                .collect()
        };
        let (old_owners, new_owners) = (owners(old), owners(new));
        let gone = |owner: &QualifiedName| {
            !new_owners.contains_key(owner) || self.rebuilt_views.contains(owner)
        };
        let recreated_functions: Vec<String> = self
            .recreated_functions
            .iter()
            .map(|f| function_parts(f).0.name)
            .collect();
        // A column named by a trigger (`UPDATE OF col`, its `WHEN` clause) cannot change type
        // while the trigger exists: such triggers are dropped and created again around it.
        let retyped = self.retyped_columns();
        let on_retyped = |n: &Trigger, owner: &QualifiedName| {
            retyped
                .get(owner)
                .is_some_and(|cols| cols.iter().any(|c| mentions(&n.definition, c)))
        };
        let must_rebuild = |o: &Trigger, n: &Trigger, owner: &QualifiedName| {
            o.definition != n.definition
                || on_retyped(n, owner)
                || self.rebuilt_views.contains(owner)
                || recreated_functions
                    .iter()
                    .any(|f| mentions(&n.definition, f))
        };
        for (owner, triggers) in &old_owners {
            if !new_owners.contains_key(owner) || self.rebuilt_views.contains(owner) {
                continue;
            }
            for (name, t) in triggers {
                let drop = new_owners[owner]
                    .get(name)
                    .is_none_or(|n| must_rebuild(t, n, owner));
                if drop {
                    self.out.sql(
                        Phase::DropTriggers,
                        format!("DROP TRIGGER {} ON {}", quote_ident(name), qualified(owner)),
                    );
                }
            }
        }
        for (owner, triggers) in &new_owners {
            let q = qualified(owner);
            for (name, t) in triggers {
                let what = format!("TRIGGER {} ON {q}", quote_ident(name));
                let old_trigger = if gone(owner) {
                    None
                } else {
                    old_owners.get(owner).and_then(|ts| ts.get(name))
                };
                let created = old_trigger.is_none_or(|o| must_rebuild(o, t, owner));
                if created {
                    self.out.sql(Phase::Triggers, t.definition.clone());
                    comment(&mut self.out, &what, None, &t.comment);
                } else {
                    comment(
                        &mut self.out,
                        &what,
                        old_trigger.map(|o| &o.comment),
                        &t.comment,
                    );
                }
                let old_state = old_trigger
                    .filter(|_| !created)
                    .map_or(TriggerState::Enabled, |o| o.enabled);
                if old_state != t.enabled {
                    let word = match t.enabled {
                        TriggerState::Disabled => "DISABLE TRIGGER",
                        TriggerState::Replica => "ENABLE REPLICA TRIGGER",
                        TriggerState::Always => "ENABLE ALWAYS TRIGGER",
                        TriggerState::Enabled => "ENABLE TRIGGER",
                    };
                    self.out.sql(
                        Phase::Triggers,
                        format!("ALTER TABLE {q} {word} {}", quote_ident(name)),
                    );
                }
            }
        }
    }
}

impl Gen<'_> {
    /// Privileges, once every object exists. An object created (or dropped and created again)
    /// by this migration starts from the default privileges in force (see [`starting_grants`]).
    /// Dropped objects take their privileges with them.
    fn grants(&mut self) {
        self.object_grants();
        self.default_privileges();
    }

    fn object_grants(&mut self) {
        let (old, new) = (self.old, self.new);
        let none = Grants::new();
        // Every object of `new`, not only those with privileges listed: a new one may start
        // with privileges that it must not keep.
        let every: Vec<Privileged> = (new.schemas.keys().cloned().map(Privileged::Schema))
            .chain(new.tables.keys().cloned().map(Privileged::Table))
            .chain(new.views.keys().cloned().map(Privileged::Table))
            .chain(new.sequences.keys().cloned().map(Privileged::Sequence))
            .chain(new.functions.keys().cloned().map(Privileged::Routine))
            .collect();
        let objects: BTreeSet<&Privileged> = old
            .grants
            .keys()
            .chain(new.grants.keys())
            .chain(&every)
            .collect();
        for on in objects.into_iter().filter(|on| new.has(on)) {
            let recreated = match on {
                Privileged::Table(name) | Privileged::Column(name, _) => {
                    self.rebuilt_views.contains(name)
                }
                Privileged::Routine(key) => self.recreated_functions.contains(key),
                Privileged::Schema(_) | Privileged::Sequence(_) => false,
            };
            let fresh = recreated || !old.has(on);
            if fresh && !creates(new, on) {
                continue; // not created here (said so already), so nothing to grant on
            }
            let (target, kind, schema) = match on {
                Privileged::Schema(name) => {
                    (format!("SCHEMA {}", quote_ident(name)), "SCHEMAS", None)
                }
                Privileged::Table(name) => {
                    (format!("TABLE {}", qualified(name)), "TABLES", Some(name))
                }
                Privileged::Sequence(name) => (
                    format!("SEQUENCE {}", qualified(name)),
                    "SEQUENCES",
                    Some(name),
                ),
                Privileged::Routine(key) => (
                    format!("ROUTINE {}", function_signature(key)),
                    "FUNCTIONS",
                    Some(key),
                ),
                // Columns have no default privileges.
                Privileged::Column(table, _) => (
                    format!("TABLE {}", qualified(table)),
                    "COLUMNS",
                    Some(table),
                ),
            };
            let start;
            let before = if fresh {
                start = starting_grants(old, kind, schema.map(|name| name.schema.as_str()));
                &start
            } else if let Privileged::Column(table, _) = on {
                start = after_table_revokes(old, new, table, old.grants.get(on).unwrap_or(&none));
                &start
            } else {
                old.grants.get(on).unwrap_or(&none)
            };
            let after = new.grants.get(on).unwrap_or(&none);
            let statements = match on {
                // `GRANT SELECT (email), UPDATE (email) ON TABLE users ...`
                Privileged::Column(_, column) => grant_statements(
                    &target,
                    &on_column(before, column),
                    &on_column(after, column),
                ),
                _ => grant_statements(&target, before, after),
            };
            for sql in statements {
                self.out.sql(Phase::Grants, sql);
            }
        }
    }

    /// `ALTER DEFAULT PRIVILEGES`, after the objects this migration creates, which therefore
    /// start from the defaults in force before it.
    fn default_privileges(&mut self) {
        let (old, new) = (self.old, self.new);
        let keys: BTreeSet<&DefaultPrivileges> = old
            .default_privileges
            .keys()
            .chain(new.default_privileges.keys())
            .collect();
        for key in keys {
            // In a schema that goes away, they go with it.
            if key
                .schema
                .as_ref()
                .is_some_and(|s| !new.schemas.contains_key(s))
            {
                continue;
            }
            // Without `FOR ROLE`, they are the defaults of whoever runs the migration.
            let mut alter = "ALTER DEFAULT PRIVILEGES".to_owned();
            if let Some(role) = &key.role {
                alter.push_str(&format!(" FOR ROLE {}", quote_ident(role)));
            }
            if let Some(schema) = &key.schema {
                alter.push_str(&format!(" IN SCHEMA {}", quote_ident(schema)));
            }
            let (before, after) = (
                old.default_privileges_of(key),
                new.default_privileges_of(key),
            );
            for sql in grant_statements(&key.objects, &before, &after) {
                self.out.sql(Phase::Grants, format!("{alter} {sql}"));
            }
        }
    }
}

/// What an object of `kind` created in `schema` by this migration is granted at first: the
/// default privileges in force before it (`old`'s) for the role running it, the one that took
/// the snapshots. Its entry for all schemas replaces the built-in default; one for the schema
/// adds to it.
fn starting_grants(old: &Schema, kind: &str, schema: Option<&str>) -> Grants {
    let key = |schema: Option<&str>| DefaultPrivileges {
        role: None,
        schema: schema.map(str::to_owned),
        objects: kind.to_owned(),
    };
    let mut grants = old.default_privileges_of(&key(None));
    if schema.is_some() {
        for (role, privileges) in old.default_privileges_of(&key(schema)) {
            grants.entry(role).or_default().extend(privileges);
        }
    }
    grants
}

/// A column's privileges once the table-level `REVOKE`s of this migration have run: revoking a
/// privilege on a table revokes it on every column too (and so does revoking its grant option).
fn after_table_revokes(
    old: &Schema,
    new: &Schema,
    table: &QualifiedName,
    column: &Grants,
) -> Grants {
    let none = Grants::new();
    let on_table = Privileged::Table(table.clone());
    let had = old.grants.get(&on_table).unwrap_or(&none);
    let has = new.grants.get(&on_table).unwrap_or(&none);
    let mut left = column.clone();
    for (role, privileges) in &mut left {
        let privilege_on_table =
            |grants: &Grants, p: &String| grants.get(role).and_then(|g| g.get(p)).copied();
        privileges.retain(|p, _| {
            !(privilege_on_table(had, p).is_some() && privilege_on_table(has, p).is_none())
        });
        for (p, option) in privileges.iter_mut() {
            if privilege_on_table(had, p) == Some(true) && privilege_on_table(has, p) == Some(false)
            {
                *option = false;
            }
        }
    }
    left
}

/// The privileges, each applied to `column`: `SELECT` becomes `SELECT (column)`.
fn on_column(grants: &Grants, column: &str) -> Grants {
    let column = quote_ident(column);
    grants
        .iter()
        .map(|(role, privileges)| {
            let privileges = privileges
                .iter()
                .map(|(p, option)| (format!("{p} ({column})"), *option))
                .collect();
            (role.clone(), privileges)
        })
        .collect()
}

/// Whether a migration generated from `new` creates the object (the kinds it cannot generate
/// are named as such elsewhere).
fn creates(new: &Schema, on: &Privileged) -> bool {
    match on {
        Privileged::Table(name) => {
            new.tables.get(name).is_some_and(generated_table) || new.views.contains_key(name)
        }
        Privileged::Routine(key) => new.functions.get(key).is_some_and(generated_function),
        Privileged::Column(table, _) => {
            new.tables.get(table).is_some_and(generated_table) || new.views.contains_key(table)
        }
        Privileged::Schema(_) | Privileged::Sequence(_) => true,
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
