//! The only code that writes to the terminal. Data (history, JSON, `--sql` scripts) goes to
//! stdout; status, progress, warnings and errors go to stderr.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod progress;
mod roundtrip;

use std::fmt::Display;
use std::io::{IsTerminal, Write};

use console::style;

pub use progress::RunProgress;
pub use roundtrip::{RoundtripBar, RoundtripView};

use crate::error::Error;

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and `NO_COLOR` is unset.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// For people.
    #[default]
    Text,
    /// For scripts: one JSON document on stdout.
    Json,
}

/// How loud to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// `-q`: errors only.
    Quiet,
    /// The default.
    Normal,
    /// `-v`: details of each step.
    Verbose,
}

/// Writes everything the user sees.
#[derive(Debug, Clone)]
pub struct Shell {
    verbosity: Verbosity,
    stderr_is_tty: bool,
    /// `--format json`: stdout carries exactly one JSON document, written by [`Shell::finish`].
    json_mode: bool,
    /// The command's JSON document, held until the outcome is known so that a failure can be
    /// added to it instead of printing a second document.
    pending_json: std::sync::Arc<std::sync::Mutex<Option<serde_json::Value>>>,
}

impl Shell {
    /// Sets up colours for both streams and remembers whether stderr is a terminal.
    pub fn new(color: ColorChoice, verbosity: Verbosity, no_color_env: bool) -> Self {
        let (out, err) = match color {
            ColorChoice::Always => (true, true),
            ColorChoice::Never => (false, false),
            ColorChoice::Auto if no_color_env => (false, false),
            ColorChoice::Auto => (
                std::io::stdout().is_terminal(),
                std::io::stderr().is_terminal(),
            ),
        };
        console::set_colors_enabled(out);
        console::set_colors_enabled_stderr(err);
        Shell {
            verbosity,
            stderr_is_tty: std::io::stderr().is_terminal(),
            json_mode: false,
            pending_json: Default::default(),
        }
    }

    /// The same shell for `--format json`: [`Shell::finish`] then prints one document on stdout,
    /// passing or failing.
    pub fn with_json(mut self, json: bool) -> Self {
        self.json_mode = json;
        self
    }

    /// The verbosity.
    pub fn verbosity(&self) -> Verbosity {
        self.verbosity
    }

    /// A progress reporter for a run of `total` steps.
    pub fn progress(&self, total: usize) -> RunProgress {
        RunProgress::new(
            progress::bar_enabled(self.verbosity, self.stderr_is_tty, total),
            self.verbosity,
        )
    }

    /// A progress reporter for `test-roundtrip`.
    pub fn roundtrip_progress(&self) -> RoundtripBar {
        RoundtripBar::new(
            self.stderr_is_tty && self.verbosity != Verbosity::Quiet,
            self.verbosity,
        )
    }

    /// `   Upgrading 0001 -> 0002`, cargo-style, on stderr.
    pub fn status(&self, verb: &str, message: impl Display) {
        if self.verbosity >= Verbosity::Normal {
            eprintln!(
                "{} {message}",
                style(format!("{verb:>12}")).green().bold().for_stderr()
            );
        }
    }

    /// A status line shown only with `-v`.
    pub fn detail(&self, verb: &str, message: impl Display) {
        if self.verbosity >= Verbosity::Verbose {
            eprintln!(
                "{} {message}",
                style(format!("{verb:>12}")).cyan().for_stderr()
            );
        }
    }

    /// `note: ...` on stderr.
    pub fn note(&self, message: impl Display) {
        if self.verbosity >= Verbosity::Normal {
            eprintln!("{} {message}", style("note:").cyan().bold().for_stderr());
        }
    }

    /// `warning: ...` on stderr, even with `-q`.
    pub fn warn(&self, message: impl Display) {
        eprintln!(
            "{} {message}",
            style("warning:").yellow().bold().for_stderr()
        );
    }

    /// The error, its causes, extra lines and a `help:` hint, on stderr.
    pub fn error(&self, error: &Error) {
        eprintln!("{} {error}", style("error:").red().bold().for_stderr());
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            eprintln!("  {} {cause}", style("caused by:").bold().for_stderr());
            source = cause.source();
        }
        if let Error::Run(run) = error {
            for (label, value) in [("detail", &run.db.detail), ("hint", &run.db.hint)] {
                if let Some(value) = value {
                    eprintln!(
                        "  {} {value}",
                        style(format!("{label}:")).bold().for_stderr()
                    );
                }
            }
            if let Some(code) = &run.db.code {
                eprintln!("  {} {code}", style("sqlstate:").bold().for_stderr());
            }
            if run.completed.is_empty() {
                eprintln!("  nothing was committed by this run before the failure");
            } else {
                let ids: Vec<String> = run.completed.iter().map(|i| i.to_string()).collect();
                eprintln!(
                    "  committed by this run before the failure: {}",
                    ids.join(", ")
                );
            }
        }
        if let Some(hint) = error.hint() {
            eprintln!("{} {hint}", style("help:").cyan().bold().for_stderr());
        }
    }

    /// Data on stdout. A closed pipe (`| head`) is not an error.
    pub fn out(&self, text: &str) {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(text.as_bytes());
        let _ = stdout.flush();
    }

    /// The command's JSON document; printed by [`Shell::finish`] once the outcome is known.
    pub fn json(&self, value: &serde_json::Value) {
        if let Ok(mut pending) = self.pending_json.lock() {
            *pending = Some(value.clone());
        }
    }

    /// Ends the command: under `--format json`, prints its one document on stdout; on failure
    /// with an `"error"` object (message, causes, hint, exit code) added. A command that wrote
    /// no document of its own still gets one (`{}` on success). Successful documents keep the
    /// shape they always had, so existing scripts do not break.
    pub fn finish(&self, error: Option<&Error>) {
        let pending = self.pending_json.lock().ok().and_then(|mut p| p.take());
        if !self.json_mode {
            // Only JSON commands fill `pending`; text mode has printed already.
            return;
        }
        let mut doc = match pending {
            Some(serde_json::Value::Object(map)) => map,
            Some(other) => {
                let mut map = serde_json::Map::new();
                map.insert("data".into(), other);
                map
            }
            None => serde_json::Map::new(),
        };
        if let Some(error) = error {
            doc.insert("error".into(), error_json(error));
        }
        let text =
            serde_json::to_string_pretty(&serde_json::Value::Object(doc)).unwrap_or_default();
        self.out(&format!("{text}\n"));
    }
}

/// An error as scripts read it: the same words as on stderr, split into fields.
pub fn error_json(error: &Error) -> serde_json::Value {
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    let mut value = serde_json::json!({
        "message": error.to_string(),
        "causes": causes,
        "hint": error.hint(),
        "exit_code": error.exit_code(),
    });
    if let Error::Run(run) = error {
        value["revision"] = serde_json::json!(run.id);
        value["file"] = serde_json::json!(run.path.display().to_string());
        value["line"] = serde_json::json!(run.line);
        value["database"] = serde_json::json!(run.db);
        value["completed"] = serde_json::json!(run.completed);
        value["interrupted"] = serde_json::json!(run.interrupted);
    }
    value
}

/// A styled token for stdout: revision ids.
pub fn id_style(text: impl Display) -> String {
    style(text).yellow().to_string()
}

/// A styled token for stdout: tags like `(head)`.
pub fn tag_style(text: impl Display) -> String {
    style(text).cyan().bold().to_string()
}

/// A styled token for stdout: warnings inside data, like `(file missing)`.
pub fn alert_style(text: impl Display) -> String {
    style(text).red().bold().to_string()
}
