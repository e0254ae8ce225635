//! The swap: the current card leaves, another card comes in (any reader) and is read; a different, valid card
//! enables OK, which goes on to its PIN. The same card, an expired or unusable one must leave again.

use ebid_protocol::{CertificateInfo, Command, ErrorCode, Reply};

use super::phase::{Accepted, Card, Phase, Side, Swap};
use super::{Flow, HostAnswer};
use crate::flow::screen::{Notice, Progress, Which};

impl Flow {
    /// Shows a swap stage; a stage that waits for a card also looks at the readers once (Checking has its read out).
    pub(super) fn swap(&mut self, accepted: Accepted, stage: Swap) {
        let waits = !matches!(stage, Swap::Checking { .. });
        self.show(stage.screen());
        self.phase = Phase::Swap { accepted, stage };
        if waits {
            self.relist();
        }
    }

    /// Reads the card in `reader` as the new one.
    pub(super) fn check_candidate(&mut self, accepted: Accepted, reader: String) {
        let stage = Swap::Checking {
            reader: reader.clone(),
        };
        self.swap(accepted, stage);
        self.send(Command::ReadCertificate { reader });
    }

    pub(super) fn on_swap_answer(&mut self, accepted: Accepted, stage: Swap, result: HostAnswer) {
        match (stage, result) {
            (Swap::Checking { reader }, result) => self.on_candidate(accepted, reader, result),
            (stage, Ok(Reply::Readers { readers })) => {
                self.readers.replace(readers);
                self.swap_from_listing(accepted, stage);
            }
            // The listing failed: the events will still tell.
            (_, Err(_)) => {}
            (_, Ok(other)) => self.unexpected(&other),
        }
    }

    /// The answer to reading the card inserted as the new one, before its PIN.
    fn on_candidate(&mut self, accepted: Accepted, reader: String, result: HostAnswer) {
        let card = Card::new(reader.clone(), self.readers.pin_pad(&reader));
        match result {
            Ok(Reply::Certificate(info)) => self.take_new_certificate(accepted, card, info, false),
            // JPKI: the certificate shows after the PIN; the fingerprints are compared then.
            Err(e) if e.code == ErrorCode::PinRequired => self.swap(accepted, Swap::Ready { card }),
            Err(e) if matches!(e.code, ErrorCode::NoCard | ErrorCode::CardRemoved) => {
                self.swap(accepted, Swap::AwaitInsertion { notice: None })
            }
            Err(e) => {
                let notice = match e.code {
                    ErrorCode::UnsupportedCard => Notice::NewCardUnsupported,
                    ErrorCode::CardExpired => Notice::NewCardExpired,
                    _ => Notice::NewCardUnreadable,
                };
                self.swap(accepted, Swap::must_leave(reader, notice));
            }
            Ok(other) => self.unexpected(&other),
        }
    }

    /// Checks the new card's certificate: a different, valid card goes on (to the PIN, or to signing after it).
    pub(super) fn take_new_certificate(
        &mut self,
        accepted: Accepted,
        mut card: Card,
        info: CertificateInfo,
        pin_done: bool,
    ) {
        let same = info
            .summary
            .sha256_fingerprint
            .eq_ignore_ascii_case(&accepted.old_fingerprint);
        if same || info.summary.expired {
            let notice = if same {
                Notice::SameCard
            } else {
                Notice::NewCardExpired
            };
            return self.swap(accepted, Swap::must_leave(info.reader, notice));
        }
        card.certificate = Some(info);
        if pin_done {
            self.sign(Side::New(accepted), card);
        } else {
            self.swap(accepted, Swap::Ready { card });
        }
    }

    /// OK with a different card in: on to its PIN.
    pub(super) fn take_new_card(&mut self, accepted: Accepted, card: Card) {
        self.ask_pin_status(Side::New(accepted), card);
        self.show_progress(Progress::ReadingCard, Which::New);
    }

    /// A swap stage learnt the readers: the same steps the events would have caused.
    fn swap_from_listing(&mut self, accepted: Accepted, stage: Swap) {
        match stage {
            // The card in `reader` must leave; a card in another reader is a candidate.
            Swap::AwaitRemoval { reader, .. } => {
                if let Some(candidate) = self.readers.first_with_card(Some(&reader)) {
                    self.check_candidate(accepted, candidate);
                    self.readers.reading_listed_card();
                } else if !self.readers.has_card(&reader) {
                    self.swap(accepted, Swap::AwaitInsertion { notice: None });
                }
            }
            Swap::AwaitInsertion { .. } => {
                if let Some(candidate) = self.readers.first_with_card(None) {
                    self.check_candidate(accepted, candidate);
                    self.readers.reading_listed_card();
                }
            }
            // The checked card is gone already: wait for another.
            Swap::Ready { card } if !self.readers.has_card(&card.reader) => {
                self.swap(accepted, Swap::AwaitInsertion { notice: None })
            }
            Swap::Ready { .. } | Swap::Checking { .. } => {}
        }
    }
}
