//! dialog.html: the extension-origin dialog in its own popup window. It renders the screens the service worker
//! sends and sends back clicks and the PIN. The PIN is read from the input, sent once and the input emptied.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::chrome::{self, Port};
use super::dom;
use crate::flow::{Failure, Operation, Screen};
use crate::host_problem::HostProblem;
use crate::messages::DIALOG_PORT;
use crate::view::{error_key, title_key, view, Text, OPTIONAL_ELEMENTS, SECTIONS};

thread_local! {
    static PORT: RefCell<Option<Port>> = const { RefCell::new(None) };
    /// The last screen shown, to route the PIN dialog's OK (PIN field or PIN pad).
    static SCREEN: RefCell<Option<Screen>> = const { RefCell::new(None) };
    /// The requesting site, once the worker named it (part of the window title).
    static SITE: RefCell<Option<String>> = const { RefCell::new(None) };
}

#[wasm_bindgen]
pub fn dialog_main() {
    let japanese = chrome::ui_language().to_ascii_lowercase().starts_with("ja");
    dom::apply_i18n(if japanese { "ja" } else { "en" });
    render(&Screen::Connecting);

    let flow = dom::document()
        .and_then(|d| d.location())
        .and_then(|l| l.hash().ok())
        .map(|h| h.trim_start_matches('#').to_string())
        .unwrap_or_default();

    let port = chrome::connect(DIALOG_PORT);
    let on_message = Closure::<dyn FnMut(JsValue)>::new(move |message: JsValue| {
        let Some(json) = chrome::to_json(&message) else {
            return;
        };
        let Ok(value) = serde_json::from_str::<serde_json::Value>(&json) else {
            return;
        };
        match value.get("type").and_then(|t| t.as_str()) {
            Some("screen") => {
                if let Some(screen) = value
                    .get("screen")
                    .and_then(|s| serde_json::from_value::<Screen>(s.clone()).ok())
                {
                    render(&screen);
                }
            }
            Some("site") => {
                if let Some(origin) = value.get("origin").and_then(|o| o.as_str()) {
                    show_site(origin);
                }
                if let Some(operation) = value
                    .get("operation")
                    .and_then(|o| serde_json::from_value::<Operation>(o.clone()).ok())
                {
                    show_title(operation);
                }
            }
            Some("gone") => render(&lost_screen("no such renewal")),
            _ => {}
        }
    });
    let on_disconnect = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
        PORT.with(|p| p.borrow_mut().take());
        let ended = SCREEN.with(|s| matches!(*s.borrow(), Some(Screen::Done { .. })));
        if !ended {
            render(&lost_screen("the extension's service worker stopped"));
        }
    });
    port.on_message()
        .add_listener(on_message.as_ref().unchecked_ref());
    port.on_disconnect()
        .add_listener(on_disconnect.as_ref().unchecked_ref());
    on_message.forget();
    on_disconnect.forget();
    port.post_json(&serde_json::json!({"type": "attach", "flow": flow}).to_string());
    PORT.with(|p| *p.borrow_mut() = Some(port));

    wire_buttons();
}

/// The requesting site, on every screen and in the window title, as the browser reported it.
fn show_site(origin: &str) {
    if let Some(element) = dom::element("dialog-site-origin") {
        element.set_text_content(Some(origin));
    }
    if let Some(banner) = dom::element("dialog-site") {
        let _ = banner.remove_attribute("hidden");
    }
    SITE.with(|s| *s.borrow_mut() = Some(origin.to_string()));
    if let Some(document) = dom::document() {
        let title = document.title();
        document.set_title(&format!("{title} — {origin}"));
    }
}

/// The operation's name in the title bar and the window title (a refusal's 「登録」 changes it).
fn show_title(operation: Operation) {
    let title = chrome::message(title_key(operation), &[]);
    dom::set_text("dialog-title", &title);
    if let Some(document) = dom::document() {
        match SITE.with(|s| s.borrow().clone()) {
            Some(origin) => document.set_title(&format!("{title} — {origin}")),
            None => document.set_title(&title),
        }
    }
}

fn lost_screen(detail: &str) -> Screen {
    Screen::Failed {
        failure: Failure::Host(HostProblem::Exited {
            detail: detail.to_string(),
        }),
    }
}

fn send_action(action: serde_json::Value) {
    let mut message = action;
    message["type"] = "user".into();
    PORT.with(|p| {
        if let Some(port) = p.borrow().as_ref() {
            port.post_json(&message.to_string());
        }
    });
}

fn ok() {
    send_action(serde_json::json!({"action": "ok"}));
}

fn cancel() {
    send_action(serde_json::json!({"action": "cancel"}));
}

/// Sends the typed PIN once and empties the inputs at once, whatever happens next.
fn submit_pin() {
    let pad = SCREEN.with(|s| matches!(*s.borrow(), Some(Screen::Pin { pin_pad: true, .. })));
    if pad {
        return ok();
    }
    let Some(pin_input) = dom::input("pin-input") else {
        return;
    };
    let pin = zeroize::Zeroizing::new(pin_input.value());
    pin_input.set_value("");
    let operator = dom::input("operator-input")
        .map(|i| i.value())
        .unwrap_or_default();
    let message = zeroize::Zeroizing::new(
        serde_json::json!({"type": "user", "action": "pin", "pin": pin.as_str(), "operator": operator})
            .to_string(),
    );
    PORT.with(|p| {
        if let Some(port) = p.borrow().as_ref() {
            port.post_json(&message);
        }
    });
}

fn wire_buttons() {
    for id in ["confirm-ok", "swap-ok"] {
        dom::on(id, "click", |_| ok());
    }
    dom::on("pin-ok", "click", |_| submit_pin());
    dom::on("refused-register", "click", |_| {
        send_action(serde_json::json!({"action": "register"}))
    });
    dom::on("pin-form", "submit", |event| {
        event.prevent_default();
        submit_pin();
    });
    for id in [
        "connecting-cancel",
        "confirm-cancel",
        "progress-cancel",
        "insert-cancel",
        "pin-cancel",
        "swap-cancel",
        "refused-close",
        "failed-close",
    ] {
        dom::on(id, "click", |_| cancel());
    }
    if let Some(doc) = dom::document() {
        let closure =
            Closure::<dyn FnMut(web_sys::KeyboardEvent)>::new(|event: web_sys::KeyboardEvent| {
                if event.key() == "Escape" {
                    cancel();
                }
            });
        let _ = doc.add_event_listener_with_callback("keydown", closure.as_ref().unchecked_ref());
        closure.forget();
    }
}

fn render(screen: &Screen) {
    let v = view(screen);
    if let Some(operation) = v.operation {
        show_title(operation);
    }
    for section in SECTIONS {
        dom::set_shown(section, *section == v.section);
    }
    for id in OPTIONAL_ELEMENTS {
        dom::set_shown(id, v.shown.contains(id));
    }
    for (id, text) in &v.texts {
        let text = match text {
            Text::Msg(key, subs) => chrome::message(key, subs),
            Text::Error(code) => chrome::message(&error_key(*code), &[]),
            Text::Plain(s) => s.clone(),
        };
        dom::set_text(id, &text);
    }
    for (id, enabled) in &v.enabled {
        dom::set_enabled(id, *enabled);
    }
    for (id, busy) in &v.busy {
        dom::set_class(id, "progress", *busy);
    }
    if v.clear_pin {
        for id in ["pin-input", "operator-input"] {
            if let Some(input) = dom::input(id) {
                input.set_value("");
            }
        }
    }
    if let Some(body) = dom::document().and_then(|d| d.body()) {
        let _ = body.set_attribute("data-screen", v.section.trim_start_matches("screen-"));
    }
    if let Some(id) = v.focus {
        dom::focus(id);
    }
    SCREEN.with(|s| *s.borrow_mut() = Some(screen.clone()));
}
