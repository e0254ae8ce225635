//! PIN verification: tries left, blocking, no PIN pad.

use serde_json::json;
use virtual_card::testca::CertOptions;

use crate::common::*;

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
