//! The one-card operations — ICカードによるログイン, 利用者情報の新規登録, 利用者情報の変更 — on the same steps as the
//! renewal's current card, each signing its own purpose; and 「登録」 from a refusal turning any flow into a
//! registration in the same dialog.

use ebid_protocol::{Command, ErrorCode, Reply, SignPurpose};

use super::driver::Driver;
use super::*;
use crate::portal_call::PortalStep;

const ONE_CARD: [(Operation, SignPurpose); 3] = [
    (Operation::Login, SignPurpose::Login),
    (Operation::Register, SignPurpose::Register),
    (Operation::Change, SignPurpose::Change),
];

/// Up to the card's PIN dialog (3 tries left), the card read before its PIN.
fn at_pin(operation: Operation) -> Driver {
    let mut d = Driver::for_operation(operation);
    d.advance_to_current_pin(3);
    d
}

/// The PIN typed and verified, the challenge fetched and signed: the card's proof is handed to the portal.
fn prove(d: &mut Driver, purpose: SignPurpose) {
    d.pin("1234");
    let effects = d.answer(Ok(Reply::PinVerified));
    assert!(
        !sent(&effects),
        "no signature before the portal's challenge"
    );
    assert_eq!(d.last_portal_call().step, PortalStep::Challenge);
    d.portal(200, &format!(r#"{{"challenge":"{CHALLENGE}"}}"#));
    match d.last_command() {
        Command::SignChallenge {
            origin,
            challenge,
            purpose: p,
            bound_certificate: None,
            ..
        } => {
            assert_eq!(origin, ORIGIN);
            assert_eq!(challenge, CHALLENGE);
            assert_eq!(*p, purpose);
        }
        other => panic!("expected a signature, got {other:?}"),
    }
    d.answer(Ok(signature("T0xEU0lH")));
    assert_eq!(
        d.last_portal_call(),
        &hand_over(
            PortalStep::Proof,
            [
                ("challenge", CHALLENGE),
                ("certificate", "T0xE"),
                ("signature", "T0xEU0lH"),
            ]
        )
    );
}

#[test]
fn each_operation_signs_its_purpose_and_ends_on_its_next_page() {
    for (operation, purpose) in ONE_CARD {
        let mut d = at_pin(operation);
        prove(&mut d, purpose);
        let effects = d.portal(
            200,
            r#"{"next":"/CALS/Accepter/ebidmlit/login/IcLoginResult.do"}"#,
        );
        assert!(
            effects.contains(&Effect::Show(Screen::Done { operation })),
            "{operation:?}"
        );
        assert!(effects.contains(&Effect::Finish), "{operation:?}");
        assert!(d.flow.is_over());
        assert_eq!(d.flow.operation(), operation);
    }
}

#[test]
fn the_screens_speak_of_the_one_card() {
    for (operation, _) in ONE_CARD {
        let mut d = Driver::for_operation(operation);
        d.confirm();
        let effects = d.answer(Ok(Reply::Watching {
            readers: vec![reader(READER, false, false)],
        }));
        assert_eq!(
            screen(&effects),
            Some(&Screen::InsertCurrentCard {
                card: Which::Only,
                notice: None
            })
        );
        let mut d = Driver::for_operation(operation);
        let effects = d.advance_to_current_pin(2);
        assert!(shows(&effects, |s| matches!(
            s,
            Screen::Pin {
                card: Which::Only,
                tries_left: Some(2),
                ..
            }
        )));
    }
}

#[test]
fn a_wrong_pin_then_the_right_one() {
    for (operation, purpose) in ONE_CARD {
        let mut d = at_pin(operation);
        d.pin("9999");
        let effects = d.answer(Err(wrong_pin(2)));
        assert!(shows(&effects, |s| matches!(
            s,
            Screen::Pin {
                card: Which::Only,
                tries_left: Some(2),
                error: Some(e),
                ..
            } if e.code == ErrorCode::WrongPin
        )));
        prove(&mut d, purpose);
    }
}

#[test]
fn an_expired_or_blocked_card_is_refused_before_the_portal_and_offers_registration() {
    for (operation, _) in ONE_CARD {
        let mut d = Driver::for_operation(operation);
        d.advance_to_reading_current(false);
        let effects = d.answer(Ok(Reply::Certificate(cert(READER, "AA", "T0xE", true))));
        assert_eq!(
            screen(&effects),
            Some(&Screen::Refused {
                reason: Refusal::Expired,
                card: Which::Only,
                error: None
            })
        );
        assert!(d.last_portal.is_none(), "nothing reached the portal");

        let mut d = Driver::for_operation(operation);
        d.advance_to_reading_current(false);
        d.answer(Ok(Reply::Certificate(old_cert())));
        let effects = d.answer(Ok(Reply::PinStatus(pin_info(0))));
        assert!(refuses(&effects, Refusal::Blocked), "{operation:?}");
        let effects = d.feed(Input::User(UserAction::Register));
        assert_eq!(
            effects,
            vec![Effect::Show(Screen::Confirm {
                operation: Operation::Register
            })]
        );
    }
}

#[test]
fn portal_refusals_in_its_words_offer_registration_only_when_pointed_to() {
    for (operation, purpose) in ONE_CARD {
        for (code, pointer) in [
            ("unregistered", true),
            ("current_expired", true),
            ("retired", false),
            ("already_registered", false),
        ] {
            let mut d = at_pin(operation);
            prove(&mut d, purpose);
            let effects = d.portal(403, &portal_refusal(code, "題", "本文", pointer));
            assert_eq!(
                screen(&effects),
                Some(&Screen::PortalRefused {
                    title: "題".into(),
                    message: "本文".into(),
                    registration_pointer: pointer
                })
            );
            let effects = d.feed(Input::User(UserAction::Register));
            if pointer {
                assert_eq!(d.flow.operation(), Operation::Register, "{code}");
                assert!(!effects.is_empty());
            } else {
                assert!(effects.is_empty(), "{code}: no 「登録」 here");
                assert_eq!(d.flow.operation(), operation);
                assert_eq!(d.cancel(), vec![Effect::Close]);
            }
        }
    }
}

#[test]
fn registration_from_a_refusal_runs_in_the_same_flow_with_a_fresh_challenge() {
    // A renewal whose current card the portal does not know, and a login with an unregistered card.
    type Refuse = fn(&mut Driver);
    let renewal_refused: Refuse = |d| {
        d.advance_to_current_pin(3);
        d.pin("1234");
        d.pin_verified_then_signs();
        d.answer(Ok(signature("T0xEU0lH")));
        d.portal(403, &portal_refusal("unregistered", "未登録", "", true));
    };
    let login_refused: Refuse = |d| {
        d.advance_to_current_pin(3);
        prove(d, SignPurpose::Login);
        d.portal(403, &portal_refusal("unregistered", "未登録", "", true));
    };
    for (operation, refuse) in [
        (Operation::Renew, renewal_refused),
        (Operation::Login, login_refused),
    ] {
        let mut d = Driver::for_operation(operation);
        refuse(&mut d);
        let effects = d.feed(Input::User(UserAction::Register));
        assert_eq!(
            effects,
            vec![Effect::Show(Screen::Confirm {
                operation: Operation::Register
            })]
        );
        // The host already watches: the readers are listed, not watched twice.
        d.ok();
        assert_eq!(d.last_command(), &Command::ListReaders);
        d.answer(Ok(Reply::Readers {
            readers: vec![reader(READER, true, false)],
        }));
        assert_eq!(d.last_command(), &read(READER));
        d.answer(Ok(Reply::Certificate(new_cert())));
        d.answer(Ok(Reply::PinStatus(pin_info(3))));
        d.pin("5678");
        d.answer(Ok(Reply::PinVerified));
        // The refused operation's challenge is not reused: a new one is fetched for the registration.
        assert_eq!(d.last_portal_call().step, PortalStep::Challenge);
        d.portal(200, &format!(r#"{{"challenge":"{NEW_CHALLENGE}"}}"#));
        assert!(matches!(
            d.last_command(),
            Command::SignChallenge { purpose: SignPurpose::Register, challenge, .. } if challenge == NEW_CHALLENGE
        ));
        d.answer(Ok(signature("TkVXU0lH")));
        assert_eq!(
            d.last_portal_call(),
            &hand_over(
                PortalStep::Proof,
                [
                    ("challenge", NEW_CHALLENGE),
                    ("certificate", "TkVX"),
                    ("signature", "TkVXU0lH"),
                ]
            )
        );
        let effects = d.portal(200, r#"{"next":"/x"}"#);
        assert!(effects.contains(&Effect::Finish));
        assert_eq!(d.flow.operation(), Operation::Register);
    }
}

#[test]
fn registration_is_not_offered_by_failures() {
    let mut d = at_pin(Operation::Login);
    prove(&mut d, SignPurpose::Login);
    d.portal(200, "<html>");
    assert!(d.feed(Input::User(UserAction::Register)).is_empty());
    assert_eq!(d.flow.operation(), Operation::Login);
    // And 「登録」 means nothing in the middle of a flow.
    let mut d = at_pin(Operation::Change);
    assert!(d.feed(Input::User(UserAction::Register)).is_empty());
    assert_eq!(d.flow.operation(), Operation::Change);
}
