//! The command line: clap definitions and dispatch only. Each command lives in `commands/` and
//! calls into the library.

mod commands;
mod context;
mod fleet_args;
mod generate;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use context::Context;

use crate::config::DiscoveryArgs;
use crate::error::Error;
use crate::output::{ColorChoice, Format, Shell, Verbosity};

/// Alembic-style schema migrations for PostgreSQL, SQLite and MySQL/MariaDB, as a cargo subcommand.
///
/// Revisions are SQL files in the migrations folder; each names its parent with `-- revises:`.
/// Run `cargo brainmig init` to start, `cargo brainmig new -m "..."` to add a revision and
/// `cargo brainmig up` to apply them.
#[derive(Debug, Parser)]
#[command(
    name = "cargo-brainmig",
    bin_name = "cargo brainmig",
    version,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Options every command accepts, before or after its name.
#[derive(Debug, Args)]
struct GlobalArgs {
    /// Database URL (postgres://..., mysql://... or sqlite://...); overrides every other source.
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    /// Migrations folder; also lets brainmig work without a Cargo.toml.
    #[arg(long, global = true, value_name = "DIR")]
    migrations_dir: Option<PathBuf>,
    /// Path to the Cargo.toml of the workspace or package.
    #[arg(long, global = true, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// Package whose `[package.metadata.brainmig]` to use.
    #[arg(short, long, global = true, value_name = "NAME")]
    package: Option<String>,
    /// When to colour output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    color: ColorChoice,
    /// Print errors and data only.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Print more detail (for `current`, `history`, `heads`: each revision's file, times,
    /// checksum); may be repeated (`-vv`), as with cargo.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Give up after waiting this many seconds for another run's lock (default: wait).
    #[arg(long, global = true, value_name = "SECONDS", value_parser = parse_seconds)]
    lock_timeout: Option<std::time::Duration>,
    /// Retry connecting while the database is unreachable, starting up or full, for up to
    /// DURATION (`30s`, `2m`; default 60s); bad credentials and missing databases fail at once.
    #[arg(
        long,
        global = true,
        value_name = "DURATION",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "60s",
        value_parser = crate::db::wait::parse_duration
    )]
    wait: Option<std::time::Duration>,
    /// Output format of data commands.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text, value_name = "FORMAT")]
    format: Format,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the migrations folder and a template to edit, and print the config to add.
    Init,
    /// Scaffold a new revision from the template.
    #[command(visible_alias = "revision")]
    New(commands::new::NewArgs),
    /// Apply revisions up to a target (default `head`).
    #[command(visible_alias = "upgrade")]
    Up(commands::run::UpArgs),
    /// Revert revisions down to a target (default `-1`).
    #[command(visible_alias = "downgrade")]
    Down(commands::run::DownArgs),
    /// Show the revisions the database is at.
    Current(commands::inspect::CurrentArgs),
    /// List revisions, newest first, marking what is applied and the heads.
    History(commands::history::HistoryArgs),
    /// List the heads.
    Heads,
    /// List the branch points and their branches.
    Branches,
    /// Show one revision in full.
    Show(commands::inspect::ShowArgs),
    /// Write a revision that merges several heads.
    Merge(commands::new::MergeArgs),
    /// Put one branch after another instead of merging: rewrite its first `revises:` (and with
    /// sequence ids its ids and file names).
    ///
    /// REV is the first revision of the branch to move; it and every revision after it move onto
    /// the other head (or `--onto`). Refused when the configured database has applied any of
    /// them; use it only for revisions no database has applied yet.
    Renumber(commands::renumber::RenumberArgs),
    /// Replace the revisions from the base to a revision with one generated baseline revision.
    ///
    /// The baseline's up section builds the schema those revisions build (generated in a scratch
    /// database, as `new --autogenerate` does) and its down section empties it; its
    /// `-- replaces:` header lists them, so a database that applied them is at the baseline.
    /// It is proven before anything is written: same snapshot, and up, down, up in a scratch
    /// database. The old files move to `squashed/` (or `--archive DIR`), or with `--delete` go.
    Squash(commands::squash::SquashArgs),
    /// Record a revision as the current state without running any SQL.
    Stamp(commands::stamp::StampArgs),
    /// Record the current checksum of an applied revision after reviewing its change.
    Rehash(commands::stamp::RehashArgs),
    /// Prove that every downgrade undoes its upgrade, in a scratch database.
    ///
    /// For each revision: upgrade, downgrade, upgrade again, comparing schema snapshots; then
    /// downgrade everything. The configured database is never touched: on PostgreSQL a
    /// `brainmig_rt_...` database is created on the same server and dropped afterwards; on SQLite a
    /// temporary file is used. Exit code 3 when a revision fails the round trip.
    TestRoundtrip(commands::roundtrip::RoundtripArgs),
    /// Exit 0 only when the revisions load, there is one head, and the schema file matches what
    /// the migrations build (for CI).
    ///
    /// Builds both in scratch databases (as `test-roundtrip` does) and compares their snapshots.
    /// Exit code 4, with each difference listed, when they differ or there are several heads.
    Check(commands::fleet::FleetArgs),
    /// Find dangerous statements (locks, rewrites, breaking renames) before they run.
    ///
    /// Lints the revisions the configured database has not applied (every revision when no
    /// database answers, or with `--all`). Each finding has a code (`BM001`...), a severity,
    /// the file, line and column, why it is dangerous and the safe alternative. Exit code 7 when a
    /// finding at error severity remains. `--format github` prints workflow annotations.
    Lint(commands::lint::LintArgs),
    /// Compare the live database with what its recorded revisions should have built ("drift").
    ///
    /// Prints each difference and the SQL that would bring the database back; changes nothing.
    /// Exit code 4 when the database has drifted.
    Diff(commands::fleet::FleetArgs),
    /// Print the resolved settings and where each came from.
    Config,
    /// Write revisions from diesel, sqlx, dbmate or refinery migrations, and take over the
    /// database they migrated.
    ///
    /// Writes one revision per migration into the migrations folder (the tool's version as id,
    /// linear parents, the tool's up and down SQL), refusing to overwrite files. With a database
    /// configured, also records the revisions the tool's version table lists as applied, in one
    /// transaction, running no migration SQL and leaving the tool's table as it is.
    Import(commands::import::ImportArgs),
    /// Create, drop or reset (drop, create, `up`) the configured database.
    #[command(subcommand)]
    Database(commands::database::DatabaseCommand),
    /// Print the completion script of a shell for `cargo-brainmig` (see the guide's Install page).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the man pages (`brainmig.1` and one per command) into a folder.
    #[command(hide = true)]
    Man {
        /// The folder (created if needed).
        #[arg(long, value_name = "DIR", default_value = ".")]
        out: PathBuf,
    },
}

impl Cli {
    /// Parses `args` (the program name first), accepting cargo's extra `brainmig` argument.
    pub fn parse_args(
        args: impl IntoIterator<Item = std::ffi::OsString>,
    ) -> Result<Cli, clap::Error> {
        let mut args: Vec<std::ffi::OsString> = args.into_iter().collect();
        // `cargo brainmig x` runs `cargo-brainmig brainmig x`.
        if args.get(1).is_some_and(|a| a == "brainmig") {
            args.remove(1);
        }
        Cli::try_parse_from(args)
    }

    /// The shell this command line asks for.
    pub fn shell(&self, no_color_env: bool) -> Shell {
        let verbosity = match (self.global.quiet, self.global.verbose) {
            (true, _) => Verbosity::Quiet,
            (_, 0) => Verbosity::Normal,
            _ => Verbosity::Verbose,
        };
        Shell::new(self.global.color, verbosity, no_color_env)
            .with_json(self.global.format == Format::Json)
    }

    /// Runs the command.
    pub async fn run(self, shell: Shell) -> Result<(), Error> {
        let discovery = DiscoveryArgs {
            manifest_path: self.global.manifest_path,
            package: self.global.package,
            migrations_dir: self.global.migrations_dir,
            database_url: self.global.database_url,
        };
        if self.global.format == Format::Dot && !matches!(self.command, Command::History(_)) {
            return Err(crate::error::ConfigError::Unsupported(
                "`--format dot` is only for `history` (use `text` or `json` here)".into(),
            )
            .into());
        }
        // Generated from the definitions alone: no project or database needed.
        match &self.command {
            Command::Completions { shell: target } => {
                shell.out(&generate::completions(*target));
                return Ok(());
            }
            Command::Man { out } => return generate::write_man_pages(&shell, out),
            _ => {}
        }
        let ctx = Context::new(
            &discovery,
            shell,
            self.global.format,
            self.global.lock_timeout,
        )?
        .with_wait(self.global.wait);
        match self.command {
            Command::Init => commands::init::exec(&ctx),
            Command::New(args) if args.autogenerate => commands::autogen::new(&ctx, &args).await,
            Command::New(args) => commands::new::exec(&ctx, &args),
            Command::Up(args) => commands::run::up(&ctx, &args).await,
            Command::Down(args) => commands::run::down(&ctx, &args).await,
            Command::Current(args) => commands::inspect::current(&ctx, &args).await,
            Command::History(args) => commands::history::exec(&ctx, &args).await,
            Command::Heads => commands::inspect::heads(&ctx).await,
            Command::Branches => commands::inspect::branches(&ctx).await,
            Command::Show(args) => commands::inspect::show(&ctx, &args).await,
            Command::Merge(args) => commands::new::merge(&ctx, &args),
            Command::Renumber(args) => commands::renumber::exec(&ctx, &args).await,
            Command::Squash(args) => commands::squash::exec(&ctx, &args).await,
            Command::Stamp(args) => commands::stamp::stamp(&ctx, &args).await,
            Command::Rehash(args) => commands::stamp::rehash(&ctx, &args).await,
            Command::TestRoundtrip(args) => commands::roundtrip::exec(&ctx, &args).await,
            Command::Check(fleet) => commands::autogen::check(&ctx, &fleet).await,
            Command::Diff(fleet) => commands::autogen::drift(&ctx, &fleet).await,
            Command::Lint(args) => commands::lint::exec(&ctx, &args).await,
            Command::Config => commands::config::exec(&ctx),
            Command::Import(args) => commands::import::exec(&ctx, &args).await,
            Command::Database(command) => commands::database::exec(&ctx, &command).await,
            Command::Completions { .. } | Command::Man { .. } => Ok(()),
        }
    }
}

/// True when the raw arguments ask for `--format json`: a usage error clap reports before the
/// arguments are parsed still owes scripts a JSON document.
pub fn asks_for_json(args: impl IntoIterator<Item = std::ffi::OsString>) -> bool {
    let args: Vec<std::ffi::OsString> = args.into_iter().collect();
    args.windows(2)
        .any(|w| w[0] == "--format" && w[1] == "json")
        || args.iter().any(|a| a == "--format=json")
}

/// A clap usage error as the JSON document of a failed command (exit code 2).
#[allow(clippy::print_stdout)] // The one document of a run that never reached the shell.
pub fn print_usage_error_json(error: &clap::Error) {
    let message = error
        .render()
        .to_string()
        .lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches("error: ")
        .to_owned();
    let doc = serde_json::json!({
        "error": {
            "message": message,
            "causes": [],
            "hint": "run with `--help` for the usage",
            "exit_code": crate::exit_code::USAGE,
        }
    });
    println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
}

/// `--lock-timeout 2.5`: non-negative seconds.
fn parse_seconds(text: &str) -> Result<std::time::Duration, String> {
    text.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(std::time::Duration::from_secs_f64)
        .ok_or_else(|| format!("`{text}` is not a number of seconds"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_options_go_before_or_after_the_command_and_cargo_prefix_is_dropped() {
        let valid: &[&[&str]] = &[
            &[
                "cargo-brainmig",
                "brainmig",
                "up",
                "--database-url",
                "sqlite::memory:",
            ],
            &[
                "cargo-brainmig",
                "--database-url",
                "sqlite::memory:",
                "up",
                "head",
            ],
            &["cargo-brainmig", "upgrade", "+1", "--format", "json", "-q"],
            &["cargo-brainmig", "down", "-1"],
            &["cargo-brainmig", "downgrade", "base", "--sql"],
            &["cargo-brainmig", "revision", "-m", "add users"],
            &["cargo-brainmig", "history", "-r", "0001:head", "--verbose"],
            &["cargo-brainmig", "merge", "-m", "join", "a", "b"],
            &["cargo-brainmig", "stamp", "0002", "--purge", "-p", "app"],
            &["cargo-brainmig", "new", "--autogenerate", "-m", "add tags"],
            &["cargo-brainmig", "check", "--format", "json"],
            &["cargo-brainmig", "diff", "-v"],
            &["cargo-brainmig", "current", "-vv"],
            &["cargo-brainmig", "down", "-2", "--sql"],
        ];
        for args in valid {
            Cli::parse_args(args.iter().map(Into::into))
                .unwrap_or_else(|e| panic!("{args:?}: {e}"));
        }
        let invalid: &[&[&str]] = &[
            &["cargo-brainmig"],
            &["cargo-brainmig", "new"],
            &["cargo-brainmig", "up", "-q", "-v"],
            &["cargo-brainmig", "merge", "-m", "x"],
            &["cargo-brainmig", "up", "--color", "sometimes"],
            &["cargo-brainmig", "up", "--dry-run"],
            &["cargo-brainmig", "down", "--dry-run"],
            &["cargo-brainmig", "new", "--autogenerate"],
            &[
                "cargo-brainmig",
                "new",
                "--autogenerate",
                "--no-transaction",
                "-m",
                "x",
            ],
        ];
        for args in invalid {
            assert!(
                Cli::parse_args(args.iter().map(Into::into)).is_err(),
                "{args:?}"
            );
        }
    }
}
