//! The renewal's JSON steps 1–3, its confirmation screen and 「更新」.

use time::OffsetDateTime;

use super::{back_to_menu, challenge_answer, JsonAnswer};
use crate::certificate::CertificateFacts;
use crate::form::Form;
use crate::http::Reply;
use crate::pages::renewal as renewal_page;
use crate::paths;
use crate::refusal::Refusal;
use crate::renewal::{self, Outcome};
use crate::server::{Incoming, State};
use crate::sessions::Session;

/// Steps 1–3 (after the guards of [`super::json_endpoint`]).
pub(super) fn step(state: &State, session_id: &str, path: &str, body: &[u8]) -> JsonAnswer {
    match path {
        paths::RENEW_CHALLENGE => {
            let challenge = state.with_session(session_id, Session::start_renewal);
            challenge_answer(&challenge)
        }
        paths::RENEW_CURRENT => prove_current_card(state, session_id, body),
        _ => pair_new_card(state, session_id, body),
    }
}

/// Step 2: consumes step 1's challenge; on success the session holds the proven current card and a second
/// challenge bound to it, given only in this answer.
fn prove_current_card(state: &State, session_id: &str, body: &[u8]) -> JsonAnswer {
    let form = Form::parse(body);
    let challenge = state.with_session(session_id, |session| {
        session.forget_renewal();
        session.take_renewal_challenge()
    });
    let proven = renewal::verify_current(&state.registry(), &state.checks(), challenge, &form)?;
    let second = state.with_session(session_id, |session| session.prove_current(proven));
    challenge_answer(&second)
}

/// Step 3: consumes the proven current card and its second challenge whatever the outcome; on success the
/// session holds the verified renewal the confirmation screen shows.
fn pair_new_card(state: &State, session_id: &str, body: &[u8]) -> JsonAnswer {
    let form = Form::parse(body);
    let proven = state.with_session(session_id, |session| {
        let proven = session.take_proven_current();
        session.forget_renewal();
        proven
    });
    let verified = renewal::verify_new(&state.checks(), proven, &form)?;
    state.with_session(session_id, |session| {
        session.verified_renewal = Some(verified)
    });
    Ok(serde_json::json!({ "confirm": paths::RENEW_CONFIRM }))
}

/// 電子証明書更新確認画面 of the session's verified renewal (shown again on reload until 「更新」 or 「戻る」).
pub(super) fn show_confirmation(state: &State, incoming: &Incoming) -> Reply {
    let verified = state.with_session(incoming.session(), |session| {
        session.verified_renewal.clone()
    });
    let page = verified
        .ok_or(Refusal::NothingToCommit)
        .and_then(|verified| {
            let registry = state.registry();
            let user = registry
                .user(&verified.user_id)
                .ok_or(Refusal::RegistrationChanged)?;
            let current = CertificateFacts::parse(&verified.old_certificate)
                .map_err(|_| Refusal::RegistrationChanged)?;
            let new = CertificateFacts::parse(&verified.new_certificate)
                .map_err(|_| Refusal::RegistrationChanged)?;
            Ok(renewal_page::confirmation(user, &current, &new))
        });
    match page {
        Ok(html) => Reply::page(200, &html),
        Err(refusal) => back_to_menu(&refusal),
    }
}

pub(super) fn commit(state: &State, incoming: &Incoming) -> Reply {
    let Some(verified) = state.with_session(incoming.session(), |session| {
        session.verified_renewal.take()
    }) else {
        return back_to_menu(&Refusal::NothingToCommit);
    };
    let mut registry = state.registry();
    match renewal::commit(
        &mut registry,
        &state.outbox,
        &verified,
        OffsetDateTime::now_utc(),
    ) {
        Ok(Outcome::Completed) => Reply::page(200, &renewal_page::completed()),
        Ok(Outcome::HeldForReview { renewal_id }) => {
            let differences = registry
                .pending()
                .iter()
                .find(|p| p.id == renewal_id)
                .map(|p| p.differences.clone())
                .unwrap_or_default();
            Reply::page(200, &renewal_page::held_for_review(&differences))
        }
        Err(refusal) => back_to_menu(&refusal),
    }
}
