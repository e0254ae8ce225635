//! The 利用者変更 pages after the card proof: 利用者変更画面 → 変更内容確認 → 変更完了. Each needs the session's
//! proven registered card (else 409 画面の有効期限が切れました).

use time::OffsetDateTime;

use super::back_to_menu;
use crate::certificate::CertificateFacts;
use crate::change;
use crate::contacts::{Contact, Contacts, FieldErrors};
use crate::form::Form;
use crate::http::Reply;
use crate::pages::{change_confirm, change_done, change_input};
use crate::refusal::Refusal;
use crate::registry::User;
use crate::server::{Incoming, State};
use crate::sessions::ChangeDraft;

/// The draft and its user; the user's registered certificate must still be the proven one.
fn draft_and_user(state: &State, incoming: &Incoming) -> Result<(ChangeDraft, User), Reply> {
    let draft = state
        .with_session(incoming.session(), |session| session.change.clone())
        .ok_or_else(|| back_to_menu(&Refusal::NothingToCommit))?;
    let user = state
        .registry()
        .user(&draft.user_id)
        .cloned()
        .ok_or_else(|| back_to_menu(&Refusal::RegistrationChanged))?;
    Ok((draft, user))
}

/// What the inputs start with: the registered contacts, or for a user registered without them the mail address.
fn registered_contacts(user: &User) -> Contacts {
    user.contacts.clone().unwrap_or_else(|| Contacts {
        representative: Contact {
            email: user.email.clone(),
            ..Contact::default()
        },
        department: Contact::default(),
    })
}

fn input_page(
    draft: &ChangeDraft,
    user: &User,
    contacts: &Contacts,
    errors: &FieldErrors,
) -> Reply {
    match CertificateFacts::parse(&draft.certificate) {
        Ok(facts) => Reply::page(200, &change_input::input(user, &facts, contacts, errors)),
        Err(_) => back_to_menu(&Refusal::RegistrationChanged),
    }
}

pub(super) fn show_input(state: &State, incoming: &Incoming) -> Reply {
    match draft_and_user(state, incoming) {
        Ok((draft, user)) => {
            let contacts = draft
                .contacts
                .clone()
                .unwrap_or_else(|| registered_contacts(&user));
            input_page(&draft, &user, &contacts, &FieldErrors::new())
        }
        Err(reply) => reply,
    }
}

/// 「変更内容確認」: invalid input → the form with the values and a message per field; else 変更内容確認画面.
pub(super) fn confirm(state: &State, incoming: &Incoming) -> Reply {
    let (draft, user) = match draft_and_user(state, incoming) {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    let contacts = Contacts::from_form(&Form::parse(&incoming.body));
    let errors = contacts.validate();
    state.with_session(incoming.session(), |session| {
        if let Some(draft) = session.change.as_mut() {
            draft.contacts = Some(contacts.clone());
            draft.confirmed = errors.is_empty();
        }
    });
    if errors.is_empty() {
        Reply::page(200, &change_confirm::confirm(&user, &contacts))
    } else {
        input_page(&draft, &user, &contacts, &errors)
    }
}

/// 「変更」: works once per card proof (the draft leaves the session whatever the outcome).
pub(super) fn commit(state: &State, incoming: &Incoming) -> Reply {
    let ready = state.with_session(incoming.session(), |session| {
        session
            .change
            .take_if(|draft| draft.confirmed && draft.contacts.is_some())
    });
    let Some(ChangeDraft {
        user_id,
        certificate,
        contacts: Some(contacts),
        ..
    }) = ready
    else {
        return back_to_menu(&Refusal::NothingToCommit);
    };
    let saved = change::commit(
        &mut state.registry(),
        &state.outbox,
        &user_id,
        &certificate,
        &contacts,
        OffsetDateTime::now_utc(),
    );
    match saved {
        Ok(()) => Reply::page(200, &change_done::changed(&user_id)),
        Err(refusal) => back_to_menu(&refusal),
    }
}
