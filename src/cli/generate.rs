//! Shell completions and man pages, generated from the clap definitions at run time so they
//! can never disagree with `--help`: `completions SHELL` prints a script, the hidden `man --out
//! DIR` writes `brainmig.1` and one `brainmig-<command>.1` per command.

use std::path::{Path, PathBuf};

use clap::CommandFactory;

use super::Cli;
use crate::error::{Error, LoadError};
use crate::output::Shell;

/// The name completions are generated for: the binary cargo runs. `cargo brainmig` itself is
/// completed by cargo's own completion, which does not reach into subcommands' scripts.
const BIN_NAME: &str = "cargo-brainmig";

/// The completion script for `shell`, as text.
pub fn completions(shell: clap_complete::Shell) -> String {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, BIN_NAME, &mut script);
    String::from_utf8_lossy(&script).into_owned()
}

/// Writes the man pages into `out` (created if needed); returns the files written.
pub fn man_pages(out: &Path) -> Result<Vec<PathBuf>, Error> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| LoadError::Io { path, source }
    };
    std::fs::create_dir_all(out).map_err(io(out))?;
    // Built first, so each command's page lists the global options it accepts.
    let mut root = Cli::command().name("brainmig").bin_name("cargo brainmig");
    root.build();
    let mut pages = vec![(out.join("brainmig.1"), root.clone())];
    // clap's own `help` needs no page.
    let documented = |c: &&clap::Command| !c.is_hide_set() && c.get_name() != "help";
    for command in root.get_subcommands().filter(documented) {
        let name = format!("brainmig-{}", command.get_name());
        let page = command
            .clone()
            .name(&name)
            .bin_name(format!("cargo brainmig {}", command.get_name()));
        pages.push((out.join(format!("{name}.1")), page));
    }
    let mut written = Vec::new();
    for (path, command) in pages {
        let mut text = Vec::new();
        clap_mangen::Man::new(command)
            .render(&mut text)
            .map_err(io(&path))?;
        std::fs::write(&path, text).map_err(io(&path))?;
        written.push(path);
    }
    Ok(written)
}

/// `man`: writes the pages and names each on stderr.
pub fn write_man_pages(shell: &Shell, out: &Path) -> Result<(), Error> {
    for path in man_pages(out)? {
        shell.status("Wrote", path.display());
    }
    Ok(())
}
