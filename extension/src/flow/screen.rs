//! What the dialog shows. The service worker sends one `Screen` per change; the dialog page renders it.

use ebid_protocol::ErrorInfo;
use serde::{Deserialize, Serialize};

use super::Operation;
use crate::host_problem::HostProblem;

/// Which card a step is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Which {
    /// The renewal's current card.
    Current,
    /// The renewal's new card.
    New,
    /// The one card of a login, 登録 or 変更.
    Only,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    ReadingCard,
    CheckingPin,
    Signing,
    /// Waiting for the portal (a challenge, or its check of a signature).
    Portal,
}

/// Informational line shown while waiting for a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Notice {
    /// The card was pulled out while the flow needed it.
    CardRemoved,
    /// The card inserted as the new one is the current card.
    SameCard,
    /// The card inserted as the new one is not a card the host can use.
    NewCardUnsupported,
    /// The card inserted as the new one has an expired certificate.
    NewCardExpired,
    /// The card inserted as the new one could not be read.
    NewCardUnreadable,
}

/// Where the card swap stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SwapStage {
    /// The current card is still in the reader.
    AwaitRemoval,
    /// The reader is empty.
    AwaitInsertion,
    /// A card was inserted; reading it.
    Checking,
    /// A different card is in: OK continues.
    Ready,
}

/// Why the card cannot be used: the bidder must register anew (2.1.3 利用者情報の新規登録; the dialog offers
/// 「登録」 for an expired or blocked card).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    Expired,
    Blocked,
    Unsupported,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Failure {
    Host(HostProblem),
    Card(ErrorInfo),
    /// The portal did not answer as its contract says.
    Portal {
        detail: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "screen", rename_all = "snake_case")]
pub enum Screen {
    /// Starting the host.
    Connecting,
    /// 「…ICカードが…挿入されていることを確認し…」; for the renewal, the warning that the old card stops working.
    /// Also names the operation (the dialog's title): the flow can turn into a registration.
    Confirm {
        operation: Operation,
    },
    Progress {
        step: Progress,
        card: Which,
    },
    /// No card in any reader: insert the current (or the only) card.
    InsertCurrentCard {
        card: Which,
        notice: Option<Notice>,
    },
    Pin {
        card: Which,
        tries_left: Option<u8>,
        /// One more wrong PIN blocks (閉塞) the card.
        last_try: bool,
        /// The reader has a PIN pad: no input field, the PIN is typed on the reader.
        pin_pad: bool,
        /// PIN-pad only: the reader is waiting for the PIN now.
        pad_waiting: bool,
        min_length: u8,
        max_length: u8,
        error: Option<ErrorInfo>,
    },
    Swap {
        stage: SwapStage,
        notice: Option<Notice>,
    },
    /// The portal took the card(s); the page is being handed the result (the operation's next page).
    Done {
        operation: Operation,
    },
    Refused {
        reason: Refusal,
        card: Which,
        error: Option<ErrorInfo>,
    },
    Failed {
        failure: Failure,
    },
    /// The portal refused a step, in its own words.
    PortalRefused {
        title: String,
        message: String,
        /// Point to 2.1.3 利用者情報の新規登録 (unregistered or expired current card).
        registration_pointer: bool,
    },
}
