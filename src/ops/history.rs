//! `history -r FROM:TO`: which revisions a range selects. PURE.

use std::collections::BTreeSet;

use crate::error::{Error, PlanError};
use crate::graph::{RevisionGraph, Target};
use crate::plan::AppliedSet;

/// `FROM:TO`: revisions that descend from FROM (inclusive) and lead to TO (inclusive). Either
/// side may be empty (from the base, to the heads) or `current` (what is applied).
pub fn range(
    graph: &RevisionGraph,
    applied: &AppliedSet,
    range: &str,
) -> Result<BTreeSet<usize>, Error> {
    let (from, to) = range
        .split_once(':')
        .ok_or_else(|| PlanError::BadTarget(range.to_owned()))?;
    let points = |text: &str, default: Vec<usize>| -> Result<Vec<usize>, Error> {
        Ok(match text {
            "" => default,
            "current" => applied.current(graph),
            // A range may end at several heads: `head` reads as `heads` here.
            other => match other.parse::<Target>()? {
                Target::Head => graph.heads(),
                target => graph.resolve(&target)?,
            },
        })
    };
    let from_points = points(from, Vec::new())?;
    let to_points = points(to, graph.heads())?;
    let mut set = graph.ancestors(&to_points);
    // No starting point (``, `base`, or `current` with nothing applied) means from the base.
    if !from_points.is_empty() {
        let below = graph.descendants(&from_points);
        set.retain(|i| below.contains(i));
    }
    Ok(set)
}

/// The revisions `history` lists, newest first: a range, or everything.
pub fn newest_first(
    graph: &RevisionGraph,
    applied: &AppliedSet,
    selection: Option<&str>,
) -> Result<Vec<usize>, Error> {
    let selected = match selection {
        Some(text) => range(graph, applied, text)?,
        None => graph.topological().iter().copied().collect(),
    };
    let mut order = graph.in_order(&selected);
    order.reverse();
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{test_graph, test_names};

    #[test]
    fn ranges_select_descendants_of_from_that_lead_to_to() {
        // a - b - c (head), a - d (head)
        let g = test_graph(&[("a", &[]), ("b", &["a"]), ("c", &["b"]), ("d", &["a"])]);
        let at_b = AppliedSet::from_applied_order(vec![
            g.find_prefix("a").expect("a"),
            g.find_prefix("b").expect("b"),
        ]);
        let cases: &[(&str, &[&str])] = &[
            (":", &["d", "c", "b", "a"]),
            ("b:", &["c", "b"]),
            (":b", &["b", "a"]),
            ("base:c", &["c", "b", "a"]),
            ("current:", &["c", "b"]),
            (":current", &["b", "a"]),
            ("a:head", &["d", "c", "b", "a"]),
            ("a:heads", &["d", "c", "b", "a"]),
            ("d:c", &[]),
        ];
        for (text, expected) in cases {
            let got = newest_first(&g, &at_b, Some(text)).expect(text);
            let names = test_names(&g, &got);
            assert_eq!(names, *expected, "{text}");
        }
    }

    #[test]
    fn bad_ranges_are_refused() {
        let g = test_graph(&[("a", &[]), ("b", &["a"])]);
        let none = AppliedSet::default();
        for text in ["b", "+1:", ":-1", "zz:"] {
            assert!(range(&g, &none, text).is_err(), "{text}");
        }
    }
}
