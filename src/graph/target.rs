//! Target expressions: `head`, `heads`, `base`, a revision or unique prefix, `+N`, `-N`, and
//! the one place that turns an absolute target into graph nodes ([`RevisionGraph::resolve`]),
//! so that `up`, `stamp`, `show`, `history -r` and `--sql FROM:` agree on what `head` means.

use std::fmt;
use std::str::FromStr;

use super::RevisionGraph;
use crate::error::PlanError;

/// Where `up` or `down` should take the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The single head; refused when there are several.
    Head,
    /// Every head.
    Heads,
    /// Nothing applied.
    Base,
    /// A revision id or a unique prefix of one, resolved against the graph later.
    Revision(String),
    /// `+N` (forward) or `-N` (back) from the current state.
    Relative(i64),
}

impl FromStr for Target {
    type Err = PlanError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || PlanError::BadTarget(s.to_owned());
        Ok(match s {
            "head" => Target::Head,
            "heads" => Target::Heads,
            "base" => Target::Base,
            "" => return Err(bad()),
            _ if s.starts_with(['+', '-']) => {
                let n: i64 = s.parse().map_err(|_| bad())?;
                if n == 0 {
                    return Err(bad());
                }
                Target::Relative(n)
            }
            _ if s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') => {
                Target::Revision(s.to_owned())
            }
            _ => return Err(bad()),
        })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Head => f.write_str("head"),
            Target::Heads => f.write_str("heads"),
            Target::Base => f.write_str("base"),
            Target::Revision(r) => f.write_str(r),
            Target::Relative(n) => write!(f, "{n:+}"),
        }
    }
}

impl RevisionGraph {
    /// The revisions an absolute target names: `base` none, `head` the single head (none in an
    /// empty graph; several heads are refused), `heads` every head, a revision or unique prefix
    /// that one. A relative target (`+N`, `-N`) depends on what is applied, so only the planner
    /// reads it; here it is refused.
    pub fn resolve(&self, target: &Target) -> Result<Vec<usize>, PlanError> {
        match target {
            Target::Base => Ok(Vec::new()),
            Target::Head => {
                let heads = self.heads();
                if heads.len() > 1 {
                    return Err(PlanError::MultipleHeads {
                        heads: self.ids(&heads),
                    });
                }
                Ok(heads)
            }
            Target::Heads => Ok(self.heads()),
            Target::Revision(r) => Ok(vec![self.find_prefix(r)?]),
            Target::Relative(_) => Err(PlanError::BadTarget(target.to_string())),
        }
    }

    /// The one revision `head` or a revision id names (for `show`); `base`, `heads` and relative
    /// targets name no single revision and are refused.
    pub fn resolve_one(&self, target: &Target) -> Result<usize, PlanError> {
        match target {
            Target::Head | Target::Revision(_) => match self.resolve(target)?.as_slice() {
                [one] => Ok(*one),
                // Only an empty graph has no head.
                _ => Err(PlanError::MultipleHeads { heads: Vec::new() }),
            },
            _ => Err(PlanError::BadTarget(target.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{test_graph, test_names};

    /// What resolving gives, as names, or the error's variant name.
    type Resolved = Result<Vec<String>, String>;

    /// A target's revisions as names, or the error's variant name.
    fn resolved(g: &RevisionGraph, text: &str) -> Resolved {
        let target: Target = text.parse().map_err(|e| format!("{e:?}"))?;
        g.resolve(&target).map(|v| test_names(g, &v)).map_err(|e| {
            format!("{e:?}")
                .split([' ', '('])
                .next()
                .unwrap_or("")
                .to_owned()
        })
    }

    #[test]
    fn resolve_turns_each_absolute_target_into_nodes() {
        let linear = test_graph(&[("0001", &[]), ("0002", &["0001"]), ("0010", &["0002"])]);
        let branched = test_graph(&[("a", &[]), ("b", &["a"]), ("c", &["a"])]);
        let empty = test_graph(&[]);
        let ok = |v: &[&str]| Ok(v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let err = |variant: &str| Err::<Vec<String>, _>(variant.to_owned());
        let cases: &[(&RevisionGraph, &str, Resolved)] = &[
            (&linear, "base", ok(&[])),
            (&linear, "head", ok(&["0010"])),
            (&linear, "heads", ok(&["0010"])),
            (&linear, "0002", ok(&["0002"])),
            (&linear, "001", ok(&["0010"])),
            (&linear, "000", err("Ambiguous")),
            (&linear, "9", err("UnknownRevision")),
            (&linear, "+1", err("BadTarget")),
            (&linear, "-1", err("BadTarget")),
            (&branched, "head", err("MultipleHeads")),
            (&branched, "heads", ok(&["b", "c"])),
            (&branched, "a", ok(&["a"])),
            (&empty, "head", ok(&[])),
            (&empty, "heads", ok(&[])),
            (&empty, "base", ok(&[])),
        ];
        for (g, text, expected) in cases {
            assert_eq!(&resolved(g, text), expected, "{text}");
        }
    }

    #[test]
    fn resolve_one_names_exactly_one_revision() {
        let linear = test_graph(&[("0001", &[]), ("0002", &["0001"])]);
        let branched = test_graph(&[("a", &[]), ("b", &["a"]), ("c", &["a"])]);
        let one = |g: &RevisionGraph, t: &str| {
            g.resolve_one(&t.parse().expect("target"))
                .map(|i| g.node(i).id.to_string())
        };
        assert_eq!(one(&linear, "head").ok().as_deref(), Some("0002"));
        assert_eq!(one(&linear, "0001").ok().as_deref(), Some("0001"));
        assert_eq!(one(&branched, "b").ok().as_deref(), Some("b"));
        for (g, t) in [(&linear, "base"), (&linear, "heads"), (&linear, "-1")] {
            assert!(matches!(one(g, t), Err(PlanError::BadTarget(_))), "{t}");
        }
        assert!(matches!(
            one(&branched, "head"),
            Err(PlanError::MultipleHeads { heads }) if heads.len() == 2
        ));
        assert!(matches!(
            one(&test_graph(&[]), "head"),
            Err(PlanError::MultipleHeads { heads }) if heads.is_empty()
        ));
    }

    #[test]
    fn parses_every_form() {
        let cases = [
            ("head", Target::Head),
            ("heads", Target::Heads),
            ("base", Target::Base),
            ("0007", Target::Revision("0007".into())),
            ("3fa", Target::Revision("3fa".into())),
            ("+2", Target::Relative(2)),
            ("-1", Target::Relative(-1)),
        ];
        for (text, expected) in cases {
            assert_eq!(text.parse::<Target>().expect(text), expected);
            assert_eq!(expected.to_string(), text);
        }
    }

    #[test]
    fn rejects_garbage() {
        for text in ["", "+0", "-x", "+", "a b", "head;drop", "--1"] {
            assert!(
                matches!(text.parse::<Target>(), Err(PlanError::BadTarget(_))),
                "{text}"
            );
        }
    }
}

/// The invariants of `fuzz/fuzz_targets/target_expr.rs`, so that the normal test suite keeps
/// them honest: parsing never panics, and whatever parses prints back to itself.
#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Text near the grammar (signs, digits, id characters, keywords, huge numbers) or anything.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[+-]{0,2}[0-9a-zA-Z-]{0,12}",
            "[+-]?[0-9]{17,22}",
            proptest::sample::select(vec!["head", "heads", "base", "Head", "head ", "+", "-"])
                .prop_map(str::to_owned),
            any::<i64>().prop_map(|n| format!("{n:+}")),
            "(?s).{0,16}",
        ]
    }

    proptest! {
        #[test]
        fn whatever_parses_prints_back_to_the_same_target(s in text()) {
            if let Ok(target) = s.parse::<Target>() {
                let printed = target.to_string();
                prop_assert_eq!(printed.parse::<Target>().ok(), Some(target.clone()));
                match target {
                    Target::Relative(n) => prop_assert_ne!(n, 0),
                    Target::Revision(r) => {
                        prop_assert!(!r.is_empty() && !r.starts_with(['+', '-']));
                        prop_assert_eq!(&printed, &s);
                    }
                    _ => prop_assert_eq!(&printed, &s),
                }
            }
        }

        #[test]
        fn every_target_round_trips(
            target in prop_oneof![
                Just(Target::Head),
                Just(Target::Heads),
                Just(Target::Base),
                any::<i64>().prop_filter("nonzero", |&n| n != 0).prop_map(Target::Relative),
                "[0-9a-zA-Z][0-9a-zA-Z-]{0,12}"
                    .prop_filter("not a keyword", |r| !["head", "heads", "base"].contains(&r.as_str()))
                    .prop_map(Target::Revision),
            ],
        ) {
            prop_assert_eq!(target.to_string().parse::<Target>().ok(), Some(target));
        }
    }
}
