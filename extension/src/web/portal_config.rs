//! The portal-origin report for background.js and the options page: which origins are in force, which were
//! rejected and why, and the match patterns the content script must be registered with.

use wasm_bindgen::prelude::*;

use crate::site_profile::{match_pattern, match_pattern_any_port, PortalOrigins};

/// The same check without changing anything (for the options page).
#[wasm_bindgen]
pub fn check_origins(managed: JsValue, dev: JsValue) -> JsValue {
    config_report(&PortalOrigins::new(
        &string_list(&managed),
        &string_list(&dev),
    ))
}

pub fn config_report(origins: &PortalOrigins) -> JsValue {
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
        "testBuild": crate::site_profile::TEST_BUILD,
    });
    js_sys::JSON::parse(&report.to_string()).unwrap_or(JsValue::NULL)
}

pub fn string_list(value: &JsValue) -> Vec<String> {
    if !js_sys::Array::is_array(value) {
        return Vec::new();
    }
    js_sys::Array::from(value)
        .iter()
        .filter_map(|v| v.as_string())
        .collect()
}
