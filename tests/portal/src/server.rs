//! The running portal: a small pool of threads serving tiny_http requests, routing them to the screens.

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use time::OffsetDateTime;

use crate::certificate::{parse_x509, CertificateFacts};
use crate::form::Form;
use crate::http::Reply;
use crate::outbox::{Mail, Outbox};
use crate::pages::{admin, frames, login as login_page, menu, notice, renewal as renewal_page};
use crate::refusal::Refusal;
use crate::registry::{NewUser, PendingRenewal, Registry, RegistryError, User};
use crate::renewal::{self, Checks, Outcome};
use crate::sessions::{session_cookie, Session, Sessions, COOKIE_NAME};
use crate::{injection, lenient_base64, login, paths};

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

struct State {
    origin: String,
    allow_framing: bool,
    data_dir: PathBuf,
    ca_certificates: Vec<Vec<u8>>,
    registry: Mutex<Registry>,
    outbox: Outbox,
    sessions: Mutex<Sessions>,
}

impl State {
    /// A panicking request must not take the portal down with a poisoned lock.
    fn registry(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the session `id` (created afresh if it expired meanwhile: then it holds nothing).
    fn with_session<T>(&self, id: &str, f: impl FnOnce(&mut Session) -> T) -> T {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let (_, _, session) = sessions.get_or_create(Some(id));
        f(session)
    }

    fn checks(&self) -> Checks<'_> {
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
struct Incoming {
    method: tiny_http::Method,
    path: String,
    query: String,
    /// The session; `None` only on the renewal endpoints, which never create one (a cookie the portal does not
    /// know is no session).
    session_id: Option<String>,
    new_session: bool,
    remote: Option<SocketAddr>,
    /// Every `Origin` header value sent.
    origins: Vec<String>,
    body: Vec<u8>,
}

impl Incoming {
    /// The session of a page request (always present there).
    fn session(&self) -> &str {
        self.session_id.as_deref().unwrap_or_default()
    }
}

/// The JSON renewal endpoints: they answer JSON even to an oversized body.
fn is_api(path: &str) -> bool {
    paths::RENEW_API.contains(&path)
}

fn respond(state: &State, mut request: tiny_http::Request) {
    let reply = match read_incoming(state, &mut request) {
        Ok(incoming) => {
            let cookie = incoming
                .session_id
                .as_deref()
                .filter(|_| incoming.new_session)
                .map(|id| format!("{COOKIE_NAME}={id}; Path=/; HttpOnly; SameSite=Lax"));
            let reply = route(state, &incoming);
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

/// The methods each known path answers (anything else: 405 with `Allow`).
fn allowed_methods(path: &str) -> Option<&'static str> {
    match path {
        paths::TOP
        | paths::FRAMESET
        | paths::HEADER
        | paths::MENU
        | paths::RENEW_CONFIRM
        | paths::NOT_PROVIDED
        | paths::ADMIN_RENEWALS
        | paths::ADMIN_MAIL => Some("GET"),
        paths::RENEW_CHALLENGE
        | paths::RENEW_CURRENT
        | paths::RENEW_NEW
        | paths::RENEW_COMMIT
        | paths::ADMIN_APPROVE
        | paths::ADMIN_DENY => Some("POST"),
        paths::LOGIN => Some("GET, POST"),
        _ => None,
    }
}

fn route(state: &State, incoming: &Incoming) -> Reply {
    use tiny_http::Method::{Get, Post};
    let path = incoming.path.as_str();
    let is_admin = path.starts_with("/admin/");
    if is_admin && !incoming.remote.is_some_and(|a| a.ip().is_loopback()) {
        return Reply::message(403, "エラー", "この画面はサーバー上からのみ利用できます。");
    }
    match (&incoming.method, path) {
        (Get, paths::TOP) => Reply::redirect(paths::FRAMESET),
        (Get, paths::FRAMESET) => Reply::page(200, &frames::frameset()),
        (Get, paths::HEADER) => Reply::page(200, &frames::header(OffsetDateTime::now_utc())),
        (Get, paths::MENU) => show_menu(state, incoming),
        (Post, api) if is_api(api) => renewal_step(state, incoming),
        (Get, paths::RENEW_CONFIRM) => show_confirmation(state, incoming),
        (Post, paths::RENEW_COMMIT) => commit_renewal(state, incoming),
        (Get, paths::NOT_PROVIDED) => {
            let query = Form::parse(incoming.query.as_bytes());
            Reply::page(200, &notice::not_provided(query.get("func").unwrap_or("")))
        }
        (Get, paths::LOGIN) => {
            let challenge = state.with_session(incoming.session(), Session::issue_login_challenge);
            Reply::page(200, &login_page::login_form(&challenge))
        }
        (Post, paths::LOGIN) => log_in(state, incoming),
        (Get, paths::ADMIN_RENEWALS) => Reply::page(200, &admin::renewals(&state.registry(), None)),
        (Post, paths::ADMIN_APPROVE) => review(state, incoming, true),
        (Post, paths::ADMIN_DENY) => review(state, incoming, false),
        (Get, paths::ADMIN_MAIL) => Reply::page(200, &admin::mail(&state.outbox.all())),
        (_, known) => match allowed_methods(known) {
            Some(allowed) => Reply::message(405, "エラー", "この操作はできません。")
                .with_header("Allow", allowed.into()),
            None => Reply::message(
                404,
                "ページが見つかりません",
                "指定されたページは存在しません。",
            ),
        },
    }
}

/// The menu forgets a renewal waiting on the confirmation screen (「戻る」). It issues no challenge: the
/// extension asks [`paths::RENEW_CHALLENGE`] for one.
fn show_menu(state: &State, incoming: &Incoming) -> Reply {
    state.with_session(incoming.session(), |session| {
        session.verified_renewal = None
    });
    let injected = injection::read(&state.data_dir);
    Reply::page(200, &menu::menu(injected.as_deref()))
}

fn back_to_menu(refusal: &Refusal) -> Reply {
    Reply::refusal_page(refusal, paths::MENU, "利用者登録メニューへ戻る")
}

/// The three JSON renewal steps: the CSRF guard, then the session, then the step's own checks.
fn renewal_step(state: &State, incoming: &Incoming) -> Reply {
    if incoming
        .origins
        .iter()
        .any(|origin| *origin != state.origin)
    {
        return Reply::refusal_json(&Refusal::ForeignOrigin);
    }
    let Some(session_id) = incoming.session_id.as_deref() else {
        return Reply::refusal_json(&Refusal::ChallengeMissing);
    };
    let outcome = match incoming.path.as_str() {
        paths::RENEW_CHALLENGE => {
            let challenge = state.with_session(session_id, Session::start_renewal);
            Ok(serde_json::json!({ "challenge": lenient_base64::encode(&challenge) }))
        }
        paths::RENEW_CURRENT => prove_current_card(state, session_id, &incoming.body),
        _ => pair_new_card(state, session_id, &incoming.body),
    };
    match outcome {
        Ok(answer) => Reply::json(200, &answer),
        Err(refusal) => Reply::refusal_json(&refusal),
    }
}

/// Step 2: consumes step 1's challenge; on success the session holds the proven current card and a second
/// challenge bound to it, given only in this answer.
fn prove_current_card(
    state: &State,
    session_id: &str,
    body: &[u8],
) -> Result<serde_json::Value, Refusal> {
    let form = Form::parse(body);
    let challenge = state.with_session(session_id, |session| {
        session.forget_renewal();
        session.take_renewal_challenge()
    });
    let proven = renewal::verify_current(&state.registry(), &state.checks(), challenge, &form)?;
    let second = state.with_session(session_id, |session| session.prove_current(proven));
    Ok(serde_json::json!({ "challenge": lenient_base64::encode(&second) }))
}

/// Step 3: consumes the proven current card and its second challenge whatever the outcome; on success the
/// session holds the verified renewal the confirmation screen shows.
fn pair_new_card(
    state: &State,
    session_id: &str,
    body: &[u8],
) -> Result<serde_json::Value, Refusal> {
    let form = Form::parse(body);
    let proven = state.with_session(session_id, |session| {
        let proven = session.take_proven_current();
        session.forget_renewal();
        proven
    });
    let verified = renewal::verify_new(&state.checks(), proven, &form)?;
    state.with_session(session_id, |session| {
        session.verified_renewal = Some(verified)
    });
    Ok(serde_json::json!({ "confirm": paths::RENEW_CONFIRM }))
}

/// 電子証明書更新確認画面 of the session's verified renewal (shown again on reload until 「更新」 or 「戻る」).
fn show_confirmation(state: &State, incoming: &Incoming) -> Reply {
    let verified = state.with_session(incoming.session(), |session| {
        session.verified_renewal.clone()
    });
    let page = verified
        .ok_or(Refusal::NothingToCommit)
        .and_then(|verified| {
            let registry = state.registry();
            let user = registry
                .user(&verified.user_id)
                .ok_or(Refusal::RegistrationChanged)?;
            let current = CertificateFacts::parse(&verified.old_certificate)
                .map_err(|_| Refusal::RegistrationChanged)?;
            let new = CertificateFacts::parse(&verified.new_certificate)
                .map_err(|_| Refusal::RegistrationChanged)?;
            Ok(renewal_page::confirmation(user, &current, &new))
        });
    match page {
        Ok(html) => Reply::page(200, &html),
        Err(refusal) => back_to_menu(&refusal),
    }
}

fn commit_renewal(state: &State, incoming: &Incoming) -> Reply {
    let Some(verified) = state.with_session(incoming.session(), |session| {
        session.verified_renewal.take()
    }) else {
        return back_to_menu(&Refusal::NothingToCommit);
    };
    let mut registry = state.registry();
    match renewal::commit(
        &mut registry,
        &state.outbox,
        &verified,
        OffsetDateTime::now_utc(),
    ) {
        Ok(Outcome::Completed) => Reply::page(200, &renewal_page::completed()),
        Ok(Outcome::HeldForReview { renewal_id }) => {
            let differences = registry
                .pending()
                .iter()
                .find(|p| p.id == renewal_id)
                .map(|p| p.differences.clone())
                .unwrap_or_default();
            Reply::page(200, &renewal_page::held_for_review(&differences))
        }
        Err(refusal) => back_to_menu(&refusal),
    }
}

fn log_in(state: &State, incoming: &Incoming) -> Reply {
    let form = Form::parse(&incoming.body);
    let challenge = state.with_session(incoming.session(), Session::take_login_challenge);
    let outcome = {
        let registry = state.registry();
        login::verify_login(&registry, &state.checks(), challenge, &form).cloned()
    };
    match outcome {
        Ok(user) => {
            state.with_session(incoming.session(), |session| {
                session.logged_in_user = Some(user.id.clone())
            });
            Reply::page(200, &login_page::logged_in(&user))
        }
        Err(refusal) => Reply::refusal_page(&refusal, paths::LOGIN, "ログイン画面へ戻る"),
    }
}

fn review(state: &State, incoming: &Incoming, approve: bool) -> Reply {
    let form = Form::parse(&incoming.body);
    let Some(id) = form.get("id").and_then(|v| v.trim().parse::<u64>().ok()) else {
        return Reply::message(400, "エラー", "受付番号が正しくありません。");
    };
    let mut registry = state.registry();
    let now = OffsetDateTime::now_utc();
    let result = if approve {
        renewal::approve(&mut registry, &state.outbox, id, now)
    } else {
        renewal::deny(&mut registry, &state.outbox, id, now)
    };
    let notice = match (result, approve) {
        (Ok(true), true) => format!("受付番号 {id} を承認しました。"),
        (Ok(true), false) => format!("受付番号 {id} を否認しました。"),
        (Ok(false), _) => format!("受付番号 {id} の申請は見つかりません。"),
        (Err(refusal), _) => refusal.explanation(),
    };
    Reply::page(200, &admin::renewals(&registry, Some(&notice)))
}
