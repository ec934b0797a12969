//! Statement boundaries and the whitespace- and comment-blind checksum of a section.
//!
//! The splitter must agree with the server on where statements end, because the executor maps
//! "the server completed k statements" back to a line of the file. So it treats as one statement
//! everything PostgreSQL and SQLite do: semicolons inside parentheses (`CREATE RULE ... (a; b)`),
//! inside trigger bodies (SQLite's `BEGIN ... END`) and inside `BEGIN ATOMIC ... END` function bodies.

use sha2::{Digest, Sha256};

use super::lexer::{self, LexError, Lexicon, Token, TokenKind};

/// One statement of a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Byte offset of the statement's first significant character in the section text.
    pub start: usize,
    /// Byte offset just past its terminating `;` (or the end of the text).
    pub end: usize,
    /// 1-based line, within the section text, of its first significant character.
    pub line: usize,
}

impl Statement {
    /// The statement's text, including its `;` when it has one.
    pub fn text<'a>(&self, section: &'a str) -> &'a str {
        &section[self.start..self.end]
    }
}

/// Splits `sql` into statements; comments and blank stretches between them are not statements.
pub fn split(sql: &str) -> Result<Vec<Statement>, LexError> {
    scan(sql, None, Lexicon::Standard)
}

/// [`split`] by the rules of `lexicon`.
pub fn split_as(sql: &str, lexicon: Lexicon) -> Result<Vec<Statement>, LexError> {
    scan(sql, None, lexicon)
}

/// SHA-256 (hex) of the section's tokens, so that line endings, comments and whitespace-only edits
/// outside literals leave it unchanged while any edit to a statement changes it.
pub fn checksum(sql: &str) -> Result<String, LexError> {
    checksum_as(sql, Lexicon::Standard)
}

/// [`checksum`] by the rules of `lexicon`.
pub fn checksum_as(sql: &str, lexicon: Lexicon) -> Result<String, LexError> {
    let mut sum = Checksum::default();
    for token in lexer::tokens_as(sql, lexicon) {
        sum.add(sql, &token?);
    }
    Ok(sum.finish())
}

/// [`split`] and [`checksum`] in one pass over the tokens, by the rules of `lexicon`: an up
/// section needs both, and lexing it twice was a fifth of loading a large history.
pub fn split_and_checksum_as(
    sql: &str,
    lexicon: Lexicon,
) -> Result<(Vec<Statement>, String), LexError> {
    let mut sum = Checksum::default();
    let statements = scan(sql, Some(&mut sum), lexicon)?;
    Ok((statements, sum.finish()))
}

fn scan(
    sql: &str,
    mut sum: Option<&mut Checksum>,
    lexicon: Lexicon,
) -> Result<Vec<Statement>, LexError> {
    let mut statements = Vec::new();
    let mut lines = LineCounter::default();
    let mut current: Option<StatementScan> = None;
    for token in lexer::tokens_as(sql, lexicon) {
        let token = token?;
        if let Some(sum) = sum.as_deref_mut() {
            sum.add(sql, &token);
        }
        if matches!(token.kind, TokenKind::Whitespace | TokenKind::Comment) {
            continue;
        }
        // A MySQL `DELIMITER` the client set ends the statement wherever it stands, and is not
        // part of what the server receives.
        let custom_delimiter =
            token.kind == TokenKind::Semicolon && &sql[token.start..token.end] != ";";
        if custom_delimiter {
            if let Some(done) = current.take() {
                let end = done.last_end;
                statements.push(done.finish(sql, end, &mut lines));
            }
            continue;
        }
        let mysql = lexicon == Lexicon::Mysql;
        let scan = current.get_or_insert_with(|| StatementScan::new(token.start, mysql));
        if token.kind == TokenKind::Semicolon && scan.at_top_level() {
            if let Some(done) = current.take() {
                statements.push(done.finish(sql, token.end, &mut lines));
            }
            continue;
        }
        scan.feed(sql, &token);
    }
    if let Some(scan) = current {
        let end = scan.last_end;
        statements.push(scan.finish(sql, end, &mut lines));
    }
    Ok(statements)
}

/// The running SHA-256 of a section's significant tokens.
#[derive(Default)]
struct Checksum(Sha256);

impl Checksum {
    fn add(&mut self, sql: &str, token: &Token) {
        if matches!(token.kind, TokenKind::Whitespace | TokenKind::Comment) {
            return;
        }
        let text = &sql[token.start..token.end];
        if text.contains('\r') {
            self.0.update(text.replace("\r\n", "\n").as_bytes());
        } else {
            self.0.update(text.as_bytes());
        }
        // A separator, so that `ab` and `a b` differ.
        self.0.update([0x1f]);
    }

    fn finish(self) -> String {
        // By hand rather than `format!("{b:02x}")` per byte: with 10,000 files that was 5% of
        // `history`.
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let digest = self.0.finalize();
        let mut hex = String::with_capacity(2 * digest.len());
        for &b in digest.iter() {
            hex.push(char::from(HEX[usize::from(b >> 4)]));
            hex.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
        hex
    }
}

/// Line numbers of increasing offsets, counting each newline once rather than from the start of
/// the section for every statement.
#[derive(Default)]
struct LineCounter {
    offset: usize,
    line: usize,
}

impl LineCounter {
    fn line_at(&mut self, text: &str, offset: usize) -> usize {
        debug_assert!(offset >= self.offset, "offsets must not go back");
        self.line += text.as_bytes()[self.offset..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.offset = offset;
        self.line + 1
    }
}

/// Tracks nesting inside one statement while its tokens go by.
struct StatementScan {
    start: usize,
    last_end: usize,
    paren_depth: usize,
    block_depth: usize,
    /// How many words went by, and whether the first was `CREATE`: `CREATE [OR REPLACE ...]
    /// TRIGGER|FUNCTION|PROCEDURE` (or, on MySQL, `EVENT`) within the first six words may hold
    /// `BEGIN ... END` blocks.
    words_seen: usize,
    starts_with_create: bool,
    has_block_body: bool,
    /// MySQL's rules, and where its compound statements open and close (see [`Compound`]).
    mysql: bool,
    compound: Compound,
}

/// Where MySQL's compound statements (the bodies of triggers, routines and events, written
/// without `DELIMITER`) open and close. diesel and sqlx send a whole file to the server, which
/// reads `CREATE TRIGGER ... BEGIN IF ... END IF; END;` as one statement; so must the splitter.
///
/// `BEGIN` and `CASE` always open a block; `IF`, `LOOP`, `WHILE` and `REPEAT` open one only
/// where a statement of the body starts (after `;`, `BEGIN`, `THEN`, `ELSE`, `DO`, `LOOP`,
/// `REPEAT`, `FOR EACH ROW` or a label's `:`), so `CREATE TABLE IF NOT EXISTS` inside a body does
/// not; and `IF(` or `REPEAT(` with the parenthesis right after the word is the function. `END`
/// closes a block, taking the `IF`, `CASE`, `LOOP`, `WHILE` or `REPEAT` after it along.
#[derive(Default)]
struct Compound {
    /// The previous token lets a statement of the body start here.
    statement_start: bool,
    /// The previous word was `END`.
    after_end: bool,
    /// An `IF` or `REPEAT` that opens a block unless `(` follows right at this offset.
    pending_open: Option<usize>,
}

impl StatementScan {
    fn new(start: usize, mysql: bool) -> Self {
        StatementScan {
            start,
            last_end: start,
            paren_depth: 0,
            block_depth: 0,
            words_seen: 0,
            starts_with_create: false,
            has_block_body: false,
            mysql,
            compound: Compound::default(),
        }
    }

    fn at_top_level(&self) -> bool {
        self.paren_depth == 0 && self.block_depth == 0
    }

    fn feed(&mut self, sql: &str, token: &Token) {
        self.last_end = token.end;
        if self.mysql {
            return self.feed_mysql(sql, token);
        }
        match token.kind {
            TokenKind::OpenParen => self.paren_depth += 1,
            TokenKind::CloseParen => self.paren_depth = self.paren_depth.saturating_sub(1),
            TokenKind::Word => self.feed_word(&sql[token.start..token.end]),
            _ => {}
        }
    }

    /// Notes whether the statement is a `CREATE` of something with a block body.
    fn see_word(&mut self, word: &str) {
        if self.words_seen >= 6 {
            return;
        }
        if self.words_seen == 0 {
            self.starts_with_create = word.eq_ignore_ascii_case("CREATE");
        } else if self.starts_with_create
            && (["TRIGGER", "FUNCTION", "PROCEDURE"]
                .iter()
                .any(|kind| word.eq_ignore_ascii_case(kind))
                || (self.mysql && word.eq_ignore_ascii_case("EVENT")))
        {
            self.has_block_body = true;
        }
        self.words_seen += 1;
    }

    fn feed_word(&mut self, word: &str) {
        self.see_word(word);
        if !self.has_block_body {
            return;
        }
        if word.eq_ignore_ascii_case("BEGIN") || word.eq_ignore_ascii_case("CASE") {
            self.block_depth += 1;
        } else if word.eq_ignore_ascii_case("END") {
            self.block_depth = self.block_depth.saturating_sub(1);
        }
    }

    /// [`StatementScan::feed`] by MySQL's rules (see [`Compound`]).
    fn feed_mysql(&mut self, sql: &str, token: &Token) {
        let mut c = std::mem::take(&mut self.compound);
        if let Some(at) = c.pending_open.take()
            && !(token.kind == TokenKind::OpenParen && token.start == at)
        {
            self.block_depth += 1;
        }
        let text = &sql[token.start..token.end];
        let after_end = std::mem::take(&mut c.after_end);
        let mut statement_start = false;
        match token.kind {
            TokenKind::OpenParen => self.paren_depth += 1,
            TokenKind::CloseParen => self.paren_depth = self.paren_depth.saturating_sub(1),
            TokenKind::Semicolon => statement_start = true,
            TokenKind::Other => statement_start = text == ":",
            TokenKind::Word => {
                self.see_word(text);
                if self.has_block_body {
                    statement_start = self.feed_compound_word(&mut c, text, after_end);
                }
            }
            _ => {}
        }
        c.statement_start = statement_start;
        self.compound = c;
    }

    /// One word of a statement that may hold compound blocks; true when a statement of the
    /// body may start after it.
    fn feed_compound_word(&mut self, c: &mut Compound, word: &str, after_end: bool) -> bool {
        let word = word.to_ascii_uppercase();
        let word = word.as_str();
        if after_end && matches!(word, "IF" | "CASE" | "LOOP" | "WHILE" | "REPEAT") {
            // The second word of `END IF` and the like: it closes with the `END`.
            return false;
        }
        match word {
            "BEGIN" | "CASE" => self.block_depth += 1,
            "END" => {
                self.block_depth = self.block_depth.saturating_sub(1);
                c.after_end = true;
            }
            "IF" | "REPEAT" if c.statement_start => c.pending_open = Some(self.last_end),
            "LOOP" | "WHILE" if c.statement_start => self.block_depth += 1,
            _ => {}
        }
        matches!(
            word,
            "BEGIN" | "THEN" | "ELSE" | "DO" | "LOOP" | "REPEAT" | "ROW"
        )
    }

    fn finish(self, sql: &str, end: usize, lines: &mut LineCounter) -> Statement {
        Statement {
            start: self.start,
            end,
            line: lines.line_at(sql, self.start),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mysql_texts(sql: &str) -> Vec<&str> {
        split_as(sql, Lexicon::Mysql)
            .expect("splits")
            .iter()
            .map(|s| s.text(sql))
            .collect()
    }

    #[test]
    fn mysql_backticks_hash_comments_and_dash_rules() {
        let sql = "CREATE TABLE `a;b` (id INT); # a comment; don't split\nSELECT 1--1;\n-- real comment;\nSELECT 2;";
        assert_eq!(
            mysql_texts(sql),
            ["CREATE TABLE `a;b` (id INT);", "SELECT 1--1;", "SELECT 2;"]
        );
    }

    #[test]
    fn mysql_backslash_escapes_in_both_quotes() {
        let sql = r#"INSERT INTO t VALUES ('it\'s; here', "say \"x;\""); SELECT 'a\\';"#;
        assert_eq!(
            mysql_texts(sql),
            [
                r#"INSERT INTO t VALUES ('it\'s; here', "say \"x;\"");"#,
                r"SELECT 'a\\';"
            ]
        );
        // By PostgreSQL's rules the same text leaves a string open.
        assert!(split(r"SELECT 'it\'s';").is_err());
    }

    #[test]
    fn mysql_version_comments_are_statements_not_comments() {
        let sql = "/*!40101 SET NAMES utf8mb4 */;\n/* plain; comment */\nSELECT 1;";
        assert_eq!(
            mysql_texts(sql),
            ["/*!40101 SET NAMES utf8mb4 */;", "SELECT 1;"]
        );
    }

    #[test]
    fn mysql_delimiter_blocks_keep_routines_whole_without_the_delimiter() {
        let sql = "CREATE TABLE t (id INT);\nDELIMITER //\nCREATE PROCEDURE p()\nBEGIN\n  IF 1 THEN SELECT 1; END IF;\n  SELECT 2;\nEND//\nCREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.id = 1; END //\ndelimiter ;\nSELECT 3;";
        let statements = split_as(sql, Lexicon::Mysql).expect("splits");
        let texts: Vec<&str> = statements.iter().map(|s| s.text(sql)).collect();
        assert_eq!(
            texts,
            [
                "CREATE TABLE t (id INT);",
                "CREATE PROCEDURE p()\nBEGIN\n  IF 1 THEN SELECT 1; END IF;\n  SELECT 2;\nEND",
                "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.id = 1; END",
                "SELECT 3;"
            ]
        );
        assert_eq!(
            statements.iter().map(|s| s.line).collect::<Vec<_>>(),
            [1, 3, 8, 10]
        );
    }

    #[test]
    fn mysql_compound_bodies_without_delimiter_are_one_statement() {
        // As diesel and sqlx send them: the server reads each body as one statement.
        let trigger = "CREATE DEFINER=`root`@`%` TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW\nBEGIN\n  IF NEW.n IS NULL THEN\n    SET NEW.n = 0;\n  ELSEIF NEW.n < 0 THEN\n    SET NEW.n = CASE WHEN NEW.n < -9 THEN -9 ELSE NEW.n END;\n  END IF;\nEND;";
        let procedure = "CREATE PROCEDURE p()\nBEGIN\n  DECLARE x INT DEFAULT 1;\n  CREATE TABLE IF NOT EXISTS u (id INT);\n  lbl: LOOP\n    SET x = x + IF(x > 1, 2, 1);\n    IF x > 5 THEN LEAVE lbl; END IF;\n  END LOOP lbl;\n  WHILE x < 9 DO SET x = x + 1; END WHILE;\n  REPEAT SET x = x - 1; UNTIL x < 3 END REPEAT;\n  CASE x WHEN 2 THEN SELECT 2; ELSE BEGIN SELECT x; END; END CASE;\n  INSERT INTO t VALUES (x, NULL);\nEND;";
        let event = "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO BEGIN DELETE FROM t; INSERT INTO t VALUES (1, 1); END;";
        let function = "CREATE FUNCTION f(a INT) RETURNS INT DETERMINISTIC RETURN IF(a > 0, a, REPEAT('x', 0) + 0);";
        let one_row = "CREATE TRIGGER t_bu BEFORE UPDATE ON t FOR EACH ROW IF NEW.n < 0 THEN SET NEW.n = 0; END IF;";
        let sql = [trigger, procedure, event, function, one_row, "CALL p();"].join("\n");
        assert_eq!(
            mysql_texts(&sql),
            [trigger, procedure, event, function, one_row, "CALL p();"]
        );
    }

    #[test]
    fn mysql_delimiter_ends_a_word_as_the_client_does() {
        // `END$$`: `$` may be part of a word, but the client ends the statement at `$$`.
        let sql = "CREATE TABLE t (id INT PRIMARY KEY, n INT);\nDELIMITER $$\nCREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW\nBEGIN\n  SET NEW.n = 0;\nEND$$\nDELIMITER ;\nINSERT INTO t (id) VALUES (1);";
        assert_eq!(
            mysql_texts(sql),
            [
                "CREATE TABLE t (id INT PRIMARY KEY, n INT);",
                "CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW\nBEGIN\n  SET NEW.n = 0;\nEND",
                "INSERT INTO t (id) VALUES (1);"
            ]
        );
    }

    #[test]
    fn standard_rules_still_end_end_if_at_its_semicolon() {
        // PostgreSQL's and SQLite's splitting is unchanged by MySQL's compound statements.
        let sql = "CREATE TRIGGER t AFTER INSERT ON a BEGIN IF x THEN SELECT 1; END IF; END;";
        assert_eq!(texts(sql).len(), 2);
    }

    #[test]
    fn a_dollar_delimiter_ends_a_statement_right_after_a_word() {
        // `$` is part of a MySQL identifier, but the client ends the statement at `$$` anyway.
        let sql = "DELIMITER $$\nCREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\nEND$$\nDELIMITER ;\nSELECT a$b FROM t;";
        assert_eq!(
            mysql_texts(sql),
            [
                "CREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\nEND",
                "SELECT a$b FROM t;"
            ]
        );
    }

    #[test]
    fn mysql_delimiter_is_a_command_only_at_the_start_of_a_line() {
        let sql = "SELECT delimiter FROM t;\nSELECT 1;";
        assert_eq!(mysql_texts(sql), ["SELECT delimiter FROM t;", "SELECT 1;"]);
    }

    fn texts(sql: &str) -> Vec<&str> {
        split(sql)
            .expect("splits")
            .iter()
            .map(|s| s.text(sql))
            .collect()
    }

    #[test]
    fn splits_on_top_level_semicolons_only() {
        let sql = "create table a (x int);\n-- a comment; with semicolon\ninsert into a values (';');\n\
                   create function f() returns int as $$ select 1; $$ language sql;\n";
        assert_eq!(
            texts(sql),
            vec![
                "create table a (x int);",
                "insert into a values (';');",
                "create function f() returns int as $$ select 1; $$ language sql;",
            ]
        );
    }

    #[test]
    fn last_statement_may_lack_a_semicolon_and_comments_are_not_statements() {
        assert_eq!(
            texts("select 1;\nselect 2 -- done\n"),
            vec!["select 1;", "select 2"]
        );
        assert!(split("-- nothing\n/* here */\n").expect("lexes").is_empty());
    }

    #[test]
    fn sqlite_trigger_bodies_and_begin_atomic_stay_whole() {
        let sql = "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE b SET n = CASE WHEN 1 THEN 2 END;\n  \
                   DELETE FROM c;\nEND;\nCREATE PROCEDURE p() BEGIN ATOMIC SELECT 1; SELECT 2; END;\nselect 3;";
        let got = texts(sql);
        assert_eq!(got.len(), 3, "{got:#?}");
        assert!(got[0].ends_with("END;"));
        assert!(got[1].starts_with("CREATE PROCEDURE"));
        assert_eq!(got[2], "select 3;");
    }

    #[test]
    fn parenthesised_rule_actions_stay_whole() {
        assert_eq!(
            texts(
                "CREATE RULE r AS ON INSERT TO a DO ALSO (insert into b values (1); insert into c values (2));"
            ),
            vec![
                "CREATE RULE r AS ON INSERT TO a DO ALSO (insert into b values (1); insert into c values (2));"
            ]
        );
    }

    #[test]
    fn statement_lines_point_at_their_first_token() {
        let sql = "\n-- header\nselect 1;\n\n  select\n 2;";
        let lines: Vec<usize> = split(sql).expect("splits").iter().map(|s| s.line).collect();
        assert_eq!(lines, vec![3, 5]);
    }

    #[test]
    fn checksum_ignores_comments_whitespace_and_line_endings() {
        let base = checksum("create table a (x int);\ninsert into a values (1);").expect("lexes");
        let edited = checksum(
            "-- reworded comment\r\ncreate   table a(x int) ;\r\n\r\n/* note */ insert into a values (1);",
        )
        .expect("lexes");
        // `a (` and `a(` differ only in whitespace between tokens, so they agree too.
        assert_eq!(base.len(), 64);
        assert_eq!(base, edited);
        assert_ne!(
            base,
            checksum("create table a (x bigint);\ninsert into a values (1);").expect("lexes")
        );
    }

    #[test]
    fn checksum_keeps_whitespace_inside_literals() {
        assert_ne!(
            checksum("insert into a values ('x  y');").expect("lexes"),
            checksum("insert into a values ('x y');").expect("lexes")
        );
    }
}

/// The invariants of `fuzz/fuzz_targets/split_statements.rs`, on generated SQL, so that the normal
/// test suite keeps them honest.
#[cfg(test)]
pub(super) mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Pieces of SQL that exercise the lexer and the splitter: quotes, dollar bodies, (nested)
    /// comments, block bodies and multi-byte characters. Each lexes on its own.
    const BALANCED: &[&str] = &[
        "select",
        "1",
        "a",
        "$1",
        "a$b",
        ";",
        "(",
        ")",
        ",",
        " ",
        "\n",
        "\t",
        "'a;b'",
        "'it''s'",
        "E'x\\'y;'",
        "e'\\\\'",
        "\"q;\"\"id\"",
        "$$ x; $$",
        "$t$ ; $$ ; $t$",
        "/* a /* b */ ; */",
        "-- c ;\n",
        "CREATE",
        "TRIGGER",
        "FUNCTION",
        "PROCEDURE",
        "BEGIN",
        "ATOMIC",
        "CASE",
        "END",
        "IF",
        "LOOP",
        "WHILE",
        "REPEAT",
        "EVENT",
        ":",
        "é",
        "☃",
    ];

    /// Stray openers and closers, and line-ending and escape characters.
    const STRAY: &[&str] = &[
        "'", "\"", "$", "$t$", "/*", "*/", "-", "/", "\r\n", "\r", "\\",
    ];

    /// SQL-like text: pieces glued together with nothing between them (so stray openers may
    /// leave constructs unterminated), or any short string at all.
    pub(crate) fn sql() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => proptest::collection::vec(
                prop_oneof![
                    4 => proptest::sample::select(BALANCED).prop_map(str::to_owned),
                    2 => proptest::sample::select(STRAY).prop_map(str::to_owned),
                    1 => any::<char>().prop_map(String::from),
                ],
                0..40,
            )
            .prop_map(|pieces| pieces.concat()),
            1 => "(?s).{0,80}",
        ]
    }

    /// SQL that always lexes and holds a statement: balanced pieces separated by spaces (so
    /// that none glues onto the next), then `select 1;`.
    pub(crate) fn lexable_sql() -> impl Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(BALANCED), 0..30)
            .prop_map(|pieces| format!("{}\nselect 1;\n", pieces.join(" ")))
    }

    /// The statements of a MySQL compound body: plain ones (some with `IF(`, `REPEAT(`, `CASE`
    /// expressions, `IF NOT EXISTS`, quoted `;`) nested in `BEGIN`, `IF`, `CASE`, `LOOP`,
    /// `WHILE` and `REPEAT` blocks, with labels.
    fn compound_body() -> impl Strategy<Value = String> {
        let leaf = proptest::sample::select(
            &[
                "SET NEW.n = 0;",
                "DECLARE x INT DEFAULT 1;",
                "INSERT INTO t VALUES (IF(1, 2, 3), 'a;b');",
                "CREATE TABLE IF NOT EXISTS u (id INT);",
                "DROP TABLE IF EXISTS u;",
                "SET @r = REPEAT('x', 2);",
                "SET @c = CASE WHEN 1 THEN 2 ELSE 3 END;",
                "SET @s = 'END IF; END;'; # END;",
                "SELECT `end`, `begin` FROM `if`;",
            ][..],
        )
        .prop_map(str::to_owned);
        leaf.prop_recursive(3, 24, 4, |inner| {
            let run = proptest::collection::vec(inner, 1..4).prop_map(|v| v.join("\n"));
            (run, 0..7_u8).prop_map(|(b, form)| match form {
                0 => format!("BEGIN\n{b}\nEND;"),
                1 => format!("IF a THEN\n{b}\nELSEIF b THEN\n{b}\nELSE\n{b}\nEND IF;"),
                2 => format!("CASE x WHEN 1 THEN\n{b}\nELSE\n{b}\nEND CASE;"),
                3 => format!("lbl: LOOP\n{b}\nLEAVE lbl;\nEND LOOP lbl;"),
                4 => format!("WHILE i < 3 DO\n{b}\nEND WHILE;"),
                5 => format!("REPEAT\n{b}\nUNTIL i > 3 END REPEAT;"),
                _ => format!("blk: BEGIN\n{b}\nEND blk;"),
            })
        })
    }

    fn mysql_texts(sql: &str) -> Vec<String> {
        split_as(sql, Lexicon::Mysql)
            .expect("splits")
            .iter()
            .map(|s| s.text(sql).to_owned())
            .collect()
    }

    fn lines(statements: &[Statement]) -> Vec<usize> {
        statements.iter().map(|s| s.line).collect()
    }

    /// Checks the statements `split` found in `sql` (see the fuzz target for the reasoning).
    pub(crate) fn check_statements(
        sql: &str,
        statements: &[Statement],
    ) -> Result<(), TestCaseError> {
        let mut prev_end = 0;
        for (i, s) in statements.iter().enumerate() {
            prop_assert!(
                prev_end <= s.start,
                "overlap or out of order: {statements:?}"
            );
            prop_assert!(
                s.start < s.end && s.end <= sql.len(),
                "out of bounds: {s:?}"
            );
            prop_assert!(sql.is_char_boundary(s.start) && sql.is_char_boundary(s.end));
            prop_assert_eq!(s.line, lexer::line_of(sql, s.start));
            let text = s.text(sql);
            let bytes = text.as_bytes();
            prop_assert!(!bytes[0].is_ascii_whitespace());
            prop_assert!(!bytes[bytes.len() - 1].is_ascii_whitespace());
            prop_assert!(text.ends_with(';') || i + 1 == statements.len());
            // Alone, a statement splits to exactly itself.
            let alone = split(text).expect("a statement lexes alone");
            let whole = Statement {
                start: 0,
                end: text.len(),
                line: 1,
            };
            prop_assert_eq!(alone, vec![whole]);
            // Between statements there are only whitespace and comments.
            prop_assert_eq!(split(&sql[prev_end..s.start]).expect("a gap lexes"), vec![]);
            prev_end = s.end;
        }
        prop_assert_eq!(split(&sql[prev_end..]).expect("the tail lexes"), vec![]);
        Ok(())
    }

    proptest! {
        #[test]
        fn tokens_tile_the_text_on_char_boundaries(sql in sql()) {
            let mysql = lexer::tokens_as(&sql, Lexicon::Mysql).collect();
            for tokens in [lexer::tokenize(&sql), lexer::sqlite_tokens(&sql).collect(), mysql] {
                let Ok(tokens) = tokens else { continue };
                let mut pos = 0;
                for t in &tokens {
                    prop_assert_eq!(t.start, pos);
                    prop_assert!(t.start < t.end && sql.is_char_boundary(t.end));
                    pos = t.end;
                }
                prop_assert_eq!(pos, sql.len());
            }
        }

        #[test]
        fn statements_are_ordered_disjoint_and_separated_by_comments(sql in sql()) {
            let statements = split(&sql);
            let sum = checksum(&sql);
            prop_assert_eq!(statements.is_ok(), sum.is_ok());
            // The one-pass form used for up sections agrees with the two separate passes.
            match (split_and_checksum_as(&sql, Lexicon::Standard), &statements, &sum) {
                (Ok((both_statements, both_sum)), Ok(statements), Ok(sum)) => {
                    prop_assert_eq!(&both_statements, statements);
                    prop_assert_eq!(&both_sum, sum);
                }
                (Err(both), Err(alone), _) => prop_assert_eq!(&both, alone),
                (both, _, _) => prop_assert!(false, "one pass and two passes disagree: {both:?}"),
            }
            if let Ok(statements) = statements {
                check_statements(&sql, &statements)?;
            }
        }

        #[test]
        fn mysql_statements_are_ordered_disjoint_and_never_panic(
            sql in prop_oneof![sql(), "(?s)[a-z ;'\"`#\\\\/*!\n-]{0,60}", Just("DELIMITER //\nSELECT 1//\nDELIMITER ;\nSELECT 2;".to_owned())],
        ) {
            if let Ok(statements) = split_as(&sql, Lexicon::Mysql) {
                let mut prev_end = 0;
                for s in &statements {
                    prop_assert!(prev_end <= s.start && s.start < s.end && s.end <= sql.len());
                    prop_assert!(sql.is_char_boundary(s.start) && sql.is_char_boundary(s.end));
                    prev_end = s.end;
                }
            }
        }

        #[test]
        fn mysql_compound_bodies_stay_whole_and_both_forms_agree(
            body in compound_body(),
            kind in proptest::sample::select(&[
                "TRIGGER tr BEFORE INSERT ON t FOR EACH ROW",
                "DEFINER = CURRENT_USER PROCEDURE p(IN a INT)",
                "FUNCTION f() RETURNS INT DETERMINISTIC",
                "EVENT e ON SCHEDULE EVERY 1 DAY DO",
            ][..]),
        ) {
            let routine = format!("CREATE {kind}\nBEGIN\n{body}\nEND");
            // Without DELIMITER, as diesel and sqlx take it: one statement, then the next.
            let plain = format!("{routine};\nSELECT 1;");
            prop_assert_eq!(mysql_texts(&plain), vec![format!("{routine};"), "SELECT 1;".to_owned()]);
            // With DELIMITER, as the `mysql` client takes it: the same statement.
            let delimited = format!("DELIMITER $$\n{routine}$$\nDELIMITER ;\nSELECT 1;");
            prop_assert_eq!(mysql_texts(&delimited), vec![routine, "SELECT 1;".to_owned()]);
        }

        #[test]
        fn lexable_sql_splits(sql in lexable_sql()) {
            let statements = split(&sql).expect("lexes");
            prop_assert!(!statements.is_empty());
            check_statements(&sql, &statements)?;
        }

        #[test]
        fn checksum_ignores_line_endings_and_what_lies_between_statements(
            sql in prop_oneof![sql(), lexable_sql()],
        ) {
            let lexed = split(&sql).ok().zip(checksum(&sql).ok());
            // Text that does not lex has no checksum to compare: draw other text rather than
            // count it as a pass.
            prop_assume!(lexed.is_some(), "does not lex");
            let (statements, sum) = lexed.expect("assumed above");
            prop_assert_eq!(sum.len(), 64);
            let joined: Vec<&str> = statements.iter().map(|s| s.text(&sql)).collect();
            prop_assert_eq!(&checksum(&joined.join("\n")).expect("lexes"), &sum);
            // LF to CRLF: only whitespace, comments and the insides of literals (which the
            // checksum normalises) change, so neither the lines nor the checksum do.
            let lf = sql.replace('\r', "");
            if let (Ok(lf_statements), Ok(lf_sum)) = (split(&lf), checksum(&lf)) {
                let crlf = lf.replace('\n', "\r\n");
                prop_assert_eq!(lines(&split(&crlf).expect("lexes")), lines(&lf_statements));
                prop_assert_eq!(checksum(&crlf).expect("lexes"), lf_sum);
            }
        }
    }
}
