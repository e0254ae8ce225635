//! The renewal state machine. One request to the host is outstanding at a time; an answer whose id is not the one
//! awaited (because the card was pulled or the user moved on meanwhile) is dropped.
//!
//! Screens that wait for a card (insert the current card; each waiting stage of the swap) also ask the host for the
//! readers once when they appear: pcscd polls readers (~400 ms), so a card pulled and put back quicker than that
//! sends no event at all, and a flow waiting only for events would wait forever.

use ebid_protocol::{
    CertificateInfo, Command, ErrorCode, ErrorInfo, Event, Pin, PinInfo, ReaderInfo, Reply,
    Request, SignPurpose,
};

use super::pin_check::check_pin_format;
use super::screen::{Failure, Notice, Progress, Refusal, Screen, SwapStage, Which};
use super::{Effect, Input, UserAction};
use crate::portal_call::{read_answer, PortalCall, PortalProblem, PortalReply, PortalStep};

/// A card the flow works with, and what it has learnt about it.
#[derive(Debug, Clone)]
struct Card {
    reader: String,
    pin_pad: bool,
    certificate: Option<CertificateInfo>,
    pin_info: Option<PinInfo>,
}

#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Connecting,
    Confirm,
    StartWatch,
    InsertCurrent {
        notice: Option<Notice>,
    },
    /// Reading the current card's certificate before its PIN.
    ReadCurrent,
    PinStatus(Which),
    Pin {
        which: Which,
        error: Option<ErrorInfo>,
        /// PIN pad: a verify without PIN is outstanding.
        pad_waiting: bool,
    },
    Verify(Which),
    /// Reading the certificate after the PIN (JPKI hides it until then).
    ReadAfterPin(Which),
    Sign(Which),
    /// A call to the portal is outstanding.
    Portal(PortalStep),
    Swap {
        stage: SwapStage,
        notice: Option<Notice>,
        /// The reader whose card must leave (AwaitRemoval) or is being checked (Checking, Ready).
        reader: Option<String>,
    },
    Done,
    /// Refused or failed: the screen says why; any click closes.
    Stopped,
    Closed,
}

#[derive(Debug)]
pub struct RenewalFlow {
    origin: String,
    /// The portal's challenge for the current card, fetched by the flow itself (never from the page).
    challenge: Option<String>,
    /// The portal's challenge for the new card, given in answer to the current card's consent.
    new_card_challenge: Option<String>,
    phase: Phase,
    next_id: u64,
    awaiting: Option<u64>,
    readers: Vec<ReaderInfo>,
    current: Option<Card>,
    new: Option<Card>,
    /// The read outstanding was started because `list_readers` showed a card, not because of an event.
    read_from_listing: bool,
    /// Such a card turned out to be gone: trust only events until the host answers well again, else a reader
    /// that lists a card it cannot read would make list → read → insert screen → list … loop.
    listing_misled: bool,
}

impl RenewalFlow {
    /// `origin` is the portal origin as the browser reported the sender.
    pub fn new(origin: impl Into<String>) -> Self {
        RenewalFlow {
            origin: origin.into(),
            challenge: None,
            new_card_challenge: None,
            phase: Phase::Connecting,
            next_id: 1,
            awaiting: None,
            readers: Vec::new(),
            current: None,
            new: None,
            read_from_listing: false,
            listing_misled: false,
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
        let mut out = Vec::new();
        match input {
            Input::User(UserAction::Cancel) => self.close(&mut out),
            _ if self.phase == Phase::Stopped => {
                // Refusal and failure screens have one button: it closes.
                if let Input::User(UserAction::Ok) = input {
                    self.close(&mut out);
                }
            }
            Input::HostReady => {
                if self.phase == Phase::Connecting {
                    self.phase = Phase::Confirm;
                    out.push(Effect::Show(Screen::Confirm));
                }
            }
            Input::HostProblem(problem) => self.fail(Failure::Host(problem), &mut out),
            Input::Answer { id, result } => {
                if self.awaiting == Some(id) {
                    self.awaiting = None;
                    self.note_listing_outcome(&result);
                    self.on_answer(result, &mut out);
                }
            }
            Input::Event(event) => {
                // The readers changed for real: a listing can be believed again.
                self.listing_misled = false;
                self.on_event(event, &mut out)
            }
            Input::Portal {
                id,
                status,
                body,
                error,
            } => {
                if self.awaiting == Some(id) {
                    self.awaiting = None;
                    if let Phase::Portal(step) = self.phase {
                        let answer = read_answer(step, status, &body, error.as_deref());
                        self.on_portal_answer(step, answer, &mut out);
                    }
                }
            }
            Input::User(UserAction::Ok) => self.on_ok(&mut out),
            Input::User(UserAction::Pin { pin, operator: _ }) => self.on_pin(pin, &mut out),
        }
        out
    }

    // ----- user input -----

    fn on_ok(&mut self, out: &mut Vec<Effect>) {
        match self.phase.clone() {
            Phase::Confirm => {
                self.phase = Phase::StartWatch;
                self.send(Command::Watch, out);
                self.show_progress(Progress::ReadingCard, Which::Current, out);
            }
            Phase::Pin {
                which,
                error,
                pad_waiting: false,
            } if self.card(which).is_some_and(|c| c.pin_pad) => {
                let _ = error;
                self.verify_on_pad(which, out);
            }
            Phase::Swap {
                stage: SwapStage::Ready,
                ..
            } => {
                let Some(reader) = self.new.as_ref().map(|c| c.reader.clone()) else {
                    return;
                };
                self.phase = Phase::PinStatus(Which::New);
                self.send(Command::PinStatus { reader }, out);
                self.show_progress(Progress::ReadingCard, Which::New, out);
            }
            _ => {}
        }
    }

    fn on_pin(&mut self, pin: Pin, out: &mut Vec<Effect>) {
        let Phase::Pin {
            which,
            pad_waiting: false,
            ..
        } = self.phase
        else {
            return;
        };
        let Some(card) = self.card(which) else {
            return;
        };
        if card.pin_pad {
            return;
        }
        if !check_pin_format(pin.expose(), card.pin_info.as_ref()) {
            self.enter_pin(
                which,
                Some(ErrorInfo::new(ErrorCode::PinFormat)),
                false,
                out,
            );
            return;
        }
        let reader = card.reader.clone();
        self.phase = Phase::Verify(which);
        self.send(
            Command::VerifyPin {
                reader,
                pin: Some(pin),
            },
            out,
        );
        self.show_progress(Progress::CheckingPin, which, out);
    }

    // ----- host answers -----

    fn on_answer(&mut self, result: Result<Reply, ErrorInfo>, out: &mut Vec<Effect>) {
        match (self.phase.clone(), result) {
            (Phase::StartWatch, Ok(Reply::Watching { readers })) => {
                self.readers = readers;
                self.find_current_card(None, out);
            }
            (Phase::StartWatch, Ok(other)) => self.unexpected(&other, out),
            (Phase::StartWatch, Err(error)) => self.fail(Failure::Card(error), out),

            (Phase::ReadCurrent, Ok(Reply::Certificate(info))) => {
                if info.summary.expired {
                    return self.refuse(Refusal::Expired, None, out);
                }
                self.ask_pin_status(Which::Current, Some(info), out);
            }
            (Phase::ReadCurrent, Err(e)) if e.code == ErrorCode::PinRequired => {
                self.ask_pin_status(Which::Current, None, out)
            }

            (Phase::PinStatus(which), Ok(Reply::PinStatus(info))) => {
                if info.blocked || info.tries_left == Some(0) {
                    return self.blocked(which, ErrorInfo::new(ErrorCode::PinBlocked), out);
                }
                let pin_pad = info.pin_pad;
                if let Some(card) = self.card_mut(which) {
                    card.pin_pad |= pin_pad;
                    card.pin_info = Some(info);
                }
                self.enter_pin(which, None, true, out);
            }
            (Phase::PinStatus(which), Err(e)) if !is_card_state_error(e.code) => {
                // The card cannot tell its tries: ask for the PIN anyway.
                self.enter_pin(which, None, true, out)
            }

            (Phase::Verify(which), Ok(Reply::PinVerified))
            | (
                Phase::Pin {
                    which,
                    pad_waiting: true,
                    ..
                },
                Ok(Reply::PinVerified),
            ) => {
                let needs_read = self.card(which).is_some_and(|c| c.certificate.is_none());
                if needs_read {
                    let reader = self.reader_of(which);
                    self.phase = Phase::ReadAfterPin(which);
                    self.send(Command::ReadCertificate { reader }, out);
                    self.show_progress(Progress::ReadingCard, which, out);
                } else {
                    self.sign(which, out);
                }
            }
            (Phase::Verify(which), Err(e))
            | (
                Phase::Pin {
                    which,
                    pad_waiting: true,
                    ..
                },
                Err(e),
            ) if matches!(
                e.code,
                ErrorCode::WrongPin
                    | ErrorCode::PinFormat
                    | ErrorCode::PinPadTimeout
                    | ErrorCode::PinPadCancelled
            ) =>
            {
                if e.code == ErrorCode::WrongPin {
                    if e.retries_left == Some(0) {
                        return self.blocked(which, e, out);
                    }
                    if let Some(info) = self.card_mut(which).and_then(|c| c.pin_info.as_mut()) {
                        info.tries_left = e.retries_left;
                    }
                }
                // After a wrong PIN on a PIN pad, wait for the user's OK before asking the reader again.
                self.enter_pin(which, Some(e), false, out);
            }

            (Phase::ReadAfterPin(which), Ok(Reply::Certificate(info))) => match which {
                Which::Current if info.summary.expired => self.refuse(Refusal::Expired, None, out),
                Which::Current => {
                    if let Some(card) = self.card_mut(which) {
                        card.certificate = Some(info);
                    }
                    self.sign(which, out);
                }
                Which::New => self.take_new_certificate(info, true, out),
            },

            (Phase::Sign(which), Ok(Reply::Signature { signature, .. })) => {
                self.hand_over(which, signature, out)
            }
            (Phase::Sign(which), Err(e)) if e.code == ErrorCode::PinRequired => {
                // The card forgot the PIN (reset by another program): ask again.
                self.enter_pin(which, Some(e), false, out)
            }

            (Phase::InsertCurrent { .. }, Ok(Reply::Readers { readers })) => {
                self.readers = readers;
                self.insert_current_from_listing(out);
            }
            (
                Phase::Swap {
                    stage:
                        stage @ (SwapStage::AwaitRemoval | SwapStage::AwaitInsertion | SwapStage::Ready),
                    reader,
                    ..
                },
                Ok(Reply::Readers { readers }),
            ) => {
                self.readers = readers;
                self.swap_from_listing(stage, reader, out);
            }
            // The listing failed: the events will still tell.
            (Phase::InsertCurrent { .. }, Err(_))
            | (
                Phase::Swap {
                    stage: SwapStage::AwaitRemoval | SwapStage::AwaitInsertion | SwapStage::Ready,
                    ..
                },
                Err(_),
            ) => {}

            (
                Phase::Swap {
                    stage: SwapStage::Checking,
                    reader: Some(reader),
                    ..
                },
                result,
            ) => self.on_candidate(reader, result, out),

            (phase, Err(e)) => match phase_card(&phase) {
                Some(which) => self.card_error(which, e, out),
                None => self.fail(Failure::Card(e), out),
            },
            (_, Ok(other)) => self.unexpected(&other, out),
        }
    }

    /// The answer to reading the card inserted as the new one, before its PIN.
    fn on_candidate(
        &mut self,
        reader: String,
        result: Result<Reply, ErrorInfo>,
        out: &mut Vec<Effect>,
    ) {
        let pin_pad = self.reader_pin_pad(&reader);
        let mut card = Card {
            reader: reader.clone(),
            pin_pad,
            certificate: None,
            pin_info: None,
        };
        match result {
            Ok(Reply::Certificate(info)) => {
                card.certificate = Some(info.clone());
                self.new = Some(card);
                self.take_new_certificate(info, false, out);
            }
            Err(e) if e.code == ErrorCode::PinRequired => {
                // JPKI: the certificate shows after the PIN; the fingerprints are compared then.
                self.new = Some(card);
                self.swap(SwapStage::Ready, None, Some(reader), out);
            }
            Err(e) if matches!(e.code, ErrorCode::NoCard | ErrorCode::CardRemoved) => {
                self.swap(SwapStage::AwaitInsertion, None, None, out)
            }
            Err(e) => {
                let notice = match e.code {
                    ErrorCode::UnsupportedCard => Notice::NewCardUnsupported,
                    ErrorCode::CardExpired => Notice::NewCardExpired,
                    _ => Notice::NewCardUnreadable,
                };
                self.swap(SwapStage::AwaitRemoval, Some(notice), Some(reader), out);
            }
            Ok(other) => self.unexpected(&other, out),
        }
    }

    /// Checks the new card's certificate: a different, valid card goes on (to the PIN, or to signing after it).
    fn take_new_certificate(
        &mut self,
        info: CertificateInfo,
        pin_done: bool,
        out: &mut Vec<Effect>,
    ) {
        let reader = info.reader.clone();
        let current_fingerprint = self
            .current
            .as_ref()
            .and_then(|c| c.certificate.as_ref())
            .map(|c| c.summary.sha256_fingerprint.to_ascii_uppercase());
        let same = current_fingerprint.as_deref()
            == Some(
                info.summary
                    .sha256_fingerprint
                    .to_ascii_uppercase()
                    .as_str(),
            );
        if same || info.summary.expired {
            self.new = None;
            let notice = if same {
                Notice::SameCard
            } else {
                Notice::NewCardExpired
            };
            return self.swap(SwapStage::AwaitRemoval, Some(notice), Some(reader), out);
        }
        if let Some(card) = self.new.as_mut() {
            card.certificate = Some(info);
        }
        if pin_done {
            self.sign(Which::New, out);
        } else {
            self.swap(SwapStage::Ready, None, Some(reader), out);
        }
    }

    // ----- card and reader events -----

    fn on_event(&mut self, event: Event, out: &mut Vec<Effect>) {
        match event {
            Event::ReaderAdded { reader } => {
                if !self.readers.iter().any(|r| r.name == reader) {
                    self.readers.push(ReaderInfo {
                        name: reader,
                        card_present: false,
                        atr: None,
                        pin_pad: false,
                    });
                }
            }
            Event::ReaderRemoved { reader } => {
                self.readers.retain(|r| r.name != reader);
                self.on_card_removed(&reader, out);
            }
            Event::CardInserted { reader, atr } => {
                match self.readers.iter_mut().find(|r| r.name == reader) {
                    Some(r) => {
                        r.card_present = true;
                        r.atr = Some(atr);
                    }
                    None => self.readers.push(ReaderInfo {
                        name: reader.clone(),
                        card_present: true,
                        atr: Some(atr),
                        pin_pad: false,
                    }),
                }
                self.on_card_inserted(reader, out);
            }
            Event::CardRemoved { reader } => {
                if let Some(r) = self.readers.iter_mut().find(|r| r.name == reader) {
                    r.card_present = false;
                    r.atr = None;
                }
                self.on_card_removed(&reader, out);
            }
            Event::PcscUnavailable => {
                if !matches!(self.phase, Phase::Connecting | Phase::Confirm) {
                    self.fail(
                        Failure::Card(ErrorInfo::new(ErrorCode::PcscUnavailable)),
                        out,
                    );
                }
            }
            Event::PcscAvailable => {}
        }
    }

    fn on_card_inserted(&mut self, reader: String, out: &mut Vec<Effect>) {
        match &self.phase {
            Phase::InsertCurrent { .. } => self.find_current_card(Some(reader), out),
            Phase::Swap {
                stage: SwapStage::AwaitRemoval | SwapStage::AwaitInsertion,
                ..
            } => self.check_candidate(reader, out),
            _ => {}
        }
    }

    /// Reads the card in `reader` as the new one.
    fn check_candidate(&mut self, reader: String, out: &mut Vec<Effect>) {
        self.new = None;
        self.swap(SwapStage::Checking, None, Some(reader.clone()), out);
        self.send(Command::ReadCertificate { reader }, out);
    }

    // ----- acting on a fresh reader list -----

    /// Asks the host for the readers, unless a listing just misled us (see `listing_misled`).
    fn relist(&mut self, out: &mut Vec<Effect>) {
        if !self.listing_misled {
            self.send(Command::ListReaders, out);
        }
    }

    fn note_listing_outcome(&mut self, result: &Result<Reply, ErrorInfo>) {
        match result {
            Ok(_) => self.listing_misled = false,
            Err(e) if matches!(e.code, ErrorCode::NoCard | ErrorCode::CardRemoved) => {
                self.listing_misled |= self.read_from_listing
            }
            Err(_) => {}
        }
        self.read_from_listing = false;
    }

    fn first_card_reader(&self, except: Option<&str>) -> Option<String> {
        self.readers
            .iter()
            .find(|r| r.card_present && Some(r.name.as_str()) != except)
            .map(|r| r.name.clone())
    }

    fn card_listed_in(&self, reader: &str) -> bool {
        self.readers
            .iter()
            .any(|r| r.name == reader && r.card_present)
    }

    /// The insert screen learnt the readers: a card already in is read at once.
    fn insert_current_from_listing(&mut self, out: &mut Vec<Effect>) {
        if let Some(reader) = self.first_card_reader(None) {
            self.find_current_card(Some(reader), out);
            self.read_from_listing = true;
        }
    }

    /// A swap stage learnt the readers: the same steps the events would have caused.
    fn swap_from_listing(
        &mut self,
        stage: SwapStage,
        watched: Option<String>,
        out: &mut Vec<Effect>,
    ) {
        let watched_has_card = watched.as_deref().is_some_and(|r| self.card_listed_in(r));
        match stage {
            // The card in `watched` must leave; a card in another reader is a candidate.
            SwapStage::AwaitRemoval => {
                if let Some(reader) = self.first_card_reader(watched.as_deref()) {
                    self.check_candidate(reader, out);
                    self.read_from_listing = true;
                } else if watched.is_some() && !watched_has_card {
                    self.swap(SwapStage::AwaitInsertion, None, None, out);
                }
            }
            SwapStage::AwaitInsertion => {
                if let Some(reader) = self.first_card_reader(None) {
                    self.check_candidate(reader, out);
                    self.read_from_listing = true;
                }
            }
            // The checked card is gone already: wait for another.
            SwapStage::Ready if !watched_has_card => {
                self.new = None;
                self.swap(SwapStage::AwaitInsertion, None, None, out);
            }
            SwapStage::Ready | SwapStage::Checking => {}
        }
    }

    fn on_card_removed(&mut self, reader: &str, out: &mut Vec<Effect>) {
        match self.phase.clone() {
            Phase::Swap {
                stage,
                reader: Some(watched),
                ..
            } if watched == reader => {
                let _ = stage;
                self.new = None;
                self.awaiting = None;
                self.swap(SwapStage::AwaitInsertion, None, None, out);
            }
            phase => {
                if let Some(which) = phase_card(&phase) {
                    if self.card(which).is_some_and(|c| c.reader == reader) {
                        self.awaiting = None;
                        self.removed(which, out);
                    }
                }
            }
        }
    }

    // ----- steps -----

    /// Starts reading the current card in `preferred`, else in the first reader with a card; or waits for one.
    fn find_current_card(&mut self, preferred: Option<String>, out: &mut Vec<Effect>) {
        if self.readers.is_empty() {
            return self.fail(Failure::Card(ErrorInfo::new(ErrorCode::NoReader)), out);
        }
        let reader = preferred.or_else(|| {
            self.readers
                .iter()
                .find(|r| r.card_present)
                .map(|r| r.name.clone())
        });
        let Some(reader) = reader else {
            return self.insert_current(None, out);
        };
        self.current = Some(Card {
            pin_pad: self.reader_pin_pad(&reader),
            reader: reader.clone(),
            certificate: None,
            pin_info: None,
        });
        self.phase = Phase::ReadCurrent;
        self.send(Command::ReadCertificate { reader }, out);
        self.show_progress(Progress::ReadingCard, Which::Current, out);
    }

    fn ask_pin_status(
        &mut self,
        which: Which,
        certificate: Option<CertificateInfo>,
        out: &mut Vec<Effect>,
    ) {
        if let Some(card) = self.card_mut(which) {
            card.certificate = certificate;
        }
        let reader = self.reader_of(which);
        self.phase = Phase::PinStatus(which);
        self.send(Command::PinStatus { reader }, out);
    }

    /// Shows the PIN dialog. On a PIN pad with `ask_pad`, the reader is asked for the PIN at once.
    fn enter_pin(
        &mut self,
        which: Which,
        error: Option<ErrorInfo>,
        ask_pad: bool,
        out: &mut Vec<Effect>,
    ) {
        let pin_pad = self.card(which).is_some_and(|c| c.pin_pad);
        self.phase = Phase::Pin {
            which,
            error,
            pad_waiting: false,
        };
        if pin_pad && ask_pad {
            self.verify_on_pad(which, out);
        } else {
            out.push(Effect::Show(self.pin_screen()));
        }
    }

    fn verify_on_pad(&mut self, which: Which, out: &mut Vec<Effect>) {
        let reader = self.reader_of(which);
        self.phase = Phase::Pin {
            which,
            error: None,
            pad_waiting: true,
        };
        self.send(Command::VerifyPin { reader, pin: None }, out);
        out.push(Effect::Show(self.pin_screen()));
    }

    fn pin_screen(&self) -> Screen {
        let Phase::Pin {
            which,
            error,
            pad_waiting,
        } = &self.phase
        else {
            return Screen::Connecting;
        };
        let card = self.card(*which);
        let info = card.and_then(|c| c.pin_info.as_ref());
        let tries_left = info.and_then(|i| i.tries_left);
        Screen::Pin {
            card: *which,
            tries_left,
            last_try: tries_left == Some(1),
            pin_pad: card.is_some_and(|c| c.pin_pad),
            pad_waiting: *pad_waiting,
            min_length: info.map_or(0, |i| i.min_length),
            max_length: info.map_or(0, |i| i.max_length),
            error: error.clone(),
        }
    }

    fn sign(&mut self, which: Which, out: &mut Vec<Effect>) {
        let Some(challenge) = self.challenge_for(which) else {
            // The current card's challenge is fetched once its PIN is in, so it is fresh when signed.
            return match which {
                Which::Current => self.call_portal(
                    PortalCall {
                        step: PortalStep::Challenge,
                        fields: Vec::new(),
                    },
                    out,
                ),
                Which::New => self.fail(
                    Failure::Card(
                        ErrorInfo::new(ErrorCode::Internal)
                            .with_detail("no challenge for the new card"),
                    ),
                    out,
                ),
            };
        };
        let reader = self.reader_of(which);
        let (purpose, bound_certificate) = match which {
            Which::Current => (SignPurpose::RenewCurrent, None),
            Which::New => (
                SignPurpose::RenewNew,
                self.current
                    .as_ref()
                    .and_then(|c| c.certificate.as_ref())
                    .map(|c| c.certificate.clone()),
            ),
        };
        self.phase = Phase::Sign(which);
        self.send(
            Command::SignChallenge {
                reader,
                origin: self.origin.clone(),
                challenge,
                purpose,
                bound_certificate,
            },
            out,
        );
        self.show_progress(Progress::Signing, which, out);
    }

    /// Hands a card's signature to the portal with its certificate and the challenge it signed.
    fn hand_over(&mut self, which: Which, signature: String, out: &mut Vec<Effect>) {
        let certificate = self
            .card(which)
            .and_then(|c| c.certificate.as_ref())
            .map(|c| c.certificate.clone());
        let challenge = self.challenge_for(which);
        let (Some(certificate), Some(challenge)) = (certificate, challenge) else {
            return self.fail(
                Failure::Card(
                    ErrorInfo::new(ErrorCode::Internal).with_detail("renewal data incomplete"),
                ),
                out,
            );
        };
        let call = match which {
            Which::Current => PortalCall {
                step: PortalStep::Current,
                fields: vec![
                    ("challenge", challenge),
                    ("oldCertificate", certificate),
                    ("oldSignature", signature),
                ],
            },
            Which::New => PortalCall {
                step: PortalStep::New,
                fields: vec![
                    ("challenge", challenge),
                    ("newCertificate", certificate),
                    ("newSignature", signature),
                ],
            },
        };
        self.call_portal(call, out);
    }

    fn call_portal(&mut self, call: PortalCall, out: &mut Vec<Effect>) {
        let id = self.next_id;
        self.next_id += 1;
        self.awaiting = Some(id);
        self.phase = Phase::Portal(call.step);
        out.push(Effect::Show(Screen::Progress {
            step: Progress::Portal,
            card: match call.step {
                PortalStep::New => Which::New,
                PortalStep::Challenge | PortalStep::Current => Which::Current,
            },
        }));
        out.push(Effect::Portal { id, call });
    }

    fn on_portal_answer(
        &mut self,
        step: PortalStep,
        answer: Result<PortalReply, PortalProblem>,
        out: &mut Vec<Effect>,
    ) {
        match (step, answer) {
            (PortalStep::Challenge, Ok(PortalReply::Challenge(challenge))) => {
                self.challenge = Some(challenge);
                self.sign(Which::Current, out);
            }
            // The portal took the current card's consent: now the new card.
            (PortalStep::Current, Ok(PortalReply::Challenge(challenge))) => {
                self.new_card_challenge = Some(challenge);
                let reader = self.current.as_ref().map(|c| c.reader.clone());
                self.swap(SwapStage::AwaitRemoval, None, reader, out);
            }
            (PortalStep::New, Ok(PortalReply::Confirmed)) => {
                self.phase = Phase::Done;
                out.push(Effect::Show(Screen::Done));
                out.push(Effect::Finish);
            }
            (_, Ok(_)) => self.fail(
                Failure::Portal {
                    detail: format!("{step:?}: unexpected answer"),
                },
                out,
            ),
            (
                _,
                Err(PortalProblem::Refused {
                    title,
                    message,
                    registration_pointer,
                    ..
                }),
            ) => {
                self.phase = Phase::Stopped;
                out.push(Effect::Show(Screen::PortalRefused {
                    title,
                    message,
                    registration_pointer,
                }));
            }
            (_, Err(PortalProblem::Unreachable { detail })) => {
                self.fail(Failure::Portal { detail }, out)
            }
        }
    }

    fn challenge_for(&self, which: Which) -> Option<String> {
        match which {
            Which::Current => self.challenge.clone(),
            Which::New => self.new_card_challenge.clone(),
        }
    }

    /// Shows 「ICカードを挿入してください」 and looks at the readers once.
    fn insert_current(&mut self, notice: Option<Notice>, out: &mut Vec<Effect>) {
        self.phase = Phase::InsertCurrent { notice };
        out.push(Effect::Show(Screen::InsertCurrentCard { notice }));
        self.relist(out);
    }

    /// Shows a swap stage; a waiting stage looks at the readers once (Checking has its read outstanding).
    fn swap(
        &mut self,
        stage: SwapStage,
        notice: Option<Notice>,
        reader: Option<String>,
        out: &mut Vec<Effect>,
    ) {
        self.phase = Phase::Swap {
            stage,
            notice,
            reader,
        };
        out.push(Effect::Show(Screen::Swap { stage, notice }));
        if stage != SwapStage::Checking {
            self.relist(out);
        }
    }

    // ----- endings and errors -----

    /// Errors about the card in hand: pulled out, blocked, unusable, expired; anything else stops the flow.
    fn card_error(&mut self, which: Which, error: ErrorInfo, out: &mut Vec<Effect>) {
        match (error.code, which) {
            (ErrorCode::NoCard | ErrorCode::CardRemoved, _) => self.removed(which, out),
            (ErrorCode::PinBlocked, _) => self.blocked(which, error, out),
            (ErrorCode::UnsupportedCard, Which::Current) => {
                self.refuse(Refusal::Unsupported, Some(error), out)
            }
            (ErrorCode::CardExpired, Which::Current) => {
                self.refuse(Refusal::Expired, Some(error), out)
            }
            (ErrorCode::UnsupportedCard, Which::New) => {
                let reader = self.new.take().map(|c| c.reader);
                self.swap(
                    SwapStage::AwaitRemoval,
                    Some(Notice::NewCardUnsupported),
                    reader,
                    out,
                )
            }
            (ErrorCode::CardExpired, Which::New) => {
                let reader = self.new.take().map(|c| c.reader);
                self.swap(
                    SwapStage::AwaitRemoval,
                    Some(Notice::NewCardExpired),
                    reader,
                    out,
                )
            }
            _ => self.fail(Failure::Card(error), out),
        }
    }

    fn removed(&mut self, which: Which, out: &mut Vec<Effect>) {
        match which {
            Which::Current => {
                self.current = None;
                self.insert_current(Some(Notice::CardRemoved), out);
            }
            Which::New => {
                self.new = None;
                self.swap(
                    SwapStage::AwaitInsertion,
                    Some(Notice::CardRemoved),
                    None,
                    out,
                );
            }
        }
    }

    fn blocked(&mut self, which: Which, error: ErrorInfo, out: &mut Vec<Effect>) {
        match which {
            Which::Current => self.refuse(Refusal::Blocked, Some(error), out),
            // A blocked new card cannot be renewed to; the bidder needs the CA, not a new registration.
            Which::New => self.fail(Failure::Card(error), out),
        }
    }

    fn refuse(&mut self, reason: Refusal, error: Option<ErrorInfo>, out: &mut Vec<Effect>) {
        self.phase = Phase::Stopped;
        self.awaiting = None;
        out.push(Effect::Show(Screen::Refused { reason, error }));
    }

    fn fail(&mut self, failure: Failure, out: &mut Vec<Effect>) {
        self.phase = Phase::Stopped;
        self.awaiting = None;
        out.push(Effect::Show(Screen::Failed { failure }));
    }

    fn close(&mut self, out: &mut Vec<Effect>) {
        self.phase = Phase::Closed;
        self.awaiting = None;
        out.push(Effect::Close);
    }

    fn unexpected(&mut self, reply: &Reply, out: &mut Vec<Effect>) {
        let detail = format!(
            "unexpected reply {}",
            crate::host_problem::reply_kind(reply)
        );
        self.fail(
            Failure::Card(ErrorInfo::new(ErrorCode::Internal).with_detail(detail)),
            out,
        );
    }

    // ----- helpers -----

    fn send(&mut self, command: Command, out: &mut Vec<Effect>) {
        let id = self.next_id;
        self.next_id += 1;
        self.awaiting = Some(id);
        out.push(Effect::Send(Request { id, command }));
    }

    fn show_progress(&self, step: Progress, card: Which, out: &mut Vec<Effect>) {
        out.push(Effect::Show(Screen::Progress { step, card }));
    }

    fn card(&self, which: Which) -> Option<&Card> {
        match which {
            Which::Current => self.current.as_ref(),
            Which::New => self.new.as_ref(),
        }
    }

    fn card_mut(&mut self, which: Which) -> Option<&mut Card> {
        match which {
            Which::Current => self.current.as_mut(),
            Which::New => self.new.as_mut(),
        }
    }

    fn reader_of(&self, which: Which) -> String {
        self.card(which)
            .map(|c| c.reader.clone())
            .unwrap_or_default()
    }

    fn reader_pin_pad(&self, reader: &str) -> bool {
        self.readers.iter().any(|r| r.name == reader && r.pin_pad)
    }
}

/// The card a phase works on, if any.
fn phase_card(phase: &Phase) -> Option<Which> {
    match phase {
        Phase::ReadCurrent => Some(Which::Current),
        Phase::PinStatus(w)
        | Phase::Verify(w)
        | Phase::ReadAfterPin(w)
        | Phase::Sign(w)
        | Phase::Pin { which: w, .. } => Some(*w),
        _ => None,
    }
}

/// Errors that say something about the card itself (as opposed to "cannot tell").
fn is_card_state_error(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::NoCard
            | ErrorCode::CardRemoved
            | ErrorCode::PinBlocked
            | ErrorCode::UnsupportedCard
            | ErrorCode::CardExpired
            | ErrorCode::PcscUnavailable
            | ErrorCode::NoReader
    )
}
