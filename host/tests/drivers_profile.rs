//! The profile driver (the example profile `ebid-test-ca`, loaded from host/profiles/ as an admin's would be, and
//! variants) over a scripted card, and driver detection.

mod drivers_support;

use drivers_support::{
    fake_certificate, reply, sha256_digest_info_hex, short_reads, test_ca_profiles,
};
use ebid_host::card::{CardError, ScriptedTransport, TransportError};
use ebid_host::drivers::{detect_driver, CardDriver, PinCharset, PinState, Profile, ProfileDriver};
use ebid_protocol::{ErrorCode, ErrorInfo, Pin};

const TEST_CA_ATR: [u8; 10] = [0x3B, 0x85, 0x80, 0x01, 0x80, 0x73, 0x00, 0x00, 0x40, 0xB7];
/// The same card without the extended-length capability bit.
const SHORT_ATR: [u8; 10] = [0x3B, 0x85, 0x80, 0x01, 0x80, 0x73, 0x00, 0x00, 0x00, 0xB7];
const JPKI_ATR: [u8; 9] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];
const SELECT_TEST_CA: &str = "00A4040C09F04542494454455354";
const SELECT_JPKI: &str = "00A4040C0AD392F000260100000001";
const SELECT_CERT: &str = "00A4020C02C001";
const MSE_SET: &str = "002241B606800142840101";

fn s(command: &str, response: &str) -> (String, String) {
    (command.to_owned(), response.to_owned())
}

fn test_ca() -> Profile {
    test_ca_profiles()
        .into_iter()
        .find(|p| p.name == "ebid-test-ca")
        .unwrap()
}

fn driver() -> ProfileDriver {
    ProfileDriver::new(test_ca(), &TEST_CA_ATR)
}

/// The example profile edited: `extended_length` left to the ATR, BCD PIN in a PIN EF, a key EF to select.
fn variant() -> Profile {
    let text = include_str!("../profiles/ebid-test-ca.toml")
        .replacen("name = \"ebid-test-ca\"", "name = \"variant\"", 1)
        .replacen("extended_length = true\n", "", 1)
        .replacen("encoding = \"ascii\"", "encoding = \"bcd\"", 1)
        .replacen("# select_ef = \"00 1B\"", "select_ef = \"00 1B\"", 1)
        .replacen(
            "# select_key_ef = \"00 1A\"",
            "select_key_ef = \"00 1A\"",
            1,
        )
        .replacen("status_query = true", "status_query = false", 1);
    Profile::from_toml("variant.toml", &text).unwrap()
}

// ---- detection ----

#[test]
fn test_ca_card_detected_in_one_apdu() {
    let mut t = ScriptedTransport::new(vec![s(SELECT_TEST_CA, "9000")]);
    let driver = detect_driver(&TEST_CA_ATR, &mut t, &test_ca_profiles()).unwrap();
    assert_eq!(driver.card_type(), "profile:ebid-test-ca");
    assert_eq!(driver.label().ja, "電子入札テスト認証局 ICカード");
    assert_eq!(t.apdu_count(), 1);
}

#[test]
fn unknown_card_is_unsupported_after_trying_jpki() {
    let mut t = ScriptedTransport::new(vec![s(SELECT_JPKI, "6A82")]);
    let err = detect_driver(&[0x3B, 0x02, 0x14, 0x50], &mut t, &test_ca_profiles())
        .err()
        .unwrap();
    assert_eq!(err, CardError::Unsupported);
    assert_eq!(ErrorInfo::from(err).code, ErrorCode::UnsupportedCard);
    t.assert_finished();
}

#[test]
fn jpki_found_by_aid_when_the_atr_is_new() {
    let mut t = ScriptedTransport::new(vec![s(SELECT_JPKI, "9000")]);
    let driver = detect_driver(&[0x3B, 0x02, 0x14, 0x50], &mut t, &test_ca_profiles()).unwrap();
    assert_eq!(driver.card_type(), "jpki");
}

#[test]
fn matching_atr_with_a_foreign_aid_falls_through() {
    let mut t = ScriptedTransport::new(vec![s(SELECT_TEST_CA, "6A82"), s(SELECT_JPKI, "6D00")]);
    let err = detect_driver(&TEST_CA_ATR, &mut t, &test_ca_profiles())
        .err()
        .unwrap();
    assert_eq!(err, CardError::Unsupported);
    t.assert_finished();
}

#[test]
fn jpki_atr_is_not_selected_twice() {
    let mut t = ScriptedTransport::new(vec![s(SELECT_JPKI, "6A86")]);
    let err = detect_driver(&JPKI_ATR, &mut t, &test_ca_profiles())
        .err()
        .unwrap();
    assert_eq!(err, CardError::Unsupported);
    assert_eq!(t.apdu_count(), 1);
}

#[test]
fn card_removed_during_detection_is_not_unsupported() {
    let mut t = ScriptedTransport::new(Vec::<(&str, &str)>::new())
        .then_fail(SELECT_TEST_CA, TransportError::CardRemoved);
    let err = detect_driver(&TEST_CA_ATR, &mut t, &test_ca_profiles())
        .err()
        .unwrap();
    assert_eq!(err, CardError::Transport(TransportError::CardRemoved));
}

#[test]
fn pcsc_gone_during_detection() {
    let mut t = ScriptedTransport::new(Vec::<(&str, &str)>::new())
        .then_fail(SELECT_JPKI, TransportError::NoService);
    let err = detect_driver(&JPKI_ATR, &mut t, &[]).err().unwrap();
    assert_eq!(ErrorInfo::from(err).code, ErrorCode::PcscUnavailable);
}

// ---- certificate ----

#[test]
fn extended_card_reads_the_certificate_in_2_apdus() {
    let cert = fake_certificate(1200);
    let mut t = ScriptedTransport::new(vec![
        s(SELECT_CERT, "9000"),
        s("00B00000000000", &reply(&cert, 0x6282)),
    ]);
    assert_eq!(driver().read_certificate(&mut t).unwrap(), cert);
    assert_eq!(t.apdu_count(), 2);
}

#[test]
fn extended_read_ignores_what_follows_the_certificate() {
    let cert = fake_certificate(1200);
    let mut file = cert.clone();
    file.extend([0xFF; 848]);
    let mut t = ScriptedTransport::new(vec![
        s(SELECT_CERT, "9000"),
        s("00B00000000000", &reply(&file, 0x9000)),
    ]);
    assert_eq!(driver().read_certificate(&mut t).unwrap(), cert);
}

#[test]
fn extended_read_continues_when_the_card_sends_less() {
    let cert = fake_certificate(1200);
    let mut t = ScriptedTransport::new(vec![
        s(SELECT_CERT, "9000"),
        s("00B00000000000", &reply(&cert[..1024], 0x9000)),
        s("00B004000000B0", &reply(&cert[1024..], 0x9000)),
    ]);
    assert_eq!(driver().read_certificate(&mut t).unwrap(), cert);
    assert_eq!(t.apdu_count(), 3);
}

#[test]
fn atr_without_the_capability_bit_reads_short_chunks() {
    let driver = ProfileDriver::new(variant(), &SHORT_ATR);
    assert!(!driver.extended_length());
    assert!(ProfileDriver::new(variant(), &TEST_CA_ATR).extended_length());
    let cert = fake_certificate(1200);
    let mut steps = vec![s(SELECT_CERT, "9000")];
    steps.extend(short_reads(&cert));
    let mut t = ScriptedTransport::new(steps);
    assert_eq!(driver.read_certificate(&mut t).unwrap(), cert);
    assert_eq!(t.apdu_count(), 6);
}

#[test]
fn certificate_read_errors() {
    for (sw, expected) in [
        ("6A82", CardError::FileNotFound),
        ("6982", CardError::SecurityNotSatisfied),
        ("6A86", CardError::WrongParameters { sw: 0x6A86 }),
    ] {
        let mut t = ScriptedTransport::new(vec![s(SELECT_CERT, sw)]);
        assert_eq!(driver().read_certificate(&mut t), Err(expected), "{sw}");
    }
}

// ---- PIN ----

#[test]
fn pin_status_is_free() {
    for (sw, expected) in [
        (
            "63C3",
            PinState {
                tries_left: Some(3),
                blocked: false,
                verified: false,
            },
        ),
        (
            "63C0",
            PinState {
                tries_left: Some(0),
                blocked: true,
                verified: false,
            },
        ),
        (
            "6983",
            PinState {
                tries_left: Some(0),
                blocked: true,
                verified: false,
            },
        ),
    ] {
        let mut t = ScriptedTransport::new(vec![s("00200081", sw)]);
        assert_eq!(driver().pin_status(&mut t), Ok(expected), "{sw}");
        assert_eq!(t.apdu_count(), 1);
    }
}

#[test]
fn no_status_query_means_no_apdu() {
    let mut t = ScriptedTransport::new(Vec::<(&str, &str)>::new());
    let state = ProfileDriver::new(variant(), &TEST_CA_ATR)
        .pin_status(&mut t)
        .unwrap();
    assert_eq!(
        state,
        PinState {
            tries_left: None,
            blocked: false,
            verified: false
        }
    );
    assert_eq!(t.apdu_count(), 0);
}

#[test]
fn verify_pads_ascii_digits_to_8_bytes() {
    let mut t = ScriptedTransport::new(vec![s("002000810831323334FFFFFFFF", "9000")]);
    driver().verify_pin(&mut t, &Pin::new("1234")).unwrap();
    assert_eq!(t.apdu_count(), 1);
}

#[test]
fn verify_status_words() {
    for (sw, expected) in [
        ("63C2", CardError::WrongPin { retries_left: 2 }),
        ("63C0", CardError::PinBlocked),
        ("6983", CardError::PinBlocked),
        ("6984", CardError::PinBlocked),
        ("6B00", CardError::WrongParameters { sw: 0x6B00 }),
    ] {
        let mut t = ScriptedTransport::new(vec![s("002000810839383736FFFFFFFF", sw)]);
        assert_eq!(
            driver().verify_pin(&mut t, &Pin::new("9876")),
            Err(expected),
            "{sw}"
        );
    }
}

#[test]
fn verify_rejects_bad_pins_before_the_card() {
    let rules = driver().pin_rules();
    assert_eq!(
        (rules.min_length, rules.max_length, rules.charset),
        (4, 8, PinCharset::Digits)
    );
    for pin in ["123", "123456789", "12a4", "１２３４"] {
        let mut t = ScriptedTransport::new(Vec::<(&str, &str)>::new());
        assert_eq!(
            driver().verify_pin(&mut t, &Pin::new(pin)),
            Err(CardError::PinFormat),
            "{pin}"
        );
        assert_eq!(t.apdu_count(), 0);
    }
}

#[test]
fn bcd_pin_in_its_own_ef() {
    let driver = ProfileDriver::new(variant(), &TEST_CA_ATR);
    let mut t = ScriptedTransport::new(vec![
        s("00A4020C02001B", "9000"),
        s("00200081081234FFFFFFFFFFFF", "9000"),
    ]);
    driver.verify_pin(&mut t, &Pin::new("1234")).unwrap();
    t.assert_finished();
    let mut t = ScriptedTransport::new(vec![s("00A4020C02001B", "9000")]);
    driver.prepare_pin_pad_verify(&mut t).unwrap();
    t.assert_finished();
}

#[test]
fn pin_pad_description() {
    let pad = driver().pin_pad_verify();
    assert_eq!(pad.header, [0x00, 0x20, 0x00, 0x81]);
    assert_eq!((pad.block.block_length, pad.block.pad_byte), (8, 0xFF));
    assert_eq!((pad.min_length, pad.max_length), (4, 8));
    let mut t = ScriptedTransport::new(Vec::<(&str, &str)>::new());
    driver().prepare_pin_pad_verify(&mut t).unwrap();
    assert_eq!(
        t.apdu_count(),
        0,
        "nothing to select before VERIFY on this card"
    );
}

// ---- signing ----

#[test]
fn sign_is_mse_set_then_pso_in_2_apdus() {
    let digest = [0x11; 32];
    let signature = vec![0x7E; 256];
    let pso = format!("002A9E9A33{}00", sha256_digest_info_hex(&digest));
    let mut t = ScriptedTransport::new(vec![s(MSE_SET, "9000"), (pso, reply(&signature, 0x9000))]);
    assert_eq!(driver().sign_sha256(&mut t, &digest).unwrap(), signature);
    assert_eq!(t.apdu_count(), 2);
}

#[test]
fn sign_without_pin() {
    let digest = [0x22; 32];
    let pso = format!("002A9E9A33{}00", sha256_digest_info_hex(&digest));
    let mut t = ScriptedTransport::new(vec![s(MSE_SET, "9000"), (pso, "6982".into())]);
    let err = driver().sign_sha256(&mut t, &digest).unwrap_err();
    assert_eq!(err, CardError::SecurityNotSatisfied);
    assert_eq!(ErrorInfo::from(err).code, ErrorCode::PinRequired);
}

#[test]
fn sign_with_key_ef_and_61xx() {
    let digest = [0x33; 32];
    let signature: Vec<u8> = (0..=255u8).rev().collect();
    let pso = format!("002A9E9A33{}00", sha256_digest_info_hex(&digest));
    let mut t = ScriptedTransport::new(vec![
        s("00A4020C02001A", "9000"),
        s(MSE_SET, "9000"),
        (pso, reply(&signature[..16], 0x61F0)),
        s("00C00000F0", &reply(&signature[16..], 0x9000)),
    ]);
    let driver = ProfileDriver::new(variant(), &TEST_CA_ATR);
    assert_eq!(driver.sign_sha256(&mut t, &digest).unwrap(), signature);
    t.assert_finished();
}

#[test]
fn mse_set_refused() {
    let mut t = ScriptedTransport::new(vec![s(MSE_SET, "6A86")]);
    let err = driver().sign_sha256(&mut t, &[0; 32]).unwrap_err();
    assert_eq!(ErrorInfo::from(err).detail.as_deref(), Some("SW 6A86"));
}

#[test]
fn pin_info_for_the_dialog() {
    let state = PinState {
        tries_left: Some(3),
        blocked: false,
        verified: false,
    };
    let info = state.to_pin_info(&driver().pin_rules(), true);
    assert_eq!(
        info,
        ebid_protocol::PinInfo {
            tries_left: Some(3),
            blocked: false,
            pin_pad: true,
            min_length: 4,
            max_length: 8,
            charset: "digits".into(),
        }
    );
}
