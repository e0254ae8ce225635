//! Small DOM helpers for the extension pages. Missing elements are skipped, never a panic: a page with a broken
//! template should show what it can.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement, HtmlInputElement};

use super::chrome;

pub fn document() -> Option<Document> {
    web_sys::window()?.document()
}

pub fn element(id: &str) -> Option<HtmlElement> {
    document()?.get_element_by_id(id)?.dyn_into().ok()
}

pub fn input(id: &str) -> Option<HtmlInputElement> {
    document()?.get_element_by_id(id)?.dyn_into().ok()
}

pub fn set_text(id: &str, text: &str) {
    if let Some(e) = element(id) {
        e.set_text_content(Some(text));
    }
}

pub fn set_shown(id: &str, shown: bool) {
    if let Some(e) = element(id) {
        e.set_hidden(!shown);
    }
}

pub fn set_enabled(id: &str, enabled: bool) {
    if let Some(e) = element(id) {
        if enabled {
            let _ = e.remove_attribute("disabled");
        } else {
            let _ = e.set_attribute("disabled", "");
        }
    }
}

pub fn set_class(id: &str, class: &str, on: bool) {
    if let Some(e) = element(id) {
        let _ = e.class_list().toggle_with_force(class, on);
    }
}

pub fn focus(id: &str) {
    if let Some(e) = element(id) {
        let _ = e.focus();
    }
}

/// Fills every `[data-i18n]` element with its `_locales` message and sets `<html lang>`.
pub fn apply_i18n(lang_tag: &str) {
    let Some(doc) = document() else {
        return;
    };
    if let Some(root) = doc.document_element() {
        let _ = root.set_attribute("lang", lang_tag);
    }
    let Ok(nodes) = doc.query_selector_all("[data-i18n]") else {
        return;
    };
    for i in 0..nodes.length() {
        let Some(el) = nodes.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else {
            continue;
        };
        if let Some(key) = el.get_attribute("data-i18n") {
            el.set_text_content(Some(&chrome::message(&key, &[])));
        }
    }
    if let Ok(nodes) = doc.query_selector_all("[data-i18n-placeholder]") {
        for i in 0..nodes.length() {
            if let Some(el) = nodes.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                if let Some(key) = el.get_attribute("data-i18n-placeholder") {
                    let _ = el.set_attribute("placeholder", &chrome::message(&key, &[]));
                }
            }
        }
    }
}

/// Adds a listener that lives as long as the page.
pub fn on(id: &str, event: &str, listener: impl FnMut(web_sys::Event) + 'static) {
    let Some(e) = element(id) else {
        return;
    };
    let closure = Closure::<dyn FnMut(web_sys::Event)>::new(listener);
    let _ = e.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
    closure.forget();
}
