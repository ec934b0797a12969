//! The catalog of lint rules: one stable code and name per danger, its default severity, and
//! the words a finding shows (why it is dangerous, what to do instead). The guide's rule table
//! (`docs/src/lint.md`, held to it by `tests/integration/guide.rs`) is written from this list;
//! codes are never reused, so suppressions keep meaning what they said.

use serde::Serialize;

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Taste, not danger: off unless the configuration turns it on.
    Style,
    /// Worth a look; does not fail `lint`.
    Warning,
    /// Fails `lint` (exit 7) unless suppressed with a reason.
    Error,
}

impl Severity {
    /// The word used in output and in the configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Style => "style",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Reads `error`, `warning`, `style` (and `off`, as `None`).
    pub fn parse(text: &str) -> Option<Option<Severity>> {
        match text {
            "error" => Some(Some(Severity::Error)),
            "warning" => Some(Some(Severity::Warning)),
            "style" => Some(Some(Severity::Style)),
            "off" => Some(None),
            _ => None,
        }
    }
}

/// One rule of the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// `BM001`...: stable, used by suppressions and the configuration.
    pub code: &'static str,
    /// `create-index-not-concurrently`...: the same rule in words.
    pub name: &'static str,
    /// Severity unless the configuration says otherwise; style rules are off by default.
    pub severity: Severity,
    /// Why the statement is dangerous.
    pub why: &'static str,
    /// The safe alternative.
    pub instead: &'static str,
}

macro_rules! rules {
    ($($ident:ident = $code:literal, $name:literal, $severity:ident, $why:literal, $instead:literal;)*) => {
        $(
            #[doc = concat!("`", $code, "` `", $name, "`: ", $why)]
            pub const $ident: Rule = Rule {
                code: $code,
                name: $name,
                severity: Severity::$severity,
                why: $why,
                instead: $instead,
            };
        )*
        /// Every rule, in code order.
        pub const ALL: &[Rule] = &[$($ident),*];
    };
}

rules! {
    CREATE_INDEX = "BM001", "create-index-not-concurrently", Error,
        "CREATE INDEX without CONCURRENTLY blocks every write to the table until the whole index is built",
        "CREATE INDEX CONCURRENTLY in a `transaction:false` section";
    DROP_INDEX = "BM002", "drop-index-not-concurrently", Warning,
        "DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the index's table, queueing every read and write behind it",
        "DROP INDEX CONCURRENTLY in a `transaction:false` section";
    CONSTRAINT_VALIDATED = "BM003", "constraint-validated-under-lock", Error,
        "adding a foreign key or check constraint scans every existing row while holding a lock that blocks writes (a foreign key locks the referenced table too)",
        "ADD CONSTRAINT ... NOT VALID, then ALTER TABLE ... VALIDATE CONSTRAINT in another transaction: a later revision or a `transaction:false` section (it only takes a SHARE UPDATE EXCLUSIVE lock)";
    SET_NOT_NULL = "BM004", "set-not-null", Error,
        "SET NOT NULL scans every row under an ACCESS EXCLUSIVE lock to prove there is no NULL",
        "on PostgreSQL 12+: ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT c (in another transaction), then SET NOT NULL (no scan) and DROP CONSTRAINT c";
    COLUMN_TYPE = "BM005", "column-type-change", Error,
        "ALTER COLUMN ... TYPE rewrites the table and its indexes under an ACCESS EXCLUSIVE lock (unless the types are binary-coercible, e.g. widening a varchar)",
        "add a new column, backfill it in batches, switch the application, then drop the old column; suppress with a reason for a binary-coercible change";
    VOLATILE_DEFAULT = "BM006", "add-column-volatile-default", Error,
        "ADD COLUMN with a volatile default (or any default before PostgreSQL 11, or serial) rewrites the whole table under an ACCESS EXCLUSIVE lock",
        "add the column without a default (or with a constant one), set the default in a second statement, and backfill existing rows in batches";
    RENAME_COLUMN = "BM007", "rename-column", Warning,
        "renaming a column breaks every running instance of the application that still uses the old name",
        "add the new column, write to both, backfill, switch reads, then drop the old one (expand and contract), or deploy code that uses neither name first";
    RENAME_TABLE = "BM008", "rename-table", Warning,
        "renaming a table breaks every running instance of the application that still uses the old name",
        "create a view with the old name over the renamed table until no code uses it, or expand and contract";
    DROP_COLUMN = "BM009", "drop-column", Warning,
        "dropping a column loses its data and breaks running code that still reads or writes it",
        "stop using the column in a release first, then drop it in a later revision";
    DROP_TABLE = "BM010", "drop-table", Warning,
        "dropping a table loses its data and breaks running code that still uses it",
        "stop using the table in a release first, then drop it in a later revision (after a backup)";
    CONCURRENTLY_IN_TRANSACTION = "BM011", "concurrently-in-transaction", Error,
        "CONCURRENTLY cannot run inside a transaction block: PostgreSQL refuses the statement and the revision fails",
        "put the statement in a `-- migrate:up transaction:false` section (or a revision of its own)";
    LOCK_TIMEOUT = "BM012", "missing-lock-timeout", Warning,
        "a statement that needs a strong lock waits behind any long query, and every other query on the table then queues behind it: a short DDL becomes an outage",
        "SET lock_timeout = '2s'; earlier in the section (retry the revision if it times out)";
    PREFER_BIGINT_IDENTITY = "BM013", "prefer-bigint-identity", Warning,
        "serial and integer ids run out at 2^31 rows, and changing the type later rewrites the table and every referencing one",
        "bigint GENERATED ALWAYS AS IDENTITY (or BY DEFAULT)";
    PREFER_TEXT = "BM014", "prefer-text", Style,
        "varchar(n) and char(n) only add a length check; changing n later takes an exclusive lock",
        "text, with a CHECK (length(col) <= n) constraint when the limit matters";
    PREFER_TIMESTAMPTZ = "BM015", "prefer-timestamptz", Style,
        "timestamp without time zone stores wall-clock times whose meaning depends on the session's time zone",
        "timestamptz";
    UNBOUNDED_DML = "BM016", "update-or-delete-without-where", Warning,
        "UPDATE or DELETE without WHERE on an existing table touches every row in one transaction: long row locks, a burst of WAL, bloat",
        "backfill in batches (a WHERE on a key range), outside the schema revision if the table is large";
    ENUM_VALUE_IN_TRANSACTION = "BM017", "enum-value-used-in-transaction", Error,
        "a value added with ALTER TYPE ... ADD VALUE cannot be used in the transaction that added it (before PostgreSQL 12 it cannot even be added in one): the revision fails",
        "add the value in a `transaction:false` section or a revision of its own, and use it in a later one";
    VACUUM_FULL = "BM018", "vacuum-full", Error,
        "VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock, and cannot run in a transaction",
        "plain VACUUM, or pg_repack, run outside the migrations";
    CLUSTER = "BM019", "cluster", Error,
        "CLUSTER rewrites the table under an ACCESS EXCLUSIVE lock",
        "pg_repack run outside the migrations";
    LOCK_TABLE = "BM020", "lock-table", Warning,
        "LOCK TABLE holds the lock until the revision commits; every query on the table waits",
        "design the revision so that it needs no explicit lock; if it must, keep it short and set lock_timeout first";
    TRUNCATE = "BM021", "truncate", Warning,
        "TRUNCATE deletes every row under an ACCESS EXCLUSIVE lock (CASCADE empties the referencing tables too)",
        "DELETE in batches if the data must go; never TRUNCATE a table the application still uses";
    UNIQUE_WITHOUT_INDEX = "BM022", "unique-constraint-without-index", Error,
        "adding a UNIQUE or PRIMARY KEY constraint builds its index under an ACCESS EXCLUSIVE lock",
        "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... UNIQUE USING INDEX (or PRIMARY KEY USING INDEX)";
    NOT_NULL_WITHOUT_DEFAULT = "BM023", "add-column-not-null-without-default", Error,
        "ADD COLUMN ... NOT NULL without a default fails on a table that has rows",
        "add the column nullable (or with a constant default), backfill, then set NOT NULL safely";
    DROP_DATABASE = "BM024", "drop-database", Error,
        "DROP DATABASE in a migration destroys everything, and cannot run in a transaction",
        "never from a migration";
    BAD_SUPPRESSION = "BM025", "bad-suppression", Error,
        "a `brainmig:allow` comment must name known codes and give a reason, so that the next reader knows why the danger was accepted",
        "-- brainmig:allow BM001 the table has 40 rows";
    UNPARSABLE = "BM026", "unparsable-statement", Warning,
        "PostgreSQL's parser rejects the statement, so no rule could look at it (it will fail when it runs, too)",
        "fix the statement; `cargo brainmig up --sql` shows the text as it is sent";
}

/// The rule with this code (`BM001`) or name (`create-index-not-concurrently`).
pub fn find(code_or_name: &str) -> Option<&'static Rule> {
    ALL.iter()
        .find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_sequential_and_names_kebab() {
        for (i, rule) in ALL.iter().enumerate() {
            assert_eq!(rule.code, format!("BM{:03}", i + 1));
            assert!(
                rule.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}",
                rule.name
            );
        }
        assert_eq!(find("bm001"), Some(&CREATE_INDEX));
        assert_eq!(find("drop-table"), Some(&DROP_TABLE));
        assert_eq!(find("BM999"), None);
    }
}
