//! The native messaging loop.

use std::process::ExitCode;

pub fn run_native_messaging(_args: &[String]) -> ExitCode {
    ExitCode::FAILURE
}
