//! Card drivers: one [`CardDriver`] per card layout (docs/cards.md), all talking through an
//! [`ApduTransport`] so they run the same over PC/SC and over a script in tests.
//!
//! [`detect_driver`] picks the driver for an inserted card and leaves its application selected; the driver's
//! methods then assume that application is still selected (the card service holds the card exclusively).

mod atr;
mod detect;
mod iso;
mod jpki;
mod pin;
mod pin_pad_command;
mod profile;
mod profile_driver;

pub use atr::{historical_bytes, supports_extended_length, AtrPattern};
pub use detect::detect_driver;
pub use iso::sha256_digest_info;
pub use jpki::JpkiDriver;
pub use pin::{PinBlock, PinCharset, PinEncoding, PinRules};
pub use pin_pad_command::PinPadVerify;
pub use profile::{
    load_profiles, load_profiles_from, Profile, ProfileError, ProfilePin, ProfileSign, SignInput,
    PROFILE_DIR_ENV, SYSTEM_PROFILE_DIR,
};
pub use profile_driver::ProfileDriver;

use ebid_protocol::Pin;

use crate::card::{ApduTransport, CardError};

/// A card's name for people: the dialogs show `ja`, logs and help desks `en`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct CardLabel {
    pub ja: String,
    pub en: String,
}

/// PIN state as the card tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinState {
    /// `None` when the card cannot tell without spending a try (or the PIN is already verified).
    pub tries_left: Option<u8>,
    pub blocked: bool,
    /// The PIN is verified in the current card session (the status query answered 9000).
    pub verified: bool,
}

impl PinState {
    /// The `pin_status` reply for the extension's PIN dialog.
    pub fn to_pin_info(&self, rules: &PinRules, pin_pad: bool) -> ebid_protocol::PinInfo {
        ebid_protocol::PinInfo {
            tries_left: self.tries_left,
            blocked: self.blocked,
            pin_pad,
            min_length: rules.min_length,
            max_length: rules.max_length,
            charset: rules.charset,
        }
    }
}

/// One card layout. Every method that takes a transport sends APDUs; the others are pure.
pub trait CardDriver: Send {
    /// `jpki` or `profile:<name>` (goes to `CertificateInfo::card_type`).
    fn card_type(&self) -> String;

    fn label(&self) -> CardLabel;

    fn pin_rules(&self) -> PinRules;

    /// Selects the card's application again (after a reset or reconnect). Clears its verified PIN state.
    fn select_application(&self, t: &mut dyn ApduTransport) -> Result<(), CardError>;

    /// The DER certificate used for signing.
    fn read_certificate(&self, t: &mut dyn ApduTransport) -> Result<Vec<u8>, CardError>;

    /// Tries left and blocked state, without spending a try (cards that cannot tell return `tries_left: None`).
    fn pin_status(&self, t: &mut dyn ApduTransport) -> Result<PinState, CardError>;

    /// Checks the PIN's format first (`PinFormat`, no APDU sent), then VERIFY.
    fn verify_pin(&self, t: &mut dyn ApduTransport, pin: &Pin) -> Result<(), CardError>;

    /// Sends what must precede a PIN-pad VERIFY (e.g. selecting the PIN EF); no PIN involved.
    fn prepare_pin_pad_verify(&self, t: &mut dyn ApduTransport) -> Result<(), CardError>;

    /// The VERIFY a PIN-pad reader should build; map its response with [`CardError::from_sw`].
    fn pin_pad_verify(&self) -> PinPadVerify;

    /// PKCS#1 v1.5 signature over the SHA-256 `digest` (the card builds or receives the DigestInfo). Needs a
    /// verified PIN: `SecurityNotSatisfied` otherwise.
    fn sign_sha256(
        &self,
        t: &mut dyn ApduTransport,
        digest: &[u8; 32],
    ) -> Result<Vec<u8>, CardError>;
}
