//! The install record: which manifests, registry keys and directories `install` created, so `uninstall` removes
//! exactly those and never a directory that was there before (a browser's own profile, `/etc/opt`, ...).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::AdminError;
use super::fs_util::{create_dirs, remove_file_if_present, write_atomically};

pub const RECORD_FILE: &str = "install-record.json";

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallRecord {
    #[serde(default)]
    pub manifests: BTreeSet<PathBuf>,
    #[serde(default)]
    pub registry_keys: BTreeSet<String>,
    #[serde(default)]
    pub created_dirs: BTreeSet<PathBuf>,
}

impl InstallRecord {
    /// The record in `dir`, or an empty one when there is none (or it is unreadable: uninstall then still removes
    /// our files, just not the directories).
    pub fn load(dir: &Path) -> InstallRecord {
        std::fs::read_to_string(dir.join(RECORD_FILE))
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }

    pub fn is_empty(&self) -> bool {
        self.manifests.is_empty() && self.registry_keys.is_empty()
    }

    /// Writes the record into `dir` (created if needed, and then recorded too).
    pub fn save(&mut self, dir: &Path) -> Result<(), AdminError> {
        self.created_dirs.extend(create_dirs(dir)?);
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        write_atomically(&dir.join(RECORD_FILE), text.as_bytes())
    }

    /// Deletes the record file in `dir`, once nothing it lists is left.
    pub fn remove(dir: &Path) -> Result<(), AdminError> {
        remove_file_if_present(&dir.join(RECORD_FILE)).map(drop)
    }
}
