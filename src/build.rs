//! The build-script half of embedding: `brainmig::build::embed_migrations("migrations")` in an
//! application's `build.rs` takes its migrations folder into the binary.
//!
//! Why a build script and not a proc macro: on stable Rust a proc macro cannot tell cargo to
//! rebuild when a file is *added* to a folder, while a build script can (`rerun-if-changed` on
//! the folder). This module compiles with no feature (no sqlx, no tokio), so an app's
//! build-dependency on brainmig does not compile sqlx a second time for the host.
//!
//! It parses every file with the same parser `up` uses and writes Rust into `OUT_DIR`: a list of
//! `(path, include_str!(..))` pairs, which [`crate::embedded_migrations!`] includes, or a
//! `compile_error!` naming the file and line with `up`'s message when a file is malformed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::source::MigrationSource;

/// The file written into `OUT_DIR` and included by [`crate::embedded_migrations!`].
pub const GENERATED_FILE: &str = "brainmig_migrations.rs";

/// For `build.rs`: embeds the migrations folder `dir` (relative to the package's manifest).
///
/// A changed, added or removed file reruns the build script and rebuilds the crate. Panics only
/// when cargo's own environment (`OUT_DIR`, `CARGO_MANIFEST_DIR`) is missing or `OUT_DIR` cannot
/// be written: a malformed migration file is a compile error of the crate, not a panic here.
#[allow(
    clippy::print_stdout,
    reason = "a build script talks to cargo on stdout"
)]
pub fn embed_migrations(dir: impl AsRef<Path>) {
    let manifest_dir = PathBuf::from(env_var("CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env_var("OUT_DIR"));
    let dir = dir.as_ref();
    // A directory: cargo reruns the script when any file in it changes, appears or goes.
    println!(
        "cargo:rerun-if-changed={}",
        manifest_dir.join(dir).display()
    );
    let code = generate(&manifest_dir, dir);
    let target = out_dir.join(GENERATED_FILE);
    if let Err(e) = std::fs::write(&target, code) {
        panic!("brainmig: cannot write `{}`: {e}", target.display());
    }
}

fn env_var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("brainmig: `{name}` is not set; call embed_migrations from build.rs")
    })
}

/// The Rust text for the folder `dir`: an array expression of `(path, text)` pairs, or one
/// `compile_error!` listing every malformed file. `dir` is read as given; cargo runs a build
/// script in its package's folder, so a relative `migrations` names files `migrations/0003_x.sql`
/// in messages, as the command line run there does. `manifest_dir` makes the included paths
/// absolute, since `include!`d code resolves relative paths from `OUT_DIR`.
pub fn generate(manifest_dir: &Path, dir: &Path) -> String {
    let source = match MigrationSource::load(dir) {
        Ok(source) => source,
        Err(e) => return compile_error(&e.to_string()),
    };
    let mut problems: Vec<String> = source.problems.iter().map(ToString::to_string).collect();
    problems.extend(source.broken.iter().map(|b| b.error.to_string()));
    if !problems.is_empty() {
        return compile_error(&problems.join("\n"));
    }
    let mut code = String::from("&[\n");
    for file in &source.files {
        let absolute = manifest_dir.join(&file.path);
        // `include_str!` also tells rustc the file is an input, so an edit rebuilds the crate
        // even without the build script.
        let _ = writeln!(
            code,
            "    ({:?}, include_str!({:?})),",
            file.path.to_string_lossy(),
            absolute.to_string_lossy()
        );
    }
    code.push(']');
    code
}

fn compile_error(message: &str) -> String {
    format!("compile_error!({message:?})")
}
