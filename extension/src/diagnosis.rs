//! The options page's verdict, in the order a help desk asks: is the host installed and current, is there a reader,
//! is there a card, and what card is it.

use ebid_protocol::{CertificateSummary, ErrorCode, ErrorInfo, ReaderInfo, Reply};
use serde::Serialize;

use crate::host_problem::HostProblem;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Diagnosis {
    /// The host cannot be used: missing, forbidden, not answering, exited, another protocol, garbled.
    Host(HostProblem),
    PcscUnavailable {
        host_version: String,
    },
    NoReader {
        host_version: String,
    },
    NoCard {
        host_version: String,
        readers: Vec<String>,
    },
    /// JPKI: the certificate shows only after the PIN, which the status page does not ask for.
    CardNeedsPin {
        host_version: String,
        reader: String,
    },
    CardUnsupported {
        host_version: String,
        reader: String,
    },
    CardError {
        host_version: String,
        reader: String,
        error: ErrorInfo,
    },
    CardExpired {
        host_version: String,
        reader: String,
        card_type: String,
        summary: CertificateSummary,
    },
    CardOk {
        host_version: String,
        reader: String,
        card_type: String,
        summary: CertificateSummary,
    },
}

impl Diagnosis {
    /// Stable name for `data-status` and the i18n key `diag_<name with _>`.
    pub fn status(&self) -> &'static str {
        match self {
            Diagnosis::Host(problem) => match problem {
                HostProblem::NotInstalled { .. } => "host-missing",
                HostProblem::Forbidden { .. } => "host-forbidden",
                HostProblem::NotAnswering | HostProblem::StoppedAnswering { .. } => {
                    "host-not-answering"
                }
                HostProblem::Exited { .. } => "host-exited",
                HostProblem::TooOld { .. } => "host-too-old",
                HostProblem::TooNew { .. } => "extension-too-old",
                HostProblem::Garbled { .. } => "host-garbled",
            },
            Diagnosis::PcscUnavailable { .. } => "pcsc-unavailable",
            Diagnosis::NoReader { .. } => "no-reader",
            Diagnosis::NoCard { .. } => "no-card",
            Diagnosis::CardNeedsPin { .. } => "card-needs-pin",
            Diagnosis::CardUnsupported { .. } => "card-unsupported",
            Diagnosis::CardError { .. } => "card-error",
            Diagnosis::CardExpired { .. } => "card-expired",
            Diagnosis::CardOk { .. } => "card-ok",
        }
    }

    pub fn message_key(&self) -> String {
        format!("diag_{}", self.status().replace('-', "_"))
    }

    pub fn from_host_problem(problem: HostProblem) -> Diagnosis {
        Diagnosis::Host(problem)
    }
}

/// A card whose certificate expires within this many days gets the renewal warning (popup, badge).
pub const EXPIRY_WARNING_DAYS: i64 = 60;

/// What the toolbar badge shows for a verdict, without opening the popup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Badge {
    /// All is well (or nothing the bidder can fix from here): no badge.
    Clear,
    /// The card expires within [`EXPIRY_WARNING_DAYS`]: amber `!`.
    Warning,
    /// Host missing or unusable, no PC/SC, no reader, expired card: red `!`.
    Trouble,
}

impl Badge {
    /// `(text, background colour)` for `chrome.action.setBadgeText` / `setBadgeBackgroundColor`.
    pub fn look(self) -> (&'static str, &'static str) {
        match self {
            Badge::Clear => ("", "#00000000"),
            Badge::Warning => ("!", "#E8A100"),
            Badge::Trouble => ("!", "#D00000"),
        }
    }
}

impl Diagnosis {
    /// The certificate of the card in the reader, when one was read.
    pub fn card(&self) -> Option<&CertificateSummary> {
        match self {
            Diagnosis::CardOk { summary, .. } | Diagnosis::CardExpired { summary, .. } => {
                Some(summary)
            }
            _ => None,
        }
    }

    /// Whole days until the card's certificate expires (rounded up; 0 or less once expired), at `now_ms`
    /// (milliseconds since the Unix epoch).
    pub fn days_left(&self, now_ms: f64) -> Option<i64> {
        days_left(&self.card()?.not_after, now_ms)
    }

    /// The card expires within [`EXPIRY_WARNING_DAYS`] (or has expired).
    pub fn expires_soon(&self, now_ms: f64) -> bool {
        matches!(self, Diagnosis::CardExpired { .. })
            || self
                .days_left(now_ms)
                .is_some_and(|d| d <= EXPIRY_WARNING_DAYS)
    }

    pub fn badge(&self, now_ms: f64) -> Badge {
        match self {
            Diagnosis::Host(_)
            | Diagnosis::PcscUnavailable { .. }
            | Diagnosis::NoReader { .. }
            | Diagnosis::CardExpired { .. } => Badge::Trouble,
            _ if self.expires_soon(now_ms) => Badge::Warning,
            _ => Badge::Clear,
        }
    }
}

/// Milliseconds since the Unix epoch of an RFC 3339 UTC time as the host writes it (`2099-01-01T00:00:00Z`;
/// fractions and offsets other than `Z` are not used by the host and give `None`).
pub fn parse_utc_ms(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' || b[19] != b'Z' {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> {
        let part = text.get(from..to)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (y, m, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hh, mm, ss) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    // Days from the civil date (H. Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400 + hh * 3_600 + mm * 60 + ss) * 1_000) as f64)
}

/// Whole days from `now_ms` until `not_after`, rounded up (a certificate that ends in 3 hours has 1 day left).
pub fn days_left(not_after: &str, now_ms: f64) -> Option<i64> {
    let end = parse_utc_ms(not_after)?;
    Some(((end - now_ms) / 86_400_000.0).ceil() as i64)
}

/// The next step after the reader list: a final verdict, or the reader whose card to read.
// Built once per diagnosis run.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, PartialEq)]
pub enum ReadersVerdict {
    Final(Diagnosis),
    ReadCard(String),
}

pub fn from_readers(
    host_version: &str,
    result: Result<Vec<ReaderInfo>, ErrorInfo>,
) -> ReadersVerdict {
    let host_version = host_version.to_string();
    match result {
        Err(e) if e.code == ErrorCode::PcscUnavailable => {
            ReadersVerdict::Final(Diagnosis::PcscUnavailable { host_version })
        }
        Err(e) if e.code == ErrorCode::NoReader => {
            ReadersVerdict::Final(Diagnosis::NoReader { host_version })
        }
        Err(error) => ReadersVerdict::Final(Diagnosis::CardError {
            host_version,
            reader: String::new(),
            error,
        }),
        Ok(readers) if readers.is_empty() => {
            ReadersVerdict::Final(Diagnosis::NoReader { host_version })
        }
        Ok(readers) => match readers.iter().find(|r| r.card_present) {
            Some(r) => ReadersVerdict::ReadCard(r.name.clone()),
            None => ReadersVerdict::Final(Diagnosis::NoCard {
                host_version,
                readers: readers.into_iter().map(|r| r.name).collect(),
            }),
        },
    }
}

pub fn from_certificate(
    host_version: &str,
    reader: &str,
    result: Result<Reply, ErrorInfo>,
) -> Diagnosis {
    let host_version = host_version.to_string();
    let reader = reader.to_string();
    match result {
        Ok(Reply::Certificate(info)) if info.summary.expired => Diagnosis::CardExpired {
            host_version,
            reader,
            card_type: info.card_type,
            summary: info.summary,
        },
        Ok(Reply::Certificate(info)) => Diagnosis::CardOk {
            host_version,
            reader,
            card_type: info.card_type,
            summary: info.summary,
        },
        Ok(other) => Diagnosis::CardError {
            host_version,
            reader,
            error: ErrorInfo::new(ErrorCode::Internal).with_detail(format!(
                "unexpected reply {}",
                crate::host_problem::reply_kind(&other)
            )),
        },
        Err(e) if e.code == ErrorCode::PinRequired => Diagnosis::CardNeedsPin {
            host_version,
            reader,
        },
        Err(e) if e.code == ErrorCode::UnsupportedCard => Diagnosis::CardUnsupported {
            host_version,
            reader,
        },
        Err(e) if matches!(e.code, ErrorCode::NoCard | ErrorCode::CardRemoved) => {
            Diagnosis::NoCard {
                host_version,
                readers: vec![reader],
            }
        }
        Err(error) => Diagnosis::CardError {
            host_version,
            reader,
            error,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(name: &str, card: bool) -> ReaderInfo {
        ReaderInfo {
            name: name.into(),
            card_present: card,
            atr: None,
            pin_pad: false,
        }
    }

    #[test]
    fn host_problems_map_to_distinct_statuses() {
        let missing =
            Diagnosis::from_host_problem(HostProblem::NotInstalled { detail: "x".into() });
        assert_eq!(missing.status(), "host-missing");
        assert_eq!(missing.message_key(), "diag_host_missing");
        assert_eq!(
            Diagnosis::from_host_problem(HostProblem::NotAnswering).status(),
            "host-not-answering"
        );
        assert_eq!(
            Diagnosis::from_host_problem(HostProblem::TooOld {
                host_version: "0.0.1".into(),
                protocol: 0
            })
            .status(),
            "host-too-old"
        );
    }

    #[test]
    fn readers_and_cards() {
        assert_eq!(
            from_readers("1", Ok(vec![])),
            ReadersVerdict::Final(Diagnosis::NoReader {
                host_version: "1".into()
            })
        );
        assert!(matches!(
            from_readers("1", Ok(vec![reader("A", false)])),
            ReadersVerdict::Final(Diagnosis::NoCard { .. })
        ));
        assert_eq!(
            from_readers("1", Ok(vec![reader("A", false), reader("B", true)])),
            ReadersVerdict::ReadCard("B".into())
        );
        assert!(matches!(
            from_readers("1", Err(ErrorInfo::new(ErrorCode::PcscUnavailable))),
            ReadersVerdict::Final(Diagnosis::PcscUnavailable { .. })
        ));
        assert_eq!(
            from_certificate("1", "B", Err(ErrorInfo::new(ErrorCode::PinRequired))).status(),
            "card-needs-pin"
        );
        assert_eq!(
            from_certificate("1", "B", Err(ErrorInfo::new(ErrorCode::UnsupportedCard))).status(),
            "card-unsupported"
        );
    }

    #[test]
    fn days_left_and_badges() {
        let day = 86_400_000.0;
        assert_eq!(parse_utc_ms("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(
            parse_utc_ms("2000-03-01T00:00:00Z"),
            Some(951_868_800_000.0)
        );
        assert_eq!(parse_utc_ms("2099-13-01T00:00:00Z"), None);
        assert_eq!(parse_utc_ms("2099-01-01"), None);
        let now = parse_utc_ms("2025-01-01T12:00:00Z").unwrap();
        assert_eq!(days_left("2025-01-02T00:00:00Z", now), Some(1));
        assert_eq!(days_left("2025-03-02T12:00:00Z", now), Some(60));
        assert_eq!(days_left("2024-12-31T00:00:00Z", now), Some(-1));
        let card = |not_after: &str, expired: bool| {
            let summary = CertificateSummary {
                organization: None,
                holder_name: None,
                address: None,
                serial: "1".into(),
                issuer: "CN=CA".into(),
                not_before: "2024-01-01T00:00:00Z".into(),
                not_after: not_after.into(),
                key_algorithm: "RSA".into(),
                key_bits: 2048,
                expired,
                sha256_fingerprint: String::new(),
            };
            from_certificate(
                "1",
                "R",
                Ok(Reply::Certificate(ebid_protocol::CertificateInfo {
                    reader: "R".into(),
                    card_type: "t".into(),
                    certificate: String::new(),
                    summary,
                })),
            )
        };
        assert_eq!(card("2099-01-01T00:00:00Z", false).badge(now), Badge::Clear);
        let soon = card("2025-02-01T00:00:00Z", false);
        assert_eq!(soon.days_left(now), Some(31));
        assert!(soon.expires_soon(now));
        assert_eq!(soon.badge(now), Badge::Warning);
        assert_eq!(
            card("2025-03-02T12:00:00Z", false).badge(now),
            Badge::Warning
        );
        assert_eq!(card("2025-03-03T12:00:00Z", false).badge(now), Badge::Clear);
        assert_eq!(
            card("2020-01-01T00:00:00Z", true).badge(now),
            Badge::Trouble
        );
        assert_eq!(
            Diagnosis::from_host_problem(HostProblem::NotAnswering).badge(now),
            Badge::Trouble
        );
        assert_eq!(
            Diagnosis::NoReader {
                host_version: "1".into()
            }
            .badge(now + day),
            Badge::Trouble
        );
        assert_eq!(
            Diagnosis::NoCard {
                host_version: "1".into(),
                readers: vec![]
            }
            .badge(now),
            Badge::Clear
        );
    }
}
