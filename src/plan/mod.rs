//! Deciding what a run does: PURE. From the graph, what is applied and a target, the ordered list
//! of revisions to apply or revert. The executor carries it out; this module never touches a database.

use std::collections::BTreeSet;

use crate::error::PlanError;
use crate::graph::{RevisionGraph, Target};

pub mod direction;
pub use direction::Direction;

/// What is applied, as the planner needs it.
#[derive(Debug, Clone, Default)]
pub struct AppliedSet {
    /// Node indices of applied revisions.
    pub revisions: BTreeSet<usize>,
    /// Node indices in the order they were applied, oldest first.
    pub by_time: Vec<usize>,
}

impl AppliedSet {
    /// Builds the set from node indices in the order they were applied.
    pub fn from_applied_order(by_time: Vec<usize>) -> Self {
        AppliedSet {
            revisions: by_time.iter().copied().collect(),
            by_time,
        }
    }

    /// The applied revisions that no applied revision revises: the "current" revisions.
    pub fn current(&self, graph: &RevisionGraph) -> Vec<usize> {
        let mut tips: Vec<usize> = self
            .revisions
            .iter()
            .copied()
            .filter(|&i| {
                !graph
                    .node(i)
                    .children
                    .iter()
                    .any(|c| self.revisions.contains(c))
            })
            .collect();
        tips.sort_by_key(|&i| graph.position(i));
        tips
    }
}

/// The revisions to apply toward `target`, parents first.
pub fn upgrade(
    graph: &RevisionGraph,
    applied: &AppliedSet,
    target: &Target,
) -> Result<Vec<usize>, PlanError> {
    let targets = match target {
        Target::Relative(n) if *n > 0 => {
            let pending = pending(graph, applied, &graph.heads());
            let requested = usize::try_from(*n).unwrap_or(usize::MAX);
            if requested > pending.len() {
                return Err(PlanError::BeyondHead {
                    requested,
                    available: pending.len(),
                });
            }
            return Ok(pending[..requested].to_vec());
        }
        Target::Relative(_) => {
            return Err(PlanError::WrongDirection {
                target: target.to_string(),
                command: "up",
            });
        }
        absolute => graph.resolve(absolute)?,
    };
    Ok(pending(graph, applied, &targets))
}

fn pending(graph: &RevisionGraph, applied: &AppliedSet, targets: &[usize]) -> Vec<usize> {
    let mut needed = graph.ancestors(targets);
    needed.retain(|i| !applied.revisions.contains(i));
    graph.in_order(&needed)
}

/// The revisions to revert toward `target`, children first.
pub fn downgrade(
    graph: &RevisionGraph,
    applied: &AppliedSet,
    target: &Target,
) -> Result<Vec<usize>, PlanError> {
    let revert: BTreeSet<usize> = match target {
        Target::Base => applied.revisions.clone(),
        Target::Revision(_) | Target::Offset { .. } => {
            let keep = graph.resolve_one(target)?;
            if !applied.revisions.contains(&keep) {
                return Err(PlanError::NotApplied(graph.node(keep).id.clone()));
            }
            let mut above = graph.descendants(&[keep]);
            above.remove(&keep);
            above.retain(|i| applied.revisions.contains(i));
            above
        }
        Target::Relative(n) if *n < 0 => {
            let requested = usize::try_from(n.unsigned_abs()).unwrap_or(usize::MAX);
            return most_recent_leaves(graph, applied, requested);
        }
        Target::Head | Target::Heads | Target::Relative(_) => {
            return Err(PlanError::WrongDirection {
                target: target.to_string(),
                command: "down",
            });
        }
    };
    let mut order = graph.in_order(&revert);
    order.reverse();
    Ok(order)
}

/// Picks `n` revisions to revert, one at a time: each time the most recently applied revision
/// that no other applied revision depends on.
fn most_recent_leaves(
    graph: &RevisionGraph,
    applied: &AppliedSet,
    n: usize,
) -> Result<Vec<usize>, PlanError> {
    if n > applied.revisions.len() {
        return Err(PlanError::BeyondBase {
            requested: n,
            available: applied.revisions.len(),
        });
    }
    let mut remaining = applied.revisions.clone();
    let mut picked = Vec::with_capacity(n);
    for _ in 0..n {
        let leaf = applied
            .by_time
            .iter()
            .rev()
            .copied()
            .find(|i| {
                remaining.contains(i)
                    && !graph
                        .node(*i)
                        .children
                        .iter()
                        .any(|c| remaining.contains(c))
            })
            // Every finite non-empty DAG has a leaf; `by_time` lists every applied node.
            .ok_or(PlanError::BeyondBase {
                requested: n,
                available: picked.len(),
            })?;
        remaining.remove(&leaf);
        picked.push(leaf);
    }
    Ok(picked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::test_graph;

    fn ids(g: &RevisionGraph, v: &[usize]) -> Vec<String> {
        v.iter().map(|&i| g.node(i).id.to_string()).collect()
    }

    fn applied(g: &RevisionGraph, names: &[&str]) -> AppliedSet {
        AppliedSet::from_applied_order(
            names
                .iter()
                .map(|n| g.find_prefix(n).expect("exists"))
                .collect(),
        )
    }

    fn branched() -> RevisionGraph {
        test_graph(&[("a", &[]), ("b", &["a"]), ("c", &["a"]), ("m", &["b", "c"])])
    }

    #[test]
    fn upgrade_to_head_applies_branches_then_merge() {
        let g = branched();
        let plan = upgrade(&g, &applied(&g, &["a", "b"]), &Target::Head).expect("plans");
        assert_eq!(ids(&g, &plan), vec!["c", "m"]);
        let plan = upgrade(&g, &applied(&g, &[]), &Target::Relative(2)).expect("plans");
        assert_eq!(ids(&g, &plan), vec!["a", "b"]);
        assert!(matches!(
            upgrade(&g, &applied(&g, &[]), &Target::Relative(5)),
            Err(PlanError::BeyondHead {
                requested: 5,
                available: 4
            })
        ));
        assert!(matches!(
            upgrade(&g, &applied(&g, &[]), &Target::Relative(-1)),
            Err(PlanError::WrongDirection { .. })
        ));
    }

    #[test]
    fn head_refuses_several_heads_and_heads_applies_all() {
        let g = test_graph(&[("a", &[]), ("b", &["a"]), ("c", &["a"])]);
        assert!(matches!(
            upgrade(&g, &applied(&g, &[]), &Target::Head),
            Err(PlanError::MultipleHeads { heads }) if heads.len() == 2
        ));
        let plan = upgrade(&g, &applied(&g, &[]), &Target::Heads).expect("plans");
        assert_eq!(ids(&g, &plan), vec!["a", "b", "c"]);
        let plan = upgrade(&g, &applied(&g, &[]), &Target::Revision("c".into())).expect("plans");
        assert_eq!(ids(&g, &plan), vec!["a", "c"]);
    }

    #[test]
    fn downgrade_to_a_revision_reverts_its_applied_descendants_children_first() {
        let g = branched();
        let all = applied(&g, &["a", "b", "c", "m"]);
        let plan = downgrade(&g, &all, &Target::Revision("b".into())).expect("plans");
        assert_eq!(ids(&g, &plan), vec!["m"]);
        let plan = downgrade(&g, &all, &Target::Base).expect("plans");
        assert_eq!(ids(&g, &plan), vec!["m", "c", "b", "a"]);
        assert!(matches!(
            downgrade(&g, &applied(&g, &["a"]), &Target::Revision("b".into())),
            Err(PlanError::NotApplied(_))
        ));
    }

    #[test]
    fn relative_downgrade_takes_the_most_recent_leaves() {
        let g = branched();
        // c was applied after b: -1 reverts c, -2 then b.
        let state = applied(&g, &["a", "b", "c"]);
        let plan = downgrade(&g, &state, &Target::Relative(-2)).expect("plans");
        assert_eq!(ids(&g, &plan), vec!["c", "b"]);
        assert!(matches!(
            downgrade(&g, &state, &Target::Relative(-4)),
            Err(PlanError::BeyondBase {
                requested: 4,
                available: 3
            })
        ));
        assert!(matches!(
            downgrade(&g, &state, &Target::Heads),
            Err(PlanError::WrongDirection { .. })
        ));
    }

    #[test]
    fn current_is_the_applied_tips() {
        let g = branched();
        let state = applied(&g, &["a", "b", "c"]);
        assert_eq!(ids(&g, &state.current(&g)), vec!["b", "c"]);
    }

    mod properties {
        use super::*;
        use crate::graph::{NodeSpec, RevisionGraph};
        use crate::source::RevisionId;
        use proptest::prelude::*;

        /// Random DAGs: node i may revise any earlier nodes.
        fn dag() -> impl Strategy<Value = RevisionGraph> {
            (1usize..12)
                .prop_flat_map(|n| {
                    proptest::collection::vec(proptest::collection::vec(any::<bool>(), n), n)
                })
                .prop_map(|edges| {
                    let specs = (0..edges.len())
                        .map(|i| NodeSpec {
                            id: RevisionId::parse(&format!("r{i:02}")).expect("valid"),
                            parents: (0..i)
                                .filter(|&j| edges[i][j] && (j + 1 == i || j % 3 == 0))
                                .map(|j| RevisionId::parse(&format!("r{j:02}")).expect("valid"))
                                .collect(),
                            path: None,
                        })
                        .collect();
                    RevisionGraph::build(specs).expect("acyclic by construction")
                })
        }

        proptest! {
            #[test]
            fn upgrade_order_respects_parents_and_down_base_undoes_it(g in dag()) {
                let plan = upgrade(&g, &AppliedSet::default(), &Target::Heads).expect("plans");
                prop_assert_eq!(plan.len(), g.len());
                for (pos, &i) in plan.iter().enumerate() {
                    for p in &g.node(i).parents {
                        prop_assert!(plan[..pos].contains(p));
                    }
                }
                let state = AppliedSet::from_applied_order(plan.clone());
                let n = i64::try_from(plan.len()).expect("small");
                let to_base = downgrade(&g, &state, &Target::Base).expect("plans");
                let relative = downgrade(&g, &state, &Target::Relative(-n)).expect("plans");
                for back in [to_base, relative] {
                    // Every applied revision is reverted exactly once ...
                    let mut reverted = back.clone();
                    reverted.sort_unstable();
                    let mut applied = plan.clone();
                    applied.sort_unstable();
                    prop_assert_eq!(reverted, applied);
                    // ... and only after every revision that revises it.
                    for (pos, &i) in back.iter().enumerate() {
                        for p in &g.node(i).parents {
                            prop_assert!(back[pos + 1..].contains(p), "{back:?} reverts a parent of {i} first");
                        }
                    }
                }
            }
        }
    }
}
