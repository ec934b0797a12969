//! `cargo brainmig init`: the migrations folder, a template to edit, and the config to add.

use crate::cli::Context;
use crate::config::EMBEDDED_DIR;
use crate::error::{Error, ScaffoldError};
use crate::output::Format;
use crate::source::template;

/// The project template's file name inside the migrations folder.
pub const TEMPLATE_FILE: &str = "revision.sql.tmpl";

pub fn exec(ctx: &Context) -> Result<(), Error> {
    let dir = &ctx.config.migrations.value;
    let write_error = |path: &std::path::Path| {
        let path = path.to_owned();
        move |source| ScaffoldError::Write { path, source }
    };
    let mut created = Vec::new();
    if dir.is_dir() {
        ctx.shell
            .note(format_args!("`{}` already exists", dir.display()));
    } else {
        std::fs::create_dir_all(dir).map_err(write_error(dir))?;
        created.push(dir.display().to_string());
        ctx.shell.status(
            "Created",
            format_args!("migrations folder `{}`", dir.display()),
        );
    }
    let template_path = dir.join(TEMPLATE_FILE);
    if template_path.exists() {
        ctx.shell.note(format_args!(
            "`{}` already exists; left as it is",
            template_path.display()
        ));
    } else {
        std::fs::write(&template_path, template::BUILT_IN).map_err(write_error(&template_path))?;
        created.push(template_path.display().to_string());
        ctx.shell.status(
            "Created",
            format_args!("template `{}`", template_path.display()),
        );
    }
    if let Some(gitignore) = ignore_embedded_database(ctx)? {
        created.push(gitignore);
    }
    let relative = |p: &std::path::Path| {
        p.strip_prefix(&ctx.config.base_dir)
            .unwrap_or(p)
            .display()
            .to_string()
    };
    let snippet = format!(
        "# Add to Cargo.toml ([workspace.metadata.brainmig] works too); every key is optional:\n\
         [package.metadata.brainmig]\n\
         migrations = \"{}\"\n\
         template = \"{}\"\n\
         version_table = \"brainmig_version\"\n\
         url_env = \"DATABASE_URL\"\n\
         revision_style = \"sequence\"\n\
         # app_config = \"config/app.toml\"\n\
         # app_config_key = \"database.url\"\n",
        relative(dir),
        relative(&template_path),
    );
    if ctx.format == Format::Json {
        ctx.shell.json(&serde_json::json!({
            "migrations": dir.display().to_string(),
            "template": template_path.display().to_string(),
            "created": created,
            "config": snippet,
        }));
        return Ok(());
    }
    ctx.shell.out(&snippet);
    ctx.shell
        .note("next: `cargo brainmig new -m \"initial schema\"`");
    Ok(())
}

/// Adds `.brainmig/` (the embedded development database, beside the migrations folder) to the
/// `.gitignore` of the folder that holds it, unless it is listed already. Returns the file when
/// it was changed.
fn ignore_embedded_database(ctx: &Context) -> Result<Option<String>, Error> {
    let database = ctx.config.embedded_default_path();
    let Some(folder) = database.parent().and_then(|d| d.parent()) else {
        return Ok(None);
    };
    let gitignore = folder.join(".gitignore");
    let existing = match std::fs::read_to_string(&gitignore) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(ScaffoldError::Write {
                path: gitignore,
                source,
            }
            .into());
        }
    };
    let entry = format!("{EMBEDDED_DIR}/");
    let listed = existing.lines().any(|line| {
        let line = line.trim().trim_start_matches('/');
        line == EMBEDDED_DIR || line == entry
    });
    if listed {
        return Ok(None);
    }
    let mut text = existing;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&format!(
        "# brainmig's embedded development database (used when no database URL is configured)\n{entry}\n"
    ));
    std::fs::write(&gitignore, text).map_err(|source| ScaffoldError::Write {
        path: gitignore.clone(),
        source,
    })?;
    ctx.shell.status(
        "Updated",
        format_args!("`{}`: ignores `{entry}`", gitignore.display()),
    );
    Ok(Some(gitignore.display().to_string()))
}
