//! What the content script, the dialog page and the service worker say to each other (JSON over
//! `chrome.runtime` ports). The wire to the native host is `ebid_protocol`; these messages never leave the browser.

use serde::{Deserialize, Serialize};

use crate::flow::{RenewalResult, Screen, UserAction};

/// Port name the content script opens for one renewal.
pub const PAGE_PORT: &str = "ebid-page";
/// Port name the dialog page opens to drive its renewal.
pub const DIALOG_PORT: &str = "ebid-dialog";

/// Content script → service worker. The origin is never part of it: the worker takes it from the port's sender.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromPage {
    /// 「ICカード更新」 was clicked; `challenge` is the portal's nonce from the form.
    Start { challenge: String },
}

/// Service worker → content script.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToPage {
    /// Open this extension page as the dialog iframe.
    Started { dialog_url: String },
    /// Fill the form with this and submit it.
    Finished { result: RenewalResult },
    /// Remove the dialog; leave the page as it was.
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
    Screen {
        screen: Screen,
    },
    /// No such flow (stale URL, or the worker was restarted).
    Gone,
}

/// The portal's challenge must be plain base64 of sensible size: anything else is not passed to the host.
pub fn valid_challenge(challenge: &str) -> bool {
    (8..=1024).contains(&challenge.len())
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
        assert!(serde_json::from_str::<FromDialog>(r#"{"type":"user","action":"steal"}"#).is_err());
    }

    #[test]
    fn page_messages() {
        assert!(matches!(
            serde_json::from_str::<FromPage>(r#"{"type":"start","challenge":"QUJDREVGR0g="}"#)
                .unwrap(),
            FromPage::Start { .. }
        ));
        let json = serde_json::to_string(&ToPage::Closed).unwrap();
        assert_eq!(json, r#"{"type":"closed"}"#);
    }

    #[test]
    fn challenges() {
        assert!(valid_challenge("QUJDREVGR0hJSktMTU5PUA=="));
        assert!(!valid_challenge("short"));
        assert!(!valid_challenge("QUJD REVGR0g="));
        assert!(!valid_challenge(&"A".repeat(2000)));
    }
}
