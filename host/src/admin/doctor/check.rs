//! The report model: one [`Check`] per link of the chain, in order, and the [`Report`] that `--json` prints.

use ebid_protocol::ErrorCode;
use serde::Serialize;

use super::text::{Bilingual, Text};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub id: String,
    pub ok: bool,
    pub message_ja: String,
    pub message_en: String,
    /// `null` when the check passed.
    pub fix_ja: Option<String>,
    pub fix_en: Option<String>,
}

impl Check {
    pub(super) fn pass(id: impl Into<String>, message: Text) -> Check {
        let Bilingual { ja, en } = message.bilingual();
        Check {
            id: id.into(),
            ok: true,
            message_ja: ja,
            message_en: en,
            fix_ja: None,
            fix_en: None,
        }
    }

    pub(super) fn fail(id: impl Into<String>, message: Text, fix: Text) -> Check {
        let (message, fix) = (message.bilingual(), fix.bilingual());
        Check {
            id: id.into(),
            ok: false,
            message_ja: message.ja,
            message_en: message.en,
            fix_ja: Some(fix.ja),
            fix_en: Some(fix.en),
        }
    }
}

/// A check of something that must be there (readers, a card): passes naming what was found, fails with the
/// card service's own text for `missing` and `fix` when nothing was.
pub(super) fn presence(
    id: &str,
    found: &[String],
    missing: ErrorCode,
    fix: Text,
    present: fn(Vec<String>) -> Text,
) -> Check {
    if found.is_empty() {
        Check::fail(id, Text::code(missing), fix)
    } else {
        Check::pass(id, present(found.to_vec()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub version: String,
    pub protocol: u32,
    pub checks: Vec<Check>,
    /// The id of the first failed check, `null` when all is well.
    pub first_failure: Option<String>,
}

impl Report {
    /// The report of `checks`, naming the first that failed.
    pub fn new(checks: Vec<Check>) -> Report {
        let first_failure = checks.iter().find(|c| !c.ok).map(|c| c.id.clone());
        Report {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            protocol: ebid_protocol::PROTOCOL_VERSION,
            checks,
            first_failure,
        }
    }

    pub fn all_ok(&self) -> bool {
        self.first_failure.is_none()
    }
}
