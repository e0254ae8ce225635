//! Loaded PKCS#11 modules, one per path for the whole process: `C_Initialize` is once per application, and every
//! reader's lane shares the module (its own locking, `CKF_OS_LOCKING_OK`). A module that fails to load is tried
//! again on the next card, so installing the middleware needs no host restart.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error, RvError};
use ebid_protocol::ErrorCode;

/// Why a module cannot be used; names the module and the call that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("PKCS#11 module {path}: {why}")]
pub struct ModuleError {
    pub path: String,
    pub why: String,
    /// The module never became usable (missing, not loadable, `C_Initialize` failed): the CA's install is at
    /// fault. Otherwise a call on a loaded module failed, which may be the card's doing.
    pub unavailable: bool,
}

impl ModuleError {
    /// A call on a loaded module failed.
    pub fn new(path: &Path, why: impl std::fmt::Display) -> Self {
        ModuleError {
            path: path.display().to_string(),
            why: why.to_string(),
            unavailable: false,
        }
    }

    /// The module cannot be loaded or initialised.
    pub fn unavailable(path: &Path, why: impl std::fmt::Display) -> Self {
        ModuleError {
            unavailable: true,
            ..ModuleError::new(path, why)
        }
    }

    /// The protocol's code when this failure is why the card cannot be read: `MODULE_UNAVAILABLE` for a module
    /// that never loaded, `CARD_ERROR` for a call that failed.
    pub fn code(&self) -> ErrorCode {
        if self.unavailable {
            ErrorCode::ModuleUnavailable
        } else {
            ErrorCode::CardError
        }
    }
}

fn loaded() -> &'static Mutex<HashMap<PathBuf, Pkcs11>> {
    static LOADED: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    LOADED.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The module at `path`, loaded and initialised on first use.
pub fn module(path: &Path) -> Result<Pkcs11, ModuleError> {
    let mut loaded = loaded().lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(module) = loaded.get(path) {
        return Ok(module.clone());
    }
    if !path.is_file() {
        return Err(ModuleError::unavailable(
            path,
            "no such file (is the CA's middleware installed?)",
        ));
    }
    let module = Pkcs11::new(path)
        .map_err(|e| ModuleError::unavailable(path, format!("cannot load: {e}")))?;
    match module.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        // Another part of this process (a test) initialised it already: usable as it is.
        Ok(()) | Err(Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => {
            return Err(ModuleError::unavailable(
                path,
                format!("C_Initialize failed: {e}"),
            ))
        }
    }
    log::info!("PKCS#11 module {} loaded", path.display());
    loaded.insert(path.to_owned(), module.clone());
    Ok(module)
}
