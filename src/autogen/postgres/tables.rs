//! PostgreSQL: New and dropped tables, and the SQL of a column.

use super::*;

impl Gen<'_> {
    pub(super) fn tables(&mut self) {
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

    pub(super) fn column_sql(&self, table: &QualifiedName, name: &str, c: &Column) -> String {
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

    pub(super) fn identity_clause(
        &self,
        table: &QualifiedName,
        column: &str,
        identity: Identity,
    ) -> String {
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

    pub(super) fn create_table(&mut self, name: &QualifiedName, t: &Table) {
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
}
