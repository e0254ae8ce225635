//! options.html: the status page a help desk reads over the phone — is the host installed and current, is there a
//! reader and a card, and whose card it is until when. The run itself is [`super::diagnose`], shared with the
//! toolbar popup.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use super::chrome;
use super::diagnose::{self, Outcome, Probe};
use super::dom;

thread_local! {
    static PROBE: RefCell<Option<Rc<Probe>>> = const { RefCell::new(None) };
}

/// Runs the diagnosis now (the page calls it on load and on 「再確認」).
#[wasm_bindgen]
pub fn options_diagnose() {
    dom::apply_i18n(&page_language());
    set_status("checking", &chrome::message("diag_checking", &[]));
    for id in ["card-details", "diagnosis-detail"] {
        dom::set_shown(id, false);
    }
    // Replacing the previous probe closes its port; this runs from a click, not from its listeners.
    let probe = diagnose::start(show);
    PROBE.with(|p| p.borrow_mut().replace(probe));
}

/// `ja` for a Japanese browser, `en` otherwise (the texts come from `_locales` either way).
pub(super) fn page_language() -> String {
    let lang_tag = chrome::ui_language();
    if lang_tag.to_ascii_lowercase().starts_with("ja") {
        "ja".into()
    } else {
        "en".into()
    }
}

fn show(outcome: &Outcome) {
    let diagnosis = &outcome.diagnosis;
    if let Some(version) = &outcome.host_version {
        dom::set_text("host-version", version);
    }
    if let Some(readers) = &outcome.readers {
        dom::set_text("readers", &readers.join(", "));
    }
    set_status(
        diagnosis.status(),
        &chrome::message(&diagnosis.message_key(), &[]),
    );
    let card = match diagnosis {
        crate::diagnosis::Diagnosis::CardOk {
            summary,
            card_type,
            reader,
            ..
        }
        | crate::diagnosis::Diagnosis::CardExpired {
            summary,
            card_type,
            reader,
            ..
        } => Some((summary, card_type, reader)),
        _ => None,
    };
    if let Some((summary, card_type, reader)) = card {
        dom::set_text("card-holder", summary.holder_name.as_deref().unwrap_or("-"));
        dom::set_text(
            "card-organization",
            summary.organization.as_deref().unwrap_or("-"),
        );
        dom::set_text("card-expiry", &summary.not_after);
        dom::set_text("card-issuer", &summary.issuer);
        dom::set_text("card-type", card_type);
        dom::set_text("card-reader", reader);
        dom::set_shown("card-details", true);
    }
    if let Ok(json) = serde_json::to_string_pretty(diagnosis) {
        dom::set_text("diagnosis-detail", &json);
        dom::set_shown("diagnosis-detail", true);
    }
}

fn set_status(status: &str, message: &str) {
    if let Some(e) = dom::element("diagnosis") {
        let _ = e.set_attribute("data-status", status);
    }
    dom::set_text("diagnosis-message", message);
}
