//! Which manifest a browser actually uses: the places it reads, in its order (per user first, then the
//! machine's), within the scopes doctor was asked to look at.

use std::path::PathBuf;

use crate::admin::environment::Environment;
use crate::admin::error::AdminError;
use crate::admin::install::manifest_dir;
use crate::admin::layout::{self, Browser, Scope};
use crate::admin::options::Options;
use crate::admin::windows_registry::Registry;

use super::windows_lookup;

/// Where the lookup ended.
pub enum Found {
    File {
        path: PathBuf,
        scope: Scope,
    },
    /// A registry value naming a file that is not there.
    Dangling {
        key: String,
        value: String,
    },
    Nothing,
}

/// The first manifest `browser` would read (on Windows through `registry`, which is `None` when it cannot be
/// read).
pub fn find_manifest(
    options: &Options,
    env: &Environment,
    registry: Option<&dyn Registry>,
    browser: Browser,
) -> Result<Found, AdminError> {
    for (scope, owner) in layout::lookup_order(env.os, browser) {
        if !options.scopes.contains(&scope) {
            continue;
        }
        let location = layout::manifest_location(env.os, scope, owner);
        if let Some(key) = &location.registry_key {
            let Some(registry) = registry else { continue };
            if let Some(found) = windows_lookup::lookup(registry, key, scope)? {
                return Ok(found);
            }
        } else {
            // A custom profile directory (--user-data-dir) belongs to the browser asked about, not to the browsers
            // whose places it falls back to.
            let udd = if owner == browser {
                options.user_data_dir.as_deref()
            } else {
                None
            };
            let path = manifest_dir(env, udd, scope, owner)?.join(&location.file_name);
            if path.is_file() {
                return Ok(Found::File { path, scope });
            }
        }
    }
    Ok(Found::Nothing)
}
