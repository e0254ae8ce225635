//! The origins the host signs for: canonical https, loopback http only with the test switch.

use serde_json::json;
use virtual_card::testca::CertOptions;

use crate::common::*;

#[test]
fn only_canonical_https_origins_are_signed_for() {
    let bed = bed(1);
    let card = bed.jpki_card(JPKI_PIN, CertOptions::with_key("card2"));
    let _inserted = bed.insert(&card.card, 0);
    let reader = bed.reader(0);
    let mut host = bed.host();
    host.ok(json!({"cmd": "verify_pin", "reader": reader, "pin": JPKI_PIN}));
    let challenge = challenge(32);

    for origin in [
        "http://www.ebid.example.jp",
        "http://127.0.0.1:8080",
        "https://www.ebid.example.jp/",
        "https://www.ebid.example.jp/renew",
        "https://WWW.EBID.example.jp",
        "https://user@www.ebid.example.jp",
        "",
        "null",
        "javascript:alert(1)",
    ] {
        let error = host.fails(sign_challenge(&reader, origin, &challenge, "login"));
        assert_eq!(code(&error), "ORIGIN_NOT_ALLOWED", "{origin:?}: {error}");
        // Codes only on the wire: the extension and doctor say it in the user's language.
        assert!(error.get("message_ja").is_none() && error.get("message_en").is_none());
        let detail = error["detail"].as_str().unwrap_or("");
        assert!(detail.len() > 10, "the detail names the problem: {error}");
    }
    assert_eq!(
        signing_apdus(&card.card),
        0,
        "no signing APDU for a refused origin"
    );

    // A long origin is not echoed whole.
    let long = format!("https://{}.jp/", "a".repeat(5000));
    let error = host.fails(sign_challenge(&reader, &long, &challenge, "login"));
    assert_eq!(code(&error), "ORIGIN_NOT_ALLOWED", "{error}");
    assert!(error["detail"].as_str().unwrap().len() < 300, "{error}");

    // A canonical https origin signs; the refusals did not spend the PIN.
    host.signs_login(&reader, ORIGIN, &challenge, &card.cert.public_key());
    assert_no_panic(&host);
}

#[test]
fn loopback_http_origins_only_with_the_test_switch() {
    let bed = bed(1);
    let card = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card3"));
    let _inserted = bed.insert(&card.card, 0);
    let reader = bed.reader(0);
    let mut options = bed.host_options();
    options.allow_loopback_origins();
    let mut host = bed.host_from(&options);
    host.ok(json!({"cmd": "verify_pin", "reader": reader, "pin": PROFILE_PIN}));
    let challenge = challenge(32);

    let error = host.fails(sign_challenge(
        &reader,
        "http://www.ebid.example.jp",
        &challenge,
        "login",
    ));
    assert_eq!(code(&error), "ORIGIN_NOT_ALLOWED", "{error}");
    assert_eq!(signing_apdus(&card.card), 0);

    let portal = "http://127.0.0.1:8080";
    host.signs_login(&reader, portal, &challenge, &card.cert.public_key());
    // The log is the point here: a host with the test switch on must say so where an admin looks.
    assert!(
        host.stderr().contains("EBID_HOST_ALLOW_LOOPBACK_ORIGINS=1"),
        "the switch is logged: {}",
        host.stderr()
    );
    assert_no_panic(&host);
}
