//! Drives a flow like the service worker does, and brings it to the steps the scenarios start from.

use ebid_protocol::{Command, ErrorCode, Event, Pin, Reply, Request, SignPurpose};

use super::*;
use crate::portal_call::{PortalCall, PortalStep};

/// A flow plus the id of the request it last sent, so tests answer like the host would.
pub(super) struct Driver {
    pub flow: Flow,
    pub last: Option<Request>,
    pub last_portal: Option<(u64, PortalCall)>,
}

/// Brings a fresh flow to one step (a row of a table).
pub(super) type Step = fn(&mut Driver);

impl Driver {
    /// A renewal.
    pub fn new() -> Self {
        Driver::for_operation(Operation::Renew)
    }

    pub fn for_operation(operation: Operation) -> Self {
        let flow = Flow::new(operation, ORIGIN);
        assert_eq!(flow.start(), vec![Effect::Show(Screen::Connecting)]);
        Driver {
            flow,
            last: None,
            last_portal: None,
        }
    }

    /// A fresh flow brought to `step`.
    pub fn at(step: Step) -> Self {
        let mut d = Driver::new();
        step(&mut d);
        d
    }

    pub fn feed(&mut self, input: Input) -> Vec<Effect> {
        let effects = self.flow.handle(input);
        for effect in &effects {
            match effect {
                Effect::Send(request) => self.last = Some(request.clone()),
                Effect::Portal { id, call } => self.last_portal = Some((*id, call.clone())),
                _ => {}
            }
        }
        effects
    }

    pub fn ok(&mut self) -> Vec<Effect> {
        self.feed(Input::User(UserAction::Ok))
    }

    pub fn cancel(&mut self) -> Vec<Effect> {
        self.feed(Input::User(UserAction::Cancel))
    }

    pub fn pin(&mut self, pin: &str) -> Vec<Effect> {
        self.feed(Input::User(UserAction::Pin {
            pin: Pin::new(pin),
            operator: None,
        }))
    }

    pub fn answer(&mut self, result: HostAnswer) -> Vec<Effect> {
        let id = self.last.as_ref().expect("a request was sent").id;
        self.feed(Input::Answer { id, result })
    }

    /// Answers the request with this id, however late.
    pub fn answer_to(&mut self, id: u64, result: HostAnswer) -> Vec<Effect> {
        self.feed(Input::Answer { id, result })
    }

    /// The portal answers the last call with this status and JSON body.
    pub fn portal(&mut self, status: u16, body: &str) -> Vec<Effect> {
        let (id, _) = self.last_portal.clone().expect("a portal call was made");
        self.feed(Input::Portal {
            id,
            status,
            body: body.into(),
            error: None,
        })
    }

    pub fn last_portal_call(&self) -> &PortalCall {
        &self.last_portal.as_ref().expect("a portal call was made").1
    }

    pub fn last_command(&self) -> &Command {
        &self.last.as_ref().expect("a request was sent").command
    }

    pub fn event(&mut self, event: Event) -> Vec<Effect> {
        self.feed(Input::Event(event))
    }

    pub fn insert(&mut self, reader: &str, atr: &str) -> Vec<Effect> {
        self.event(Event::CardInserted {
            reader: reader.into(),
            atr: atr.into(),
        })
    }

    pub fn remove(&mut self, reader: &str) -> Vec<Effect> {
        self.event(Event::CardRemoved {
            reader: reader.into(),
        })
    }

    /// The bidder pulls the card out of READER and inserts one with this ATR.
    pub fn swap_cards(&mut self, atr: &str) {
        self.remove(READER);
        self.insert(READER, atr);
    }

    /// Hello and OK on the confirmation: `watch` is out.
    pub fn confirm(&mut self) {
        self.feed(Input::HostReady);
        self.ok();
    }

    /// The current card's PIN is accepted: the flow fetches the portal's challenge, then signs it.
    pub fn pin_verified_then_signs(&mut self) {
        self.answer(Ok(Reply::PinVerified));
        assert_eq!(self.last_portal_call().step, PortalStep::Challenge);
        self.portal(200, &format!(r#"{{"challenge":"{CHALLENGE}"}}"#));
        assert!(matches!(self.last_command(), Command::SignChallenge { .. }));
    }

    /// Hello, OK on the confirmation, readers listed with the current card present.
    pub fn advance_to_reading_current(&mut self, pin_pad: bool) {
        assert_eq!(
            self.feed(Input::HostReady),
            vec![Effect::Show(Screen::Confirm {
                operation: self.flow.operation()
            })]
        );
        let effects = self.ok();
        assert!(matches!(self.last_command(), Command::Watch));
        assert!(shows(&effects, |s| matches!(s, Screen::Progress { .. })));
        self.answer(Ok(Reply::Watching {
            readers: vec![reader(READER, true, pin_pad)],
        }));
        assert_eq!(self.last_command(), &read(READER));
    }

    /// Up to the current card's PIN dialog with `tries` left.
    pub fn advance_to_current_pin(&mut self, tries: u8) -> Vec<Effect> {
        self.advance_to_reading_current(false);
        self.answer(Ok(Reply::Certificate(old_cert())));
        assert!(matches!(self.last_command(), Command::PinStatus { .. }));
        self.answer(Ok(Reply::PinStatus(pin_info(tries))))
    }

    /// Up to the swap message, the current card signed.
    pub fn advance_to_swap(&mut self) {
        self.advance_to_current_pin(3);
        self.pin("1234");
        let effects = self.answer(Ok(Reply::PinVerified));
        assert!(
            !sent(&effects),
            "no signature before the portal's challenge"
        );
        assert_eq!(self.last_portal_call().step, PortalStep::Challenge);
        self.portal(200, &format!(r#"{{"challenge":"{CHALLENGE}"}}"#));
        assert!(matches!(
            self.last_command(),
            Command::SignChallenge {
                purpose: SignPurpose::RenewCurrent,
                bound_certificate: None,
                challenge,
                ..
            } if challenge == CHALLENGE
        ));
        self.answer(Ok(signature("T0xEU0lH")));
        assert_eq!(
            self.last_portal_call(),
            &hand_over(
                PortalStep::Current,
                [
                    ("challenge", CHALLENGE),
                    ("oldCertificate", "T0xE"),
                    ("oldSignature", "T0xEU0lH"),
                ]
            )
        );
        let effects = self.portal(200, &format!(r#"{{"challenge":"{NEW_CHALLENGE}"}}"#));
        assert_eq!(
            screen(&effects),
            Some(&swap_screen(SwapStage::AwaitRemoval, None))
        );
    }

    /// The current card swapped for the new one in READER, read and found different: OK is enabled.
    pub fn advance_to_new_card_ready(&mut self) {
        self.advance_to_swap();
        self.swap_cards("3B01");
        let effects = self.answer(Ok(Reply::Certificate(new_cert())));
        assert_eq!(screen(&effects), Some(&swap_screen(SwapStage::Ready, None)));
    }

    /// Swap done and OK pressed: the new card's PIN status, with `tries` left, is the answer returned.
    pub fn advance_to_new_pin_with(&mut self, tries: u8) -> Vec<Effect> {
        self.advance_to_new_card_ready();
        self.ok();
        assert!(matches!(self.last_command(), Command::PinStatus { .. }));
        self.answer(Ok(Reply::PinStatus(pin_info(tries))))
    }

    /// Swap done: the new card read and OK pressed; its PIN dialog is up.
    pub fn advance_to_new_pin(&mut self) -> Vec<Effect> {
        self.advance_to_new_pin_with(3)
    }
}

// ----- steps with one request outstanding, for the tables -----

/// `read_certificate` of the current card is out.
pub(super) fn reading_current(d: &mut Driver) {
    d.advance_to_reading_current(false);
}

/// `pin_status` of the current card is out.
pub(super) fn current_pin_status(d: &mut Driver) {
    d.advance_to_reading_current(false);
    d.answer(Ok(Reply::Certificate(old_cert())));
}

/// `verify_pin` with the current card's typed PIN is out.
pub(super) fn verifying_current(d: &mut Driver) {
    d.advance_to_current_pin(3);
    d.pin("1234");
}

/// `verify_pin` on the current card's PIN-pad reader is out.
pub(super) fn current_pin_pad(d: &mut Driver) {
    d.advance_to_reading_current(true);
    d.answer(Ok(Reply::Certificate(old_cert())));
    d.answer(Ok(Reply::PinStatus(pin_info(3))));
}

/// A JPKI current card: `read_certificate` after its PIN is out.
pub(super) fn reading_current_after_pin(d: &mut Driver) {
    d.advance_to_reading_current(false);
    d.answer(Err(error(ErrorCode::PinRequired)));
    d.answer(Ok(Reply::PinStatus(pin_info(3))));
    d.pin("1234");
    d.answer(Ok(Reply::PinVerified));
}

/// `sign_challenge` for the current card is out.
pub(super) fn signing_current(d: &mut Driver) {
    d.advance_to_current_pin(3);
    d.pin("1234");
    d.pin_verified_then_signs();
}

/// The portal is asked for the current card's challenge (its PIN is in).
pub(super) fn fetching_challenge(d: &mut Driver) {
    d.advance_to_current_pin(3);
    d.pin("1234");
    d.answer(Ok(Reply::PinVerified));
}

/// The card inserted as the new one is being read.
pub(super) fn checking_candidate(d: &mut Driver) {
    d.advance_to_swap();
    d.swap_cards("3B02");
}

/// `pin_status` of the new card is out.
pub(super) fn new_pin_status(d: &mut Driver) {
    d.advance_to_new_card_ready();
    d.ok();
}

/// `verify_pin` with the new card's typed PIN is out.
pub(super) fn verifying_new(d: &mut Driver) {
    d.advance_to_new_pin();
    d.pin("5678");
}

/// A JPKI new card: `read_certificate` after its PIN is out.
pub(super) fn reading_new_after_pin(d: &mut Driver) {
    d.advance_to_swap();
    d.swap_cards("3B01");
    d.answer(Err(error(ErrorCode::PinRequired)));
    d.ok();
    d.answer(Ok(Reply::PinStatus(pin_info(3))));
    d.pin("5678");
    d.answer(Ok(Reply::PinVerified));
}

/// `sign_challenge` for the new card is out.
pub(super) fn signing_new(d: &mut Driver) {
    d.advance_to_new_pin();
    d.pin("5678");
    d.answer(Ok(Reply::PinVerified));
}
