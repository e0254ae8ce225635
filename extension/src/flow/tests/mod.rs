//! Every transition of the renewal flow, driven like the service worker drives it: [`driver::Driver`] feeds inputs
//! and answers the last request the way the host or the portal would; the files below group the scenarios by theme.

mod card_errors;
mod driver;
mod endings;
mod inputs;
mod listing;
mod one_card;
mod pin;
mod portal;
mod renewal;
mod swap;

use ebid_protocol::{
    CertificateInfo, CertificateSummary, Command, ErrorCode, ErrorInfo, PinInfo, ReaderInfo, Reply,
};

use super::*;
use crate::portal_call::{PortalCall, PortalStep};

const ORIGIN: &str = "https://www.ebid.city.sapporo.jp";
/// The portal's challenge for the current card, and the one it gives for the new card (32 bytes each).
const CHALLENGE: &str = "Y2hhbGxlbmdlLWZvci10aGUtY3VycmVudC1jYXJkLTEy";
const NEW_CHALLENGE: &str = "Y2hhbGxlbmdlLWZvci10aGUtbmV3LWNhcmQtMTIzNDU2";
const READER: &str = "Reader 00 00";
const OTHER_READER: &str = "Reader 00 01";

fn cert(reader: &str, fingerprint: &str, der: &str, expired: bool) -> CertificateInfo {
    CertificateInfo {
        reader: reader.into(),
        card_type: "profile:ebid-test-ca".into(),
        certificate: der.into(),
        summary: CertificateSummary {
            organization: Some("株式会社テスト".into()),
            holder_name: Some("札幌 太郎".into()),
            address: None,
            serial: "01".into(),
            issuer: "CN=Test CA".into(),
            not_before: "2024-01-01T00:00:00Z".into(),
            not_after: "2027-01-01T00:00:00Z".into(),
            key_algorithm: "RSA".into(),
            key_bits: 2048,
            expired,
            sha256_fingerprint: fingerprint.into(),
        },
    }
}

fn old_cert() -> CertificateInfo {
    cert(READER, "AA", "T0xE", false)
}

fn new_cert() -> CertificateInfo {
    cert(READER, "BB", "TkVX", false)
}

fn pin_info(tries: u8) -> PinInfo {
    PinInfo {
        tries_left: Some(tries),
        blocked: tries == 0,
        pin_pad: false,
        min_length: 4,
        max_length: 8,
        charset: "digits".into(),
    }
}

fn reader(name: &str, card: bool, pin_pad: bool) -> ReaderInfo {
    ReaderInfo {
        name: name.into(),
        card_present: card,
        atr: card.then(|| "3B00".into()),
        pin_pad,
    }
}

fn error(code: ErrorCode) -> ErrorInfo {
    ErrorInfo::new(code)
}

fn wrong_pin(left: u8) -> ErrorInfo {
    ErrorInfo::new(ErrorCode::WrongPin).with_retries(left)
}

fn signature(value: &str) -> Reply {
    Reply::Signature {
        signature: value.into(),
        digest: "ZGlnZXN0".into(),
        algorithm: "RS256".into(),
    }
}

/// What the host answers a request.
type HostAnswer = Result<Reply, ErrorInfo>;

fn readers_reply(list: Vec<ReaderInfo>) -> HostAnswer {
    Ok(Reply::Readers { readers: list })
}

fn read(reader: &str) -> Command {
    Command::ReadCertificate {
        reader: reader.into(),
    }
}

/// The last screen among `effects`.
fn screen(effects: &[Effect]) -> Option<&Screen> {
    effects.iter().rev().find_map(|e| match e {
        Effect::Show(s) => Some(s),
        _ => None,
    })
}

fn shows(effects: &[Effect], test: impl Fn(&Screen) -> bool) -> bool {
    screen(effects).is_some_and(test)
}

fn sent(effects: &[Effect]) -> bool {
    effects.iter().any(|e| matches!(e, Effect::Send(_)))
}

fn swap_screen(stage: SwapStage, notice: Option<Notice>) -> Screen {
    Screen::Swap { stage, notice }
}

fn insert_screen(notice: Option<Notice>) -> Screen {
    Screen::InsertCurrentCard {
        card: Which::Current,
        notice,
    }
}

/// The refusal screen (2.1.3 pointer) for this reason.
fn refuses(effects: &[Effect], reason: Refusal) -> bool {
    shows(
        effects,
        |s| matches!(s, Screen::Refused { reason: r, .. } if *r == reason),
    )
}

/// The portal call handing over a card's signature: the challenge, the certificate and the signature fields.
fn hand_over(step: PortalStep, fields: [(&'static str, &str); 3]) -> PortalCall {
    PortalCall {
        step,
        fields: fields
            .map(|(name, value)| (name, value.to_owned()))
            .to_vec(),
    }
}

/// The portal's JSON refusal.
fn portal_refusal(code: &str, title: &str, message: &str, registration_pointer: bool) -> String {
    format!(
        r#"{{"error":{{"code":"{code}","title":"{title}","message":"{message}","registration_pointer":{registration_pointer}}}}}"#
    )
}
