//! The drivers against the project's virtual card (tests/virtual-card), APDU for APDU without PC/SC: the two
//! sides were written from docs/cards.md independently, so this catches a layout either side got wrong.

mod drivers_support;

use std::time::SystemTime;

use drivers_support::test_ca_profiles;
use ebid_host::card::{ApduTransport, CardError, TransportError};
use ebid_host::cert_summary::summarize;
use ebid_host::drivers::{detect_driver, CardDriver, PinState};
use ebid_protocol::Pin;
use virtual_card::testca::{CertOptions, CertStyle, TestCa};
use virtual_card::{CardConfig, VirtualCard};

/// Hands APDUs straight to the emulation and counts them.
struct Direct<'a> {
    card: &'a VirtualCard,
    count: usize,
}

impl ApduTransport for Direct<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.count += 1;
        Ok(self.card.transmit(command))
    }
}

fn detect(card: &VirtualCard) -> (Box<dyn CardDriver>, Direct<'_>) {
    card.power_cycle();
    let mut t = Direct { card, count: 0 };
    let driver = detect_driver(&card.atr(), &mut t, &test_ca_profiles()).unwrap();
    (driver, t)
}

#[test]
fn profile_card_end_to_end() {
    let ca = TestCa::load().unwrap();
    let issued = ca.issue(&CertOptions::with_key("card1")).unwrap();
    let card =
        VirtualCard::new(CardConfig::profile("1234", &issued, ca.certificate_der())).unwrap();
    let (driver, mut t) = detect(&card);
    assert_eq!(driver.card_type(), "profile:ebid-test-ca");
    assert_eq!(t.count, 1);

    let before = t.count;
    let der = driver.read_certificate(&mut t).unwrap();
    assert_eq!(der, issued.certificate_der);
    assert_eq!(t.count - before, 2, "SELECT EF + one extended READ BINARY");

    let summary = summarize(&der, SystemTime::now()).unwrap();
    assert_eq!(
        summary.organization.as_deref(),
        Some(issued.options.organization.as_str())
    );
    assert_eq!(
        summary.holder_name.as_deref(),
        Some(issued.options.holder_name.as_str())
    );
    assert_eq!(summary.address, Some(issued.options.address()));
    assert_eq!(summary.serial, issued.serial_hex());
    assert_eq!(summary.sha256_fingerprint, issued.sha256_fingerprint());
    assert_eq!(
        (summary.key_algorithm.as_str(), summary.key_bits),
        ("RSA", 2048)
    );

    let fresh = PinState {
        tries_left: Some(3),
        blocked: false,
        verified: false,
    };
    assert_eq!(driver.pin_status(&mut t), Ok(fresh));
    assert_eq!(
        driver.sign_sha256(&mut t, &[7; 32]),
        Err(CardError::SecurityNotSatisfied)
    );
    assert_eq!(
        driver.verify_pin(&mut t, &Pin::new("9999")),
        Err(CardError::WrongPin { retries_left: 2 })
    );
    driver.verify_pin(&mut t, &Pin::new("1234")).unwrap();
    assert_eq!(driver.sign_sha256(&mut t, &[7; 32]).unwrap().len(), 256);
}

#[test]
fn jpki_card_end_to_end() {
    let ca = TestCa::load_jpki().unwrap();
    let options = CertOptions {
        style: CertStyle::Jpki,
        ..CertOptions::with_key("card2")
    };
    let issued = ca.issue(&options).unwrap();
    let card = VirtualCard::new(CardConfig::jpki("ABC123", &issued, ca.certificate_der())).unwrap();
    let (driver, mut t) = detect(&card);
    assert_eq!(driver.card_type(), "jpki");

    assert_eq!(
        driver.read_certificate(&mut t),
        Err(CardError::SecurityNotSatisfied),
        "the signature certificate needs the PIN"
    );
    assert_eq!(driver.pin_status(&mut t).unwrap().tries_left, Some(5));
    driver.verify_pin(&mut t, &Pin::new("abc123")).unwrap();
    let after = driver.pin_status(&mut t).unwrap();
    assert_eq!(
        (after.tries_left, after.verified),
        (Some(5), false),
        "JPKI's status query tells the tries left even for a verified PIN: the host tracks what it verified"
    );

    let before = t.count;
    let der = driver.read_certificate(&mut t).unwrap();
    assert_eq!(der, issued.certificate_der);
    assert_eq!(t.count - before, 1 + der.len().div_ceil(256));

    let summary = summarize(&der, SystemTime::now()).unwrap();
    assert_eq!(
        summary.holder_name.as_deref(),
        Some(issued.options.holder_name.as_str())
    );
    assert_eq!(summary.address, Some(issued.options.address()));
    assert_eq!(summary.serial, issued.serial_hex());
    assert_eq!(driver.sign_sha256(&mut t, &[9; 32]).unwrap().len(), 256);
}

#[test]
fn unknown_card_is_unsupported() {
    let card = VirtualCard::new(CardConfig::unknown()).unwrap();
    card.power_cycle();
    let mut t = Direct {
        card: &card,
        count: 0,
    };
    let result = detect_driver(&card.atr(), &mut t, &test_ca_profiles());
    assert_eq!(result.err(), Some(CardError::Unsupported));
}
