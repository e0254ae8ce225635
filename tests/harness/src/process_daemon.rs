//! One private pcscd for a whole test process, for tests that use libpcsclite in-process (the `pcsc` crate):
//! libpcsclite reads `PCSCLITE_CSOCK_NAME` once per process, so such tests must all share one daemon.

use std::sync::OnceLock;

use crate::{HarnessError, PcscDaemon};

static DAEMON: OnceLock<PcscDaemon> = OnceLock::new();

/// Start (once) a daemon with `n_readers` readers, point this process's libpcsclite at it, and tear it down
/// (pcscd and its temp dir) when the process exits. Later calls return the same daemon, whatever `n_readers`.
/// Call it before any PC/SC call in the process.
pub fn process_daemon(n_readers: usize) -> Result<&'static PcscDaemon, HarnessError> {
    if let Some(daemon) = DAEMON.get() {
        return Ok(daemon);
    }
    let daemon = PcscDaemon::start(n_readers)?;
    // Tests may race here; the loser's daemon is simply dropped (and stopped).
    let daemon = DAEMON.get_or_init(|| daemon);
    std::env::set_var("PCSCLITE_CSOCK_NAME", daemon.socket_path());
    // SAFETY: registering a plain extern "C" function.
    unsafe {
        libc::atexit(tear_down);
    }
    Ok(daemon)
}

extern "C" fn tear_down() {
    if let Some(daemon) = DAEMON.get() {
        daemon.kill_at_exit();
    }
}
