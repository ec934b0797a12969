//! `new --autogenerate`, `check` and `diff`: build states in scratch databases, snapshot them and
//! let [`crate::autogen`] say what differs. Every scratch database is dropped before the command
//! returns, on failure and on Ctrl-C too; the configured database is only ever read (by `diff`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::new::NewArgs;
use crate::autogen::{self, Migration};
use crate::cli::Context;
use crate::config::DatabaseUrl;
use crate::db::Connection;
use crate::db::scratch::Scratch;
use crate::error::{ConfigError, Error, LoadError, PlanError};
use crate::executor::{self, Progress};
use crate::output::Format;
use crate::plan::Direction;
use crate::scaffold::{self, UtcTime};
use crate::schema::{self, Schema};
use crate::source::RevisionId;
use crate::state::{PlannedStep, State};

/// Executor progress that shows nothing: scratch builds are reported as a whole.
struct Silent;

impl Progress for Silent {
    fn start(&mut self, _: &PlannedStep, _: usize, _: usize) {}
    fn finish(&mut self, _: &PlannedStep, _: Duration) {}
    fn done(&mut self) {}
}

/// `new --autogenerate -m MSG`.
pub async fn new(ctx: &Context, args: &NewArgs) -> Result<(), Error> {
    let state = ctx.offline_state()?;
    let parents = super::new::parents(&state, args)?;
    let (schema_path, schema_sql) = schema_file(ctx)?;
    let url = ctx.database_url()?;
    let order = state.graph.in_order(&state.graph.ancestors(&parents));
    let head = build_migrated(ctx, &url, &state, &order, None).await?;
    let desired = build_from_file(ctx, &url, &schema_path, &schema_sql).await?;
    let dialect = ctx.dialect()?;
    let mut migration = autogen::generate(&head, &desired, dialect);
    if !migration.up.is_empty() {
        // The down section undoes what the up section really does, which is less than the whole
        // difference when part of it could not be generated: plan it from the state the up
        // section reaches, built for real, rather than from the schema file.
        let up_sql = migration.section_sql(&migration.up);
        let reached = build_migrated(ctx, &url, &state, &order, Some(&up_sql)).await?;
        migration.down = autogen::generate(&reached, &head, dialect).up;
    }
    report_notes(ctx, &migration);
    if migration.is_empty() {
        ctx.shell.status(
            "Unchanged",
            format_args!(
                "`{}` matches the head; no revision written",
                schema_path.display()
            ),
        );
        ctx.shell.json(&serde_json::json!({
            "revision": null,
            "file": null,
            "unchanged": true,
            "notes": migration.notes,
        }));
        return Ok(());
    }
    if migration.up.is_empty() || migration.down.is_empty() {
        // A section without statements would not load; what could not be generated was listed.
        return Err(Error::NothingGenerated);
    }
    let now = UtcTime::now();
    let id = scaffold::next_id(&state.graph, ctx.config.revision_style.value, now);
    let revision = scaffold::NewRevision {
        id: id.clone(),
        parents: state.graph.ids(&parents),
        message: args.message.trim().to_owned(),
        created: now,
        no_transaction: false,
    };
    let text = revision_text(&revision, &migration, &schema_path);
    let name = revision.file_name()?;
    // A generated file that would not load is a bug here, not something to find at `up`.
    crate::source::parse(Path::new(&name), text.as_bytes()).map_err(|e| LoadError::Problems {
        dir: state.dir.clone(),
        problems: vec![e.into()],
    })?;
    let path = scaffold::write_revision(&state.dir, &name, &text)?;
    ctx.shell.status(
        "Generated",
        format_args!(
            "revision {id} ({}): {} statement(s) up, {} down",
            revision.message,
            migration.up.len(),
            migration.down.len()
        ),
    );
    report_reviews(ctx, &migration, &path);
    if ctx.format == Format::Json {
        let reviews: Vec<serde_json::Value> = migration
            .reviews()
            .map(|(section, s)| serde_json::json!({ "section": section, "sql": s.sql, "review": s.review }))
            .collect();
        ctx.shell.json(&serde_json::json!({
            "revision": id,
            "parents": revision.parents,
            "message": revision.message,
            "file": path.display().to_string(),
            "unchanged": false,
            "up_statements": migration.up.len(),
            "down_statements": migration.down.len(),
            "reviews": reviews,
            "unsupported": migration.unsupported,
            "notes": migration.notes,
        }));
    } else {
        ctx.shell.out(&format!("{}\n", path.display()));
    }
    Ok(())
}

/// `check`: the revisions load, there is one head, and the schema file is what they build.
pub async fn check(ctx: &Context) -> Result<(), Error> {
    let state = ctx.offline_state()?;
    let heads = state.graph.heads();
    if heads.len() > 1 {
        return Err(Error::Drift {
            message: format!(
                "multiple heads are present: {}",
                ids(&state.graph.ids(&heads))
            ),
            hint: "merge them first: `cargo brainmig merge -m \"merge heads\" heads`".into(),
        });
    }
    let (schema_path, schema_sql) = schema_file(ctx)?;
    let url = ctx.database_url()?;
    let order = state.graph.in_order(&state.graph.ancestors(&heads));
    let head = build_migrated(ctx, &url, &state, &order, None).await?;
    let desired = build_from_file(ctx, &url, &schema_path, &schema_sql).await?;
    let migration = autogen::generate(&head, &desired, ctx.dialect()?);
    report_notes(ctx, &migration);
    if migration.is_empty() {
        ctx.shell.status(
            "Checked",
            format_args!(
                "{} revision(s), one head; `{}` matches what they build",
                order.len(),
                schema_path.display()
            ),
        );
        ctx.shell.json(&serde_json::json!({
            "revisions": order.len(),
            "schema": schema_path.display().to_string(),
            "differences": [],
            "unsupported": migration.unsupported,
            "notes": migration.notes,
            "sql": [],
        }));
        return Ok(());
    }
    let differences: Vec<String> = schema::diff(&desired, &head)
        .iter()
        .map(ToString::to_string)
        .collect();
    print_differences(
        ctx,
        &format!(
            "`{}` (expected) and what the migrations build (found) differ:",
            schema_path.display()
        ),
        &differences,
        &migration,
    );
    Err(Error::Drift {
        message: format!(
            "the migrations do not build `{}`: {} difference(s)",
            schema_path.display(),
            differences.len().max(1)
        ),
        hint: "run `cargo brainmig new --autogenerate -m \"...\"` to write the missing revision, or fix the schema file".into(),
    })
}

/// `diff`: the live database against what its recorded revisions build. Read-only.
pub async fn drift(ctx: &Context) -> Result<(), Error> {
    let state = ctx.read_state().await?;
    let missing = state.missing_files();
    if !missing.is_empty() {
        return Err(PlanError::MissingFiles {
            ids: state.graph.ids(&missing),
        }
        .into());
    }
    let url = ctx.database_url()?;
    let live = match Connection::open_existing(&url).await? {
        Some(mut conn) => {
            let snapshot = schema::snapshot(&mut conn, &ctx.config.version_table.value).await;
            conn.close().await;
            snapshot?
        }
        None => Schema::default(),
    };
    let order = state.graph.in_order(&state.applied.revisions);
    let expected = build_migrated(ctx, &url, &state, &order, None).await?;
    let migration = autogen::generate(&live, &expected, ctx.dialect()?);
    report_notes(ctx, &migration);
    if migration.is_empty() {
        ctx.shell.status(
            "Checked",
            format_args!(
                "no drift: the database is what its {} recorded revision(s) build",
                order.len()
            ),
        );
        ctx.shell.json(&serde_json::json!({
            "revisions": order.len(),
            "differences": [],
            "unsupported": migration.unsupported,
            "notes": migration.notes,
            "sql": [],
        }));
        return Ok(());
    }
    let differences: Vec<String> = schema::diff(&expected, &live)
        .iter()
        .map(drift_wording)
        .collect();
    print_differences(
        ctx,
        "the recorded revisions (expected) and the database (found) differ:",
        &differences,
        &migration,
    );
    Err(Error::Drift {
        message: format!(
            "the database has drifted from its recorded revisions: {} difference(s)",
            differences.len().max(1)
        ),
        hint: "review the SQL above and run it, or capture the change in a revision and `stamp` it"
            .into(),
    })
}

/// A difference in `diff`'s words: "still present" would suggest a step that failed to remove
/// something, where `diff` finds what someone added by hand.
fn drift_wording(d: &schema::Difference) -> String {
    match d.change {
        schema::Change::Unexpected => format!(
            "{} is present in the database but not in the migrations",
            d.object
        ),
        schema::Change::Missing => format!(
            "{} is in the migrations but missing from the database",
            d.object
        ),
        _ => d.to_string(),
    }
}

/// The configured schema file and its text.
fn schema_file(ctx: &Context) -> Result<(PathBuf, String), Error> {
    let path = ctx
        .config
        .schema
        .as_ref()
        .map(|s| s.value.clone())
        .ok_or(ConfigError::NoSchemaFile)?;
    let text = std::fs::read_to_string(&path).map_err(|e| Error::SchemaFile {
        path: path.clone(),
        line: None,
        message: format!("cannot be read: {e}"),
    })?;
    Ok((path, text))
}

/// Runs `work` on a fresh scratch database, then drops it whatever happened.
async fn in_scratch<T>(
    ctx: &Context,
    url: &DatabaseUrl,
    work: impl AsyncFnOnce(&mut Connection) -> Result<T, Error>,
) -> Result<T, Error> {
    let scratch = Scratch::create(url).await?;
    ctx.shell.detail("Scratch", scratch.describe());
    let result = tokio::select! {
        result = async {
            let mut conn = Connection::open(&scratch.url()).await?;
            let result = work(&mut conn).await;
            conn.close().await;
            result
        } => result,
        _ = tokio::signal::ctrl_c() => Err(Error::Interrupted),
    };
    scratch.drop_now().await;
    result
}

/// The schema after applying the revisions `order` (node indices, parents first) to an empty
/// scratch database, and then `generated_up` if given (a generated up section, checked here to run).
async fn build_migrated(
    ctx: &Context,
    url: &DatabaseUrl,
    state: &State,
    order: &[usize],
    generated_up: Option<&str>,
) -> Result<Schema, Error> {
    let steps = state.steps(order, Direction::Up)?;
    let table = ctx.config.version_table.value.clone();
    in_scratch(ctx, url, async |conn: &mut Connection| {
        conn.ensure_version_table(&table).await?;
        executor::run(conn, &table, &steps, &mut Silent).await?;
        if let Some(sql) = generated_up
            && let Err(e) = conn.execute(sql).await
        {
            return Err(e
                .context("trying the generated up section on the head state")
                .into());
        }
        Ok(schema::snapshot(conn, &table).await?)
    })
    .await
}

/// The schema the declarative file describes, executed in an empty scratch database.
async fn build_from_file(
    ctx: &Context,
    url: &DatabaseUrl,
    path: &Path,
    sql: &str,
) -> Result<Schema, Error> {
    let table = ctx.config.version_table.value.clone();
    let sql = &*schema::file::without_pg_dump_commands(sql).map_err(|m| Error::SchemaFile {
        path: path.to_owned(),
        line: Some(m.line),
        message: format!(
            "the psql meta-command `{}` is not SQL: only pg_dump's `\\restrict` and `\\unrestrict` \
             lines are skipped; remove it",
            m.command
        ),
    })?;
    let postgres = matches!(url, DatabaseUrl::Postgres(_));
    in_scratch(ctx, url, async |conn: &mut Connection| {
        if let Err(e) = conn.execute(sql).await {
            let (message, offset) = e.statement_words();
            return Err(Error::SchemaFile {
                path: path.to_owned(),
                line: offset.map(|o| crate::source::line_of(sql, o)),
                message: message.message,
            });
        }
        // A pg_dump file empties `search_path` (and sets more): the snapshot must see the
        // session as the migrations' scratch database has it, or names come out qualified.
        if postgres && let Err(e) = conn.execute("RESET ALL").await {
            return Err(e
                .context("resetting the session after the schema file")
                .into());
        }
        Ok(schema::snapshot(conn, &table).await?)
    })
    .await
}

/// The revision file: headers, then both sections with their review lines.
fn revision_text(revision: &scaffold::NewRevision, m: &Migration, schema_path: &Path) -> String {
    let parents: Vec<&str> = revision.parents.iter().map(RevisionId::as_str).collect();
    format!(
        "-- revision: {}\n-- revises: {}\n-- message: {}\n-- created: {}\n\
         -- Generated by `cargo brainmig new --autogenerate` from `{}`.\n\
         -- Review it, above all each `-- REVIEW:` line, before applying it.\n\n\
         -- migrate:up\n{}-- migrate:down\n{}",
        revision.id,
        parents.join(", "),
        revision.message.replace(['\n', '\r'], " "),
        revision.created.header(),
        schema_path.display(),
        m.section_sql(&m.up),
        m.section_sql(&m.down),
    )
    .trim_end()
    .to_owned()
        + "\n"
}

fn report_notes(ctx: &Context, m: &Migration) {
    for note in &m.notes {
        ctx.shell.note(note);
    }
    for what in &m.unsupported {
        ctx.shell
            .warn(format_args!("brainmig cannot generate: {what}"));
    }
}

/// The statements to review, on stderr.
fn report_reviews(ctx: &Context, m: &Migration, path: &Path) {
    let reviews: Vec<_> = m.reviews().collect();
    if reviews.is_empty() {
        return;
    }
    ctx.shell.warn(format_args!(
        "{} statement(s) in `{}` need review before they run:",
        reviews.len(),
        path.display()
    ));
    for (section, s) in reviews {
        let first_line = s.sql.lines().next().unwrap_or_default();
        let why = s.review.as_deref().unwrap_or_default().replace('\n', "; ");
        ctx.shell
            .warn(format_args!("  [{section}] {first_line}\n      {why}"));
    }
}

/// The differences and the SQL, on stdout (or as one JSON document).
fn print_differences(ctx: &Context, heading: &str, differences: &[String], m: &Migration) {
    match ctx.format {
        Format::Json => ctx.shell.json(&serde_json::json!({
            "differences": differences,
            "unsupported": m.unsupported,
            "sql": m.up,
        })),
        Format::Text => {
            let mut text = format!("{heading}\n");
            for d in differences {
                text.push_str(&format!("  - {d}\n"));
            }
            text.push_str("\n-- SQL that would reconcile them:\n");
            text.push_str(&m.section_sql(&m.up));
            ctx.shell.out(&text);
        }
    }
}

fn ids(ids: &[RevisionId]) -> String {
    ids.iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
