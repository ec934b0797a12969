//! Which databases a fleet command runs on: the targets of the config, of a targets file or of a
//! query's rows, named, each database's schemas expanded into targets of their own
//! (`schemas.rs`), then narrowed by `--target` patterns. Pure but for reading the file and
//! running the queries.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::error::FleetError;
use crate::config::{Config, DatabaseUrl, NamedUrl, SchemaList, UrlOrigin};
use crate::error::{ConfigError, Error};

/// One target of the fleet: a database, or one schema of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetTarget {
    /// The name `--target` selects it by and the table shows.
    pub name: String,
    /// The database (for a schema, the database that holds it).
    pub url: DatabaseUrl,
    /// The schema, for schema-per-tenant: its revisions run with `search_path` set to it.
    pub schema: Option<String>,
}

impl FleetTarget {
    /// A whole database.
    pub fn whole(name: String, url: DatabaseUrl) -> FleetTarget {
        FleetTarget {
            name,
            url,
            schema: None,
        }
    }

    /// A stand-in for a database whose schemas were not listed (no pattern could select them):
    /// named `name/*`, only ever shown in the list of known targets.
    fn unlisted(name: &str, url: DatabaseUrl) -> FleetTarget {
        FleetTarget {
            name: format!("{name}/*"),
            url,
            schema: Some(String::new()),
        }
    }

    fn is_unlisted(&self) -> bool {
        self.schema.as_deref() == Some("")
    }

    /// The URL a run connects with: for a schema, with `search_path` set to it.
    pub fn connect_url(&self) -> DatabaseUrl {
        match &self.schema {
            Some(schema) => self.url.with_search_path(schema),
            None => self.url.clone(),
        }
    }

    /// The database, masked, and the schema if any: what the table shows.
    pub fn shown_url(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{} (schema {schema})", self.url.redacted()),
            None => self.url.redacted(),
        }
    }
}

/// Where a fleet's targets are listed.
pub enum TargetList<'a> {
    /// `--targets-file`.
    File(&'a Path),
    /// `--targets-query`, run on the configured (control) database.
    Query {
        /// The control database.
        control: DatabaseUrl,
        /// The query; its first column is a URL.
        sql: &'a str,
    },
    /// `[package.metadata.brainmig.targets]`.
    Config,
    /// The configured database alone (`--schemas` or `--schemas-query` without other targets).
    Database(DatabaseUrl),
}

/// The fleet flags that choose the targets, as given on the command line.
pub struct Selection<'a> {
    /// `--all-targets`.
    pub all: bool,
    /// `--target` names and globs.
    pub patterns: &'a [String],
    /// `--targets-file`.
    pub file: Option<&'a Path>,
    /// `--targets-query`.
    pub query: Option<&'a str>,
    /// `--schemas`.
    pub schema_names: &'a [String],
    /// `--schemas-query`.
    pub schemas_query: Option<&'a str>,
}

impl Selection<'_> {
    /// True when any flag asks for a fleet rather than the one configured database.
    pub fn any(&self) -> bool {
        self.all
            || !self.patterns.is_empty()
            || self.file.is_some()
            || self.query.is_some()
            || self.schemas().is_some()
    }

    /// True when the command runs on the fleet; refuses `--jobs` or `--fail-fast` (`tuned`)
    /// without targets, and `single_only` (a flag given that works on one database only) with
    /// them.
    pub fn runs_fleet(&self, tuned: bool, single_only: Option<&str>) -> Result<bool, ConfigError> {
        match (self.any(), single_only) {
            (true, Some(flag)) => Err(ConfigError::Unsupported(format!(
                "`{flag}` works on one database; drop the fleet flags (`--all-targets`, `--target`, `--targets-file`, `--targets-query`, `--schemas`, `--schemas-query`)"
            ))),
            (false, _) if tuned => Err(ConfigError::Unsupported(
                "`--jobs` and `--fail-fast` apply to a fleet: add `--all-targets`, `--target NAME`, `--targets-file`, `--targets-query` or `--schemas`".into(),
            )),
            (selected, _) => Ok(selected),
        }
    }

    /// `--schemas` or `--schemas-query`, for every selected target.
    pub fn schemas(&self) -> Option<SchemaList> {
        match (self.schema_names, self.schemas_query) {
            ([], None) => None,
            (_, Some(sql)) => Some(SchemaList::Query(sql.to_owned())),
            (names, None) => Some(SchemaList::Names(names.to_vec())),
        }
    }

    /// The targets: from the file, the query (on `control`, the configured database), the
    /// config, or (schemas alone) the configured database; then narrowed by `--target`.
    pub async fn resolve(
        &self,
        config: &Config,
        control: impl FnOnce() -> Result<DatabaseUrl, Error>,
    ) -> Result<Vec<FleetTarget>, Error> {
        let list = match (self.file, self.query) {
            (Some(file), _) => TargetList::File(file),
            (None, Some(sql)) => TargetList::Query {
                control: control()?,
                sql,
            },
            (None, None) if self.all || !self.patterns.is_empty() => TargetList::Config,
            (None, None) => TargetList::Database(control()?),
        };
        resolve(list, config, self.schemas().as_ref(), self.patterns).await
    }
}

/// The targets `list` names, their schemas (their own, or `schemas` for all) expanded, narrowed
/// by the `--target` patterns; an empty list is an error that says where it looked.
pub async fn resolve(
    list: TargetList<'_>,
    config: &Config,
    schemas: Option<&SchemaList>,
    patterns: &[String],
) -> Result<Vec<FleetTarget>, Error> {
    let base: &PathBuf = &config.base_dir;
    let (all, why) = match list {
        TargetList::File(file) => {
            let why = format!("`{}` lists no database URL", file.display());
            (from_file(file)?, why)
        }
        TargetList::Query { control, sql } => {
            let why = "the targets query returned no rows".to_owned();
            (from_query(&control, sql, base).await?, why)
        }
        TargetList::Config => {
            let why = "no `[package.metadata.brainmig.targets]` are configured".to_owned();
            (config.targets()?, why)
        }
        TargetList::Database(url) => {
            let database = NamedUrl {
                name: String::new(),
                url,
                schemas: None,
            };
            (vec![database], String::new())
        }
    };
    let listed = all.len();
    // A database whose schemas no pattern can select is left out before its schemas are
    // listed, so a filtered-out target's schemas query never runs (nor fails).
    let (wanted, unlisted) = selectable(all, schemas, patterns);
    let mut all = super::schemas::expand(wanted, schemas).await?;
    let why = if listed > 0 {
        "the schemas query returned no schemas".to_owned()
    } else {
        why
    };
    if all.is_empty() && unlisted.is_empty() {
        return Err(FleetError::NoTargets { why }.into());
    }
    // Named in the error of a pattern that matches nothing, so the list stays complete.
    all.extend(unlisted);
    Ok(select(all, patterns)?
        .into_iter()
        .filter(|t| !t.is_unlisted())
        .collect())
}

/// Splits `listed` into the databases to expand and stand-ins (`name/*`) for those whose schemas
/// no pattern can select: a schema target is named `name/schema`, so a pattern that cannot
/// match any name starting `name/` selects none of them.
fn selectable(
    listed: Vec<NamedUrl>,
    flag: Option<&SchemaList>,
    patterns: &[String],
) -> (Vec<NamedUrl>, Vec<FleetTarget>) {
    let mut wanted = Vec::new();
    let mut unlisted = Vec::new();
    for named in listed {
        let has_schemas = flag.is_some() || named.schemas.is_some();
        let prefix = format!("{}/", named.name);
        let reachable = patterns.is_empty()
            || named.name.is_empty()
            || patterns.iter().any(|p| glob_matches_a_prefix(p, &prefix));
        if has_schemas && !reachable {
            unlisted.push(FleetTarget::unlisted(&named.name, named.url));
        } else {
            wanted.push(named);
        }
    }
    (wanted, unlisted)
}

/// Reads `--targets-file`: one URL per line, `#` comments and blank lines skipped; relative
/// SQLite paths are taken from the file's folder, so the file means the same from anywhere.
pub fn from_file(path: &Path) -> Result<Vec<NamedUrl>, FleetError> {
    let text = std::fs::read_to_string(path).map_err(|e| FleetError::TargetsFile {
        path: path.to_owned(),
        line: None,
        reason: e.to_string(),
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut urls = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split_once('#').map_or(line, |(url, _)| url).trim();
        if line.is_empty() {
            continue;
        }
        let url = DatabaseUrl::parse(line, base, &UrlOrigin::Target(format!("line {}", i + 1)))
            .map_err(|e| FleetError::TargetsFile {
                path: path.to_owned(),
                line: Some(i + 1),
                reason: e.to_string(),
            })?;
        urls.push(url);
    }
    Ok(named(urls))
}

/// The first column of `--targets-query`'s rows, as URLs (relative SQLite paths from `base`).
pub fn from_rows(rows: Vec<Vec<Option<String>>>, base: &Path) -> Result<Vec<NamedUrl>, FleetError> {
    let mut urls = Vec::new();
    for (i, row) in rows.into_iter().enumerate() {
        let origin = UrlOrigin::Target(format!("row {}", i + 1));
        let Some(Some(text)) = row.into_iter().next() else {
            return Err(FleetError::TargetsQuery {
                reason: format!("row {} has no URL in its first column", i + 1),
            });
        };
        let url =
            DatabaseUrl::parse(&text, base, &origin).map_err(|e| FleetError::TargetsQuery {
                reason: e.to_string(),
            })?;
        urls.push(url);
    }
    Ok(named(urls))
}

/// Runs `--targets-query` on the control database (`--database-url`) and reads its rows.
pub async fn from_query(
    control: &DatabaseUrl,
    sql: &str,
    base: &Path,
) -> Result<Vec<NamedUrl>, FleetError> {
    let failed = |e: crate::error::DbError| FleetError::TargetsQuery {
        reason: e.to_string(),
    };
    let mut conn = crate::db::Connection::open(control).await.map_err(failed)?;
    let rows = crate::db::Database::text_rows(&mut conn, sql).await;
    conn.close().await;
    from_rows(rows.map_err(failed)?, base)
}

/// Names for unnamed URLs: `host/db` for PostgreSQL, the file name for SQLite; never the
/// password. URLs that would share a name get `#2`, `#3`, .. in the order of their URLs (not of
/// the listing), so a tenant keeps its name however a file or query orders its rows.
pub fn named(urls: Vec<DatabaseUrl>) -> Vec<NamedUrl> {
    let bases: Vec<String> = urls.iter().map(derived_name).collect();
    // Per shared name, the listing positions ordered by URL (then by position, for a URL
    // listed twice, whose copies cannot be told apart anyway).
    let mut sharing: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, base) in bases.iter().enumerate() {
        sharing.entry(base).or_default().push(i);
    }
    let mut rank = vec![0; urls.len()];
    for group in sharing.values_mut() {
        group.sort_by_key(|&i| (sort_key(&urls[i]), i));
        for (r, &i) in group.iter().enumerate() {
            rank[i] = r;
        }
    }
    bases
        .into_iter()
        .zip(rank)
        .zip(urls)
        .map(|((base, rank), url)| NamedUrl {
            name: match rank {
                0 => base,
                r => format!("{base}#{}", r + 1),
            },
            url,
            schemas: None,
        })
        .collect()
}

/// What orders URLs that share a name: the whole URL as written (never shown).
fn sort_key(url: &DatabaseUrl) -> std::borrow::Cow<'_, str> {
    match url {
        DatabaseUrl::Postgres(raw) | DatabaseUrl::Mysql(raw) => raw.as_str().into(),
        DatabaseUrl::Sqlite(Some(path)) => path.to_string_lossy(),
        DatabaseUrl::Sqlite(None) => "".into(),
    }
}

fn derived_name(url: &DatabaseUrl) -> String {
    match url {
        DatabaseUrl::Postgres(raw) | DatabaseUrl::Mysql(raw) => match url::Url::parse(raw) {
            Ok(parsed) => format!("{}{}", parsed.host_str().unwrap_or_default(), parsed.path()),
            Err(_) => url.redacted(),
        },
        DatabaseUrl::Sqlite(Some(path)) => path
            .file_name()
            .map_or_else(|| url.redacted(), |f| f.to_string_lossy().into_owned()),
        DatabaseUrl::Sqlite(None) => "sqlite::memory:".into(),
    }
}

/// Narrows `targets` to those a pattern names (all of them when there are no patterns). A
/// pattern that matches nothing is an error, so a typo does not silently skip a tenant.
pub fn select(
    targets: Vec<FleetTarget>,
    patterns: &[String],
) -> Result<Vec<FleetTarget>, FleetError> {
    if let Some(unmatched) = patterns
        .iter()
        .find(|p| !targets.iter().any(|t| glob_matches(p, &t.name)))
    {
        return Err(FleetError::UnknownTarget {
            pattern: unmatched.clone(),
            known: targets.iter().map(|t| t.name.clone()).collect(),
        });
    }
    if patterns.is_empty() {
        return Ok(targets);
    }
    Ok(targets
        .into_iter()
        .filter(|t| patterns.iter().any(|p| glob_matches(p, &t.name)))
        .collect())
}

/// True when `pattern` matches some name that starts with `prefix`: when a leading part of the
/// pattern matches the prefix itself (the rest can always match something).
fn glob_matches_a_prefix(pattern: &str, prefix: &str) -> bool {
    let ends = pattern
        .char_indices()
        .map(|(i, _)| i)
        .chain([pattern.len()]);
    ends.into_iter()
        .any(|end| glob_matches(&pattern[..end], prefix))
}

/// `*` (any run of characters) and `?` (one character); everything else literal.
pub fn glob_matches(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    // Classic two-pointer match with backtracking to the last `*`.
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ni));
            pi += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str) -> FleetTarget {
        FleetTarget::whole(name.into(), DatabaseUrl::Sqlite(None))
    }

    #[test]
    fn a_pattern_reaches_a_databases_schemas_only_if_it_can_match_its_prefix() {
        for p in ["app/*", "*", "a*", "app/acme", "?pp/x", "app"] {
            let expected = p != "app";
            assert_eq!(glob_matches_a_prefix(p, "app/"), expected, "{p}");
        }
        assert!(!glob_matches_a_prefix("other/*", "app/"));
        assert!(!glob_matches_a_prefix("ap", "app/"));
    }

    #[test]
    fn globs_match_runs_and_single_characters() {
        for (p, n) in [
            ("tenant-*", "tenant-a"),
            ("*", ""),
            ("t?n*", "tenant"),
            ("a*b*c", "axxbyc"),
            ("exact", "exact"),
        ] {
            assert!(glob_matches(p, n), "{p} {n}");
        }
        for (p, n) in [
            ("tenant-*", "tenan"),
            ("a?", "a"),
            ("a*b", "axc"),
            ("exact", "exactly"),
        ] {
            assert!(!glob_matches(p, n), "{p} {n}");
        }
    }

    #[test]
    fn selection_keeps_matches_and_names_a_pattern_that_matches_nothing() {
        let all = || vec![t("prod"), t("tenant-a"), t("tenant-b")];
        let picked = select(all(), &["tenant-*".into()]).expect("matches");
        assert_eq!(picked.len(), 2);
        assert_eq!(select(all(), &[]).expect("all").len(), 3);
        let err = select(all(), &["tenant-*".into(), "stagin".into()]).expect_err("typo");
        assert!(matches!(err, FleetError::UnknownTarget { pattern, .. } if pattern == "stagin"));
    }

    #[test]
    fn derived_names_hide_passwords_and_repeat_with_a_number() {
        let urls = vec![
            DatabaseUrl::Postgres("postgres://u:secret@db1:5432/tenant_a".into()),
            DatabaseUrl::Sqlite(Some("/data/x/app.db".into())),
            DatabaseUrl::Sqlite(Some("/data/y/app.db".into())),
        ];
        let names: Vec<String> = named(urls.clone()).into_iter().map(|t| t.name).collect();
        assert_eq!(names, ["db1/tenant_a", "app.db", "app.db#2"]);
        // Listed the other way round, each URL keeps its name.
        let reversed: Vec<(String, DatabaseUrl)> = named(urls.into_iter().rev().collect())
            .into_iter()
            .map(|t| (t.name, t.url))
            .collect();
        assert_eq!(reversed[0].0, "app.db#2");
        assert_eq!(
            reversed[0].1,
            DatabaseUrl::Sqlite(Some("/data/y/app.db".into()))
        );
        assert_eq!(reversed[1].0, "app.db");
    }

    #[test]
    fn a_bad_line_of_a_targets_file_is_named_by_number_without_its_text() {
        let dir = std::env::temp_dir().join(format!("brainmig-fleet-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("targets.txt");
        std::fs::write(
            &file,
            "# tenants\nsqlite://a.db\n\nnot-a-url:secret@x # bad\n",
        )
        .expect("written");
        let err = from_file(&file).expect_err("bad line");
        assert!(
            matches!(err, FleetError::TargetsFile { line: Some(4), .. }),
            "{err}"
        );
        assert!(!err.to_string().contains("secret"), "{err}");
        std::fs::write(&file, "sqlite://a.db # first\nsqlite:///abs/b.db\n").expect("written");
        let targets = from_file(&file).expect("valid");
        assert_eq!(targets[0].url, DatabaseUrl::Sqlite(Some(dir.join("a.db"))));
        assert_eq!(targets[1].name, "b.db");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
