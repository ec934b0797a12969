//! `new` (alias `revision`) and `merge`: scaffold a revision file from the template.

use std::path::PathBuf;

use crate::cli::Context;
use crate::error::{Error, PlanError, ScaffoldError};
use crate::output::Format;
use crate::scaffold::{self, NewRevision, UtcTime};
use crate::source::{RevisionId, template};
use crate::state::State;

#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// What the revision does, e.g. "add email_verified to users"; also names the file.
    #[arg(short, long, value_name = "MSG")]
    pub(super) message: String,
    /// The revision the new one revises, when there are several heads.
    #[arg(long, value_name = "REV")]
    head: Option<String>,
    /// Mark both sections `transaction:false` (for `CREATE INDEX CONCURRENTLY` and the like).
    #[arg(long)]
    no_transaction: bool,
    /// Allow `--head` to name a revision that is not a head, starting a new branch there.
    #[arg(long, requires = "head")]
    splice: bool,
    /// Write the SQL too: the difference between the head (built in a scratch database) and the
    /// `schema` file (executed in another). Review every `-- REVIEW:` line before applying.
    #[arg(long, conflicts_with = "no_transaction")]
    pub(crate) autogenerate: bool,
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// What the merge joins, e.g. "merge tags and cards branches".
    #[arg(short, long, value_name = "MSG")]
    message: String,
    /// The revisions to merge (usually the heads), or `heads` for all of them.
    #[arg(required = true, num_args = 1.., value_name = "REV")]
    revisions: Vec<String>,
}

pub fn exec(ctx: &Context, args: &NewArgs) -> Result<(), Error> {
    let state = ctx.offline_state()?;
    let parents = parents(&state, args)?;
    write(
        ctx,
        &state,
        state.graph.ids(&parents),
        &args.message,
        args.no_transaction,
    )
}

/// The revisions a new revision revises: `--head`, else the single head.
pub(super) fn parents(state: &State, args: &NewArgs) -> Result<Vec<usize>, Error> {
    let graph = &state.graph;
    Ok(match &args.head {
        Some(rev) => {
            let parent = graph.find_prefix(rev)?;
            if !args.splice && !graph.node(parent).children.is_empty() {
                return Err(PlanError::NotAHead(graph.node(parent).id.clone()).into());
            }
            vec![parent]
        }
        None => {
            let heads = graph.heads();
            if heads.len() > 1 {
                return Err(PlanError::NewNeedsHead {
                    heads: graph.ids(&heads),
                }
                .into());
            }
            heads
        }
    })
}

pub fn merge(ctx: &Context, args: &MergeArgs) -> Result<(), Error> {
    let state = ctx.offline_state()?;
    let graph = &state.graph;
    let mut parents: Vec<usize> = Vec::new();
    for rev in &args.revisions {
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
    write(ctx, &state, graph.ids(&parents), &args.message, false)
}

fn write(
    ctx: &Context,
    state: &State,
    parents: Vec<RevisionId>,
    message: &str,
    no_transaction: bool,
) -> Result<(), Error> {
    let now = UtcTime::now();
    let revision = NewRevision {
        id: scaffold::next_id(&state.graph, ctx.config.revision_style.value, now),
        parents,
        message: message.trim().to_owned(),
        created: now,
        no_transaction,
    };
    let (template_text, template_path) = template_for(ctx)?;
    let text = revision.render(&template_text, &template_path)?;
    let path = scaffold::write_revision(&state.dir, &revision.file_name()?, &text)?;
    ctx.shell.status(
        "Created",
        format_args!("revision {} ({})", revision.id, revision.message),
    );
    if ctx.format == Format::Json {
        ctx.shell.json(&serde_json::json!({
            "revision": revision.id,
            "parents": revision.parents,
            "message": revision.message,
            "file": path.display().to_string(),
        }));
    } else {
        ctx.shell.out(&format!("{}\n", path.display()));
    }
    Ok(())
}

/// The `template` setting, else `revision.sql.tmpl` in the migrations folder, else the built-in one.
fn template_for(ctx: &Context) -> Result<(String, PathBuf), Error> {
    let configured = ctx.config.template.as_ref().map(|t| t.value.clone());
    let in_folder = ctx.config.migrations.value.join(super::init::TEMPLATE_FILE);
    let path = configured.or_else(|| in_folder.is_file().then_some(in_folder));
    match path {
        Some(path) => {
            let text = std::fs::read_to_string(&path).map_err(|e| ScaffoldError::Template {
                path: path.clone(),
                reason: format!("cannot be read: {e}"),
            })?;
            Ok((text, path))
        }
        None => Ok((
            template::BUILT_IN.to_owned(),
            PathBuf::from("<built-in template>"),
        )),
    }
}
