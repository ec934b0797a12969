//! `history --graph` and `history --format dot`: the revision graph as text lanes the way
//! `git log --graph` draws commits, and as Graphviz. PURE: the caller gives the revisions in
//! display order (newest first) with their labels; no colour, only ASCII, so the drawing reads
//! the same in a terminal, a pipe and a CI log.
//!
//! The lanes: each column waits for one revision. A node takes the column that waits for it
//! (or a free one, for a head), then hands the column to its first parent; each further parent
//! (a merge) gets a new column to the right. When several columns wait for the same revision
//! (a branch point), the extra ones fold into the leftmost just before it is drawn. Freed
//! columns stay as gaps and are reused, so other lanes never shift sideways; a lane that must
//! travel more than one column does so along `_`, as git does.

use std::collections::HashSet;

use super::RevisionGraph;

/// One revision to draw.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Its node index.
    pub index: usize,
    /// The database records it: drawn `*`, else `o`.
    pub applied: bool,
    /// The text beside the node.
    pub label: String,
}

/// The lines of the drawing, one node or connector row each, `entries` in the order given
/// (which must list children before parents). Edges to revisions not in `entries` are left out.
pub fn lanes(graph: &RevisionGraph, entries: &[Entry]) -> Vec<String> {
    let shown: HashSet<usize> = entries.iter().map(|e| e.index).collect();
    let mut canvas = Canvas::default();
    for entry in entries {
        let parents: Vec<usize> = graph
            .node(entry.index)
            .parents
            .iter()
            .copied()
            .filter(|p| shown.contains(p))
            .collect();
        canvas.node(entry, &parents);
    }
    canvas.lines
}

/// The columns and the lines drawn so far.
#[derive(Default)]
struct Canvas {
    /// What each column waits for; `None` is a gap.
    slots: Vec<Option<usize>>,
    lines: Vec<String>,
}

impl Canvas {
    fn node(&mut self, entry: &Entry, parents: &[usize]) {
        let waiting: Vec<usize> = (0..self.slots.len())
            .filter(|&k| self.slots[k] == Some(entry.index))
            .collect();
        let col = match waiting.first() {
            Some(&first) => {
                for &extra in &waiting[1..] {
                    self.fold_left(extra, first);
                }
                first
            }
            None => self.free_slot(0),
        };
        self.trim();
        let mut row = self.row();
        row[2 * col] = if entry.applied { b'*' } else { b'o' };
        let graph = finish(row);
        let width = (2 * self.slots.len()).saturating_sub(1);
        self.lines.push(
            format!("{graph:<width$} {}", entry.label)
                .trim_end()
                .to_owned(),
        );
        self.slots[col] = parents.first().copied();
        for &parent in parents.iter().skip(1) {
            let to = self.free_slot(col + 1);
            self.branch_right(col, to);
            self.slots[to] = Some(parent);
        }
        self.trim();
    }

    /// Drops the gaps on the right, so the labels sit close to the lanes still open.
    fn trim(&mut self) {
        while self.slots.last() == Some(&None) {
            self.slots.pop();
        }
    }

    /// The first gap at or after `from` (a new column when there is none), reserved.
    fn free_slot(&mut self, from: usize) -> usize {
        let k = (from..self.slots.len())
            .find(|&k| self.slots[k].is_none())
            .unwrap_or_else(|| {
                self.slots.resize(from.max(self.slots.len()) + 1, None);
                self.slots.len() - 1
            });
        // A placeholder until the caller stores what it waits for; never matched by a node.
        self.slots[k] = Some(usize::MAX);
        k
    }

    /// The column `from` joins `to` (to its left): `/`, or `_` then `/` when it is further.
    fn fold_left(&mut self, from: usize, to: usize) {
        self.slots[from] = None;
        let mut row = self.row();
        if from > to + 1 {
            underline(&mut row, 2 * to + 3, 2 * from - 1);
            row[2 * from - 1] = b'/';
            self.lines.push(finish(row));
            row = self.row();
        }
        row[2 * to + 1] = b'/';
        self.lines.push(finish(row));
    }

    /// A merge's further parent leaves column `from` for the new column `to` on its right.
    fn branch_right(&mut self, from: usize, to: usize) {
        let mut row = self.row();
        row[2 * to] = b' ';
        row[2 * from + 1] = b'\\';
        if to > from + 1 {
            underline(&mut row, 2 * from + 3, 2 * to - 1);
            self.lines.push(finish(row));
            row = self.row();
            row[2 * to] = b' ';
            row[2 * to - 1] = b'\\';
        }
        self.lines.push(finish(row));
    }

    /// A connector row: `|` in every column that waits for something.
    fn row(&self) -> Vec<u8> {
        let mut row = vec![b' '; 2 * self.slots.len() + 1];
        for (k, slot) in self.slots.iter().enumerate() {
            if slot.is_some() {
                row[2 * k] = b'|';
            }
        }
        row
    }
}

/// The `_` a lane travels along, from `start` up to `end` (exclusive): between columns, and
/// through the gaps, never over a column still open.
fn underline(row: &mut [u8], start: usize, end: usize) {
    for cell in &mut row[start..end] {
        if *cell == b' ' {
            *cell = b'_';
        }
    }
}

fn finish(row: Vec<u8>) -> String {
    // Only ASCII bytes are ever written.
    String::from_utf8_lossy(&row).trim_end().to_owned()
}

/// The graph in Graphviz's language: one node per entry (labelled, heads boxed, applied ones
/// filled), one edge from each revision to each parent shown.
pub fn dot(graph: &RevisionGraph, entries: &[Entry]) -> String {
    let shown: HashSet<usize> = entries.iter().map(|e| e.index).collect();
    let mut out = String::from(
        "digraph revisions {\n  rankdir=BT;\n  node [shape=ellipse, fontname=\"monospace\"];\n",
    );
    for entry in entries {
        let node = graph.node(entry.index);
        let mut attrs = vec![format!("label={}", quote(&entry.label))];
        if node.children.iter().all(|c| !shown.contains(c)) {
            attrs.push("shape=box".into());
        }
        if entry.applied {
            attrs.push("style=filled, fillcolor=\"#d0e8d0\"".into());
        }
        out.push_str(&format!(
            "  {} [{}];\n",
            quote(node.id.as_str()),
            attrs.join(", ")
        ));
    }
    for entry in entries {
        let node = graph.node(entry.index);
        for &p in node.parents.iter().filter(|p| shown.contains(p)) {
            out.push_str(&format!(
                "  {} -> {};\n",
                quote(node.id.as_str()),
                quote(graph.node(p).id.as_str())
            ));
        }
    }
    out.push_str("}\n");
    out
}

/// A Graphviz string literal; a line break becomes Graphviz's `\n`.
fn quote(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    format!("\"{escaped}\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{NodeSpec, test_graph};
    use crate::source::RevisionId;
    use std::collections::{BTreeSet, HashMap};
    use std::path::PathBuf;

    /// Every revision newest first, labelled with its id, applied when listed in `applied`.
    fn entries(g: &RevisionGraph, applied: &[&str]) -> Vec<Entry> {
        let mut order = g.topological().to_vec();
        order.reverse();
        order
            .into_iter()
            .map(|i| Entry {
                index: i,
                applied: applied.contains(&g.node(i).id.as_str()),
                label: format!("<{}>", g.node(i).id),
            })
            .collect()
    }

    fn drawn(g: &RevisionGraph, applied: &[&str]) -> String {
        let text = lanes(g, &entries(g, applied)).join("\n") + "\n";
        text.replace(['<', '>'], "")
    }

    #[test]
    fn a_linear_history_is_one_lane() {
        let g = test_graph(&[("0001", &[]), ("0002", &["0001"]), ("0003", &["0002"])]);
        assert_eq!(drawn(&g, &["0001"]), "o 0003\no 0002\n* 0001\n");
    }

    #[test]
    fn a_branched_history_folds_into_its_branch_point() {
        let g = test_graph(&[("0001", &[]), ("0002a", &["0001"]), ("0002b", &["0001"])]);
        let expected = "\
o 0002b
| o 0002a
|/
* 0001
";
        assert_eq!(drawn(&g, &["0001"]), expected);
    }

    #[test]
    fn a_merge_opens_a_lane_for_its_second_parent() {
        let g = test_graph(&[
            ("0001", &[]),
            ("0002a", &["0001"]),
            ("0002b", &["0001"]),
            ("0003", &["0002a", "0002b"]),
            ("0004", &["0003"]),
        ]);
        let expected = "\
o 0004
o 0003
|\\
| * 0002b
* | 0002a
|/
* 0001
";
        assert_eq!(drawn(&g, &["0001", "0002a", "0002b"]), expected);
    }

    #[test]
    fn far_lanes_travel_along_underscores() {
        // Three branches from r; m merges the outer two, so its second lane passes over b's.
        let g = test_graph(&[
            ("r", &[]),
            ("a", &["r"]),
            ("b", &["r"]),
            ("c", &["r"]),
            ("m", &["a", "c"]),
            ("n", &["b"]),
        ]);
        let text = drawn(&g, &[]);
        // c's lane (column 2) folds into r's (column 0) after a's has.
        let expected = "\
o n
| o m
| |\\
| | o c
o | | b
| o | a
|/  |
|  /
|/
o r
";
        assert_eq!(text, expected, "{text}");
        check_every_edge_is_drawn(&g, &entries(&g, &[]));
    }

    #[test]
    fn a_selection_leaves_out_edges_to_hidden_revisions() {
        let g = test_graph(&[("a", &[]), ("b", &["a"]), ("c", &["b"])]);
        let shown: Vec<Entry> = entries(&g, &[])
            .into_iter()
            .filter(|e| g.node(e.index).id.as_str() != "a")
            .collect();
        assert_eq!(lanes(&g, &shown).join("\n"), "o <c>\no <b>");
    }

    #[test]
    fn dot_has_a_node_per_revision_and_an_edge_per_parent() {
        let g = test_graph(&[("a", &[]), ("b", &["a"]), ("c", &["a"]), ("m", &["b", "c"])]);
        let text = dot(&g, &entries(&g, &["a"]));
        assert!(text.starts_with("digraph revisions {\n"), "{text}");
        assert!(text.ends_with("}\n"), "{text}");
        for line in [
            "  \"m\" [label=\"<m>\", shape=box];",
            "  \"a\" [label=\"<a>\", style=filled, fillcolor=\"#d0e8d0\"];",
            "  \"m\" -> \"b\";",
            "  \"m\" -> \"c\";",
            "  \"b\" -> \"a\";",
            "  \"c\" -> \"a\";",
        ] {
            assert!(text.lines().any(|l| l == line), "{line}\n{text}");
        }
        assert_eq!(quote("say \"hi\""), "\"say \\\"hi\\\"\"");
        assert_eq!(quote("0001\nadd users"), "\"0001\\nadd users\"");
    }

    /// A long history with `merges` merges, as teams make them: a trunk, short side branches
    /// (at most three open at once, now and then one off another) merged back into it.
    pub(super) fn long_history(revisions: usize, merges: usize) -> RevisionGraph {
        let id = |n: usize| RevisionId::parse(&format!("{n:04}")).expect("id");
        let mut specs: Vec<NodeSpec> = Vec::new();
        let mut open: Vec<usize> = Vec::new(); // tips of side branches
        let mut trunk = 0;
        let mut merged = 0;
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % 1000) as usize
        };
        specs.push(NodeSpec {
            id: id(0),
            parents: Vec::new(),
            path: Some(PathBuf::from("0000.sql")),
        });
        for n in 1..revisions {
            let roll = next() % 10;
            let parents = if roll < 2 && open.len() < 3 && merged + open.len() < merges {
                let from = match (roll, open.is_empty()) {
                    (0, false) => open[next() % open.len()],
                    _ => trunk,
                };
                open.push(n);
                vec![from]
            } else if roll < 4 && !open.is_empty() {
                let side = open.remove(next() % open.len());
                merged += 1;
                let p = vec![trunk, side];
                trunk = n;
                p
            } else if roll < 6 && !open.is_empty() {
                let k = next() % open.len();
                let tip = open[k];
                open[k] = n;
                vec![tip]
            } else {
                let p = vec![trunk];
                trunk = n;
                p
            };
            specs.push(NodeSpec {
                id: id(n),
                parents: parents.into_iter().map(id).collect(),
                path: Some(PathBuf::from(format!("{n:04}.sql"))),
            });
        }
        RevisionGraph::build(specs).expect("valid generated graph")
    }

    /// Follows the drawing down from each node and checks that every parent is reached.
    fn check_every_edge_is_drawn(g: &RevisionGraph, shown: &[Entry]) {
        let lines = lanes(g, shown);
        let grid: Vec<Vec<u8>> = lines
            .iter()
            .map(|l| {
                // The graph part ends at the label, `<id>` in these tests.
                let end = l.find('<').unwrap_or(l.len());
                l.as_bytes()[..end].to_vec()
            })
            .collect();
        let mut at: HashMap<(usize, usize), usize> = HashMap::new();
        for (r, line) in lines.iter().enumerate() {
            let Some(label) = line
                .split_once('<')
                .and_then(|(_, rest)| rest.strip_suffix('>'))
            else {
                continue;
            };
            let x = grid[r]
                .iter()
                .position(|&c| c == b'*' || c == b'o')
                .expect("node row has a node");
            let i = g
                .find(&RevisionId::parse(label).expect("label is an id"))
                .expect("known id");
            assert!(at.insert((r, x), i).is_none());
        }
        let mut seen: Vec<usize> = at.values().copied().collect();
        seen.sort_unstable();
        let mut expected: Vec<usize> = shown.iter().map(|e| e.index).collect();
        expected.sort_unstable();
        assert_eq!(seen, expected, "every revision appears exactly once");
        let cell = |r: usize, x: isize| -> u8 {
            if x < 0 {
                return b' ';
            }
            grid.get(r)
                .and_then(|row| row.get(x as usize))
                .copied()
                .unwrap_or(b' ')
        };
        let is_lane = |c: u8| matches!(c, b'|' | b'*' | b'o');
        for (&(r0, x0), &child) in &at {
            let mut reached = BTreeSet::new();
            let mut stack = vec![(r0, x0 as isize)];
            let mut visited = HashSet::new();
            while let Some((r, x)) = stack.pop() {
                if !visited.insert((r, x)) {
                    continue;
                }
                let c = cell(r, x);
                if (r, x) != (r0, x0 as isize) && matches!(c, b'*' | b'o') {
                    reached.insert(at[&(r, x as usize)]);
                    continue;
                }
                let mut go = |r: usize, x: isize, ok: &dyn Fn(u8) -> bool| {
                    if ok(cell(r, x)) {
                        stack.push((r, x));
                    }
                };
                match c {
                    b'|' | b'*' | b'o' => {
                        go(r + 1, x, &is_lane);
                        go(r + 1, x - 1, &|c| c == b'/');
                        go(r + 1, x + 1, &|c| c == b'\\');
                    }
                    b'/' => {
                        go(r + 1, x - 1, &|c| is_lane(c) || c == b'/');
                        go(r + 1, x - 2, &|c| c == b'/');
                        go(r, x - 2, &|c| c == b'_');
                    }
                    b'\\' => {
                        go(r + 1, x + 1, &|c| is_lane(c) || c == b'\\');
                        go(r + 1, x + 2, &|c| c == b'\\');
                        go(r, x + 2, &|c| c == b'_');
                    }
                    b'_' => {
                        go(r, x - 2, &|c| c == b'_');
                        go(r + 1, x - 2, &|c| c == b'/');
                        go(r, x + 2, &|c| c == b'_');
                        go(r + 1, x + 2, &|c| c == b'\\');
                    }
                    _ => {}
                }
            }
            for &p in &g.node(child).parents {
                assert!(
                    reached.contains(&p),
                    "edge {} -> {} not drawn:\n{}",
                    g.node(child).id,
                    g.node(p).id,
                    lines.join("\n")
                );
            }
        }
    }

    #[test]
    fn a_long_history_with_merges_draws_every_revision_once_and_every_edge() {
        let g = long_history(320, 30);
        let merges = (0..g.len())
            .filter(|&i| g.node(i).parents.len() > 1)
            .count();
        assert_eq!(merges, 30, "the generator makes the merges asked for");
        let shown = entries(&g, &[]);
        check_every_edge_is_drawn(&g, &shown);
        let widest = lanes(&g, &shown)
            .iter()
            .map(|l| l.find('<').unwrap_or(l.len()))
            .max()
            .unwrap_or(0);
        let heads = g.heads().len();
        // Readable: no wider than two columns per open branch plus a few.
        assert!(
            widest <= 2 * (heads + 8),
            "{widest} columns for {heads} heads"
        );
    }

    #[test]
    fn the_fixtures_shapes_and_generated_ones_keep_every_edge() {
        for seed_size in [5, 20, 60, 150] {
            let g = long_history(seed_size, seed_size / 10);
            check_every_edge_is_drawn(&g, &entries(&g, &[]));
        }
    }
}
