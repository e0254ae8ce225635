//! The real host binary (built from host/src/main.rs), spoken to in native messaging frames, against a private
//! pcscd with virtual cards. Every test has its own pcscd and host.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use ebid_protocol::framing::{encode_frame, length_prefix};
use ebid_protocol::{binding_digest, SignPurpose};
use host_tests::{code, Bed, Host, WAIT};
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use virtual_card::layout;
use virtual_card::testca::{CertOptions, Validity};
use virtual_card::VirtualCard;

const HOST: &str = env!("CARGO_BIN_EXE_ebid-host-under-test");

/// PINs that cannot turn up in a log by accident.
const PROFILE_PIN: &str = "73914562";
const PROFILE_WRONG_PIN: &str = "58203917";
const JPKI_PIN: &str = "QZ73914562";
const JPKI_WRONG_PIN: &str = "XK58203917";

fn bed(readers: usize) -> Bed {
    Bed::start(readers, HOST)
}

fn assert_no_panic(host: &Host) {
    let stderr = host.stderr();
    assert!(!stderr.contains("panicked"), "host stderr:\n{stderr}");
}

/// The public key inside a DER certificate.
fn public_key_of(der: &[u8]) -> RsaPublicKey {
    let (_, cert) = x509_parser::parse_x509_certificate(der).expect("certificate");
    RsaPublicKey::from_public_key_der(cert.public_key().raw).expect("RSA key")
}

fn certificate_of(result: &Value) -> Vec<u8> {
    BASE64
        .decode(result["certificate"].as_str().unwrap())
        .unwrap()
}

/// A `sign_challenge` request.
fn sign_challenge(reader: &str, origin: &str, challenge: &[u8], purpose: &str) -> Value {
    json!({
        "cmd": "sign_challenge", "reader": reader, "origin": origin,
        "challenge": BASE64.encode(challenge), "purpose": purpose
    })
}

/// A portal challenge of `len` bytes.
fn challenge(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + 3) as u8).collect()
}

const ORIGIN: &str = "https://www.ebid.example.jp";

/// How many signing APDUs (INS 2A: JPKI COMPUTE DIGITAL SIGNATURE, PSO) the card has received.
fn signing_apdus(card: &VirtualCard) -> usize {
    card.command_log()
        .iter()
        .filter(|r| r.header[1] == 0x2A)
        .count()
}

fn verify_signature(result: &Value, key: &RsaPublicKey, digest: &[u8]) {
    assert_eq!(result["kind"], "signature");
    assert_eq!(
        BASE64.decode(result["digest"].as_str().unwrap()).unwrap(),
        digest
    );
    let signature = BASE64
        .decode(result["signature"].as_str().unwrap())
        .unwrap();
    key.verify(Pkcs1v15Sign::new::<Sha256>(), digest, &signature)
        .expect("signature verifies with the certificate's key");
}

#[test]
fn hello_comes_first_with_the_protocol_version() {
    let bed = bed(1);
    let host = bed.host();
    assert_eq!(host.hello["protocol"], ebid_protocol::PROTOCOL_VERSION);
    assert_eq!(host.hello["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn lists_readers_with_card_presence_and_atr() {
    let bed = bed(1);
    let card = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card1"));
    let _inserted = bed.insert(&card.card, 1);
    let mut host = bed.host();
    let result = host.ok(json!({"cmd": "list_readers"}));
    assert_eq!(result["kind"], "readers");
    let readers = result["readers"].as_array().unwrap();
    assert_eq!(readers.len(), 2, "{result}");
    assert_eq!(readers[0]["name"], bed.reader(0));
    assert_eq!(readers[0]["card_present"], false);
    assert_eq!(readers[0]["atr"], Value::Null);
    assert_eq!(readers[1]["name"], bed.reader(1));
    assert_eq!(readers[1]["card_present"], true);
    assert_eq!(readers[1]["atr"], "3B85800180730000 40B7".replace(' ', ""));
    assert_eq!(readers[1]["pin_pad"], false);
    assert_no_panic(&host);
}

#[test]
fn watch_reports_insertion_and_removal() {
    let bed = bed(1);
    let mut host = bed.host();
    let result = host.ok(json!({"cmd": "watch"}));
    assert_eq!(result["kind"], "watching");
    assert_eq!(result["readers"].as_array().unwrap().len(), 2);

    let card = bed.jpki_card(JPKI_PIN, CertOptions::with_key("card2"));
    let inserted = bed.insert(&card.card, 0);
    let event = host.event_named("card_inserted");
    assert_eq!(event["reader"], bed.reader(0));
    assert_eq!(event["atr"], "3BE000FF8131FE4514");

    inserted.remove();
    let event = host.event_named("card_removed");
    assert_eq!(event["reader"], bed.reader(0));

    assert_eq!(host.ok(json!({"cmd": "unwatch"}))["kind"], "unwatched");
    // Still serving after the event thread stopped.
    host.ok(json!({"cmd": "list_readers"}));
    assert_no_panic(&host);
}

#[test]
fn jpki_certificate_needs_the_pin_and_its_summary_matches_the_issued_one() {
    let bed = bed(1);
    let options = CertOptions {
        holder_name: "番号 花子".into(),
        ..CertOptions::with_key("card3")
    };
    let card = bed.jpki_card(JPKI_PIN, options);
    let _inserted = bed.insert(&card.card, 0);
    let mut host = bed.host();
    let reader = bed.reader(0);

    let error = host.fails(json!({"cmd": "read_certificate", "reader": reader}));
    assert_eq!(code(&error), "PIN_REQUIRED", "{error}");

    assert_eq!(
        host.verify(&reader, JPKI_PIN)["result"]["kind"],
        "pin_verified"
    );
    let result = host.ok(json!({"cmd": "read_certificate", "reader": reader}));
    assert_eq!(result["card_type"], "jpki");
    assert_eq!(result["reader"], reader);
    assert_eq!(certificate_of(&result), card.cert.certificate_der);
    let summary = &result["summary"];
    assert_eq!(summary["holder_name"], "番号 花子");
    assert_eq!(summary["address"], card.cert.options.address());
    assert_eq!(summary["serial"], card.cert.serial_hex());
    assert_eq!(
        summary["sha256_fingerprint"],
        card.cert.sha256_fingerprint()
    );
    assert_eq!(summary["expired"], false);
    assert_eq!(summary["key_bits"], 2048);
    assert_no_panic(&host);
}

#[test]
fn profile_certificate_summary_matches_the_issued_one_with_japanese_text_intact() {
    let bed = bed(1);
    let options = CertOptions {
        organization: "株式会社札幌建設【土木】".into(),
        holder_name: "北海 太郎".into(),
        prefecture: "北海道".into(),
        locality: "札幌市北区".into(),
        street: "北8条西5丁目".into(),
        ..CertOptions::with_key("card4")
    };
    let card = bed.profile_card(PROFILE_PIN, options);
    let _inserted = bed.insert(&card.card, 1);
    let mut host = bed.host();

    // Readable without the PIN.
    let result = host.ok(json!({"cmd": "read_certificate", "reader": bed.reader(1)}));
    assert_eq!(result["card_type"], "profile:ebid-test-ca");
    assert_eq!(certificate_of(&result), card.cert.certificate_der);
    let summary = &result["summary"];
    assert_eq!(summary["organization"], "株式会社札幌建設【土木】");
    assert_eq!(summary["holder_name"], "北海 太郎");
    assert_eq!(summary["address"], "北海道札幌市北区北8条西5丁目");
    assert_eq!(summary["serial"], card.cert.serial_hex());
    assert_eq!(
        summary["sha256_fingerprint"],
        card.cert.sha256_fingerprint()
    );
    assert!(
        summary["issuer"].as_str().unwrap().contains("テスト"),
        "{summary}"
    );
    let not_after = card.cert.not_after;
    assert!(
        summary["not_after"].as_str().unwrap().starts_with(&format!(
            "{:04}-{:02}-{:02}",
            not_after.year(),
            not_after.month() as u8,
            not_after.day()
        )),
        "{summary}"
    );
    assert_eq!(summary["expired"], false);
    assert_eq!(summary["key_algorithm"], "RSA");
    assert_eq!(summary["key_bits"], 2048);
    assert_no_panic(&host);
}

#[test]
fn wrong_pin_counts_the_tries_down() {
    let bed = bed(1);
    let card = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card5"));
    let _inserted = bed.insert(&card.card, 0);
    let mut host = bed.host();
    let reader = bed.reader(0);

    let status = host.ok(json!({"cmd": "pin_status", "reader": reader}));
    assert_eq!(
        (status["tries_left"].as_u64(), status["blocked"].as_bool()),
        (Some(3), Some(false))
    );
    assert_eq!(
        (status["min_length"].as_u64(), status["max_length"].as_u64()),
        (Some(4), Some(8))
    );
    assert_eq!(status["charset"], "digits");

    for left in [2, 1] {
        let error = host.verify(&reader, PROFILE_WRONG_PIN)["error"].clone();
        assert_eq!(code(&error), "WRONG_PIN", "{error}");
        assert_eq!(error["retries_left"], left);
        let status = host.ok(json!({"cmd": "pin_status", "reader": reader}));
        assert_eq!(status["tries_left"], left);
    }
    // A PIN of the wrong format costs no try.
    let error = host.verify(&reader, "12")["error"].clone();
    assert_eq!(code(&error), "PIN_FORMAT", "{error}");
    assert_eq!(card.card.tries_left(), 1);

    assert_eq!(
        host.verify(&reader, PROFILE_PIN)["result"]["kind"],
        "pin_verified"
    );
    assert_eq!(card.card.tries_left(), 3, "a right PIN resets the counter");
    assert_no_panic(&host);
}

#[test]
fn blocked_pin_stays_blocked_after_reinsertion() {
    let bed = bed(1);
    let card = bed.jpki_card(JPKI_PIN, CertOptions::with_key("card6"));
    let inserted = bed.insert(&card.card, 0);
    let mut host = bed.host();
    let reader = bed.reader(0);

    for left in (1..5).rev() {
        let error = host.verify(&reader, JPKI_WRONG_PIN)["error"].clone();
        assert_eq!(
            (code(&error), error["retries_left"].as_u64()),
            ("WRONG_PIN", Some(left))
        );
    }
    let error = host.verify(&reader, JPKI_WRONG_PIN)["error"].clone();
    assert_eq!(code(&error), "PIN_BLOCKED", "{error}");
    assert_eq!(error["retries_left"], 0);

    bed.remove(inserted, 0);
    let _inserted = bed.insert(&card.card, 0);
    let status = host.ok(json!({"cmd": "pin_status", "reader": reader}));
    assert_eq!(status["blocked"], true, "{status}");
    let error = host.verify(&reader, JPKI_PIN)["error"].clone();
    assert_eq!(code(&error), "PIN_BLOCKED", "even the right PIN: {error}");
    assert_no_panic(&host);
}

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
fn no_pin_without_a_pin_pad_is_a_bad_request() {
    let bed = bed(1);
    let card = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card1"));
    let _inserted = bed.insert(&card.card, 0);
    let mut host = bed.host();
    let reader = bed.reader(0);
    let status = host.ok(json!({"cmd": "pin_status", "reader": reader}));
    assert_eq!(status["pin_pad"], false, "vpcd has no PIN pad");
    let error = host.fails(json!({"cmd": "verify_pin", "reader": reader, "pin": null}));
    assert_eq!(code(&error), "BAD_REQUEST", "{error}");
    assert_eq!(card.card.tries_left(), 3, "no try spent");
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
fn a_card_reset_by_another_application_is_reconnected_and_its_pin_no_longer_counts() {
    let bed = bed(1);
    let card = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card5"));
    let _inserted = bed.insert(&card.card, 0);
    let reader = bed.reader(0);
    let mut host = bed.host_with_env(&[("EBID_HOST_LOG", "debug")]);
    host.ok(json!({"cmd": "verify_pin", "reader": reader, "pin": PROFILE_PIN}));

    // Another session verifies and then forgets: the host resets a card it verified, so the PIN state ends there.
    let mut other = bed.host();
    other.ok(json!({"cmd": "verify_pin", "reader": reader, "pin": PROFILE_PIN}));
    other.ok(json!({"cmd": "forget", "reader": reader}));
    assert!(!card.card.pin_verified(), "forget reset the card");

    // The first host's connection saw the reset: it reconnects by itself, and its old verification is gone.
    let result = host.ok(json!({"cmd": "read_certificate", "reader": reader}));
    assert_eq!(certificate_of(&result), card.cert.certificate_der);
    let error = host.fails(sign_challenge(&reader, ORIGIN, &challenge(32), "login"));
    assert_eq!(code(&error), "PIN_REQUIRED", "{error}");
    assert!(host.stderr().contains("reconnecting"), "{}", host.stderr());
    assert_no_panic(&host);
}

#[test]
fn a_card_pulled_mid_command_is_card_removed_and_the_host_serves_on() {
    let bed = bed(1);
    let first = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card3"));
    let second = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card4"));
    let _a = bed.insert(&first.card, 0);
    let _b = bed.insert(&second.card, 1);
    let mut host = bed.host();

    // Connect and detect first, so the pull happens during READ BINARY.
    host.ok(json!({"cmd": "pin_status", "reader": bed.reader(0)}));
    first
        .card
        .vanish_when(|apdu| apdu.get(1) == Some(&layout::ins::READ_BINARY));
    let error = host.fails(json!({"cmd": "read_certificate", "reader": bed.reader(0)}));
    assert_eq!(code(&error), "CARD_REMOVED", "{error}");

    let result = host.ok(json!({"cmd": "read_certificate", "reader": bed.reader(1)}));
    assert_eq!(certificate_of(&result), second.cert.certificate_der);
    let error = host.fails(json!({"cmd": "read_certificate", "reader": bed.reader(0)}));
    assert!(
        matches!(code(&error), "NO_CARD" | "CARD_REMOVED"),
        "{error}"
    );
    assert_no_panic(&host);
}

#[test]
fn pcscd_stopped_is_pcsc_unavailable_and_the_host_recovers() {
    let mut bed = bed(1);
    let card = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card5"));
    let _inserted = bed.insert(&card.card, 0);
    let mut host = bed.host_with_env(&[("EBID_HOST_LOG", "debug")]);
    host.ok(json!({"cmd": "watch"}));
    host.ok(json!({"cmd": "read_certificate", "reader": bed.reader(0)}));

    bed.pcscd.stop();
    host.event_named("pcsc_unavailable");
    // The event thread retries with a back-off, not in a tight loop.
    std::thread::sleep(Duration::from_secs(2));
    let retries = host.stderr().matches("PC/SC still unavailable").count();
    assert!((1..=5).contains(&retries), "{retries} retries in 2 s");
    let error = host.fails(json!({"cmd": "list_readers"}));
    assert_eq!(code(&error), "PCSC_UNAVAILABLE", "{error}");
    let error = host.fails(json!({"cmd": "read_certificate", "reader": bed.reader(0)}));
    assert_eq!(code(&error), "PCSC_UNAVAILABLE", "{error}");

    bed.pcscd.restart().expect("pcscd back");
    host.event_named("pcsc_available");
    // The virtual card reconnects by itself once vpcd listens again.
    bed.pcscd
        .wait_card(&bed.reader(0), true, WAIT)
        .expect("card back");
    let readers = host.ok(json!({"cmd": "list_readers"}));
    assert_eq!(readers["readers"].as_array().unwrap().len(), 2);
    let result = host.ok(json!({"cmd": "read_certificate", "reader": bed.reader(0)}));
    assert_eq!(certificate_of(&result), card.cert.certificate_der);
    assert_no_panic(&host);
}

#[test]
fn an_expired_certificate_is_flagged() {
    let bed = bed(1);
    let options = CertOptions {
        validity: Validity::Expired,
        ..CertOptions::with_key("card6")
    };
    let card = bed.profile_card(PROFILE_PIN, options);
    let _inserted = bed.insert(&card.card, 0);
    let mut host = bed.host();
    let result = host.ok(json!({"cmd": "read_certificate", "reader": bed.reader(0)}));
    assert_eq!(result["summary"]["expired"], true, "{result}");
}

#[test]
fn an_unknown_card_is_unsupported() {
    let bed = bed(1);
    let card = VirtualCard::new(virtual_card::CardConfig::unknown()).unwrap();
    let _inserted = bed.insert(&card, 0);
    let mut host = bed.host();
    let error = host.fails(json!({"cmd": "read_certificate", "reader": bed.reader(0)}));
    assert_eq!(code(&error), "UNSUPPORTED_CARD", "{error}");
    let error = host.fails(json!({"cmd": "read_certificate", "reader": bed.reader(1)}));
    assert_eq!(code(&error), "NO_CARD", "{error}");
    let error = host.fails(json!({"cmd": "read_certificate", "reader": "No Such Reader 00 00"}));
    assert_eq!(code(&error), "NO_READER", "{error}");
    assert_no_panic(&host);
}

#[test]
fn bad_frames_get_typed_errors_and_the_host_serves_on() {
    let bed = bed(1);
    let mut host = bed.host();

    host.process.send_frame(b"{ this is not json").unwrap();
    let answer = host.process.recv(WAIT).unwrap();
    assert_eq!(
        (answer["type"].as_str(), code(&answer["error"])),
        (Some("error"), "BAD_REQUEST")
    );

    host.process
        .send_frame(br#"{"id": 41, "cmd": "format_card"}"#)
        .unwrap();
    let answer = host.process.recv(WAIT).unwrap();
    assert_eq!(
        (answer["id"].as_u64(), code(&answer["error"])),
        (Some(41), "UNKNOWN_COMMAND")
    );

    host.process
        .send_frame(br#"{"id": 42, "cmd": "verify_pin"}"#)
        .unwrap();
    let answer = host.process.recv(WAIT).unwrap();
    assert_eq!(
        (answer["id"].as_u64(), code(&answer["error"])),
        (Some(42), "BAD_REQUEST")
    );

    let oversized = vec![b' '; ebid_protocol::MAX_REQUEST_BYTES + 10];
    host.process.send_frame(&oversized).unwrap();
    let answer = host.process.recv(WAIT).unwrap();
    assert_eq!(code(&answer["error"]), "TOO_LARGE");

    host.ok(json!({"cmd": "list_readers"}));
    host.process.close_stdin();
    let status = host.process.wait_exit(WAIT).unwrap();
    assert_eq!(status.code(), Some(0), "EOF between frames is a clean exit");
    assert_no_panic(&host);
}

#[test]
fn a_truncated_frame_ends_the_host_with_its_own_exit_code() {
    let bed = bed(1);
    let mut host = bed.host();
    let body = br#"{"id":1,"cmd":"list_readers"}"#;
    let mut frame = encode_frame(body).unwrap();
    frame.truncate(4 + 10);
    host.process.send_raw(&frame).unwrap();
    host.process.close_stdin();
    let status = host.process.wait_exit(WAIT).unwrap();
    assert_eq!(status.code(), Some(2));
    assert_no_panic(&host);

    // A cut inside the length prefix too.
    let mut host = bed.host();
    host.process.send_raw(&[7, 0]).unwrap();
    host.process.close_stdin();
    assert_eq!(host.process.wait_exit(WAIT).unwrap().code(), Some(2));
    assert_no_panic(&host);
}

#[test]
fn an_absurd_length_is_answered_then_the_host_leaves() {
    let bed = bed(1);
    let mut host = bed.host();
    host.process.send_raw(&length_prefix(u32::MAX)).unwrap();
    let answer = host.process.recv(WAIT).unwrap();
    assert_eq!(code(&answer["error"]), "TOO_LARGE");
    let status = host.process.wait_exit(WAIT).unwrap();
    assert_eq!(status.code(), Some(3));
    assert_no_panic(&host);
}

#[test]
fn no_pin_reaches_the_log_even_at_trace_level() {
    let bed = bed(1);
    let log_dir = tempfile::tempdir().unwrap();
    let log_file = log_dir.path().join("host.log");
    let jpki = bed.jpki_card(JPKI_PIN, CertOptions::with_key("card7"));
    let profile = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card8"));
    let _a = bed.insert(&jpki.card, 0);
    let _b = bed.insert(&profile.card, 1);
    let mut host = bed.host_with_env(&[
        ("EBID_HOST_LOG", "trace"),
        ("EBID_HOST_LOG_FILE", log_file.to_str().unwrap()),
    ]);
    let (r0, r1) = (bed.reader(0), bed.reader(1));

    for (reader, wrong, right) in [
        (&r0, JPKI_WRONG_PIN, JPKI_PIN),
        (&r1, PROFILE_WRONG_PIN, PROFILE_PIN),
    ] {
        assert_eq!(code(&host.verify(reader, wrong)["error"]), "WRONG_PIN");
        host.ok(json!({"cmd": "pin_status", "reader": reader}));
        host.ok(json!({"cmd": "verify_pin", "reader": reader, "pin": right}));
        host.ok(json!({"cmd": "read_certificate", "reader": reader}));
        host.ok(sign_challenge(reader, ORIGIN, &challenge(32), "login"));
        // A PIN in a malformed request, and in a request that panics nothing but is refused.
        host.process
            .send(&json!({"id": 900, "cmd": "verify_pin", "reader": 5, "pin": right}))
            .unwrap();
        host.process
            .send(&json!({"id": 901, "cmd": "verify_pin", "reader": reader, "pin": [right]}))
            .unwrap();
    }
    host.process.close_stdin();
    host.process.wait_exit(WAIT).unwrap();
    std::thread::sleep(Duration::from_millis(50));

    let stderr = host.stderr();
    let log = std::fs::read_to_string(&log_file).unwrap();
    assert!(stderr.contains("TRACE"), "trace logging was on:\n{stderr}");
    assert!(log.contains("APDU"), "the log file got the trace too");
    for pin in [PROFILE_PIN, PROFILE_WRONG_PIN, JPKI_PIN, JPKI_WRONG_PIN] {
        let hex: String = pin.bytes().map(|b| format!("{b:02X}")).collect();
        for (name, text) in [("stderr", &stderr), ("log file", &log)] {
            assert!(!text.contains(pin), "{pin} in {name}");
            assert!(
                !text.to_uppercase().contains(&hex),
                "{pin} as hex in {name}"
            );
        }
    }
    assert!(!stderr.contains("panicked"));
}

// ----- The host signs only what the flow needs, for callers it serves -----

const OTHER_CHROME_ID: &str = "abcdefghijklmnopabcdefghijklmnop";
const OTHER_FIREFOX_ID: &str = "other-addon@example.jp";
const FIREFOX_MANIFEST: &str = "/usr/lib/mozilla/native-messaging-hosts/jp.ebid.renewal.json";

fn login_digest(origin: &str, challenge: &[u8]) -> [u8; 32] {
    binding_digest(origin, challenge, SignPurpose::Login, b"")
}

/// Polls `condition` for up to [`WAIT`].
fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + WAIT;
    while !condition() {
        assert!(std::time::Instant::now() < deadline, "never: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_harness_launches_the_host_as_the_built_in_extension() {
    use ebid_host::admin::extension_ids::{CHROME_EXTENSION_ID, FIREFOX_EXTENSION_ID};
    assert_eq!(
        test_harness::DEFAULT_ORIGIN,
        format!("chrome-extension://{CHROME_EXTENSION_ID}/")
    );
    assert_eq!(test_harness::host::FIREFOX_ADDON_ID, FIREFOX_EXTENSION_ID);
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
    let result = host.ok(sign_challenge(&reader, ORIGIN, &challenge, "login"));
    verify_signature(
        &result,
        &card.cert.public_key(),
        &login_digest(ORIGIN, &challenge),
    );
    assert_no_panic(&host);
}

#[test]
fn only_canonical_https_origins_are_signed_for() {
    let bed = bed(1);
    let card = bed.jpki_card(JPKI_PIN, CertOptions::with_key("card2"));
    let _inserted = bed.insert(&card.card, 0);
    let reader = bed.reader(0);
    let mut host = bed.host();
    host.ok(json!({"cmd": "verify_pin", "reader": reader, "pin": JPKI_PIN}));
    let challenge = challenge(32);

    for origin in [
        "http://www.ebid.example.jp",
        "http://127.0.0.1:8080",
        "https://www.ebid.example.jp/",
        "https://www.ebid.example.jp/renew",
        "https://WWW.EBID.example.jp",
        "https://user@www.ebid.example.jp",
        "",
        "null",
        "javascript:alert(1)",
    ] {
        let error = host.fails(sign_challenge(&reader, origin, &challenge, "login"));
        assert_eq!(code(&error), "ORIGIN_NOT_ALLOWED", "{origin:?}: {error}");
        assert_eq!(
            error["message_ja"],
            "このサイトからの要求には応じられません。"
        );
        assert_eq!(
            error["message_en"],
            "Requests from this site are not accepted."
        );
        let detail = error["detail"].as_str().unwrap_or("");
        assert!(detail.len() > 10, "the detail names the problem: {error}");
    }
    assert_eq!(
        signing_apdus(&card.card),
        0,
        "no signing APDU for a refused origin"
    );

    // A long origin is not echoed whole.
    let long = format!("https://{}.jp/", "a".repeat(5000));
    let error = host.fails(sign_challenge(&reader, &long, &challenge, "login"));
    assert_eq!(code(&error), "ORIGIN_NOT_ALLOWED", "{error}");
    assert!(error["detail"].as_str().unwrap().len() < 300, "{error}");

    // A canonical https origin signs; the refusals did not spend the PIN.
    let result = host.ok(sign_challenge(&reader, ORIGIN, &challenge, "login"));
    verify_signature(
        &result,
        &card.cert.public_key(),
        &login_digest(ORIGIN, &challenge),
    );
    assert_no_panic(&host);
}

#[test]
fn loopback_http_origins_only_with_the_test_switch() {
    let bed = bed(1);
    let card = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card3"));
    let _inserted = bed.insert(&card.card, 0);
    let reader = bed.reader(0);
    let mut options = bed.host_options();
    options.allow_loopback_origins();
    let mut host = bed.host_from(&options);
    host.ok(json!({"cmd": "verify_pin", "reader": reader, "pin": PROFILE_PIN}));
    let challenge = challenge(32);

    let error = host.fails(sign_challenge(
        &reader,
        "http://www.ebid.example.jp",
        &challenge,
        "login",
    ));
    assert_eq!(code(&error), "ORIGIN_NOT_ALLOWED", "{error}");
    assert_eq!(signing_apdus(&card.card), 0);

    let portal = "http://127.0.0.1:8080";
    let result = host.ok(sign_challenge(&reader, portal, &challenge, "login"));
    verify_signature(
        &result,
        &card.cert.public_key(),
        &login_digest(portal, &challenge),
    );
    assert!(
        host.stderr().contains("EBID_HOST_ALLOW_LOOPBACK_ORIGINS=1"),
        "the switch is logged: {}",
        host.stderr()
    );
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
    let result = host.ok(sign_challenge(&reader, ORIGIN, &challenge, "login"));
    verify_signature(
        &result,
        &card.cert.public_key(),
        &login_digest(ORIGIN, &challenge),
    );
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
        let result = host.ok(sign_challenge(&reader, ORIGIN, &challenge, "login"));
        verify_signature(
            &result,
            &card.cert.public_key(),
            &login_digest(ORIGIN, &challenge),
        );
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

/// A caller the host does not serve: Hello, then CALLER_NOT_ALLOWED for everything, the card untouched, until
/// stdin closes.
fn assert_refused(bed: &Bed, options: &test_harness::HostOptions, card: &host_tests::TestCard) {
    card.card.clear_command_log();
    let mut host = bed.host_from(options);
    assert_eq!(host.hello["protocol"], ebid_protocol::PROTOCOL_VERSION);
    let reader = bed.reader(0);
    for command in [
        json!({"cmd": "list_readers"}),
        json!({"cmd": "verify_pin", "reader": reader, "pin": PROFILE_PIN}),
        sign_challenge(&reader, ORIGIN, &challenge(32), "login"),
        json!({"cmd": "format_card"}),
        json!({"cmd": "list_readers"}),
    ] {
        let error = host.fails(command.clone());
        assert_eq!(code(&error), "CALLER_NOT_ALLOWED", "{command}: {error}");
        assert_eq!(
            error["message_ja"],
            "この拡張機能からの要求には応じられません。"
        );
        assert_eq!(
            error["message_en"],
            "Requests from this browser extension are not accepted."
        );
    }
    assert!(
        card.card.command_log().is_empty(),
        "a refused caller never reaches the card"
    );
    assert_eq!(card.card.tries_left(), 3);
    host.process.close_stdin();
    let status = host.process.wait_exit(WAIT).unwrap();
    assert_eq!(status.code(), Some(0), "served until stdin closed");
    let stderr = host.stderr();
    assert!(stderr.contains("refused caller"), "logged: {stderr}");
    assert!(!stderr.contains(PROFILE_PIN));
    assert_no_panic(&host);
}

#[test]
fn unknown_callers_get_hello_then_caller_not_allowed() {
    let bed = bed(1);
    let card = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card7"));
    let _inserted = bed.insert(&card.card, 0);

    let mut options = bed.host_options();
    options.args = vec![format!("chrome-extension://{OTHER_CHROME_ID}/").into()];
    assert_refused(&bed, &options, &card);

    options.firefox_caller(FIREFOX_MANIFEST, OTHER_FIREFOX_ID);
    assert_refused(&bed, &options, &card);

    options.args = Vec::new();
    assert_refused(&bed, &options, &card);

    options.args = vec!["https://www.ebid.example.jp/".into()];
    assert_refused(&bed, &options, &card);
}

#[test]
fn known_chrome_and_firefox_callers_are_served() {
    let bed = bed(1);
    let card = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card8"));
    let _inserted = bed.insert(&card.card, 0);
    let reader = bed.reader(0);
    let challenge = challenge(32);

    let mut chrome_on_windows = bed.host_options();
    chrome_on_windows.args.push("--parent-window=0".into());
    let mut firefox = bed.host_options();
    firefox.firefox_caller(FIREFOX_MANIFEST, test_harness::host::FIREFOX_ADDON_ID);
    for options in [bed.host_options(), chrome_on_windows, firefox] {
        let mut host = bed.host_from(&options);
        host.ok(json!({"cmd": "list_readers"}));
        host.ok(json!({"cmd": "verify_pin", "reader": reader, "pin": PROFILE_PIN}));
        let result = host.ok(sign_challenge(&reader, ORIGIN, &challenge, "login"));
        verify_signature(
            &result,
            &card.cert.public_key(),
            &login_digest(ORIGIN, &challenge),
        );
        assert_no_panic(&host);
    }
}

#[test]
fn extension_ids_an_admin_installed_are_served() {
    let bed = bed(1);
    let card = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card1"));
    let _inserted = bed.insert(&card.card, 0);
    // `ebid-host install --user` for a throwaway home: the host reads back the manifests it wrote there.
    let home = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(HOST)
        .args([
            "install",
            "--user",
            "--browser",
            "chromium,firefox",
            "--extension-id",
            OTHER_CHROME_ID,
            "--extension-id",
            OTHER_FIREFOX_ID,
            "--host-path",
            "/usr/bin/ebid-host",
        ])
        .env("HOME", home.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "install: {output:?}");
    let home_env = ("HOME".to_owned(), home.path().to_str().unwrap().to_owned());

    let mut chrome = bed.host_options();
    chrome.args = vec![format!("chrome-extension://{OTHER_CHROME_ID}/").into()];
    chrome.env.push(home_env.clone());
    let mut firefox = bed.host_options();
    firefox.firefox_caller(FIREFOX_MANIFEST, OTHER_FIREFOX_ID);
    firefox.env.push(home_env);
    for options in [&chrome, &firefox] {
        let mut host = bed.host_from(options);
        let readers = host.ok(json!({"cmd": "list_readers"}));
        assert_eq!(readers["kind"], "readers");
        assert_no_panic(&host);
    }

    // Another user, where nobody installed those IDs: refused.
    let elsewhere = tempfile::tempdir().unwrap();
    for mut options in [chrome, firefox] {
        options.env = vec![(
            "HOME".to_owned(),
            elsewhere.path().to_str().unwrap().to_owned(),
        )];
        assert_refused(&bed, &options, &card);
    }
}

#[test]
fn non_utf8_arguments_get_a_hello_not_a_panic() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let bed = bed(1);
    let card = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card2"));
    let _inserted = bed.insert(&card.card, 0);

    // Firefox with a manifest path that is not UTF-8: a known caller, served.
    let manifest =
        OsStr::from_bytes(b"/home/\xff\xfe/.mozilla/native-messaging-hosts/jp.ebid.renewal.json");
    let mut options = bed.host_options();
    options.args = vec![
        manifest.to_owned(),
        test_harness::host::FIREFOX_ADDON_ID.into(),
    ];
    let mut host = bed.host_from(&options);
    host.ok(json!({"cmd": "list_readers"}));
    assert_no_panic(&host);

    // A caller argument that is not UTF-8: Hello, then refused; the host exits cleanly (not 101, a panic).
    options.args = vec![OsStr::from_bytes(b"chrome-extension://\xff\xfe/").to_owned()];
    assert_refused(&bed, &options, &card);

    // An admin subcommand with such an argument is a usage error, not a panic.
    let output = std::process::Command::new(HOST)
        .arg("doctor")
        .arg(OsStr::from_bytes(b"--root=/tmp/\xff"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
}
