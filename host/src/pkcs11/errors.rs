//! PKCS#11 return values as the protocol's error codes: the same codes the PC/SC drivers give for the same
//! situation, with the module and the call in the detail for the help desk.

use std::path::Path;

use cryptoki::error::{Error, RvError};
use ebid_protocol::{ErrorCode, ErrorInfo};

use super::modules::ModuleError;

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

/// The error for a card that no module could read because modules failed: a module that did not load counts
/// first (the admin's fix, whatever else failed); every failure is in the detail.
pub fn failed_modules(failures: &[ModuleError]) -> Option<ErrorInfo> {
    let first = failures
        .iter()
        .find(|f| f.unavailable)
        .or_else(|| failures.first())?;
    let others = failures.iter().filter(|f| !std::ptr::eq(*f, first));
    let detail = std::iter::once(first)
        .chain(others)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    Some(ErrorInfo::new(first.code()).with_detail(detail))
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

    #[test]
    fn a_module_that_did_not_load_is_module_unavailable_naming_every_failure() {
        let slots = ModuleError::new(
            Path::new("/opt/a/a-pkcs11.so"),
            "C_GetSlotList: general error",
        );
        let missing = ModuleError::unavailable(
            Path::new("/opt/b/b-pkcs11.so"),
            "no such file (is the CA's middleware installed?)",
        );
        let error = failed_modules(&[slots.clone(), missing]).unwrap();
        assert_eq!(error.code, ErrorCode::ModuleUnavailable);
        let detail = error.detail.unwrap();
        assert!(
            detail.starts_with("PKCS#11 module /opt/b/b-pkcs11.so: no such file"),
            "{detail}"
        );
        assert!(
            detail.contains("/opt/a/a-pkcs11.so: C_GetSlotList"),
            "{detail}"
        );
        // A loaded module whose call failed may be the card's doing: the generic card error, as before.
        let error = failed_modules(&[slots]).unwrap();
        assert_eq!(error.code, ErrorCode::CardError);
        assert!(error.detail.unwrap().contains("C_GetSlotList"));
        assert_eq!(failed_modules(&[]), None);
    }
}
