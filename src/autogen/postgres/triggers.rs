//! PostgreSQL: Triggers and their enabled state.

use super::*;

impl Gen<'_> {
    pub(super) fn triggers(&mut self) {
        let (old, new) = (self.old, self.new);
        let owners = |s: &'_ Schema| -> BTreeMap<QualifiedName, BTreeMap<String, Trigger>> {
            s.tables
                .iter()
                .map(|(n, t)| (n.clone(), t.triggers.clone()))
                .chain(s.views.iter().map(|(n, v)| (n.clone(), v.triggers.clone())))
                .collect()
        };
        let (old_owners, new_owners) = (owners(old), owners(new));
        let gone = |owner: &QualifiedName| {
            !new_owners.contains_key(owner) || self.rebuilt_views.contains(owner)
        };
        let recreated_functions: Vec<String> = self
            .recreated_functions
            .iter()
            .map(|f| function_parts(f).0.name)
            .collect();
        // A column named by a trigger (`UPDATE OF col`, its `WHEN` clause) cannot change type
        // while the trigger exists: such triggers are dropped and created again around it.
        let retyped = self.retyped_columns();
        let on_retyped = |n: &Trigger, owner: &QualifiedName| {
            retyped
                .get(owner)
                .is_some_and(|cols| cols.iter().any(|c| mentions(&n.definition, c)))
        };
        let must_rebuild = |o: &Trigger, n: &Trigger, owner: &QualifiedName| {
            o.definition != n.definition
                || on_retyped(n, owner)
                || self.rebuilt_views.contains(owner)
                || recreated_functions
                    .iter()
                    .any(|f| mentions(&n.definition, f))
        };
        for (owner, triggers) in &old_owners {
            if !new_owners.contains_key(owner) || self.rebuilt_views.contains(owner) {
                continue;
            }
            for (name, t) in triggers {
                let drop = new_owners[owner]
                    .get(name)
                    .is_none_or(|n| must_rebuild(t, n, owner));
                if drop {
                    self.out.sql(
                        Phase::DropTriggers,
                        format!("DROP TRIGGER {} ON {}", quote_ident(name), qualified(owner)),
                    );
                }
            }
        }
        for (owner, triggers) in &new_owners {
            let q = qualified(owner);
            for (name, t) in triggers {
                let what = format!("TRIGGER {} ON {q}", quote_ident(name));
                let old_trigger = if gone(owner) {
                    None
                } else {
                    old_owners.get(owner).and_then(|ts| ts.get(name))
                };
                let created = old_trigger.is_none_or(|o| must_rebuild(o, t, owner));
                if created {
                    self.out.sql(Phase::Triggers, t.definition.clone());
                    comment(&mut self.out, &what, None, &t.comment);
                } else {
                    comment(
                        &mut self.out,
                        &what,
                        old_trigger.map(|o| &o.comment),
                        &t.comment,
                    );
                }
                let old_state = old_trigger
                    .filter(|_| !created)
                    .map_or(TriggerState::Enabled, |o| o.enabled);
                if old_state != t.enabled {
                    let word = match t.enabled {
                        TriggerState::Disabled => "DISABLE TRIGGER",
                        TriggerState::Replica => "ENABLE REPLICA TRIGGER",
                        TriggerState::Always => "ENABLE ALWAYS TRIGGER",
                        TriggerState::Enabled => "ENABLE TRIGGER",
                    };
                    self.out.sql(
                        Phase::Triggers,
                        format!("ALTER TABLE {q} {word} {}", quote_ident(name)),
                    );
                }
            }
        }
    }
}
