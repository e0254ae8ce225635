//! Finding the current card: the readers `watch` reported, the insert screen while there is no card, and reading the
//! card's certificate before its PIN (an expired card stops here, before anything reaches the portal).

use ebid_protocol::{Command, ErrorCode, ErrorInfo, Reply};

use super::phase::{Card, Phase, Side};
use super::{Flow, HostAnswer};
use crate::flow::screen::{Failure, Notice, Progress, Refusal, Screen};

impl Flow {
    /// The answer to `watch` (or, once watching, `list_readers`): the readers as they are now.
    pub(super) fn on_watching(&mut self, result: HostAnswer) {
        match result {
            Ok(Reply::Watching { readers }) | Ok(Reply::Readers { readers }) => {
                self.watching = true;
                self.readers.replace(readers);
                self.find_current_card(None);
            }
            other => self.not_asked_for(other),
        }
    }

    /// Starts reading the current card in `preferred`, else in the first reader with a card; or waits for one.
    pub(super) fn find_current_card(&mut self, preferred: Option<String>) {
        if self.readers.is_empty() {
            return self.fail(Failure::Card(ErrorInfo::new(ErrorCode::NoReader)));
        }
        let Some(reader) = preferred.or_else(|| self.readers.first_with_card(None)) else {
            return self.insert_current(None);
        };
        let card = Card::new(reader.clone(), self.readers.pin_pad(&reader));
        self.phase = Phase::ReadCurrent { card };
        self.send(Command::ReadCertificate { reader });
        self.show_progress(Progress::ReadingCard, self.first_card());
    }

    /// Shows 「ICカードを挿入してください」 and looks at the readers once.
    pub(super) fn insert_current(&mut self, notice: Option<Notice>) {
        self.phase = Phase::InsertCurrent;
        let card = self.first_card();
        self.show(Screen::InsertCurrentCard { card, notice });
        self.relist();
    }

    /// The insert screen learnt the readers: a card already in is read at once.
    pub(super) fn on_insert_listing(&mut self, result: HostAnswer) {
        match result {
            Ok(Reply::Readers { readers }) => {
                self.readers.replace(readers);
                if let Some(reader) = self.readers.first_with_card(None) {
                    self.find_current_card(Some(reader));
                    self.readers.reading_listed_card();
                }
            }
            // The listing failed: the events will still tell.
            Err(_) => {}
            Ok(other) => self.unexpected(&other),
        }
    }

    /// The current card's certificate, read before its PIN.
    pub(super) fn on_read_current(&mut self, mut card: Card, result: HostAnswer) {
        match result {
            Ok(Reply::Certificate(info)) if info.summary.expired => {
                self.refuse(Refusal::Expired, None)
            }
            Ok(Reply::Certificate(info)) => {
                card.certificate = Some(info);
                self.ask_pin_status(Side::Current, card);
            }
            // JPKI: the certificate shows after the PIN.
            Err(e) if e.code == ErrorCode::PinRequired => self.ask_pin_status(Side::Current, card),
            other => self.card_answer_otherwise(Side::Current, card, other),
        }
    }
}
