//! What the content script, the dialog page and the service worker say to each other (JSON over
//! `chrome.runtime` ports). The wire to the native host is `ebid_protocol`; these messages never leave the browser.

use serde::{Deserialize, Serialize};

use crate::flow::{Operation, Screen, UserAction};

/// Port name the content script opens for one flow.
pub const PAGE_PORT: &str = "ebid-page";
/// Port name the dialog page opens to drive its flow.
pub const DIALOG_PORT: &str = "ebid-dialog";

/// Content script → service worker. The origin is never part of it: the worker takes it from the port's sender.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromPage {
    /// A button of the page's profile was clicked by the user (a trusted event): `operation` is the one the
    /// profile gives that button (the worker checks the page has such a button). `origin` is the document's
    /// `self.origin` (`"null"` when sandboxed); `ancestors` are the origins of every frame above it, nearest first
    /// (`location.ancestorOrigins`, or what the script could read; `"cross-origin"` for one it could not).
    Start {
        origin: String,
        #[serde(default)]
        ancestors: Vec<String>,
        operation: Operation,
    },
    /// The answer to [`ToPage::Portal`]: `status` 0 when the request did not get through (`error` says why).
    PortalAnswer {
        id: u64,
        status: u16,
        #[serde(default)]
        body: String,
        #[serde(default)]
        error: Option<String>,
    },
}

/// Service worker → content script.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToPage {
    /// The dialog window is open.
    Started,
    /// POST these form fields (name, value pairs) to `path` on the page's own origin, with its session; answer
    /// with [`FromPage::PortalAnswer`].
    Portal {
        id: u64,
        path: &'static str,
        fields: Vec<(&'static str, String)>,
    },
    /// The portal took the card(s): show the operation's next page (`path` on the page's own origin) in this frame.
    Navigate { path: &'static str },
    /// The flow ended without a result; the page stays as it was.
    Closed,
    /// The worker will not start a flow here (the reason is for the console, not for the bidder).
    Refused { reason: String },
}

/// Dialog page → service worker.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromDialog {
    /// The dialog of flow `flow` (from its URL fragment) is ready.
    Attach {
        flow: String,
    },
    User(UserAction),
}

/// Service worker → dialog page.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToDialog {
    /// The site that asked for the flow, shown on every screen (as the browser reported it, never page data), and
    /// the operation it asked for (the dialog's title).
    Site {
        origin: String,
        operation: Operation,
    },
    Screen {
        screen: Screen,
    },
    /// No such flow (stale URL, or the worker was restarted).
    Gone,
}

/// The portal's challenge must be plain base64 of at least 32 bytes and sensible size: anything else is not passed
/// to the host (which also refuses challenges under 32 bytes).
pub fn valid_challenge(challenge: &str) -> bool {
    (43..=1368).contains(&challenge.len())
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialog_messages_parse() {
        assert!(matches!(
            serde_json::from_str::<FromDialog>(r#"{"type":"attach","flow":"abc"}"#).unwrap(),
            FromDialog::Attach { flow } if flow == "abc"
        ));
        assert!(matches!(
            serde_json::from_str::<FromDialog>(r#"{"type":"user","action":"pin","pin":"1234"}"#)
                .unwrap(),
            FromDialog::User(UserAction::Pin { .. })
        ));
        assert!(matches!(
            serde_json::from_str::<FromDialog>(r#"{"type":"user","action":"ok"}"#).unwrap(),
            FromDialog::User(UserAction::Ok)
        ));
        assert!(matches!(
            serde_json::from_str::<FromDialog>(r#"{"type":"user","action":"register"}"#).unwrap(),
            FromDialog::User(UserAction::Register)
        ));
        assert!(serde_json::from_str::<FromDialog>(r#"{"type":"user","action":"steal"}"#).is_err());
    }

    #[test]
    fn page_messages() {
        assert!(matches!(
            serde_json::from_str::<FromPage>(
                r#"{"type":"start","origin":"https://a.example","ancestors":["https://a.example"],"operation":"login"}"#
            )
            .unwrap(),
            FromPage::Start { ancestors, operation: Operation::Login, .. } if ancestors == ["https://a.example"]
        ));
        // No operation, or one the extension does not know: no flow.
        assert!(serde_json::from_str::<FromPage>(
            r#"{"type":"start","origin":"https://a.example"}"#
        )
        .is_err());
        assert!(serde_json::from_str::<FromPage>(
            r#"{"type":"start","origin":"https://a.example","operation":"delete"}"#
        )
        .is_err());
        assert!(matches!(
            serde_json::from_str::<FromPage>(
                r#"{"type":"portal_answer","id":3,"status":200,"body":"{}"}"#
            )
            .unwrap(),
            FromPage::PortalAnswer {
                id: 3,
                status: 200,
                ..
            }
        ));
        let json = serde_json::to_string(&ToPage::Closed).unwrap();
        assert_eq!(json, r#"{"type":"closed"}"#);
    }

    #[test]
    fn challenges() {
        assert!(valid_challenge(
            "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="
        ));
        assert!(!valid_challenge("QUJDREVGR0hJSktMTU5PUA=="));
        assert!(!valid_challenge("short"));
        assert!(!valid_challenge("QUJD REVGR0g="));
        assert!(!valid_challenge(&"A".repeat(2000)));
    }
}
