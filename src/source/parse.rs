//! Parsing one migration file: PURE, from a path and its bytes to a [`RevisionFile`].
//!
//! ```text
//! -- revision: 0002
//! -- revises: 0001
//! -- message: add user preferences
//!
//! -- migrate:up
//! ...
//! -- migrate:down transaction:false
//! ...
//! ```

use std::borrow::Cow;
use std::path::Path;

use super::id::RevisionId;
use super::lexer::LexError;
use super::lexer::Lexicon;
use super::revision::{BrokenFile, RevisionFile, Section};
use super::statements;
use crate::error::{ParseError, ParseErrorKind};

/// Header keys a file may carry.
pub const HEADER_KEYS: &[&str] = &["revision", "revises", "message", "created", "replaces"];

/// Parses the bytes of the migration file at `path`; any problem is an error.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<RevisionFile, ParseError> {
    parse_as(path, bytes, Lexicon::Standard)
}

/// [`parse`], splitting the sections by the rules of `lexicon`.
pub fn parse_as(path: &Path, bytes: &[u8], lexicon: Lexicon) -> Result<RevisionFile, ParseError> {
    match parse_lenient_as(path, bytes, lexicon)? {
        Parsed::Usable(file) => Ok(file),
        Parsed::Broken(broken) => Err(broken.error),
    }
}

/// A file whose header could be read: usable, or broken in its sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// Every part parsed.
    Usable(RevisionFile),
    /// The header parsed (so the revision has its place in the graph) but a section did not.
    Broken(BrokenFile),
}

/// Parses the bytes of the migration file at `path`, keeping the header of a file whose
/// sections are broken (an unfinished `new`, a `BEGIN;` in a transactional section), so that
/// the graph can still be built and only the commands that would run the file refuse it.
///
/// An error means the header itself cannot be read (or the file is not text): the revision's
/// id or parents are unknown, so no graph can be trusted.
pub fn parse_lenient(path: &Path, bytes: &[u8]) -> Result<Parsed, ParseError> {
    parse_lenient_as(path, bytes, Lexicon::Standard)
}

/// [`parse_lenient`], splitting the sections by the rules of `lexicon`.
pub fn parse_lenient_as(path: &Path, bytes: &[u8], lexicon: Lexicon) -> Result<Parsed, ParseError> {
    let fail = |line: Option<usize>, kind: ParseErrorKind| ParseError {
        path: path.to_owned(),
        line,
        kind,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        fail(Some(line), ParseErrorKind::InvalidUtf8)
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text: Cow<str> = if text.contains('\r') {
        Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(text)
    };

    let mut header = Header::default();
    let mut sections: Vec<RawSection> = Vec::new();
    // The first problem outside the header: it makes the file broken, not unreadable.
    let mut body_error: Option<ParseError> = None;
    let mut in_header = true;
    let mut offset = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let number = index + 1;
        let line_start = offset;
        offset += line.len();
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("-- migrate:") {
            in_header = false;
            let raw = match parse_marker(rest) {
                Ok(raw) => raw,
                Err(kind) => {
                    body_error.get_or_insert(fail(Some(number), kind));
                    break;
                }
            };
            if sections.iter().any(|s| s.up == raw.up) {
                let which = if raw.up { "up" } else { "down" };
                body_error
                    .get_or_insert(fail(Some(number), ParseErrorKind::DuplicateMarker(which)));
                break;
            }
            if let Some(previous) = sections.last_mut() {
                previous.end = line_start;
            }
            sections.push(RawSection {
                first_line: number + 1,
                start: offset,
                end: text.len(),
                ..raw
            });
        } else if in_header {
            match header.read_line(trimmed) {
                Ok(()) => {}
                // Stray SQL above the first marker hides no header: keep reading the header.
                Err(ParseErrorKind::SqlBeforeMarker) => {
                    body_error.get_or_insert(fail(Some(number), ParseErrorKind::SqlBeforeMarker));
                }
                Err(kind) => return Err(fail(Some(number), kind)),
            }
        }
    }

    let id = header
        .revision
        .clone()
        .ok_or_else(|| fail(None, ParseErrorKind::MissingRevisionHeader))?;
    check_file_name(path, &id).map_err(|kind| fail(None, kind))?;
    let broken = |error: ParseError| {
        Ok(Parsed::Broken(BrokenFile {
            path: path.to_owned(),
            id: id.clone(),
            parents: header.revises.clone(),
            message: header.message.clone().unwrap_or_default(),
            error,
        }))
    };
    if let Some(error) = body_error {
        return broken(error);
    }
    let mut up = None;
    let mut down = None;
    for raw in sections {
        let failed = |(line, kind)| fail(Some(line), kind);
        if raw.up {
            match raw.into_up_section(&text, lexicon) {
                Ok(section) => up = Some(section),
                Err(e) => return broken(failed(e)),
            }
        } else {
            match raw.into_section(&text, lexicon) {
                Ok(section) => down = Some(section),
                Err(e) => return broken(failed(e)),
            }
        }
    }
    let Some((up, checksum)) = up else {
        return broken(fail(None, ParseErrorKind::MissingUp));
    };
    // An up section without statements is deliberate (a no-op kept for numbering, a merge, an
    // import), unless the template's placeholder is still there: then `new` scaffolded it and
    // nobody filled it in. A merge may keep it: it has nothing to do.
    if up.statements.is_empty() && header.revises.len() < 2 && has_placeholder(&up.sql) {
        return broken(fail(Some(up.first_line - 1), ParseErrorKind::EmptyUp));
    }
    Ok(Parsed::Usable(RevisionFile {
        path: path.to_owned(),
        id,
        parents: header.revises,
        message: header.message.unwrap_or_default(),
        created: header.created,
        replaces: header.replaces.unwrap_or_default(),
        up,
        down,
        checksum,
    }))
}

/// The start of the placeholder line the revision template puts under `-- migrate:up`. Both the
/// first wording (`... here.`) and the later one (`... here. Delete this line ...`) start so;
/// users' own templates written by `init` keep whichever they were given.
pub const UP_PLACEHOLDER: &str = "-- Write the SQL that applies this change here";

/// True when a section still holds the template's placeholder line.
pub fn has_placeholder(sql: &str) -> bool {
    sql.lines()
        .any(|l| l.trim_start().starts_with(UP_PLACEHOLDER))
}

/// The revision a file name claims: the part before the first `_`, or the whole stem.
pub fn file_name_revision(path: &Path) -> Option<&str> {
    let stem = path.file_stem()?.to_str()?;
    Some(stem.split_once('_').map_or(stem, |(prefix, _)| prefix))
}

fn check_file_name(path: &Path, id: &RevisionId) -> Result<(), ParseErrorKind> {
    match file_name_revision(path) {
        Some(prefix) if prefix == id.as_str() => Ok(()),
        prefix => Err(ParseErrorKind::FileNameMismatch {
            header: id.clone(),
            file_prefix: prefix.unwrap_or_default().to_owned(),
        }),
    }
}

#[derive(Default)]
struct Header {
    revision: Option<RevisionId>,
    revises: Vec<RevisionId>,
    revises_seen: bool,
    message: Option<String>,
    created: Option<String>,
    replaces: Option<Vec<RevisionId>>,
}

impl Header {
    /// Reads one line before the first marker: blank, a `-- key: value` header, or a free comment.
    fn read_line(&mut self, trimmed: &str) -> Result<(), ParseErrorKind> {
        if trimmed.is_empty() {
            return Ok(());
        }
        let Some(comment) = trimmed.strip_prefix("--") else {
            return Err(ParseErrorKind::SqlBeforeMarker);
        };
        let Some((key, value)) = comment.trim().split_once(':') else {
            return Ok(());
        };
        let key = key.trim();
        // Only lowercase `word:` lines are headers; `-- Note: ...` stays a free comment.
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            return Ok(());
        }
        let value = value.trim();
        let duplicate = || ParseErrorKind::DuplicateHeader(key.to_owned());
        match key {
            "revision" => {
                if self.revision.is_some() {
                    return Err(duplicate());
                }
                self.revision = Some(RevisionId::parse(value).map_err(ParseErrorKind::InvalidId)?);
            }
            "revises" => {
                if self.revises_seen {
                    return Err(duplicate());
                }
                self.revises_seen = true;
                self.revises = parse_parents(value)?;
            }
            "message" => {
                if self.message.replace(value.to_owned()).is_some() {
                    return Err(duplicate());
                }
            }
            "created" => {
                if self.created.replace(value.to_owned()).is_some() {
                    return Err(duplicate());
                }
            }
            "replaces" => {
                if self.replaces.replace(parse_parents(value)?).is_some() {
                    return Err(duplicate());
                }
            }
            // `-- brainmig:allow-file CODE reason`: read by `lint`, not a header.
            "brainmig" => {}
            other => return Err(ParseErrorKind::UnknownHeader(other.to_owned())),
        }
        Ok(())
    }
}

fn parse_parents(value: &str) -> Result<Vec<RevisionId>, ParseErrorKind> {
    let mut parents: Vec<RevisionId> = Vec::new();
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let id = RevisionId::parse(part).map_err(ParseErrorKind::InvalidId)?;
        if parents.contains(&id) {
            return Err(ParseErrorKind::RepeatedParent(id));
        }
        parents.push(id);
    }
    Ok(parents)
}

/// A section found by its marker: its options and where its SQL lies in the file's text.
struct RawSection {
    up: bool,
    transactional: bool,
    first_line: usize,
    start: usize,
    end: usize,
}

type SectionError = (usize, ParseErrorKind);

impl RawSection {
    /// The up section and its checksum, from one pass of the lexer.
    fn into_up_section(
        self,
        text: &str,
        lexicon: Lexicon,
    ) -> Result<(Section, String), SectionError> {
        let (statements, checksum) =
            statements::split_and_checksum_as(&text[self.start..self.end], lexicon)
                .map_err(|e| self.lex_error(e))?;
        Ok((self.with_statements(text, statements)?, checksum))
    }

    fn into_section(self, text: &str, lexicon: Lexicon) -> Result<Section, SectionError> {
        let statements = statements::split_as(&text[self.start..self.end], lexicon)
            .map_err(|e| self.lex_error(e))?;
        self.with_statements(text, statements)
    }

    fn lex_error(&self, e: LexError) -> SectionError {
        (self.first_line + e.line() - 1, ParseErrorKind::Lex(e))
    }

    /// The section, unless it runs in a transaction and holds a statement that would end it.
    fn with_statements(
        self,
        text: &str,
        statements: Vec<statements::Statement>,
    ) -> Result<Section, SectionError> {
        let sql = &text[self.start..self.end];
        if self.transactional
            && let Some(statement) = statements
                .iter()
                .find(|s| is_transaction_control(s.text(sql)))
        {
            let word = first_words(statement.text(sql));
            return Err((
                self.first_line + statement.line - 1,
                ParseErrorKind::TransactionControl(word),
            ));
        }
        Ok(Section {
            sql: sql.to_owned(),
            first_line: self.first_line,
            transactional: self.transactional,
            statements,
        })
    }
}

/// `BEGIN`, `COMMIT`, `ROLLBACK` (but not `ROLLBACK TO SAVEPOINT`), `END`, `START TRANSACTION`,
/// `ABORT`: inside a section that brainmig already wraps in a transaction, these would commit half
/// a revision or end the transaction its version row belongs to.
fn is_transaction_control(statement: &str) -> bool {
    let words = first_words(statement).to_ascii_uppercase();
    let mut words = words.split_whitespace();
    match words.next() {
        Some("BEGIN" | "COMMIT" | "END" | "ABORT") => true,
        Some("START") => words.next() == Some("TRANSACTION"),
        Some("ROLLBACK") => !matches!(words.next(), Some("TO")),
        _ => false,
    }
}

/// The first two words of a statement, for messages.
fn first_words(statement: &str) -> String {
    statement
        .trim_end_matches(';')
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses what follows `-- migrate:`: `up` or `down`, then options such as `transaction:false`.
fn parse_marker(rest: &str) -> Result<RawSection, ParseErrorKind> {
    let mut words = rest.split_whitespace();
    let up = match words.next() {
        Some("up") => true,
        Some("down") => false,
        other => {
            return Err(ParseErrorKind::UnknownMarker(
                other.unwrap_or("").to_owned(),
            ));
        }
    };
    let mut transactional = true;
    for option in words {
        match option {
            "transaction:false" => transactional = false,
            "transaction:true" => transactional = true,
            other => return Err(ParseErrorKind::UnknownMarkerOption(other.to_owned())),
        }
    }
    Ok(RawSection {
        up,
        transactional,
        first_line: 0,
        start: 0,
        end: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "-- revision: 0002\n-- revises: 0001\n-- message: add prefs\n-- created: 2026-11-24 10:31:07 UTC\n\n\
                        -- migrate:up\nALTER TABLE users ADD COLUMN p TEXT;\n\n-- migrate:down\nALTER TABLE users DROP COLUMN p;\n";

    fn parse_str(name: &str, text: &str) -> Result<RevisionFile, ParseError> {
        parse(Path::new(name), text.as_bytes())
    }

    fn kind(name: &str, text: &str) -> (Option<usize>, ParseErrorKind) {
        let e = parse_str(name, text).expect_err("should fail");
        (e.line, e.kind)
    }

    #[test]
    fn parses_headers_and_sections() {
        let file = parse_str("0002_add_prefs.sql", GOOD).expect("parses");
        assert_eq!(file.id.as_str(), "0002");
        assert_eq!(
            file.parents,
            vec![RevisionId::parse("0001").expect("valid")]
        );
        assert_eq!(file.message, "add prefs");
        assert_eq!(file.up.first_line, 7);
        assert_eq!(file.up.statements.len(), 1);
        assert_eq!(file.up.file_line(&file.up.statements[0]), 7);
        let down = file.down.expect("has down");
        assert!(down.transactional);
        assert_eq!(down.first_line, 10);
    }

    #[test]
    fn crlf_and_bom_parse_to_the_same_revision_and_checksum() {
        let lf = parse_str("0002_x.sql", GOOD).expect("parses");
        let crlf = format!("\u{feff}{}", GOOD.replace('\n', "\r\n"));
        let other = parse_str("0002_x.sql", &crlf).expect("parses");
        assert_eq!(lf.checksum, other.checksum);
        assert_eq!(lf.up.sql, other.up.sql);
    }

    #[test]
    fn merge_parents_and_transaction_option() {
        let text = "-- revision: m1\n-- revises: a, b\n-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (x);\n";
        let file = parse_str("m1_merge.sql", text).expect("parses");
        assert_eq!(file.parents.len(), 2);
        assert!(!file.up.transactional);
        assert!(file.down.is_none());
    }

    #[test]
    fn free_comments_before_the_marker_are_allowed() {
        let text =
            "-- revision: 1\n-- Note: this is prose\n-- plain words\n-- migrate:up\nselect 1;\n";
        assert!(parse_str("1_x.sql", text).is_ok());
    }

    #[test]
    fn bad_files_are_reported_with_their_line() {
        use ParseErrorKind as K;
        let cases: Vec<(&str, &str, Option<usize>, K)> = vec![
            (
                "1_a.sql",
                "-- migrate:up\nselect 1;\n",
                None,
                K::MissingRevisionHeader,
            ),
            ("1_a.sql", "-- revision: 1\n", None, K::MissingUp),
            (
                "1_a.sql",
                "-- revision: 1\n-- migrate:up\n-- Write the SQL that applies this change here.\n",
                Some(2),
                K::EmptyUp,
            ),
            (
                "2_a.sql",
                "-- revision: 1\n-- migrate:up\nselect 1;\n",
                None,
                K::FileNameMismatch {
                    header: RevisionId::parse("1").expect("valid"),
                    file_prefix: "2".into(),
                },
            ),
            (
                "1_a.sql",
                "-- revision: 1\n-- migrate:up\nselect 1;\n-- migrate:up\nselect 2;\n",
                Some(4),
                K::DuplicateMarker("up"),
            ),
            (
                "1_a.sql",
                "-- revision: 1\n-- migrate:up fast\nselect 1;\n",
                Some(2),
                K::UnknownMarkerOption("fast".into()),
            ),
            (
                "1_a.sql",
                "-- revision: 1\n-- migrate:sideways\nselect 1;\n",
                Some(2),
                K::UnknownMarker("sideways".into()),
            ),
            (
                "1_a.sql",
                "-- revision: 1\n-- revize: 0\n-- migrate:up\nselect 1;\n",
                Some(2),
                K::UnknownHeader("revize".into()),
            ),
            (
                "1_a.sql",
                "-- revision: 1\nselect 1;\n-- migrate:up\nselect 1;\n",
                Some(2),
                K::SqlBeforeMarker,
            ),
            (
                "1_a.sql",
                "-- revision: 1\n-- revises: 0, 0\n-- migrate:up\nselect 1;\n",
                Some(2),
                K::RepeatedParent(RevisionId::parse("0").expect("valid")),
            ),
            (
                "1_a.sql",
                "-- revision: 1\n-- revision: 1\n-- migrate:up\nselect 1;\n",
                Some(2),
                K::DuplicateHeader("revision".into()),
            ),
            (
                "1_a.sql",
                "-- revision: 1\n-- migrate:up\nselect 1;\nCOMMIT;\n",
                Some(4),
                K::TransactionControl("COMMIT".into()),
            ),
        ];
        for (name, text, line, expected) in cases {
            assert_eq!(kind(name, text), (line, expected), "{text:?}");
        }
    }

    #[test]
    fn an_empty_up_section_is_unfinished_only_while_the_placeholder_is_in_it() {
        let file = |up: &str| {
            parse(
                Path::new("2_a.sql"),
                format!("-- revision: 2\n-- revises: 1\n-- migrate:up\n{up}").as_bytes(),
            )
        };
        let old = "-- Write the SQL that applies this change here.\n";
        let new = "  -- Write the SQL that applies this change here. Then delete this line.\n";
        for up in [old, new] {
            assert_eq!(file(up).expect_err(up).kind, ParseErrorKind::EmptyUp);
        }
        for up in ["", "-- nothing to do on a fresh database\n"] {
            let parsed = file(up).expect(up);
            assert!(parsed.up.statements.is_empty());
        }
        // A statement under the placeholder is a filled-in revision.
        assert!(file(&format!("{old}select 1;\n")).is_ok());
    }

    #[test]
    fn a_broken_section_keeps_the_header_and_a_broken_header_does_not() {
        let lenient = |text: &str| parse_lenient(Path::new("2_a.sql"), text.as_bytes());
        let broken_sections = [
            "-- revision: 2\n-- revises: 1\n-- message: m\n-- migrate:up\n-- Write the SQL that applies this change here.\n",
            "-- revision: 2\n-- revises: 1\n-- migrate:up\nBEGIN;\nselect 1;\n",
            "-- revision: 2\n-- revises: 1\n-- migrate:sideways\nselect 1;\n",
            "-- revision: 2\nselect 1;\n-- revises: 1\n-- migrate:up\nselect 1;\n",
            "-- revision: 2\n-- revises: 1\n-- migrate:up\nselect 'x;\n",
        ];
        for text in broken_sections {
            match lenient(text) {
                Ok(Parsed::Broken(b)) => {
                    assert_eq!(b.id.as_str(), "2", "{text:?}");
                    assert_eq!(b.parents, vec![RevisionId::parse("1").expect("valid")]);
                    assert!(b.error.line.is_some(), "{text:?}");
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
        for text in [
            "-- revises: 1\n-- migrate:up\n",
            "-- revision: 2\n-- revizes: 1\n-- migrate:up\n",
            "-- revision: 3\n-- migrate:up\nselect 1;\n",
        ] {
            assert!(lenient(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn illegal_ids_unterminated_quotes_and_invalid_utf8() {
        let (line, k) = kind("a_b.sql", "-- revision: a b\n-- migrate:up\nselect 1;\n");
        assert_eq!(line, Some(1));
        assert!(matches!(k, ParseErrorKind::InvalidId(_)));
        let (line, k) = kind(
            "1_a.sql",
            "-- revision: 1\n-- migrate:up\nselect 1;\nselect $$ x;\n",
        );
        assert_eq!(line, Some(4));
        assert!(matches!(k, ParseErrorKind::Lex(_)));
        let e = parse(
            Path::new("1_a.sql"),
            b"-- revision: 1\n-- migrate:up\nselect '\xff';\n",
        )
        .expect_err("fails");
        assert_eq!((e.line, e.kind), (Some(3), ParseErrorKind::InvalidUtf8));
    }
}

/// The invariants of `fuzz/fuzz_targets/parse_file.rs`, on generated files and arbitrary bytes,
/// so that the normal test suite keeps them honest.
#[cfg(test)]
mod properties {
    use super::*;
    use crate::source::statements::properties::{check_statements, lexable_sql, sql};
    use proptest::prelude::*;

    const PATH: &str = "0001_x.sql";

    /// What a stored section must satisfy: its statements are what the splitter finds in its SQL.
    fn check_section(section: &Section) -> Result<(), TestCaseError> {
        prop_assert!(section.first_line >= 2);
        let again = statements::split(&section.sql).expect("a parsed section re-splits");
        prop_assert_eq!(&again, &section.statements);
        check_statements(&section.sql, &section.statements)
    }

    fn check_parsed(bytes: &[u8]) -> Result<(), TestCaseError> {
        let parsed = parse(Path::new(PATH), bytes);
        if let Ok(file) = &parsed {
            prop_assert_eq!(file.id.as_str(), "0001");
            check_section(&file.up)?;
            if let Some(down) = &file.down {
                check_section(down)?;
            }
            prop_assert_eq!(
                &statements::checksum(&file.up.sql).expect("lexes"),
                &file.checksum
            );
        }
        // CRLF line endings and a leading BOM parse to exactly the same result, errors included.
        if !bytes.contains(&b'\r') {
            let crlf: Vec<u8> = bytes
                .iter()
                .flat_map(|&b| {
                    if b == b'\n' {
                        vec![b'\r', b'\n']
                    } else {
                        vec![b]
                    }
                })
                .collect();
            prop_assert_eq!(&parse(Path::new(PATH), &crlf), &parsed);
        }
        if !bytes.starts_with("\u{feff}".as_bytes()) {
            let bom = [b"\xef\xbb\xbf", bytes].concat();
            prop_assert_eq!(&parse(Path::new(PATH), &bom), &parsed);
        }
        Ok(())
    }

    /// A generated file and what it says.
    #[derive(Debug, Clone)]
    struct Generated {
        text: String,
        parents: Vec<String>,
        message: String,
        /// The SQL and whether the section is transactional.
        up: (String, bool),
        down: Option<(String, bool)>,
    }

    /// A well-formed file: header lines (the revision, `revises`, `message`, maybe `created`,
    /// free comments and blank lines, in any order), then an up section and maybe a down section,
    /// in either order, with or without `transaction:false`.
    fn file() -> impl Strategy<Value = Generated> {
        let header = (
            proptest::sample::subsequence(vec!["a", "b", "0000", "x-1"], 0..=3),
            "[A-Za-z0-9 ,.]{0,20}",
            proptest::collection::vec(
                proptest::sample::select(vec!["", "-- Note: prose", "-- plain words", "  "]),
                0..3,
            ),
            any::<bool>(),
        )
            .prop_flat_map(|(parents, message, extra, created)| {
                let mut lines = vec![
                    "-- revision: 0001".to_owned(),
                    format!("-- revises: {}", parents.join(", ")),
                    format!("-- message: {message}"),
                ];
                if created {
                    lines.push("-- created: 2026-11-24 10:31:07 UTC".to_owned());
                }
                lines.extend(extra.into_iter().map(str::to_owned));
                let parents: Vec<String> = parents.into_iter().map(str::to_owned).collect();
                (
                    Just(lines).prop_shuffle(),
                    Just(parents),
                    Just(message.trim().to_owned()),
                )
            });
        (
            header,
            lexable_sql(),
            proptest::option::of(lexable_sql()),
            any::<(bool, bool, bool)>(),
        )
            .prop_map(
                |((lines, parents, message), up, down, (up_tx, down_tx, down_first))| {
                    // Transaction control is only allowed where brainmig opens no transaction.
                    let allows_tx = |sql: &str| {
                        !crate::source::split(sql)
                            .unwrap_or_default()
                            .iter()
                            .any(|s| super::is_transaction_control(s.text(sql)))
                    };
                    let up_tx = up_tx && allows_tx(&up);
                    let down_tx = down_tx && down.as_deref().is_none_or(allows_tx);
                    let marker = |which: &str, tx: bool| {
                        let option = if tx { "" } else { " transaction:false" };
                        format!("-- migrate:{which}{option}\n")
                    };
                    let up_part = format!("{}{up}", marker("up", up_tx));
                    let down_part = down
                        .as_ref()
                        .map(|d| format!("{}{d}", marker("down", down_tx)))
                        .unwrap_or_default();
                    let body = if down_first {
                        format!("{down_part}{up_part}")
                    } else {
                        format!("{up_part}{down_part}")
                    };
                    Generated {
                        text: format!("{}\n{body}", lines.join("\n")),
                        parents,
                        message,
                        up: (up, up_tx),
                        down: down.map(|d| (d, down_tx)),
                    }
                },
            )
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            check_parsed(&bytes)?;
        }

        #[test]
        fn files_of_arbitrary_sql_never_panic(up in sql(), down in sql(), header in any::<bool>()) {
            let revision = if header { "-- revision: 0001\n" } else { "" };
            let text = format!("{revision}-- migrate:up\n{up}\n-- migrate:down\n{down}");
            check_parsed(text.as_bytes())?;
        }

        #[test]
        fn well_formed_files_parse_to_what_they_say(generated in file()) {
            let bytes = generated.text.as_bytes();
            check_parsed(bytes)?;
            let file = parse(Path::new(PATH), bytes).expect("well-formed");
            let parents: Vec<&str> = file.parents.iter().map(RevisionId::as_str).collect();
            prop_assert_eq!(parents, generated.parents.iter().map(String::as_str).collect::<Vec<_>>());
            prop_assert_eq!(&file.message, &generated.message);
            prop_assert_eq!((file.up.sql, file.up.transactional), generated.up);
            prop_assert_eq!(file.down.map(|d| (d.sql, d.transactional)), generated.down);
        }
    }
}

#[cfg(test)]
mod replaces_header {
    use super::*;

    #[test]
    fn a_baseline_lists_what_it_replaces_once() {
        let text = "-- revision: 0009\n-- revises:\n-- replaces: 0001, 0002a, 0003\n\n-- migrate:up\nCREATE TABLE t (id INTEGER);\n";
        let file = parse(Path::new("0009_b.sql"), text.as_bytes()).expect("parses");
        let ids: Vec<&str> = file.replaces.iter().map(RevisionId::as_str).collect();
        assert_eq!(ids, ["0001", "0002a", "0003"]);
        let plain = parse(
            Path::new("0001_a.sql"),
            b"-- revision: 0001\n-- migrate:up\nSELECT 1;\n",
        )
        .expect("parses");
        assert!(plain.replaces.is_empty());
        let twice = format!("-- replaces: 0004\n{text}");
        let err = parse(Path::new("0009_b.sql"), twice.as_bytes()).expect_err("duplicate");
        assert!(
            matches!(err.kind, ParseErrorKind::DuplicateHeader(ref k) if k == "replaces"),
            "{err}"
        );
    }
}
