//! Read-only commands: `current`, `history`, `heads`, `branches`, `show`.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::cli::Context;
use crate::error::{Error, PlanError};
use crate::graph::Target;
use crate::output::{Format, alert_style, id_style, tag_style};
use crate::state::{State, short};

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Only revisions in `FROM:TO` (either side may be empty; `current` is allowed).
    #[arg(short = 'r', long = "rev-range", value_name = "FROM:TO")]
    range: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The revision (id or unique prefix; `head` for the single head).
    #[arg(value_name = "REV")]
    revision: String,
}

fn verbose(ctx: &Context) -> bool {
    ctx.shell.verbosity() == crate::output::Verbosity::Verbose
}

/// Everything known about one revision, for text and JSON alike.
fn describe(state: &State, i: usize, heads: &[usize]) -> Value {
    let node = state.graph.node(i);
    let file = state.files[i].as_ref();
    let broken = state.broken[i].as_ref();
    let record = state.records[i].as_ref();
    json!({
        "revision": node.id,
        "parents": state.graph.ids(&node.parents),
        "message": state.message(i),
        "file": file.map(|f| &f.path).or(broken.map(|b| &b.path)).map(|p| p.display().to_string()),
        "created": file.and_then(|f| f.created.clone()),
        "head": heads.contains(&i),
        "base": node.parents.is_empty(),
        "applied": record.is_some(),
        "applied_at": record.map(|r| format!("{} UTC", r.applied_at)),
        "duration_ms": record.map(|r| r.duration_ms),
        "checksum": file.map(|f| f.checksum.clone()).or_else(|| record.map(|r| r.row.checksum.clone())),
        "checksum_changed": matches!((file, record), (Some(f), Some(r)) if f.checksum != r.row.checksum),
        "file_missing": file.is_none() && broken.is_none(),
        "file_broken": broken.map(|b| b.error.to_string()),
        "incomplete": record.and_then(|r| r.incomplete.clone()),
        "has_down": file.map_or_else(|| record.is_some_and(|r| r.row.down_sql.is_some()), |f| f.down.is_some()),
    })
}

/// One line of `history` and friends: `* 0004 <- 0003 (head) add full_name`.
fn line(state: &State, i: usize, heads: &[usize], verbose: bool) -> String {
    let node = state.graph.node(i);
    let mark = if state.applied.revisions.contains(&i) {
        "*"
    } else {
        " "
    };
    let parents: Vec<String> = node
        .parents
        .iter()
        .map(|&p| state.graph.node(p).id.to_string())
        .collect();
    let parents = if parents.is_empty() {
        "<base>".to_owned()
    } else {
        parents.join(", ")
    };
    let mut tags = Vec::new();
    if heads.contains(&i) {
        tags.push(tag_style("(head)"));
    }
    if node.children.len() > 1 {
        tags.push(tag_style("(branch point)"));
    }
    if node.parents.len() > 1 {
        tags.push(tag_style("(merge)"));
    }
    if state.broken[i].is_some() {
        tags.push(alert_style("(file broken)"));
    } else if state.files[i].is_none() {
        tags.push(alert_style("(file missing)"));
    }
    if let Some(progress) = state.records[i]
        .as_ref()
        .and_then(|r| r.incomplete.as_ref())
    {
        tags.push(alert_style(format!("(incomplete: {progress})")));
    }
    if matches!((&state.files[i], &state.records[i]), (Some(f), Some(r)) if f.checksum != r.row.checksum)
    {
        tags.push(alert_style("(changed since applied)"));
    }
    let tags = if tags.is_empty() {
        String::new()
    } else {
        format!(" {}", tags.join(" "))
    };
    let mut text = format!(
        "{mark} {parents} -> {}{tags}, {}\n",
        id_style(&node.id),
        state.message(i)
    );
    if verbose {
        let d = describe(state, i, heads);
        let field = |k: &str| d[k].as_str().map(str::to_owned);
        if let Some(file) = field("file") {
            text.push_str(&format!("      file:     {file}\n"));
        }
        if let Some(created) = field("created") {
            text.push_str(&format!("      created:  {created}\n"));
        }
        if let Some(at) = field("applied_at") {
            text.push_str(&format!("      applied:  {at} ({} ms)\n", d["duration_ms"]));
        }
        if let Some(sum) = field("checksum") {
            text.push_str(&format!("      checksum: {}\n", short(&sum)));
        }
    }
    text
}

fn emit(ctx: &Context, state: &State, key: &str, indices: &[usize], verbose: bool, empty: &str) {
    let heads = state.graph.heads();
    if ctx.format == Format::Json {
        let items: Vec<Value> = indices
            .iter()
            .map(|&i| describe(state, i, &heads))
            .collect();
        ctx.shell.json(&json!({ key: items }));
    } else if indices.is_empty() {
        ctx.shell.out(&format!("{empty}\n"));
    } else {
        let text: String = indices
            .iter()
            .map(|&i| line(state, i, &heads, verbose))
            .collect();
        ctx.shell.out(&text);
    }
}

pub async fn current(ctx: &Context) -> Result<(), Error> {
    let state = ctx.read_state().await?;
    let current = state.applied.current(&state.graph);
    emit(
        ctx,
        &state,
        "current",
        &current,
        verbose(ctx),
        "<base> (nothing applied)",
    );
    if let Some(note) = ctx.embedded_default_note(state.applied.revisions.is_empty()) {
        ctx.shell.note(note);
    }
    warn_about_state(ctx, &state);
    Ok(())
}

/// Notes on stderr that `current` and `history` add to their data.
fn warn_about_state(ctx: &Context, state: &State) {
    let missing = state.missing_files();
    if !missing.is_empty() {
        let ids: Vec<String> = state
            .graph
            .ids(&missing)
            .iter()
            .map(ToString::to_string)
            .collect();
        ctx.shell.warn(format_args!(
            "Revision not found: the database records {} with no file here; restore the file, `down` past it, or `stamp` a known revision",
            ids.join(", ")
        ));
    }
    for i in state.incomplete() {
        let progress = state.records[i]
            .as_ref()
            .and_then(|r| r.incomplete.clone())
            .unwrap_or_default();
        ctx.shell.warn(format_args!(
            "revision {} did not finish its `transaction:false` section ({progress}); `cargo brainmig up` explains what to do",
            state.graph.node(i).id
        ));
    }
    for i in state.checksum_mismatches() {
        ctx.shell.warn(format_args!(
            "revision {} changed since it was applied; review it and run `cargo brainmig rehash {}`",
            state.graph.node(i).id,
            state.graph.node(i).id
        ));
    }
    let pending = state.graph.len() - state.applied.revisions.len();
    if pending > 0 && missing.is_empty() {
        ctx.shell.note(format_args!(
            "Target database is not up to date: {pending} revision(s) pending; run `cargo brainmig up`"
        ));
    }
}

pub async fn history(ctx: &Context, args: &HistoryArgs) -> Result<(), Error> {
    let (state, database_read) = match ctx.read_state().await {
        Ok(state) => (state, true),
        Err(Error::Db(e)) => {
            ctx.shell.warn(format_args!(
                "cannot read the applied state ({e}); showing files only"
            ));
            (ctx.offline_state()?, false)
        }
        Err(e) => return Err(e),
    };
    let selected = match &args.range {
        Some(range) => range_of(&state, range)?,
        None => state.graph.topological().iter().copied().collect(),
    };
    let empty = if state.graph.is_empty() {
        "no revisions yet; create one with `cargo brainmig new -m \"...\"`"
    } else {
        "no revisions in that range"
    };
    let mut newest_first = state.graph.in_order(&selected);
    newest_first.reverse();
    emit(ctx, &state, "history", &newest_first, verbose(ctx), empty);
    // Without the database there is nothing to say about what it lacks.
    if ctx.format == Format::Text && database_read {
        warn_about_state(ctx, &state);
    }
    Ok(())
}

/// `FROM:TO`: revisions that descend from FROM (inclusive) and lead to TO (inclusive).
fn range_of(state: &State, range: &str) -> Result<BTreeSet<usize>, Error> {
    let (from, to) = range
        .split_once(':')
        .ok_or_else(|| PlanError::BadTarget(range.to_owned()))?;
    let g = &state.graph;
    let points = |text: &str, default: Vec<usize>| -> Result<Vec<usize>, Error> {
        Ok(match text {
            "" => default,
            "current" => state.applied.current(g),
            // A range may end at several heads: `head` reads as `heads` here.
            other => match other.parse::<Target>()? {
                Target::Head => g.heads(),
                target => g.resolve(&target)?,
            },
        })
    };
    let from_points = points(from, Vec::new())?;
    let to_points = points(to, g.heads())?;
    let mut set = g.ancestors(&to_points);
    // No starting point (``, `base`, or `current` with nothing applied) means from the base.
    if !from_points.is_empty() {
        let below = g.descendants(&from_points);
        set.retain(|i| below.contains(i));
    }
    Ok(set)
}

pub async fn heads(ctx: &Context) -> Result<(), Error> {
    let state = ctx.read_state().await?;
    let heads = state.graph.heads();
    emit(
        ctx,
        &state,
        "heads",
        &heads,
        verbose(ctx),
        "no revisions yet",
    );
    Ok(())
}

pub async fn branches(ctx: &Context) -> Result<(), Error> {
    let state = ctx.read_state().await?;
    let points = state.graph.branch_points();
    if ctx.format == Format::Json {
        let heads = state.graph.heads();
        let items: Vec<Value> = points
            .iter()
            .map(|&i| {
                let mut d = describe(&state, i, &heads);
                d["branches"] = json!(state.graph.ids(&state.graph.node(i).children));
                d
            })
            .collect();
        ctx.shell.json(&json!({ "branches": items }));
        return Ok(());
    }
    if points.is_empty() {
        ctx.shell.out("no branch points: the history is linear\n");
        return Ok(());
    }
    let heads = state.graph.heads();
    let mut text = String::new();
    for i in points {
        text.push_str(&line(&state, i, &heads, verbose(ctx)));
        for &child in &state.graph.node(i).children {
            text.push_str(&format!(
                "      -> {}, {}\n",
                id_style(&state.graph.node(child).id),
                state.message(child)
            ));
        }
    }
    ctx.shell.out(&text);
    Ok(())
}

pub async fn show(ctx: &Context, args: &ShowArgs) -> Result<(), Error> {
    let state = ctx.read_state().await?;
    let i = state.graph.resolve_one(&args.revision.parse::<Target>()?)?;
    let heads = state.graph.heads();
    let mut d = describe(&state, i, &heads);
    let (up, down) = match (&state.files[i], &state.records[i]) {
        (Some(f), _) => (
            Some(f.up.sql.clone()),
            f.down.as_ref().map(|s| s.sql.clone()),
        ),
        (None, Some(r)) => (None, r.row.down_sql.clone()),
        (None, None) => (None, None),
    };
    let no_up = match &state.broken[i] {
        Some(b) => format!("-- (the file is broken: {})\n", b.error),
        None => "-- (no file: the up section is not stored)\n".to_owned(),
    };
    if ctx.format == Format::Json {
        d["up_sql"] = json!(up);
        d["down_sql"] = json!(down);
        ctx.shell.json(&d);
        return Ok(());
    }
    // The verbose line already says when an applied revision was applied.
    let mut text = line(&state, i, &heads, true);
    if d["applied"] != json!(true) {
        text.push_str("      applied:  no\n");
    }
    text.push_str("\n-- migrate:up\n");
    text.push_str(up.as_deref().unwrap_or(&no_up));
    text.push_str("\n-- migrate:down\n");
    let no_down = if state.broken[i].is_some() {
        "-- (the file is broken: see the up section)\n"
    } else {
        "-- (none: this revision cannot be downgraded)\n"
    };
    text.push_str(down.as_deref().unwrap_or(no_down));
    ctx.shell.out(&text);
    Ok(())
}
