WITH ns AS (
    SELECT n.oid, n.nspname::text AS name
    FROM pg_namespace n
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\_toast%'
      AND n.nspname NOT LIKE 'pg\_temp%'
      -- $1: one schema alone (a schema-per-tenant target), or NULL for every schema.
      AND ($1::text IS NULL OR n.nspname = $1::text)
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
    WHERE $1::text IS NULL OR n.nspname = $1::text
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
      -- One schema's read keeps its own entries, not the database-wide ones.
      AND ($1::text IS NULL OR n.nspname = $1::text)
)
)::text
