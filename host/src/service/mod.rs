//! The card service: readers, card sessions and events over PC/SC (pcsc-lite on Linux and macOS, WinSCard on
//! Windows).
//!
//! - The PC/SC context is established lazily and again after pcscd went away.
//! - Each reader with a card gets one shared connection with its detected driver, cached until the card is
//!   removed or reset, or `forget`. Every command runs inside one PC/SC transaction.
//! - A verified PIN counts only for the connection it was verified on: `sign_challenge` on a swapped or
//!   re-inserted card is `PIN_REQUIRED`.
//! - A verified PIN authorises one signature: after a `sign_challenge` attempt on a card the host forgets it (the
//!   card is reset, which logs it out), so the next signature needs `verify_pin` again.
//! - The host signs only [`binding_digest`]s it computes itself, for a canonical web origin
//!   ([`ebid_protocol::check_web_origin`]) and a challenge of 32 to 1024 bytes; never a digest the caller chose.
//! - `watch` starts the event thread ([`watcher`]).
//!
//! Usable outside a messaging session (the admin `doctor`): [`CardService::new`], [`CardService::list_readers`],
//! [`CardService::read_certificate`].

mod card_session;
mod pcsc_errors;
mod pcsc_transport;
mod pin_pad_control;
mod reader_features;
mod reader_states;
mod watcher;

use std::collections::HashMap;
use std::time::{Instant, SystemTime};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use ebid_protocol::{
    binding_digest, check_web_origin, CertificateInfo, Command, ErrorCode, ErrorInfo, Pin, PinInfo,
    ReaderInfo, Reply, SignPurpose, MAX_CHALLENGE_BYTES, MIN_CHALLENGE_BYTES,
};
use pcsc::{Context, Scope};

use crate::cert_summary;
use crate::drivers::{load_profiles, Profile};
use card_session::{CardIo, CardSession, OpenError, RunError};
use pcsc_errors::{classify, error_info, Fault};
use reader_states::{current_states, ReaderSnapshot};

pub use pcsc_transport::PcscTransport;
pub use reader_features::{find_feature, FEATURE_VERIFY_PIN_DIRECT};
pub use watcher::EventSink;
use watcher::Watcher;

/// The signature scheme every driver produces, by its JOSE name: RSASSA-PKCS1-v1_5 with SHA-256.
pub use ebid_protocol::SIGNATURE_ALGORITHM;

/// Test switch: `1` lets `sign_challenge` accept `http://` origins on loopback hosts (`127.0.0.1`, `localhost`,
/// `[::1]`), as the replica portal of the tests uses. Never set in production. An environment variable is
/// acceptable here: whoever can set the browser's environment can already run the host (or any PC/SC program)
/// directly, so it grants nothing a page or an extension could reach.
pub const ALLOW_LOOPBACK_ORIGINS_ENV: &str = "EBID_HOST_ALLOW_LOOPBACK_ORIGINS";

/// Whether [`ALLOW_LOOPBACK_ORIGINS_ENV`] is `1` in this process's environment.
pub fn loopback_origins_allowed_by_env() -> bool {
    std::env::var_os(ALLOW_LOOPBACK_ORIGINS_ENV).is_some_and(|v| v == "1")
}

pub struct CardService {
    context: Option<Context>,
    sessions: HashMap<String, CardSession>,
    /// Per reader: its VERIFY_PIN_DIRECT control code, `None` without a PIN pad.
    pin_pads: HashMap<String, Option<u32>>,
    profiles: Vec<Profile>,
    watcher: Option<Watcher>,
    /// `sign_challenge` accepts `http://` loopback origins (the test switch [`ALLOW_LOOPBACK_ORIGINS_ENV`]).
    allow_loopback_origins: bool,
}

impl Default for CardService {
    fn default() -> Self {
        Self::new()
    }
}

/// Why an attempt failed, before it becomes an [`ErrorInfo`].
enum Failure {
    /// Nothing reached the card: trying again (with a fresh context or connection) is safe.
    BeforeCard {
        error: pcsc::Error,
        /// The connection was a cached one: a reset or swap since the last command explains the error.
        stale_session: bool,
    },
    /// PC/SC or the card failed during the command; never retried (a VERIFY may have spent a try).
    During {
        error: ErrorInfo,
        last_pcsc: Option<pcsc::Error>,
    },
}

impl CardService {
    /// A service with the built-in and admin card profiles, and the loopback-origin test switch from the
    /// environment. Does not touch PC/SC yet.
    pub fn new() -> Self {
        let mut service = Self::with_profiles(load_profiles());
        service.allow_loopback_origins = loopback_origins_allowed_by_env();
        service
    }

    /// A service with these profiles; `http://` loopback origins refused (see [`Self::allow_loopback_origins`]).
    pub fn with_profiles(profiles: Vec<Profile>) -> Self {
        CardService {
            context: None,
            sessions: HashMap::new(),
            pin_pads: HashMap::new(),
            profiles,
            watcher: None,
            allow_loopback_origins: false,
        }
    }

    /// Turns the loopback-origin test switch on or off (see [`ALLOW_LOOPBACK_ORIGINS_ENV`]).
    pub fn allow_loopback_origins(&mut self, allow: bool) {
        self.allow_loopback_origins = allow;
    }

    /// Runs one protocol command. `events` makes the sink a `watch` sends its events to.
    pub fn execute(
        &mut self,
        command: Command,
        events: impl FnOnce() -> EventSink,
    ) -> Result<Reply, ErrorInfo> {
        match command {
            Command::ListReaders => Ok(Reply::Readers {
                readers: self.list_readers()?,
            }),
            Command::Watch => Ok(Reply::Watching {
                readers: self.watch(events())?,
            }),
            Command::Unwatch => {
                self.unwatch();
                Ok(Reply::Unwatched)
            }
            Command::ReadCertificate { reader } => {
                Ok(Reply::Certificate(self.read_certificate(&reader)?))
            }
            Command::PinStatus { reader } => Ok(Reply::PinStatus(self.pin_status(&reader)?)),
            Command::VerifyPin { reader, pin } => {
                self.verify_pin(&reader, pin.as_ref())?;
                Ok(Reply::PinVerified)
            }
            Command::SignChallenge {
                reader,
                origin,
                challenge,
                purpose,
                bound_certificate,
            } => {
                let digest = self.challenge_digest(
                    &origin,
                    &challenge,
                    purpose,
                    bound_certificate.as_deref(),
                )?;
                let signature = self.sign_once(&reader, &digest)?;
                Ok(signature_reply(&signature, &digest))
            }
            Command::Forget { reader } => {
                self.forget(&reader);
                Ok(Reply::Forgotten)
            }
        }
    }

    /// Every reader, with card presence, ATR and PIN-pad capability.
    pub fn list_readers(&mut self) -> Result<Vec<ReaderInfo>, ErrorInfo> {
        let mut retried = false;
        loop {
            let context = self.context()?;
            match current_states(&context) {
                Ok(states) => {
                    let snapshots: Vec<ReaderSnapshot> =
                        states.iter().map(ReaderSnapshot::of).collect();
                    return Ok(snapshots
                        .iter()
                        .map(|s| self.reader_info(&context, s))
                        .collect());
                }
                Err(e) => {
                    self.absorb(e);
                    if classify(e) == Fault::ServiceGone && !retried {
                        retried = true;
                        continue;
                    }
                    return Err(error_info(e, false));
                }
            }
        }
    }

    /// Starts reader and card events (idempotent) and returns the readers they start from.
    pub fn watch(&mut self, sink: EventSink) -> Result<Vec<ReaderInfo>, ErrorInfo> {
        if self.watcher.is_some() {
            return self.list_readers();
        }
        // The thread waits on its own context, so a wait never blocks the commands.
        let (watch_context, snapshots) = match Context::establish(Scope::User) {
            Ok(context) => match current_states(&context) {
                Ok(states) => (
                    Some(context),
                    states.iter().map(ReaderSnapshot::of).collect(),
                ),
                Err(e) => {
                    log::warn!("reading reader states for watch failed: {e}");
                    (None, Vec::new())
                }
            },
            Err(e) => {
                log::warn!("PC/SC unavailable at watch: {e}");
                (None, Vec::new())
            }
        };
        let readers = match self.context() {
            Ok(context) => snapshots
                .iter()
                .map(|s| self.reader_info(&context, s))
                .collect(),
            Err(_) => Vec::new(),
        };
        let watcher = Watcher::start(watch_context, snapshots, sink).map_err(|e| {
            ErrorInfo::new(ErrorCode::Internal)
                .with_detail(format!("cannot start the event thread: {e}"))
        })?;
        self.watcher = Some(watcher);
        Ok(readers)
    }

    /// Stops the events (no-op when not watching).
    pub fn unwatch(&mut self) {
        if let Some(watcher) = self.watcher.take() {
            watcher.stop();
        }
    }

    /// The certificate of the card in `reader` with its summary. Read once per card connection.
    pub fn read_certificate(&mut self, reader: &str) -> Result<CertificateInfo, ErrorInfo> {
        let (der, card_type) = self.with_card(reader, "read_certificate", &mut |io| {
            if io.certificate.is_none() {
                *io.certificate = Some(io.driver.read_certificate(io.transport)?);
            }
            Ok((
                io.certificate.clone().unwrap_or_default(),
                io.driver.card_type(),
            ))
        })?;
        let summary = cert_summary::summarize(&der, SystemTime::now())?;
        Ok(CertificateInfo {
            reader: reader.to_owned(),
            card_type,
            certificate: BASE64.encode(&der),
            summary,
        })
    }

    /// Tries left, blocked state and the PIN rules of the card in `reader`.
    pub fn pin_status(&mut self, reader: &str) -> Result<PinInfo, ErrorInfo> {
        self.with_card(reader, "pin_status", &mut |io| {
            let state = io.driver.pin_status(io.transport)?;
            let rules = io.driver.pin_rules();
            Ok(PinInfo {
                tries_left: state.tries_left,
                blocked: state.blocked,
                pin_pad: io.pin_pad.is_some(),
                min_length: rules.min_length,
                max_length: rules.max_length,
                charset: rules.charset,
            })
        })
    }

    /// Verifies the PIN, or with `pin: None` asks for it on the reader's PIN pad.
    pub fn verify_pin(&mut self, reader: &str, pin: Option<&Pin>) -> Result<(), ErrorInfo> {
        self.with_card(reader, "verify_pin", &mut |io| {
            *io.verified = false;
            match pin {
                Some(pin) => io.driver.verify_pin(io.transport, pin)?,
                None => pin_pad_control::verify_on_pin_pad(io)?,
            }
            *io.verified = true;
            Ok(())
        })
    }

    /// The digest `sign_challenge` has the card sign, once its arguments passed the checks: a canonical web
    /// origin (`ORIGIN_NOT_ALLOWED` otherwise), a base64 challenge of 32 to 1024 bytes, and the bound certificate
    /// `renew_new` needs. Nothing here touches PC/SC.
    pub fn challenge_digest(
        &self,
        origin: &str,
        challenge: &str,
        purpose: SignPurpose,
        bound_certificate: Option<&str>,
    ) -> Result<[u8; 32], ErrorInfo> {
        check_web_origin(origin, self.allow_loopback_origins).map_err(|problem| {
            ErrorInfo::new(ErrorCode::OriginNotAllowed)
                .with_detail(format!("origin {}: {problem}", quote_input(origin, 100)))
        })?;
        let challenge = decode_base64("challenge", challenge)?;
        if !(MIN_CHALLENGE_BYTES..=MAX_CHALLENGE_BYTES).contains(&challenge.len()) {
            return Err(bad_request(&format!(
                "`challenge` must be {MIN_CHALLENGE_BYTES} to {MAX_CHALLENGE_BYTES} bytes once decoded, not {}",
                challenge.len()
            )));
        }
        let bound = match bound_certificate {
            Some(text) => decode_base64("bound_certificate", text)?,
            None if purpose == SignPurpose::RenewNew => {
                return Err(bad_request("`renew_new` needs `bound_certificate`"))
            }
            None => Vec::new(),
        };
        Ok(binding_digest(origin, &challenge, purpose, &bound))
    }

    /// Signs `digest` with the card in `reader`, which needs a PIN verified on this very connection. Once the
    /// signing command was attempted the card is forgotten, whether it signed or failed: one verified PIN, one
    /// signature. Forgetting resets a verified card, which logs it out; the next signature needs `verify_pin`.
    fn sign_once(&mut self, reader: &str, digest: &[u8; 32]) -> Result<Vec<u8>, ErrorInfo> {
        let mut pin_spent = false;
        let signed = self.with_card(reader, "sign_challenge", &mut |io| {
            if !*io.verified {
                return Err(ErrorInfo::new(ErrorCode::PinRequired)
                    .with_detail("no PIN verified on this card in this session"));
            }
            // From here on the PIN counts as spent, even if signing fails.
            pin_spent = true;
            Ok(io.driver.sign_sha256(io.transport, digest)?)
        });
        if pin_spent {
            log::debug!("{reader:?}: signature attempted; logging the card out");
            self.forget(reader);
        }
        signed
    }

    /// Forgets the card in `reader`: its verified PIN (the card is reset if it had one) and its cached data.
    pub fn forget(&mut self, reader: &str) {
        if let Some(session) = self.sessions.remove(reader) {
            session.close();
        }
    }

    /// The card type of the card in `reader` (`jpki`, `profile:<name>`), detecting it if needed.
    pub fn card_type(&mut self, reader: &str) -> Result<String, ErrorInfo> {
        self.with_card(reader, "card_type", &mut |io| Ok(io.driver.card_type()))
    }

    fn context(&mut self) -> Result<Context, ErrorInfo> {
        if let Some(context) = &self.context {
            return Ok(context.clone());
        }
        let context = Context::establish(Scope::User).map_err(|e| error_info(e, false))?;
        self.context = Some(context.clone());
        Ok(context)
    }

    /// Forgets what a PC/SC error made stale.
    fn absorb(&mut self, e: pcsc::Error) {
        if classify(e) == Fault::ServiceGone {
            log::warn!("PC/SC service lost ({e}); dropping the context and card connections");
            for (_, session) in self.sessions.drain() {
                session.close();
            }
            self.pin_pads.clear();
            self.context = None;
        }
    }

    fn reader_info(&mut self, context: &Context, snapshot: &ReaderSnapshot) -> ReaderInfo {
        let pin_pad = match self.pin_pads.get(&snapshot.name) {
            Some(code) => code.is_some(),
            None => match std::ffi::CString::new(snapshot.name.clone())
                .ok()
                .and_then(|name| reader_features::query_reader(context, &name))
            {
                Some(code) => {
                    self.pin_pads.insert(snapshot.name.clone(), code);
                    code.is_some()
                }
                None => false,
            },
        };
        ReaderInfo {
            name: snapshot.name.clone(),
            card_present: snapshot.card_present,
            atr: snapshot
                .card_present
                .then(|| hex::encode_upper(&snapshot.atr)),
            pin_pad,
        }
    }

    /// Runs `op` on the card in `reader`, connecting (and detecting its driver) first when needed. A stale
    /// connection or context is replaced once, but only when nothing reached the card yet.
    fn with_card<T>(
        &mut self,
        reader: &str,
        what: &str,
        op: &mut dyn FnMut(&mut CardIo<'_, '_>) -> Result<T, ErrorInfo>,
    ) -> Result<T, ErrorInfo> {
        let started = Instant::now();
        let mut retried = false;
        loop {
            match self.attempt(reader, op) {
                Ok((value, apdus)) => {
                    log::debug!(
                        "{what} on {reader:?}: {apdus} APDUs in {:.1} ms",
                        started.elapsed().as_secs_f64() * 1000.0
                    );
                    return Ok(value);
                }
                Err(Failure::BeforeCard {
                    error,
                    stale_session,
                }) => {
                    self.absorb(error);
                    let fault = classify(error);
                    let retry = (fault == Fault::ServiceGone
                        || (stale_session && fault == Fault::CardGone))
                        && !retried;
                    if retry {
                        log::debug!("{what} on {reader:?}: {error}; reconnecting");
                        retried = true;
                        continue;
                    }
                    return Err(error_info(error, false));
                }
                Err(Failure::During { error, last_pcsc }) => {
                    let Some(e) = last_pcsc else {
                        return Err(error);
                    };
                    self.absorb(e);
                    return Err(match classify(e) {
                        // The pipe broke under the driver: say what happened to the card, not what the driver
                        // made of it.
                        Fault::ServiceGone | Fault::CardGone | Fault::NoCard => error_info(e, true),
                        Fault::NoReader | Fault::Other => error,
                    });
                }
            }
        }
    }

    fn attempt<T>(
        &mut self,
        reader: &str,
        op: &mut dyn FnMut(&mut CardIo<'_, '_>) -> Result<T, ErrorInfo>,
    ) -> Result<(T, u32), Failure> {
        let context = self.context().map_err(|error| Failure::During {
            error,
            last_pcsc: None,
        })?;
        let mut session = match self.sessions.remove(reader) {
            Some(session) => session,
            None => match CardSession::open(&context, reader, &self.profiles) {
                Ok(session) => {
                    self.pin_pads.insert(reader.to_owned(), session.pin_pad);
                    session
                }
                Err(OpenError::Pcsc(error)) => {
                    return Err(Failure::BeforeCard {
                        error,
                        stale_session: false,
                    })
                }
                Err(OpenError::Detect { error, last_pcsc }) => {
                    return Err(Failure::During {
                        error: error.into(),
                        last_pcsc,
                    })
                }
            },
        };
        let stale_session = session.commands > 0;
        match session.run(op) {
            Ok(done) => {
                self.sessions.insert(reader.to_owned(), session);
                Ok(done)
            }
            Err(RunError::Begin(error)) => {
                session.close();
                Err(Failure::BeforeCard {
                    error,
                    stale_session,
                })
            }
            Err(RunError::Command { error, last_pcsc }) => {
                let broken = last_pcsc.is_some_and(|e| {
                    matches!(
                        classify(e),
                        Fault::ServiceGone | Fault::CardGone | Fault::NoCard
                    )
                });
                if broken {
                    session.close();
                } else {
                    self.sessions.insert(reader.to_owned(), session);
                }
                Err(Failure::During { error, last_pcsc })
            }
        }
    }
}

impl Drop for CardService {
    fn drop(&mut self) {
        self.unwatch();
        for (_, session) in self.sessions.drain() {
            session.close();
        }
    }
}

fn signature_reply(signature: &[u8], digest: &[u8; 32]) -> Reply {
    Reply::Signature {
        signature: BASE64.encode(signature),
        digest: BASE64.encode(digest),
        algorithm: SIGNATURE_ALGORITHM.to_owned(),
    }
}

fn decode_base64(field: &str, text: &str) -> Result<Vec<u8>, ErrorInfo> {
    BASE64
        .decode(text.trim())
        .map_err(|_| bad_request(&format!("`{field}` is not base64")))
}

fn bad_request(detail: &str) -> ErrorInfo {
    ErrorInfo::new(ErrorCode::BadRequest).with_detail(detail)
}

/// Caller input for a detail or a log line: at most `max` characters, quoted and escaped, marked when cut.
pub(crate) fn quote_input(text: &str, max: usize) -> String {
    let shown: String = text.chars().take(max).collect();
    if shown.len() < text.len() {
        format!("{shown:?}…")
    } else {
        format!("{shown:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_events() -> EventSink {
        Box::new(|_| true)
    }

    fn sign_challenge(origin: &str, challenge: &[u8], purpose: SignPurpose) -> Command {
        Command::SignChallenge {
            reader: "R".into(),
            origin: origin.into(),
            challenge: BASE64.encode(challenge),
            purpose,
            bound_certificate: None,
        }
    }

    fn refusal(service: &mut CardService, command: Command) -> ErrorInfo {
        service.execute(command, no_events).unwrap_err()
    }

    #[test]
    fn malformed_arguments_are_refused_before_pcsc() {
        let mut service = CardService::with_profiles(Vec::new());
        let not_base64 = Command::SignChallenge {
            reader: "R".into(),
            origin: "https://example.jp".into(),
            challenge: "***".into(),
            purpose: SignPurpose::Login,
            bound_certificate: None,
        };
        assert_eq!(
            refusal(&mut service, not_base64).code,
            ErrorCode::BadRequest
        );
        let unbound = sign_challenge("https://example.jp", &[7; 32], SignPurpose::RenewNew);
        assert_eq!(refusal(&mut service, unbound).code, ErrorCode::BadRequest);
        assert!(service.context.is_none(), "nothing above needed PC/SC");
    }

    #[test]
    fn challenges_must_be_32_to_1024_bytes() {
        let mut service = CardService::with_profiles(Vec::new());
        for len in [0, 1, 31, 1025, 4096] {
            let command = sign_challenge("https://example.jp", &vec![7; len], SignPurpose::Login);
            let error = refusal(&mut service, command);
            assert_eq!(error.code, ErrorCode::BadRequest, "{len} bytes");
            assert!(
                error
                    .detail
                    .as_deref()
                    .unwrap()
                    .contains("32 to 1024 bytes"),
                "{error:?}"
            );
        }
        for len in [32, 1024] {
            let digest = service
                .challenge_digest(
                    "https://example.jp",
                    &BASE64.encode(vec![7; len]),
                    SignPurpose::Login,
                    None,
                )
                .unwrap();
            assert_eq!(
                digest,
                binding_digest("https://example.jp", &vec![7; len], SignPurpose::Login, b"")
            );
        }
        assert!(service.context.is_none(), "nothing above needed PC/SC");
    }

    #[test]
    fn bad_origins_are_origin_not_allowed_before_pcsc() {
        let mut service = CardService::with_profiles(Vec::new());
        let long = format!("https://{}", "a".repeat(5000));
        for origin in [
            "",
            "null",
            "javascript:alert(1)",
            "http://example.jp",
            "http://127.0.0.1:8080",
            "https://example.jp/",
            "https://example.jp/login",
            "https://Example.jp",
            "https://user@example.jp",
            long.as_str(),
        ] {
            let error = refusal(
                &mut service,
                sign_challenge(origin, &[7; 32], SignPurpose::Login),
            );
            assert_eq!(error.code, ErrorCode::OriginNotAllowed, "{origin:?}");
            let detail = error.detail.unwrap();
            assert!(
                detail.len() < 300,
                "the detail echoes at most 100 characters: {detail}"
            );
        }
        assert!(service.context.is_none(), "nothing above needed PC/SC");
    }

    #[test]
    fn the_loopback_switch_admits_only_loopback_http() {
        let mut service = CardService::with_profiles(Vec::new());
        let challenge = BASE64.encode([7; 32]);
        let digest = |service: &CardService, origin: &str| {
            service
                .challenge_digest(origin, &challenge, SignPurpose::Login, None)
                .map_err(|e| e.code)
        };
        assert_eq!(
            digest(&service, "http://127.0.0.1:8080"),
            Err(ErrorCode::OriginNotAllowed)
        );
        service.allow_loopback_origins(true);
        assert!(digest(&service, "http://127.0.0.1:8080").is_ok());
        assert!(digest(&service, "http://localhost:8080").is_ok());
        assert_eq!(
            digest(&service, "http://example.jp"),
            Err(ErrorCode::OriginNotAllowed)
        );
    }

    #[test]
    fn quoted_input_is_cut_short() {
        assert_eq!(quote_input("abc", 100), "\"abc\"");
        let quoted = quote_input(&"x".repeat(500), 100);
        assert_eq!(quoted.matches('x').count(), 100);
        assert!(quoted.ends_with('…'));
        assert_eq!(quote_input("a\nb", 100), "\"a\\nb\"");
    }

    #[test]
    fn forget_and_unwatch_without_anything_open_are_fine() {
        let mut service = CardService::with_profiles(Vec::new());
        assert_eq!(
            service
                .execute(Command::Forget { reader: "R".into() }, no_events)
                .unwrap(),
            Reply::Forgotten
        );
        assert_eq!(
            service.execute(Command::Unwatch, no_events).unwrap(),
            Reply::Unwatched
        );
    }
}
