//! Browser extension core, compiled to wasm for the service worker and the extension pages:
//! - [`flow`]: the renewal flow of seed 2.1.5 as a state machine without I/O;
//! - [`site_profile`]: which portal origins get the flow and where their form and button are;
//! - [`answer_deadline`]: how long the host may take to answer a request;
//! - [`host_problem`]: telling "host not installed" from "not answering" from "too old";
//! - [`diagnosis`]: the options page's verdict on host, reader and card;
//! - [`messages`]: what the content script, the dialog and the service worker say to each other;
//! - [`view`]: which texts and elements each dialog screen shows (tested natively);
//! - `web` (wasm only): the browser glue — native port, service worker routing, dialog and options pages.

pub mod answer_deadline;
pub mod diagnosis;
pub mod flow;
pub mod host_problem;
pub mod messages;
pub mod page_check;
pub mod portal_call;
pub mod site_profile;
pub mod view;

#[cfg(target_arch = "wasm32")]
mod web;
