//! The PC/SC implementation of the APDU transport trait ([`ApduTransport`], card/apdu_transport.rs): APDUs over a
//! PC/SC card handle, counting them (help desks and the benchmark read the count in the debug log) and keeping
//! the last PC/SC error so the service can tell a removed card from a refused command.

use pcsc::{Card, MAX_BUFFER_SIZE_EXTENDED};

use super::pcsc_errors::transport_error;
use crate::card::{ApduTransport, TransportError};

pub struct PcscTransport<'a> {
    card: &'a Card,
    receive: Vec<u8>,
    apdus: u32,
    last_error: Option<pcsc::Error>,
}

impl<'a> PcscTransport<'a> {
    /// `card` is normally a [`pcsc::Transaction`] dereferenced, so every APDU runs inside it.
    pub fn new(card: &'a Card) -> Self {
        PcscTransport {
            card,
            receive: vec![0; MAX_BUFFER_SIZE_EXTENDED],
            apdus: 0,
            last_error: None,
        }
    }

    /// APDUs sent so far.
    pub fn apdu_count(&self) -> u32 {
        self.apdus
    }

    /// The PC/SC error of the last failed exchange, if any.
    pub fn last_error(&self) -> Option<pcsc::Error> {
        self.last_error
    }

    /// `SCardControl` on the same handle (PIN-pad readers).
    pub fn control(&mut self, code: u32, data: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut buf = [0u8; 512];
        match self.card.control(code as _, data, &mut buf) {
            Ok(answer) => Ok(answer.to_vec()),
            Err(e) => {
                self.last_error = Some(e);
                Err(transport_error(e))
            }
        }
    }
}

impl ApduTransport for PcscTransport<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.apdus += 1;
        // The header only: a VERIFY's data is the PIN.
        if let Some(h) = command.get(..4) {
            log::trace!("APDU {} ({} bytes)", hex::encode_upper(h), command.len());
        }
        match self.card.transmit(command, &mut self.receive) {
            // vpcd (and some reader drivers) complete the exchange with nothing at all when the card left in the
            // middle of it: that is a removal, not a malformed answer.
            Ok([]) => {
                log::debug!("empty response: the card left during the exchange");
                self.last_error = Some(pcsc::Error::RemovedCard);
                Err(TransportError::CardRemoved)
            }
            Ok(response) => {
                if let [.., sw1, sw2] = response {
                    let sw = hex::encode_upper([*sw1, *sw2]);
                    log::trace!("SW {sw} ({} bytes)", response.len());
                }
                Ok(response.to_vec())
            }
            Err(e) => {
                log::debug!("transmit failed: {e}");
                self.last_error = Some(e);
                Err(transport_error(e))
            }
        }
    }
}
