//! A small SQL lexer, shared by the statement splitter and the checksum.
//!
//! It knows just enough of PostgreSQL's (and SQLite's) lexical rules to tell where a statement ends:
//! strings (`'..'`, `E'..'` with backslash escapes), quoted identifiers, dollar-quoted bodies, line and
//! (nested) block comments. It never interprets SQL beyond that: the database does.

/// What a token is; only the distinctions the splitter and the checksum need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Spaces, tabs and newlines.
    Whitespace,
    /// `-- ...` to the end of the line, or `/* ... */`.
    Comment,
    /// A string literal, quoted identifier or dollar-quoted body: kept verbatim.
    Quoted,
    /// A keyword or bare identifier (letters, digits, `_`, `$`).
    Word,
    /// `;`
    Semicolon,
    /// `(`
    OpenParen,
    /// `)`
    CloseParen,
    /// Any other single character (operators, punctuation, numbers' digits start words).
    Other,
}

/// One token: its kind and byte range in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Byte offset of its first character.
    pub start: usize,
    /// Byte offset just past its last character.
    pub end: usize,
}

/// A construct that was opened and never closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LexError {
    /// `'` without its closing quote.
    #[error("unterminated string literal (it opens here)")]
    String {
        /// 1-based line of the opening quote.
        line: usize,
    },
    /// `"` without its closing quote.
    #[error("unterminated quoted identifier (it opens here)")]
    QuotedIdentifier {
        /// 1-based line of the opening quote.
        line: usize,
    },
    /// `$tag$` without the matching `$tag$`.
    #[error("unterminated dollar-quoted string `{tag}` (it opens here)")]
    DollarQuote {
        /// The opening delimiter, e.g. `$body$`.
        tag: String,
        /// 1-based line of the opening delimiter.
        line: usize,
    },
    /// `/*` without its `*/`.
    #[error("unterminated block comment (it opens here)")]
    BlockComment {
        /// 1-based line of the opening `/*`.
        line: usize,
    },
}

/// Which lexical rules a migrations folder is read by: PostgreSQL's (which SQLite's migrations
/// follow too) or MySQL's, chosen from the configured database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lexicon {
    /// PostgreSQL's rules (and what SQLite accepts of them).
    #[default]
    Standard,
    /// MySQL's and MariaDB's: backtick identifiers, `#` comments, `--` only before a space,
    /// `/*! ... */` version comments (which run, so they are kept as text), backslash escapes in
    /// both kinds of quotes, and the `mysql` client's `DELIMITER` lines.
    Mysql,
}

/// The tokens of `sql`, one at a time, so one pass can feed both the splitter and the checksum
/// without a token vector per section. Fails only on a construct left open at the end of the text,
/// and then yields nothing more.
pub fn tokens(sql: &str) -> Tokens<'_> {
    lex(sql, false)
}

/// [`tokens`] by SQLite's rules rather than PostgreSQL's: `[..]` and `` `..` `` quote
/// identifiers, block comments do not nest and may run to the end, and there are no dollar
/// quotes or `E'..'` strings. For reading what SQLite stores, e.g. its `CREATE TABLE` text.
pub fn sqlite_tokens(sql: &str) -> Tokens<'_> {
    lex(sql, true)
}

/// [`tokens`] by the rules of `lexicon`. Under MySQL's, a `DELIMITER` line is a comment and the
/// delimiter it sets comes back as a [`TokenKind::Semicolon`] (a `;` is then plain text).
pub fn tokens_as(sql: &str, lexicon: Lexicon) -> Tokens<'_> {
    let mut tokens = lex(sql, false);
    tokens.lexer.mysql = lexicon == Lexicon::Mysql;
    tokens
}

fn lex(sql: &str, sqlite: bool) -> Tokens<'_> {
    Tokens {
        lexer: Lexer {
            src: sql,
            bytes: sql.as_bytes(),
            pos: 0,
            sqlite,
            mysql: false,
            delimiter: None,
        },
        failed: false,
    }
}

/// Splits `sql` into tokens. Fails only on constructs left open at the end of the text.
#[cfg(test)]
pub fn tokenize(sql: &str) -> Result<Vec<Token>, LexError> {
    tokens(sql).collect()
}

/// The iterator [`tokens`] returns.
pub struct Tokens<'a> {
    lexer: Lexer<'a>,
    failed: bool,
}

impl Iterator for Tokens<'_> {
    type Item = Result<Token, LexError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.lexer.pos >= self.lexer.bytes.len() {
            return None;
        }
        let start = self.lexer.pos;
        Some(match self.lexer.next_kind() {
            Ok(kind) => Ok(Token {
                kind,
                start,
                end: self.lexer.pos,
            }),
            Err(e) => {
                self.failed = true;
                Err(e)
            }
        })
    }
}

impl LexError {
    /// 1-based line, in the lexed text, where the unterminated construct opens.
    pub fn line(&self) -> usize {
        match self {
            LexError::String { line }
            | LexError::QuotedIdentifier { line }
            | LexError::DollarQuote { line, .. }
            | LexError::BlockComment { line } => *line,
        }
    }
}

/// 1-based line number of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    1 + text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// SQLite's rules (see [`sqlite_tokens`]).
    sqlite: bool,
    /// MySQL's rules (see [`Lexicon::Mysql`]).
    mysql: bool,
    /// The statement delimiter a MySQL `DELIMITER` line set, when it is not `;`.
    delimiter: Option<String>,
}

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn next_kind(&mut self) -> Result<TokenKind, LexError> {
        if self.mysql {
            return self.next_mysql_kind();
        }
        let b = self.bytes[self.pos];
        Ok(match b {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => {
                while matches!(self.peek(0), Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')) {
                    self.pos += 1;
                }
                TokenKind::Whitespace
            }
            b'-' if self.peek(1) == Some(b'-') => {
                while !matches!(self.peek(0), None | Some(b'\n')) {
                    self.pos += 1;
                }
                TokenKind::Comment
            }
            b'/' if self.peek(1) == Some(b'*') && self.sqlite => {
                // Up to the first `*/`, or the end: SQLite's comments do not nest.
                let rest = &self.src[self.pos + 2..];
                self.pos = rest
                    .find("*/")
                    .map_or(self.bytes.len(), |i| self.pos + 2 + i + 2);
                TokenKind::Comment
            }
            b'[' if self.sqlite => {
                let start = self.pos;
                match self.src[self.pos..].find(']') {
                    Some(i) => self.pos += i + 1,
                    None => {
                        return Err(LexError::QuotedIdentifier {
                            line: self.line(start),
                        });
                    }
                }
                TokenKind::Quoted
            }
            b'`' if self.sqlite => {
                self.quoted(b'`', false)?;
                TokenKind::Quoted
            }
            b'/' if self.peek(1) == Some(b'*') => {
                self.block_comment()?;
                TokenKind::Comment
            }
            b'\'' => {
                self.quoted(b'\'', false)?;
                TokenKind::Quoted
            }
            b'"' => {
                self.quoted(b'"', false)?;
                TokenKind::Quoted
            }
            b'$' => match self.dollar_tag().filter(|_| !self.sqlite) {
                Some(tag_len) => {
                    self.dollar_body(tag_len)?;
                    TokenKind::Quoted
                }
                None => {
                    // `$1` (a parameter) or a lone `$`: part of the text, not a quote.
                    self.pos += 1;
                    while matches!(self.peek(0), Some(c) if c.is_ascii_digit()) {
                        self.pos += 1;
                    }
                    TokenKind::Word
                }
            },
            b';' => {
                self.pos += 1;
                TokenKind::Semicolon
            }
            b'(' => {
                self.pos += 1;
                TokenKind::OpenParen
            }
            b')' => {
                self.pos += 1;
                TokenKind::CloseParen
            }
            c if is_word_start(c) || c.is_ascii_digit() => {
                let start = self.pos;
                while matches!(self.peek(0), Some(c) if is_word_part(c)) {
                    self.pos += 1;
                }
                // E'...' is a string with backslash escapes; the prefix belongs to it.
                if self.pos - start == 1
                    && matches!(b, b'e' | b'E')
                    && self.peek(0) == Some(b'\'')
                    && !self.sqlite
                {
                    self.quoted(b'\'', true)?;
                    return Ok(TokenKind::Quoted);
                }
                TokenKind::Word
            }
            _ => {
                // Advance a whole UTF-8 character so token bounds stay on char boundaries.
                let ch_len = self.src[self.pos..]
                    .chars()
                    .next()
                    .map_or(1, char::len_utf8);
                self.pos += ch_len;
                TokenKind::Other
            }
        })
    }

    fn line(&self, offset: usize) -> usize {
        line_of(self.src, offset)
    }

    /// MySQL's rules; what they share with PostgreSQL's falls through to [`Lexer::shared_kind`].
    fn next_mysql_kind(&mut self) -> Result<TokenKind, LexError> {
        if let Some(delimiter) = &self.delimiter
            && self.src[self.pos..].starts_with(delimiter.as_str())
        {
            self.pos += delimiter.len();
            return Ok(TokenKind::Semicolon);
        }
        let b = self.bytes[self.pos];
        let next = self.peek(1);
        Ok(match b {
            b'#' => self.skip_line_comment(),
            // `--` starts a comment only before a space or the end of the line (`1--1` is 2).
            b'-' if next == Some(b'-')
                && matches!(self.peek(2), None | Some(b' ' | b'\t' | b'\n' | b'\r')) =>
            {
                self.skip_line_comment()
            }
            b'-' => {
                self.pos += 1;
                TokenKind::Other
            }
            b'/' if next == Some(b'*') => {
                // Comments do not nest; `/*! ... */` and `/*+ ... */` are read by the server.
                let start = self.pos;
                let runs = matches!(self.peek(2), Some(b'!' | b'+'));
                match self.src[self.pos + 2..].find("*/") {
                    Some(i) => self.pos += 2 + i + 2,
                    None => {
                        return Err(LexError::BlockComment {
                            line: self.line(start),
                        });
                    }
                }
                if runs {
                    TokenKind::Quoted
                } else {
                    TokenKind::Comment
                }
            }
            b'\'' | b'"' => {
                self.quoted(b, true)?;
                TokenKind::Quoted
            }
            b'`' => {
                self.quoted(b'`', false)?;
                TokenKind::Quoted
            }
            b';' if self.delimiter.is_some() => {
                self.pos += 1;
                TokenKind::Other
            }
            c if is_word_start(c) || c.is_ascii_digit() || c == b'$' => {
                let start = self.pos;
                // The client ends a statement at its delimiter even inside a word: `END$$`.
                while matches!(self.peek(0), Some(c) if is_word_part(c)) && !self.at_delimiter() {
                    self.pos += 1;
                }
                if self.src[start..self.pos].eq_ignore_ascii_case("DELIMITER")
                    && self.at_line_start(start)
                    && matches!(self.peek(0), Some(b' ' | b'\t'))
                {
                    return Ok(self.delimiter_line());
                }
                TokenKind::Word
            }
            _ => {
                self.mysql = false;
                let kind = self.next_kind();
                self.mysql = true;
                kind?
            }
        })
    }

    /// Consumes up to (not including) the end of the line: a line comment.
    fn skip_line_comment(&mut self) -> TokenKind {
        while !matches!(self.peek(0), None | Some(b'\n')) {
            self.pos += 1;
        }
        TokenKind::Comment
    }

    /// True when a `DELIMITER` line's delimiter starts here.
    fn at_delimiter(&self) -> bool {
        self.delimiter
            .as_deref()
            .is_some_and(|d| self.src[self.pos..].starts_with(d))
    }

    fn at_line_start(&self, offset: usize) -> bool {
        self.src[..offset]
            .bytes()
            .rev()
            .take_while(|&c| c != b'\n')
            .all(|c| c == b' ' || c == b'\t')
    }

    /// The rest of a `DELIMITER x` line (the `mysql` client's command, never sent): sets the
    /// delimiter, and reads as a comment.
    fn delimiter_line(&mut self) -> TokenKind {
        let start = self.pos;
        self.skip_line_comment();
        let delimiter = self.src[start..self.pos].trim();
        self.delimiter = (!delimiter.is_empty() && delimiter != ";").then(|| delimiter.to_owned());
        TokenKind::Comment
    }

    /// Consumes a quoted run that starts at `self.pos` with `quote`; a doubled quote is an escaped one.
    fn quoted(&mut self, quote: u8, backslash_escapes: bool) -> Result<(), LexError> {
        let start = self.pos;
        self.pos += 1;
        loop {
            match self.peek(0) {
                None => {
                    let line = self.line(start);
                    return Err(if quote != b'\'' {
                        LexError::QuotedIdentifier { line }
                    } else {
                        LexError::String { line }
                    });
                }
                Some(b'\\') if backslash_escapes => self.pos += 2,
                Some(c) if c == quote => {
                    self.pos += 1;
                    if self.peek(0) == Some(quote) {
                        self.pos += 1;
                    } else {
                        return Ok(());
                    }
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    fn block_comment(&mut self) -> Result<(), LexError> {
        let start = self.pos;
        self.pos += 2;
        let mut depth = 1;
        while depth > 0 {
            match (self.peek(0), self.peek(1)) {
                (None, _) => {
                    return Err(LexError::BlockComment {
                        line: self.line(start),
                    });
                }
                (Some(b'*'), Some(b'/')) => {
                    depth -= 1;
                    self.pos += 2;
                }
                (Some(b'/'), Some(b'*')) => {
                    depth += 1;
                    self.pos += 2;
                }
                _ => self.pos += 1,
            }
        }
        Ok(())
    }

    /// Length of a `$tag$` delimiter starting at `self.pos`, if there is one.
    fn dollar_tag(&self) -> Option<usize> {
        let mut i = 1;
        match self.peek(i) {
            Some(b'$') => return Some(2),
            Some(c) if is_word_start(c) => i += 1,
            _ => return None,
        }
        loop {
            match self.peek(i) {
                Some(b'$') => return Some(i + 1),
                Some(c) if is_word_start(c) || c.is_ascii_digit() => i += 1,
                _ => return None,
            }
        }
    }

    fn dollar_body(&mut self, tag_len: usize) -> Result<(), LexError> {
        let start = self.pos;
        let tag = &self.src[start..start + tag_len];
        let body_start = start + tag_len;
        match self.src[body_start..].find(tag) {
            Some(found) => {
                self.pos = body_start + found + tag_len;
                Ok(())
            }
            None => Err(LexError::DollarQuote {
                tag: tag.to_owned(),
                line: self.line(start),
            }),
        }
    }
}

fn is_word_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn is_word_part(c: u8) -> bool {
    is_word_start(c) || c.is_ascii_digit() || c == b'$'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str) -> Vec<(TokenKind, &str)> {
        tokenize(sql)
            .expect("lexes")
            .into_iter()
            .filter(|t| t.kind != TokenKind::Whitespace)
            .map(|t| (t.kind, &sql[t.start..t.end]))
            .collect()
    }

    #[test]
    fn strings_identifiers_and_dollar_bodies_are_single_tokens() {
        use TokenKind::*;
        assert_eq!(
            kinds("select 'a;b', \"c;d\", $f$ x; $$ y $f$, E'it\\'s;'"),
            vec![
                (Word, "select"),
                (Quoted, "'a;b'"),
                (Other, ","),
                (Quoted, "\"c;d\""),
                (Other, ","),
                (Quoted, "$f$ x; $$ y $f$"),
                (Other, ","),
                (Quoted, "E'it\\'s;'"),
            ]
        );
    }

    #[test]
    fn doubled_quotes_and_nested_comments() {
        use TokenKind::*;
        assert_eq!(
            kinds("'it''s' /* a /* b */ ; */ -- c ;\nx"),
            vec![
                (Quoted, "'it''s'"),
                (Comment, "/* a /* b */ ; */"),
                (Comment, "-- c ;"),
                (Word, "x"),
            ]
        );
    }

    #[test]
    fn parameters_and_dollar_in_identifiers_are_not_quotes() {
        use TokenKind::*;
        assert_eq!(kinds("a$b $1"), vec![(Word, "a$b"), (Word, "$1")]);
    }

    #[test]
    fn unterminated_constructs_name_their_line() {
        assert_eq!(tokenize("x\n'abc"), Err(LexError::String { line: 2 }));
        assert_eq!(
            tokenize("\n\n$body$ x"),
            Err(LexError::DollarQuote {
                tag: "$body$".into(),
                line: 3
            })
        );
        assert_eq!(
            tokenize("/* /* */"),
            Err(LexError::BlockComment { line: 1 })
        );
        assert_eq!(
            tokenize("\"abc"),
            Err(LexError::QuotedIdentifier { line: 1 })
        );
    }
}
