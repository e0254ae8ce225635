//! The renewal state machine: [`RenewalFlow::handle`] routes each input to the step the flow is at ([`phase`]).
//! One request to the host is outstanding at a time; an answer whose id is not the one awaited (because the card
//! was pulled or the user moved on meanwhile) is dropped.
//!
//! The steps, in the order the bidder meets them: [`current_card`] (finding and reading the current card),
//! [`card_steps`] (PIN, read after PIN, signature — the same for both cards, with [`pin`]), [`portal_steps`]
//! (challenge and the two hand-overs), [`swap`] (current card out, new card in); [`events`] and [`readers`] keep
//! track of the readers.

mod card_steps;
mod current_card;
mod events;
mod phase;
mod pin;
mod portal_steps;
mod readers;
mod swap;

use ebid_protocol::{Command, ErrorCode, ErrorInfo, Reply, Request};

use super::screen::{Failure, Progress, Refusal, Screen, Which};
use super::{Effect, Input, UserAction};
use phase::{CardStep, Phase, Swap};
use pin::PinStep;
use readers::Readers;

/// What the host answered a request.
type HostAnswer = Result<Reply, ErrorInfo>;

#[derive(Debug)]
pub struct RenewalFlow {
    origin: String,
    phase: Phase,
    /// Ids for host requests and portal calls alike, never reused.
    next_id: u64,
    /// The host request whose answer the flow waits for.
    awaiting: Option<u64>,
    readers: Readers,
    /// The portal's challenge for the current card: fetched once its PIN is in, kept if the card is pulled and
    /// put back or forgets its PIN, handed back with its signature.
    challenge: Option<String>,
    /// What handling the current input has led to, in order; [`RenewalFlow::handle`] returns it.
    effects: Vec<Effect>,
}

impl RenewalFlow {
    /// `origin` is the portal origin as the browser reported the sender.
    pub fn new(origin: impl Into<String>) -> Self {
        RenewalFlow {
            origin: origin.into(),
            phase: Phase::Connecting,
            next_id: 1,
            awaiting: None,
            readers: Readers::default(),
            challenge: None,
            effects: Vec::new(),
        }
    }

    /// The portal origin the cards sign for.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The first screen, before the host has answered.
    pub fn start(&self) -> Vec<Effect> {
        vec![Effect::Show(Screen::Connecting)]
    }

    /// The flow has ended (finished, or closed without result): no further input matters.
    pub fn is_over(&self) -> bool {
        matches!(self.phase, Phase::Done | Phase::Closed)
    }

    pub fn handle(&mut self, input: Input) -> Vec<Effect> {
        if self.is_over() {
            return Vec::new();
        }
        match input {
            Input::User(UserAction::Cancel) => self.close(),
            _ if matches!(self.phase, Phase::Stopped) => {
                // Refusal and failure screens have one button: it closes.
                if let Input::User(UserAction::Ok) = input {
                    self.close();
                }
            }
            Input::HostReady => {
                if matches!(self.phase, Phase::Connecting) {
                    self.phase = Phase::Confirm;
                    self.show(Screen::Confirm);
                }
            }
            Input::HostProblem(problem) => self.fail(Failure::Host(problem)),
            Input::Answer { id, result } => {
                if self.awaiting == Some(id) {
                    self.awaiting = None;
                    self.readers.note_answer(&result);
                    self.on_answer(result);
                }
            }
            Input::Event(event) => self.on_event(event),
            Input::Portal {
                id,
                status,
                body,
                error,
            } => self.on_portal(id, status, &body, error.as_deref()),
            Input::User(UserAction::Ok) => self.on_ok(),
            Input::User(UserAction::Pin { pin, operator: _ }) => self.on_typed_pin(pin),
        }
        std::mem::take(&mut self.effects)
    }

    /// The awaited host answer, handed to the step that asked.
    fn on_answer(&mut self, result: HostAnswer) {
        match self.phase.clone() {
            Phase::StartWatch => self.on_watching(result),
            Phase::InsertCurrent => self.on_insert_listing(result),
            Phase::ReadCurrent { card } => self.on_read_current(card, result),
            Phase::WithCard { side, card, step } => match step {
                CardStep::Pin(step) => self.on_pin_answer(side, card, step, result),
                CardStep::ReadAfterPin => self.on_read_after_pin(side, card, result),
                CardStep::Sign => self.on_signature(side, card, result),
            },
            Phase::Swap { accepted, stage } => self.on_swap_answer(accepted, stage, result),
            // Nothing is asked of the host in the other phases.
            _ => self.not_asked_for(result),
        }
    }

    /// 「OK」: on the confirmation, on a PIN-pad retry, on the swap once a different card is in.
    fn on_ok(&mut self) {
        match self.phase.clone() {
            Phase::Confirm => {
                self.phase = Phase::StartWatch;
                self.send(Command::Watch);
                self.show_progress(Progress::ReadingCard, Which::Current);
            }
            // After a wrong PIN or a timeout, the PIN pad asks again only when the bidder says so.
            Phase::WithCard {
                side,
                card,
                step: CardStep::Pin(PinStep::Dialog { .. }),
            } if card.pin.pad => self.verify_on_pad(side, card),
            Phase::Swap {
                accepted,
                stage: Swap::Ready { card },
            } => self.take_new_card(accepted, card),
            _ => {}
        }
    }

    // ----- endings and errors -----

    fn refuse(&mut self, reason: Refusal, error: Option<ErrorInfo>) {
        self.phase = Phase::Stopped;
        self.awaiting = None;
        self.show(Screen::Refused { reason, error });
    }

    fn fail(&mut self, failure: Failure) {
        self.phase = Phase::Stopped;
        self.awaiting = None;
        self.show(Screen::Failed { failure });
    }

    fn close(&mut self) {
        self.phase = Phase::Closed;
        self.awaiting = None;
        self.effects.push(Effect::Close);
    }

    fn unexpected(&mut self, reply: &Reply) {
        let detail = format!(
            "unexpected reply {}",
            crate::host_problem::reply_kind(reply)
        );
        self.fail(Failure::Card(
            ErrorInfo::new(ErrorCode::Internal).with_detail(detail),
        ));
    }

    /// An answer no card step asked for: an error stops the flow, a reply is unexpected.
    fn not_asked_for(&mut self, result: HostAnswer) {
        match result {
            Err(error) => self.fail(Failure::Card(error)),
            Ok(other) => self.unexpected(&other),
        }
    }

    // ----- requests -----

    fn take_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn send(&mut self, command: Command) {
        let id = self.take_id();
        self.awaiting = Some(id);
        self.effects.push(Effect::Send(Request { id, command }));
    }

    /// Asks the host for the readers, unless a listing just misled (see [`readers`]).
    fn relist(&mut self) {
        if self.readers.worth_listing() {
            self.send(Command::ListReaders);
        }
    }

    fn show(&mut self, screen: Screen) {
        self.effects.push(Effect::Show(screen));
    }

    fn show_progress(&mut self, step: Progress, card: Which) {
        self.show(Screen::Progress { step, card });
    }
}
