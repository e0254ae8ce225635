//! RFC 3339 UTC timestamps (`YYYY-MM-DDTHH:MM:SSZ`) to and from Unix seconds, through the `time` crate.
//! Certificate validity spans years 1950–9999; instants beyond what `time` represents (±9999 years) are clamped.

use std::time::{SystemTime, UNIX_EPOCH};

use time::format_description::well_known::Rfc3339;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

/// `YYYY-MM-DDTHH:MM:SSZ`: what the certificate summary shows.
const SECONDS: &[BorrowedFormatItem<'_>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`: log lines, so lines from one request can be told apart.
const MILLISECONDS: &[BorrowedFormatItem<'_>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// `YYYY-MM-DDTHH:MM:SSZ`.
pub fn rfc3339(unix_seconds: i64) -> String {
    format(utc(unix_seconds), SECONDS)
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` (instants before 1970 are shown as 1970).
pub fn rfc3339_millis(at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = i64::try_from(since.as_secs()).unwrap_or(i64::MAX);
    let at = utc(seconds) + time::Duration::milliseconds(i64::from(since.subsec_millis()));
    format(at, MILLISECONDS)
}

/// Unix seconds of an RFC 3339 timestamp in UTC (`Z`; fractions of a second are dropped), `None` for anything
/// else, including other offsets.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    if !text.ends_with('Z') {
        return None;
    }
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

fn utc(unix_seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix_seconds).unwrap_or_else(|_| {
        let edge = if unix_seconds < 0 {
            PrimitiveDateTime::MIN
        } else {
            PrimitiveDateTime::MAX
        };
        edge.assume_utc()
    })
}

fn format(at: OffsetDateTime, items: &[BorrowedFormatItem<'_>]) -> String {
    // Formatting into a String fails only for components the description lacks; ours has them all.
    at.format(items).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_798_761_599), "2026-12-31T23:59:59Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339(253_402_300_799), "9999-12-31T23:59:59Z");
        assert_eq!(rfc3339(-631_152_000), "1950-01-01T00:00:00Z");
    }

    #[test]
    fn out_of_range_is_clamped_not_a_panic() {
        assert_eq!(rfc3339(i64::MAX), "9999-12-31T23:59:59Z");
        assert!(rfc3339(i64::MIN).starts_with("-9999-01-01T00:00:00"));
    }

    #[test]
    fn milliseconds() {
        let at = UNIX_EPOCH + std::time::Duration::from_millis(1_795_591_412_005);
        assert_eq!(rfc3339_millis(at), "2026-11-25T07:23:32.005Z");
    }

    #[test]
    fn parsing_round_trips() {
        for seconds in [0, 951_782_400, 1_798_761_599, -631_152_000, 253_402_300_799] {
            assert_eq!(parse_rfc3339(&rfc3339(seconds)), Some(seconds));
        }
        assert_eq!(parse_rfc3339("2026-01-01T00:00:00+00:00"), None);
    }
}
