//! A known command's arguments, taken from a request field by field, so a rejection names the field that is
//! missing or wrong — found from where deserialisation stopped (`serde_path_to_error`), never from the text of
//! serde's message, which may quote the value (a PIN).
//!
//! [`Command`]'s own `Deserialize` (internally tagged, inside the flattened [`crate::Request`]) loses that path,
//! so each command's arguments are read here into a struct of optional fields, and the required ones are checked
//! by name. Building the [`Command`] from them lists every field, so a field added to a command does not compile
//! until it is read here too; the tests check both readings agree.

use serde::Deserialize;
use serde_json::Value;

use crate::{Command, Pin, SignPurpose};

/// Why a known command's arguments were refused: always a field of the schema, never a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgumentError {
    /// A required field is absent (or `null`).
    Missing(&'static str),
    /// A field has the wrong type or a value outside its set (e.g. an unknown `purpose`).
    Invalid(&'static str),
}

impl std::fmt::Display for ArgumentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ArgumentError::Missing(field) => write!(f, "`{field}` is missing"),
            ArgumentError::Invalid(field) => write!(f, "`{field}` has the wrong type or value"),
        }
    }
}

/// Every argument field of every command: what a rejection may name.
const FIELDS: [&str; 6] = [
    "reader",
    "pin",
    "origin",
    "challenge",
    "purpose",
    "bound_certificate",
];

#[derive(Deserialize)]
struct ReaderArguments {
    reader: Option<String>,
}

#[derive(Deserialize)]
struct VerifyPinArguments {
    reader: Option<String>,
    pin: Option<Pin>,
}

#[derive(Deserialize)]
struct SignChallengeArguments {
    reader: Option<String>,
    origin: Option<String>,
    challenge: Option<String>,
    purpose: Option<SignPurpose>,
    bound_certificate: Option<String>,
}

/// The command `name` (one of [`Command::NAMES`]) with its arguments from `request` (the whole request object;
/// `id`, `cmd` and fields no command has are ignored, as `Command`'s own `Deserialize` ignores them). `None` for a
/// name that is not a command.
pub fn command_from(name: &str, request: &Value) -> Option<Result<Command, ArgumentError>> {
    let command = match name {
        "list_readers" => Ok(Command::ListReaders),
        "watch" => Ok(Command::Watch),
        "unwatch" => Ok(Command::Unwatch),
        "read_certificate" => read::<ReaderArguments>(request).and_then(|a| {
            Ok(Command::ReadCertificate {
                reader: required("reader", a.reader)?,
            })
        }),
        "pin_status" => read::<ReaderArguments>(request).and_then(|a| {
            Ok(Command::PinStatus {
                reader: required("reader", a.reader)?,
            })
        }),
        "verify_pin" => read::<VerifyPinArguments>(request).and_then(|a| {
            Ok(Command::VerifyPin {
                reader: required("reader", a.reader)?,
                pin: a.pin,
            })
        }),
        "sign_challenge" => read::<SignChallengeArguments>(request).and_then(|a| {
            Ok(Command::SignChallenge {
                reader: required("reader", a.reader)?,
                origin: required("origin", a.origin)?,
                challenge: required("challenge", a.challenge)?,
                purpose: required("purpose", a.purpose)?,
                bound_certificate: a.bound_certificate,
            })
        }),
        "forget" => read::<ReaderArguments>(request).and_then(|a| {
            Ok(Command::Forget {
                reader: required("reader", a.reader)?,
            })
        }),
        _ => return None,
    };
    Some(command)
}

fn required<T>(field: &'static str, value: Option<T>) -> Result<T, ArgumentError> {
    value.ok_or(ArgumentError::Missing(field))
}

/// Deserialises `T` from the request, naming the field where it stopped.
fn read<T: for<'de> Deserialize<'de>>(request: &Value) -> Result<T, ArgumentError> {
    serde_path_to_error::deserialize(request).map_err(|e| {
        let first = e.path().iter().next().map(|segment| segment.to_string());
        // The path's first step is the field being read: one of ours (unknown fields are skipped, not read).
        let field = FIELDS
            .iter()
            .find(|field| first.as_deref() == Some(**field))
            .copied()
            .unwrap_or("an argument");
        ArgumentError::Invalid(field)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_field_is_named() {
        let sign = |purpose: Value| {
            json!({"id": 1, "cmd": "sign_challenge", "reader": "R", "origin": "https://a.example",
                "challenge": "AAAA", "purpose": purpose})
        };
        let cases = [
            (sign(json!("steal")), ArgumentError::Invalid("purpose")),
            (sign(json!(7)), ArgumentError::Invalid("purpose")),
            (sign(Value::Null), ArgumentError::Missing("purpose")),
            (
                json!({"cmd": "sign_challenge", "reader": "R", "origin": 5, "challenge": "A", "purpose": "login"}),
                ArgumentError::Invalid("origin"),
            ),
            (
                json!({"cmd": "sign_challenge", "reader": "R", "origin": "o", "purpose": "login"}),
                ArgumentError::Missing("challenge"),
            ),
            (
                json!({"cmd": "verify_pin", "reader": "R", "pin": 73914562}),
                ArgumentError::Invalid("pin"),
            ),
            (
                json!({"cmd": "verify_pin", "pin": "73914562"}),
                ArgumentError::Missing("reader"),
            ),
            (
                json!({"cmd": "read_certificate", "reader": ["R"]}),
                ArgumentError::Invalid("reader"),
            ),
        ];
        for (request, expected) in cases {
            let name = request["cmd"].as_str().unwrap();
            assert_eq!(
                command_from(name, &request),
                Some(Err(expected.clone())),
                "{request}"
            );
        }
    }

    #[test]
    fn other_fields_are_ignored_and_unknown_names_are_none() {
        let request = json!({"id": 1, "cmd": "list_readers", "reader": 5, "extra": {"x": 1}});
        assert_eq!(
            command_from("list_readers", &request),
            Some(Ok(Command::ListReaders))
        );
        let request = json!({"cmd": "forget", "reader": "R", "purpose": "nonsense"});
        assert_eq!(
            command_from("forget", &request),
            Some(Ok(Command::Forget { reader: "R".into() }))
        );
        assert_eq!(command_from("format_card", &request), None);
    }
}
