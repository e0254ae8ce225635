//! Target `drivers`: the card drivers (JPKI and TOML profiles, and driver detection) against a card that answers
//! every APDU with bytes from the input ([`super::card_answers`]): a faulty, hostile or simply unknown card.
//!
//! Input: a selector byte (driver, operation), the operation's arguments (a PIN; an ATR for detection), then the
//! card's answers. Each operation runs within the card service's budget ([`Budgeted`], [`Budget::OPERATION`]) as
//! it does in the host. Checked besides "no panic, no hang": every command sent is a well-formed APDU; no
//! operation sends more than the budget allows; a certificate read is a DER SEQUENCE of at most 32 KiB; a
//! signature is not empty; every error maps to a wire error.

use std::sync::OnceLock;

use ebid_host::card::{
    ApduTransport, Budget, Budgeted, CardError, TransportError, MAX_APDUS_PER_OPERATION,
};
use ebid_host::drivers::{detect_driver, CardDriver, JpkiDriver, Profile, ProfileDriver};
use ebid_protocol::{ErrorInfo, Pin};

use super::card_answers::CardAnswers;

/// The example profile admins copy (the test CA card's), as shipped in the repository.
const EXAMPLE_PROFILE: &str = include_str!("../../../host/profiles/ebid-test-ca.toml");

/// The example, and a variant using the other options: BCD PIN without a status query but with a PIN EF, a key
/// EF instead of MSE:SET, extended length decided by the ATR.
fn profiles() -> &'static [Profile] {
    static PROFILES: OnceLock<Vec<Profile>> = OnceLock::new();
    PROFILES.get_or_init(|| {
        let example =
            Profile::from_toml("ebid-test-ca.toml", EXAMPLE_PROFILE).expect("example profile");
        let variant_text = EXAMPLE_PROFILE
            .replacen("name = \"ebid-test-ca\"", "name = \"variant\"", 1)
            .replacen("extended_length = true\n", "", 1)
            .replacen("encoding = \"ascii\"", "encoding = \"bcd\"", 1)
            .replacen("block_length = 8", "block_length = 4", 1)
            .replacen("status_query = true", "status_query = false", 1)
            .replacen("# select_ef = \"00 1B\"", "select_ef = \"00 1B\"", 1)
            .replacen("mse_set = \"00 22 41 B6 06 80 01 42 84 01 01\"\n", "", 1)
            .replacen(
                "# select_key_ef = \"00 1A\"",
                "select_key_ef = \"00 1A\"",
                1,
            );
        let variant = Profile::from_toml("variant.toml", &variant_text).expect("variant profile");
        assert_ne!(variant, example, "the variant's edits all apply");
        vec![example, variant]
    })
}

const TEST_CA_ATR: [u8; 10] = [0x3B, 0x85, 0x80, 0x01, 0x80, 0x73, 0x00, 0x00, 0x40, 0xB7];
const MAX_CERTIFICATE_BYTES: usize = 32 * 1024;

pub fn drivers(data: &[u8]) {
    let Some((&selector, mut rest)) = data.split_first() else {
        return;
    };
    let pin = take_text(&mut rest, 20);
    let operation = selector >> 3;
    let driver: Box<dyn CardDriver> = match selector & 0x07 {
        0 => Box::new(JpkiDriver::new()),
        1 => Box::new(ProfileDriver::new(profiles()[0].clone(), &TEST_CA_ATR)),
        2 | 3 => {
            // Without extended length in the profile, the ATR decides.
            let atr = if selector & 1 == 0 {
                TEST_CA_ATR.to_vec()
            } else {
                take_bytes(&mut rest, 34)
            };
            Box::new(ProfileDriver::new(profiles()[1].clone(), &atr))
        }
        _ => {
            let atr = take_bytes(&mut rest, 34);
            let mut card = CardAnswers::new(rest);
            match within_budget(&mut card, |t| detect_driver(&atr, t, profiles())) {
                Ok(driver) => {
                    // Detection used some answers; the operation gets the rest of the same card.
                    run(driver.as_ref(), operation, &pin, &mut card);
                }
                Err(e) => wire(e),
            }
            return;
        }
    };
    run(
        driver.as_ref(),
        operation,
        &pin,
        &mut CardAnswers::new(rest),
    );
}

pub fn run(driver: &dyn CardDriver, operation: u8, pin: &str, card: &mut dyn ApduTransport) {
    let _ = (driver.card_type(), driver.label(), driver.pin_rules());
    let structure = driver
        .pin_pad_verify()
        .verify_pin_direct_structure(operation);
    assert!(
        structure.len() < 300,
        "PIN_VERIFY_STRUCTURE of {} bytes",
        structure.len()
    );
    let pin = Pin::new(pin);
    match operation % 8 {
        0 => certificate(within_budget(card, |t| driver.read_certificate(t))),
        1 => outcome(within_budget(card, |t| driver.pin_status(t))),
        2 => outcome(within_budget(card, |t| driver.verify_pin(t, &pin))),
        3 => signature(within_budget(card, |t| driver.sign_sha256(t, &[0x5A; 32]))),
        4 => outcome(within_budget(card, |t| driver.select_application(t))),
        5 => outcome(within_budget(card, |t| driver.prepare_pin_pad_verify(t))),
        // A whole renewal's worth on one card, each operation with its own budget: status, PIN, certificate,
        // signature, and selecting the application again.
        _ => {
            outcome(within_budget(card, |t| driver.pin_status(t)));
            outcome(within_budget(card, |t| driver.verify_pin(t, &pin)));
            certificate(within_budget(card, |t| driver.read_certificate(t)));
            signature(within_budget(card, |t| driver.sign_sha256(t, &[0xA5; 32])));
            outcome(within_budget(card, |t| driver.select_application(t)));
        }
    }
}

/// Lends the card to one operation's budget.
struct Lent<'t>(&'t mut dyn ApduTransport);

impl ApduTransport for Lent<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.0.transmit(command)
    }
}

/// Runs one card operation as the card service does: under [`Budget::OPERATION`].
fn within_budget<R>(
    card: &mut dyn ApduTransport,
    operation: impl FnOnce(&mut dyn ApduTransport) -> R,
) -> R {
    let mut budgeted = Budgeted::new(Lent(card), Budget::OPERATION);
    let result = operation(&mut budgeted);
    assert!(
        budgeted.sent() <= MAX_APDUS_PER_OPERATION,
        "{} APDUs sent",
        budgeted.sent()
    );
    result
}

fn certificate(result: Result<Vec<u8>, CardError>) {
    if let Ok(der) = &result {
        assert_eq!(der.first(), Some(&0x30), "a certificate is a DER SEQUENCE");
        assert!(
            der.len() <= MAX_CERTIFICATE_BYTES,
            "a certificate of {} bytes",
            der.len()
        );
    }
    outcome(result);
}

fn signature(result: Result<Vec<u8>, CardError>) {
    if let Ok(signature) = &result {
        assert!(!signature.is_empty(), "an empty signature");
    }
    outcome(result);
}

fn outcome<T>(result: Result<T, CardError>) {
    if let Err(e) = result {
        wire(e);
    }
}

fn wire(e: CardError) {
    let _ = e.to_string();
    let _ = ErrorInfo::from(e);
}

/// A length byte (below `max`) and that many bytes.
fn take_bytes(rest: &mut &[u8], max: u8) -> Vec<u8> {
    let Some((&len, tail)) = rest.split_first() else {
        return Vec::new();
    };
    let (bytes, tail) = tail.split_at(((len % max) as usize).min(tail.len()));
    *rest = tail;
    bytes.to_vec()
}

/// [`take_bytes`] as text (the PIN a user typed: anything, checked by the driver before it is sent).
fn take_text(rest: &mut &[u8], max: u8) -> String {
    String::from_utf8_lossy(&take_bytes(rest, max)).into_owned()
}
