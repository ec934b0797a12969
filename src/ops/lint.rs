//! `lint` and the lint pass `check` runs: reading the `lint` config, asking the configured
//! database (under `--wait`) what it has applied and its version, and choosing the revisions to
//! lint; the judging itself is [`crate::lint`]'s.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::config::{Config, DatabaseUrl, UrlOrigin};
use crate::db::Connection;
use crate::error::Error;
use crate::lint::{self, LintConfig, Report, Severity, target};
use crate::ops::connect::waiting_for;
use crate::output::{Shell, warn_broken};
use crate::state::State;

/// What a lint run reads: the settings, where it reports, and `--wait`.
pub struct Linting<'a> {
    /// Where notes and warnings go.
    pub shell: &'a Shell,
    /// The migrations folder, the `lint` table, the database URL and version table.
    pub config: &'a Config,
    /// `--wait`: how long to retry connecting while the server is not up.
    pub wait: Option<Duration>,
}

/// Lints `revisions` (ids or prefixes), or every revision with `all`, or by default those the
/// configured database has not applied (every revision when no database answers).
pub async fn run(l: &Linting<'_>, revisions: &[String], all: bool) -> Result<Report, Error> {
    let config = match &l.config.lint {
        Some((value, table, manifest)) => LintConfig::read(value, table, manifest)?,
        None => LintConfig::default(),
    };
    let (url, origin) = l.config.database_url()?;
    if matches!(url, DatabaseUrl::Mysql(_)) {
        return Err(crate::error::ConfigError::LintOnMysql.into());
    }
    if matches!(url, DatabaseUrl::Sqlite(_)) && origin != UrlOrigin::EmbeddedDefault {
        l.shell.note(
            "lint's rules are written for PostgreSQL; on SQLite most of its dangers do not apply",
        );
    }
    // The embedded default is a development file, not the database the revisions go to.
    let url = (origin != UrlOrigin::EmbeddedDefault).then_some(url);
    let table = &l.config.version_table.value;
    let open = async |url: &DatabaseUrl| {
        waiting_for(l.shell, l.wait, || Connection::open_existing(url)).await
    };
    let reading = target::read(url.as_ref(), table, config.target_version, open).await;
    let source = super::connect::load_source(l.config)?;
    let state = State::build(source, reading.rows)?;
    warn_broken(l.shell, &state, &[]);
    let selected = if !revisions.is_empty() {
        let mut chosen = BTreeSet::new();
        for text in revisions {
            chosen.insert(state.graph.find_prefix(text)?);
        }
        chosen
    } else if all {
        with_files(&state)
    } else if let Some(why) = &reading.unreachable {
        l.shell.note(format_args!("{why}: linting every revision"));
        with_files(&state)
    } else {
        with_files(&state)
            .into_iter()
            .filter(|i| !state.applied.revisions.contains(i))
            .collect()
    };
    Ok(lint::run(&state, &selected, &reading.target, &config))
}

/// Every revision that has a file, in order.
fn with_files(state: &State) -> BTreeSet<usize> {
    let topological = state.graph.topological();
    topological
        .iter()
        .copied()
        .filter(|i| state.files[*i].is_some())
        .collect()
}

/// For `check`: the default selection linted, each finding one line on stderr; the number of
/// findings at error severity.
pub async fn for_check(l: &Linting<'_>) -> Result<usize, Error> {
    if matches!(l.config.database_url(), Ok((DatabaseUrl::Mysql(_), _))) {
        l.shell
            .note("the lint pass is skipped on MySQL: lint's rules are PostgreSQL's");
        return Ok(0);
    }
    let report = run(l, &[], false).await?;
    for f in &report.findings {
        let line = format!(
            "{}[{} {}]: {} at {}:{}:{}",
            f.severity.as_str(),
            f.code,
            f.name,
            f.detail,
            f.file,
            f.line,
            f.column
        );
        match f.severity {
            Severity::Error | Severity::Warning => l.shell.warn(line),
            Severity::Style => l.shell.note(line),
        }
    }
    Ok(report.count(Severity::Error))
}
