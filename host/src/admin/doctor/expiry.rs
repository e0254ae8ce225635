//! `certificate.expiry`: days left on the card's certificate, from the RFC 3339 `not_after` of its summary.

use crate::cert_summary::utc_time;

use super::check::Check;
use super::text::Text;

/// Certificates closer than this to their end get a reminder (the renewal takes the CA some weeks).
const EXPIRY_WARNING_DAYS: i64 = 60;

const ID: &str = "certificate.expiry";

/// Expired fails (an expired card cannot be renewed: a new registration is needed); the days left otherwise.
pub fn expiry_check(not_after: &str, now_unix: i64) -> Check {
    let shown = not_after.to_owned();
    let Some(end) = parse_rfc3339_utc(not_after) else {
        return Check::fail(
            ID,
            Text::ExpiryUnreadable { not_after: shown },
            Text::AskIssuer,
        );
    };
    let seconds_left = end - now_unix;
    let days_left = seconds_left.div_euclid(86_400);
    if seconds_left <= 0 {
        return Check::fail(
            ID,
            Text::Expired { not_after: shown },
            Text::RegisterAsNewUser,
        );
    }
    let message = if days_left < EXPIRY_WARNING_DAYS {
        Text::ExpiresSoon {
            not_after: shown,
            days_left,
        }
    } else {
        Text::Expires {
            not_after: shown,
            days_left,
        }
    };
    Check::pass(ID, message)
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Seconds since the epoch for `YYYY-MM-DDTHH:MM:SS[.fff]Z` (the form the host's certificate summary uses).
pub fn parse_rfc3339_utc(text: &str) -> Option<i64> {
    utc_time::parse_rfc3339(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

    #[test]
    fn rfc3339_parsing() {
        assert_eq!(parse_rfc3339_utc("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339_utc("2026-01-01T00:00:00Z"), Some(NOW));
        assert_eq!(parse_rfc3339_utc("2026-01-01T00:00:00.5Z"), Some(NOW));
        assert_eq!(parse_rfc3339_utc("2026-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339_utc("garbage"), None);
        assert_eq!(parse_rfc3339_utc("2026-01-01T00:00:00+09:00"), None);
    }
}
