//! The APDU layer under every card driver: command/response APDUs, the transport trait, status words as typed
//! errors, and (with the `test-support` feature, for tests only) a scripted transport.

mod apdu;
mod apdu_transport;
mod error;
mod exchange;
mod hex_text;
#[cfg(any(test, feature = "test-support"))]
mod scripted;

pub use apdu::{CommandApdu, ResponseApdu, EXTENDED_LE_MAX, SHORT_LE_MAX};
pub use apdu_transport::{ApduTransport, TransportError};
pub use error::CardError;
pub use exchange::{transmit, transmit_ok};
pub use hex_text::parse_hex;
/// Test tool (feature `test-support`): not in the shipped binary.
#[cfg(any(test, feature = "test-support"))]
pub use scripted::ScriptedTransport;
