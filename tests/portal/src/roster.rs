//! 入札参加資格者名簿: the entries 資格審査情報検索 finds by 業者番号, kept in `roster.json` in the data directory
//! (filled by `--roster` or [`crate::RunningPortal::add_roster`]).

use std::fs;
use std::path::{Path, PathBuf};

use crate::registry::{write_atomically, RegistryError, RosterEntry};

const ROSTER_FILE: &str = "roster.json";

pub struct Roster {
    path: PathBuf,
    entries: Vec<RosterEntry>,
}

impl Roster {
    pub fn open(data_dir: &Path) -> Result<Self, RegistryError> {
        fs::create_dir_all(data_dir)?;
        let path = data_dir.join(ROSTER_FILE);
        let entries = match fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map_err(|e| RegistryError::Corrupt(e.to_string()))?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        Ok(Roster { path, entries })
    }

    /// Adds `entry`, replacing the entry with the same 業者番号.
    pub fn add(&mut self, entry: &RosterEntry) -> Result<(), RegistryError> {
        for (name, value) in [
            ("gyosha_no", &entry.gyosha_no),
            ("company_name", &entry.company_name),
            ("representative", &entry.representative),
        ] {
            if value.trim().is_empty() {
                return Err(RegistryError::MissingField(name));
            }
        }
        let mut next = self.entries.clone();
        next.retain(|e| e.gyosha_no != entry.gyosha_no);
        next.push(entry.clone());
        let json =
            serde_json::to_vec_pretty(&next).map_err(|e| RegistryError::Corrupt(e.to_string()))?;
        write_atomically(&self.path, &json)?;
        self.entries = next;
        Ok(())
    }

    /// The entry of `gyosha_no` (surrounding spaces ignored).
    pub fn find(&self, gyosha_no: &str) -> Option<&RosterEntry> {
        let wanted = gyosha_no.trim();
        if wanted.is_empty() {
            return None;
        }
        self.entries.iter().find(|e| e.gyosha_no == wanted)
    }

    pub fn entries(&self) -> &[RosterEntry] {
        &self.entries
    }
}
