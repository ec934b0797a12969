//! `--wait` and `Migrator::wait`: connecting to a database that is not up yet (a container
//! started beside the app), retrying with backoff while the server is unreachable, refusing,
//! starting up or out of connection slots, and failing at once on what waiting cannot fix (bad
//! credentials, an unknown role, a missing database).

use std::future::Future;
use std::time::{Duration, Instant};

#[cfg(doc)]
use super::Connection;
use crate::error::{ConnectFailure, DbError};

/// `--wait` given without a value.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(60);

/// The first pause between attempts; each later one doubles, up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(100);
const MAX_PAUSE: Duration = Duration::from_secs(2);

/// Whether another attempt may succeed: the server is not there or not ready yet.
pub fn worth_retrying(error: &DbError) -> bool {
    matches!(
        error,
        DbError::Connect {
            kind: ConnectFailure::Unreachable | ConnectFailure::NotReady,
            ..
        }
    )
}

/// One failed attempt, told to the caller (a spinner, a `tracing` event) before the pause.
#[derive(Debug)]
pub struct Retry<'a> {
    /// Why the attempt failed.
    pub error: &'a DbError,
    /// Time since the first attempt.
    pub waited: Duration,
    /// The whole budget.
    pub timeout: Duration,
}

/// Runs `attempt` (a connect: [`Connection::open`] or `open_existing`), retrying for up to
/// `wait` when the failure is [`worth_retrying`]; `None` tries once. On giving up it returns the
/// last attempt's error, the same clear error as without `--wait`.
pub async fn retrying<T, F, Fut>(
    wait: Option<Duration>,
    mut attempt: F,
    mut on_retry: impl FnMut(Retry<'_>),
) -> Result<T, DbError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, DbError>>,
{
    let started = Instant::now();
    let mut pause = FIRST_PAUSE;
    loop {
        let error = match attempt().await {
            Ok(conn) => return Ok(conn),
            Err(error) => error,
        };
        let Some(timeout) = wait else {
            return Err(error);
        };
        let waited = started.elapsed();
        if !worth_retrying(&error) || waited + pause > timeout {
            return Err(error);
        }
        on_retry(Retry {
            error: &error,
            waited,
            timeout,
        });
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(MAX_PAUSE);
    }
}

/// `--wait 30s`, `--wait 2m`, `--wait 500ms`, `--wait 45` (seconds).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (e.g. `30s`, `2m`, `500ms`)"))?;
    let seconds = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}` (use ms, s, m or h)"
            ));
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("`{text}` is out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_the_usual_units_and_bare_seconds() {
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("3 weeks").is_err());
    }

    #[test]
    fn only_an_absent_or_unready_server_is_worth_waiting_for() {
        let connect = |kind| DbError::Connect {
            url: "postgres://h/db".into(),
            reason: "x".into(),
            kind,
        };
        assert!(worth_retrying(&connect(ConnectFailure::Unreachable)));
        assert!(worth_retrying(&connect(ConnectFailure::NotReady)));
        assert!(!worth_retrying(&connect(ConnectFailure::Auth)));
        assert!(!worth_retrying(&connect(ConnectFailure::NoDatabase)));
        assert!(!worth_retrying(&connect(ConnectFailure::Other)));
    }
}
