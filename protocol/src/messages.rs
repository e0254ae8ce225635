//! Requests, responses and events.

use serde::{Deserialize, Serialize};

use crate::{ErrorInfo, Pin, PinCharset, SignPurpose};

/// A request from the extension: `{"id": 7, "cmd": "read_certificate", "reader": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub id: u64,
    #[serde(flatten)]
    pub command: Command,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum Command {
    /// All readers with card presence, ATR and PIN-pad capability.
    ListReaders,
    /// Start sending [`Event`]s for reader and card changes (answered by [`Reply::Watching`]).
    Watch,
    /// Stop sending events.
    Unwatch,
    /// The certificate of the card in `reader`, with its summary.
    ReadCertificate { reader: String },
    /// Tries left and blocked state, without spending a try where the card allows.
    PinStatus { reader: String },
    /// Verify the PIN. `pin: null` on a PIN-pad reader means "ask on the reader".
    VerifyPin {
        reader: String,
        #[serde(default)]
        pin: Option<Pin>,
    },
    /// Sign [`crate::binding_digest`] of origin + challenge (+ the other card's certificate), computed by the host,
    /// as PKCS#1 v1.5 over DigestInfo(SHA-256). The only signing command: the host never signs a digest the caller
    /// chose. Needs a PIN verified on that card in this session, and spends it: after the attempt the card is
    /// logged out, so the next signature needs `verify_pin` again.
    SignChallenge {
        reader: String,
        /// The portal's canonical web origin, `https://host[:port]` ([`crate::check_web_origin`]); anything else
        /// is `ORIGIN_NOT_ALLOWED`.
        origin: String,
        /// Base64 challenge issued by the portal: 32 to 1024 bytes once decoded.
        challenge: String,
        purpose: SignPurpose,
        /// Base64 DER of the certificate this signature binds (the current card's, when signing as the new card).
        #[serde(default)]
        bound_certificate: Option<String>,
    },
    /// Forget the verified PIN state of the card in `reader` (logout).
    Forget { reader: String },
}

impl Command {
    /// Every wire name (`cmd`) there is, as [`Command::name`] gives them: a request naming anything else is an
    /// unknown command; one naming these with wrong arguments is a bad request.
    pub const NAMES: [&'static str; 8] = [
        "list_readers",
        "watch",
        "unwatch",
        "read_certificate",
        "pin_status",
        "verify_pin",
        "sign_challenge",
        "forget",
    ];

    /// The wire name (`cmd`), never the arguments: what logs and help-desk details may show (a PIN travels in
    /// `verify_pin`).
    pub fn name(&self) -> &'static str {
        match self {
            Command::ListReaders => "list_readers",
            Command::Watch => "watch",
            Command::Unwatch => "unwatch",
            Command::ReadCertificate { .. } => "read_certificate",
            Command::PinStatus { .. } => "pin_status",
            Command::VerifyPin { .. } => "verify_pin",
            Command::SignChallenge { .. } => "sign_challenge",
            Command::Forget { .. } => "forget",
        }
    }
}

/// Everything the host sends.
// Messages are built and sent one at a time: boxing the large variants would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HostMessage {
    /// First message of every session.
    Hello {
        version: String,
        protocol: u32,
    },
    Response {
        id: u64,
        result: Reply,
    },
    /// `id` is absent when the request was too garbled to carry one.
    Error {
        id: Option<u64>,
        error: ErrorInfo,
    },
    Event {
        event: Event,
    },
}

// Messages are built and sent one at a time: boxing the large variants would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reply {
    Readers {
        readers: Vec<ReaderInfo>,
    },
    Watching {
        readers: Vec<ReaderInfo>,
    },
    Unwatched,
    Certificate(CertificateInfo),
    PinStatus(PinInfo),
    PinVerified,
    Signature {
        /// Base64 PKCS#1 v1.5 signature.
        signature: String,
        /// Base64 SHA-256 digest that was signed.
        digest: String,
        /// [`SIGNATURE_ALGORITHM`].
        algorithm: String,
    },
    Forgotten,
}

/// The signature scheme of every [`Reply::Signature`] (`algorithm`), by its JOSE name: RSASSA-PKCS1-v1_5 with
/// SHA-256. The field stays a string: the extension never reads it, and an enum there would cost the wasm
/// extension a few hundred bytes of deserialiser.
pub const SIGNATURE_ALGORITHM: &str = "RS256";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "snake_case")]
pub enum Event {
    ReaderAdded {
        reader: String,
    },
    ReaderRemoved {
        reader: String,
    },
    CardInserted {
        reader: String,
        atr: String,
    },
    CardRemoved {
        reader: String,
    },
    /// The PC/SC service went away; the host keeps trying to reach it.
    PcscUnavailable,
    PcscAvailable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReaderInfo {
    pub name: String,
    pub card_present: bool,
    /// Hex, upper case, no separators.
    pub atr: Option<String>,
    pub pin_pad: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificateInfo {
    pub reader: String,
    /// Driver that read the card: `jpki` or `profile:<name>`. Shown and logged, never interpreted.
    pub card_type: String,
    /// Base64 DER.
    pub certificate: String,
    pub summary: CertificateSummary,
}

/// The certificate fields shown on the portal's 電子証明書更新確認画面.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateSummary {
    /// ICカード商号又は名称 (subject O).
    pub organization: Option<String>,
    /// ICカード取得者氏名 (subject CN, or the JPKI SAN name).
    pub holder_name: Option<String>,
    /// ICカード取得者業者所在地 (ST + L + street, in that order, or the JPKI SAN address).
    pub address: Option<String>,
    /// 証明書シリアル番号, upper-case hex.
    pub serial: String,
    /// 証明書発行者, readable DN.
    pub issuer: String,
    /// RFC 3339, UTC.
    pub not_before: String,
    /// 証明書有効期限, RFC 3339, UTC.
    pub not_after: String,
    pub key_algorithm: String,
    pub key_bits: u32,
    /// notAfter is in the past by the host's clock.
    pub expired: bool,
    /// Upper-case hex SHA-256 of the DER: tells two cards apart.
    pub sha256_fingerprint: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinInfo {
    /// `None` when the card cannot tell without spending a try.
    pub tries_left: Option<u8>,
    pub blocked: bool,
    pub pin_pad: bool,
    pub min_length: u8,
    pub max_length: u8,
    /// Lets the dialog check input before it reaches the card.
    pub charset: PinCharset,
}

/// One command of each kind; the match makes a new kind fail to compile here until it is added. Shared by the
/// message and framing tests.
#[cfg(test)]
pub(crate) fn one_of_each() -> Vec<Command> {
    let all = vec![
        Command::ListReaders,
        Command::Watch,
        Command::Unwatch,
        Command::ReadCertificate { reader: "R".into() },
        Command::PinStatus { reader: "R".into() },
        Command::VerifyPin {
            reader: "R".into(),
            pin: None,
        },
        Command::SignChallenge {
            reader: "R".into(),
            origin: "https://a.example".into(),
            challenge: "AAAA".into(),
            purpose: SignPurpose::Login,
            bound_certificate: None,
        },
        Command::Forget { reader: "R".into() },
    ];
    for command in &all {
        match command {
            Command::ListReaders
            | Command::Watch
            | Command::Unwatch
            | Command::ReadCertificate { .. }
            | Command::PinStatus { .. }
            | Command::VerifyPin { .. }
            | Command::SignChallenge { .. }
            | Command::Forget { .. } => {}
        }
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_names_are_the_wire_names_of_every_command() {
        let names: Vec<&str> = one_of_each().iter().map(Command::name).collect();
        assert_eq!(names, Command::NAMES);
        for command in one_of_each() {
            let wire = serde_json::to_value(&command).unwrap();
            assert_eq!(wire["cmd"], command.name());
        }
    }

    #[test]
    fn the_pin_charset_keeps_its_string_on_the_wire() {
        let pin_status = Reply::PinStatus(PinInfo {
            tries_left: Some(3),
            blocked: false,
            pin_pad: false,
            min_length: 6,
            max_length: 16,
            charset: PinCharset::Alphanumeric,
        });
        let wire = json!({"kind": "pin_status", "tries_left": 3, "blocked": false, "pin_pad": false,
            "min_length": 6, "max_length": 16, "charset": "alphanumeric"});
        assert_eq!(serde_json::to_value(&pin_status).unwrap(), wire);
        assert_eq!(serde_json::from_value::<Reply>(wire).unwrap(), pin_status);
    }
}
