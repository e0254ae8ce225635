//! Every child process is spawned from one thread that lives as long as the process, so the children's
//! parent-death signal (PR_SET_PDEATHSIG, which fires when the *spawning thread* ends) kills them exactly when
//! the test process dies, even by SIGKILL, and never when a single test's thread ends.

use std::io;
use std::process::{Child, Command};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Mutex, OnceLock};

type Job = (Command, Sender<io::Result<Child>>);

fn spawner() -> &'static Mutex<Sender<Job>> {
    static SPAWNER: OnceLock<Mutex<Sender<Job>>> = OnceLock::new();
    SPAWNER.get_or_init(|| {
        let (tx, rx) = channel::<Job>();
        std::thread::Builder::new()
            .name("harness-spawner".into())
            .spawn(move || {
                for (mut command, reply) in rx {
                    let _ = reply.send(command.spawn());
                }
                // Keep the thread alive even if every sender is gone: its end would kill the children.
                loop {
                    std::thread::park();
                }
            })
            .ok(); // Without the thread, `spawn` reports "spawner thread is gone".

        Mutex::new(tx)
    })
}

/// Spawn `command` from the long-lived spawner thread.
pub fn spawn(command: Command) -> io::Result<Child> {
    let (tx, rx) = channel();
    spawner()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .send((command, tx))
        .map_err(|_| io::Error::other("harness spawner thread is gone"))?;
    rx.recv()
        .map_err(|_| io::Error::other("harness spawner thread is gone"))?
}

/// For `pre_exec`: die with the test process.
pub fn die_with_parent() -> io::Result<()> {
    // SAFETY: prctl with constant arguments; async-signal-safe.
    if unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
