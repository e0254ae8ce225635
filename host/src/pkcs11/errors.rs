//! PKCS#11 return values as the protocol's error codes: the same codes the PC/SC drivers give for the same
//! situation, with the module and the call in the detail for the help desk.

use std::path::Path;

use cryptoki::error::{Error, RvError};
use ebid_protocol::{ErrorCode, ErrorInfo};

/// The PKCS#11 call that failed, for the detail.
#[derive(Debug, Clone, Copy)]
pub enum Call {
    OpenSession,
    GetTokenInfo,
    Login,
    FindObjects,
    Sign,
}

impl Call {
    fn name(self) -> &'static str {
        match self {
            Call::OpenSession => "C_OpenSession",
            Call::GetTokenInfo => "C_GetTokenInfo",
            Call::Login => "C_Login",
            Call::FindObjects => "C_FindObjects",
            Call::Sign => "C_Sign",
        }
    }
}

/// The protocol's code for a module's error.
pub fn code_of_error(e: &Error) -> ErrorCode {
    match e {
        Error::Pkcs11(rv, _) => code_of(*rv),
        _ => ErrorCode::CardError,
    }
}

/// The protocol's code for what `call` on the module at `path` returned.
pub fn module_error(path: &Path, call: Call, e: Error) -> ErrorInfo {
    let code = code_of_error(&e);
    let info = ErrorInfo::new(code).with_detail(format!(
        "PKCS#11 module {}: {}: {e}",
        path.display(),
        call.name()
    ));
    match code {
        ErrorCode::PinBlocked => info.with_retries(0),
        _ => info,
    }
}

pub fn code_of(rv: RvError) -> ErrorCode {
    match rv {
        RvError::PinIncorrect => ErrorCode::WrongPin,
        RvError::PinLocked => ErrorCode::PinBlocked,
        RvError::PinLenRange | RvError::PinInvalid => ErrorCode::PinFormat,
        // A PIN-pad entry (protected authentication path) cancelled on the reader.
        RvError::FunctionCanceled => ErrorCode::PinPadCancelled,
        RvError::UserNotLoggedIn => ErrorCode::PinRequired,
        // Removing the token closes its sessions: whatever the module says of them, the card went away.
        RvError::DeviceRemoved
        | RvError::TokenNotPresent
        | RvError::SessionClosed
        | RvError::SessionHandleInvalid => ErrorCode::CardRemoved,
        _ => ErrorCode::CardError,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cryptoki::context::Function;

    #[test]
    fn login_errors_map_to_the_pin_codes() {
        let path = Path::new("/opt/ca/ca-pkcs11.so");
        let wrong = module_error(
            path,
            Call::Login,
            Error::Pkcs11(RvError::PinIncorrect, Function::Login),
        );
        assert_eq!(wrong.code, ErrorCode::WrongPin);
        assert_eq!(wrong.retries_left, None);
        assert!(wrong
            .detail
            .unwrap()
            .contains("/opt/ca/ca-pkcs11.so: C_Login"));
        let locked = module_error(
            path,
            Call::Login,
            Error::Pkcs11(RvError::PinLocked, Function::Login),
        );
        assert_eq!(
            (locked.code, locked.retries_left),
            (ErrorCode::PinBlocked, Some(0))
        );
        assert_eq!(code_of(RvError::DeviceRemoved), ErrorCode::CardRemoved);
        assert_eq!(code_of(RvError::GeneralError), ErrorCode::CardError);
    }
}
