//! Schema-per-tenant: one PostgreSQL database whose schemas are each a target. A schema target
//! connects with `search_path` set to its schema alone (so unqualified names in revisions land
//! there, and a missing object fails instead of resolving to another tenant's), keeps its own
//! version table in that schema, and so takes a run lock of its own: schemas of one database
//! migrate side by side like separate databases.

use std::borrow::Cow;
use std::time::Duration;

use super::error::FleetError;
use super::targets::FleetTarget;
use crate::config::{Config, DatabaseUrl, NamedUrl, SchemaList};
use crate::db::{Connection, Database};
use crate::error::Error;
use crate::ops::connect::waiting_for;
use crate::output::Shell;

/// Every target of `listed`, each with schemas (its own, or `flag`'s when given) expanded into
/// one target per schema named `name/schema` (the schema alone when `name` is empty).
pub async fn expand(
    listed: Vec<NamedUrl>,
    flag: Option<&SchemaList>,
) -> Result<Vec<FleetTarget>, FleetError> {
    let mut targets = Vec::new();
    for named in listed {
        let Some(list) = flag.or(named.schemas.as_ref()) else {
            targets.push(FleetTarget::whole(named.name, named.url));
            continue;
        };
        let names = schema_names(&named, list).await?;
        for schema in names {
            let name = if named.name.is_empty() {
                schema.clone()
            } else {
                format!("{}/{schema}", named.name)
            };
            targets.push(FleetTarget {
                name,
                url: named.url.clone(),
                schema: Some(schema),
            });
        }
    }
    Ok(targets)
}

/// The schemas `list` names for `target`, each checked to be a plain identifier.
async fn schema_names(target: &NamedUrl, list: &SchemaList) -> Result<Vec<String>, FleetError> {
    let refuse = |reason: String| FleetError::Schemas {
        target: target.name.clone(),
        reason,
    };
    if !matches!(target.url, DatabaseUrl::Postgres(_)) {
        return Err(refuse("schemas need a PostgreSQL database".into()));
    }
    let names = match list {
        SchemaList::Names(names) => names.clone(),
        SchemaList::Query(sql) => query(&target.url, sql)
            .await
            .map_err(|e| refuse(format!("the schemas query failed: {e}")))?,
    };
    if let Some(bad) = names.iter().find(|n| !plain_identifier(n)) {
        return Err(refuse(format!(
            "`{bad}` is not a plain schema name (letters, digits, `_`)"
        )));
    }
    Ok(names)
}

/// The first column of `sql`'s rows on `url`.
async fn query(url: &DatabaseUrl, sql: &str) -> Result<Vec<String>, crate::error::DbError> {
    let mut conn = Connection::open(url).await?;
    let rows = conn.text_rows(sql).await;
    conn.close().await;
    Ok(rows?
        .into_iter()
        .filter_map(|row| row.into_iter().next().flatten())
        .collect())
}

/// A name we can put in `search_path` and a version table's name without surprises.
fn plain_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && name.len() <= 63
}

/// The version table of a schema target: the configured table's name, in `schema`.
pub fn version_table(configured: &str, schema: &str) -> String {
    let table = configured.rsplit('.').next().unwrap_or(configured);
    format!("{schema}.{table}")
}

/// `config` as a target sees it: for a schema, its version table in that schema.
pub fn config_for<'a>(config: &'a Config, target: &FleetTarget) -> Cow<'a, Config> {
    let Some(schema) = &target.schema else {
        return Cow::Borrowed(config);
    };
    let mut own = config.clone();
    own.version_table.value = version_table(&config.version_table.value, schema);
    Cow::Owned(own)
}

/// Creates a schema target's schema when it does not exist yet (a new tenant), before `up`;
/// looks first, so a role without `CREATE` on the database can migrate existing schemas.
pub async fn create_if_missing(
    shell: &Shell,
    wait: Option<Duration>,
    url: &DatabaseUrl,
    schema: &str,
) -> Result<(), Error> {
    let mut conn = waiting_for(shell, wait, || Connection::open(url)).await?;
    let sql = format!(
        "DO $brainmig$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = '{schema}') \
         THEN CREATE SCHEMA \"{schema}\"; END IF; END $brainmig$"
    );
    let done = conn.execute(&sql).await;
    conn.close().await;
    Ok(done.map_err(|e| e.context("creating the schema"))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schema_target_connects_with_its_search_path_and_keeps_its_own_version_table() {
        let url = DatabaseUrl::Postgres("postgres://u:pw@h:5432/app?sslmode=disable".into());
        let DatabaseUrl::Postgres(raw) = url.with_search_path("Acme_1") else {
            panic!("still postgres");
        };
        let parsed = url::Url::parse(&raw).expect("a URL");
        let options: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        assert!(options.contains(&("sslmode".into(), "disable".into())));
        assert!(options.contains(&("options".into(), "-c search_path=\"Acme_1\"".into())));
        assert_eq!(
            version_table("brainmig_version", "acme"),
            "acme.brainmig_version"
        );
        assert_eq!(version_table("ops.versions", "acme"), "acme.versions");
    }

    #[test]
    fn schema_names_must_be_plain_identifiers() {
        for ok in ["acme", "_t1", "Tenant_42"] {
            assert!(plain_identifier(ok), "{ok}");
        }
        for bad in ["", "1a", "a-b", "a.b", "x'; drop", "a\"b"] {
            assert!(!plain_identifier(bad), "{bad}");
        }
    }

    #[tokio::test]
    async fn listed_schemas_become_named_targets_and_sqlite_is_refused() {
        let pg = NamedUrl {
            name: "app".into(),
            url: DatabaseUrl::Postgres("postgres://h/app".into()),
            schemas: Some(SchemaList::Names(vec!["a".into(), "b".into()])),
        };
        let plain = NamedUrl {
            name: "other".into(),
            url: DatabaseUrl::Postgres("postgres://h/other".into()),
            schemas: None,
        };
        let targets = expand(vec![pg.clone(), plain], None)
            .await
            .expect("expanded");
        let names: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["app/a", "app/b", "other"]);
        assert_eq!(targets[1].schema.as_deref(), Some("b"));

        let flag = SchemaList::Names(vec!["bad-name".into()]);
        let err = expand(vec![pg], Some(&flag)).await.expect_err("bad name");
        assert!(matches!(err, FleetError::Schemas { .. }), "{err}");
        let sqlite = NamedUrl {
            name: "dev".into(),
            url: DatabaseUrl::Sqlite(Some("dev.db".into())),
            schemas: Some(SchemaList::Names(vec!["a".into()])),
        };
        let err = expand(vec![sqlite], None).await.expect_err("sqlite");
        assert!(err.to_string().contains("PostgreSQL"), "{err}");
    }
}
