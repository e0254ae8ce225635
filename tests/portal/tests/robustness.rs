//! Garbage never crashes the portal: every answer has a status below 500 — a page on the HTML paths, a JSON error
//! on the renewal endpoints.

mod common;

use common::*;
use replica_portal::paths;

const JSON: &str = "application/json; charset=utf-8";
const HTML: &str = "text/html; charset=Shift_JIS";

#[test]
fn garbage_submissions_get_error_answers() {
    let (portal, current, _) = portal_with_registered_card();
    let mut browser = Browser::new(&portal);
    let bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"&&&===%%%".to_vec(),
        b"challenge=%ZZ&oldCertificate=@@@".to_vec(),
        vec![0xFF, 0xFE, 0x00, 0x80, 0x3D, 0x26],
        format!(
            "challenge=x&oldCertificate={}&oldSignature=AAAA&newCertificate=AAAA&newSignature=AAAA",
            current.b64()
        )
        .into_bytes(),
        b"oldCertificate=MIIB&oldSignature=!!&newCertificate=MIIBAAAA&newSignature=".to_vec(),
    ];
    browser.get(paths::MENU);
    for body in &bodies {
        for path in [
            paths::RENEW_CHALLENGE,
            paths::RENEW_CURRENT,
            paths::RENEW_NEW,
            paths::RENEW_CONFIRM,
            paths::RENEW_COMMIT,
            paths::LOGIN_CARD,
            paths::REGIST_CARD,
            paths::CHANGE_CARD,
            paths::REGIST_SEARCH,
            paths::REGIST_CONFIRM,
            paths::REGIST_COMMIT,
            paths::CHANGE_CONFIRM,
            paths::CHANGE_COMMIT,
            paths::ADMIN_APPROVE,
            paths::ADMIN_DENY,
        ] {
            for challenge in [
                paths::LOGIN_CHALLENGE,
                paths::REGIST_CHALLENGE,
                paths::CHANGE_CHALLENGE,
            ] {
                challenge_at(&mut browser, challenge);
            }
            // Each step in turn has a live challenge to spoil.
            fetch_challenge(&mut browser);
            if path == paths::RENEW_NEW {
                assert_eq!(
                    prove_current(&mut browser, portal.origin(), &current).status,
                    200
                );
            }
            let page = browser.post_raw(path, "application/x-www-form-urlencoded", body);
            assert!(
                (200..500).contains(&page.status),
                "{path} answered {} to {body:?}",
                page.status
            );
            let expected = if paths::is_json_endpoint(path) {
                JSON
            } else {
                HTML
            };
            assert_eq!(page.header("Content-Type"), Some(expected), "{path}");
            if expected == JSON {
                assert!(
                    !page.error_code().is_empty() || page.status == 200,
                    "{path}"
                );
            }
        }
    }
    // With a live challenge but undecodable DER, the refusal is specific.
    let (challenge, _) = fetch_challenge(&mut browser);
    let page = browser.post_form(
        paths::RENEW_CURRENT,
        &[
            ("challenge", &challenge),
            ("oldCertificate", "AAAA"),
            ("oldSignature", "AAAA"),
        ],
    );
    assert_json_refusal(
        &page,
        400,
        "unreadable",
        "現在使用しているICカードの電子証明書の形式が正しくありません",
    );
    // The portal still works afterwards.
    let new = Card::issue(&CardSpec::new_card());
    assert_eq!(
        submit_renewal(&mut browser, portal.origin(), &current, &new).status,
        200
    );
}

#[test]
fn oversized_bodies_are_refused_with_413() {
    let (portal, _, _) = portal_with_registered_card();
    let mut browser = Browser::in_session(&portal);
    let huge = vec![b'a'; replica_portal::MAX_BODY_BYTES + 1];
    let page = browser.post_raw(
        paths::RENEW_COMMIT,
        "application/x-www-form-urlencoded",
        &huge,
    );
    assert_eq!(page.status, 413);
    assert_eq!(page.header("Content-Type"), Some(HTML));
    assert!(page.text().contains("送信内容が大きすぎます"));
    for path in paths::RENEW_API.into_iter().chain(paths::CARD_API) {
        let page = browser.post_raw(path, "application/x-www-form-urlencoded", &huge);
        assert_json_refusal(&page, 413, "too_large", "送信内容が大きすぎます");
    }
    // Just under the cap is read and answered normally.
    let fits = vec![b'a'; replica_portal::MAX_BODY_BYTES];
    assert_eq!(
        browser
            .post_raw(paths::RENEW_CURRENT, "text/plain", &fits)
            .error_code(),
        "session_expired"
    );
    assert_eq!(
        browser
            .post_raw(paths::RENEW_COMMIT, "text/plain", &fits)
            .status,
        409
    );
}

#[test]
fn unknown_paths_and_methods() {
    let (portal, _, _) = portal_with_registered_card();
    let mut browser = Browser::new(&portal);
    assert_eq!(browser.get("/nothing/here").status, 404);
    for path in paths::RENEW_API.into_iter().chain(paths::CARD_API) {
        let page = browser.get(path);
        assert_eq!(page.status, 405, "{path}");
        assert_eq!(page.header("Allow"), Some("POST"));
    }
    assert_eq!(
        browser.request("DELETE", paths::MENU, None, b"").status,
        405
    );
    assert_eq!(browser.get("/%FF%00?\u{1}").status, 404);
    let not_provided = browser.get(&format!("{}?func=publish", paths::NOT_PROVIDED));
    assert!(not_provided.text().contains("入札情報サービス"));
}

#[test]
fn shift_jis_and_utf8_form_posts_are_both_understood() {
    let (portal, current, _) = portal_with_registered_card();
    let new = Card::issue(&CardSpec::new_card());
    let mut browser = Browser::in_session(&portal);

    // A careless encoder: base64 not percent-encoded at all ('+' arrives as a space), the challenge URL-safe
    // without padding, and no Content-Type.
    let (_, challenge) = fetch_challenge(&mut browser);
    let signature = current.sign(
        portal.origin(),
        &challenge,
        ebid_protocol::SignPurpose::RenewCurrent,
        b"",
    );
    let url_safe = {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&challenge)
    };
    let body = format!(
        "challenge={url_safe}&oldCertificate={}&oldSignature={}",
        current.b64(),
        b64(&signature)
    );
    let step2 = browser.request("POST", paths::RENEW_CURRENT, None, body.as_bytes());
    assert_eq!(step2.status, 200, "{}", String::from_utf8_lossy(&step2.raw));
    // A fetch/URLSearchParams (UTF-8, percent-encoded) body.
    let step3 = pair_new(&mut browser, portal.origin(), &step2, &current, &new);
    assert_eq!(step3.status, 200, "{}", String::from_utf8_lossy(&step3.raw));
    assert_eq!(browser.get(paths::RENEW_CONFIRM).status, 200);

    // IE sends the button's value in the page's encoding: 「更新」 as Shift_JIS.
    let page = browser.post_raw(
        paths::RENEW_COMMIT,
        "application/x-www-form-urlencoded",
        b"btnUpdate=%8DX%90V",
    );
    assert_eq!(page.status, 200, "{}", page.text());
}
