//! `init`: the migrations folder, a template to edit, `.brainmig/` in `.gitignore`, and the
//! config snippet to add.

use std::path::{Path, PathBuf};

use crate::config::{Config, EMBEDDED_DIR};
use crate::error::{Error, ScaffoldError};
use crate::ops::new::TEMPLATE_FILE;
use crate::output::{InitView, Shell};
use crate::source::template;

/// Creates what is missing, saying so on `shell`, and returns what `init` reports.
pub fn init(shell: &Shell, config: &Config) -> Result<InitView, Error> {
    let dir = &config.migrations.value;
    let mut created = Vec::new();
    if dir.is_dir() {
        shell.note(format_args!("`{}` already exists", dir.display()));
    } else {
        std::fs::create_dir_all(dir).map_err(write_error(dir))?;
        created.push(dir.display().to_string());
        shell.status(
            "Created",
            format_args!("migrations folder `{}`", dir.display()),
        );
    }
    let template_path = dir.join(TEMPLATE_FILE);
    if template_path.exists() {
        let shown = template_path.display();
        shell.note(format_args!("`{shown}` already exists; left as it is"));
    } else {
        std::fs::write(&template_path, template::BUILT_IN).map_err(write_error(&template_path))?;
        created.push(template_path.display().to_string());
        shell.status(
            "Created",
            format_args!("template `{}`", template_path.display()),
        );
    }
    if let Some(gitignore) = ignore_embedded_database(shell, &config.embedded_default_path())? {
        created.push(gitignore);
    }
    Ok(InitView {
        migrations: dir.display().to_string(),
        template: template_path.display().to_string(),
        created,
        config: snippet(&config.base_dir, dir, &template_path),
    })
}

fn write_error(path: &Path) -> impl FnOnce(std::io::Error) -> ScaffoldError + use<> {
    let path = path.to_owned();
    move |source| ScaffoldError::Write { path, source }
}

/// The config to add to Cargo.toml, with paths relative to `base`.
fn snippet(base: &Path, dir: &Path, template_path: &Path) -> String {
    let relative = |p: &Path| p.strip_prefix(base).unwrap_or(p).display().to_string();
    format!(
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
        relative(template_path),
    )
}

/// `existing` with `.brainmig/` appended, or `None` when it lists the folder already. PURE.
fn with_embedded_entry(existing: &str) -> Option<String> {
    let entry = format!("{EMBEDDED_DIR}/");
    let listed = existing.lines().any(|line| {
        let line = line.trim().trim_start_matches('/');
        line == EMBEDDED_DIR || line == entry
    });
    if listed {
        return None;
    }
    let mut text = existing.to_owned();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&format!(
        "# brainmig's embedded development database (used when no database URL is configured)\n{entry}\n"
    ));
    Some(text)
}

/// Adds `.brainmig/` (the embedded development database, beside the migrations folder) to the
/// `.gitignore` of the folder that holds it, unless it is listed already. Returns the file when
/// it was changed.
fn ignore_embedded_database(shell: &Shell, database: &Path) -> Result<Option<String>, Error> {
    let Some(folder) = database.parent().and_then(|d| d.parent()) else {
        return Ok(None);
    };
    let gitignore: PathBuf = folder.join(".gitignore");
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
    let Some(text) = with_embedded_entry(&existing) else {
        return Ok(None);
    };
    std::fs::write(&gitignore, text).map_err(write_error(&gitignore))?;
    let shown = gitignore.display();
    shell.status(
        "Updated",
        format_args!("`{shown}`: ignores `{EMBEDDED_DIR}/`"),
    );
    Ok(Some(gitignore.display().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gitignore_gains_the_embedded_folder_once() {
        let added = with_embedded_entry("target\n").expect("not listed yet");
        assert!(added.starts_with("target\n# brainmig's embedded"));
        assert!(added.ends_with(&format!("\n{EMBEDDED_DIR}/\n")));
        assert_eq!(with_embedded_entry(&added), None);
        assert!(
            with_embedded_entry("target")
                .expect("added")
                .starts_with("target\n#")
        );
        for listed in [format!("/{EMBEDDED_DIR}"), format!("  {EMBEDDED_DIR}/  ")] {
            assert_eq!(with_embedded_entry(&listed), None, "{listed}");
        }
        assert!(
            with_embedded_entry("")
                .expect("added")
                .starts_with("# brainmig")
        );
    }
}
