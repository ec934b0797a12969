//! PostgreSQL: Enum, domain, composite and range types, including rebuilding an enum.

use super::*;

impl Gen<'_> {
    pub(super) fn types(&mut self) {
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

    pub(super) fn create_type(&mut self, name: &QualifiedName, t: &Type) {
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

    pub(super) fn alter_type(&mut self, name: &QualifiedName, o: &Type, t: &Type) {
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

    pub(super) fn add_enum_labels(&mut self, q: &str, old: &[String], new: &[String]) {
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
    pub(super) fn rebuild_enum(&mut self, name: &QualifiedName, labels: &[String], why: &str) {
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
}
