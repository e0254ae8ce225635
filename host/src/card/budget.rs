//! A budget of APDUs and time for one card operation, under every driver: a faulty or hostile card (one byte per
//! READ BINARY, `61 01` before each byte, a chain that never ends) costs at most this much, then the operation
//! stops with a typed error ([`TransportError::OverBudget`] → `CARD_ERROR` with the limit in the detail).

use std::time::{Duration, Instant};

use super::{ApduTransport, TransportError};

/// APDUs one operation may send. The largest real operation is `read_certificate`: a certificate of at most
/// 16 KiB in 256-byte READ BINARYs is 64 of them, plus a SELECT or two; GET RESPONSE rounds (`61xx`) at most
/// double that, and detection sends one SELECT per matching profile. 256 is twice the worst real case; a card
/// answering one byte at a time is stopped after 256 bytes instead of after 32,000 APDUs.
pub const MAX_APDUS_PER_OPERATION: u32 = 256;

/// Time one operation may take, checked before each APDU. Real cards: 20–50 ms per APDU on slow readers, 1–2 s for
/// an RSA signature; a whole certificate at 9600 baud is about 2 s. The extension gives the host 20 s per
/// answer, which must also cover waiting for the card (service::lanes): 10 s leaves that room.
pub const MAX_OPERATION_TIME: Duration = Duration::from_secs(10);

/// How much one operation may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub apdus: u32,
    pub time: Duration,
}

impl Budget {
    /// The budget of every card operation: [`MAX_APDUS_PER_OPERATION`], [`MAX_OPERATION_TIME`].
    pub const OPERATION: Budget = Budget {
        apdus: MAX_APDUS_PER_OPERATION,
        time: MAX_OPERATION_TIME,
    };
}

/// Which limit an operation ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OverBudget {
    #[error("the card needed more than {0} commands")]
    Commands(u32),
    #[error("the card needed more than {} s", .0.as_secs())]
    Time(Duration),
}

/// A transport that refuses to send more than its [`Budget`] allows. Once over, every further APDU is refused
/// too, so a driver that swallows one error cannot go on.
pub struct Budgeted<T> {
    inner: T,
    budget: Budget,
    sent: u32,
    started: Instant,
    exceeded: Option<OverBudget>,
}

impl<T: ApduTransport> Budgeted<T> {
    /// Starts the clock now.
    pub fn new(inner: T, budget: Budget) -> Self {
        Budgeted {
            inner,
            budget,
            sent: 0,
            started: Instant::now(),
            exceeded: None,
        }
    }

    /// The transport under the budget (e.g. for a reader's control commands, which are not APDUs).
    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    pub fn into_inner(self) -> T {
        self.inner
    }

    /// APDUs sent so far.
    pub fn sent(&self) -> u32 {
        self.sent
    }

    /// The limit the operation ran into, if it did: the card is then in an unknown state (a chain half answered),
    /// and its connection should be reset rather than reused.
    pub fn exceeded(&self) -> Option<OverBudget> {
        self.exceeded
    }
}

impl<T: ApduTransport> ApduTransport for Budgeted<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        if self.exceeded.is_none() {
            if self.sent >= self.budget.apdus {
                self.exceeded = Some(OverBudget::Commands(self.budget.apdus));
            } else if self.started.elapsed() >= self.budget.time {
                self.exceeded = Some(OverBudget::Time(self.budget.time));
            }
        }
        if let Some(over) = self.exceeded {
            log::warn!("card operation stopped: {over}");
            return Err(TransportError::OverBudget(over));
        }
        self.sent += 1;
        self.inner.transmit(command)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::ScriptedTransport;

    /// Answers every APDU with 9000 and nothing else.
    struct Silent;
    impl ApduTransport for Silent {
        fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
            Ok(vec![0x90, 0x00])
        }
    }

    #[test]
    fn the_command_limit_stops_the_operation_and_stays_stopped() {
        let mut t = Budgeted::new(
            Silent,
            Budget {
                apdus: 3,
                time: Duration::from_secs(60),
            },
        );
        for _ in 0..3 {
            assert!(t.transmit(&[0, 0xB0, 0, 0, 1]).is_ok());
        }
        let refused = t.transmit(&[0, 0xB0, 0, 0, 1]).unwrap_err();
        assert_eq!(refused, TransportError::OverBudget(OverBudget::Commands(3)));
        assert_eq!(t.exceeded(), Some(OverBudget::Commands(3)));
        assert!(t.transmit(&[0, 0xB0, 0, 0, 1]).is_err(), "still refused");
        assert_eq!(t.sent(), 3);
    }

    #[test]
    fn the_time_limit_is_checked_before_each_apdu() {
        let mut t = Budgeted::new(
            ScriptedTransport::new(Vec::<(&str, &str)>::new()),
            Budget {
                apdus: 100,
                time: Duration::ZERO,
            },
        );
        let refused = t.transmit(&[0, 0xB0, 0, 0, 1]).unwrap_err();
        assert_eq!(
            refused,
            TransportError::OverBudget(OverBudget::Time(Duration::ZERO))
        );
        assert_eq!(t.into_inner().apdu_count(), 0, "nothing reached the card");
    }

    #[test]
    fn texts() {
        assert_eq!(
            OverBudget::Time(Duration::from_secs(10)).to_string(),
            "the card needed more than 10 s"
        );
    }
}
