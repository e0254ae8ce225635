//! The PIN steps, the same for both cards: tries left, the last-try warning, format check, PIN pad, blocked cards.

use ebid_protocol::{Command, ErrorCode, ErrorInfo, PinInfo, Reply};

use super::driver::{self, Driver, Step};
use super::*;
use crate::portal_call::PortalStep;

#[test]
fn wrong_pin_shows_tries_left_and_warns_on_the_last_one() {
    let mut d = Driver::new();
    d.advance_to_current_pin(3);
    d.pin("1111");
    let effects = d.answer(Err(wrong_pin(2)));
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::Pin { tries_left: Some(2), last_try: false, error: Some(e), .. } if e.code == ErrorCode::WrongPin
    )));
    d.pin("2222");
    let effects = d.answer(Err(wrong_pin(1)));
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::Pin {
            tries_left: Some(1),
            last_try: true,
            ..
        }
    )));
    // A correct PIN after that still goes on.
    d.pin("1234");
    d.pin_verified_then_signs();
}

#[test]
fn last_try_is_warned_from_the_pin_status() {
    let mut d = Driver::new();
    let effects = d.advance_to_current_pin(1);
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::Pin {
            last_try: true,
            tries_left: Some(1),
            ..
        }
    )));
}

/// Each step gets a PIN error: the dialog comes back with it (card's rules from `pin_info`, tries from the error).
fn pin_errors(card: Which, pin_pad: bool, rows: &[(Step, ErrorInfo, u8)]) {
    for (index, (step, error, tries_left)) in rows.iter().enumerate() {
        let mut d = Driver::at(*step);
        let effects = d.answer(Err(error.clone()));
        let dialog = Screen::Pin {
            card,
            tries_left: Some(*tries_left),
            last_try: *tries_left == 1,
            pin_pad,
            pad_waiting: false,
            min_length: 4,
            max_length: 8,
            error: Some(error.clone()),
        };
        // Nothing is sent before the bidder's next try (a PIN pad waits for OK).
        assert_eq!(effects, vec![Effect::Show(dialog)], "{card:?} row {index}");
    }
}

#[test]
fn pin_errors_bring_the_dialog_back_for_both_cards() {
    // (step, error, the tries left the dialog shows then)
    let outcomes = |verify: Step, sign: Step| {
        [
            (verify, wrong_pin(2), 2),
            (verify, error(ErrorCode::PinFormat), 3),
            // The card forgot the PIN before signing (reset by another program): asked again.
            (sign, error(ErrorCode::PinRequired), 3),
        ]
    };
    let current = outcomes(driver::verifying_current, driver::signing_current);
    pin_errors(Which::Current, false, &current);
    pin_errors(
        Which::New,
        false,
        &outcomes(driver::verifying_new, driver::signing_new),
    );
    let pad: Step = driver::current_pin_pad;
    let pad_outcomes = [
        (pad, error(ErrorCode::PinPadTimeout), 3),
        (pad, error(ErrorCode::PinPadCancelled), 3),
        (pad, wrong_pin(1), 1),
    ];
    pin_errors(Which::Current, true, &pad_outcomes);
}

#[test]
fn a_card_that_forgot_its_pin_signs_the_challenge_it_had() {
    let mut d = Driver::at(driver::signing_current);
    let portal_calls = d.last_portal.clone();
    d.answer(Err(error(ErrorCode::PinRequired)));
    d.pin("1234");
    d.answer(Ok(Reply::PinVerified));
    assert!(
        matches!(d.last_command(), Command::SignChallenge { challenge, .. } if challenge == CHALLENGE)
    );
    assert_eq!(d.last_portal, portal_calls, "no second challenge");
    assert_eq!(d.last_portal_call().step, PortalStep::Challenge);
}

#[test]
fn a_blocked_pin_stops_the_flow() {
    // Each way the card tells, for each card: (step, answer, the blocked error it shows).
    let last_try_wrong: Step = |d| {
        d.advance_to_current_pin(1);
        d.pin("1111");
    };
    let blocked = || error(ErrorCode::PinBlocked);
    let ways: [(&str, [Step; 2], HostAnswer, ErrorInfo); 3] = [
        (
            "no try left in the pin status",
            [driver::current_pin_status, driver::new_pin_status],
            Ok(Reply::PinStatus(pin_info(0))),
            blocked(),
        ),
        (
            "the card says blocked on verify",
            [driver::verifying_current, driver::verifying_new],
            Err(blocked()),
            blocked(),
        ),
        (
            "a wrong PIN with no try left",
            [last_try_wrong, driver::verifying_new],
            Err(wrong_pin(0)),
            wrong_pin(0),
        ),
    ];
    for (name, [current, new], answer, shown) in ways {
        // The current card is refused with the 2.1.3 pointer; a blocked new card fails without it (the bidder
        // needs the CA for that card, not a new registration).
        let refused = Screen::Refused {
            reason: Refusal::Blocked,
            card: Which::Current,
            error: Some(shown.clone()),
        };
        let failed = Screen::Failed {
            failure: Failure::Card(shown),
        };
        for (step, expected) in [(current, refused), (new, failed)] {
            let mut d = Driver::at(step);
            let effects = d.answer(answer.clone());
            assert_eq!(effects, vec![Effect::Show(expected)], "{name}");
            assert_eq!(d.ok(), vec![Effect::Close], "{name}: its one button closes");
        }
    }
}

#[test]
fn pin_format_is_checked_before_the_card_sees_it() {
    let mut d = Driver::new();
    d.advance_to_current_pin(3);
    let before = d.last.clone();
    let effects = d.pin("12");
    assert!(!sent(&effects));
    assert_eq!(d.last, before);
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::Pin { error: Some(e), .. } if e.code == ErrorCode::PinFormat
    )));
}

#[test]
fn pin_pad_reader_asks_on_the_reader() {
    let mut d = Driver::new();
    d.advance_to_reading_current(true);
    d.answer(Ok(Reply::Certificate(old_cert())));
    let effects = d.answer(Ok(Reply::PinStatus(pin_info(3))));
    let on_the_pad = Command::VerifyPin {
        reader: READER.into(),
        pin: None,
    };
    assert_eq!(d.last_command(), &on_the_pad);
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::Pin {
            pin_pad: true,
            pad_waiting: true,
            ..
        }
    )));
    // A typed PIN is not accepted for a PIN-pad reader.
    assert!(d.pin("1234").is_empty());
    let effects = d.answer(Err(error(ErrorCode::PinPadTimeout)));
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::Pin { pad_waiting: false, error: Some(e), .. } if e.code == ErrorCode::PinPadTimeout
    )));
    d.ok();
    assert_eq!(d.last_command(), &on_the_pad);
    d.pin_verified_then_signs();
}

#[test]
fn jpki_card_is_read_after_its_pin() {
    let mut d = Driver::new();
    d.advance_to_reading_current(false);
    d.answer(Err(error(ErrorCode::PinRequired)));
    assert!(matches!(d.last_command(), Command::PinStatus { .. }));
    d.answer(Ok(Reply::PinStatus(PinInfo {
        min_length: 6,
        max_length: 16,
        charset: "alphanumeric".into(),
        ..pin_info(5)
    })));
    d.pin("ABC123");
    d.answer(Ok(Reply::PinVerified));
    assert!(matches!(d.last_command(), Command::ReadCertificate { .. }));
    let effects = d.answer(Ok(Reply::Certificate(cert(READER, "AA", "T0xE", true))));
    assert!(
        refuses(&effects, Refusal::Expired),
        "expiry is checked once the certificate shows"
    );
}
