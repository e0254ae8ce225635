//! `CardError`: every status word the host understands (docs/cards.md), as a typed error, and how each one
//! reaches the extension as an [`ErrorInfo`].

use std::fmt;

use ebid_protocol::{ErrorCode, ErrorInfo};

use super::TransportError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardError {
    /// `63Cx` with x > 0: wrong PIN, x tries left.
    WrongPin { retries_left: u8 },
    /// `63C0`, `6983` or `6984`: no tries left.
    PinBlocked,
    /// `6982`: the operation needs the PIN first.
    SecurityNotSatisfied,
    /// `6A82`: file or application not found.
    FileNotFound,
    /// `6A86` / `6B00`: the card rejected P1/P2 (the SW is kept for the help desk).
    WrongParameters { sw: u16 },
    /// `6400`: nobody typed the PIN on the reader's pad in time.
    PinPadTimeout,
    /// `6401`: PIN entry cancelled on the reader's pad.
    PinPadCancelled,
    /// The PIN has the wrong length or characters; caught before any APDU, no try spent.
    PinFormat,
    /// No driver knows this card.
    Unsupported,
    /// The APDU pipe failed (card removed, PC/SC gone, ...).
    Transport(TransportError),
    /// A status word with no meaning here.
    Unexpected { sw: u16 },
    /// A response (or configuration) that makes no sense, e.g. a certificate without a DER header.
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

impl From<TransportError> for CardError {
    fn from(e: TransportError) -> Self {
        CardError::Transport(e)
    }
}

impl fmt::Display for CardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CardError::WrongPin { retries_left } => {
                write!(f, "wrong PIN, {retries_left} tries left")
            }
            CardError::PinBlocked => f.write_str("PIN blocked"),
            CardError::SecurityNotSatisfied => {
                f.write_str("security status not satisfied (PIN required)")
            }
            CardError::FileNotFound => f.write_str("file or application not found (SW 6A82)"),
            CardError::WrongParameters { sw } => write!(f, "wrong parameters (SW {sw:04X})"),
            CardError::PinPadTimeout => f.write_str("PIN pad entry timed out"),
            CardError::PinPadCancelled => f.write_str("PIN pad entry cancelled"),
            CardError::PinFormat => f.write_str("PIN has the wrong format"),
            CardError::Unsupported => f.write_str("unsupported card"),
            CardError::Transport(e) => write!(f, "{e}"),
            CardError::Unexpected { sw } => write!(f, "unexpected status word (SW {sw:04X})"),
            CardError::Malformed(why) => write!(f, "malformed card data: {why}"),
        }
    }
}

impl std::error::Error for CardError {}

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
