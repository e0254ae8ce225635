//! Started by the browser (native messaging: the caller's origin is argv[1]) or by an admin with a subcommand.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("install" | "uninstall" | "doctor") => ebid_host::admin::run(&args),
        Some("--version") => {
            println!("ebid-host {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        // Chrome passes the extension origin (and on Windows a window handle); Firefox passes the manifest path and
        // the extension id. Anything else on the command line is also treated as a browser launch.
        _ => ebid_host::session::run_native_messaging(&args),
    }
}
