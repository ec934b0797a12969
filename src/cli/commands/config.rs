//! `cargo brainmig config`: every resolved setting and its origin; passwords masked.

use serde_json::json;

use crate::cli::Context;
use crate::config::Setting;
use crate::error::Error;
use crate::output::Format;

pub fn exec(ctx: &Context) -> Result<(), Error> {
    let c = &ctx.config;
    let (url, url_origin) = c.database_url()?;
    let path =
        |s: &Setting<std::path::PathBuf>| (s.value.display().to_string(), s.origin.to_string());
    let discovered = if c.workspace_root.is_some() {
        "cargo metadata"
    } else {
        "no cargo project: --migrations-dir"
    };
    let mut rows: Vec<(&str, String, String)> = vec![
        (
            "workspace_root",
            c.workspace_root
                .as_ref()
                .map_or("(none)".into(), |p| p.display().to_string()),
            discovered.into(),
        ),
        (
            "package",
            c.package.clone().unwrap_or_else(|| "(none)".into()),
            discovered.into(),
        ),
    ];
    let (v, o) = path(&c.migrations);
    rows.push(("migrations", v, o));
    rows.push((
        "version_table",
        c.version_table.value.clone(),
        c.version_table.origin.to_string(),
    ));
    rows.push((
        "url_env",
        c.url_env.value.clone(),
        c.url_env.origin.to_string(),
    ));
    if let Some((file, key)) = &c.app_config {
        let (v, o) = path(file);
        rows.push(("app_config", v, o));
        rows.push(("app_config_key", key.value.clone(), key.origin.to_string()));
    }
    if let Some(schema) = &c.schema {
        let (v, o) = path(schema);
        rows.push(("schema", v, o));
    }
    match &c.template {
        Some(t) => {
            let (v, o) = path(t);
            rows.push(("template", v, o));
        }
        None => rows.push((
            "template",
            "built-in (or revision.sql.tmpl in the migrations folder)".into(),
            "default".into(),
        )),
    }
    rows.push((
        "revision_style",
        format!("{:?}", c.revision_style.value).to_lowercase(),
        c.revision_style.origin.to_string(),
    ));
    rows.push(("database_url", url.redacted(), url_origin.to_string()));
    match ctx.format {
        Format::Json => {
            let map: serde_json::Map<String, serde_json::Value> = rows
                .into_iter()
                .map(|(k, v, o)| (k.to_owned(), json!({ "value": v, "origin": o })))
                .collect();
            ctx.shell.json(&serde_json::Value::Object(map));
        }
        Format::Text => {
            let text: String = rows
                .into_iter()
                .map(|(k, v, o)| format!("{k:<15} = {v}  # {o}\n"))
                .collect();
            ctx.shell.out(&text);
        }
    }
    Ok(())
}
