//! Changing several files of the migrations folder all or nothing, as near as a file system
//! allows: every new text is written beside its place first (`<name>.staged`), the files that go
//! are moved away (to the archive, or aside to be deleted) where each move can be undone, and
//! only then are the staged files renamed into place, renames within one folder that do not
//! fail in practice. A failure before that point undoes what was done, so the folder is as it
//! was. `squash` uses it; a command that rewrites several files at once should.

use std::path::{Path, PathBuf};

use crate::error::{Error, LoadError, PlanError};

/// What to do to the folder, collected first and carried out by [`Changes::apply`].
#[derive(Debug, Default)]
pub struct Changes {
    /// New or rewritten files and their full text; `true` for a file that must not exist yet.
    writes: Vec<(PathBuf, String, bool)>,
    /// Files that go: moved into the folder given, or deleted (`None`).
    removals: Vec<(PathBuf, Option<PathBuf>)>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| {
        LoadError::Io {
            path: path.to_owned(),
            source,
        }
        .into()
    }
}

/// `path` with `suffix` added to its name: where its new text waits, or where it waits to go.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(suffix);
    path.with_file_name(name)
}

impl Changes {
    /// A new file, which must not exist yet.
    pub fn create(&mut self, path: PathBuf, text: String) {
        self.writes.push((path, text, true));
    }

    /// An existing file's new text.
    pub fn rewrite(&mut self, path: PathBuf, text: String) {
        self.writes.push((path, text, false));
    }

    /// A file that goes: into folder `archive` (made if missing), or deleted.
    pub fn remove(&mut self, path: PathBuf, archive: Option<&Path>) {
        self.removals.push((path, archive.map(Path::to_owned)));
    }

    /// Carries the changes out; on an error before the staged files go into place, the folder
    /// is left as it was (an archive folder made here is removed again if still empty).
    pub fn apply(&self) -> Result<(), Error> {
        self.refuse_taken_places()?;
        let made = self.make_archives()?;
        let undo = |staged: &[PathBuf], moved: &[(PathBuf, PathBuf)]| {
            for (from, to) in moved.iter().rev() {
                let _ = std::fs::rename(to, from);
            }
            for path in staged {
                let _ = std::fs::remove_file(path);
            }
            for dir in made.iter().rev() {
                let _ = std::fs::remove_dir(dir);
            }
        };
        let mut staged = Vec::new();
        for (path, text, _) in &self.writes {
            let at = beside(path, ".staged");
            if let Err(e) = std::fs::write(&at, text).map_err(io(&at)) {
                undo(&staged, &[]);
                return Err(e);
            }
            staged.push(at);
        }
        let mut moved = Vec::new();
        for (path, archive) in &self.removals {
            let to = destination(path, archive.as_deref());
            if let Err(e) = std::fs::rename(path, &to).map_err(io(path)) {
                undo(&staged, &moved);
                return Err(e);
            }
            moved.push((path.clone(), to));
        }
        // The point of no return: renames within the folder.
        for ((path, _, _), at) in self.writes.iter().zip(&staged) {
            std::fs::rename(at, path).map_err(io(path))?;
        }
        for (path, archive) in &self.removals {
            if archive.is_none() {
                let aside = destination(path, None);
                std::fs::remove_file(&aside).map_err(io(&aside))?;
            }
        }
        Ok(())
    }

    /// Refuses, before anything is touched, a new file whose place is taken, or a file to
    /// archive whose name the archive already has.
    fn refuse_taken_places(&self) -> Result<(), Error> {
        let taken = self
            .writes
            .iter()
            .filter(|(_, _, new)| *new)
            .map(|(path, _, _)| path.clone())
            .chain(
                self.removals
                    .iter()
                    .filter(|(_, archive)| archive.is_some())
                    .map(|(path, archive)| destination(path, archive.as_deref())),
            )
            .find(|path| path.exists());
        match taken {
            Some(path) => Err(PlanError::CannotSquash(format!(
                "`{}` already exists; move it away first (nothing was written)",
                path.display()
            ))
            .into()),
            None => Ok(()),
        }
    }

    /// Makes the missing archive folders; returns those it made.
    fn make_archives(&self) -> Result<Vec<PathBuf>, Error> {
        let mut made: Vec<PathBuf> = Vec::new();
        for dir in self.removals.iter().filter_map(|(_, a)| a.as_ref()) {
            if dir.is_dir() || made.contains(dir) {
                continue;
            }
            if let Err(e) = std::fs::create_dir_all(dir).map_err(io(dir)) {
                for made in made.iter().rev() {
                    let _ = std::fs::remove_dir(made);
                }
                return Err(e);
            }
            made.push(dir.clone());
        }
        Ok(made)
    }
}

/// Where a file that goes is moved: into its archive, or aside (`.removed`) until the end.
fn destination(path: &Path, archive: Option<&Path>) -> PathBuf {
    match archive {
        Some(dir) => dir.join(path.file_name().unwrap_or_default()),
        None => beside(path, ".removed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("brainmig-staging-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("a.sql"), "a").expect("a");
        std::fs::write(dir.join("b.sql"), "b").expect("b");
        dir
    }

    fn listing(dir: &Path) -> Vec<(String, String)> {
        let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
            .expect("listed")
            .map(|e| {
                let path = e.expect("entry").path();
                let name = path
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                (
                    name,
                    std::fs::read_to_string(&path).unwrap_or_else(|_| "<dir>".into()),
                )
            })
            .collect();
        files.sort();
        files
    }

    #[test]
    fn every_change_lands_and_nothing_staged_stays_behind() {
        let dir = folder("ok");
        let mut changes = Changes::default();
        changes.create(dir.join("c.sql"), "c".into());
        changes.rewrite(dir.join("b.sql"), "b2".into());
        changes.remove(dir.join("a.sql"), None);
        changes.apply().expect("applied");
        let expected = [("b.sql".into(), "b2".into()), ("c.sql".into(), "c".into())];
        assert_eq!(listing(&dir), expected);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_failure_to_archive_leaves_the_folder_as_it_was() {
        let dir = folder("fails");
        // A file where the archive folder should be: it cannot be made.
        std::fs::write(dir.join("old"), "in the way").expect("blocker");
        let before = listing(&dir);
        let mut changes = Changes::default();
        changes.create(dir.join("c.sql"), "c".into());
        changes.rewrite(dir.join("b.sql"), "b2".into());
        changes.remove(dir.join("a.sql"), Some(&dir.join("old").join("archive")));
        assert!(changes.apply().is_err());
        assert_eq!(listing(&dir), before);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_taken_place_is_refused_before_anything_is_written() {
        let dir = folder("taken");
        let before = listing(&dir);
        let mut changes = Changes::default();
        changes.rewrite(dir.join("a.sql"), "a2".into());
        changes.create(dir.join("b.sql"), "b2".into());
        let err = changes.apply().expect_err("taken");
        assert!(err.to_string().contains("b.sql` already exists"), "{err}");
        assert_eq!(listing(&dir), before);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
