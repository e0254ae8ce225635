//! popup.html, the toolbar button's popup: the short form of the options page's diagnosis (the same run,
//! [`super::diagnose`]) — host installed and answering, readers, the card's holder, company, expiry and days left,
//! with a warning when the certificate ends within [`EXPIRY_WARNING_DAYS`] days — and a link to the full page.
//! Opening it also refreshes the toolbar badge.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use super::chrome;
use super::diagnose::{self, Outcome, Probe};
use super::dom;
use crate::diagnosis::{Diagnosis, EXPIRY_WARNING_DAYS};
use crate::host_problem::HostProblem;

thread_local! {
    static PROBE: RefCell<Option<Rc<Probe>>> = const { RefCell::new(None) };
}

/// Runs the diagnosis for the popup (on open and on 「再確認」).
#[wasm_bindgen]
pub fn popup_diagnose() {
    dom::apply_i18n(&super::options_page::page_language());
    set_state("checking", "");
    dom::set_text("popup-message", &chrome::message("diag_checking", &[]));
    for id in ["popup-card", "popup-expiry-warning"] {
        dom::set_shown(id, false);
    }
    let probe = diagnose::start(show);
    PROBE.with(|p| p.borrow_mut().replace(probe));
}

fn show(outcome: &Outcome) {
    let diagnosis = &outcome.diagnosis;
    let now = chrome::now_ms();
    dom::set_text(
        "popup-message",
        &chrome::message(&diagnosis.message_key(), &[]),
    );
    let host = match (&outcome.host_version, diagnosis) {
        (Some(version), _) => chrome::message("popup_host_ok", std::slice::from_ref(version)),
        (None, Diagnosis::Host(HostProblem::NotInstalled { .. })) => {
            chrome::message("popup_host_missing", &[])
        }
        (None, _) => chrome::message("popup_host_unusable", &[]),
    };
    dom::set_text("popup-host", &host);
    let readers = match &outcome.readers {
        Some(list) if !list.is_empty() => list.join(", "),
        Some(_) => chrome::message("popup_readers_none", &[]),
        None if matches!(diagnosis, Diagnosis::NoReader { .. }) => {
            chrome::message("popup_readers_none", &[])
        }
        None => "-".into(),
    };
    dom::set_text("popup-readers", &readers);

    let mut expiry = "";
    if let Some(summary) = diagnosis.card() {
        dom::set_text(
            "popup-holder",
            summary.holder_name.as_deref().unwrap_or("-"),
        );
        dom::set_text(
            "popup-organization",
            summary.organization.as_deref().unwrap_or("-"),
        );
        dom::set_text(
            "popup-expiry",
            summary.not_after.get(..10).unwrap_or(&summary.not_after),
        );
        let days = diagnosis.days_left(now);
        let days_text = match days {
            _ if matches!(diagnosis, Diagnosis::CardExpired { .. }) => {
                chrome::message("popup_expired", &[])
            }
            Some(d) if d > 0 => chrome::message("popup_days_left", &[d.to_string()]),
            Some(_) => chrome::message("popup_expired", &[]),
            None => "-".into(),
        };
        dom::set_text("popup-days-left", &days_text);
        dom::set_shown("popup-card", true);
        expiry = if matches!(diagnosis, Diagnosis::CardExpired { .. }) {
            "expired"
        } else if diagnosis.expires_soon(now) {
            "soon"
        } else {
            "ok"
        };
        if expiry == "soon" {
            let d = days.unwrap_or(0).max(0);
            dom::set_text(
                "popup-expiry-warning",
                &chrome::message(
                    "popup_expiry_warning",
                    &[d.to_string(), EXPIRY_WARNING_DAYS.to_string()],
                ),
            );
            dom::set_shown("popup-expiry-warning", true);
        }
    }
    set_state(diagnosis.status(), expiry);
}

fn set_state(status: &str, expiry: &str) {
    if let Some(e) = dom::element("popup") {
        let _ = e.set_attribute("data-status", status);
        let _ = e.set_attribute("data-expiry", expiry);
    }
}
