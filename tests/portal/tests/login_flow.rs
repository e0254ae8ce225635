//! ICカードによるログイン as the extension runs it: the login page (session), `IcLoginChallenge.do`, the card's
//! `Login` signature, `IcLogin.do`, then `IcLoginResult.do`.

mod common;

use common::*;
use ebid_protocol::SignPurpose;
use replica_portal::{paths, RunningPortal};

/// `card` answers `challenge` at `IcLogin.do`: its `Login` signature for the portal's own origin.
fn answer_login(
    browser: &mut Browser,
    portal: &RunningPortal,
    card: &Card,
    challenge: &(String, Vec<u8>),
) -> Page {
    answer_challenge(
        browser,
        portal.origin(),
        card,
        SignPurpose::Login,
        paths::LOGIN_CARD,
        challenge,
    )
}

#[test]
fn the_login_page_has_the_applet_button_and_no_challenge() {
    let (portal, _, _) = portal_with_registered_card();
    let mut browser = Browser::new(&portal);
    let page = browser.get(paths::LOGIN_PAGE);
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("Content-Type"),
        Some("text/html; charset=Shift_JIS")
    );
    assert!(page.text().contains(
        "ICカードをICカードリーダーに挿入し、「ログイン」ボタンをクリックしてください。"
    ));
    assert!(page.html.contains("name=\"btnIcLogin\""));
    assert!(page.html.contains("onclick=\"fnIcLogin(); return false;\""));
    assert!(page.html.contains("document.LoginApplet.login()"));
    assert!(page
        .html
        .contains("ログイン機能（Javaアプレット）を起動できませんでした。"));
    assert!(!page.html.contains("name=\"challenge\"") && !page.html.contains("type=\"hidden\""));
    // The menu's link opens it top-level.
    let menu = browser.get(paths::MENU);
    assert!(menu.html.contains(&format!(
        "<a href=\"{}\" target=\"_top\">ICカードによるログイン</a>",
        paths::LOGIN_PAGE
    )));
}

#[test]
fn a_registered_card_logs_in_and_the_result_page_shows_the_user() {
    let (portal, current, user_id) = portal_with_registered_card();
    let mut browser = Browser::new(&portal);
    // Without a login the result page is the expired-screen error.
    assert_eq!(browser.get(paths::LOGIN_PAGE).status, 200);
    let before = browser.get(paths::LOGIN_RESULT);
    assert_eq!(before.status, 409);
    assert!(before.text().contains("画面の有効期限が切れました"));

    let result = log_in(&mut browser, portal.origin(), &current);
    assert_eq!(result.status, 200, "{}", words(&result));
    assert_eq!(
        element_text(&result, "loginResult").as_deref(),
        Some("ログインしました。")
    );
    assert_eq!(element_text(&result, "userId"), Some(user_id));
    assert_eq!(
        element_text(&result, "companyName").as_deref(),
        Some(REGISTERED_NAME)
    );
}

#[test]
fn challenges_are_checked_and_used_once() {
    let (portal, current, _) = portal_with_registered_card();
    let mut browser = Browser::new(&portal);
    browser.get(paths::LOGIN_PAGE);
    let (challenge_b64, challenge) = challenge_at(&mut browser, paths::LOGIN_CHALLENGE);
    let signature = current.sign(portal.origin(), &challenge, SignPurpose::Login, b"");
    // A challenge the session was not given: refused, and the real one is consumed too.
    let (_, other) = challenge_at(&mut Browser::in_session(&portal), paths::LOGIN_CHALLENGE);
    for challenge in [b64(&other), challenge_b64] {
        let refused = post_card(
            &mut browser,
            paths::LOGIN_CARD,
            &challenge,
            &current,
            &signature,
        );
        assert_session_expired(&refused);
    }

    // A right answer works once.
    let challenge = challenge_at(&mut browser, paths::LOGIN_CHALLENGE);
    let mut answer = || answer_login(&mut browser, &portal, &current, &challenge);
    let ok = answer();
    assert_eq!(ok.status, 200);
    assert_eq!(
        ok.json(),
        serde_json::json!({ "next": paths::LOGIN_RESULT })
    );
    assert_session_expired(&answer());
    // A new challenge forgets who was logged in.
    challenge_at(&mut browser, paths::LOGIN_CHALLENGE);
    assert_eq!(browser.get(paths::LOGIN_RESULT).status, 409);
}

#[test]
fn an_unregistered_card_is_pointed_to_registration() {
    let (portal, _, _) = portal_with_registered_card();
    let stranger = Card::issue(&CardSpec {
        key: 3,
        serial: 77,
        ..CardSpec::current()
    });
    assert_unregistered(&log_in(
        &mut Browser::new(&portal),
        portal.origin(),
        &stranger,
    ));
}

#[test]
fn an_expired_registered_card_is_refused_with_the_pointer() {
    let portal = start(&temp_dir("login-expired"));
    let expired = Card::issue(&CardSpec {
        not_before: (2015, 1, 1),
        not_after: (2020, 1, 1),
        ..CardSpec::current()
    });
    portal.register(&user_for(&expired)).unwrap();
    let refused = log_in(&mut Browser::new(&portal), portal.origin(), &expired);
    assert_json_refusal(&refused, 403, "current_expired", "有効期限が切れています");
    assert_eq!(refused.json()["error"]["registration_pointer"], true);
}

#[test]
fn a_card_retired_by_a_renewal_is_refused() {
    let (portal, current, _) = portal_with_registered_card();
    let new = Card::issue(&CardSpec::new_card());
    let mut browser = Browser::new(&portal);
    assert_eq!(
        submit_renewal(&mut browser, portal.origin(), &current, &new).status,
        200
    );
    assert!(browser
        .post_form(paths::RENEW_COMMIT, &[])
        .text()
        .contains("ICカードの更新が完了しました"));
    let refused = log_in(&mut browser, portal.origin(), &current);
    assert_json_refusal(&refused, 403, "retired", "更新済みのICカードです");
    assert_eq!(refused.json()["error"]["registration_pointer"], false);
    assert_eq!(log_in(&mut browser, portal.origin(), &new).status, 200);
}

#[test]
fn bad_signatures_are_refused() {
    let (portal, current, _) = portal_with_registered_card();
    let other = Card::issue(&CardSpec::new_card());
    let mut browser = Browser::new(&portal);
    browser.get(paths::LOGIN_PAGE);
    let cases: [(&str, SignPurpose, &Card); 4] = [
        ("http://localhost:1", SignPurpose::Login, &current),
        ("", SignPurpose::RenewCurrent, &current),
        ("", SignPurpose::Register, &current),
        ("", SignPurpose::Login, &other),
    ];
    for (origin, purpose, signer) in cases {
        let origin = if origin.is_empty() {
            portal.origin()
        } else {
            origin
        };
        let (challenge_b64, challenge) = challenge_at(&mut browser, paths::LOGIN_CHALLENGE);
        let signature = signer.sign(origin, &challenge, purpose, b"");
        assert_bad_signature(&post_card(
            &mut browser,
            paths::LOGIN_CARD,
            &challenge_b64,
            &current,
            &signature,
        ));
    }
    assert_eq!(browser.get(paths::LOGIN_RESULT).status, 409);
}

#[test]
fn foreign_origins_and_missing_sessions_are_refused() {
    let (portal, current, _) = portal_with_registered_card();
    let mut browser = Browser::new(&portal);
    browser.get(paths::LOGIN_PAGE);
    let challenge = challenge_at(&mut browser, paths::LOGIN_CHALLENGE);
    let mut log_in_from = |origin: &str| {
        browser.extra_headers = vec![("Origin".into(), origin.into())];
        answer_login(&mut browser, &portal, &current, &challenge)
    };
    assert_json_refusal(
        &log_in_from("https://evil.example"),
        403,
        "foreign_origin",
        "この画面からは送信できません",
    );
    // The guard touched nothing: the challenge is still live for the genuine page.
    let ok = log_in_from(portal.origin());
    assert_eq!(ok.status, 200, "{}", words(&ok));

    let mut stranger = Browser::new(&portal);
    for path in [paths::LOGIN_CHALLENGE, paths::LOGIN_CARD] {
        let page = stranger.post_raw(path, "text/plain", b"");
        assert_session_expired(&page);
        assert_eq!(page.header("Set-Cookie"), None);
    }
}
