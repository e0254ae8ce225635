//! The APDU layer under every card driver: command/response APDUs, the transport trait, status words as typed
//! errors, and a scripted transport for tests.

mod apdu;
mod apdu_transport;
mod error;
mod exchange;
mod hex_text;
mod scripted;

pub use apdu::{CommandApdu, ResponseApdu, EXTENDED_LE_MAX, SHORT_LE_MAX};
pub use apdu_transport::{ApduTransport, TransportError};
pub use error::CardError;
pub use exchange::{transmit, transmit_ok};
pub use hex_text::parse_hex;
pub use scripted::ScriptedTransport;
