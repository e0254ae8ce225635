//! JPKI (My Number Card), signature half, exactly as docs/cards.md describes it. The card also has an
//! authentication half (EF 000A/000B/0017/0018) which this driver leaves alone.
//!
//! What the card does not tell: whether a PIN is verified. VERIFY without data answers `63Cx` (tries left) even
//! after a correct PIN, and selecting the application again (as [`CardDriver::select_application`] does) logs
//! the PIN out. So the card service tracks what it verified itself (one verified PIN, one signature), never
//! from [`PinState::verified`].
//!
//! APDU counts for a ~1.2 KB signature certificate: detection 1 (SELECT AP); `read_certificate` 6 (SELECT EF
//! `0001` + 5 short READ BINARYs of 256 bytes, the card having no extended length), or 3 before the PIN (SELECT
//! EF `0001` refused, then the PIN status, to tell a blocked PIN); `pin_status` 2; `verify_pin` 2; `sign_sha256`
//! 2.

use ebid_protocol::Pin;
use zeroize::Zeroizing;

use super::iso::{read_der_file, select_aid, select_ef, sha256_digest_info};
use super::{
    CardDriver, CardLabel, PinBlock, PinCharset, PinEncoding, PinPadVerify, PinRules, PinState,
};
use crate::card::{transmit, transmit_ok, ApduTransport, CardError, CommandApdu};

/// ATR of the My Number Card as seen by OpenSC.
pub const JPKI_ATR: [u8; 9] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];
/// The JPKI application (AP) AID.
pub const JPKI_AID: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];

const EF_SIGNATURE_CERTIFICATE: [u8; 2] = [0x00, 0x01];
const EF_SIGNATURE_KEY: [u8; 2] = [0x00, 0x1A];
const EF_SIGNATURE_PIN: [u8; 2] = [0x00, 0x1B];
const VERIFY_HEADER: [u8; 4] = [0x00, 0x20, 0x00, 0x80];
const SIGN_HEADER: [u8; 4] = [0x80, 0x2A, 0x00, 0x80];

const RULES: PinRules = PinRules {
    min_length: 6,
    max_length: 16,
    charset: PinCharset::Alphanumeric,
};
const BLOCK: PinBlock = PinBlock {
    encoding: PinEncoding::Ascii,
    pad_byte: 0x00,
    block_length: 0,
};

#[derive(Debug, Default, Clone)]
pub struct JpkiDriver;

impl JpkiDriver {
    pub fn new() -> Self {
        JpkiDriver
    }
}

impl CardDriver for JpkiDriver {
    fn card_type(&self) -> String {
        "jpki".into()
    }

    fn label(&self) -> CardLabel {
        CardLabel {
            ja: "マイナンバーカード（署名用電子証明書）".into(),
            en: "My Number Card (JPKI signature certificate)".into(),
        }
    }

    fn pin_rules(&self) -> PinRules {
        RULES
    }

    fn select_application(&self, t: &mut dyn ApduTransport) -> Result<(), CardError> {
        select_aid(t, &JPKI_AID)
    }

    /// Readable only after the signature PIN: before it the card answers `6982` (→ `PIN_REQUIRED`), unless the
    /// PIN is blocked, which the PIN status then tells (→ `PIN_BLOCKED`: no PIN will ever open it).
    fn read_certificate(&self, t: &mut dyn ApduTransport) -> Result<Vec<u8>, CardError> {
        let read = select_ef(t, EF_SIGNATURE_CERTIFICATE).and_then(|()| read_der_file(t, false));
        match read {
            Err(CardError::SecurityNotSatisfied) => match self.pin_status(t) {
                Ok(PinState { blocked: true, .. }) => Err(CardError::PinBlocked),
                Err(e @ CardError::Transport(_)) => Err(e),
                _ => Err(CardError::SecurityNotSatisfied),
            },
            other => other,
        }
    }

    fn pin_status(&self, t: &mut dyn ApduTransport) -> Result<PinState, CardError> {
        select_ef(t, EF_SIGNATURE_PIN)?;
        let response = transmit(t, &CommandApdu::from_header(VERIFY_HEADER))?;
        pin_state_from_sw(response.sw)
    }

    fn verify_pin(&self, t: &mut dyn ApduTransport, pin: &Pin) -> Result<(), CardError> {
        // The card compares upper-case letters only; people type either case.
        let upper = Zeroizing::new(pin.expose().to_ascii_uppercase());
        let encoded = BLOCK.encode(&upper, &RULES)?;
        select_ef(t, EF_SIGNATURE_PIN)?;
        transmit_ok(
            t,
            &CommandApdu::from_header(VERIFY_HEADER).with_data(encoded.to_vec()),
        )
        .map(drop)
    }

    fn prepare_pin_pad_verify(&self, t: &mut dyn ApduTransport) -> Result<(), CardError> {
        select_ef(t, EF_SIGNATURE_PIN)
    }

    fn pin_pad_verify(&self) -> PinPadVerify {
        PinPadVerify {
            header: VERIFY_HEADER,
            block: BLOCK,
            min_length: RULES.min_length,
            max_length: RULES.max_length,
        }
    }

    fn sign_sha256(
        &self,
        t: &mut dyn ApduTransport,
        digest: &[u8; 32],
    ) -> Result<Vec<u8>, CardError> {
        select_ef(t, EF_SIGNATURE_KEY)?;
        let sign = CommandApdu::from_header(SIGN_HEADER)
            .with_data(sha256_digest_info(digest))
            .with_le(256);
        non_empty_signature(transmit_ok(t, &sign)?)
    }
}

/// The answer to VERIFY without data: `63Cx` tries left (a JPKI card answers so even for a verified PIN, and
/// `63C0` for a blocked one, as OpenSC's JPKI driver expects), `9000` verified (cards whose status query says so,
/// such as profile cards), `6983`/`6984` blocked (ISO 7816-4 cards).
pub(crate) fn pin_state_from_sw(sw: u16) -> Result<PinState, CardError> {
    match CardError::from_sw(sw) {
        _ if sw == 0x9000 => Ok(PinState {
            tries_left: None,
            blocked: false,
            verified: true,
        }),
        CardError::WrongPin { retries_left } => Ok(PinState {
            tries_left: Some(retries_left),
            blocked: false,
            verified: false,
        }),
        CardError::PinBlocked => Ok(PinState {
            tries_left: Some(0),
            blocked: true,
            verified: false,
        }),
        e => Err(e),
    }
}

pub(crate) fn non_empty_signature(signature: Vec<u8>) -> Result<Vec<u8>, CardError> {
    if signature.is_empty() {
        Err(CardError::Malformed(
            "the card returned an empty signature".into(),
        ))
    } else {
        Ok(signature)
    }
}
