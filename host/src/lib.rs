//! `ebid-host`: the native messaging host of the e-bidding IC card helper extension (renewal, registration,
//! changes, login).
//!
//! Layers, bottom up:
//! - [`card`]: APDUs, status words and the transport trait drivers talk through;
//! - [`drivers`]: one [`drivers::CardDriver`] per card layout (JPKI, profile-described ISO 7816-4 cards);
//! - [`cert_summary`]: the certificate fields the portal's confirmation screen shows;
//! - [`service`]: readers, card sessions and events over PC/SC;
//! - [`framing`] and [`session`]: the locked stdout writer and the request/response loop (the wire format itself,
//!   frames and request parsing, is [`ebid_protocol::framing`]);
//! - [`caller`]: which extension started the host, and whether it is served;
//! - [`admin`]: `install`, `uninstall` and `doctor` for IT admins.

pub mod admin;
pub mod caller;
pub mod card;
pub mod cert_summary;
pub mod drivers;
pub mod framing;
pub mod logging;
pub mod pkcs11;
pub mod service;
pub mod session;
