//! The native messaging host manifest: what we write, and what we check when reading one back.

use ebid_protocol::HOST_NAME;
use serde::{Deserialize, Serialize};

use super::extension_ids::{is_chrome_id, CHROME_EXTENSION_ID, FIREFOX_EXTENSION_ID};
use super::layout::Browser;

pub const DESCRIPTION: &str = "電子入札ICカード連携 / e-bidding IC card helper (ebid-host)";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostManifest {
    pub name: String,
    pub description: String,
    pub path: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// Chrome, Chromium, Edge: `chrome-extension://<id>/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_origins: Option<Vec<String>>,
    /// Firefox: add-on ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_extensions: Option<Vec<String>>,
}

pub fn chrome_origin(id: &str) -> String {
    format!("chrome-extension://{id}/")
}

/// The manifest for `browser`: our extension plus any extra ids of the matching kind (Chrome ids are 32 letters
/// a–p; everything else given is a Firefox id).
pub fn build(browser: Browser, host_path: &str, extra_ids: &[String]) -> HostManifest {
    let mut manifest = HostManifest {
        name: HOST_NAME.to_owned(),
        description: DESCRIPTION.to_owned(),
        path: host_path.to_owned(),
        kind: "stdio".to_owned(),
        allowed_origins: None,
        allowed_extensions: None,
    };
    if browser.is_firefox() {
        let ids = std::iter::once(FIREFOX_EXTENSION_ID.to_owned())
            .chain(extra_ids.iter().filter(|id| !is_chrome_id(id)).cloned());
        manifest.allowed_extensions = Some(dedup(ids));
    } else {
        let origins = std::iter::once(CHROME_EXTENSION_ID)
            .chain(
                extra_ids
                    .iter()
                    .map(String::as_str)
                    .filter(|id| is_chrome_id(id)),
            )
            .map(chrome_origin);
        manifest.allowed_origins = Some(dedup(origins));
    }
    manifest
}

fn dedup(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// Pretty JSON with a trailing newline: admins read these files.
pub fn render(manifest: &HostManifest) -> String {
    let mut text = serde_json::to_string_pretty(manifest).unwrap_or_default();
    text.push('\n');
    text
}

/// Whether the manifest lets our extension in for `browser`.
pub fn allows_our_extension(manifest: &HostManifest, browser: Browser) -> bool {
    if browser.is_firefox() {
        manifest
            .allowed_extensions
            .iter()
            .flatten()
            .any(|id| id == FIREFOX_EXTENSION_ID)
    } else {
        let origin = chrome_origin(CHROME_EXTENSION_ID);
        manifest
            .allowed_origins
            .iter()
            .flatten()
            .any(|o| *o == origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chrome_family_lists_origins_and_firefox_lists_ids() {
        let extra = vec![
            "abcdefghijklmnopabcdefghijklmnop".to_owned(),
            "other@example.jp".to_owned(),
            CHROME_EXTENSION_ID.to_owned(),
        ];
        let chrome = build(Browser::Edge, "/usr/bin/ebid-host", &extra);
        assert_eq!(
            chrome.allowed_origins.as_deref().unwrap(),
            [
                chrome_origin(CHROME_EXTENSION_ID),
                chrome_origin("abcdefghijklmnopabcdefghijklmnop")
            ]
        );
        assert!(chrome.allowed_extensions.is_none());
        let firefox = build(Browser::Firefox, "/usr/bin/ebid-host", &extra);
        assert_eq!(
            firefox.allowed_extensions.as_deref().unwrap(),
            [FIREFOX_EXTENSION_ID, "other@example.jp"]
        );
        assert!(firefox.allowed_origins.is_none());
        assert!(allows_our_extension(&chrome, Browser::Chrome));
        assert!(allows_our_extension(&firefox, Browser::Firefox));
        assert!(!allows_our_extension(&chrome, Browser::Firefox));
    }

    #[test]
    fn rendered_manifest_has_the_documented_fields() {
        let text = render(&build(Browser::Chrome, "/usr/bin/ebid-host", &[]));
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["name"], HOST_NAME);
        assert_eq!(value["type"], "stdio");
        assert_eq!(value["path"], "/usr/bin/ebid-host");
        assert!(value.get("allowed_extensions").is_none());
    }
}
