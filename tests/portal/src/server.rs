//! The running portal: a small pool of threads serving tiny_http requests and handing them to `routes`.

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use time::OffsetDateTime;

use crate::certificate::parse_x509;
use crate::http::Reply;
use crate::outbox::{Mail, Outbox};
use crate::refusal::Refusal;
use crate::registry::{
    NewUser, PendingRegistration, PendingRenewal, Registry, RegistryError, RosterEntry, User,
};
use crate::renewal::Checks;
use crate::roster::Roster;
use crate::sessions::{session_cookie, Session, Sessions, COOKIE_NAME};
use crate::{paths, routes};

/// Request bodies above this are refused with 413: a real submission is about 4 KiB.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
const WORKERS: usize = 4;

#[derive(Debug, Clone, Default)]
pub struct PortalConfig {
    /// Where `registrations.json` and `outbox.jsonl` live.
    pub data_dir: PathBuf,
    /// DER of the CA certificates new cards may be issued by (at least one).
    pub ca_certificates: Vec<Vec<u8>>,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// The origin the cards' signatures must bind, and the only `Origin` the renewal endpoints accept; defaults to
    /// `http://127.0.0.1:<port>`.
    pub origin: Option<String>,
    /// Test-only: serve HTML pages without `Content-Security-Policy: frame-ancestors 'self'` and
    /// `X-Frame-Options: SAMEORIGIN`, so a test can prove the extension does not rely on them.
    pub allow_framing: bool,
}

#[derive(Debug)]
pub enum PortalError {
    /// The CA certificate is not a DER X.509 certificate.
    BadCaCertificate,
    Registry(RegistryError),
    /// The port could not be bound.
    Bind(String),
}

impl std::fmt::Display for PortalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PortalError::BadCaCertificate => write!(
                f,
                "the CA certificate is not a DER or PEM X.509 certificate"
            ),
            PortalError::Registry(e) => write!(f, "{e}"),
            PortalError::Bind(e) => write!(f, "cannot listen on 127.0.0.1: {e}"),
        }
    }
}

impl std::error::Error for PortalError {}

impl From<RegistryError> for PortalError {
    fn from(e: RegistryError) -> Self {
        PortalError::Registry(e)
    }
}

pub struct Portal;

impl Portal {
    /// Starts serving on 127.0.0.1; returns once the port is bound.
    pub fn start(config: PortalConfig) -> Result<RunningPortal, PortalError> {
        if config.ca_certificates.is_empty()
            || config
                .ca_certificates
                .iter()
                .any(|der| parse_x509(der).is_err())
        {
            return Err(PortalError::BadCaCertificate);
        }
        let registry = Registry::open(&config.data_dir)?;
        let roster = Roster::open(&config.data_dir)?;
        let server = tiny_http::Server::http(("127.0.0.1", config.port))
            .map_err(|e| PortalError::Bind(e.to_string()))?;
        let port = server
            .server_addr()
            .to_ip()
            .map(|a| a.port())
            .unwrap_or(config.port);
        let origin = config
            .origin
            .clone()
            .unwrap_or_else(|| format!("http://127.0.0.1:{port}"));
        let state = Arc::new(State {
            origin,
            allow_framing: config.allow_framing,
            data_dir: config.data_dir.clone(),
            ca_certificates: config.ca_certificates.clone(),
            registry: Mutex::new(registry),
            roster: Mutex::new(roster),
            outbox: Outbox::new(&config.data_dir),
            sessions: Mutex::new(Sessions::default()),
        });
        let server = Arc::new(server);
        let stopping = Arc::new(AtomicBool::new(false));
        let workers = (0..WORKERS)
            .map(|_| {
                let (server, state, stopping) = (server.clone(), state.clone(), stopping.clone());
                std::thread::spawn(move || serve(&server, &state, &stopping))
            })
            .collect();
        Ok(RunningPortal {
            state,
            stopping,
            workers,
            port,
            data_dir: config.data_dir,
        })
    }

    /// Registers a user in the store of `data_dir` without a running portal (the CLI's `--register`).
    pub fn register(data_dir: &Path, user: &NewUser) -> Result<String, RegistryError> {
        Registry::open(data_dir)?.register(user)
    }

    /// Adds a 名簿 entry to `data_dir` without a running portal (the CLI's `--roster`).
    pub fn add_roster(data_dir: &Path, entry: &RosterEntry) -> Result<(), RegistryError> {
        Roster::open(data_dir)?.add(entry)
    }
}

pub struct RunningPortal {
    state: Arc<State>,
    stopping: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
    port: u16,
    pub data_dir: PathBuf,
}

impl RunningPortal {
    /// `http://127.0.0.1:<port>` unless configured otherwise: what signatures must bind.
    pub fn origin(&self) -> &str {
        &self.state.origin
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Absolute URL of `path` on this portal (always 127.0.0.1, whatever the configured origin).
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    pub fn register(&self, user: &NewUser) -> Result<String, RegistryError> {
        self.state.registry().register(user)
    }

    pub fn users(&self) -> Vec<User> {
        self.state.registry().users().to_vec()
    }

    pub fn user(&self, id: &str) -> Option<User> {
        self.state.registry().user(id).cloned()
    }

    pub fn pending(&self) -> Vec<PendingRenewal> {
        self.state.registry().pending().to_vec()
    }

    /// Registrations held for review (仮登録).
    pub fn registrations_pending(&self) -> Vec<PendingRegistration> {
        self.state.registry().pending_registrations().to_vec()
    }

    /// Adds (or replaces, by 業者番号) a 入札参加資格者名簿 entry.
    pub fn add_roster(&self, entry: &RosterEntry) -> Result<(), RegistryError> {
        self.state.roster().add(entry)
    }

    pub fn roster(&self) -> Vec<RosterEntry> {
        self.state.roster().entries().to_vec()
    }

    pub fn mail_outbox(&self) -> Vec<Mail> {
        self.state.outbox.all()
    }

    /// Blocks until the portal stops (the binary runs until killed).
    pub fn wait(mut self) {
        for worker in std::mem::take(&mut self.workers) {
            let _ = worker.join();
        }
    }

    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        for worker in std::mem::take(&mut self.workers) {
            let _ = worker.join();
        }
    }
}

impl Drop for RunningPortal {
    fn drop(&mut self) {
        self.shut_down();
    }
}

pub(crate) struct State {
    pub origin: String,
    allow_framing: bool,
    pub data_dir: PathBuf,
    pub ca_certificates: Vec<Vec<u8>>,
    registry: Mutex<Registry>,
    roster: Mutex<Roster>,
    pub outbox: Outbox,
    sessions: Mutex<Sessions>,
}

impl State {
    /// A panicking request must not take the portal down with a poisoned lock.
    pub fn registry(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn roster(&self) -> MutexGuard<'_, Roster> {
        self.roster.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the session `id` (created afresh if it expired meanwhile: then it holds nothing).
    pub fn with_session<T>(&self, id: &str, f: impl FnOnce(&mut Session) -> T) -> T {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let (_, _, session) = sessions.get_or_create(Some(id));
        f(session)
    }

    pub fn checks(&self) -> Checks<'_> {
        Checks {
            origin: &self.origin,
            ca_certificates: &self.ca_certificates,
            now: OffsetDateTime::now_utc(),
        }
    }
}

fn serve(server: &tiny_http::Server, state: &State, stopping: &AtomicBool) {
    while !stopping.load(Ordering::SeqCst) {
        let request = match server.recv_timeout(Duration::from_millis(100)) {
            Ok(Some(request)) => request,
            Ok(None) => continue,
            Err(_) => break,
        };
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| respond(state, request)));
    }
}

/// What the router needs from a request.
pub(crate) struct Incoming {
    pub method: tiny_http::Method,
    pub path: String,
    pub query: String,
    /// The session; `None` only on the JSON endpoints, which never create one (a cookie the portal does not
    /// know is no session).
    pub session_id: Option<String>,
    new_session: bool,
    pub remote: Option<SocketAddr>,
    /// Every `Origin` header value sent.
    pub origins: Vec<String>,
    pub body: Vec<u8>,
}

impl Incoming {
    /// The session of a page request (always present there).
    pub fn session(&self) -> &str {
        self.session_id.as_deref().unwrap_or_default()
    }

    /// True when an `Origin` header names another site (CSRF); no header at all is not foreign.
    pub fn has_foreign_origin(&self, origin: &str) -> bool {
        self.origins.iter().any(|sent| sent != origin)
    }
}

/// The JSON endpoints: they answer JSON even to an oversized body.
fn is_api(path: &str) -> bool {
    paths::is_json_endpoint(path)
}

fn respond(state: &State, mut request: tiny_http::Request) {
    let reply = match read_incoming(state, &mut request) {
        Ok(incoming) => {
            let cookie = incoming
                .session_id
                .as_deref()
                .filter(|_| incoming.new_session)
                .map(|id| format!("{COOKIE_NAME}={id}; Path=/; HttpOnly; SameSite=Lax"));
            let reply = routes::route(state, &incoming);
            match cookie {
                Some(cookie) => reply.with_header("Set-Cookie", cookie),
                None => reply,
            }
        }
        Err(reply) => reply,
    };
    let reply = if reply.is_html() && !state.allow_framing {
        reply
            .with_header("Content-Security-Policy", "frame-ancestors 'self'".into())
            .with_header("X-Frame-Options", "SAMEORIGIN".into())
    } else {
        reply
    };
    let mut response = tiny_http::Response::from_data(reply.body).with_status_code(reply.status);
    for (name, value) in reply.headers {
        if let Ok(header) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(header);
        }
    }
    let _ = request.respond(response);
}

fn read_incoming(state: &State, request: &mut tiny_http::Request) -> Result<Incoming, Reply> {
    let url = request.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
    let api = is_api(path);
    let too_large = || {
        if api {
            Reply::refusal_json(&Refusal::TooLarge)
        } else {
            Reply::refusal_page(&Refusal::TooLarge, paths::MENU, "利用者登録メニューへ戻る")
        }
    };
    let declared = request.body_length().unwrap_or(0);
    if declared > MAX_BODY_BYTES {
        return Err(too_large());
    }
    let mut body = Vec::new();
    if request
        .as_reader()
        .take(MAX_BODY_BYTES as u64 + 1)
        .read_to_end(&mut body)
        .is_err()
    {
        return Err(Reply::message(
            400,
            "エラー",
            "送信内容を受信できませんでした。",
        ));
    }
    if body.len() > MAX_BODY_BYTES {
        return Err(too_large());
    }
    let cookie = request
        .headers()
        .iter()
        .filter(|h| h.field.equiv("Cookie"))
        .find_map(|h| session_cookie(h.value.as_str()).map(str::to_string));
    let (session_id, new_session) = {
        let mut sessions = state.sessions.lock().unwrap_or_else(|e| e.into_inner());
        if api {
            let known = sessions.get(cookie.as_deref()).is_some();
            (cookie.filter(|_| known), false)
        } else {
            let (id, is_new, _) = sessions.get_or_create(cookie.as_deref());
            (Some(id), is_new)
        }
    };
    let origins = request
        .headers()
        .iter()
        .filter(|h| h.field.equiv("Origin"))
        .map(|h| h.value.as_str().to_string())
        .collect();
    Ok(Incoming {
        method: request.method().clone(),
        path: path.to_string(),
        query: query.to_string(),
        session_id,
        new_session,
        remote: request.remote_addr().copied(),
        origins,
        body,
    })
}
