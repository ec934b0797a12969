//! `new --autogenerate`, `check` and `diff`: build states in scratch databases, snapshot them and
//! let [`crate::autogen`] say what differs. Every scratch database is dropped before a call
//! returns, on failure and on Ctrl-C too; the configured database is only ever read (by `diff`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::autogen::{self, Migration};
use crate::config::DatabaseUrl;
use crate::db::scratch::Scratch;
use crate::db::{Connection, Dialect};
use crate::error::{ConfigError, Error, LoadError, PlanError};
use crate::executor::{self, Progress};
use crate::ops::connect::waiting_for;
use crate::output::{DifferencesView, MatchView, Shell, announce_notes};
use crate::plan::Direction;
use crate::scaffold::NewRevision;
use crate::schema::{self, Schema};
use crate::source::RevisionId;
use crate::state::{PlannedStep, State};

/// Where scratch databases are made (beside the configured one) and how they are reported.
pub struct Scratchpad<'a> {
    /// For the `-v` line naming each scratch database.
    pub shell: &'a Shell,
    /// The configured database; scratch databases use the same server or folder.
    pub url: &'a DatabaseUrl,
    /// The version table.
    pub table: &'a str,
    /// `--wait`: the first scratch database retries creating itself (on PostgreSQL, connecting to
    /// the configured server) while the server is not up; once it is, later ones need not.
    pub wait: Option<Duration>,
    /// A schema-per-tenant target's schema (PostgreSQL): scratch databases build in a schema of
    /// that name with `search_path` set to it, as the target's runs do, and every snapshot,
    /// the live one's included, reads that schema alone.
    pub schema: Option<&'a str>,
}

/// The declarative schema file: where it is and its text.
pub struct SchemaFile {
    /// The configured path.
    pub path: PathBuf,
    /// Its text.
    pub sql: String,
}

impl SchemaFile {
    /// Reads the configured schema file.
    pub fn read(configured: Option<&Path>) -> Result<Self, Error> {
        let path = configured.ok_or(ConfigError::NoSchemaFile)?.to_owned();
        let sql = std::fs::read_to_string(&path).map_err(|e| Error::SchemaFile {
            path: path.clone(),
            line: None,
            message: format!("cannot be read: {e}"),
        })?;
        Ok(SchemaFile { path, sql })
    }
}

/// What `check` or `diff` found: the schemas they compared and the SQL between them.
pub struct Comparison {
    /// How many revisions built the expected state.
    pub revisions: usize,
    /// The SQL from what was found to what was expected, with notes and what it cannot generate.
    pub migration: Migration,
    /// Each difference, in words.
    pub differences: Vec<String>,
}

/// `new --autogenerate`: the migration from what `parents` build to what the schema file builds.
/// The down section undoes what the up section really does, which is less than the whole
/// difference when part of it could not be generated: it is planned from the state the up
/// section reaches, built for real, rather than from the schema file.
pub async fn generate(
    pad: &Scratchpad<'_>,
    state: &State,
    parents: &[usize],
    schema: &SchemaFile,
    dialect: Dialect,
) -> Result<Migration, Error> {
    pad.url.refuse_on_mysql("`new --autogenerate`")?;
    let order = state.graph.in_order(&state.graph.ancestors(parents));
    let head = pad.build_migrated(state, &order, None).await?;
    let desired = pad.build_from_file(schema).await?;
    let mut migration = autogen::generate(&head, &desired, dialect);
    if !migration.up.is_empty() {
        let up_sql = migration.section_sql(&migration.up);
        let reached = pad.build_migrated(state, &order, Some(&up_sql)).await?;
        migration.down = autogen::generate(&reached, &head, dialect).up;
    }
    Ok(migration)
}

/// `check` needs one head to compare with the schema file.
pub fn refuse_several_heads(state: &State) -> Result<(), Error> {
    let heads = state.graph.heads();
    if heads.len() > 1 {
        return Err(Error::Drift {
            message: format!(
                "multiple heads are present: {}\n{}",
                quoted(&state.graph.ids(&heads)),
                crate::graph::conflict::explain(&state.graph)
            ),
            hint: crate::graph::conflict::fixes(&state.graph),
        });
    }
    Ok(())
}

/// `check`: what the single head builds against what the schema file builds.
pub async fn check(
    pad: &Scratchpad<'_>,
    state: &State,
    schema: &SchemaFile,
    dialect: Dialect,
) -> Result<Comparison, Error> {
    refuse_several_heads(state)?;
    let heads = state.graph.heads();
    let order = state.graph.in_order(&state.graph.ancestors(&heads));
    let head = pad.build_migrated(state, &order, None).await?;
    let desired = pad.build_from_file(schema).await?;
    let migration = autogen::generate(&head, &desired, dialect);
    let differences = if migration.is_empty() {
        Vec::new()
    } else {
        let found = schema::diff(&desired, &head);
        found.iter().map(ToString::to_string).collect()
    };
    Ok(Comparison {
        revisions: order.len(),
        migration,
        differences,
    })
}

/// Reports a comparison for `check` or `diff` under `heading`; true when it found nothing to
/// change.
pub fn report(shell: &Shell, found: &Comparison, schema: Option<String>, heading: String) -> bool {
    let m = &found.migration;
    announce_notes(shell, m);
    if m.is_empty() {
        shell.report(&MatchView::new(found.revisions, schema, m));
        return true;
    }
    let differences = found.differences.clone();
    shell.report(&DifferencesView::new(heading, differences, m));
    false
}

/// The error `check` ends with when the migrations do not build the schema file.
pub fn check_failed(schema: &SchemaFile, found: &Comparison) -> Error {
    Error::Drift {
        message: format!(
            "the migrations do not build `{}`: {} difference(s)",
            schema.path.display(),
            found.differences.len().max(1)
        ),
        hint: "run `cargo brainmig new --autogenerate -m \"...\"` to write the missing revision, or fix the schema file".into(),
    }
}

/// `diff` compares with what the recorded revisions build, so it needs each one's file.
pub fn refuse_missing_files(state: &State) -> Result<(), Error> {
    let missing = state.missing_files();
    if !missing.is_empty() {
        return Err(PlanError::MissingFiles {
            ids: state.graph.ids(&missing),
        }
        .into());
    }
    Ok(())
}

/// `diff`: the live database against what its recorded revisions build. Read-only.
pub async fn drift(
    pad: &Scratchpad<'_>,
    state: &State,
    dialect: Dialect,
) -> Result<Comparison, Error> {
    refuse_missing_files(state)?;
    let live = match waiting_for(pad.shell, pad.wait, || Connection::open_existing(pad.url)).await?
    {
        Some(mut conn) => {
            let snapshot = schema::snapshot_in(&mut conn, pad.table, pad.schema).await;
            conn.close().await;
            snapshot?
        }
        None => Schema::default(),
    };
    let order = state.graph.in_order(&state.applied.revisions);
    let expected = pad.build_migrated(state, &order, None).await?;
    let migration = autogen::generate(&live, &expected, dialect);
    let differences = if migration.is_empty() {
        Vec::new()
    } else {
        let found = schema::diff(&expected, &live);
        found.iter().map(drift_wording).collect()
    };
    Ok(Comparison {
        revisions: order.len(),
        migration,
        differences,
    })
}

/// The error `diff` ends with when the database drifted.
pub fn drift_found(found: &Comparison) -> Error {
    Error::Drift {
        message: format!(
            "the database has drifted from its recorded revisions: {} difference(s)",
            found.differences.len().max(1)
        ),
        hint: "review the SQL above and run it, or capture the change in a revision and `stamp` it"
            .into(),
    }
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

/// Executor progress that shows nothing: scratch builds are reported as a whole.
struct Silent;

impl Progress for Silent {
    fn start(&mut self, _: &PlannedStep, _: usize, _: usize) {}
    fn finish(&mut self, _: &PlannedStep, _: Duration) {}
    fn done(&mut self) {}
}

impl Scratchpad<'_> {
    /// Runs `work` on a fresh scratch database, then drops it whatever happened.
    async fn in_scratch<T>(
        &self,
        work: impl AsyncFnOnce(&mut Connection) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let scratch = waiting_for(self.shell, self.wait, || Scratch::create(self.url)).await?;
        self.shell.detail("Scratch", scratch.describe());
        let result = tokio::select! {
            result = async {
                let mut conn = self.open_scratch(&scratch.url()).await?;
                let result = work(&mut conn).await;
                conn.close().await;
                result
            } => result,
            _ = tokio::signal::ctrl_c() => Err(Error::Interrupted),
        };
        scratch.drop_now().await;
        result
    }

    /// A connection to a new scratch database: for a schema target, with its schema created and
    /// `search_path` set to it, so unqualified names land where the target's runs put them.
    async fn open_scratch(&self, url: &DatabaseUrl) -> Result<Connection, Error> {
        let Some(name) = self.schema else {
            return Ok(Connection::open(url).await?);
        };
        let mut conn = Connection::open(&url.with_search_path(name)).await?;
        // The name was checked to be a plain identifier when the target was listed.
        if let Err(e) = conn.execute(&format!("CREATE SCHEMA \"{name}\"")).await {
            conn.close().await;
            return Err(e
                .context("creating the schema in the scratch database")
                .into());
        }
        Ok(conn)
    }

    /// The schema after applying the revisions `order` (node indices, parents first) to an
    /// empty scratch database, and then `generated_up` if given (checked here to run).
    pub(crate) async fn build_migrated(
        &self,
        state: &State,
        order: &[usize],
        generated_up: Option<&str>,
    ) -> Result<Schema, Error> {
        let steps = state.steps(order, Direction::Up)?;
        let table = self.table;
        self.in_scratch(async |conn: &mut Connection| {
            conn.ensure_version_table(table).await?;
            executor::run(conn, table, &steps, &mut Silent).await?;
            if let Some(sql) = generated_up
                && let Err(e) = conn.execute(sql).await
            {
                return Err(e
                    .context("trying the generated up section on the head state")
                    .into());
            }
            Ok(schema::snapshot_in(conn, table, self.schema).await?)
        })
        .await
    }

    /// The schema the declarative file describes, executed in an empty scratch database.
    async fn build_from_file(&self, file: &SchemaFile) -> Result<Schema, Error> {
        let path = &file.path;
        let sql =
            &*schema::file::without_pg_dump_commands(&file.sql).map_err(|m| Error::SchemaFile {
                path: path.clone(),
                line: Some(m.line),
                message: format!(
                    "the psql meta-command `{}` is not SQL: only pg_dump's `\\restrict` and \
                     `\\unrestrict` lines are skipped; remove it",
                    m.command
                ),
            })?;
        let postgres = matches!(self.url, DatabaseUrl::Postgres(_));
        let table = self.table;
        self.in_scratch(async |conn: &mut Connection| {
            if let Err(e) = conn.execute(sql).await {
                let (message, offset) = e.statement_words();
                return Err(Error::SchemaFile {
                    path: path.clone(),
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
            Ok(schema::snapshot_in(conn, table, self.schema).await?)
        })
        .await
    }
}

/// Writes the generated revision into `dir`, after checking that it loads: a generated file that
/// would not load is a bug here, not something to find at `up`.
pub fn write_revision(
    dir: &Path,
    revision: &NewRevision,
    m: &Migration,
    schema_path: &Path,
) -> Result<PathBuf, Error> {
    if m.up.is_empty() || m.down.is_empty() {
        // A section without statements would not load; what could not be generated was listed.
        return Err(Error::NothingGenerated);
    }
    let text = revision_text(revision, m, schema_path);
    let name = revision.file_name()?;
    crate::source::parse(Path::new(&name), text.as_bytes()).map_err(|e| LoadError::Problems {
        dir: dir.to_owned(),
        problems: vec![e.into()],
    })?;
    Ok(crate::scaffold::write_revision(dir, &name, &text)?)
}

/// The generated revision file: headers, then both sections with their review lines.
pub fn revision_text(revision: &NewRevision, m: &Migration, schema_path: &Path) -> String {
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

fn quoted(ids: &[RevisionId]) -> String {
    ids.iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autogen::Statement;
    use crate::scaffold::UtcTime;

    #[test]
    fn drift_wording_says_who_added_what() {
        let d = |change| schema::Difference {
            object: "table `t`".into(),
            change,
        };
        assert_eq!(
            drift_wording(&d(schema::Change::Unexpected)),
            "table `t` is present in the database but not in the migrations"
        );
        assert_eq!(
            drift_wording(&d(schema::Change::Missing)),
            "table `t` is in the migrations but missing from the database"
        );
    }

    #[test]
    fn a_generated_revision_loads_and_keeps_its_review_lines() {
        let id = |s: &str| RevisionId::parse(s).expect("id");
        let revision = NewRevision {
            id: id("0002"),
            parents: vec![id("0001")],
            message: "add tags\nand more".into(),
            created: UtcTime { unix: 0 },
            no_transaction: false,
        };
        let migration = Migration {
            up: vec![Statement {
                sql: "DROP TABLE t".into(),
                review: Some("drops data".into()),
            }],
            down: vec![Statement {
                sql: "CREATE TABLE t (id integer)".into(),
                review: None,
            }],
            ..Migration::default()
        };
        let text = revision_text(&revision, &migration, Path::new("schema.sql"));
        assert!(
            text.starts_with(
                "-- revision: 0002\n-- revises: 0001\n-- message: add tags and more\n"
            )
        );
        assert!(text.contains("from `schema.sql`"));
        assert!(text.contains("DROP TABLE t;"));
        assert!(text.ends_with("CREATE TABLE t (id integer);\n"));
        let file = crate::source::parse(Path::new("0002_add_tags.sql"), text.as_bytes())
            .expect("the generated file loads");
        assert_eq!(file.id.as_str(), "0002");
    }
}
