//! Routing: which handler answers each path, and the guards every JSON endpoint and form POST shares.

mod admin;
mod card;
mod change;
mod registration;
mod renewal;

use time::OffsetDateTime;

use crate::form::Form;
use crate::http::Reply;
use crate::pages::{frames, login as login_page, login_result, menu, notice};
use crate::refusal::Refusal;
use crate::server::{Incoming, State};
use crate::{injection, lenient_base64, paths};

/// The methods each known path answers (anything else: 405 with `Allow`).
fn allowed_methods(path: &str) -> Option<&'static str> {
    match path {
        paths::TOP
        | paths::FRAMESET
        | paths::HEADER
        | paths::MENU
        | paths::RENEW_CONFIRM
        | paths::NOT_PROVIDED
        | paths::LOGIN_PAGE
        | paths::LOGIN_RESULT
        | paths::REGIST_INPUT
        | paths::CHANGE_INPUT
        | paths::ADMIN_RENEWALS
        | paths::ADMIN_REGISTRATIONS
        | paths::ADMIN_MAIL => Some("GET"),
        paths::REGIST_SEARCH => Some("GET, POST"),
        known if paths::is_json_endpoint(known) => Some("POST"),
        paths::RENEW_COMMIT
        | paths::REGIST_CONFIRM
        | paths::REGIST_COMMIT
        | paths::CHANGE_CONFIRM
        | paths::CHANGE_COMMIT
        | paths::ADMIN_APPROVE
        | paths::ADMIN_DENY
        | paths::ADMIN_REGISTRATION_APPROVE
        | paths::ADMIN_REGISTRATION_DENY => Some("POST"),
        _ => None,
    }
}

pub(crate) fn route(state: &State, incoming: &Incoming) -> Reply {
    use tiny_http::Method::{Get, Post};
    let path = incoming.path.as_str();
    let is_admin = path.starts_with("/admin/");
    if is_admin && !incoming.remote.is_some_and(|a| a.ip().is_loopback()) {
        return Reply::message(403, "エラー", "この画面はサーバー上からのみ利用できます。");
    }
    match (&incoming.method, path) {
        (Get, paths::TOP) => Reply::redirect(paths::FRAMESET),
        (Get, paths::FRAMESET) => Reply::page(200, &frames::frameset()),
        (Get, paths::HEADER) => Reply::page(200, &frames::header(OffsetDateTime::now_utc())),
        (Get, paths::MENU) => show_menu(state, incoming),
        (Post, api) if paths::is_json_endpoint(api) => json_endpoint(state, incoming),
        (Get, paths::RENEW_CONFIRM) => renewal::show_confirmation(state, incoming),
        (Get, paths::LOGIN_PAGE) => Reply::page(200, &login_page::login_page()),
        (Get, paths::LOGIN_RESULT) => show_login_result(state, incoming),
        (Get, paths::NOT_PROVIDED) => {
            let query = Form::parse(incoming.query.as_bytes());
            Reply::page(200, &notice::not_provided(query.get("func").unwrap_or("")))
        }
        (Get, paths::ADMIN_RENEWALS) => admin::renewals_page(state),
        (Get, paths::ADMIN_REGISTRATIONS) => admin::registrations_page(state),
        (Get, paths::ADMIN_MAIL) => admin::mail_page(state),
        (Get, paths::REGIST_SEARCH) => registration::show_search(state, incoming),
        (Get, paths::REGIST_INPUT) => registration::show_input(state, incoming),
        (Get, paths::CHANGE_INPUT) => change::show_input(state, incoming),
        (Post, form_post) if allowed_methods(form_post).is_some_and(|m| m.contains("POST")) => {
            // Forms of the portal's own pages: a browser sends the portal's Origin; another site's is CSRF.
            if incoming.has_foreign_origin(&state.origin) {
                return back_to_menu(&Refusal::ForeignOrigin);
            }
            match form_post {
                paths::RENEW_COMMIT => renewal::commit(state, incoming),
                paths::REGIST_SEARCH => registration::search(state, incoming),
                paths::REGIST_CONFIRM => registration::confirm(state, incoming),
                paths::REGIST_COMMIT => registration::commit(state, incoming),
                paths::CHANGE_CONFIRM => change::confirm(state, incoming),
                paths::CHANGE_COMMIT => change::commit(state, incoming),
                paths::ADMIN_APPROVE => admin::review_renewal(state, incoming, true),
                paths::ADMIN_DENY => admin::review_renewal(state, incoming, false),
                paths::ADMIN_REGISTRATION_APPROVE => {
                    admin::review_registration(state, incoming, true)
                }
                _ => admin::review_registration(state, incoming, false),
            }
        }
        (_, known) => unreachable_method(known),
    }
}

/// 405 for a known path asked with another method, 404 for an unknown path.
fn unreachable_method(path: &str) -> Reply {
    match allowed_methods(path) {
        Some(allowed) => Reply::message(405, "エラー", "この操作はできません。")
            .with_header("Allow", allowed.into()),
        None => Reply::message(
            404,
            "ページが見つかりません",
            "指定されたページは存在しません。",
        ),
    }
}

/// The menu forgets a renewal waiting on the confirmation screen (「戻る」). It issues no challenge: the
/// extension asks the JSON endpoints for one.
fn show_menu(state: &State, incoming: &Incoming) -> Reply {
    state.with_session(incoming.session(), |session| {
        session.verified_renewal = None
    });
    let injected = injection::read(&state.data_dir);
    Reply::page(200, &menu::menu(injected.as_deref()))
}

fn show_login_result(state: &State, incoming: &Incoming) -> Reply {
    let user_id = state.with_session(incoming.session(), |session| session.logged_in_user.clone());
    let user = user_id.and_then(|id| state.registry().user(&id).cloned());
    match user {
        Some(user) => Reply::page(200, &login_result::logged_in(&user)),
        None => Reply::refusal_page(
            &Refusal::NothingToCommit,
            paths::LOGIN_PAGE,
            "ICカードによるログイン画面へ戻る",
        ),
    }
}

fn back_to_menu(refusal: &Refusal) -> Reply {
    Reply::refusal_page(refusal, paths::MENU, "利用者登録メニューへ戻る")
}

/// A JSON endpoint's answer: a challenge, or the page to open next; else its refusal.
type JsonAnswer = Result<serde_json::Value, Refusal>;

/// The answer that hands out `challenge` (standard base64) for the card to sign.
fn challenge_answer(challenge: &[u8]) -> JsonAnswer {
    Ok(serde_json::json!({ "challenge": lenient_base64::encode(challenge) }))
}

/// Every JSON endpoint: the CSRF guard, then the session, then the endpoint's own checks.
fn json_endpoint(state: &State, incoming: &Incoming) -> Reply {
    if incoming.has_foreign_origin(&state.origin) {
        return Reply::refusal_json(&Refusal::ForeignOrigin);
    }
    let Some(session_id) = incoming.session_id.as_deref() else {
        return Reply::refusal_json(&Refusal::ChallengeMissing);
    };
    let outcome = if paths::RENEW_API.contains(&incoming.path.as_str()) {
        renewal::step(state, session_id, &incoming.path, &incoming.body)
    } else {
        card::step(state, session_id, &incoming.path, &incoming.body)
    };
    match outcome {
        Ok(answer) => Reply::json(200, &answer),
        Err(refusal) => Reply::refusal_json(&refusal),
    }
}
