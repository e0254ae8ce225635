//! The APDU layer under every card driver: command/response APDUs, the transport trait, status words as typed
//! errors, and a scripted transport for tests.

mod apdu;
mod error;
mod exchange;
mod scripted;
mod transport;

pub use apdu::{parse_hex, to_hex, CommandApdu, ResponseApdu, EXTENDED_LE_MAX, SHORT_LE_MAX};
pub use error::CardError;
pub use exchange::{transmit, transmit_ok};
pub use scripted::ScriptedTransport;
pub use transport::{ApduTransport, TransportError};
