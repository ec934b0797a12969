//! Target expressions: `head`, `heads`, `base`, a revision or unique prefix, `+N`, `-N`,
//! `REV+N` / `REV-N` (Alembic's steps from a revision), and the one place that turns an absolute
//! target into graph nodes ([`RevisionGraph::resolve`]), so that `up`, `stamp`, `show`,
//! `history -r` and `--sql FROM:` agree on what `head` and `0002+1` mean.

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
    /// `REV+N` or `REV-N`: N revisions after or before `REV` (a revision, prefix or `head`),
    /// along a line with no fork.
    Offset {
        /// Where the count starts.
        from: String,
        /// Positive forward (toward the heads), negative back (toward the base); never 0.
        steps: i64,
    },
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
                match split_offset(s) {
                    Some((from, steps)) => Target::Offset {
                        from: from.to_owned(),
                        steps,
                    },
                    None => Target::Revision(s.to_owned()),
                }
            }
            _ => match split_offset(s) {
                Some((from, steps)) if steps > 0 => Target::Offset {
                    from: from.to_owned(),
                    steps,
                },
                _ => return Err(bad()),
            },
        })
    }
}

/// `0002+1` as `("0002", 1)`, `0003-2` as `("0003", -2)`: the last sign followed only by digits,
/// with something before it. Ids may contain `-`, so `2024-1` splits too; [`RevisionGraph::resolve`]
/// then prefers an exact id `2024-1` when there is one.
fn split_offset(s: &str) -> Option<(&str, i64)> {
    let at = s.rfind(['+', '-'])?;
    let (from, count) = (&s[..at], &s[at + 1..]);
    if from.is_empty()
        || count.is_empty()
        || !count.bytes().all(|b| b.is_ascii_digit())
        || !from.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return None;
    }
    let n: i64 = count.parse().ok().filter(|&n| n > 0)?;
    Some((from, if s.as_bytes()[at] == b'+' { n } else { -n }))
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Head => f.write_str("head"),
            Target::Heads => f.write_str("heads"),
            Target::Base => f.write_str("base"),
            Target::Revision(r) => f.write_str(r),
            Target::Relative(n) => write!(f, "{n:+}"),
            Target::Offset { from, steps } => write!(f, "{from}{steps:+}"),
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
            Target::Offset { from, steps } => Ok(vec![self.step(target, from, *steps)?]),
            Target::Relative(_) => Err(PlanError::BadTarget(target.to_string())),
        }
    }

    /// `REV+N` / `REV-N`: walks N children (or parents) from `from`, refusing to run past a head
    /// (or the base) and to choose at a fork, where Alembic would be ambiguous too.
    fn step(&self, target: &Target, from: &str, steps: i64) -> Result<usize, PlanError> {
        // An id may itself end in `-N` (`20261124-1`): the whole text, when it is an id, wins.
        if let Ok(id) = crate::source::RevisionId::parse(&target.to_string())
            && let Some(exact) = self.find(&id)
        {
            return Ok(exact);
        }
        let start = self.resolve_one(&from.parse::<Target>()?)?;
        let forward = steps > 0;
        let mut at = start;
        for taken in 0..steps.unsigned_abs() {
            let node = &self.nodes[at];
            let next = if forward {
                &node.children
            } else {
                &node.parents
            };
            let fail = |reason: String, choices: &[usize]| PlanError::RelativeStep {
                target: target.to_string(),
                reason,
                choices: self.ids(choices),
            };
            at = match next.as_slice() {
                [one] => *one,
                [] if forward => {
                    return Err(fail(
                        format!(
                            "`{}` is a head, {taken} step(s) after `{}`",
                            node.id, self.nodes[start].id
                        ),
                        &[],
                    ));
                }
                [] => {
                    return Err(fail(
                        format!(
                            "`{}` is a base, {taken} step(s) before `{}`",
                            node.id, self.nodes[start].id
                        ),
                        &[],
                    ));
                }
                several if forward => {
                    let mut several = several.to_vec();
                    several.sort_by_key(|&i| self.position[i]);
                    return Err(fail(
                        format!(
                            "`{}` is a branch point, so the next step could be any of {}",
                            node.id,
                            list(self, &several)
                        ),
                        &several,
                    ));
                }
                several => {
                    return Err(fail(
                        format!(
                            "`{}` is a merge, so the step back could be any of {}",
                            node.id,
                            list(self, several)
                        ),
                        several,
                    ));
                }
            };
        }
        Ok(at)
    }

    /// The one revision `head` or a revision id names (for `show`); `base`, `heads` and relative
    /// targets name no single revision and are refused.
    pub fn resolve_one(&self, target: &Target) -> Result<usize, PlanError> {
        match target {
            Target::Head | Target::Revision(_) | Target::Offset { .. } => {
                match self.resolve(target)?.as_slice() {
                    [one] => Ok(*one),
                    // Only an empty graph has no head.
                    _ => Err(PlanError::MultipleHeads { heads: Vec::new() }),
                }
            }
            _ => Err(PlanError::BadTarget(target.to_string())),
        }
    }
}

/// `` `a`, `b` `` for a message.
fn list(graph: &RevisionGraph, nodes: &[usize]) -> String {
    nodes
        .iter()
        .map(|&i| format!("`{}`", graph.nodes[i].id))
        .collect::<Vec<_>>()
        .join(", ")
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
    fn offsets_walk_one_line_and_refuse_forks_and_ends() {
        let linear = test_graph(&[("0001", &[]), ("0002", &["0001"]), ("0010", &["0002"])]);
        let merged = test_graph(&[
            ("0001", &[]),
            ("0002a", &["0001"]),
            ("0002b", &["0001"]),
            ("0003", &["0002a", "0002b"]),
            ("0004", &["0003"]),
        ]);
        // Ids with `-`: an exact id wins over reading its tail as a step.
        let dashed = test_graph(&[("2024-1", &[]), ("2024-2", &["2024-1"])]);
        let ok = |v: &str| Ok(vec![v.to_owned()]);
        let err = |variant: &str| Err::<Vec<String>, _>(variant.to_owned());
        let cases: &[(&RevisionGraph, &str, Resolved)] = &[
            (&linear, "0001+2", ok("0010")),
            (&linear, "0001+1", ok("0002")),
            (&linear, "0010-2", ok("0001")),
            (&linear, "head-1", ok("0002")),
            (&linear, "001-1", ok("0002")),
            (&linear, "0001+3", err("RelativeStep")),
            (&linear, "0002-2", err("RelativeStep")),
            (&linear, "00+1", err("Ambiguous")),
            (&linear, "zz+1", err("UnknownRevision")),
            (&linear, "heads-1", err("BadTarget")),
            (&merged, "0001+1", err("RelativeStep")),
            (&merged, "0002a+1", ok("0003")),
            (&merged, "0002b+2", ok("0004")),
            (&merged, "0004-1", ok("0003")),
            (&merged, "0004-2", err("RelativeStep")),
            (&merged, "0002b-1", ok("0001")),
            (&dashed, "2024-1", ok("2024-1")),
            (&dashed, "2024-2", ok("2024-2")),
            (&dashed, "2024-2-1", ok("2024-1")),
            (&dashed, "2024-1+1", ok("2024-2")),
        ];
        for (g, text, expected) in cases {
            assert_eq!(&resolved(g, text), expected, "{text}");
        }
        let fork = merged
            .resolve(&"0001+1".parse().expect("target"))
            .expect_err("a fork");
        let PlanError::RelativeStep {
            reason, choices, ..
        } = &fork
        else {
            panic!("{fork:?}")
        };
        assert_eq!(choices.len(), 2, "{fork}");
        assert!(reason.contains("`0001` is a branch point"), "{fork}");
        assert_eq!(
            fork.to_string(),
            "`0001+1` cannot be followed: `0001` is a branch point, so the next step could be any of `0002a`, `0002b`"
        );
        let end = linear
            .resolve(&"0002+2".parse().expect("target"))
            .expect_err("past the head");
        assert_eq!(
            end.to_string(),
            "`0002+2` cannot be followed: `0010` is a head, 1 step(s) after `0002`"
        );
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
            (
                "0002+1",
                Target::Offset {
                    from: "0002".into(),
                    steps: 1,
                },
            ),
            (
                "head-2",
                Target::Offset {
                    from: "head".into(),
                    steps: -2,
                },
            ),
            ("20261124-a", Target::Revision("20261124-a".into())),
        ];
        for (text, expected) in cases {
            assert_eq!(text.parse::<Target>().expect(text), expected);
            assert_eq!(expected.to_string(), text);
        }
    }

    #[test]
    fn rejects_garbage() {
        for text in [
            "",
            "+0",
            "-x",
            "+",
            "a b",
            "head;drop",
            "--1",
            "a+0",
            "a+x",
            "a+",
            "+a+1",
        ] {
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
            "[0-9a-z-]{1,8}[+-][0-9]{1,3}",
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
                    Target::Relative(n) | Target::Offset { steps: n, .. } => prop_assert_ne!(n, 0),
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
                    .prop_filter("not a step (`a-1`)", |r| split_offset(r).is_none())
                    .prop_map(Target::Revision),
                ("[0-9a-zA-Z][0-9a-zA-Z-]{0,12}", any::<i32>().prop_filter("nonzero", |&n| n != 0))
                    .prop_map(|(from, steps)| Target::Offset { from, steps: i64::from(steps) }),
            ],
        ) {
            prop_assert_eq!(target.to_string().parse::<Target>().ok(), Some(target));
        }
    }
}
