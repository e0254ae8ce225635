//! The few WebExtension APIs the wasm core calls itself. Everything else (storage, scripting) stays in the thin
//! JS entry files.

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `runtime.Port` (native or extension-internal).
    pub type Port;
    #[wasm_bindgen(method, js_name = postMessage, catch)]
    fn post_message_raw(this: &Port, message: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(method)]
    pub fn disconnect(this: &Port);
    #[wasm_bindgen(method, getter, js_name = onMessage)]
    pub fn on_message(this: &Port) -> ChromeEvent;
    #[wasm_bindgen(method, getter, js_name = onDisconnect)]
    pub fn on_disconnect(this: &Port) -> ChromeEvent;
    #[wasm_bindgen(method, getter)]
    pub fn name(this: &Port) -> String;
    #[wasm_bindgen(method, getter)]
    pub fn sender(this: &Port) -> JsValue;

    pub type ChromeEvent;
    #[wasm_bindgen(method, js_name = addListener)]
    pub fn add_listener(this: &ChromeEvent, listener: &Function);

    #[wasm_bindgen(js_namespace = ["chrome", "runtime"], js_name = connectNative, catch)]
    fn connect_native_raw(name: &str) -> Result<Port, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "runtime"], js_name = connect)]
    fn connect_raw(info: &JsValue) -> Port;
    #[wasm_bindgen(js_namespace = ["chrome", "runtime"], js_name = getURL)]
    pub fn extension_url(path: &str) -> String;
    #[wasm_bindgen(js_namespace = ["chrome", "i18n"], js_name = getMessage)]
    fn get_message_raw(key: &str, substitutions: &JsValue) -> String;
    #[wasm_bindgen(js_namespace = ["chrome", "i18n"], js_name = getUILanguage)]
    pub fn ui_language() -> String;

    #[wasm_bindgen(js_name = setTimeout)]
    pub fn set_timeout(handler: &Function, ms: i32) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    pub fn clear_timeout(id: &JsValue);
    #[wasm_bindgen(js_namespace = crypto, js_name = randomUUID)]
    pub fn random_uuid() -> String;
}

impl Port {
    /// Posts a JSON text as an object. A port that is already gone is not an error worth more than silence.
    pub fn post_json(&self, json: &str) {
        if let Ok(value) = js_sys::JSON::parse(json) {
            let _ = self.post_message_raw(&value);
        }
    }

    /// Like [`Port::post_json`], but tells whether the browser took it.
    pub fn try_post_json(&self, json: &str) -> bool {
        match js_sys::JSON::parse(json) {
            Ok(value) => self.post_message_raw(&value).is_ok(),
            Err(_) => false,
        }
    }
}

pub fn connect_native(name: &str) -> Result<Port, String> {
    connect_native_raw(name).map_err(|e| error_text(&e))
}

pub fn connect(name: &str) -> Port {
    let info = js_sys::Object::new();
    let _ = Reflect::set(&info, &"name".into(), &name.into());
    connect_raw(&info)
}

/// `chrome.i18n.getMessage`, falling back to the key so a missing text is visible rather than blank.
pub fn message(key: &str, substitutions: &[String]) -> String {
    let subs: js_sys::Array = substitutions.iter().map(|s| JsValue::from_str(s)).collect();
    let text = get_message_raw(key, &subs);
    if text.is_empty() {
        key.to_string()
    } else {
        text
    }
}

/// Why a port disconnected: Firefox puts it on `port.error`, Chrome on `runtime.lastError`.
pub fn disconnect_reason(port: &Port) -> Option<String> {
    let from_port = Reflect::get(port, &"error".into()).ok();
    let from_runtime = get_path(&["chrome", "runtime", "lastError"]);
    [from_port, from_runtime]
        .into_iter()
        .flatten()
        .filter(|v| !v.is_undefined() && !v.is_null())
        .map(|v| error_text(&v))
        .find(|s| !s.is_empty())
}

/// `message` of an error-like value, or its string form.
pub fn error_text(value: &JsValue) -> String {
    Reflect::get(value, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| value.as_string())
        .unwrap_or_default()
}

/// A string property of a plain object, if present.
pub fn string_field(object: &JsValue, field: &str) -> Option<String> {
    Reflect::get(object, &field.into()).ok()?.as_string()
}

/// A numeric property of a plain object, if present.
pub fn number_field(object: &JsValue, path: &[&str]) -> Option<f64> {
    let mut value = object.clone();
    for key in path {
        value = Reflect::get(&value, &(*key).into()).ok()?;
    }
    value.as_f64()
}

fn get_path(path: &[&str]) -> Option<JsValue> {
    let mut value: JsValue = js_sys::global().into();
    for key in path {
        value = Reflect::get(&value, &(*key).into()).ok()?;
        if value.is_undefined() || value.is_null() {
            return None;
        }
    }
    Some(value)
}

/// JSON text of a JS value (messages arrive as objects).
pub fn to_json(value: &JsValue) -> Option<String> {
    js_sys::JSON::stringify(value).ok()?.as_string()
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["chrome", "action"], js_name = setBadgeText, catch)]
    fn set_badge_text_raw(details: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "action"], js_name = setBadgeBackgroundColor, catch)]
    fn set_badge_color_raw(details: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "action"], js_name = setTitle, catch)]
    fn set_action_title_raw(details: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = Date, js_name = now)]
    pub fn now_ms() -> f64;
}

/// The toolbar button's badge (text, colour) and tooltip. Silent where the browser has no `chrome.action`.
pub fn set_badge(text: &str, color: &str, title: &str) {
    let details = |key: &str, value: &str| {
        let o = js_sys::Object::new();
        let _ = Reflect::set(&o, &key.into(), &value.into());
        o.into()
    };
    let _ = set_badge_text_raw(&details("text", text));
    if !text.is_empty() {
        let _ = set_badge_color_raw(&details("color", color));
    }
    let _ = set_action_title_raw(&details("title", title));
}
