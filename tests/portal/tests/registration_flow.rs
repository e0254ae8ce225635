//! 2.1.3 利用者情報の新規登録: the card proof (`IcRegistChallenge.do` → `IcRegistCard.do`), then the portal's own
//! pages 資格審査情報検索 → 利用者登録画面 → 入力内容確認 → 登録完了, the 名簿 comparison and 仮登録 → 承認.

mod common;

use common::*;
use replica_portal::contacts::fields as contact;
use replica_portal::{paths, RunningPortal};

/// A portal with the test company on the 名簿 and nobody registered.
fn portal_with_roster() -> RunningPortal {
    let portal = start(&temp_dir("regist"));
    portal.add_roster(&roster_entry()).unwrap();
    portal
}

/// A fresh card whose names match the 名簿.
fn fresh_card() -> Card {
    Card::issue(&CardSpec {
        key: 3,
        serial: 0x3333,
        ..CardSpec::current()
    })
}

#[test]
fn the_menu_buttons_call_the_applets() {
    let portal = portal_with_roster();
    let menu = Browser::new(&portal).get(paths::MENU);
    for (button, handler, applet, words) in [
        (
            "btnRegist",
            "fnRegist",
            "document.RegistApplet.regist()",
            "利用者登録機能（Javaアプレット）を起動できませんでした。",
        ),
        (
            "btnChange",
            "fnChange",
            "document.ChangeApplet.change()",
            "利用者変更機能（Javaアプレット）を起動できませんでした。",
        ),
    ] {
        assert!(
            menu.html.contains(&format!("name=\"{button}\"")),
            "{button}"
        );
        assert!(
            menu.html
                .contains(&format!("onclick=\"{handler}(); return false;\"")),
            "{button}"
        );
        assert!(
            menu.html.contains(applet) && menu.html.contains(words),
            "{button}"
        );
    }
    assert!(!menu.html.contains(paths::NOT_PROVIDED));
}

#[test]
fn a_card_matching_the_roster_is_registered_and_then_logs_in() {
    let portal = portal_with_roster();
    let card = fresh_card();
    let mut browser = Browser::new(&portal);
    let proof = prove_registration_card(&mut browser, portal.origin(), &card);
    assert_eq!(proof.status, 200, "{}", words(&proof));
    assert_eq!(
        proof.json(),
        serde_json::json!({ "next": paths::REGIST_SEARCH })
    );

    // 資格審査情報検索: a miss keeps the value and says so; a hit shows 利用者登録画面.
    let search = browser.get(paths::REGIST_SEARCH);
    assert_eq!(search.status, 200);
    assert!(
        search.text().contains("資格審査情報検索") && search.html.contains("name=\"gyoshaNo\"")
    );
    let miss = browser.post_form(paths::REGIST_SEARCH, &[("gyoshaNo", "9999999")]);
    assert_eq!(miss.status, 200);
    assert!(miss
        .text()
        .contains("入札参加資格者名簿に該当する業者が見つかりません。"));
    assert_eq!(miss.input_value("gyoshaNo").as_deref(), Some("9999999"));
    let input = browser.post_form(paths::REGIST_SEARCH, &[("gyoshaNo", GYOSHA_NO)]);
    assert_eq!(input.status, 200);
    assert!(input.text().contains("利用者登録"));
    assert_eq!(
        element_text(&input, "companyGyoshaNo").as_deref(),
        Some(GYOSHA_NO)
    );
    assert_eq!(
        element_text(&input, "companyName").as_deref(),
        Some(COMPANY)
    );
    assert_eq!(
        element_text(&input, "companyPhone").as_deref(),
        Some("011-211-2111")
    );
    assert_eq!(
        element_text(&input, "certHolder").as_deref(),
        Some(REPRESENTATIVE)
    );
    assert_eq!(
        element_text(&input, "certNotAfter").as_deref(),
        Some("2099/11/14")
    );
    assert_eq!(element_text(&input, "certSerial").as_deref(), Some("3333"));
    for heading in [
        "代表窓口情報",
        "ICカード利用部署情報",
        "連絡先名称（部署名）",
        "連絡先E-mail",
    ] {
        assert!(input.text().contains(heading), "{heading}");
    }

    // Invalid input: the form again, a message next to each bad field, every value kept.
    let bad = with_field(
        with_field(
            with_field(contact_fields(), contact::REP_PHONE, "011-211-2111（代）"),
            contact::DEPT_EMAIL,
            "koji@localhost",
        ),
        contact::DEPT_NAME,
        "",
    );
    let again = post_fields(&mut browser, paths::REGIST_CONFIRM, &bad);
    assert_eq!(again.status, 200);
    assert!(again.text().contains("入力内容に誤りがあります"));
    assert_eq!(
        element_text(&again, "repPhoneError").as_deref(),
        Some("連絡先電話番号は半角数字とハイフン（-）で入力してください。")
    );
    assert!(element_text(&again, "deptEmailError")
        .unwrap()
        .contains("形式が正しくありません"));
    assert_eq!(
        element_text(&again, "deptNameError").as_deref(),
        Some("連絡先氏名を入力してください。")
    );
    assert_eq!(element_text(&again, "repNameError"), None);
    assert_eq!(
        again.input_value(contact::REP_PHONE).as_deref(),
        Some("011-211-2111（代）")
    );
    assert_eq!(
        again.input_value(contact::REP_SECTION).as_deref(),
        Some("総務部 契約課")
    );
    // An over-long value is refused too.
    let long = with_field(contact_fields(), contact::REP_NAME, &"長".repeat(41));
    let too_long = post_fields(&mut browser, paths::REGIST_CONFIRM, &long);
    assert!(element_text(&too_long, "repNameError")
        .unwrap()
        .contains("40文字以内"));
    // 「登録」 before a valid confirmation is refused and keeps the registration going.
    assert_eq!(browser.post_form(paths::REGIST_COMMIT, &[]).status, 409);

    let confirm = post_fields(&mut browser, paths::REGIST_CONFIRM, &contact_fields());
    assert_eq!(confirm.status, 200);
    assert!(confirm.text().contains("入力内容確認"));
    assert_eq!(
        element_text(&confirm, "repEmailValue").as_deref(),
        Some(REP_EMAIL)
    );
    assert_eq!(
        element_text(&confirm, "deptSectionValue").as_deref(),
        Some("工事部")
    );
    assert!(confirm
        .html
        .contains(&format!("action=\"{}\"", paths::REGIST_COMMIT)));
    // 「戻る」 shows the input again with the values.
    let back = browser.get(paths::REGIST_INPUT);
    assert_eq!(
        back.input_value(contact::DEPT_PHONE).as_deref(),
        Some("011-211-2112")
    );

    let done = browser.post_form(paths::REGIST_COMMIT, &[]);
    assert_eq!(done.status, 200, "{}", done.text());
    assert!(done.text().contains("利用者登録が完了しました。"));
    let user_id = element_text(&done, "userId").expect("利用者ID on the completion page");
    let user = portal.user(&user_id).expect("registered");
    assert_eq!(user.certificate, card.b64());
    assert_eq!(user.company_name, COMPANY);
    assert_eq!(user.roster.gyosha_no, GYOSHA_NO);
    let contacts = user.contacts.expect("contacts saved");
    assert_eq!(contacts.department.phone, "011-211-2112");
    assert_eq!(user.email, REP_EMAIL);

    let mails = portal.mail_outbox();
    let mut to: Vec<&str> = mails.iter().map(|m| m.to.as_str()).collect();
    to.sort();
    assert_eq!(to, [REP_EMAIL, DEPT_EMAIL]);
    assert!(mails
        .iter()
        .all(|m| m.subject.contains("利用者登録完了のお知らせ") && m.body.contains(&user_id)));

    // Works once; the pages need a new card proof now.
    let twice = browser.post_form(paths::REGIST_COMMIT, &[]);
    assert_eq!(twice.status, 409);
    assert!(twice.text().contains("画面の有効期限が切れました"));
    assert_eq!(portal.users().len(), 1);
    assert_eq!(browser.get(paths::REGIST_INPUT).status, 409);

    let login = log_in(&mut browser, portal.origin(), &card);
    assert_eq!(login.status, 200, "{}", words(&login));
    assert_eq!(element_text(&login, "userId"), Some(user_id));
}

#[test]
fn an_already_registered_card_is_refused() {
    let (portal, current, _) = portal_with_registered_card();
    portal.add_roster(&roster_entry()).unwrap();
    let mut browser = Browser::new(&portal);
    let refused = prove_registration_card(&mut browser, portal.origin(), &current);
    assert_json_refusal(
        &refused,
        403,
        "already_registered",
        "既に利用者登録されているICカードです",
    );
    assert_eq!(browser.get(paths::REGIST_SEARCH).status, 409);
}

#[test]
fn expired_foreign_and_retired_cards_cannot_register() {
    let (portal, current, _) = portal_with_registered_card();
    let mut browser = Browser::new(&portal);
    let expired = Card::issue(&CardSpec {
        key: 3,
        not_before: (2015, 1, 1),
        not_after: (2020, 1, 1),
        ..CardSpec::current()
    });
    let refused = prove_registration_card(&mut browser, portal.origin(), &expired);
    assert_json_refusal(
        &refused,
        403,
        "card_expired",
        "ICカードの有効期限が切れています",
    );
    let foreign = Card::issue(&CardSpec {
        key: 3,
        foreign_ca: true,
        ..CardSpec::current()
    });
    let refused = prove_registration_card(&mut browser, portal.origin(), &foreign);
    assert_json_refusal(&refused, 403, "unknown_ca", "認証局");

    let new = Card::issue(&CardSpec::new_card());
    assert_eq!(
        submit_renewal(&mut browser, portal.origin(), &current, &new).status,
        200
    );
    browser.post_form(paths::RENEW_COMMIT, &[]);
    let refused = prove_registration_card(&mut browser, portal.origin(), &current);
    assert_json_refusal(&refused, 403, "retired", "更新済みのICカードです");
}

#[test]
fn a_roster_mismatch_is_held_then_approved_and_logs_in() {
    let portal = portal_with_roster();
    let card = Card::issue(&CardSpec {
        key: 3,
        holder: "札幌 花子".into(),
        ..CardSpec::current()
    });
    let mut browser = Browser::new(&portal);
    let done = register_through_pages(&mut browser, portal.origin(), &card);
    assert_eq!(done.status, 200);
    assert!(done.text().contains("仮登録"), "{}", done.text());
    assert!(done.text().contains("札幌 花子"));
    assert!(portal.users().is_empty());
    assert!(portal.mail_outbox().is_empty());
    let held = portal.registrations_pending();
    assert_eq!(held.len(), 1);

    // While held: login is told to wait, a second registration with the card too.
    let waiting = log_in(&mut browser, portal.origin(), &card);
    assert_eq!(waiting.status, 403);
    assert!(words(&waiting).contains("審査中"));
    let again = prove_registration_card(&mut browser, portal.origin(), &card);
    assert_json_refusal(
        &again,
        403,
        "registration_pending",
        "審査中の利用者登録申請があります",
    );

    let review = browser.get(paths::ADMIN_REGISTRATIONS);
    assert!(review.text().contains(GYOSHA_NO) && review.text().contains("札幌 花子"));
    let id = held[0].id.to_string();
    let approved = browser.post_form(paths::ADMIN_REGISTRATION_APPROVE, &[("id", &id)]);
    assert!(
        approved
            .text()
            .contains(&format!("受付番号 {id} を承認しました")),
        "{}",
        approved.text()
    );
    assert!(portal.registrations_pending().is_empty());
    assert_eq!(portal.users().len(), 1);
    assert_eq!(portal.mail_outbox().len(), 2);
    let login = log_in(&mut browser, portal.origin(), &card);
    assert_eq!(login.status, 200, "{}", words(&login));
    // Approving twice finds nothing.
    let twice = browser.post_form(paths::ADMIN_REGISTRATION_APPROVE, &[("id", &id)]);
    assert!(twice.text().contains("見つかりません"));
}

#[test]
fn a_denied_registration_registers_nobody() {
    let portal = portal_with_roster();
    let card = Card::issue(&CardSpec {
        key: 3,
        organization: "株式会社べつの名前".into(),
        ..CardSpec::current()
    });
    let mut browser = Browser::new(&portal);
    register_through_pages(&mut browser, portal.origin(), &card);
    let id = portal.registrations_pending()[0].id.to_string();
    let denied = browser.post_form(paths::ADMIN_REGISTRATION_DENY, &[("id", &id)]);
    assert!(denied
        .text()
        .contains(&format!("受付番号 {id} を否認しました。")));
    assert!(portal.users().is_empty() && portal.registrations_pending().is_empty());
    let mails = portal.mail_outbox();
    assert_eq!(mails.len(), 2);
    assert!(mails
        .iter()
        .all(|m| m.subject.contains("利用者登録申請否認")));
    assert_eq!(
        log_in(&mut browser, portal.origin(), &card).error_code(),
        "unregistered"
    );
}

#[test]
fn the_pages_need_a_card_proof() {
    let portal = portal_with_roster();
    let mut browser = Browser::in_session(&portal);
    for page in [
        browser.get(paths::REGIST_SEARCH),
        browser.post_form(paths::REGIST_SEARCH, &[("gyoshaNo", GYOSHA_NO)]),
        browser.get(paths::REGIST_INPUT),
        post_fields(&mut browser, paths::REGIST_CONFIRM, &contact_fields()),
        browser.post_form(paths::REGIST_COMMIT, &[]),
    ] {
        assert_eq!(page.status, 409);
        assert!(page.text().contains("画面の有効期限が切れました"));
    }
    // A new registration challenge forgets the proven card.
    let card = fresh_card();
    assert_eq!(
        prove_registration_card(&mut browser, portal.origin(), &card).status,
        200
    );
    assert_eq!(browser.get(paths::REGIST_SEARCH).status, 200);
    challenge_at(&mut browser, paths::REGIST_CHALLENGE);
    assert_eq!(browser.get(paths::REGIST_SEARCH).status, 409);
    assert!(portal.users().is_empty());
}

#[test]
fn the_roster_survives_a_restart() {
    let dir = temp_dir("roster");
    let portal = start(&dir);
    portal.add_roster(&roster_entry()).unwrap();
    portal.stop();
    let portal = start(&dir);
    assert_eq!(portal.roster(), vec![roster_entry()]);
    let card = fresh_card();
    let done = register_through_pages(&mut Browser::new(&portal), portal.origin(), &card);
    assert!(
        done.text().contains("利用者登録が完了しました。"),
        "{}",
        done.text()
    );
}
