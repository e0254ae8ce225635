//! Errors of the test harness.

use std::fmt;

#[derive(Debug)]
pub enum HarnessError {
    Io(std::io::Error),
    /// pcscd did not start or did not list its readers; carries the tail of its log.
    Pcscd(String),
    /// Nothing arrived in time; says what was awaited.
    Timeout(String),
    /// The host wrote something that is not a native messaging frame of JSON.
    Protocol(String),
    /// The host's stdout closed.
    HostExited,
    /// A virtual card could not be put into its vpcd reader.
    Card(String),
}

impl fmt::Display for HarnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HarnessError::Io(e) => write!(f, "I/O: {e}"),
            HarnessError::Pcscd(msg) => write!(f, "pcscd: {msg}"),
            HarnessError::Timeout(what) => write!(f, "timed out waiting for {what}"),
            HarnessError::Protocol(msg) => write!(f, "host protocol: {msg}"),
            HarnessError::HostExited => f.write_str("the host closed its stdout"),
            HarnessError::Card(msg) => write!(f, "virtual card: {msg}"),
        }
    }
}

impl std::error::Error for HarnessError {}

impl From<std::io::Error> for HarnessError {
    fn from(e: std::io::Error) -> Self {
        HarnessError::Io(e)
    }
}
