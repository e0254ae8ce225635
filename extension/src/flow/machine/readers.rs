//! The readers as the host last listed them, kept current by its events, and whether a listing can be believed.
//!
//! pcscd polls readers (~400 ms): a card pulled and put back quicker than that sends no event, so the screens that
//! wait for a card also list the readers once. A reader may list a card that then cannot be read: the flow then
//! trusts events only until the host answers well again, else list → read → insert screen → list … would loop.

use ebid_protocol::{ErrorCode, Event, ReaderInfo};

use super::HostAnswer;

#[derive(Debug, Default)]
pub(super) struct Readers {
    list: Vec<ReaderInfo>,
    /// The read outstanding was started because a listing showed a card, not because of an event.
    read_from_listing: bool,
    /// Such a card turned out to be gone.
    listing_misled: bool,
}

impl Readers {
    /// Takes the readers from a `watch` or `list_readers` answer.
    pub fn replace(&mut self, list: Vec<ReaderInfo>) {
        self.list = list;
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The first reader with a card in it, other than `except`.
    pub fn first_with_card(&self, except: Option<&str>) -> Option<String> {
        self.list
            .iter()
            .find(|r| r.card_present && Some(r.name.as_str()) != except)
            .map(|r| r.name.clone())
    }

    pub fn has_card(&self, reader: &str) -> bool {
        self.list.iter().any(|r| r.name == reader && r.card_present)
    }

    /// The reader has a PIN pad (as far as PC/SC part 10 told the host).
    pub fn pin_pad(&self, reader: &str) -> bool {
        self.list.iter().any(|r| r.name == reader && r.pin_pad)
    }

    /// Keeps the list current with a reader or card event.
    pub fn apply(&mut self, event: &Event) {
        // The readers changed for real: a listing can be believed again.
        self.listing_misled = false;
        match event {
            Event::ReaderAdded { reader } => {
                if !self.list.iter().any(|r| r.name == *reader) {
                    self.list.push(ReaderInfo {
                        name: reader.clone(),
                        card_present: false,
                        atr: None,
                        pin_pad: false,
                    });
                }
            }
            Event::ReaderRemoved { reader } => self.list.retain(|r| r.name != *reader),
            Event::CardInserted { reader, atr } => {
                match self.list.iter_mut().find(|r| r.name == *reader) {
                    Some(r) => {
                        r.card_present = true;
                        r.atr = Some(atr.clone());
                    }
                    None => self.list.push(ReaderInfo {
                        name: reader.clone(),
                        card_present: true,
                        atr: Some(atr.clone()),
                        pin_pad: false,
                    }),
                }
            }
            Event::CardRemoved { reader } => {
                if let Some(r) = self.list.iter_mut().find(|r| r.name == *reader) {
                    r.card_present = false;
                    r.atr = None;
                }
            }
            Event::PcscUnavailable | Event::PcscAvailable => {}
        }
    }

    /// A listing is worth asking for: none has misled the flow since the last event or good answer.
    pub fn worth_listing(&self) -> bool {
        !self.listing_misled
    }

    /// The read just sent is for a card a listing showed.
    pub fn reading_listed_card(&mut self) {
        self.read_from_listing = true;
    }

    /// Notes how the awaited answer went: a listed card that is not there has misled.
    pub fn note_answer(&mut self, result: &HostAnswer) {
        match result {
            Ok(_) => self.listing_misled = false,
            Err(e) if matches!(e.code, ErrorCode::NoCard | ErrorCode::CardRemoved) => {
                self.listing_misled |= self.read_from_listing
            }
            Err(_) => {}
        }
        self.read_from_listing = false;
    }
}
