//! The card flows — the renewal of seed 2.1.5, ICカードによるログイン, 利用者情報の新規登録 and 変更 — as one state
//! machine without I/O: it takes [`Input`]s (host answers and events,
//! the user's clicks) and returns [`Effect`]s (requests to send, screens to show, the end of the flow). The
//! service worker wires it to the native port and the dialog; the tests drive it directly.

mod machine;
mod operation;
mod pin_check;
mod screen;
#[cfg(test)]
mod tests;

use ebid_protocol::{ErrorInfo, Event, HostMessage, Pin, Reply, Request};
use serde::Deserialize;

pub use machine::Flow;
pub use operation::Operation;
pub use pin_check::check_pin_format;
pub use screen::{Failure, Notice, Progress, Refusal, Screen, SwapStage, Which};

use crate::host_problem::HostProblem;
use crate::portal_call::PortalCall;

// Inputs are moved once into the machine; boxing the large answers would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Input {
    /// The host said Hello with our protocol.
    HostReady,
    /// The host could not be reached, or went away.
    HostProblem(HostProblem),
    /// The answer to the request with this id.
    Answer {
        id: u64,
        result: Result<Reply, ErrorInfo>,
    },
    Event(Event),
    User(UserAction),
    /// The page's answer to [`Effect::Portal`] `id`, as the content script got it (`status` 0: no answer).
    Portal {
        id: u64,
        status: u16,
        body: String,
        error: Option<String>,
    },
}

impl Input {
    /// The input a host message (other than the Hello) stands for.
    pub fn from_host(message: HostMessage) -> Option<Input> {
        match message {
            HostMessage::Response { id, result } => Some(Input::Answer {
                id,
                result: Ok(result),
            }),
            HostMessage::Error {
                id: Some(id),
                error,
            } => Some(Input::Answer {
                id,
                result: Err(error),
            }),
            // An error without id answers a request too garbled to parse: our requests never are, so it is a fault.
            HostMessage::Error { id: None, error } => {
                Some(Input::HostProblem(HostProblem::Garbled {
                    detail: error.to_string(),
                }))
            }
            HostMessage::Event { event } => Some(Input::Event(event)),
            HostMessage::Hello { .. } => None,
        }
    }
}

/// What the bidder did in the dialog.
#[derive(Debug, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum UserAction {
    /// 「OK」 on the confirmation, the swap message, or a PIN-pad retry.
    Ok,
    /// 「OK」 on the PIN dialog. `operator` is the 担当者 field, kept for the familiar layout and not used.
    Pin {
        pin: Pin,
        #[serde(default)]
        operator: Option<String>,
    },
    /// 「キャンセル」, 「閉じる」, or the dialog went away.
    Cancel,
    /// 「登録」 on a refusal that points to 2.1.3: the same dialog registers a card instead.
    Register,
}

#[derive(Debug, PartialEq)]
pub enum Effect {
    Send(Request),
    Show(Screen),
    /// POST to the portal's fixed endpoint for this step, through the page (its session); answered by
    /// [`Input::Portal`] with the same id.
    Portal {
        id: u64,
        call: PortalCall,
    },
    /// The portal verified the card(s): show the operation's next page in the portal's frame.
    Finish,
    /// The flow ended without a result: close the dialog, leave the page as it was.
    Close,
}
