//! PostgreSQL: Functions, procedures and aggregates, and when they are (re)created.

use super::*;

impl Gen<'_> {
    pub(super) fn functions(&mut self) {
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
    pub(super) fn retyped_columns(&self) -> BTreeMap<QualifiedName, Vec<String>> {
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
}
