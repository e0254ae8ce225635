//! One look at every reader: its name, whether a card is in it and the card's ATR.

use std::time::Duration;

use pcsc::{Context, Error, ReaderState, State};

/// A reader as PC/SC last reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderSnapshot {
    pub name: String,
    pub card_present: bool,
    pub atr: Vec<u8>,
    /// Counts insertions and removals: a card swapped between two looks changes it.
    pub event_count: u32,
}

impl ReaderSnapshot {
    pub fn of(state: &ReaderState) -> Self {
        let card_present = state.event_state().contains(State::PRESENT);
        ReaderSnapshot {
            name: state.name().to_string_lossy().into_owned(),
            card_present,
            atr: if card_present {
                state.atr().to_vec()
            } else {
                Vec::new()
            },
            event_count: state.event_count(),
        }
    }
}

/// Reader names; no readers is an empty list, not an error.
pub fn reader_names(context: &Context) -> Result<Vec<std::ffi::CString>, Error> {
    match context.list_readers_owned() {
        Ok(names) => Ok(names),
        Err(Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// The current state of every reader, answered at once (states start UNAWARE, so PC/SC does not wait).
pub fn current_states(context: &Context) -> Result<Vec<ReaderState>, Error> {
    let mut states: Vec<ReaderState> = reader_names(context)?
        .into_iter()
        .map(|name| ReaderState::new(name, State::UNAWARE))
        .collect();
    if states.is_empty() {
        return Ok(states);
    }
    match context.get_status_change(Duration::ZERO, &mut states) {
        Ok(()) | Err(Error::Timeout) => Ok(states),
        Err(e) => Err(e),
    }
}

/// A reader that left: PC/SC marks it UNKNOWN (or IGNORE) rather than dropping it from the wait list.
pub fn is_gone(state: &ReaderState) -> bool {
    state
        .event_state()
        .intersects(State::UNKNOWN | State::IGNORE)
}
