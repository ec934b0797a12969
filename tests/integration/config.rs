//! Tests for discovery, settings and the database URL chain.

use std::path::{Path, PathBuf};

use crate::support::{Outcome, TestDb, TestProject, rev, sqlite_strings};

/// The password used wherever a test checks that secrets never reach the output.
const SECRET: &str = "s3cr3t";

/// A cargo project (its own workspace) named `demo`; `extra` is appended to its Cargo.toml.
fn cargo_project(extra: &str) -> TestProject {
    let project = TestProject::empty();
    project.write(
        "Cargo.toml",
        &format!("[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n\n{extra}"),
    );
    project.write("src/main.rs", "fn main() {}\n");
    project
}

/// A virtual workspace with members `app` (no brainmig table) and `tool` (which overrides the
/// workspace's `migrations` and `version_table`).
fn two_member_workspace() -> TestProject {
    let project = TestProject::empty();
    project.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"app\", \"tool\"]\nresolver = \"2\"\n\n\
         [workspace.metadata.brainmig]\n\
         migrations = \"db/shared\"\n\
         version_table = \"ws_version\"\n\
         url_env = \"APP_DB\"\n\
         revision_style = \"timestamp\"\n",
    );
    for (name, extra) in [
        ("app", ""),
        (
            "tool",
            "\n[package.metadata.brainmig]\nmigrations = \"tool/migrations\"\nversion_table = \"tool_version\"\n",
        ),
    ] {
        project.write(
            &format!("{name}/Cargo.toml"),
            &format!(
                "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n{extra}"
            ),
        );
        project.write(&format!("{name}/src/main.rs"), "fn main() {}\n");
    }
    project.write(
        "db/shared/0001_r.sql",
        &rev("0001", &[], "CREATE TABLE shared_t (id INTEGER);", None),
    );
    project.write(
        "tool/migrations/0001_r.sql",
        &rev("0001", &[], "CREATE TABLE tool_t (id INTEGER);", None),
    );
    project.write(
        "tool/migrations/0002_r.sql",
        &rev("0002", &["0001"], "CREATE TABLE tool_u (id INTEGER);", None),
    );
    project
}

/// The project root as cargo reports it.
fn canonical(project: &TestProject) -> PathBuf {
    project.root.canonicalize().expect("project root exists")
}

/// Revisions recorded in a SQLite file's version table.
fn sqlite_applied(path: &Path) -> Vec<String> {
    sqlite_strings(path, "SELECT revision FROM brainmig_version ORDER BY 1")
}

/// The line of `config`'s text output that describes `key`.
fn config_line<'a>(stdout: &'a str, key: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| l.split_whitespace().next() == Some(key))
        .unwrap_or_else(|| panic!("no `{key}` line in:\n{stdout}"))
}

/// `config --format json` output, parsed.
fn config_json(out: &Outcome) -> serde_json::Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", out.stdout))
}

/// The `value` and `origin` of one setting in `config --format json`.
fn json_setting(json: &serde_json::Value, key: &str) -> (String, String) {
    let field = |f: &str| {
        json[key][f]
            .as_str()
            .unwrap_or_else(|| panic!("no string `{key}.{f}` in {json:#}"))
            .to_owned()
    };
    (field("value"), field("origin"))
}

fn assert_no_secret(out: &Outcome, what: &str) {
    assert!(
        !out.stdout.contains(SECRET) && !out.stderr.contains(SECRET),
        "the password leaked ({what})\nstdout:\n{}\nstderr:\n{}",
        out.stdout,
        out.stderr
    );
}

#[test]
fn the_workspace_is_found_from_a_subfolder() {
    let db = TestDb::postgres();
    let project = cargo_project("[package.metadata.brainmig]\nmigrations = \"db/migrations\"\n");
    project.write(
        "db/migrations/0001_r.sql",
        &rev("0001", &[], "CREATE TABLE a (id INTEGER);", None),
    );
    project.write(
        "db/migrations/0002_r.sql",
        &rev("0002", &["0001"], "CREATE TABLE b (id INTEGER);", None),
    );
    let deep = project.path("src/nested/deeper");
    std::fs::create_dir_all(&deep).expect("mkdir");

    let out = project
        .brainmig(["up"])
        .env("DATABASE_URL", &db.url())
        .in_dir(&deep)
        .success();
    assert!(
        out.stderr.contains("applied 2 revision(s)"),
        "{}",
        out.stderr
    );
    assert_eq!(db.applied(), ["0001", "0002"]);
    assert_eq!(db.tables(), ["a", "b", "brainmig_version"]);

    let out = project.brainmig(["config"]).in_dir(&deep).success();
    let root = canonical(&project);
    assert!(
        config_line(&out.stdout, "workspace_root").contains(&root.display().to_string()),
        "{}",
        out.stdout
    );
    assert!(
        config_line(&out.stdout, "package").contains("demo"),
        "{}",
        out.stdout
    );
    assert!(
        config_line(&out.stdout, "migrations").contains("db/migrations"),
        "{}",
        out.stdout
    );
    assert!(
        !deep.join("db").exists() && !deep.join("target").exists(),
        "nothing may be created in the subfolder"
    );
}

#[test]
fn manifest_path_selects_a_project_from_anywhere() {
    let db = TestDb::postgres();
    let project = cargo_project("[package.metadata.brainmig]\nmigrations = \"schema\"\n");
    project.write(
        "schema/0001_r.sql",
        &rev(
            "0001",
            &[],
            "CREATE TABLE from_manifest (id INTEGER);",
            None,
        ),
    );
    // The `.env` at that workspace's root is read even though we run elsewhere.
    project.write(".env", &format!("DATABASE_URL={}\n", db.url()));
    let elsewhere = TestProject::empty();

    let out = elsewhere.brainmig(["up"]).fails_with(2);
    assert!(out.stderr.contains("no cargo project"), "{}", out.stderr);
    assert!(db.tables().is_empty(), "nothing may run without a project");

    let manifest = project.path("Cargo.toml");
    let manifest = manifest.to_str().expect("utf-8 path");
    let out = elsewhere
        .brainmig(["up", "--manifest-path", manifest])
        .success();
    assert!(
        out.stderr.contains("applied 1 revision(s)"),
        "{}",
        out.stderr
    );
    assert_eq!(db.tables(), ["brainmig_version", "from_manifest"]);

    // A relative path works too, taken from the current directory.
    let project_name = project
        .root
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let relative = format!("../{project_name}/Cargo.toml");
    let out = elsewhere
        .brainmig(["config", "--manifest-path", &relative])
        .success();
    assert!(
        config_line(&out.stdout, "workspace_root")
            .contains(&canonical(&project).display().to_string()),
        "{}",
        out.stdout
    );
    assert!(
        config_line(&out.stdout, "database_url").contains(".env"),
        "{}",
        out.stdout
    );
    assert!(!elsewhere.path("target").exists() && !elsewhere.path("schema").exists());
}

#[test]
fn package_flag_selects_a_member_whose_settings_override_the_workspace() {
    let db = TestDb::postgres();
    let project = two_member_workspace();

    let out = project
        .brainmig(["up", "-p", "tool"])
        .env("APP_DB", &db.url())
        .success();
    assert!(
        out.stderr.contains("applied 2 revision(s)"),
        "{}",
        out.stderr
    );
    assert_eq!(db.tables(), ["tool_t", "tool_u", "tool_version"]);
    assert_eq!(
        db.strings("SELECT revision FROM tool_version ORDER BY 1"),
        ["0001", "0002"]
    );

    // `app` has no table of its own: the workspace's settings apply.
    let out = project
        .brainmig(["up", "--package", "app"])
        .env("APP_DB", &db.url())
        .success();
    assert!(
        out.stderr.contains("applied 1 revision(s)"),
        "{}",
        out.stderr
    );
    assert_eq!(
        db.tables(),
        ["shared_t", "tool_t", "tool_u", "tool_version", "ws_version"]
    );
    assert_eq!(
        db.strings("SELECT revision FROM ws_version ORDER BY 1"),
        ["0001"]
    );

    // Inside a member, that member is selected without `-p`.
    let out = project
        .brainmig(["config"])
        .in_dir(&project.path("tool/src"))
        .success();
    assert!(
        config_line(&out.stdout, "package").contains("tool"),
        "{}",
        out.stdout
    );
    assert!(
        config_line(&out.stdout, "version_table").contains("tool_version"),
        "{}",
        out.stdout
    );

    let out = project.brainmig(["config", "-p", "nope"]).fails_with(2);
    assert!(out.stderr.contains("`nope`"), "{}", out.stderr);
}

#[test]
fn unknown_keys_and_bad_values_are_named_and_exit_2() {
    let project = cargo_project(
        "[package.metadata.brainmig]\nmigrations = \"migrations\"\nversiontable = \"v\"\n",
    );
    project.write(
        "migrations/0001_r.sql",
        &rev("0001", &[], "CREATE TABLE a (id INTEGER);", None),
    );
    for args in [&["config"][..], &["up"]] {
        let out = project.brainmig(args).fails_with(2);
        assert!(out.stderr.contains("`versiontable`"), "{}", out.stderr);
        assert!(
            out.stderr.contains("package.metadata.brainmig"),
            "{}",
            out.stderr
        );
        assert!(out.stdout.is_empty(), "{}", out.stdout);
    }
    assert!(
        !project.path(".brainmig").exists(),
        "no database may be created"
    );

    let project = two_member_workspace();
    let manifest = project.read("Cargo.toml").replace(
        "url_env = \"APP_DB\"",
        "url_env = \"APP_DB\"\nmigration = \"x\"",
    );
    project.write("Cargo.toml", &manifest);
    let out = project.brainmig(["config", "-p", "app"]).fails_with(2);
    assert!(out.stderr.contains("`migration`"), "{}", out.stderr);
    assert!(
        out.stderr.contains("workspace.metadata.brainmig"),
        "{}",
        out.stderr
    );

    // A likely mistake: the URL itself in Cargo.toml. The key is named, its value never echoed.
    let project = cargo_project(&format!(
        "[package.metadata.brainmig]\ndatabase_url = \"postgres://postgres:{SECRET}@127.0.0.1/x\"\n"
    ));
    let out = project.brainmig(["config"]).fails_with(2);
    assert!(out.stderr.contains("`database_url`"), "{}", out.stderr);
    assert_no_secret(&out, "unknown key holding a URL");

    let project = cargo_project("[package.metadata.brainmig]\nrevision_style = \"random\"\n");
    let out = project.brainmig(["config"]).fails_with(2);
    assert!(out.stderr.contains("revision_style"), "{}", out.stderr);
    let project = cargo_project("[package.metadata.brainmig]\nmigrations = 5\n");
    let out = project.brainmig(["config"]).fails_with(2);
    assert!(out.stderr.contains("migrations"), "{}", out.stderr);
}

#[test]
fn migrations_dir_works_without_a_cargo_toml() {
    let project = TestProject::linear(2);
    let out = project.brainmig(["up"]).fails_with(2);
    assert!(out.stderr.contains("no cargo project"), "{}", out.stderr);
    assert!(
        out.stderr.contains("--migrations-dir"),
        "the hint names the way out: {}",
        out.stderr
    );

    let out = project
        .brainmig(["up", "--migrations-dir", "migrations"])
        .success();
    assert!(
        out.stderr.contains("applied 2 revision(s)"),
        "{}",
        out.stderr
    );
    let file = project.path(".brainmig/dev.sqlite3");
    assert_eq!(sqlite_applied(&file), ["0001", "0002"]);

    let out = project
        .brainmig([
            "up",
            "--migrations-dir",
            "migrations",
            "--database-url",
            &project.sqlite_url("other.db"),
        ])
        .success();
    assert!(
        out.stderr.contains("applied 2 revision(s)"),
        "{}",
        out.stderr
    );
    assert_eq!(sqlite_applied(&project.path("other.db")), ["0001", "0002"]);

    let out = project
        .brainmig(["config", "--migrations-dir", "migrations"])
        .success();
    let line = config_line(&out.stdout, "migrations");
    assert!(
        line.contains("migrations") && line.contains("command line"),
        "{}",
        out.stdout
    );
}

#[test]
fn each_url_source_wins_over_the_ones_below_it() {
    let project = cargo_project("");
    project.revision("0001", &[], "CREATE TABLE a (id INTEGER);", None);
    let step = |extra: &[&str], env: Option<&str>, file: &str, origin: &str| {
        let mut args = vec!["up"];
        args.extend_from_slice(extra);
        let path = project.path(file);
        assert!(!path.exists(), "{file} exists before its step");
        let mut run = project.brainmig(&args);
        if let Some(url) = env {
            run = run.env("DATABASE_URL", url);
        }
        let out = run.success();
        assert_eq!(sqlite_applied(&path), ["0001"], "{file}\n{}", out.stderr);
        let mut args = vec!["config", "--format", "json"];
        args.extend_from_slice(extra);
        let mut run = project.brainmig(&args);
        if let Some(url) = env {
            run = run.env("DATABASE_URL", url);
        }
        let (value, from) = json_setting(&config_json(&run.success()), "database_url");
        assert!(value.ends_with(file), "{value} should name {file}");
        assert!(from.contains(origin), "{from} should mention {origin}");
    };

    // Nothing configured: the embedded default.
    step(&[], None, ".brainmig/dev.sqlite3", "default");
    let manifest = project.read("Cargo.toml");
    project.write(
        "Cargo.toml",
        &format!("{manifest}[package.metadata.brainmig]\napp_config = \"config/app.toml\"\napp_config_key = \"database.url\"\n"),
    );
    project.write(
        "config/app.toml",
        "[database]\nurl = \"sqlite://from_app.db\"\n",
    );
    step(&[], None, "from_app.db", "config/app.toml");
    project.write(".env", "OTHER=1\nDATABASE_URL=sqlite://from_dotenv.db\n");
    step(&[], None, "from_dotenv.db", ".env");
    // A variable set in the environment is never overridden by `.env`.
    step(
        &[],
        Some("sqlite://from_env.db"),
        "from_env.db",
        "DATABASE_URL",
    );
    step(
        &["--database-url", "sqlite://from_flag.db"],
        Some("sqlite://from_env.db"),
        "from_flag.db",
        "--database-url",
    );
}

#[test]
fn url_env_renames_the_variable_read_from_the_environment_and_dotenv() {
    let db = TestDb::postgres();
    let project = cargo_project("[package.metadata.brainmig]\nurl_env = \"SECOND_BRAIN_DB\"\n");
    project.revision("0001", &[], "CREATE TABLE a (id INTEGER);", None);

    // DATABASE_URL no longer counts, in the environment or in `.env`.
    project.write(".env", "DATABASE_URL=sqlite://ignored_dotenv.db\n");
    let out = project
        .brainmig(["up"])
        .env("DATABASE_URL", "sqlite://ignored_env.db")
        .success();
    assert!(out.stderr.contains("embedded"), "{}", out.stderr);
    assert!(
        !project.path("ignored_env.db").exists() && !project.path("ignored_dotenv.db").exists()
    );
    assert_eq!(
        sqlite_applied(&project.path(".brainmig/dev.sqlite3")),
        ["0001"]
    );

    project.write(
        ".env",
        &format!(
            "DATABASE_URL=sqlite://ignored_dotenv.db\nSECOND_BRAIN_DB={}\n",
            db.url()
        ),
    );
    let out = project.brainmig(["-v", "up"]).success();
    assert!(out.stderr.contains("SECOND_BRAIN_DB"), "{}", out.stderr);
    assert_eq!(db.applied(), ["0001"]);

    let out = project
        .brainmig(["config", "--format", "json"])
        .env("SECOND_BRAIN_DB", "sqlite://from_env.db")
        .success();
    let json = config_json(&out);
    let (name, origin) = json_setting(&json, "url_env");
    assert_eq!(name, "SECOND_BRAIN_DB");
    assert!(origin.contains("package.metadata.brainmig"), "{origin}");
    let (url, origin) = json_setting(&json, "database_url");
    assert!(url.ends_with("from_env.db"), "{url}");
    assert!(
        origin.contains("SECOND_BRAIN_DB") && origin.contains("environment"),
        "{origin}"
    );
}

#[test]
fn the_embedded_default_lives_beside_the_migrations_survives_cargo_clean_and_is_announced_once() {
    let project = cargo_project("");
    project.revision("0001", &[], "CREATE TABLE a (id INTEGER);", None);
    let file = canonical(&project).join(".brainmig/dev.sqlite3");
    let path = file.display().to_string();

    // `init` git-ignores the folder, once.
    project.brainmig(["init"]).success();
    project.brainmig(["init"]).success();
    let gitignore = project.read(".gitignore");
    assert_eq!(
        gitignore.lines().filter(|l| *l == ".brainmig/").count(),
        1,
        "{gitignore}"
    );

    // Before it exists, `current` says so (and creates nothing).
    let out = project.brainmig(["current"]).success();
    assert!(
        out.stderr.contains(&path) && out.stderr.contains("does not exist yet"),
        "{}",
        out.stderr
    );
    assert!(!file.exists());

    // Created by `up`, announced with its full path, and git-ignored by its own folder too.
    let out = project.brainmig(["up"]).success();
    assert!(
        out.stderr
            .contains(&format!("created the embedded SQLite database `{path}`")),
        "{}",
        out.stderr
    );
    assert!(!out.stdout.contains("embedded"), "{}", out.stdout);
    assert_eq!(sqlite_applied(&file), ["0001"]);
    assert_eq!(
        project
            .read(".brainmig/.gitignore")
            .lines()
            .last()
            .unwrap_or_default(),
        "*"
    );

    // Once per creation: no other command repeats it.
    for args in [
        &["up"][..],
        &["current"],
        &["heads"],
        &["branches"],
        &["history"],
    ] {
        let out = project.brainmig(args).success();
        assert!(!out.stderr.contains("embedded"), "{args:?}: {}", out.stderr);
    }

    // `cargo clean` does not reach it.
    let clean =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .arg("clean")
            .current_dir(&project.root)
            .output()
            .expect("cargo runs");
    assert!(clean.status.success(), "{clean:?}");
    assert_eq!(sqlite_applied(&file), ["0001"]);

    // An empty one is named by `current`, so `<base>` is not mistaken for lost data.
    std::fs::remove_file(&file).expect("remove");
    project.brainmig(["stamp", "base"]).success();
    let out = project.brainmig(["current"]).success();
    assert!(out.stdout.contains("<base>"), "{}", out.stdout);
    assert!(
        out.stderr.contains(&path) && out.stderr.contains("has nothing applied"),
        "{}",
        out.stderr
    );
    let out = project.brainmig(["-q", "current"]).success();
    assert!(!out.stderr.contains("embedded"), "{}", out.stderr);
}

#[test]
fn config_prints_every_setting_with_its_origin_and_a_masked_password() {
    let project = two_member_workspace();
    let url = format!("postgres://postgres:{SECRET}@127.0.0.1:5432/x");
    let root = canonical(&project);
    let tool_manifest = root.join("tool/Cargo.toml").display().to_string();
    let root_manifest = root.join("Cargo.toml").display().to_string();

    let out = project
        .brainmig(["config", "-p", "tool"])
        .env("APP_DB", &url)
        .success();
    assert_no_secret(&out, "config");
    let text = &out.stdout;
    assert!(
        config_line(text, "workspace_root").contains(&root.display().to_string()),
        "{text}"
    );
    assert!(config_line(text, "package").contains("tool"), "{text}");
    for (key, value, table, manifest) in [
        (
            "migrations",
            "tool/migrations",
            "[package.metadata.brainmig]",
            &tool_manifest,
        ),
        (
            "version_table",
            "tool_version",
            "[package.metadata.brainmig]",
            &tool_manifest,
        ),
        (
            "url_env",
            "APP_DB",
            "[workspace.metadata.brainmig]",
            &root_manifest,
        ),
        (
            "revision_style",
            "timestamp",
            "[workspace.metadata.brainmig]",
            &root_manifest,
        ),
    ] {
        let line = config_line(text, key);
        assert!(
            line.contains(value) && line.contains(table) && line.contains(manifest.as_str()),
            "{line}"
        );
    }
    assert!(config_line(text, "template").contains("default"), "{text}");
    let line = config_line(text, "database_url");
    assert!(
        line.contains("postgres://postgres:****@127.0.0.1:5432/x"),
        "{line}"
    );
    assert!(line.contains("APP_DB"), "{line}");

    let out = project
        .brainmig(["config", "-p", "tool", "--format", "json"])
        .env("APP_DB", &url)
        .success();
    assert_no_secret(&out, "config --format json");
    let json = config_json(&out);
    assert_eq!(json_setting(&json, "package").0, "tool");
    let (value, origin) = json_setting(&json, "version_table");
    assert_eq!(value, "tool_version");
    assert!(
        origin.contains("[package.metadata.brainmig]") && origin.contains(&tool_manifest),
        "{origin}"
    );
    let (value, origin) = json_setting(&json, "url_env");
    assert_eq!(value, "APP_DB");
    assert!(
        origin.contains("[workspace.metadata.brainmig]") && origin.contains(&root_manifest),
        "{origin}"
    );
    assert!(
        json_setting(&json, "migrations")
            .0
            .ends_with("tool/migrations"),
        "{json:#}"
    );
    let (value, origin) = json_setting(&json, "database_url");
    assert_eq!(value, "postgres://postgres:****@127.0.0.1:5432/x");
    assert!(origin.contains("APP_DB"), "{origin}");

    // Without any URL: the embedded default, and `config` creates nothing.
    let out = project
        .brainmig(["config", "-p", "app", "--format", "json"])
        .success();
    let json = config_json(&out);
    let (value, origin) = json_setting(&json, "version_table");
    assert_eq!(value, "ws_version");
    assert!(origin.contains("[workspace.metadata.brainmig]"), "{origin}");
    let (value, origin) = json_setting(&json, "database_url");
    assert!(value.ends_with(".brainmig/dev.sqlite3"), "{value}");
    assert!(origin.contains("default"), "{origin}");
    assert!(!project.path(".brainmig").exists());
}

#[test]
fn passwords_never_appear_in_any_output() {
    let db = TestDb::postgres();
    let project = TestProject::linear(2);
    let plain = db.url_with_password(SECRET);
    let mut query = url::Url::parse(&db.url()).expect("url");
    query.set_query(Some(&format!("sslmode=disable&password={SECRET}")));
    let encoded = db.url_with_password(&format!("{SECRET}%21x"));
    let wrong_db = |u: &str| u.replacen(&db.name, "bm_no_such_database", 1);
    assert!(plain.contains(SECRET) && encoded.contains("%21") && wrong_db(&plain) != plain);

    for url in [plain.clone(), query.to_string(), encoded.clone()] {
        for source in ["flag", "env", ".env"] {
            let run = |args: &[&str], url: &str| {
                let mut full = args.to_vec();
                full.extend(["--migrations-dir", "migrations"]);
                let _ = std::fs::remove_file(project.path(".env"));
                match source {
                    "flag" => {
                        full.extend(["--database-url", url]);
                        project.brainmig(&full).run()
                    }
                    "env" => project.brainmig(&full).env("DATABASE_URL", url).run(),
                    _ => {
                        project.write(".env", &format!("DATABASE_URL={url}\n"));
                        project.brainmig(&full).run()
                    }
                }
            };
            let what = |cmd: &str| format!("{cmd} with {url} from {source}");
            for args in [&["config"][..], &["config", "--format", "json"]] {
                let out = run(args, &url);
                assert_eq!(out.code, 0, "{}\n{}", what(&args.join(" ")), out.stderr);
                assert_no_secret(&out, &what(&args.join(" ")));
                assert!(
                    out.stdout.contains("****"),
                    "{}: {}",
                    what("config"),
                    out.stdout
                );
            }
            let out = run(&["-v", "up"], &url);
            assert_eq!(out.code, 0, "{}\n{}", what("-v up"), out.stderr);
            assert_no_secret(&out, &what("-v up"));
            assert!(
                out.stderr.contains("****"),
                "-v names the database: {}",
                out.stderr
            );
            for args in [
                &["--format", "json", "up"][..],
                &["-v", "current"],
                &["-v", "history"],
            ] {
                let out = run(args, &url);
                assert_eq!(out.code, 0, "{}\n{}", what(&args.join(" ")), out.stderr);
                assert_no_secret(&out, &what(&args.join(" ")));
            }
            for args in [
                &["-v", "up"][..],
                &["--format", "json", "up"],
                &["-v", "current"],
            ] {
                let out = run(args, &wrong_db(&url));
                let doing = what(&format!("{} on a missing database", args.join(" ")));
                assert_eq!(out.code, 1, "{doing}\n{}", out.stderr);
                assert!(
                    out.stderr.contains("bm_no_such_database"),
                    "{doing}: {}",
                    out.stderr
                );
                assert_no_secret(&out, &doing);
            }
        }
    }
    assert_eq!(db.applied(), ["0001", "0002"]);
}

#[test]
fn malformed_urls_and_unsupported_schemes_exit_2_from_every_source() {
    let project = cargo_project(
        "[package.metadata.brainmig]\napp_config = \"config/app.toml\"\napp_config_key = \"db.url\"\n",
    );
    project.revision("0001", &[], "CREATE TABLE a (id INTEGER);", None);
    let cases = [
        (
            format!("postgres://postgres:{SECRET}@127.0.0.1:notaport/x"),
            "not valid",
        ),
        (format!("postgres://postgres:{SECRET}@/x"), "not valid"),
        (format!("just-text-{SECRET}"), "not valid"),
        (format!("mssql://sa:{SECRET}@127.0.0.1/x"), "mssql"),
    ];
    for (url, expected) in &cases {
        for source in ["flag", "env", ".env", "app config"] {
            let _ = std::fs::remove_file(project.path(".env"));
            project.write("config/app.toml", "[db]\nurl = \"sqlite://unused.db\"\n");
            let run = |args: &[&str]| match source {
                "flag" => {
                    let mut full = args.to_vec();
                    full.extend(["--database-url", url]);
                    project.brainmig(&full)
                }
                "env" => project.brainmig(args).env("DATABASE_URL", url),
                ".env" => {
                    project.write(".env", &format!("DATABASE_URL={url}\n"));
                    project.brainmig(args)
                }
                _ => {
                    project.write("config/app.toml", &format!("[db]\nurl = \"{url}\"\n"));
                    project.brainmig(args)
                }
            };
            for args in [&["up"][..], &["config"]] {
                let out = run(args).fails_with(2);
                assert!(
                    out.stderr.contains(expected),
                    "{url} from {source}: {}",
                    out.stderr
                );
                assert_no_secret(&out, &format!("{url} from {source}"));
            }
        }
    }
    assert!(!project.path(".brainmig").exists() && !project.path("unused.db").exists());
}

#[test]
fn an_unparsable_dotenv_line_is_reported_without_its_value() {
    let project = cargo_project("");
    project.revision("0001", &[], "CREATE TABLE a (id INTEGER);", None);
    let cases = [
        format!(
            "# local settings\nAPP_NAME=second-brain\nBROKEN LINE {SECRET}\nDATABASE_URL=sqlite://x.db\n"
        ),
        format!(
            "# local settings\nAPP_NAME=second-brain\nDATABASE_URL='postgres://postgres:{SECRET}@127.0.0.1/x\n"
        ),
        format!("\n\npostgres://postgres:{SECRET}@127.0.0.1/x\n"),
    ];
    for text in &cases {
        project.write(".env", text);
        for args in [&["up"][..], &["config"], &["config", "--format", "json"]] {
            let out = project.brainmig(args).fails_with(2);
            assert!(
                out.stderr.contains(".env") && out.stderr.contains("line 3"),
                "{text}\n{}",
                out.stderr
            );
            assert_no_secret(&out, text);
        }
    }
    assert!(!project.path(".brainmig").exists() && !project.path("x.db").exists());
}

#[test]
fn a_missing_app_config_file_or_key_is_a_clear_error() {
    let project = cargo_project(
        "[package.metadata.brainmig]\napp_config = \"config/app.toml\"\napp_config_key = \"database.url\"\n",
    );
    project.revision("0001", &[], "CREATE TABLE a (id INTEGER);", None);

    let out = project.brainmig(["up"]).fails_with(2);
    assert!(
        out.stderr.contains("config/app.toml"),
        "the file is named: {}",
        out.stderr
    );

    for text in [
        "[database]\nname = \"x\"\n",
        "[other]\nurl = \"sqlite://x.db\"\n",
        "[database]\nurl = 5\n",
    ] {
        project.write("config/app.toml", text);
        let out = project.brainmig(["up"]).fails_with(2);
        assert!(
            out.stderr.contains("config/app.toml") && out.stderr.contains("database.url"),
            "file and key are named: {}",
            out.stderr
        );
    }
    assert!(
        !project.path(".brainmig").exists(),
        "no fallback to the embedded default"
    );

    // A working source higher in the chain makes the app config irrelevant.
    let out = project
        .brainmig(["up", "--database-url", &project.sqlite_url("flag.db")])
        .success();
    assert!(
        out.stderr.contains("applied 1 revision(s)"),
        "{}",
        out.stderr
    );

    let project = cargo_project("[package.metadata.brainmig]\napp_config = \"config/app.toml\"\n");
    let out = project.brainmig(["config"]).fails_with(2);
    assert!(out.stderr.contains("app_config_key"), "{}", out.stderr);
}

#[test]
fn second_brain_quick_start_uses_the_sqlite_file_from_app_config() {
    let project = TestProject::from_fixture("second-brain");
    assert!(!project.path("data").exists() && !project.path(".env").exists());

    let out = project.brainmig(["up", "+2"]).success();
    assert!(!out.stderr.contains("embedded"), "{}", out.stderr);
    let file = project.path("data/second_brain.sqlite3");
    assert_eq!(sqlite_applied(&file), ["0001", "0002"]);

    // From a subfolder the relative path in config/app.toml still means the workspace root.
    let out = project
        .brainmig(["-v", "up"])
        .in_dir(&project.path("src"))
        .success();
    assert!(
        out.stderr.contains("config/app.toml"),
        "-v names the source: {}",
        out.stderr
    );
    assert_eq!(sqlite_applied(&file), ["0001", "0002", "0003", "0004"]);
    let columns = sqlite_strings(
        &file,
        "SELECT name FROM pragma_table_info('users') ORDER BY name",
    );
    assert!(
        columns.contains(&"full_name".to_owned()) && columns.contains(&"preferences".to_owned()),
        "{columns:?}"
    );
    assert!(!project.path("src/data").exists() && !project.path(".brainmig").exists());
}

#[test]
fn second_brain_dotenv_switches_to_postgres() {
    let db = TestDb::postgres();
    let project = TestProject::from_fixture("second-brain");
    let example = project.read(".env.example");
    let fixture_url = "postgres://postgres@127.0.0.1:5432/second_brain";
    assert!(
        example.contains(&format!("DATABASE_URL={fixture_url}")),
        "{example}"
    );
    project.write(".env", &example.replace(fixture_url, &db.url()));

    let out = project.brainmig(["-v", "up"]).success();
    assert!(
        out.stderr.contains(".env"),
        "-v names the source: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains("applied 4 revision(s)"),
        "{}",
        out.stderr
    );
    assert_eq!(db.applied(), ["0001", "0002", "0003", "0004"]);
    assert_eq!(
        db.tables(),
        [
            "brainmig_version",
            "note_tags",
            "notes",
            "spaced_rep_cards",
            "tags",
            "users"
        ]
    );
    assert!(
        !project.path("data").exists(),
        "the SQLite file of app.toml is not used"
    );
}

/// Makes a file an hour old: the metadata cache never keeps an answer read from a file changed
/// moments ago, since it may have changed while cargo read it.
fn age(path: &Path) {
    age_by(path, std::time::Duration::from_secs(3600));
}

fn age_by(path: &Path, by: std::time::Duration) {
    std::fs::File::options()
        .append(true)
        .open(path)
        .and_then(|f| f.set_modified(std::time::SystemTime::now() - by))
        .unwrap_or_else(|e| panic!("cannot age {}: {e}", path.display()));
}

/// Entries in the project's metadata cache.
fn cache_entries(project: &TestProject) -> usize {
    std::fs::read_dir(project.cache_dir()).map_or(0, |dir| dir.count())
}

#[test]
fn cargo_metadata_is_remembered_until_a_manifest_changes() {
    let project = cargo_project("[package.metadata.brainmig]\nmigrations = \"db\"\n");
    project.write(
        "db/0001_r.sql",
        &rev("0001", &[], "CREATE TABLE t (id INTEGER);", None),
    );
    let url = project.sqlite_url("app.db");
    // `CARGO` is the cargo that cargo_metadata runs; `false` fails whenever it is asked.
    let history_with = |cargo: Option<&str>| {
        let run = project.brainmig(["history", "--database-url", &url]);
        match cargo {
            Some(cargo) => run.env("CARGO", cargo),
            None => run,
        }
    };

    let out = history_with(Some("false")).fails_with(2);
    assert!(
        out.stderr.contains("could not read the cargo workspace"),
        "{}",
        out.stderr
    );
    // A manifest written moments ago: the answer is used but not kept.
    assert!(history_with(None).success().stdout.contains("0001"));
    assert_eq!(cache_entries(&project), 0);
    history_with(Some("false")).fails_with(2);

    age(&project.path("Cargo.toml"));
    assert!(history_with(None).success().stdout.contains("0001"));
    assert_eq!(cache_entries(&project), 1);
    // Now cargo is not asked at all.
    let out = history_with(Some("false")).success();
    assert!(out.stdout.contains("0001"), "{}", out.stdout);
    // An entry written months ago is deleted when another is written.
    let stale = project.cache_dir().join("metadata-0000000000000000.json");
    std::fs::write(&stale, "{}").expect("write a stale entry");
    age_by(&stale, std::time::Duration::from_secs(60 * 24 * 3600));

    // An edited manifest (aged too, so only its size and time tell) is read again.
    let manifest = project.read("Cargo.toml").replace("\"db\"", "\"other\"");
    project.write("Cargo.toml", &manifest);
    age(&project.path("Cargo.toml"));
    history_with(Some("false")).fails_with(2);
    let out = project
        .brainmig(["history", "--database-url", &url])
        .fails_with(2);
    assert!(out.stderr.contains("other"), "{}", out.stderr);
    assert!(!stale.exists(), "the unused entry is still there");
    assert_eq!(cache_entries(&project), 1);

    // So is a cargo config file that appears above the project (it may move the target dir).
    project.write("other/0001_r.sql", &project.read("db/0001_r.sql"));
    assert!(history_with(None).success().stdout.contains("0001"));
    history_with(Some("false")).success();
    project.write(
        ".cargo/config.toml",
        "[build]\ntarget-dir = \"elsewhere\"\n",
    );
    age(&project.path(".cargo/config.toml"));
    history_with(Some("false")).fails_with(2);
}

#[test]
fn a_member_unknown_to_the_remembered_answer_is_looked_up_again() {
    let project = two_member_workspace();
    project.write(
        "Cargo.toml",
        &project.read("Cargo.toml").replace(
            "members = [\"app\", \"tool\"]",
            "members = [\"app\", \"tool\", \"extra/*\"]",
        ),
    );
    let member = |name: &str| {
        project.write(
            &format!("extra/{name}/Cargo.toml"),
            &format!(
                "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
                 [package.metadata.brainmig]\nmigrations = \"extra/{name}/migrations\"\n"
            ),
        );
        project.write(&format!("extra/{name}/src/main.rs"), "fn main() {}\n");
    };
    member("first");
    for manifest in [
        "Cargo.toml",
        "app/Cargo.toml",
        "tool/Cargo.toml",
        "extra/first/Cargo.toml",
    ] {
        age(&project.path(manifest));
    }
    let config_of = |package: &str| project.brainmig(["config", "-p", package]).run();
    assert_eq!(config_of("tool").code, 0);
    assert_eq!(cache_entries(&project), 1);

    // A new member matched by the glob: no watched file changed, but `-p` asks cargo again.
    member("late");
    let out = config_of("late");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        config_line(&out.stdout, "migrations").contains("extra/late/migrations"),
        "{}",
        out.stdout
    );
    assert_eq!(config_of("nope").code, 2);
}
