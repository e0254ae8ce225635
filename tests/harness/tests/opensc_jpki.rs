//! OpenSC — an independent reading of the public JPKI layout — reads the virtual JPKI card with its own tools
//! (`opensc-tool`, `pkcs15-tool`, `pkcs11-tool` over `opensc-pkcs11.so`) through a private pcscd + vpcd: the
//! third-party check that the card is faithful (docs/cards.md, "What OpenSC sees"). Needs Debian's `opensc`
//! (scripts/setup.sh installs it).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha2::{Digest, Sha256};
use test_harness::card_set::{standard_set, NamedCard, JPKI_AUTH_PIN};
use test_harness::PcscDaemon;
use virtual_card::layout::{ins, jpki, sw};
use virtual_card::InsertedCard;
use x509_parser::prelude::{FromDer, X509Certificate};

const PKCS11_MODULE: &str = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";
/// A tool that talks to a card through a local pcscd finishes in well under a second; this only bounds a hang.
const TOOL_TIMEOUT: Duration = Duration::from_secs(60);
const WAIT: Duration = Duration::from_secs(10);
/// opensc-pkcs11.so's slots for a JPKI card: one per PIN.
const AUTH_SLOT: &str = "0";
const SIGN_SLOT: &str = "1";
/// OpenSC's PKCS#15 ids: 01 authentication (cert 000A, key 0017, PIN 0018), 02 signature (0001, 001A, 001B).
const AUTH_ID: &str = "01";
const SIGN_ID: &str = "02";

/// A private pcscd with the standard set's JPKI card in its first slot, and a scratch directory for the tools.
struct Bench {
    pcscd: PcscDaemon,
    jpki: NamedCard,
    inserted: Option<InsertedCard>,
    scratch: tempfile::TempDir,
}

struct Run {
    success: bool,
    stdout: String,
    stderr: String,
}

impl Bench {
    fn new() -> Self {
        for tool in ["opensc-tool", "pkcs15-tool", "pkcs11-tool"] {
            assert!(
                Path::new("/usr/bin").join(tool).exists(),
                "{tool} is missing: install Debian's opensc (scripts/setup.sh does)"
            );
        }
        assert!(
            Path::new(PKCS11_MODULE).exists(),
            "{PKCS11_MODULE} is missing"
        );
        let pcscd = PcscDaemon::start(1).expect("private pcscd");
        let jpki = standard_set()
            .expect("card set")
            .into_iter()
            .find(|card| card.name == "jpki")
            .expect("the set has a JPKI card");
        let inserted = pcscd
            .insert(&jpki.card, 0, WAIT)
            .expect("pcscd sees the card");
        Bench {
            pcscd,
            jpki,
            inserted: Some(inserted),
            scratch: tempfile::tempdir().expect("scratch dir"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.scratch.path().join(name)
    }

    /// Runs an OpenSC tool against the private pcscd, bounded by [`TOOL_TIMEOUT`].
    fn run(&self, program: &str, args: &[&str]) -> Run {
        let out = self.path("stdout");
        let err = self.path("stderr");
        let mut child = Command::new(program)
            .args(args)
            .env(self.pcscd.env().0, self.pcscd.env().1)
            .env("HOME", self.scratch.path())
            .stdin(Stdio::null())
            .stdout(File::create(&out).unwrap())
            .stderr(File::create(&err).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > TOOL_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{program} {args:?} did not finish");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Run {
            success: status.success(),
            stdout: std::fs::read_to_string(out).unwrap(),
            stderr: std::fs::read_to_string(err).unwrap(),
        }
    }

    fn run_ok(&self, program: &str, args: &[&str]) -> String {
        let run = self.run(program, args);
        assert!(
            run.success,
            "{program} {args:?} failed:\n{}\n{}",
            run.stdout, run.stderr
        );
        run.stdout
    }

    fn pkcs11(&self, args: &[&str]) -> Run {
        let mut all = vec!["--module", PKCS11_MODULE];
        all.extend_from_slice(args);
        self.run("pkcs11-tool", &all)
    }

    /// `pkcs11-tool` logs in to `slot` with `pin` and lists the objects (`-O`): a PIN check through the module.
    fn log_in(&self, slot: &str, pin: &str) -> Run {
        self.pkcs11(&["--slot", slot, "--login", "--pin", pin, "-O"])
    }

    /// Whether the card answered READ BINARY with `6982` since the log was cleared.
    fn read_was_refused(&self) -> bool {
        self.jpki
            .card
            .command_log()
            .iter()
            .any(|r| r.header[1] == ins::READ_BINARY && r.status == sw::SECURITY_NOT_SATISFIED)
    }
}

impl Drop for Bench {
    fn drop(&mut self) {
        if let Some(inserted) = self.inserted.take() {
            inserted.remove();
        }
    }
}

/// The `Tries left` of each PIN in `pkcs15-tool --list-pins`, in listing order.
fn tries_left(list_pins: &str) -> Vec<u8> {
    list_pins
        .lines()
        .filter_map(|line| line.trim().strip_prefix("Tries left"))
        .map(|rest| rest.trim_start_matches([' ', ':']).trim().parse().unwrap())
        .collect()
}

fn pem_to_der(pem: &str) -> Vec<u8> {
    use base64::Engine;
    let body: String = pem
        .lines()
        .skip_while(|line| !line.starts_with("-----BEGIN CERTIFICATE-----"))
        .skip(1)
        .take_while(|line| !line.starts_with("-----END"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("PEM body")
}

fn public_key_of(certificate_der: &[u8]) -> RsaPublicKey {
    let (_, cert) = X509Certificate::from_der(certificate_der).expect("X.509");
    RsaPublicKey::from_public_key_der(cert.public_key().raw).expect("RSA key")
}

#[test]
fn opensc_binds_the_card_as_jpki_and_lists_both_halves() {
    let bench = Bench::new();
    assert_eq!(bench.run_ok("opensc-tool", &["-n"]).trim(), "jpki");

    let listing = bench.run_ok("pkcs15-tool", &["--list-certificates"]);
    for (label, path) in [
        ("User Authentication Certificate]", "000a"),
        ("Digital Signature Certificate]", "0001"),
        ("User Authentication Certificate CA]", "000b"),
        ("Digital Signature Certificate CA]", "0002"),
    ] {
        let block = listing
            .split("X.509 Certificate [")
            .find(|block| block.starts_with(label))
            .unwrap_or_else(|| panic!("{label} missing from:\n{listing}"));
        assert!(
            block.contains(&format!("Path           : {path}")),
            "{block}"
        );
    }

    let pins = bench.run_ok("pkcs15-tool", &["--list-pins"]);
    assert!(pins.contains("User Authentication PIN") && pins.contains("Digital Signature PIN"));
    assert_eq!(
        tries_left(&pins),
        [jpki::AUTH_TRIES, jpki::DEFAULT_TRIES],
        "{pins}"
    );

    // The authentication certificate is free to read and is the card's.
    let auth = bench.run_ok("pkcs15-tool", &["--read-certificate", AUTH_ID]);
    assert_eq!(
        Some(pem_to_der(&auth)),
        bench.jpki.card.auth_certificate_der()
    );

    let slots = bench.pkcs11(&["--list-slots"]);
    assert!(slots.success, "{}", slots.stderr);
    let labels: Vec<&str> = slots
        .stdout
        .lines()
        .filter_map(|line| line.trim().strip_prefix("token label"))
        .map(|rest| rest.trim_start_matches([' ', ':']).trim())
        .collect();
    assert_eq!(
        labels,
        [
            "JPKI (User Authentication PIN)",
            "JPKI (Digital Signature PIN)"
        ],
        "{}",
        slots.stdout
    );
}

#[test]
fn the_signature_certificate_is_read_only_with_its_pin_and_only_while_logged_in() {
    let bench = Bench::new();
    bench.jpki.card.clear_command_log();
    let refused = bench.run("pkcs15-tool", &["--read-certificate", SIGN_ID]);
    assert!(!refused.success, "read without the PIN: {}", refused.stdout);
    assert!(bench.read_was_refused(), "the card answered 6982");

    let read = bench.run_ok(
        "pkcs15-tool",
        &[
            "--read-certificate",
            SIGN_ID,
            "--verify-pin",
            "--auth-id",
            SIGN_ID,
            "--pin",
            bench.jpki.pin,
        ],
    );
    assert_eq!(pem_to_der(&read), bench.jpki.card.certificate_der());
    assert!(
        bench.jpki.card.pin_verified(),
        "the tool left the card logged in"
    );

    // The next process binds anew: its SELECT of the AP logs the card out, so the certificate is closed again.
    bench.jpki.card.clear_command_log();
    let again = bench.run("pkcs15-tool", &["--read-certificate", SIGN_ID]);
    assert!(!again.success, "read after a logout: {}", again.stdout);
    assert!(bench.read_was_refused());
}

#[test]
fn pkcs11_signs_with_each_half_and_the_certificates_verify_it() {
    let bench = Bench::new();
    let message = bench.path("message");
    std::fs::write(&message, "入札書 2026-12-02").unwrap();
    let digest = Sha256::digest(std::fs::read(&message).unwrap());

    let certificate = bench.path("sign.der");
    let read = bench.pkcs11(&[
        "--slot",
        SIGN_SLOT,
        "--login",
        "--pin",
        bench.jpki.pin,
        "--read-object",
        "--type",
        "cert",
        "--id",
        SIGN_ID,
        "-o",
        certificate.to_str().unwrap(),
    ]);
    assert!(read.success, "{}", read.stderr);
    let certificate = std::fs::read(certificate).unwrap();
    assert_eq!(certificate, bench.jpki.card.certificate_der());

    for (slot, id, pin, cert_der) in [
        (SIGN_SLOT, SIGN_ID, bench.jpki.pin, certificate),
        (
            AUTH_SLOT,
            AUTH_ID,
            JPKI_AUTH_PIN,
            bench.jpki.card.auth_certificate_der().unwrap(),
        ),
    ] {
        let signature = bench.path(&format!("signature-{id}"));
        let signed = bench.pkcs11(&[
            "--slot",
            slot,
            "--login",
            "--pin",
            pin,
            "--sign",
            "--mechanism",
            "SHA256-RSA-PKCS",
            "--id",
            id,
            "-i",
            message.to_str().unwrap(),
            "-o",
            signature.to_str().unwrap(),
        ]);
        assert!(signed.success, "slot {slot}: {}", signed.stderr);
        let signature = std::fs::read(signature).unwrap();
        public_key_of(&cert_der)
            .verify(Pkcs1v15Sign::new::<Sha256>(), &digest, &signature)
            .unwrap_or_else(|e| panic!("slot {slot}: the certificate's key does not verify: {e}"));
    }
}

#[test]
fn a_wrong_pin_costs_one_try_and_the_tries_left_show() {
    let bench = Bench::new();
    let wrong = bench.log_in(SIGN_SLOT, "WRONG9");
    assert!(!wrong.success);
    assert!(
        wrong.stderr.contains("CKR_PIN_INCORRECT"),
        "{}",
        wrong.stderr
    );
    let wrong = bench.log_in(AUTH_SLOT, "0000");
    assert!(
        wrong.stderr.contains("CKR_PIN_INCORRECT"),
        "{}",
        wrong.stderr
    );

    assert_eq!(bench.jpki.card.tries_left(), jpki::DEFAULT_TRIES - 1);
    assert_eq!(
        bench.jpki.card.auth_tries_left(),
        Some(jpki::AUTH_TRIES - 1)
    );
    let pins = bench.run_ok("pkcs15-tool", &["--list-pins"]);
    assert_eq!(
        tries_left(&pins),
        [jpki::AUTH_TRIES - 1, jpki::DEFAULT_TRIES - 1],
        "{pins}"
    );

    // A correct PIN restores the tries; the status query still answers 63Cx (now the full count).
    let right = bench.log_in(SIGN_SLOT, bench.jpki.pin);
    assert!(right.success, "{}", right.stderr);
    let pins = bench.run_ok("pkcs15-tool", &["--list-pins"]);
    assert_eq!(tries_left(&pins)[1], jpki::DEFAULT_TRIES, "{pins}");
}

#[test]
fn a_blocked_signature_pin_still_binds_and_shows_as_blocked() {
    // The status query of a blocked JPKI PIN answers 63C0 (docs/cards.md, "A blocked PIN"): OpenSC's JPKI driver
    // binds only on 63Cx, so a blocked card must still bind and say 0 tries, not "token not recognized".
    let bench = Bench::new();
    bench.jpki.card.set_tries_left(0);
    assert_eq!(bench.run_ok("opensc-tool", &["-n"]).trim(), "jpki");
    let pins = bench.run_ok("pkcs15-tool", &["--list-pins"]);
    assert_eq!(tries_left(&pins), [jpki::AUTH_TRIES, 0], "{pins}");

    // The right PIN is refused without comparing: the card stays blocked and nothing is verified.
    let verify = bench.run(
        "pkcs15-tool",
        &[
            "--verify-pin",
            "--auth-id",
            SIGN_ID,
            "--pin",
            bench.jpki.pin,
        ],
    );
    assert!(!verify.success, "{}", verify.stdout);
    assert!(
        verify.stderr.to_lowercase().contains("blocked"),
        "{}",
        verify.stderr
    );
    assert!(bench.jpki.card.is_blocked() && !bench.jpki.card.pin_verified());

    // Through the PKCS#11 module: the token binds, its flags say locked, and a login is CKR_PIN_LOCKED.
    let slots = bench.run_ok("pkcs11-tool", &["--module", PKCS11_MODULE, "-L"]);
    assert!(slots.contains("user PIN locked"), "{slots}");
    let login = bench.log_in(SIGN_SLOT, bench.jpki.pin);
    assert!(!login.success);
    assert!(login.stderr.contains("CKR_PIN_LOCKED"), "{}", login.stderr);
    assert!(bench.jpki.card.is_blocked());

    // The authentication half is untouched and still works.
    let pins = bench.run_ok("pkcs15-tool", &["--list-pins"]);
    assert_eq!(tries_left(&pins), [jpki::AUTH_TRIES, 0], "{pins}");
    bench.run_ok(
        "pkcs15-tool",
        &["--verify-pin", "--auth-id", AUTH_ID, "--pin", JPKI_AUTH_PIN],
    );
}
