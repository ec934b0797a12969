//! The only code that writes to the terminal. Data (history, JSON, `--sql` scripts) goes to
//! stdout; status, progress, warnings and errors go to stderr.

mod autogen;
mod database;
mod fleet;
mod graph;
mod lint;
mod progress;
mod revisions;
mod roundtrip;
mod run;
mod scaffold;
mod stamp;
mod wait;

use std::fmt::Display;
use std::io::{IsTerminal, Write};

use console::style;

pub use autogen::{
    DifferencesView, GeneratedView, MatchView, ReviewView, UnchangedView, announce_notes,
};
pub use database::{Answer, DatabaseView, ask};
pub use fleet::{FleetActivity, FleetProgress, FleetRow, FleetView, TargetResult, revisions_text};
pub use graph::history_graph;
pub use lint::LintView;
pub use progress::RunProgress;
pub use revisions::{
    BranchPointView, BranchesView, RevisionList, RevisionView, ShowView, warn_about_state,
    warn_broken, warn_empty_up,
};
pub use roundtrip::{RoundtripBar, RoundtripView};
pub use run::{RunView, ScriptView};
pub use scaffold::{ConfigView, InitView, NewView, RenumberView, SettingView, SquashView};
pub use stamp::{RehashView, StampView};
pub use wait::Waiting;

use crate::error::Error;

/// What a data command reports: serialized as it is for `--format json`, rendered by
/// [`View::text`] for people, and announced on stderr by [`View::status`] in either format.
pub trait View: serde::Serialize {
    /// Text mode's stdout; empty when the command reports on stderr only.
    fn text(&self) -> String {
        String::new()
    }

    /// Status lines on stderr, written in every format before the data.
    fn status(&self, _shell: &Shell) {}
}

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
    /// For `lint` in GitHub Actions: workflow annotations (other commands print text).
    Github,
    /// Graphviz, for `history` only (described in its `--graph` help, hidden from the others).
    #[value(hide = true)]
    Dot,
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

/// Where one of the shell's streams goes: the process's stdout or stderr, or any writer (a
/// buffer in tests). Shared, since the shell is cloned into the runtime and back.
type Sink = std::sync::Arc<std::sync::Mutex<Box<dyn Write + Send>>>;

/// Writes everything the user sees.
#[derive(Clone)]
pub struct Shell {
    verbosity: Verbosity,
    stderr_is_tty: bool,
    /// `--format json`: stdout carries exactly one JSON document, written by [`Shell::finish`].
    json_mode: bool,
    /// The command's JSON document, held until the outcome is known so that a failure can be
    /// added to it instead of printing a second document.
    pending_json: std::sync::Arc<std::sync::Mutex<Option<serde_json::Value>>>,
    /// Data: history, scripts, the JSON document.
    out: Sink,
    /// Status, notes, warnings and errors.
    err: Sink,
    /// A fleet target's live line on the terminal, which its run's progress updates.
    live: Option<fleet::LiveLine>,
}

impl std::fmt::Debug for Shell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shell")
            .field("verbosity", &self.verbosity)
            .field("json_mode", &self.json_mode)
            .finish_non_exhaustive()
    }
}

/// A shared in-memory writer, so a test can read back what a [`Shell`] wrote.
#[derive(Debug, Clone, Default)]
pub struct Capture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Capture {
    /// Everything written so far, as text.
    pub fn text(&self) -> String {
        let bytes = self.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.0.lock() {
            Ok(mut bytes) => {
                bytes.extend_from_slice(buf);
                Ok(buf.len())
            }
            Err(_) => Err(std::io::Error::other("capture buffer poisoned")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn sink(writer: impl Write + Send + 'static) -> Sink {
    std::sync::Arc::new(std::sync::Mutex::new(Box::new(writer)))
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
            out: sink(std::io::stdout()),
            err: sink(std::io::stderr()),
            live: None,
        }
    }

    /// A shell writing data to `out` and messages to `err` (no colour, no progress bar), for
    /// tests and for embedding.
    pub fn to_writers(
        verbosity: Verbosity,
        out: impl Write + Send + 'static,
        err: impl Write + Send + 'static,
    ) -> Self {
        Shell {
            verbosity,
            stderr_is_tty: false,
            json_mode: false,
            pending_json: Default::default(),
            out: sink(out),
            err: sink(err),
            live: None,
        }
    }

    /// A shell writing into two buffers, returned as (shell, stdout, stderr).
    pub fn captured(verbosity: Verbosity) -> (Self, Capture, Capture) {
        let (out, err) = (Capture::default(), Capture::default());
        (
            Shell::to_writers(verbosity, out.clone(), err.clone()),
            out,
            err,
        )
    }

    /// One line on the message stream. A closed stream is not worth failing a migration over.
    fn err_line(&self, line: std::fmt::Arguments<'_>) {
        if let Ok(mut err) = self.err.lock() {
            let _ = err.write_fmt(line);
            let _ = err.write_all(b"\n");
            let _ = err.flush();
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
        .with_live_line(self.live.clone())
    }

    /// The same shell reporting its run's progress on a fleet target's live line.
    pub fn with_live_line(mut self, live: Option<fleet::LiveLine>) -> Self {
        self.live = live;
        self
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
            self.err_line(format_args!(
                "{} {message}",
                style(format!("{verb:>12}")).green().bold().for_stderr()
            ));
        }
    }

    /// A status line shown only with `-v`.
    pub fn detail(&self, verb: &str, message: impl Display) {
        if self.verbosity >= Verbosity::Verbose {
            self.err_line(format_args!(
                "{} {message}",
                style(format!("{verb:>12}")).cyan().for_stderr()
            ));
        }
    }

    /// `note: ...` on stderr; in a fleet target's run, on its line (its shell is quiet).
    pub fn note(&self, message: impl Display) {
        if let Some(live) = &self.live {
            live.note(&message.to_string());
        }
        if self.verbosity >= Verbosity::Normal {
            self.err_line(format_args!(
                "{} {message}",
                style("note:").cyan().bold().for_stderr()
            ));
        }
    }

    /// `warning: ...` on stderr, even with `-q`.
    pub fn warn(&self, message: impl Display) {
        self.err_line(format_args!(
            "{} {message}",
            style("warning:").yellow().bold().for_stderr()
        ));
    }

    /// The error, its causes, extra lines and a `help:` hint, on stderr.
    pub fn error(&self, error: &Error) {
        self.err_line(format_args!(
            "{} {error}",
            style("error:").red().bold().for_stderr()
        ));
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            self.err_line(format_args!(
                "  {} {cause}",
                style("caused by:").bold().for_stderr()
            ));
            source = cause.source();
        }
        if let Error::Run(run) = error {
            for (label, value) in [("detail", &run.db.detail), ("hint", &run.db.hint)] {
                if let Some(value) = value {
                    self.err_line(format_args!(
                        "  {} {value}",
                        style(format!("{label}:")).bold().for_stderr()
                    ));
                }
            }
            if let Some(code) = &run.db.code {
                self.err_line(format_args!(
                    "  {} {code}",
                    style("sqlstate:").bold().for_stderr()
                ));
            }
            if run.completed.is_empty() && run.statements_done.is_some_and(|done| done > 0) {
                // Statements of the failing section took effect (outside a transaction, or on
                // MySQL): "nothing was committed" would contradict the help below.
                self.err_line(format_args!(
                    "  no revision was completed by this run before the failure"
                ));
            } else if run.completed.is_empty() {
                self.err_line(format_args!(
                    "  nothing was committed by this run before the failure"
                ));
            } else {
                let ids: Vec<String> = run.completed.iter().map(|i| i.to_string()).collect();
                self.err_line(format_args!(
                    "  committed by this run before the failure: {}",
                    ids.join(", ")
                ));
            }
        }
        if let Some(hint) = error.hint() {
            self.err_line(format_args!(
                "{} {hint}",
                style("help:").cyan().bold().for_stderr()
            ));
        }
    }

    /// Data on stdout. A closed pipe (`| head`) is not an error.
    pub fn out(&self, text: &str) {
        if let Ok(mut out) = self.out.lock() {
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        }
    }

    /// True under `--format json`.
    pub fn json_mode(&self) -> bool {
        self.json_mode
    }

    /// A command's result: its status lines, then its text or its JSON document.
    pub fn report(&self, view: &impl View) {
        view.status(self);
        if self.json_mode {
            self.json(&serde_json::to_value(view).unwrap_or_default());
        } else {
            self.out(&view.text());
        }
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
    // A schema check's verdict, as lists a deploy script can read.
    if let Error::Pending { pending } = error {
        value["pending"] = serde_json::json!(pending);
    }
    if let Error::UnknownApplied { unknown } = error {
        value["unknown"] = serde_json::json!(unknown);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_captured_shell_keeps_data_and_messages_apart() {
        console::set_colors_enabled(false);
        console::set_colors_enabled_stderr(false);
        let (shell, out, err) = Shell::captured(Verbosity::Normal);
        shell.status("Applied", "0001 initial");
        shell.note("nothing else");
        shell.detail("Database", "hidden without -v");
        shell.out("0001\n");
        assert_eq!(out.text(), "0001\n");
        assert_eq!(
            err.text(),
            "     Applied 0001 initial\nnote: nothing else\n"
        );
    }

    #[test]
    fn quiet_keeps_warnings_and_data_only() {
        console::set_colors_enabled_stderr(false);
        let (shell, out, err) = Shell::captured(Verbosity::Quiet);
        shell.status("Applied", "0001");
        shell.note("hidden");
        shell.warn("shown");
        shell.out("data\n");
        assert_eq!(out.text(), "data\n");
        assert_eq!(err.text(), "warning: shown\n");
    }

    #[test]
    fn json_mode_prints_one_document_with_the_error_added() {
        let (shell, out, _) = Shell::captured(Verbosity::Normal);
        let shell = shell.with_json(true);
        shell.json(&serde_json::json!({ "completed": [] }));
        shell.finish(Some(&Error::Interrupted));
        let doc: serde_json::Value = serde_json::from_str(&out.text()).expect("one JSON document");
        assert_eq!(doc["completed"], serde_json::json!([]));
        assert_eq!(
            doc["error"]["exit_code"],
            serde_json::json!(Error::Interrupted.exit_code())
        );
    }
}
