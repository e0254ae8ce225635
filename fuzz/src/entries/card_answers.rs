//! A card that answers whatever the fuzzer says: each APDU the host sends takes the next answer from the input.
//!
//! Answer encoding, one after the other: a length byte `n` below `0xFE` then `n` bytes; `0xFE` then a big-endian
//! u16 length and that many bytes (a whole certificate in one extended READ BINARY); `0xFF` then one byte choosing
//! a transport failure. An answer cut short by the end of the input is what is left of it. Once the input is used
//! up the card is gone (`CardRemoved`), so every operation ends: each APDU consumes at least one input byte.
//!
//! Every command the host sends must be a well-formed APDU that re-encodes to the same bytes.

use ebid_host::card::{ApduTransport, CommandApdu, TransportError};

pub struct CardAnswers<'a> {
    input: &'a [u8],
    /// APDUs received.
    pub count: usize,
}

impl<'a> CardAnswers<'a> {
    pub fn new(input: &'a [u8]) -> Self {
        CardAnswers { input, count: 0 }
    }

    fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.input.split_at(n.min(self.input.len()));
        self.input = rest;
        head
    }
}

impl ApduTransport for CardAnswers<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.count += 1;
        let parsed = CommandApdu::parse(command)
            .unwrap_or_else(|e| panic!("the host sent a malformed APDU ({e}): {command:02X?}"));
        let again = parsed.to_bytes().expect("a parsed APDU encodes");
        assert_eq!(&again[..], command, "APDU does not re-encode to itself");

        let Some(&first) = self.take(1).first() else {
            return Err(TransportError::CardRemoved);
        };
        let len = match first {
            0xFF => {
                return Err(match self.take(1).first() {
                    Some(0) => TransportError::NoService,
                    Some(_) => TransportError::Other("fuzzed transport failure".into()),
                    None => TransportError::CardRemoved,
                })
            }
            0xFE => match *self.take(2) {
                [hi, lo] => u16::from_be_bytes([hi, lo]) as usize,
                _ => 0,
            },
            n => n as usize,
        };
        Ok(self.take(len).to_vec())
    }
}
