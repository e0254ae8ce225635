//! A card in hand, the same steps for both cards: its PIN (see `pin`), its certificate when the PIN was needed to
//! see it, its signature; and what a card error means at any of them for the current card and for the new one.

use ebid_protocol::{Command, ErrorCode, ErrorInfo, Pin, Reply, SignPurpose};

use super::phase::{Card, CardStep, Phase, Side, Swap};
use super::pin::{PinOutcome, PinStep};
use super::{Flow, HostAnswer};
use crate::flow::screen::{Failure, Notice, Progress, Refusal, Which};

impl Flow {
    /// Goes to `step` with the card in hand and sends what that step asks of it; says which card it is.
    fn card_step(&mut self, side: Side, card: Card, step: CardStep, command: Command) -> Which {
        let which = self.which(&side);
        self.phase = Phase::WithCard { side, card, step };
        self.send(command);
        which
    }

    /// Asks the card for its PIN rules and tries left.
    pub(super) fn ask_pin_status(&mut self, side: Side, card: Card) {
        let status = Command::PinStatus {
            reader: card.reader.clone(),
        };
        self.card_step(side, card, CardStep::Pin(PinStep::Status), status);
    }

    /// The answer to what the PIN step asked the card.
    pub(super) fn on_pin_answer(
        &mut self,
        side: Side,
        mut card: Card,
        step: PinStep,
        result: HostAnswer,
    ) {
        match card.pin.on_answer(&step, result) {
            PinOutcome::Ask { error, ask_pad } => self.ask_pin(side, card, error, ask_pad),
            PinOutcome::Verified => self.pin_verified(side, card),
            PinOutcome::Blocked(error) => self.blocked(side, error),
            PinOutcome::CardError(error) => self.card_error(side, card, error),
            PinOutcome::Unexpected(reply) => self.unexpected(&reply),
        }
    }

    /// Shows the PIN dialog. On a PIN pad with `ask_pad`, the reader is asked for the PIN at once.
    fn ask_pin(&mut self, side: Side, card: Card, error: Option<ErrorInfo>, ask_pad: bool) {
        if card.pin.pad && ask_pad {
            return self.verify_on_pad(side, card);
        }
        let step = PinStep::Dialog { error };
        self.show(card.pin.screen(self.which(&side), &step));
        self.phase = Phase::WithCard {
            side,
            card,
            step: CardStep::Pin(step),
        };
    }

    /// Lets the PIN-pad reader ask the bidder for the PIN.
    pub(super) fn verify_on_pad(&mut self, side: Side, card: Card) {
        let screen = card.pin.screen(self.which(&side), &PinStep::Pad);
        let verify = Command::VerifyPin {
            reader: card.reader.clone(),
            pin: None,
        };
        self.card_step(side, card, CardStep::Pin(PinStep::Pad), verify);
        self.show(screen);
    }

    /// The bidder typed a PIN in the dialog.
    pub(super) fn on_typed_pin(&mut self, pin: Pin) {
        let Phase::WithCard {
            side,
            card,
            step: CardStep::Pin(PinStep::Dialog { .. }),
        } = self.phase.clone()
        else {
            return;
        };
        // A PIN-pad reader takes the PIN on its own keys only.
        if card.pin.pad {
            return;
        }
        if let Err(format) = card.pin.check_format(&pin) {
            return self.ask_pin(side, card, Some(format), false);
        }
        let verify = Command::VerifyPin {
            reader: card.reader.clone(),
            pin: Some(pin),
        };
        let which = self.card_step(side, card, CardStep::Pin(PinStep::Verify), verify);
        self.show_progress(Progress::CheckingPin, which);
    }

    fn pin_verified(&mut self, side: Side, card: Card) {
        if card.certificate.is_some() {
            return self.sign(side, card);
        }
        let read = Command::ReadCertificate {
            reader: card.reader.clone(),
        };
        let which = self.card_step(side, card, CardStep::ReadAfterPin, read);
        self.show_progress(Progress::ReadingCard, which);
    }

    /// The certificate read after the PIN: checked like the one read before it would have been.
    pub(super) fn on_read_after_pin(&mut self, side: Side, mut card: Card, result: HostAnswer) {
        match (side, result) {
            (Side::Current, Ok(Reply::Certificate(info))) if info.summary.expired => {
                self.refuse(Refusal::Expired, None)
            }
            (Side::Current, Ok(Reply::Certificate(info))) => {
                card.certificate = Some(info);
                self.sign(Side::Current, card);
            }
            (Side::New(accepted), Ok(Reply::Certificate(info))) => {
                self.take_new_certificate(accepted, card, info, true)
            }
            (side, other) => self.card_answer_otherwise(side, card, other),
        }
    }

    /// Signs the portal's challenge for this card; the current card's is fetched first, so it is fresh.
    pub(super) fn sign(&mut self, side: Side, card: Card) {
        let (challenge, purpose, bound_certificate) = match &side {
            Side::Current => match self.challenge.clone() {
                Some(challenge) => (challenge, self.operation.first_purpose(), None),
                None => return self.fetch_challenge(card),
            },
            Side::New(accepted) => (
                accepted.challenge.clone(),
                SignPurpose::RenewNew,
                Some(accepted.old_certificate.clone()),
            ),
        };
        let sign = Command::SignChallenge {
            reader: card.reader.clone(),
            origin: self.origin.clone(),
            challenge,
            purpose,
            bound_certificate,
        };
        let which = self.card_step(side, card, CardStep::Sign, sign);
        self.show_progress(Progress::Signing, which);
    }

    pub(super) fn on_signature(&mut self, side: Side, card: Card, result: HostAnswer) {
        match result {
            Ok(Reply::Signature { signature, .. }) => self.hand_over(side, card, signature),
            // The card forgot the PIN (reset by another program): ask again.
            Err(e) if e.code == ErrorCode::PinRequired => self.ask_pin(side, card, Some(e), false),
            other => self.card_answer_otherwise(side, card, other),
        }
    }

    /// An answer the step did not ask for: an error is about the card in hand, a reply is unexpected.
    pub(super) fn card_answer_otherwise(&mut self, side: Side, card: Card, result: HostAnswer) {
        match result {
            Err(error) => self.card_error(side, card, error),
            Ok(other) => self.unexpected(&other),
        }
    }

    /// Errors about the card in hand: pulled out, blocked, unusable, expired; anything else stops the flow.
    fn card_error(&mut self, side: Side, card: Card, error: ErrorInfo) {
        match (error.code, side) {
            (ErrorCode::NoCard | ErrorCode::CardRemoved, side) => self.removed(side),
            (ErrorCode::PinBlocked, side) => self.blocked(side, error),
            (ErrorCode::UnsupportedCard, Side::Current) => {
                self.refuse(Refusal::Unsupported, Some(error))
            }
            (ErrorCode::CardExpired, Side::Current) => self.refuse(Refusal::Expired, Some(error)),
            // This card cannot be the new one: it must leave, another comes.
            (ErrorCode::UnsupportedCard, Side::New(accepted)) => self.swap(
                accepted,
                Swap::must_leave(card.reader, Notice::NewCardUnsupported),
            ),
            (ErrorCode::CardExpired, Side::New(accepted)) => self.swap(
                accepted,
                Swap::must_leave(card.reader, Notice::NewCardExpired),
            ),
            _ => self.fail(Failure::Card(error)),
        }
    }

    /// The card in hand was pulled out: wait for it (the current card) or go back to the swap (the new one).
    pub(super) fn removed(&mut self, side: Side) {
        match side {
            Side::Current => self.insert_current(Some(Notice::CardRemoved)),
            Side::New(accepted) => {
                let stage = Swap::AwaitInsertion {
                    notice: Some(Notice::CardRemoved),
                };
                self.swap(accepted, stage);
            }
        }
    }

    fn blocked(&mut self, side: Side, error: ErrorInfo) {
        match side {
            Side::Current => self.refuse(Refusal::Blocked, Some(error)),
            // A blocked new card cannot be renewed to; the bidder needs the CA, not a new registration.
            Side::New(_) => self.fail(Failure::Card(error)),
        }
    }
}
