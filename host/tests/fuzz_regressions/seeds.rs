//! The seed inputs of `fuzz/corpus/<target>/seed-*`: real frames and requests, certificates from the project's
//! test CAs, the example card profile, APDU answers, and what the virtual cards (tests/virtual-card) answer to
//! each driver operation. Rewrite them with
//! `cargo test -p ebid-host --test fuzz_regressions -- --ignored write_seed_corpus`; the fuzzer grows the corpus
//! from them (and `cargo fuzz cmin` may fold them into other files).

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use ebid_host::card::{ApduTransport, TransportError};
use ebid_host::drivers::{CardDriver, JpkiDriver, Profile, ProfileDriver};
use ebid_protocol::framing::encode_frame;
use virtual_card::testca::{CertOptions, CertStyle, StringEncoding, TestCa, Validity};
use virtual_card::{CardConfig, VirtualCard};

use super::{entries, fuzz_dir};

const EXAMPLE_PROFILE: &str = include_str!("../../profiles/ebid-test-ca.toml");
const ORIGIN: &str = "https://www.ebid.city.sapporo.jp";

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = fuzz_dir().join("corpus").join(target);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
}

#[test]
#[ignore = "writes files into fuzz/corpus; run by hand"]
fn write_seed_corpus() {
    let certificates = certificates();
    requests(&certificates[0].1);
    for (name, der) in &certificates {
        write("cert_summary", name, der);
    }
    apdus(&certificates[0].1);
    drivers();
    profiles();
    // Every seed runs through its target as it is.
    for (target, entry) in entries::TARGETS {
        for file in std::fs::read_dir(fuzz_dir().join("corpus").join(target)).unwrap() {
            entry(&std::fs::read(file.unwrap().path()).unwrap());
        }
    }
}

fn fixed(options: CertOptions) -> CertOptions {
    CertOptions {
        serial: Some(0x0123_4567_89AB),
        validity: Validity::Dates {
            not_before: (2026, 4, 1),
            not_after: (2028, 3, 31),
        },
        ..options
    }
}

fn certificates() -> Vec<(&'static str, Vec<u8>)> {
    let ca = TestCa::load().unwrap();
    let jpki_ca = TestCa::load_jpki().unwrap();
    let issue =
        |ca: &TestCa, options: CertOptions| ca.issue(&fixed(options)).unwrap().certificate_der;
    vec![
        ("ebidding-utf8", issue(&ca, CertOptions::with_key("card1"))),
        (
            "ebidding-bmp",
            issue(
                &ca,
                CertOptions {
                    encoding: StringEncoding::Bmp,
                    ..CertOptions::with_key("card2")
                },
            ),
        ),
        (
            "ebidding-teletex",
            issue(
                &ca,
                CertOptions {
                    encoding: StringEncoding::Teletex,
                    holder_name: "Sapporo Taro".into(),
                    organization: "A Co., Ltd.".into(),
                    prefecture: "Hokkaido".into(),
                    locality: "Sapporo".into(),
                    street: "Kita 1 Nishi 2".into(),
                    ..CertOptions::with_key("card3")
                },
            ),
        ),
        (
            "jpki",
            issue(
                &jpki_ca,
                CertOptions {
                    style: CertStyle::Jpki,
                    ..CertOptions::with_key("card4")
                },
            ),
        ),
        ("ca", ca.certificate_der().to_vec()),
        ("ca-jpki", jpki_ca.certificate_der().to_vec()),
    ]
}

fn frames(bodies: &[&[u8]]) -> Vec<u8> {
    bodies
        .iter()
        .flat_map(|b| encode_frame(b).unwrap())
        .collect()
}

/// Requests one by one (target `request`) and as whole sessions (targets `request` and `session`).
fn requests(certificate: &[u8]) {
    let challenge = BASE64.encode([0x42u8; 32]);
    let reader = "Fuzz Reader 00 00";
    let bodies: Vec<(&str, String)> = vec![
        ("list-readers", r#"{"id":1,"cmd":"list_readers"}"#.into()),
        ("watch", r#"{"id":2,"cmd":"watch"}"#.into()),
        ("unwatch", r#"{"id":3,"cmd":"unwatch"}"#.into()),
        (
            "read-certificate",
            format!(r#"{{"id":4,"cmd":"read_certificate","reader":"{reader}"}}"#),
        ),
        (
            "pin-status",
            format!(r#"{{"id":5,"cmd":"pin_status","reader":"{reader}"}}"#),
        ),
        (
            "verify-pin",
            format!(r#"{{"id":6,"cmd":"verify_pin","reader":"{reader}","pin":"ABC123"}}"#),
        ),
        (
            "verify-pin-pad",
            format!(r#"{{"id":7,"cmd":"verify_pin","reader":"{reader}","pin":null}}"#),
        ),
        (
            "sign-renew-current",
            format!(
                r#"{{"id":8,"cmd":"sign_challenge","reader":"{reader}","origin":"{ORIGIN}","challenge":"{challenge}","purpose":"renew_current"}}"#
            ),
        ),
        (
            "sign-renew-new",
            format!(
                r#"{{"id":9,"cmd":"sign_challenge","reader":"{reader}","origin":"{ORIGIN}","challenge":"{challenge}","purpose":"renew_new","bound_certificate":"{}"}}"#,
                BASE64.encode(certificate)
            ),
        ),
        (
            "sign-login-loopback",
            format!(
                r#"{{"id":10,"cmd":"sign_challenge","reader":"{reader}","origin":"http://127.0.0.1:8080","challenge":"{challenge}","purpose":"login"}}"#
            ),
        ),
        (
            "forget",
            format!(r#"{{"id":11,"cmd":"forget","reader":"{reader}"}}"#),
        ),
        ("unknown-command", r#"{"id":12,"cmd":"format_card"}"#.into()),
        ("missing-field", r#"{"id":13,"cmd":"pin_status"}"#.into()),
        (
            "wrong-type",
            r#"{"id":14,"cmd":"verify_pin","reader":"R","pin":73914562}"#.into(),
        ),
        ("not-json", "\u{feff}{id:1}".into()),
    ];
    for (name, body) in &bodies {
        write("request", name, body.as_bytes());
    }
    let all: Vec<&[u8]> = bodies.iter().map(|(_, b)| b.as_bytes()).collect();
    let renewal = frames(&all);
    write("request", "session", &renewal);
    write("session", "renewal", &renewal);
    let mut oversized = frames(&[&vec![b' '; ebid_protocol::MAX_REQUEST_BYTES + 1][..]]);
    oversized.extend(frames(&[all[0]]));
    write("session", "oversized-then-list", &oversized);
    let mut truncated = frames(&[all[0], all[3]]);
    truncated.truncate(truncated.len() - 5);
    write("session", "truncated", &truncated);
    let mut absurd = frames(&[all[0]]);
    absurd.extend(u32::MAX.to_ne_bytes());
    write("session", "absurd-length", &absurd);
}

/// Responses, commands and built commands with their card's answers (target `apdu`).
fn apdus(certificate: &[u8]) {
    let answer = |bytes: &[u8]| -> Vec<u8> {
        let mut out = vec![bytes.len() as u8];
        out.extend_from_slice(bytes);
        out
    };
    let mut chunk = certificate[..64].to_vec();
    chunk.extend([0x90, 0x00]);
    write("apdu", "response-chunk", &chunk);
    for (name, bytes) in [
        ("response-ok", &[0x90, 0x00][..]),
        ("response-eof", &[0x62, 0x82]),
        ("response-more", &[0x61, 0x10]),
        ("response-wrong-pin", &[0x63, 0xC3]),
        (
            "select-aid",
            &[
                0x00, 0xA4, 0x04, 0x0C, 0x09, 0xF0, 0x45, 0x42, 0x49, 0x44, 0x54, 0x45, 0x53, 0x54,
            ],
        ),
        (
            "mse-set",
            &[
                0x00, 0x22, 0x41, 0xB6, 0x06, 0x80, 0x01, 0x42, 0x84, 0x01, 0x01,
            ],
        ),
        (
            "read-binary-extended",
            &[0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00],
        ),
        ("read-binary-short", &[0x00, 0xB0, 0x01, 0x00, 0x00]),
    ] {
        write("apdu", name, bytes);
    }
    // READ BINARY Le 256, answered with a 61xx chain.
    let mut chain = vec![0x00, 0xB0, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00];
    chain.extend(answer(&[0x01, 0x02, 0x61, 0x04]));
    chain.extend(answer(&[0x03, 0x04, 0x05, 0x06, 0x90, 0x00]));
    write("apdu", "transmit-61xx", &chain);
    // The same, answered 6Cxx first.
    let mut resend = vec![0x00, 0xB0, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00];
    resend.extend(answer(&[0x6C, 0x03]));
    resend.extend(answer(&[0x0A, 0x0B, 0x0C, 0x90, 0x00]));
    write("apdu", "transmit-6cxx", &resend);
    // PSO:CDS with a DigestInfo, extended, answered with a signature.
    let mut sign = vec![0x00, 0x2A, 0x9E, 0x9A, 0x03, 0x01, 0x00, 51];
    sign.extend([0x30; 51]);
    sign.extend(answer(&[[0x5A; 250].as_slice(), &[0x90, 0x00]].concat()));
    write("apdu", "transmit-sign", &sign);
}

/// Passes APDUs to a virtual card and keeps its answers, encoded as the fuzz card reads them.
struct Recorder<'a> {
    card: &'a VirtualCard,
    answers: Vec<u8>,
}

impl ApduTransport for Recorder<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let answer = self.card.transmit(command);
        match u8::try_from(answer.len()) {
            Ok(n) if n < 0xFE => self.answers.push(n),
            _ => {
                self.answers.push(0xFE);
                self.answers.extend((answer.len() as u16).to_be_bytes());
            }
        }
        self.answers.extend_from_slice(&answer);
        Ok(answer)
    }
}

/// Every operation of the JPKI and the profile driver, and detection, on the virtual cards (target `drivers`).
fn drivers() {
    let ca = TestCa::load().unwrap();
    let jpki_ca = TestCa::load_jpki().unwrap();
    let profile_cert = ca.issue(&fixed(CertOptions::with_key("card1"))).unwrap();
    let jpki_options = CertOptions {
        style: CertStyle::Jpki,
        ..CertOptions::with_key("card2")
    };
    let jpki_cert = jpki_ca.issue(&fixed(jpki_options)).unwrap();
    let profile = Profile::from_toml("ebid-test-ca.toml", EXAMPLE_PROFILE).unwrap();
    let cards = [
        (
            "jpki",
            0u8,
            "abc123",
            CardConfig::jpki("ABC123", &jpki_cert, jpki_ca.certificate_der()),
        ),
        (
            "profile",
            1,
            "1234",
            CardConfig::profile("1234", &profile_cert, ca.certificate_der()),
        ),
    ];
    for (name, driver_selector, pin, config) in cards {
        let card = VirtualCard::new(config).unwrap();
        let driver: Box<dyn CardDriver> = match driver_selector {
            0 => Box::new(JpkiDriver::new()),
            _ => Box::new(ProfileDriver::new(profile.clone(), &card.atr())),
        };
        for operation in 0..=6u8 {
            card.power_cycle();
            driver
                .select_application(&mut Recorder {
                    card: &card,
                    answers: Vec::new(),
                })
                .unwrap();
            let mut recorder = Recorder {
                card: &card,
                answers: Vec::new(),
            };
            entries::driver_operation(driver.as_ref(), operation, pin, &mut recorder);
            let mut input = vec![operation << 3 | driver_selector, pin.len() as u8];
            input.extend(pin.as_bytes());
            input.extend(recorder.answers);
            write("drivers", &format!("{name}-op{operation}"), &input);
        }
        // Detection from the ATR, then the whole flow (operation 6) on the card detected.
        card.power_cycle();
        let atr = card.atr();
        let mut recorder = Recorder {
            card: &card,
            answers: Vec::new(),
        };
        let detected =
            ebid_host::drivers::detect_driver(&atr, &mut recorder, std::slice::from_ref(&profile))
                .unwrap();
        entries::driver_operation(detected.as_ref(), 6, pin, &mut recorder);
        let mut input = vec![6 << 3 | 4, pin.len() as u8];
        input.extend(pin.as_bytes());
        input.push(atr.len() as u8);
        input.extend(&atr);
        input.extend(recorder.answers);
        write("drivers", &format!("{name}-detect"), &input);
    }
}

/// The example profile and variants using every optional field (target `profile`).
fn profiles() {
    write("profile", "example", EXAMPLE_PROFILE.as_bytes());
    let variant = EXAMPLE_PROFILE
        .replacen(
            r#"atr = ["3B 85 80 01 80 73 00 00 40 B7"]"#,
            r#"atr = [{ value = "3B 85 00 00", mask = "FF FF 00 00" }, "3B:00"]"#,
            1,
        )
        .replacen("extended_length = true\n", "", 1)
        .replacen("encoding = \"ascii\"", "encoding = \"bcd\"", 1)
        .replacen("block_length = 8", "block_length = 4", 1)
        .replacen("# select_ef = \"00 1B\"", "select_ef = \"00 1B\"", 1)
        .replacen(
            "# select_key_ef = \"00 1A\"",
            "select_key_ef = \"00 1A\"",
            1,
        );
    write("profile", "every-option", variant.as_bytes());
    let minimal = "name = \"min\"\natr = [\"3B 00\"]\naid = \"A0\"\ncertificate_ef = \"00 01\"\n\
        [label]\nja = \"最小\"\nen = \"minimal\"\n\
        [pin]\nreference = 1\nencoding = \"ascii\"\nmin = 1\nmax = 255\ncharset = \"alphanumeric\"\n\
        [sign]\ncommand = \"00 2A 9E 9A\"\ninput = \"digest_info\"\n";
    assert!(
        Profile::from_toml("minimal", minimal).is_ok(),
        "the minimal profile is valid"
    );
    write("profile", "minimal", minimal.as_bytes());
}
