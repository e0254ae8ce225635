//! The APDU layer under every card driver.

mod transport;

pub use transport::{ApduTransport, TransportError};
