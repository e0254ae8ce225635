//! The admin templates in `manifests/` must say what the code does: same manifest fields, same extension ids, same
//! registry keys. A template that drifted would send admins down the wrong path.

use std::path::PathBuf;

use ebid_host::admin::extension_ids::{CHROME_EXTENSION_ID, FIREFOX_EXTENSION_ID};
use ebid_host::admin::layout::{self, Browser, Os, Scope};
use ebid_host::admin::manifest;
use serde_json::Value;

fn manifests_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../manifests")
}

fn read(relative: &str) -> String {
    let path = manifests_dir().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(relative: &str) -> Value {
    serde_json::from_str(&read(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

#[test]
fn host_manifest_templates_match_what_install_writes() {
    for (template, browser) in [
        (
            "native-messaging/jp.ebid.renewal.chrome-family.json",
            Browser::Chrome,
        ),
        (
            "native-messaging/jp.ebid.renewal.firefox.json",
            Browser::Firefox,
        ),
    ] {
        let filled = read(template).replace("@HOST_PATH@", "/usr/bin/ebid-host");
        let from_template: Value = serde_json::from_str(&filled).unwrap();
        let written = manifest::render(&manifest::build(browser, "/usr/bin/ebid-host", &[]));
        let from_code: Value = serde_json::from_str(&written).unwrap();
        assert_eq!(from_template, from_code, "{template}");
    }
}

#[test]
fn chromium_and_edge_policies_name_our_extension_and_host() {
    for file in [
        "policies/chrome/ebid-renewal.json",
        "policies/edge/ebid-renewal.json",
    ] {
        let policy = json(file);
        let forcelist = policy["ExtensionInstallForcelist"][0].as_str().unwrap();
        assert!(
            forcelist.starts_with(&format!("{CHROME_EXTENSION_ID};https://")),
            "{file}"
        );
        assert_eq!(
            policy["NativeMessagingAllowlist"],
            serde_json::json!([ebid_protocol::HOST_NAME])
        );
        let origins = &policy["3rdparty"]["extensions"][CHROME_EXTENSION_ID]["portalOrigins"];
        assert!(origins.as_array().is_some_and(|o| !o.is_empty()), "{file}");
    }
}

#[test]
fn firefox_policy_names_our_extension() {
    let policy = json("policies/firefox/policies.json");
    let settings = &policy["policies"]["ExtensionSettings"][FIREFOX_EXTENSION_ID];
    assert_eq!(settings["installation_mode"], "force_installed");
    assert!(settings["install_url"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    let origins =
        &policy["policies"]["3rdparty"]["Extensions"][FIREFOX_EXTENSION_ID]["portalOrigins"];
    assert!(origins.as_array().is_some_and(|o| !o.is_empty()));
}

#[test]
fn windows_reg_example_registers_every_browser_key() {
    let reg = read("policies/windows/ebid-renewal.reg");
    assert!(reg.starts_with("Windows Registry Editor Version 5.00"));
    for browser in Browser::ALL {
        let location = layout::manifest_location(Os::Windows, Scope::System, browser);
        let key = location.registry_key.unwrap();
        assert!(reg.contains(&format!("[{key}]")), "{key} missing");
        let value = format!(
            r#"@="C:\\Program Files\\ebid-host\\{}""#,
            location.file_name
        );
        assert!(reg.contains(&value), "{value} missing");
    }
    for vendor in [r"Google\Chrome", r"Microsoft\Edge"] {
        assert!(reg.contains(&format!(
            r"[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\{vendor}\3rdparty\extensions\{CHROME_EXTENSION_ID}\policy\portalOrigins]"
        )));
    }
}

#[test]
fn readme_states_the_extension_ids() {
    let readme = read("README.md");
    assert!(readme.contains(CHROME_EXTENSION_ID));
    assert!(readme.contains(FIREFOX_EXTENSION_ID));
}
