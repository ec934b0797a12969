//! Scratch databases for `test-roundtrip` (and later autogenerate): created beside the configured
//! database with a `brainmig_rt_` prefix and a random suffix, dropped afterwards, and swept by the
//! next run if a killed process left one behind. The configured database itself is never touched.
//!
//! This file names them, decides where they go and keeps track of them; creating, copying and
//! dropping one is each dialect's work, in its folder (`postgres/scratch.rs`, `mysql/scratch.rs`;
//! for SQLite, copying and deleting the file and what lies beside it). MySQL cannot copy one
//! ([`Scratch::can_copy`]): the round trip rebuilds there by replaying plain upgrades.

use std::path::PathBuf;
use std::sync::Mutex;

use super::scratch_name;
use crate::config::DatabaseUrl;
use crate::error::DbError;

pub use super::scratch_name::PREFIX;

/// A scratch database that exists until [`Scratch::drop_now`] (or is kept with `--keep`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scratch {
    /// A PostgreSQL database on the configured server.
    Postgres {
        /// Its name (`brainmig_rt_...`).
        name: String,
        /// A URL for it (same server, user and options as the configured one).
        url: String,
        /// The configured URL, to connect for the drop.
        admin_url: String,
    },
    /// A MySQL or MariaDB database on the configured server.
    Mysql {
        /// Its name (`brainmig_rt_...`).
        name: String,
        /// A URL for it (same server, user and options as the configured one).
        url: String,
        /// The configured URL, to connect to the server for the drop.
        admin_url: String,
    },
    /// A SQLite file in the temporary folder.
    Sqlite {
        /// The file.
        path: PathBuf,
    },
}

impl Scratch {
    /// Creates a scratch database next to `configured`, after sweeping unused leftovers.
    pub async fn create(configured: &DatabaseUrl) -> Result<Scratch, DbError> {
        let name = scratch_name::new_name();
        match configured {
            DatabaseUrl::Mysql(raw) => {
                super::mysql::scratch::create_database(raw, configured, &name).await?;
                Ok(Scratch::Mysql {
                    url: with_database(raw, &name)?,
                    name,
                    admin_url: raw.clone(),
                })
            }
            DatabaseUrl::Sqlite(_) => Ok(Scratch::Sqlite {
                path: std::env::temp_dir().join(format!("{name}.sqlite3")),
            }),
            DatabaseUrl::Postgres(raw) => {
                super::postgres::scratch::create_database(raw, configured, &name).await?;
                let mut url = url::Url::parse(raw).map_err(|e| DbError::Query {
                    doing: "building the scratch database URL".into(),
                    reason: e.to_string(),
                })?;
                url.set_path(&name);
                Ok(Scratch::Postgres {
                    name,
                    url: url.to_string(),
                    admin_url: raw.clone(),
                })
            }
        }
    }

    /// Whether a copy of it can be made ([`ScratchSet::copy`]): not on MySQL, which has no
    /// `CREATE DATABASE ... TEMPLATE`.
    pub fn can_copy(&self) -> bool {
        !matches!(self, Scratch::Mysql { .. })
    }

    /// A new name beside `self` (same server, or same folder), not created yet.
    fn sibling(&self) -> Result<Scratch, DbError> {
        let name = scratch_name::new_name();
        Ok(match self {
            Scratch::Sqlite { .. } => Scratch::Sqlite {
                path: std::env::temp_dir().join(format!("{name}.sqlite3")),
            },
            Scratch::Postgres { url, admin_url, .. } => {
                let mut sibling = url::Url::parse(url).map_err(|e| copy_failed(e.to_string()))?;
                sibling.set_path(&name);
                Scratch::Postgres {
                    name,
                    url: sibling.to_string(),
                    admin_url: admin_url.clone(),
                }
            }
            Scratch::Mysql { .. } => {
                return Err(copy_failed(
                    "MySQL has no database templates: rebuild by plain upgrades".into(),
                ));
            }
        })
    }

    /// Creates `self` holding what `template` holds, schema and rows: on PostgreSQL
    /// `CREATE DATABASE ... TEMPLATE` (nobody may be connected to `template` meanwhile), on
    /// SQLite a copy of the file (close its connection first, so nothing is left in a journal).
    async fn create_as_copy_of(&self, template: &Scratch) -> Result<(), DbError> {
        match (self, template) {
            (Scratch::Sqlite { path: copy }, Scratch::Sqlite { path }) => {
                std::fs::copy(path, copy).map_err(|e| {
                    copy_failed(format!("{} to {}: {e}", path.display(), copy.display()))
                })?;
                Ok(())
            }
            (
                Scratch::Postgres {
                    name, admin_url, ..
                },
                Scratch::Postgres { name: from, .. },
            ) => super::postgres::scratch::copy_database(admin_url, from, name)
                .await
                .map_err(copy_failed),
            _ => Err(copy_failed(
                "a copy is made on the template's own server".into(),
            )),
        }
    }

    /// The URL to migrate in.
    pub fn url(&self) -> DatabaseUrl {
        match self {
            Scratch::Postgres { url, .. } => DatabaseUrl::Postgres(url.clone()),
            Scratch::Mysql { url, .. } => DatabaseUrl::Mysql(url.clone()),
            Scratch::Sqlite { path } => DatabaseUrl::Sqlite(Some(path.clone())),
        }
    }

    /// What to tell a user who asked to keep it.
    pub fn describe(&self) -> String {
        match self {
            Scratch::Postgres { name, .. } | Scratch::Mysql { name, .. } => {
                format!("database `{name}`")
            }
            Scratch::Sqlite { path } => format!("file `{}`", path.display()),
        }
    }

    /// Drops the database (or deletes the file). Failures are ignored: the next run sweeps it.
    pub async fn drop_now(self) {
        match self {
            Scratch::Postgres {
                name, admin_url, ..
            } => super::postgres::scratch::drop_database(&admin_url, &name).await,
            Scratch::Mysql {
                name, admin_url, ..
            } => super::mysql::scratch::drop_database(&admin_url, &name).await,
            Scratch::Sqlite { path } => super::sqlite::delete_database_files(&path),
        }
    }
}

/// A copy being made in the background.
type Copying = tokio::task::JoinHandle<Result<(), DbError>>;

/// Every scratch database a command made and has not dropped yet, so that all of them go at the
/// end whatever happened (an error, Ctrl-C), and `--keep` keeps the one that matters.
#[derive(Debug, Default)]
pub struct ScratchSet {
    live: Mutex<Vec<Scratch>>,
    main: Mutex<Option<Scratch>>,
    /// Drops running in the background (a drop of a large database takes a while).
    dropping: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    /// Copies being made in the background, by the copy's name.
    copying: Mutex<Vec<(Scratch, Copying)>>,
}

impl ScratchSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// [`Scratch::create`], remembered.
    pub async fn create(&self, configured: &DatabaseUrl) -> Result<Scratch, DbError> {
        let scratch = Scratch::create(configured).await?;
        self.remember(&scratch);
        Ok(scratch)
    }

    /// A new scratch database holding what `of` holds, schema and rows (nobody may be connected
    /// to `of` meanwhile). Remembered before it is made, so an interrupted copy is dropped too.
    pub async fn copy(&self, of: &Scratch) -> Result<Scratch, DbError> {
        let scratch = of.sibling()?;
        self.remember(&scratch);
        scratch.create_as_copy_of(of).await?;
        Ok(scratch)
    }

    /// Starts making a copy of `of` in the background (nobody may connect to `of` until
    /// [`ScratchSet::copied`] says it is done) and returns its name.
    pub fn copy_in_background(&self, of: &Scratch) -> Result<Scratch, DbError> {
        let scratch = of.sibling()?;
        self.remember(&scratch);
        let (target, template) = (scratch.clone(), of.clone());
        let handle = tokio::spawn(async move { target.create_as_copy_of(&template).await });
        self.copying
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((scratch.clone(), handle));
        Ok(scratch)
    }

    /// Waits for the background copy that makes `scratch`.
    pub async fn copied(&self, scratch: &Scratch) -> Result<(), DbError> {
        let handle = {
            let mut copying = self.copying.lock().unwrap_or_else(|e| e.into_inner());
            let at = copying.iter().position(|(s, _)| s == scratch);
            at.map(|at| copying.remove(at).1)
        };
        match handle {
            Some(handle) => handle
                .await
                .unwrap_or_else(|e| Err(copy_failed(e.to_string()))),
            None => Ok(()),
        }
    }

    /// Drops `scratch` in the background (close its connections first); [`ScratchSet::finish`]
    /// waits for the drop to end.
    pub fn discard(&self, scratch: &Scratch) {
        self.lock_live().retain(|s| s != scratch);
        let handle = tokio::spawn(scratch.clone().drop_now());
        self.dropping
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(handle);
    }

    /// Marks the database whose state is the command's result: the one `--keep` keeps.
    pub fn set_main(&self, scratch: &Scratch) {
        *self.main.lock().unwrap_or_else(|e| e.into_inner()) = Some(scratch.clone());
    }

    /// Drops every database still alive, except the main one if `keep`; returns the one kept.
    pub async fn finish(&self, keep: bool) -> Option<Scratch> {
        let main = self.main.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let kept = main.filter(|_| keep);
        // A copy still being made would escape a drop issued now.
        let copying = std::mem::take(&mut *self.copying.lock().unwrap_or_else(|e| e.into_inner()));
        for (_, handle) in copying {
            let _ = handle.await;
        }
        let dropping =
            std::mem::take(&mut *self.dropping.lock().unwrap_or_else(|e| e.into_inner()));
        for handle in dropping {
            let _ = handle.await;
        }
        let live = std::mem::take(&mut *self.lock_live());
        for scratch in live {
            if Some(&scratch) != kept.as_ref() {
                scratch.drop_now().await;
            }
        }
        kept
    }

    fn remember(&self, scratch: &Scratch) {
        self.lock_live().push(scratch.clone());
    }

    fn lock_live(&self) -> std::sync::MutexGuard<'_, Vec<Scratch>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `raw` (a `mysql://` or `mariadb://` URL) with its path set to database `name`.
fn with_database(raw: &str, name: &str) -> Result<String, DbError> {
    let mut url = url::Url::parse(raw).map_err(|e| DbError::Query {
        doing: "building the scratch database URL".into(),
        reason: e.to_string(),
    })?;
    url.set_path(name);
    Ok(url.to_string())
}

fn copy_failed(reason: String) -> DbError {
    DbError::Query {
        doing: "copying the scratch database".into(),
        reason,
    }
}
