//! Shared by the portal's integration tests: cards issued by the project's test CA (the virtual cards' テスト電子認証局,
//! tests/virtual-card's `testca`, with its fixture keys) and by the CA nobody trusts, card signatures, a tiny
//! cookie-keeping HTTP client that decodes Shift_JIS pages and JSON answers, and the renewal steps as the extension
//! takes them.
#![allow(dead_code)]

mod one_card;
#[allow(unused_imports)]
pub use one_card::*;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::OnceLock;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ebid_protocol::{binding_digest, SignPurpose};
use replica_portal::{paths, NewUser, Portal, PortalConfig, RosterEntry, RunningPortal};
use rsa::Pkcs1v15Sign;
use sha2::Sha256;
use virtual_card::testca::{CertOptions, CertStyle, IssuedCert, StringEncoding, TestCa, Validity};

pub const COMPANY: &str = "株式会社テスト建設";
pub const REPRESENTATIVE: &str = "札幌 太郎";
pub const REGISTERED_NAME: &str = "株式会社A【物品】";
pub const REGISTERED_ADDRESS: &str = "札幌市中央区1";

/// The CA the portal trusts: the test CA that issues the virtual cards' certificates.
fn test_ca() -> &'static TestCa {
    static CA: OnceLock<TestCa> = OnceLock::new();
    CA.get_or_init(|| TestCa::load().expect("test CA"))
}

/// A CA of its own (key and name) that the portal does not trust.
fn unknown_ca() -> &'static TestCa {
    static CA: OnceLock<TestCa> = OnceLock::new();
    CA.get_or_init(|| TestCa::load_unknown().expect("unknown test CA"))
}

pub fn ca_der() -> Vec<u8> {
    test_ca().certificate_der().to_vec()
}

/// What goes into a card certificate.
#[derive(Clone)]
pub struct CardSpec {
    /// The test CA's fixture card key `card<key>`: 1 = current card, 2 = new card, 3 = another card.
    pub key: usize,
    pub organization: String,
    pub holder: String,
    pub serial: u64,
    pub not_before: (i32, u8, u8),
    pub not_after: (i32, u8, u8),
    /// Encode the subject (the organization with it) as BMPString, as some older CAs do.
    pub bmp_organization: bool,
    /// Issue by the CA the portal does not trust instead of the test CA.
    pub foreign_ca: bool,
    /// My Number Card style: opaque subject CN, name and address as subjectAltName otherNames.
    pub jpki: bool,
}

impl CardSpec {
    pub fn current() -> Self {
        CardSpec {
            key: 1,
            organization: COMPANY.into(),
            holder: REPRESENTATIVE.into(),
            serial: 0x1234_5678,
            not_before: (2024, 1, 1),
            not_after: (2099, 11, 14),
            bmp_organization: false,
            foreign_ca: false,
            jpki: false,
        }
    }

    pub fn new_card() -> Self {
        CardSpec {
            key: 2,
            serial: 0x0ABC_DEF0,
            not_after: (2099, 3, 15),
            bmp_organization: true,
            ..CardSpec::current()
        }
    }

    /// The test CA's options for this card; the address is 北海道 / 札幌市中央区 / 北1条西2丁目.
    fn options(&self) -> CertOptions {
        CertOptions {
            key: format!("card{}", self.key),
            holder_name: self.holder.clone(),
            organization: self.organization.clone(),
            prefecture: "北海道".into(),
            locality: "札幌市中央区".into(),
            street: "北1条西2丁目".into(),
            validity: Validity::Dates {
                not_before: self.not_before,
                not_after: self.not_after,
            },
            encoding: if self.bmp_organization {
                StringEncoding::Bmp
            } else {
                StringEncoding::Utf8
            },
            style: if self.jpki {
                CertStyle::Jpki
            } else {
                CertStyle::EBidding
            },
            serial: Some(self.serial),
        }
    }
}

pub struct Card {
    pub der: Vec<u8>,
    issued: IssuedCert,
}

impl Card {
    pub fn issue(spec: &CardSpec) -> Card {
        let ca = if spec.foreign_ca {
            unknown_ca()
        } else {
            test_ca()
        };
        let issued = ca.issue(&spec.options()).expect("card certificate");
        Card {
            der: issued.certificate_der.clone(),
            issued,
        }
    }

    pub fn sign(
        &self,
        origin: &str,
        challenge: &[u8],
        purpose: SignPurpose,
        bound: &[u8],
    ) -> Vec<u8> {
        let digest = binding_digest(origin, challenge, purpose, bound);
        self.issued
            .private_key
            .sign(Pkcs1v15Sign::new::<Sha256>(), &digest)
            .expect("sign")
    }

    pub fn b64(&self) -> String {
        STANDARD.encode(&self.der)
    }
}

pub fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "replica-portal-{name}-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

pub fn start(data_dir: &std::path::Path) -> RunningPortal {
    start_with(PortalConfig {
        data_dir: data_dir.to_path_buf(),
        ..PortalConfig::default()
    })
}

/// Starts `config` with the test CA.
pub fn start_with(config: PortalConfig) -> RunningPortal {
    Portal::start(PortalConfig {
        ca_certificates: vec![ca_der()],
        ..config
    })
    .expect("portal starts")
}

pub fn user_for(card: &Card) -> NewUser {
    NewUser {
        id: None,
        company_name: REGISTERED_NAME.into(),
        address: REGISTERED_ADDRESS.into(),
        representative: REPRESENTATIVE.into(),
        email: Some("keiyaku@test-kensetsu.example.jp".into()),
        roster: Some(RosterEntry {
            company_name: COMPANY.into(),
            representative: REPRESENTATIVE.into(),
            ..RosterEntry::default()
        }),
        certificate: card.b64(),
        contacts: None,
    }
}

/// A started portal with the current card registered.
pub fn portal_with_registered_card() -> (RunningPortal, Card, String) {
    let portal = start(&temp_dir("portal"));
    let current = Card::issue(&CardSpec::current());
    let id = portal.register(&user_for(&current)).expect("register");
    (portal, current, id)
}

pub struct Page {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub raw: Vec<u8>,
    /// Body decoded from Shift_JIS.
    pub html: String,
}

impl Page {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The page's text without tags, entities decoded: what the user reads.
    pub fn text(&self) -> String {
        let mut text = String::new();
        let mut in_tag = false;
        for c in self.html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => {
                    in_tag = false;
                    text.push(' ');
                }
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        text.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&nbsp;", " ")
            .replace("&amp;", "&")
    }

    /// The body as JSON (the renewal endpoints' answers).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.raw).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}), status {}: {}",
                self.status,
                String::from_utf8_lossy(&self.raw)
            )
        })
    }

    /// `error.code` of a JSON refusal.
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The value attribute of the input named `name`.
    pub fn input_value(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\"");
        let tag_start = self.html.find(&marker)?;
        let tag_end = tag_start + self.html[tag_start..].find('>')?;
        let tag = &self.html[tag_start..tag_end];
        let value_at = tag.find("value=\"")? + "value=\"".len();
        let value_len = tag[value_at..].find('"')?;
        Some(tag[value_at..value_at + value_len].to_string())
    }
}

/// A browser with one cookie jar.
pub struct Browser {
    pub port: u16,
    cookie: Option<String>,
    /// Sent with every request (e.g. `Origin`).
    pub extra_headers: Vec<(String, String)>,
}

impl Browser {
    /// A browser for a portal started elsewhere (the binary).
    pub fn at_port(port: u16) -> Self {
        Browser {
            port,
            cookie: None,
            extra_headers: Vec::new(),
        }
    }

    pub fn new(portal: &RunningPortal) -> Self {
        Browser::at_port(portal.port())
    }

    /// A browser that has opened the 利用者登録メニュー, so it holds a portal session (`JSESSIONID`).
    pub fn in_session(portal: &RunningPortal) -> Self {
        let mut browser = Browser::new(portal);
        browser.get(paths::MENU);
        browser
    }

    pub fn get(&mut self, path: &str) -> Page {
        self.request("GET", path, None, &[])
    }

    pub fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k.as_bytes()), urlencode(v.as_bytes())))
            .collect();
        self.post_raw(
            path,
            "application/x-www-form-urlencoded",
            body.join("&").as_bytes(),
        )
    }

    pub fn post_raw(&mut self, path: &str, content_type: &str, body: &[u8]) -> Page {
        self.request("POST", path, Some(content_type), body)
    }

    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Page {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.port,
            body.len()
        );
        if let Some(ct) = content_type {
            head.push_str(&format!("Content-Type: {ct}\r\n"));
        }
        if let Some(cookie) = &self.cookie {
            head.push_str(&format!("Cookie: {cookie}\r\n"));
        }
        for (name, value) in &self.extra_headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream.write_all(head.as_bytes()).expect("write head");
        // The portal may answer (413) and close before reading a huge body.
        let _ = stream.write_all(body);
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
        let split = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("response has a header");
        let head = String::from_utf8_lossy(&response[..split]).to_string();
        let raw = response[split + 4..].to_vec();
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|s| s.parse().ok())
            .expect("status line");
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
            .collect();
        for (name, value) in &headers {
            if name.eq_ignore_ascii_case("Set-Cookie") {
                self.cookie = value.split(';').next().map(str::to_string);
            }
        }
        let html = encoding_rs::SHIFT_JIS.decode(&raw).0.into_owned();
        Page {
            status,
            headers,
            raw,
            html,
        }
    }
}

fn urlencode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                (b as char).to_string()
            }
            b' ' => "+".to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Step 1: `POST IcRenewChallenge.do`; returns the challenge (base64 and bytes).
pub fn fetch_challenge(browser: &mut Browser) -> (String, Vec<u8>) {
    let answer = browser.post_raw(paths::RENEW_CHALLENGE, "text/plain", b"");
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.raw)
    );
    challenge_of(&answer)
}

/// The `challenge` of a step 1 or step 2 answer, base64 and decoded.
pub fn challenge_of(answer: &Page) -> (String, Vec<u8>) {
    let text = answer.json()["challenge"]
        .as_str()
        .expect("challenge in the answer")
        .to_string();
    let bytes = STANDARD
        .decode(&text)
        .expect("challenge is standard base64");
    assert_eq!(bytes.len(), 32);
    (text, bytes)
}

/// Step 2 with explicit fields.
pub fn post_current(browser: &mut Browser, challenge: &str, card: &Card, signature: &[u8]) -> Page {
    browser.post_form(
        paths::RENEW_CURRENT,
        &[
            ("challenge", challenge),
            ("oldCertificate", &card.b64()),
            ("oldSignature", &b64(signature)),
        ],
    )
}

/// Step 3 with explicit fields.
pub fn post_new(browser: &mut Browser, challenge: &str, card: &Card, signature: &[u8]) -> Page {
    browser.post_form(
        paths::RENEW_NEW,
        &[
            ("challenge", challenge),
            ("newCertificate", &card.b64()),
            ("newSignature", &b64(signature)),
        ],
    )
}

/// Steps 1 and 2 as the extension takes them: a challenge, the current card's consent bound to `origin`.
/// Returns step 2's answer.
pub fn prove_current(browser: &mut Browser, origin: &str, current: &Card) -> Page {
    let (challenge_b64, challenge) = fetch_challenge(browser);
    let signature = current.sign(origin, &challenge, SignPurpose::RenewCurrent, b"");
    post_current(browser, &challenge_b64, current, &signature)
}

/// Step 3 after a successful step 2 answer: the new card signs the second challenge, binding `current`.
pub fn pair_new(
    browser: &mut Browser,
    origin: &str,
    step2: &Page,
    current: &Card,
    new: &Card,
) -> Page {
    let (second_b64, second) = challenge_of(step2);
    let signature = new.sign(origin, &second, SignPurpose::RenewNew, &current.der);
    post_new(browser, &second_b64, new, &signature)
}

/// The whole renewal as the extension runs it: the menu (the session), step 1, step 2 with `current`, step 3 with
/// `new`, both signatures bound to `origin`, then the confirmation screen the extension shows. Returns the
/// confirmation page, or the JSON refusal of the step that failed.
pub fn submit_renewal(browser: &mut Browser, origin: &str, current: &Card, new: &Card) -> Page {
    let menu = browser.get(paths::MENU);
    assert_eq!(menu.status, 200);
    let step2 = prove_current(browser, origin, current);
    if step2.status != 200 {
        return step2;
    }
    let step3 = pair_new(browser, origin, &step2, current, new);
    if step3.status != 200 {
        return step3;
    }
    assert_eq!(
        step3.json(),
        serde_json::json!({ "confirm": paths::RENEW_CONFIRM })
    );
    browser.get(paths::RENEW_CONFIRM)
}

/// A JSON refusal: its status, headers, code, and `phrase` in its title or message.
pub fn assert_json_refusal(page: &Page, status: u16, code: &str, phrase: &str) {
    let body = String::from_utf8_lossy(&page.raw).to_string();
    assert_eq!(page.status, status, "{body}");
    assert_eq!(
        page.header("Content-Type"),
        Some("application/json; charset=utf-8"),
        "{body}"
    );
    assert_eq!(page.header("Cache-Control"), Some("no-store"));
    let json = page.json();
    let error = &json["error"];
    assert_eq!(error["code"], code, "{body}");
    let words = format!(
        "{} {}",
        error["title"].as_str().unwrap_or_default(),
        error["message"].as_str().unwrap_or_default()
    );
    assert!(words.contains(phrase), "expected {phrase:?} in {body}");
    assert!(error["registration_pointer"].is_boolean(), "{body}");
}
