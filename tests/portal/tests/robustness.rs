//! Garbage never crashes the portal: every answer is a page with a status below 500.

mod common;

use common::*;
use replica_portal::paths;

#[test]
fn garbage_submissions_get_error_pages() {
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
    for body in &bodies {
        for path in [
            paths::RENEW_CONFIRM,
            paths::RENEW_COMMIT,
            paths::LOGIN,
            paths::ADMIN_APPROVE,
            paths::ADMIN_DENY,
        ] {
            browser.get(paths::MENU);
            browser.get(paths::LOGIN);
            let page = browser.post_raw(path, "application/x-www-form-urlencoded", body);
            assert!(
                (200..500).contains(&page.status),
                "{path} answered {} to {body:?}",
                page.status
            );
            assert_eq!(
                page.header("Content-Type"),
                Some("text/html; charset=Shift_JIS")
            );
        }
    }
    // With a live challenge but undecodable DER in each field, each refusal is specific.
    let menu = browser.get(paths::MENU);
    let challenge = menu.input_value("challenge").unwrap();
    let page = browser.post_form(
        paths::RENEW_CONFIRM,
        &[
            ("challenge", &challenge),
            ("oldCertificate", "AAAA"),
            ("oldSignature", "AAAA"),
            ("newCertificate", "AAAA"),
            ("newSignature", "AAAA"),
        ],
    );
    assert_eq!(page.status, 400);
    assert!(page
        .text()
        .contains("現在使用しているICカードの電子証明書の形式が正しくありません"));
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
    let mut browser = Browser::new(&portal);
    let huge = vec![b'a'; replica_portal::MAX_BODY_BYTES + 1];
    let page = browser.post_raw(
        paths::RENEW_CONFIRM,
        "application/x-www-form-urlencoded",
        &huge,
    );
    assert_eq!(page.status, 413);
    assert!(page.text().contains("送信内容が大きすぎます"));
    // Just under the cap is read and answered normally.
    let fits = vec![b'a'; replica_portal::MAX_BODY_BYTES];
    assert_eq!(
        browser
            .post_raw(paths::RENEW_CONFIRM, "text/plain", &fits)
            .status,
        409
    );
}

#[test]
fn unknown_paths_and_methods() {
    let (portal, _, _) = portal_with_registered_card();
    let mut browser = Browser::new(&portal);
    assert_eq!(browser.get("/nothing/here").status, 404);
    assert_eq!(browser.get(paths::RENEW_CONFIRM).status, 405);
    assert_eq!(
        browser.request("DELETE", paths::MENU, None, b"").status,
        405
    );
    assert_eq!(browser.get("/%FF%00?\u{1}").status, 404);
    let not_provided = browser.get(&format!("{}?func=regist", paths::NOT_PROVIDED));
    assert!(not_provided.text().contains("利用者情報の新規登録"));
}

#[test]
fn shift_jis_and_utf8_form_posts_are_both_understood() {
    let (portal, current, _) = portal_with_registered_card();
    let new = Card::issue(&CardSpec::new_card());
    let mut browser = Browser::new(&portal);
    assert_eq!(
        submit_renewal(&mut browser, portal.origin(), &current, &new).status,
        200
    );
    // IE sends the button's value in the page's encoding: 「更新」 as Shift_JIS.
    let page = browser.post_raw(
        paths::RENEW_COMMIT,
        "application/x-www-form-urlencoded",
        b"btnUpdate=%8DX%90V",
    );
    assert_eq!(page.status, 200, "{}", page.text());
}
