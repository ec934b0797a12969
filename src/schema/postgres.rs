//! Reading a [`Schema`] from PostgreSQL's catalog.
//!
//! Everything comes back from one query as a single JSON document (one `json_agg` per object
//! kind, flat rows keyed by schema and name) because a round-trip test snapshots three times per
//! revision; the assembly into the model happens here in Rust. Definitions are rendered by the
//! server (`pg_get_constraintdef`, `pg_get_indexdef`, `pg_get_viewdef`, `pg_get_expr`, ..) so the
//! spelling of the migration does not matter, and no OID leaves the query.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{
    Column, Constraint, DefaultPrivileges, Extension, Function, Grants, Index, Namespace, Policy,
    Privileged, QualifiedName, Schema, Sequence, SequenceOwner, Table, Trigger, Type, TypeKind,
    View,
};
use crate::db::query_error;
use crate::error::DbError;

/// Reads the catalog. The query runs in a transaction (a savepoint if one is open) that is rolled
/// back, so its settings stay local:
/// - with `public` alone on the `search_path`, objects there are rendered unqualified and
///   everything else qualified, whatever the session had been set to;
/// - nested loops are off because the planner cannot estimate the catalog CTEs, and with them
///   it picks loops that grow with the square of the object count (300 ms instead of 75 for 300
///   tables), where hash joins stay linear;
/// - JIT is off: the cost of the plans that nested loops were kept out of passes JIT's threshold,
///   and compiling the query took longer than running it (200 ms per snapshot).
pub async fn snapshot(conn: &mut sqlx::PgConnection) -> Result<Schema, DbError> {
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
const CATALOG_QUERY: &str = r#"
WITH ns AS (
    SELECT n.oid, n.nspname::text AS name
    FROM pg_namespace n
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\_toast%'
      AND n.nspname NOT LIKE 'pg\_temp%'
),
ext AS (
    SELECT classid, objid FROM pg_depend WHERE deptype = 'e'
),
rel AS (
    SELECT c.oid, ns.name AS schema, c.relname::text AS name, c.relkind, c.relispartition,
           c.relpartbound, c.relpersistence, c.reloptions, c.relrowsecurity, c.relforcerowsecurity
    FROM pg_class c
    JOIN ns ON ns.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S')
      AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_class'::regclass AND ext.objid = c.oid)
)
SELECT json_build_object(
'schemas', (
    SELECT coalesce(json_agg(json_build_object('name', ns.name, 'comment', d.description)), '[]')
    FROM ns
    LEFT JOIN pg_description d ON d.objoid = ns.oid AND d.classoid = 'pg_namespace'::regclass
    WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_namespace'::regclass AND ext.objid = ns.oid)
),
'extensions', (
    SELECT coalesce(json_agg(json_build_object(
        'name', e.extname, 'schema', n.nspname, 'version', e.extversion, 'comment', d.description)), '[]')
    FROM pg_extension e
    JOIN pg_namespace n ON n.oid = e.extnamespace
    LEFT JOIN pg_description d ON d.objoid = e.oid AND d.classoid = 'pg_extension'::regclass
),
'types', (
    SELECT coalesce(json_agg(json_build_object(
        'schema', ns.name, 'name', t.typname, 'kind', t.typtype,
        'labels', (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid),
        'base_type', CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END,
        'not_null', t.typnotnull,
        'default', pg_get_expr(t.typdefaultbin, 0),
        'collation', CASE WHEN t.typtype = 'd' AND t.typcollation <> bt.typcollation THEN
            CASE WHEN cn.nspname = 'pg_catalog' THEN co.collname::text ELSE cn.nspname || '.' || co.collname END END,
        'attributes', (SELECT json_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum)
                       FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped),
        'subtype', (SELECT format_type(r.rngsubtype, NULL) FROM pg_range r WHERE r.rngtypid = t.oid),
        'comment', d.description)), '[]')
    FROM pg_type t
    JOIN ns ON ns.oid = t.typnamespace
    LEFT JOIN pg_class c ON c.oid = t.typrelid
    LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
    LEFT JOIN pg_collation co ON co.oid = t.typcollation
    LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
    LEFT JOIN pg_description d ON d.objoid = t.oid AND d.classoid = 'pg_type'::regclass
    WHERE (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND c.relkind = 'c'))
      AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_type'::regclass AND ext.objid = t.oid)
),
'domain_constraints', (
    SELECT coalesce(json_agg(json_build_object(
        'schema', ns.name, 'owner', t.typname, 'name', k.conname, 'kind', k.contype,
        'definition', pg_get_constraintdef(k.oid, true), 'comment', d.description)), '[]')
    FROM pg_constraint k
    JOIN pg_type t ON t.oid = k.contypid
    JOIN ns ON ns.oid = t.typnamespace
    LEFT JOIN pg_description d ON d.objoid = k.oid AND d.classoid = 'pg_constraint'::regclass
    WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_type'::regclass AND ext.objid = t.oid)
),
'tables', (
    SELECT coalesce(json_agg(json_build_object(
        'schema', rel.schema, 'name', rel.name, 'kind', rel.relkind,
        'partition_key', CASE WHEN rel.relkind = 'p' THEN pg_get_partkeydef(rel.oid) END,
        'partition_bound', CASE WHEN rel.relispartition THEN pg_get_expr(rel.relpartbound, rel.oid) END,
        'parents', (SELECT json_agg(json_build_object('schema', pn.nspname, 'name', pc.relname) ORDER BY i.inhseqno)
                    FROM pg_inherits i
                    JOIN pg_class pc ON pc.oid = i.inhparent
                    JOIN pg_namespace pn ON pn.oid = pc.relnamespace
                    WHERE i.inhrelid = rel.oid),
        'unlogged', rel.relpersistence = 'u',
        'options', array_to_string(rel.reloptions, ', '),
        'row_security', rel.relrowsecurity,
        'force_row_security', rel.relforcerowsecurity,
        'comment', d.description)), '[]')
    FROM rel
    LEFT JOIN pg_description d ON d.objoid = rel.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
    WHERE rel.relkind IN ('r', 'p', 'f')
),
'columns', (
    SELECT coalesce(json_agg(json_build_object(
        'schema', rel.schema, 'owner', rel.name, 'name', a.attname, 'position', a.attnum,
        'data_type', format_type(a.atttypid, a.atttypmod),
        'not_null', a.attnotnull,
        'default', CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid) END,
        'generated', CASE WHEN a.attgenerated <> '' THEN pg_get_expr(ad.adbin, ad.adrelid) END,
        'identity', CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END,
        'collation', CASE WHEN a.attcollation <> t.typcollation THEN
            CASE WHEN cn.nspname = 'pg_catalog' THEN co.collname::text ELSE cn.nspname || '.' || co.collname END END,
        'comment', d.description)), '[]')
    FROM rel
    JOIN pg_attribute a ON a.attrelid = rel.oid AND a.attnum > 0 AND NOT a.attisdropped
    JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    LEFT JOIN pg_collation co ON co.oid = a.attcollation
    LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
    LEFT JOIN pg_description d ON d.objoid = rel.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum
    WHERE rel.relkind IN ('r', 'p', 'f', 'v', 'm')
),
'constraints', (
    SELECT coalesce(json_agg(json_build_object(
        'schema', rel.schema, 'owner', rel.name, 'name', k.conname, 'kind', k.contype,
        'definition', pg_get_constraintdef(k.oid, true), 'comment', d.description)), '[]')
    FROM pg_constraint k
    JOIN rel ON rel.oid = k.conrelid
    LEFT JOIN pg_description d ON d.objoid = k.oid AND d.classoid = 'pg_constraint'::regclass
    -- Clones on partitions (conparentid) follow from the parent's constraint and repeat its name.
    WHERE k.contype IN ('p', 'u', 'c', 'f', 'x') AND k.conparentid = 0
),
'indexes', (
    SELECT coalesce(json_agg(json_build_object(
        'schema', rel.schema, 'table', rel.name, 'name', ic.relname,
        'unique', i.indisunique, 'definition', pg_get_indexdef(i.indexrelid), 'comment', d.description)), '[]')
    FROM pg_index i
    JOIN rel ON rel.oid = i.indrelid
    JOIN pg_class ic ON ic.oid = i.indexrelid
    LEFT JOIN pg_description d ON d.objoid = i.indexrelid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
    WHERE NOT EXISTS (
        SELECT 1 FROM pg_constraint k
        WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))
),
'triggers', (
    SELECT coalesce(json_agg(json_build_object(
        'schema', rel.schema, 'owner', rel.name, 'name', tg.tgname,
        'definition', pg_get_triggerdef(tg.oid, true), 'enabled', tg.tgenabled, 'comment', d.description)), '[]')
    FROM pg_trigger tg
    JOIN rel ON rel.oid = tg.tgrelid
    LEFT JOIN pg_description d ON d.objoid = tg.oid AND d.classoid = 'pg_trigger'::regclass
    -- Internal triggers implement foreign keys; clones on partitions follow from the parent's.
    WHERE NOT tg.tgisinternal AND tg.tgparentid = 0
),
'policies', (
    SELECT coalesce(json_agg(json_build_object(
        'schema', rel.schema, 'owner', rel.name, 'name', p.polname, 'command', p.polcmd,
        'permissive', p.polpermissive,
        'roles', (SELECT json_agg(r.role ORDER BY r.role)
                  FROM (SELECT CASE WHEN ro = 0 THEN 'public' ELSE pg_get_userbyid(ro)::text END AS role
                        FROM unnest(p.polroles) AS ro) r),
        'using', pg_get_expr(p.polqual, p.polrelid),
        'with_check', pg_get_expr(p.polwithcheck, p.polrelid),
        'comment', d.description)), '[]')
    FROM pg_policy p
    JOIN rel ON rel.oid = p.polrelid
    LEFT JOIN pg_description d ON d.objoid = p.oid AND d.classoid = 'pg_policy'::regclass
),
'views', (
    SELECT coalesce(json_agg(json_build_object(
        'schema', rel.schema, 'name', rel.name, 'materialized', rel.relkind = 'm',
        'definition', pg_get_viewdef(rel.oid, true),
        'options', array_to_string(rel.reloptions, ', '),
        'comment', d.description)), '[]')
    FROM rel
    LEFT JOIN pg_description d ON d.objoid = rel.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
    WHERE rel.relkind IN ('v', 'm')
),
'sequences', (
    SELECT coalesce(json_agg(json_build_object(
        'schema', rel.schema, 'name', rel.name,
        'data_type', format_type(s.seqtypid, NULL), 'start', s.seqstart, 'increment', s.seqincrement,
        'min', s.seqmin, 'max', s.seqmax, 'cache', s.seqcache, 'cycle', s.seqcycle,
        'owner_schema', on_.nspname, 'owner_table', oc.relname, 'owner_column', oa.attname,
        'identity', dep.deptype = 'i',
        'comment', d.description)), '[]')
    FROM rel
    JOIN pg_sequence s ON s.seqrelid = rel.oid
    LEFT JOIN pg_depend dep ON dep.classid = 'pg_class'::regclass AND dep.objid = rel.oid
        AND dep.refclassid = 'pg_class'::regclass AND dep.refobjsubid > 0 AND dep.deptype IN ('a', 'i')
    LEFT JOIN pg_class oc ON oc.oid = dep.refobjid
    LEFT JOIN pg_namespace on_ ON on_.oid = oc.relnamespace
    LEFT JOIN pg_attribute oa ON oa.attrelid = dep.refobjid AND oa.attnum = dep.refobjsubid
    LEFT JOIN pg_description d ON d.objoid = rel.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
    WHERE rel.relkind = 'S'
),
'functions', (
    SELECT coalesce(json_agg(json_build_object(
        'schema', ns.name, 'name', p.proname,
        'argument_types', oidvectortypes(p.proargtypes),
        'kind', p.prokind,
        'arguments', pg_get_function_arguments(p.oid),
        'result', pg_get_function_result(p.oid),
        'language', l.lanname,
        'body', CASE
            WHEN p.prokind = 'a' THEN concat_ws(', ',
                'SFUNC = ' || ag.aggtransfn::regproc::text,
                'STYPE = ' || format_type(ag.aggtranstype, NULL),
                CASE WHEN ag.aggfinalfn <> 0 THEN 'FINALFUNC = ' || ag.aggfinalfn::regproc::text END,
                CASE WHEN ag.aggcombinefn <> 0 THEN 'COMBINEFUNC = ' || ag.aggcombinefn::regproc::text END,
                CASE WHEN ag.agginitval IS NOT NULL THEN 'INITCOND = ' || quote_literal(ag.agginitval) END,
                CASE WHEN ag.aggsortop <> 0 THEN 'SORTOP = ' || ag.aggsortop::regoperator::text END)
            WHEN p.prosqlbody IS NOT NULL THEN pg_get_function_sqlbody(p.oid)
            ELSE p.prosrc END,
        'attributes', concat_ws(' ',
            CASE p.provolatile WHEN 'i' THEN 'IMMUTABLE' WHEN 's' THEN 'STABLE' ELSE 'VOLATILE' END,
            CASE WHEN p.proisstrict THEN 'STRICT' END,
            CASE WHEN p.prosecdef THEN 'SECURITY DEFINER' END,
            CASE WHEN p.proleakproof THEN 'LEAKPROOF' END,
            CASE p.proparallel WHEN 's' THEN 'PARALLEL SAFE' WHEN 'r' THEN 'PARALLEL RESTRICTED' END,
            'COST ' || p.procost,
            CASE WHEN p.proretset THEN 'ROWS ' || p.prorows END,
            CASE WHEN p.proconfig IS NOT NULL THEN 'SET ' || array_to_string(p.proconfig, ', ') END),
        'comment', d.description)), '[]')
    FROM pg_proc p
    JOIN ns ON ns.oid = p.pronamespace
    JOIN pg_language l ON l.oid = p.prolang
    LEFT JOIN pg_aggregate ag ON ag.aggfnoid = p.oid
    LEFT JOIN pg_description d ON d.objoid = p.oid AND d.classoid = 'pg_proc'::regclass
    WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_proc'::regclass AND ext.objid = p.oid)
      -- Constructors of range and multirange types come with the type.
      AND NOT EXISTS (SELECT 1 FROM pg_depend dep
                      WHERE dep.classid = 'pg_proc'::regclass AND dep.objid = p.oid AND dep.deptype = 'i')
),
-- A NULL ACL means the defaults (acldefault), so GRANT then REVOKE compares equal to never
-- granting; the owner's own privileges are left out. Rows for objects left out above find no
-- object in the model and are dropped there.
'grants', (
    SELECT coalesce(json_agg(json_build_object(
        'on', g.on_kind, 'schema', g.schema, 'name', g.name, 'column', g.column_name,
        'grantee', CASE WHEN (g.a).grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid((g.a).grantee)::text END,
        'privilege', (g.a).privilege_type, 'grantable', (g.a).is_grantable)), '[]')
    -- aclexplode in the select list rather than a lateral join, which would be a nested loop.
    FROM (SELECT o.*, aclexplode(o.acl) AS a FROM (
        SELECT 'relation' AS on_kind, rel.schema, rel.name, NULL::text AS column_name, c.relowner AS owner,
               coalesce(c.relacl, acldefault(CASE WHEN rel.relkind = 'S' THEN 's' ELSE 'r' END::"char",
                                             c.relowner)) AS acl
        FROM rel
        JOIN pg_class c ON c.oid = rel.oid
        UNION ALL
        SELECT 'function', ns.name, p.proname || '(' || oidvectortypes(p.proargtypes) || ')', NULL, p.proowner,
               coalesce(p.proacl, acldefault('f', p.proowner))
        FROM pg_proc p
        JOIN ns ON ns.oid = p.pronamespace
        UNION ALL
        SELECT 'schema', ns.name, ns.name, NULL, n.nspowner, coalesce(n.nspacl, acldefault('n', n.nspowner))
        FROM pg_namespace n
        JOIN ns ON ns.oid = n.oid
        UNION ALL
        -- A column has no default privileges: no ACL is none.
        SELECT 'column', rel.schema, rel.name, a.attname::text, c.relowner, a.attacl
        FROM rel
        JOIN pg_class c ON c.oid = rel.oid
        JOIN pg_attribute a ON a.attrelid = rel.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE rel.relkind IN ('r', 'p', 'f', 'v', 'm') AND a.attacl IS NOT NULL
    ) o) g
    WHERE (g.a).grantee <> g.owner
),
-- Every entry, even one whose list is empty once its role's own privileges are left out: its
-- presence replaces the built-in defaults.
'default_privileges', (
    SELECT coalesce(json_agg(json_build_object(
        'role', CASE WHEN d.defaclrole <> (SELECT oid FROM pg_roles WHERE rolname = current_user)
                THEN pg_get_userbyid(d.defaclrole)::text END,
        'schema', n.nspname::text,
        'objects', CASE d.defaclobjtype WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES'
                   WHEN 'f' THEN 'FUNCTIONS' WHEN 'T' THEN 'TYPES' WHEN 'n' THEN 'SCHEMAS'
                   WHEN 'L' THEN 'LARGE OBJECTS' END,
        'grants', (SELECT coalesce(json_agg(json_build_object(
                       'grantee', CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee)::text END,
                       'privilege', a.privilege_type, 'grantable', a.is_grantable)), '[]')
                   FROM aclexplode(d.defaclacl) a
                   WHERE a.grantee <> d.defaclrole))), '[]')
    FROM pg_default_acl d
    LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
    WHERE d.defaclobjtype IN ('r', 'S', 'f', 'T', 'n', 'L')
)
)::text
"#;

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
                enabled: trigger_state(&t.enabled).to_owned(),
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
                identity: c.identity,
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
        "p" => "partitioned table",
        "f" => "foreign table",
        _ => "table",
    };
    let table = Table {
        kind: kind.to_owned(),
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
        "p" => "primary key",
        "u" => "unique constraint",
        "f" => "foreign key",
        "x" => "exclusion constraint",
        "t" => "constraint trigger",
        _ => "check constraint",
    };
    Constraint {
        kind: kind.to_owned(),
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

fn trigger_state(code: &str) -> &'static str {
    match code {
        "D" => "disabled",
        "R" => "replica",
        "A" => "always",
        _ => "enabled",
    }
}

fn policy(p: PolicyRow) -> Policy {
    let command = match p.command.as_str() {
        "r" => "SELECT",
        "a" => "INSERT",
        "w" => "UPDATE",
        "d" => "DELETE",
        _ => "ALL",
    };
    let mode = if p.permissive {
        "permissive"
    } else {
        "restrictive"
    };
    Policy {
        command: command.to_owned(),
        mode: mode.to_owned(),
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
        "p" => "procedure",
        "a" => "aggregate",
        "w" => "window function",
        _ => "function",
    };
    let function = Function {
        kind: kind.to_owned(),
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
