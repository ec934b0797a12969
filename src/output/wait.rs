//! What `--wait` shows while the database is not up yet: a spinner on a terminal, otherwise one
//! note when the waiting starts (a log should not get a line per attempt).

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{Shell, Verbosity};
use crate::db::wait::Retry;

/// Shows one wait for the database; dropped (or [`Waiting::done`]) when it connected or gave up.
pub struct Waiting {
    shell: Shell,
    spinner: Option<ProgressBar>,
    announced: bool,
}

impl Shell {
    /// Starts showing a wait for the database (nothing until the first failed attempt).
    pub fn waiting(&self) -> Waiting {
        Waiting {
            shell: self.clone(),
            spinner: None,
            announced: false,
        }
    }
}

impl Waiting {
    /// An attempt failed and another follows.
    pub fn retry(&mut self, retry: &Retry<'_>) {
        let left = retry.timeout.saturating_sub(retry.waited);
        let message = format!(
            "waiting for the database ({}); giving up in {}s",
            reason(retry),
            left.as_secs()
        );
        if self.shell.stderr_is_tty && self.shell.verbosity != Verbosity::Quiet {
            let spinner = self.spinner.get_or_insert_with(|| {
                let spinner = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                spinner.set_style(
                    ProgressStyle::with_template("{spinner:.cyan} {wide_msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                spinner.enable_steady_tick(Duration::from_millis(100));
                spinner
            });
            spinner.set_message(message);
        } else if !self.announced {
            self.announced = true;
            self.shell.note(format_args!(
                "waiting for the database ({}); retrying for up to {}s",
                reason(retry),
                retry.timeout.as_secs()
            ));
        }
    }

    /// Clears the spinner.
    pub fn done(self) {}
}

impl Drop for Waiting {
    fn drop(&mut self) {
        if let Some(spinner) = self.spinner.take() {
            spinner.finish_and_clear();
        }
    }
}

/// The driver's reason, short: the first line of the error without the URL.
fn reason(retry: &Retry<'_>) -> String {
    match retry.error {
        crate::error::DbError::Connect { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}
