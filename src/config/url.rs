//! Database URLs: which backend a URL names, where a SQLite file lives, and the masked form that
//! is the only form ever printed.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::ConfigError;

/// Where the database URL came from, for `config` and for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlOrigin {
    /// `--database-url`.
    CommandLine,
    /// The environment variable of that name.
    Environment(String),
    /// The variable of that name in a `.env` file.
    DotEnv(PathBuf, String),
    /// The app's config file and dotted key.
    AppConfig(PathBuf, String),
    /// Nothing was configured: the SQLite file under the target directory.
    EmbeddedDefault,
    /// A fleet target of that name (`targets`, `--targets-file`, `--targets-query`).
    Target(String),
}

impl fmt::Display for UrlOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlOrigin::CommandLine => f.write_str("`--database-url`"),
            UrlOrigin::Environment(var) => write!(f, "environment variable `{var}`"),
            UrlOrigin::DotEnv(path, var) => write!(f, "`{var}` in `{}`", path.display()),
            UrlOrigin::AppConfig(path, key) => write!(f, "key `{key}` of `{}`", path.display()),
            UrlOrigin::EmbeddedDefault => f.write_str("the embedded default"),
            UrlOrigin::Target(name) => write!(f, "target `{name}`"),
        }
    }
}

/// The database to work on.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A PostgreSQL URL, kept whole for the driver.
    Postgres(String),
    /// A SQLite database file, or `None` for `sqlite::memory:`.
    Sqlite(Option<PathBuf>),
    /// A MySQL or MariaDB URL (`mysql://` or `mariadb://`), kept as written; see
    /// [`DatabaseUrl::mysql_driver_url`] for the one the driver reads.
    Mysql(String),
}

// Debug must not show a password either.
impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

impl DatabaseUrl {
    /// This PostgreSQL database with `search_path` set to `schema` alone (a startup option, so
    /// every connection of a run, the lock's included, sees it): how a schema-per-tenant target
    /// and its scratch databases connect. Other URLs come back unchanged.
    pub fn with_search_path(&self, schema: &str) -> DatabaseUrl {
        let DatabaseUrl::Postgres(raw) = self else {
            return self.clone();
        };
        let Ok(mut parsed) = url::Url::parse(raw) else {
            return self.clone();
        };
        // Quoted, so the name keeps its case as the quoted version table's name does.
        parsed
            .query_pairs_mut()
            .append_pair("options", &format!("-c search_path=\"{schema}\""));
        DatabaseUrl::Postgres(parsed.to_string())
    }

    /// Parses `raw`; relative SQLite paths are taken relative to `base`.
    pub fn parse(raw: &str, base: &Path, origin: &UrlOrigin) -> Result<Self, ConfigError> {
        let invalid = |reason: &str| ConfigError::InvalidUrl {
            origin: origin.to_string(),
            reason: reason.to_owned(),
        };
        let raw = raw.trim();
        let Some((scheme, rest)) = raw.split_once(':') else {
            return Err(invalid(
                "it has no scheme such as `postgres://` or `sqlite://`",
            ));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => {
                let parsed = url::Url::parse(raw).map_err(|e| invalid(&e.to_string()))?;
                if parsed.host_str().is_none_or(str::is_empty) && !raw.contains("host=") {
                    return Err(invalid("it names no host"));
                }
                // The driver's own checks (port, parameters, escapes), so they count as bad
                // configuration rather than as a failure to connect. Its messages name no values.
                <sqlx::postgres::PgConnectOptions as std::str::FromStr>::from_str(raw).map_err(
                    |e| {
                        let message = e.to_string();
                        invalid(message.trim_start_matches("error with configuration: "))
                    },
                )?;
                Ok(DatabaseUrl::Postgres(raw.to_owned()))
            }
            "mysql" | "mariadb" => {
                let parsed = url::Url::parse(raw).map_err(|e| invalid(&e.to_string()))?;
                if parsed.host_str().is_none_or(str::is_empty) {
                    return Err(invalid("it names no host"));
                }
                <sqlx::mysql::MySqlConnectOptions as std::str::FromStr>::from_str(
                    &mysql_driver_url(raw),
                )
                .map_err(|e| {
                    let message = e.to_string();
                    invalid(message.trim_start_matches("error with configuration: "))
                })?;
                Ok(DatabaseUrl::Mysql(raw.to_owned()))
            }
            "sqlite" => {
                let path = rest.strip_prefix("//").unwrap_or(rest);
                let path = path.split_once('?').map_or(path, |(p, _)| p);
                if path == ":memory:" {
                    return Ok(DatabaseUrl::Sqlite(None));
                }
                if path.is_empty() {
                    return Err(invalid("it names no file"));
                }
                let path = expand_home(path).map_err(|reason| invalid(&reason))?;
                Ok(DatabaseUrl::Sqlite(Some(if path.is_absolute() {
                    path
                } else {
                    base.join(path)
                })))
            }
            other if other.is_empty() || other.contains('/') => Err(invalid(
                "it has no scheme such as `postgres://` or `sqlite://`",
            )),
            other => Err(ConfigError::UnsupportedScheme {
                origin: origin.to_string(),
                scheme: other.to_owned(),
            }),
        }
    }

    /// The URL with any password replaced by `****`: safe to print.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Postgres(url) | DatabaseUrl::Mysql(url) => redact(url),
            DatabaseUrl::Sqlite(Some(path)) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Sqlite(None) => "sqlite::memory:".into(),
        }
    }

    /// Refuses `what` (a command needing the schema snapshot) on MySQL, which has none yet.
    pub fn refuse_on_mysql(&self, what: &str) -> Result<(), ConfigError> {
        match self {
            DatabaseUrl::Mysql(_) => Err(ConfigError::NotOnMysql {
                what: what.to_owned(),
            }),
            _ => Ok(()),
        }
    }

    /// The lexical rules the migrations for this database are split by.
    pub fn lexicon(&self) -> crate::source::Lexicon {
        match self {
            DatabaseUrl::Mysql(_) => crate::source::Lexicon::Mysql,
            _ => crate::source::Lexicon::Standard,
        }
    }

    /// `postgres`, `sqlite` or `mysql`.
    pub fn backend(&self) -> &'static str {
        match self {
            DatabaseUrl::Postgres(_) => "postgres",
            DatabaseUrl::Mysql(_) => "mysql",
            DatabaseUrl::Sqlite(_) => "sqlite",
        }
    }
}

/// A `mysql://` or `mariadb://` URL with the `mysql://` scheme, the only one sqlx's driver reads.
pub(crate) fn mysql_driver_url(raw: &str) -> String {
    match raw.split_once(':') {
        Some((_, rest)) => format!("mysql:{rest}"),
        None => raw.to_owned(),
    }
}

/// `~/x.db` is the home folder's `x.db`, as in a shell; without this it became a folder named `~`.
fn expand_home(path: &str) -> Result<PathBuf, String> {
    let Some(rest) = path.strip_prefix('~') else {
        return Ok(PathBuf::from(path));
    };
    if !(rest.is_empty() || rest.starts_with('/') || rest.starts_with('\\')) {
        return Err(format!(
            "`{path}`: only `~/` (your own home folder) is expanded; write the full path"
        ));
    }
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|h| !h.is_empty())
        .ok_or_else(|| {
            format!("`{path}` starts with `~` but `HOME` is not set; write the full path")
        })?;
    Ok(PathBuf::from(home).join(rest.trim_start_matches(['/', '\\'])))
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

const SECRET_PARAMS: &[&str] = &[
    "password",
    "pass",
    "passwd",
    "pwd",
    "passfile",
    "sslpassword",
];

/// Masks the password of any URL-shaped text, in the user-info part and in query parameters.
///
/// ```
/// use brainmig::config::redact;
/// assert_eq!(redact("postgres://u:s3cret@h/db"), "postgres://u:****@h/db");
/// assert_eq!(redact("postgres://u@h/db?password=s3cret&x=1"), "postgres://u@h/db?password=****&x=1");
/// ```
pub fn redact(raw: &str) -> String {
    let Ok(mut url) = url::Url::parse(raw) else {
        return redact_by_hand(raw);
    };
    if url.password().is_some() {
        // Cannot fail for URLs that already have a password.
        let _ = url.set_password(Some("****"));
    }
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let secret = SECRET_PARAMS.contains(&k.to_ascii_lowercase().as_str());
                (
                    k.into_owned(),
                    if secret {
                        "****".to_owned()
                    } else {
                        v.into_owned()
                    },
                )
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

/// For text the URL parser rejects: mask between the `:` of the user-info and the last `@`, and
/// every `password=` value.
fn redact_by_hand(raw: &str) -> String {
    let mut out = raw.to_owned();
    if let Some(scheme_end) = out.find("://") {
        let authority_start = scheme_end + 3;
        let authority_end = out[authority_start..]
            .find(['/', '?'])
            .map_or(out.len(), |i| authority_start + i);
        if let Some(at) = out[authority_start..authority_end].rfind('@') {
            let at = authority_start + at;
            if let Some(colon) = out[authority_start..at].find(':') {
                out.replace_range(authority_start + colon + 1..at, "****");
            }
        }
    }
    for key in SECRET_PARAMS {
        let needle = format!("{key}=");
        let mut search_from = 0;
        while let Some(found) = out[search_from..].to_ascii_lowercase().find(&needle) {
            let value_start = search_from + found + needle.len();
            let value_end = out[value_start..]
                .find(['&', ' '])
                .map_or(out.len(), |i| value_start + i);
            out.replace_range(value_start..value_end, "****");
            search_from = value_start + 4;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_passwords_in_every_form() {
        let cases = [
            (
                "postgres://u:p%40ss@h:5432/db",
                "postgres://u:****@h:5432/db",
            ),
            (
                "postgresql://u:pw@h/db?sslmode=disable&password=pw2",
                "postgresql://u:****@h/db?sslmode=disable&password=****",
            ),
            ("postgres://u@h/db", "postgres://u@h/db"),
            ("postgres://u:pw@[bad/db", "postgres://u:****@[bad/db"),
            (
                "host=h password=pw dbname=x",
                "host=h password=**** dbname=x",
            ),
        ];
        for (raw, expected) in cases {
            assert_eq!(redact(raw), expected, "{raw}");
        }
    }

    #[test]
    fn parses_backends_and_resolves_relative_sqlite_paths() {
        let base = Path::new("/proj");
        let o = UrlOrigin::CommandLine;
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/app.db?mode=rwc", base, &o).expect("valid"),
            DatabaseUrl::Sqlite(Some(PathBuf::from("/proj/data/app.db")))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/x.db", base, &o).expect("valid"),
            DatabaseUrl::Sqlite(Some(PathBuf::from("/tmp/x.db")))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite::memory:", base, &o).expect("valid"),
            DatabaseUrl::Sqlite(None)
        );
        assert!(matches!(
            DatabaseUrl::parse("postgres://u:pw@h/db", base, &o),
            Ok(DatabaseUrl::Postgres(_))
        ));
        assert_eq!(
            DatabaseUrl::parse("mariadb://root:pw@h:3306/db", base, &o).ok(),
            Some(DatabaseUrl::Mysql("mariadb://root:pw@h:3306/db".into()))
        );
        assert_eq!(
            DatabaseUrl::Mysql("mariadb://root:pw@h/db".into()).redacted(),
            "mariadb://root:****@h/db"
        );
        assert!(matches!(
            DatabaseUrl::parse("mysql://root@h/db", base, &o),
            Ok(DatabaseUrl::Mysql(_))
        ));
        assert!(matches!(
            DatabaseUrl::parse("mysql:///db", base, &o),
            Err(ConfigError::InvalidUrl { .. })
        ));
        assert!(matches!(
            DatabaseUrl::parse("mssql://sa@h/db", base, &o),
            Err(ConfigError::UnsupportedScheme { scheme, .. }) if scheme == "mssql"
        ));
        let err =
            DatabaseUrl::parse("postgres://u:secret@h:notaport/db", base, &o).expect_err("invalid");
        assert!(!err.to_string().contains("secret"), "{err}");
        assert!(matches!(
            DatabaseUrl::parse("just-text", base, &o),
            Err(ConfigError::InvalidUrl { .. })
        ));
    }
}
