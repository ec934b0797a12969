//! `new` and `merge`: which revisions a new one revises (PURE rules) and writing it from the
//! template.

use std::path::{Path, PathBuf};

use crate::error::{Error, PlanError, ScaffoldError};
use crate::graph::RevisionGraph;
use crate::scaffold::{self, NewRevision};
use crate::source::template;

/// The project template's file name inside the migrations folder.
pub const TEMPLATE_FILE: &str = "revision.sql.tmpl";

/// The revisions a new revision revises: `head` (a head, or any revision with `splice`), else
/// the single head (none in an empty graph).
pub fn parents(
    graph: &RevisionGraph,
    head: Option<&str>,
    splice: bool,
) -> Result<Vec<usize>, Error> {
    let Some(rev) = head else {
        let heads = graph.heads();
        if heads.len() > 1 {
            return Err(PlanError::NewNeedsHead {
                heads: graph.ids(&heads),
                explained: crate::graph::conflict::explain(graph),
                fixes: crate::graph::conflict::fixes(graph),
            }
            .into());
        }
        return Ok(heads);
    };
    let parent = graph.find_prefix(rev)?;
    if !splice && !graph.node(parent).children.is_empty() {
        return Err(PlanError::NotAHead(graph.node(parent).id.clone()).into());
    }
    Ok(vec![parent])
}

/// The parents of a merge of `revisions` (ids, prefixes or `heads`), in topological order:
/// at least two, none an ancestor of another.
pub fn merge_parents(graph: &RevisionGraph, revisions: &[String]) -> Result<Vec<usize>, Error> {
    let mut parents: Vec<usize> = Vec::new();
    for rev in revisions {
        let found = if rev == "heads" {
            graph.heads()
        } else {
            vec![graph.find_prefix(rev)?]
        };
        for i in found {
            if !parents.contains(&i) {
                parents.push(i);
            }
        }
    }
    if parents.len() < 2 {
        return Err(PlanError::MergeTooFew {
            given: graph.ids(&parents),
        }
        .into());
    }
    // Merging a revision with its own ancestor joins nothing: the ancestor is already included.
    for &a in &parents {
        for &b in &parents {
            if a != b && graph.ancestors(&[b]).contains(&a) {
                return Err(PlanError::MergeOfAncestor {
                    ancestor: graph.node(a).id.clone(),
                    descendant: graph.node(b).id.clone(),
                }
                .into());
            }
        }
    }
    parents.sort_by_key(|&i| graph.position(i));
    Ok(parents)
}

/// Renders `revision` from the template and writes it into `dir`; returns the file.
pub fn write(
    revision: &NewRevision,
    dir: &Path,
    configured_template: Option<&Path>,
) -> Result<PathBuf, Error> {
    let (template_text, template_path) = template_for(dir, configured_template)?;
    let text = revision.render(&template_text, &template_path)?;
    Ok(scaffold::write_revision(
        dir,
        &revision.file_name()?,
        &text,
    )?)
}

/// The `template` setting, else `revision.sql.tmpl` in the migrations folder, else the built-in one.
fn template_for(dir: &Path, configured: Option<&Path>) -> Result<(String, PathBuf), Error> {
    let in_folder = dir.join(TEMPLATE_FILE);
    let path = configured
        .map(Path::to_owned)
        .or_else(|| in_folder.is_file().then_some(in_folder));
    let Some(path) = path else {
        let built_in = PathBuf::from("<built-in template>");
        return Ok((template::BUILT_IN.to_owned(), built_in));
    };
    let text = std::fs::read_to_string(&path).map_err(|e| ScaffoldError::Template {
        path: path.clone(),
        reason: format!("cannot be read: {e}"),
    })?;
    Ok((text, path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{test_graph, test_names as names};

    #[test]
    fn a_new_revision_revises_the_single_head_or_the_named_one() {
        let linear = test_graph(&[("a", &[]), ("b", &["a"])]);
        let branched = test_graph(&[("a", &[]), ("b", &["a"]), ("c", &["a"])]);
        assert_eq!(
            names(&linear, &parents(&linear, None, false).expect("head")),
            ["b"]
        );
        assert!(
            parents(&test_graph(&[]), None, false)
                .expect("empty")
                .is_empty()
        );
        assert!(matches!(
            parents(&branched, None, false),
            Err(Error::Plan(PlanError::NewNeedsHead { .. }))
        ));
        assert_eq!(
            names(
                &branched,
                &parents(&branched, Some("c"), false).expect("a head")
            ),
            ["c"]
        );
        assert!(matches!(
            parents(&linear, Some("a"), false),
            Err(Error::Plan(PlanError::NotAHead(_)))
        ));
        assert_eq!(
            names(&linear, &parents(&linear, Some("a"), true).expect("splice")),
            ["a"]
        );
    }

    #[test]
    fn a_merge_joins_two_or_more_unrelated_revisions_in_topological_order() {
        let g = test_graph(&[("a", &[]), ("b", &["a"]), ("c", &["a"])]);
        let revs = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            names(&g, &merge_parents(&g, &revs(&["c", "b"])).expect("ok")),
            ["b", "c"]
        );
        assert_eq!(
            names(&g, &merge_parents(&g, &revs(&["heads"])).expect("ok")),
            ["b", "c"]
        );
        assert!(matches!(
            merge_parents(&g, &revs(&["b", "b"])),
            Err(Error::Plan(PlanError::MergeTooFew { .. }))
        ));
        assert!(matches!(
            merge_parents(&g, &revs(&["a", "b"])),
            Err(Error::Plan(PlanError::MergeOfAncestor { .. }))
        ));
    }
}
