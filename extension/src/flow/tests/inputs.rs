//! What the host and the dialog say, turned into the flow's inputs.

use ebid_protocol::{ErrorCode, HostMessage};

use super::*;

#[test]
fn host_messages_become_inputs() {
    assert!(Input::from_host(HostMessage::Hello {
        version: "1".into(),
        protocol: 1
    })
    .is_none());
    assert!(matches!(
        Input::from_host(HostMessage::Error {
            id: Some(4),
            error: error(ErrorCode::WrongPin)
        }),
        Some(Input::Answer {
            id: 4,
            result: Err(_)
        })
    ));
    assert!(matches!(
        Input::from_host(HostMessage::Error {
            id: None,
            error: error(ErrorCode::BadRequest)
        }),
        Some(Input::HostProblem(_))
    ));
}

#[test]
fn user_actions_parse_from_the_dialog() {
    let action: UserAction =
        serde_json::from_str(r#"{"action":"pin","pin":"1234","operator":""}"#).unwrap();
    assert!(matches!(action, UserAction::Pin { pin, .. } if pin.expose() == "1234"));
    assert!(format!(
        "{:?}",
        serde_json::from_str::<UserAction>(r#"{"action":"pin","pin":"987654"}"#).unwrap()
    )
    .find("987654")
    .is_none());
    assert!(matches!(
        serde_json::from_str::<UserAction>(r#"{"action":"cancel"}"#).unwrap(),
        UserAction::Cancel
    ));
}
