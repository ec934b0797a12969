//! Tests for init, new, merge and the read-only commands: current, history, heads, branches, show.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::{Outcome, TestDb, TestProject, sqlite_strings};

// ---------------------------------------------------------------------------------------------
// Helpers local to these tests.
// ---------------------------------------------------------------------------------------------

/// The placeholder lines of the built-in template's two sections.
const UP_PLACEHOLDER: &str = "-- Write the SQL that applies this change here.";
const DOWN_PLACEHOLDER: &str = "-- Write the SQL that undoes exactly what the up section did.";

/// stdout parsed as one JSON document.
fn json(out: &Outcome) -> Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", out.stdout))
}

/// The `revision` of every item of `doc[key]`, in order.
fn revisions_of(doc: &Value, key: &str) -> Vec<String> {
    doc[key]
        .as_array()
        .unwrap_or_else(|| panic!("`{key}` is not an array in {doc}"))
        .iter()
        .map(|item| {
            item["revision"]
                .as_str()
                .expect("revision is a string")
                .to_owned()
        })
        .collect()
}

/// The item of `doc[key]` whose `revision` is `id`.
fn item<'a>(doc: &'a Value, key: &str, id: &str) -> &'a Value {
    doc[key]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["revision"] == id))
        .unwrap_or_else(|| panic!("no `{id}` in `{key}` of {doc}"))
}

/// The path printed on stdout by `new` or `merge`.
fn written(out: &Outcome) -> String {
    let path = out.stdout.trim();
    assert!(
        !path.is_empty() && !path.contains('\n'),
        "expected one path on stdout, got:\n{}",
        out.stdout
    );
    path.to_owned()
}

/// Replaces the built-in template's placeholder comments in `rel` with SQL.
fn fill(project: &TestProject, rel: &str, up: &str, down: &str) {
    let text = project.read(rel);
    assert!(
        text.contains(UP_PLACEHOLDER) && text.contains(DOWN_PLACEHOLDER),
        "not from the built-in template:\n{text}"
    );
    // The whole placeholder line goes: it also says to delete it.
    let filled: String = text
        .lines()
        .map(|line| {
            if line.starts_with(UP_PLACEHOLDER) {
                up
            } else if line.starts_with(DOWN_PLACEHOLDER) {
                down
            } else {
                line
            }
        })
        .map(|line| format!("{line}\n"))
        .collect();
    project.write(rel, &filled);
}

/// Tables of the project's SQLite file `app.db`, sorted.
fn sqlite_tables(project: &TestProject) -> Vec<String> {
    let db = project.path("app.db");
    assert!(db.exists(), "`{}` does not exist", db.display());
    sqlite_strings(
        &db,
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1",
    )
}

/// Revisions recorded in the project's SQLite file `app.db`, sorted.
fn sqlite_applied(project: &TestProject) -> Vec<String> {
    sqlite_strings(
        &project.path("app.db"),
        "SELECT revision FROM brainmig_version ORDER BY 1",
    )
}

/// The `.sql` files of `migrations/`, sorted.
fn migration_files(project: &TestProject) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(project.path("migrations"))
        .expect("migrations folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    names.sort();
    names
}

/// The current UTC time formatted by `date -u +FORMAT`, independent of brainmig's own clock code.
fn utc_now(format: &str) -> String {
    let out = Command::new("date")
        .arg("-u")
        .arg(format!("+{format}"))
        .output()
        .expect("runs `date`");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A cargo package (its own workspace) with `extra` appended to `[package.metadata.brainmig]`
/// and an empty `migrations/` folder.
fn cargo_project(extra: &str) -> TestProject {
    let project = TestProject::empty();
    project.write(
        "Cargo.toml",
        &format!(
            "[package]\nname = \"notes-app\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
             [workspace]\n\n[package.metadata.brainmig]\n{extra}\n"
        ),
    );
    project.write("src/lib.rs", "");
    std::fs::create_dir_all(project.path("migrations")).expect("mkdir");
    project
}

/// The header lines (`-- key: value`) of a revision file, before its first marker.
fn header(text: &str, key: &str) -> Option<String> {
    text.lines()
        .take_while(|l| !l.starts_with("-- migrate:"))
        .find_map(|l| l.strip_prefix(&format!("-- {key}:")))
        .map(|v| v.trim().to_owned())
}

// ---------------------------------------------------------------------------------------------
// init
// ---------------------------------------------------------------------------------------------

#[test]
fn init_creates_the_folder_and_an_editable_template_and_prints_valid_config() {
    let project = cargo_project("");
    std::fs::remove_dir(project.path("migrations")).expect("rmdir");

    let out = project.brainmig(["init"]).success();
    assert!(project.path("migrations").is_dir());
    let built_in = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/revision.sql"),
    )
    .expect("built-in template");
    assert_eq!(project.read("migrations/revision.sql.tmpl"), built_in);
    assert!(
        out.stderr.contains("Created migrations folder"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("Created template"), "{}", out.stderr);
    assert!(
        out.stderr.contains("cargo brainmig new -m"),
        "{}",
        out.stderr
    );

    // stdout is the config to paste: valid TOML naming the folder and the template.
    let config: toml::Table = out
        .stdout
        .parse()
        .unwrap_or_else(|e| panic!("not TOML ({e}):\n{}", out.stdout));
    let brainmig = &config["package"]["metadata"]["brainmig"];
    assert_eq!(
        brainmig["migrations"].as_str(),
        Some("migrations"),
        "{}",
        out.stdout
    );
    assert_eq!(
        brainmig["template"].as_str(),
        Some("migrations/revision.sql.tmpl"),
        "{}",
        out.stdout
    );
    assert_eq!(
        brainmig["version_table"].as_str(),
        Some("brainmig_version"),
        "{}",
        out.stdout
    );
    assert_eq!(
        brainmig["revision_style"].as_str(),
        Some("sequence"),
        "{}",
        out.stdout
    );
    assert!(
        migration_files(&project).is_empty(),
        "init writes no revision"
    );

    // A second run keeps an edited template.
    project.write("migrations/revision.sql.tmpl", "-- mine\n");
    let again = project.brainmig(["init"]).success();
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert_eq!(project.read("migrations/revision.sql.tmpl"), "-- mine\n");
}

#[test]
fn init_without_a_cargo_project_uses_the_migrations_dir_given() {
    let project = TestProject::empty();
    let out = project
        .brainmig(["init", "--migrations-dir", "db/migrations"])
        .success();
    assert!(project.path("db/migrations/revision.sql.tmpl").is_file());
    assert!(
        out.stdout.contains("migrations = \"db/migrations\""),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("template = \"db/migrations/revision.sql.tmpl\""),
        "{}",
        out.stdout
    );
}

// ---------------------------------------------------------------------------------------------
// new
// ---------------------------------------------------------------------------------------------

#[test]
fn new_scaffolds_the_first_revision_and_up_applies_it_once_written() {
    let project = TestProject::empty();
    std::fs::create_dir_all(project.path("migrations")).expect("mkdir");

    let before = utc_now("%Y-%m-%d %H:%M:%S UTC");
    let out = project
        .on_sqlite(&["new", "-m", "Add email_verified to users"])
        .success();
    let after = utc_now("%Y-%m-%d %H:%M:%S UTC");
    assert_eq!(
        written(&out),
        "migrations/0001_add_email_verified_to_users.sql"
    );
    assert_eq!(
        migration_files(&project),
        ["0001_add_email_verified_to_users.sql"]
    );
    assert!(
        out.stderr.contains("Created revision 0001"),
        "{}",
        out.stderr
    );

    let rel = "migrations/0001_add_email_verified_to_users.sql";
    let text = project.read(rel);
    assert_eq!(header(&text, "revision").as_deref(), Some("0001"), "{text}");
    assert_eq!(
        header(&text, "revises").as_deref(),
        Some(""),
        "a root revises nothing:\n{text}"
    );
    assert_eq!(
        header(&text, "message").as_deref(),
        Some("Add email_verified to users"),
        "{text}"
    );
    let created = header(&text, "created").expect("created header");
    assert!(
        before <= created && created <= after,
        "created `{created}` not within [{before}, {after}]"
    );
    assert!(text.contains("\n-- migrate:up\n"), "{text}");
    assert!(text.contains("\n-- migrate:down\n"), "{text}");

    fill(
        &project,
        rel,
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email_verified BOOLEAN NOT NULL DEFAULT FALSE);",
        "DROP TABLE users;",
    );
    project.on_sqlite(&["up"]).success();
    assert_eq!(sqlite_tables(&project), ["brainmig_version", "users"]);
    assert_eq!(sqlite_applied(&project), ["0001"]);

    // The next one revises the head; `revision` is an alias of `new`.
    let out = project
        .on_sqlite(&["revision", "-m", "index users by email"])
        .success();
    assert_eq!(written(&out), "migrations/0002_index_users_by_email.sql");
    let text = project.read("migrations/0002_index_users_by_email.sql");
    assert_eq!(header(&text, "revision").as_deref(), Some("0002"), "{text}");
    assert_eq!(header(&text, "revises").as_deref(), Some("0001"), "{text}");
}

#[test]
fn new_numbers_after_the_largest_numeric_id_and_refuses_a_message_without_words() {
    let project = TestProject::linear(6);
    let out = project.on_sqlite(&["new", "-m", "!!!"]).fails_with(2);
    assert!(
        out.stderr.contains("at least one letter or digit"),
        "{}",
        out.stderr
    );
    assert_eq!(migration_files(&project).len(), 6, "nothing written");

    let out = project.on_sqlite(&["new", "-m", "add tags"]).success();
    assert_eq!(written(&out), "migrations/0007_add_tags.sql");
    let text = project.read("migrations/0007_add_tags.sql");
    assert_eq!(header(&text, "revises").as_deref(), Some("0006"), "{text}");

    // Until its up section is written, the scaffold is reported (with its line) rather than run.
    let out = project.on_sqlite(&["up"]).fails_with(1);
    assert!(
        out.stderr.contains(
            "migrations/0007_add_tags.sql:6: the `-- migrate:up` section has no statements"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn new_with_no_transaction_marks_both_sections_and_the_file_runs_concurrently_on_postgres() {
    let db = TestDb::postgres();
    let project = TestProject::empty();
    project.revision(
        "0001",
        &[],
        "CREATE TABLE notes (id INTEGER, title TEXT);",
        Some("DROP TABLE notes;"),
    );

    let out = project
        .on(&db, &["new", "-m", "index note titles", "--no-transaction"])
        .success();
    let rel = written(&out);
    assert_eq!(rel, "migrations/0002_index_note_titles.sql");
    let text = project.read(&rel);
    assert!(
        text.contains("\n-- migrate:up transaction:false\n"),
        "{text}"
    );
    assert!(
        text.contains("\n-- migrate:down transaction:false\n"),
        "{text}"
    );

    // Without the flag the markers are plain.
    fill(
        &project,
        &rel,
        "CREATE INDEX CONCURRENTLY notes_title_idx ON notes (title);",
        "DROP INDEX CONCURRENTLY notes_title_idx;",
    );
    let plain = project.on(&db, &["new", "-m", "plain"]).success();
    let plain_text = project.read(&written(&plain));
    assert!(!plain_text.contains("transaction:false"), "{plain_text}");
    std::fs::remove_file(project.path(&written(&plain))).expect("rm");

    // CONCURRENTLY cannot run in a transaction: this only works because of the markers.
    project.on(&db, &["up"]).success();
    assert_eq!(db.applied(), ["0001", "0002"]);
    assert_eq!(
        db.strings("SELECT indexname::text FROM pg_indexes WHERE tablename = 'notes'"),
        ["notes_title_idx"]
    );
    project.on(&db, &["down"]).success();
    assert!(
        db.strings("SELECT indexname::text FROM pg_indexes WHERE tablename = 'notes'")
            .is_empty()
    );
}

#[test]
fn new_with_several_heads_needs_head_and_writes_nothing_without_it() {
    let project = TestProject::with_migrations("branched");
    let files = migration_files(&project);

    let out = project
        .on_sqlite(&["new", "-m", "add reviews"])
        .fails_with(2);
    assert!(
        out.stderr.contains("multiple heads are present"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("`0002a`") && out.stderr.contains("`0002b`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--head"), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert_eq!(migration_files(&project), files, "nothing written");

    let out = project
        .on_sqlite(&["new", "-m", "add reviews", "--head", "0002b"])
        .success();
    let rel = written(&out);
    let text = project.read(&rel);
    assert_eq!(header(&text, "revises").as_deref(), Some("0002b"), "{text}");
    let id = header(&text, "revision").expect("revision header");
    assert!(
        rel.starts_with(&format!("migrations/{id}_add_reviews")),
        "{rel}"
    );
    assert!(
        !["0001", "0002a", "0002b"].contains(&id.as_str()),
        "new id `{id}` must be new"
    );

    // The new revision is now a head in place of 0002b.
    fill(
        &project,
        &rel,
        "CREATE TABLE reviews (id INTEGER PRIMARY KEY);",
        "DROP TABLE reviews;",
    );
    let heads = json(&project.on_sqlite(&["heads", "--format", "json"]).success());
    assert_eq!(revisions_of(&heads, "heads"), ["0002a", id.as_str()]);

    // `--head` may name any head; an unknown one is refused.
    let out = project
        .on_sqlite(&["new", "-m", "more", "--head", "0002a"])
        .success();
    let rel = written(&out);
    assert_eq!(
        header(&project.read(&rel), "revises").as_deref(),
        Some("0002a")
    );
    fill(&project, &rel, "SELECT 1;", "SELECT 1;");
    let out = project
        .on_sqlite(&["new", "-m", "nope", "--head", "zz9"])
        .fails_with(2);
    assert!(
        out.stderr.contains("no revision matches `zz9`"),
        "{}",
        out.stderr
    );
}

#[test]
fn timestamp_style_ids_are_the_utc_creation_time_and_never_repeat() {
    let project = cargo_project("revision_style = \"timestamp\"");

    let before = utc_now("%Y%m%d%H%M%S");
    let out = project.brainmig(["new", "-m", "create notes"]).success();
    let after = utc_now("%Y%m%d%H%M%S");
    let rel = written(&out);
    let name = rel
        .strip_prefix("migrations/")
        .unwrap_or_else(|| panic!("{rel}"));
    let (id, rest) = name.split_once('_').expect("id_slug.sql");
    assert_eq!(rest, "create_notes.sql");
    assert_eq!(id.len(), 14, "{id}");
    assert!(id.bytes().all(|b| b.is_ascii_digit()), "{id}");
    assert!(
        before.as_str() <= id && id <= after.as_str(),
        "id `{id}` not within [{before}, {after}]"
    );
    assert_eq!(header(&project.read(&rel), "revision").as_deref(), Some(id));

    // Right after (most likely within the same second) the next id still differs and revises it.
    fill(
        &project,
        &rel,
        "CREATE TABLE notes (id INTEGER);",
        "DROP TABLE notes;",
    );
    let out = project.brainmig(["new", "-m", "create tags"]).success();
    let text = project.read(&written(&out));
    let second = header(&text, "revision").expect("revision");
    assert_eq!(second.len(), 14, "{second}");
    assert!(second.as_str() > id, "`{second}` must sort after `{id}`");
    assert_eq!(header(&text, "revises").as_deref(), Some(id), "{text}");
}

// ---------------------------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------------------------

const TEAM_TEMPLATE: &str = "-- revision: {{revision}}\n-- revises: {{revises}}\n-- message: {{message}}\n\n\
-- migrate:up{{up_options}}\n-- TEAM TEMPLATE for {{ message }}\nSELECT 1;\n\n-- migrate:down{{down_options}}\nSELECT 1;\n";

#[test]
fn the_template_in_the_migrations_folder_overrides_the_built_in_one() {
    let project = TestProject::linear(1);
    project.write("migrations/revision.sql.tmpl", TEAM_TEMPLATE);
    let out = project
        .on_sqlite(&["new", "-m", "add notes", "--no-transaction"])
        .success();
    let text = project.read(&written(&out));
    assert_eq!(
        text,
        "-- revision: 0002\n-- revises: 0001\n-- message: add notes\n\n-- migrate:up transaction:false\n\
         -- TEAM TEMPLATE for add notes\nSELECT 1;\n\n-- migrate:down transaction:false\nSELECT 1;\n"
    );
    // The template file is not itself taken for a revision.
    project.on_sqlite(&["up"]).success();
    assert_eq!(sqlite_applied(&project), ["0001", "0002"]);
}

#[test]
fn the_template_config_key_wins_over_the_folder_template() {
    let project = cargo_project("template = \"db/revision.tmpl\"");
    project.write(
        "migrations/revision.sql.tmpl",
        "-- revision: {{revision}}\n-- FOLDER\n-- migrate:up\nSELECT 1;\n",
    );
    project.write("db/revision.tmpl", TEAM_TEMPLATE);
    let out = project.brainmig(["new", "-m", "first"]).success();
    let text = project.read(&written(&out));
    assert!(text.contains("-- TEAM TEMPLATE for first"), "{text}");
    assert!(!text.contains("FOLDER"), "{text}");

    // A configured template that is missing is an error, not a silent fallback.
    std::fs::remove_file(project.path("db/revision.tmpl")).expect("rm");
    let out = project.brainmig(["new", "-m", "second"]).fails_with(2);
    assert!(
        out.stderr.contains("db/revision.tmpl") && out.stderr.contains("cannot be read"),
        "{}",
        out.stderr
    );
}

#[test]
fn an_unknown_placeholder_or_an_unparsable_template_is_refused_and_nothing_is_written() {
    let project = TestProject::linear(1);
    project.write(
        "migrations/revision.sql.tmpl",
        "-- revision: {{revision}}\n-- author: {{author}}\n-- migrate:up\nSELECT 1;\n",
    );
    let out = project.on_sqlite(&["new", "-m", "add notes"]).fails_with(2);
    assert!(
        out.stderr.contains("unknown placeholder `{{author}}`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("migrations/revision.sql.tmpl"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("{{revision}}, {{revises}}, {{message}}"),
        "help lists placeholders:\n{}",
        out.stderr
    );
    assert_eq!(migration_files(&project), ["0001_r.sql"]);

    // A template whose result is not a revision file is caught before writing it.
    project.write(
        "migrations/revision.sql.tmpl",
        "-- revision: {{revision}}\nSELECT 1;\n",
    );
    let out = project.on_sqlite(&["new", "-m", "add notes"]).fails_with(2);
    assert!(out.stderr.contains("does not parse"), "{}", out.stderr);
    assert_eq!(migration_files(&project), ["0001_r.sql"]);
}

// ---------------------------------------------------------------------------------------------
// merge
// ---------------------------------------------------------------------------------------------

#[test]
fn merge_writes_a_revision_with_both_heads_as_parents_and_up_applies_it() {
    let project = TestProject::with_migrations("branched");
    project.on_sqlite(&["up", "0002a"]).success();

    let out = project
        .on_sqlite(&["merge", "-m", "Merge tags and cards", "0002b", "0002a"])
        .success();
    let rel = written(&out);
    let text = project.read(&rel);
    let id = header(&text, "revision").expect("revision");
    assert!(
        rel.starts_with(&format!("migrations/{id}_merge_tags_and_cards")),
        "{rel}"
    );
    assert_eq!(
        header(&text, "revises").as_deref(),
        Some("0002a, 0002b"),
        "parents in graph order:\n{text}"
    );
    assert_eq!(
        header(&text, "message").as_deref(),
        Some("Merge tags and cards"),
        "{text}"
    );

    let heads = json(&project.on_sqlite(&["heads", "--format", "json"]).success());
    assert_eq!(revisions_of(&heads, "heads"), [id.as_str()]);

    // A merge may have nothing to run; `up` (to the single head) applies the other branch and it.
    let out = project.on_sqlite(&["up"]).success();
    assert!(
        out.stderr.contains("applied 2 revision(s)"),
        "{}",
        out.stderr
    );
    let mut expected = vec![
        "0001".to_owned(),
        "0002a".into(),
        "0002b".into(),
        id.clone(),
    ];
    expected.sort();
    assert_eq!(sqlite_applied(&project), expected);
    assert_eq!(
        sqlite_tables(&project),
        ["brainmig_version", "cards", "tags", "users"]
    );
    let current = json(
        &project
            .on_sqlite(&["current", "--format", "json"])
            .success(),
    );
    assert_eq!(revisions_of(&current, "current"), [id.as_str()]);
}

#[test]
fn merge_heads_joins_every_head() {
    let project = TestProject::with_migrations("branched");
    let out = project
        .on_sqlite(&["merge", "-m", "join", "heads"])
        .success();
    let text = project.read(&written(&out));
    assert_eq!(
        header(&text, "revises").as_deref(),
        Some("0002a, 0002b"),
        "{text}"
    );
    let show = json(
        &project
            .on_sqlite(&[
                "show",
                &header(&text, "revision").expect("id"),
                "--format",
                "json",
            ])
            .success(),
    );
    assert_eq!(show["parents"], serde_json::json!(["0002a", "0002b"]));
}

#[test]
fn merging_a_revision_with_itself_or_a_single_head_is_refused() {
    let project = TestProject::with_migrations("branched");
    let files = migration_files(&project);
    let out = project
        .on_sqlite(&["merge", "-m", "self", "0002a", "0002a"])
        .fails_with(2);
    assert!(
        out.stderr.contains("at least two distinct revisions"),
        "{}",
        out.stderr
    );
    assert_eq!(migration_files(&project), files);

    let linear = TestProject::linear(2);
    let out = linear
        .on_sqlite(&["merge", "-m", "nothing to join", "heads"])
        .fails_with(2);
    assert!(
        out.stderr.contains("at least two distinct revisions"),
        "{}",
        out.stderr
    );
    assert_eq!(migration_files(&linear), ["0001_r.sql", "0002_r.sql"]);
}

// ---------------------------------------------------------------------------------------------
// up/down on branches
// ---------------------------------------------------------------------------------------------

#[test]
fn up_head_with_two_heads_is_refused_and_names_merge() {
    let project = TestProject::with_migrations("branched");
    let out = project.on_sqlite(&["up", "head"]).fails_with(2);
    assert!(
        out.stderr.contains("multiple heads are present"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("`0002a`") && out.stderr.contains("`0002b`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("cargo brainmig merge"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("heads"), "{}", out.stderr);
    // The default target is `head` too.
    project.on_sqlite(&["up"]).fails_with(2);
    let current = json(
        &project
            .on_sqlite(&["current", "--format", "json"])
            .success(),
    );
    assert_eq!(current["current"], serde_json::json!([]), "nothing applied");
}

#[test]
fn up_heads_applies_both_branches() {
    let project = TestProject::with_migrations("branched");
    let out = project.on_sqlite(&["up", "heads"]).success();
    assert!(
        out.stderr.contains("applied 3 revision(s)"),
        "{}",
        out.stderr
    );
    assert_eq!(
        sqlite_tables(&project),
        ["brainmig_version", "cards", "tags", "users"]
    );
    assert_eq!(sqlite_applied(&project), ["0001", "0002a", "0002b"]);
    let noop = project.on_sqlite(&["up", "heads"]).success();
    assert!(noop.stderr.contains("nothing to do"), "{}", noop.stderr);
}

#[test]
fn up_to_one_branch_applies_only_its_ancestors() {
    let project = TestProject::with_migrations("merged");
    project.on_sqlite(&["up", "0002b"]).success();
    assert_eq!(
        sqlite_tables(&project),
        ["brainmig_version", "cards", "users"]
    );
    project.on_sqlite(&["up"]).success();
    assert_eq!(
        sqlite_applied(&project),
        ["0001", "0002a", "0002b", "0003", "0004"]
    );
    assert_eq!(
        sqlite_tables(&project),
        ["brainmig_version", "cards", "reviews", "tags", "users"]
    );
}

#[test]
fn down_to_a_branch_revision_reverts_only_its_descendants_on_postgres() {
    let db = TestDb::postgres();
    let project = TestProject::with_migrations("merged");
    project.on(&db, &["up"]).success();
    assert_eq!(
        db.tables(),
        ["brainmig_version", "cards", "reviews", "tags", "users"]
    );

    // 0003 and 0004 descend from 0002a; 0002b does not, so it stays.
    let out = project.on(&db, &["down", "0002a"]).success();
    assert!(
        out.stderr.contains("reverted 2 revision(s)"),
        "{}",
        out.stderr
    );
    assert_eq!(db.applied(), ["0001", "0002a", "0002b"]);
    assert_eq!(db.tables(), ["brainmig_version", "cards", "tags", "users"]);
    let current = json(&project.on(&db, &["current", "--format", "json"]).success());
    assert_eq!(revisions_of(&current, "current"), ["0002a", "0002b"]);

    // Down to the branch point reverts both branches and keeps the root.
    project.on(&db, &["down", "0001"]).success();
    assert_eq!(db.applied(), ["0001"]);
    assert_eq!(db.tables(), ["brainmig_version", "users"]);
}

#[test]
fn down_through_a_merge_revision_and_back_up_on_postgres() {
    let db = TestDb::postgres();
    let project = TestProject::with_migrations("merged");
    project.on(&db, &["up"]).success();

    // Down to the merge keeps it; one more step reverts the merge itself and leaves two heads applied.
    project.on(&db, &["down", "0003"]).success();
    assert_eq!(db.applied(), ["0001", "0002a", "0002b", "0003"]);
    assert_eq!(db.tables(), ["brainmig_version", "cards", "tags", "users"]);
    project.on(&db, &["down", "-1"]).success();
    assert_eq!(db.applied(), ["0001", "0002a", "0002b"]);
    assert_eq!(db.tables(), ["brainmig_version", "cards", "tags", "users"]);

    // One more step reverts one branch only.
    project.on(&db, &["down", "-1"]).success();
    assert_eq!(db.applied().len(), 2, "{:?}", db.applied());
    assert_eq!(
        db.tables().len(),
        3,
        "version table, users and one branch: {:?}",
        db.tables()
    );

    project.on(&db, &["up"]).success();
    assert_eq!(db.applied(), ["0001", "0002a", "0002b", "0003", "0004"]);
    assert_eq!(
        db.tables(),
        ["brainmig_version", "cards", "reviews", "tags", "users"]
    );
}

#[test]
fn a_branched_graph_merged_with_the_cli_upgrades_on_postgres() {
    let db = TestDb::postgres();
    let project = TestProject::with_migrations("branched");
    project.on(&db, &["up", "heads"]).success();
    let out = project
        .on(&db, &["merge", "-m", "merge heads", "heads"])
        .success();
    let id = header(&project.read(&written(&out)), "revision").expect("id");
    let out = project.on(&db, &["up"]).success();
    assert!(
        out.stderr.contains(&format!("Applied {id}")),
        "{}",
        out.stderr
    );
    assert_eq!(db.applied(), {
        let mut v = vec![
            "0001".to_owned(),
            "0002a".into(),
            "0002b".into(),
            id.clone(),
        ];
        v.sort();
        v
    });
    // Reverting the merge alone keeps both branches.
    project.on(&db, &["down", "-1"]).success();
    assert_eq!(db.applied(), ["0001", "0002a", "0002b"]);
    assert_eq!(db.tables(), ["brainmig_version", "cards", "tags", "users"]);
}

// ---------------------------------------------------------------------------------------------
// Prefixes
// ---------------------------------------------------------------------------------------------

/// `ae1038` <- `ae10f9` <- `27c6a3`: Alembic-like hex ids sharing a prefix.
fn hex_project() -> TestProject {
    let project = TestProject::empty();
    project.revision(
        "ae1038",
        &[],
        "CREATE TABLE a (id INTEGER);",
        Some("DROP TABLE a;"),
    );
    project.revision(
        "ae10f9",
        &["ae1038"],
        "CREATE TABLE b (id INTEGER);",
        Some("DROP TABLE b;"),
    );
    project.revision(
        "27c6a3",
        &["ae10f9"],
        "CREATE TABLE c (id INTEGER);",
        Some("DROP TABLE c;"),
    );
    project
}

#[test]
fn unique_prefixes_resolve_and_ambiguous_ones_list_their_candidates() {
    let project = hex_project();
    let out = project.on_sqlite(&["up", "ae10"]).fails_with(2);
    assert!(out.stderr.contains("`ae10` is ambiguous"), "{}", out.stderr);
    assert!(out.stderr.contains("`ae1038`, `ae10f9`"), "{}", out.stderr);
    assert!(!project.path("app.db").exists() || sqlite_applied(&project).is_empty());

    project.on_sqlite(&["up", "ae10f"]).success();
    assert_eq!(sqlite_applied(&project), ["ae1038", "ae10f9"]);
    project.on_sqlite(&["up", "27"]).success();
    assert_eq!(sqlite_applied(&project), ["27c6a3", "ae1038", "ae10f9"]);

    let show = json(
        &project
            .on_sqlite(&["show", "ae103", "--format", "json"])
            .success(),
    );
    assert_eq!(show["revision"], "ae1038");
    let out = project.on_sqlite(&["show", "ae1"]).fails_with(2);
    assert!(
        out.stderr.contains("`ae1` is ambiguous") && out.stderr.contains("`ae1038`, `ae10f9`"),
        "{}",
        out.stderr
    );
    let out = project.on_sqlite(&["down", "ae"]).fails_with(2);
    assert!(out.stderr.contains("ambiguous"), "{}", out.stderr);

    project.on_sqlite(&["down", "ae103"]).success();
    assert_eq!(sqlite_applied(&project), ["ae1038"]);
    let out = project.on_sqlite(&["up", "zz"]).fails_with(2);
    assert!(
        out.stderr.contains("no revision matches `zz`"),
        "{}",
        out.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// current, history, heads, branches, show
// ---------------------------------------------------------------------------------------------

#[test]
fn current_before_and_after_upgrades() {
    let project = TestProject::with_migrations("branched");
    let out = project.on_sqlite(&["current"]).success();
    assert_eq!(out.stdout, "<base> (nothing applied)\n");
    assert!(
        out.stderr.contains("3 revision(s) pending"),
        "{}",
        out.stderr
    );
    assert!(
        !project.path("app.db").exists(),
        "a read-only command must not create the SQLite file"
    );
    let doc = json(
        &project
            .on_sqlite(&["current", "--format", "json"])
            .success(),
    );
    assert_eq!(doc, serde_json::json!({ "current": [] }));

    project.on_sqlite(&["up", "0002a"]).success();
    let out = project.on_sqlite(&["current"]).success();
    assert_eq!(out.stdout, "* 0001 -> 0002a (head), create tags\n");
    let doc = json(
        &project
            .on_sqlite(&["current", "--format", "json"])
            .success(),
    );
    assert_eq!(revisions_of(&doc, "current"), ["0002a"]);
    assert_eq!(item(&doc, "current", "0002a")["applied"], true);

    project.on_sqlite(&["up", "heads"]).success();
    let doc = json(
        &project
            .on_sqlite(&["current", "--format", "json"])
            .success(),
    );
    assert_eq!(revisions_of(&doc, "current"), ["0002a", "0002b"]);
    let out = project.on_sqlite(&["current"]).success();
    assert!(!out.stderr.contains("pending"), "{}", out.stderr);

    // -v adds the file, when it was applied and the checksum.
    let out = project.on_sqlite(&["current", "-v"]).success();
    assert!(
        out.stdout
            .contains("file:     migrations/0002b_create_cards.sql"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("applied:  ") && out.stdout.contains(" UTC"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("checksum: "), "{}", out.stdout);
}

#[test]
fn history_marks_applied_revisions_and_heads_newest_first() {
    let project = TestProject::with_migrations("branched");
    project.on_sqlite(&["up", "0002a"]).success();
    let out = project.on_sqlite(&["history"]).success();
    assert_eq!(
        out.stdout,
        "  0001 -> 0002b (head), create cards\n\
         * 0001 -> 0002a (head), create tags\n\
         * <base> -> 0001 (branch point), create users\n"
    );
    assert!(
        out.stderr.contains("1 revision(s) pending"),
        "{}",
        out.stderr
    );

    let doc = json(
        &project
            .on_sqlite(&["history", "--format", "json"])
            .success(),
    );
    assert_eq!(revisions_of(&doc, "history"), ["0002b", "0002a", "0001"]);
    let root = item(&doc, "history", "0001");
    assert_eq!(root["parents"], serde_json::json!([]));
    assert_eq!(root["applied"], true);
    assert_eq!(root["head"], false);
    assert_eq!(root["base"], true);
    let cards = item(&doc, "history", "0002b");
    assert_eq!(cards["parents"], serde_json::json!(["0001"]));
    assert_eq!(cards["applied"], false);
    assert_eq!(cards["head"], true);
    assert_eq!(cards["message"], "create cards");
    assert_eq!(cards["file"], "migrations/0002b_create_cards.sql");
    assert_eq!(cards["created"], "2026-11-20 09:00:00 UTC");
    assert_eq!(item(&doc, "history", "0002a")["applied"], true);

    let out = project.on_sqlite(&["history", "-v"]).success();
    assert!(
        out.stdout
            .contains("      file:     migrations/0001_create_users.sql\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("      created:  2026-11-20 09:00:00 UTC\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn history_of_a_merged_graph_tags_the_merge_and_works_without_a_database() {
    let project = TestProject::with_migrations("merged");
    let out = project.on_sqlite(&["history"]).success();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "  0003 -> 0004 (head), create reviews",
            "  0002a, 0002b -> 0003 (merge), merge tags and cards",
            "  0001 -> 0002b, create cards",
            "  0001 -> 0002a, create tags",
            "  <base> -> 0001 (branch point), create users",
        ]
    );
    let doc = json(
        &project
            .on_sqlite(&["history", "--format", "json"])
            .success(),
    );
    assert_eq!(
        item(&doc, "history", "0003")["parents"],
        serde_json::json!(["0002a", "0002b"])
    );
    assert_eq!(item(&doc, "history", "0004")["head"], true);
}

#[test]
fn history_range_selects_descendants_of_from_that_lead_to_to() {
    let project = TestProject::with_migrations("merged");
    project.on_sqlite(&["up", "0002b"]).success();
    let range = |r: &str| {
        revisions_of(
            &json(
                &project
                    .on_sqlite(&["history", "-r", r, "--format", "json"])
                    .success(),
            ),
            "history",
        )
    };
    assert_eq!(range("0002a:0004"), ["0004", "0003", "0002a"]);
    assert_eq!(range("0002a:head"), ["0004", "0003", "0002a"]);
    assert_eq!(range(":0002b"), ["0002b", "0001"]);
    assert_eq!(range("0003:"), ["0004", "0003"]);
    assert_eq!(range("base:0002a"), ["0002a", "0001"]);
    assert_eq!(range("current:"), ["0004", "0003", "0002b"]);
    assert_eq!(range("0001:0001"), ["0001"]);

    let out = project
        .on_sqlite(&["history", "--rev-range", "0003:0004"])
        .success();
    assert_eq!(
        out.stdout,
        "  0003 -> 0004 (head), create reviews\n  0002a, 0002b -> 0003 (merge), merge tags and cards\n"
    );
    let out = project.on_sqlite(&["history", "-r", "0004"]).fails_with(2);
    assert!(
        out.stderr.contains("`0004` is not a valid target"),
        "{}",
        out.stderr
    );
    let out = project.on_sqlite(&["history", "-r", "nope:"]).fails_with(2);
    assert!(
        out.stderr.contains("no revision matches `nope`"),
        "{}",
        out.stderr
    );
}

#[test]
fn history_range_from_current_at_base_starts_from_base() {
    // As in Alembic, `current` with nothing applied is the base: `current:` is the whole history.
    let project = TestProject::with_migrations("merged");
    let doc = json(
        &project
            .on_sqlite(&["history", "-r", "current:", "--format", "json"])
            .success(),
    );
    assert_eq!(
        revisions_of(&doc, "history"),
        ["0004", "0003", "0002b", "0002a", "0001"]
    );
}

#[test]
fn an_empty_history_range_is_not_reported_as_no_revisions_at_all() {
    let project = TestProject::with_migrations("branched");
    let doc = json(
        &project
            .on_sqlite(&["history", "-r", "0002b:0002a", "--format", "json"])
            .success(),
    );
    assert_eq!(doc, serde_json::json!({ "history": [] }));
    let out = project
        .on_sqlite(&["history", "-r", "0002b:0002a"])
        .success();
    assert!(
        !out.stdout.contains("no revisions yet") && !out.stdout.contains("create one"),
        "the folder has revisions; only the range is empty:\n{}",
        out.stdout
    );
}

#[test]
fn history_without_a_reachable_database_lists_the_files_and_claims_nothing_about_the_database() {
    let project = TestProject::with_migrations("branched");
    let out = project
        .brainmig([
            "history",
            "--migrations-dir",
            "migrations",
            "--database-url",
            "postgres://postgres@127.0.0.1:1/nowhere",
        ])
        .success();
    assert!(
        out.stderr.contains("cannot read the applied state"),
        "{}",
        out.stderr
    );
    assert_eq!(
        out.stdout,
        "  0001 -> 0002b (head), create cards\n  0001 -> 0002a (head), create tags\n  <base> -> 0001 (branch point), create users\n"
    );
    assert!(
        !out.stderr.contains("not up to date") && !out.stderr.contains("pending"),
        "what is applied is unknown, so nothing can be said to be pending:\n{}",
        out.stderr
    );
    // Commands that need the applied state fail instead.
    let out = project
        .brainmig([
            "current",
            "--migrations-dir",
            "migrations",
            "--database-url",
            "postgres://postgres@127.0.0.1:1/nowhere",
        ])
        .fails_with(1);
    assert!(out.stderr.contains("cannot connect"), "{}", out.stderr);
}

#[test]
fn heads_lists_every_head_in_text_and_json() {
    let project = TestProject::with_migrations("branched");
    project.on_sqlite(&["up", "0002b"]).success();
    let out = project.on_sqlite(&["heads"]).success();
    assert_eq!(
        out.stdout,
        "  0001 -> 0002a (head), create tags\n* 0001 -> 0002b (head), create cards\n"
    );
    let doc = json(&project.on_sqlite(&["heads", "--format", "json"]).success());
    assert_eq!(revisions_of(&doc, "heads"), ["0002a", "0002b"]);
    assert_eq!(item(&doc, "heads", "0002b")["applied"], true);
    assert_eq!(item(&doc, "heads", "0002a")["applied"], false);
    let out = project.on_sqlite(&["heads", "-v"]).success();
    assert!(
        out.stdout
            .contains("file:     migrations/0002a_create_tags.sql"),
        "{}",
        out.stdout
    );

    let merged = TestProject::with_migrations("merged");
    let doc = json(&merged.on_sqlite(&["heads", "--format", "json"]).success());
    assert_eq!(revisions_of(&doc, "heads"), ["0004"]);
}

#[test]
fn branches_lists_branch_points_and_their_children() {
    let project = TestProject::with_migrations("branched");
    let out = project.on_sqlite(&["branches"]).success();
    assert_eq!(
        out.stdout,
        "  <base> -> 0001 (branch point), create users\n      -> 0002a, create tags\n      -> 0002b, create cards\n"
    );
    let doc = json(
        &project
            .on_sqlite(&["branches", "--format", "json"])
            .success(),
    );
    assert_eq!(revisions_of(&doc, "branches"), ["0001"]);
    assert_eq!(
        item(&doc, "branches", "0001")["branches"],
        serde_json::json!(["0002a", "0002b"])
    );

    let linear = TestProject::linear(3);
    let out = linear.on_sqlite(&["branches"]).success();
    assert_eq!(out.stdout, "no branch points: the history is linear\n");
    let doc = json(
        &linear
            .on_sqlite(&["branches", "--format", "json"])
            .success(),
    );
    assert_eq!(doc, serde_json::json!({ "branches": [] }));
}

#[test]
fn show_prints_one_revision_with_its_sql() {
    let project = TestProject::with_migrations("branched");
    let out = project.on_sqlite(&["show", "0002a"]).success();
    assert!(
        out.stdout
            .starts_with("  0001 -> 0002a (head), create tags\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("file:     migrations/0002a_create_tags.sql"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("applied:  no"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("-- migrate:up\nCREATE TABLE tags (id INTEGER PRIMARY KEY);\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("-- migrate:down\nDROP TABLE tags;\n"),
        "{}",
        out.stdout
    );

    project.on_sqlite(&["up", "0002a"]).success();
    let out = project.on_sqlite(&["show", "0002a"]).success();
    // Once, with when it was applied (issue #12: it used to say `applied:` twice).
    assert_eq!(out.stdout.matches("applied:").count(), 1, "{}", out.stdout);
    assert!(out.stdout.contains(" UTC ("), "{}", out.stdout);

    let doc = json(
        &project
            .on_sqlite(&["show", "0002a", "--format", "json"])
            .success(),
    );
    assert_eq!(doc["revision"], "0002a");
    assert_eq!(doc["parents"], serde_json::json!(["0001"]));
    assert_eq!(doc["message"], "create tags");
    assert_eq!(doc["applied"], true);
    assert_eq!(doc["head"], true);
    assert_eq!(doc["has_down"], true);
    assert!(
        doc["up_sql"]
            .as_str()
            .is_some_and(|s| s.contains("CREATE TABLE tags")),
        "{doc}"
    );
    assert!(
        doc["down_sql"]
            .as_str()
            .is_some_and(|s| s.contains("DROP TABLE tags;")),
        "{doc}"
    );

    // `head` is refused with two heads, accepted with one.
    let out = project.on_sqlite(&["show", "head"]).fails_with(2);
    assert!(
        out.stderr.contains("multiple heads are present"),
        "{}",
        out.stderr
    );
    let merged = TestProject::with_migrations("merged");
    let doc = json(
        &merged
            .on_sqlite(&["show", "head", "--format", "json"])
            .success(),
    );
    assert_eq!(doc["revision"], "0004");
    let out = merged.on_sqlite(&["show", "9999"]).fails_with(2);
    assert!(
        out.stderr.contains("no revision matches `9999`"),
        "{}",
        out.stderr
    );
}

#[test]
fn show_of_a_revision_without_down_says_so() {
    let project = TestProject::empty();
    project.revision("0001", &[], "CREATE TABLE a (id INTEGER);", None);
    let out = project.on_sqlite(&["show", "0001"]).success();
    assert!(
        out.stdout.contains("cannot be downgraded"),
        "{}",
        out.stdout
    );
    let doc = json(
        &project
            .on_sqlite(&["show", "0001", "--format", "json"])
            .success(),
    );
    assert_eq!(doc["down_sql"], Value::Null);
    assert_eq!(doc["has_down"], false);
}
