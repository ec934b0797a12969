//! The migrations folder: reading every `*.sql` file in it and parsing each one.
//!
//! Parsing is pure ([`parse`]); this module only does the file-system part and gathers every
//! problem, so a user sees all broken files at once rather than one per run.

pub(crate) mod id;
pub(crate) mod lexer;
mod parse;
mod revision;
mod statements;

#[cfg(test)]
mod checksum_vectors;
pub mod template;

use std::io::Read;
use std::path::{Path, PathBuf};

pub use id::{InvalidRevisionId, RevisionId};
pub use lexer::{LexError, Lexicon, Token, TokenKind, line_of, sqlite_tokens, tokens, tokens_as};
pub use parse::{
    HEADER_KEYS, Parsed, UP_PLACEHOLDER, file_name_revision, has_placeholder, parse, parse_as,
    parse_lenient, parse_lenient_as,
};
pub use revision::{BrokenFile, RevisionFile, Section};
pub use statements::{Statement, checksum, checksum_as, split, split_and_checksum_as, split_as};

use crate::error::{LoadError, Problem};

/// The files of a migrations folder that parsed, plus the problems of those that did not.
#[derive(Debug, Clone)]
pub struct MigrationSource {
    /// The folder.
    pub dir: PathBuf,
    /// The parsed files, in file-name order.
    pub files: Vec<RevisionFile>,
    /// Files whose header parsed but whose sections did not, in file-name order: they take
    /// their place in the graph, and only running them is refused.
    pub broken: Vec<BrokenFile>,
    /// Files whose header cannot be read (or that cannot be read at all).
    pub problems: Vec<Problem>,
    /// The rules the sections were split by; SQL read back from the version table (a stored
    /// down section) is split by the same.
    pub lexicon: Lexicon,
}

impl MigrationSource {
    /// Revision ids of files that exist but could not be used, taken from their file names, so
    /// that their children are not also reported as revising a missing revision.
    pub fn broken_ids(&self) -> Vec<RevisionId> {
        self.problems
            .iter()
            .filter_map(|p| match p {
                Problem::Parse(e) => Some(e.path.as_path()),
                Problem::Unreadable { path, .. } => Some(path.as_path()),
                _ => None,
            })
            .filter_map(file_name_revision)
            .filter_map(|prefix| RevisionId::parse(prefix).ok())
            .collect()
    }

    /// Reads and parses every `*.sql` file directly inside `dir`; other files are ignored.
    pub fn load(dir: &Path) -> Result<Self, LoadError> {
        Self::load_as(dir, Lexicon::Standard)
    }

    /// [`MigrationSource::load`], splitting statements by the rules of `lexicon` (MySQL's for a
    /// MySQL database).
    pub fn load_as(dir: &Path, lexicon: Lexicon) -> Result<Self, LoadError> {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(LoadError::MissingDir(dir.to_owned()));
            }
            Err(source) => {
                return Err(LoadError::Io {
                    path: dir.to_owned(),
                    source,
                });
            }
        };
        let mut paths = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| LoadError::Io {
                path: dir.to_owned(),
                source,
            })?;
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "sql") {
                continue;
            }
            // The entry's type comes with the directory listing; only a symlink (or a file system
            // that does not say) costs a `stat` to know whether it leads to a file.
            let is_file = match entry.file_type() {
                Ok(t) if t.is_file() => true,
                Ok(t) if !t.is_symlink() => false,
                _ => path.is_file(),
            };
            if is_file {
                paths.push(path);
            }
        }
        // All in one folder, so the paths share their prefix and comparing their bytes orders
        // them by file name, much more cheaply than `Path`'s component-wise comparison.
        paths.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
        let Loaded {
            files,
            broken,
            problems,
        } = read_and_parse_all(paths, lexicon);
        Ok(MigrationSource {
            dir: dir.to_owned(),
            files,
            broken,
            problems,
            lexicon,
        })
    }
}

/// Below this many files one thread reads them all: spawning costs more than it saves.
const PARALLEL_FROM: usize = 512;

/// Reads and parses `paths`, keeping their order. Large folders are split into one contiguous
/// chunk per core: reading a file is a few system calls that dominate the cost (10,000 files took
/// about 110 ms of system time and 150 ms of parsing on one core), and files are independent.
fn read_and_parse_all(paths: Vec<PathBuf>, lexicon: Lexicon) -> Loaded {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    if threads < 2 || paths.len() < PARALLEL_FROM {
        return read_and_parse(paths, lexicon);
    }
    let chunk = paths.len().div_ceil(threads);
    let mut chunks = Vec::with_capacity(threads);
    let mut rest = paths;
    while rest.len() > chunk {
        let tail = rest.split_off(chunk);
        chunks.push(rest);
        rest = tail;
    }
    chunks.push(rest);
    let results: Vec<Loaded> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|part| scope.spawn(move || read_and_parse(part, lexicon)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut all = Loaded {
        files: Vec::with_capacity(results.iter().map(|l| l.files.len()).sum()),
        ..Loaded::default()
    };
    for part in results {
        all.files.extend(part.files);
        all.broken.extend(part.broken);
        all.problems.extend(part.problems);
    }
    all
}

/// What reading a list of files gave, each kind in file-name order.
#[derive(Default)]
struct Loaded {
    files: Vec<RevisionFile>,
    broken: Vec<BrokenFile>,
    problems: Vec<Problem>,
}

fn read_and_parse(paths: Vec<PathBuf>, lexicon: Lexicon) -> Loaded {
    let mut files = Vec::with_capacity(paths.len());
    let mut broken = Vec::new();
    let mut problems = Vec::new();
    let mut buffer = Vec::new();
    for path in paths {
        let len = match read_into(&path, &mut buffer) {
            Ok(len) => len,
            Err(e) => {
                problems.push(Problem::Unreadable {
                    path,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        match parse_lenient_as(&path, &buffer[..len], lexicon) {
            Ok(Parsed::Usable(file)) => files.push(file),
            Ok(Parsed::Broken(file)) => broken.push(file),
            Err(e) => problems.push(Problem::Parse(e)),
        }
    }
    Loaded {
        files,
        broken,
        problems,
    }
}

/// Reads the file at `path` into `buffer`, reused from file to file, and returns its length.
/// `fs::read` would also ask for the file's size first: one system call more per file, and
/// with ten thousand files system calls are most of the cost.
fn read_into(path: &Path, buffer: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut file = std::fs::File::open(path)?;
    let mut filled = 0;
    loop {
        if filled == buffer.len() {
            buffer.resize((2 * buffer.len()).max(8192), 0);
        }
        match file.read(&mut buffer[filled..]) {
            Ok(0) => return Ok(filled),
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}
