//! Browser glue, compiled for wasm only: the bindings to the WebExtension APIs, the native port, and the four
//! entry points (service worker, dialog page, options page, toolbar popup) that the JS files call after `init()`.

mod background;
mod chrome;
mod diagnose;
mod dialog_page;
mod dom;
mod native_host;
mod options_page;
mod popup_page;
mod portal_config;
