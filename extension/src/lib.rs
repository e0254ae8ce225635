//! Browser extension core (Rust to wasm): renewal flow, dialogs, talk with the native host
