//! Integration tests of the real ebid-host binary against real pcscd and virtual cards, and the host benchmark.
//!
//! This library holds what both use: a private pcscd with virtual cards ([`Bed`]) and short ways to talk to the
//! host ([`Host`]).

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{json, Value};
use test_harness::{HostOptions, HostProcess, PcscDaemon, Slot};
use virtual_card::testca::{CertOptions, CertStyle, IssuedCert, TestCa};
use virtual_card::{CardConfig, InsertedCard, VirtualCard};

/// Waits for one message or one card state; generous because the machine is shared.
pub const WAIT: Duration = Duration::from_secs(10);

/// The host binary built from `host/src/main.rs` for this package (see Cargo.toml), next to the running
/// executable: `target/<profile>/` for binaries, its parent for test executables in `deps/`.
pub fn host_binary_near_exe() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let mut dir = exe.parent();
    while let Some(d) = dir {
        let candidate = d.join("ebid-host-under-test");
        if candidate.is_file() {
            return candidate;
        }
        dir = d.parent();
    }
    panic!("ebid-host-under-test not found near {}", exe.display());
}

/// A private pcscd with vpcd readers, and the test CAs.
pub struct Bed {
    pub pcscd: PcscDaemon,
    pub ca: TestCa,
    pub jpki_ca: TestCa,
    host_exe: PathBuf,
}

/// A virtual card with the certificate it was issued.
pub struct TestCard {
    pub card: VirtualCard,
    pub cert: IssuedCert,
}

impl Bed {
    /// `readers` vpcd readers (two slots each).
    pub fn start(readers: usize, host_exe: impl Into<PathBuf>) -> Bed {
        Bed {
            pcscd: PcscDaemon::start(readers).expect("private pcscd"),
            ca: TestCa::load().expect("test CA"),
            jpki_ca: TestCa::load_jpki().expect("JPKI test CA"),
            host_exe: host_exe.into(),
        }
    }

    pub fn slot(&self, index: usize) -> Slot {
        self.pcscd.slot(index).clone()
    }

    pub fn reader(&self, index: usize) -> String {
        self.pcscd.slot(index).reader.clone()
    }

    /// A profile (e-bidding CA) card with `pin`, issued with `options`.
    pub fn profile_card(&self, pin: &str, options: CertOptions) -> TestCard {
        let cert = self.ca.issue(&options).expect("issue");
        let card = VirtualCard::new(CardConfig::profile(pin, &cert, self.ca.certificate_der()))
            .expect("card");
        TestCard { card, cert }
    }

    /// A JPKI (My Number) card with signature PIN `pin`.
    pub fn jpki_card(&self, pin: &str, options: CertOptions) -> TestCard {
        let options = CertOptions {
            style: CertStyle::Jpki,
            ..options
        };
        let cert = self.jpki_ca.issue(&options).expect("issue");
        let card = VirtualCard::new(CardConfig::jpki(pin, &cert, self.jpki_ca.certificate_der()))
            .expect("card");
        TestCard { card, cert }
    }

    /// Inserts `card` into slot `index` and waits until pcscd sees it.
    pub fn insert(&self, card: &VirtualCard, index: usize) -> InsertedCard {
        let slot = self.pcscd.slot(index);
        let inserted = card.insert(slot.port).expect("insert");
        self.pcscd
            .wait_card(&slot.reader, true, WAIT)
            .expect("card present");
        inserted
    }

    /// Pulls the card out and waits until pcscd noticed.
    pub fn remove(&self, inserted: InsertedCard, index: usize) {
        inserted.remove();
        self.pcscd
            .wait_card(&self.pcscd.slot(index).reader, false, WAIT)
            .expect("card gone");
    }

    /// How to start the host against this bed's pcscd: as the project's extension in Chrome
    /// ([`test_harness::DEFAULT_ORIGIN`]), no extra environment.
    pub fn host_options(&self) -> HostOptions {
        HostOptions::new(&self.host_exe, self.pcscd.socket_path())
    }

    /// Starts the host with `options` and waits for its Hello (which every caller gets, served or not).
    pub fn host_from(&self, options: &HostOptions) -> Host {
        let mut process = HostProcess::spawn_with(options).expect("spawn host");
        let hello = process.recv(WAIT).expect("hello");
        assert_eq!(hello["type"], "hello", "first message: {hello}");
        Host { process, hello }
    }

    /// Starts the host (after its Hello) with extra environment.
    pub fn host_with_env(&self, env: &[(&str, &str)]) -> Host {
        let mut options = self.host_options();
        options.env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.host_from(&options)
    }

    pub fn host(&self) -> Host {
        self.host_with_env(&[])
    }
}

/// The host process with short request helpers.
pub struct Host {
    pub process: HostProcess,
    pub hello: Value,
}

impl Host {
    /// Sends `command` and returns the `response` or `error` message.
    pub fn request(&mut self, command: Value) -> Value {
        self.process
            .request(command, WAIT)
            .expect("answer from the host")
    }

    /// The `result` of a successful response; panics with the message otherwise.
    pub fn ok(&mut self, command: Value) -> Value {
        let answer = self.request(command.clone());
        assert_eq!(answer["type"], "response", "{command} answered {answer}");
        answer["result"].clone()
    }

    /// The `error` of a failed response; panics when it succeeded.
    pub fn fails(&mut self, command: Value) -> Value {
        let answer = self.request(command.clone());
        assert_eq!(answer["type"], "error", "{command} answered {answer}");
        answer["error"].clone()
    }

    pub fn verify(&mut self, reader: &str, pin: &str) -> Value {
        self.request(json!({"cmd": "verify_pin", "reader": reader, "pin": pin}))
    }

    pub fn read_certificate(&mut self, reader: &str) -> Value {
        self.request(json!({"cmd": "read_certificate", "reader": reader}))
    }

    pub fn stderr(&self) -> String {
        self.process.stderr_text()
    }

    /// The next event, skipping none.
    pub fn event(&mut self) -> Value {
        self.process.next_event(WAIT).expect("event")["event"].clone()
    }

    /// The first event named `name` (others before it are dropped).
    pub fn event_named(&mut self, name: &str) -> Value {
        loop {
            let event = self.event();
            if event["name"] == name {
                return event;
            }
        }
    }
}

/// The code of an error response (`"WRONG_PIN"` …).
pub fn code(error: &Value) -> &str {
    error["code"].as_str().unwrap_or("")
}
