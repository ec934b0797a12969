//! The run lock: an exclusive lock on `<file>.brainmig-lock` beside the database, released by the
//! operating system if the process dies, with the holder written into it for a waiting run.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::db::LockHolder;
use crate::error::DbError;

/// Locks the file beside `path`, calling `on_wait` once if another run holds it, and giving up
/// after `timeout` if one is set. The lock lasts as long as the returned file.
pub(super) async fn acquire(
    path: &Path,
    timeout: Option<Duration>,
    on_wait: impl FnOnce(LockHolder),
) -> Result<File, DbError> {
    let mut lock_path = path.to_owned().into_os_string();
    lock_path.push(".brainmig-lock");
    let lock_path = PathBuf::from(lock_path);
    let io_error = |e: std::io::Error| DbError::Query {
        doing: format!("locking `{}`", lock_path.display()),
        reason: e.to_string(),
    };
    let mut file = File::options()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&lock_path)
        .map_err(io_error)?;
    let holder = || {
        std::fs::read_to_string(&lock_path)
            .ok()
            .filter(|s| !s.trim().is_empty())
    };
    let started = Instant::now();
    let mut told = Some(on_wait);
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(std::fs::TryLockError::WouldBlock) => {}
            Err(std::fs::TryLockError::Error(e)) => return Err(io_error(e)),
        }
        if let Some(on_wait) = told.take() {
            on_wait(LockHolder {
                description: holder(),
            });
        }
        if timeout.is_some_and(|limit| started.elapsed() >= limit) {
            return Err(DbError::LockTimeout {
                waited: timeout.unwrap_or_default(),
                holder: holder(),
            });
        }
        tokio::time::sleep(crate::db::LOCK_POLL).await;
    }
    // Tell a waiting run who is holding it.
    let _ = file.set_len(0);
    let _ = writeln!(
        file,
        "cargo-brainmig (pid {}, since {})",
        std::process::id(),
        crate::scaffold::UtcTime::now().header()
    );
    Ok(file)
}

/// Empties the lock file and unlocks it.
pub(super) fn release(file: File) {
    let _ = file.set_len(0);
    let _ = file.unlock();
}
