//! The runtime half of embedding: the migration files a build script took into the binary
//! (see [`crate::build`]), parsed with the same parser the command line uses.

use std::path::PathBuf;

use crate::source::{Lexicon, MigrationSource, Parsed, parse_lenient_as};

/// Migration files compiled into the binary: `(path, text)` pairs in file-name order, as
/// [`crate::embedded_migrations!`] gives them.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedMigrations {
    files: &'static [(&'static str, &'static str)],
}

impl EmbeddedMigrations {
    /// Wraps the generated list; use [`crate::embedded_migrations!`] rather than calling this.
    pub const fn new(files: &'static [(&'static str, &'static str)]) -> Self {
        EmbeddedMigrations { files }
    }

    /// The files, `(path, text)`.
    pub fn files(&self) -> &'static [(&'static str, &'static str)] {
        self.files
    }

    /// Parses the files as `MigrationSource::load` parses a folder: usable, broken and
    /// unparsable files kept apart, for the state to report as the command line would.
    pub fn source(&self) -> MigrationSource {
        self.source_as(Lexicon::Standard)
    }

    /// [`EmbeddedMigrations::source`], split by the rules of `lexicon`: MySQL's for a MySQL
    /// database, so that the statements and checksums are the ones `cargo brainmig` computes.
    pub fn source_as(&self, lexicon: Lexicon) -> MigrationSource {
        let dir = self
            .files
            .first()
            .and_then(|(path, _)| PathBuf::from(path).parent().map(PathBuf::from))
            .unwrap_or_default();
        let mut source = MigrationSource {
            dir,
            files: Vec::with_capacity(self.files.len()),
            broken: Vec::new(),
            problems: Vec::new(),
            lexicon,
        };
        for (path, text) in self.files {
            match parse_lenient_as(&PathBuf::from(path), text.as_bytes(), lexicon) {
                Ok(Parsed::Usable(file)) => source.files.push(file),
                Ok(Parsed::Broken(file)) => source.broken.push(file),
                Err(e) => source.problems.push(e.into()),
            }
        }
        source
    }
}

/// The migrations folder that `brainmig::build::embed_migrations` embedded in this crate's
/// build script, as an [`EmbeddedMigrations`].
///
/// ```ignore
/// // build.rs
/// fn main() { brainmig::build::embed_migrations("migrations"); }
/// // src/main.rs
/// static MIGRATIONS: brainmig::embed::EmbeddedMigrations = brainmig::embedded_migrations!();
/// ```
#[macro_export]
macro_rules! embedded_migrations {
    () => {
        $crate::embed::EmbeddedMigrations::new(::core::include!(::core::concat!(
            ::core::env!("OUT_DIR"),
            "/brainmig_migrations.rs"
        )))
    };
}
