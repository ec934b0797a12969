//! MySQL's `NO_BACKSLASH_ESCAPES`. Migration files are read by MySQL's default rules, where a
//! backslash in a string escapes the next character: that decides where statements end and what
//! the checksum stored in the version table covers. A server whose `sql_mode` has
//! NO_BACKSLASH_ESCAPES reads the same string with a literal backslash, so it could end where
//! brainmig did not think it did, or mean other text than the one checked.
//!
//! We refuse rather than split by the server's mode: the checksum of a file must not depend on a
//! server setting (the same file would be "edited" on a server configured otherwise), and a string
//! with a backslash is rare enough that rewriting it (`CHAR(92)`, `X'5C'`) is a small ask. Files
//! without one mean the same either way and run. brainmig's own version-table literals carry
//! text with a backslash in hex (`Dialect::literal`), which reads the same under both modes.

use sqlx::mysql::MySqlConnection;

use crate::error::DbError;
use crate::source::{Lexicon, Section, TokenKind, tokens_as};

/// For a section with a backslash in a string, when the session's `sql_mode` (read now: an
/// earlier revision may have changed it) has NO_BACKSLASH_ESCAPES: the statement, and why.
pub(super) async fn refusal(
    conn: &mut MySqlConnection,
    section: &Section,
) -> Option<(usize, DbError)> {
    if !section.sql.contains('\\') {
        return None;
    }
    // Unreadable, the mode is taken as the default: the step's first query then meets the
    // same broken connection and fails before anything of it runs.
    let mode: String = sqlx::query_scalar("SELECT CAST(@@SESSION.sql_mode AS CHAR)")
        .fetch_one(conn)
        .await
        .ok()?;
    let literal = mode
        .split(',')
        .any(|m| m.eq_ignore_ascii_case("NO_BACKSLASH_ESCAPES"));
    literal.then(|| escaping_statement(section)).flatten()
}

/// The first statement of `section` with a backslash inside a quoted string, and why it is
/// refused on a server with NO_BACKSLASH_ESCAPES.
fn escaping_statement(section: &Section) -> Option<(usize, DbError)> {
    let k = section.statements.iter().position(|statement| {
        let text = statement.text(&section.sql);
        tokens_as(text, Lexicon::Mysql).flatten().any(|token| {
            let quoted = &text[token.start..token.end];
            token.kind == TokenKind::Quoted
                && (quoted.starts_with('\'') || quoted.starts_with('"'))
                && quoted.contains('\\')
        })
    })?;
    Some((
        k,
        DbError::Query {
            doing: "checking the statement before the run".into(),
            reason: "this server's sql_mode has NO_BACKSLASH_ESCAPES, so the backslash in one of \
                     its strings is literal there, while brainmig read the file (where statements \
                     end, the checksum) with MySQL's default rule, a backslash escaping; write the \
                     character another way (`CHAR(92)`, `X'5C'`) or take NO_BACKSLASH_ESCAPES out \
                     of the server's sql_mode. Nothing of this revision was sent"
                .into(),
        },
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::source::split_as;

    fn section(sql: &str) -> Section {
        Section {
            statements: split_as(sql, Lexicon::Mysql).unwrap(),
            sql: sql.into(),
            first_line: 1,
            transactional: false,
        }
    }

    #[test]
    fn only_a_backslash_inside_a_string_is_refused_naming_its_statement() {
        let refused = |sql: &str| escaping_statement(&section(sql)).map(|(k, _)| k);
        assert_eq!(refused("SELECT 1;\nSELECT 'a\\'b';"), Some(1));
        assert_eq!(refused("SELECT \"c:\\\\x\";"), Some(0));
        assert_eq!(refused("SELECT 1 # a \\ in a comment\n;"), None);
        assert_eq!(refused("CREATE TABLE `a\\b` (id INT);"), None);
        assert_eq!(refused("SELECT 'plain';"), None);
    }
}
