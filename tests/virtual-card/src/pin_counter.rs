//! The card's PIN and its retry counter. Lives with the card, not with a connection, so tries spent survive
//! removal and re-insertion exactly like on a real card.

use ebid_protocol::Pin;

/// Outcome of presenting a PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinCheck {
    Correct,
    /// Wrong; this many tries are left (0 = just blocked).
    Wrong {
        tries_left: u8,
    },
    /// Blocked before this attempt: nothing was compared.
    Blocked,
}

#[derive(Debug)]
pub struct PinCounter {
    pin: Pin,
    max_tries: u8,
    tries_left: u8,
}

impl PinCounter {
    /// `tries_left` above `max_tries` is clamped; 0 means the card starts blocked.
    pub fn new(pin: Pin, max_tries: u8, tries_left: u8) -> Self {
        let max_tries = max_tries.clamp(1, 15);
        PinCounter {
            pin,
            max_tries,
            tries_left: tries_left.min(max_tries),
        }
    }

    pub fn tries_left(&self) -> u8 {
        self.tries_left
    }

    pub fn max_tries(&self) -> u8 {
        self.max_tries
    }

    pub fn is_blocked(&self) -> bool {
        self.tries_left == 0
    }

    /// For tests that need a card in a given state; `0` blocks it.
    pub fn set_tries_left(&mut self, tries: u8) {
        self.tries_left = tries.min(self.max_tries);
    }

    /// The PIN as the card stores it, for the emulation to encode per layout.
    pub fn expected(&self) -> &str {
        self.pin.expose()
    }

    /// Compare `presented` (already decoded by the layout) with the stored PIN, spending a try when wrong.
    pub fn check(&mut self, presented_matches: impl FnOnce(&str) -> bool) -> PinCheck {
        if self.is_blocked() {
            return PinCheck::Blocked;
        }
        if presented_matches(self.pin.expose()) {
            self.tries_left = self.max_tries;
            PinCheck::Correct
        } else {
            self.tries_left -= 1;
            PinCheck::Wrong {
                tries_left: self.tries_left,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_tries_count_down_block_and_stay_blocked() {
        let mut pin = PinCounter::new(Pin::new("1234"), 3, 3);
        assert_eq!(
            pin.check(|p| p == "0000"),
            PinCheck::Wrong { tries_left: 2 }
        );
        assert_eq!(pin.check(|p| p == "1234"), PinCheck::Correct);
        assert_eq!(pin.tries_left(), 3);
        for left in [2, 1, 0] {
            assert_eq!(pin.check(|_| false), PinCheck::Wrong { tries_left: left });
        }
        assert!(pin.is_blocked());
        assert_eq!(pin.check(|p| p == "1234"), PinCheck::Blocked);
    }
}
