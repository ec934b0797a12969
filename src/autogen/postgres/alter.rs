//! PostgreSQL: Changes to an existing table: columns, constraints and options.

use super::*;

impl Gen<'_> {
    pub(super) fn alter_table(&mut self, name: &QualifiedName, o: &Table, t: &Table) {
        let q = qualified(name);
        self.alter_table_options(name, &q, o, t);
        self.alter_columns(name, &q, o, t);
        self.note_column_order(name, o, t);
        self.alter_constraints(name, &q, o, t);
        self.alter_policies(&q, o, t);
    }

    /// `LOGGED`/`UNLOGGED`, storage parameters, row-level security and the table's comment.
    fn alter_table_options(&mut self, name: &QualifiedName, q: &str, o: &Table, t: &Table) {
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
        self.row_security(q, Some(o), t);
        comment(
            &mut self.out,
            &format!("TABLE {q}"),
            Some(&o.comment),
            &t.comment,
        );
    }

    /// Dropped, added and changed columns.
    fn alter_columns(&mut self, name: &QualifiedName, q: &str, o: &Table, t: &Table) {
        let dropped: Vec<&String> = o
            .column_order
            .iter()
            .filter(|c| !t.columns.contains_key(*c))
            .collect();
        let added = added_columns(o, t);
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
    }

    /// Columns kept in both stay in their old order and new ones go last: say so when the
    /// desired order differs, since it cannot be reached in place.
    fn note_column_order(&mut self, name: &QualifiedName, o: &Table, t: &Table) {
        let kept_old: Vec<&String> = o
            .column_order
            .iter()
            .filter(|c| t.columns.contains_key(*c))
            .collect();
        let mut expected: Vec<&String> = kept_old.clone();
        expected.extend(added_columns(o, t));
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
    }

    /// Constraints dropped, added, or validated in place.
    fn alter_constraints(&mut self, name: &QualifiedName, q: &str, o: &Table, t: &Table) {
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
    }

    /// Policies created, replaced or dropped.
    fn alter_policies(&mut self, q: &str, o: &Table, t: &Table) {
        for (pname, p) in &t.policies {
            self.create_policy(q, pname, p, o.policies.get(pname));
        }
        for pname in o.policies.keys().filter(|p| !t.policies.contains_key(*p)) {
            self.out.sql(
                Phase::DropTriggers,
                format!("DROP POLICY {} ON {q}", quote_ident(pname)),
            );
        }
    }

    pub(super) fn alter_column(
        &mut self,
        table: &QualifiedName,
        name: &str,
        o: &Column,
        c: &Column,
    ) {
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
}

/// Columns of `t` that `o` does not have, in `t`'s order.
fn added_columns<'t>(o: &Table, t: &'t Table) -> Vec<&'t String> {
    t.column_order
        .iter()
        .filter(|c| !o.columns.contains_key(*c))
        .collect()
}
