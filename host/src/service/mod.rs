//! The card service: readers, card sessions and events over PC/SC (pcsc-lite on Linux and macOS, WinSCard on
//! Windows).
//!
//! - The PC/SC context is established lazily and again after pcscd went away.
//! - Each reader with a card gets one shared connection with its detected driver, cached until the card is
//!   removed or reset, or `forget`. Every command runs inside one PC/SC transaction.
//! - A verified PIN counts only for the connection it was verified on: `sign` on a swapped or re-inserted card is
//!   `PIN_REQUIRED`.
//! - `watch` starts the event thread ([`watcher`]).
//!
//! Usable outside a messaging session (the admin `doctor`): [`CardService::new`], [`CardService::list_readers`],
//! [`CardService::read_certificate`].

mod card_session;
mod pcsc_errors;
mod pin_pad;
mod reader_features;
mod reader_states;
mod transport;
mod watcher;

use std::collections::HashMap;
use std::time::{Instant, SystemTime};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use ebid_protocol::{
    binding_digest, CertificateInfo, Command, ErrorCode, ErrorInfo, Pin, PinInfo, ReaderInfo,
    Reply, SignPurpose,
};
use pcsc::{Context, Scope};

use crate::card::CardError;
use crate::cert_summary;
use crate::drivers::{load_profiles, Profile};
use card_session::{CardIo, CardSession, OpenError, RunError};
use pcsc_errors::{classify, error_info, Fault};
use reader_states::{current_states, ReaderSnapshot};

pub use reader_features::{find_feature, FEATURE_VERIFY_PIN_DIRECT};
pub use transport::PcscTransport;
pub use watcher::EventSink;
use watcher::Watcher;

/// The signature scheme every driver produces, by its JOSE name: RSASSA-PKCS1-v1_5 with SHA-256.
pub const SIGNATURE_ALGORITHM: &str = "RS256";

pub struct CardService {
    context: Option<Context>,
    sessions: HashMap<String, CardSession>,
    /// Per reader: its VERIFY_PIN_DIRECT control code, `None` without a PIN pad.
    pin_pads: HashMap<String, Option<u32>>,
    profiles: Vec<Profile>,
    watcher: Option<Watcher>,
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
    /// A service with the built-in and admin card profiles. Does not touch PC/SC yet.
    pub fn new() -> Self {
        Self::with_profiles(load_profiles())
    }

    pub fn with_profiles(profiles: Vec<Profile>) -> Self {
        CardService {
            context: None,
            sessions: HashMap::new(),
            pin_pads: HashMap::new(),
            profiles,
            watcher: None,
        }
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
            Command::Sign { reader, digest } => {
                let digest: [u8; 32] = decode_base64("digest", &digest)?
                    .try_into()
                    .map_err(|_| bad_request("`digest` must be a 32-byte SHA-256 digest"))?;
                let signature = self.sign(&reader, &digest)?;
                Ok(signature_reply(&signature, &digest))
            }
            Command::SignChallenge {
                reader,
                origin,
                challenge,
                purpose,
                bound_certificate,
            } => {
                if origin.trim().is_empty() {
                    return Err(bad_request("`origin` is empty"));
                }
                let challenge = decode_base64("challenge", &challenge)?;
                if challenge.is_empty() {
                    return Err(bad_request("`challenge` is empty"));
                }
                let bound = match bound_certificate {
                    Some(text) => decode_base64("bound_certificate", &text)?,
                    None if purpose == SignPurpose::RenewNew => {
                        return Err(bad_request("`renew_new` needs `bound_certificate`"))
                    }
                    None => Vec::new(),
                };
                let digest = binding_digest(&origin, &challenge, purpose, &bound);
                let signature = self.sign(&reader, &digest)?;
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
                charset: rules.charset.as_str().to_owned(),
            })
        })
    }

    /// Verifies the PIN, or with `pin: None` asks for it on the reader's PIN pad.
    pub fn verify_pin(&mut self, reader: &str, pin: Option<&Pin>) -> Result<(), ErrorInfo> {
        self.with_card(reader, "verify_pin", &mut |io| {
            *io.verified = false;
            match pin {
                Some(pin) => io.driver.verify_pin(io.transport, pin)?,
                None => pin_pad::verify_on_pin_pad(io)?,
            }
            *io.verified = true;
            Ok(())
        })
    }

    /// Signs a SHA-256 digest with the card in `reader`; needs a PIN verified on this very connection.
    pub fn sign(&mut self, reader: &str, digest: &[u8; 32]) -> Result<Vec<u8>, ErrorInfo> {
        self.with_card(reader, "sign", &mut |io| {
            if !*io.verified {
                return Err(ErrorInfo::new(ErrorCode::PinRequired)
                    .with_detail("no PIN verified on this card in this session"));
            }
            match io.driver.sign_sha256(io.transport, digest) {
                Err(CardError::SecurityNotSatisfied) => {
                    // The card forgot the PIN (another application reset or reselected it).
                    *io.verified = false;
                    Err(CardError::SecurityNotSatisfied.into())
                }
                other => Ok(other?),
            }
        })
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
                .then(|| crate::card::to_hex(&snapshot.atr)),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn no_events() -> EventSink {
        Box::new(|_| true)
    }

    #[test]
    fn malformed_arguments_are_refused_before_pcsc() {
        let mut service = CardService::with_profiles(Vec::new());
        let bad_digest = Command::Sign {
            reader: "R".into(),
            digest: "AAAA".into(),
        };
        assert_eq!(
            service.execute(bad_digest, no_events).unwrap_err().code,
            ErrorCode::BadRequest
        );
        let not_base64 = Command::SignChallenge {
            reader: "R".into(),
            origin: "https://example.jp".into(),
            challenge: "***".into(),
            purpose: SignPurpose::Login,
            bound_certificate: None,
        };
        assert_eq!(
            service.execute(not_base64, no_events).unwrap_err().code,
            ErrorCode::BadRequest
        );
        let unbound = Command::SignChallenge {
            reader: "R".into(),
            origin: "https://example.jp".into(),
            challenge: "AQID".into(),
            purpose: SignPurpose::RenewNew,
            bound_certificate: None,
        };
        assert_eq!(
            service.execute(unbound, no_events).unwrap_err().code,
            ErrorCode::BadRequest
        );
        assert!(service.context.is_none(), "nothing above needed PC/SC");
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
