//! The migrations folder as a fleet's targets read it. MySQL's statements are split by MySQL's
//! lexical rules and everyone else's by the usual ones, so a fleet that mixes MySQL with
//! PostgreSQL or SQLite reads the folder twice, once per set of rules, and each target runs the
//! reading its own single-database run would make.

use super::targets::FleetTarget;
use crate::error::Error;
use crate::source::{Lexicon, MigrationSource};

/// The folder, read once for each lexicon the fleet's targets need (one or two readings).
pub struct Sources {
    first: (Lexicon, MigrationSource),
    second: Option<(Lexicon, MigrationSource)>,
}

impl Sources {
    /// Reads the folder (through `load`) by each lexicon `targets` need, in the order they first
    /// need it; with no targets, by the usual rules.
    pub fn read(
        targets: &[FleetTarget],
        load: impl Fn(Lexicon) -> Result<MigrationSource, Error>,
    ) -> Result<Sources, Error> {
        let needed = lexicons(targets);
        let first = needed.first().copied().unwrap_or_default();
        let second = match needed.get(1) {
            Some(&lexicon) => Some((lexicon, load(lexicon)?)),
            None => None,
        };
        Ok(Sources {
            first: (first, load(first)?),
            second,
        })
    }

    /// The reading `target` runs.
    pub fn of(&self, target: &FleetTarget) -> &MigrationSource {
        match &self.second {
            Some((lexicon, source)) if *lexicon == target.url.lexicon() => source,
            _ => &self.first.1,
        }
    }
}

/// The distinct lexicons of `targets`, in the order they first appear.
fn lexicons(targets: &[FleetTarget]) -> Vec<Lexicon> {
    let mut seen = Vec::new();
    for lexicon in targets.iter().map(|t| t.url.lexicon()) {
        if !seen.contains(&lexicon) {
            seen.push(lexicon);
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DatabaseUrl;

    #[test]
    fn a_mixed_fleet_needs_both_lexicons_each_once() {
        let at = |url: DatabaseUrl| FleetTarget::whole("x".into(), url);
        let my = || at(DatabaseUrl::Mysql("mysql://root@127.0.0.1/a".into()));
        let pg = || at(DatabaseUrl::Postgres("postgres://127.0.0.1/a".into()));
        assert_eq!(lexicons(&[pg(), pg()]), [Lexicon::Standard]);
        assert_eq!(lexicons(&[my(), my()]), [Lexicon::Mysql]);
        assert_eq!(
            lexicons(&[my(), pg(), my()]),
            [Lexicon::Mysql, Lexicon::Standard]
        );
        assert!(lexicons(&[]).is_empty());
    }
}
