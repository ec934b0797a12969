//! Scratch databases for `test-roundtrip` (and later autogenerate): created beside the configured
//! database with a `brainmig_rt_` prefix and a random suffix, dropped afterwards, and swept by the
//! next run if a killed process left one behind. The configured database itself is never touched.
//!
//! This file names them and decides where they go; creating and dropping one is each dialect's
//! work, in its folder (`postgres/scratch.rs`; for SQLite, deleting the file and what lies beside it).

use std::path::PathBuf;

use crate::config::DatabaseUrl;
use crate::error::DbError;

/// The prefix of every scratch database brainmig creates; nothing else is ever dropped.
pub const PREFIX: &str = "brainmig_rt_";

/// A scratch database that exists until [`Scratch::drop_now`] (or is kept with `--keep`).
#[derive(Debug)]
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
    /// A SQLite file in the temporary folder.
    Sqlite {
        /// The file.
        path: PathBuf,
    },
}

impl Scratch {
    /// Creates a scratch database next to `configured`, after sweeping unused leftovers.
    pub async fn create(configured: &DatabaseUrl) -> Result<Scratch, DbError> {
        let name = format!("{PREFIX}{:x}_{}", unix_now(), random_suffix());
        match configured {
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

    /// The URL to migrate in.
    pub fn url(&self) -> DatabaseUrl {
        match self {
            Scratch::Postgres { url, .. } => DatabaseUrl::Postgres(url.clone()),
            Scratch::Sqlite { path } => DatabaseUrl::Sqlite(Some(path.clone())),
        }
    }

    /// What to tell a user who asked to keep it.
    pub fn describe(&self) -> String {
        match self {
            Scratch::Postgres { name, .. } => format!("database `{name}`"),
            Scratch::Sqlite { path } => format!("file `{}`", path.display()),
        }
    }

    /// Drops the database (or deletes the file). Failures are ignored: the next run sweeps it.
    pub async fn drop_now(self) {
        match self {
            Scratch::Postgres {
                name, admin_url, ..
            } => super::postgres::scratch::drop_database(&admin_url, &name).await,
            Scratch::Sqlite { path } => super::sqlite::delete_database_files(&path),
        }
    }
}

/// When a name brainmig generated (`brainmig_rt_<unix seconds, hex>_<16 hex digits>`) was made;
/// `None` for any other name, which is never dropped.
pub(super) fn created_at(name: &str) -> Option<u64> {
    let (time, random) = name.strip_prefix(PREFIX)?.split_once('_')?;
    let hex = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    if random.len() != 16 || !hex(random) || !hex(time) {
        return None;
    }
    u64::from_str_radix(time, 16).ok()
}

pub(super) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// 64 random bits from the standard library's randomly keyed hasher, as hex.
fn random_suffix() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.write_u32(std::process::id());
    format!("{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_generated_names_count_as_scratch() {
        let name = format!("{PREFIX}{:x}_{}", unix_now(), random_suffix());
        assert!(
            created_at(&name).is_some_and(|t| t + 5 > unix_now()),
            "{name}"
        );
        for other in [
            "brainmig_rt_",
            "brainmig_rt_mydata",
            "brainmig_rt_6740a1b2_0123456789abcdeF",
            "brainmig_rt_6740a1b2_0123456789abcdef0",
            "brainmig_rt__0123456789abcdef",
            "app",
        ] {
            assert_eq!(created_at(other), None, "{other}");
        }
        assert_ne!(random_suffix(), random_suffix());
    }
}
