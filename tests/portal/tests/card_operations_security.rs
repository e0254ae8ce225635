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
            let challenge = challenge_at(&mut browser, challenge_path);
            let answer = answer_challenge(
                &mut browser,
                portal.origin(),
                card,
                purpose,
                card_path,
                &challenge,
            );
            if purpose == accepted {
                assert_eq!(answer.status, 200, "{card_path}: {}", words(&answer));
            } else {
                assert_bad_signature(&answer);
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
        // The registered card answers `challenge` in `session` for this operation's purpose.
        let answer = |session: &mut Browser, challenge: &(String, Vec<u8>)| {
            answer_challenge(
                session,
                portal.origin(),
                &registered,
                purpose,
                card_path,
                challenge,
            )
        };
        let foreign_path = if challenge_path == paths::LOGIN_CHALLENGE {
            paths::CHANGE_CHALLENGE
        } else {
            paths::LOGIN_CHALLENGE
        };
        // Another operation's challenge: this operation has none issued…
        let foreign = challenge_at(&mut browser, foreign_path);
        assert_session_expired(&answer(&mut browser, &foreign));
        // …nor while this operation has its own live challenge (and that one is spent by the attempt).
        let own = challenge_at(&mut browser, challenge_path);
        let foreign = challenge_at(&mut browser, foreign_path);
        assert_session_expired(&answer(&mut browser, &foreign));
        assert_session_expired(&answer(&mut browser, &own));

        // A challenge of session A answered in session B: refused.
        let a = challenge_at(&mut browser, challenge_path);
        challenge_at(&mut other_session, challenge_path);
        assert_session_expired(&answer(&mut other_session, &a));

        // The right answer in the right session works once.
        let ok = answer(&mut browser, &a);
        assert_eq!(ok.status, 200, "{card_path}: {}", words(&ok));
        assert_session_expired(&answer(&mut browser, &a));
    }
    // Session B proved nothing: its 変更 and login pages are closed.
    assert_eq!(other_session.get(paths::CHANGE_INPUT).status, 409);
    assert_eq!(other_session.get(paths::LOGIN_RESULT).status, 409);
}

#[test]
fn the_registration_and_change_forms_refuse_foreign_origins() {
    let (portal, registered, _) = portal_with_registered_card();
    let mut browser = browser_with_change_proof(&portal, &registered);
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
