//! The Windows part of finding a manifest: browsers there read its path from a registry key's default value
//! (the real registry, or `registry.json` under `--root`), and that value may name a file that is gone.

use std::path::PathBuf;

use crate::admin::environment::Environment;
use crate::admin::error::AdminError;
use crate::admin::layout::{Os, Scope};
use crate::admin::windows_registry::{self, Registry};

use super::manifest_lookup::Found;

/// The registry to read for a Windows layout; `None` for other OSes, or when it cannot be opened (then the
/// manifests count as missing).
pub fn open(env: &Environment) -> Option<Box<dyn Registry>> {
    if env.os == Os::Windows {
        windows_registry::open(env).ok()
    } else {
        None
    }
}

/// What the registry key `key` says about the manifest: `None` when the key is not there (the browser goes on
/// to the next place it knows).
pub fn lookup(
    registry: &dyn Registry,
    key: &str,
    scope: Scope,
) -> Result<Option<Found>, AdminError> {
    let Some(value) = registry.read(key)? else {
        return Ok(None);
    };
    let path = PathBuf::from(&value);
    Ok(Some(if path.is_file() {
        Found::File { path, scope }
    } else {
        Found::Dangling {
            key: key.to_owned(),
            value,
        }
    }))
}
