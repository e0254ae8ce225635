//! A transport that plays a script: for tests of drivers and of anything built on them. Compiled only for tests
//! and with the `test-support` feature (host/Cargo.toml), never into the shipped binary.

use super::parse_hex;
use super::{ApduTransport, TransportError};

enum Reply {
    Bytes(Vec<u8>),
    Fail(TransportError),
}

struct Step {
    expected: Vec<u8>,
    reply: Reply,
}

/// Checks every command against the next expected one (panicking with both in hex when they differ: it is a test
/// tool) and answers with the scripted response or transport failure. Counts the APDUs it saw.
///
/// ```
/// use ebid_host::card::{ApduTransport, ScriptedTransport, TransportError};
/// let mut t = ScriptedTransport::new(vec![("00A4040C 02 3F00", "9000")])
///     .then_fail("00B0000000", TransportError::CardRemoved);
/// assert_eq!(t.transmit(&[0x00, 0xA4, 0x04, 0x0C, 0x02, 0x3F, 0x00]).unwrap(), vec![0x90, 0x00]);
/// assert_eq!(t.transmit(&[0x00, 0xB0, 0x00, 0x00, 0x00]), Err(TransportError::CardRemoved));
/// t.assert_finished();
/// assert_eq!(t.apdu_count(), 2);
/// ```
pub struct ScriptedTransport {
    steps: Vec<Step>,
    next: usize,
    count: usize,
}

impl ScriptedTransport {
    /// `(expected command, response)` pairs in hex; spaces and colons are ignored.
    pub fn new<C: AsRef<str>, R: AsRef<str>>(script: Vec<(C, R)>) -> Self {
        let mut t = ScriptedTransport {
            steps: Vec::new(),
            next: 0,
            count: 0,
        };
        for (command, response) in script {
            t = t.then(command.as_ref(), response.as_ref());
        }
        t
    }

    /// Appends one exchange.
    pub fn then(mut self, command_hex: &str, response_hex: &str) -> Self {
        self.steps.push(Step {
            expected: hex(command_hex),
            reply: Reply::Bytes(hex(response_hex)),
        });
        self
    }

    /// Appends a command that fails in the transport (e.g. [`TransportError::CardRemoved`]).
    pub fn then_fail(mut self, command_hex: &str, error: TransportError) -> Self {
        self.steps.push(Step {
            expected: hex(command_hex),
            reply: Reply::Fail(error),
        });
        self
    }

    /// Commands received so far.
    pub fn apdu_count(&self) -> usize {
        self.count
    }

    pub fn is_finished(&self) -> bool {
        self.next == self.steps.len()
    }

    /// Panics if scripted exchanges were not used.
    pub fn assert_finished(&self) {
        assert!(
            self.is_finished(),
            "script has {} unused exchange(s), next expected {}",
            self.steps.len() - self.next,
            hex::encode_upper(&self.steps[self.next].expected)
        );
    }
}

fn hex(text: &str) -> Vec<u8> {
    parse_hex(text).unwrap_or_else(|e| panic!("bad hex in script: {e}"))
}

impl ApduTransport for ScriptedTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.count += 1;
        let Some(step) = self.steps.get(self.next) else {
            panic!(
                "unscripted APDU #{}: {} (script has {} exchanges)",
                self.count,
                hex::encode_upper(command),
                self.steps.len()
            );
        };
        assert_eq!(
            hex::encode_upper(command),
            hex::encode_upper(&step.expected),
            "APDU #{} differs from the script",
            self.count
        );
        self.next += 1;
        match &step.reply {
            Reply::Bytes(bytes) => Ok(bytes.clone()),
            Reply::Fail(e) => Err(e.clone()),
        }
    }
}
