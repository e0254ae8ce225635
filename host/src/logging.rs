//! The host's logger: stderr (which browsers keep out of the page, and Chrome shows with --enable-logging), plus an
//! optional file for help desks.
//!
//! - `EBID_HOST_LOG`: `error`, `warn` (default), `info`, `debug` or `trace`;
//! - `EBID_HOST_LOG_FILE`: a file to append to as well.
//!
//! Nothing logs a PIN at any level: requests are logged by command name only, APDUs by header only.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::sync::Mutex;
use std::time::SystemTime;

use log::{LevelFilter, Log, Metadata, Record};

use crate::cert_summary::utc_time::rfc3339_millis;

pub const LEVEL_ENV: &str = "EBID_HOST_LOG";
pub const FILE_ENV: &str = "EBID_HOST_LOG_FILE";

struct HostLogger {
    level: LevelFilter,
    file: Option<Mutex<File>>,
}

impl Log for HostLogger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= self.level
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let line = format!(
            "{} ebid-host[{}] {:<5} {}: {}\n",
            utc_timestamp(SystemTime::now()),
            std::process::id(),
            record.level(),
            record.target(),
            record.args()
        );
        // A failed log write must never take the host down.
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
        if let Some(file) = &self.file {
            if let Ok(mut file) = file.lock() {
                let _ = file.write_all(line.as_bytes());
            }
        }
    }

    fn flush(&self) {
        if let Some(file) = &self.file {
            if let Ok(mut file) = file.lock() {
                let _ = file.flush();
            }
        }
    }
}

/// Parses a level name; unknown names fall back to the default so a typo cannot silence errors.
pub fn parse_level(text: Option<&str>) -> LevelFilter {
    match text.map(|t| t.trim().to_ascii_lowercase()).as_deref() {
        Some("off") => LevelFilter::Off,
        Some("error") => LevelFilter::Error,
        Some("info") => LevelFilter::Info,
        Some("debug") => LevelFilter::Debug,
        Some("trace") => LevelFilter::Trace,
        _ => LevelFilter::Warn,
    }
}

/// Installs the logger from the environment. Safe to call twice (the second call does nothing).
pub fn init() {
    let level = parse_level(std::env::var(LEVEL_ENV).ok().as_deref());
    let mut file_error = None;
    let file = std::env::var_os(FILE_ENV).and_then(|path| {
        match OpenOptions::new().create(true).append(true).open(&path) {
            Ok(file) => Some(Mutex::new(file)),
            Err(e) => {
                file_error = Some(format!(
                    "cannot open log file {}: {e}",
                    path.to_string_lossy()
                ));
                None
            }
        }
    });
    // Leaked once: the logger lives as long as the process.
    let logger: &'static HostLogger = Box::leak(Box::new(HostLogger { level, file }));
    if log::set_logger(logger).is_ok() {
        log::set_max_level(level);
    }
    if let Some(e) = file_error {
        log::warn!("{e}");
    }
}

/// `2026-11-25T06:23:32.123Z`: RFC 3339 with milliseconds, so lines from one request can be told apart.
fn utc_timestamp(now: SystemTime) -> String {
    rfc3339_millis(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn levels() {
        assert_eq!(parse_level(None), LevelFilter::Warn);
        assert_eq!(parse_level(Some("TRACE")), LevelFilter::Trace);
        assert_eq!(parse_level(Some("debug")), LevelFilter::Debug);
        assert_eq!(parse_level(Some("error")), LevelFilter::Error);
        assert_eq!(parse_level(Some("loud")), LevelFilter::Warn);
    }

    #[test]
    fn timestamps() {
        assert_eq!(utc_timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_795_591_412_345);
        assert_eq!(utc_timestamp(t), "2026-11-25T07:23:32.345Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(utc_timestamp(leap), "2000-02-29T00:00:00.000Z");
    }
}
