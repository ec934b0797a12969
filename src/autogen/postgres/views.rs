//! PostgreSQL: Views and materialized views, rebuilt when what they read changes.

use super::*;

impl Gen<'_> {
    pub(super) fn views(&mut self) {
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
}
