//! `cargo-brainmig`: parse the command line, run it, report, exit with a documented code.

use std::process::ExitCode;

use brainmig::cli::Cli;
use brainmig::exit_code;

fn main() -> ExitCode {
    let cli = match Cli::parse_args(std::env::args_os()) {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout and usage errors to stderr.
            let _ = e.print();
            let code = if e.use_stderr() {
                exit_code::USAGE
            } else {
                exit_code::OK
            };
            if e.use_stderr() && brainmig::cli::asks_for_json(std::env::args_os()) {
                brainmig::cli::print_usage_error_json(&e);
            }
            return ExitCode::from(code);
        }
    };
    let shell = cli.shell(std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()));
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            shell.warn(format_args!("cannot start the async runtime: {e}"));
            return ExitCode::from(exit_code::FAILURE);
        }
    };
    match runtime.block_on(cli.run(shell.clone())) {
        Ok(()) => {
            shell.finish(None);
            ExitCode::from(exit_code::OK)
        }
        Err(e) => {
            shell.error(&e);
            shell.finish(Some(&e));
            ExitCode::from(e.exit_code())
        }
    }
}
