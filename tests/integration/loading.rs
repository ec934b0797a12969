//! Tests for loading the migrations folder: every kind of broken file, reported with its path and line.
//!
//! Most tests are rows of one table ([`Case`]): the files to write into `migrations/`, the command
//! to run, and what must come back. Every row runs against a SQLite file, and rows marked
//! `postgres` also against a PostgreSQL test database. Each row checks the exit code, the lines
//! stderr must (and must not) contain, and that the database is exactly as it was before the
//! command: no new table (an empty version table may appear) and no new or changed version row.

use std::fmt;
use std::path::Path;

use crate::support::{Outcome, Run, TestDb, TestProject, rev, sqlite_strings};

/// A valid root revision with a down section.
const ROOT: &str = "-- revision: 0001\n-- message: create notes\n\n-- migrate:up\nCREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n\n-- migrate:down\nDROP TABLE notes;\n";
/// A valid child of [`ROOT`] without a down section.
const CHILD_NO_DOWN: &str = "-- revision: 0002\n-- revises: 0001\n-- message: add tags\n\n-- migrate:up\nCREATE TABLE tags (id INTEGER PRIMARY KEY);\n";
/// A valid child of `0002`.
const GRANDCHILD: &str = "-- revision: 0003\n-- revises: 0002\n-- message: add links\n\n-- migrate:up\nCREATE TABLE links (id INTEGER PRIMARY KEY);\n\n-- migrate:down\nDROP TABLE links;\n";

/// One broken folder (or bad command line) and what brainmig must answer.
struct Case<'a> {
    /// A `fixtures/<name>` folder whose files are copied into `migrations/` first.
    fixture: Option<&'a str>,
    /// Whether `migrations/` exists at all.
    create_dir: bool,
    /// Files written into `migrations/` and applied with `up` before the command under test.
    applied: &'a [(&'a str, &'a str)],
    /// Files written into `migrations/` (after `applied` ran), as raw bytes.
    files: &'a [(&'a str, &'a [u8])],
    /// Anything else to do to the migrations folder before the command.
    prepare: fn(&Path),
    /// The command, without `--migrations-dir` and `--database-url`.
    args: &'a [&'a str],
    /// The expected exit code.
    code: i32,
    /// Text stderr must contain.
    stderr: &'a [&'a str],
    /// Text stderr must not contain.
    not_stderr: &'a [&'a str],
    /// Also run against PostgreSQL.
    postgres: bool,
}

const CASE: Case<'static> = Case {
    fixture: None,
    create_dir: true,
    applied: &[],
    files: &[],
    prepare: |_| {},
    args: &["up"],
    code: 1,
    stderr: &[],
    not_stderr: &[],
    postgres: false,
};

/// The database a case runs against.
enum Backend {
    Sqlite,
    Postgres(TestDb),
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Backend::Sqlite => f.write_str("SQLite"),
            Backend::Postgres(db) => write!(f, "PostgreSQL ({})", db.name),
        }
    }
}

/// What a command must not change: user tables and version rows (`revision checksum`).
#[derive(Debug, Default, PartialEq, Eq)]
struct Snapshot {
    tables: Vec<String>,
    rows: Vec<String>,
}

impl Backend {
    fn run(&self, project: &TestProject, args: &[&str]) -> Run {
        match self {
            Backend::Sqlite => project.on_sqlite(args),
            Backend::Postgres(db) => project.on(db, args),
        }
    }

    fn snapshot(&self, project: &TestProject) -> Snapshot {
        match self {
            Backend::Sqlite => {
                let file = project.path("app.db");
                if !file.exists() {
                    return Snapshot::default();
                }
                let tables = sqlite_strings(
                    &file,
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'brainmig_version' ORDER BY 1",
                );
                let has_version_table = !sqlite_strings(
                    &file,
                    "SELECT name FROM sqlite_master WHERE name = 'brainmig_version'",
                )
                .is_empty();
                let rows = if has_version_table {
                    sqlite_strings(
                        &file,
                        "SELECT revision || ' ' || checksum FROM brainmig_version ORDER BY 1",
                    )
                } else {
                    Vec::new()
                };
                Snapshot { tables, rows }
            }
            Backend::Postgres(db) => {
                let tables = db.strings(
                    "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' \
                     AND tablename <> 'brainmig_version' ORDER BY 1",
                );
                let has_version_table = db
                    .strings("SELECT to_regclass('public.brainmig_version')::text")
                    .iter()
                    .any(|s| !s.is_empty());
                let rows = if has_version_table {
                    db.strings(
                        "SELECT revision || ' ' || checksum FROM brainmig_version ORDER BY 1",
                    )
                } else {
                    Vec::new()
                };
                Snapshot { tables, rows }
            }
        }
    }
}

fn check(name: &str, case: &Case<'_>) {
    check_on(name, case, &Backend::Sqlite);
    if case.postgres {
        check_on(name, case, &Backend::Postgres(TestDb::postgres()));
    }
}

fn check_on(name: &str, case: &Case<'_>, backend: &Backend) {
    let project = case
        .fixture
        .map_or_else(TestProject::empty, TestProject::with_migrations);
    let dir = project.path("migrations");
    if case.create_dir {
        std::fs::create_dir_all(&dir).expect("create migrations/");
    }
    for (file, text) in case.applied {
        project.write(&format!("migrations/{file}"), text);
    }
    if !case.applied.is_empty() {
        backend.run(&project, &["up"]).success();
    }
    let before = backend.snapshot(&project);
    for (file, bytes) in case.files {
        std::fs::write(dir.join(file), bytes).expect("write a migration file");
    }
    (case.prepare)(&dir);

    let out = backend.run(&project, case.args).run();

    let mut failures = Vec::new();
    if out.code != case.code {
        failures.push(format!("exit code {} instead of {}", out.code, case.code));
    }
    for wanted in case.stderr {
        if !out.stderr.contains(wanted) {
            failures.push(format!("stderr lacks {wanted:?}"));
        }
    }
    for unwanted in case.not_stderr {
        if out.stderr.contains(unwanted) {
            failures.push(format!("stderr contains {unwanted:?}"));
        }
    }
    let after = backend.snapshot(&project);
    if after != before {
        failures.push(format!(
            "the database changed: before {before:?}, after {after:?}"
        ));
    }
    assert!(
        failures.is_empty(),
        "case `{name}` on {backend}, `{}`:\n  - {}\nstdout:\n{}\nstderr:\n{}",
        case.args.join(" "),
        failures.join("\n  - "),
        out.stdout,
        out.stderr
    );
}

/// One `#[test]` per row, so rows run in parallel and fail on their own.
macro_rules! cases {
    ($($(#[$meta:meta])* $name:ident => $case:expr;)*) => {
        $(
            $(#[$meta])*
            #[test]
            fn $name() {
                check(stringify!($name), &$case);
            }
        )*
    };
}

cases! {
    // ---- headers ----------------------------------------------------------------------------

    missing_revision_header => Case {
        files: &[("0001_notes.sql", b"-- message: create notes\n\n-- migrate:up\nCREATE TABLE notes (id INTEGER);\n")],
        stderr: &["1 problem in `migrations`", "migrations/0001_notes.sql: missing `-- revision: <id>` header"],
        postgres: true,
        ..CASE
    };

    empty_revision_header => Case {
        files: &[("0001_notes.sql", b"-- message: create notes\n-- revision:\n\n-- migrate:up\nCREATE TABLE notes (id INTEGER);\n")],
        stderr: &["migrations/0001_notes.sql:2: ", "empty revision id"],
        ..CASE
    };

    revision_id_with_illegal_characters => Case {
        files: &[("0001_notes.sql", b"-- message: create notes\n-- revision: 0001_notes\n\n-- migrate:up\nCREATE TABLE notes (id INTEGER);\n")],
        stderr: &["migrations/0001_notes.sql:2: `0001_notes` is not a valid revision id: use ASCII letters, digits and `-` only"],
        ..CASE
    };

    parent_id_with_illegal_characters => Case {
        applied: &[("0001_notes.sql", ROOT)],
        files: &[("0002_tags.sql", b"-- revision: 0002\n-- revises: 0001 0000\n\n-- migrate:up\nCREATE TABLE tags (id INTEGER);\n")],
        stderr: &["migrations/0002_tags.sql:2: `0001 0000` is not a valid revision id"],
        ..CASE
    };

    revision_id_disagrees_with_the_file_name => Case {
        applied: &[("0001_notes.sql", ROOT)],
        files: &[("0002_tags.sql", b"-- revision: 0003\n-- revises: 0001\n\n-- migrate:up\nCREATE TABLE tags (id INTEGER);\n")],
        stderr: &["migrations/0002_tags.sql: header says revision `0003` but the file name says `0002`"],
        postgres: true,
        ..CASE
    };

    unknown_header_key => Case {
        files: &[("0001_notes.sql", b"-- revision: 0001\n-- revizes: 0000\n\n-- migrate:up\nCREATE TABLE notes (id INTEGER);\n")],
        stderr: &["migrations/0001_notes.sql:2: unknown header `revizes` (headers are revision, revises, message, created)"],
        ..CASE
    };

    header_given_twice => Case {
        files: &[("0001_notes.sql", b"-- revision: 0001\n-- message: one\n-- message: two\n\n-- migrate:up\nCREATE TABLE notes (id INTEGER);\n")],
        stderr: &["migrations/0001_notes.sql:3: header `message` appears twice"],
        ..CASE
    };

    sql_before_the_first_marker => Case {
        files: &[("0001_notes.sql", b"-- revision: 0001\n\nCREATE TABLE early (id INTEGER);\n\n-- migrate:up\nCREATE TABLE notes (id INTEGER);\n")],
        stderr: &["migrations/0001_notes.sql:3: SQL before the first `-- migrate:up` or `-- migrate:down` marker"],
        postgres: true,
        ..CASE
    };

    // ---- the revision graph -----------------------------------------------------------------

    duplicate_revision_in_two_files => Case {
        applied: &[("0001_notes.sql", ROOT)],
        files: &[
            ("0002_tags.sql", b"-- revision: 0002\n-- revises: 0001\n\n-- migrate:up\nCREATE TABLE tags (id INTEGER);\n"),
            ("0002_tags_again.sql", b"-- revision: 0002\n-- revises: 0001\n\n-- migrate:up\nCREATE TABLE tags2 (id INTEGER);\n"),
        ],
        stderr: &["revision `0002` is defined twice: `migrations/0002_tags.sql` and `migrations/0002_tags_again.sql`"],
        postgres: true,
        ..CASE
    };

    unknown_parent => Case {
        applied: &[("0001_notes.sql", ROOT)],
        files: &[("0002_tags.sql", b"-- revision: 0002\n-- revises: 00O1\n\n-- migrate:up\nCREATE TABLE tags (id INTEGER);\n")],
        stderr: &[
            "Can't locate revision `00O1`, named as parent of `0002` in `migrations/0002_tags.sql`",
            "help: Can't locate revision: restore the missing file, or fix the `revises:` header",
        ],
        postgres: true,
        ..CASE
    };

    revision_that_revises_itself => Case {
        files: &[("0001_notes.sql", b"-- revision: 0001\n-- revises: 0001\n\n-- migrate:up\nCREATE TABLE notes (id INTEGER);\n")],
        stderr: &["revision `0001` revises itself in `migrations/0001_notes.sql`"],
        ..CASE
    };

    /// The spec: loading reports cycles "with the file names involved".
    cycle_names_its_revisions_and_files => Case {
        applied: &[("0001_notes.sql", ROOT)],
        files: &[
            ("0002_tags.sql", b"-- revision: 0002\n-- revises: 0001, 0003\n\n-- migrate:up\nCREATE TABLE tags (id INTEGER);\n"),
            ("0003_links.sql", b"-- revision: 0003\n-- revises: 0002\n\n-- migrate:up\nCREATE TABLE links (id INTEGER);\n"),
        ],
        stderr: &["revisions form a cycle", "`0002`", "`0003`", "migrations/0002_tags.sql", "migrations/0003_links.sql"],
        postgres: true,
        ..CASE
    };

    // ---- sections and markers ---------------------------------------------------------------

    missing_up_section => Case {
        files: &[("0001_notes.sql", b"-- revision: 0001\n\n-- migrate:down\nDROP TABLE notes;\n")],
        stderr: &["migrations/0001_notes.sql: missing `-- migrate:up` section"],
        ..CASE
    };

    missing_up_marker_misspelt_without_space => Case {
        files: &[("0001_notes.sql", b"-- revision: 0001\n\n--migrate:up\nCREATE TABLE notes (id INTEGER);\n")],
        stderr: &["migrations/0001_notes.sql:3: "],
        ..CASE
    };

    empty_up_section => Case {
        files: &[("0001_notes.sql", b"-- revision: 0001\n\n-- migrate:up\n-- Write the SQL that applies this change here.\n\n-- migrate:down\nDROP TABLE notes;\n")],
        stderr: &["migrations/0001_notes.sql:3: the `-- migrate:up` section has no statements"],
        postgres: true,
        ..CASE
    };

    two_up_markers => Case {
        files: &[("0001_notes.sql", b"-- revision: 0001\n\n-- migrate:up\nCREATE TABLE notes (id INTEGER);\n\n-- migrate:up\nCREATE TABLE tags (id INTEGER);\n")],
        stderr: &["migrations/0001_notes.sql:6: a second `-- migrate:up` marker"],
        ..CASE
    };

    two_down_markers => Case {
        files: &[("0001_notes.sql", b"-- revision: 0001\n\n-- migrate:up\nCREATE TABLE notes (id INTEGER);\n-- migrate:down\nDROP TABLE notes;\n-- migrate:down\nSELECT 1;\n")],
        stderr: &["migrations/0001_notes.sql:7: a second `-- migrate:down` marker"],
        ..CASE
    };

    unknown_marker_option => Case {
        files: &[("0001_notes.sql", b"-- revision: 0001\n\n-- migrate:up transaction:off\nCREATE TABLE notes (id INTEGER);\n")],
        stderr: &["migrations/0001_notes.sql:3: unknown marker option `transaction:off`", "transaction:false"],
        ..CASE
    };

    unknown_marker => Case {
        files: &[("0001_notes.sql", b"-- revision: 0001\n\n-- migrate:up\nCREATE TABLE notes (id INTEGER);\n\n-- migrate:rollback\nDROP TABLE notes;\n")],
        stderr: &["migrations/0001_notes.sql:6: unknown marker `-- migrate:rollback` (expected `up` or `down`)"],
        ..CASE
    };

    // ---- bytes and lexing -------------------------------------------------------------------

    invalid_utf8 => Case {
        // Latin-1 `caf\xe9` on line 2.
        files: &[("0001_notes.sql", b"-- revision: 0001\n-- message: caf\xe9\n\n-- migrate:up\nCREATE TABLE notes (id INTEGER);\n")],
        stderr: &["migrations/0001_notes.sql:2: the file is not valid UTF-8"],
        postgres: true,
        ..CASE
    };

    unterminated_dollar_quote => Case {
        files: &[("0001_notes.sql", b"-- revision: 0001\n-- message: f\n\n-- migrate:up\nCREATE TABLE notes (id INTEGER);\nCREATE FUNCTION f() RETURNS int AS $body$\n  SELECT 1;\n$$ LANGUAGE sql;\n")],
        stderr: &["migrations/0001_notes.sql:6: unterminated dollar-quoted string `$body$`"],
        postgres: true,
        ..CASE
    };

    unterminated_string => Case {
        files: &[("0001_notes.sql", b"-- revision: 0001\n\n-- migrate:up\nCREATE TABLE notes (body TEXT);\nINSERT INTO notes VALUES ('it's');\n")],
        // `'it'` closes, `s` is a word, and `');` opens a string that never ends.
        stderr: &["migrations/0001_notes.sql:5: unterminated string literal"],
        ..CASE
    };

    unterminated_quoted_identifier => Case {
        files: &[("0001_notes.sql", b"-- revision: 0001\n\n-- migrate:up\nCREATE TABLE \"notes (body TEXT);\n")],
        stderr: &["migrations/0001_notes.sql:4: unterminated quoted identifier"],
        ..CASE
    };

    unterminated_block_comment_in_the_down_section => Case {
        files: &[("0001_notes.sql", b"-- revision: 0001\n\n-- migrate:up\nCREATE TABLE notes (id INTEGER);\n\n-- migrate:down\n\n/* keep the data?\nDROP TABLE notes;\n")],
        stderr: &["migrations/0001_notes.sql:8: unterminated block comment"],
        ..CASE
    };

    /// The message must not contradict its own `file:line` with the line inside the section.
    lex_error_message_names_the_file_line_only => Case {
        files: &[("0001_notes.sql", b"-- revision: 0001\n-- message: f\n\n-- migrate:up\nCREATE TABLE notes (id INTEGER);\nCREATE FUNCTION f() RETURNS int AS $body$\n  SELECT 1;\n$$ LANGUAGE sql;\n")],
        stderr: &["migrations/0001_notes.sql:6: unterminated dollar-quoted string `$body$`"],
        // Line 6 of the file is line 2 of the up section.
        not_stderr: &["line 2"],
        ..CASE
    };

    // ---- whole folders ----------------------------------------------------------------------

    several_broken_files_are_reported_together => Case {
        applied: &[("0001_notes.sql", ROOT)],
        files: &[
            ("0002_a.sql", b"-- revision: 0002\n-- revises: 0001\n-- owner: me\n-- migrate:up\nSELECT 1;\n"),
            ("0003_b.sql", b"-- revision: 0003\n-- revises: 0001\n-- migrate:up\nSELECT '\xff';\n"),
            ("0004_c.sql", b"-- revision: 0040\n-- revises: 0001\n-- migrate:up\nSELECT 1;\n"),
            ("0005_d.sql", b"-- revision: 0005\n-- revises: 0001\n-- migrate:up\nCREATE TABLE d (id INTEGER);\n"),
            ("0005_e.sql", b"-- revision: 0005\n-- revises: 0001\n-- migrate:up\nCREATE TABLE e (id INTEGER);\n"),
            ("0006_f.sql", b"-- revision: 0006\n-- revises: 0099\n-- migrate:up\nCREATE TABLE f (id INTEGER);\n"),
            ("0007_g.sql", b"-- revision: 0007\n-- revises: 0001\n-- migrate:up\nCREATE TABLE g (id INTEGER);\n"),
        ],
        stderr: &[
            "error: 5 problems in `migrations`:",
            "  - migrations/0002_a.sql:3: unknown header `owner`",
            "  - migrations/0003_b.sql:4: the file is not valid UTF-8",
            "  - migrations/0004_c.sql: header says revision `0040` but the file name says `0004`",
            "  - revision `0005` is defined twice: `migrations/0005_d.sql` and `migrations/0005_e.sql`",
            "  - Can't locate revision `0099`, named as parent of `0006` in `migrations/0006_f.sql`",
        ],
        not_stderr: &["0007_g.sql", "Applied"],
        postgres: true,
        ..CASE
    };

    /// A file that exists but does not parse is broken, not missing: its children must not be
    /// reported with "Can't locate revision" (which tells the user to restore a file that is there).
    child_of_a_broken_file_is_not_reported_as_missing_its_parent => Case {
        files: &[
            ("0001_notes.sql", b"-- revision: 0001\n-- migrate:up\nCREATE TABLE notes (body TEXT DEFAULT 'x);\n"),
            ("0002_tags.sql", b"-- revision: 0002\n-- revises: 0001\n-- migrate:up\nCREATE TABLE tags (id INTEGER);\n"),
        ],
        stderr: &["cannot apply revision `0001`: its file is broken", "migrations/0001_notes.sql:3: unterminated string literal"],
        not_stderr: &["Can't locate revision `0001`"],
        ..CASE
    };

    /// "All problems of a folder are reported together": a cycle too, not only once the rest is fixed.
    cycle_is_reported_alongside_a_broken_file => Case {
        files: &[
            ("0001_notes.sql", b"-- revision: 0001\n-- revises: 0002\n-- migrate:up\nCREATE TABLE notes (id INTEGER);\n"),
            ("0002_tags.sql", b"-- revision: 0002\n-- revises: 0001\n-- migrate:up\nCREATE TABLE tags (id INTEGER);\n"),
            ("0003_links.sql", b"-- revision: 0003\n-- migrate:up transaction:maybe\nCREATE TABLE links (id INTEGER);\n"),
        ],
        stderr: &[
            "2 problems in `migrations`",
            "migrations/0003_links.sql:2: unknown marker option `transaction:maybe`",
            "revisions form a cycle",
        ],
        ..CASE
    };

    /// A missing parent is no reason to keep quiet about a cycle elsewhere in the folder.
    cycle_is_reported_alongside_an_unknown_parent => Case {
        files: &[
            ("0001_notes.sql", b"-- revision: 0001\n-- revises: 0002\n-- migrate:up\nCREATE TABLE notes (id INTEGER);\n"),
            ("0002_tags.sql", b"-- revision: 0002\n-- revises: 0001\n-- migrate:up\nCREATE TABLE tags (id INTEGER);\n"),
            ("0003_links.sql", b"-- revision: 0003\n-- revises: 0099\n-- migrate:up\nCREATE TABLE links (id INTEGER);\n"),
        ],
        stderr: &[
            "2 problems in `migrations`",
            "Can't locate revision `0099`, named as parent of `0003` in `migrations/0003_links.sql`",
            "revisions form a cycle",
        ],
        ..CASE
    };

    /// "unreadable files" are reported, and "all problems of a folder are reported together".
    /// As root no permission bit makes a file unreadable, so the file is a link to
    /// `/proc/self/mem`, a regular file whose first page cannot be read.
    #[cfg(target_os = "linux")]
    unreadable_file_is_reported_with_the_other_problems => Case {
        files: &[
            ("0001_notes.sql", ROOT.as_bytes()),
            ("0003_links.sql", b"-- revision: 0003\n-- revises: 0001\n-- migrate:down\nDROP TABLE links;\n"),
        ],
        prepare: |dir| {
            std::os::unix::fs::symlink("/proc/self/mem", dir.join("0002_tags.sql")).expect("symlink");
        },
        stderr: &["migrations/0002_tags.sql", "migrations/0003_links.sql: missing `-- migrate:up` section"],
        not_stderr: &["Applied"],
        ..CASE
    };

    broken_folder_from_a_fixture => Case {
        fixture: Some("broken"),
        stderr: &[
            "2 problems in `migrations`",
            "revision `0003` is defined twice: `migrations/0003_first.sql` and `migrations/0003_second.sql`",
            "Can't locate revision `a1b2`, named as parent of `0002` in `migrations/0002_orphan.sql`",
        ],
        postgres: true,
        ..CASE
    };

    missing_migrations_folder => Case {
        create_dir: false,
        // A configuration error, as the guide's exit codes say.
        code: 2,
        stderr: &["migrations folder `migrations` does not exist", "help: run `cargo brainmig init` to create it"],
        postgres: true,
        ..CASE
    };

    // ---- other commands load the same way ---------------------------------------------------

    /// A broken section does not stop a read-only command: it lists the revision and warns.
    history_warns_about_a_file_broken_in_its_sections => Case {
        files: &[("0001_notes.sql", b"-- revision: 0001\n-- migrate:up\nCREATE TABLE notes (id INTEGER);\n-- migrate:up\nSELECT 1;\n")],
        args: &["history"],
        code: 0,
        stderr: &["warning: revision `0001`: migrations/0001_notes.sql:4: a second `-- migrate:up` marker"],
        ..CASE
    };

    /// A header that cannot be read leaves the revision's place in the graph unknown: still an
    /// error for every command that builds the graph, read-only ones included.
    a_file_whose_header_cannot_be_read_still_blocks_heads => Case {
        files: &[("0001_notes.sql", b"-- revision: 0001\n-- revizes: 0000\n\n-- migrate:up\nCREATE TABLE notes (id INTEGER);\n")],
        args: &["heads"],
        stderr: &["migrations/0001_notes.sql:2: unknown header `revizes`"],
        postgres: true,
        ..CASE
    };

    sql_script_reports_broken_files => Case {
        files: &[("0001_notes.sql", b"-- revision: 0001\n-- migrate:up\nCREATE TABLE notes (id INTEGER);\n-- migrate:sideways\n")],
        args: &["up", "--sql"],
        stderr: &["migrations/0001_notes.sql:4: unknown marker `-- migrate:sideways`"],
        ..CASE
    };

    // ---- targets and plans ------------------------------------------------------------------

    unknown_target => Case {
        applied: &[("0001_notes.sql", ROOT)],
        files: &[("0002_tags.sql", CHILD_NO_DOWN.as_bytes())],
        args: &["up", "0009"],
        code: 2,
        stderr: &["error: no revision matches `0009`", "help: run `cargo brainmig history` to list the revisions"],
        postgres: true,
        ..CASE
    };

    malformed_target => Case {
        files: &[("0001_notes.sql", ROOT.as_bytes())],
        args: &["up", "0001;drop"],
        code: 2,
        stderr: &["error: `0001;drop` is not a valid target", "help: targets are `head`, `heads`, `base`"],
        ..CASE
    };

    ambiguous_prefix_target_lists_the_candidates => Case {
        files: &[
            ("0001_notes.sql", ROOT.as_bytes()),
            ("0002_tags.sql", CHILD_NO_DOWN.as_bytes()),
            ("0003_links.sql", GRANDCHILD.as_bytes()),
            ("0010_x.sql", b"-- revision: 0010\n-- revises: 0003\n-- migrate:up\nCREATE TABLE x (id INTEGER);\n"),
        ],
        args: &["up", "000"],
        code: 2,
        stderr: &["error: `000` is ambiguous: it matches `0001`, `0002`, `0003`"],
        not_stderr: &["`0010`"],
        postgres: true,
        ..CASE
    };

    down_across_a_revision_without_down_section => Case {
        applied: &[("0001_notes.sql", ROOT), ("0002_tags.sql", CHILD_NO_DOWN), ("0003_links.sql", GRANDCHILD)],
        args: &["down", "base"],
        stderr: &[
            "revision `0002` has no `-- migrate:down` section, so it cannot be downgraded (migrations/0002_tags.sql)",
            "help: add a `-- migrate:down` section",
        ],
        not_stderr: &["Reverted"],
        postgres: true,
        ..CASE
    };

    // ---- relative targets, merges, scaffolding --------------------------------------------------

    commit_inside_a_transactional_section => Case {
        applied: &[("0001_notes.sql", ROOT)],
        files: &[(
            "0002_tags.sql",
            b"-- revision: 0002\n-- revises: 0001\n\n-- migrate:up\nCREATE TABLE tags (id INTEGER);\nCOMMIT;\nCREATE TABLE links (id INTEGER);\n",
        )],
        stderr: &["migrations/0002_tags.sql:6: `COMMIT` in a section that runs in a transaction", "transaction:false"],
        postgres: true,
        ..CASE
    };

    down_beyond_base => Case {
        applied: &[("0001_notes.sql", ROOT)],
        args: &["down", "-3"],
        code: 2,
        stderr: &["error: cannot go down 3 revisions: only 1 applied"],
        postgres: true,
        ..CASE
    };

    up_beyond_head => Case {
        files: &[("0001_notes.sql", ROOT.as_bytes())],
        args: &["up", "+2"],
        code: 2,
        stderr: &["error: cannot go up 2 revisions: only 1 pending"],
        postgres: true,
        ..CASE
    };

    merge_of_a_revision_with_itself => Case {
        applied: &[("0001_notes.sql", ROOT)],
        args: &["merge", "-m", "join", "0001", "0001"],
        code: 2,
        stderr: &["error: a merge needs at least two distinct revisions, got `0001`"],
        ..CASE
    };

    unwritable_migrations_folder_for_new => Case {
        create_dir: false,
        // Even root cannot create files under /proc.
        prepare: |dir| std::os::unix::fs::symlink("/proc/self/fdinfo", dir).expect("symlink"),
        args: &["new", "-m", "add notes"],
        stderr: &["error: cannot write `migrations/0001_add_notes.sql`", "caused by:", "help: check that the migrations folder exists and is writable"],
        ..CASE
    };

    unterminated_string_in_a_transaction_false_section => Case {
        applied: &[("0001_notes.sql", ROOT)],
        files: &[(
            "0002_index.sql",
            b"-- revision: 0002\n-- revises: 0001\n\n-- migrate:up transaction:false\n\
              CREATE INDEX CONCURRENTLY notes_body_idx ON notes (body);\nINSERT INTO notes (body) VALUES ('oops);\n",
        )],
        stderr: &["migrations/0002_index.sql:6: unterminated string literal (it opens here)"],
        not_stderr: &["Applied 0002"],
        postgres: true,
        ..CASE
    };

    unterminated_dollar_quote_at_the_end_of_a_50_mb_file => Case {
        applied: &[("0001_notes.sql", ROOT)],
        prepare: |dir| {
            let mut text = String::from("-- revision: 0002\n-- revises: 0001\n\n-- migrate:up\n");
            let line = "INSERT INTO notes (body) VALUES ('a row of a large data migration');\n";
            text.push_str(&line.repeat(50 * 1024 * 1024 / line.len()));
            text.push_str("SELECT $$ never closed;\n");
            std::fs::write(dir.join("0002_bulk.sql"), text).expect("write the large file");
        },
        stderr: &["migrations/0002_bulk.sql:", "unterminated dollar-quoted string `$$` (it opens here)"],
        ..CASE
    };
}

// ---- files that look odd but are accepted ---------------------------------------------------

const NOTES_LF: &str = "-- revision: 0001\n-- message: create notes\n-- created: 2026-11-24 10:31:07 UTC\n\n\
                        -- migrate:up\nCREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n\
                        INSERT INTO notes (id, body) VALUES (1, 'first line\nsecond line');\n\n\
                        -- migrate:down\nDROP TABLE notes;\n";

fn backends() -> [Backend; 2] {
    [Backend::Sqlite, Backend::Postgres(TestDb::postgres())]
}

fn checksums(backend: &Backend, project: &TestProject) -> Vec<String> {
    backend.snapshot(project).rows
}

fn expect_clean(out: &Outcome, what: &str) {
    assert!(
        !out.stderr.contains("checksum") && !out.stderr.contains("warning"),
        "{what}: unexpected complaint\n{}",
        out.stderr
    );
}

#[test]
fn crlf_files_are_accepted_and_recorded_with_the_lf_checksum() {
    for backend in backends() {
        let lf = TestProject::empty();
        lf.write("migrations/0001_notes.sql", NOTES_LF);
        backend.run(&lf, &["up"]).success();
        let lf_rows = checksums(&backend, &lf);

        let crlf = TestProject::empty();
        if let Backend::Postgres(db) = &backend {
            db.execute("DROP TABLE notes; DROP TABLE brainmig_version;");
        }
        crlf.write("migrations/0001_notes.sql", &NOTES_LF.replace('\n', "\r\n"));
        let out = backend.run(&crlf, &["up"]).success();
        expect_clean(&out, "applying the CRLF file");
        assert_eq!(backend.snapshot(&crlf).tables, ["notes"], "on {backend}");
        assert_eq!(
            checksums(&backend, &crlf),
            lf_rows,
            "CRLF and LF checksums differ on {backend}"
        );

        // The same revision, converted to LF after it was applied: not an edit.
        crlf.write("migrations/0001_notes.sql", NOTES_LF);
        let out = backend.run(&crlf, &["up"]).success();
        expect_clean(&out, "re-running with the LF file");
        assert!(
            out.stderr.contains("nothing to do"),
            "on {backend}:\n{}",
            out.stderr
        );
        assert_eq!(checksums(&backend, &crlf), lf_rows, "on {backend}");
        // And it still reverts.
        backend.run(&crlf, &["down"]).success();
        assert!(backend.snapshot(&crlf).tables.is_empty(), "on {backend}");
    }
}

#[test]
fn a_utf8_bom_is_accepted_and_does_not_change_the_checksum() {
    for backend in backends() {
        let plain = TestProject::empty();
        plain.write("migrations/0001_notes.sql", NOTES_LF);
        backend.run(&plain, &["up"]).success();
        let plain_rows = checksums(&backend, &plain);
        if let Backend::Postgres(db) = &backend {
            db.execute("DROP TABLE notes; DROP TABLE brainmig_version;");
        }

        let bom = TestProject::empty();
        bom.write("migrations/0001_notes.sql", &format!("\u{feff}{NOTES_LF}"));
        bom.write(
            "migrations/0002_tags.sql",
            &format!("\u{feff}{}", CHILD_NO_DOWN.replace('\n', "\r\n")),
        );
        let out = backend.run(&bom, &["up"]).success();
        expect_clean(&out, "applying files with a BOM");
        assert_eq!(
            backend.snapshot(&bom).tables,
            ["notes", "tags"],
            "on {backend}"
        );
        let rows = checksums(&backend, &bom);
        assert_eq!(rows.len(), 2, "on {backend}: {rows:?}");
        assert_eq!(
            rows[0], plain_rows[0],
            "the BOM changed the checksum on {backend}"
        );
    }
}

#[test]
fn free_comments_and_transaction_options_before_and_on_markers_are_accepted() {
    let project = TestProject::empty();
    project.write(
        "migrations/0001_notes.sql",
        "-- revision: 0001\n-- Note: headers are lowercase; this line is prose\n-- see the design doc\n\n\
         -- migrate:up transaction:true\nCREATE TABLE notes (id INTEGER);\n\n\
         -- migrate:down transaction:false\nDROP TABLE notes;\n",
    );
    project.on_sqlite(&["up"]).success();
    assert_eq!(Backend::Sqlite.snapshot(&project).tables, ["notes"]);
}

// ---- the first hour: what a new user trips on (issue #12) -------------------------------------

/// The tables and recorded revisions of the project's SQLite file `app.db`.
fn sqlite_state(project: &TestProject) -> (Vec<String>, Vec<String>) {
    let file = project.path("app.db");
    (
        sqlite_strings(
            &file,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'brainmig_version' ORDER BY 1",
        ),
        sqlite_strings(&file, "SELECT revision FROM brainmig_version ORDER BY 1"),
    )
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// Issue #12, item 1: a fresh `new` (empty up section) blocks nothing but its own application.
#[test]
fn an_unfinished_revision_is_warned_about_everywhere_and_refused_only_by_the_up_that_runs_it() {
    let project = TestProject::linear(2);
    project.on_sqlite(&["up"]).success();
    let out = project.on_sqlite(&["new", "-m", "create notes"]).success();
    assert_eq!(out.stdout.trim(), "migrations/0003_create_notes.sql");
    let warning = "warning: revision `0003`: migrations/0003_create_notes.sql:6: the `-- migrate:up` section has no statements";

    for args in [
        &["current"][..],
        &["history"],
        &["heads"],
        &["branches"],
        &["show", "0003"],
    ] {
        let out = project.on_sqlite(args).success();
        assert!(out.stderr.contains(warning), "{args:?}:\n{}", out.stderr);
    }
    let heads = project.on_sqlite(&["heads"]).success();
    assert!(
        heads.stdout.contains("0003 (head) (file broken)"),
        "{}",
        heads.stdout
    );
    project.on_sqlite(&["config"]).success();

    // `new` on top of the unfinished file works, and so does a branch beside it.
    let out = project
        .on_sqlite(&["new", "-m", "create tags", "--head", "0003"])
        .success();
    assert_eq!(out.stdout.trim(), "migrations/0004_create_tags.sql");
    assert!(out.stderr.contains(warning), "{}", out.stderr);

    // `up` would run both unfinished files: refused before anything runs, both named.
    let out = project.on_sqlite(&["up"]).fails_with(1);
    assert!(
        out.stderr.contains("error: cannot apply revisions `0003`, `0004`: their files are broken:")
            && out.stderr.contains("  - migrations/0003_create_notes.sql:6: the `-- migrate:up` section has no statements")
            && out.stderr.contains("  - migrations/0004_create_tags.sql:6: ")
            && out.stderr.contains("help: write the SQL of the change under `-- migrate:up`")
            && out.stderr.contains("run `cargo brainmig up 0002`"),
        "{}",
        out.stderr
    );
    assert_eq!(
        sqlite_state(&project),
        (strings(&["t1", "t2"]), strings(&["0001", "0002"]))
    );

    // A plan that stops before them runs; `down` does not need them.
    let out = project.on_sqlite(&["up", "0002"]).success();
    assert!(
        out.stderr.contains("nothing to do") && out.stderr.contains(warning),
        "{}",
        out.stderr
    );
    let out = project.on_sqlite(&["down"]).success();
    assert!(out.stderr.contains("Reverted 0002"), "{}", out.stderr);
    assert_eq!(
        sqlite_state(&project),
        (strings(&["t1"]), strings(&["0001"]))
    );
}

/// Issue #13, "Empty up sections": once the template's placeholder line is deleted, an up
/// section without statements is deliberate: it applies (its row is recorded) with a warning
/// naming it, and an empty down section reverts it as a no-op.
#[test]
fn an_up_section_emptied_on_purpose_applies_with_a_warning_and_reverts() {
    let project = TestProject::linear(1);
    project.on_sqlite(&["up"]).success();
    project
        .on_sqlite(&["new", "-m", "kept for numbering"])
        .success();
    let rel = "migrations/0002_kept_for_numbering.sql";
    let text = project.read(rel);
    assert!(
        text.contains("-- Write the SQL that applies this change here."),
        "{text}"
    );
    // While the placeholder is there, the revision is unfinished.
    let out = project.on_sqlite(&["up"]).fails_with(1);
    assert!(
        out.stderr.contains("section has no statements"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("delete the placeholder line"),
        "{}",
        out.stderr
    );
    assert_eq!(
        sqlite_state(&project),
        (strings(&["t1"]), strings(&["0001"]))
    );

    let kept: String = text
        .lines()
        .filter(|l| !l.starts_with("-- Write the SQL that applies"))
        .map(|l| format!("{l}\n"))
        .collect();
    project.write(rel, &kept);
    let out = project.on_sqlite(&["up"]).success();
    assert!(
        out.stderr.contains(
            "warning: revision `0002` (migrations/0002_kept_for_numbering.sql): its up section has no statements"
        ),
        "{}",
        out.stderr
    );
    assert_eq!(
        sqlite_state(&project),
        (strings(&["t1"]), strings(&["0001", "0002"]))
    );
    // Other commands load it without complaint.
    let out = project.on_sqlite(&["history"]).success();
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);

    // Its down section holds only the template's comment: reverting it runs nothing.
    project.on_sqlite(&["down"]).success();
    assert_eq!(
        sqlite_state(&project),
        (strings(&["t1"]), strings(&["0001"]))
    );
}

/// Issue #12, item 1: a `BEGIN;` in an unapplied revision no longer blocks `down base`.
#[test]
fn a_begin_in_an_unapplied_revision_does_not_block_down_base_on_postgres() {
    let db = TestDb::postgres();
    let project = TestProject::linear(2);
    project.on(&db, &["up"]).success();
    project.write(
        "migrations/0003_tx.sql",
        &rev(
            "0003",
            &["0002"],
            "BEGIN;\nCREATE TABLE t3 (id INTEGER);\nCOMMIT;",
            Some("DROP TABLE t3;"),
        ),
    );

    let out = project.on(&db, &["up"]).fails_with(1);
    assert!(
        out.stderr
            .contains("error: cannot apply revision `0003`: its file is broken:")
            && out.stderr.contains(
                "migrations/0003_tx.sql:6: `BEGIN` in a section that runs in a transaction"
            )
            && out
                .stderr
                .contains("help: remove the transaction control statement"),
        "{}",
        out.stderr
    );
    assert_eq!(db.applied(), strings(&["0001", "0002"]));

    let out = project.on(&db, &["down", "base"]).success();
    assert!(
        out.stderr
            .contains("warning: revision `0003`: migrations/0003_tx.sql:6: `BEGIN`")
            && out.stderr.contains("Reverted 0001"),
        "{}",
        out.stderr
    );
    assert_eq!(db.tables(), strings(&["brainmig_version"]));
    assert!(db.applied().is_empty());
}

/// Issue #12, item 1: an applied file that stops parsing was edited after it was applied. It is
/// refused like any edit of an applied revision; `--ignore-checksums` reverts it with the down
/// section stored when it was applied.
#[test]
fn an_applied_revision_whose_file_no_longer_parses_is_refused_like_an_edit() {
    let project = TestProject::linear(2);
    project.on_sqlite(&["up"]).success();
    project.write(
        "migrations/0002_r.sql",
        &rev(
            "0002",
            &["0001"],
            "CREATE TABLE t2 (id INTEGER PRIMARY KEY);\nCOMMIT;",
            Some("DROP TABLE t2;"),
        ),
    );

    let out = project.on_sqlite(&["current"]).success();
    assert!(
        out.stderr
            .contains("warning: revision `0002`: migrations/0002_r.sql:7: `COMMIT`")
            && out.stderr.contains(
                "it is applied, so `up` and `down` refuse to run until the file is restored"
            ),
        "{}",
        out.stderr
    );
    for args in [&["up"][..], &["down"]] {
        let out = project.on_sqlite(args).fails_with(1);
        assert!(
            out.stderr.contains("error: revision `0002` is applied but its file no longer parses: migrations/0002_r.sql:7:")
                && out.stderr.contains("help: applied migrations should not be edited"),
            "{args:?}:\n{}",
            out.stderr
        );
    }
    assert_eq!(
        sqlite_state(&project),
        (strings(&["t1", "t2"]), strings(&["0001", "0002"]))
    );

    let out = project.on_sqlite(&["down", "--ignore-checksums"]).success();
    assert!(out.stderr.contains("Reverted 0002"), "{}", out.stderr);
    assert_eq!(
        sqlite_state(&project),
        (strings(&["t1"]), strings(&["0001"]))
    );
}

/// Issue #12, item 2: two git branches each ran `new` and both created `0005`. The error names
/// both files, says what happened, and how to fix it; following the advice works.
#[test]
fn two_branches_creating_the_same_id_are_explained_and_the_advice_fixes_it() {
    let project = TestProject::linear(4);
    let tags = rev(
        "0005",
        &["0004"],
        "CREATE TABLE tags (id INTEGER);",
        Some("DROP TABLE tags;"),
    );
    project.write("migrations/0005_add_tags.sql", &tags);
    project.on_sqlite(&["up"]).success();
    // The other branch, merged in git afterwards.
    let cards = rev(
        "0005",
        &["0004"],
        "CREATE TABLE cards (id INTEGER);",
        Some("DROP TABLE cards;"),
    );
    project.write("migrations/0005_add_cards.sql", &cards);

    // Without the database (`new`), the choice cannot know which file is applied, and says so.
    let out = project.on_sqlite(&["new", "-m", "more"]).fails_with(1);
    assert!(
        out.stderr.contains("two branches, e.g. git branches merged since, each created revision `0005`")
            && out.stderr.contains("a free id (if it is the one not yet applied to a shared database; else the other file)")
            && out.stderr.contains("`-- revision: 0005` line to `-- revision: 0006`"),
        "{}",
        out.stderr
    );
    for args in [&["up"][..], &["heads"]] {
        let out = project.on_sqlite(args).fails_with(1);
        let expected = [
            "revision `0005` is defined twice: `migrations/0005_add_cards.sql` and `migrations/0005_add_tags.sql`",
            "two branches, e.g. git branches merged since, each created revision `0005`; both revise `0004`",
            // The applied one (0005_add_tags) keeps its id: the other is renamed.
            "help: give `migrations/0005_add_cards.sql` a free id",
            "rename it to `migrations/0006_add_cards.sql` and change its `-- revision: 0005` line to `-- revision: 0006`",
            "change its `-- revises: 0004` line to `-- revises: 0005` (a linear history)",
            "cargo brainmig merge -m \"merge\" heads",
        ];
        for wanted in expected {
            assert!(
                out.stderr.contains(wanted),
                "{args:?}: lacks {wanted:?}:\n{}",
                out.stderr
            );
        }
    }
    assert_eq!(
        sqlite_state(&project).1,
        strings(&["0001", "0002", "0003", "0004", "0005"])
    );

    // Do what the help says.
    std::fs::remove_file(project.path("migrations/0005_add_cards.sql")).expect("rename");
    project.write(
        "migrations/0006_add_cards.sql",
        &cards
            .replace("-- revision: 0005", "-- revision: 0006")
            .replace("-- revises: 0004", "-- revises: 0005"),
    );
    let out = project.on_sqlite(&["up"]).success();
    assert!(out.stderr.contains("Applied 0006"), "{}", out.stderr);
    let (tables, applied) = sqlite_state(&project);
    assert!(
        tables.contains(&"cards".to_owned()) && tables.contains(&"tags".to_owned()),
        "{tables:?}"
    );
    assert_eq!(applied.last().map(String::as_str), Some("0006"));
}

/// Issue #12, item 3: the file of an applied revision in the middle of the history is deleted.
/// `current` and `up` say `down` can go past it, and it can: from the stored down section.
#[test]
fn down_reverts_an_applied_revision_whose_file_was_deleted_from_the_middle() {
    let db = TestDb::postgres();
    for backend in [Backend::Sqlite, Backend::Postgres(db)] {
        let project = TestProject::linear(3);
        backend.run(&project, &["up"]).success();
        std::fs::remove_file(project.path("migrations/0002_r.sql")).expect("delete 0002");

        let out = backend.run(&project, &["current"]).success();
        assert!(
            out.stderr.contains("records 0002 with no file here")
                && out.stderr.contains("`down` past it"),
            "{backend}:\n{}",
            out.stderr
        );
        let out = backend.run(&project, &["up"]).fails_with(1);
        assert!(
            out.stderr
                .contains("run `cargo brainmig down` to revert with the stored down section"),
            "{backend}:\n{}",
            out.stderr
        );

        let out = backend.run(&project, &["down"]).success();
        assert!(
            out.stderr.contains("Reverted 0003"),
            "{backend}:\n{}",
            out.stderr
        );
        let out = backend.run(&project, &["down"]).success();
        assert!(
            out.stderr.contains("Reverted 0002"),
            "{backend}:\n{}",
            out.stderr
        );
        assert!(
            !out.stderr.contains("Can't locate"),
            "{backend}:\n{}",
            out.stderr
        );
        let snapshot = backend.snapshot(&project);
        assert_eq!(snapshot.tables, strings(&["t1"]), "{backend}");
        assert_eq!(snapshot.rows.len(), 1, "{backend}: {:?}", snapshot.rows);
        assert!(
            snapshot.rows[0].starts_with("0001 "),
            "{backend}: {:?}",
            snapshot.rows
        );
    }
}

/// Issue #12, item 4: `new --head` on a non-head points at `--splice`, which works and which the
/// guide documents beside `new --head`.
#[test]
fn new_head_on_a_non_head_points_to_splice_which_branches_and_is_documented() {
    let project = TestProject::linear(3);
    let out = project
        .on_sqlite(&["new", "-m", "side", "--head", "0002"])
        .fails_with(2);
    assert!(
        out.stderr.contains("pass `--splice` to branch on purpose"),
        "{}",
        out.stderr
    );
    assert!(!project.path("migrations/0004_side.sql").exists());

    let out = project
        .on_sqlite(&["new", "-m", "side", "--head", "0002", "--splice"])
        .success();
    assert_eq!(out.stdout.trim(), "migrations/0004_side.sql");
    assert!(
        project
            .read("migrations/0004_side.sql")
            .contains("-- revises: 0002")
    );

    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/src");
    let commands = std::fs::read_to_string(docs.join("commands.md")).expect("commands.md");
    assert!(
        commands.contains("`new -m MSG [--head REV [--splice]]"),
        "the command table documents --splice"
    );
    let conflicts =
        std::fs::read_to_string(docs.join("team-conflicts.md")).expect("team-conflicts.md");
    assert!(
        conflicts.contains("## Branching on purpose: `--splice`"),
        "the guide explains --splice"
    );
}

/// Issue #12, item 10: `show` says `applied:` once, applied or not.
#[test]
fn show_says_applied_once() {
    let project = TestProject::linear(2);
    project.on_sqlite(&["up", "0001"]).success();
    let applied = project.on_sqlite(&["show", "0001"]).success();
    assert_eq!(
        applied.stdout.matches("applied:").count(),
        1,
        "{}",
        applied.stdout
    );
    assert!(
        applied.stdout.contains("      applied:  20"),
        "{}",
        applied.stdout
    );
    let pending = project.on_sqlite(&["show", "0002"]).success();
    assert_eq!(
        pending.stdout.matches("applied:").count(),
        1,
        "{}",
        pending.stdout
    );
    assert!(
        pending.stdout.contains("      applied:  no\n"),
        "{}",
        pending.stdout
    );
}

/// Issue #12, item 10: `down` at base has nothing to revert, which is not an error.
#[test]
fn down_at_base_says_there_is_nothing_to_revert_and_succeeds() {
    let db = TestDb::postgres();
    for backend in [Backend::Sqlite, Backend::Postgres(db)] {
        let project = TestProject::linear(1);
        for args in [&["down"][..], &["down", "base"], &["down", "-2"]] {
            let out = backend.run(&project, args).success();
            assert!(
                out.stderr.contains(
                    "Finished nothing to revert: no revision is applied (the database is at base)"
                ) && !out.stderr.contains("cannot go down"),
                "{backend} {args:?}:\n{}",
                out.stderr
            );
        }
        assert!(backend.snapshot(&project).rows.is_empty(), "{backend}");
    }
}
