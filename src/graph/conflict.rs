//! Several heads, explained in words: which branches diverge from where, so `new` and `check`
//! can say "two people each added a revision on `0001`" and offer both fixes (`merge`, or
//! `renumber` one branch onto the other). PURE.

use super::RevisionGraph;

/// One line of development that ends in a head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branch {
    /// Its head.
    pub head: usize,
    /// Its first revision that no other head has: what `renumber` moves.
    pub first: usize,
    /// Where it leaves the shared history (empty when it shares none).
    pub fork: Vec<usize>,
    /// How many revisions only this head has.
    pub len: usize,
}

/// The branch of each head, in the order of [`RevisionGraph::heads`].
pub fn branches(graph: &RevisionGraph) -> Vec<Branch> {
    let heads = graph.heads();
    heads
        .iter()
        .map(|&head| {
            let others: Vec<usize> = heads.iter().copied().filter(|&h| h != head).collect();
            let shared = graph.ancestors(&others);
            let mut own = graph.ancestors(&[head]);
            own.retain(|i| !shared.contains(i));
            let ordered = graph.in_order(&own);
            let first = ordered.first().copied().unwrap_or(head);
            let fork = graph
                .node(first)
                .parents
                .iter()
                .copied()
                .filter(|p| !own.contains(p))
                .collect();
            Branch {
                head,
                first,
                fork,
                len: own.len(),
            }
        })
        .collect()
}

/// "`0002a` (1 revision after `0001`) and `0002b` (2 revisions after `0001`) are both heads:
/// each was added without the other, as when two people each run `new` on the same parent".
pub fn explain(graph: &RevisionGraph) -> String {
    let branches = branches(graph);
    let name = |i: usize| format!("`{}`", graph.node(i).id);
    let parts: Vec<String> = branches
        .iter()
        .map(|b| {
            let fork = match b.fork.as_slice() {
                [] => "from the base".to_owned(),
                fork => format!(
                    "after {}",
                    fork.iter().map(|&i| name(i)).collect::<Vec<_>>().join(", ")
                ),
            };
            let s = if b.len == 1 { "" } else { "s" };
            format!("{} ({} revision{s} {fork})", name(b.head), b.len)
        })
        .collect();
    let list = match parts.as_slice() {
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => String::new(),
    };
    let all = if parts.len() == 2 { "both" } else { "all" };
    format!(
        "{list} are {all} heads: each branch was added without the others, as when two people each run `new` on the same revision"
    )
}

/// The two fixes, with the commands to run: merge the heads, or move one branch after another.
pub fn fixes(graph: &RevisionGraph) -> String {
    let branches = branches(graph);
    let movable = branches
        .last()
        .map(|b| graph.node(b.first).id.to_string())
        .unwrap_or_default();
    format!(
        "join them with `cargo brainmig merge -m \"merge heads\" heads`, or put one branch after the other with `cargo brainmig renumber {movable}` (it rewrites that branch's `revises:`, and with sequence ids its ids and file names; only while it is applied nowhere)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{test_graph, test_names};

    #[test]
    fn two_heads_on_one_parent_are_explained_with_both_fixes() {
        let g = test_graph(&[
            ("0001", &[]),
            ("0002", &["0001"]),
            ("0003", &["0001"]),
            ("0004", &["0003"]),
        ]);
        let b = branches(&g);
        assert_eq!(b.len(), 2);
        assert_eq!(test_names(&g, &[b[0].head, b[0].first]), ["0002", "0002"]);
        assert_eq!(test_names(&g, &[b[1].head, b[1].first]), ["0004", "0003"]);
        assert_eq!(test_names(&g, &b[1].fork), ["0001"]);
        assert_eq!(b[1].len, 2);
        assert_eq!(
            explain(&g),
            "`0002` (1 revision after `0001`) and `0004` (2 revisions after `0001`) are both heads: each branch was added without the others, as when two people each run `new` on the same revision"
        );
        assert!(
            fixes(&g).contains("`cargo brainmig renumber 0003`"),
            "{}",
            fixes(&g)
        );
        assert!(fixes(&g).contains("merge -m"), "{}", fixes(&g));
    }

    #[test]
    fn separate_roots_fork_from_the_base() {
        let g = test_graph(&[("a", &[]), ("b", &[])]);
        assert!(
            explain(&g).contains("`a` (1 revision from the base)"),
            "{}",
            explain(&g)
        );
    }
}
