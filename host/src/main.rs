//! Started by the browser (native messaging: the caller's origin is argv[1]) or by an admin with a subcommand.

use std::ffi::OsString;
use std::process::ExitCode;

fn main() -> ExitCode {
    // `args_os`: Firefox passes the manifest path, which need not be UTF-8, and `std::env::args` would panic on it
    // before the Hello. Browser launches only compare and log the arguments, so a lossy copy is enough.
    let raw: Vec<OsString> = std::env::args_os().skip(1).collect();
    let args: Vec<String> = raw
        .iter()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    match args.first().map(String::as_str) {
        Some("install" | "uninstall" | "doctor") => {
            // Admin arguments are paths and IDs that must be used exactly as given.
            if raw.iter().any(|arg| arg.to_str().is_none()) {
                eprintln!(
                    "ebid-host: 引数に UTF-8 でない文字が含まれています / an argument is not valid UTF-8"
                );
                return ExitCode::from(2);
            }
            ebid_host::admin::run(&args)
        }
        Some("--version") => {
            println!("ebid-host {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        // Chrome passes the extension origin (and on Windows a window handle); Firefox passes the manifest path and
        // the extension id. Anything else on the command line is also treated as a browser launch, whose caller
        // check (ebid_host::caller) then refuses it.
        _ => ebid_host::session::run_native_messaging(&args),
    }
}
