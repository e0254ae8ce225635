//! Readers, card presence and the watch events.

use serde_json::{json, Value};
use virtual_card::testca::CertOptions;

use crate::common::*;

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
fn names_no_reader_has_are_no_reader_not_a_card_error() {
    let bed = bed(1);
    let card = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card1"));
    let _inserted = bed.insert(&card.card, 0);
    let mut host = bed.host();
    // PC/SC names have at most 128 bytes; pcsc-lite refuses longer ones as an invalid value, a card error to a help
    // desk. Also a name that is not listed, and one PC/SC could not even be given (NUL).
    let too_long = format!("{} {}", bed.reader(0), "0".repeat(129));
    for reader in [
        too_long.as_str(),
        "Virtual Reader 9 00 00",
        "Virtual Reader 1\u{0} 00 00",
        "",
    ] {
        for command in [
            json!({"cmd": "read_certificate", "reader": reader}),
            json!({"cmd": "pin_status", "reader": reader}),
            json!({"cmd": "verify_pin", "reader": reader, "pin": PROFILE_PIN}),
            sign_challenge(reader, ORIGIN, &challenge(32), "login"),
        ] {
            let error = host.fails(command.clone());
            assert_eq!(code(&error), "NO_READER", "{command}: {error}");
        }
    }
    let error = host.fails(json!({"cmd": "pin_status", "reader": too_long}));
    assert!(
        error["detail"].as_str().unwrap().contains("bytes"),
        "the detail says why: {error}"
    );
    assert_eq!(card.card.tries_left(), 3);
    host.ok(json!({"cmd": "pin_status", "reader": bed.reader(0)}));
    assert_no_panic(&host);
}
