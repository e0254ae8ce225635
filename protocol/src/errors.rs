//! Typed errors: a code, the tries left where a PIN was wrong, and a technical detail for help desks. The texts a
//! bidder reads are not on the wire: each side localises the code where it shows it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    NoReader,
    NoCard,
    CardRemoved,
    UnsupportedCard,
    WrongPin,
    PinBlocked,
    PinRequired,
    PinFormat,
    PinPadTimeout,
    PinPadCancelled,
    CardExpired,
    CardError,
    PcscUnavailable,
    /// A PKCS#11 module the admin configured for the reader's card is missing, does not load or fails
    /// `C_Initialize`, and nothing else reads the card: the CA's software install, not the card, is at fault.
    ModuleUnavailable,
    /// Another program holds the card (a PC/SC transaction, or a command the host is still waiting on) longer than
    /// the host waits for it.
    ReaderBusy,
    BadRequest,
    UnknownCommand,
    TooLarge,
    /// `sign_challenge` for an origin that is not a canonical `https://` web origin.
    OriginNotAllowed,
    /// The host was started by a caller (browser extension) it does not serve.
    CallerNotAllowed,
    Internal,
    /// A code this build does not know (a newer host's): read rather than refusing the whole message, and shown
    /// as `CARD_ERROR` ([`ErrorCode::shown_as`]). Never sent; not in [`ErrorCode::ALL`].
    #[serde(other)]
    Unrecognized,
}

impl ErrorCode {
    /// Every code, for tables that must cover them all (texts in each language, tests).
    pub const ALL: [ErrorCode; 21] = [
        ErrorCode::NoReader,
        ErrorCode::NoCard,
        ErrorCode::CardRemoved,
        ErrorCode::UnsupportedCard,
        ErrorCode::WrongPin,
        ErrorCode::PinBlocked,
        ErrorCode::PinRequired,
        ErrorCode::PinFormat,
        ErrorCode::PinPadTimeout,
        ErrorCode::PinPadCancelled,
        ErrorCode::CardExpired,
        ErrorCode::CardError,
        ErrorCode::PcscUnavailable,
        ErrorCode::ModuleUnavailable,
        ErrorCode::ReaderBusy,
        ErrorCode::BadRequest,
        ErrorCode::UnknownCommand,
        ErrorCode::TooLarge,
        ErrorCode::OriginNotAllowed,
        ErrorCode::CallerNotAllowed,
        ErrorCode::Internal,
    ];

    /// The wire name (`WRONG_PIN`): what logs and help-desk details show. Texts for people are localised where they
    /// are shown (the extension's `_locales` keys `error_<snake_case>`, doctor's bilingual table), never sent.
    pub fn wire_name(self) -> &'static str {
        match self {
            ErrorCode::NoReader => "NO_READER",
            ErrorCode::NoCard => "NO_CARD",
            ErrorCode::CardRemoved => "CARD_REMOVED",
            ErrorCode::UnsupportedCard => "UNSUPPORTED_CARD",
            ErrorCode::WrongPin => "WRONG_PIN",
            ErrorCode::PinBlocked => "PIN_BLOCKED",
            ErrorCode::PinRequired => "PIN_REQUIRED",
            ErrorCode::PinFormat => "PIN_FORMAT",
            ErrorCode::PinPadTimeout => "PIN_PAD_TIMEOUT",
            ErrorCode::PinPadCancelled => "PIN_PAD_CANCELLED",
            ErrorCode::CardExpired => "CARD_EXPIRED",
            ErrorCode::CardError => "CARD_ERROR",
            ErrorCode::PcscUnavailable => "PCSC_UNAVAILABLE",
            ErrorCode::ModuleUnavailable => "MODULE_UNAVAILABLE",
            ErrorCode::ReaderBusy => "READER_BUSY",
            ErrorCode::BadRequest => "BAD_REQUEST",
            ErrorCode::UnknownCommand => "UNKNOWN_COMMAND",
            ErrorCode::TooLarge => "TOO_LARGE",
            ErrorCode::OriginNotAllowed => "ORIGIN_NOT_ALLOWED",
            ErrorCode::CallerNotAllowed => "CALLER_NOT_ALLOWED",
            ErrorCode::Internal => "INTERNAL",
            ErrorCode::Unrecognized => "UNRECOGNIZED",
        }
    }

    /// The code whose text a person reads for this one: itself, except that a code this build does not know is
    /// the generic card error.
    pub fn shown_as(self) -> ErrorCode {
        match self {
            ErrorCode::Unrecognized => ErrorCode::CardError,
            code => code,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.wire_name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorInfo {
    pub code: ErrorCode,
    /// Set with `WRONG_PIN` (and `PIN_BLOCKED`, as 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries_left: Option<u8>,
    /// Technical detail for logs and help desks (never a PIN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl ErrorInfo {
    pub fn new(code: ErrorCode) -> Self {
        ErrorInfo {
            code,
            retries_left: None,
            detail: None,
        }
    }

    pub fn with_retries(mut self, left: u8) -> Self {
        self.retries_left = Some(left);
        self
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

impl std::fmt::Display for ErrorInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.code)?;
        if let Some(left) = self.retries_left {
            write!(f, " ({left} tries left)")?;
        }
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_are_what_serde_sends() {
        for code in ErrorCode::ALL {
            assert_eq!(serde_json::to_value(code).unwrap(), code.wire_name());
            assert_eq!(code.shown_as(), code);
        }
        assert!(!ErrorCode::ALL.contains(&ErrorCode::Unrecognized));
    }

    #[test]
    fn a_newer_hosts_code_is_read_as_unrecognized_and_shown_as_a_card_error() {
        let error: ErrorInfo = serde_json::from_value(serde_json::json!({
            "code": "SOME_FUTURE_CODE",
            "detail": "what the newer host says",
        }))
        .unwrap();
        assert_eq!(error.code, ErrorCode::Unrecognized);
        assert_eq!(error.code.shown_as(), ErrorCode::CardError);
        assert_eq!(error.detail.as_deref(), Some("what the newer host says"));
        // Known codes still read as themselves.
        let known: ErrorCode =
            serde_json::from_value(serde_json::json!("MODULE_UNAVAILABLE")).unwrap();
        assert_eq!(known, ErrorCode::ModuleUnavailable);
        // A code is still a string: anything else stays malformed.
        assert!(serde_json::from_value::<ErrorCode>(serde_json::json!(7)).is_err());
    }
}
