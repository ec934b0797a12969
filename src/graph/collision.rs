//! Two files claiming the same revision id: PURE. The usual cause is two git branches that each
//! ran `new` and got the same next sequence number; once merged, the folder holds two `0005`s.
//! This module only works out the fix to suggest (which file to rename to which free id, and
//! which headers to edit); the graph reports the collision itself.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::error::Problem;
use crate::source::RevisionId;

pub use super::fix::CollisionFix;

/// One file as the collision fix needs it.
#[derive(Debug, Clone)]
pub struct Claim<'a> {
    /// The file.
    pub path: &'a Path,
    /// The revision it defines.
    pub id: &'a RevisionId,
    /// Its `revises:` header.
    pub parents: &'a [RevisionId],
    /// True when the database records this very file (same id and checksum) as applied.
    pub applied: bool,
}

/// Fills in the fix of every [`Problem::DuplicateRevision`] in `problems`. `taken` holds every
/// id in use (files and version table), so the suggested ids are free and distinct.
pub fn suggest_fixes(problems: &mut [Problem], claims: &[Claim<'_>], taken: &[&RevisionId]) {
    let mut taken: BTreeSet<String> = taken.iter().map(|id| id.as_str().to_owned()).collect();
    for problem in problems {
        let Problem::DuplicateRevision {
            id,
            first,
            second,
            fix,
        } = problem
        else {
            continue;
        };
        let claim_of = |path: &Path| claims.iter().find(|c| c.path == path);
        let (Some(a), Some(b)) = (claim_of(first), claim_of(second)) else {
            continue;
        };
        // Rename the file the database does not know; the id of an applied one must stay.
        let (keep, rename) = if b.applied && !a.applied {
            (b, a)
        } else {
            (a, b)
        };
        let new_id = free_id(id, &taken);
        taken.insert(new_id.as_str().to_owned());
        let revisers = claims
            .iter()
            .filter(|c| c.parents.contains(id))
            .map(|c| c.path.to_owned())
            .collect();
        *fix = Some(Box::new(CollisionFix {
            kept_parents: keep.parents.to_vec(),
            rename: rename.path.to_owned(),
            rename_parents: rename.parents.to_vec(),
            to: renamed_path(rename.path, &new_id),
            new_id,
            revisers,
        }));
    }
}

/// The next free id after the largest numeric one (keeping the width), for sequence and
/// timestamp ids alike; `<id>-2`, `<id>-3`... for other ids.
fn free_id(id: &RevisionId, taken: &BTreeSet<String>) -> RevisionId {
    let numeric = |s: &str| !s.is_empty() && s.len() < 19 && s.bytes().all(|b| b.is_ascii_digit());
    let candidates: Box<dyn Iterator<Item = String>> = if numeric(id.as_str()) {
        let (max, width) = taken
            .iter()
            .filter(|s| numeric(s))
            .filter_map(|s| s.parse::<u64>().ok().map(|n| (n, s.len())))
            .fold((0, id.as_str().len()), |(m, w), (n, len)| {
                (m.max(n), w.max(len))
            });
        Box::new((max + 1..).map(move |n| format!("{n:0width$}")))
    } else {
        Box::new((2..).map(move |n| format!("{id}-{n}")))
    };
    candidates
        .filter(|c| !taken.contains(c))
        .find_map(|c| RevisionId::parse(&c).ok())
        .unwrap_or_else(|| id.clone())
}

/// `migrations/0005_add_tags.sql` with id `0006` → `migrations/0006_add_tags.sql`.
fn renamed_path(path: &Path, new_id: &RevisionId) -> PathBuf {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let rest = match name.split_once('_') {
        Some((_, rest)) => format!("_{rest}"),
        None => ".sql".to_owned(),
    };
    path.with_file_name(format!("{new_id}{rest}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> RevisionId {
        RevisionId::parse(s).expect("valid")
    }

    fn duplicate(name: &str, first: &str, second: &str) -> Problem {
        Problem::DuplicateRevision {
            id: id(name),
            first: first.into(),
            second: second.into(),
            fix: None,
        }
    }

    #[test]
    fn renames_the_unapplied_file_to_the_next_free_sequence_ids() {
        let after_0004 = [id("0004")];
        let after_0005 = [id("0005")];
        let ids = [id("0004"), id("0005"), id("0006")];
        let claim = |path, id, parents, applied| Claim {
            path: Path::new(path),
            id,
            parents,
            applied,
        };
        // Branch a: 0005, 0006; branch b: 0005 (applied here), 0006.
        let claims = [
            claim("m/0004_x.sql", &ids[0], &[][..], true),
            claim("m/0005_a.sql", &ids[1], &after_0004[..], false),
            claim("m/0005_b.sql", &ids[1], &after_0004[..], true),
            claim("m/0006_a.sql", &ids[2], &after_0005[..], false),
            claim("m/0006_b.sql", &ids[2], &after_0005[..], false),
        ];
        let mut problems = vec![
            duplicate("0005", "m/0005_a.sql", "m/0005_b.sql"),
            duplicate("0006", "m/0006_a.sql", "m/0006_b.sql"),
        ];
        suggest_fixes(&mut problems, &claims, &ids.iter().collect::<Vec<_>>());
        let fixes: Vec<(PathBuf, PathBuf, String, usize)> = problems
            .iter()
            .map(|p| match p {
                Problem::DuplicateRevision { fix: Some(f), .. } => (
                    f.rename.clone(),
                    f.to.clone(),
                    f.new_id.to_string(),
                    f.revisers.len(),
                ),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            fixes,
            vec![
                (
                    "m/0005_a.sql".into(),
                    "m/0007_a.sql".into(),
                    "0007".into(),
                    2
                ),
                (
                    "m/0006_b.sql".into(),
                    "m/0008_b.sql".into(),
                    "0008".into(),
                    0
                ),
            ]
        );
    }

    #[test]
    fn non_numeric_ids_get_a_suffix() {
        let taken = BTreeSet::from(["abc".to_owned(), "abc-2".to_owned()]);
        assert_eq!(free_id(&id("abc"), &taken).as_str(), "abc-3");
        assert_eq!(
            renamed_path(Path::new("m/abc.sql"), &id("abc-3")),
            PathBuf::from("m/abc-3.sql")
        );
    }
}
