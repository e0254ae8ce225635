//! Errors of the virtual card and its test CA.

use std::fmt;

#[derive(Debug)]
pub enum CardError {
    /// The card configuration, a fixture or a certificate request is unusable.
    Config(String),
    /// Certificate generation failed.
    Certificate(String),
    /// The card is already in a reader.
    AlreadyInserted,
    /// Connecting to the vpcd port failed.
    Io(std::io::Error),
}

impl fmt::Display for CardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CardError::Config(msg) => write!(f, "virtual card configuration: {msg}"),
            CardError::Certificate(msg) => write!(f, "test certificate: {msg}"),
            CardError::AlreadyInserted => {
                f.write_str("this virtual card is already inserted in a reader")
            }
            CardError::Io(e) => write!(f, "vpcd connection: {e}"),
        }
    }
}

impl std::error::Error for CardError {}

impl From<std::io::Error> for CardError {
    fn from(e: std::io::Error) -> Self {
        CardError::Io(e)
    }
}

impl From<rcgen::Error> for CardError {
    fn from(e: rcgen::Error) -> Self {
        CardError::Certificate(e.to_string())
    }
}
