//! `import`: write brainmig revisions from another tool's migrations and, with a database
//! configured, take over its version table. The reading, writing and recording are in
//! [`crate::import`]; this module decides the order (read, plan, check, then write and record)
//! and says what happened.

use std::path::Path;
use std::time::Duration;

use crate::config::{Config, DatabaseUrl, UrlOrigin};
use crate::db::Connection;
use crate::error::Error;
use crate::import::{self, ImportError, PlannedFile, Reading, Tool, takeover, write};
use crate::ops::connect::waiting_for;
use crate::output::Shell;

/// What an import needs from the command line.
pub struct Importer<'a> {
    /// Where it reports.
    pub shell: &'a Shell,
    /// The resolved settings: the migrations folder, the version table, the database URL.
    pub config: &'a Config,
    /// `--lock-timeout`.
    pub lock_timeout: Option<Duration>,
    /// `--wait`: how long to retry connecting while the server is not up.
    pub wait: Option<Duration>,
}

impl Importer<'_> {
    /// The database URL (named with `-v`).
    fn database_url(&self) -> Result<DatabaseUrl, Error> {
        let (url, origin) = self.config.database_url()?;
        self.shell
            .detail("Database", format_args!("{url} (from {origin})"));
        Ok(url)
    }
}

/// Reads the tool's folder (`from`, else the tool's default location), checks everything, then
/// writes the files and, with a database configured, records the tool's applied migrations.
pub async fn import(
    ctx: &Importer<'_>,
    tool: Tool,
    from: Option<&Path>,
    dry_run: bool,
) -> Result<(), Error> {
    let from = write::relative(
        &from
            .map(Path::to_path_buf)
            .unwrap_or_else(|| ctx.config.base_dir.join(tool.default_dir())),
    );
    let into = ctx.config.migrations.value.clone();
    // A PostgreSQL server the import may create a scratch database on (Alembic revisions that
    // offline mode cannot render run there).
    let scratch_server = match ctx.config.database_url() {
        Ok((DatabaseUrl::Postgres(url), origin)) if origin != UrlOrigin::EmbeddedDefault => {
            Some(url)
        }
        _ => None,
    };
    let reading = tool.read_with_scratch(&from, scratch_server.as_deref())?;
    import::check_target(tool, &from, &into)?;
    let files = write::plan_as(&reading, &into, super::connect::lexicon(ctx.config))?;
    let conflicting = write::conflicting(&files);
    if !conflicting.is_empty() {
        return Err(ImportError::Exists { paths: conflicting }.into());
    }
    note_other_revisions(ctx, &into, &files);
    // Decided before writing, so the report says which files this run wrote.
    let kept: Vec<bool> = files.iter().map(write::already_written).collect();
    let (_, origin) = ctx.config.database_url()?;
    if origin == UrlOrigin::EmbeddedDefault {
        report_reading(ctx, &reading, &files);
        ctx.shell.note(format_args!(
            "no database configured, so no version table was taken over; to take one over, run the same command with the database the {tool} migrations ran on (files already written are kept)"
        ));
        write_files(ctx, &reading, &into, &files, dry_run)?;
        report_json(ctx, &reading, &files, &kept, None, dry_run);
        return Ok(());
    }
    connect_and_take_over(ctx, &reading, &files, &kept, dry_run).await
}

/// Connects (a dry run creates no SQLite file and takes no lock), then takes the database over.
async fn connect_and_take_over(
    ctx: &Importer<'_>,
    reading: &Reading,
    files: &[PlannedFile],
    kept: &[bool],
    dry_run: bool,
) -> Result<(), Error> {
    let url = ctx.database_url()?;
    let url = &url;
    let conn = waiting_for(ctx.shell, ctx.wait, move || async move {
        match dry_run {
            true => Connection::open_existing(url).await,
            false => Connection::open(url).await.map(Some),
        }
    })
    .await?;
    let Some(mut conn) = conn else {
        // A SQLite file that does not exist: nothing to take over, and a dry run creates nothing.
        report_reading(ctx, reading, files);
        write_files(ctx, reading, &ctx.config.migrations.value, files, dry_run)?;
        report_json(ctx, reading, files, kept, None, dry_run);
        return Ok(());
    };
    if !dry_run {
        lock(ctx, &mut conn).await?;
    }
    let result = take_over(ctx, &mut conn, reading, files, kept, dry_run).await;
    conn.unlock().await;
    conn.close().await;
    result
}

async fn lock(ctx: &Importer<'_>, conn: &mut Connection) -> Result<(), Error> {
    let shell = &ctx.shell;
    conn.lock(
        &ctx.config.version_table.value,
        ctx.lock_timeout,
        |holder| match holder.description {
            Some(who) => shell.note(format_args!(
                "waiting for another brainmig run to finish; the lock is held by {who}"
            )),
            None => shell.note("waiting for another brainmig run to finish"),
        },
    )
    .await?;
    Ok(())
}

/// Checks everything against the database, then writes the files and records the rows.
async fn take_over(
    ctx: &Importer<'_>,
    conn: &mut Connection,
    reading: &Reading,
    files: &[PlannedFile],
    kept: &[bool],
    dry_run: bool,
) -> Result<(), Error> {
    let table = ctx.config.version_table.value.clone();
    let ours = conn.applied(&table).await?;
    if !ours.is_empty() {
        return Err(ImportError::AlreadyManaged {
            table,
            count: ours.len(),
        }
        .into());
    }
    let tool = reading.tool;
    let old_table = tool.version_table();
    let records = takeover::read_old_table(conn, tool).await?;
    let applied = takeover::match_records(
        tool,
        &reading.dir,
        records.as_deref().unwrap_or_default(),
        files,
    )?;
    report_reading(ctx, reading, files);
    if records.is_none() {
        ctx.shell.note(format_args!(
            "the database has no `{old_table}` table: {tool} never ran here, so nothing is recorded as applied"
        ));
    }
    let into = ctx.config.migrations.value.clone();
    if dry_run {
        if !ctx.shell.json_mode() {
            for &i in &applied {
                let f = &files[i];
                ctx.shell
                    .out(&format!("record {} ({})\n", f.id, f.row.message));
            }
        }
        write_files(ctx, reading, &into, files, true)?;
        report_json(ctx, reading, files, kept, Some(&applied), true);
        return Ok(());
    }
    let written = write_files(ctx, reading, &into, files, false)?;
    if let Err(e) = takeover::record(conn, &table, files, &applied).await {
        write::remove_all(&written);
        return Err(e.into());
    }
    report_json(ctx, reading, files, kept, Some(&applied), false);
    let at = applied.last().map(|&i| files[i].id.to_string());
    ctx.shell.status(
        "Recorded",
        format_args!(
            "{} revision(s) as applied in `{table}`, as `{old_table}` lists them; no migration SQL was run and `{old_table}` is left as it is",
            applied.len()
        ),
    );
    ctx.shell.status(
        "Finished",
        format_args!(
            "the database is at {}; {} revision(s) pending for `cargo brainmig up`",
            at.as_deref().unwrap_or("<base>"),
            files.len() - applied.len()
        ),
    );
    Ok(())
}

/// Revision files already in the folder that the import does not write: the imported history
/// becomes a second root beside them, which is rarely what was meant.
fn note_other_revisions(ctx: &Importer<'_>, into: &Path, files: &[PlannedFile]) {
    let Ok(entries) = std::fs::read_dir(into) else {
        return;
    };
    let others = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .filter(|p| !files.iter().any(|f| &f.path == p))
        .count();
    if others > 0 {
        ctx.shell.warn(format_args!(
            "`{}` already holds {others} other revision file(s); the imported history starts a root of its own beside them",
            write::shown(into)
        ));
    }
}

/// Skipped entries and per-file notes, before anything is written.
fn report_reading(ctx: &Importer<'_>, reading: &Reading, files: &[PlannedFile]) {
    for s in &reading.skipped {
        ctx.shell.note(format_args!(
            "skipped `{}`: {}",
            write::shown(&s.path),
            s.reason
        ));
    }
    for f in files {
        for note in &f.notes {
            let message = format!(
                "`{}` (as `{}`): {note}",
                write::shown(&f.migration.source),
                write::shown(&f.path)
            );
            match note {
                import::Note::OwnTransactionControl(_) => ctx.shell.note(message),
                _ => ctx.shell.warn(message),
            }
        }
    }
    warn_without_down(ctx, reading.tool, files);
}

/// Once for the whole import: how many revisions have no down section, and what `down` does.
fn warn_without_down(ctx: &Importer<'_>, tool: Tool, files: &[PlannedFile]) {
    let without = files.iter().filter(|f| f.row.down_sql.is_none()).count();
    if without == 0 {
        return;
    }
    ctx.shell.warn(format_args!(
        "{without} of {} imported revision(s) have no down section ({tool} had none for them): `cargo brainmig down` refuses a range that holds one, before reverting anything; add a `-- migrate:down` section to each you may want to revert",
        files.len()
    ));
}

/// Writes the files (or, for a dry run, lists them) and says so; returns those it wrote.
fn write_files<'a>(
    ctx: &Importer<'_>,
    reading: &Reading,
    into: &Path,
    files: &'a [PlannedFile],
    dry_run: bool,
) -> Result<Vec<&'a PlannedFile>, Error> {
    if dry_run {
        if !ctx.shell.json_mode() {
            for f in files.iter().filter(|f| !write::already_written(f)) {
                ctx.shell.out(&format!("write {}\n", write::shown(&f.path)));
            }
        }
        ctx.shell.status(
            "Dry run",
            format_args!(
                "would write {} revision file(s) into `{}`; nothing was changed",
                files.iter().filter(|f| !write::already_written(f)).count(),
                write::shown(into)
            ),
        );
        return Ok(Vec::new());
    }
    let written = write::write_all(into, files)?;
    for f in &written {
        ctx.shell
            .detail("Wrote", format_args!("{}", write::shown(&f.path)));
    }
    let kept = files.len() - written.len();
    ctx.shell.status(
        "Imported",
        format_args!(
            "{} {} migration(s) from `{}` into `{}`{}",
            files.len(),
            reading.tool,
            write::shown(&reading.dir),
            write::shown(into),
            if kept > 0 {
                format!(" ({kept} already there with the same text, left as they are)")
            } else {
                String::new()
            }
        ),
    );
    Ok(written)
}

/// `--format json`: the one document of the import, what it wrote (or would write) and what it
/// recorded as applied (`null` with no database to take over).
fn report_json(
    ctx: &Importer<'_>,
    reading: &Reading,
    files: &[PlannedFile],
    kept: &[bool],
    recorded: Option<&[usize]>,
    dry_run: bool,
) {
    if !ctx.shell.json_mode() {
        return;
    }
    let file = |(f, kept): (&PlannedFile, &bool)| {
        serde_json::json!({
            "revision": f.id,
            "file": write::shown(&f.path),
            "source": write::shown(&f.migration.source),
            "already_there": kept,
            "notes": f.notes.iter().map(ToString::to_string).collect::<Vec<_>>(),
        })
    };
    let skipped = reading
        .skipped
        .iter()
        .map(|s| serde_json::json!({ "path": write::shown(&s.path), "reason": s.reason }));
    ctx.shell.json(&serde_json::json!({
        "tool": reading.tool.name(),
        "from": write::shown(&reading.dir),
        "into": write::shown(&ctx.config.migrations.value),
        "dry_run": dry_run,
        "files": files.iter().zip(kept).map(file).collect::<Vec<_>>(),
        "skipped": skipped.collect::<Vec<_>>(),
        "recorded": recorded.map(|r| r.iter().map(|&i| files[i].id.clone()).collect::<Vec<_>>()),
    }));
}
