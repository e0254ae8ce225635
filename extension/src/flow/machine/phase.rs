//! Where the flow stands, with what each step needs. Data that only a part of the renewal has lives in that part's
//! variants: the new card's challenge and the current card's certificate it is bound to exist only once the portal
//! accepted the current card; the reader the swap watches only in the swap; a portal call's id only while it is out.

use ebid_protocol::CertificateInfo;

use super::pin::{CardPin, PinStep};
use crate::flow::screen::{Notice, Screen, SwapStage};
use crate::portal_call::PortalStep;

#[derive(Debug, Clone)]
pub(super) enum Phase {
    /// Waiting for the host's Hello.
    Connecting,
    /// The confirmation dialog: OK starts.
    Confirm,
    /// `watch` is out: its answer lists the readers.
    StartWatch,
    /// No current card in a reader (yet, or any more).
    InsertCurrent,
    /// Reading the current card's certificate before its PIN.
    ReadCurrent {
        card: Card,
    },
    /// A card in hand: its PIN, its certificate after the PIN, its signature.
    WithCard {
        side: Side,
        card: Card,
        step: CardStep,
    },
    /// A call to the portal is out; `Input::Portal` with this id answers it.
    Portal {
        id: u64,
        wait: PortalWait,
    },
    /// The current card is done: waiting for the new one.
    Swap {
        accepted: Accepted,
        stage: Swap,
    },
    Done,
    /// Refused or failed: the screen says why; its button closes (and 「登録」, when offered, registers instead).
    Stopped {
        offers_register: bool,
    },
    Closed,
}

impl Phase {
    /// The card this step works with, and whose part it is in.
    pub fn into_card_in_hand(self) -> Option<(Side, Card)> {
        match self {
            Phase::ReadCurrent { card } => Some((Side::Current, card)),
            Phase::WithCard { side, card, .. } => Some((side, card)),
            _ => None,
        }
    }
}

/// A card the flow works with, and what it has learnt about it.
#[derive(Debug, Clone)]
pub(super) struct Card {
    pub reader: String,
    /// Read before the PIN, or after it (JPKI hides it until then).
    pub certificate: Option<CertificateInfo>,
    pub pin: CardPin,
}

impl Card {
    /// A card just found in `reader`.
    pub fn new(reader: String, pin_pad: bool) -> Card {
        Card {
            reader,
            certificate: None,
            pin: CardPin {
                pad: pin_pad,
                info: None,
            },
        }
    }
}

/// Whose part of the flow a card step is in: `Current` is the first (for the one-card operations, the only) card.
#[derive(Debug, Clone)]
pub(super) enum Side {
    Current,
    New(Accepted),
}

/// The portal took the current card's consent: what the new card's part needs.
#[derive(Debug, Clone)]
pub(super) struct Accepted {
    /// The current card's certificate (base64 DER): the new card's signature binds it.
    pub old_certificate: String,
    /// Its SHA-256 fingerprint: the new card must be another card.
    pub old_fingerprint: String,
    /// The portal's challenge for the new card.
    pub challenge: String,
}

impl Accepted {
    /// The portal's answer to the current card's consent: its challenge for the new card.
    pub fn new(old: CertificateInfo, challenge: String) -> Accepted {
        Accepted {
            old_certificate: old.certificate,
            old_fingerprint: old.summary.sha256_fingerprint,
            challenge,
        }
    }
}

/// What is being done with a card in hand.
#[derive(Debug, Clone)]
pub(super) enum CardStep {
    Pin(PinStep),
    /// Reading the certificate after the PIN (JPKI hides it until then).
    ReadAfterPin,
    Sign,
}

/// What a portal call is for, and what waits for its answer.
#[derive(Debug, Clone)]
pub(super) enum PortalWait {
    /// The challenge for the current card, which waits (PIN verified) to sign it.
    Challenge { card: Card },
    /// The portal checks the current card's signature; the swap then watches its reader.
    Current {
        reader: String,
        certificate: CertificateInfo,
    },
    /// The portal checks the new card's signature.
    New,
    /// The portal checks the one card of a login, 登録 or 変更.
    Proof,
}

impl PortalWait {
    pub fn step(&self) -> PortalStep {
        match self {
            PortalWait::Challenge { .. } => PortalStep::Challenge,
            PortalWait::Current { .. } => PortalStep::Current,
            PortalWait::New => PortalStep::New,
            PortalWait::Proof => PortalStep::Proof,
        }
    }
}

/// Where the swap stands, with the reader it watches.
// One per flow, replaced as a whole: boxing the card in Ready would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub(super) enum Swap {
    /// The card in `reader` must leave: the current card, or one that cannot be the new one.
    AwaitRemoval {
        reader: String,
        notice: Option<Notice>,
    },
    /// No card to watch: the next card inserted is checked.
    AwaitInsertion { notice: Option<Notice> },
    /// Reading the card in `reader`.
    Checking { reader: String },
    /// `card` can be the new one (a JPKI card is compared after its PIN): OK goes on.
    Ready { card: Card },
}

impl Swap {
    /// The card in `reader` cannot be the new one, as `notice` says: it must leave.
    pub fn must_leave(reader: String, notice: Notice) -> Swap {
        Swap::AwaitRemoval {
            reader,
            notice: Some(notice),
        }
    }

    /// The reader whose card leaving sends the swap back to waiting for a card.
    pub fn watched(&self) -> Option<&str> {
        match self {
            Swap::AwaitRemoval { reader, .. } | Swap::Checking { reader } => Some(reader),
            Swap::Ready { card } => Some(&card.reader),
            Swap::AwaitInsertion { .. } => None,
        }
    }

    pub fn screen(&self) -> Screen {
        let (stage, notice) = match self {
            Swap::AwaitRemoval { notice, .. } => (SwapStage::AwaitRemoval, *notice),
            Swap::AwaitInsertion { notice } => (SwapStage::AwaitInsertion, *notice),
            Swap::Checking { .. } => (SwapStage::Checking, None),
            Swap::Ready { .. } => (SwapStage::Ready, None),
        };
        Screen::Swap { stage, notice }
    }
}
