//! Target `cert_summary`: arbitrary bytes as the DER certificate a card returned → the summary the confirmation
//! screen shows (`ebid_host::cert_summary::summarize`).
//!
//! Checked: a summary is valid JSON for the extension, its fingerprint and serial are hex, its dates RFC 3339.

use std::time::{Duration, UNIX_EPOCH};

use ebid_host::cert_summary::summarize;
use ebid_protocol::{CertificateSummary, ErrorInfo};

pub fn cert_summary(data: &[u8]) {
    // A day in 2026, and the far past and future `now` can be on a machine with a wrong clock.
    let day = UNIX_EPOCH + Duration::from_secs(1_780_000_000);
    let past = UNIX_EPOCH - Duration::from_secs(1 << 40);
    let future = UNIX_EPOCH + Duration::from_secs(1 << 40);
    let summaries: Vec<_> = [day, past, future]
        .into_iter()
        .map(|now| summarize(data, now))
        .collect();
    match &summaries[0] {
        Ok(summary) => check(summary),
        Err(e) => {
            let _ = ErrorInfo::from(e.clone());
        }
    }
    for other in &summaries[1..] {
        match (&summaries[0], other) {
            (Ok(a), Ok(b)) => assert_eq!(
                CertificateSummary {
                    expired: b.expired,
                    ..a.clone()
                },
                *b,
                "only `expired` depends on the time"
            ),
            (Err(a), Err(b)) => assert_eq!(a, b),
            _ => panic!("whether a certificate parses depends on the time"),
        }
    }
    if let (Ok(past), Ok(future)) = (&summaries[1], &summaries[2]) {
        assert!(
            future.expired || !past.expired,
            "expired in the past but not in the future"
        );
    }
}

fn check(summary: &CertificateSummary) {
    let json = serde_json::to_vec(summary).expect("a summary serialises");
    let again: CertificateSummary = serde_json::from_slice(&json).expect("and reads back");
    assert_eq!(&again, summary);
    assert_eq!(summary.sha256_fingerprint.len(), 64);
    assert!(
        is_hex(&summary.sha256_fingerprint),
        "{}",
        summary.sha256_fingerprint
    );
    assert!(is_hex(&summary.serial), "serial {:?}", summary.serial);
    for date in [&summary.not_before, &summary.not_after] {
        assert!(looks_rfc3339(date), "date {date:?}");
    }
}

fn is_hex(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `YYYY-MM-DDTHH:MM:SSZ` (a year of more digits, or a sign, for dates no certificate should have).
fn looks_rfc3339(text: &str) -> bool {
    let Some(rest) = text.strip_suffix('Z') else {
        return false;
    };
    let Some((date, time)) = rest.split_once('T') else {
        return false;
    };
    let date_ok = date.rsplitn(3, '-').count() == 3;
    let time_ok = time.len() == 8 && time.split(':').all(|p| p.len() == 2 && is_hex(p));
    date_ok && time_ok
}
