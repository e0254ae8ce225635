//! Telling apart why the native host cannot be used: not installed, not answering, or speaking another protocol.
//! The browser reports a missing host only as a disconnect with an English message, so that text is classified here.

use ebid_protocol::{HostMessage, PROTOCOL_VERSION};
use serde::{Deserialize, Serialize};

/// The host protocols this extension works with — the code side of the compatibility table in
/// extension/README.md ("Versions"). A host below the range is too old (update the host); above it, the extension
/// is too old (update the extension). Widen the range only when the extension really speaks both protocols.
pub const ACCEPTED_HOST_PROTOCOLS: std::ops::RangeInclusive<u32> =
    PROTOCOL_VERSION..=PROTOCOL_VERSION;

/// How long the host gets to send its Hello before it counts as "not answering".
pub const HELLO_TIMEOUT_MS: u32 = 5_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum HostProblem {
    /// No native messaging manifest for `jp.ebid.renewal` (or it points to a missing program).
    NotInstalled { detail: String },
    /// A manifest exists but does not list this extension in `allowed_origins` / `allowed_extensions`.
    Forbidden { detail: String },
    /// The host started but sent no Hello in time.
    NotAnswering,
    /// The host said Hello but then left a request unanswered (see [`crate::answer_deadline`]).
    StoppedAnswering { request: String, waited_s: u32 },
    /// The host exited or closed the pipe.
    Exited { detail: String },
    /// The host speaks an older protocol: the host must be updated.
    TooOld { host_version: String, protocol: u32 },
    /// The host speaks a newer protocol: the extension must be updated.
    TooNew { host_version: String, protocol: u32 },
    /// The host sent something that is not a message of the schema.
    Garbled { detail: String },
}

/// Classifies `chrome.runtime.lastError.message` of a native port that disconnected before or after the Hello.
pub fn classify_disconnect(message: Option<&str>, hello_seen: bool) -> HostProblem {
    let detail = message.unwrap_or("").to_string();
    let lower = detail.to_ascii_lowercase();
    // Chrome: "Specified native messaging host not found." Firefox: "No such native application jp.ebid.renewal".
    if !hello_seen && (lower.contains("not found") || lower.contains("no such native application"))
    {
        return HostProblem::NotInstalled { detail };
    }
    // Chrome: "Access to the specified native messaging host is forbidden."
    if lower.contains("forbidden") || lower.contains("not allowed") {
        return HostProblem::Forbidden { detail };
    }
    HostProblem::Exited { detail }
}

/// Checks the host's first message. `Ok(version)` when it is a Hello with our protocol number.
pub fn check_hello(message: &HostMessage) -> Result<String, HostProblem> {
    match message {
        HostMessage::Hello { version, protocol } if ACCEPTED_HOST_PROTOCOLS.contains(protocol) => {
            Ok(version.clone())
        }
        HostMessage::Hello { version, protocol } if protocol < ACCEPTED_HOST_PROTOCOLS.start() => {
            Err(HostProblem::TooOld {
                host_version: version.clone(),
                protocol: *protocol,
            })
        }
        HostMessage::Hello { version, protocol } => Err(HostProblem::TooNew {
            host_version: version.clone(),
            protocol: *protocol,
        }),
        other => Err(HostProblem::Garbled {
            detail: format!("expected hello, got {}", message_kind(other)),
        }),
    }
}

/// Parses a message from the host, accepting nothing outside the schema.
pub fn parse_host_message(json: &str) -> Result<HostMessage, HostProblem> {
    serde_json::from_str(json).map_err(|e| HostProblem::Garbled {
        detail: e.to_string(),
    })
}

/// A host that predates the `protocol` field sends a Hello without it: that is an old host, not a garbled one.
pub fn parse_first_message(json: &str) -> Result<HostMessage, HostProblem> {
    match parse_host_message(json) {
        Ok(m) => Ok(m),
        Err(problem) => {
            let value: serde_json::Value =
                serde_json::from_str(json).map_err(|_| problem.clone())?;
            if value.get("type").and_then(|t| t.as_str()) == Some("hello") {
                let version = value
                    .get("version")
                    .and_then(|v| v.as_str())
                    .unwrap_or("?")
                    .to_string();
                Err(HostProblem::TooOld {
                    host_version: version,
                    protocol: 0,
                })
            } else {
                Err(problem)
            }
        }
    }
}

/// The wire name of a reply, for error details (cheaper in wasm than `Debug` of the whole reply).
pub fn reply_kind(reply: &ebid_protocol::Reply) -> &'static str {
    use ebid_protocol::Reply;
    match reply {
        Reply::Readers { .. } => "readers",
        Reply::Watching { .. } => "watching",
        Reply::Unwatched => "unwatched",
        Reply::Certificate(_) => "certificate",
        Reply::PinStatus(_) => "pin_status",
        Reply::PinVerified => "pin_verified",
        Reply::Signature { .. } => "signature",
        Reply::Forgotten => "forgotten",
    }
}

fn message_kind(message: &HostMessage) -> &'static str {
    match message {
        HostMessage::Hello { .. } => "hello",
        HostMessage::Response { .. } => "response",
        HostMessage::Error { .. } => "error",
        HostMessage::Event { .. } => "event",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_host_is_told_from_an_exited_one() {
        assert!(matches!(
            classify_disconnect(Some("Specified native messaging host not found."), false),
            HostProblem::NotInstalled { .. }
        ));
        assert!(matches!(
            classify_disconnect(Some("No such native application jp.ebid.renewal"), false),
            HostProblem::NotInstalled { .. }
        ));
        assert!(matches!(
            classify_disconnect(
                Some("Access to the specified native messaging host is forbidden."),
                false
            ),
            HostProblem::Forbidden { .. }
        ));
        assert!(matches!(
            classify_disconnect(Some("Native host has exited."), false),
            HostProblem::Exited { .. }
        ));
        assert!(matches!(
            classify_disconnect(None, true),
            HostProblem::Exited { .. }
        ));
    }

    #[test]
    fn hello_versions() {
        let hello = |protocol| HostMessage::Hello {
            version: "0.1.0".into(),
            protocol,
        };
        assert_eq!(check_hello(&hello(PROTOCOL_VERSION)), Ok("0.1.0".into()));
        assert!(matches!(
            check_hello(&hello(PROTOCOL_VERSION - 1)),
            Err(HostProblem::TooOld { protocol, .. }) if protocol == PROTOCOL_VERSION - 1
        ));
        assert!(matches!(
            check_hello(&hello(PROTOCOL_VERSION + 1)),
            Err(HostProblem::TooNew { .. })
        ));
        assert!(matches!(
            check_hello(&HostMessage::Response {
                id: 1,
                result: ebid_protocol::Reply::Unwatched
            }),
            Err(HostProblem::Garbled { .. })
        ));
    }

    #[test]
    fn hello_without_protocol_is_an_old_host() {
        assert!(matches!(
            parse_first_message(r#"{"type":"hello","version":"0.0.1"}"#),
            Err(HostProblem::TooOld { protocol: 0, .. })
        ));
        assert!(matches!(
            parse_first_message("[1,2]"),
            Err(HostProblem::Garbled { .. })
        ));
        assert!(parse_first_message(r#"{"type":"hello","version":"1","protocol":1}"#).is_ok());
    }
}
