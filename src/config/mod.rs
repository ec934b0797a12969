//! Discovery and settings: the cargo workspace, `[package|workspace.metadata.brainmig]`, and the
//! database URL chain (flag, environment, `.env`, app config, embedded default).
//!
//! Settings read from the process environment are read here, so the rest stays testable. Two
//! reads live where they are used: `NO_COLOR` in `main.rs` (it styles output before any config
//! exists) and `PGSSLMODE` in `db/postgres.rs` (libpq's variable, for the TLS decision).

// Without the command line (an application embedding the migrator) there is no cargo project to
// discover: only the URL types are used, and discovery's helpers would be dead code.
#![cfg_attr(not(feature = "cli"), allow(dead_code))]

#[cfg(feature = "cli")]
mod metadata_cache;
#[cfg(feature = "cli")]
mod targets;
mod url;

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

#[cfg(feature = "cli")]
pub use targets::{NamedUrl, SchemaList};
pub(crate) use url::mysql_driver_url;
pub use url::{DatabaseUrl, UrlOrigin, redact};

use crate::error::ConfigError;

/// Keys `[package|workspace.metadata.brainmig]` may hold.
pub const KEYS: &[&str] = &[
    "migrations",
    "version_table",
    "url_env",
    "app_config",
    "app_config_key",
    "template",
    "revision_style",
    "schema",
    "lint",
    "targets",
];

/// The folder of the embedded default database, beside the migrations folder.
pub const EMBEDDED_DIR: &str = ".brainmig";

/// What the command line says about where to look.
#[derive(Debug, Clone, Default)]
pub struct DiscoveryArgs {
    /// `--manifest-path`.
    pub manifest_path: Option<PathBuf>,
    /// `-p/--package`.
    pub package: Option<String>,
    /// `--migrations-dir`.
    pub migrations_dir: Option<PathBuf>,
    /// `--database-url`.
    pub database_url: Option<String>,
}

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// brainmig's default.
    Default,
    /// A command-line flag.
    CommandLine,
    /// `[workspace.metadata.brainmig]` of this manifest.
    Workspace(PathBuf),
    /// `[package.metadata.brainmig]` of this package's manifest.
    Package(PathBuf),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::CommandLine => f.write_str("command line"),
            Origin::Workspace(p) => write!(f, "[workspace.metadata.brainmig] in {}", p.display()),
            Origin::Package(p) => write!(f, "[package.metadata.brainmig] in {}", p.display()),
        }
    }
}

/// A resolved value and its origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    /// The value.
    pub value: T,
    /// Where it came from.
    pub origin: Origin,
}

/// How `new` names revisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevisionStyle {
    /// `0001`, `0002`, ...
    Sequence,
    /// `20261124103107`, the UTC time of creation.
    Timestamp,
}

/// Every resolved setting.
#[derive(Debug, Clone)]
pub struct Config {
    /// The workspace root, when there is a cargo project.
    pub workspace_root: Option<PathBuf>,
    /// Relative paths in settings and in `.env`/app-config SQLite URLs are resolved from here:
    /// the workspace root, else the current directory.
    pub base_dir: PathBuf,
    /// The selected package, if any.
    pub package: Option<String>,
    /// The migrations folder.
    pub migrations: Setting<PathBuf>,
    /// The version table, optionally schema-qualified.
    pub version_table: Setting<String>,
    /// Name of the URL environment variable.
    pub url_env: Setting<String>,
    /// The app's config file and the dotted key of the URL in it.
    pub app_config: Option<(Setting<PathBuf>, Setting<String>)>,
    /// The project's revision template.
    pub template: Option<Setting<PathBuf>>,
    /// How new revisions are numbered.
    pub revision_style: Setting<RevisionStyle>,
    /// The declarative schema file (`new --autogenerate`, `check`).
    pub schema: Option<Setting<PathBuf>>,
    /// The `lint` table as written, its full name and its Cargo.toml (read by `lint::config`).
    pub lint: Option<(Value, String, PathBuf)>,
    /// The `targets` table as written (read by [`Config::targets`]).
    targets: Option<(Value, String, PathBuf)>,
    cli_url: Option<String>,
    /// The folder brainmig was started in: relative paths in settings are shortened against it.
    cwd: PathBuf,
}

#[cfg(feature = "cli")]
/// The brainmig tables of a workspace, found through `cargo metadata` (or its cached answer).
struct Workspace {
    root: PathBuf,
    root_manifest: PathBuf,
    workspace_table: Option<Value>,
    package: Option<(String, PathBuf, Option<Value>)>,
}

impl Config {
    #[cfg(feature = "cli")]
    /// Finds the workspace (unless `--migrations-dir` is given and there is no Cargo.toml) and
    /// resolves every setting.
    pub fn discover(args: &DiscoveryArgs, cwd: &Path) -> Result<Config, ConfigError> {
        let has_manifest = args.manifest_path.is_some() || find_upward(cwd, "Cargo.toml").is_some();
        let workspace = match (&args.migrations_dir, has_manifest) {
            (Some(_), false) => None,
            (Some(_), true) => read_workspace(args, cwd).ok(),
            (None, true) => Some(read_workspace(args, cwd)?),
            (None, false) => return Err(ConfigError::NoProject(cwd.to_owned())),
        };
        let base_dir = workspace
            .as_ref()
            .map_or_else(|| cwd.to_owned(), |w| w.root.clone());
        let mut table = Layered::default();
        if let Some(ws) = &workspace {
            if let Some(v) = &ws.workspace_table {
                table.add(
                    v,
                    "workspace.metadata.brainmig",
                    Origin::Workspace(ws.root_manifest.clone()),
                )?;
            }
            if let Some((_, manifest, Some(v))) = &ws.package {
                table.add(
                    v,
                    "package.metadata.brainmig",
                    Origin::Package(manifest.clone()),
                )?;
            }
        }
        let near = |p: PathBuf| shorten(cwd, p);
        let migrations = match &args.migrations_dir {
            Some(dir) => Setting {
                value: near(cwd.join(dir)),
                origin: Origin::CommandLine,
            },
            None => table
                .string("migrations")?
                .map(|s| Setting {
                    value: near(base_dir.join(s.value)),
                    origin: s.origin,
                })
                .unwrap_or(Setting {
                    value: near(base_dir.join("migrations")),
                    origin: Origin::Default,
                }),
        };
        let version_table = table.string("version_table")?.unwrap_or(Setting {
            value: "brainmig_version".into(),
            origin: Origin::Default,
        });
        validate_table_name(&version_table.value)?;
        let url_env = table.string("url_env")?.unwrap_or(Setting {
            value: "DATABASE_URL".into(),
            origin: Origin::Default,
        });
        let app_config = match (table.string("app_config")?, table.string("app_config_key")?) {
            (Some(file), Some(key)) => Some((
                Setting {
                    value: near(base_dir.join(file.value)),
                    origin: file.origin,
                },
                key,
            )),
            (None, None) => None,
            _ => return Err(ConfigError::AppConfigIncomplete),
        };
        let template = table.string("template")?.map(|s| Setting {
            value: near(base_dir.join(s.value)),
            origin: s.origin,
        });
        let schema = table.string("schema")?.map(|s| Setting {
            value: near(base_dir.join(s.value)),
            origin: s.origin,
        });
        let revision_style = match table.string("revision_style")? {
            None => Setting {
                value: RevisionStyle::Sequence,
                origin: Origin::Default,
            },
            Some(s) => Setting {
                value: match s.value.as_str() {
                    "sequence" => RevisionStyle::Sequence,
                    "timestamp" => RevisionStyle::Timestamp,
                    _ => {
                        return Err(table.bad_value(
                            "revision_style",
                            "`sequence` or `timestamp`",
                            &s.origin,
                        ));
                    }
                },
                origin: s.origin,
            },
        };
        Ok(Config {
            package: workspace
                .as_ref()
                .and_then(|w| w.package.as_ref().map(|p| p.0.clone())),
            workspace_root: workspace.map(|w| w.root),
            base_dir,
            migrations,
            version_table,
            url_env,
            app_config,
            template,
            revision_style,
            schema,
            lint: table.raw("lint"),
            targets: table.raw("targets"),
            cli_url: args.database_url.clone(),
            cwd: cwd.to_owned(),
        })
    }

    /// The SQLite file used when no URL is configured: `.brainmig/dev.sqlite3` beside the
    /// migrations folder, where `cargo clean` does not reach (it used to live in the target
    /// directory, and a `cargo clean` silently wiped the development database).
    pub fn embedded_default_path(&self) -> PathBuf {
        let migrations = self.cwd.join(&self.migrations.value);
        migrations
            .parent()
            .unwrap_or(&migrations)
            .join(EMBEDDED_DIR)
            .join("dev.sqlite3")
    }

    #[cfg(feature = "cli")]
    /// The fleet's named targets from `[package|workspace.metadata.brainmig.targets]`, sorted
    /// by name; SQLite paths relative to the workspace root.
    pub fn targets(&self) -> Result<Vec<NamedUrl>, ConfigError> {
        targets::configured(self.targets.as_ref(), &self.base_dir)
    }

    /// Resolves the database URL: `--database-url`, then the environment variable, then `.env` at
    /// the workspace root, then the app config, then the embedded SQLite default.
    pub fn database_url(&self) -> Result<(DatabaseUrl, UrlOrigin), ConfigError> {
        let cwd = self.cwd.clone();
        let (raw, origin, base) = if let Some(url) = &self.cli_url {
            (url.clone(), UrlOrigin::CommandLine, cwd)
        } else if let Some(url) = std::env::var(&self.url_env.value)
            .ok()
            .filter(|v| !v.is_empty())
        {
            // Like `.env`: the variable is usually set once for the project, so a relative
            // SQLite path must not depend on the folder a command happens to run from.
            (
                url,
                UrlOrigin::Environment(self.url_env.value.clone()),
                self.base_dir.clone(),
            )
        } else if let Some((url, path)) = self.url_from_dotenv()? {
            (
                url,
                UrlOrigin::DotEnv(path, self.url_env.value.clone()),
                self.base_dir.clone(),
            )
        } else if let Some((file, key)) = &self.app_config {
            let url = read_app_config(&file.value, &key.value)?;
            (
                url,
                UrlOrigin::AppConfig(file.value.clone(), key.value.clone()),
                self.base_dir.clone(),
            )
        } else {
            let path = self.embedded_default_path();
            return Ok((DatabaseUrl::Sqlite(Some(path)), UrlOrigin::EmbeddedDefault));
        };
        Ok((DatabaseUrl::parse(&raw, &base, &origin)?, origin))
    }

    fn url_from_dotenv(&self) -> Result<Option<(String, PathBuf)>, ConfigError> {
        let path = self.base_dir.join(".env");
        let Ok(iter) = dotenvy::from_path_iter(&path) else {
            return Ok(None);
        };
        // Every line is read, so a broken line is reported even after the URL.
        let mut found = None;
        for item in iter {
            match item {
                Ok((key, value)) if key == self.url_env.value && !value.is_empty() => {
                    found.get_or_insert(value);
                }
                Ok(_) => {}
                Err(dotenvy::Error::LineParse(line, _)) => {
                    return Err(ConfigError::DotEnv {
                        line: line_number_of(&path, &line),
                        path,
                    });
                }
                Err(_) => return Err(ConfigError::DotEnv { path, line: 0 }),
            }
        }
        Ok(found.map(|url| (url, path)))
    }
}

/// `path` relative to `cwd` when it lies inside it, so messages show `migrations/0001_x.sql`.
fn shorten(cwd: &Path, path: PathBuf) -> PathBuf {
    match path.strip_prefix(cwd) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.to_owned(),
        _ => path,
    }
}

/// Finds the 1-based line of `needle` in the file, to point at a bad `.env` line without echoing it.
fn line_number_of(path: &Path, needle: &str) -> usize {
    let first = needle.lines().next().unwrap_or_default();
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| text.lines().position(|l| l.contains(first)).map(|i| i + 1))
        .unwrap_or(0)
}

fn read_app_config(path: &Path, key: &str) -> Result<String, ConfigError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| ConfigError::AppConfigUnreadable {
            path: path.to_owned(),
            source,
        })?;
    let table: toml::Table =
        text.parse()
            .map_err(|e: toml::de::Error| ConfigError::AppConfigParse {
                path: path.to_owned(),
                message: e.message().to_owned(),
            })?;
    let mut value: Option<&toml::Value> = None;
    for (i, part) in key.split('.').enumerate() {
        value = if i == 0 {
            table.get(part)
        } else {
            value.and_then(|v| v.get(part))
        };
    }
    match value {
        Some(toml::Value::String(s)) => Ok(s.clone()),
        _ => Err(ConfigError::AppConfigKeyMissing {
            path: path.to_owned(),
            key: key.to_owned(),
        }),
    }
}

fn find_upward(start: &Path, name: &str) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

#[cfg(feature = "cli")]
fn read_workspace(args: &DiscoveryArgs, cwd: &Path) -> Result<Workspace, ConfigError> {
    let manifest_path = args.manifest_path.as_ref().map(|path| cwd.join(path));
    let cargo_failed = |e: cargo_metadata::Error| ConfigError::CargoMetadata {
        message: first_line(&e.to_string()),
    };
    let (metadata, from_cache) =
        metadata_cache::metadata(cwd, manifest_path.as_deref()).map_err(cargo_failed)?;
    match workspace_of(&metadata, args, cwd) {
        // A member added where the cache does not look (`-p` names it): cargo knows better.
        Err(ConfigError::UnknownPackage(_)) if from_cache => {
            let metadata =
                metadata_cache::from_cargo(cwd, manifest_path.as_deref()).map_err(cargo_failed)?;
            workspace_of(&metadata, args, cwd)
        }
        found => found,
    }
}

#[cfg(feature = "cli")]
fn workspace_of(
    metadata: &cargo_metadata::Metadata,
    args: &DiscoveryArgs,
    cwd: &Path,
) -> Result<Workspace, ConfigError> {
    let root: PathBuf = metadata.workspace_root.clone().into();
    let package = select_package(metadata, args, cwd)?.map(|p| {
        let table = p.metadata.get("brainmig").cloned();
        (
            p.name.to_string(),
            PathBuf::from(p.manifest_path.clone()),
            table,
        )
    });
    Ok(Workspace {
        root_manifest: root.join("Cargo.toml"),
        workspace_table: metadata.workspace_metadata.get("brainmig").cloned(),
        package,
        root,
    })
}

fn first_line(s: &str) -> String {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(s)
        .trim()
        .trim_start_matches("error: ")
        .to_owned()
}

#[cfg(feature = "cli")]
/// `-p NAME`, else the package of `--manifest-path`, else the package whose folder holds `cwd`.
fn select_package<'m>(
    metadata: &'m cargo_metadata::Metadata,
    args: &DiscoveryArgs,
    cwd: &Path,
) -> Result<Option<&'m cargo_metadata::Package>, ConfigError> {
    let members = metadata.workspace_packages();
    if let Some(name) = &args.package {
        return members
            .into_iter()
            .find(|p| p.name.as_str() == name)
            .map(Some)
            .ok_or_else(|| ConfigError::UnknownPackage(name.clone()));
    }
    let anchor = match &args.manifest_path {
        Some(path) => cwd
            .join(path)
            .parent()
            .map(Path::to_owned)
            .unwrap_or_default(),
        None => cwd.to_owned(),
    };
    let anchor = anchor.canonicalize().unwrap_or(anchor);
    Ok(members
        .into_iter()
        .filter(|p| {
            p.manifest_path
                .parent()
                .is_some_and(|dir| anchor.starts_with(dir))
        })
        .max_by_key(|p| p.manifest_path.as_str().len()))
}

/// The package table over the workspace table.
#[derive(Default)]
struct Layered {
    layers: Vec<(Map<String, Value>, String, Origin)>,
}

impl Layered {
    fn add(&mut self, value: &Value, table: &str, origin: Origin) -> Result<(), ConfigError> {
        let manifest = match &origin {
            Origin::Workspace(p) | Origin::Package(p) => p.clone(),
            _ => PathBuf::new(),
        };
        let Value::Object(map) = value else {
            return Err(ConfigError::BadValue {
                key: table.to_owned(),
                table: table.to_owned(),
                manifest,
                expected: "a table",
            });
        };
        if let Some(key) = map.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(ConfigError::UnknownKey {
                key: key.clone(),
                table: table.to_owned(),
                manifest,
            });
        }
        // Later layers win: the package is added after the workspace.
        self.layers
            .insert(0, (map.clone(), table.to_owned(), origin));
        Ok(())
    }

    fn string(&self, key: &str) -> Result<Option<Setting<String>>, ConfigError> {
        for (map, _, origin) in &self.layers {
            match map.get(key) {
                None => continue,
                Some(Value::String(s)) => {
                    return Ok(Some(Setting {
                        value: s.clone(),
                        origin: origin.clone(),
                    }));
                }
                Some(_) => return Err(self.bad_value(key, "a string", origin)),
            }
        }
        Ok(None)
    }

    /// The value of `key` in the most specific layer that has it, with that table's name
    /// (`package.metadata.brainmig.<key>`) and Cargo.toml.
    fn raw(&self, key: &str) -> Option<(Value, String, PathBuf)> {
        self.layers.iter().find_map(|(map, table, origin)| {
            let manifest = match origin {
                Origin::Workspace(p) | Origin::Package(p) => p.clone(),
                _ => PathBuf::new(),
            };
            map.get(key)
                .map(|v| (v.clone(), format!("{table}.{key}"), manifest))
        })
    }

    fn bad_value(&self, key: &str, expected: &'static str, origin: &Origin) -> ConfigError {
        let (table, manifest) = match origin {
            Origin::Workspace(p) => ("workspace.metadata.brainmig", p.clone()),
            Origin::Package(p) => ("package.metadata.brainmig", p.clone()),
            _ => ("", PathBuf::new()),
        };
        ConfigError::BadValue {
            key: key.to_owned(),
            table: table.to_owned(),
            manifest,
            expected,
        }
    }
}

/// Accepts `name` or `schema.name`, each a plain SQL identifier.
pub(crate) fn validate_table_name(name: &str) -> Result<(), ConfigError> {
    let ident = |s: &str| {
        let mut bytes = s.bytes();
        matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
            && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && s.len() <= 63
    };
    let ok = match name.split_once('.') {
        Some((schema, table)) => ident(schema) && ident(table),
        None => ident(name),
    };
    if ok {
        Ok(())
    } else {
        Err(ConfigError::BadVersionTable(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_table_names_are_plain_identifiers() {
        for ok in ["brainmig_version", "app.versions", "_v1"] {
            assert!(validate_table_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "1abc", "a-b", "a.b.c", "x\"; drop table y; --", "a b"] {
            assert!(validate_table_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn package_keys_override_workspace_keys_and_unknown_keys_are_named() {
        let mut layered = Layered::default();
        let ws = serde_json::json!({"migrations": "db/migrations", "url_env": "APP_DB"});
        let pkg = serde_json::json!({"migrations": "pkg/migrations"});
        layered
            .add(
                &ws,
                "workspace.metadata.brainmig",
                Origin::Workspace("Cargo.toml".into()),
            )
            .expect("ok");
        layered
            .add(
                &pkg,
                "package.metadata.brainmig",
                Origin::Package("p/Cargo.toml".into()),
            )
            .expect("ok");
        let m = layered.string("migrations").expect("ok").expect("set");
        assert_eq!(m.value, "pkg/migrations");
        assert!(matches!(m.origin, Origin::Package(_)));
        assert_eq!(
            layered.string("url_env").expect("ok").expect("set").value,
            "APP_DB"
        );
        let bad = serde_json::json!({"migration": "x"});
        let err = Layered::default()
            .add(
                &bad,
                "package.metadata.brainmig",
                Origin::Package("Cargo.toml".into()),
            )
            .expect_err("unknown key");
        assert!(matches!(err, ConfigError::UnknownKey { key, .. } if key == "migration"));
    }
}
