//! What the tests of the real `ebid-host` binary share: a private pcscd with virtual cards issued by the test CAs
//! ([`Bed`]), short ways to talk to the host ([`Host`]), and the helpers their assertions use.

// Each test binary that includes this module uses part of it.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use ebid_protocol::{binding_digest, SignPurpose};
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use serde_json::{json, Value};
use sha2::Sha256;
use test_harness::{HostOptions, HostProcess, PcscDaemon, Slot};
use virtual_card::testca::{CertOptions, CertStyle, IssuedCert, TestCa};
use virtual_card::{CardConfig, InsertedCard, VirtualCard};

/// The host binary cargo built for these tests.
pub const HOST: &str = env!("CARGO_BIN_EXE_ebid-host");

/// Waits for one message or one card state; generous because the machine is shared.
pub const WAIT: Duration = Duration::from_secs(10);

/// PINs that cannot turn up in a log by accident.
pub const PROFILE_PIN: &str = "73914562";
pub const PROFILE_WRONG_PIN: &str = "58203917";
pub const JPKI_PIN: &str = "QZ73914562";
pub const JPKI_WRONG_PIN: &str = "XK58203917";

/// The portal origin the tests sign for.
pub const ORIGIN: &str = "https://www.ebid.example.jp";

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

/// A bed of `readers` vpcd readers (two slots each) for the host cargo built.
pub fn bed(readers: usize) -> Bed {
    Bed::start(readers, HOST)
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
        self.pcscd.insert(card, index, WAIT).expect("card inserted")
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

    /// `sign_challenge` for a login on `origin`, which must succeed with a signature `key` verifies over the login
    /// binding of `origin` and `challenge`.
    pub fn signs_login(
        &mut self,
        reader: &str,
        origin: &str,
        challenge: &[u8],
        key: &RsaPublicKey,
    ) {
        let result = self.ok(sign_challenge(reader, origin, challenge, "login"));
        verify_signature(&result, key, &login_digest(origin, challenge));
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

pub fn assert_no_panic(host: &Host) {
    let stderr = host.stderr();
    assert!(!stderr.contains("panicked"), "host stderr:\n{stderr}");
}

/// The public key inside a DER certificate.
pub fn public_key_of(der: &[u8]) -> RsaPublicKey {
    let (_, cert) = x509_parser::parse_x509_certificate(der).expect("certificate");
    RsaPublicKey::from_public_key_der(cert.public_key().raw).expect("RSA key")
}

/// The certificate (DER) of a `read_certificate` result.
pub fn certificate_of(result: &Value) -> Vec<u8> {
    BASE64
        .decode(result["certificate"].as_str().unwrap())
        .unwrap()
}

/// A `sign_challenge` request.
pub fn sign_challenge(reader: &str, origin: &str, challenge: &[u8], purpose: &str) -> Value {
    json!({
        "cmd": "sign_challenge", "reader": reader, "origin": origin,
        "challenge": BASE64.encode(challenge), "purpose": purpose
    })
}

/// A portal challenge of `len` bytes.
pub fn challenge(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + 3) as u8).collect()
}

/// What a login signature for `origin` and `challenge` signs.
pub fn login_digest(origin: &str, challenge: &[u8]) -> [u8; 32] {
    binding_digest(origin, challenge, SignPurpose::Login, b"")
}

/// How many signing APDUs (INS 2A: JPKI COMPUTE DIGITAL SIGNATURE, PSO) the card has received.
pub fn signing_apdus(card: &VirtualCard) -> usize {
    card.command_log()
        .iter()
        .filter(|r| r.header[1] == 0x2A)
        .count()
}

/// A `signature` result over `digest` that verifies with `key`.
pub fn verify_signature(result: &Value, key: &RsaPublicKey, digest: &[u8]) {
    assert_eq!(result["kind"], "signature");
    assert_eq!(
        BASE64.decode(result["digest"].as_str().unwrap()).unwrap(),
        digest
    );
    let signature = BASE64
        .decode(result["signature"].as_str().unwrap())
        .unwrap();
    key.verify(Pkcs1v15Sign::new::<Sha256>(), digest, &signature)
        .expect("signature verifies with the certificate's key");
}

/// Polls `condition` for up to [`WAIT`].
pub fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !condition() {
        assert!(Instant::now() < deadline, "never: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
