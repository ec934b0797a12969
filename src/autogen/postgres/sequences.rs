//! PostgreSQL: Sequences, their options and the column that owns them.

use super::*;

impl Gen<'_> {
    pub(super) fn sequences(&mut self) {
        let (old, new) = (self.old, self.new);
        for (name, s) in &new.sequences {
            let identity = s.owned_by.as_ref().is_some_and(|o| o.identity);
            let q = qualified(name);
            match old.sequences.get(name) {
                // Identity sequences come and go with their column.
                None if identity => {}
                None => {
                    self.out.sql(
                        Phase::Sequences,
                        format!("CREATE SEQUENCE {q} {}", sequence_options(s)),
                    );
                    if let Some(owner) = &s.owned_by {
                        self.out.sql(
                            Phase::OwnedBy,
                            format!(
                                "ALTER SEQUENCE {q} OWNED BY {}.{}",
                                qualified(&owner.table),
                                quote_ident(&owner.column)
                            ),
                        );
                    }
                    comment(&mut self.out, &format!("SEQUENCE {q}"), None, &s.comment);
                }
                Some(o) => {
                    let opts = sequence_options(s);
                    if sequence_options(o) != opts {
                        self.out
                            .sql(Phase::AlterColumns, format!("ALTER SEQUENCE {q} {opts}"));
                    }
                    // A sequence survives its owner only if released first (e.g. a table
                    // replaced by another that takes over its serial column's sequence).
                    let owner_goes = o.owned_by.as_ref().is_some_and(|owner| {
                        !owner.identity
                            && new
                                .tables
                                .get(&owner.table)
                                .is_none_or(|t| !t.columns.contains_key(&owner.column))
                    });
                    if !identity && owner_goes && s.owned_by != o.owned_by {
                        self.out.sql(
                            Phase::ReleaseSequences,
                            format!("ALTER SEQUENCE {q} OWNED BY NONE"),
                        );
                    }
                    if !identity
                        && o.owned_by != s.owned_by
                        && (s.owned_by.is_some() || !owner_goes)
                    {
                        let owner = s.owned_by.as_ref().map_or_else(
                            || "NONE".to_owned(),
                            |o| format!("{}.{}", qualified(&o.table), quote_ident(&o.column)),
                        );
                        self.out.sql(
                            Phase::OwnedBy,
                            format!("ALTER SEQUENCE {q} OWNED BY {owner}"),
                        );
                    }
                    comment(
                        &mut self.out,
                        &format!("SEQUENCE {q}"),
                        Some(&o.comment),
                        &s.comment,
                    );
                }
            }
        }
        for (name, s) in &old.sequences {
            if new.sequences.contains_key(name) {
                continue;
            }
            // An owned sequence goes with its table or column.
            let goes_with_owner = s.owned_by.as_ref().is_some_and(|o| {
                new.tables
                    .get(&o.table)
                    .is_none_or(|t| !t.columns.contains_key(&o.column))
                    || o.identity
            });
            if !goes_with_owner {
                self.out.sql(
                    Phase::DropSequences,
                    format!("DROP SEQUENCE {}", qualified(name)),
                );
            }
        }
    }
}
