//! Target `profile`: an admin's card profile (TOML, `host/profiles/README.md`) → `Profile::from_toml`, and a driver
//! built from whatever it accepted.
//!
//! Checked: an accepted profile holds the promises the driver relies on (name, AID, PIN lengths and block, sign
//! header, a parsable MSE:SET); its driver describes a PIN-pad VERIFY and runs its operations against a card that
//! answers `01 90 00` to everything without panicking; a refusal names the file.

use ebid_host::card::{ApduTransport, CommandApdu, TransportError};
use ebid_host::drivers::{CardDriver, PinEncoding, Profile, ProfileDriver};
use ebid_protocol::{ErrorInfo, Pin};

pub fn profile(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let profile = match Profile::from_toml("fuzz.toml", &text) {
        Ok(profile) => profile,
        Err(e) => {
            assert!(e.to_string().contains("fuzz.toml"), "{e}");
            return;
        }
    };
    check(&profile);
    for atr in profile.atr.iter().map(|p| p.value.clone()) {
        assert!(
            profile.matches_atr(&atr),
            "a profile matches its own ATR values"
        );
        let driver = ProfileDriver::new(profile.clone(), &atr);
        exercise(&driver);
    }
}

fn check(p: &Profile) {
    assert!(!p.name.is_empty() && p.name.len() <= 64);
    assert!(p
        .name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b)));
    assert_eq!(p.card_type(), format!("profile:{}", p.name));
    assert!(!p.atr.is_empty());
    for pattern in &p.atr {
        assert!((1..=33).contains(&pattern.value.len()));
        assert_eq!(pattern.mask.len(), pattern.value.len());
    }
    assert!((1..=16).contains(&p.aid.len()));
    let pin = &p.pin;
    assert!(1 <= pin.min_length && pin.min_length <= pin.max_length);
    assert!(pin.block_length <= 15);
    let encoded = match pin.encoding {
        PinEncoding::Ascii => pin.max_length as usize,
        PinEncoding::Bcd => (pin.max_length as usize).div_ceil(2),
    };
    assert!(pin.block_length == 0 || encoded <= pin.block_length as usize);
    if let Some(mse) = &p.sign.mse_set {
        CommandApdu::parse(mse).expect("an accepted mse_set parses");
    }
}

/// Answers `01 90 00` to every APDU, and counts them.
struct Agreeable(usize);

impl ApduTransport for Agreeable {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.0 += 1;
        assert!(self.0 < 10_000, "endless exchange");
        CommandApdu::parse(command).expect("the driver sends well-formed APDUs");
        Ok(vec![0x01, 0x90, 0x00])
    }
}

fn exercise(driver: &ProfileDriver) {
    let structure = driver.pin_pad_verify().verify_pin_direct_structure(0);
    assert!(structure.len() < 300);
    let rules = driver.pin_rules();
    let mut card = Agreeable(0);
    // A PIN of the longest allowed length in the allowed characters, and one too long.
    let longest = "1".repeat(rules.max_length as usize);
    let too_long = "1".repeat(rules.max_length as usize + 1);
    let results = [
        driver.select_application(&mut card).err(),
        driver.pin_status(&mut card).err(),
        driver.verify_pin(&mut card, &Pin::new(longest)).err(),
        driver.verify_pin(&mut card, &Pin::new(too_long)).err(),
        driver.prepare_pin_pad_verify(&mut card).err(),
        driver.sign_sha256(&mut card, &[0x11; 32]).err(),
        driver.read_certificate(&mut card).err(),
    ];
    for e in results.into_iter().flatten() {
        let _ = ErrorInfo::from(e);
    }
}
