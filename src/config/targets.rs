//! `[package.metadata.brainmig.targets]`: the named databases of a fleet (tenants, shards,
//! environments), each a URL, or a table whose `url-env` names an environment variable holding
//! the URL (or, beside `url`, only its password, so the secret stays out of Cargo.toml), and
//! for schema-per-tenant databases the schemas in it (`schemas = [..]` or `schemas-query`).
//!
//! It lives in `config` because it reads the environment, which only this room does.

use std::path::Path;

use serde_json::Value;

use super::{DatabaseUrl, UrlOrigin};
use crate::error::ConfigError;

/// One configured target, its URL resolved.
#[derive(Debug, Clone)]
pub struct NamedUrl {
    /// The name `--target` selects it by.
    pub name: String,
    /// Where it is.
    pub url: DatabaseUrl,
    /// Its schemas, each a target of its own (schema-per-tenant), when configured.
    pub schemas: Option<SchemaList>,
}

/// The schemas of one database that are each a target: named, or what a query returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaList {
    /// `schemas = ["acme", "globex"]` or `--schemas acme,globex`.
    Names(Vec<String>),
    /// `schemas-query = "SELECT ..."` or `--schemas-query`, run on the database itself; its
    /// first column is a schema name.
    Query(String),
}

/// Reads the `targets` table (as kept in [`super::Config`]); SQLite paths are relative to `base`.
/// Names come out sorted, so every listing is stable.
pub fn configured(
    raw: Option<&(Value, String, std::path::PathBuf)>,
    base: &Path,
) -> Result<Vec<NamedUrl>, ConfigError> {
    let Some((value, table, manifest)) = raw else {
        return Ok(Vec::new());
    };
    let bad = |key: &str, expected: &'static str| ConfigError::BadValue {
        key: key.to_owned(),
        table: table.clone(),
        manifest: manifest.clone(),
        expected,
    };
    let Value::Object(map) = value else {
        return Err(bad("targets", "a table of `name = \"URL\"` entries"));
    };
    let mut targets = Vec::new();
    for (name, entry) in map {
        let origin = UrlOrigin::Target(name.clone());
        let (raw, schemas) = match entry {
            Value::String(url) => (url.clone(), None),
            Value::Object(fields) => (
                url_of_table(name, fields, &bad)?,
                schemas_of_table(name, fields, &bad)?,
            ),
            _ => {
                return Err(bad(
                    name,
                    "a URL string or a table with `url` and/or `url-env`",
                ));
            }
        };
        let url = DatabaseUrl::parse(&raw, base, &origin)?;
        targets.push(NamedUrl {
            name: name.clone(),
            url,
            schemas,
        });
    }
    targets.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(targets)
}

/// `{ url = "...", url-env = "VAR" }`: the variable holds the whole URL, or with `url` beside it
/// only the password.
fn url_of_table(
    name: &str,
    fields: &serde_json::Map<String, Value>,
    bad: &dyn Fn(&str, &'static str) -> ConfigError,
) -> Result<String, ConfigError> {
    if let Some(key) = fields
        .keys()
        .find(|k| !["url", "url-env", "schemas", "schemas-query"].contains(&k.as_str()))
    {
        return Err(bad(
            &format!("{name}.{key}"),
            "only `url`, `url-env`, `schemas` and `schemas-query`",
        ));
    }
    let text = |key: &str| match fields.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad(&format!("{name}.{key}"), "a string")),
    };
    let (url, var) = (text("url")?, text("url-env")?);
    let from_env = |var: &str| {
        std::env::var(var)
            .ok()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ConfigError::TargetEnvUnset {
                target: name.to_owned(),
                var: var.to_owned(),
            })
    };
    match (url, var) {
        (Some(url), None) => Ok(url),
        (None, Some(var)) => from_env(&var),
        (Some(url), Some(var)) => with_password(&url, &from_env(&var)?).ok_or_else(|| {
            bad(
                &format!("{name}.url"),
                "a postgres URL (to take a password)",
            )
        }),
        (None, None) => Err(bad(name, "a table with `url` and/or `url-env`")),
    }
}

/// `schemas = [..]` or `schemas-query = ".."` beside the URL (not both).
fn schemas_of_table(
    name: &str,
    fields: &serde_json::Map<String, Value>,
    bad: &dyn Fn(&str, &'static str) -> ConfigError,
) -> Result<Option<SchemaList>, ConfigError> {
    match (fields.get("schemas"), fields.get("schemas-query")) {
        (None, None) => Ok(None),
        (Some(Value::Array(items)), None) => {
            let names: Option<Vec<String>> = items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect();
            match names {
                Some(names) if !names.is_empty() => Ok(Some(SchemaList::Names(names))),
                _ => Err(bad(
                    &format!("{name}.schemas"),
                    "a non-empty list of schema names",
                )),
            }
        }
        (None, Some(Value::String(sql))) => Ok(Some(SchemaList::Query(sql.clone()))),
        (Some(_), None) => Err(bad(
            &format!("{name}.schemas"),
            "a non-empty list of schema names",
        )),
        (None, Some(_)) => Err(bad(&format!("{name}.schemas-query"), "a SQL string")),
        (Some(_), Some(_)) => Err(bad(name, "`schemas` or `schemas-query`, not both")),
    }
}

/// `url` with its password set to `secret` (escaped as the URL needs).
fn with_password(url: &str, secret: &str) -> Option<String> {
    let mut parsed = url::Url::parse(url).ok()?;
    if !parsed.scheme().starts_with("postgres") {
        return None;
    }
    parsed.set_password(Some(secret)).ok()?;
    Some(parsed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(value: Value) -> Result<Vec<NamedUrl>, ConfigError> {
        let raw = (
            value,
            "package.metadata.brainmig.targets".into(),
            "Cargo.toml".into(),
        );
        configured(Some(&raw), Path::new("/proj"))
    }

    #[test]
    fn names_map_to_urls_or_tables_and_come_out_sorted() {
        let targets = read(serde_json::json!({
            "b": "sqlite://b.db",
            "a": {"url": "postgres://u@h/a"},
        }))
        .expect("valid");
        let names: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(
            targets[1].url,
            DatabaseUrl::Sqlite(Some("/proj/b.db".into()))
        );
    }

    #[test]
    fn a_secret_from_the_environment_becomes_the_password() {
        assert_eq!(
            with_password("postgres://u@h/db", "p@ss").as_deref(),
            Some("postgres://u:p%40ss@h/db")
        );
        assert_eq!(with_password("sqlite://x.db", "p"), None);
    }

    #[test]
    fn wrong_shapes_and_unset_variables_are_named() {
        let err = read(serde_json::json!({"a": 3})).expect_err("not a url");
        assert!(matches!(err, ConfigError::BadValue { key, .. } if key == "a"));
        let err = read(serde_json::json!({"a": {"uri": "x"}})).expect_err("unknown key");
        assert!(matches!(err, ConfigError::BadValue { key, .. } if key == "a.uri"));
        let err = read(serde_json::json!({"a": {"url-env": "BRAINMIG_TEST_SURELY_UNSET_VAR"}}))
            .expect_err("unset");
        assert!(matches!(err, ConfigError::TargetEnvUnset { target, .. } if target == "a"));
        let err = read(serde_json::json!({"a": "mssql://h/x"})).expect_err("scheme");
        assert!(err.to_string().contains("target `a`"), "{err}");
    }

    #[test]
    fn schemas_are_a_list_or_a_query_beside_the_url() {
        let targets = read(serde_json::json!({
            "list": {"url": "postgres://u@h/app", "schemas": ["acme", "globex"]},
            "query": {"url": "postgres://u@h/app", "schemas-query": "SELECT name FROM tenants"},
        }))
        .expect("valid");
        assert_eq!(
            targets[0].schemas,
            Some(SchemaList::Names(vec!["acme".into(), "globex".into()]))
        );
        assert_eq!(
            targets[1].schemas,
            Some(SchemaList::Query("SELECT name FROM tenants".into()))
        );
        for wrong in [
            serde_json::json!({"a": {"url": "postgres://h/x", "schemas": []}}),
            serde_json::json!({"a": {"url": "postgres://h/x", "schemas": [1]}}),
            serde_json::json!({"a": {"url": "postgres://h/x", "schemas": ["s"], "schemas-query": "q"}}),
        ] {
            assert!(
                matches!(read(wrong.clone()), Err(ConfigError::BadValue { .. })),
                "{wrong}"
            );
        }
    }
}
