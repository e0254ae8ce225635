//! The portal's part: its challenge is fetched once the current card's PIN is in, each signature is handed over,
//! and its refusals and silences stop the flow.

use ebid_protocol::{Command, ErrorCode, Reply};

use super::driver::{self, Driver, Step};
use super::*;
use crate::portal_call::PortalStep;

/// The card signs at `step`; the portal refuses its signature with this code, title, message and pointer.
fn portal_refuses(step: Step, refusal: (&str, &str, &str, bool)) -> (Driver, Vec<Effect>) {
    let mut d = Driver::at(step);
    d.answer(Ok(signature("U0lH")));
    let (code, title, message, pointer) = refusal;
    let effects = d.portal(403, &portal_refusal(code, title, message, pointer));
    (d, effects)
}

#[test]
fn the_portal_refusing_the_current_card_shows_its_words_and_the_registration_pointer() {
    let title = "利用者登録されていないICカードです";
    let (mut d, effects) = portal_refuses(
        driver::signing_current,
        ("unregistered", title, "登録してください", true),
    );
    assert_eq!(
        screen(&effects),
        Some(&Screen::PortalRefused {
            title: title.into(),
            message: "登録してください".into(),
            registration_pointer: true,
        })
    );
    assert!(!sent(&effects));
    d.ok();
    assert!(d.flow.is_over(), "its one button closes");
}

#[test]
fn the_portal_refusing_the_new_card_stops_the_flow() {
    let (_, effects) = portal_refuses(
        driver::signing_new,
        (
            "unknown_ca",
            "新しいICカードの認証局を確認できませんでした",
            "",
            false,
        ),
    );
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::PortalRefused {
            registration_pointer: false,
            ..
        }
    )));
    assert!(!effects.contains(&Effect::Finish));
}

#[test]
fn a_portal_that_does_not_answer_ends_in_the_failed_screen_without_signing() {
    let mut d = Driver::at(driver::fetching_challenge);
    let effects = d.feed(Input::Portal {
        id: d.last_portal.as_ref().unwrap().0,
        status: 0,
        body: String::new(),
        error: Some("TypeError: Failed to fetch".into()),
    });
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::Failed {
            failure: Failure::Portal { .. }
        }
    )));
    assert!(
        !sent(&effects),
        "nothing is signed without the portal's challenge"
    );
}

#[test]
fn a_stale_portal_answer_is_ignored() {
    let mut d = Driver::at(driver::fetching_challenge);
    let id = d.last_portal.as_ref().unwrap().0;
    let effects = d.feed(Input::Portal {
        id: id + 100,
        status: 200,
        body: format!(r#"{{"challenge":"{CHALLENGE}"}}"#),
        error: None,
    });
    assert!(effects.is_empty());
}

#[test]
fn the_challenge_is_kept_when_the_current_card_is_pulled_and_put_back() {
    let mut d = Driver::at(driver::signing_current);
    d.answer(Err(error(ErrorCode::CardRemoved)));
    d.insert(READER, "3B00");
    d.answer(Ok(Reply::Certificate(old_cert())));
    d.answer(Ok(Reply::PinStatus(pin_info(3))));
    d.pin("1234");
    let portal_calls = d.last_portal.clone();
    d.answer(Ok(Reply::PinVerified));
    assert!(
        matches!(d.last_command(), Command::SignChallenge { challenge, .. } if challenge == CHALLENGE)
    );
    assert_eq!(d.last_portal, portal_calls, "the portal is not asked again");
    assert_eq!(d.last_portal_call().step, PortalStep::Challenge);
}
