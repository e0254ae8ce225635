//! A card's PIN, the same for both cards: the card tells its rules and tries left (`pin_status`), the bidder types
//! the PIN in the dialog or on the reader's PIN pad, the card checks it (`verify_pin`). A wrong PIN shows the tries
//! left; none left is a blocked card (閉塞).

use ebid_protocol::{ErrorCode, ErrorInfo, Pin, PinInfo, Reply};

use super::HostAnswer;
use crate::flow::pin_check::check_pin_format;
use crate::flow::screen::{Screen, Which};

/// What the flow knows about a card's PIN.
#[derive(Debug, Clone, Default)]
pub(super) struct CardPin {
    /// The PIN is typed on the reader's PIN pad (the reader list or the card said so).
    pub pad: bool,
    /// The card's PIN rules and tries left, once it told them.
    pub info: Option<PinInfo>,
}

/// Where a card's PIN step stands.
#[derive(Debug, Clone)]
pub(super) enum PinStep {
    /// `pin_status` is out.
    Status,
    /// The dialog waits for the bidder, showing the last attempt's `error`; nothing is out.
    Dialog { error: Option<ErrorInfo> },
    /// `verify_pin` without PIN is out: the PIN-pad reader asks the bidder.
    Pad,
    /// `verify_pin` with the typed PIN is out.
    Verify,
}

/// What an answer during the PIN step leads to.
// Returned and matched at once: boxing the unexpected reply would buy nothing.
#[allow(clippy::large_enum_variant)]
pub(super) enum PinOutcome {
    /// The dialog (again), showing `error`; with `ask_pad`, a PIN-pad reader is asked at once.
    Ask {
        error: Option<ErrorInfo>,
        ask_pad: bool,
    },
    Verified,
    /// No try left.
    Blocked(ErrorInfo),
    /// An error about the card itself (pulled out, unusable, …): what it means depends on which card it is.
    CardError(ErrorInfo),
    /// A reply to some other request.
    Unexpected(Reply),
}

impl CardPin {
    /// The answer to what `step` asked the card.
    pub fn on_answer(&mut self, step: &PinStep, result: HostAnswer) -> PinOutcome {
        match step {
            PinStep::Status => self.on_status(result),
            PinStep::Pad | PinStep::Verify => self.on_verify(result),
            // Nothing was asked while the dialog waits for the bidder.
            PinStep::Dialog { .. } => match result {
                Err(e) => PinOutcome::CardError(e),
                Ok(other) => PinOutcome::Unexpected(other),
            },
        }
    }

    /// The answer to `pin_status`.
    fn on_status(&mut self, result: HostAnswer) -> PinOutcome {
        match result {
            Ok(Reply::PinStatus(info)) => {
                if info.blocked || info.tries_left == Some(0) {
                    return PinOutcome::Blocked(ErrorInfo::new(ErrorCode::PinBlocked));
                }
                self.pad |= info.pin_pad;
                self.info = Some(info);
                PinOutcome::Ask {
                    error: None,
                    ask_pad: true,
                }
            }
            // The card cannot tell its tries: ask for the PIN anyway.
            Err(e) if !is_card_state_error(e.code) => PinOutcome::Ask {
                error: None,
                ask_pad: true,
            },
            Err(e) => PinOutcome::CardError(e),
            Ok(other) => PinOutcome::Unexpected(other),
        }
    }

    /// The answer to `verify_pin`, typed or on the PIN pad.
    fn on_verify(&mut self, result: HostAnswer) -> PinOutcome {
        match result {
            Ok(Reply::PinVerified) => PinOutcome::Verified,
            Err(e) if is_retry(e.code) => {
                if e.code == ErrorCode::WrongPin {
                    if e.retries_left == Some(0) {
                        return PinOutcome::Blocked(e);
                    }
                    if let Some(info) = self.info.as_mut() {
                        info.tries_left = e.retries_left;
                    }
                }
                // After a wrong PIN on a PIN pad, wait for the bidder's OK before asking the reader again.
                PinOutcome::Ask {
                    error: Some(e),
                    ask_pad: false,
                }
            }
            Err(e) => PinOutcome::CardError(e),
            Ok(other) => PinOutcome::Unexpected(other),
        }
    }

    /// `Ok` when the typed PIN fits the card's rules; else the error to show, so a typo never costs a try.
    pub fn check_format(&self, pin: &Pin) -> Result<(), ErrorInfo> {
        if check_pin_format(pin.expose(), self.info.as_ref()) {
            Ok(())
        } else {
            Err(ErrorInfo::new(ErrorCode::PinFormat))
        }
    }

    /// The PIN dialog for `card` at `step`.
    pub fn screen(&self, card: Which, step: &PinStep) -> Screen {
        let info = self.info.as_ref();
        let tries_left = info.and_then(|i| i.tries_left);
        Screen::Pin {
            card,
            tries_left,
            last_try: tries_left == Some(1),
            pin_pad: self.pad,
            pad_waiting: matches!(step, PinStep::Pad),
            min_length: info.map_or(0, |i| i.min_length),
            max_length: info.map_or(0, |i| i.max_length),
            error: match step {
                PinStep::Dialog { error } => error.clone(),
                _ => None,
            },
        }
    }
}

/// The bidder may try again: the PIN was wrong or badly formed, or the PIN pad gave up.
fn is_retry(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::WrongPin
            | ErrorCode::PinFormat
            | ErrorCode::PinPadTimeout
            | ErrorCode::PinPadCancelled
    )
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
