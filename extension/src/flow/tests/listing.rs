//! A card pulled and put back faster than pcscd polls sends no event: the screens that wait for a card list the
//! readers once when they appear and act on what the listing shows, without looping on a listing that misleads.

use ebid_protocol::{Command, ErrorCode, Reply};

use super::driver::{self, Driver, Step};
use super::*;

/// The card was pulled during VERIFY (at `step`) and is back before pcscd looked: no event will come. The screen
/// `waiting` shows and lists the readers; the effects of the listing (the card back in READER) are returned.
fn back_unnoticed(step: Step, waiting: Screen) -> (Driver, Vec<Effect>) {
    let mut d = Driver::at(step);
    let effects = d.answer(Err(error(ErrorCode::CardRemoved)));
    assert_eq!(screen(&effects), Some(&waiting));
    assert_eq!(d.last_command(), &Command::ListReaders);
    let effects = d.answer(readers_reply(vec![reader(READER, true, false)]));
    (d, effects)
}

#[test]
fn insert_screen_lists_the_readers_and_reads_a_card_already_back() {
    let (mut d, effects) = back_unnoticed(
        driver::verifying_current,
        insert_screen(Some(Notice::CardRemoved)),
    );
    assert_eq!(d.last_command(), &read(READER));
    assert!(shows(&effects, |s| matches!(s, Screen::Progress { .. })));
    d.answer(Ok(Reply::Certificate(old_cert())));
    let effects = d.answer(Ok(Reply::PinStatus(pin_info(3))));
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::Pin {
            card: Which::Current,
            ..
        }
    )));
}

#[test]
fn insert_screen_with_an_empty_listing_waits_for_events() {
    let no_card = || {
        let mut d = Driver::new();
        d.confirm();
        d.answer(Ok(Reply::Watching {
            readers: vec![reader(READER, false, false)],
        }));
        assert_eq!(d.last_command(), &Command::ListReaders);
        d
    };
    let mut d = no_card();
    let effects = d.answer(readers_reply(vec![reader(READER, false, false)]));
    assert!(effects.is_empty(), "{effects:?}");
    // A failed listing is no failure either: the events still tell.
    let mut e = no_card();
    assert!(e.answer(Err(error(ErrorCode::CardError))).is_empty());
    e.insert(READER, "3B00");
    assert!(matches!(e.last_command(), Command::ReadCertificate { .. }));
}

#[test]
fn a_listed_card_that_cannot_be_read_does_not_loop() {
    let mut d = Driver::at(driver::verifying_current);
    d.answer(Err(error(ErrorCode::CardRemoved)));
    d.answer(readers_reply(vec![reader(READER, true, false)]));
    let effects = d.answer(Err(error(ErrorCode::NoCard)));
    assert_eq!(
        screen(&effects),
        Some(&insert_screen(Some(Notice::CardRemoved)))
    );
    assert!(!sent(&effects), "the listing misled once: wait for events");
    // A real event is believed, and listing is trusted again afterwards.
    d.insert(READER, "3B00");
    let effects = d.answer(Err(error(ErrorCode::CardRemoved)));
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::InsertCurrentCard { .. }
    )));
    assert_eq!(d.last_command(), &Command::ListReaders);
}

#[test]
fn swap_lists_the_readers_when_the_new_card_is_back_unnoticed() {
    let (mut d, effects) = back_unnoticed(
        driver::verifying_new,
        swap_screen(SwapStage::AwaitInsertion, Some(Notice::CardRemoved)),
    );
    assert_eq!(
        screen(&effects),
        Some(&swap_screen(SwapStage::Checking, None))
    );
    assert_eq!(d.last_command(), &read(READER));
    let effects = d.answer(Ok(Reply::Certificate(new_cert())));
    assert_eq!(screen(&effects), Some(&swap_screen(SwapStage::Ready, None)));
}

#[test]
fn swap_stages_act_on_the_listing() {
    let waiting_for_removal: Step = |d| d.advance_to_swap();
    let ready: Step = |d| d.advance_to_new_card_ready();
    let rows = [
        (
            "waiting for the current card to leave: it is gone already, the new one sits in a second reader",
            waiting_for_removal,
            vec![reader(READER, false, false), reader(OTHER_READER, true, false)],
            Some(swap_screen(SwapStage::Checking, None)),
            read(OTHER_READER),
        ),
        (
            "the current card is gone and no other is in: wait for insertion (and look once more)",
            waiting_for_removal,
            vec![reader(READER, false, false)],
            Some(swap_screen(SwapStage::AwaitInsertion, None)),
            Command::ListReaders,
        ),
        (
            "the current card still in: nothing to do",
            waiting_for_removal,
            vec![reader(READER, true, false)],
            None,
            Command::ListReaders,
        ),
        (
            "ready, but the checked card has left already: back to waiting",
            ready,
            vec![reader(READER, false, false)],
            Some(swap_screen(SwapStage::AwaitInsertion, None)),
            Command::ListReaders,
        ),
    ];
    for (name, step, listing, expected, then) in rows {
        let mut d = Driver::at(step);
        assert_eq!(d.last_command(), &Command::ListReaders, "{name}");
        let effects = d.answer(readers_reply(listing));
        assert_eq!(screen(&effects), expected.as_ref(), "{name}");
        assert_eq!(effects.is_empty(), expected.is_none(), "{name}");
        assert_eq!(d.last_command(), &then, "{name}");
        assert!(d.ok().is_empty(), "{name}: OK needs a different card in");
    }
}
