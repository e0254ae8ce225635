//! The APDU transport trait: the pipe a card driver talks through, whatever carries the bytes. The product's
//! implementation over PC/SC is `service::PcscTransport` (service/pcsc_transport.rs); tests use a script.

use super::OverBudget;

/// Sends one command APDU and returns the whole response (data followed by SW1 SW2).
pub trait ApduTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The card left the reader (or was reset by someone else) during the exchange.
    #[error("card removed")]
    CardRemoved,
    /// The PC/SC service is gone.
    #[error("PC/SC service unavailable")]
    NoService,
    #[error("transport error: {0}")]
    Other(String),
    /// The operation used up its budget of APDUs or time ([`super::Budgeted`]); nothing more is sent.
    #[error(transparent)]
    OverBudget(OverBudget),
}
