//! `squash --to REV`: replaces the revisions from the base to REV with one baseline revision
//! whose up section builds the schema they build (generated as autogenerate does, from a
//! scratch database) and whose down section empties it again. The baseline says what it
//! replaces (`-- replaces: a, b, c`), so a database that applied them is at the baseline
//! ([`crate::ops::baseline`]). It proves itself before writing anything: the baseline builds the
//! same snapshot as the old revisions, and survives up, down, up in a scratch database.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::autogen;
use crate::config::RevisionStyle;
use crate::db::Dialect;
use crate::error::{Error, LoadError, PlanError};
use crate::graph::RevisionGraph;
use crate::graph::Target;
use crate::ops::autogen::Scratchpad;
use crate::ops::renumber::rewrite_headers;
use crate::ops::staging::Changes;
use crate::scaffold::NewRevision;
use crate::schema;
use crate::source::{RevisionFile, RevisionId};
use crate::state::State;

/// What to squash and what to do with the old files.
pub struct SquashOptions<'a> {
    /// REV: the last revision the baseline replaces.
    pub to: &'a str,
    /// The project's id style, for the baseline's id.
    pub style: RevisionStyle,
    /// Where the old files go; `None` deletes them.
    pub archive: Option<PathBuf>,
}

/// What `squash` wrote.
#[derive(Debug, Serialize)]
pub struct Squashed {
    /// The baseline's id.
    pub baseline: RevisionId,
    /// Its file.
    pub file: PathBuf,
    /// The revisions it replaces, parents first.
    pub replaces: Vec<RevisionId>,
    /// Where the old files went (`None`: deleted).
    pub archive: Option<PathBuf>,
    /// Files whose `revises:` now names the baseline.
    pub reparented: Vec<PathBuf>,
}

fn refuse(reason: impl Into<String>) -> Error {
    PlanError::CannotSquash(reason.into()).into()
}

/// Squashes base..`to` in `state`'s folder; see the module doc.
pub async fn squash(
    pad: &Scratchpad<'_>,
    state: &State,
    dialect: Dialect,
    options: &SquashOptions<'_>,
) -> Result<Squashed, Error> {
    let g = &state.graph;
    let rev = g.resolve_one(&options.to.parse::<Target>()?)?;
    let below = g.ancestors(&[rev]);
    let above = g.descendants(&[rev]);
    // Every revision must be before REV or after it: one beside it would lose its parent.
    let beside: Vec<usize> = g
        .topological()
        .iter()
        .copied()
        .filter(|i| !below.contains(i) && !above.contains(i))
        .collect();
    if !beside.is_empty() {
        return Err(refuse(format!(
            "{} neither {} nor descend{} from `{}`; squash to a revision every head descends from (a merge of the branches, say)",
            list(&g.ids(&beside)),
            if beside.len() == 1 {
                "leads to"
            } else {
                "lead to"
            },
            if beside.len() == 1 { "s" } else { "" },
            g.node(rev).id
        )));
    }
    let order = g.in_order(&below);
    if order.len() < 2 {
        return Err(refuse(format!(
            "`{}` is the only revision up to itself: nothing to squash",
            g.node(rev).id
        )));
    }
    if let Some(&i) = order.iter().find(|&&i| state.files[i].is_none()) {
        return Err(refuse(format!(
            "revision `{}` has no usable file; restore or fix it first",
            g.node(i).id
        )));
    }
    let mut replaces: Vec<RevisionId> = Vec::new();
    for &i in &order {
        if let Some(file) = &state.files[i] {
            // A baseline squashed again: the new one also stands for what the old one replaced.
            replaces.extend(file.replaces.iter().cloned());
            replaces.push(file.id.clone());
        }
    }

    let empty = pad.build_migrated(state, &[], None).await?;
    let built = pad.build_migrated(state, &order, None).await?;
    let migration = autogen::generate(&empty, &built, dialect);
    if !migration.unsupported.is_empty() {
        return Err(refuse(format!(
            "autogenerate cannot write all of the schema up to `{}`: {}",
            g.node(rev).id,
            migration.unsupported.join("; ")
        )));
    }
    if migration.up.is_empty() {
        return Err(refuse(format!(
            "the revisions up to `{}` build no schema: nothing for a baseline to build",
            g.node(rev).id
        )));
    }
    let up = migration.section_sql(&migration.up);
    let down = migration.section_sql(&migration.down);
    prove(pad, state, &built, &empty, &up, &down).await?;

    let revision = NewRevision::next(
        g,
        options.style,
        Vec::new(),
        &format!("baseline up to {}", g.node(rev).id),
        false,
    );
    let text = baseline_text(&revision, &replaces, &g.node(rev).id, &up, &down);
    let name = revision.file_name()?;
    crate::source::parse(Path::new(&name), text.as_bytes()).map_err(|e| LoadError::Problems {
        dir: state.dir.clone(),
        problems: vec![e.into()],
    })?;

    // Everything is known and checked: now the files, all of them or none.
    let file = state.dir.join(&name);
    let mut changes = Changes::default();
    changes.create(file.clone(), text);
    let mut reparented = Vec::new();
    for &child in above.iter().filter(|&&i| i != rev) {
        let Some(f) = &state.files[child] else {
            continue;
        };
        if let Some(text) = reparent(f, g, &below, &revision.id)? {
            changes.rewrite(f.path.clone(), text);
            reparented.push(f.path.clone());
        }
    }
    for f in order.iter().filter_map(|&i| state.files[i].as_ref()) {
        changes.remove(f.path.clone(), options.archive.as_deref());
    }
    changes.apply()?;
    Ok(Squashed {
        baseline: revision.id,
        file,
        replaces,
        archive: options.archive.clone(),
        reparented,
    })
}

/// `f`'s text with the revisions in `below` among its parents replaced by `baseline`; `None`
/// when none of its parents is replaced.
fn reparent(
    f: &RevisionFile,
    g: &RevisionGraph,
    below: &BTreeSet<usize>,
    baseline: &RevisionId,
) -> Result<Option<String>, Error> {
    let replaced = |p: &RevisionId| g.find(p).is_some_and(|p| below.contains(&p));
    if !f.parents.iter().any(replaced) {
        return Ok(None);
    }
    let mut parents: Vec<RevisionId> = Vec::new();
    for p in &f.parents {
        let named = if replaced(p) { baseline } else { p };
        if !parents.contains(named) {
            parents.push(named.clone());
        }
    }
    let old = std::fs::read_to_string(&f.path).map_err(|source| LoadError::Io {
        path: f.path.clone(),
        source,
    })?;
    Ok(Some(rewrite_headers(&old, &f.id, &parents)))
}

/// The proof before writing: the baseline's up section builds the very snapshot the old
/// revisions build, and up, down, up again in a scratch database gives that snapshot, then the
/// empty one, then that one again (what `test-roundtrip` checks of a revision).
async fn prove(
    pad: &Scratchpad<'_>,
    state: &State,
    built: &schema::Schema,
    empty: &schema::Schema,
    up: &str,
    down: &str,
) -> Result<(), Error> {
    let checks = [
        ("its up section", up.to_owned(), built),
        ("up then down", format!("{up}\n{down}"), empty),
        ("up, down, up", format!("{up}\n{down}\n{up}"), built),
    ];
    for (what, sql, expected) in checks {
        let found = pad.build_migrated(state, &[], Some(&sql)).await?;
        let differences = schema::diff(expected, &found);
        if !differences.is_empty() {
            return Err(refuse(format!(
                "the baseline failed its proof ({what} does not build the expected schema): {}; nothing was written",
                differences
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            )));
        }
    }
    Ok(())
}

/// The baseline file: headers (with `replaces`), then both sections.
fn baseline_text(
    revision: &NewRevision,
    replaces: &[RevisionId],
    to: &RevisionId,
    up: &str,
    down: &str,
) -> String {
    let replaced: Vec<&str> = replaces.iter().map(RevisionId::as_str).collect();
    format!(
        "-- revision: {}\n-- revises:\n-- message: {}\n-- created: {}\n-- replaces: {}\n\
         -- Written by `cargo brainmig squash --to {to}`: builds the schema of the {} revisions it\n\
         -- replaces; a database that applied them is at this revision.\n\n\
         -- migrate:up\n{up}-- migrate:down\n{down}",
        revision.id,
        revision.message,
        revision.created.header(),
        replaced.join(", "),
        replaces.len(),
    )
    .trim_end()
    .to_owned()
        + "\n"
}

fn list(ids: &[RevisionId]) -> String {
    ids.iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
