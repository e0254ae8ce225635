//! The service worker's core: checks who asks, runs one [`RenewalFlow`] per click with its own native port, and
//! relays screens to the dialog and the result to the page. background.js only forwards browser events here.

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use super::chrome::{self, Port};
use super::native_host::{HostSignal, NativeHost};
use crate::flow::{Effect, Input, RenewalFlow, UserAction};
use crate::messages::{
    valid_challenge, FromDialog, FromPage, ToDialog, ToPage, DIALOG_PORT, PAGE_PORT,
};
use crate::site_profile::{match_pattern, match_pattern_any_port, origin_of_url, PortalOrigins};

#[derive(Default)]
struct Worker {
    origins: PortalOrigins,
    ports: HashMap<u32, OpenPort>,
    next_port: u32,
    flows: HashMap<String, FlowRunner>,
}

struct OpenPort {
    port: Port,
    kind: PortKind,
    sender: JsValue,
    /// The flow this port belongs to, once known.
    flow: Option<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum PortKind {
    Page,
    Dialog,
}

struct FlowRunner {
    machine: RenewalFlow,
    page_port: u32,
    dialog_port: Option<u32>,
    tab_id: Option<f64>,
    host: Option<NativeHost>,
}

thread_local! {
    static WORKER: RefCell<Worker> = RefCell::new(Worker::default());
    /// Native links of ended flows. Dropped at the next entry, never inside their own callbacks.
    static GRAVEYARD: RefCell<Vec<Box<dyn Any>>> = const { RefCell::new(Vec::new()) };
}

fn bury(thing: impl Any) {
    GRAVEYARD.with(|g| g.borrow_mut().push(Box::new(thing)));
}

fn sweep() {
    let dead = GRAVEYARD.with(|g| std::mem::take(&mut *g.borrow_mut()));
    drop(dead);
}

/// Sets the portal origins from `chrome.storage.managed` `portalOrigins` and `chrome.storage.local`
/// `devPortalOrigins` (arrays of strings, or undefined). Returns `{origins, dynamicOrigins, dynamicMatches,
/// dynamicMatchesAnyPort}` for background.js to register the content script on the extra origins.
#[wasm_bindgen]
pub fn bg_set_config(managed: JsValue, dev: JsValue) -> JsValue {
    let origins = PortalOrigins::new(&string_list(&managed), &string_list(&dev));
    let report = config_report(&origins);
    WORKER.with(|w| w.borrow_mut().origins = origins);
    report
}

/// The same check without changing anything (for the options page).
#[wasm_bindgen]
pub fn check_origins(managed: JsValue, dev: JsValue) -> JsValue {
    config_report(&PortalOrigins::new(
        &string_list(&managed),
        &string_list(&dev),
    ))
}

fn config_report(origins: &PortalOrigins) -> JsValue {
    let dynamic = origins.dynamic();
    let matches: Vec<String> = dynamic.iter().filter_map(|o| match_pattern(o)).collect();
    let mut any_port: Vec<String> = dynamic
        .iter()
        .filter_map(|o| match_pattern_any_port(o))
        .collect();
    any_port.sort();
    any_port.dedup();
    let report = serde_json::json!({
        "origins": origins,
        "dynamicOrigins": dynamic,
        "dynamicMatches": matches,
        "dynamicMatchesAnyPort": any_port,
    });
    js_sys::JSON::parse(&report.to_string()).unwrap_or(JsValue::NULL)
}

fn string_list(value: &JsValue) -> Vec<String> {
    if !js_sys::Array::is_array(value) {
        return Vec::new();
    }
    js_sys::Array::from(value)
        .iter()
        .filter_map(|v| v.as_string())
        .collect()
}

/// The site profile for the sender of a `{type: "profile"}` message, or null when it is not a portal page.
#[wasm_bindgen]
pub fn bg_profile_for(sender: JsValue) -> JsValue {
    sweep();
    let Some(origin) = sender_origin(&sender) else {
        return JsValue::NULL;
    };
    WORKER.with(|w| {
        let worker = w.borrow();
        match worker.origins.profile_for(&origin) {
            Some(profile) => serde_json::to_string(profile)
                .ok()
                .and_then(|json| js_sys::JSON::parse(&json).ok())
                .unwrap_or(JsValue::NULL),
            None => JsValue::NULL,
        }
    })
}

/// A port was opened to the worker. Returns its key for later calls, or 0 when it was refused (and closed).
#[wasm_bindgen]
pub fn bg_port_opened(port: Port) -> u32 {
    sweep();
    let kind = match port.name().as_str() {
        PAGE_PORT => PortKind::Page,
        DIALOG_PORT => PortKind::Dialog,
        _ => {
            port.disconnect();
            return 0;
        }
    };
    let sender = port.sender();
    if kind == PortKind::Dialog && !is_dialog_page(&sender) {
        port.disconnect();
        return 0;
    }
    WORKER.with(|w| {
        let mut worker = w.borrow_mut();
        worker.next_port += 1;
        let key = worker.next_port;
        worker.ports.insert(
            key,
            OpenPort {
                port,
                kind,
                sender,
                flow: None,
            },
        );
        key
    })
}

#[wasm_bindgen]
pub fn bg_port_message(key: u32, message: JsValue) {
    sweep();
    let Some(json) = chrome::to_json(&message) else {
        return;
    };
    let kind = WORKER.with(|w| w.borrow().ports.get(&key).map(|p| p.kind));
    match kind {
        Some(PortKind::Page) => match serde_json::from_str::<FromPage>(&json) {
            Ok(FromPage::Start { challenge }) => start_flow(key, challenge),
            Err(_) => {}
        },
        Some(PortKind::Dialog) => match serde_json::from_str::<FromDialog>(&json) {
            Ok(FromDialog::Attach { flow }) => attach_dialog(key, flow),
            Ok(FromDialog::User(action)) => {
                if let Some(flow) = port_flow(key) {
                    feed(&flow, Input::User(action));
                }
            }
            Err(_) => {}
        },
        None => {}
    }
}

#[wasm_bindgen]
pub fn bg_port_closed(key: u32) {
    sweep();
    let closed = WORKER.with(|w| w.borrow_mut().ports.remove(&key));
    let Some(closed) = closed else {
        return;
    };
    let Some(flow) = closed.flow else {
        return;
    };
    match closed.kind {
        // The dialog went away (iframe removed, tab closed): the flow is cancelled.
        PortKind::Dialog => feed(&flow, Input::User(UserAction::Cancel)),
        // The page went away: nobody can take a result any more.
        PortKind::Page => end_flow(&flow),
    }
}

fn start_flow(page_key: u32, challenge: String) {
    let refusal = WORKER.with(|w| {
        let worker = w.borrow();
        let port = worker.ports.get(&page_key)?;
        if port.flow.is_some() {
            return Some("a renewal is already running on this page".to_string());
        }
        let origin = sender_origin(&port.sender);
        match origin {
            Some(o) if worker.origins.allows(&o) => None,
            _ => Some("this page is not a portal on the list".to_string()),
        }
        .or_else(|| {
            (!valid_challenge(&challenge)).then(|| "the page's challenge is malformed".to_string())
        })
    });
    if let Some(reason) = refusal {
        post_to_port(page_key, &ToPage::Refused { reason });
        return;
    }
    let id = chrome::random_uuid();
    WORKER.with(|w| {
        let mut worker = w.borrow_mut();
        let Some(port) = worker.ports.get_mut(&page_key) else {
            return;
        };
        port.flow = Some(id.clone());
        let origin = sender_origin(&port.sender).unwrap_or_default();
        let tab_id = chrome::number_field(&port.sender, &["tab", "id"]);
        worker.flows.insert(
            id.clone(),
            FlowRunner {
                machine: RenewalFlow::new(origin, challenge),
                page_port: page_key,
                dialog_port: None,
                tab_id,
                host: None,
            },
        );
    });
    let dialog_url = format!("{}#{}", chrome::extension_url("dialog.html"), id);
    post_to_port(page_key, &ToPage::Started { dialog_url });
}

fn attach_dialog(dialog_key: u32, flow: String) {
    let accepted = WORKER.with(|w| {
        let mut worker = w.borrow_mut();
        let dialog_tab = worker
            .ports
            .get(&dialog_key)
            .and_then(|p| chrome::number_field(&p.sender, &["tab", "id"]));
        let Some(runner) = worker.flows.get_mut(&flow) else {
            return false;
        };
        let same_tab = match (runner.tab_id, dialog_tab) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        if runner.dialog_port.is_some() || !same_tab {
            return false;
        }
        runner.dialog_port = Some(dialog_key);
        if let Some(port) = worker.ports.get_mut(&dialog_key) {
            port.flow = Some(flow.clone());
        }
        true
    });
    if !accepted {
        post_to_port(dialog_key, &ToDialog::Gone);
        return;
    }
    let first = WORKER.with(|w| {
        w.borrow()
            .flows
            .get(&flow)
            .map(|r| r.machine.start())
            .unwrap_or_default()
    });
    apply(&flow, first);

    let flow_for_host = flow.clone();
    let host = NativeHost::connect(Rc::new(move |signal| {
        let input = match signal {
            HostSignal::Ready(_version) => Some(Input::HostReady),
            HostSignal::Message(message) => Input::from_host(message),
            HostSignal::Problem(problem) => Some(Input::HostProblem(problem)),
        };
        if let Some(input) = input {
            feed(&flow_for_host, input);
        }
    }));
    WORKER.with(|w| {
        if let Some(runner) = w.borrow_mut().flows.get_mut(&flow) {
            runner.host = Some(host);
        }
    });
}

/// Runs one input through the flow's machine and carries out what it asks for.
fn feed(flow: &str, input: Input) {
    let effects = WORKER.with(|w| {
        w.borrow_mut()
            .flows
            .get_mut(flow)
            .map(|r| r.machine.handle(input))
            .unwrap_or_default()
    });
    apply(flow, effects);
}

fn apply(flow: &str, effects: Vec<Effect>) {
    for effect in effects {
        match effect {
            Effect::Send(request) => {
                let sent = WORKER.with(|w| {
                    w.borrow()
                        .flows
                        .get(flow)
                        .and_then(|r| r.host.as_ref())
                        .is_some_and(|h| h.send(&request))
                });
                if !sent {
                    let problem = crate::host_problem::HostProblem::Exited {
                        detail: "the native port is closed".into(),
                    };
                    feed(flow, Input::HostProblem(problem));
                    return;
                }
            }
            Effect::Show(screen) => {
                if let Some(key) = runner_port(flow, PortKind::Dialog) {
                    post_to_port(key, &ToDialog::Screen { screen });
                }
            }
            Effect::Finish(result) => {
                if let Some(key) = runner_port(flow, PortKind::Page) {
                    post_to_port(key, &ToPage::Finished { result });
                }
                end_flow(flow);
            }
            Effect::Close => {
                if let Some(key) = runner_port(flow, PortKind::Page) {
                    post_to_port(key, &ToPage::Closed);
                }
                end_flow(flow);
            }
        }
    }
}

fn end_flow(flow: &str) {
    let runner = WORKER.with(|w| {
        let mut worker = w.borrow_mut();
        let runner = worker.flows.remove(flow)?;
        for key in [Some(runner.page_port), runner.dialog_port]
            .into_iter()
            .flatten()
        {
            if let Some(port) = worker.ports.get_mut(&key) {
                port.flow = None;
            }
        }
        Some(runner)
    });
    if let Some(runner) = runner {
        if let Some(host) = &runner.host {
            host.close();
        }
        bury(runner);
    }
}

fn runner_port(flow: &str, kind: PortKind) -> Option<u32> {
    WORKER.with(|w| {
        let worker = w.borrow();
        let runner = worker.flows.get(flow)?;
        match kind {
            PortKind::Page => Some(runner.page_port),
            PortKind::Dialog => runner.dialog_port,
        }
    })
}

fn port_flow(key: u32) -> Option<String> {
    WORKER.with(|w| w.borrow().ports.get(&key).and_then(|p| p.flow.clone()))
}

fn post_to_port(key: u32, message: &impl serde::Serialize) {
    let Ok(json) = serde_json::to_string(message) else {
        return;
    };
    WORKER.with(|w| {
        if let Some(port) = w.borrow().ports.get(&key) {
            port.port.post_json(&json);
        }
    });
}

/// The sender's origin as the browser reports it (never from message data).
fn sender_origin(sender: &JsValue) -> Option<String> {
    if let Some(origin) = chrome::string_field(sender, "origin").filter(|o| o != "null") {
        return crate::site_profile::normalize_origin(&origin);
    }
    chrome::string_field(sender, "url").and_then(|url| origin_of_url(&url))
}

/// Only the extension's own dialog page may drive a flow.
fn is_dialog_page(sender: &JsValue) -> bool {
    let expected = chrome::extension_url("dialog.html");
    chrome::string_field(sender, "url").is_some_and(|url| {
        url == expected
            || url.starts_with(&format!("{expected}#"))
            || url.starts_with(&format!("{expected}?"))
    })
}
