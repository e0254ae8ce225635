//! PC/SC errors as the typed errors the extension shows, and what each one means for the host's own state.

use ebid_protocol::{ErrorCode, ErrorInfo};
use pcsc::Error;

use crate::card::TransportError;

/// What a PC/SC error says about the world.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// pcscd is gone (or restarted): the context and every card handle are dead.
    ServiceGone,
    /// The card left the reader, was reset or swapped: this card connection and its verified PIN are dead.
    CardGone,
    /// No card in the reader.
    NoCard,
    /// The reader is not there.
    NoReader,
    /// Anything else: the connection may still be fine.
    Other,
}

pub fn classify(e: Error) -> Fault {
    match e {
        Error::NoService | Error::ServiceStopped | Error::CommError | Error::InvalidHandle => {
            Fault::ServiceGone
        }
        Error::RemovedCard | Error::ResetCard | Error::NotTransacted | Error::UnpoweredCard => {
            Fault::CardGone
        }
        Error::NoSmartcard => Fault::NoCard,
        Error::NoReadersAvailable | Error::UnknownReader | Error::ReaderUnavailable => {
            Fault::NoReader
        }
        _ => Fault::Other,
    }
}

/// The error for a PC/SC failure. `during_command`: a card that vanishes while we talk to it is `CARD_REMOVED`;
/// one that is simply not there when we start is `NO_CARD`.
pub fn error_info(e: Error, during_command: bool) -> ErrorInfo {
    let code = match classify(e) {
        Fault::ServiceGone => ErrorCode::PcscUnavailable,
        Fault::CardGone if during_command => ErrorCode::CardRemoved,
        Fault::CardGone | Fault::NoCard => ErrorCode::NoCard,
        Fault::NoReader => ErrorCode::NoReader,
        Fault::Other => match e {
            Error::UnsupportedCard => ErrorCode::UnsupportedCard,
            // Another program has the card to itself (an exclusive connection).
            Error::SharingViolation => ErrorCode::ReaderBusy,
            _ => ErrorCode::CardError,
        },
    };
    ErrorInfo::new(code).with_detail(format!("PC/SC: {e} ({:#010X})", e as u32))
}

/// The error for a PC/SC context that could not be established: whatever PC/SC says (no service, or an internal
/// error, as Wine's stub winscard gives: 0x80100001), the card service is not there. A card or reader fault is
/// impossible before there is a context.
pub fn context_error(e: Error) -> ErrorInfo {
    ErrorInfo::new(ErrorCode::PcscUnavailable).with_detail(format!(
        "PC/SC: cannot establish a context: {e} ({:#010X})",
        e as u32
    ))
}

/// How a failed transmit reaches the card driver.
pub fn transport_error(e: Error) -> TransportError {
    match classify(e) {
        Fault::ServiceGone => TransportError::NoService,
        Fault::CardGone | Fault::NoCard => TransportError::CardRemoved,
        Fault::NoReader | Fault::Other => TransportError::Other(format!("PC/SC: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_errors() {
        for e in [Error::NoService, Error::ServiceStopped] {
            assert_eq!(error_info(e, false).code, ErrorCode::PcscUnavailable);
            assert_eq!(transport_error(e), TransportError::NoService);
        }
    }

    #[test]
    fn reader_errors() {
        for e in [Error::NoReadersAvailable, Error::UnknownReader] {
            assert_eq!(error_info(e, false).code, ErrorCode::NoReader);
        }
    }

    #[test]
    fn card_errors_depend_on_when() {
        assert_eq!(
            error_info(Error::NoSmartcard, false).code,
            ErrorCode::NoCard
        );
        assert_eq!(
            error_info(Error::RemovedCard, false).code,
            ErrorCode::NoCard
        );
        assert_eq!(
            error_info(Error::RemovedCard, true).code,
            ErrorCode::CardRemoved
        );
        assert_eq!(
            error_info(Error::NotTransacted, true).code,
            ErrorCode::CardRemoved
        );
        assert_eq!(
            error_info(Error::ResetCard, true).code,
            ErrorCode::CardRemoved
        );
        assert_eq!(
            transport_error(Error::NotTransacted),
            TransportError::CardRemoved
        );
        assert_eq!(
            transport_error(Error::RemovedCard),
            TransportError::CardRemoved
        );
    }

    #[test]
    fn no_context_is_pcsc_unavailable_whatever_pcsc_says() {
        // Wine's winscard stub: SCARD_F_INTERNAL_ERROR from SCardEstablishContext.
        let info = context_error(Error::InternalError);
        assert_eq!(info.code, ErrorCode::PcscUnavailable);
        assert!(info.detail.unwrap().contains("0x80100001"));
        for e in [Error::NoService, Error::ServiceStopped, Error::NoMemory] {
            assert_eq!(context_error(e).code, ErrorCode::PcscUnavailable, "{e}");
        }
        assert_eq!(
            error_info(Error::InternalError, false).code,
            ErrorCode::CardError,
            "the same code during a command stays a card error"
        );
    }

    #[test]
    fn detail_names_the_pcsc_code() {
        let info = error_info(Error::ProtoMismatch, false);
        assert_eq!(info.code, ErrorCode::CardError);
        assert!(info.detail.unwrap().contains("0x8010000F"));
    }

    #[test]
    fn a_card_another_program_has_to_itself_is_reader_busy() {
        let info = error_info(Error::SharingViolation, false);
        assert_eq!(info.code, ErrorCode::ReaderBusy);
        assert!(info.detail.unwrap().contains("0x8010000B"));
    }
}
