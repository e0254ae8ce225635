//! Cards and pcscd going away under the host: reset by another application, pulled mid-command, pcscd stopped.

use std::time::Duration;

use serde_json::json;
use virtual_card::layout;
use virtual_card::testca::CertOptions;

use crate::common::*;

#[test]
fn a_card_reset_by_another_application_is_reconnected_and_its_pin_no_longer_counts() {
    let bed = bed(1);
    let card = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card5"));
    let _inserted = bed.insert(&card.card, 0);
    let reader = bed.reader(0);
    let mut host = bed.host();
    host.ok(json!({"cmd": "verify_pin", "reader": reader, "pin": PROFILE_PIN}));

    // Another session verifies and then forgets: the host resets a card it verified, so the PIN state ends there.
    let mut other = bed.host();
    other.ok(json!({"cmd": "verify_pin", "reader": reader, "pin": PROFILE_PIN}));
    other.ok(json!({"cmd": "forget", "reader": reader}));
    assert!(!card.card.pin_verified(), "forget reset the card");

    // The first host's connection saw the reset: it reconnects by itself — the certificate comes from the card,
    // where the stale handle would have answered an error — and its old verification is gone.
    card.card.clear_command_log();
    let result = host.ok(json!({"cmd": "read_certificate", "reader": reader}));
    assert_eq!(certificate_of(&result), card.cert.certificate_der);
    assert!(
        !card.card.command_log().is_empty(),
        "read from the card over the new connection"
    );
    let error = host.fails(sign_challenge(&reader, ORIGIN, &challenge(32), "login"));
    assert_eq!(code(&error), "PIN_REQUIRED", "{error}");
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
    // The event thread retries with a back-off, not in a tight loop. The retries are not on the wire (only the
    // pcsc_available below, once one succeeds), so their debug log lines are what is counted, and the fixed wait
    // is the window they are counted in: a rate needs one.
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
fn a_card_answering_one_byte_per_read_binary_is_stopped_by_the_budget_and_reset() {
    let bed = bed(1);
    let card = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card5"));
    let _inserted = bed.insert(&card.card, 0);
    let reader = bed.reader(0);
    let mut host = bed.host();
    host.ok(json!({"cmd": "verify_pin", "reader": reader, "pin": PROFILE_PIN}));

    // From now on every READ BINARY returns one byte: the certificate would take one APDU per byte.
    card.card.limit_read_binary(Some(1));
    card.card.clear_command_log();
    let started = std::time::Instant::now();
    let error = host.fails(json!({"cmd": "read_certificate", "reader": reader}));
    let took = started.elapsed();
    assert_eq!(code(&error), "CARD_ERROR", "{error}");
    let limit = ebid_host::card::MAX_APDUS_PER_OPERATION;
    assert_eq!(
        error["detail"],
        format!("the card needed more than {limit} commands")
    );
    let sent = card.card.command_log().len();
    assert_eq!(
        sent, limit as usize,
        "the budget, not the certificate's length"
    );
    eprintln!("budget error after {sent} APDUs in {took:?}");

    // The card was reset, not left half way: its PIN no longer counts, and a normal card reads again.
    assert!(!card.card.pin_verified(), "the card was reset");
    card.card.limit_read_binary(None);
    let result = host.ok(json!({"cmd": "read_certificate", "reader": reader}));
    assert_eq!(certificate_of(&result), card.cert.certificate_der);
    let error = host.fails(sign_challenge(&reader, ORIGIN, &challenge(32), "login"));
    assert_eq!(code(&error), "PIN_REQUIRED", "{error}");
    assert_no_panic(&host);
}
