//! Which elements and texts each screen shows.

use super::*;
use ebid_protocol::{ErrorCode, ErrorInfo};

/// The extension's `_locales` messages: Japanese, then English.
fn locales() -> [serde_json::Value; 2] {
    [
        include_str!("../../static/_locales/ja/messages.json"),
        include_str!("../../static/_locales/en/messages.json"),
    ]
    .map(|messages| serde_json::from_str(messages).unwrap())
}

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
    for (messages, text) in locales()
        .iter()
        .zip(["PIN番号が正しくありません。", "Wrong PIN."])
    {
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
        Screen::Confirm {
            operation: Operation::Renew,
        },
        Screen::Confirm {
            operation: Operation::Login,
        },
        Screen::Done {
            operation: Operation::Register,
        },
        Screen::InsertCurrentCard {
            card: Which::Only,
            notice: Some(Notice::CardRemoved),
        },
        Screen::Refused {
            reason: Refusal::Blocked,
            card: Which::Only,
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
    for messages in locales() {
        assert!(messages["host_stopped_answering"]["message"].is_string());
    }
}

#[test]
fn every_host_error_has_its_text_in_both_languages() {
    let locales = locales();
    for code in ErrorCode::ALL {
        for messages in &locales {
            assert!(
                messages[error_key(code)]["message"].is_string(),
                "no text for {code}"
            );
        }
    }
}

#[test]
fn a_newer_hosts_unknown_code_reads_as_the_card_error_not_a_garbled_reply() {
    // What a newer host may send: a code this build has never heard of, with its detail.
    let json = r#"{"type":"error","id":4,"error":{"code":"SOME_FUTURE_CODE","detail":"PKCS#11 module /opt/ca/x.so"}}"#;
    let Ok(ebid_protocol::HostMessage::Error { id, error }) =
        crate::host_problem::parse_host_message(json)
    else {
        panic!("an unknown error code made the reply unreadable");
    };
    assert_eq!((id, error.code), (Some(4), ErrorCode::Unrecognized));
    assert_eq!(error.detail.as_deref(), Some("PKCS#11 module /opt/ca/x.so"));
    assert_eq!(error_key(error.code), "error_card_error");
    for messages in locales() {
        assert!(messages[error_key(error.code)]["message"].is_string());
    }
    assert_eq!(
        error_key(ErrorCode::ModuleUnavailable),
        "error_module_unavailable"
    );
}

/// Every `_locales` key a view of these screens uses exists in both languages.
fn assert_texts_exist(screens: &[Screen]) {
    let locales = locales();
    for screen in screens {
        let v = view(screen);
        let keys = v
            .texts
            .iter()
            .filter_map(|(_, t)| match t {
                Text::Msg(key, _) => Some(*key),
                _ => None,
            })
            .chain(v.operation.map(title_key));
        for key in keys {
            for messages in &locales {
                assert!(messages[key]["message"].is_string(), "no text for {key}");
            }
        }
    }
}

#[test]
fn each_operation_has_its_title_confirmation_and_ending() {
    let mut screens = Vec::new();
    for operation in Operation::ALL {
        let confirm = view(&Screen::Confirm { operation });
        assert_eq!(confirm.operation, Some(operation));
        // Only the renewal warns that the old card stops working.
        assert_eq!(
            confirm.shown.contains(&"confirm-warning"),
            operation == Operation::Renew
        );
        let done = view(&Screen::Done { operation });
        assert_eq!(done.operation, Some(operation));
        screens.extend([Screen::Confirm { operation }, Screen::Done { operation }]);
    }
    assert_eq!(title_key(Operation::Login), "dialog_title_login");
    let [ja, _] = locales();
    for (operation, title) in [
        (Operation::Renew, "ICカード更新"),
        (Operation::Login, "ICカードによるログイン"),
        (Operation::Register, "利用者情報の新規登録"),
        (Operation::Change, "利用者情報の変更"),
    ] {
        assert_eq!(ja[title_key(operation)]["message"], title);
    }
    for card in [Which::Current, Which::New, Which::Only] {
        screens.push(pin_screen(card, Some(3), false, false));
        screens.push(Screen::InsertCurrentCard { card, notice: None });
        screens.push(Screen::Progress {
            step: Progress::ReadingCard,
            card,
        });
        for reason in [Refusal::Expired, Refusal::Blocked, Refusal::Unsupported] {
            screens.push(Screen::Refused {
                reason,
                card,
                error: None,
            });
        }
    }
    assert_texts_exist(&screens);
}

#[test]
fn the_one_card_texts_do_not_speak_of_the_current_card() {
    let v = view(&pin_screen(Which::Only, Some(3), false, false));
    assert!(v
        .texts
        .contains(&("pin-title", Text::Msg("pin_title_only", vec![]))));
    assert!(!v.shown.contains(&"operator-note"));
    let v = view(&Screen::InsertCurrentCard {
        card: Which::Only,
        notice: None,
    });
    assert!(v
        .texts
        .contains(&("insert-text", Text::Msg("insert_text_only", vec![]))));
}

#[test]
fn registration_is_offered_where_the_refusal_points_to_it() {
    for (reason, offered) in [
        (Refusal::Expired, true),
        (Refusal::Blocked, true),
        (Refusal::Unsupported, false),
    ] {
        let v = view(&Screen::Refused {
            reason,
            card: Which::Only,
            error: None,
        });
        assert_eq!(v.shown.contains(&"refused-register"), offered, "{reason:?}");
    }
    for pointer in [true, false] {
        let v = view(&Screen::PortalRefused {
            title: "利用者登録されていないICカードです".into(),
            message: String::new(),
            registration_pointer: pointer,
        });
        assert_eq!(v.shown.contains(&"refused-register"), pointer);
        assert_eq!(v.shown.contains(&"refused-pointer"), pointer);
    }
}
