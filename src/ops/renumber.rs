//! `renumber REV`: puts one branch after another instead of merging them. REV is the first
//! revision of the branch to move; it and everything that descends from it move onto the other
//! head (or `--onto`): REV's `revises:` names that head, and with sequence ids the branch gets
//! the next free numbers, in order, with its files renamed and its own `revises:` lines
//! rewritten. Only for revisions applied nowhere known: the caller checks the database.
//!
//! Works on the files, not the built graph, because the usual case (two files `0002`) does not
//! build one.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, LoadError, PlanError};
use crate::graph::{NodeSpec, RevisionGraph};
use crate::source::{RevisionFile, RevisionId};

/// One file `renumber` rewrites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Move {
    /// The file now.
    pub file: PathBuf,
    /// Its id now.
    pub revision: RevisionId,
    /// Its id after (the same with non-sequence ids).
    pub new_revision: RevisionId,
    /// Its file after.
    pub new_file: PathBuf,
    /// Its `revises:` after.
    pub revises: Vec<RevisionId>,
}

fn refuse(reason: impl Into<String>) -> Error {
    PlanError::CannotRenumber(reason.into()).into()
}

/// The moves that put the branch starting at `start` (an id, unique prefix or file path) after
/// `onto` (default: the single head outside the branch). PURE.
pub fn plan(files: &[RevisionFile], start: &str, onto: Option<&str>) -> Result<Vec<Move>, Error> {
    let first = find_start(files, start)?;
    let start_file = &files[first];
    if start_file.parents.len() > 1 {
        return Err(refuse(format!(
            "`{}` is a merge; renumber the branch before it, or merge instead",
            start_file.id
        )));
    }
    // Files revising a duplicated id could belong to either file: moving them would be a guess.
    let twins: Vec<&RevisionFile> = files
        .iter()
        .enumerate()
        .filter(|(i, f)| *i != first && f.id == start_file.id)
        .map(|(_, f)| f)
        .collect();
    if !twins.is_empty() {
        let revisers: Vec<String> = files
            .iter()
            .filter(|f| f.parents.contains(&start_file.id))
            .map(|f| format!("`{}`", f.path.display()))
            .collect();
        if !revisers.is_empty() {
            return Err(refuse(format!(
                "two files define `{}` and {} revise{} it, so which of them follow `{}` cannot be told; edit them by hand",
                start_file.id,
                revisers.join(", "),
                if revisers.len() == 1 { "s" } else { "" },
                start_file.path.display()
            )));
        }
    }
    let branch = branch_from(files, first);
    let onto = find_onto(files, &branch, onto)?;
    let order = in_order(files, &branch);
    let renumbered = new_ids(files, &branch, &order);
    let new_id = |id: &RevisionId| {
        order
            .iter()
            .position(|&i| &files[i].id == id)
            .map(|k| renumbered[k].clone())
            .unwrap_or_else(|| id.clone())
    };
    let moves: Vec<Move> = order
        .iter()
        .zip(&renumbered)
        .map(|(&i, id)| {
            let file = &files[i];
            let revises = if i == first {
                vec![files[onto].id.clone()]
            } else {
                file.parents.iter().map(new_id).collect()
            };
            Move {
                file: file.path.clone(),
                revision: file.id.clone(),
                new_revision: id.clone(),
                new_file: renamed(&file.path, &file.id, id),
                revises,
            }
        })
        .collect();
    check_result(files, &branch, &moves)?;
    Ok(moves)
}

/// The file `start` names: a path, or an id or unique prefix defined by exactly one file.
fn find_start(files: &[RevisionFile], start: &str) -> Result<usize, Error> {
    if start.ends_with(".sql") {
        let wanted = Path::new(start);
        let found: Vec<usize> = (0..files.len())
            .filter(|&i| files[i].path == wanted || files[i].path.ends_with(wanted))
            .collect();
        return match found.as_slice() {
            [one] => Ok(*one),
            _ => Err(refuse(format!("no single revision file is `{start}`"))),
        };
    }
    let exact: Vec<usize> = (0..files.len())
        .filter(|&i| files[i].id.as_str() == start)
        .collect();
    let found = if exact.is_empty() {
        (0..files.len())
            .filter(|&i| files[i].id.as_str().starts_with(start))
            .collect()
    } else {
        exact
    };
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(PlanError::UnknownRevision(start.to_owned()).into()),
        several => Err(refuse(format!(
            "{} files match `{start}` ({}); name the one to move by its path",
            several.len(),
            several
                .iter()
                .map(|&i| format!("`{}`", files[i].path.display()))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// `first` and every file that descends from it. When `first`'s id is shared, nothing revises
/// it (checked by the caller), so the walk cannot pick up the twin's children.
fn branch_from(files: &[RevisionFile], first: usize) -> BTreeSet<usize> {
    let mut branch = BTreeSet::from([first]);
    loop {
        let ids: BTreeSet<&RevisionId> = branch.iter().map(|&i| &files[i].id).collect();
        let more: Vec<usize> = (0..files.len())
            .filter(|i| !branch.contains(i))
            .filter(|&i| files[i].parents.iter().any(|p| ids.contains(p)))
            .collect();
        if more.is_empty() {
            return branch;
        }
        branch.extend(more);
    }
}

/// `onto` (id or unique prefix outside the branch), else the single head outside it.
fn find_onto(
    files: &[RevisionFile],
    branch: &BTreeSet<usize>,
    onto: Option<&str>,
) -> Result<usize, Error> {
    let outside: Vec<usize> = (0..files.len()).filter(|i| !branch.contains(i)).collect();
    if let Some(text) = onto {
        let found: Vec<usize> = outside
            .iter()
            .copied()
            .filter(|&i| files[i].id.as_str() == text)
            .collect();
        let found = if found.is_empty() {
            outside
                .iter()
                .copied()
                .filter(|&i| files[i].id.as_str().starts_with(text))
                .collect()
        } else {
            found
        };
        return match found.as_slice() {
            [one] => Ok(*one),
            [] => Err(refuse(format!(
                "`--onto {text}` names no revision outside the branch being moved"
            ))),
            _ => Err(PlanError::Ambiguous {
                prefix: text.to_owned(),
                candidates: found.iter().map(|&i| files[i].id.clone()).collect(),
            }
            .into()),
        };
    }
    let heads: Vec<usize> = outside
        .iter()
        .copied()
        .filter(|&i| {
            !outside
                .iter()
                .any(|&c| files[c].parents.contains(&files[i].id))
        })
        .collect();
    match heads.as_slice() {
        [one] => Ok(*one),
        [] => Err(refuse("there is no other branch to move it onto")),
        several => Err(refuse(format!(
            "there are {} other heads ({}); say which with `--onto`",
            several.len(),
            several
                .iter()
                .map(|&i| format!("`{}`", files[i].id))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The branch, parents first (ties by id, then path).
fn in_order(files: &[RevisionFile], branch: &BTreeSet<usize>) -> Vec<usize> {
    let mut placed: Vec<usize> = Vec::new();
    let mut left: Vec<usize> = branch.iter().copied().collect();
    left.sort_by(|&a, &b| (&files[a].id, &files[a].path).cmp(&(&files[b].id, &files[b].path)));
    while !left.is_empty() {
        let ready = left
            .iter()
            .position(|&i| {
                files[i].parents.iter().all(|p| {
                    !left
                        .iter()
                        .any(|&j| j != i && &files[j].id == p && branch.contains(&j))
                })
            })
            .unwrap_or(0);
        placed.push(left.remove(ready));
    }
    placed
}

/// With sequence ids (all digits), the next free numbers after every id outside the branch,
/// in order and at the same width; other ids stay.
fn new_ids(files: &[RevisionFile], branch: &BTreeSet<usize>, order: &[usize]) -> Vec<RevisionId> {
    let numeric = |id: &RevisionId| {
        let s = id.as_str();
        !s.is_empty() && s.len() < 19 && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !order.iter().all(|&i| numeric(&files[i].id)) {
        return order.iter().map(|&i| files[i].id.clone()).collect();
    }
    let width = files[order[0]].id.as_str().len();
    let mut next = (0..files.len())
        .filter(|i| !branch.contains(i))
        .filter(|&i| numeric(&files[i].id))
        .filter_map(|i| files[i].id.as_str().parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    order
        .iter()
        .map(|&i| {
            next += 1;
            RevisionId::parse(&format!("{next:0width$}")).unwrap_or_else(|_| files[i].id.clone())
        })
        .collect()
}

/// `migrations/0002_add_cards.sql` as `0003` → `migrations/0003_add_cards.sql`.
fn renamed(path: &Path, old: &RevisionId, new: &RevisionId) -> PathBuf {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    match name.strip_prefix(old.as_str()) {
        Some(rest) if old != new => path.with_file_name(format!("{new}{rest}")),
        _ => path.to_owned(),
    }
}

/// The folder after the moves must build a graph: one id per file, parents known, no cycle.
fn check_result(
    files: &[RevisionFile],
    branch: &BTreeSet<usize>,
    moves: &[Move],
) -> Result<(), Error> {
    let mut specs: Vec<NodeSpec> = (0..files.len())
        .filter(|i| !branch.contains(i))
        .map(|i| NodeSpec {
            id: files[i].id.clone(),
            parents: files[i].parents.clone(),
            path: Some(files[i].path.clone()),
        })
        .collect();
    specs.extend(moves.iter().map(|m| NodeSpec {
        id: m.new_revision.clone(),
        parents: m.revises.clone(),
        path: Some(m.new_file.clone()),
    }));
    RevisionGraph::build(specs).map(|_| ()).map_err(|problems| {
        refuse(format!(
            "the result would not load: {}",
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ))
    })
}

/// Refuses moves of revisions the database records: renaming or re-parenting them would strand
/// its rows. When two files share the id, the checksum tells which of them it applied.
pub fn refuse_applied(
    moves: &[Move],
    files: &[RevisionFile],
    rows: &[crate::db::AppliedRow],
) -> Result<(), Error> {
    let applied: Vec<String> = moves
        .iter()
        .filter(|m| {
            let twins = files.iter().filter(|f| f.id == m.revision).count() > 1;
            files.iter().any(|f| {
                f.path == m.file
                    && rows
                        .iter()
                        .any(|r| r.row.revision == f.id && (!twins || r.row.checksum == f.checksum))
            })
        })
        .map(|m| format!("`{}`", m.revision))
        .collect();
    if applied.is_empty() {
        return Ok(());
    }
    Err(refuse(format!(
        "the configured database has applied {} of that branch; move the other branch instead, or merge",
        applied.join(", ")
    )))
}

/// Rewrites the files: every new text is made before anything is written, new names may not
/// take an existing file's place, and the old files are removed only once the new ones exist.
pub fn apply(moves: &[Move]) -> Result<(), Error> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| LoadError::Io { path, source }
    };
    let mut texts = Vec::with_capacity(moves.len());
    for m in moves {
        let text = std::fs::read_to_string(&m.file).map_err(io(&m.file))?;
        texts.push(rewrite_headers(&text, &m.new_revision, &m.revises));
    }
    for m in moves {
        if m.new_file != m.file
            && m.new_file.exists()
            && !moves.iter().any(|o| o.file == m.new_file)
        {
            return Err(refuse(format!("`{}` already exists", m.new_file.display())));
        }
    }
    // Write beside first, so no step can leave a revision missing.
    for (m, text) in moves.iter().zip(&texts) {
        let staged = staged(&m.new_file);
        std::fs::write(&staged, text).map_err(io(&staged))?;
    }
    for m in moves {
        std::fs::remove_file(&m.file).map_err(io(&m.file))?;
    }
    for m in moves {
        std::fs::rename(staged(&m.new_file), &m.new_file).map_err(io(&m.new_file))?;
    }
    Ok(())
}

fn staged(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".renumbering");
    path.with_file_name(name)
}

/// The header lines `-- revision:` and `-- revises:` replaced; everything else kept byte for byte
/// (the checksum covers the up section only, so an applied twin elsewhere is unaffected).
pub(crate) fn rewrite_headers(text: &str, id: &RevisionId, revises: &[RevisionId]) -> String {
    let revises = revises
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let (mut id_done, mut revises_done) = (false, false);
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let ending = &line[body.len()..];
        let header = body.trim_start().strip_prefix("--").map(str::trim_start);
        match header {
            Some(h) if !id_done && h.starts_with("revision:") => {
                id_done = true;
                out.push_str(&format!("-- revision: {id}{ending}"));
            }
            Some(h) if !revises_done && h.starts_with("revises:") => {
                revises_done = true;
                out.push_str(&format!("-- revises: {revises}{ending}"));
            }
            _ => out.push_str(line),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, id: &str, parents: &[&str]) -> RevisionFile {
        let text = format!(
            "-- revision: {id}\n-- revises: {}\n-- message: m\n\n-- migrate:up\nSELECT 1;\n",
            parents.join(", ")
        );
        crate::source::parse(Path::new(path), text.as_bytes()).expect("parses")
    }

    fn summary(moves: &[Move]) -> Vec<String> {
        moves
            .iter()
            .map(|m| {
                format!(
                    "{} -> {} {} revises {}",
                    m.revision,
                    m.new_revision,
                    m.new_file.display(),
                    m.revises
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(",")
                )
            })
            .collect()
    }

    #[test]
    fn a_duplicated_sequence_id_moves_after_the_other_head() {
        let files = [
            file("m/0001_a.sql", "0001", &[]),
            file("m/0002_tags.sql", "0002", &["0001"]),
            file("m/0002_cards.sql", "0002", &["0001"]),
        ];
        assert!(
            plan(&files, "0002", None).is_err(),
            "two files: a path is needed"
        );
        let moves = plan(&files, "m/0002_cards.sql", None).expect("plans");
        assert_eq!(
            summary(&moves),
            ["0002 -> 0003 m/0003_cards.sql revises 0002"]
        );
    }

    #[test]
    fn a_branch_of_several_sequence_ids_is_renumbered_in_order() {
        let files = [
            file("m/0001_a.sql", "0001", &[]),
            file("m/0002_b.sql", "0002", &["0001"]),
            file("m/0003_c.sql", "0003", &["0002"]),
            file("m/0004_x.sql", "0004", &["0001"]),
            file("m/0005_y.sql", "0005", &["0004"]),
        ];
        let moves = plan(&files, "0004", None).expect("plans");
        assert_eq!(
            summary(&moves),
            [
                "0004 -> 0004 m/0004_x.sql revises 0003",
                "0005 -> 0005 m/0005_y.sql revises 0004",
            ]
        );
        let moves = plan(&files, "0002", Some("0005")).expect("plans");
        assert_eq!(
            summary(&moves),
            [
                "0002 -> 0006 m/0006_b.sql revises 0005",
                "0003 -> 0007 m/0007_c.sql revises 0006",
            ]
        );
    }

    #[test]
    fn hex_ids_keep_their_ids_and_only_the_first_revises_changes() {
        let files = [
            file("m/aa_a.sql", "aa", &[]),
            file("m/bb_b.sql", "bb", &["aa"]),
            file("m/cc_c.sql", "cc", &["aa"]),
            file("m/dd_d.sql", "dd", &["cc"]),
        ];
        let moves = plan(&files, "cc", None).expect("plans");
        assert_eq!(
            summary(&moves),
            [
                "cc -> cc m/cc_c.sql revises bb",
                "dd -> dd m/dd_d.sql revises cc"
            ]
        );
    }

    #[test]
    fn guesses_are_refused() {
        let files = [
            file("m/0001_a.sql", "0001", &[]),
            file("m/0002_tags.sql", "0002", &["0001"]),
            file("m/0002_cards.sql", "0002", &["0001"]),
            file("m/0003_more.sql", "0003", &["0002"]),
        ];
        let err = plan(&files, "m/0002_cards.sql", None).expect_err("ambiguous reviser");
        assert!(err.to_string().contains("0003_more.sql"), "{err}");
        let three = [
            file("m/0001_a.sql", "0001", &[]),
            file("m/0002_a.sql", "0002", &["0001"]),
            file("m/0003_b.sql", "0003", &["0001"]),
            file("m/0004_c.sql", "0004", &["0001"]),
        ];
        let err = plan(&three, "0004", None).expect_err("two other heads");
        assert!(err.to_string().contains("--onto"), "{err}");
        assert!(plan(&three, "0004", Some("0003")).is_ok());
        assert!(
            plan(&three, "0001", None).is_err(),
            "nothing outside the branch"
        );
    }

    #[test]
    fn headers_are_rewritten_and_the_rest_kept() {
        let text = "-- revision: 0002\r\n-- revises: 0001\r\n-- message: m\r\n\r\n-- migrate:up\r\n-- revises: not a header\r\nSELECT 1;\r\n";
        let id = RevisionId::parse("0003").expect("id");
        let parent = RevisionId::parse("0002").expect("id");
        assert_eq!(
            rewrite_headers(text, &id, &[parent]),
            "-- revision: 0003\r\n-- revises: 0002\r\n-- message: m\r\n\r\n-- migrate:up\r\n-- revises: not a header\r\nSELECT 1;\r\n"
        );
    }
}
