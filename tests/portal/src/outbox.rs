//! The mail the portal "sends": appended as JSON lines to `outbox.jsonl` in the data directory, and listed on
//! /admin/mail.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

const OUTBOX_FILE: &str = "outbox.jsonl";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mail {
    /// 宛先.
    pub to: String,
    /// 件名.
    pub subject: String,
    /// 本文.
    pub body: String,
    /// RFC 3339.
    pub sent_at: String,
}

pub struct Outbox {
    path: PathBuf,
}

impl Outbox {
    pub fn new(data_dir: &Path) -> Self {
        Outbox {
            path: data_dir.join(OUTBOX_FILE),
        }
    }

    pub fn send(&self, mail: &Mail) -> std::io::Result<()> {
        let mut line = serde_json::to_string(mail).map_err(std::io::Error::other)?;
        line.push('\n');
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        // One write per line so a reader never sees half a mail.
        file.write_all(line.as_bytes())?;
        file.sync_data()
    }

    /// All mails, oldest first; unreadable lines are skipped.
    pub fn all(&self) -> Vec<Mail> {
        fs::read_to_string(&self.path)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }
}
