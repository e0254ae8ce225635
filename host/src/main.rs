//! Started by the browser (native messaging: the caller's origin is argv[1]) or by an admin with a subcommand.

use std::ffi::OsString;
use std::process::ExitCode;

use ebid_host::admin::cli::is_admin_launch;

fn main() -> ExitCode {
    // `args_os`: Firefox passes the manifest path, which need not be UTF-8, and `std::env::args` would panic on it
    // before the Hello.
    let raw: Vec<OsString> = std::env::args_os().skip(1).collect();
    if is_admin_launch(raw.first().map(OsString::as_os_str)) {
        return ebid_host::admin::run(&raw);
    }
    // Chrome passes the extension origin (and on Windows a window handle); Firefox passes the manifest path and
    // the extension id. Anything else on the command line is also treated as a browser launch, whose caller
    // check (ebid_host::caller) then refuses it. Browser launches only compare and log the arguments, so a lossy
    // copy is enough.
    let args: Vec<String> = raw
        .iter()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    ebid_host::session::run_native_messaging(&args)
}
