//! The APDU layer under every card driver: command/response APDUs, the transport trait, the budget of APDUs and
//! time one operation may spend, status words as typed errors, and (with the `test-support` feature, for tests only) a scripted transport.

mod apdu;
mod apdu_transport;
mod budget;
mod error;
mod exchange;
mod hex_text;
#[cfg(any(test, feature = "test-support"))]
mod scripted;

pub use apdu::{CommandApdu, ResponseApdu, EXTENDED_LE_MAX, SHORT_LE_MAX};
pub use apdu_transport::{ApduTransport, TransportError};
pub use budget::{Budget, Budgeted, OverBudget, MAX_APDUS_PER_OPERATION, MAX_OPERATION_TIME};
pub use error::CardError;
pub use exchange::{transmit, transmit_ok};
pub use hex_text::parse_hex;
/// Test tool (feature `test-support`): not in the shipped binary.
#[cfg(any(test, feature = "test-support"))]
pub use scripted::ScriptedTransport;
