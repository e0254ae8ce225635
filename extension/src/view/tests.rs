//! Which elements and texts each screen shows.

use super::*;
use ebid_protocol::{ErrorCode, ErrorInfo};

fn pin_screen(card: Which, tries: Option<u8>, pin_pad: bool, pad_waiting: bool) -> Screen {
    Screen::Pin {
        card,
        tries_left: tries,
        last_try: tries == Some(1),
        pin_pad,
        pad_waiting,
        min_length: 4,
        max_length: 8,
        error: None,
    }
}

#[test]
fn pin_dialog_for_the_current_card() {
    let v = view(&pin_screen(Which::Current, Some(3), false, false));
    assert_eq!(v.section, "screen-pin");
    assert!(v.shown.contains(&"pin-form"));
    assert!(!v.shown.contains(&"operator-note"));
    assert!(!v.shown.contains(&"pin-last-try-warning"));
    assert!(v
        .texts
        .contains(&("pin-tries", Text::Msg("pin_tries_left", vec!["3".into()]))));
    assert!(v.clear_pin);
    assert_eq!(v.focus, Some("pin-input"));
}

#[test]
fn new_card_pin_dialog_says_the_operator_field_needs_nothing() {
    let v = view(&pin_screen(Which::New, None, false, false));
    assert!(v.shown.contains(&"operator-note"));
    assert!(!v.shown.contains(&"pin-tries"));
    assert!(v
        .texts
        .contains(&("pin-title", Text::Msg("pin_title_new", vec![]))));
}

#[test]
fn last_try_warning_and_error_in_the_ui_language() {
    let mut screen = pin_screen(Which::Current, Some(1), false, false);
    if let Screen::Pin { error, .. } = &mut screen {
        *error = Some(ErrorInfo::new(ErrorCode::WrongPin).with_retries(1));
    }
    let v = view(&screen);
    assert!(v.shown.contains(&"pin-last-try-warning"));
    assert!(v
        .texts
        .contains(&("pin-error", Text::Error(ErrorCode::WrongPin))));
    // The host sends the code; the text comes from _locales in the UI language.
    assert_eq!(error_key(ErrorCode::WrongPin), "error_wrong_pin");
    for (messages, text) in [
        (
            include_str!("../../static/_locales/ja/messages.json"),
            "PIN番号が正しくありません。",
        ),
        (
            include_str!("../../static/_locales/en/messages.json"),
            "Wrong PIN.",
        ),
    ] {
        let messages: serde_json::Value = serde_json::from_str(messages).unwrap();
        assert_eq!(messages["error_wrong_pin"]["message"], text);
    }
}

#[test]
fn pin_pad_hides_the_field() {
    let waiting = view(&pin_screen(Which::Current, Some(3), true, true));
    assert!(waiting.shown.contains(&"pin-pad-message"));
    assert!(!waiting.shown.contains(&"pin-form"));
    assert!(!waiting.shown.contains(&"pin-ok"));
    let retry = view(&pin_screen(Which::Current, Some(3), true, false));
    assert!(retry.shown.contains(&"pin-ok"));
}

#[test]
fn swap_ok_only_when_a_new_card_is_in() {
    for (stage, enabled) in [
        (SwapStage::AwaitRemoval, false),
        (SwapStage::AwaitInsertion, false),
        (SwapStage::Checking, false),
        (SwapStage::Ready, true),
    ] {
        let v = view(&Screen::Swap {
            stage,
            notice: None,
        });
        assert_eq!(v.enabled, vec![("swap-ok", enabled)]);
        assert_eq!(v.busy, vec![("swap-status", !enabled)]);
    }
    let v = view(&Screen::Swap {
        stage: SwapStage::AwaitRemoval,
        notice: Some(Notice::SameCard),
    });
    assert!(v
        .texts
        .contains(&("swap-notice", Text::Msg("notice_same_card", vec![]))));
}

#[test]
fn every_view_uses_known_elements() {
    let screens = [
        Screen::Connecting,
        Screen::Confirm,
        Screen::Done,
        Screen::InsertCurrentCard {
            notice: Some(Notice::CardRemoved),
        },
        Screen::Refused {
            reason: Refusal::Blocked,
            error: Some(ErrorInfo::new(ErrorCode::PinBlocked)),
        },
        Screen::Failed {
            failure: Failure::Host(HostProblem::TooOld {
                host_version: "0.0.1".into(),
                protocol: 0,
            }),
        },
        pin_screen(Which::New, Some(1), false, false),
    ];
    for screen in &screens {
        let v = view(screen);
        assert!(SECTIONS.contains(&v.section));
        for id in &v.shown {
            assert!(OPTIONAL_ELEMENTS.contains(id), "{id}");
        }
    }
}

#[test]
fn a_host_that_stopped_answering_is_told_in_both_languages() {
    let v = view(&Screen::Failed {
        failure: Failure::Host(HostProblem::StoppedAnswering {
            request: "sign_challenge".into(),
            waited_s: 20,
        }),
    });
    assert!(v.texts.contains(&(
        "failed-message",
        Text::Msg("host_stopped_answering", vec![])
    )));
    assert!(v.texts.contains(&(
        "failed-detail",
        Text::Plain("no answer to sign_challenge within 20 s".into())
    )));
    for messages in [
        include_str!("../../static/_locales/ja/messages.json"),
        include_str!("../../static/_locales/en/messages.json"),
    ] {
        let messages: serde_json::Value = serde_json::from_str(messages).unwrap();
        assert!(messages["host_stopped_answering"]["message"].is_string());
    }
}

#[test]
fn every_host_error_has_its_text_in_both_languages() {
    let locales: Vec<serde_json::Value> = [
        include_str!("../../static/_locales/ja/messages.json"),
        include_str!("../../static/_locales/en/messages.json"),
    ]
    .iter()
    .map(|m| serde_json::from_str(m).unwrap())
    .collect();
    for code in ErrorCode::ALL {
        for messages in &locales {
            assert!(
                messages[error_key(code)]["message"].is_string(),
                "no text for {code}"
            );
        }
    }
}
