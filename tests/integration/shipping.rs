//! What ships beside the binary: shell completions and man pages (generated from the clap
//! definitions, so they list every command `--help` lists), and the packaged crate's contents.

use std::path::Path;
use std::process::Command;

use clap::CommandFactory;

use crate::support::TestProject;

/// Every command a user can run, from the same definitions `--help` is made from.
fn documented_commands() -> Vec<String> {
    brainmig::cli::Cli::command()
        .get_subcommands()
        .filter(|c| !c.is_hide_set() && c.get_name() != "help")
        .map(|c| c.get_name().to_owned())
        .collect()
}

fn completions(project: &TestProject, shell: &str) -> String {
    let out = project.brainmig(["completions", shell]).success();
    assert!(
        out.stdout.contains("cargo-brainmig"),
        "{shell}: {}",
        out.stdout
    );
    out.stdout
}

/// Runs `program args... file` on the script; `None` when the shell is not installed.
fn check_syntax(program: &str, args: &[&str], script: &str, project: &TestProject) -> Option<()> {
    let file = project.path(&format!("completions.{program}"));
    std::fs::write(&file, script).unwrap();
    let out = match Command::new(program).args(args).arg(&file).output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("running {program}: {e}"),
    };
    assert!(
        out.status.success(),
        "{program} rejects the completion script:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(())
}

#[test]
fn bash_completions_parse_and_know_every_command() {
    let project = TestProject::empty();
    let script = completions(&project, "bash");
    check_syntax("bash", &["-n"], &script, &project).expect("bash is needed for this test");
    for command in documented_commands() {
        assert!(
            script.contains(&command),
            "bash completions lack `{command}`"
        );
    }
}

#[test]
fn zsh_and_fish_completions_parse_where_those_shells_exist() {
    let project = TestProject::empty();
    for (shell, args) in [("zsh", &["-n"][..]), ("fish", &["--no-execute"][..])] {
        let script = completions(&project, shell);
        if check_syntax(shell, args, &script, &project).is_none() {
            eprintln!("SKIPPED: `{shell}` is not installed; its completion script was not parsed");
        }
    }
    // No shell here to parse them, but they must be produced.
    for shell in ["powershell", "elvish"] {
        completions(&project, shell);
    }
    project.brainmig(["completions", "tcsh"]).fails_with(2);
}

#[test]
fn man_pages_list_every_command_and_each_has_its_own() {
    let project = TestProject::empty();
    let out = project.brainmig(["man", "--out", "man"]).success();
    let dir = project.path("man");
    let main = std::fs::read_to_string(dir.join("brainmig.1")).unwrap();
    let main = main.replace("\\-", "-");
    assert!(main.contains(".SH SUBCOMMANDS"), "{main}");
    let commands = documented_commands();
    assert!(commands.len() >= 20, "{commands:?}");
    for command in &commands {
        assert!(
            main.contains(&format!("brainmig-{command}(1)")),
            "brainmig.1 lacks `{command}`"
        );
        let page = dir.join(format!("brainmig-{command}.1"));
        assert!(page.exists(), "no page {}: {}", page.display(), out.stderr);
        let text = std::fs::read_to_string(&page).unwrap().replace("\\-", "-");
        assert!(
            text.contains(&format!("cargo brainmig {command}")),
            "{text}"
        );
    }
    // The hidden generator itself and clap's `help` get no page.
    assert!(!Path::new(&dir.join("brainmig-man.1")).exists());
    assert!(!Path::new(&dir.join("brainmig-help.1")).exists());
}

/// What `cargo package` puts in the published crate: what the build needs (the sources with their
/// `include_str!` inputs, the template) and the docs; never the fixtures, benchmarks, fuzz targets
/// or the integration tests, which need the repository and a server.
#[test]
fn the_package_holds_the_build_inputs_and_not_the_test_data() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["package", "--list", "--allow-dirty", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "cargo package --list: {stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    let files: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
    for needed in [
        "Cargo.toml",
        "Cargo.lock",
        "README.md",
        "src/main.rs",
        "src/lib.rs",
        "templates/revision.sql",
        "src/db/postgres/catalog.sql",
        "src/import/alembic_reader.py",
    ] {
        assert!(
            files.contains(&needed),
            "`{needed}` is not packaged: {files:?}"
        );
    }
    for left_out in [
        "fixtures/",
        "benches/",
        "fuzz/",
        "tests/",
        ".ci/",
        ".config/",
    ] {
        let found: Vec<_> = files.iter().filter(|f| f.starts_with(left_out)).collect();
        assert!(found.is_empty(), "packaged from `{left_out}`: {found:?}");
    }
}

/// The Dockerfile's build stage copies files that exist (and all that cargo needs to read the
/// manifest), builds with the Rust version the manifest asks for, and runs the binary it built.
#[test]
fn the_dockerfile_copies_what_exists_and_runs_the_built_binary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let mut copied = Vec::new();
    for line in dockerfile.lines().filter(|l| l.starts_with("COPY ")) {
        let words: Vec<&str> = line.split_whitespace().skip(1).collect();
        if words[0].starts_with("--from=") {
            continue;
        }
        for source in &words[..words.len() - 1] {
            assert!(root.join(source).exists(), "COPY of a missing `{source}`");
            copied.push(*source);
        }
    }
    // Every file the manifest names (targets' paths) must be in the build context.
    for needed in [
        "Cargo.toml",
        "Cargo.lock",
        "src",
        "templates",
        "benches",
        "tests",
    ] {
        assert!(
            copied.contains(&needed),
            "the Dockerfile does not copy `{needed}`"
        );
    }
    let rust_version = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .unwrap()
        .trim_matches('"');
    assert!(
        dockerfile.contains(&format!("ARG RUST_VERSION={rust_version}\n")),
        "the image builds with another Rust than rust-version {rust_version}"
    );
    assert!(dockerfile.contains("--bin cargo-brainmig"));
    assert!(dockerfile.contains(
        "COPY --from=build /build/target/release/cargo-brainmig /usr/local/bin/cargo-brainmig"
    ));
    assert!(dockerfile.contains(r#"ENTRYPOINT ["/usr/local/bin/cargo-brainmig"]"#));
    // The default command is one the binary accepts.
    let cmd = dockerfile
        .lines()
        .find_map(|l| l.strip_prefix("CMD "))
        .unwrap();
    let args: Vec<String> = serde_json::from_str(cmd).unwrap();
    let mut argv = vec!["cargo-brainmig".to_owned()];
    argv.extend(args);
    brainmig::cli::Cli::parse_args(argv.iter().map(Into::into))
        .unwrap_or_else(|e| panic!("CMD {cmd}: {e}"));
}

/// Builds the image and runs it. A release build of minutes that needs a container engine and
/// its registry, so it is ignored (nextest lists it as skipped) unless asked for:
/// `cargo nextest run --run-ignored only -E 'test(the_image_builds)'`.
#[test]
#[ignore = "builds the container image (minutes; needs docker or podman and its registry)"]
fn the_image_builds_where_a_container_engine_is_present() {
    let engine = ["docker", "podman"].into_iter().find(|engine| {
        Command::new(engine)
            .arg("info")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let Some(engine) = engine else {
        panic!("asked to build the image, but neither docker nor podman answers `info`");
    };
    let root = env!("CARGO_MANIFEST_DIR");
    let tag = format!("brainmig-test-{}", std::process::id());
    let built = Command::new(engine)
        .args(["build", "-t", &tag, root])
        .status()
        .unwrap();
    assert!(built.success(), "{engine} build failed");
    let help = Command::new(engine)
        .args(["run", "--rm", &tag, "--help"])
        .output()
        .unwrap();
    let _ = Command::new(engine).args(["rmi", &tag]).status();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("cargo brainmig"));
}

/// The example workflow (docs/examples/github-actions.yml) runs `check`, `lint` and
/// `test-roundtrip`, and each brainmig step is a command line the binary accepts.
#[test]
fn the_example_workflow_uses_only_commands_that_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workflow = std::fs::read_to_string(root.join("docs/examples/github-actions.yml")).unwrap();
    let mut commands = Vec::new();
    for line in workflow.lines() {
        let Some(run) = line.trim().strip_prefix("- run: cargo brainmig ") else {
            continue;
        };
        let run = run.split('#').next().unwrap();
        let mut argv = vec!["cargo-brainmig".to_owned()];
        argv.extend(run.split_whitespace().map(str::to_owned));
        brainmig::cli::Cli::parse_args(argv.iter().map(Into::into))
            .unwrap_or_else(|e| panic!("`cargo brainmig {run}`: {e}"));
        commands.push(argv[1].clone());
    }
    for needed in ["check", "lint", "test-roundtrip"] {
        assert!(
            commands.iter().any(|c| c == needed),
            "no `{needed}` step: {commands:?}"
        );
    }
    assert!(workflow.contains("services:\n      postgres:"));
    assert!(!workflow.contains('\t'), "YAML forbids tabs");
}

/// The release workflow (docs/examples/release.yml) packs each binary as the
/// `[package.metadata.binstall]` table says `cargo binstall` will look for it: its packaging step,
/// run here for this machine's target, writes the archive that `pkg-url` names, holding the binary
/// at `bin-dir`.
#[test]
fn the_release_archive_is_where_binstall_looks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workflow = std::fs::read_to_string(root.join("docs/examples/release.yml")).unwrap();
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let setting = |key: &str| -> String {
        let line = manifest
            .lines()
            .find(|l| l.starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("no `{key}` in Cargo.toml"));
        line.split('"').nth(1).unwrap().to_owned()
    };
    let target = "x86_64-unknown-linux-gnu";
    let fill = |template: &str| {
        template
            .replace("{ repo }", &setting("repository"))
            .replace("{ version }", env!("CARGO_PKG_VERSION"))
            .replace("{ name }", "cargo-brainmig")
            .replace("{ target }", target)
            .replace("{ archive-suffix }", ".tgz")
            .replace("{ bin }", "cargo-brainmig")
            .replace("{ binary-ext }", "")
    };
    assert_eq!(setting("pkg-fmt"), "tgz");
    let pkg_url = fill(&setting("pkg-url"));
    let release = format!(
        "{}/releases/download/v{}/",
        setting("repository"),
        env!("CARGO_PKG_VERSION")
    );
    let archive = pkg_url
        .strip_prefix(&release)
        .unwrap_or_else(|| panic!("{pkg_url} is not an asset of the release v<version>"));
    // The workflow releases the tag it checked against Cargo.toml's version, with every archive.
    assert!(workflow.contains(r#"test "$GITHUB_REF_NAME" = "v$version""#));
    assert!(workflow.contains(r#"gh release create "$GITHUB_REF_NAME""#));
    assert!(workflow.contains("cargo-brainmig-*.tgz"));

    let scratch = std::env::temp_dir().join(format!("brainmig-release-{}", std::process::id()));
    let built = scratch.join(format!("target/{target}/release"));
    std::fs::create_dir_all(&built).unwrap();
    // A stand-in for the release binary: what is checked is where it lands, and packing the
    // 190 MB debug build would take most of a minute.
    std::fs::write(built.join("cargo-brainmig"), "#!/bin/sh\n").unwrap();
    for file in ["README.md", "LICENSE-MIT", "LICENSE-APACHE"] {
        std::fs::copy(root.join(file), scratch.join(file)).unwrap();
    }
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &packaging_step(&workflow)])
        .env("TARGET", target)
        .current_dir(&scratch)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listing = Command::new("tar")
        .args(["tzf", archive])
        .current_dir(&scratch)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(listing.status.success(), "no archive `{archive}`");
    let listing = String::from_utf8_lossy(&listing.stdout);
    let bin_dir = fill(&setting("bin-dir"));
    assert!(
        listing.lines().any(|l| l == bin_dir),
        "`{bin_dir}` is not in `{archive}`: {listing}"
    );
}

/// The `run: |` script of the workflow's step named `Package`.
fn packaging_step(workflow: &str) -> String {
    let mut lines = workflow
        .lines()
        .skip_while(|l| l.trim() != "- name: Package")
        .skip_while(|l| l.trim() != "run: |");
    let run = lines.next().expect("a `Package` step with `run: |`");
    let indent = run.len() - run.trim_start().len();
    lines
        .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() > indent)
        .map(|l| l.trim())
        .collect::<Vec<_>>()
        .join("\n")
}
