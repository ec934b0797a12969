//! How `history --graph` and `history --format dot` look: the labels beside each node (id, tags,
//! message), handed to the pure drawing in `graph::draw`.

use super::RevisionView;
use crate::graph::draw::{self, Entry};
use crate::state::State;

/// The drawing of `order` (newest first): lanes for people, or Graphviz.
pub fn history_graph(state: &State, order: &[usize], dot: bool) -> String {
    let heads = state.graph.heads();
    let entries: Vec<Entry> = order
        .iter()
        .map(|&i| {
            let view = RevisionView::new(state, i, &heads);
            Entry {
                index: i,
                applied: view.applied,
                label: if dot {
                    format!("{}\n{}", view.revision, view.message)
                } else {
                    lane_label(&view)
                },
            }
        })
        .collect();
    if dot {
        draw::dot(&state.graph, &entries)
    } else {
        let mut text = draw::lanes(&state.graph, &entries).join("\n");
        text.push('\n');
        text
    }
}

/// `0004 (head) (merge) add reviews`: the revision line of `history` without the parents, which
/// the lanes show.
fn lane_label(view: &RevisionView) -> String {
    format!("{} {}", view.title(), view.message)
}
