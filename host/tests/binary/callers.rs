//! The callers the host serves: the built-in extension IDs and those an admin installed; anyone else gets Hello, then CALLER_NOT_ALLOWED.

use serde_json::json;
use virtual_card::testca::CertOptions;

use crate::common::*;

const OTHER_CHROME_ID: &str = "abcdefghijklmnopabcdefghijklmnop";
const OTHER_FIREFOX_ID: &str = "other-addon@example.jp";
const FIREFOX_MANIFEST: &str = "/usr/lib/mozilla/native-messaging-hosts/jp.ebid.renewal.json";

#[test]
fn the_harness_launches_the_host_as_the_built_in_extension() {
    use ebid_host::admin::extension_ids::{CHROME_EXTENSION_ID, FIREFOX_EXTENSION_ID};
    assert_eq!(
        test_harness::DEFAULT_ORIGIN,
        format!("chrome-extension://{CHROME_EXTENSION_ID}/")
    );
    assert_eq!(test_harness::host::FIREFOX_ADDON_ID, FIREFOX_EXTENSION_ID);
}

/// A caller the host does not serve: Hello, then CALLER_NOT_ALLOWED for everything, the card untouched, until
/// stdin closes.
fn assert_refused(bed: &Bed, options: &test_harness::HostOptions, card: &TestCard) {
    card.card.clear_command_log();
    let mut host = bed.host_from(options);
    assert_eq!(host.hello["protocol"], ebid_protocol::PROTOCOL_VERSION);
    let reader = bed.reader(0);
    for command in [
        json!({"cmd": "list_readers"}),
        json!({"cmd": "verify_pin", "reader": reader, "pin": PROFILE_PIN}),
        sign_challenge(&reader, ORIGIN, &challenge(32), "login"),
        json!({"cmd": "format_card"}),
        json!({"cmd": "list_readers"}),
    ] {
        let error = host.fails(command.clone());
        assert_eq!(code(&error), "CALLER_NOT_ALLOWED", "{command}: {error}");
        // Codes only on the wire: the extension and doctor say it in the user's language.
        assert!(error.get("message_ja").is_none() && error.get("message_en").is_none());
    }
    assert!(
        card.card.command_log().is_empty(),
        "a refused caller never reaches the card"
    );
    assert_eq!(card.card.tries_left(), 3);
    host.process.close_stdin();
    let status = host.process.wait_exit(WAIT).unwrap();
    assert_eq!(status.code(), Some(0), "served until stdin closed");
    // The log is the point here: it is the admin's only trace of a refused caller (the answers are checked above).
    let stderr = host.stderr();
    assert!(stderr.contains("refused caller"), "logged: {stderr}");
    assert!(!stderr.contains(PROFILE_PIN));
    assert_no_panic(&host);
}

#[test]
fn unknown_callers_get_hello_then_caller_not_allowed() {
    let bed = bed(1);
    let card = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card7"));
    let _inserted = bed.insert(&card.card, 0);

    let mut options = bed.host_options();
    options.args = vec![format!("chrome-extension://{OTHER_CHROME_ID}/").into()];
    assert_refused(&bed, &options, &card);

    options.firefox_caller(FIREFOX_MANIFEST, OTHER_FIREFOX_ID);
    assert_refused(&bed, &options, &card);

    options.args = Vec::new();
    assert_refused(&bed, &options, &card);

    options.args = vec!["https://www.ebid.example.jp/".into()];
    assert_refused(&bed, &options, &card);
}

#[test]
fn known_chrome_and_firefox_callers_are_served() {
    let bed = bed(1);
    let card = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card8"));
    let _inserted = bed.insert(&card.card, 0);
    let reader = bed.reader(0);
    let challenge = challenge(32);

    let mut chrome_on_windows = bed.host_options();
    chrome_on_windows.args.push("--parent-window=0".into());
    let mut firefox = bed.host_options();
    firefox.firefox_caller(FIREFOX_MANIFEST, test_harness::host::FIREFOX_ADDON_ID);
    for options in [bed.host_options(), chrome_on_windows, firefox] {
        let mut host = bed.host_from(&options);
        host.ok(json!({"cmd": "list_readers"}));
        host.ok(json!({"cmd": "verify_pin", "reader": reader, "pin": PROFILE_PIN}));
        host.signs_login(&reader, ORIGIN, &challenge, &card.cert.public_key());
        assert_no_panic(&host);
    }
}

#[test]
fn extension_ids_an_admin_installed_are_served() {
    let bed = bed(1);
    let card = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card1"));
    let _inserted = bed.insert(&card.card, 0);
    // `ebid-host install --user` for a throwaway home: the host reads back the manifests it wrote there.
    let home = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(HOST)
        .args([
            "install",
            "--user",
            "--browser",
            "chromium,firefox",
            "--extension-id",
            OTHER_CHROME_ID,
            "--extension-id",
            OTHER_FIREFOX_ID,
            "--host-path",
            "/usr/bin/ebid-host",
        ])
        .env("HOME", home.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "install: {output:?}");
    let home_env = ("HOME".to_owned(), home.path().to_str().unwrap().to_owned());

    let mut chrome = bed.host_options();
    chrome.args = vec![format!("chrome-extension://{OTHER_CHROME_ID}/").into()];
    chrome.env.push(home_env.clone());
    let mut firefox = bed.host_options();
    firefox.firefox_caller(FIREFOX_MANIFEST, OTHER_FIREFOX_ID);
    firefox.env.push(home_env);
    for options in [&chrome, &firefox] {
        let mut host = bed.host_from(options);
        let readers = host.ok(json!({"cmd": "list_readers"}));
        assert_eq!(readers["kind"], "readers");
        assert_no_panic(&host);
    }

    // Another user, where nobody installed those IDs: refused.
    let elsewhere = tempfile::tempdir().unwrap();
    for mut options in [chrome, firefox] {
        options.env = vec![(
            "HOME".to_owned(),
            elsewhere.path().to_str().unwrap().to_owned(),
        )];
        assert_refused(&bed, &options, &card);
    }
}

#[test]
fn non_utf8_arguments_get_a_hello_not_a_panic() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let bed = bed(1);
    let card = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card2"));
    let _inserted = bed.insert(&card.card, 0);

    // Firefox with a manifest path that is not UTF-8: a known caller, served.
    let manifest =
        OsStr::from_bytes(b"/home/\xff\xfe/.mozilla/native-messaging-hosts/jp.ebid.renewal.json");
    let mut options = bed.host_options();
    options.args = vec![
        manifest.to_owned(),
        test_harness::host::FIREFOX_ADDON_ID.into(),
    ];
    let mut host = bed.host_from(&options);
    host.ok(json!({"cmd": "list_readers"}));
    assert_no_panic(&host);

    // A caller argument that is not UTF-8: Hello, then refused; the host exits cleanly (not 101, a panic).
    options.args = vec![OsStr::from_bytes(b"chrome-extension://\xff\xfe/").to_owned()];
    assert_refused(&bed, &options, &card);

    // An admin subcommand with such an argument is a usage error, not a panic.
    let output = std::process::Command::new(HOST)
        .arg("doctor")
        .arg(OsStr::from_bytes(b"--root=/tmp/\xff"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
}
