//! PostgreSQL: Row-level security and its policies.

use super::*;

impl Gen<'_> {
    pub(super) fn row_security(&mut self, q: &str, old: Option<&Table>, t: &Table) {
        if old.is_some_and(|o| o.row_security) != t.row_security {
            let word = if t.row_security { "ENABLE" } else { "DISABLE" };
            self.out.sql(
                Phase::Triggers,
                format!("ALTER TABLE {q} {word} ROW LEVEL SECURITY"),
            );
        }
        if old.is_some_and(|o| o.force_row_security) != t.force_row_security {
            let word = if t.force_row_security {
                "FORCE"
            } else {
                "NO FORCE"
            };
            self.out.sql(
                Phase::Triggers,
                format!("ALTER TABLE {q} {word} ROW LEVEL SECURITY"),
            );
        }
    }

    pub(super) fn create_policy(&mut self, q: &str, name: &str, p: &Policy, old: Option<&Policy>) {
        let pq = quote_ident(name);
        let what = format!("POLICY {pq} ON {q}");
        if let Some(o) = old {
            let same = Policy {
                comment: None,
                ..o.clone()
            } == Policy {
                comment: None,
                ..p.clone()
            };
            if same {
                comment(&mut self.out, &what, Some(&o.comment), &p.comment);
                return;
            }
            self.out
                .sql(Phase::DropTriggers, format!("DROP POLICY {pq} ON {q}"));
        }
        let roles: Vec<String> = p
            .roles
            .iter()
            .map(|r| {
                if r == "public" {
                    "PUBLIC".to_owned()
                } else {
                    quote_ident(r)
                }
            })
            .collect();
        let mut sql = format!(
            "CREATE POLICY {pq} ON {q} AS {} FOR {} TO {}",
            p.mode.as_str().to_uppercase(),
            p.command,
            roles.join(", ")
        );
        if let Some(u) = &p.using {
            sql.push_str(&format!(" USING ({u})"));
        }
        if let Some(w) = &p.with_check {
            sql.push_str(&format!(" WITH CHECK ({w})"));
        }
        self.out.sql(Phase::Triggers, sql);
        comment(&mut self.out, &what, None, &p.comment);
    }
}
