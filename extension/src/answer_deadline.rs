//! How long the host may take to answer each request, and which request is overdue. The Hello has its own
//! timeout; after it, a host that hangs (stuck driver, deadlocked pcscd) would leave the dialog spinning forever.
//! The native port keeps one [`AnswerDeadlines`]; the time is passed in (ms), so the tests use a fake clock.

use ebid_protocol::{Command, HostMessage, Request};

use crate::host_problem::HostProblem;

/// Ordinary card commands: a slow real card takes 1–2 s for an RSA signature, a reader retry a few more.
pub const CARD_COMMAND_TIMEOUT_MS: u32 = 20_000;

/// `verify_pin` without PIN on a PIN-pad reader: the bidder is typing on the reader, which the host tells to give
/// up after 60 s (it then answers `PIN_PAD_TIMEOUT`); this is the backstop for a host that never does.
pub const PIN_PAD_TIMEOUT_MS: u32 = 90_000;

/// How long the host gets to answer `command`.
pub fn answer_timeout_ms(command: &Command) -> u32 {
    match command {
        Command::VerifyPin { pin: None, .. } => PIN_PAD_TIMEOUT_MS,
        _ => CARD_COMMAND_TIMEOUT_MS,
    }
}

/// The requests sent and not yet answered, each with the time its answer is due.
#[derive(Debug, Default)]
pub struct AnswerDeadlines {
    pending: Vec<Pending>,
}

#[derive(Debug)]
struct Pending {
    id: u64,
    due_ms: f64,
    command: &'static str,
    timeout_ms: u32,
}

impl AnswerDeadlines {
    pub fn sent(&mut self, request: &Request, now_ms: f64) {
        let timeout_ms = answer_timeout_ms(&request.command);
        self.pending.push(Pending {
            id: request.id,
            due_ms: now_ms + f64::from(timeout_ms),
            command: request.command.name(),
            timeout_ms,
        });
    }

    /// A message from the host: a response or an error with an id settles that request (events settle nothing).
    pub fn received(&mut self, message: &HostMessage) {
        let id = match message {
            HostMessage::Response { id, .. } | HostMessage::Error { id: Some(id), .. } => *id,
            _ => return,
        };
        self.pending.retain(|p| p.id != id);
    }

    /// When the earliest outstanding answer is due, if any is outstanding.
    pub fn next_due_ms(&self) -> Option<f64> {
        self.pending.iter().map(|p| p.due_ms).reduce(f64::min)
    }

    /// The problem to report when an answer is overdue at `now_ms`.
    pub fn overdue(&self, now_ms: f64) -> Option<HostProblem> {
        self.pending
            .iter()
            .filter(|p| p.due_ms <= now_ms)
            .min_by(|a, b| a.due_ms.total_cmp(&b.due_ms))
            .map(|p| HostProblem::StoppedAnswering {
                request: p.command.to_string(),
                waited_s: p.timeout_ms / 1000,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ebid_protocol::{ErrorCode, ErrorInfo, Event, Pin, Reply, SignPurpose};

    fn request(id: u64, command: Command) -> Request {
        Request { id, command }
    }

    fn sign(id: u64) -> Request {
        request(
            id,
            Command::SignChallenge {
                reader: "R".into(),
                origin: "https://www.ebid.city.sapporo.jp".into(),
                challenge: "Y2g=".into(),
                purpose: SignPurpose::RenewCurrent,
                bound_certificate: None,
            },
        )
    }

    #[test]
    fn card_commands_get_twenty_seconds() {
        let mut deadlines = AnswerDeadlines::default();
        assert_eq!(deadlines.next_due_ms(), None);
        deadlines.sent(&sign(7), 1_000.0);
        assert_eq!(deadlines.next_due_ms(), Some(21_000.0));
        assert_eq!(
            deadlines.overdue(20_999.0),
            None,
            "a slow card is not a hung host"
        );
        assert_eq!(
            deadlines.overdue(21_000.0),
            Some(HostProblem::StoppedAnswering {
                request: "sign_challenge".into(),
                waited_s: 20,
            })
        );
    }

    #[test]
    fn an_answer_or_an_error_settles_its_request_only() {
        let mut deadlines = AnswerDeadlines::default();
        deadlines.sent(&request(1, Command::Watch), 0.0);
        deadlines.sent(&request(2, Command::ListReaders), 5_000.0);
        deadlines.received(&HostMessage::Event {
            event: Event::CardRemoved { reader: "R".into() },
        });
        deadlines.received(&HostMessage::Response {
            id: 99,
            result: Reply::Unwatched,
        });
        assert_eq!(deadlines.next_due_ms(), Some(20_000.0));
        deadlines.received(&HostMessage::Response {
            id: 1,
            result: Reply::Unwatched,
        });
        assert_eq!(deadlines.next_due_ms(), Some(25_000.0));
        assert_eq!(deadlines.overdue(24_000.0), None);
        assert!(matches!(
            deadlines.overdue(25_000.0),
            Some(HostProblem::StoppedAnswering { request, .. }) if request == "list_readers"
        ));
        deadlines.received(&HostMessage::Error {
            id: Some(2),
            error: ErrorInfo::new(ErrorCode::NoCard),
        });
        assert_eq!(deadlines.next_due_ms(), None);
        assert_eq!(deadlines.overdue(1e12), None);
    }

    #[test]
    fn the_bidder_typing_on_a_pin_pad_gets_long() {
        let pad = request(
            3,
            Command::VerifyPin {
                reader: "R".into(),
                pin: None,
            },
        );
        let typed = request(
            4,
            Command::VerifyPin {
                reader: "R".into(),
                pin: Some(Pin::new("1234")),
            },
        );
        assert_eq!(answer_timeout_ms(&pad.command), PIN_PAD_TIMEOUT_MS);
        assert_eq!(answer_timeout_ms(&typed.command), CARD_COMMAND_TIMEOUT_MS);
        let mut deadlines = AnswerDeadlines::default();
        deadlines.sent(&pad, 0.0);
        assert_eq!(deadlines.overdue(60_000.0), None);
        assert_eq!(
            deadlines.overdue(90_000.0),
            Some(HostProblem::StoppedAnswering {
                request: "verify_pin".into(),
                waited_s: 90,
            })
        );
    }
}
