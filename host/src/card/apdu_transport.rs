//! The APDU transport trait: the pipe a card driver talks through, whatever carries the bytes. The product's
//! implementation over PC/SC is `service::PcscTransport` (service/pcsc_transport.rs); tests use a script.

use std::fmt;

/// Sends one command APDU and returns the whole response (data followed by SW1 SW2).
pub trait ApduTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// The card left the reader (or was reset by someone else) during the exchange.
    CardRemoved,
    /// The PC/SC service is gone.
    NoService,
    Other(String),
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::CardRemoved => f.write_str("card removed"),
            TransportError::NoService => f.write_str("PC/SC service unavailable"),
            TransportError::Other(e) => write!(f, "transport error: {e}"),
        }
    }
}
