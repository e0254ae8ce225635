//! The one-card JSON endpoints of ログイン, 登録 and 変更: a challenge per operation, then the card proof
//! ([`crate::card_proof`]); success records the proven card in the session and names the page to open.

use super::{challenge_answer, JsonAnswer};
use crate::card_proof;
use crate::form::Form;
use crate::paths;
use crate::server::State;
use crate::sessions::{CardOperation, ChangeDraft, RegistrationDraft};

/// The operation of a one-card endpoint, and whether it is the challenge endpoint.
fn operation_of(path: &str) -> (CardOperation, bool) {
    match path {
        paths::LOGIN_CHALLENGE => (CardOperation::Login, true),
        paths::LOGIN_CARD => (CardOperation::Login, false),
        paths::REGIST_CHALLENGE => (CardOperation::Register, true),
        paths::REGIST_CARD => (CardOperation::Register, false),
        paths::CHANGE_CHALLENGE => (CardOperation::Change, true),
        _ => (CardOperation::Change, false),
    }
}

/// One of [`paths::CARD_API`] (after the guards of [`super::json_endpoint`]).
pub(super) fn step(state: &State, session_id: &str, path: &str, body: &[u8]) -> JsonAnswer {
    let (operation, is_challenge) = operation_of(path);
    if is_challenge {
        let challenge = state.with_session(session_id, |session| {
            session.issue_card_challenge(operation)
        });
        return challenge_answer(&challenge);
    }
    let form = Form::parse(body);
    let challenge =
        state.with_session(session_id, |session| session.take_card_challenge(operation));
    let proven = {
        let registry = state.registry();
        card_proof::prove(&registry, &state.checks(), operation, challenge, &form)?
    };
    let next = state.with_session(session_id, |session| match operation {
        CardOperation::Login => {
            session.logged_in_user = proven.user_id;
            paths::LOGIN_RESULT
        }
        CardOperation::Register => {
            session.registration = Some(RegistrationDraft {
                certificate: proven.certificate,
                roster: None,
                contacts: None,
                confirmed: false,
            });
            paths::REGIST_SEARCH
        }
        CardOperation::Change => {
            session.change = Some(ChangeDraft {
                user_id: proven.user_id.unwrap_or_default(),
                certificate: proven.certificate,
                contacts: None,
                confirmed: false,
            });
            paths::CHANGE_INPUT
        }
    });
    Ok(serde_json::json!({ "next": next }))
}
