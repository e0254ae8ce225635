//! The swap: the current card leaves, a different, valid card comes in (any reader), OK goes on to its PIN.

use ebid_protocol::{Command, ErrorCode, Reply};

use super::driver::{self, Driver};
use super::*;

/// The card read as the new one turns out to be the current card: it must leave.
fn is_the_current_card_again(d: &mut Driver) {
    let effects = d.answer(Ok(Reply::Certificate(old_cert())));
    assert_eq!(
        screen(&effects),
        Some(&swap_screen(
            SwapStage::AwaitRemoval,
            Some(Notice::SameCard)
        ))
    );
}

#[test]
fn jpki_new_card_is_compared_after_its_pin() {
    let mut d = Driver::at(|d| {
        d.advance_to_swap();
        d.swap_cards("3B01");
    });
    let effects = d.answer(Err(error(ErrorCode::PinRequired)));
    assert_eq!(screen(&effects), Some(&swap_screen(SwapStage::Ready, None)));
    d.ok();
    d.answer(Ok(Reply::PinStatus(pin_info(3))));
    d.pin("5678");
    d.answer(Ok(Reply::PinVerified));
    assert!(matches!(d.last_command(), Command::ReadCertificate { .. }));
    is_the_current_card_again(&mut d);
}

#[test]
fn same_card_inserted_as_new_keeps_waiting() {
    let mut d = Driver::new();
    d.advance_to_swap();
    let effects = d.remove(READER);
    assert_eq!(
        screen(&effects),
        Some(&swap_screen(SwapStage::AwaitInsertion, None))
    );
    d.insert(READER, "3B00");
    is_the_current_card_again(&mut d);
    // OK does nothing while the same card is in.
    assert!(d.ok().is_empty());
    d.swap_cards("3B01");
    let effects = d.answer(Ok(Reply::Certificate(new_cert())));
    assert_eq!(screen(&effects), Some(&swap_screen(SwapStage::Ready, None)));
}

#[test]
fn new_card_in_a_second_reader_is_taken() {
    let mut d = Driver::new();
    d.advance_to_swap();
    d.insert(OTHER_READER, "3B01");
    assert_eq!(d.last_command(), &read(OTHER_READER));
    d.answer(Ok(Reply::Certificate(cert(
        OTHER_READER,
        "BB",
        "TkVX",
        false,
    ))));
    d.ok();
    assert_eq!(
        d.last_command(),
        &Command::PinStatus {
            reader: OTHER_READER.into()
        }
    );
}

#[test]
fn unusable_new_cards_are_explained() {
    let rows = [
        (
            Err(error(ErrorCode::UnsupportedCard)),
            Notice::NewCardUnsupported,
        ),
        (Err(error(ErrorCode::CardExpired)), Notice::NewCardExpired),
        (Err(error(ErrorCode::CardError)), Notice::NewCardUnreadable),
        (
            Ok(Reply::Certificate(cert(READER, "CC", "RVhQ", true))),
            Notice::NewCardExpired,
        ),
    ];
    for (answer, notice) in rows {
        let mut d = Driver::at(driver::checking_candidate);
        let effects = d.answer(answer);
        assert_eq!(
            screen(&effects),
            Some(&swap_screen(SwapStage::AwaitRemoval, Some(notice)))
        );
    }
}
