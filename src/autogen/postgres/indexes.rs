//! PostgreSQL: Indexes that do not back a constraint.

use super::*;

impl Gen<'_> {
    pub(super) fn indexes(&mut self) {
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
}
