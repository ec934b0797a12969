//! The catalog's words made comparable (PURE): what MySQL 8 and MariaDB render differently for
//! the same definition is brought to one spelling here, so that a snapshot says the same thing
//! whichever server took it, and the catalog reader (`catalog.rs`) stays a list of queries.
//!
//! The differences handled: integer display widths (`int(11)` on MariaDB, `int` on MySQL 8.0.19+),
//! defaults (MariaDB stores them as SQL, quoted literals and `current_timestamp()`; MySQL 8 stores
//! a literal's bare text and marks expressions `DEFAULT_GENERATED`), check clauses (MySQL 8 wraps
//! them in parentheses) and view definitions (both qualify every name with the database, whose
//! name differs between a scratch database and the configured one).

/// Which server wrote the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flavour {
    MariaDb,
    Mysql,
}

impl Flavour {
    /// From `SELECT VERSION()`: MariaDB says its name there (`10.11.6-MariaDB-0+deb12u1`).
    pub(super) fn of_version(version: &str) -> Flavour {
        if version.to_ascii_lowercase().contains("mariadb") {
            Flavour::MariaDb
        } else {
            Flavour::Mysql
        }
    }
}

/// The integer types whose display width MySQL 8 no longer shows.
const INTEGER_TYPES: &[&str] = &[
    "tinyint",
    "smallint",
    "mediumint",
    "int",
    "integer",
    "bigint",
];

/// A column type as `COLUMN_TYPE` shows it, without an integer's display width (which changes
/// nothing stored): `int(11) unsigned` is `int unsigned`. `tinyint(1)` keeps it, since both
/// servers show it and clients read it as a boolean.
pub(super) fn column_type(raw: &str) -> String {
    let lower = raw.trim().to_ascii_lowercase();
    let Some(open) = lower.find('(') else {
        return lower;
    };
    let (name, rest) = lower.split_at(open);
    let Some(close) = rest.find(')') else {
        return lower;
    };
    let width = &rest[1..close];
    let is_width = !width.is_empty() && width.bytes().all(|b| b.is_ascii_digit());
    if !INTEGER_TYPES.contains(&name) || !is_width || (name == "tinyint" && width == "1") {
        return lower;
    }
    format!("{name}{}", &rest[close + 1..])
}

/// True for the types whose defaults are numbers, written without quotes.
fn is_numeric(data_type: &str) -> bool {
    let name = data_type.split(['(', ' ']).next().unwrap_or("");
    INTEGER_TYPES.contains(&name)
        || matches!(
            name,
            "decimal" | "numeric" | "dec" | "fixed" | "float" | "double" | "real" | "year"
        )
}

/// A column's default in one spelling: `None` for no default and for `DEFAULT NULL`, a string
/// quoted as SQL (`'it''s'`), a number bare, and the current time as `CURRENT_TIMESTAMP` (with
/// its precision); `ON UPDATE CURRENT_TIMESTAMP` (from `EXTRA`) is added to it, as the one thing
/// a column does to itself on update.
pub(super) fn column_default(
    flavour: Flavour,
    raw: Option<&str>,
    extra: &str,
    data_type: &str,
) -> Option<String> {
    let extra_lower = extra.to_ascii_lowercase();
    let default = raw.and_then(|raw| match flavour {
        // MariaDB 10.2.7+ stores SQL: `NULL` is the explicit `DEFAULT NULL`.
        Flavour::MariaDb if raw.eq_ignore_ascii_case("NULL") => None,
        Flavour::MariaDb => Some(expression(raw)),
        Flavour::Mysql if extra_lower.contains("default_generated") => Some(expression(raw)),
        Flavour::Mysql if is_numeric(data_type) => Some(raw.to_owned()),
        Flavour::Mysql => Some(format!("'{}'", raw.replace('\'', "''"))),
    });
    let on_update = extra_lower
        .find("on update ")
        .map(|at| expression(extra[at + "on update ".len()..].trim()));
    match (default, on_update) {
        (default, None) => default,
        (Some(default), Some(update)) => Some(format!("{default} ON UPDATE {update}")),
        (None, Some(update)) => Some(format!("ON UPDATE {update}")),
    }
}

/// An expression default: the ways of saying "now" become `CURRENT_TIMESTAMP`, with precision
/// when given (`current_timestamp(3)` is `CURRENT_TIMESTAMP(3)`); anything else as stored.
fn expression(raw: &str) -> String {
    let lower = raw.trim().to_ascii_lowercase();
    for now in ["current_timestamp", "now", "localtimestamp", "localtime"] {
        let Some(rest) = lower.strip_prefix(now) else {
            continue;
        };
        let precision = rest
            .strip_prefix('(')
            .and_then(|r| r.strip_suffix(')'))
            .map(str::trim);
        match precision {
            None if rest.is_empty() => return "CURRENT_TIMESTAMP".into(),
            Some("") => return "CURRENT_TIMESTAMP".into(),
            Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => {
                return format!("CURRENT_TIMESTAMP({p})");
            }
            _ => {}
        }
    }
    raw.trim().to_owned()
}

/// `CHECK (clause)`, with the parentheses MySQL 8 puts around the clause counted once.
pub(super) fn check(clause: &str) -> String {
    let clause = clause.trim();
    if wrapped_in_parentheses(clause) {
        format!("CHECK {clause}")
    } else {
        format!("CHECK ({clause})")
    }
}

/// True when the first `(` closes at the very end (`(a) AND (b)` is not wrapped).
fn wrapped_in_parentheses(text: &str) -> bool {
    if !text.starts_with('(') || !text.ends_with(')') {
        return false;
    }
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (at, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return at == text.len() - 1;
                }
            }
            _ => {}
        }
    }
    false
}

/// A view's query without the database's name in front of every table and column
/// (`` `app`.`notes`.`id` `` is `` `notes`.`id` ``): a scratch database has another name.
pub(super) fn view_definition(definition: &str, database: &str) -> String {
    let qualifier = format!("`{}`.", database.replace('`', "``"));
    definition.replace(&qualifier, "").trim().to_owned()
}

/// A foreign key's action; `NO ACTION` is `RESTRICT` in InnoDB (MySQL 8 reports one where
/// MariaDB reports the other), and as the default it is left unsaid.
pub(super) fn referential_action(on: &str, rule: &str) -> Option<String> {
    let rule = rule.trim().to_ascii_uppercase();
    match rule.as_str() {
        "" | "RESTRICT" | "NO ACTION" => None,
        _ => Some(format!(" ON {on} {rule}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_display_widths_are_dropped_but_tinyint_1_stays() {
        let cases = [
            ("int(11)", "int"),
            ("bigint(20) unsigned", "bigint unsigned"),
            ("INT(10) UNSIGNED ZEROFILL", "int unsigned zerofill"),
            ("tinyint(1)", "tinyint(1)"),
            ("tinyint(4)", "tinyint"),
            ("int", "int"),
            ("varchar(255)", "varchar(255)"),
            ("decimal(5,2)", "decimal(5,2)"),
            ("enum('a','b')", "enum('a','b')"),
            ("char(36)", "char(36)"),
        ];
        for (raw, want) in cases {
            assert_eq!(column_type(raw), want, "{raw}");
        }
    }

    #[test]
    fn mariadb_and_mysql_defaults_come_out_the_same() {
        use Flavour::{MariaDb, Mysql};
        // (flavour, COLUMN_DEFAULT, EXTRA, type, expected)
        type Case<'a> = (Flavour, Option<&'a str>, &'a str, &'a str, Option<&'a str>);
        let cases: &[Case] = &[
            (
                MariaDb,
                Some("'happy'"),
                "",
                "enum('happy','sad')",
                Some("'happy'"),
            ),
            (
                Mysql,
                Some("happy"),
                "",
                "enum('happy','sad')",
                Some("'happy'"),
            ),
            (MariaDb, Some("'it''s'"), "", "varchar(10)", Some("'it''s'")),
            (Mysql, Some("it's"), "", "varchar(10)", Some("'it''s'")),
            (MariaDb, Some("''"), "", "varchar(10)", Some("''")),
            (Mysql, Some(""), "", "varchar(10)", Some("''")),
            (MariaDb, Some("1.50"), "", "decimal(5,2)", Some("1.50")),
            (Mysql, Some("1.50"), "", "decimal(5,2)", Some("1.50")),
            (MariaDb, Some("0"), "", "int(11)", Some("0")),
            (Mysql, Some("0"), "", "int", Some("0")),
            (MariaDb, Some("NULL"), "", "int(11)", None),
            (MariaDb, None, "", "int(11)", None),
            (Mysql, None, "", "int", None),
            (
                MariaDb,
                Some("current_timestamp()"),
                "",
                "timestamp",
                Some("CURRENT_TIMESTAMP"),
            ),
            (
                Mysql,
                Some("CURRENT_TIMESTAMP"),
                "DEFAULT_GENERATED",
                "timestamp",
                Some("CURRENT_TIMESTAMP"),
            ),
            (
                MariaDb,
                Some("current_timestamp(3)"),
                "on update current_timestamp(3)",
                "datetime(3)",
                Some("CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3)"),
            ),
            (
                Mysql,
                Some("CURRENT_TIMESTAMP(3)"),
                "DEFAULT_GENERATED on update CURRENT_TIMESTAMP(3)",
                "datetime(3)",
                Some("CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3)"),
            ),
            (MariaDb, Some("uuid()"), "", "char(36)", Some("uuid()")),
            (
                Mysql,
                Some("uuid()"),
                "DEFAULT_GENERATED",
                "char(36)",
                Some("uuid()"),
            ),
        ];
        for (flavour, raw, extra, data_type, want) in cases {
            assert_eq!(
                column_default(*flavour, *raw, extra, data_type).as_deref(),
                *want,
                "{flavour:?} {raw:?} {extra:?}"
            );
        }
    }

    #[test]
    fn check_clauses_get_one_pair_of_parentheses() {
        assert_eq!(check("`score` >= 0"), "CHECK (`score` >= 0)");
        assert_eq!(check("(`score` >= 0)"), "CHECK (`score` >= 0)");
        assert_eq!(check("(a > 0) and (b > 0)"), "CHECK ((a > 0) and (b > 0))");
        assert_eq!(check("(a = ')')"), "CHECK (a = ')')");
    }

    #[test]
    fn view_definitions_lose_the_database_name() {
        let raw =
            "select `app`.`notes`.`id` AS `id` from `app`.`notes` where `app`.`notes`.`id` > 10";
        assert_eq!(
            view_definition(raw, "app"),
            "select `notes`.`id` AS `id` from `notes` where `notes`.`id` > 10"
        );
        assert_eq!(view_definition(raw, "other"), raw);
    }

    #[test]
    fn the_flavour_is_read_from_the_version() {
        assert_eq!(
            Flavour::of_version("10.11.6-MariaDB-0+deb12u1"),
            Flavour::MariaDb
        );
        assert_eq!(Flavour::of_version("8.0.36"), Flavour::Mysql);
    }

    #[test]
    fn restrict_and_no_action_are_the_default_action() {
        assert_eq!(referential_action("DELETE", "NO ACTION"), None);
        assert_eq!(referential_action("DELETE", "RESTRICT"), None);
        assert_eq!(
            referential_action("DELETE", "CASCADE").as_deref(),
            Some(" ON DELETE CASCADE")
        );
    }
}
