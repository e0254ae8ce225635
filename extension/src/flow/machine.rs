//! The card flows' state machine: [`Flow::handle`] routes each input to the step the flow is at ([`phase`]). The
//! operation ([`Operation`]) decides the first card's purpose and whether a new card follows; the steps are shared.
//! One request to the host is outstanding at a time; an answer whose id is not the one awaited (because the card
//! was pulled or the user moved on meanwhile) is dropped.
//!
//! The steps, in the order the bidder meets them: [`current_card`] (finding and reading the current card),
//! [`card_steps`] (PIN, read after PIN, signature — the same for both cards, with [`pin`]), [`portal_steps`]
//! (challenge and the hand-overs), [`swap`] (the renewal's current card out, new card in); [`events`] and
//! [`readers`] keep track of the readers.

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
use super::{Effect, Input, Operation, UserAction};
use phase::{CardStep, Phase, Side, Swap};
use pin::PinStep;
use readers::Readers;

/// What the host answered a request.
type HostAnswer = Result<Reply, ErrorInfo>;

#[derive(Debug)]
pub struct Flow {
    operation: Operation,
    origin: String,
    /// `watch` was answered: the host reports reader events (a flow turned registration lists the readers again).
    watching: bool,
    phase: Phase,
    /// Ids for host requests and portal calls alike, never reused.
    next_id: u64,
    /// The host request whose answer the flow waits for.
    awaiting: Option<u64>,
    readers: Readers,
    /// The portal's challenge for the current card: fetched once its PIN is in, kept if the card is pulled and
    /// put back or forgets its PIN, handed back with its signature.
    challenge: Option<String>,
    /// What handling the current input has led to, in order; [`Flow::handle`] returns it.
    effects: Vec<Effect>,
}

impl Flow {
    /// `origin` is the portal origin as the browser reported the sender.
    pub fn new(operation: Operation, origin: impl Into<String>) -> Self {
        Flow {
            operation,
            origin: origin.into(),
            watching: false,
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

    /// What the flow does now (a refusal's 「登録」 turns it into [`Operation::Register`]).
    pub fn operation(&self) -> Operation {
        self.operation
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
            _ if matches!(self.phase, Phase::Stopped { .. }) => match input {
                // Refusal and failure screens close; those pointing to 2.1.3 also offer 「登録」.
                Input::User(UserAction::Ok) => self.close(),
                Input::User(UserAction::Register)
                    if matches!(
                        self.phase,
                        Phase::Stopped {
                            offers_register: true
                        }
                    ) =>
                {
                    self.become_registration()
                }
                _ => {}
            },
            Input::HostReady => {
                if matches!(self.phase, Phase::Connecting) {
                    self.confirm();
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
            // 「登録」 exists on the refusal screens only.
            Input::User(UserAction::Register) => {}
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
                // The host watches once per port: a flow turned registration just looks at the readers.
                self.send(if self.watching {
                    Command::ListReaders
                } else {
                    Command::Watch
                });
                self.show_progress(Progress::ReadingCard, self.first_card());
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

    /// The confirmation: for the operation, which card to insert.
    fn confirm(&mut self) {
        self.phase = Phase::Confirm;
        self.show(Screen::Confirm {
            operation: self.operation,
        });
    }

    /// 「登録」 on a refusal: the same dialog, for the same page, now registers a card (the bidder inserts the card to
    /// register). Nothing of the refused operation is kept but the host's port.
    fn become_registration(&mut self) {
        self.operation = Operation::Register;
        self.challenge = None;
        self.awaiting = None;
        self.confirm();
    }

    /// The card the flow starts with: the renewal's current card, or the one card of the other operations.
    fn first_card(&self) -> Which {
        if self.operation.has_new_card() {
            Which::Current
        } else {
            Which::Only
        }
    }

    /// Which card a step's side is, for the screens.
    fn which(&self, side: &Side) -> Which {
        match side {
            Side::Current => self.first_card(),
            Side::New(_) => Which::New,
        }
    }

    // ----- endings and errors -----

    /// The card cannot be used; an expired or blocked card points to 2.1.3 and offers 「登録」.
    fn refuse(&mut self, reason: Refusal, error: Option<ErrorInfo>) {
        self.phase = Phase::Stopped {
            offers_register: reason != Refusal::Unsupported,
        };
        self.awaiting = None;
        let card = self.first_card();
        self.show(Screen::Refused {
            reason,
            card,
            error,
        });
    }

    fn fail(&mut self, failure: Failure) {
        self.phase = Phase::Stopped {
            offers_register: false,
        };
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
