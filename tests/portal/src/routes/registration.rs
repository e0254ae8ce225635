//! The 利用者登録 pages after the card proof: 資格審査情報検索 → 利用者登録画面 → 入力内容確認 → 登録完了. Each
//! needs the session's proven card (else 409 画面の有効期限が切れました).

use time::OffsetDateTime;

use super::back_to_menu;
use crate::certificate::CertificateFacts;
use crate::contacts::{Contacts, FieldErrors};
use crate::form::Form;
use crate::http::Reply;
use crate::pages::{regist_confirm, regist_done, regist_input, regist_search};
use crate::refusal::Refusal;
use crate::registration::{self, fields, Outcome};
use crate::server::{Incoming, State};
use crate::sessions::RegistrationDraft;

fn draft(state: &State, incoming: &Incoming) -> Option<RegistrationDraft> {
    state.with_session(incoming.session(), |session| session.registration.clone())
}

fn card_facts(draft: &RegistrationDraft) -> Result<CertificateFacts, Reply> {
    CertificateFacts::parse(&draft.certificate).map_err(|_| back_to_menu(&Refusal::NothingToCommit))
}

fn input_page(draft: &RegistrationDraft, errors: &FieldErrors) -> Reply {
    let Some(roster) = &draft.roster else {
        return Reply::page(200, &regist_search::search("", false));
    };
    match card_facts(draft) {
        Ok(facts) => Reply::page(
            200,
            &regist_input::input(
                roster,
                &facts,
                &draft.contacts.clone().unwrap_or_default(),
                errors,
            ),
        ),
        Err(reply) => reply,
    }
}

pub(super) fn show_search(state: &State, incoming: &Incoming) -> Reply {
    match draft(state, incoming) {
        Some(_) => Reply::page(200, &regist_search::search("", false)),
        None => back_to_menu(&Refusal::NothingToCommit),
    }
}

/// 「検索」: a miss shows the search again with the message; a hit keeps the 名簿 entry and shows 利用者登録画面.
pub(super) fn search(state: &State, incoming: &Incoming) -> Reply {
    let form = Form::parse(&incoming.body);
    let gyosha_no = form.get(fields::GYOSHA_NO).unwrap_or("").trim().to_string();
    if draft(state, incoming).is_none() {
        return back_to_menu(&Refusal::NothingToCommit);
    }
    let Some(entry) = state.roster().find(&gyosha_no).cloned() else {
        return Reply::page(200, &regist_search::search(&gyosha_no, true));
    };
    let updated = state.with_session(incoming.session(), |session| {
        let draft = session.registration.as_mut()?;
        draft.roster = Some(entry);
        draft.contacts = None;
        draft.confirmed = false;
        Some(draft.clone())
    });
    match updated {
        Some(draft) => input_page(&draft, &FieldErrors::new()),
        None => back_to_menu(&Refusal::NothingToCommit),
    }
}

/// 利用者登録画面 again (「戻る」 from the confirmation keeps the values).
pub(super) fn show_input(state: &State, incoming: &Incoming) -> Reply {
    match draft(state, incoming) {
        Some(draft) => input_page(&draft, &FieldErrors::new()),
        None => back_to_menu(&Refusal::NothingToCommit),
    }
}

/// 「入力内容確認」: invalid input → the form with the values and a message per field; else 入力内容確認画面.
pub(super) fn confirm(state: &State, incoming: &Incoming) -> Reply {
    let contacts = Contacts::from_form(&Form::parse(&incoming.body));
    let errors = contacts.validate();
    let updated = state.with_session(incoming.session(), |session| {
        let draft = session.registration.as_mut()?;
        draft.roster.as_ref()?;
        draft.contacts = Some(contacts.clone());
        draft.confirmed = errors.is_empty();
        Some(draft.clone())
    });
    let Some(draft) = updated else {
        return back_to_menu(&Refusal::NothingToCommit);
    };
    if !errors.is_empty() {
        return input_page(&draft, &errors);
    }
    match (card_facts(&draft), &draft.roster) {
        (Ok(facts), Some(roster)) => {
            Reply::page(200, &regist_confirm::confirm(roster, &facts, &contacts))
        }
        (Err(reply), _) => reply,
        (_, None) => back_to_menu(&Refusal::NothingToCommit),
    }
}

/// 「登録」: works once per card proof (the draft leaves the session whatever the outcome).
pub(super) fn commit(state: &State, incoming: &Incoming) -> Reply {
    let ready = state.with_session(incoming.session(), |session| {
        session
            .registration
            .take_if(|draft| draft.confirmed && draft.roster.is_some() && draft.contacts.is_some())
    });
    let Some(RegistrationDraft {
        certificate,
        roster: Some(roster),
        contacts: Some(contacts),
        ..
    }) = ready
    else {
        return back_to_menu(&Refusal::NothingToCommit);
    };
    let outcome = registration::commit(
        &mut state.registry(),
        &state.outbox,
        &certificate,
        &roster,
        &contacts,
        OffsetDateTime::now_utc(),
    );
    match outcome {
        Ok(Outcome::Registered { user_id }) => Reply::page(200, &regist_done::registered(&user_id)),
        Ok(Outcome::HeldForReview { differences, .. }) => {
            Reply::page(200, &regist_done::held_for_review(&differences))
        }
        Err(refusal) => back_to_menu(&refusal),
    }
}
