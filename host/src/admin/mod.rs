//! Admin subcommands: install, uninstall, doctor.

use std::process::ExitCode;

pub fn run(_args: &[String]) -> ExitCode {
    eprintln!("not implemented yet");
    ExitCode::FAILURE
}
