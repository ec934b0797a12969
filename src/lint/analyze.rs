//! The rules themselves: each statement of a section, parsed by PostgreSQL's own grammar
//! (`pg_query` embeds it), judged with what brainmig knows about the tables it names.
//!
//! Our lexer still splits the section (so lines match what `up` reports, and `transaction:false`
//! is known); the grammar then reads one statement at a time, so comments, string literals,
//! quoted identifiers and function bodies are never mistaken for statements.

use std::collections::HashSet;

use pg_query::NodeRef;
use pg_query::protobuf::{
    AlterTableCmd, AlterTableType, ColumnDef, ConstrType, Constraint, ObjectType, RangeVar,
    TypeName, node::Node as N,
};

use super::rules::{self, Rule};

/// What the analysis knows around one section.
#[derive(Debug)]
pub struct Facts<'a> {
    /// Relations (tables and indexes) that do not exist on the target yet: created earlier in
    /// this revision, or in a revision the configured database has not applied.
    pub fresh: &'a mut HashSet<String>,
    /// False for a `transaction:false` section.
    pub transactional: bool,
    /// The target PostgreSQL major version.
    pub version: u32,
}

/// One rule that fired on one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The rule.
    pub rule: &'static Rule,
    /// Index of the statement in the section.
    pub statement: usize,
    /// What exactly, in words (`index on existing table "users"`).
    pub detail: String,
}

/// Section-wide memory while its statements go by.
#[derive(Default)]
struct Memory {
    lock_timeout_set: bool,
    lock_timeout_reported: bool,
    /// Tables with a constraint validated earlier in the section (the PG 12+ `SET NOT NULL` way).
    validated: HashSet<String>,
    /// Enum labels added earlier in a transactional section.
    added_labels: Vec<String>,
    /// `(table, constraint)` added `NOT VALID` earlier in a transactional section: validating it
    /// in the same transaction scans while the ADD's lock is still held.
    not_valid: HashSet<(String, String)>,
}

/// Runs every rule over `statements` (the texts of one section, in order).
pub fn section(statements: &[&str], facts: &mut Facts<'_>) -> Vec<Hit> {
    let mut memory = Memory::default();
    let mut hits = Vec::new();
    for (index, text) in statements.iter().enumerate() {
        let mut fire = |rule: &'static Rule, detail: String| {
            hits.push(Hit {
                rule,
                statement: index,
                detail,
            });
        };
        let parsed = match pg_query::parse(text, 0) {
            Ok(parsed) => parsed,
            Err(e) => {
                fire(&rules::UNPARSABLE, e.to_string());
                continue;
            }
        };
        if facts.transactional {
            for label in &memory.added_labels {
                if mentions_string(&parsed, label) {
                    fire(
                        &rules::ENUM_VALUE_IN_TRANSACTION,
                        format!("uses the enum value '{label}' added earlier in this transaction"),
                    );
                }
            }
        }
        for raw in &parsed.protobuf.stmts {
            let Some(node) = raw.stmt.as_ref().and_then(|s| s.node.as_ref()) else {
                continue;
            };
            statement(node, facts, &mut memory, &mut fire);
        }
    }
    hits
}

fn statement(
    node: &N,
    facts: &mut Facts<'_>,
    memory: &mut Memory,
    fire: &mut impl FnMut(&'static Rule, String),
) {
    let existing = |facts: &Facts<'_>, name: &str| !facts.fresh.contains(name);
    // Strong locks on existing tables want a lock_timeout set before them.
    let mut strong_lock_on: Option<String> = None;
    match node {
        N::VariableSetStmt(set) if set.name.eq_ignore_ascii_case("lock_timeout") => {
            memory.lock_timeout_set = true;
        }
        N::CreateStmt(create) => {
            let table = rel(&create.relation);
            facts.fresh.insert(table.clone());
            for element in &create.table_elts {
                if let Some(N::ColumnDef(column)) = &element.node {
                    column_types(column, &table, fire);
                }
            }
        }
        N::CreateTableAsStmt(create) => {
            if let Some(into) = &create.into {
                facts.fresh.insert(rel(&into.rel));
            }
        }
        N::IndexStmt(index) => {
            let table = rel(&index.relation);
            if index.concurrent && facts.transactional {
                fire(
                    &rules::CONCURRENTLY_IN_TRANSACTION,
                    format!("CREATE INDEX CONCURRENTLY on \"{table}\" in a transactional section"),
                );
            }
            if existing(facts, &table) {
                if !index.concurrent {
                    fire(
                        &rules::CREATE_INDEX,
                        format!("index on the existing table \"{table}\""),
                    );
                    strong_lock_on = Some(table);
                }
            } else if !index.idxname.is_empty() {
                facts.fresh.insert(index.idxname.clone());
            }
        }
        N::DropStmt(drop) => {
            let kind = drop.remove_type;
            if drop.concurrent && facts.transactional {
                fire(
                    &rules::CONCURRENTLY_IN_TRANSACTION,
                    "DROP INDEX CONCURRENTLY in a transactional section".to_owned(),
                );
            }
            for object in &drop.objects {
                let name = last_name(object);
                if !existing(facts, &name) {
                    continue;
                }
                if kind == ObjectType::ObjectTable as i32 {
                    fire(&rules::DROP_TABLE, format!("drops the table \"{name}\""));
                    strong_lock_on = Some(name);
                } else if kind == ObjectType::ObjectIndex as i32 && !drop.concurrent {
                    fire(&rules::DROP_INDEX, format!("drops the index \"{name}\""));
                    strong_lock_on = Some(name);
                }
            }
        }
        N::RenameStmt(rename) => {
            let table = rel(&rename.relation);
            let fresh = !existing(facts, &table);
            if rename.rename_type == ObjectType::ObjectTable as i32 {
                if fresh {
                    facts.fresh.insert(rename.newname.clone());
                } else {
                    fire(
                        &rules::RENAME_TABLE,
                        format!("renames the table \"{table}\" to \"{}\"", rename.newname),
                    );
                    strong_lock_on = Some(table);
                }
            } else if rename.rename_type == ObjectType::ObjectColumn as i32 && !fresh {
                fire(
                    &rules::RENAME_COLUMN,
                    format!(
                        "renames the column \"{table}\".\"{}\" to \"{}\"",
                        rename.subname, rename.newname
                    ),
                );
                strong_lock_on = Some(table);
            }
        }
        N::AlterTableStmt(alter) if alter.objtype == ObjectType::ObjectTable as i32 => {
            let table = rel(&alter.relation);
            let on_existing = existing(facts, &table);
            for cmd in &alter.cmds {
                if let Some(N::AlterTableCmd(cmd)) = &cmd.node {
                    alter_table_cmd(cmd, &table, on_existing, facts, memory, fire);
                }
            }
            if on_existing {
                strong_lock_on = Some(table);
            }
        }
        N::UpdateStmt(update) if update.where_clause.is_none() => {
            let table = rel(&update.relation);
            if existing(facts, &table) {
                fire(
                    &rules::UNBOUNDED_DML,
                    format!("UPDATE of every row of \"{table}\""),
                );
            }
        }
        N::DeleteStmt(delete) if delete.where_clause.is_none() => {
            let table = rel(&delete.relation);
            if existing(facts, &table) {
                fire(
                    &rules::UNBOUNDED_DML,
                    format!("DELETE of every row of \"{table}\""),
                );
            }
        }
        N::AlterEnumStmt(alter)
            if facts.transactional && !alter.new_val.is_empty() && alter.old_val.is_empty() =>
        {
            if facts.version < 12 {
                fire(
                    &rules::ENUM_VALUE_IN_TRANSACTION,
                    format!(
                        "adds the enum value '{}' in a transaction, which PostgreSQL {} refuses",
                        alter.new_val, facts.version
                    ),
                );
            }
            memory.added_labels.push(alter.new_val.clone());
        }
        N::VacuumStmt(vacuum) => {
            let full = vacuum.options.iter().any(|o| {
                matches!(&o.node, Some(N::DefElem(d)) if d.defname.eq_ignore_ascii_case("full"))
            });
            if full {
                fire(&rules::VACUUM_FULL, "VACUUM FULL".to_owned());
            }
        }
        N::ClusterStmt(cluster) => {
            fire(
                &rules::CLUSTER,
                format!("CLUSTER {}", rel(&cluster.relation)),
            );
        }
        N::LockStmt(lock) => {
            let names: Vec<String> = lock.relations.iter().map(last_name).collect();
            fire(
                &rules::LOCK_TABLE,
                format!("LOCK TABLE {}", names.join(", ")),
            );
        }
        N::TruncateStmt(truncate) => {
            for name in truncate.relations.iter().map(last_name) {
                if existing(facts, &name) {
                    fire(&rules::TRUNCATE, format!("empties the table \"{name}\""));
                    strong_lock_on = Some(name);
                }
            }
        }
        N::DropdbStmt(drop) => {
            fire(
                &rules::DROP_DATABASE,
                format!("drops the database \"{}\"", drop.dbname),
            );
        }
        _ => {}
    }
    if let Some(table) = strong_lock_on
        && !memory.lock_timeout_set
        && !memory.lock_timeout_reported
    {
        memory.lock_timeout_reported = true;
        fire(
            &rules::LOCK_TIMEOUT,
            format!(
                "first statement taking a strong lock on the existing table \"{table}\" with no lock_timeout set before it"
            ),
        );
    }
}

fn alter_table_cmd(
    cmd: &AlterTableCmd,
    table: &str,
    on_existing: bool,
    facts: &Facts<'_>,
    memory: &mut Memory,
    fire: &mut impl FnMut(&'static Rule, String),
) {
    let kind = cmd.subtype;
    let def = cmd.def.as_ref().and_then(|d| d.node.as_ref());
    if kind == AlterTableType::AtAddColumn as i32 {
        let Some(N::ColumnDef(column)) = def else {
            return;
        };
        column_types(column, table, fire);
        if on_existing {
            add_column(column, table, facts.version, fire);
        }
        return;
    }
    if kind == AlterTableType::AtValidateConstraint as i32 {
        memory.validated.insert(table.to_owned());
        if memory
            .not_valid
            .contains(&(table.to_owned(), cmd.name.clone()))
        {
            fire(
                &rules::CONSTRAINT_VALIDATED,
                format!(
                    "\"{}\" on \"{table}\" is validated in the transaction that added it, so the ADD's lock is held through the scan",
                    cmd.name
                ),
            );
        }
        return;
    }
    if !on_existing {
        return;
    }
    let column = &cmd.name;
    if kind == AlterTableType::AtAddConstraint as i32 {
        if let Some(N::Constraint(c)) = def {
            if c.skip_validation && facts.transactional {
                memory
                    .not_valid
                    .insert((table.to_owned(), c.conname.clone()));
            }
            add_constraint(c, table, fire);
        }
    } else if kind == AlterTableType::AtSetNotNull as i32 {
        // PostgreSQL 12+ skips the scan when a valid CHECK (col IS NOT NULL) already proves it.
        if facts.version < 12 || !memory.validated.contains(table) {
            fire(
                &rules::SET_NOT_NULL,
                format!("SET NOT NULL on \"{table}\".\"{column}\""),
            );
        }
    } else if kind == AlterTableType::AtAlterColumnType as i32 {
        let to = match def {
            Some(N::ColumnDef(c)) => c.type_name.as_ref().map(type_text).unwrap_or_default(),
            _ => String::new(),
        };
        fire(
            &rules::COLUMN_TYPE,
            format!("changes the type of \"{table}\".\"{column}\" to {to}"),
        );
    } else if kind == AlterTableType::AtDropColumn as i32 {
        fire(
            &rules::DROP_COLUMN,
            format!("drops the column \"{table}\".\"{column}\""),
        );
    }
}

fn add_constraint(c: &Constraint, table: &str, fire: &mut impl FnMut(&'static Rule, String)) {
    let name = if c.conname.is_empty() {
        String::new()
    } else {
        format!(" \"{}\"", c.conname)
    };
    // A check or foreign key validates every row under the lock unless NOT VALID; a unique or
    // primary key without `USING INDEX` builds its index under the lock.
    let (rule, what, danger) = match ConstrType::try_from(c.contype) {
        Ok(ConstrType::ConstrForeign) if !c.skip_validation => (
            &rules::CONSTRAINT_VALIDATED,
            "foreign key",
            "added without NOT VALID",
        ),
        Ok(ConstrType::ConstrCheck) if !c.skip_validation => (
            &rules::CONSTRAINT_VALIDATED,
            "check constraint",
            "added without NOT VALID",
        ),
        Ok(ConstrType::ConstrUnique) if c.indexname.is_empty() => (
            &rules::UNIQUE_WITHOUT_INDEX,
            "UNIQUE",
            "builds its index under lock",
        ),
        Ok(ConstrType::ConstrPrimary) if c.indexname.is_empty() => (
            &rules::UNIQUE_WITHOUT_INDEX,
            "PRIMARY KEY",
            "builds its index under lock",
        ),
        _ => return,
    };
    fire(rule, format!("{what}{name} on \"{table}\" {danger}"));
}

/// `ADD COLUMN` on an existing table.
fn add_column(
    column: &ColumnDef,
    table: &str,
    version: u32,
    fire: &mut impl FnMut(&'static Rule, String),
) {
    let name = &column.colname;
    let constraints: Vec<&Constraint> = column
        .constraints
        .iter()
        .filter_map(|c| match &c.node {
            Some(N::Constraint(c)) => Some(c.as_ref()),
            _ => None,
        })
        .collect();
    let has = |kind: ConstrType| constraints.iter().any(|c| c.contype == kind as i32);
    let default = constraints
        .iter()
        .find(|c| c.contype == ConstrType::ConstrDefault as i32);
    let null_default = default.is_some_and(|c| {
        matches!(c.raw_expr.as_ref().and_then(|e| e.node.as_ref()), Some(N::AConst(a)) if a.isnull)
    });
    let has_default = default.is_some() && !null_default;
    let serial = column
        .type_name
        .as_ref()
        .is_some_and(|t| is_serial(&type_text(t)));
    let stored = has(ConstrType::ConstrGenerated);
    let identity = has(ConstrType::ConstrIdentity);
    let volatile = default.is_some_and(|c| c.raw_expr.as_deref().is_some_and(volatile_call));
    if serial || stored || identity || volatile || (has_default && version < 11) {
        let why = if serial {
            "a serial column"
        } else if stored {
            "a stored generated column"
        } else if identity {
            "an identity column"
        } else if volatile {
            "a volatile default"
        } else {
            "a default before PostgreSQL 11"
        };
        fire(
            &rules::VOLATILE_DEFAULT,
            format!("adds \"{table}\".\"{name}\" with {why}: the table is rewritten"),
        );
    }
    if has(ConstrType::ConstrNotnull) && !has_default && !serial && !stored && !identity {
        fire(
            &rules::NOT_NULL_WITHOUT_DEFAULT,
            format!("adds \"{table}\".\"{name}\" NOT NULL without a default"),
        );
    }
    if has(ConstrType::ConstrUnique) || has(ConstrType::ConstrPrimary) {
        fire(
            &rules::UNIQUE_WITHOUT_INDEX,
            format!(
                "adds \"{table}\".\"{name}\" with a UNIQUE or PRIMARY KEY index built under lock"
            ),
        );
    }
    if has(ConstrType::ConstrForeign) {
        fire(
            &rules::CONSTRAINT_VALIDATED,
            format!("adds \"{table}\".\"{name}\" with a foreign key, locking the referenced table"),
        );
    }
}

/// The type rules, on any column whether its table is new or not: they are about design.
fn column_types(column: &ColumnDef, table: &str, fire: &mut impl FnMut(&'static Rule, String)) {
    let Some(type_name) = &column.type_name else {
        return;
    };
    let text = type_text(type_name);
    let name = &column.colname;
    let primary = column
        .constraints
        .iter()
        .any(|c| matches!(&c.node, Some(N::Constraint(c)) if c.contype == ConstrType::ConstrPrimary as i32));
    if is_serial(&text) && text != "bigserial" && text != "serial8"
        || primary && matches!(text.as_str(), "int4" | "int2")
    {
        fire(
            &rules::PREFER_BIGINT_IDENTITY,
            format!("\"{table}\".\"{name}\" is {text}"),
        );
    }
    if matches!(text.as_str(), "varchar" | "bpchar") && !type_name.typmods.is_empty() {
        fire(
            &rules::PREFER_TEXT,
            format!("\"{table}\".\"{name}\" has a length limit"),
        );
    }
    if text == "timestamp" {
        fire(
            &rules::PREFER_TIMESTAMPTZ,
            format!("\"{table}\".\"{name}\" is timestamp without time zone"),
        );
    }
}

fn is_serial(text: &str) -> bool {
    matches!(
        text,
        "serial" | "serial4" | "smallserial" | "serial2" | "bigserial" | "serial8"
    )
}

/// The type's own name, without `pg_catalog.` (`int4`, `varchar`, `timestamptz`, `serial`).
fn type_text(t: &TypeName) -> String {
    t.names
        .iter()
        .filter_map(|n| match &n.node {
            Some(N::String(s)) => Some(s.sval.as_str()),
            _ => None,
        })
        .next_back()
        .unwrap_or_default()
        .to_owned()
}

/// Functions whose default differs per row, so `ADD COLUMN` must write every row.
const VOLATILE: &[&str] = &[
    "random",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "txid_current",
    "setseed",
];

/// True when the expression calls a volatile function, however deep in casts and operators.
fn volatile_call(expr: &pg_query::protobuf::Node) -> bool {
    let any = |nodes: &[pg_query::protobuf::Node]| nodes.iter().any(volatile_call);
    let boxed =
        |node: &Option<Box<pg_query::protobuf::Node>>| node.as_deref().is_some_and(volatile_call);
    match &expr.node {
        Some(N::FuncCall(call)) => {
            call.funcname.iter().any(|n| {
                matches!(&n.node, Some(N::String(s)) if VOLATILE.contains(&s.sval.to_ascii_lowercase().as_str()))
            }) || any(&call.args)
        }
        Some(N::TypeCast(cast)) => boxed(&cast.arg),
        Some(N::AExpr(e)) => boxed(&e.lexpr) || boxed(&e.rexpr),
        Some(N::BoolExpr(e)) => any(&e.args),
        Some(N::CoalesceExpr(e)) => any(&e.args),
        Some(N::MinMaxExpr(e)) => any(&e.args),
        Some(N::CaseExpr(e)) => any(&e.args) || boxed(&e.defresult),
        Some(N::CaseWhen(e)) => boxed(&e.expr) || boxed(&e.result),
        Some(N::List(l)) => any(&l.items),
        _ => false,
    }
}

/// True when a string constant of the statement equals `label` (an enum value used).
fn mentions_string(parsed: &pg_query::ParseResult, label: &str) -> bool {
    parsed.protobuf.nodes().iter().any(|(node, ..)| match node {
        NodeRef::AConst(c) => matches!(
            &c.val,
            Some(pg_query::protobuf::a_const::Val::Sval(s)) if s.sval == label
        ),
        _ => false,
    })
}

fn rel(range: &Option<RangeVar>) -> String {
    range
        .as_ref()
        .map(|r| r.relname.clone())
        .unwrap_or_default()
}

/// The last name of a qualified name list (`public.users` → `users`), as DROP and TRUNCATE
/// give them.
fn last_name(node: &pg_query::protobuf::Node) -> String {
    match &node.node {
        Some(N::List(list)) => list
            .items
            .iter()
            .filter_map(|i| match &i.node {
                Some(N::String(s)) => Some(s.sval.clone()),
                _ => None,
            })
            .next_back()
            .unwrap_or_default(),
        Some(N::RangeVar(r)) => r.relname.clone(),
        Some(N::String(s)) => s.sval.clone(),
        _ => String::new(),
    }
}
