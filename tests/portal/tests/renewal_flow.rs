//! The seed's ICカード更新 flow end to end over HTTP, in the extension's three steps, and the refusals of each step.

mod common;

use common::*;
use ebid_protocol::SignPurpose;
use replica_portal::paths;

#[test]
fn happy_path_confirms_then_replaces_the_certificate_and_mails() {
    let (portal, current, user_id) = portal_with_registered_card();
    let new = Card::issue(&CardSpec::new_card());
    let mut browser = Browser::in_session(&portal);

    // Step 1: a challenge, as JSON, never cached.
    let step1 = browser.post_raw(paths::RENEW_CHALLENGE, "text/plain", b"");
    assert_eq!(step1.status, 200);
    assert_eq!(
        step1.header("Content-Type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(step1.header("Cache-Control"), Some("no-store"));
    let (first_b64, first) = challenge_of(&step1);
    assert_eq!(
        step1.json().as_object().map(|o| o.len()),
        Some(1),
        "only the challenge"
    );

    // Step 2: the current card consents; the answer carries the second challenge, and nothing else.
    let old_sig = current.sign(portal.origin(), &first, SignPurpose::RenewCurrent, b"");
    let step2 = post_current(&mut browser, &first_b64, &current, &old_sig);
    assert_eq!(step2.status, 200, "{}", String::from_utf8_lossy(&step2.raw));
    assert_eq!(
        step2.header("Content-Type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(step2.header("Cache-Control"), Some("no-store"));
    assert_eq!(step2.json().as_object().map(|o| o.len()), Some(1));
    let (second_b64, second) = challenge_of(&step2);
    assert_ne!(second, first);
    // Nothing changes yet.
    assert_eq!(portal.user(&user_id).unwrap().certificate, current.b64());

    // Step 3: the new card, binding the current card's certificate; the answer says where the confirmation is.
    let new_sig = new.sign(
        portal.origin(),
        &second,
        SignPurpose::RenewNew,
        &current.der,
    );
    let step3 = post_new(&mut browser, &second_b64, &new, &new_sig);
    assert_eq!(step3.status, 200, "{}", String::from_utf8_lossy(&step3.raw));
    assert_eq!(step3.header("Cache-Control"), Some("no-store"));
    assert_eq!(
        step3.json(),
        serde_json::json!({ "confirm": "/CALS/Accepter/ebidmlit/riyousha/IcRenewConfirm.do" })
    );

    let confirm = browser.get(paths::RENEW_CONFIRM);
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
        "O=株式会社テスト電子認証",
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
    assert!(confirm.html.contains("name=\"frmUpdate\""));
    assert!(confirm
        .html
        .contains(&format!("action=\"{}\"", paths::RENEW_COMMIT)));
    assert!(confirm.html.contains("value=\"更新\""));
    assert!(confirm.html.contains("value=\"戻る\""));
    // A reload shows the same screen; nothing changes before 「更新」.
    assert_eq!(browser.get(paths::RENEW_CONFIRM).text(), text);
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

    // 「更新」 twice does nothing more, and the confirmation is gone.
    let again = browser.post_form(paths::RENEW_COMMIT, &[]);
    assert_eq!(again.status, 409);
    assert_eq!(portal.mail_outbox().len(), 1);
    let gone = browser.get(paths::RENEW_CONFIRM);
    assert_eq!(gone.status, 409);
    assert!(gone.text().contains("画面の有効期限が切れました"));
}

#[test]
fn back_button_changes_nothing() {
    let (portal, current, user_id) = portal_with_registered_card();
    let new = Card::issue(&CardSpec::new_card());
    let mut browser = Browser::new(&portal);
    let confirm = submit_renewal(&mut browser, portal.origin(), &current, &new);
    assert_eq!(confirm.status, 200, "{}", confirm.text());
    assert!(confirm.html.contains(&format!(
        "name=\"frmBack\" method=\"get\" action=\"{}\"",
        paths::MENU
    )));
    // 「戻る」 is a GET of the menu: it forgets the renewal.
    let menu = browser.get(paths::MENU);
    assert!(menu.text().contains("利用者登録メニュー"));
    assert_eq!(browser.get(paths::RENEW_CONFIRM).status, 409);
    assert_eq!(browser.post_form(paths::RENEW_COMMIT, &[]).status, 409);
    assert_eq!(portal.user(&user_id).unwrap().certificate, current.b64());
    assert!(portal.mail_outbox().is_empty());
}

#[test]
fn confirmation_without_a_verified_renewal_is_an_expired_page() {
    let (portal, _, _) = portal_with_registered_card();
    let mut browser = Browser::in_session(&portal);
    let page = browser.get(paths::RENEW_CONFIRM);
    assert_eq!(page.status, 409);
    assert_eq!(
        page.header("Content-Type"),
        Some("text/html; charset=Shift_JIS")
    );
    assert!(page.html.contains("id=\"errorTitle\""));
    assert!(page.text().contains("画面の有効期限が切れました"));
    assert!(page.text().contains("利用者登録メニューへ戻る"));
}

#[test]
fn signature_bound_to_another_origin_is_refused() {
    let (portal, current, user_id) = portal_with_registered_card();
    let new = Card::issue(&CardSpec::new_card());
    let mut browser = Browser::new(&portal);
    // The current card signed for another site: step 2 refuses.
    let page = submit_renewal(&mut browser, "https://evil.example", &current, &new);
    assert_json_refusal(
        &page,
        403,
        "bad_signature",
        "ICカードの署名を確認できませんでした",
    );
    assert!(page.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("現在使用しているICカードの署名が正しくありません"));

    // The new card signed for another site: step 3 refuses.
    let step2 = prove_current(&mut browser, portal.origin(), &current);
    assert_eq!(step2.status, 200);
    let page = pair_new(&mut browser, "https://evil.example", &step2, &current, &new);
    assert_json_refusal(
        &page,
        403,
        "bad_signature",
        "新規に使用するICカードの署名が正しくありません",
    );
    assert_eq!(portal.user(&user_id).unwrap().certificate, current.b64());
}

#[test]
fn new_card_signature_must_bind_the_current_certificate() {
    let (portal, current, _) = portal_with_registered_card();
    let new = Card::issue(&CardSpec::new_card());
    let mut browser = Browser::in_session(&portal);
    for bound in [Vec::new(), new.der.clone(), b"another certificate".to_vec()] {
        let step2 = prove_current(&mut browser, portal.origin(), &current);
        assert_eq!(step2.status, 200);
        let (second_b64, second) = challenge_of(&step2);
        // Signed as RenewNew over the right challenge, but binding something other than the current certificate.
        let new_sig = new.sign(portal.origin(), &second, SignPurpose::RenewNew, &bound);
        let page = post_new(&mut browser, &second_b64, &new, &new_sig);
        assert_json_refusal(
            &page,
            403,
            "bad_signature",
            "新規に使用するICカードの署名が正しくありません",
        );
    }
    // A current-card style signature (RenewCurrent) from the new card is no RenewNew signature either.
    let step2 = prove_current(&mut browser, portal.origin(), &current);
    let (second_b64, second) = challenge_of(&step2);
    let wrong_purpose = new.sign(portal.origin(), &second, SignPurpose::RenewCurrent, b"");
    let page = post_new(&mut browser, &second_b64, &new, &wrong_purpose);
    assert_eq!(page.error_code(), "bad_signature");
}

#[test]
fn current_card_signature_must_be_a_renew_current_signature() {
    let (portal, current, _) = portal_with_registered_card();
    let mut browser = Browser::in_session(&portal);
    for (purpose, bound) in [
        (SignPurpose::Login, Vec::new()),
        (SignPurpose::RenewNew, current.der.clone()),
        (SignPurpose::RenewCurrent, current.der.clone()),
    ] {
        let (challenge_b64, challenge) = fetch_challenge(&mut browser);
        let signature = current.sign(portal.origin(), &challenge, purpose, &bound);
        let page = post_current(&mut browser, &challenge_b64, &current, &signature);
        assert_json_refusal(
            &page,
            403,
            "bad_signature",
            "ICカードの署名を確認できませんでした",
        );
        assert_eq!(page.json()["error"]["registration_pointer"], false);
    }
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
    assert_json_refusal(
        &page,
        403,
        "unregistered",
        "利用者登録されていないICカードです",
    );
    assert_eq!(page.json()["error"]["registration_pointer"], true);
    assert_eq!(
        page.json()["error"]["title"],
        "利用者登録されていないICカードです"
    );
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
    assert_json_refusal(&page, 403, "current_expired", "有効期限が切れています");
    assert_eq!(page.json()["error"]["registration_pointer"], true);
}

#[test]
fn same_card_twice_is_refused() {
    let (portal, current, _) = portal_with_registered_card();
    let mut browser = Browser::new(&portal);
    let page = submit_renewal(&mut browser, portal.origin(), &current, &current);
    assert_json_refusal(
        &page,
        403,
        "same_card",
        "新しいICカードが現在使用しているICカードと同じです",
    );
    assert_eq!(page.json()["error"]["registration_pointer"], false);
    // Same key in a re-issued certificate is the same card too.
    let reissued = Card::issue(&CardSpec {
        serial: 999,
        ..CardSpec::current()
    });
    let page = submit_renewal(&mut browser, portal.origin(), &current, &reissued);
    assert_json_refusal(
        &page,
        403,
        "same_card",
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
    assert_json_refusal(&page, 403, "unknown_ca", "認証局を確認できませんでした");
}

#[test]
fn expired_new_card_is_refused() {
    let (portal, current, _) = portal_with_registered_card();
    let stale = Card::issue(&CardSpec {
        not_before: (2010, 1, 1),
        not_after: (2015, 1, 1),
        ..CardSpec::new_card()
    });
    let mut browser = Browser::new(&portal);
    let page = submit_renewal(&mut browser, portal.origin(), &current, &stale);
    assert_json_refusal(&page, 403, "new_expired", "有効期間外です");
}

#[test]
fn unreadable_fields_are_refused_at_each_step() {
    let (portal, current, _) = portal_with_registered_card();
    let mut browser = Browser::in_session(&portal);
    let cases: [(&str, &str, &str); 4] = [
        ("", "AAAA", "情報（oldCertificate）が送信されませんでした"),
        (
            "AAAA",
            "AAAA",
            "現在使用しているICカードの電子証明書の形式が正しくありません",
        ),
        (
            "@@@",
            "AAAA",
            "現在使用しているICカードの電子証明書の形式が正しくありません",
        ),
        ("", "", "情報（oldCertificate）が送信されませんでした"),
    ];
    for (certificate, signature, phrase) in cases {
        let (challenge, _) = fetch_challenge(&mut browser);
        let page = browser.post_form(
            paths::RENEW_CURRENT,
            &[
                ("challenge", &challenge),
                ("oldCertificate", certificate),
                ("oldSignature", signature),
            ],
        );
        assert_json_refusal(&page, 400, "unreadable", phrase);
    }
    let (challenge, _) = fetch_challenge(&mut browser);
    let page = browser.post_form(
        paths::RENEW_CURRENT,
        &[
            ("challenge", &challenge),
            ("oldCertificate", &current.b64()),
            ("oldSignature", "!!"),
        ],
    );
    assert_json_refusal(
        &page,
        400,
        "unreadable",
        "現在使用しているICカードの署名の形式が正しくありません",
    );

    let step2 = prove_current(&mut browser, portal.origin(), &current);
    let (second, _) = challenge_of(&step2);
    let page = browser.post_form(
        paths::RENEW_NEW,
        &[
            ("challenge", &second),
            ("newCertificate", "AAAA"),
            ("newSignature", "AAAA"),
        ],
    );
    assert_json_refusal(
        &page,
        400,
        "unreadable",
        "新規に使用するICカードの電子証明書の形式が正しくありません",
    );
    assert_eq!(
        page.json()["error"]["title"],
        "ICカードの情報を読み取れませんでした"
    );
}

#[test]
fn menu_page_keeps_its_look_but_carries_no_challenge() {
    let (portal, current, _) = portal_with_registered_card();
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
        "name=\"btnIcRenew\" id=\"btnIcRenew\" value=\"ICカード更新\"",
        "onclick=\"fnIcRenew(); return false;\"",
        "value=\"登録\"",
        "value=\"変更\"",
        "RenewApplet.class",
        "document.RenewApplet.renew(",
        "ICカード更新機能（Javaアプレット）を起動できませんでした。",
    ] {
        assert!(html.contains(expected), "menu lacks {expected}:\n{html}");
    }
    // No challenge and none of the applet's result fields: nothing on the page is a challenge or a target.
    for absent in [
        "name=\"challenge\"",
        "name=\"oldCertificate\"",
        "name=\"oldSignature\"",
        "name=\"newCertificate\"",
        "name=\"newSignature\"",
        "type=\"hidden\"",
        "id=\"injected\"",
    ] {
        assert!(!html.contains(absent), "menu has {absent}:\n{html}");
    }
    // A menu view issues no challenge: step 2 right after it has nothing to answer.
    let page = post_current(&mut browser, "AAAA", &current, b"sig");
    assert_json_refusal(&page, 409, "session_expired", "画面の有効期限が切れました");
    // Nor does it spoil a challenge fetched before it (another frame or tab showing the menu).
    let (challenge_b64, challenge) = fetch_challenge(&mut browser);
    browser.get(paths::MENU);
    let signature = current.sign(portal.origin(), &challenge, SignPurpose::RenewCurrent, b"");
    assert_eq!(
        post_current(&mut browser, &challenge_b64, &current, &signature).status,
        200
    );
}
