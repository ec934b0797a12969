//! Turning a [`Reading`] into brainmig revision files: rendering (pure), checking that each file
//! loads, and writing all of them or none.
//!
//! Each migration becomes `<version>_<slug>.sql` with the version as revision id (so the
//! take-over maps the old table's rows one to one), the previous migration as parent (unless the
//! reader names the parents, as an Alembic reader will), the name as
//! message, and the tool's SQL unchanged under `-- migrate:up` / `-- migrate:down`.

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::{ImportError, Migration, Reading, Sql, Up};
use crate::db::VersionRow;
use crate::error::ParseErrorKind;
use crate::source::{self, Lexicon, RevisionId};

/// The up section written for a migration brainmig could not convert: the template's
/// placeholder, so the file counts as not filled in and `up` refuses it until someone does.
const PLACEHOLDER: &str = "-- Write the SQL that applies this change here.\n";

/// Something the user should know about one written file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// The migration could not be converted; its up section is a placeholder.
    Unconverted(String),
    /// The tool's up SQL has no statement.
    EmptyUp,
    /// A section holds its own `BEGIN`/`COMMIT`, so it is written `transaction:false`.
    OwnTransactionControl(&'static str),
    /// The written file does not load for another reason.
    DoesNotLoad(String),
    /// A section the tool runs in a transaction holds a statement PostgreSQL refuses there.
    NeedsNoTransaction(&'static str, String),
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::Unconverted(reason) => write!(
                f,
                "cannot be converted ({reason}); its up section is a placeholder that `up` refuses until you write the SQL"
            ),
            Note::EmptyUp => f.write_str(
                "its up SQL has no statements; `up` records it as applied without running SQL",
            ),
            Note::OwnTransactionControl(section) => write!(
                f,
                "its {section} SQL runs its own BEGIN/COMMIT, so the section is marked `transaction:false`"
            ),
            Note::DoesNotLoad(why) => write!(f, "the written file does not load: {why}"),
            Note::NeedsNoTransaction(section, statement) => write!(
                f,
                "its {section} SQL runs `{statement}` inside the transaction the tool opens, which PostgreSQL refuses; if it ran outside one, mark the section `transaction:false`"
            ),
        }
    }
}

/// One revision file to write.
#[derive(Debug, Clone)]
pub struct PlannedFile {
    /// The revision id: the tool's version.
    pub id: RevisionId,
    /// Where it goes.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
    /// The migration it comes from.
    pub migration: Migration,
    /// The version-table row that records it as applied.
    pub row: VersionRow,
    /// What the user should know about it.
    pub notes: Vec<Note>,
}

/// Renders every migration of `reading` as a revision file in `into`, parents in reading order.
pub fn plan(reading: &Reading, into: &Path) -> Result<Vec<PlannedFile>, ImportError> {
    plan_as(reading, into, Lexicon::Standard)
}

/// [`plan`], reading the written files by the rules of `lexicon` (the database's): the
/// checksums recorded for the take-over must be the ones `up` computes there.
pub fn plan_as(
    reading: &Reading,
    into: &Path,
    lexicon: Lexicon,
) -> Result<Vec<PlannedFile>, ImportError> {
    let mut files = Vec::with_capacity(reading.migrations.len());
    let mut previous: Option<RevisionId> = None;
    for m in &reading.migrations {
        let id = RevisionId::parse(&m.version).map_err(|_| ImportError::BadVersion {
            path: m.source.clone(),
            version: m.version.clone(),
        })?;
        let slug = crate::scaffold::slug(&m.name).ok();
        let name = match slug {
            Some(slug) => format!("{id}_{slug}.sql"),
            None => format!("{id}.sql"),
        };
        let origin = format!("{} {}", reading.tool, shown(&m.source));
        let parents = match &m.parents {
            Some(listed) => listed
                .iter()
                .map(|p| {
                    RevisionId::parse(p).map_err(|_| ImportError::BadVersion {
                        path: m.source.clone(),
                        version: p.clone(),
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => previous.iter().cloned().collect(),
        };
        let file = plan_one(m, (id.clone(), &parents), into.join(name), &origin, lexicon);
        previous = Some(id);
        files.push(file);
    }
    Ok(files)
}

/// `path` relative to the current folder when it lies inside it.
pub fn relative(path: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    match path.strip_prefix(&cwd) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.to_owned(),
        _ => path.to_owned(),
    }
}

/// [`relative`], as text for messages.
pub fn shown(path: &Path) -> String {
    relative(path).display().to_string()
}

/// Renders one file, adjusting it once if a section turns out to run its own transaction.
fn plan_one(
    m: &Migration,
    (id, parents): (RevisionId, &[RevisionId]),
    path: PathBuf,
    origin: &str,
    lexicon: Lexicon,
) -> PlannedFile {
    let mut notes = Vec::new();
    let (mut up, reason) = match &m.up {
        Up::Sql(sql) if has_marker_line(&sql.text) => (
            None,
            Some("its SQL has a line starting with `-- migrate:`, which brainmig reads as a section marker".to_owned()),
        ),
        Up::Sql(sql) => (Some(sql.clone()), None),
        Up::Unconverted { reason } => (None, Some(reason.clone())),
    };
    if let Some(reason) = reason {
        notes.push(Note::Unconverted(reason));
    }
    let mut down = m.down.clone().filter(|d| !has_marker_line(&d.text));
    let mut text = render(m, &id, parents, up.as_ref(), down.as_ref(), origin);
    let mut parsed = source::parse_as(&path, text.as_bytes(), lexicon);
    // Up to once per section: each may hold its own BEGIN/COMMIT.
    for _ in 0..2 {
        let Err(e) = &parsed else { break };
        if !matches!(e.kind, ParseErrorKind::TransactionControl(_)) {
            break;
        }
        // The tool sent such a section as it is, inside its own transaction (PostgreSQL only
        // warns); outside one, its BEGIN/COMMIT keep it atomic as its author meant.
        let down_starts = text
            .find("\n-- migrate:down")
            .map_or(usize::MAX, |at| text[..at].matches('\n').count() + 2);
        let (section, which) = if e.line.unwrap_or(0) >= down_starts {
            (down.as_mut(), "down")
        } else {
            (up.as_mut(), "up")
        };
        let Some(section) = section.filter(|s| s.transactional) else {
            break;
        };
        section.transactional = false;
        notes.push(Note::OwnTransactionControl(which));
        text = render(m, &id, parents, up.as_ref(), down.as_ref(), origin);
        parsed = source::parse_as(&path, text.as_bytes(), lexicon);
    }
    for (section, which) in [(up.as_ref(), "up"), (down.as_ref(), "down")] {
        if let Some(statement) = section
            .filter(|s| s.transactional)
            .and_then(|s| refused_in_transaction(&s.text))
        {
            notes.push(Note::NeedsNoTransaction(which, statement));
        }
    }
    let row = match parsed {
        Ok(file) => {
            if up.is_some() && file.up.statements.is_empty() && parents.len() < 2 {
                notes.push(Note::EmptyUp);
            }
            crate::state::version_row(&file)
        }
        Err(e) => {
            match e.kind {
                ParseErrorKind::EmptyUp if up.is_some() => notes.push(Note::EmptyUp),
                ParseErrorKind::EmptyUp => {}
                _ => notes.push(Note::DoesNotLoad(e.to_string())),
            }
            row_without_parsing(m, (&id, parents), up.as_ref(), down.as_ref(), lexicon)
        }
    };
    PlannedFile {
        id,
        path,
        text,
        migration: m.clone(),
        row,
        notes,
    }
}

/// The row for a file that does not load yet, computed as loading it would.
fn row_without_parsing(
    m: &Migration,
    (id, parents): (&RevisionId, &[RevisionId]),
    up: Option<&Sql>,
    down: Option<&Sql>,
    lexicon: Lexicon,
) -> VersionRow {
    let up_text = up.map_or(PLACEHOLDER, |u| u.text.as_str());
    VersionRow {
        revision: id.clone(),
        parents: parents.to_vec(),
        message: m.message(),
        checksum: source::checksum_as(&section_text(up_text), lexicon).unwrap_or_default(),
        down_sql: down.map(|d| section_text(&d.text)),
        down_transactional: down.is_none_or(|d| d.transactional),
    }
}

/// The first words of a statement PostgreSQL refuses inside a transaction block
/// (`CREATE INDEX CONCURRENTLY`, `VACUUM`, ...), if the SQL has one.
fn refused_in_transaction(sql: &str) -> Option<String> {
    let statements = source::split(sql).ok()?;
    statements.iter().find_map(|st| {
        let words: Vec<String> = st
            .text(sql)
            .split_whitespace()
            .take(6)
            .map(|w| w.to_ascii_uppercase())
            .collect();
        let first = words.first()?.as_str();
        let refused = match first {
            "VACUUM" => true,
            "CREATE" | "DROP" | "REINDEX" => words.iter().any(|w| w == "CONCURRENTLY"),
            _ => false,
        };
        refused.then(|| words.join(" "))
    })
}

/// A line that brainmig would take for a section marker.
fn has_marker_line(sql: &str) -> bool {
    sql.lines().any(|l| l.trim().starts_with("-- migrate:"))
}

/// The SQL as written into a section: ending in a newline so the next marker starts a line.
fn section_text(sql: &str) -> String {
    let sql = sql.strip_prefix('\u{feff}').unwrap_or(sql);
    let mut text = sql.replace("\r\n", "\n");
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

fn options(sql: &Sql) -> &'static str {
    if sql.transactional {
        ""
    } else {
        " transaction:false"
    }
}

/// The text of a revision file.
fn render(
    m: &Migration,
    id: &RevisionId,
    parents: &[RevisionId],
    up: Option<&Sql>,
    down: Option<&Sql>,
    origin: &str,
) -> String {
    let mut text = format!(
        "-- revision: {id}\n-- revises: {}\n-- message: {}\n-- Imported from {origin}\n\n",
        parents
            .iter()
            .map(RevisionId::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        m.message().lines().next().unwrap_or(""),
    );
    match up {
        Some(up) => {
            text.push_str(&format!("-- migrate:up{}\n", options(up)));
            text.push_str(&section_text(&up.text));
        }
        None => {
            text.push_str("-- migrate:up\n");
            if let Up::Unconverted { reason } = &m.up {
                // One comment line: a reason spanning lines (a database error quoting its SQL)
                // would otherwise put that text in the section as statements.
                let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
                text.push_str(&format!("-- NOT CONVERTED: {reason}.\n"));
            } else {
                text.push_str("-- NOT CONVERTED: complete this revision by hand.\n");
            }
            text.push_str(PLACEHOLDER);
        }
    }
    if let Some(down) = down {
        text.push_str(&format!("\n-- migrate:down{}\n", options(down)));
        text.push_str(&section_text(&down.text));
    }
    text
}

/// Planned files that exist with other content: writing them would overwrite someone's work.
/// A file with exactly the planned text is an earlier import of the same migration (another
/// database taken over from the same folder) and is left as it is.
pub fn conflicting(files: &[PlannedFile]) -> Vec<PathBuf> {
    files
        .iter()
        .filter(|f| f.path.exists() && !already_written(f))
        .map(|f| f.path.clone())
        .collect()
}

/// True when the file exists with exactly the planned text.
pub fn already_written(file: &PlannedFile) -> bool {
    std::fs::read(&file.path).is_ok_and(|bytes| bytes == file.text.as_bytes())
}

/// Writes every file that is not already there, creating the folder; on any failure removes
/// those it wrote and fails. Returns the files it wrote, so that a later failure can remove them.
pub fn write_all<'a>(
    into: &Path,
    files: &'a [PlannedFile],
) -> Result<Vec<&'a PlannedFile>, ImportError> {
    let conflicting = conflicting(files);
    if !conflicting.is_empty() {
        return Err(ImportError::Exists { paths: conflicting });
    }
    std::fs::create_dir_all(into).map_err(|source| ImportError::Write {
        path: into.to_owned(),
        source,
    })?;
    let mut written = Vec::new();
    for file in files.iter().filter(|f| !already_written(f)) {
        if let Err(source) = write_new(&file.path, &file.text) {
            remove_all(&written);
            return Err(ImportError::Write {
                path: file.path.clone(),
                source,
            });
        }
        written.push(file);
    }
    Ok(written)
}

/// Removes written files again (the take-over failed after they were written).
pub fn remove_all(files: &[&PlannedFile]) {
    for file in files {
        let _ = std::fs::remove_file(&file.path);
    }
}

/// Creates `path`, failing if it exists (another run may have written it since the check).
fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::Tool;

    fn migration(version: &str, up: &str, down: Option<&str>) -> Migration {
        Migration {
            version: version.into(),
            name: "create_users".into(),
            source: PathBuf::from(format!("m/{version}_create_users")),
            up: Up::Sql(Sql {
                text: up.into(),
                transactional: true,
            }),
            down: down.map(|d| Sql {
                text: d.into(),
                transactional: true,
            }),
            checksum: None,
            parents: None,
            message: None,
        }
    }

    fn reading(migrations: Vec<Migration>) -> Reading {
        Reading {
            tool: Tool::Diesel,
            dir: PathBuf::from("m"),
            migrations,
            skipped: Vec::new(),
        }
    }

    #[test]
    fn files_chain_in_reading_order_and_load() {
        let r = reading(vec![
            migration("1", "CREATE TABLE a (id int);", Some("DROP TABLE a;")),
            migration("2", "CREATE TABLE b (id int);\n", None),
        ]);
        let files = plan(&r, Path::new("out")).expect("plans");
        assert_eq!(files[0].path, Path::new("out/1_create_users.sql"));
        let second = source::parse(&files[1].path, files[1].text.as_bytes()).expect("loads");
        assert_eq!(second.parents, vec![RevisionId::parse("1").expect("id")]);
        assert_eq!(second.message, "create users");
        assert!(second.down.is_none());
        assert!(files.iter().all(|f| f.notes.is_empty()));
        let first = source::parse(&files[0].path, files[0].text.as_bytes()).expect("loads");
        assert_eq!(files[0].row, crate::state::version_row(&first));
    }

    #[test]
    fn parents_named_by_the_reader_replace_the_line() {
        // What an Alembic reader needs: a branch and a merge.
        let mut a = migration("a1", "SELECT 1;", None);
        let mut b = migration("b2", "SELECT 2;", None);
        let mut m = migration("m3", "SELECT 3;", None);
        a.parents = Some(vec![]);
        b.parents = Some(vec![]);
        m.parents = Some(vec!["a1".into(), "b2".into()]);
        let files = plan(&reading(vec![a, b, m]), Path::new("out")).expect("plans");
        let merge = source::parse(&files[2].path, files[2].text.as_bytes()).expect("loads");
        let ids = |v: &[&str]| {
            v.iter()
                .map(|i| RevisionId::parse(i).expect("id"))
                .collect::<Vec<_>>()
        };
        assert_eq!(merge.parents, ids(&["a1", "b2"]));
        assert!(
            source::parse(&files[1].path, files[1].text.as_bytes())
                .expect("loads")
                .parents
                .is_empty()
        );
    }

    #[test]
    fn own_transaction_control_in_both_sections_is_handled_in_both() {
        let r = reading(vec![migration(
            "1",
            "BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n",
            Some("BEGIN;\nDROP TABLE a;\nCOMMIT;\n"),
        )]);
        let files = plan(&r, Path::new("out")).expect("plans");
        assert_eq!(
            files[0].notes,
            vec![
                Note::OwnTransactionControl("up"),
                Note::OwnTransactionControl("down")
            ]
        );
        assert!(source::parse(&files[0].path, files[0].text.as_bytes()).is_ok());
    }

    #[test]
    fn own_transaction_control_is_written_transaction_false() {
        let r = reading(vec![migration(
            "1",
            "BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n",
            Some("DROP TABLE a;"),
        )]);
        let files = plan(&r, Path::new("out")).expect("plans");
        assert_eq!(files[0].notes, vec![Note::OwnTransactionControl("up")]);
        let file = source::parse(&files[0].path, files[0].text.as_bytes()).expect("loads");
        assert!(!file.up.transactional);
        assert!(file.down.expect("down").transactional);
    }

    #[test]
    fn concurrent_index_builds_inside_the_tools_transaction_are_pointed_out() {
        let r = reading(vec![migration(
            "1",
            "-- fast lookups\ncreate index concurrently if not exists i on t (a);\n",
            None,
        )]);
        let files = plan(&r, Path::new("out")).expect("plans");
        assert!(
            matches!(&files[0].notes[..], [Note::NeedsNoTransaction("up", s)] if s.starts_with("CREATE INDEX CONCURRENTLY")),
            "{:?}",
            files[0].notes
        );
    }

    #[test]
    fn unconverted_migrations_get_the_placeholder_and_a_note() {
        let mut m = migration("3", "", None);
        m.up = Up::Unconverted {
            reason: "a Rust migration".into(),
        };
        let files = plan(&reading(vec![m]), Path::new("out")).expect("plans");
        assert!(files[0].text.contains(PLACEHOLDER));
        assert!(matches!(files[0].notes[..], [Note::Unconverted(_)]));
    }

    #[test]
    fn a_reason_spanning_lines_stays_a_comment_and_the_file_stays_unfinished() {
        let mut m = migration("3", "", None);
        m.up = Up::Unconverted {
            reason: "relation \"users\" does not exist\n\n[SQL: ALTER TABLE users ADD x int]"
                .into(),
        };
        let files = plan(&reading(vec![m]), Path::new("out")).expect("plans");
        let parsed = source::parse(&files[0].path, files[0].text.as_bytes());
        assert_eq!(
            parsed.expect_err("unfinished").kind,
            ParseErrorKind::EmptyUp,
            "{}",
            files[0].text
        );
    }

    #[test]
    fn a_version_that_is_no_revision_id_is_refused() {
        let r = reading(vec![migration("1.5", "SELECT 1;", None)]);
        assert!(matches!(
            plan(&r, Path::new("out")),
            Err(ImportError::BadVersion { .. })
        ));
    }
}
