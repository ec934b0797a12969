//! `cargo metadata --no-deps`, remembered between runs.
//!
//! Asking cargo costs 20–30 ms, a third of a `cargo brainmig current`, and its answer changes only
//! when a file it reads does: a manifest or a cargo config file. So the answer is kept in the
//! user's cache folder together with the size and modification time of each of those files (or
//! their absence), and used again while every one is unchanged. Anything unexpected (no cache
//! folder, an unreadable or older entry) means asking cargo. What it cannot see is an edit that
//! keeps a file's size and modification time (`touch -r`, or `cp -p` of a file of the same
//! size); deleting the folder clears it.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cargo_metadata::{Metadata, MetadataCommand};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Bumped whenever an entry's layout or meaning changes, so an older entry is never misread.
const FORMAT: u32 = 1;

/// A file changed this recently may have changed while cargo was reading it: an answer read
/// from such files is used once but not kept (git's "racily clean" rule).
const RACY: Duration = Duration::from_secs(3);

/// The environment variables that change cargo's answer: where its target directory and its
/// own config files are.
const CARGO_ENV: &[&str] = &["CARGO_HOME", "CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR"];

/// What the question was: the same folder and manifest under the same environment.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Question {
    cwd: PathBuf,
    manifest_path: Option<PathBuf>,
    env: Vec<(String, Option<String>)>,
}

/// A file's size and modification time, or `None` when it does not exist.
type Stamp = Option<(u128, u64)>;

#[derive(Serialize, Deserialize)]
struct Entry<'m> {
    format: u32,
    question: Question,
    watched: Vec<(PathBuf, Stamp)>,
    metadata: Cow<'m, Metadata>,
}

/// Where entries are kept: `$BRAINMIG_CACHE_DIR`, else `$XDG_CACHE_HOME/brainmig`, else
/// `~/.cache/brainmig`. `None` (no cache) when none of them is set.
fn cache_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var("BRAINMIG_CACHE_DIR") {
        return Some(dir.into());
    }
    if let Some(dir) = var("XDG_CACHE_HOME") {
        return Some(PathBuf::from(dir).join("brainmig"));
    }
    var("HOME").map(|home| PathBuf::from(home).join(".cache").join("brainmig"))
}

impl Question {
    fn new(cwd: &Path, manifest_path: Option<&Path>) -> Question {
        Question {
            cwd: cwd.to_owned(),
            manifest_path: manifest_path.map(Path::to_owned),
            env: CARGO_ENV
                .iter()
                .map(|name| (name.to_string(), std::env::var(name).ok()))
                .collect(),
        }
    }

    /// The entry's file: one per question, named by a hash of it.
    fn entry_path(&self, dir: &Path) -> PathBuf {
        let json = serde_json::to_vec(self).unwrap_or_default();
        let digest = Sha256::digest(&json);
        let name: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        dir.join(format!("metadata-{name}.json"))
    }
}

/// The metadata for `cwd` (and `--manifest-path`), from the cache when it is still valid.
/// The flag says whether it came from the cache.
pub fn metadata(
    cwd: &Path,
    manifest_path: Option<&Path>,
) -> Result<(Metadata, bool), cargo_metadata::Error> {
    match cached(cwd, manifest_path) {
        Some(metadata) => Ok((metadata, true)),
        None => Ok((from_cargo(cwd, manifest_path)?, false)),
    }
}

/// The kept answer, if there is one for this question and nothing it depends on has changed.
fn cached(cwd: &Path, manifest_path: Option<&Path>) -> Option<Metadata> {
    let question = Question::new(cwd, manifest_path);
    let text = std::fs::read(question.entry_path(&cache_dir()?)).ok()?;
    let entry: Entry = serde_json::from_slice(&text).ok()?;
    let valid = entry.format == FORMAT
        && entry.question == question
        && entry
            .watched
            .iter()
            .all(|(path, stamp)| stamp_of(path) == *stamp);
    valid.then(|| entry.metadata.into_owned())
}

/// Asks cargo, and keeps the answer unless a file it depends on changed moments ago.
pub fn from_cargo(
    cwd: &Path,
    manifest_path: Option<&Path>,
) -> Result<Metadata, cargo_metadata::Error> {
    let asked_at = SystemTime::now();
    let mut cmd = MetadataCommand::new();
    cmd.no_deps().current_dir(cwd);
    if let Some(path) = manifest_path {
        cmd.manifest_path(path);
    }
    let metadata = cmd.exec()?;
    if let Some(dir) = cache_dir() {
        keep(&dir, Question::new(cwd, manifest_path), &metadata, asked_at);
    }
    Ok(metadata)
}

fn keep(dir: &Path, question: Question, metadata: &Metadata, asked_at: SystemTime) {
    let watched: Vec<(PathBuf, Stamp)> = watched_files(&question, metadata)
        .into_iter()
        .map(|path| {
            let stamp = stamp_of(&path);
            (path, stamp)
        })
        .collect();
    let racy_from = asked_at
        .checked_sub(RACY)
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    if watched
        .iter()
        .any(|(_, stamp)| stamp.is_some_and(|(mtime, _)| mtime >= racy_from))
    {
        return;
    }
    let path = question.entry_path(dir);
    let entry = Entry {
        format: FORMAT,
        question,
        watched,
        metadata: Cow::Borrowed(metadata),
    };
    let Ok(json) = serde_json::to_vec(&entry) else {
        return;
    };
    // Written aside and renamed, so a concurrent run reads the old entry or the new one whole.
    let partial = path.with_extension(format!("{}.partial", std::process::id()));
    let written = std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&partial, json))
        .and_then(|()| std::fs::rename(&partial, &path));
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    forget_unused(dir);
}

/// Entries (and pieces of interrupted writes) not written for this long are deleted when a new
/// entry is written, so folders asked from once do not pile up; deleting a live one only costs
/// the next run in that folder a question to cargo.
const UNUSED: Duration = Duration::from_secs(30 * 24 * 3600);

fn forget_unused(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let ours = entry.file_name().to_string_lossy().starts_with("metadata-");
        let unused = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|written| now.duration_since(written).unwrap_or_default() > UNUSED);
        if ours && unused {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Every file whose change (or appearance) could change cargo's answer:
/// - `Cargo.toml` and `.cargo/config[.toml]` in the folder asked from and each one above it
///   (the manifest cargo finds, a workspace above it, the config that sets `target-dir`);
/// - the manifests above `--manifest-path`, and cargo's own config in `$CARGO_HOME`;
/// - every member's manifest.
///
/// A member added elsewhere in the workspace is not seen, and needs not be: from inside it, its
/// manifest is one of the first kind; by name, `-p` asks cargo again when the name is unknown.
fn watched_files(question: &Question, metadata: &Metadata) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in question.cwd.ancestors() {
        files.push(dir.join("Cargo.toml"));
        files.push(dir.join(".cargo").join("config.toml"));
        files.push(dir.join(".cargo").join("config"));
    }
    if let Some(manifest) = &question.manifest_path {
        let above = manifest.parent().into_iter().flat_map(Path::ancestors);
        files.extend(above.map(|dir| dir.join("Cargo.toml")));
    }
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    if let Some(home) = cargo_home {
        files.push(home.join("config.toml"));
        files.push(home.join("config"));
    }
    files.push(metadata.workspace_root.as_std_path().join("Cargo.toml"));
    files.extend(
        metadata
            .packages
            .iter()
            .map(|p| p.manifest_path.as_std_path().to_owned()),
    );
    files.sort();
    files.dedup();
    files
}

fn stamp_of(path: &Path) -> Stamp {
    let meta = std::fs::metadata(path).ok()?;
    let mtime = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    Some((mtime.as_nanos(), meta.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_and_an_existing_one_have_different_stamps() {
        let dir = std::env::temp_dir().join(format!("brainmig-stamp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("Cargo.toml");
        assert_eq!(stamp_of(&file), None);
        std::fs::write(&file, "[package]\n").expect("write");
        assert_eq!(stamp_of(&file).map(|(_, len)| len), Some(10));
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn each_question_has_its_own_entry() {
        let dir = Path::new("/cache");
        let a = Question::new(Path::new("/work/a"), None);
        let b = Question::new(Path::new("/work/b"), None);
        let a_manifest = Question::new(Path::new("/work/a"), Some(Path::new("/x/Cargo.toml")));
        assert_ne!(a.entry_path(dir), b.entry_path(dir));
        assert_ne!(a.entry_path(dir), a_manifest.entry_path(dir));
        assert_eq!(
            a.entry_path(dir),
            Question::new(Path::new("/work/a"), None).entry_path(dir)
        );
    }
}
