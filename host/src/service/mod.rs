//! The card service: readers, card sessions and events over PC/SC (pcsc-lite on Linux and macOS, WinSCard on
//! Windows).
//!
//! - Each reader a card command goes to gets a lane ([`lanes`]): its own threads and PC/SC context, so a card that
//!   is slow or held by another program never holds up the reader list, the events or another reader. A request
//!   that cannot get hold of the card within [`BUSY_WAIT`] is answered `READER_BUSY`, and never run later.
//! - The PC/SC contexts are established lazily and again after pcscd went away.
//! - Each reader with a card gets one shared connection with its detected driver, cached until the card is
//!   removed or reset, or `forget`. Every command runs inside one PC/SC transaction, within a budget of APDUs
//!   and time ([`crate::card::Budget`]).
//! - A verified PIN counts only for the connection it was verified on: `sign_challenge` on a swapped or
//!   re-inserted card is `PIN_REQUIRED`.
//! - A verified PIN authorises one signature: after a `sign_challenge` attempt on a card the host forgets it (the
//!   card is reset, which logs it out), so the next signature needs `verify_pin` again.
//! - The host signs only [`binding_digest`](ebid_protocol::binding_digest)s it computes itself, for a canonical web origin
//!   ([`ebid_protocol::check_web_origin`]) and a challenge of 32 to 1024 bytes; never a digest the caller chose.
//! - `watch` starts the event thread ([`watcher`]).
//!
//! Usable outside a messaging session (the admin `doctor`): [`CardService::new`], [`CardService::list_readers`],
//! [`CardService::read_certificate`] (these wait for the answer); a session starts card commands with
//! [`CardService::submit`] and is answered from the lane.
//!
//! Where things are: this file holds the service and dispatches each command; `readers` lists readers and
//! starts and stops the events; `lanes` runs each reader's commands on its threads, with the waits bounded;
//! `card_commands` runs the commands on one card; `challenge` checks `sign_challenge`'s arguments and computes
//! what is signed; `connection` reaches the card (the lane's context, its cached session, the one safe retry).
//! Below them: `card_session` (one connection), `pcsc_transport` (APDUs over it), `pin_pad_control`,
//! `reader_features`, `reader_states`, `pcsc_errors`, `watcher`.

mod card_commands;
mod card_session;
mod challenge;
mod connection;
mod lanes;
mod pcsc_errors;
mod pcsc_transport;
mod pin_pad_control;
mod reader_features;
mod reader_states;
mod readers;
mod watcher;

use std::collections::{HashMap, HashSet};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use ebid_protocol::{CertificateInfo, Command, ErrorCode, ErrorInfo, Pin, PinInfo, Reply};
use pcsc::Context;

use crate::drivers::{load_profiles, Profile};
use crate::pkcs11::Pkcs11Config;
use card_commands::CardOp;
use lanes::Lane;

pub(crate) use challenge::quote_input;
pub use lanes::{Deliver, BUSY_WAIT};
pub use pcsc_errors::context_error;
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

/// PC/SC reader names are at most this long (pcsc-lite's `MAX_READERNAME`; WinSCard's readers are named within
/// it too): a longer name is no reader's, whatever PC/SC would make of it.
pub const MAX_READER_NAME_BYTES: usize = 128;

/// Whether [`ALLOW_LOOPBACK_ORIGINS_ENV`] is `1` in this process's environment.
pub fn loopback_origins_allowed_by_env() -> bool {
    std::env::var_os(ALLOW_LOOPBACK_ORIGINS_ENV).is_some_and(|v| v == "1")
}

/// What the lanes and the reader list share: the card profiles and what is known of each reader's PIN pad.
struct Shared {
    profiles: Vec<Profile>,
    /// The PKCS#11 modules asked for cards no driver knows (or the settings prefer).
    pkcs11: Pkcs11Config,
    /// Per reader: its VERIFY_PIN_DIRECT control code, `None` without a PIN pad.
    pin_pads: Mutex<HashMap<String, Option<u32>>>,
    /// Readers whose PIN pad is being asked about right now (readers.rs), and the signal that one answered.
    pin_pad_queries: Mutex<HashSet<String>>,
    pin_pad_answered: Condvar,
}

impl Shared {
    fn new(profiles: Vec<Profile>, pkcs11: Pkcs11Config) -> Self {
        Shared {
            profiles,
            pkcs11,
            pin_pads: Mutex::new(HashMap::new()),
            pin_pad_queries: Mutex::new(HashSet::new()),
            pin_pad_answered: Condvar::new(),
        }
    }

    fn remember_pin_pad(&self, reader: &str, code: Option<u32>) {
        self.pin_pads
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(reader.to_owned(), code);
    }

    /// `Some(code)` when known, `None` when not asked yet.
    fn pin_pad(&self, reader: &str) -> Option<Option<u32>> {
        self.pin_pads
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(reader)
            .copied()
    }

    fn forget_pin_pads(&self) {
        self.pin_pads
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

pub struct CardService {
    /// The context of the reader list (the lanes have their own).
    context: Option<Context>,
    /// One lane per reader a card command went to.
    lanes: HashMap<String, Lane>,
    shared: Arc<Shared>,
    watcher: Option<Watcher>,
    /// `sign_challenge` accepts `http://` loopback origins (the test switch [`ALLOW_LOOPBACK_ORIGINS_ENV`]).
    allow_loopback_origins: bool,
}

impl Default for CardService {
    fn default() -> Self {
        Self::new()
    }
}

impl CardService {
    /// A service with the card profiles of the profile directory ([`load_profiles`]), the PKCS#11 settings
    /// ([`Pkcs11Config::load`]), and the loopback-origin test switch from the environment. Does not touch PC/SC
    /// yet.
    pub fn new() -> Self {
        let mut service = Self::with_config(load_profiles(), Pkcs11Config::load());
        service.allow_loopback_origins = loopback_origins_allowed_by_env();
        service
    }

    /// A service with these profiles and no PKCS#11 modules; `http://` loopback origins refused (see
    /// [`Self::allow_loopback_origins`]).
    pub fn with_profiles(profiles: Vec<Profile>) -> Self {
        Self::with_config(profiles, Pkcs11Config::default())
    }

    /// A service with these profiles and PKCS#11 settings; `http://` loopback origins refused.
    pub fn with_config(profiles: Vec<Profile>, pkcs11: Pkcs11Config) -> Self {
        CardService {
            context: None,
            lanes: HashMap::new(),
            shared: Arc::new(Shared::new(profiles, pkcs11)),
            watcher: None,
            allow_loopback_origins: false,
        }
    }

    /// Turns the loopback-origin test switch on or off (see [`ALLOW_LOOPBACK_ORIGINS_ENV`]).
    pub fn allow_loopback_origins(&mut self, allow: bool) {
        self.allow_loopback_origins = allow;
    }

    /// Whether `command` goes to the card in a reader (and so is answered by that reader's lane, see
    /// [`Self::submit`]); the others (`list_readers`, `watch`, `unwatch`) are answered at once.
    pub fn is_card_command(command: &Command) -> bool {
        !matches!(
            command,
            Command::ListReaders | Command::Watch | Command::Unwatch
        )
    }

    /// Runs one protocol command and waits for its answer. `events` makes the sink a `watch` sends its events to.
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
            card_command => {
                let (tx, rx) = mpsc::channel();
                self.submit(
                    card_command,
                    Box::new(move |result| {
                        let _ = tx.send(result);
                    }),
                );
                // The lane answers within its bounds (lanes.rs); a lane that vanished drops `tx`.
                rx.recv().unwrap_or_else(|_| {
                    Err(ErrorInfo::new(ErrorCode::Internal)
                        .with_detail("the card command was never answered"))
                })
            }
        }
    }

    /// Starts a card command ([`Self::is_card_command`]) on its reader's lane and returns at once; `deliver` gets
    /// the answer from the lane's thread, within [`BUSY_WAIT`] when the card is held elsewhere. Argument and
    /// reader checks that need no card are answered before the lane.
    pub fn submit(&mut self, command: Command, deliver: Deliver) {
        let (reader, op) = match command {
            Command::ReadCertificate { reader } => (reader, CardOp::ReadCertificate),
            Command::PinStatus { reader } => (reader, CardOp::PinStatus),
            Command::VerifyPin { reader, pin } => (reader, CardOp::VerifyPin(pin)),
            Command::SignChallenge {
                reader,
                origin,
                challenge,
                purpose,
                bound_certificate,
            } => {
                match self.challenge_digest(
                    &origin,
                    &challenge,
                    purpose,
                    bound_certificate.as_deref(),
                ) {
                    Ok(digest) => (reader, CardOp::Sign(digest)),
                    Err(error) => return deliver(Err(error)),
                }
            }
            // Without a lane there is no connection, so no verified PIN: nothing to forget, nothing to ask PC/SC.
            Command::Forget { reader } if !self.lanes.contains_key(&reader) => {
                return deliver(Ok(Reply::Forgotten))
            }
            Command::Forget { reader } => (reader, CardOp::Forget),
            Command::ListReaders | Command::Watch | Command::Unwatch => {
                return deliver(Err(
                    ErrorInfo::new(ErrorCode::Internal).with_detail("not a card command")
                ))
            }
        };
        match self.lane(&reader) {
            Ok(lane) => lane.submit(op, deliver),
            Err(error) => deliver(Err(error)),
        }
    }

    /// The certificate of the card in `reader` with its summary. Read once per card connection.
    pub fn read_certificate(&mut self, reader: &str) -> Result<CertificateInfo, ErrorInfo> {
        match self.card_command(Command::ReadCertificate {
            reader: reader.to_owned(),
        })? {
            Reply::Certificate(info) => Ok(info),
            other => Err(unexpected(&other)),
        }
    }

    /// Tries left, blocked state and the PIN rules of the card in `reader`.
    pub fn pin_status(&mut self, reader: &str) -> Result<PinInfo, ErrorInfo> {
        match self.card_command(Command::PinStatus {
            reader: reader.to_owned(),
        })? {
            Reply::PinStatus(info) => Ok(info),
            other => Err(unexpected(&other)),
        }
    }

    /// Verifies the PIN, or with `pin: None` asks for it on the reader's PIN pad.
    pub fn verify_pin(&mut self, reader: &str, pin: Option<&Pin>) -> Result<(), ErrorInfo> {
        self.card_command(Command::VerifyPin {
            reader: reader.to_owned(),
            pin: pin.cloned(),
        })
        .map(drop)
    }

    /// Forgets the card in `reader`: its verified PIN (the card is reset if it had one) and its cached data.
    pub fn forget(&mut self, reader: &str) {
        if let Err(error) = self.card_command(Command::Forget {
            reader: reader.to_owned(),
        }) {
            log::debug!("forget {reader:?}: {error}");
        }
    }

    fn card_command(&mut self, command: Command) -> Result<Reply, ErrorInfo> {
        self.execute(command, || Box::new(|_| false))
    }

    /// The lane of `reader`, started on first use. Only readers PC/SC lists get one (a name that is no reader's is
    /// `NO_READER` here, and costs no thread); lanes of readers that left are ended once idle.
    fn lane(&mut self, reader: &str) -> Result<&Lane, ErrorInfo> {
        check_reader_name(reader)?;
        let names = self.reader_names()?;
        if !names.iter().any(|name| name == reader) {
            return Err(ErrorInfo::new(ErrorCode::NoReader)
                .with_detail(format!("no reader named {}", quote_input(reader, 100))));
        }
        self.lanes
            .retain(|name, lane| names.contains(name) || !lane.is_idle());
        if !self.lanes.contains_key(reader) {
            let lane = Lane::start(reader, self.shared.clone()).map_err(|e| {
                ErrorInfo::new(ErrorCode::Internal)
                    .with_detail(format!("cannot start the reader's thread: {e}"))
            })?;
            self.lanes.insert(reader.to_owned(), lane);
        }
        self.lanes
            .get(reader)
            .ok_or_else(|| ErrorInfo::new(ErrorCode::Internal))
    }
}

/// `NO_READER` for a name no PC/SC reader can have (PC/SC itself would call it an invalid parameter, which a help
/// desk would read as a card fault).
pub fn check_reader_name(reader: &str) -> Result<(), ErrorInfo> {
    let why = if reader.len() > MAX_READER_NAME_BYTES {
        format!(
            "no reader has a name of {} bytes (PC/SC names have at most {MAX_READER_NAME_BYTES})",
            reader.len()
        )
    } else if reader.is_empty() || reader.contains('\0') {
        format!("no reader is named {}", quote_input(reader, 100))
    } else {
        return Ok(());
    };
    Err(ErrorInfo::new(ErrorCode::NoReader).with_detail(why))
}

fn unexpected(reply: &Reply) -> ErrorInfo {
    ErrorInfo::new(ErrorCode::Internal).with_detail(format!("unexpected reply {reply:?}"))
}

impl Drop for CardService {
    fn drop(&mut self) {
        self.unwatch();
        // Each lane disconnects its card (resetting a verified one) before it ends.
        self.lanes.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_events() -> EventSink {
        Box::new(|_| true)
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
