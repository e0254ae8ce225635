//! `CardError`: every status word the host understands (docs/cards.md), as a typed error, and how each one
//! reaches the extension as an [`ErrorInfo`].

use ebid_protocol::{ErrorCode, ErrorInfo};

use super::TransportError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    /// `63Cx` with x > 0: wrong PIN, x tries left.
    #[error("wrong PIN, {retries_left} tries left")]
    WrongPin { retries_left: u8 },
    /// `63C0`, `6983` or `6984`: no tries left.
    #[error("PIN blocked")]
    PinBlocked,
    /// `6982`: the operation needs the PIN first.
    #[error("security status not satisfied (PIN required)")]
    SecurityNotSatisfied,
    /// `6A82`: file or application not found.
    #[error("file or application not found (SW 6A82)")]
    FileNotFound,
    /// `6A86` / `6B00`: the card rejected P1/P2 (the SW is kept for the help desk).
    #[error("wrong parameters (SW {sw:04X})")]
    WrongParameters { sw: u16 },
    /// `6400`: nobody typed the PIN on the reader's pad in time.
    #[error("PIN pad entry timed out")]
    PinPadTimeout,
    /// `6401`: PIN entry cancelled on the reader's pad.
    #[error("PIN pad entry cancelled")]
    PinPadCancelled,
    /// The PIN has the wrong length or characters; caught before any APDU, no try spent.
    #[error("PIN has the wrong format")]
    PinFormat,
    /// No driver knows this card.
    #[error("unsupported card")]
    Unsupported,
    /// The APDU pipe failed (card removed, PC/SC gone, ...).
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// A status word with no meaning here.
    #[error("unexpected status word (SW {sw:04X})")]
    Unexpected { sw: u16 },
    /// A response (or configuration) that makes no sense, e.g. a certificate without a DER header.
    #[error("malformed card data: {0}")]
    Malformed(String),
}

impl CardError {
    /// The error for a status word other than `9000` (callers decide whether `6282` is fine for them).
    pub fn from_sw(sw: u16) -> CardError {
        match sw {
            0x63C0 | 0x6983 | 0x6984 => CardError::PinBlocked,
            0x63C1..=0x63CF => CardError::WrongPin {
                retries_left: (sw & 0x0F) as u8,
            },
            0x6982 => CardError::SecurityNotSatisfied,
            0x6A82 => CardError::FileNotFound,
            0x6A86 | 0x6B00 => CardError::WrongParameters { sw },
            0x6400 => CardError::PinPadTimeout,
            0x6401 => CardError::PinPadCancelled,
            _ => CardError::Unexpected { sw },
        }
    }
}

impl From<CardError> for ErrorInfo {
    fn from(e: CardError) -> Self {
        match e {
            CardError::WrongPin { retries_left } => {
                ErrorInfo::new(ErrorCode::WrongPin).with_retries(retries_left)
            }
            CardError::PinBlocked => ErrorInfo::new(ErrorCode::PinBlocked).with_retries(0),
            CardError::SecurityNotSatisfied => {
                ErrorInfo::new(ErrorCode::PinRequired).with_detail("SW 6982")
            }
            CardError::FileNotFound => ErrorInfo::new(ErrorCode::CardError).with_detail("SW 6A82"),
            CardError::WrongParameters { sw } | CardError::Unexpected { sw } => {
                ErrorInfo::new(ErrorCode::CardError).with_detail(format!("SW {sw:04X}"))
            }
            CardError::PinPadTimeout => ErrorInfo::new(ErrorCode::PinPadTimeout),
            CardError::PinPadCancelled => ErrorInfo::new(ErrorCode::PinPadCancelled),
            CardError::PinFormat => ErrorInfo::new(ErrorCode::PinFormat),
            CardError::Unsupported => ErrorInfo::new(ErrorCode::UnsupportedCard),
            CardError::Transport(TransportError::CardRemoved) => {
                ErrorInfo::new(ErrorCode::CardRemoved)
            }
            CardError::Transport(TransportError::NoService) => {
                ErrorInfo::new(ErrorCode::PcscUnavailable)
            }
            CardError::Transport(TransportError::Other(detail)) => {
                ErrorInfo::new(ErrorCode::CardError).with_detail(detail)
            }
            CardError::Transport(TransportError::OverBudget(over)) => {
                ErrorInfo::new(ErrorCode::CardError).with_detail(over.to_string())
            }
            CardError::Malformed(detail) => {
                ErrorInfo::new(ErrorCode::CardError).with_detail(detail)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_status_word_has_its_error() {
        assert_eq!(
            CardError::from_sw(0x63C3),
            CardError::WrongPin { retries_left: 3 }
        );
        assert_eq!(
            CardError::from_sw(0x63C1),
            CardError::WrongPin { retries_left: 1 }
        );
        assert_eq!(CardError::from_sw(0x63C0), CardError::PinBlocked);
        assert_eq!(CardError::from_sw(0x6983), CardError::PinBlocked);
        assert_eq!(CardError::from_sw(0x6984), CardError::PinBlocked);
        assert_eq!(CardError::from_sw(0x6982), CardError::SecurityNotSatisfied);
        assert_eq!(CardError::from_sw(0x6A82), CardError::FileNotFound);
        assert_eq!(
            CardError::from_sw(0x6A86),
            CardError::WrongParameters { sw: 0x6A86 }
        );
        assert_eq!(
            CardError::from_sw(0x6B00),
            CardError::WrongParameters { sw: 0x6B00 }
        );
        assert_eq!(CardError::from_sw(0x6400), CardError::PinPadTimeout);
        assert_eq!(CardError::from_sw(0x6401), CardError::PinPadCancelled);
        assert_eq!(
            CardError::from_sw(0x6F00),
            CardError::Unexpected { sw: 0x6F00 }
        );
    }

    #[test]
    fn texts_for_logs() {
        assert_eq!(
            CardError::WrongPin { retries_left: 2 }.to_string(),
            "wrong PIN, 2 tries left"
        );
        assert_eq!(
            CardError::WrongParameters { sw: 0x6A86 }.to_string(),
            "wrong parameters (SW 6A86)"
        );
        assert_eq!(
            CardError::Unexpected { sw: 0x6D00 }.to_string(),
            "unexpected status word (SW 6D00)"
        );
        assert_eq!(
            CardError::Transport(TransportError::CardRemoved).to_string(),
            "card removed"
        );
        assert_eq!(
            CardError::Transport(TransportError::Other("x".into())).to_string(),
            "transport error: x"
        );
        assert_eq!(
            CardError::Malformed("x".into()).to_string(),
            "malformed card data: x"
        );
    }

    #[test]
    fn error_info_codes() {
        let info = ErrorInfo::from(CardError::WrongPin { retries_left: 2 });
        assert_eq!(
            (info.code, info.retries_left),
            (ErrorCode::WrongPin, Some(2))
        );
        let info = ErrorInfo::from(CardError::PinBlocked);
        assert_eq!(
            (info.code, info.retries_left),
            (ErrorCode::PinBlocked, Some(0))
        );
        assert_eq!(
            ErrorInfo::from(CardError::SecurityNotSatisfied).code,
            ErrorCode::PinRequired
        );
        let info = ErrorInfo::from(CardError::WrongParameters { sw: 0x6A86 });
        assert_eq!(info.code, ErrorCode::CardError);
        assert_eq!(info.detail.as_deref(), Some("SW 6A86"));
        assert_eq!(
            ErrorInfo::from(CardError::FileNotFound).detail.as_deref(),
            Some("SW 6A82")
        );
        assert_eq!(
            ErrorInfo::from(CardError::Unexpected { sw: 0x6D00 })
                .detail
                .as_deref(),
            Some("SW 6D00")
        );
        assert_eq!(
            ErrorInfo::from(CardError::PinPadTimeout).code,
            ErrorCode::PinPadTimeout
        );
        assert_eq!(
            ErrorInfo::from(CardError::PinPadCancelled).code,
            ErrorCode::PinPadCancelled
        );
        assert_eq!(
            ErrorInfo::from(CardError::PinFormat).code,
            ErrorCode::PinFormat
        );
        assert_eq!(
            ErrorInfo::from(CardError::Unsupported).code,
            ErrorCode::UnsupportedCard
        );
        assert_eq!(
            ErrorInfo::from(CardError::Transport(TransportError::CardRemoved)).code,
            ErrorCode::CardRemoved
        );
        assert_eq!(
            ErrorInfo::from(CardError::Transport(TransportError::NoService)).code,
            ErrorCode::PcscUnavailable
        );
        assert_eq!(
            ErrorInfo::from(CardError::Malformed("x".into())).code,
            ErrorCode::CardError
        );
    }
}
