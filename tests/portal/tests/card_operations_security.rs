//! ログイン, 登録 and 変更 cannot stand in for one another: each signs its own purpose over a challenge issued for
//! that operation, in that session, once.

mod common;

use common::*;
use ebid_protocol::SignPurpose;
use replica_portal::paths;

/// (challenge endpoint, card endpoint, the purpose it accepts).
const OPERATIONS: [(&str, &str, SignPurpose); 3] = [
    (
        paths::LOGIN_CHALLENGE,
        paths::LOGIN_CARD,
        SignPurpose::Login,
    ),
    (
        paths::REGIST_CHALLENGE,
        paths::REGIST_CARD,
        SignPurpose::Register,
    ),
    (
        paths::CHANGE_CHALLENGE,
        paths::CHANGE_CARD,
        SignPurpose::Change,
    ),
];

#[test]
fn a_signature_for_one_purpose_is_refused_by_the_others() {
    let (portal, registered, _) = portal_with_registered_card();
    portal.add_roster(&roster_entry()).unwrap();
    let unregistered = Card::issue(&CardSpec {
        key: 3,
        ..CardSpec::current()
    });
    let mut browser = Browser::in_session(&portal);
    for (challenge_path, card_path, accepted) in OPERATIONS {
        // 登録 takes a card nobody registered; ログイン and 変更 the registered one.
        let card = if accepted == SignPurpose::Register {
            &unregistered
        } else {
            &registered
        };
        for purpose in [
            SignPurpose::Login,
            SignPurpose::Register,
            SignPurpose::Change,
            SignPurpose::RenewCurrent,
            SignPurpose::RenewNew,
        ] {
            let (challenge_b64, challenge) = card_challenge(&mut browser, challenge_path);
            let signature = card.sign(portal.origin(), &challenge, purpose, b"");
            let answer = post_card(&mut browser, card_path, &challenge_b64, card, &signature);
            if purpose == accepted {
                assert_eq!(answer.status, 200, "{card_path}: {}", words(&answer));
            } else {
                assert_json_refusal(
                    &answer,
                    403,
                    "bad_signature",
                    "ICカードの署名を確認できませんでした",
                );
            }
        }
    }
    // Only the accepted proofs took effect: one registration card proof, nobody registered by the others.
    assert_eq!(portal.users().len(), 1);
}

#[test]
fn a_challenge_serves_only_its_operation_its_session_and_once() {
    let (portal, registered, _) = portal_with_registered_card();
    let mut browser = Browser::in_session(&portal);
    let mut other_session = Browser::in_session(&portal);

    for (challenge_path, card_path, purpose) in [OPERATIONS[0], OPERATIONS[2]] {
        // Another operation's challenge, signed for this operation's purpose: this operation has none issued.
        let foreign_path = if challenge_path == paths::LOGIN_CHALLENGE {
            paths::CHANGE_CHALLENGE
        } else {
            paths::LOGIN_CHALLENGE
        };
        let (foreign_b64, foreign) = card_challenge(&mut browser, foreign_path);
        let signature = registered.sign(portal.origin(), &foreign, purpose, b"");
        let refused = post_card(
            &mut browser,
            card_path,
            &foreign_b64,
            &registered,
            &signature,
        );
        assert_json_refusal(
            &refused,
            409,
            "session_expired",
            "画面の有効期限が切れました",
        );
        // …nor while this operation has its own live challenge (and that one is spent by the attempt).
        let (own_b64, own) = card_challenge(&mut browser, challenge_path);
        let (foreign_b64, foreign) = card_challenge(&mut browser, foreign_path);
        let signature = registered.sign(portal.origin(), &foreign, purpose, b"");
        let refused = post_card(
            &mut browser,
            card_path,
            &foreign_b64,
            &registered,
            &signature,
        );
        assert_json_refusal(
            &refused,
            409,
            "session_expired",
            "画面の有効期限が切れました",
        );
        let own_signature = registered.sign(portal.origin(), &own, purpose, b"");
        let spent = post_card(
            &mut browser,
            card_path,
            &own_b64,
            &registered,
            &own_signature,
        );
        assert_json_refusal(&spent, 409, "session_expired", "画面の有効期限が切れました");

        // A challenge of session A answered in session B: refused.
        let (a_b64, a) = card_challenge(&mut browser, challenge_path);
        card_challenge(&mut other_session, challenge_path);
        let signature = registered.sign(portal.origin(), &a, purpose, b"");
        let replayed = post_card(
            &mut other_session,
            card_path,
            &a_b64,
            &registered,
            &signature,
        );
        assert_json_refusal(
            &replayed,
            409,
            "session_expired",
            "画面の有効期限が切れました",
        );

        // The right answer in the right session works once.
        let ok = post_card(&mut browser, card_path, &a_b64, &registered, &signature);
        assert_eq!(ok.status, 200, "{card_path}: {}", words(&ok));
        let again = post_card(&mut browser, card_path, &a_b64, &registered, &signature);
        assert_json_refusal(&again, 409, "session_expired", "画面の有効期限が切れました");
    }
    // Session B proved nothing: its 変更 and login pages are closed.
    assert_eq!(other_session.get(paths::CHANGE_INPUT).status, 409);
    assert_eq!(other_session.get(paths::LOGIN_RESULT).status, 409);
}

#[test]
fn the_registration_and_change_forms_refuse_foreign_origins() {
    let (portal, registered, _) = portal_with_registered_card();
    let mut browser = Browser::new(&portal);
    assert_eq!(
        prove_change_card(&mut browser, portal.origin(), &registered).status,
        200
    );
    browser.extra_headers = vec![("Origin".into(), "https://evil.example".into())];
    for path in [
        paths::CHANGE_CONFIRM,
        paths::REGIST_SEARCH,
        paths::REGIST_CONFIRM,
    ] {
        let page = post_fields(&mut browser, path, &contact_fields());
        assert_eq!(page.status, 403, "{path}");
        assert!(
            page.text().contains("この画面からは送信できません"),
            "{path}"
        );
    }
    // The proof is untouched: from the portal's own page the change goes on.
    browser.extra_headers = vec![("Origin".into(), portal.origin().into())];
    let confirm = post_fields(&mut browser, paths::CHANGE_CONFIRM, &contact_fields());
    assert_eq!(confirm.status, 200, "{}", confirm.text());
}
