//! How the commands that write files or show settings report: `new`, `merge`, `init`, `config`.

use serde::Serialize;

use std::path::PathBuf;

use super::{Shell, View};
use crate::config::{Config, Setting};
use crate::error::Error;
use crate::source::RevisionId;

/// A revision written by `new` or `merge`.
#[derive(Debug, Serialize)]
pub struct NewView {
    /// Its id.
    pub revision: RevisionId,
    /// Its parents.
    pub parents: Vec<RevisionId>,
    /// Its message.
    pub message: String,
    /// The file written.
    pub file: String,
}

impl View for NewView {
    fn text(&self) -> String {
        format!("{}\n", self.file)
    }

    fn status(&self, shell: &Shell) {
        let (id, message) = (&self.revision, &self.message);
        shell.status("Created", format_args!("revision {id} ({message})"));
    }
}

/// The files `renumber` rewrote.
#[derive(Debug, Serialize)]
pub struct RenumberView {
    /// Each file: its id and path before and after, and its `revises:` now.
    pub moved: Vec<crate::ops::renumber::Move>,
}

impl View for RenumberView {
    fn text(&self) -> String {
        self.moved
            .iter()
            .map(|m| format!("{}\n", m.new_file.display()))
            .collect()
    }

    fn status(&self, shell: &Shell) {
        for m in &self.moved {
            let revises: Vec<String> = m.revises.iter().map(ToString::to_string).collect();
            let id = if m.revision == m.new_revision {
                m.revision.to_string()
            } else {
                format!("{} as {}", m.revision, m.new_revision)
            };
            shell.status(
                "Renumbered",
                format_args!("{id}, now revising {}", revises.join(", ")),
            );
        }
    }
}

/// What `squash` wrote.
#[derive(Debug, Serialize)]
pub struct SquashView {
    /// The baseline's id.
    pub baseline: RevisionId,
    /// Its file.
    pub file: String,
    /// What it replaces, parents first.
    pub replaces: Vec<RevisionId>,
    /// Where the old files went; `null` when deleted.
    pub archive: Option<String>,
    /// Files whose `revises:` now names the baseline.
    pub reparented: Vec<String>,
}

impl From<crate::ops::squash::Squashed> for SquashView {
    fn from(s: crate::ops::squash::Squashed) -> Self {
        SquashView {
            baseline: s.baseline,
            file: s.file.display().to_string(),
            replaces: s.replaces,
            archive: s.archive.map(|a| a.display().to_string()),
            reparented: s
                .reparented
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
        }
    }
}

impl View for SquashView {
    fn text(&self) -> String {
        format!("{}\n", self.file)
    }

    fn status(&self, shell: &Shell) {
        shell.status(
            "Squashed",
            format_args!(
                "{} revisions into baseline {} (proven: same schema, up/down/up)",
                self.replaces.len(),
                self.baseline
            ),
        );
        match &self.archive {
            Some(dir) => shell.status("Archived", format_args!("the replaced files in {dir}")),
            None => shell.status("Deleted", "the replaced files"),
        }
    }
}

/// What `init` made, and the config to add.
#[derive(Debug, Serialize)]
pub struct InitView {
    /// The migrations folder.
    pub migrations: String,
    /// The template file.
    pub template: String,
    /// The files and folders it created or changed.
    pub created: Vec<String>,
    /// The Cargo.toml snippet.
    pub config: String,
}

impl View for InitView {
    fn text(&self) -> String {
        self.config.clone()
    }
}

/// One resolved setting and where it came from.
#[derive(Debug, Serialize)]
pub struct SettingView {
    /// Its value (a password masked).
    pub value: String,
    /// Where it came from.
    pub origin: String,
}

/// `config`: every setting, in the order shown.
#[derive(Debug)]
pub struct ConfigView {
    /// Name, value and origin of each setting.
    pub rows: Vec<(&'static str, SettingView)>,
}

impl ConfigView {
    /// Every resolved setting of `c`, with its origin.
    pub fn new(c: &Config) -> Result<Self, Error> {
        let (url, url_origin) = c.database_url()?;
        let row = |key, value: String, origin: String| (key, SettingView { value, origin });
        let path = |key, s: &Setting<PathBuf>| {
            row(key, s.value.display().to_string(), s.origin.to_string())
        };
        let discovered = if c.workspace_root.is_some() {
            "cargo metadata"
        } else {
            "no cargo project: --migrations-dir"
        };
        let root = c.workspace_root.as_ref();
        let mut rows = vec![
            row(
                "workspace_root",
                root.map_or("(none)".into(), |p| p.display().to_string()),
                discovered.into(),
            ),
            row(
                "package",
                c.package.clone().unwrap_or_else(|| "(none)".into()),
                discovered.into(),
            ),
            path("migrations", &c.migrations),
            row(
                "version_table",
                c.version_table.value.clone(),
                c.version_table.origin.to_string(),
            ),
            row(
                "url_env",
                c.url_env.value.clone(),
                c.url_env.origin.to_string(),
            ),
        ];
        if let Some((file, key)) = &c.app_config {
            rows.push(path("app_config", file));
            rows.push(row(
                "app_config_key",
                key.value.clone(),
                key.origin.to_string(),
            ));
        }
        if let Some(schema) = &c.schema {
            rows.push(path("schema", schema));
        }
        rows.push(match &c.template {
            Some(t) => path("template", t),
            None => row(
                "template",
                "built-in (or revision.sql.tmpl in the migrations folder)".into(),
                "default".into(),
            ),
        });
        rows.push(row(
            "revision_style",
            format!("{:?}", c.revision_style.value).to_lowercase(),
            c.revision_style.origin.to_string(),
        ));
        rows.push(row("database_url", url.redacted(), url_origin.to_string()));
        Ok(ConfigView { rows })
    }
}

impl Serialize for ConfigView {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.rows.len()))?;
        for (key, setting) in &self.rows {
            map.serialize_entry(key, setting)?;
        }
        map.end()
    }
}

impl View for ConfigView {
    fn text(&self) -> String {
        self.rows
            .iter()
            .map(|(k, s)| format!("{k:<15} = {}  # {}\n", s.value, s.origin))
            .collect()
    }
}
