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
//! - The host signs only [`binding_digest`](ebid_protocol::binding_digest)s it computes itself, for a canonical web origin
//!   ([`ebid_protocol::check_web_origin`]) and a challenge of 32 to 1024 bytes; never a digest the caller chose.
//! - `watch` starts the event thread ([`watcher`]).
//!
//! Usable outside a messaging session (the admin `doctor`): [`CardService::new`], [`CardService::list_readers`],
//! [`CardService::read_certificate`].
//!
//! Where things are: this file holds the service and dispatches each command; `readers` lists readers and
//! starts and stops the events; `card_commands` runs the commands on one card; `challenge` checks
//! `sign_challenge`'s arguments and computes what is signed; `connection` reaches the card (context, cached
//! sessions, the one safe retry). Below them: `card_session` (one connection), `pcsc_transport` (APDUs over it),
//! `pin_pad_control`, `reader_features`, `reader_states`, `pcsc_errors`, `watcher`.

mod card_commands;
mod card_session;
mod challenge;
mod connection;
mod pcsc_errors;
mod pcsc_transport;
mod pin_pad_control;
mod reader_features;
mod reader_states;
mod readers;
mod watcher;

use std::collections::HashMap;

use ebid_protocol::{Command, ErrorInfo, Reply};
use pcsc::Context;

use crate::drivers::{load_profiles, Profile};
use card_session::CardSession;
use challenge::signature_reply;

pub(crate) use challenge::quote_input;
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

impl CardService {
    /// A service with the card profiles of the profile directory ([`load_profiles`]), and the loopback-origin
    /// test switch from the environment. Does not touch PC/SC yet.
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
}

impl Drop for CardService {
    fn drop(&mut self) {
        self.unwatch();
        for (_, session) in self.sessions.drain() {
            session.close();
        }
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
