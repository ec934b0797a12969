//! Tests for the guide in `docs/` (issue #20): every command it shows runs as written, every page
//! `SUMMARY.md` lists exists, and every relative link in the guide and the README resolves.
//!
//! The conventions (written up in `docs/src/development.md`, "Tested examples"):
//! - a ```` ```console ```` block is run: each `$ ` line is a command, run with bash in the page's
//!   scratch project, in page order; the lines after it are its output, shown, not compared. It
//!   must exit 0 unless the line says `# exit code N`. `cargo brainmig` is this build's binary.
//! - ```` ```console not-run: REASON ```` is a block that cannot run here (it needs your servers or
//!   writes into your home folder); the reason is required and the test lists such blocks.
//! - a block whose info string has `file=PATH` (```` ```sql file=migrations/0001_x.sql ````) is
//!   written to that path of the scratch project when the page reaches it.
//! - `<!-- guide-test: WORD... -->` starts a fresh scratch project for what follows: `empty` (a
//!   bare cargo package, also what a page starts with), `fixture=NAME` (a copy of
//!   `fixtures/NAME`), `postgres` (with `DATABASE_URL` naming a PostgreSQL database made for it).
//!
//! A shell block (`sh`, `bash`) may not hold a `cargo brainmig` line: it would be neither run nor
//! marked as not run.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::support::{TestDb, TestProject};

fn docs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/src")
}

/// One thing of a page the test acts on, with its 1-based line.
#[derive(Debug)]
enum Item {
    /// `<!-- guide-test: ... -->`
    Setup { words: Vec<String> },
    /// A fenced code block: the info string and the body.
    Block {
        line: usize,
        info: String,
        body: Vec<String>,
    },
}

/// The setup comments and fenced code blocks of a Markdown text, in order.
fn items(text: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut open: Option<(usize, String, Vec<String>)> = None;
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        if let Some((start, info, mut body)) = open.take() {
            if line.trim_start().starts_with("```") {
                items.push(Item::Block {
                    line: start,
                    info,
                    body,
                });
            } else {
                body.push(line.to_owned());
                open = Some((start, info, body));
            }
        } else if let Some(info) = line.trim_start().strip_prefix("```") {
            open = Some((number, info.trim().to_owned(), Vec::new()));
        } else if let Some(rest) = line.trim().strip_prefix("<!-- guide-test:") {
            let words = rest.trim_end_matches("-->").split_whitespace();
            items.push(Item::Setup {
                words: words.map(str::to_owned).collect(),
            });
        }
    }
    assert!(open.is_none(), "an unclosed code block");
    items
}

/// The text outside code blocks (fences and inline code spans), where links live.
fn prose(text: &str) -> String {
    let mut out = String::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            // Drop inline code: `[x](y)` inside backticks is not a link.
            let kept: String = line
                .split('`')
                .enumerate()
                .filter(|(i, _)| i % 2 == 0)
                .map(|(_, part)| part)
                .collect::<Vec<_>>()
                .join(" ");
            out.push_str(&kept);
        }
        out.push('\n');
    }
    out
}

/// The targets of the inline links `[text](target)` of a Markdown text.
fn link_targets(text: &str) -> Vec<String> {
    let prose = prose(text);
    let mut targets = Vec::new();
    let mut rest = prose.as_str();
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        if let Some(end) = rest.find(')') {
            targets.push(rest[..end].to_owned());
        }
    }
    targets
}

/// mdBook's (and GitHub's) id of a heading: lowercase, spaces to `-`, punctuation dropped.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn anchors(text: &str) -> BTreeSet<String> {
    prose(text)
        .lines()
        .filter(|l| l.starts_with('#'))
        .map(|l| slug(l.trim_start_matches('#')))
        .collect()
}

/// Every Markdown file of the guide, and the README.
fn markdown_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(docs())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    files.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"));
    files
}

#[test]
fn every_relative_link_in_the_guide_and_the_readme_resolves() {
    let mut broken = Vec::new();
    for file in markdown_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        let dir = file.parent().unwrap();
        let mut targets = link_targets(&text);
        // mdBook's includes are links too: the file must exist.
        for line in text.lines() {
            if let Some(rest) = line.trim().strip_prefix("{{#include ") {
                targets.push(rest.trim_end_matches("}}").trim().to_owned());
            }
        }
        for target in targets {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (path, anchor) = target.split_once('#').unwrap_or((&target, ""));
            let resolved = if path.is_empty() {
                file.clone()
            } else {
                dir.join(path)
            };
            if !resolved.exists() {
                broken.push(format!("{}: `{target}`: no such file", file.display()));
                continue;
            }
            let is_markdown = resolved.extension().is_some_and(|e| e == "md");
            if !anchor.is_empty() && is_markdown {
                let text = std::fs::read_to_string(&resolved).unwrap();
                if !anchors(&text).contains(anchor) {
                    broken.push(format!("{}: `{target}`: no such heading", file.display()));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn summary_lists_every_page_and_every_page_it_lists_exists() {
    let summary = std::fs::read_to_string(docs().join("SUMMARY.md")).unwrap();
    let listed: BTreeSet<String> = link_targets(&summary).into_iter().collect();
    for page in &listed {
        assert!(
            docs().join(page).exists(),
            "SUMMARY.md lists `{page}`, which does not exist"
        );
    }
    for file in markdown_files() {
        let name = file.file_name().unwrap().to_str().unwrap().to_owned();
        if file.parent() == Some(docs().as_path()) && name != "SUMMARY.md" {
            // mdBook builds only the pages SUMMARY.md lists: another would be lost.
            assert!(listed.contains(&name), "SUMMARY.md does not list `{name}`");
        }
    }
}

#[test]
fn shell_blocks_hold_no_brainmig_command_that_would_go_unrun() {
    let mut unmarked = Vec::new();
    for file in markdown_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        for item in items(&text) {
            let Item::Block { line, info, body } = item else {
                continue;
            };
            let language = info.split_whitespace().next().unwrap_or("");
            let shell = matches!(language, "sh" | "bash" | "shell" | "zsh");
            if shell
                && body
                    .iter()
                    .any(|l| l.trim_start().starts_with("cargo brainmig"))
            {
                unmarked.push(format!("{}:{line}", file.display()));
            }
            if language == "console" && info.contains("not-run") {
                let reason = info.split_once("not-run:").map_or("", |(_, r)| r.trim());
                assert!(
                    !reason.is_empty(),
                    "{}:{line}: a not-run block says why (`console not-run: REASON`)",
                    file.display()
                );
            }
        }
    }
    assert!(
        unmarked.is_empty(),
        "write these as ```console blocks (`$ cargo brainmig ...`), run by this test, or \
         ```console not-run: REASON:\n{}",
        unmarked.join("\n")
    );
}

/// A page's scratch project, and the database some pages run against.
struct Scratch {
    project: TestProject,
    db: Option<TestDb>,
    cwd: PathBuf,
}

impl Scratch {
    fn new(words: &[String]) -> Scratch {
        let fixture = words.iter().find_map(|w| w.strip_prefix("fixture="));
        let project = match fixture {
            Some(name) => TestProject::from_fixture(name),
            None => {
                let project = TestProject::empty();
                project.write(
                    "Cargo.toml",
                    "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
                );
                project.write("src/main.rs", "fn main() {}\n");
                project
            }
        };
        let db = words.iter().any(|w| w == "postgres").then(TestDb::postgres);
        let cwd = project.root.clone();
        Scratch { project, db, cwd }
    }

    /// Runs one `$ ` line; returns what it printed when its exit code is not the expected one.
    fn run(&mut self, command: &str) -> Result<(), String> {
        let expected = expected_exit_code(command);
        if let Some(dir) = command.strip_prefix("cd ").filter(|d| !d.contains("&&")) {
            self.cwd = self.cwd.join(dir.trim());
            return Ok(());
        }
        let binary = format!("'{}' brainmig", env!("CARGO_BIN_EXE_cargo-brainmig"));
        let script = command.replace("cargo brainmig", &binary);
        let mut cmd = Command::new("bash");
        cmd.args(["-c", &script])
            .current_dir(&self.cwd)
            .env("NO_COLOR", "1")
            .env_remove("DATABASE_URL")
            .env_remove("CARGO_TARGET_DIR")
            .env("BRAINMIG_CACHE_DIR", self.project.cache_dir())
            .stdin(Stdio::null());
        if let Some(db) = &self.db {
            cmd.env("DATABASE_URL", db.url());
        }
        let out = cmd.output().unwrap();
        let code = out.status.code().unwrap_or(-1);
        if code == expected {
            return Ok(());
        }
        Err(format!(
            "exit code {code}, expected {expected}\n--- stdout\n{}--- stderr\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// `$ cargo brainmig check   # exit code 4: ...` expects 4; a command without it, 0.
fn expected_exit_code(command: &str) -> i32 {
    command
        .split_once("# exit code ")
        .and_then(|(_, rest)| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .unwrap_or(0)
}

/// Runs a page's console blocks in order; returns how many commands ran.
fn run_page(page: &str) -> usize {
    let path = docs().join(page);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut scratch = Scratch::new(&[]);
    let mut ran = 0;
    for item in items(&text) {
        match item {
            Item::Setup { words, .. } => scratch = Scratch::new(&words),
            Item::Block { line, info, body } => {
                if let Some(file) = info
                    .split_whitespace()
                    .find_map(|w| w.strip_prefix("file="))
                {
                    let target = scratch.cwd.join(file);
                    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                    std::fs::write(target, body.join("\n") + "\n").unwrap();
                    continue;
                }
                if info.split_whitespace().next() != Some("console") {
                    continue;
                }
                if info.contains("not-run") {
                    eprintln!("{page}:{line}: not run ({info})");
                    continue;
                }
                for (offset, command) in body.iter().enumerate() {
                    let Some(command) = command.strip_prefix("$ ") else {
                        continue;
                    };
                    let at = line + 1 + offset;
                    if let Err(report) = scratch.run(command) {
                        panic!("{page}:{at}: `{command}` failed: {report}");
                    }
                    ran += 1;
                }
            }
        }
    }
    ran
}

/// The pages whose commands run, one test each (so they run side by side).
macro_rules! pages {
    ($($test:ident => $page:literal,)*) => {
        const RUN_PAGES: &[&str] = &[$($page),*];
        $(
            #[test]
            fn $test() {
                assert!(run_page($page) > 0, "{} runs no command: drop it from `pages!`", $page);
            }
        )*
    };
}

pages! {
    readme_commands_run => "../../README.md",
    install_commands_run => "install.md",
    quick_start_commands_run => "quick-start.md",
    postgresql_commands_run => "postgresql.md",
    autogenerate_commands_run => "autogenerate.md",
    lint_commands_run => "lint.md",
    test_roundtrip_commands_run => "test-roundtrip.md",
    running_commands_run => "running.md",
    team_conflicts_commands_run => "team-conflicts.md",
    check_and_diff_commands_run => "check-and-diff.md",
    database_commands_run => "database.md",
    configuration_commands_run => "configuration.md",
    fleets_commands_run => "fleets.md",
    squash_commands_run => "squash.md",
    history_commands_run => "history.md",
}

#[test]
fn every_page_with_a_console_block_is_run() {
    for file in markdown_files() {
        let name = match file.parent() == Some(docs().as_path()) {
            true => file.file_name().unwrap().to_str().unwrap(),
            false => "../../README.md",
        };
        let text = std::fs::read_to_string(&file).unwrap();
        let runs = items(&text).iter().any(|item| {
            matches!(item, Item::Block { info, .. }
                if info.split_whitespace().next() == Some("console") && !info.contains("not-run"))
        });
        if runs {
            assert!(
                RUN_PAGES.contains(&name),
                "{name} has console blocks: add it to `pages!` in tests/integration/guide.rs"
            );
        }
    }
}

/// The lint page's rule table is written from the rule catalog; it must not drift from it.
#[test]
fn the_lint_page_lists_every_rule_as_the_catalog_says() {
    let page = std::fs::read_to_string(docs().join("lint.md")).unwrap();
    for rule in brainmig::lint::rules::ALL {
        let row = format!("| `{}` `{}` | ", rule.code, rule.name);
        let line = page
            .lines()
            .find(|l| l.starts_with(&row))
            .unwrap_or_else(|| panic!("lint.md has no row for {}", rule.code));
        assert!(
            line.contains(rule.why) && line.contains(rule.instead),
            "{line}"
        );
    }
}

/// The development page shows the README's test command, which CI runs: the same one.
#[test]
fn the_development_page_shows_the_test_command_ci_runs() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let marked = readme
        .split("<!-- test-command -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- /test-command -->").next())
        .expect("the README's test-command markers");
    let command = marked.lines().find(|l| l.starts_with("cargo ")).unwrap();
    let page = std::fs::read_to_string(docs().join("development.md")).unwrap();
    assert!(
        page.lines().any(|l| l == command),
        "development.md lacks `{command}`"
    );
}
