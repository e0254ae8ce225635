//! The whole renewal, both cards, as the bidder goes through it; and how it starts without a card or a reader.

use ebid_protocol::{Command, ErrorCode, Reply, SignPurpose};

use super::driver::Driver;
use super::*;
use crate::portal_call::PortalStep;

#[test]
fn happy_path_hands_both_signatures_to_the_page() {
    let mut d = Driver::new();
    let effects = d.advance_to_new_pin();
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::Pin {
            card: Which::New,
            tries_left: Some(3),
            last_try: false,
            ..
        }
    )));
    d.pin("5678");
    assert!(
        matches!(d.last_command(), Command::VerifyPin { pin: Some(p), .. } if p.expose() == "5678")
    );
    d.answer(Ok(Reply::PinVerified));
    match d.last_command() {
        Command::SignChallenge {
            origin,
            challenge,
            purpose: SignPurpose::RenewNew,
            bound_certificate: Some(bound),
            ..
        } => {
            assert_eq!(origin, ORIGIN);
            assert_eq!(challenge, NEW_CHALLENGE);
            assert_eq!(bound, "T0xE");
        }
        other => panic!("expected sign as new card, got {other:?}"),
    }
    let effects = d.answer(Ok(signature("TkVXU0lH")));
    assert!(
        !effects.contains(&Effect::Finish),
        "not before the portal checked it"
    );
    assert_eq!(
        d.last_portal_call(),
        &hand_over(
            PortalStep::New,
            [
                ("challenge", NEW_CHALLENGE),
                ("newCertificate", "TkVX"),
                ("newSignature", "TkVXU0lH"),
            ]
        )
    );
    let effects = d.portal(
        200,
        r#"{"confirm":"/CALS/Accepter/ebidmlit/riyousha/IcRenewConfirm.do"}"#,
    );
    assert!(effects.contains(&Effect::Show(Screen::Done {
        operation: Operation::Renew
    })));
    assert!(effects.contains(&Effect::Finish));
    assert!(d.flow.is_over());
    assert!(d.cancel().is_empty(), "nothing happens after the end");
}

#[test]
fn no_card_waits_for_insertion_and_no_reader_fails() {
    let mut d = Driver::new();
    d.confirm();
    let effects = d.answer(Ok(Reply::Watching {
        readers: vec![reader(READER, false, false)],
    }));
    assert_eq!(screen(&effects), Some(&insert_screen(None)));
    d.insert(READER, "3B00");
    assert!(matches!(d.last_command(), Command::ReadCertificate { .. }));

    let mut d = Driver::new();
    d.confirm();
    let effects = d.answer(Ok(Reply::Watching { readers: vec![] }));
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::Failed { failure: Failure::Card(e) } if e.code == ErrorCode::NoReader
    )));
}
