//! options.html: the status page a help desk reads over the phone — is the host installed and current, is there a
//! reader and a card, and whose card it is until when.

use std::cell::RefCell;
use std::rc::Rc;

use ebid_protocol::{Command, HostMessage, Reply, Request};
use wasm_bindgen::prelude::*;

use super::chrome;
use super::dom;
use super::native_host::{HostSignal, NativeHost};
use crate::diagnosis::{from_certificate, from_readers, Diagnosis, ReadersVerdict};
use crate::host_problem::HostProblem;

const LIST_READERS: u64 = 1;
const READ_CERTIFICATE: u64 = 2;

thread_local! {
    static PROBE: RefCell<Option<Rc<Probe>>> = const { RefCell::new(None) };
}

struct Probe {
    host: RefCell<Option<NativeHost>>,
    version: RefCell<String>,
    reader: RefCell<String>,
    done: std::cell::Cell<bool>,
}

/// Runs the diagnosis now (the page calls it on load and on 「再確認」).
#[wasm_bindgen]
pub fn options_diagnose() {
    let lang_tag = chrome::ui_language();
    dom::apply_i18n(if lang_tag.to_ascii_lowercase().starts_with("ja") {
        "ja"
    } else {
        "en"
    });
    set_status("checking", &chrome::message("diag_checking", &[]));
    for id in ["card-details", "diagnosis-detail"] {
        dom::set_shown(id, false);
    }

    let probe = Rc::new(Probe {
        host: RefCell::new(None),
        version: RefCell::new(String::new()),
        reader: RefCell::new(String::new()),
        done: std::cell::Cell::new(false),
    });
    // Replacing the previous probe drops its port listeners; this runs from a click, not from those listeners.
    let previous = PROBE.with(|p| p.borrow_mut().replace(probe.clone()));
    if let Some(previous) = previous {
        if let Some(host) = previous.host.borrow().as_ref() {
            host.close();
        }
    }
    let weak = Rc::downgrade(&probe);
    let host = NativeHost::connect(Rc::new(move |signal| {
        if let Some(probe) = weak.upgrade() {
            on_signal(&probe, signal);
        }
    }));
    *probe.host.borrow_mut() = Some(host);
}

fn on_signal(probe: &Probe, signal: HostSignal) {
    if probe.done.get() {
        return;
    }
    match signal {
        HostSignal::Ready(version) => {
            dom::set_text("host-version", &version);
            *probe.version.borrow_mut() = version;
            send(probe, LIST_READERS, Command::ListReaders);
        }
        HostSignal::Problem(problem) => finish(probe, Diagnosis::from_host_problem(problem)),
        HostSignal::Message(HostMessage::Response { id, result }) => answer(probe, id, Ok(result)),
        HostSignal::Message(HostMessage::Error {
            id: Some(id),
            error,
        }) => answer(probe, id, Err(error)),
        HostSignal::Message(_) => {}
    }
}

fn answer(probe: &Probe, id: u64, result: Result<Reply, ebid_protocol::ErrorInfo>) {
    let version = probe.version.borrow().clone();
    match id {
        LIST_READERS => {
            let readers = result.and_then(|reply| match reply {
                Reply::Readers { readers } => Ok(readers),
                other => Err(
                    ebid_protocol::ErrorInfo::new(ebid_protocol::ErrorCode::Internal).with_detail(
                        format!(
                            "unexpected reply {}",
                            crate::host_problem::reply_kind(&other)
                        ),
                    ),
                ),
            });
            if let Ok(list) = &readers {
                let names: Vec<&str> = list.iter().map(|r| r.name.as_str()).collect();
                dom::set_text("readers", &names.join(", "));
            }
            match from_readers(&version, readers) {
                ReadersVerdict::Final(d) => finish(probe, d),
                ReadersVerdict::ReadCard(reader) => {
                    *probe.reader.borrow_mut() = reader.clone();
                    send(probe, READ_CERTIFICATE, Command::ReadCertificate { reader });
                }
            }
        }
        READ_CERTIFICATE => {
            let reader = probe.reader.borrow().clone();
            finish(probe, from_certificate(&version, &reader, result));
        }
        _ => {}
    }
}

fn send(probe: &Probe, id: u64, command: Command) {
    let sent = probe
        .host
        .borrow()
        .as_ref()
        .is_some_and(|h| h.send(&Request { id, command }));
    if !sent {
        finish(
            probe,
            Diagnosis::Host(HostProblem::Exited {
                detail: "the native port is closed".into(),
            }),
        );
    }
}

fn finish(probe: &Probe, diagnosis: Diagnosis) {
    probe.done.set(true);
    if let Some(host) = probe.host.borrow().as_ref() {
        host.close();
    }
    set_status(
        diagnosis.status(),
        &chrome::message(&diagnosis.message_key(), &[]),
    );
    let card = match &diagnosis {
        Diagnosis::CardOk {
            summary,
            card_type,
            reader,
            ..
        }
        | Diagnosis::CardExpired {
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
    if let Ok(json) = serde_json::to_string_pretty(&diagnosis) {
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
