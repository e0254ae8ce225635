//! The city's side (loopback only): review of held renewals and registrations, and the mail outbox.

use time::OffsetDateTime;

use crate::form::Form;
use crate::http::Reply;
use crate::pages::{admin, admin_registrations};
use crate::registration;
use crate::renewal;
use crate::server::{Incoming, State};

pub(super) fn renewals_page(state: &State) -> Reply {
    Reply::page(200, &admin::renewals(&state.registry(), None))
}

pub(super) fn registrations_page(state: &State) -> Reply {
    Reply::page(
        200,
        &admin_registrations::registrations(&state.registry(), None),
    )
}

pub(super) fn mail_page(state: &State) -> Reply {
    Reply::page(200, &admin::mail(&state.outbox.all()))
}

fn posted_id(incoming: &Incoming) -> Option<u64> {
    Form::parse(&incoming.body)
        .get("id")
        .and_then(|v| v.trim().parse::<u64>().ok())
}

pub(super) fn review_registration(state: &State, incoming: &Incoming, approve: bool) -> Reply {
    let Some(id) = posted_id(incoming) else {
        return Reply::message(400, "エラー", "受付番号が正しくありません。");
    };
    let mut registry = state.registry();
    let now = OffsetDateTime::now_utc();
    let notice = if approve {
        match registration::approve(&mut registry, &state.outbox, id, now) {
            Ok(Some(user_id)) => format!("受付番号 {id} を承認しました（利用者ID {user_id}）。"),
            Ok(None) => format!("受付番号 {id} の申請は見つかりません。"),
            Err(refusal) => refusal.explanation(),
        }
    } else {
        match registration::deny(&mut registry, &state.outbox, id, now) {
            Ok(true) => format!("受付番号 {id} を否認しました。"),
            Ok(false) => format!("受付番号 {id} の申請は見つかりません。"),
            Err(refusal) => refusal.explanation(),
        }
    };
    Reply::page(
        200,
        &admin_registrations::registrations(&registry, Some(&notice)),
    )
}

pub(super) fn review_renewal(state: &State, incoming: &Incoming, approve: bool) -> Reply {
    let Some(id) = posted_id(incoming) else {
        return Reply::message(400, "エラー", "受付番号が正しくありません。");
    };
    let mut registry = state.registry();
    let now = OffsetDateTime::now_utc();
    let result = if approve {
        renewal::approve(&mut registry, &state.outbox, id, now)
    } else {
        renewal::deny(&mut registry, &state.outbox, id, now)
    };
    let notice = match (result, approve) {
        (Ok(true), true) => format!("受付番号 {id} を承認しました。"),
        (Ok(true), false) => format!("受付番号 {id} を否認しました。"),
        (Ok(false), _) => format!("受付番号 {id} の申請は見つかりません。"),
        (Err(refusal), _) => refusal.explanation(),
    };
    Reply::page(200, &admin::renewals(&registry, Some(&notice)))
}
