//! The seed's ICカード更新 flow end to end over HTTP, and the refusals.

mod common;

use common::*;
use ebid_protocol::SignPurpose;
use replica_portal::paths;

#[test]
fn happy_path_confirms_then_replaces_the_certificate_and_mails() {
    let (portal, current, user_id) = portal_with_registered_card();
    let new = Card::issue(&CardSpec::new_card());
    let mut browser = Browser::new(&portal);

    let confirm = submit_renewal(&mut browser, portal.origin(), &current, &new);
    assert_eq!(confirm.status, 200, "{}", confirm.text());
    assert_eq!(
        confirm.header("Content-Type"),
        Some("text/html; charset=Shift_JIS")
    );
    assert!(confirm
        .html
        .contains("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\">"));
    let text = confirm.text();
    for expected in [
        "電子証明書更新確認",
        "現在使用しているICカード",
        "新規に使用するICカード",
        "商号又は名称",
        REGISTERED_NAME,
        "所在地",
        REGISTERED_ADDRESS,
        "ICカード商号又は名称",
        COMPANY,
        "ICカード取得者氏名",
        REPRESENTATIVE,
        "ICカード取得者業者所在地",
        "北海道札幌市中央区北1条西2丁目",
        "証明書シリアル番号",
        "12345678",
        "0ABCDEF0",
        "証明書発行者",
        "O=テスト認証局",
        "証明書有効期限",
        "2099/11/14",
        "2099/03/15",
        "新規に使用するICカードの取得者商号又は名称とICカード取得者商号又は名称が御社の商号又は名称であることを確認してください。",
        "この内容でよろしければ更新ボタンを押してください",
    ] {
        assert!(text.contains(expected), "confirmation lacks {expected:?}:\n{text}");
    }
    // The BMPString organization of the new card is decoded too: it appears once per card.
    assert_eq!(text.matches(COMPANY).count(), 2, "{text}");
    assert!(confirm.html.contains("value=\"更新\""));
    assert!(confirm.html.contains("value=\"戻る\""));
    // Nothing changes before 「更新」.
    assert_eq!(portal.user(&user_id).unwrap().certificate, current.b64());

    let done = browser.post_form(paths::RENEW_COMMIT, &[("btnUpdate", "更新")]);
    assert_eq!(done.status, 200, "{}", done.text());
    let text = done.text();
    assert!(text.contains("更新完了"), "{text}");
    assert!(text.contains("画面右上の「×」ボタンをクリックして、一度終了してください。"));
    assert!(text.contains("すべてのブラウザを一度終了させた後に、再度ブラウザを起動し"));

    let user = portal.user(&user_id).unwrap();
    assert_eq!(user.certificate, new.b64());
    assert_eq!(user.retired_certificates, vec![current.b64()]);
    let mails = portal.mail_outbox();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].subject.contains("ICカード更新完了通知"));
    assert_eq!(mails[0].to, "keiyaku@test-kensetsu.example.jp");
    let mail_page = browser.get(paths::ADMIN_MAIL).text();
    assert!(
        mail_page.contains("ICカード更新完了通知")
            && mail_page.contains("keiyaku@test-kensetsu.example.jp")
    );

    // 「更新」 twice does nothing more.
    let again = browser.post_form(paths::RENEW_COMMIT, &[]);
    assert_eq!(again.status, 409);
    assert_eq!(portal.mail_outbox().len(), 1);
}

#[test]
fn back_button_changes_nothing() {
    let (portal, current, user_id) = portal_with_registered_card();
    let new = Card::issue(&CardSpec::new_card());
    let mut browser = Browser::new(&portal);
    assert_eq!(
        submit_renewal(&mut browser, portal.origin(), &current, &new).status,
        200
    );
    let menu = browser.get(paths::MENU);
    assert!(menu.text().contains("利用者登録メニュー"));
    assert_eq!(browser.post_form(paths::RENEW_COMMIT, &[]).status, 409);
    assert_eq!(portal.user(&user_id).unwrap().certificate, current.b64());
    assert!(portal.mail_outbox().is_empty());
}

fn assert_refused(page: &common::Page, status: u16, phrase: &str) {
    assert_eq!(page.status, status, "{}", page.text());
    let text = page.text();
    assert!(text.contains(phrase), "expected {phrase:?} in:\n{text}");
    assert!(text.contains("利用者登録メニューへ戻る"), "{text}");
}

#[test]
fn signature_bound_to_another_origin_is_refused() {
    let (portal, current, user_id) = portal_with_registered_card();
    let new = Card::issue(&CardSpec::new_card());
    let mut browser = Browser::new(&portal);
    let page = submit_renewal(&mut browser, "https://evil.example", &current, &new);
    assert_refused(&page, 403, "ICカードの署名を確認できませんでした");
    assert_eq!(portal.user(&user_id).unwrap().certificate, current.b64());
}

#[test]
fn new_card_signature_must_bind_the_current_certificate() {
    let (portal, current, _) = portal_with_registered_card();
    let new = Card::issue(&CardSpec::new_card());
    let mut browser = Browser::new(&portal);
    let menu = browser.get(paths::MENU);
    let challenge_b64 = menu.input_value("challenge").unwrap();
    let challenge = base64_decode(&challenge_b64);
    let old_sig = current.sign(portal.origin(), &challenge, SignPurpose::RenewCurrent, b"");
    // Signed as RenewNew but binding nothing.
    let new_sig = new.sign(portal.origin(), &challenge, SignPurpose::RenewNew, b"");
    let page = browser.post_form(
        paths::RENEW_CONFIRM,
        &[
            ("challenge", &challenge_b64),
            ("oldCertificate", &current.b64()),
            ("oldSignature", &b64(&old_sig)),
            ("newCertificate", &new.b64()),
            ("newSignature", &b64(&new_sig)),
        ],
    );
    assert_refused(&page, 403, "新規に使用するICカードの署名が正しくありません");
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

#[test]
fn unregistered_current_card_is_refused_with_a_pointer_to_new_registration() {
    let (portal, _, _) = portal_with_registered_card();
    let stranger = Card::issue(&CardSpec {
        key: 3,
        serial: 77,
        ..CardSpec::current()
    });
    let new = Card::issue(&CardSpec::new_card());
    let mut browser = Browser::new(&portal);
    let page = submit_renewal(&mut browser, portal.origin(), &stranger, &new);
    assert_refused(&page, 403, "利用者登録されていないICカードです");
    assert!(page.text().contains("2.1.3 利用者情報の新規登録"));
}

#[test]
fn expired_current_card_is_refused_with_a_pointer_to_new_registration() {
    let portal = start(&temp_dir("expired"));
    let expired = Card::issue(&CardSpec {
        not_before: (2010, 1, 1),
        not_after: (2014, 11, 14),
        ..CardSpec::current()
    });
    portal.register(&user_for(&expired)).unwrap();
    let new = Card::issue(&CardSpec::new_card());
    let mut browser = Browser::new(&portal);
    let page = submit_renewal(&mut browser, portal.origin(), &expired, &new);
    assert_refused(&page, 403, "有効期限が切れています");
    assert!(page.text().contains("2.1.3 利用者情報の新規登録"));
}

#[test]
fn same_card_twice_is_refused() {
    let (portal, current, _) = portal_with_registered_card();
    let mut browser = Browser::new(&portal);
    let page = submit_renewal(&mut browser, portal.origin(), &current, &current);
    assert_refused(
        &page,
        403,
        "新しいICカードが現在使用しているICカードと同じです",
    );
    // Same key in a re-issued certificate is the same card too.
    let reissued = Card::issue(&CardSpec {
        serial: 999,
        ..CardSpec::current()
    });
    let page = submit_renewal(&mut browser, portal.origin(), &current, &reissued);
    assert_refused(
        &page,
        403,
        "新しいICカードが現在使用しているICカードと同じです",
    );
}

#[test]
fn new_card_from_an_unknown_ca_is_refused() {
    let (portal, current, _) = portal_with_registered_card();
    let foreign = Card::issue(&CardSpec {
        foreign_ca: true,
        ..CardSpec::new_card()
    });
    let mut browser = Browser::new(&portal);
    let page = submit_renewal(&mut browser, portal.origin(), &current, &foreign);
    assert_refused(&page, 403, "認証局を確認できませんでした");
}

#[test]
fn challenge_is_single_use_and_per_session() {
    let (portal, current, _) = portal_with_registered_card();
    let new = Card::issue(&CardSpec::new_card());
    let mut browser = Browser::new(&portal);
    let menu = browser.get(paths::MENU);
    let challenge_b64 = menu.input_value("challenge").unwrap();
    let challenge = base64_decode(&challenge_b64);
    assert_eq!(challenge.len(), 32);
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

    // Another session cannot use this session's challenge.
    let mut other = Browser::new(&portal);
    other.get(paths::MENU);
    assert_eq!(other.post_form(paths::RENEW_CONFIRM, &fields).status, 409);

    assert_eq!(browser.post_form(paths::RENEW_CONFIRM, &fields).status, 200);
    // Replaying the same submission fails: the challenge was used.
    let replay = browser.post_form(paths::RENEW_CONFIRM, &fields);
    assert_refused(&replay, 409, "画面の有効期限が切れました");
}

#[test]
fn menu_page_keeps_the_dom_contract() {
    let (portal, _, _) = portal_with_registered_card();
    let mut browser = Browser::new(&portal);
    let top = browser.get("/");
    assert_eq!(top.status, 302);
    assert_eq!(top.header("Location"), Some(paths::FRAMESET));
    let frameset = browser.get(paths::FRAMESET);
    assert!(frameset.html.contains(&format!("src=\"{}\"", paths::MENU)));
    let header = browser.get(paths::HEADER).text();
    for expected in [
        "札幌市",
        "City of Sapporo",
        "電子入札",
        "CALS/EC 電子入札システム",
        "入札情報サービス",
        "お問い合わせ",
        "年",
        "時",
    ] {
        assert!(
            header.contains(expected),
            "header lacks {expected}: {header}"
        );
    }
    let menu = browser.get(paths::MENU);
    assert_eq!(
        menu.header("Content-Type"),
        Some("text/html; charset=Shift_JIS")
    );
    let html = &menu.html;
    for expected in [
        "<form name=\"frmRenew\" id=\"frmRenew\" method=\"post\"",
        &format!("action=\"{}\"", paths::RENEW_CONFIRM),
        "name=\"challenge\" id=\"challenge\"",
        "name=\"oldCertificate\"",
        "name=\"oldSignature\"",
        "name=\"newCertificate\"",
        "name=\"newSignature\"",
        "name=\"btnIcRenew\" id=\"btnIcRenew\" value=\"ICカード更新\"",
        "value=\"登録\"",
        "value=\"変更\"",
        "RenewApplet.class",
        "document.RenewApplet.renew(",
    ] {
        assert!(html.contains(expected), "menu lacks {expected}:\n{html}");
    }
    // Every view issues a fresh challenge.
    let again = browser.get(paths::MENU);
    assert_ne!(
        menu.input_value("challenge"),
        again.input_value("challenge")
    );
}
