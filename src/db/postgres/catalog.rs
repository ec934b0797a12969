//! Reading a [`Schema`] from PostgreSQL's catalog.
//!
//! Everything comes back from one query as a single JSON document (one `json_agg` per object
//! kind, flat rows keyed by schema and name) because a round-trip test snapshots three times per
//! revision; the assembly into the model happens here in Rust. Definitions are rendered by the
//! server (`pg_get_constraintdef`, `pg_get_indexdef`, `pg_get_viewdef`, `pg_get_expr`, ..) so the
//! spelling of the migration does not matter, and no OID leaves the query.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::db::query_error;
use crate::error::DbError;
use crate::schema::{
    Column, Constraint, ConstraintKind, DefaultPrivileges, Extension, Function, FunctionKind,
    Grants, Identity, Index, Namespace, Policy, PolicyCommand, PolicyMode, Privileged,
    QualifiedName, Schema, Sequence, SequenceOwner, Table, TableKind, Trigger, TriggerState, Type,
    TypeKind, View,
};

/// Reads the catalog. The query runs in a transaction (a savepoint if one is open) that is rolled
/// back, so its settings stay local:
/// - with `public` alone on the `search_path`, objects there are rendered unqualified and
///   everything else qualified, whatever the session had been set to;
/// - nested loops are off because the planner cannot estimate the catalog CTEs, and with them
///   it picks loops that grow with the square of the object count (300 ms instead of 75 for 300
///   tables), where hash joins stay linear;
/// - JIT is off: the cost of the plans that nested loops were kept out of passes JIT's threshold,
///   and compiling the query took longer than running it (200 ms per snapshot).
///
/// With `only`, the schema of that name alone (and the extensions installed in it): a
/// schema-per-tenant target is compared without its neighbours.
pub async fn read(conn: &mut sqlx::PgConnection, only: Option<&str>) -> Result<Schema, DbError> {
    let fail = |e: sqlx::Error| query_error("taking a schema snapshot", &e);
    let mut tx = sqlx::Connection::begin(conn).await.map_err(fail)?;
    sqlx::query(
        "SELECT set_config('search_path', 'public', true), set_config('enable_nestloop', 'off', true), \
         set_config('jit', 'off', true)",
    )
    .execute(&mut *tx)
    .await
    .map_err(fail)?;
    let json: String = sqlx::query_scalar(CATALOG_QUERY)
        .bind(only)
        .fetch_one(&mut *tx)
        .await
        .map_err(fail)?;
    tx.rollback().await.map_err(fail)?;
    let catalog: Catalog = serde_json::from_str(&json).map_err(|e| DbError::Query {
        doing: "reading the schema snapshot".to_owned(),
        reason: e.to_string(),
    })?;
    Ok(catalog.into_schema())
}

/// One document with a list per object kind. `ns` is every schema but the system ones; `ext`
/// marks objects that belong to an extension (they come and go with it); `rel` is every
/// relation of interest.
const CATALOG_QUERY: &str = include_str!("catalog.sql");

/// The query's document, one list per object kind.
#[derive(Deserialize)]
struct Catalog {
    schemas: Vec<SchemaRow>,
    extensions: Vec<ExtensionRow>,
    types: Vec<TypeRow>,
    domain_constraints: Vec<ConstraintRow>,
    tables: Vec<TableRow>,
    columns: Vec<ColumnRow>,
    constraints: Vec<ConstraintRow>,
    indexes: Vec<IndexRow>,
    triggers: Vec<TriggerRow>,
    policies: Vec<PolicyRow>,
    views: Vec<ViewRow>,
    sequences: Vec<SequenceRow>,
    functions: Vec<FunctionRow>,
    grants: Vec<GrantRow>,
    default_privileges: Vec<DefaultPrivilegesRow>,
}

#[derive(Deserialize)]
struct DefaultPrivilegesRow {
    role: Option<String>,
    schema: Option<String>,
    objects: String,
    grants: Vec<DefaultGrantRow>,
}

#[derive(Deserialize)]
struct DefaultGrantRow {
    grantee: String,
    privilege: String,
    grantable: bool,
}

/// One privilege of one role on one object.
#[derive(Deserialize)]
struct GrantRow {
    on: String,
    schema: String,
    name: String,
    column: Option<String>,
    grantee: String,
    privilege: String,
    grantable: bool,
}

#[derive(Deserialize)]
struct SchemaRow {
    name: String,
    comment: Option<String>,
}

#[derive(Deserialize)]
struct ExtensionRow {
    name: String,
    schema: String,
    version: String,
    comment: Option<String>,
}

#[derive(Deserialize)]
struct TypeRow {
    schema: String,
    name: String,
    kind: String,
    labels: Option<Vec<String>>,
    base_type: Option<String>,
    not_null: bool,
    default: Option<String>,
    collation: Option<String>,
    attributes: Option<Vec<String>>,
    subtype: Option<String>,
    comment: Option<String>,
}

#[derive(Deserialize)]
struct TableRow {
    schema: String,
    name: String,
    kind: String,
    partition_key: Option<String>,
    partition_bound: Option<String>,
    parents: Option<Vec<NameRow>>,
    unlogged: bool,
    options: Option<String>,
    row_security: bool,
    force_row_security: bool,
    comment: Option<String>,
}

#[derive(Deserialize)]
struct NameRow {
    schema: String,
    name: String,
}

/// A column of a table, view or materialized view (`owner` is the relation).
#[derive(Deserialize)]
struct ColumnRow {
    schema: String,
    owner: String,
    name: String,
    position: i64,
    data_type: String,
    not_null: bool,
    default: Option<String>,
    generated: Option<String>,
    identity: Option<String>,
    collation: Option<String>,
    comment: Option<String>,
}

/// A constraint of a table or a domain (`owner`).
#[derive(Deserialize)]
struct ConstraintRow {
    schema: String,
    owner: String,
    name: String,
    kind: String,
    definition: String,
    comment: Option<String>,
}

#[derive(Deserialize)]
struct IndexRow {
    schema: String,
    table: String,
    name: String,
    unique: bool,
    definition: String,
    comment: Option<String>,
}

#[derive(Deserialize)]
struct TriggerRow {
    schema: String,
    owner: String,
    name: String,
    definition: String,
    enabled: String,
    comment: Option<String>,
}

#[derive(Deserialize)]
struct PolicyRow {
    schema: String,
    owner: String,
    name: String,
    command: String,
    permissive: bool,
    roles: Option<Vec<String>>,
    using: Option<String>,
    with_check: Option<String>,
    comment: Option<String>,
}

#[derive(Deserialize)]
struct ViewRow {
    schema: String,
    name: String,
    materialized: bool,
    definition: String,
    options: Option<String>,
    comment: Option<String>,
}

#[derive(Deserialize)]
struct SequenceRow {
    schema: String,
    name: String,
    data_type: String,
    start: i64,
    increment: i64,
    min: i64,
    max: i64,
    cache: i64,
    cycle: bool,
    owner_schema: Option<String>,
    owner_table: Option<String>,
    owner_column: Option<String>,
    identity: Option<bool>,
    comment: Option<String>,
}

#[derive(Deserialize)]
struct FunctionRow {
    schema: String,
    name: String,
    argument_types: String,
    kind: String,
    arguments: String,
    result: Option<String>,
    language: String,
    body: String,
    attributes: String,
    comment: Option<String>,
}

impl Catalog {
    /// Builds the model: relations first, then what hangs off them.
    fn into_schema(self) -> Schema {
        let mut schema = Schema {
            schemas: self
                .schemas
                .into_iter()
                .map(|s| (s.name, Namespace { comment: s.comment }))
                .collect(),
            extensions: self
                .extensions
                .into_iter()
                .map(|e| {
                    let ext = Extension {
                        schema: e.schema,
                        version: e.version,
                        comment: e.comment,
                    };
                    (e.name, ext)
                })
                .collect(),
            types: types(self.types, self.domain_constraints),
            tables: self.tables.into_iter().map(table).collect(),
            indexes: self.indexes.into_iter().map(index).collect(),
            sequences: self.sequences.into_iter().map(sequence).collect(),
            views: self.views.into_iter().map(view).collect(),
            functions: self.functions.into_iter().map(function).collect(),
            // MySQL's alone.
            events: BTreeMap::new(),
            grants: BTreeMap::new(),
            default_privileges: self
                .default_privileges
                .into_iter()
                .map(default_privileges)
                .collect(),
        };
        add_columns(&mut schema, self.columns);
        for c in self.constraints {
            if let Some(table) = schema
                .tables
                .get_mut(&QualifiedName::new(&c.schema, &c.owner))
            {
                table.constraints.insert(c.name.clone(), constraint(c));
            }
        }
        for t in self.triggers {
            let trigger = Trigger {
                definition: t.definition,
                enabled: trigger_state(&t.enabled),
                comment: t.comment,
            };
            let owner = QualifiedName::new(t.schema, t.owner);
            if let Some(table) = schema.tables.get_mut(&owner) {
                table.triggers.insert(t.name, trigger);
            } else if let Some(view) = schema.views.get_mut(&owner) {
                view.triggers.insert(t.name, trigger);
            }
        }
        for p in self.policies {
            if let Some(table) = schema
                .tables
                .get_mut(&QualifiedName::new(&p.schema, &p.owner))
            {
                table.policies.insert(p.name.clone(), policy(p));
            }
        }
        add_grants(&mut schema, self.grants);
        schema
    }
}

fn default_privileges(row: DefaultPrivilegesRow) -> (DefaultPrivileges, Grants) {
    let key = DefaultPrivileges {
        role: row.role,
        schema: row.schema,
        objects: row.objects,
    };
    let mut grants = Grants::new();
    for g in row.grants {
        grants
            .entry(g.grantee)
            .or_default()
            .insert(g.privilege, g.grantable);
    }
    (key, grants)
}

/// Keys each privilege by its object; those on objects the snapshot leaves out are dropped.
fn add_grants(schema: &mut Schema, rows: Vec<GrantRow>) {
    for g in rows {
        let on = match g.on.as_str() {
            "schema" => Privileged::Schema(g.name),
            "function" => Privileged::Routine(QualifiedName::new(g.schema, g.name)),
            "column" => Privileged::Column(
                QualifiedName::new(g.schema, g.name),
                g.column.unwrap_or_default(),
            ),
            _ => {
                let name = QualifiedName::new(g.schema, g.name);
                if schema.sequences.contains_key(&name) {
                    Privileged::Sequence(name)
                } else {
                    Privileged::Table(name)
                }
            }
        };
        if schema.has(&on) {
            let role = schema.grants.entry(on).or_default().entry(g.grantee);
            role.or_default().insert(g.privilege, g.grantable);
        }
    }
}

/// Puts each column into its table (in position order) or, for views, keeps its comment.
fn add_columns(schema: &mut Schema, mut columns: Vec<ColumnRow>) {
    columns.sort_by_key(|c| c.position);
    for c in columns {
        let owner = QualifiedName::new(c.schema, c.owner);
        if let Some(table) = schema.tables.get_mut(&owner) {
            table.column_order.push(c.name.clone());
            let column = Column {
                data_type: c.data_type,
                not_null: c.not_null,
                default: c.default,
                identity: c.identity.as_deref().map(identity),
                generated: c.generated,
                collation: c.collation,
                comment: c.comment,
            };
            table.columns.insert(c.name, column);
        } else if let (Some(view), Some(comment)) = (schema.views.get_mut(&owner), c.comment) {
            view.column_comments.insert(c.name, comment);
        }
    }
}

fn types(rows: Vec<TypeRow>, constraints: Vec<ConstraintRow>) -> BTreeMap<QualifiedName, Type> {
    let mut types: BTreeMap<QualifiedName, Type> = rows
        .into_iter()
        .map(|t| {
            let kind = match t.kind.as_str() {
                "e" => TypeKind::Enum {
                    labels: t.labels.unwrap_or_default(),
                },
                "d" => TypeKind::Domain {
                    base_type: t.base_type.unwrap_or_default(),
                    not_null: t.not_null,
                    default: t.default,
                    collation: t.collation,
                    constraints: BTreeMap::new(),
                },
                "r" => TypeKind::Range {
                    subtype: t.subtype.unwrap_or_default(),
                },
                _ => TypeKind::Composite {
                    attributes: t.attributes.unwrap_or_default(),
                },
            };
            let ty = Type {
                kind,
                comment: t.comment,
            };
            (QualifiedName::new(t.schema, t.name), ty)
        })
        .collect();
    for c in constraints {
        if let Some(Type {
            kind: TypeKind::Domain { constraints, .. },
            ..
        }) = types.get_mut(&QualifiedName::new(&c.schema, &c.owner))
        {
            constraints.insert(c.name.clone(), constraint(c));
        }
    }
    types
}

fn table(t: TableRow) -> (QualifiedName, Table) {
    let parents: Vec<String> = t
        .parents
        .unwrap_or_default()
        .into_iter()
        .map(|p| QualifiedName::new(p.schema, p.name).to_string())
        .collect();
    // A partition has exactly one parent, named together with its bound.
    let (partition_of, parents) = match t.partition_bound {
        Some(bound) => (Some(format!("{} {bound}", parents.join(", "))), Vec::new()),
        None => (None, parents),
    };
    let kind = match t.kind.as_str() {
        "p" => TableKind::PartitionedTable,
        "f" => TableKind::ForeignTable,
        _ => TableKind::Table,
    };
    let table = Table {
        kind,
        partition_key: t.partition_key,
        partition_of,
        parents,
        unlogged: t.unlogged,
        options: t.options.filter(|o| !o.is_empty()),
        row_security: t.row_security,
        force_row_security: t.force_row_security,
        comment: t.comment,
        ..Table::default()
    };
    (QualifiedName::new(t.schema, t.name), table)
}

fn constraint(c: ConstraintRow) -> Constraint {
    let kind = match c.kind.as_str() {
        "p" => ConstraintKind::PrimaryKey,
        "u" => ConstraintKind::Unique,
        "f" => ConstraintKind::ForeignKey,
        "x" => ConstraintKind::Exclusion,
        "t" => ConstraintKind::Trigger,
        _ => ConstraintKind::Check,
    };
    Constraint {
        kind,
        definition: c.definition,
        comment: c.comment,
    }
}

/// `pg_get_indexdef` names the index and its table, which the model holds already: keep what
/// follows, from `USING method (..)`.
fn index(i: IndexRow) -> (QualifiedName, Index) {
    let definition = match i.definition.find(" USING ") {
        Some(at) => i.definition[at + 1..].to_owned(),
        None => i.definition,
    };
    let index = Index {
        table: QualifiedName::new(&i.schema, i.table),
        unique: i.unique,
        definition,
        comment: i.comment,
    };
    (QualifiedName::new(i.schema, i.name), index)
}

/// The query spells identity as the model does; anything but `always` is `by default`.
fn identity(word: &str) -> Identity {
    if word == Identity::Always.as_str() {
        Identity::Always
    } else {
        Identity::ByDefault
    }
}

fn trigger_state(code: &str) -> TriggerState {
    match code {
        "D" => TriggerState::Disabled,
        "R" => TriggerState::Replica,
        "A" => TriggerState::Always,
        _ => TriggerState::Enabled,
    }
}

fn policy(p: PolicyRow) -> Policy {
    let command = match p.command.as_str() {
        "r" => PolicyCommand::Select,
        "a" => PolicyCommand::Insert,
        "w" => PolicyCommand::Update,
        "d" => PolicyCommand::Delete,
        _ => PolicyCommand::All,
    };
    let mode = if p.permissive {
        PolicyMode::Permissive
    } else {
        PolicyMode::Restrictive
    };
    Policy {
        command,
        mode,
        roles: p.roles.unwrap_or_default(),
        using: p.using,
        with_check: p.with_check,
        comment: p.comment,
    }
}

fn view(v: ViewRow) -> (QualifiedName, View) {
    let view = View {
        materialized: v.materialized,
        definition: v.definition,
        options: v.options.filter(|o| !o.is_empty()),
        comment: v.comment,
        ..View::default()
    };
    (QualifiedName::new(v.schema, v.name), view)
}

fn sequence(s: SequenceRow) -> (QualifiedName, Sequence) {
    let owned_by = match (s.owner_schema, s.owner_table, s.owner_column) {
        (Some(schema), Some(table), Some(column)) => Some(SequenceOwner {
            table: QualifiedName::new(schema, table),
            column,
            identity: s.identity.unwrap_or(false),
        }),
        _ => None,
    };
    let seq = Sequence {
        data_type: s.data_type,
        start: s.start,
        increment: s.increment,
        min: s.min,
        max: s.max,
        cache: s.cache,
        cycle: s.cycle,
        owned_by,
        comment: s.comment,
    };
    (QualifiedName::new(s.schema, s.name), seq)
}

fn function(f: FunctionRow) -> (QualifiedName, Function) {
    let kind = match f.kind.as_str() {
        "p" => FunctionKind::Procedure,
        "a" => FunctionKind::Aggregate,
        "w" => FunctionKind::WindowFunction,
        _ => FunctionKind::Function,
    };
    let function = Function {
        kind,
        arguments: f.arguments,
        result: f.result,
        language: f.language,
        body: f.body,
        attributes: f.attributes,
        comment: f.comment,
    };
    let name = format!("{}({})", f.name, f.argument_types);
    (QualifiedName::new(f.schema, name), function)
}

#[cfg(test)]
mod tests {
    //! Decoding a catalog document taken from a real PostgreSQL 15 server: the pg-dump and
    //! enum-function-partial-index autogen fixtures in `public`, the second brain's schema in
    //! `brain`, plus a policy, a domain and a default privilege (see `testdata/README.md`).

    use super::*;

    fn sample() -> Schema {
        let catalog: Catalog = serde_json::from_str(include_str!("testdata/catalog.json"))
            .expect("the committed catalog sample decodes");
        catalog.into_schema()
    }

    #[test]
    fn catalog_sample_decodes_into_the_model_pinned_by_its_snapshot() {
        let json = serde_json::to_string_pretty(&sample()).expect("a schema serializes");
        insta::assert_snapshot!("catalog_sample_schema", json);
    }

    #[test]
    fn catalog_sample_puts_objects_of_other_schemas_under_qualified_names() {
        let schema = sample();
        let users = &schema.tables[&QualifiedName::new("brain", "users")];
        assert!(users.policies.contains_key("users_self"));
        assert!(schema.schemas.contains_key("brain"));
        assert!(
            schema
                .types
                .contains_key(&QualifiedName::new("brain", "positive"))
        );
        assert_eq!(schema.default_privileges.len(), 1);
    }
}
