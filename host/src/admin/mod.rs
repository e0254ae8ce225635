//! Admin subcommands for IT admins: `install`, `uninstall`, `doctor`.
//!
//! "Native host not found" from a manifest in the wrong place is the most common failure of tools like this, so
//! the locations are data ([`layout`]), every OS layout can be written into a test root (`--root`, `--os`), and
//! `doctor` names the first broken link with its fix.

pub mod card_probe;
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

use std::process::ExitCode;

use environment::Environment;
use error::AdminError;
use options::Command;

/// Entry point for `ebid-host install|uninstall|doctor ...` (`args[0]` is the subcommand).
pub fn run(args: &[String]) -> ExitCode {
    match run_command(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ebid-host: {e}");
            if matches!(e, AdminError::Usage(_)) {
                eprintln!("\n{}", options::USAGE);
            }
            ExitCode::from(e.exit_code())
        }
    }
}

fn run_command(args: &[String]) -> Result<ExitCode, AdminError> {
    let options = options::parse(args)?;
    if options.help {
        print!("{}", options::USAGE);
        return Ok(ExitCode::SUCCESS);
    }
    let env = Environment::new(options.os, options.root.clone(), options.home.clone())?;
    match options.command {
        Command::Install => print_lines(install::install(&options, &env)?),
        Command::Uninstall => print_lines(install::uninstall(&options, &env)?),
        Command::Doctor => doctor::run(&options, &env),
    }
}

fn print_lines(lines: Vec<String>) -> Result<ExitCode, AdminError> {
    for line in lines {
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}
