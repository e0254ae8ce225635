//! The real `ebid-host` binary as a browser would run it: native messaging frames (u32 native-endian length +
//! JSON, in the protocol crate's codec) on stdin/stdout, the caller origin as argv[1], `PCSCLITE_CSOCK_NAME`
//! pointing at a private pcscd and `EBID_HOST_PROFILE_DIR` at the test card profiles. Messages are handled as JSON
//! values, so tests can send and see anything, schema or not.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ebid_protocol::framing::{encode_frame, read_frame, FrameError, Inbound};
use serde_json::Value;

use crate::{spawner, HarnessError};

/// Origin Chrome passes to the host for the project's extension: its fixed ID (`CHROME_EXTENSION_ID` in
/// host/src/admin/extension_ids.rs; host/tests/binary/callers.rs checks the two agree). The host serves only known callers, so every
/// launch must pass one.
pub const DEFAULT_ORIGIN: &str = "chrome-extension://gbhbffmnghhpjolccbflhlhkcanbdabm/";
/// The Firefox add-on ID (`FIREFOX_EXTENSION_ID` in host/src/admin/extension_ids.rs).
pub const FIREFOX_ADDON_ID: &str = "ebid-renewal@ebid.jp";
/// The host's test switch that admits `http://` loopback origins in `sign_challenge` (the replica portal runs on
/// `http://127.0.0.1`); set it only for hosts that sign for such an origin.
pub const ALLOW_LOOPBACK_ORIGINS: (&str, &str) = ("EBID_HOST_ALLOW_LOOPBACK_ORIGINS", "1");
/// The host's variable naming its card-profile directory (`PROFILE_DIR_ENV` in host/src/drivers).
pub const PROFILE_DIR_ENV: &str = "EBID_HOST_PROFILE_DIR";
/// Default wait for one message.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The card profiles of the tests: the repository's host/profiles/, which holds the test CA card's
/// (`ebid-test-ca.toml`). The host has none built in, so every host the tests run is pointed here.
pub fn test_profile_dir() -> PathBuf {
    let repository = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("tests/harness sits two levels below the repository");
    repository.join("host").join("profiles")
}

/// What the reader thread saw on the host's stdout.
#[derive(Debug)]
enum Output {
    Message(Value),
    /// A frame whose payload is not JSON.
    Invalid(Vec<u8>),
    /// A length prefix beyond [`ebid_protocol::framing::ABSURD_FRAME_BYTES`]: the stream is not native messaging.
    Garbage(u32),
    Closed,
}

/// How to run the host.
#[derive(Debug, Clone)]
pub struct HostOptions {
    pub exe: PathBuf,
    /// Private pcscd socket (`PcscDaemon::socket_path()`); `None` leaves the environment alone.
    pub pcsc_socket: Option<PathBuf>,
    /// argv after the program; browsers pass the origin (Chrome) or the manifest path + extension id (Firefox).
    /// [`HostOptions::new`] passes [`DEFAULT_ORIGIN`], a caller the host serves.
    pub args: Vec<std::ffi::OsString>,
    /// Card-profile directory ([`PROFILE_DIR_ENV`]); [`HostOptions::new`] sets [`test_profile_dir`], `None` leaves
    /// the environment alone. Set before `env`, which may override it.
    pub profile_dir: Option<PathBuf>,
    pub env: Vec<(String, String)>,
}

impl HostOptions {
    pub fn new(exe: impl Into<PathBuf>, pcsc_socket: impl Into<PathBuf>) -> Self {
        HostOptions {
            exe: exe.into(),
            pcsc_socket: Some(pcsc_socket.into()),
            args: vec![DEFAULT_ORIGIN.into()],
            profile_dir: Some(test_profile_dir()),
            env: Vec::new(),
        }
    }

    /// argv as Firefox passes it: the manifest path, then the add-on ID.
    pub fn firefox_caller(&mut self, manifest_path: &str, addon_id: &str) -> &mut Self {
        self.args = vec![manifest_path.into(), addon_id.into()];
        self
    }

    /// The loopback-origin test switch ([`ALLOW_LOOPBACK_ORIGINS`]) on.
    pub fn allow_loopback_origins(&mut self) -> &mut Self {
        let (key, value) = ALLOW_LOOPBACK_ORIGINS;
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }
}

pub struct HostProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    output: Receiver<Output>,
    stderr: Arc<Mutex<Vec<u8>>>,
    /// Messages read while `request` looked for a response, in arrival order.
    backlog: VecDeque<Value>,
    next_id: u64,
}

impl std::fmt::Debug for HostProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostProcess")
            .field("pid", &self.child.id())
            .finish_non_exhaustive()
    }
}

/// `ebid-host` next to the running test executable (`target/<profile>/` or its `deps/`), or `$EBID_HOST_BIN`.
pub fn find_host_binary() -> Result<PathBuf, HarnessError> {
    if let Some(path) = std::env::var_os("EBID_HOST_BIN") {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe()?;
    let mut dir = exe.parent();
    while let Some(d) = dir {
        let candidate = d.join("ebid-host");
        if candidate.is_file() {
            return Ok(candidate);
        }
        if d.file_name().is_some_and(|n| n == "target") {
            break;
        }
        dir = d.parent();
    }
    Err(HarnessError::Io(io::Error::new(
        io::ErrorKind::NotFound,
        format!(
            "ebid-host not found near {} (build it with `cargo build -p ebid-host` or set EBID_HOST_BIN)",
            exe.display()
        ),
    )))
}

impl HostProcess {
    /// Run `exe` with the default origin, talking to the pcscd at `pcsc_socket`.
    pub fn spawn(exe: &Path, pcsc_socket: &Path) -> Result<Self, HarnessError> {
        Self::spawn_with(&HostOptions::new(exe, pcsc_socket))
    }

    pub fn spawn_with(options: &HostOptions) -> Result<Self, HarnessError> {
        let mut command = Command::new(&options.exe);
        command
            .args(&options.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(socket) = &options.pcsc_socket {
            command.env("PCSCLITE_CSOCK_NAME", socket);
        }
        if let Some(dir) = &options.profile_dir {
            command.env(PROFILE_DIR_ENV, dir);
        }
        for (key, value) in &options.env {
            command.env(key, value);
        }
        // SAFETY: prctl only, async-signal-safe.
        unsafe {
            command.pre_exec(spawner::die_with_parent);
        }
        let mut child = spawner::spawn(command)?;
        let stdin = child.stdin.take();
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| io::Error::other("no stdout pipe"))?;
        let stderr_pipe = child
            .stderr
            .take()
            .ok_or_else(|| io::Error::other("no stderr pipe"))?;

        let (tx, rx) = channel();
        std::thread::Builder::new()
            .name("host-stdout".into())
            .spawn(move || read_frames(stdout, |output| tx.send(output).is_ok()))?;
        let stderr = Arc::new(Mutex::new(Vec::new()));
        {
            let stderr = stderr.clone();
            std::thread::Builder::new()
                .name("host-stderr".into())
                .spawn(move || {
                    let mut pipe = stderr_pipe;
                    let mut buf = [0u8; 4096];
                    while let Ok(n) = pipe.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        stderr
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .extend_from_slice(&buf[..n]);
                    }
                })?;
        }
        Ok(HostProcess {
            child,
            stdin,
            output: rx,
            stderr,
            backlog: VecDeque::new(),
            next_id: 1,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// One framed JSON message.
    pub fn send(&mut self, message: &Value) -> Result<(), HarnessError> {
        let payload =
            serde_json::to_vec(message).map_err(|e| HarnessError::Protocol(e.to_string()))?;
        self.send_frame(&payload)
    }

    /// One frame around arbitrary bytes (invalid JSON, oversize payloads …).
    pub fn send_frame(&mut self, payload: &[u8]) -> Result<(), HarnessError> {
        let frame = encode_frame(payload).map_err(|e| HarnessError::Protocol(e.to_string()))?;
        self.send_raw(&frame)
    }

    /// Bytes exactly as given, no framing (truncated frames, lying length prefixes …).
    pub fn send_raw(&mut self, bytes: &[u8]) -> Result<(), HarnessError> {
        let stdin = self.stdin.as_mut().ok_or_else(|| {
            HarnessError::Io(io::Error::new(io::ErrorKind::BrokenPipe, "stdin closed"))
        })?;
        stdin.write_all(bytes)?;
        stdin.flush()?;
        Ok(())
    }

    /// Close stdin, as the browser does when the port disconnects.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// The next message (the `hello`, responses, events — anything), oldest first.
    pub fn recv(&mut self, timeout: Duration) -> Result<Value, HarnessError> {
        if let Some(message) = self.backlog.pop_front() {
            return Ok(message);
        }
        self.recv_fresh(timeout)
    }

    fn recv_fresh(&mut self, timeout: Duration) -> Result<Value, HarnessError> {
        match self.output.recv_timeout(timeout) {
            Ok(Output::Message(value)) => Ok(value),
            Ok(Output::Invalid(bytes)) => Err(HarnessError::Protocol(format!(
                "frame is not JSON: {:?}",
                String::from_utf8_lossy(&bytes)
            ))),
            Ok(Output::Garbage(length)) => Err(HarnessError::Protocol(format!(
                "length prefix {length} is not a sane frame"
            ))),
            Ok(Output::Closed) | Err(RecvTimeoutError::Disconnected) => {
                Err(HarnessError::HostExited)
            }
            Err(RecvTimeoutError::Timeout) => Err(HarnessError::Timeout(format!(
                "a message from the host within {timeout:?}"
            ))),
        }
    }

    /// The first message for which `pick` holds; others stay queued for later `recv`s.
    pub fn recv_matching(
        &mut self,
        timeout: Duration,
        mut pick: impl FnMut(&Value) -> bool,
    ) -> Result<Value, HarnessError> {
        if let Some(index) = self.backlog.iter().position(&mut pick) {
            return Ok(self.backlog.remove(index).unwrap_or(Value::Null));
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = self.recv_fresh(left)?;
            if pick(&message) {
                return Ok(message);
            }
            self.backlog.push_back(message);
        }
    }

    /// Send `command` (an object without `id`) with a fresh id and wait for the `response`/`error` with that id.
    /// Events and other messages that arrive meanwhile stay queued.
    pub fn request(&mut self, command: Value, timeout: Duration) -> Result<Value, HarnessError> {
        let id = self.next_id;
        self.next_id += 1;
        let mut message = command;
        match message.as_object_mut() {
            Some(object) => {
                object.insert("id".into(), Value::from(id));
            }
            None => {
                return Err(HarnessError::Protocol(
                    "a request must be a JSON object".into(),
                ))
            }
        }
        self.send(&message)?;
        self.recv_matching(timeout, |m| {
            m.get("id").and_then(Value::as_u64) == Some(id)
                && matches!(
                    m.get("type").and_then(Value::as_str),
                    Some("response" | "error")
                )
        })
    }

    /// The next `event` message (queued ones first).
    pub fn next_event(&mut self, timeout: Duration) -> Result<Value, HarnessError> {
        self.recv_matching(timeout, |m| {
            m.get("type").and_then(Value::as_str) == Some("event")
        })
    }

    /// The host's stderr so far (its log).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }

    /// Wait for the process to end by itself.
    pub fn wait_exit(&mut self, timeout: Duration) -> Result<ExitStatus, HarnessError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            if Instant::now() >= deadline {
                return Err(HarnessError::Timeout(format!(
                    "the host to exit within {timeout:?}"
                )));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for HostProcess {
    fn drop(&mut self) {
        self.stdin = None;
        if !matches!(self.child.try_wait(), Ok(Some(_))) {
            self.kill();
        }
    }
}

fn read_frames(mut stdout: impl Read, mut deliver: impl FnMut(Output) -> bool) {
    loop {
        let output = match read_frame(&mut stdout, usize::MAX) {
            Ok(Inbound::Frame(payload)) => match serde_json::from_slice(&payload) {
                Ok(value) => Output::Message(value),
                Err(_) => Output::Invalid(payload),
            },
            Err(FrameError::Absurd { len }) => {
                deliver(Output::Garbage(len));
                return;
            }
            // No limit is set, so nothing is oversized; a stream cut inside a frame is as closed as an ended one.
            Ok(Inbound::End | Inbound::Oversized { .. })
            | Err(FrameError::Truncated { .. } | FrameError::Io(_)) => {
                deliver(Output::Closed);
                return;
            }
        };
        if !deliver(output) {
            return;
        }
    }
}
