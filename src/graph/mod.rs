//! The revision graph: PURE. Revisions point at their parents through `revises`; branches,
//! several heads and merges are normal, as in Alembic.
//!
//! Nodes are addressed by index; the topological order (parents first, ties broken by id) is
//! computed once at build time because every plan, history and `--sql` script walks it.

mod collision;
pub mod conflict;
pub mod draw;
pub mod fix;
mod target;

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};
use std::path::PathBuf;

pub use collision::{Claim, CollisionFix, suggest_fixes};
pub use target::Target;

use crate::error::{PlanError, Problem};
use crate::source::RevisionId;

/// What the graph is built from: a revision, its parents and where it was defined.
#[derive(Debug, Clone)]
pub struct NodeSpec {
    /// The revision.
    pub id: RevisionId,
    /// Its parents, in header order.
    pub parents: Vec<RevisionId>,
    /// Its file; `None` for a revision known only from the version table.
    pub path: Option<PathBuf>,
}

/// One revision in the graph.
#[derive(Debug, Clone)]
pub struct Node {
    /// The revision.
    pub id: RevisionId,
    /// Parents, as indices.
    pub parents: Vec<usize>,
    /// Children, as indices.
    pub children: Vec<usize>,
    /// Its file, if one defines it.
    pub path: Option<PathBuf>,
}

/// The revisions and their parent links, acyclic and with every parent present.
#[derive(Debug, Clone, Default)]
pub struct RevisionGraph {
    nodes: Vec<Node>,
    index: HashMap<RevisionId, usize>,
    order: Vec<usize>,
    position: Vec<usize>,
}

impl RevisionGraph {
    /// Builds the graph, reporting duplicate ids, unknown parents and cycles.
    ///
    /// Revisions without a file (known only from the database) may name parents that no longer
    /// exist; those links are dropped rather than reported, since nothing can be done about them.
    /// A graph that builds has node `i` for `specs[i]`.
    pub fn build(specs: Vec<NodeSpec>) -> Result<Self, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut graph = RevisionGraph::default();
        for spec in &specs {
            if let Some(&existing) = graph.index.get(&spec.id) {
                problems.push(Problem::DuplicateRevision {
                    id: spec.id.clone(),
                    first: graph.nodes[existing].path.clone().unwrap_or_default(),
                    second: spec.path.clone().unwrap_or_default(),
                    fix: None,
                });
                continue;
            }
            graph.index.insert(spec.id.clone(), graph.nodes.len());
            graph.nodes.push(Node {
                id: spec.id.clone(),
                parents: Vec::new(),
                children: Vec::new(),
                path: spec.path.clone(),
            });
        }
        for spec in &specs {
            let child = graph.index[&spec.id];
            if graph.nodes[child].path != spec.path {
                continue; // the duplicate, already reported
            }
            for parent in &spec.parents {
                match graph.index.get(parent) {
                    Some(&p) if p == child => problems.push(Problem::SelfParent {
                        id: spec.id.clone(),
                        path: spec.path.clone().unwrap_or_default(),
                    }),
                    Some(&p) => {
                        graph.nodes[child].parents.push(p);
                        graph.nodes[p].children.push(child);
                    }
                    None if spec.path.is_some() => problems.push(Problem::UnknownParent {
                        id: spec.id.clone(),
                        parent: parent.clone(),
                        path: spec.path.clone().unwrap_or_default(),
                    }),
                    None => {}
                }
            }
        }
        // Unknown parents are simply missing edges, so cycles among the rest are still found.
        if let Err(cycle) = graph.compute_order() {
            problems.push(cycle);
        }
        if problems.is_empty() {
            Ok(graph)
        } else {
            Err(problems)
        }
    }

    /// Kahn's algorithm with a min-heap on ids, so the order is deterministic.
    fn compute_order(&mut self) -> Result<(), Problem> {
        let mut waiting: Vec<usize> = self.nodes.iter().map(|n| n.parents.len()).collect();
        let mut ready: BinaryHeap<Reverse<(&RevisionId, usize)>> = self
            .nodes
            .iter()
            .enumerate()
            .filter(|(i, _)| waiting[*i] == 0)
            .map(|(i, n)| Reverse((&n.id, i)))
            .collect();
        let mut order = Vec::with_capacity(self.nodes.len());
        while let Some(Reverse((_, i))) = ready.pop() {
            order.push(i);
            for &c in &self.nodes[i].children {
                waiting[c] -= 1;
                if waiting[c] == 0 {
                    ready.push(Reverse((&self.nodes[c].id, c)));
                }
            }
        }
        if order.len() < self.nodes.len() {
            return Err(self.find_cycle(&waiting));
        }
        let mut position = vec![0; self.nodes.len()];
        for (pos, &i) in order.iter().enumerate() {
            position[i] = pos;
        }
        self.order = order;
        self.position = position;
        Ok(())
    }

    /// Walks parents from a node that never became ready until a node repeats.
    fn find_cycle(&self, waiting: &[usize]) -> Problem {
        let start = waiting.iter().position(|&w| w > 0).unwrap_or(0);
        let mut path = vec![start];
        let mut current = start;
        loop {
            let next = self.nodes[current]
                .parents
                .iter()
                .copied()
                .find(|&p| waiting[p] > 0)
                .unwrap_or(start);
            if let Some(at) = path.iter().position(|&p| p == next) {
                let members: Vec<usize> = path[at..].iter().rev().copied().collect();
                let mut ids: Vec<RevisionId> =
                    members.iter().map(|&i| self.nodes[i].id.clone()).collect();
                ids.push(ids[0].clone());
                let paths = members
                    .iter()
                    .filter_map(|&i| self.nodes[i].path.clone())
                    .collect();
                return Problem::Cycle { ids, paths };
            }
            path.push(next);
            current = next;
        }
    }

    /// Number of revisions.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True when there are no revisions.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The node at `index`.
    pub fn node(&self, index: usize) -> &Node {
        &self.nodes[index]
    }

    /// The index of revision `id`.
    pub fn find(&self, id: &RevisionId) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// Every node index, parents before children.
    pub fn topological(&self) -> &[usize] {
        &self.order
    }

    /// A node's place in the topological order.
    pub fn position(&self, index: usize) -> usize {
        self.position[index]
    }

    /// Revisions that nothing revises, in topological order.
    pub fn heads(&self) -> Vec<usize> {
        self.order
            .iter()
            .copied()
            .filter(|&i| self.nodes[i].children.is_empty())
            .collect()
    }

    /// Revisions with more than one child, in topological order.
    pub fn branch_points(&self) -> Vec<usize> {
        self.order
            .iter()
            .copied()
            .filter(|&i| self.nodes[i].children.len() > 1)
            .collect()
    }

    /// `targets` and everything they revise, directly or not.
    pub fn ancestors(&self, targets: &[usize]) -> BTreeSet<usize> {
        self.closure(targets, |n| &n.parents)
    }

    /// `targets` and everything that revises them, directly or not.
    pub fn descendants(&self, targets: &[usize]) -> BTreeSet<usize> {
        self.closure(targets, |n| &n.children)
    }

    fn closure(&self, start: &[usize], next: impl Fn(&Node) -> &Vec<usize>) -> BTreeSet<usize> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<usize> = start.to_vec();
        while let Some(i) = stack.pop() {
            if seen.insert(i) {
                stack.extend(next(&self.nodes[i]).iter().copied());
            }
        }
        seen
    }

    /// `set` in topological order.
    pub fn in_order(&self, set: &BTreeSet<usize>) -> Vec<usize> {
        let mut v: Vec<usize> = set.iter().copied().collect();
        v.sort_by_key(|&i| self.position[i]);
        v
    }

    /// Finds an exact id or a unique prefix of one.
    pub fn find_prefix(&self, text: &str) -> Result<usize, PlanError> {
        if let Ok(id) = RevisionId::parse(text)
            && let Some(i) = self.find(&id)
        {
            return Ok(i);
        }
        let mut candidates: Vec<usize> = self
            .order
            .iter()
            .copied()
            .filter(|&i| self.nodes[i].id.as_str().starts_with(text))
            .collect();
        match candidates.len() {
            0 => Err(PlanError::UnknownRevision(text.to_owned())),
            1 => Ok(candidates[0]),
            _ => {
                candidates.sort_by(|a, b| self.nodes[*a].id.cmp(&self.nodes[*b].id));
                Err(PlanError::Ambiguous {
                    prefix: text.to_owned(),
                    candidates: candidates
                        .iter()
                        .map(|&i| self.nodes[i].id.clone())
                        .collect(),
                })
            }
        }
    }

    /// The ids of `indices`.
    pub fn ids(&self, indices: &[usize]) -> Vec<RevisionId> {
        indices.iter().map(|&i| self.nodes[i].id.clone()).collect()
    }
}

/// Test helper: `graph(&[("a", &[]), ("b", &["a"])])`.
#[cfg(test)]
pub(crate) fn test_graph(spec: &[(&str, &[&str])]) -> RevisionGraph {
    let id = |s: &str| RevisionId::parse(s).expect("valid id");
    RevisionGraph::build(
        spec.iter()
            .map(|(name, parents)| NodeSpec {
                id: id(name),
                parents: parents.iter().map(|p| id(p)).collect(),
                path: Some(PathBuf::from(format!("{name}_x.sql"))),
            })
            .collect(),
    )
    .expect("valid graph")
}

/// Test helper: the ids of `indices`, as strings to compare with literals.
#[cfg(test)]
pub(crate) fn test_names(g: &RevisionGraph, indices: &[usize]) -> Vec<String> {
    indices.iter().map(|&i| g.node(i).id.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use test_names as names;

    #[test]
    fn heads_bases_and_branch_points_of_a_merged_graph() {
        let g = test_graph(&[
            ("a", &[]),
            ("b", &["a"]),
            ("c", &["a"]),
            ("m", &["b", "c"]),
            ("d", &["m"]),
        ]);
        assert_eq!(names(&g, &g.heads()), vec!["d"]);
        assert_eq!(names(&g, &g.branch_points()), vec!["a"]);
        assert_eq!(names(&g, g.topological()), vec!["a", "b", "c", "m", "d"]);
        let b = g.find_prefix("b").expect("exists");
        assert_eq!(
            names(&g, &g.in_order(&g.descendants(&[b]))),
            vec!["b", "m", "d"]
        );
    }

    #[test]
    fn reports_unknown_parents_duplicates_and_cycles() {
        let id = |s: &str| RevisionId::parse(s).expect("valid");
        let spec = |n: &str, p: &[&str], f: &str| NodeSpec {
            id: id(n),
            parents: p.iter().map(|x| id(x)).collect(),
            path: Some(PathBuf::from(f)),
        };
        let problems =
            RevisionGraph::build(vec![spec("a", &["zz"], "a.sql"), spec("a", &[], "a2.sql")])
                .expect_err("invalid");
        assert!(matches!(
            &problems[..],
            [
                Problem::DuplicateRevision { .. },
                Problem::UnknownParent { .. }
            ]
        ));
        let problems = RevisionGraph::build(vec![
            spec("r", &[], "r.sql"),
            spec("a", &["c", "r"], "a.sql"),
            spec("b", &["a"], "b.sql"),
            spec("c", &["b"], "c.sql"),
        ])
        .expect_err("cycle");
        let [Problem::Cycle { ids, .. }] = &problems[..] else {
            panic!("{problems:?}")
        };
        assert_eq!(ids.len(), 4);
        assert_eq!(ids.first(), ids.last());
    }

    #[test]
    fn prefixes_resolve_when_unique_and_list_candidates_when_not() {
        let g = test_graph(&[("0001", &[]), ("0002", &["0001"]), ("0010", &["0002"])]);
        assert_eq!(
            g.node(g.find_prefix("0002").expect("exact")).id.as_str(),
            "0002"
        );
        assert_eq!(
            g.node(g.find_prefix("001").expect("unique")).id.as_str(),
            "0010"
        );
        assert!(
            matches!(g.find_prefix("000"), Err(PlanError::Ambiguous { candidates, .. }) if candidates.len() == 2)
        );
        assert!(matches!(
            g.find_prefix("9"),
            Err(PlanError::UnknownRevision(_))
        ));
    }
}
