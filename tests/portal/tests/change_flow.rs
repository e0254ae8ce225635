//! 利用者情報の変更: the card proof (`IcChangeChallenge.do` → `IcChangeCard.do`), then 利用者変更画面 → 変更内容確認 →
//! 変更完了, saved in registrations.json.

mod common;

use common::*;
use replica_portal::contacts::fields as contact;
use replica_portal::paths;

#[test]
fn contacts_are_changed_confirmed_saved_and_survive_a_restart() {
    let dir = temp_dir("change");
    let portal = start(&dir);
    let current = Card::issue(&CardSpec::current());
    let user_id = portal.register(&user_for(&current)).unwrap();
    let mut browser = Browser::new(&portal);
    let proof = prove_change_card(&mut browser, portal.origin(), &current);
    assert_eq!(proof.status, 200, "{}", words(&proof));
    assert_eq!(
        proof.json(),
        serde_json::json!({ "next": paths::CHANGE_INPUT })
    );

    let input = browser.get(paths::CHANGE_INPUT);
    assert_eq!(input.status, 200);
    assert!(input.text().contains("利用者変更"));
    assert_eq!(element_text(&input, "userId"), Some(user_id.clone()));
    // The registered certificate's 有効期限 (2099-11-14 00:00 UTC is 09:00 JST that day).
    assert_eq!(
        element_text(&input, "certNotAfter").as_deref(),
        Some("2099/11/14")
    );
    assert_eq!(
        element_text(&input, "certHolder").as_deref(),
        Some(REPRESENTATIVE)
    );
    // Registered without contacts: the mail address is prefilled.
    assert_eq!(
        input.input_value(contact::REP_EMAIL).as_deref(),
        Some("keiyaku@test-kensetsu.example.jp")
    );

    let bad = with_field(contact_fields(), contact::DEPT_PHONE, "abc");
    let again = post_fields(&mut browser, paths::CHANGE_CONFIRM, &bad);
    assert!(
        element_text(&again, "deptPhoneError").is_some(),
        "{}",
        again.text()
    );
    assert_eq!(
        again.input_value(contact::DEPT_PHONE).as_deref(),
        Some("abc")
    );
    assert_eq!(browser.post_form(paths::CHANGE_COMMIT, &[]).status, 409);

    let fields = with_field(contact_fields(), contact::REP_NAME, "札幌 三郎");
    let confirm = post_fields(&mut browser, paths::CHANGE_CONFIRM, &fields);
    assert_eq!(confirm.status, 200);
    assert!(confirm.text().contains("変更内容確認"));
    assert_eq!(
        element_text(&confirm, "repNameValue").as_deref(),
        Some("札幌 三郎")
    );
    let done = browser.post_form(paths::CHANGE_COMMIT, &[]);
    assert_eq!(done.status, 200);
    assert!(done.text().contains("利用者情報の変更が完了しました。"));
    // Once per card proof.
    assert_eq!(browser.post_form(paths::CHANGE_COMMIT, &[]).status, 409);
    assert_eq!(browser.get(paths::CHANGE_INPUT).status, 409);

    let mails = portal.mail_outbox();
    assert_eq!(mails.len(), 2);
    assert!(mails
        .iter()
        .all(|m| m.subject.contains("利用者情報変更のお知らせ") && m.body.contains("札幌 三郎")));

    portal.stop();
    let portal = start(&dir);
    let user = portal.user(&user_id).unwrap();
    let contacts = user.contacts.expect("saved");
    assert_eq!(contacts.representative.name, "札幌 三郎");
    assert_eq!(contacts.department.email, DEPT_EMAIL);
    assert_eq!(user.email, REP_EMAIL);
    // The next change starts from the saved data, and the card still logs in.
    let mut browser = browser_with_change_proof(&portal, &current);
    let input = browser.get(paths::CHANGE_INPUT);
    assert_eq!(
        input.input_value(contact::REP_NAME).as_deref(),
        Some("札幌 三郎")
    );
    assert_eq!(log_in(&mut browser, portal.origin(), &current).status, 200);
}

#[test]
fn an_unregistered_card_is_refused_with_the_pointer() {
    let (portal, _, _) = portal_with_registered_card();
    let stranger = Card::issue(&CardSpec {
        key: 3,
        ..CardSpec::current()
    });
    let mut browser = Browser::new(&portal);
    assert_unregistered(&prove_change_card(&mut browser, portal.origin(), &stranger));
    assert_eq!(browser.get(paths::CHANGE_INPUT).status, 409);
}

#[test]
fn a_renewal_after_the_proof_makes_the_change_stale() {
    let (portal, current, _) = portal_with_registered_card();
    let mut browser = browser_with_change_proof(&portal, &current);
    assert_eq!(
        post_fields(&mut browser, paths::CHANGE_CONFIRM, &contact_fields()).status,
        200
    );
    // Another tab renews the card meanwhile.
    let mut other = Browser::new(&portal);
    let new = Card::issue(&CardSpec::new_card());
    assert_eq!(
        submit_renewal(&mut other, portal.origin(), &current, &new).status,
        200
    );
    other.post_form(paths::RENEW_COMMIT, &[]);
    let stale = browser.post_form(paths::CHANGE_COMMIT, &[]);
    assert_eq!(stale.status, 403);
    assert!(stale.text().contains("利用者登録の内容が変更されました"));
    assert!(portal
        .mail_outbox()
        .iter()
        .all(|m| !m.subject.contains("利用者情報変更")));
}

#[test]
fn the_pages_need_a_card_proof() {
    let (portal, _, _) = portal_with_registered_card();
    let mut browser = Browser::in_session(&portal);
    for page in [
        browser.get(paths::CHANGE_INPUT),
        post_fields(&mut browser, paths::CHANGE_CONFIRM, &contact_fields()),
        browser.post_form(paths::CHANGE_COMMIT, &[]),
    ] {
        assert_eq!(page.status, 409);
        assert!(page.text().contains("画面の有効期限が切れました"));
    }
}
