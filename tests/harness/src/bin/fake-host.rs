//! `ebid-fake-host`: a scripted stand-in for `ebid-host`, for testing the extension alone in a real browser
//! (extension/tests/browser.test.mjs). It speaks the protocol crate's codec and types, so it cannot drift from
//! the real host's wire format.
//!
//! Its state lives in the directory `$EBID_FAKE_HOST_DIR` (the browser passes its environment on to the hosts it
//! starts):
//! - `mode.json`, read at start (the test rewrites it between scenarios; missing = `{}`);
//! - `requests.log`, every request received, one JSON object a line, PINs replaced by `"***"`;
//! - `stdin_closed`, created when the browser closed the port after a request the host left unanswered (`hang_on`).
//!
//! The script: one reader, [`READER`], holding the current card ("old"); the right PIN of every card is `1234`,
//! 3 tries each. Right after the current card's signature (`sign_challenge`, purpose `renew_current`) the bidder
//! swaps the cards: `card_removed`, then the new card's `card_inserted` (ATR `3B01`); from then on the certificate,
//! PIN and signature are the new card's. Commands outside the script (`unwatch`, `forget`) get `UNKNOWN_COMMAND`.
//!
//! `mode.json` fields, all optional:
//! - `protocol`: the protocol number in the Hello (default [`PROTOCOL_VERSION`]; `0` plays a host too old);
//! - `silent`: say nothing (no Hello) for 30 s, then exit — a host that does not answer;
//! - `pin_pad`: the reader has a PIN pad; `verify_pin` without a PIN succeeds;
//! - `expired`: the current card's certificate has expired;
//! - `same_card_first`: during the swap the current card goes back in first (and out again) before the new one;
//! - `hang_on`: a command name (`sign_challenge` …) that is never answered, like a host stuck in a driver.
//! - `no_reader`: PC/SC lists no reader (`list_readers` answers an empty list);
//! - `no_card`: the reader is empty (`card_present: false`; reading answers `NO_CARD`);
//! - `expires_in_days`: the current card's certificate ends this many days from now (the popup's renewal warning).

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use ebid_protocol::framing::{
    parse_request, read_frame, request_too_large, write_host_message, Inbound, SessionEnd,
};
use ebid_protocol::{
    CertificateInfo, CertificateSummary, Command, ErrorCode, ErrorInfo, Event, HostMessage,
    PinCharset, PinInfo, ReaderInfo, Reply, Request, SignPurpose, MAX_REQUEST_BYTES,
    PROTOCOL_VERSION, SIGNATURE_ALGORITHM,
};
use serde::Deserialize;
use serde_json::Value;

/// The directory with `mode.json`, `requests.log` and `stdin_closed`.
const DIR_ENV: &str = "EBID_FAKE_HOST_DIR";
/// The Hello's host version.
const VERSION: &str = "9.9.9-fake";
/// The one reader.
const READER: &str = "Fake Reader 00 00";
/// Every card's right PIN.
const PIN: &str = "1234";
const TRIES: u8 = 3;

/// What the test asks of this run (`mode.json`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Mode {
    protocol: Option<u32>,
    silent: bool,
    pin_pad: bool,
    expired: bool,
    same_card_first: bool,
    hang_on: Option<String>,
    no_reader: bool,
    no_card: bool,
    expires_in_days: Option<i64>,
}

/// A card of the script, with what the browser test's portal expects of it.
struct Card {
    /// Base64 "DER" (`OLD-CERT`, `NEW-CERT`).
    certificate: &'static str,
    /// Base64 signature it makes.
    signature: &'static str,
    /// Repeated 32 times: the SHA-256 fingerprint in hex.
    fingerprint_byte: &'static str,
    organization: &'static str,
}

const OLD: Card = Card {
    certificate: "T0xELUNFUlQ=",
    signature: "U0lHLQ==",
    fingerprint_byte: "AA",
    organization: "株式会社旧カード",
};

const NEW: Card = Card {
    certificate: "TkVXLUNFUlQ=",
    signature: "U0lHKw==",
    fingerprint_byte: "BB",
    organization: "株式会社新カード",
};

/// Whole frames on stdout, from the request loop and the swap thread.
#[derive(Clone)]
struct Out(Arc<Mutex<io::Stdout>>);

impl Out {
    fn send(&self, message: &HostMessage) {
        let mut stdout = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Err(e) = write_host_message(&mut *stdout, message) {
            eprintln!("ebid-fake-host: writing stdout: {e}");
        }
    }

    fn event(&self, event: Event) {
        self.send(&HostMessage::Event { event });
    }
}

/// The script's state.
struct Script {
    mode: Mode,
    /// The new card is in the reader (after the swap).
    swapped: Arc<AtomicBool>,
    /// Tries left: the current card's, the new card's.
    tries: [u8; 2],
}

impl Script {
    fn card(&self) -> (&'static Card, usize) {
        if self.swapped.load(Ordering::SeqCst) {
            (&NEW, 1)
        } else {
            (&OLD, 0)
        }
    }

    fn reader(&self) -> ReaderInfo {
        ReaderInfo {
            name: READER.into(),
            card_present: !self.mode.no_card,
            atr: Some("3B00".into()),
            pin_pad: self.mode.pin_pad,
        }
    }

    fn answer(&mut self, command: &Command) -> Result<Reply, ErrorInfo> {
        let (card, index) = self.card();
        match command {
            Command::ListReaders if self.mode.no_reader => Ok(Reply::Readers { readers: vec![] }),
            Command::ListReaders => Ok(Reply::Readers {
                readers: vec![self.reader()],
            }),
            Command::ReadCertificate { .. } if self.mode.no_card => {
                Err(ErrorInfo::new(ErrorCode::NoCard))
            }
            Command::Watch => Ok(Reply::Watching {
                readers: vec![self.reader()],
            }),
            Command::ReadCertificate { .. } => {
                let mut info = certificate(card, self.mode.expired && index == 0);
                if let (Some(days), 0) = (self.mode.expires_in_days, index) {
                    info.summary.not_after = utc_in_days(days);
                }
                Ok(Reply::Certificate(info))
            }
            Command::PinStatus { .. } => Ok(Reply::PinStatus(PinInfo {
                tries_left: Some(self.tries[index]),
                blocked: self.tries[index] == 0,
                pin_pad: self.mode.pin_pad,
                min_length: 4,
                max_length: 8,
                charset: PinCharset::Digits,
            })),
            Command::VerifyPin { pin, .. } => {
                let right = match pin {
                    Some(pin) => pin.expose() == PIN,
                    None => self.mode.pin_pad,
                };
                if right {
                    return Ok(Reply::PinVerified);
                }
                let tries = &mut self.tries[index];
                *tries = tries.saturating_sub(1);
                Err(if *tries == 0 {
                    ErrorInfo::new(ErrorCode::PinBlocked).with_retries(0)
                } else {
                    ErrorInfo::new(ErrorCode::WrongPin).with_retries(*tries)
                })
            }
            Command::SignChallenge { .. } => Ok(Reply::Signature {
                signature: card.signature.into(),
                digest: "ZA==".into(),
                algorithm: SIGNATURE_ALGORITHM.into(),
            }),
            Command::Unwatch | Command::Forget { .. } => Err(ErrorInfo::new(
                ErrorCode::UnknownCommand,
            )
            .with_detail(format!(
                "`{}` is not in the fake host's script",
                command.name()
            ))),
        }
    }
}

fn certificate(card: &Card, expired: bool) -> CertificateInfo {
    CertificateInfo {
        reader: READER.into(),
        card_type: "profile:fake".into(),
        certificate: card.certificate.into(),
        summary: CertificateSummary {
            organization: Some(card.organization.into()),
            holder_name: Some("札幌 太郎".into()),
            address: Some("札幌市中央区".into()),
            serial: "0A".into(),
            issuer: "CN=Fake CA".into(),
            not_before: "2024-01-01T00:00:00Z".into(),
            not_after: if expired {
                "2020-01-01T00:00:00Z"
            } else {
                "2099-01-01T00:00:00Z"
            }
            .into(),
            key_algorithm: "RSA".into(),
            key_bits: 2048,
            expired,
            sha256_fingerprint: card.fingerprint_byte.repeat(32),
        },
    }
}

/// `days` days from now, as the host writes times (`2025-01-31T12:00:00Z`).
fn utc_in_days(days: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let t = now + days * 86_400;
    let (day, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3_600,
        secs % 3_600 / 60,
        secs % 60
    )
}

/// The bidder takes the current card out and puts the new one in (the current one first, once, if asked).
fn swap_cards(out: Out, swapped: Arc<AtomicBool>, same_card_first: bool) {
    let pause = |ms| thread::sleep(Duration::from_millis(ms));
    let removed = || Event::CardRemoved {
        reader: READER.into(),
    };
    let inserted = |atr: &str| Event::CardInserted {
        reader: READER.into(),
        atr: atr.into(),
    };
    pause(300);
    out.event(removed());
    if same_card_first {
        pause(300);
        out.event(inserted("3B00"));
        pause(1000);
        out.event(removed());
    }
    pause(300);
    swapped.store(true, Ordering::SeqCst);
    out.event(inserted("3B01"));
}

/// Appends the request to `requests.log`, its PIN (if any) replaced by `"***"`.
fn log_request(dir: &Path, request: &Request) -> io::Result<()> {
    let mut shown = serde_json::to_value(request)?;
    if let Some(pin) = shown.get_mut("pin").filter(|pin| !pin.is_null()) {
        *pin = Value::from("***");
    }
    let mut log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("requests.log"))?;
    writeln!(log, "{shown}")
}

fn read_mode(dir: &Path) -> Result<Mode, String> {
    match fs::read(dir.join("mode.json")) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| format!("mode.json: {e}")),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Mode::default()),
        Err(e) => Err(format!("mode.json: {e}")),
    }
}

fn main() -> ExitCode {
    let Some(dir) = std::env::var_os(DIR_ENV).map(PathBuf::from) else {
        eprintln!("ebid-fake-host: set {DIR_ENV} to the directory with mode.json");
        return ExitCode::from(1);
    };
    let mode = match read_mode(&dir) {
        Ok(mode) => mode,
        Err(e) => {
            eprintln!("ebid-fake-host: {e}");
            return ExitCode::from(1);
        }
    };
    if mode.silent {
        thread::sleep(Duration::from_secs(30));
        return ExitCode::SUCCESS;
    }
    let out = Out(Arc::new(Mutex::new(io::stdout())));
    out.send(&HostMessage::Hello {
        version: VERSION.into(),
        protocol: mode.protocol.unwrap_or(PROTOCOL_VERSION),
    });
    let mut script = Script {
        mode,
        swapped: Arc::new(AtomicBool::new(false)),
        tries: [TRIES; 2],
    };
    let mut hung = false;
    let mut stdin = io::stdin().lock();
    let end = loop {
        let body = match read_frame(&mut stdin, MAX_REQUEST_BYTES) {
            Ok(Inbound::Frame(body)) => body,
            Ok(Inbound::Oversized { len }) => {
                out.send(&HostMessage::Error {
                    id: None,
                    error: request_too_large(len),
                });
                continue;
            }
            Ok(Inbound::End) => break SessionEnd::BrowserClosed,
            Err(e) => break e.session_end(),
        };
        let request = match parse_request(&body) {
            Ok(request) => request,
            Err(rejected) => {
                out.send(&rejected.into_message());
                continue;
            }
        };
        if let Err(e) = log_request(&dir, &request) {
            eprintln!("ebid-fake-host: requests.log: {e}");
        }
        if script.mode.hang_on.as_deref() == Some(request.command.name()) {
            // A host stuck in a driver: this request is never answered.
            hung = true;
            continue;
        }
        let message = match script.answer(&request.command) {
            Ok(result) => HostMessage::Response {
                id: request.id,
                result,
            },
            Err(error) => HostMessage::Error {
                id: Some(request.id),
                error,
            },
        };
        out.send(&message);
        if let Command::SignChallenge {
            purpose: SignPurpose::RenewCurrent,
            ..
        } = request.command
        {
            let (out, swapped) = (out.clone(), script.swapped.clone());
            let same_card_first = script.mode.same_card_first;
            thread::spawn(move || swap_cards(out, swapped, same_card_first));
        }
    };
    if hung {
        // The browser gave up on the stuck request and closed the port: leave a mark for the test.
        if let Err(e) = fs::write(dir.join("stdin_closed"), b"") {
            eprintln!("ebid-fake-host: stdin_closed: {e}");
        }
    }
    ExitCode::from(end.exit_code())
}
