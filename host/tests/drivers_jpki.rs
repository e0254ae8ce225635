//! The JPKI driver over a scripted card: every status word of docs/cards.md it can meet, and its APDU counts.

mod drivers_support;

use drivers_support::{fake_certificate, reply, sha256_digest_info_hex, short_reads};
use ebid_host::card::{CardError, ScriptedTransport, TransportError};
use ebid_host::drivers::{
    detect_driver, CardDriver, JpkiDriver, PinCharset, PinEncoding, PinState,
};
use ebid_protocol::{ErrorCode, ErrorInfo, Pin};

const JPKI_ATR: [u8; 9] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];
const SELECT_AP: &str = "00A4040C0AD392F000260100000001";
const SELECT_CERT: &str = "00A4020C020001";
const SELECT_PIN: &str = "00A4020C02001B";
const SELECT_KEY: &str = "00A4020C02001A";

fn script(steps: Vec<(String, String)>) -> ScriptedTransport {
    ScriptedTransport::new(steps)
}

fn s(command: &str, response: &str) -> (String, String) {
    (command.to_owned(), response.to_owned())
}

#[test]
fn detected_by_atr_and_ap_in_one_apdu() {
    let mut t = script(vec![s(SELECT_AP, "9000")]);
    let driver = detect_driver(&JPKI_ATR, &mut t, &[]).unwrap();
    assert_eq!(driver.card_type(), "jpki");
    assert_eq!(t.apdu_count(), 1);
    t.assert_finished();
}

#[test]
fn pin_rules_are_the_signature_pin() {
    let rules = JpkiDriver::new().pin_rules();
    assert_eq!((rules.min_length, rules.max_length), (6, 16));
    assert_eq!(rules.charset, PinCharset::Alphanumeric);
    assert_eq!(rules.charset.as_str(), "alphanumeric");
}

#[test]
fn certificate_of_1200_bytes_takes_6_apdus() {
    let cert = fake_certificate(1200);
    let mut steps = vec![s(SELECT_CERT, "9000")];
    steps.extend(short_reads(&cert));
    assert_eq!(
        steps[5].0, "00B00400B0",
        "the last read asks only for the 176 bytes left"
    );
    let mut t = script(steps);
    assert_eq!(JpkiDriver::new().read_certificate(&mut t).unwrap(), cert);
    assert_eq!(t.apdu_count(), 6);
    t.assert_finished();
}

#[test]
fn certificate_before_the_pin_is_pin_required() {
    // 6982 on SELECT or on READ BINARY: both mean "verify the signature PIN first", the PIN having tries left.
    for steps in [
        vec![s(SELECT_CERT, "6982")],
        vec![s(SELECT_CERT, "9000"), s("00B0000000", "6982")],
    ] {
        let mut steps = steps;
        steps.extend([s(SELECT_PIN, "9000"), s("00200080", "63C5")]);
        let mut t = script(steps);
        let err = JpkiDriver::new().read_certificate(&mut t).unwrap_err();
        assert_eq!(err, CardError::SecurityNotSatisfied);
        assert_eq!(ErrorInfo::from(err).code, ErrorCode::PinRequired);
        t.assert_finished();
    }
}

#[test]
fn certificate_of_a_card_whose_pin_is_blocked_is_pin_blocked() {
    // No PIN will open the certificate: say so, not "enter the PIN first".
    for blocked in ["63C0", "6983", "6984"] {
        let mut t = script(vec![
            s(SELECT_CERT, "6982"),
            s(SELECT_PIN, "9000"),
            s("00200080", blocked),
        ]);
        let err = JpkiDriver::new().read_certificate(&mut t).unwrap_err();
        assert_eq!(err, CardError::PinBlocked, "{blocked}");
        assert_eq!(ErrorInfo::from(err).code, ErrorCode::PinBlocked);
        t.assert_finished();
    }
    // A card pulled during the status question is that, not a PIN problem.
    let mut t =
        script(vec![s(SELECT_CERT, "6982")]).then_fail(SELECT_PIN, TransportError::CardRemoved);
    assert_eq!(
        JpkiDriver::new().read_certificate(&mut t),
        Err(CardError::Transport(TransportError::CardRemoved))
    );
}

#[test]
fn read_follows_6cxx_with_the_right_le() {
    let cert = fake_certificate(300);
    let mut t = script(vec![
        s(SELECT_CERT, "9000"),
        s("00B0000000", "6C80"),
        s("00B0000080", &reply(&cert[..128], 0x9000)),
        s("00B00080AC", &reply(&cert[128..], 0x9000)),
    ]);
    assert_eq!(JpkiDriver::new().read_certificate(&mut t).unwrap(), cert);
    t.assert_finished();
}

#[test]
fn read_follows_61xx() {
    let cert = fake_certificate(300);
    let mut t = script(vec![
        s(SELECT_CERT, "9000"),
        s("00B0000000", &reply(&cert[..200], 0x6138)),
        s("00C0000038", &reply(&cert[200..256], 0x9000)),
        s("00B001002C", &reply(&cert[256..], 0x9000)),
    ]);
    assert_eq!(JpkiDriver::new().read_certificate(&mut t).unwrap(), cert);
    t.assert_finished();
}

#[test]
fn end_of_file_before_the_der_length_is_malformed() {
    let cert = fake_certificate(600);
    let mut t = script(vec![
        s(SELECT_CERT, "9000"),
        s("00B0000000", &reply(&cert[..256], 0x9000)),
        s("00B0010000", &reply(&cert[256..300], 0x6282)),
    ]);
    let err = JpkiDriver::new().read_certificate(&mut t).unwrap_err();
    assert!(matches!(err, CardError::Malformed(_)), "{err:?}");
    assert_eq!(ErrorInfo::from(err).code, ErrorCode::CardError);
}

#[test]
fn empty_certificate_file_is_malformed() {
    let mut t = script(vec![
        s(SELECT_CERT, "9000"),
        s("00B0000000", &reply(&[0xFF; 256], 0x9000)),
    ]);
    assert!(matches!(
        JpkiDriver::new().read_certificate(&mut t),
        Err(CardError::Malformed(_))
    ));
}

#[test]
fn missing_file_is_6a82() {
    let mut t = script(vec![s(SELECT_CERT, "6A82")]);
    let err = JpkiDriver::new().read_certificate(&mut t).unwrap_err();
    assert_eq!(err, CardError::FileNotFound);
    let info = ErrorInfo::from(err);
    assert_eq!(
        (info.code, info.detail.as_deref()),
        (ErrorCode::CardError, Some("SW 6A82"))
    );
}

#[test]
fn wrong_parameters_keep_their_status_word() {
    for sw in ["6A86", "6B00"] {
        let mut t = script(vec![s(SELECT_CERT, "9000"), s("00B0000000", sw)]);
        let err = JpkiDriver::new().read_certificate(&mut t).unwrap_err();
        let info = ErrorInfo::from(err);
        assert_eq!(info.code, ErrorCode::CardError);
        assert_eq!(info.detail, Some(format!("SW {sw}")));
    }
}

#[test]
fn unknown_status_word_is_unexpected() {
    let mut t = script(vec![s(SELECT_CERT, "9000"), s("00B0000000", "6F00")]);
    assert_eq!(
        JpkiDriver::new().read_certificate(&mut t),
        Err(CardError::Unexpected { sw: 0x6F00 })
    );
}

#[test]
fn card_removed_mid_read() {
    let cert = fake_certificate(1200);
    let mut t = script(vec![s(SELECT_CERT, "9000"), short_reads(&cert)[0].clone()])
        .then_fail("00B0010000", TransportError::CardRemoved);
    let err = JpkiDriver::new().read_certificate(&mut t).unwrap_err();
    assert_eq!(err, CardError::Transport(TransportError::CardRemoved));
    assert_eq!(ErrorInfo::from(err).code, ErrorCode::CardRemoved);
    assert_eq!(t.apdu_count(), 3);
}

#[test]
fn pin_status_from_verify_without_data() {
    let cases = [
        (
            "63C5",
            Ok(PinState {
                tries_left: Some(5),
                blocked: false,
                verified: false,
            }),
        ),
        (
            "63C1",
            Ok(PinState {
                tries_left: Some(1),
                blocked: false,
                verified: false,
            }),
        ),
        (
            "63C0",
            Ok(PinState {
                tries_left: Some(0),
                blocked: true,
                verified: false,
            }),
        ),
        (
            "6983",
            Ok(PinState {
                tries_left: Some(0),
                blocked: true,
                verified: false,
            }),
        ),
        (
            "6984",
            Ok(PinState {
                tries_left: Some(0),
                blocked: true,
                verified: false,
            }),
        ),
        (
            "9000",
            Ok(PinState {
                tries_left: None,
                blocked: false,
                verified: true,
            }),
        ),
        ("6A86", Err(CardError::WrongParameters { sw: 0x6A86 })),
    ];
    for (sw, expected) in cases {
        let mut t = script(vec![s(SELECT_PIN, "9000"), s("00200080", sw)]);
        assert_eq!(JpkiDriver::new().pin_status(&mut t), expected, "{sw}");
        assert_eq!(t.apdu_count(), 2);
    }
}

#[test]
fn verify_upper_cases_the_pin() {
    // "abc123" goes to the card as "ABC123".
    let mut t = script(vec![
        s(SELECT_PIN, "9000"),
        s("0020008006414243313233", "9000"),
    ]);
    JpkiDriver::new()
        .verify_pin(&mut t, &Pin::new("abc123"))
        .unwrap();
    assert_eq!(t.apdu_count(), 2);
    t.assert_finished();
}

/// A JPKI card logs its PINs out when the AP is selected again and never says "verified": after VERIFY the
/// driver reads and signs on the selected AP as it is, and a status query then tells the tries left.
#[test]
fn a_verified_pin_is_used_without_selecting_the_application_again() {
    let cert = fake_certificate(600);
    let digest = [0x33; 32];
    let signature = vec![0x44; 256];
    let mut steps = vec![
        s(SELECT_PIN, "9000"),
        s("0020008006414243313233", "9000"),
        s(SELECT_CERT, "9000"),
    ];
    steps.extend(short_reads(&cert));
    steps.push(s(SELECT_PIN, "9000"));
    steps.push(s("00200080", "63C5"));
    steps.push(s(SELECT_KEY, "9000"));
    steps.push((
        format!("802A008033{}00", sha256_digest_info_hex(&digest)),
        reply(&signature, 0x9000),
    ));
    let mut t = script(steps);
    let driver = JpkiDriver::new();
    driver.verify_pin(&mut t, &Pin::new("abc123")).unwrap();
    assert_eq!(driver.read_certificate(&mut t).unwrap(), cert);
    assert_eq!(
        driver.pin_status(&mut t),
        Ok(PinState {
            tries_left: Some(5),
            blocked: false,
            verified: false,
        }),
        "63C5 after a correct PIN: 5 tries, and no claim about verification"
    );
    assert_eq!(driver.sign_sha256(&mut t, &digest).unwrap(), signature);
    t.assert_finished();
}

#[test]
fn verify_wrong_and_blocked() {
    let cases = [
        (
            "63C4",
            CardError::WrongPin { retries_left: 4 },
            ErrorCode::WrongPin,
            Some(4),
        ),
        (
            "63C0",
            CardError::PinBlocked,
            ErrorCode::PinBlocked,
            Some(0),
        ),
        (
            "6983",
            CardError::PinBlocked,
            ErrorCode::PinBlocked,
            Some(0),
        ),
        (
            "6984",
            CardError::PinBlocked,
            ErrorCode::PinBlocked,
            Some(0),
        ),
    ];
    for (sw, error, code, retries) in cases {
        let mut t = script(vec![s(SELECT_PIN, "9000"), s("0020008006414243313233", sw)]);
        let err = JpkiDriver::new()
            .verify_pin(&mut t, &Pin::new("ABC123"))
            .unwrap_err();
        assert_eq!(err, error, "{sw}");
        let info = ErrorInfo::from(err);
        assert_eq!((info.code, info.retries_left), (code, retries), "{sw}");
    }
}

#[test]
fn malformed_pins_spend_no_try() {
    for pin in [
        "ABC12",
        "12345678901234567",
        "ABC-123",
        "ABC 123",
        "あいうえおか",
        "ＡＢＣ１２３",
        "",
    ] {
        let mut t = script(vec![]);
        let err = JpkiDriver::new()
            .verify_pin(&mut t, &Pin::new(pin))
            .unwrap_err();
        assert_eq!(err, CardError::PinFormat, "{pin}");
        assert_eq!(ErrorInfo::from(err).code, ErrorCode::PinFormat);
        assert_eq!(t.apdu_count(), 0, "{pin}: no APDU may be sent");
    }
}

#[test]
fn sign_takes_2_apdus() {
    let digest = [0x5A; 32];
    let signature = vec![0xC3; 256];
    let sign = format!("802A008033{}00", sha256_digest_info_hex(&digest));
    let mut t = script(vec![
        s(SELECT_KEY, "9000"),
        (sign, reply(&signature, 0x9000)),
    ]);
    assert_eq!(
        JpkiDriver::new().sign_sha256(&mut t, &digest).unwrap(),
        signature
    );
    assert_eq!(t.apdu_count(), 2);
}

#[test]
fn sign_follows_61xx() {
    let digest = [0x01; 32];
    let signature: Vec<u8> = (0..=255).collect();
    let sign = format!("802A008033{}00", sha256_digest_info_hex(&digest));
    let mut t = script(vec![
        s(SELECT_KEY, "9000"),
        (sign, "6100".into()),
        s("00C0000000", &reply(&signature, 0x9000)),
    ]);
    assert_eq!(
        JpkiDriver::new().sign_sha256(&mut t, &digest).unwrap(),
        signature
    );
    t.assert_finished();
}

#[test]
fn sign_without_pin_is_pin_required() {
    let digest = [0x02; 32];
    let sign = format!("802A008033{}00", sha256_digest_info_hex(&digest));
    let mut t = script(vec![s(SELECT_KEY, "9000"), (sign, "6982".into())]);
    let err = JpkiDriver::new().sign_sha256(&mut t, &digest).unwrap_err();
    assert_eq!(ErrorInfo::from(err).code, ErrorCode::PinRequired);
}

#[test]
fn pin_pad_verify_selects_the_pin_ef_and_maps_timeout_and_cancel() {
    let driver = JpkiDriver::new();
    let mut t = script(vec![s(SELECT_PIN, "9000")]);
    driver.prepare_pin_pad_verify(&mut t).unwrap();
    t.assert_finished();
    let pad = driver.pin_pad_verify();
    assert_eq!(pad.header, [0x00, 0x20, 0x00, 0x80]);
    assert_eq!(pad.block.encoding, PinEncoding::Ascii);
    assert_eq!(pad.block.block_length, 0);
    assert_eq!((pad.min_length, pad.max_length), (6, 16));
    // What a PIN-pad reader answers, mapped the way the service maps it.
    assert_eq!(CardError::from_sw(0x6400), CardError::PinPadTimeout);
    assert_eq!(CardError::from_sw(0x6401), CardError::PinPadCancelled);
    assert_eq!(
        ErrorInfo::from(CardError::from_sw(0x6400)).code,
        ErrorCode::PinPadTimeout
    );
    assert_eq!(
        ErrorInfo::from(CardError::from_sw(0x6401)).code,
        ErrorCode::PinPadCancelled
    );
}
