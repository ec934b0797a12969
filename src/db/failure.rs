//! Where driver errors become ours: every `sqlx::Error` a dialect sees is turned into a
//! [`DbError`] here, at the edge of `db/`, so the executor and commands never name the driver.
//!
//! The database's words (message, SQLSTATE, DETAIL, HINT, position) are copied into a
//! [`DbMessage`]; the driver's error itself is kept in [`DbError::Statement`] for callers that
//! want to inspect it.

use std::sync::Arc;

use crate::error::{DbError, DbMessage, DriverError, FailedStatement};

/// A failed statement as the database describes it, plus the byte offset into the query text
/// that PostgreSQL reports for many errors.
pub fn describe(error: &sqlx::Error, query: &str) -> (DbMessage, Option<usize>) {
    let Some(db) = error.as_database_error() else {
        return (
            DbMessage {
                message: error.to_string(),
                ..DbMessage::default()
            },
            None,
        );
    };
    let mut message = DbMessage {
        message: db.message().to_owned(),
        code: db.code().map(|c| c.into_owned()),
        ..DbMessage::default()
    };
    let mut offset = None;
    if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        message.detail = pg.detail().map(str::to_owned);
        message.hint = pg.hint().map(str::to_owned);
        if let Some(sqlx::postgres::PgErrorPosition::Original(chars)) = pg.position() {
            // PostgreSQL counts characters from 1; we need bytes from 0.
            offset = query
                .char_indices()
                .nth(chars.saturating_sub(1))
                .map(|(b, _)| b);
        }
    }
    (message, offset)
}

/// A bookkeeping query that failed, for code that holds only a reference to the driver's error
/// (the schema snapshot readers); prefer [`statement_error`], which keeps the error.
pub fn query_error(doing: &str, error: &sqlx::Error) -> DbError {
    DbError::Query {
        doing: doing.to_owned(),
        reason: describe(error, "").0.message,
    }
}

/// `query` failed while brainmig was `doing` something: the database's words, the position of
/// the error in `query`, and the driver's error.
pub(crate) fn statement_error(doing: &str, error: sqlx::Error, query: &str) -> DbError {
    let (db, offset) = describe(&error, query);
    DbError::Statement(Box::new(FailedStatement {
        doing: doing.to_owned(),
        db,
        offset,
        driver: Some(DriverError(Arc::new(error))),
    }))
}

/// What [`crate::db::Database::execute`] calls its failures until the caller names what it was doing.
pub(crate) const SENDING_SQL: &str = "running SQL";

impl DbError {
    /// The same failure, said to have happened while `doing` something (a bookkeeping error
    /// keeps its words; only its context changes).
    #[must_use]
    pub fn context(self, doing: &str) -> DbError {
        match self {
            DbError::Statement(mut failed) => {
                failed.doing = doing.to_owned();
                DbError::Statement(failed)
            }
            DbError::Query { reason, .. } => DbError::Query {
                doing: doing.to_owned(),
                reason,
            },
            other => other,
        }
    }

    /// The database's words about a failed statement and where in the SQL sent it pointed;
    /// for other failures, the message alone.
    pub fn statement_words(&self) -> (DbMessage, Option<usize>) {
        match self {
            DbError::Statement(failed) => (failed.db.clone(), failed.offset),
            DbError::Query { reason, .. } => (
                DbMessage {
                    message: reason.clone(),
                    ..DbMessage::default()
                },
                None,
            ),
            other => (
                DbMessage {
                    message: other.to_string(),
                    ..DbMessage::default()
                },
                None,
            ),
        }
    }

    /// The driver's own error, when this came from one (a `sqlx::Error` today).
    pub fn driver_error(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        match self {
            DbError::Statement(failed) => failed.driver.as_ref().map(|DriverError(e)| &**e as _),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_error_keeps_the_driver_error_and_prints_its_words_once() {
        let error = statement_error(
            "reading the version table",
            sqlx::Error::Protocol("bad".into()),
            "",
        );
        assert_eq!(
            error.to_string(),
            "reading the version table: encountered unexpected or invalid data: bad"
        );
        assert!(std::error::Error::source(&error).is_none());
        let driver = error.driver_error().expect("driver error kept");
        assert!(matches!(
            driver.downcast_ref::<sqlx::Error>(),
            Some(sqlx::Error::Protocol(_))
        ));
    }

    #[test]
    fn context_renames_what_was_being_done_and_keeps_the_words() {
        let error = statement_error(SENDING_SQL, sqlx::Error::Protocol("bad".into()), "")
            .context("stamping the version table");
        assert_eq!(
            error.to_string(),
            "stamping the version table: encountered unexpected or invalid data: bad"
        );
        assert!(error.driver_error().is_some());
        assert_eq!(
            error.statement_words().0.message,
            "encountered unexpected or invalid data: bad"
        );
    }
}
