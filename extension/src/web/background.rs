//! The service worker's core: checks who asks, runs one [`Flow`] per click (renewal, login, 登録, 変更) with its own
//! native port, and relays screens to the dialog and the result to the page. background.js only forwards browser
//! events here.

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use super::chrome::{self, Port};
use super::native_host::{HostSignal, NativeHost};
use super::portal_config::{config_report, string_list};
use crate::flow::{Effect, Flow, Input, Operation, UserAction};
use crate::messages::{FromDialog, FromPage, ToDialog, ToPage, DIALOG_PORT, PAGE_PORT};
use crate::page_check::{frames_ok, portal_page, PortalPage, Sender};
use crate::portal_call::PortalCall;
use crate::site_profile::{OperationEndpoints, PageProfile, PortalOrigins, SiteProfile};

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
    machine: Flow,
    profile: &'static SiteProfile,
    page_port: u32,
    dialog_port: Option<u32>,
    /// The popup window the dialog runs in, once the browser has made it.
    dialog_window: Option<f64>,
    host: Option<NativeHost>,
}

#[wasm_bindgen]
extern "C" {
    /// background.js: opens `url` in a popup window near the tab `opener_tab`, then calls `opened` with the
    /// window id (or null when no window could be made).
    #[wasm_bindgen(js_name = ebidOpenDialogWindow)]
    fn open_dialog_window(url: &str, opener_tab: JsValue, opened: JsValue);
    /// background.js: closes the dialog's popup window (no error if it is gone already).
    #[wasm_bindgen(js_name = ebidCloseDialogWindow)]
    fn close_dialog_window(window_id: f64);
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

/// The profile's entry for the sender's page (its buttons and their operations) for a `{type: "profile"}` message,
/// or null when it is not a portal page the extension acts on.
#[wasm_bindgen]
pub fn bg_profile_for(sender: JsValue) -> JsValue {
    sweep();
    let page = WORKER.with(|w| portal_page(&sender_facts(&sender), &w.borrow().origins));
    match page {
        Ok(page) => serde_json::to_string(&PageProfile {
            name: page.profile.name,
            page: page.page,
        })
        .ok()
        .and_then(|json| js_sys::JSON::parse(&json).ok())
        .unwrap_or(JsValue::NULL),
        Err(_) => JsValue::NULL,
    }
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
            Ok(FromPage::Start {
                origin,
                ancestors,
                operation,
            }) => start_flow(key, &origin, &ancestors, operation),
            Ok(FromPage::PortalAnswer {
                id,
                status,
                body,
                error,
            }) => {
                if let Some(flow) = port_flow(key) {
                    feed(
                        &flow,
                        Input::Portal {
                            id,
                            status,
                            body,
                            error,
                        },
                    );
                }
            }
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
        // The dialog went away (its window closed): the flow is cancelled.
        PortKind::Dialog => feed(&flow, Input::User(UserAction::Cancel)),
        // The page went away: nobody can take a result any more.
        PortKind::Page => end_flow(&flow),
    }
}

fn start_flow(page_key: u32, own_origin: &str, ancestors: &[String], operation: Operation) {
    let checked = WORKER.with(|w| {
        let worker = w.borrow();
        let port = worker.ports.get(&page_key).ok_or("the page is gone")?;
        if port.flow.is_some() {
            return Err("a flow is already running on this page");
        }
        let page = portal_page(&sender_facts(&port.sender), &worker.origins)?;
        if !page.page.starts(operation) {
            return Err("no button of this page starts that operation");
        }
        frames_ok(&page, own_origin, ancestors)?;
        let tab = chrome::number_field(&port.sender, &["tab", "id"]);
        Ok((page, tab))
    });
    let (
        PortalPage {
            origin, profile, ..
        },
        tab,
    ) = match checked {
        Ok(found) => found,
        Err(reason) => {
            post_to_port(
                page_key,
                &ToPage::Refused {
                    reason: reason.to_string(),
                },
            );
            return;
        }
    };
    // The flow id names the dialog window's page only: it never reaches the portal page.
    let id = chrome::random_uuid();
    WORKER.with(|w| {
        let mut worker = w.borrow_mut();
        if let Some(port) = worker.ports.get_mut(&page_key) {
            port.flow = Some(id.clone());
        }
        worker.flows.insert(
            id.clone(),
            FlowRunner {
                machine: Flow::new(operation, origin),
                profile,
                page_port: page_key,
                dialog_port: None,
                dialog_window: None,
                host: None,
            },
        );
    });
    let dialog_url = format!("{}#{}", chrome::extension_url("dialog.html"), id);
    let flow = id.clone();
    let opened = Closure::once_into_js(move |window: JsValue| {
        sweep();
        let Some(window) = window.as_f64() else {
            return end_flow(&flow);
        };
        let known = WORKER.with(|w| {
            let mut worker = w.borrow_mut();
            let attached = worker.flows.get(&flow)?.dialog_port;
            // A dialog that attached before the window id arrived must be the one in this window.
            let attached_elsewhere = attached
                .and_then(|key| worker.ports.get(&key))
                .is_some_and(|p| dialog_window_of(p) != Some(window));
            worker.flows.get_mut(&flow)?.dialog_window = Some(window);
            Some(attached_elsewhere)
        });
        match known {
            // The flow ended while the window was being made.
            None => close_dialog_window(window),
            Some(true) => end_flow(&flow),
            Some(false) => {}
        }
    });
    open_dialog_window(
        &dialog_url,
        tab.map_or(JsValue::NULL, JsValue::from),
        opened,
    );
    post_to_port(page_key, &ToPage::Started);
}

fn attach_dialog(dialog_key: u32, flow: String) {
    let accepted = WORKER.with(|w| {
        let mut worker = w.borrow_mut();
        let dialog_window = worker.ports.get(&dialog_key).and_then(dialog_window_of);
        let runner = worker.flows.get_mut(&flow)?;
        // Until the window id is known, the check is made when it arrives (see start_flow).
        let same_window = runner.dialog_window.is_none() || runner.dialog_window == dialog_window;
        if runner.dialog_port.is_some() || !same_window {
            return None;
        }
        runner.dialog_port = Some(dialog_key);
        let origin = runner.machine.origin().to_string();
        let operation = runner.machine.operation();
        if let Some(port) = worker.ports.get_mut(&dialog_key) {
            port.flow = Some(flow.clone());
        }
        Some((origin, operation))
    });
    let Some((origin, operation)) = accepted else {
        post_to_port(dialog_key, &ToDialog::Gone);
        return;
    };
    post_to_port(dialog_key, &ToDialog::Site { origin, operation });
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
            Effect::Portal { id, call } => {
                let PortalCall { step, fields } = call;
                let Some((key, path)) = page_and_endpoints(flow)
                    .and_then(|(key, endpoints)| Some((key, step.path(endpoints)?)))
                else {
                    return end_flow(flow);
                };
                post_to_port(key, &ToPage::Portal { id, path, fields });
            }
            Effect::Finish => {
                if let Some((key, endpoints)) = page_and_endpoints(flow) {
                    post_to_port(
                        key,
                        &ToPage::Navigate {
                            path: endpoints.next,
                        },
                    );
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
        if let Some(window) = runner.dialog_window {
            close_dialog_window(window);
        }
        bury(runner);
    }
}

/// The flow's page port and the endpoints of the operation it runs now (a refusal's 「登録」 changes it).
fn page_and_endpoints(flow: &str) -> Option<(u32, &'static OperationEndpoints)> {
    WORKER.with(|w| {
        let worker = w.borrow();
        let runner = worker.flows.get(flow)?;
        let endpoints = runner.profile.endpoints_of(runner.machine.operation())?;
        Some((runner.page_port, endpoints))
    })
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

/// What the browser says about a message's sender (never message data).
fn sender_facts(sender: &JsValue) -> Sender {
    let tab = js_sys::Reflect::get(sender, &"tab".into()).unwrap_or(JsValue::UNDEFINED);
    Sender {
        origin: chrome::string_field(sender, "origin"),
        url: chrome::string_field(sender, "url"),
        frame_id: chrome::number_field(sender, &["frameId"]),
        tab_url: chrome::string_field(&tab, "url"),
    }
}

/// The window a port's page is in.
fn dialog_window_of(port: &OpenPort) -> Option<f64> {
    chrome::number_field(&port.sender, &["tab", "windowId"])
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

thread_local! {
    /// The badge's diagnosis run, if one is going.
    static BADGE_PROBE: RefCell<Option<Rc<super::diagnose::Probe>>> = const { RefCell::new(None) };
}

/// Runs the diagnosis for the toolbar badge only (background.js: on browser start and on install/update; the popup
/// and the options page refresh it whenever they run theirs).
#[wasm_bindgen]
pub fn bg_diagnose() {
    sweep();
    let probe = super::diagnose::start(|_| {});
    if let Some(previous) = BADGE_PROBE.with(|p| p.borrow_mut().replace(probe)) {
        bury(previous);
    }
}
