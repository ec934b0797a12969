//! The SQL text of a run: version-table DDL, bookkeeping rows and transaction control, per dialect.
//!
//! Both the executor and `--sql` take their text from here, so the printed script is the one that
//! runs. PURE: no connection needed.

use crate::plan::Direction;
use crate::source::{RevisionId, Section};

/// The SQL flavour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// PostgreSQL.
    Postgres,
    /// SQLite.
    Sqlite,
    /// MySQL or MariaDB, whose DDL commits implicitly (see [`Dialect::runs_in_transaction`]).
    Mysql,
}

/// Columns of the version table, in order. Their presence is checked before use.
pub const VERSION_COLUMNS: &[&str] = &[
    "revision",
    "parents",
    "message",
    "checksum",
    "applied_at",
    "duration_ms",
    "down_sql",
    "down_transactional",
    "incomplete",
];

/// What the version table records about one applied revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRow {
    /// The revision.
    pub revision: RevisionId,
    /// Its parents, so the graph can be rebuilt when its file is gone.
    pub parents: Vec<RevisionId>,
    /// Its message.
    pub message: String,
    /// Checksum of its up section.
    pub checksum: String,
    /// Its down section, so it can be reverted when its file is gone.
    pub down_sql: Option<String>,
    /// Whether that down section runs in a transaction.
    pub down_transactional: bool,
}

impl VersionRow {
    /// The parents as stored: comma-separated.
    pub fn parents_text(&self) -> String {
        self.parents
            .iter()
            .map(RevisionId::as_str)
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// How the duration column is filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationSql {
    /// Let the database compute it since the transaction began (PostgreSQL).
    SinceTransactionStart,
    /// A value measured by the caller, in milliseconds.
    Measured(i64),
}

/// How a section that runs in a transaction reaches the database, with its version row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// `BEGIN; <section>; <bookkeeping>; COMMIT;` as one query string: one round trip per
    /// revision, the duration measured by the server (PostgreSQL).
    OneQuery,
    /// Begin, the section, then bookkeeping and commit, each sent on its own, the duration
    /// measured here (SQLite, where a round trip costs nothing).
    LocalTransaction,
}

impl Dialect {
    /// The dialect a URL selects, without connecting.
    pub fn of(url: &crate::config::DatabaseUrl) -> Dialect {
        use crate::config::DatabaseUrl;
        match url {
            DatabaseUrl::Postgres(_) => Dialect::Postgres,
            DatabaseUrl::Sqlite(_) => Dialect::Sqlite,
            DatabaseUrl::Mysql(_) => Dialect::Mysql,
        }
    }

    /// The lexical rules migrations for this dialect are read by (as [`DatabaseUrl::lexicon`]).
    ///
    /// [`DatabaseUrl::lexicon`]: crate::config::DatabaseUrl::lexicon
    pub fn lexicon(self) -> crate::source::Lexicon {
        match self {
            Dialect::Mysql => crate::source::Lexicon::Mysql,
            Dialect::Postgres | Dialect::Sqlite => crate::source::Lexicon::Standard,
        }
    }

    /// The schema an unqualified table name is in.
    pub fn default_schema(self) -> &'static str {
        match self {
            Dialect::Postgres => "public",
            Dialect::Sqlite => "main",
            // The database of the URL, whatever its name: the catalog keys its objects so, so
            // that a scratch database compares with the configured one.
            Dialect::Mysql => "",
        }
    }

    /// The setting that lets commits return before they reach the disk: for scratch databases,
    /// where nothing must survive a crash.
    pub fn without_durable_commits(self) -> &'static str {
        match self {
            Dialect::Postgres => "SET synchronous_commit = off",
            Dialect::Sqlite => "PRAGMA synchronous = OFF",
            // Durability is a server-wide setting on MySQL; a session cannot give it up.
            Dialect::Mysql => "DO 0",
        }
    }

    /// True when the dialect looks names up without regard to ASCII case (SQLite); PostgreSQL
    /// compares quoted names exactly, and the version table's name is always quoted.
    pub fn folds_name_case(self) -> bool {
        self == Dialect::Sqlite
    }

    /// How this dialect's transactional steps are sent.
    pub fn delivery(self) -> Delivery {
        match self {
            Dialect::Postgres => Delivery::OneQuery,
            Dialect::Sqlite | Dialect::Mysql => Delivery::LocalTransaction,
        }
    }

    /// Whether `section` runs in one transaction with its bookkeeping. On MySQL every DDL
    /// statement commits implicitly, so a transaction would only pretend: there a section runs
    /// statement by statement with its progress recorded, unless all of it is DML.
    pub fn runs_in_transaction(self, section: &Section) -> bool {
        section.transactional
            && (self != Dialect::Mysql
                || (section
                    .statements
                    .iter()
                    .all(|s| is_dml(s.text(&section.sql)))
                    && !has_delimiter_line(&section.sql)))
    }

    /// The version row's `down_transactional`: whether its down section runs in a transaction
    /// here. On MySQL a down section with DDL does not, whatever its marker says, and the row
    /// says so rather than promise a rollback that cannot happen.
    fn recorded_down_transactional(self, row: &VersionRow) -> bool {
        match (self, &row.down_sql) {
            (Dialect::Mysql, Some(sql)) => {
                let statements =
                    crate::source::split_as(sql, crate::source::Lexicon::Mysql).unwrap_or_default();
                self.runs_in_transaction(&Section {
                    sql: sql.clone(),
                    first_line: 1,
                    transactional: row.down_transactional,
                    statements,
                })
            }
            _ => row.down_transactional,
        }
    }

    /// What opens a transaction sent on its own ([`Delivery::LocalTransaction`]).
    pub fn begin_local(self) -> &'static str {
        match self {
            // Takes the write lock now, so a busy file fails here rather than mid-section.
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            _ => "START TRANSACTION",
        }
    }

    /// Double-quotes (backquotes on MySQL) each part of a validated, possibly schema-qualified
    /// table name.
    pub fn quote_table(self, name: &str) -> String {
        let quote = if self == Dialect::Mysql { "`" } else { "\"" };
        name.split('.')
            .map(|part| format!("{quote}{}{quote}", part.replace(quote, &quote.repeat(2))))
            .collect::<Vec<_>>()
            .join(".")
    }

    /// A string literal for `text`.
    pub fn literal(self, text: &str) -> String {
        match self {
            Dialect::Postgres if text.contains('\\') => {
                // E'' strings mean the same whatever `standard_conforming_strings` says.
                format!("E'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
            }
            // A backslash escapes in MySQL's strings unless the server's sql_mode has
            // NO_BACKSLASH_ESCAPES: text with one is written in hex, which reads the same in both.
            Dialect::Mysql if text.contains('\\') => {
                let hex: String = text.bytes().map(|b| format!("{b:02X}")).collect();
                format!("CONVERT(X'{hex}' USING utf8mb4)")
            }
            _ => format!("'{}'", text.replace('\'', "''")),
        }
    }

    fn bool_literal(self, b: bool) -> &'static str {
        match (self, b) {
            (Dialect::Postgres, true) => "true",
            (Dialect::Postgres, false) => "false",
            (Dialect::Sqlite | Dialect::Mysql, true) => "1",
            (Dialect::Sqlite | Dialect::Mysql, false) => "0",
        }
    }

    /// `CREATE TABLE IF NOT EXISTS` for the version table.
    pub fn create_version_table(self, table: &str) -> String {
        let t = self.quote_table(table);
        match self {
            Dialect::Postgres => format!(
                "CREATE TABLE IF NOT EXISTS {t} (\n    revision TEXT PRIMARY KEY,\n    parents TEXT NOT NULL,\n    \
                 message TEXT NOT NULL,\n    checksum TEXT NOT NULL,\n    applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),\n    \
                 duration_ms BIGINT NOT NULL,\n    down_sql TEXT,\n    down_transactional BOOLEAN NOT NULL,\n    incomplete TEXT\n);"
            ),
            Dialect::Sqlite => format!(
                "CREATE TABLE IF NOT EXISTS {t} (\n    revision TEXT PRIMARY KEY NOT NULL,\n    parents TEXT NOT NULL,\n    \
                 message TEXT NOT NULL,\n    checksum TEXT NOT NULL,\n    \
                 applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),\n    \
                 duration_ms INTEGER NOT NULL,\n    down_sql TEXT,\n    down_transactional INTEGER NOT NULL,\n    incomplete TEXT\n);"
            ),
            // A TEXT column cannot be a key without a length: ids are short.
            Dialect::Mysql => format!(
                "CREATE TABLE IF NOT EXISTS {t} (\n    revision VARCHAR(191) NOT NULL PRIMARY KEY,\n    parents TEXT NOT NULL,\n    \
                 message TEXT NOT NULL,\n    checksum TEXT NOT NULL,\n    \
                 applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),\n    \
                 duration_ms BIGINT NOT NULL,\n    down_sql LONGTEXT,\n    down_transactional BOOLEAN NOT NULL,\n    incomplete TEXT\n) \
                 DEFAULT CHARSET = utf8mb4;"
            ),
        }
    }

    /// The query that lists applied revisions, oldest first, with `applied_at` as UTC text.
    pub fn select_versions(self, table: &str) -> String {
        let t = self.quote_table(table);
        // Text times and integer flags on both backends, so one decoder reads either.
        let (applied_at, down_transactional) = match self {
            Dialect::Postgres => (
                "to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')",
                "down_transactional::int::bigint",
            ),
            Dialect::Sqlite => ("applied_at", "down_transactional"),
            // The session's time zone is UTC (set on connecting).
            Dialect::Mysql => (
                "DATE_FORMAT(applied_at, '%Y-%m-%d %H:%i:%s.%f')",
                "CAST(down_transactional AS SIGNED)",
            ),
        };
        format!(
            "SELECT revision, parents, message, checksum, {applied_at} AS applied_at, duration_ms, down_sql, \
             {down_transactional} AS down_transactional, incomplete FROM {t} ORDER BY applied_at, revision"
        )
    }

    /// The bookkeeping row for an applied revision.
    pub fn insert_version(self, table: &str, row: &VersionRow, duration: DurationSql) -> String {
        let duration = match (self, duration) {
            (Dialect::Postgres, DurationSql::SinceTransactionStart) => {
                "(extract(epoch FROM clock_timestamp() - now()) * 1000)::bigint".to_owned()
            }
            (Dialect::Sqlite | Dialect::Mysql, DurationSql::SinceTransactionStart) => {
                "0".to_owned()
            }
            (_, DurationSql::Measured(ms)) => ms.to_string(),
        };
        let down = row
            .down_sql
            .as_deref()
            .map_or_else(|| "NULL".to_owned(), |d| self.literal(d));
        format!(
            "INSERT INTO {} (revision, parents, message, checksum, duration_ms, down_sql, down_transactional) \
             VALUES ({}, {}, {}, {}, {duration}, {down}, {});",
            self.quote_table(table),
            self.literal(row.revision.as_str()),
            self.literal(&row.parents_text()),
            self.literal(&row.message),
            self.literal(&row.checksum),
            self.bool_literal(self.recorded_down_transactional(row)),
        )
    }

    /// Removes the row of a reverted revision.
    pub fn delete_version(self, table: &str, revision: &RevisionId) -> String {
        format!(
            "DELETE FROM {} WHERE revision = {};",
            self.quote_table(table),
            self.literal(revision.as_str())
        )
    }

    /// Updates the checksum (and stored down section) after `rehash`.
    pub fn update_checksum(self, table: &str, row: &VersionRow) -> String {
        let down = row
            .down_sql
            .as_deref()
            .map_or_else(|| "NULL".to_owned(), |d| self.literal(d));
        format!(
            "UPDATE {} SET checksum = {}, down_sql = {down}, down_transactional = {} WHERE revision = {};",
            self.quote_table(table),
            self.literal(&row.checksum),
            self.bool_literal(self.recorded_down_transactional(row)),
            self.literal(row.revision.as_str()),
        )
    }

    /// Records how far a `transaction:false` section got, e.g. `up 2/5`; `None` when it finished.
    pub fn mark_incomplete(self, table: &str, revision: &RevisionId, progress: &str) -> String {
        format!(
            "UPDATE {} SET incomplete = {} WHERE revision = {};",
            self.quote_table(table),
            self.literal(progress),
            self.literal(revision.as_str())
        )
    }

    /// Marks a `transaction:false` up section complete, with its duration since the row was written.
    pub fn mark_complete(self, table: &str, revision: &RevisionId) -> String {
        let duration = match self {
            Dialect::Postgres => {
                "(extract(epoch FROM clock_timestamp() - applied_at) * 1000)::bigint"
            }
            Dialect::Sqlite => {
                "CAST((julianday('now') - julianday(applied_at)) * 86400000 AS INTEGER)"
            }
            Dialect::Mysql => {
                "TIMESTAMPDIFF(MICROSECOND, applied_at, CURRENT_TIMESTAMP(3)) DIV 1000"
            }
        };
        format!(
            "UPDATE {} SET incomplete = NULL, duration_ms = {duration} WHERE revision = {};",
            self.quote_table(table),
            self.literal(revision.as_str())
        )
    }

    /// Opens a transaction.
    pub fn begin(self) -> &'static str {
        "BEGIN;"
    }
}

/// True for a statement MySQL can roll back: data changes, not definitions (which commit).
fn is_dml(statement: &str) -> bool {
    // A statement's text starts at its first significant character, past any comment.
    let word: String = statement
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_ascii_uppercase();
    matches!(
        word.as_str(),
        "INSERT" | "UPDATE" | "DELETE" | "REPLACE" | "SELECT" | "WITH"
    )
}

/// True when a `DELIMITER` line (the `mysql` client's, never sent) is in `sql`: such a section
/// cannot go to the server as one text, so it is sent statement by statement.
fn has_delimiter_line(sql: &str) -> bool {
    sql.lines().any(|line| {
        let line = line.trim_start();
        line.get(..9)
            .is_some_and(|word| word.eq_ignore_ascii_case("DELIMITER"))
            && line.get(9..10).is_some_and(|c| c == " " || c == "\t")
    })
}

/// The text of one step, split where the executor must split it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepScript {
    /// The revision.
    pub revision: RevisionId,
    /// Apply or revert.
    pub direction: Direction,
    /// Whether the section runs in a transaction with its bookkeeping.
    pub transactional: bool,
    /// The section's SQL as written.
    pub section_sql: String,
    /// The bookkeeping statement (insert or delete of the version row).
    pub bookkeeping: String,
    /// False when the section's last statement already ends with `;`.
    needs_terminator: bool,
    /// For `transaction:false` sections: the queries to send one by one.
    pub parts: Vec<Part>,
    /// MySQL: a printed statement with `;` inside (a routine) goes between `DELIMITER` lines,
    /// so the `mysql` client sends it whole.
    client_delimiters: bool,
}

/// One query of a `transaction:false` step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The SQL to send on its own.
    pub sql: String,
    /// Which statement of the section it is, or `None` for bookkeeping.
    pub statement: Option<usize>,
}

/// Statements one by one, each followed by a note of how far the section got, so that a crash
/// leaves a version row saying exactly what did and did not run.
fn tracked_parts(
    dialect: Dialect,
    table: &str,
    direction: Direction,
    section: &Section,
    row: &VersionRow,
) -> Vec<Part> {
    let total = section.statements.len();
    let word = if direction == Direction::Up {
        "up"
    } else {
        "down"
    };
    let progress = |done: usize| {
        dialect.mark_incomplete(table, &row.revision, &format!("{word} {done}/{total}"))
    };
    let bookkeeping = |sql: String| Part {
        sql,
        statement: None,
    };
    let mut parts = vec![match direction {
        Direction::Up => {
            let mut insert = dialect.insert_version(table, row, DurationSql::Measured(0));
            insert.push('\n');
            insert.push_str(&progress(0));
            bookkeeping(insert)
        }
        Direction::Down => bookkeeping(progress(0)),
    }];
    for (k, statement) in section.statements.iter().enumerate() {
        parts.push(Part {
            sql: statement.text(&section.sql).to_owned(),
            statement: Some(k),
        });
        if k + 1 < total {
            parts.push(bookkeeping(progress(k + 1)));
        }
    }
    parts.push(bookkeeping(match direction {
        Direction::Up => dialect.mark_complete(table, &row.revision),
        Direction::Down => dialect.delete_version(table, &row.revision),
    }));
    parts
}

impl StepScript {
    /// Builds the script of one step.
    pub fn new(
        dialect: Dialect,
        table: &str,
        direction: Direction,
        section: &Section,
        row: &VersionRow,
        duration: DurationSql,
    ) -> Self {
        let bookkeeping = match direction {
            Direction::Up => dialect.insert_version(table, row, duration),
            Direction::Down => dialect.delete_version(table, &row.revision),
        };
        let transactional = dialect.runs_in_transaction(section);
        let parts = if transactional {
            Vec::new()
        } else {
            tracked_parts(dialect, table, direction, section, row)
        };
        StepScript {
            parts,
            revision: row.revision.clone(),
            direction,
            transactional,
            client_delimiters: dialect == Dialect::Mysql,
            section_sql: section.sql.clone(),
            bookkeeping,
            needs_terminator: section
                .statements
                .last()
                .is_some_and(|s| !s.text(&section.sql).ends_with(';')),
        }
    }

    /// Byte length of what precedes the section in [`StepScript::single_query`].
    pub fn prefix_len(&self) -> usize {
        if self.transactional {
            "BEGIN;\n".len()
        } else {
            0
        }
    }

    /// A transactional step as one query string: section and bookkeeping in one transaction.
    pub fn single_query(&self) -> String {
        let body = self.section_sql.trim_end();
        // The newline after the body ends a trailing `--` comment of the section.
        let end = if self.needs_terminator { "\n;\n" } else { "\n" };
        format!("BEGIN;\n{body}{end}{}\nCOMMIT;\n", self.bookkeeping)
    }

    /// The step as `--sql` prints it: exactly what the executor sends.
    pub fn printed(&self) -> String {
        if self.transactional {
            return self.single_query();
        }
        let mut out = String::new();
        for part in &self.parts {
            let sql = part.sql.trim_end();
            if self.client_delimiters
                && part.statement.is_some()
                && let Some(body) = client_would_split(sql)
            {
                let delimiter = client_delimiter(body);
                out.push_str(&format!(
                    "DELIMITER {delimiter}\n{body}\n{delimiter}\nDELIMITER ;\n"
                ));
                continue;
            }
            out.push_str(part.sql.trim_end());
            if part.statement.is_some() && !part.sql.trim_end().ends_with(';') {
                out.push_str("\n;");
            }
            out.push('\n');
        }
        out
    }
}

/// MySQL: the statement without its final `;`, when the `mysql` client would split it at a `;`
/// inside (a trigger's or routine's body): `--sql` prints such a statement between `DELIMITER`
/// lines so that the client sends it whole, as the executor does.
fn client_would_split(statement: &str) -> Option<&str> {
    let body = statement.strip_suffix(';').unwrap_or(statement).trim_end();
    crate::source::tokens_as(body, crate::source::Lexicon::Mysql)
        .any(|t| t.is_ok_and(|t| t.kind == crate::source::TokenKind::Semicolon))
        .then_some(body)
}

/// A delimiter for the `mysql` client that does not occur in `body`.
fn client_delimiter(body: &str) -> String {
    ["$$", "//", ";;"]
        .into_iter()
        .map(str::to_owned)
        .chain((3..).map(|n| "$".repeat(n)))
        .find(|d| !body.contains(d.as_str()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> VersionRow {
        VersionRow {
            revision: RevisionId::parse("0002").expect("valid"),
            parents: vec![RevisionId::parse("0001").expect("valid")],
            message: "it's new".into(),
            checksum: "abc".into(),
            down_sql: Some("DROP TABLE a; -- back\\slash".into()),
            down_transactional: true,
        }
    }

    #[test]
    fn literals_escape_quotes_and_backslashes() {
        assert_eq!(Dialect::Postgres.literal("it's"), "'it''s'");
        assert_eq!(Dialect::Postgres.literal("a\\b'"), "E'a\\\\b'''");
        assert_eq!(Dialect::Sqlite.literal("a\\b'"), "'a\\b'''");
        assert_eq!(Dialect::Mysql.literal("it's"), "'it''s'");
        assert_eq!(
            Dialect::Postgres.quote_table("app.versions"),
            "\"app\".\"versions\""
        );
    }

    #[test]
    fn insert_renders_every_column() {
        let sql =
            Dialect::Postgres.insert_version("brainmig_version", &row(), DurationSql::Measured(12));
        assert_eq!(
            sql,
            "INSERT INTO \"brainmig_version\" (revision, parents, message, checksum, duration_ms, down_sql, \
             down_transactional) VALUES ('0002', '0001', 'it''s new', 'abc', 12, E'DROP TABLE a; -- back\\\\slash', true);"
        );
    }

    #[test]
    fn mysql_prints_a_routine_between_delimiter_lines() {
        let sql = "CREATE TABLE t (id INT);\nDELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END//\nDELIMITER ;\n";
        let section = Section {
            sql: sql.into(),
            first_line: 6,
            transactional: true,
            statements: crate::source::split_as(sql, crate::source::Lexicon::Mysql)
                .expect("splits"),
        };
        let step = StepScript::new(
            Dialect::Mysql,
            "v",
            Direction::Up,
            &section,
            &row(),
            DurationSql::Measured(0),
        );
        let printed = step.printed();
        assert!(
            printed.contains("CREATE TABLE t (id INT);\n")
                && printed.contains(
                    "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END\n$$\nDELIMITER ;\n"
                )
                && printed.contains("INSERT INTO `v`")
                && !printed.contains("BEGIN;"),
            "{printed}"
        );
    }

    #[test]
    fn mysql_runs_only_dml_without_delimiter_lines_in_a_transaction() {
        let section = |sql: &str| Section {
            sql: sql.into(),
            first_line: 6,
            transactional: true,
            statements: crate::source::split_as(sql, crate::source::Lexicon::Mysql)
                .expect("splits"),
        };
        let dml = section("INSERT INTO a VALUES (1);\n# note\nUPDATE a SET id = 2;");
        assert!(Dialect::Mysql.runs_in_transaction(&dml));
        let ddl = section("INSERT INTO a VALUES (1);\nALTER TABLE a ADD b INT;");
        assert!(!Dialect::Mysql.runs_in_transaction(&ddl));
        assert!(Dialect::Postgres.runs_in_transaction(&ddl));
        let delimited = section("DELIMITER //\nINSERT INTO a VALUES (1)//\nDELIMITER ;");
        assert!(!Dialect::Mysql.runs_in_transaction(&delimited));
    }

    #[test]
    fn mysql_records_a_down_section_with_ddl_as_not_transactional() {
        let recorded = |dialect: Dialect, down: &str| {
            let row = VersionRow {
                down_sql: Some(down.into()),
                ..row()
            };
            dialect
                .insert_version("v", &row, DurationSql::Measured(0))
                .ends_with(", 1);")
        };
        assert!(!recorded(Dialect::Mysql, "DROP TABLE a;"));
        assert!(recorded(Dialect::Mysql, "DELETE FROM a; # `x`"));
        assert!(recorded(Dialect::Sqlite, "DROP TABLE a;"));
    }

    #[test]
    fn mysql_literals_escape_backslashes_and_tables_take_backquotes() {
        assert_eq!(
            Dialect::Mysql.literal("a\\b'"),
            "CONVERT(X'615C6227' USING utf8mb4)"
        );
        assert_eq!(Dialect::Mysql.quote_table("app.v`x"), "`app`.`v``x`");
    }

    #[test]
    fn transactional_step_wraps_section_and_bookkeeping_in_one_transaction() {
        let sql = "CREATE TABLE a (x int) -- trailing comment\n";
        let section = Section {
            sql: sql.into(),
            first_line: 3,
            transactional: true,
            statements: crate::source::split(sql).expect("splits"),
        };
        let step = StepScript::new(
            Dialect::Postgres,
            "v",
            Direction::Down,
            &section,
            &row(),
            DurationSql::Measured(0),
        );
        assert_eq!(
            step.single_query(),
            "BEGIN;\nCREATE TABLE a (x int) -- trailing comment\n;\nDELETE FROM \"v\" WHERE revision = '0002';\nCOMMIT;\n"
        );
        assert_eq!(&step.single_query()[step.prefix_len()..][..6], "CREATE");
    }
}
