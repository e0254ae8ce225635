//! The JSON shapes the extension relies on.

use ebid_protocol::*;
use serde_json::json;

#[test]
fn request_shape() {
    let req: Request = serde_json::from_value(
        json!({"id": 3, "cmd": "verify_pin", "reader": "R 00 00", "pin": "1234"}),
    )
    .unwrap();
    assert_eq!(req.id, 3);
    match req.command {
        Command::VerifyPin { reader, pin } => {
            assert_eq!(reader, "R 00 00");
            assert_eq!(pin.unwrap().expose(), "1234");
        }
        other => panic!("parsed as {other:?}"),
    }
    let list: Request = serde_json::from_value(json!({"id": 1, "cmd": "list_readers"})).unwrap();
    assert_eq!(list.command, Command::ListReaders);
}

#[test]
fn unknown_command_is_an_error() {
    assert!(serde_json::from_value::<Request>(json!({"id": 1, "cmd": "format_card"})).is_err());
}

#[test]
fn raw_digest_signing_is_not_a_command() {
    // The host signs only the binding digest it computes itself (`sign_challenge`); the old `sign` is unknown.
    let old_sign = json!({"id": 2, "cmd": "sign", "reader": "R", "digest": "AAAA"});
    assert!(serde_json::from_value::<Request>(old_sign).is_err());
}

#[test]
fn errors_are_codes_without_texts() {
    // Texts are localised where they are shown (the extension's _locales, doctor's table), never sent.
    for (code, wire) in [
        (ErrorCode::OriginNotAllowed, "ORIGIN_NOT_ALLOWED"),
        (ErrorCode::CallerNotAllowed, "CALLER_NOT_ALLOWED"),
        (ErrorCode::WrongPin, "WRONG_PIN"),
    ] {
        let v = serde_json::to_value(ErrorInfo::new(code)).unwrap();
        assert_eq!(v, json!({"code": wire}));
        assert_eq!(code.wire_name(), wire);
        assert_eq!(code.to_string(), wire);
    }
}

#[test]
fn host_message_shapes() {
    let hello = HostMessage::Hello {
        version: "0.1.0".into(),
        protocol: PROTOCOL_VERSION,
    };
    assert_eq!(
        serde_json::to_value(&hello).unwrap(),
        json!({"type": "hello", "version": "0.1.0", "protocol": PROTOCOL_VERSION})
    );

    let err = HostMessage::Error {
        id: Some(9),
        error: ErrorInfo::new(ErrorCode::WrongPin).with_retries(2),
    };
    let v = serde_json::to_value(&err).unwrap();
    assert_eq!(v["type"], "error");
    assert_eq!(v["error"]["code"], "WRONG_PIN");
    assert_eq!(v["error"]["retries_left"], 2);
    assert!(v["error"].get("message_ja").is_none());

    let ev = HostMessage::Event {
        event: Event::CardInserted {
            reader: "R".into(),
            atr: "3B00".into(),
        },
    };
    assert_eq!(
        serde_json::to_value(&ev).unwrap(),
        json!({"type": "event", "event": {"name": "card_inserted", "reader": "R", "atr": "3B00"}})
    );

    let ok = HostMessage::Response {
        id: 4,
        result: Reply::PinVerified,
    };
    assert_eq!(
        serde_json::to_value(&ok).unwrap(),
        json!({"type": "response", "id": 4, "result": {"kind": "pin_verified"}})
    );
}

#[test]
fn command_names_are_the_wire_names() {
    let reader = || "R".to_owned();
    let commands = [
        Command::ListReaders,
        Command::Watch,
        Command::Unwatch,
        Command::ReadCertificate { reader: reader() },
        Command::PinStatus { reader: reader() },
        Command::VerifyPin {
            reader: reader(),
            pin: Some(Pin::new("0000")),
        },
        Command::SignChallenge {
            reader: reader(),
            origin: String::new(),
            challenge: String::new(),
            purpose: SignPurpose::Login,
            bound_certificate: None,
        },
        Command::Forget { reader: reader() },
    ];
    for command in commands {
        assert_eq!(
            serde_json::to_value(&command).unwrap()["cmd"],
            command.name()
        );
    }
}
