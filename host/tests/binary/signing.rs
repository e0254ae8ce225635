//! Signing: only `sign_challenge`, only after this session verified the PIN, one signature per PIN.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use ebid_protocol::{binding_digest, SignPurpose};
use serde_json::json;
use sha2::{Digest, Sha256};
use virtual_card::testca::CertOptions;

use crate::common::*;

#[test]
fn signing_needs_the_pin_first() {
    let bed = bed(1);
    let card = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card7"));
    let _inserted = bed.insert(&card.card, 0);
    let mut host = bed.host();
    let reader = bed.reader(0);
    let login = sign_challenge(&reader, ORIGIN, &challenge(32), "login");

    let error = host.fails(login.clone());
    assert_eq!(code(&error), "PIN_REQUIRED", "{error}");

    // A PIN verified by another session (here another host process) does not count for this one, even though
    // the card itself is still verified.
    let mut other = bed.host();
    other.ok(json!({"cmd": "verify_pin", "reader": reader, "pin": PROFILE_PIN}));
    assert!(card.card.pin_verified());
    let error = host.fails(login);
    assert_eq!(code(&error), "PIN_REQUIRED", "{error}");
    assert_eq!(
        card.card.command_log().last().map(|r| r.header[1]),
        Some(0x20),
        "no signing APDU was sent"
    );
    assert_eq!(signing_apdus(&card.card), 0);
    assert_no_panic(&host);
}

#[test]
fn signatures_after_the_pin_verify_with_the_certificate_key() {
    let bed = bed(1);
    let current = bed.jpki_card(JPKI_PIN, CertOptions::with_key("card1"));
    let new = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card8"));
    let _a = bed.insert(&current.card, 0);
    let _b = bed.insert(&new.card, 1);
    let mut host = bed.host();
    let (r0, r1) = (bed.reader(0), bed.reader(1));

    let challenge = challenge(32);

    // The current card consents, JPKI.
    host.ok(json!({"cmd": "verify_pin", "reader": r0, "pin": JPKI_PIN}));
    let cert0 = certificate_of(&host.ok(json!({"cmd": "read_certificate", "reader": r0})));
    let result = host.ok(sign_challenge(&r0, ORIGIN, &challenge, "renew_current"));
    let expected = binding_digest(ORIGIN, &challenge, SignPurpose::RenewCurrent, b"");
    verify_signature(&result, &public_key_of(&cert0), &expected);
    assert_eq!(public_key_of(&cert0), current.cert.public_key());

    // Profile card as the new card (binds the current card's certificate).
    host.ok(json!({"cmd": "verify_pin", "reader": r1, "pin": PROFILE_PIN}));
    let cert1 = certificate_of(&host.ok(json!({"cmd": "read_certificate", "reader": r1})));
    let result = host.ok(json!({
        "cmd": "sign_challenge", "reader": r1, "origin": ORIGIN, "challenge": BASE64.encode(&challenge),
        "purpose": "renew_new", "bound_certificate": BASE64.encode(&cert0)
    }));
    let expected = binding_digest(ORIGIN, &challenge, SignPurpose::RenewNew, &cert0);
    verify_signature(&result, &public_key_of(&cert1), &expected);

    // `forget` drops the verified state.
    host.ok(json!({"cmd": "verify_pin", "reader": r1, "pin": PROFILE_PIN}));
    host.ok(json!({"cmd": "forget", "reader": r1}));
    let error = host.fails(sign_challenge(&r1, ORIGIN, &challenge, "login"));
    assert_eq!(code(&error), "PIN_REQUIRED");
    assert_no_panic(&host);
}

#[test]
fn a_reinserted_card_must_be_verified_again() {
    let bed = bed(1);
    let card = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card2"));
    let inserted = bed.insert(&card.card, 0);
    let mut host = bed.host();
    let reader = bed.reader(0);
    host.ok(json!({"cmd": "verify_pin", "reader": reader, "pin": PROFILE_PIN}));
    bed.remove(inserted, 0);
    let _again = bed.insert(&card.card, 0);
    let error = host.fails(sign_challenge(&reader, ORIGIN, &challenge(32), "login"));
    assert_eq!(code(&error), "PIN_REQUIRED", "{error}");
    assert_no_panic(&host);
}

#[test]
fn the_old_sign_command_is_unknown_and_the_host_serves_on() {
    let bed = bed(1);
    let card = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card1"));
    let _inserted = bed.insert(&card.card, 0);
    let mut host = bed.host();
    let reader = bed.reader(0);
    host.ok(json!({"cmd": "verify_pin", "reader": reader, "pin": PROFILE_PIN}));

    let digest = BASE64.encode(Sha256::digest(b"a digest the caller chose"));
    let answer = host.request(json!({"cmd": "sign", "reader": reader, "digest": digest}));
    assert_eq!(
        (answer["type"].as_str(), code(&answer["error"])),
        (Some("error"), "UNKNOWN_COMMAND"),
        "{answer}"
    );
    assert_eq!(signing_apdus(&card.card), 0, "no signing APDU for `sign`");

    // Still serving, and the verified PIN is still there for the one signature the flow needs.
    let challenge = challenge(32);
    host.signs_login(&reader, ORIGIN, &challenge, &card.cert.public_key());
    assert_no_panic(&host);
}

#[test]
fn challenges_of_fewer_than_32_bytes_are_refused() {
    let bed = bed(1);
    let card = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card4"));
    let _inserted = bed.insert(&card.card, 0);
    let reader = bed.reader(0);
    let mut host = bed.host();
    host.ok(json!({"cmd": "verify_pin", "reader": reader, "pin": PROFILE_PIN}));

    for len in [31, 1025] {
        let error = host.fails(sign_challenge(&reader, ORIGIN, &challenge(len), "login"));
        assert_eq!(code(&error), "BAD_REQUEST", "{len} bytes: {error}");
        assert!(
            error["detail"]
                .as_str()
                .unwrap_or("")
                .contains("32 to 1024 bytes"),
            "{error}"
        );
    }
    assert_eq!(signing_apdus(&card.card), 0);

    let challenge = challenge(32);
    host.signs_login(&reader, ORIGIN, &challenge, &card.cert.public_key());
    assert_no_panic(&host);
}

#[test]
fn a_verified_pin_authorises_one_signature() {
    let bed = bed(1);
    let jpki = bed.jpki_card(JPKI_PIN, CertOptions::with_key("card5"));
    let profile = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card6"));
    let _a = bed.insert(&jpki.card, 0);
    let _b = bed.insert(&profile.card, 1);
    let mut host = bed.host();
    let challenge = challenge(32);

    for (index, card, pin) in [(0, &jpki, JPKI_PIN), (1, &profile, PROFILE_PIN)] {
        let reader = bed.reader(index);
        host.ok(json!({"cmd": "verify_pin", "reader": reader, "pin": pin}));
        host.signs_login(&reader, ORIGIN, &challenge, &card.cert.public_key());
        eventually("the card is logged out after the signature", || {
            !card.card.pin_verified()
        });

        let error = host.fails(sign_challenge(&reader, ORIGIN, &challenge, "login"));
        assert_eq!(code(&error), "PIN_REQUIRED", "{error}");
        assert_eq!(
            signing_apdus(&card.card),
            1,
            "no signing APDU for the second signature"
        );

        // A new verify_pin authorises the next one.
        host.ok(json!({"cmd": "verify_pin", "reader": reader, "pin": pin}));
        host.ok(sign_challenge(&reader, ORIGIN, &challenge, "login"));
        assert_eq!(signing_apdus(&card.card), 2);
    }
    assert_no_panic(&host);
}
