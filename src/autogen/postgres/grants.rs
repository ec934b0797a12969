//! PostgreSQL: Privileges on objects and default privileges.

use super::*;

/// `GRANT` and `REVOKE` statements that take the privileges on `on` (e.g. `TABLE notes`) from
/// `before` to `after`, role by role.
fn grant_statements(on: &str, before: &Grants, after: &Grants) -> Vec<String> {
    let none = BTreeMap::new();
    let roles: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let mut statements = Vec::new();
    for role in roles {
        let had = before.get(role).unwrap_or(&none);
        let has = after.get(role).unwrap_or(&none);
        let (mut revoke, mut revoke_option, mut grant, mut grant_option) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let privileges: BTreeSet<&String> = had.keys().chain(has.keys()).collect();
        for privilege in privileges {
            let p = privilege.as_str();
            match (had.get(privilege).copied(), has.get(privilege).copied()) {
                (Some(_), None) => revoke.push(p),
                (None, Some(false)) => grant.push(p),
                (None | Some(false), Some(true)) => grant_option.push(p),
                (Some(true), Some(false)) => revoke_option.push(p),
                _ => {} // unchanged
            }
        }
        let to = if role == "PUBLIC" {
            role.clone()
        } else {
            quote_ident(role)
        };
        let list = |privileges: &[&str]| privileges.join(", ");
        if !revoke.is_empty() {
            statements.push(format!("REVOKE {} ON {on} FROM {to}", list(&revoke)));
        }
        if !revoke_option.is_empty() {
            let what = list(&revoke_option);
            statements.push(format!("REVOKE GRANT OPTION FOR {what} ON {on} FROM {to}"));
        }
        if !grant.is_empty() {
            statements.push(format!("GRANT {} ON {on} TO {to}", list(&grant)));
        }
        if !grant_option.is_empty() {
            let what = list(&grant_option);
            statements.push(format!("GRANT {what} ON {on} TO {to} WITH GRANT OPTION"));
        }
    }
    statements
}

impl Gen<'_> {
    /// Privileges, once every object exists. An object created (or dropped and created again)
    /// by this migration starts from the default privileges in force (see [`starting_grants`]).
    /// Dropped objects take their privileges with them.
    pub(super) fn grants(&mut self) {
        self.object_grants();
        self.default_privileges();
    }

    pub(super) fn object_grants(&mut self) {
        let (old, new) = (self.old, self.new);
        let none = Grants::new();
        // Every object of `new`, not only those with privileges listed: a new one may start
        // with privileges that it must not keep.
        let every: Vec<Privileged> = (new.schemas.keys().cloned().map(Privileged::Schema))
            .chain(new.tables.keys().cloned().map(Privileged::Table))
            .chain(new.views.keys().cloned().map(Privileged::Table))
            .chain(new.sequences.keys().cloned().map(Privileged::Sequence))
            .chain(new.functions.keys().cloned().map(Privileged::Routine))
            .collect();
        let objects: BTreeSet<&Privileged> = old
            .grants
            .keys()
            .chain(new.grants.keys())
            .chain(&every)
            .collect();
        for on in objects.into_iter().filter(|on| new.has(on)) {
            let recreated = match on {
                Privileged::Table(name) | Privileged::Column(name, _) => {
                    self.rebuilt_views.contains(name)
                }
                Privileged::Routine(key) => self.recreated_functions.contains(key),
                Privileged::Schema(_) | Privileged::Sequence(_) => false,
            };
            let fresh = recreated || !old.has(on);
            if fresh && !creates(new, on) {
                continue; // not created here (said so already), so nothing to grant on
            }
            let (target, kind, schema) = match on {
                Privileged::Schema(name) => {
                    (format!("SCHEMA {}", quote_ident(name)), "SCHEMAS", None)
                }
                Privileged::Table(name) => {
                    (format!("TABLE {}", qualified(name)), "TABLES", Some(name))
                }
                Privileged::Sequence(name) => (
                    format!("SEQUENCE {}", qualified(name)),
                    "SEQUENCES",
                    Some(name),
                ),
                Privileged::Routine(key) => (
                    format!("ROUTINE {}", function_signature(key)),
                    "FUNCTIONS",
                    Some(key),
                ),
                // Columns have no default privileges.
                Privileged::Column(table, _) => (
                    format!("TABLE {}", qualified(table)),
                    "COLUMNS",
                    Some(table),
                ),
            };
            let start;
            let before = if fresh {
                start = starting_grants(old, kind, schema.map(|name| name.schema.as_str()));
                &start
            } else if let Privileged::Column(table, _) = on {
                start = after_table_revokes(old, new, table, old.grants.get(on).unwrap_or(&none));
                &start
            } else {
                old.grants.get(on).unwrap_or(&none)
            };
            let after = new.grants.get(on).unwrap_or(&none);
            let statements = match on {
                // `GRANT SELECT (email), UPDATE (email) ON TABLE users ...`
                Privileged::Column(_, column) => grant_statements(
                    &target,
                    &on_column(before, column),
                    &on_column(after, column),
                ),
                _ => grant_statements(&target, before, after),
            };
            for sql in statements {
                self.out.sql(Phase::Grants, sql);
            }
        }
    }

    /// `ALTER DEFAULT PRIVILEGES`, after the objects this migration creates, which therefore
    /// start from the defaults in force before it.
    pub(super) fn default_privileges(&mut self) {
        let (old, new) = (self.old, self.new);
        let keys: BTreeSet<&DefaultPrivileges> = old
            .default_privileges
            .keys()
            .chain(new.default_privileges.keys())
            .collect();
        for key in keys {
            // In a schema that goes away, they go with it.
            if key
                .schema
                .as_ref()
                .is_some_and(|s| !new.schemas.contains_key(s))
            {
                continue;
            }
            // Without `FOR ROLE`, they are the defaults of whoever runs the migration.
            let mut alter = "ALTER DEFAULT PRIVILEGES".to_owned();
            if let Some(role) = &key.role {
                alter.push_str(&format!(" FOR ROLE {}", quote_ident(role)));
            }
            if let Some(schema) = &key.schema {
                alter.push_str(&format!(" IN SCHEMA {}", quote_ident(schema)));
            }
            let (before, after) = (
                old.default_privileges_of(key),
                new.default_privileges_of(key),
            );
            for sql in grant_statements(&key.objects, &before, &after) {
                self.out.sql(Phase::Grants, format!("{alter} {sql}"));
            }
        }
    }
}

/// What an object of `kind` created in `schema` by this migration is granted at first: the
/// default privileges in force before it (`old`'s) for the role running it, the one that took
/// the snapshots. Its entry for all schemas replaces the built-in default; one for the schema
/// adds to it.
fn starting_grants(old: &Schema, kind: &str, schema: Option<&str>) -> Grants {
    let key = |schema: Option<&str>| DefaultPrivileges {
        role: None,
        schema: schema.map(str::to_owned),
        objects: kind.to_owned(),
    };
    let mut grants = old.default_privileges_of(&key(None));
    if schema.is_some() {
        for (role, privileges) in old.default_privileges_of(&key(schema)) {
            grants.entry(role).or_default().extend(privileges);
        }
    }
    grants
}

/// A column's privileges once the table-level `REVOKE`s of this migration have run: revoking a
/// privilege on a table revokes it on every column too (and so does revoking its grant option).
fn after_table_revokes(
    old: &Schema,
    new: &Schema,
    table: &QualifiedName,
    column: &Grants,
) -> Grants {
    let none = Grants::new();
    let on_table = Privileged::Table(table.clone());
    let had = old.grants.get(&on_table).unwrap_or(&none);
    let has = new.grants.get(&on_table).unwrap_or(&none);
    let mut left = column.clone();
    for (role, privileges) in &mut left {
        let privilege_on_table =
            |grants: &Grants, p: &String| grants.get(role).and_then(|g| g.get(p)).copied();
        privileges.retain(|p, _| {
            !(privilege_on_table(had, p).is_some() && privilege_on_table(has, p).is_none())
        });
        for (p, option) in privileges.iter_mut() {
            if privilege_on_table(had, p) == Some(true) && privilege_on_table(has, p) == Some(false)
            {
                *option = false;
            }
        }
    }
    left
}

/// The privileges, each applied to `column`: `SELECT` becomes `SELECT (column)`.
fn on_column(grants: &Grants, column: &str) -> Grants {
    let column = quote_ident(column);
    grants
        .iter()
        .map(|(role, privileges)| {
            let privileges = privileges
                .iter()
                .map(|(p, option)| (format!("{p} ({column})"), *option))
                .collect();
            (role.clone(), privileges)
        })
        .collect()
}

/// Whether a migration generated from `new` creates the object (the kinds it cannot generate
/// are named as such elsewhere).
fn creates(new: &Schema, on: &Privileged) -> bool {
    match on {
        Privileged::Table(name) => {
            new.tables.get(name).is_some_and(generated_table) || new.views.contains_key(name)
        }
        Privileged::Routine(key) => new.functions.get(key).is_some_and(generated_function),
        Privileged::Column(table, _) => {
            new.tables.get(table).is_some_and(generated_table) || new.views.contains_key(table)
        }
        Privileged::Schema(_) | Privileged::Sequence(_) => true,
    }
}
