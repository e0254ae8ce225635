//! Starts a private pcscd with vpcd readers, virtual cards and the real host binary for tests.
//!
//! ```no_run
//! use std::time::Duration;
//! use test_harness::{find_host_binary, HostProcess, PcscDaemon};
//! use virtual_card::{testca::{CertOptions, TestCa}, CardConfig, VirtualCard};
//! let pcscd = PcscDaemon::start(1)?;
//! let ca = TestCa::load()?;
//! let card = VirtualCard::new(CardConfig::profile("1234", &ca.issue(&CertOptions::default())?, ca.certificate_der()))?;
//! let inserted = pcscd.insert(&card, 0, Duration::from_secs(5))?; // answers once pcscd sees it
//! let mut host = HostProcess::spawn(&find_host_binary()?, &pcscd.socket_path())?;
//! let hello = host.recv(Duration::from_secs(5))?;
//! let readers = host.request(serde_json::json!({"cmd": "list_readers"}), Duration::from_secs(5))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod card_set;
mod error;
pub mod host;
pub mod pcscd;
mod process_daemon;
pub mod reader_states;
mod spawner;

pub use error::HarnessError;
pub use host::{find_host_binary, HostOptions, HostProcess, DEFAULT_ORIGIN, DEFAULT_TIMEOUT};
pub use pcscd::{PcscDaemon, Slot};
pub use process_daemon::process_daemon;
pub use reader_states::ReaderState;
