//! A private pcscd per test run (DESIGN.md, "Private pcscd per test run"): its own temp dir, vpcd readers on
//! free ports, socket activation on DIR/pcscd.comm, and — as root — its own mount namespace with a tmpfs on
//! /run/pcscd so the system pcscd's pid file is left alone.

use std::fs;
use std::io;
use std::net::TcpListener;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use virtual_card::{InsertedCard, VirtualCard};

use crate::reader_states::{reader_states, ReaderState};
use crate::{spawner, HarnessError};

const VPCD_DRIVER: &str = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";
/// vpcd serves at most this many readers.
pub const MAX_READERS: usize = 16;
/// Reader listing normally takes ~100 ms; a slow shared machine gets more.
const READY_TIMEOUT: Duration = Duration::from_secs(10);
/// When some readers are listed and others still missing after this, a port was taken by someone else.
const PORT_CONFLICT_GRACE: Duration = Duration::from_secs(2);
const START_ATTEMPTS: usize = 4;
const POLL: Duration = Duration::from_millis(20);

/// One vpcd slot: a reader name as PC/SC lists it, and the TCP port a virtual card connects to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Slot {
    /// Full PC/SC reader name, e.g. `Virtual Reader 1 00 00`.
    pub reader: String,
    pub port: u16,
}

/// A running private pcscd. Stopped (by PID and process group) on `stop()` and on drop, panics included.
pub struct PcscDaemon {
    dir: tempfile::TempDir,
    friendly_names: Vec<String>,
    ports: Vec<u16>,
    slots: Vec<Slot>,
    child: Option<Child>,
}

impl std::fmt::Debug for PcscDaemon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscDaemon")
            .field("socket", &self.socket_path())
            .field("slots", &self.slots)
            .field("pid", &self.pid())
            .finish()
    }
}

impl PcscDaemon {
    /// `n_readers` vpcd readers named `Virtual Reader 1` …, each with two slots (`… 00 00`, `… 00 01`).
    pub fn start(n_readers: usize) -> Result<Self, HarnessError> {
        let names: Vec<String> = (1..=n_readers)
            .map(|i| format!("Virtual Reader {i}"))
            .collect();
        Self::start_named(&names)
    }

    /// Readers with the given friendly names (distinct, at most 16).
    pub fn start_named<S: AsRef<str>>(friendly_names: &[S]) -> Result<Self, HarnessError> {
        let friendly_names: Vec<String> = friendly_names
            .iter()
            .map(|s| s.as_ref().to_string())
            .collect();
        if friendly_names.is_empty() || friendly_names.len() > MAX_READERS {
            return Err(HarnessError::Pcscd(format!(
                "1 to {MAX_READERS} readers, not {}",
                friendly_names.len()
            )));
        }
        let dir = tempfile::Builder::new().prefix("ebid-pcscd-").tempdir()?;
        let mut daemon = PcscDaemon {
            dir,
            friendly_names,
            ports: Vec::new(),
            slots: Vec::new(),
            child: None,
        };
        let mut last_error = None;
        for _ in 0..START_ATTEMPTS {
            let reserved = reserve_port_pairs(daemon.friendly_names.len())?;
            daemon.ports = reserved.iter().map(|r| r.port).collect();
            daemon.slots = slots_for(&daemon.friendly_names, &daemon.ports);
            daemon.write_config()?;
            // The reservations end just before pcscd binds: the window for another process is tiny, and a
            // conflict is detected below (the reader never appears) and retried on new ports.
            drop(reserved);
            match daemon.launch() {
                Ok(()) => return Ok(daemon),
                Err(e) => {
                    daemon.stop();
                    last_error = Some(e);
                }
            }
        }
        Err(last_error.unwrap_or_else(|| HarnessError::Pcscd("could not start".into())))
    }

    /// The socket for `PCSCLITE_CSOCK_NAME`.
    pub fn socket_path(&self) -> PathBuf {
        self.dir.path().join("pcscd.comm")
    }

    /// Environment for a child process that must talk to this daemon.
    pub fn env(&self) -> (&'static str, PathBuf) {
        ("PCSCLITE_CSOCK_NAME", self.socket_path())
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// All slots, two per reader, in reader order.
    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    /// Slot `index` (0-based over all slots); panics if out of range, which is a bug in the test.
    pub fn slot(&self, index: usize) -> &Slot {
        &self.slots[index]
    }

    pub fn reader_names(&self) -> Vec<String> {
        self.slots.iter().map(|s| s.reader.clone()).collect()
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.as_mut().map(Child::try_wait), Some(Ok(None)))
    }

    /// pcscd's output so far (it runs with `--foreground`; `EBID_PCSCD_DEBUG=1` adds `--debug`).
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("pcscd.log")).unwrap_or_default()
    }

    /// What pcscd reports for every reader now.
    pub fn reader_states(&self) -> io::Result<Vec<ReaderState>> {
        reader_states(&self.socket_path())
    }

    pub fn reader_state(&self, reader: &str) -> io::Result<Option<ReaderState>> {
        Ok(self.reader_states()?.into_iter().find(|r| r.name == reader))
    }

    /// Wait until pcscd sees a card (`present`) or no card in `reader`; returns that state.
    pub fn wait_card(
        &self,
        reader: &str,
        present: bool,
        timeout: Duration,
    ) -> Result<ReaderState, HarnessError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(state)) = self.reader_state(reader) {
                if state.card_present == present {
                    return Ok(state);
                }
            }
            if Instant::now() >= deadline {
                let what = if present { "a card in" } else { "no card in" };
                return Err(HarnessError::Timeout(format!("{what} {reader}")));
            }
            std::thread::sleep(POLL);
        }
    }

    /// Puts `card` into the vpcd reader of `slot` and waits until pcscd sees it there.
    pub fn insert(
        &self,
        card: &VirtualCard,
        slot: usize,
        timeout: Duration,
    ) -> Result<InsertedCard, HarnessError> {
        let slot = self.slot(slot);
        let inserted = card
            .insert(slot.port)
            .map_err(|e| HarnessError::Card(e.to_string()))?;
        self.wait_card(&slot.reader, true, timeout)?;
        Ok(inserted)
    }

    /// Stop pcscd: SIGTERM to its process group, SIGKILL if it lingers. Clients then get SCARD_E_NO_SERVICE.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            terminate(&mut child);
        }
        let _ = fs::remove_file(self.socket_path());
    }

    /// Last-resort teardown through a shared reference (process exit): kill the group, delete the temp dir.
    pub(crate) fn kill_at_exit(&self) {
        if let Some(pid) = self.pid().and_then(|p| libc::pid_t::try_from(p).ok()) {
            // SAFETY: signalling our own child's process group.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
        let _ = fs::remove_dir_all(self.dir.path());
    }

    /// Start again with the same socket path, ports and reader names (the "pcscd restarted" case).
    pub fn restart(&mut self) -> Result<(), HarnessError> {
        self.stop();
        self.launch()
    }

    fn write_config(&self) -> io::Result<()> {
        let config_dir = self.dir.path().join("reader.conf.d");
        let driver_dir = self.dir.path().join("drivers");
        fs::create_dir_all(&config_dir)?;
        fs::create_dir_all(&driver_dir)?;
        let mut text = String::new();
        for (index, (name, port)) in self.friendly_names.iter().zip(&self.ports).enumerate() {
            // vpcd keeps its state in globals: two readers sharing one loaded copy of the driver see no cards.
            // A private copy per reader is a separate dlopen() with its own globals.
            let driver = driver_dir.join(format!("libifdvpcd-{index}.so"));
            if !driver.exists() {
                fs::copy(VPCD_DRIVER, &driver)?;
            }
            text.push_str(&format!(
                "FRIENDLYNAME \"{name}\"\nDEVICENAME /dev/null:{port}\nLIBPATH {}\nCHANNELID {port}\n\n",
                driver.display()
            ));
        }
        fs::write(config_dir.join("vpcd"), text)
    }

    fn launch(&mut self) -> Result<(), HarnessError> {
        let socket_path = self.socket_path();
        let _ = fs::remove_file(&socket_path);
        let listener = UnixListener::bind(&socket_path)?;
        let child = spawn_pcscd(self.dir.path(), &listener)?;
        // pcscd has its own copy; ours must go, or clients of a stopped pcscd would hang in our backlog.
        drop(listener);
        self.child = Some(child);
        self.wait_ready()
    }

    fn wait_ready(&mut self) -> Result<(), HarnessError> {
        let started = Instant::now();
        let expected = self.reader_names();
        loop {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                return Err(HarnessError::Pcscd(format!(
                    "exited with {status}\n{}",
                    self.log_tail()
                )));
            }
            let listed: Vec<String> = self
                .reader_states()
                .map(|states| states.into_iter().map(|s| s.name).collect())
                .unwrap_or_default();
            let missing: Vec<&String> = expected
                .iter()
                .filter(|name| !listed.contains(name))
                .collect();
            if missing.is_empty() {
                return Ok(());
            }
            let elapsed = started.elapsed();
            if (!listed.is_empty() && elapsed > PORT_CONFLICT_GRACE) || elapsed > READY_TIMEOUT {
                return Err(HarnessError::Pcscd(format!(
                    "readers {missing:?} not listed after {elapsed:?} (port taken?)\n{}",
                    self.log_tail()
                )));
            }
            std::thread::sleep(POLL);
        }
    }

    fn log_tail(&self) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for PcscDaemon {
    fn drop(&mut self) {
        self.stop();
    }
}

fn slots_for(names: &[String], ports: &[u16]) -> Vec<Slot> {
    names
        .iter()
        .zip(ports)
        .flat_map(|(name, &port)| {
            [
                Slot {
                    reader: format!("{name} 00 00"),
                    port,
                },
                Slot {
                    reader: format!("{name} 00 01"),
                    port: port + 1,
                },
            ]
        })
        .collect()
}

/// A pair of free ports PORT, PORT+1 held until dropped.
struct PortPair {
    port: u16,
    _listeners: [TcpListener; 2],
}

/// vpcd binds 0.0.0.0, so that is what must be free.
fn reserve_port_pairs(count: usize) -> io::Result<Vec<PortPair>> {
    let mut pairs = Vec::with_capacity(count);
    let mut attempts = 0;
    while pairs.len() < count {
        attempts += 1;
        if attempts > 200 {
            return Err(io::Error::other("no pair of adjacent free TCP ports found"));
        }
        let first = TcpListener::bind(("0.0.0.0", 0))?;
        let port = first.local_addr()?.port();
        let Some(next) = port.checked_add(1) else {
            continue;
        };
        if let Ok(second) = TcpListener::bind(("0.0.0.0", next)) {
            pairs.push(PortPair {
                port,
                _listeners: [first, second],
            });
        }
    }
    Ok(pairs)
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

fn spawn_pcscd(dir: &Path, listener: &UnixListener) -> Result<Child, HarnessError> {
    let config_dir = dir.join("reader.conf.d");
    let debug = if std::env::var_os("EBID_PCSCD_DEBUG").is_some() {
        " --debug"
    } else {
        ""
    };
    // `$$` is the PID pcscd will have: sh execs it (and unshare execs sh) without forking.
    let exec_pcscd =
        format!("LISTEN_PID=$$ LISTEN_FDS=1 exec pcscd --foreground{debug} --config \"$1\"");
    let mut command = if is_root() {
        let mut c = Command::new("unshare");
        c.arg("-m").arg("sh").arg("-c").arg(format!(
            "mkdir -p /run/pcscd && mount -t tmpfs tmpfs /run/pcscd && {exec_pcscd}"
        ));
        c
    } else {
        let mut c = Command::new("sh");
        c.arg("-c").arg(exec_pcscd);
        c
    };
    command.arg("pcscd-wrapper").arg(&config_dir);
    let log = fs::File::create(dir.join("pcscd.log"))?;
    command
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .env_remove("LISTEN_FDS")
        .env_remove("LISTEN_PID")
        .process_group(0);
    let fd = listener.as_raw_fd();
    // SAFETY: only async-signal-safe calls (dup2, fcntl, prctl) between fork and exec.
    unsafe {
        command.pre_exec(move || {
            put_on_fd_3(fd)?;
            spawner::die_with_parent()
        });
    }
    Ok(spawner::spawn(command)?)
}

/// Socket activation passes the listening socket as fd 3, inherited across exec.
fn put_on_fd_3(fd: RawFd) -> io::Result<()> {
    const LISTEN_FD: RawFd = 3;
    // SAFETY: plain fd syscalls on descriptors owned by this (forked) process.
    unsafe {
        if fd == LISTEN_FD {
            if libc::fcntl(fd, libc::F_SETFD, 0) == -1 {
                return Err(io::Error::last_os_error());
            }
        } else if libc::dup2(fd, LISTEN_FD) == -1 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// SIGTERM to the process group, then SIGKILL after a grace period; always reaps.
fn terminate(child: &mut Child) {
    let Ok(pid) = libc::pid_t::try_from(child.id()) else {
        let _ = child.kill();
        let _ = child.wait();
        return;
    };
    // SAFETY: signalling our own child's process group (it was made a group leader at spawn).
    unsafe {
        libc::kill(-pid, libc::SIGTERM);
    }
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    // SAFETY: as above.
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
    }
    let _ = child.wait();
}
