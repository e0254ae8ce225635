//! What the host's card errors and pulled cards mean at each step: the current card — or the one card of a login,
//! 登録 or 変更 — is refused (2.1.3) or asked for again; the new card sends the bidder back to the swap; anything
//! else ends in the failed screen.

use ebid_protocol::{ErrorCode, ErrorInfo, Reply};

use super::driver::{self, Driver, Step};
use super::*;

#[test]
fn current_card_refusals() {
    let rows: [(HostAnswer, Refusal); 3] = [
        (
            Ok(Reply::Certificate(cert(READER, "AA", "T0xE", true))),
            Refusal::Expired,
        ),
        (Err(error(ErrorCode::CardExpired)), Refusal::Expired),
        (Err(error(ErrorCode::UnsupportedCard)), Refusal::Unsupported),
    ];
    for (answer, reason) in rows {
        let mut d = Driver::at(driver::reading_current);
        let effects = d.answer(answer);
        assert!(refuses(&effects, reason), "{reason:?}: {effects:?}");
        assert!(
            !sent(&effects),
            "{reason:?}: nothing goes to the card or the portal"
        );
        assert_eq!(d.cancel(), vec![Effect::Close]);
    }
}

/// What a card error means while the current card is read, its PIN checked or its signature made.
fn for_the_current_card(e: ErrorInfo) -> Screen {
    for_the_first_card(Which::Current, e)
}

/// The same for the first card of any operation (`card`: how the screens name it).
fn for_the_first_card(card: Which, e: ErrorInfo) -> Screen {
    let refused = |reason| Screen::Refused {
        reason,
        card,
        error: Some(e.clone()),
    };
    match e.code {
        ErrorCode::NoCard | ErrorCode::CardRemoved => Screen::InsertCurrentCard {
            card,
            notice: Some(Notice::CardRemoved),
        },
        ErrorCode::UnsupportedCard => refused(Refusal::Unsupported),
        ErrorCode::CardExpired => refused(Refusal::Expired),
        ErrorCode::PinBlocked => refused(Refusal::Blocked),
        _ => Screen::Failed {
            failure: Failure::Card(e),
        },
    }
}

/// What a card error means while the card inserted as the new one is checked in the swap.
fn for_a_candidate(e: ErrorInfo) -> Screen {
    match e.code {
        ErrorCode::NoCard | ErrorCode::CardRemoved => swap_screen(SwapStage::AwaitInsertion, None),
        ErrorCode::UnsupportedCard => {
            swap_screen(SwapStage::AwaitRemoval, Some(Notice::NewCardUnsupported))
        }
        ErrorCode::CardExpired => {
            swap_screen(SwapStage::AwaitRemoval, Some(Notice::NewCardExpired))
        }
        _ => swap_screen(SwapStage::AwaitRemoval, Some(Notice::NewCardUnreadable)),
    }
}

/// What a card error means once the new card is taken: its PIN, its signature.
fn for_the_new_card(e: ErrorInfo) -> Screen {
    match e.code {
        ErrorCode::NoCard | ErrorCode::CardRemoved => {
            swap_screen(SwapStage::AwaitInsertion, Some(Notice::CardRemoved))
        }
        ErrorCode::UnsupportedCard => {
            swap_screen(SwapStage::AwaitRemoval, Some(Notice::NewCardUnsupported))
        }
        ErrorCode::CardExpired => {
            swap_screen(SwapStage::AwaitRemoval, Some(Notice::NewCardExpired))
        }
        _ => Screen::Failed {
            failure: Failure::Card(e),
        },
    }
}

/// `pin_status` cannot tell the tries for a reason that is not about the card: the PIN is asked for anyway.
fn or_the_pin_anyway(
    card: Which,
    then: &dyn Fn(ErrorInfo) -> Screen,
) -> impl Fn(ErrorInfo) -> Screen + '_ {
    move |e| match e.code {
        ErrorCode::CardError => Screen::Pin {
            card,
            tries_left: None,
            last_try: false,
            pin_pad: false,
            pad_waiting: false,
            min_length: 0,
            max_length: 0,
            error: None,
        },
        _ => then(e),
    }
}

/// The current card's steps with a request to the card out, after its pin status.
const CURRENT_CARD_STEPS: [(&str, Step); 5] = [
    ("read", driver::reading_current),
    ("verify", driver::verifying_current),
    ("pin pad", driver::current_pin_pad),
    ("read after pin", driver::reading_current_after_pin),
    ("sign", driver::signing_current),
];

/// The new card's, likewise (it was read during the swap).
const NEW_CARD_STEPS: [(&str, Step); 3] = [
    ("verify", driver::verifying_new),
    ("read after pin", driver::reading_new_after_pin),
    ("sign", driver::signing_new),
];

/// Each step (a fresh flow with one request out) gets each card error; the screen it leads to is `expected`.
fn card_errors_at(
    operation: Operation,
    steps: &[(&str, Step)],
    expected: impl Fn(ErrorInfo) -> Screen,
) {
    let codes = [
        ErrorCode::NoCard,
        ErrorCode::CardRemoved,
        ErrorCode::UnsupportedCard,
        ErrorCode::CardExpired,
        ErrorCode::PinBlocked,
        ErrorCode::CardError,
    ];
    for (name, step) in steps {
        for code in codes {
            let mut d = Driver::for_operation(operation);
            step(&mut d);
            let id = d.last.as_ref().expect("a request is out").id;
            let effects = d.answer(Err(error(code)));
            assert_eq!(
                screen(&effects),
                Some(&expected(error(code))),
                "{operation:?} {name}, {code:?}"
            );
            // A late duplicate answer is ignored.
            assert!(
                d.answer_to(id, Ok(Reply::PinVerified)).is_empty(),
                "{name}, {code:?}"
            );
        }
    }
}

/// A card's steps get each card error, `expected` says what follows; its pin status asks for the PIN anyway.
fn card_errors_of(
    operation: Operation,
    card: Which,
    pin_status: Step,
    steps: &[(&str, Step)],
    expected: &dyn Fn(ErrorInfo) -> Screen,
) {
    card_errors_at(operation, steps, expected);
    card_errors_at(
        operation,
        &[("pin status", pin_status)],
        or_the_pin_anyway(card, expected),
    );
}

#[test]
fn card_errors_while_the_current_card_is_used() {
    card_errors_of(
        Operation::Renew,
        Which::Current,
        driver::current_pin_status,
        &CURRENT_CARD_STEPS,
        &for_the_current_card,
    );
}

#[test]
fn card_errors_while_the_one_card_of_a_login_registration_or_change_is_used() {
    for operation in [Operation::Login, Operation::Register, Operation::Change] {
        card_errors_of(
            operation,
            Which::Only,
            driver::current_pin_status,
            &CURRENT_CARD_STEPS,
            &|e| for_the_first_card(Which::Only, e),
        );
    }
}

#[test]
fn card_errors_while_a_candidate_is_checked() {
    card_errors_at(
        Operation::Renew,
        &[("check", driver::checking_candidate)],
        for_a_candidate,
    );
}

#[test]
fn card_errors_while_the_new_card_is_used() {
    card_errors_of(
        Operation::Renew,
        Which::New,
        driver::new_pin_status,
        &NEW_CARD_STEPS,
        &for_the_new_card,
    );
}

/// Each step gets its card pulled out of `reader`: the screen is `expected`, the card put back is read.
fn pulled_at(steps: &[(&str, Step)], reader: &str, expected: &Screen) {
    for (name, step) in steps {
        let mut d = Driver::at(*step);
        let before = d.last.clone().expect("a request was sent");
        let effects = d.remove(reader);
        assert_eq!(screen(&effects), Some(expected), "{name}");
        // The answer to what was asked before is dropped, and a PIN typed now goes nowhere.
        let late = Ok(Reply::Certificate(cert(reader, "BB", "TkVX", false)));
        assert!(d.answer_to(before.id, late).is_empty(), "{name}");
        assert!(d.pin("1234").is_empty(), "{name}");
        // The card put back is read.
        d.insert(reader, "3B00");
        assert_eq!(d.last_command(), &read(reader), "{name}");
    }
}

#[test]
fn a_current_card_pulled_at_any_step_is_asked_for_again() {
    let pulled = insert_screen(Some(Notice::CardRemoved));
    pulled_at(&CURRENT_CARD_STEPS, READER, &pulled);
    let in_the_pin_dialog: Step = |d| {
        d.advance_to_current_pin(3);
    };
    pulled_at(
        &[
            ("pin status", driver::current_pin_status),
            ("pin dialog", in_the_pin_dialog),
        ],
        READER,
        &pulled,
    );
}

#[test]
fn a_card_leaving_the_swap_is_waited_for_again() {
    let gone = swap_screen(SwapStage::AwaitInsertion, None);
    pulled_at(
        &[
            ("the current card leaves", |d| d.advance_to_swap()),
            ("the new card leaves once ready", |d| {
                d.advance_to_new_card_ready()
            }),
        ],
        READER,
        &gone,
    );
    pulled_at(
        &[("a candidate leaves a second reader", |d| {
            d.advance_to_swap();
            d.insert(OTHER_READER, "3B01");
        })],
        OTHER_READER,
        &gone,
    );
}

#[test]
fn a_new_card_pulled_at_any_step_sends_back_to_the_swap() {
    let pulled = swap_screen(SwapStage::AwaitInsertion, Some(Notice::CardRemoved));
    pulled_at(&NEW_CARD_STEPS, READER, &pulled);
    let in_the_pin_dialog: Step = |d| {
        d.advance_to_new_pin();
    };
    pulled_at(
        &[
            ("pin status", driver::new_pin_status),
            ("pin dialog", in_the_pin_dialog),
        ],
        READER,
        &pulled,
    );
}
