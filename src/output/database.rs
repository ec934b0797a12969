//! How `database create|drop|reset` report, and the `[y/N]` question before a drop.

use std::io::{BufRead, IsTerminal, Write};

use serde::Serialize;

use super::{Shell, View};
use crate::ops::database::Outcome;

/// What a `database` command did to which database (the URL masked).
#[derive(Debug, Serialize)]
pub struct DatabaseView {
    /// The masked URL.
    pub database: String,
    /// What happened.
    pub outcome: Outcome,
}

impl View for DatabaseView {
    fn status(&self, shell: &Shell) {
        let url = &self.database;
        match self.outcome {
            Outcome::Created => shell.status("Created", url),
            Outcome::Dropped => shell.status("Dropped", url),
            Outcome::AlreadyExists => shell.note(format_args!("{url} exists already")),
            Outcome::DidNotExist => shell.note(format_args!("{url} does not exist")),
        }
    }
}

/// The answer to a yes-or-no question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// `y` or `yes`.
    Yes,
    /// Anything else, or end of input.
    No,
    /// Standard input is not a terminal: nobody can answer.
    NoTerminal,
}

/// Asks `question` on stderr (even with `-q`: it must be seen) and reads the answer from stdin.
#[allow(clippy::print_stderr)] // The prompt has no line end, so it cannot go through `Shell`.
pub fn ask(question: &str) -> Answer {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Answer::NoTerminal;
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = stdin.lock().read_line(&mut answer);
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Answer::Yes,
        _ => Answer::No,
    }
}
