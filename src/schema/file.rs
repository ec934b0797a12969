//! The declarative `schema` file as written by `pg_dump --schema-only`, made runnable as one
//! query string: many teams keep that dump as their `structure.sql`.
//!
//! Recent pg_dump releases (since the fix for CVE-2025-8714) wrap the dump in the psql
//! meta-commands `\restrict KEY` and `\unrestrict KEY`, which only psql understands. They guard
//! psql against meta-commands smuggled into the dump and mean nothing to the server, so they are
//! blanked out here (keeping every line where it was, for error lines). Any other meta-command
//! is refused by line: skipping `\connect` or `\i` would build something other than the file says.
//! pg_dump's `SET` preamble is plain SQL and runs as it is; the caller resets the session after.

use std::borrow::Cow;

use crate::source::{TokenKind, line_of, tokens};

/// The psql meta-commands pg_dump writes, which are skipped.
const PG_DUMP_COMMANDS: &[&str] = &["restrict", "unrestrict"];

/// A psql meta-command the file may not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaCommand {
    /// 1-based line.
    pub line: usize,
    /// The command as written, e.g. `\connect`.
    pub command: String,
}

/// `sql` with pg_dump's psql meta-commands blanked out; an error for any other meta-command.
/// Text that does not lex (an unterminated string) is returned as it is, for the database to
/// report.
pub fn without_pg_dump_commands(sql: &str) -> Result<Cow<'_, str>, MetaCommand> {
    let mut blanked: Vec<(usize, usize)> = Vec::new();
    for token in tokens(sql) {
        let Ok(token) = token else {
            return Ok(Cow::Borrowed(sql));
        };
        if token.kind != TokenKind::Other || &sql[token.start..token.end] != "\\" {
            continue;
        }
        let line_start = sql[..token.start].rfind('\n').map_or(0, |i| i + 1);
        if !sql[line_start..token.start].trim().is_empty() {
            continue; // not at the start of a line: the database will judge it
        }
        let line_end = sql[token.start..]
            .find('\n')
            .map_or(sql.len(), |i| token.start + i);
        let name: String = sql[token.start + 1..line_end]
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        if !PG_DUMP_COMMANDS.contains(&name.as_str()) {
            return Err(MetaCommand {
                line: line_of(sql, token.start),
                command: format!("\\{name}"),
            });
        }
        if blanked.last().is_none_or(|&(_, end)| end <= token.start) {
            blanked.push((token.start, line_end));
        }
    }
    if blanked.is_empty() {
        return Ok(Cow::Borrowed(sql));
    }
    let mut out = String::with_capacity(sql.len());
    let mut at = 0;
    for (start, end) in blanked {
        out.push_str(&sql[at..start]);
        out.push_str(&" ".repeat(end - start));
        at = end;
    }
    out.push_str(&sql[at..]);
    Ok(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restrict_lines_are_blanked_and_lines_kept() {
        let sql = "\\restrict abc123XYZ\n\nSET lock_timeout = 0;\nCREATE TABLE t (a text DEFAULT '\\x');\n\n\\unrestrict abc123XYZ\n";
        let out = without_pg_dump_commands(sql).expect("accepted");
        assert!(!out.contains("restrict"), "{out}");
        assert_eq!(out.lines().count(), sql.lines().count());
        assert!(out.contains("DEFAULT '\\x'"));
    }

    #[test]
    fn backslashes_inside_quoted_text_are_not_commands() {
        let sql = "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$\n\\connect x\n$$;\nSELECT E'\n\\i y';";
        assert_eq!(without_pg_dump_commands(sql).expect("accepted"), sql);
    }

    #[test]
    fn other_meta_commands_are_refused_with_their_line() {
        let sql = "\\restrict k\nCREATE TABLE t (a int);\n  \\connect other\n";
        assert_eq!(
            without_pg_dump_commands(sql),
            Err(MetaCommand {
                line: 3,
                command: "\\connect".into()
            })
        );
    }
}
