//! One entry function per fuzz target: bytes in, a panic out only for a defect. Each must also stay quick and
//! bounded in memory on any input (libFuzzer runs them with `-timeout=5 -rss_limit_mb=512`).
//!
//! Shared by the cargo-fuzz targets (`fuzz/fuzz_targets/`) and the stable replay of the committed corpus and
//! regressions (`host/tests/fuzz_regressions.rs`), so both run exactly the same code. Only public APIs of
//! `ebid-host` and `ebid-protocol` are used, and nothing here touches PC/SC.

mod apdu;
mod card_answers;
mod cert_summary;
mod drivers;
mod profile;
mod request;
mod session;

pub use apdu::apdu;
pub use cert_summary::cert_summary;
pub use drivers::drivers;
/// One driver operation as the `drivers` target runs it (for the seed writer, which records real cards' answers).
pub use drivers::run as driver_operation;
pub use profile::profile;
pub use request::request;
pub use session::session;

/// A target's body: the fuzzer's input in, a panic out only for a defect.
pub type Entry = fn(&[u8]);

/// Every target by its name, which is also its directory under `fuzz/corpus/` and `fuzz/regressions/`.
pub const TARGETS: &[(&str, Entry)] = &[
    ("session", session),
    ("request", request),
    ("cert_summary", cert_summary),
    ("apdu", apdu),
    ("drivers", drivers),
    ("profile", profile),
];
