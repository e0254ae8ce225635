//! The host's reader and card events: a card inserted where the flow waits for one is read; the card in hand
//! pulled out is asked for again; PC/SC going away ends the flow.

use ebid_protocol::{ErrorCode, ErrorInfo, Event};

use super::phase::{Phase, Swap};
use super::Flow;
use crate::flow::screen::Failure;

impl Flow {
    pub(super) fn on_event(&mut self, event: Event) {
        self.readers.apply(&event);
        match event {
            Event::ReaderAdded { .. } | Event::PcscAvailable => {}
            Event::ReaderRemoved { reader } | Event::CardRemoved { reader } => {
                self.on_card_removed(&reader)
            }
            Event::CardInserted { reader, .. } => self.on_card_inserted(reader),
            Event::PcscUnavailable => {
                if !matches!(self.phase, Phase::Connecting | Phase::Confirm) {
                    let error = ErrorInfo::new(ErrorCode::PcscUnavailable);
                    self.fail(Failure::Card(error));
                }
            }
        }
    }

    fn on_card_inserted(&mut self, reader: String) {
        match self.phase.clone() {
            Phase::InsertCurrent => self.find_current_card(Some(reader)),
            Phase::Swap {
                accepted,
                stage: Swap::AwaitRemoval { .. } | Swap::AwaitInsertion { .. },
            } => self.check_candidate(accepted, reader),
            _ => {}
        }
    }

    fn on_card_removed(&mut self, reader: &str) {
        match self.phase.clone() {
            Phase::Swap { accepted, stage } if stage.watched() == Some(reader) => {
                self.awaiting = None;
                self.swap(accepted, Swap::AwaitInsertion { notice: None });
            }
            phase => {
                if let Some((side, card)) = phase.into_card_in_hand() {
                    if card.reader == reader {
                        self.awaiting = None;
                        self.removed(side);
                    }
                }
            }
        }
    }
}
