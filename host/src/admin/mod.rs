//! Admin subcommands for IT admins: `install`, `uninstall`, `doctor`.
//!
//! "Native host not found" from a manifest in the wrong place is the most common failure of tools like this, so
//! the locations are data ([`layout`]), every OS layout can be written into a test root (`--root`, `--os`), and
//! `doctor` names the first broken link with its fix.

pub mod card_probe;
pub mod cli;
pub mod doctor;
pub mod environment;
pub mod error;
pub mod extension_ids;
mod fs_util;
pub mod install;
pub mod layout;
pub mod manifest;
pub mod options;
pub mod record;
pub mod windows_registry;

use std::ffi::OsString;
use std::process::ExitCode;

use environment::Environment;
use error::AdminError;
use options::{Command, Options};

/// Entry point for an admin command line (`argv[1..]`, see [`cli::is_admin_launch`]): `install`, `uninstall`,
/// `doctor`, `--help`, `--version`. Usage errors exit with 2, other failures with 1.
pub fn run(args: &[OsString]) -> ExitCode {
    // Admin arguments are paths and IDs that must be used exactly as given.
    if args.iter().any(|arg| arg.to_str().is_none()) {
        eprintln!(
            "ebid-host: 引数に UTF-8 でない文字が含まれています / an argument is not valid UTF-8"
        );
        return ExitCode::from(2);
    }
    let cli = match cli::parse(args) {
        Ok(cli) => cli,
        // Help and version go to stdout with status 0; anything else is a usage error, worded below.
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => return fail(e.into()),
    };
    match options::from_cli(cli).and_then(|options| run_command(&options)) {
        Ok(code) => code,
        Err(e) => fail(e),
    }
}

fn fail(e: AdminError) -> ExitCode {
    eprintln!("ebid-host: {e}");
    ExitCode::from(e.exit_code())
}

fn run_command(options: &Options) -> Result<ExitCode, AdminError> {
    let env = Environment::new(options.os, options.root.clone(), options.home.clone())?;
    match options.command {
        Command::Install => print_lines(install::install(options, &env)?),
        Command::Uninstall => print_lines(install::uninstall(options, &env)?),
        Command::Doctor => doctor::run(options, &env),
    }
}

fn print_lines(lines: Vec<String>) -> Result<ExitCode, AdminError> {
    for line in lines {
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}
