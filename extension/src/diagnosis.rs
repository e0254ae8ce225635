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
}
