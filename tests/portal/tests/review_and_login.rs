//! 名簿 mismatch → 仮登録 → the city's 承認 or 否認, and IC-card login before and after.

mod common;

use common::*;
use replica_portal::{paths, UserStatus};

fn renamed_new_card() -> Card {
    // The new card carries a new representative: differs from the 名簿.
    Card::issue(&CardSpec {
        holder: "札幌 花子".into(),
        ..CardSpec::new_card()
    })
}

fn held_renewal(portal: &replica_portal::RunningPortal, current: &Card, new: &Card) -> u64 {
    let mut browser = Browser::new(portal);
    assert_eq!(
        submit_renewal(&mut browser, portal.origin(), current, new).status,
        200
    );
    let done = browser.post_form(paths::RENEW_COMMIT, &[]);
    assert_eq!(done.status, 200, "{}", done.text());
    let text = done.text();
    assert!(text.contains("ICカード更新処理は保留されました"), "{text}");
    assert!(
        text.contains("札幌市から電子メールが送付されます"),
        "{text}"
    );
    assert!(
        text.contains("代表者氏名：名簿「札幌 太郎」／ICカード「札幌 花子」"),
        "{text}"
    );
    let pending = portal.pending();
    assert_eq!(pending.len(), 1);
    pending[0].id
}

#[test]
fn roster_mismatch_is_held_then_approved() {
    let (portal, current, user_id) = portal_with_registered_card();
    let new = renamed_new_card();
    let id = held_renewal(&portal, &current, &new);
    let user = portal.user(&user_id).unwrap();
    assert_eq!(user.status, UserStatus::RenewalPending);
    assert_eq!(user.certificate, current.b64());
    assert!(portal.mail_outbox().is_empty());

    let mut browser = Browser::new(&portal);
    // While held: the old card still logs in, the new one is told to wait.
    assert!(log_in(&mut browser, portal.origin(), &current)
        .text()
        .contains("ログインしました"));
    let waiting = log_in(&mut browser, portal.origin(), &new);
    assert_eq!(waiting.status, 403);
    assert!(words(&waiting).contains("審査中"), "{}", words(&waiting));
    // A second renewal while one is held is refused.
    let again = submit_renewal(
        &mut browser,
        portal.origin(),
        &current,
        &Card::issue(&CardSpec::new_card()),
    );
    assert_json_refusal(
        &again,
        403,
        "review_pending",
        "審査中のICカード更新申請があります",
    );

    let review = browser.get(paths::ADMIN_RENEWALS);
    assert!(review.text().contains("札幌 花子"), "{}", review.text());
    assert!(review.html.contains("value=\"承認\"") && review.html.contains("value=\"否認\""));
    let approved = browser.post_form(paths::ADMIN_APPROVE, &[("id", &id.to_string())]);
    assert_eq!(approved.status, 200);
    assert!(approved
        .text()
        .contains(&format!("受付番号 {id} を承認しました。")));

    let user = portal.user(&user_id).unwrap();
    assert_eq!(user.certificate, new.b64());
    assert_eq!(user.status, UserStatus::Active);
    assert!(portal.pending().is_empty());
    let subjects: Vec<String> = portal
        .mail_outbox()
        .into_iter()
        .map(|m| m.subject)
        .collect();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert!(subjects[0].contains("ICカード更新申請承認"));
    assert!(subjects[1].contains("ICカード更新完了通知"));

    let ok = log_in(&mut browser, portal.origin(), &new);
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert!(ok.text().contains("ログインしました") && ok.text().contains(REGISTERED_NAME));
    let refused = log_in(&mut browser, portal.origin(), &current);
    assert_eq!(refused.status, 403);
    assert_eq!(refused.error_code(), "retired");
    assert!(
        words(&refused).contains("ICカード更新により使用できなくなりました"),
        "{}",
        words(&refused)
    );

    // Approving twice finds nothing.
    let twice = browser.post_form(paths::ADMIN_APPROVE, &[("id", &id.to_string())]);
    assert!(twice.text().contains("見つかりません"));
}

#[test]
fn roster_mismatch_denied_keeps_the_old_card() {
    let (portal, current, user_id) = portal_with_registered_card();
    let new = renamed_new_card();
    let id = held_renewal(&portal, &current, &new);
    let mut browser = Browser::new(&portal);
    let denied = browser.post_form(paths::ADMIN_DENY, &[("id", &id.to_string())]);
    assert!(denied
        .text()
        .contains(&format!("受付番号 {id} を否認しました。")));

    let user = portal.user(&user_id).unwrap();
    assert_eq!(user.certificate, current.b64());
    assert_eq!(user.status, UserStatus::Active);
    assert!(portal.pending().is_empty());
    let mails = portal.mail_outbox();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].subject.contains("ICカード更新申請否認"));
    assert!(mails[0].body.contains("札幌 花子"));

    assert_eq!(log_in(&mut browser, portal.origin(), &current).status, 200);
    let refused = log_in(&mut browser, portal.origin(), &new);
    assert_eq!(refused.status, 403);
    assert!(words(&refused).contains("利用者登録されていないICカードです"));
}

#[test]
fn a_delegate_on_the_roster_may_hold_the_new_card() {
    let portal = start(&temp_dir("delegate"));
    let current = Card::issue(&CardSpec::current());
    let mut user = user_for(&current);
    if let Some(roster) = user.roster.as_mut() {
        roster.delegate = Some("札幌　花子".into()); // full-width space: not significant
    }
    let user_id = portal.register(&user).unwrap();
    let new = renamed_new_card();
    let mut browser = Browser::new(&portal);
    assert_eq!(
        submit_renewal(&mut browser, portal.origin(), &current, &new).status,
        200
    );
    let done = browser.post_form(paths::RENEW_COMMIT, &[]);
    assert!(
        done.text().contains("ICカードの更新が完了しました"),
        "{}",
        done.text()
    );
    assert_eq!(portal.user(&user_id).unwrap().certificate, new.b64());
}

#[test]
fn login_checks_origin_and_registration() {
    let (portal, current, _) = portal_with_registered_card();
    let mut browser = Browser::new(&portal);
    assert_eq!(log_in(&mut browser, portal.origin(), &current).status, 200);
    let wrong_origin = log_in(&mut browser, "http://localhost:1", &current);
    assert_eq!(wrong_origin.status, 403);
    let stranger = Card::issue(&CardSpec {
        key: 3,
        serial: 5,
        ..CardSpec::current()
    });
    assert_eq!(log_in(&mut browser, portal.origin(), &stranger).status, 403);
    // No challenge issued to this session: refused.
    let mut fresh = Browser::in_session(&portal);
    let page = fresh.post_form(
        paths::LOGIN_CARD,
        &[("certificate", &current.b64()), ("signature", "AAAA")],
    );
    assert_eq!(page.status, 409);
}
