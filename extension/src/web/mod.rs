//! Browser glue, compiled for wasm only: the bindings to the WebExtension APIs, the native port, and the three
//! entry points (service worker, dialog page, options page) that the JS files call after `init()`.

mod background;
mod chrome;
mod dialog_page;
mod dom;
mod native_host;
mod options_page;
mod portal_config;
