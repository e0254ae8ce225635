//! Shared by the portal's integration tests: cards issued by the project's test CA (the virtual cards' テスト電子認証局,
//! tests/virtual-card's `testca`, with its fixture keys) and by the CA nobody trusts, card signatures, a tiny
//! cookie-keeping HTTP client that decodes Shift_JIS pages and JSON answers, and what every JSON step shares
//! (its challenge, the page it names next, its refusals). The operations themselves are in [`renewal`] and
//! [`one_card`].
#![allow(dead_code)]

mod browser;
mod one_card;
mod renewal;

pub use browser::{Browser, Page};
#[allow(unused_imports)]
pub use one_card::*;
#[allow(unused_imports)]
pub use renewal::*;

use std::path::PathBuf;
use std::sync::OnceLock;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ebid_protocol::{binding_digest, SignPurpose};
use replica_portal::{NewUser, Portal, PortalConfig, RosterEntry, RunningPortal};
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

/// A JSON step's challenge (`IcRenewChallenge.do`, `IcLoginChallenge.do`, `IcRegistChallenge.do`,
/// `IcChangeChallenge.do`), base64 and decoded.
pub fn challenge_at(browser: &mut Browser, path: &str) -> (String, Vec<u8>) {
    let answer = browser.post_raw(path, "text/plain", b"");
    assert_eq!(answer.status, 200, "{}", words(&answer));
    challenge_of(&answer)
}

/// The `challenge` of a JSON answer, base64 and decoded.
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

/// What the extension does with a JSON step's last answer: a success names the page to open under `key`
/// (`{"next": …}`, `{"confirm": …}`), and that page is returned; a refusal is returned as it is.
pub fn open_next(browser: &mut Browser, answer: Page, key: &str, next: &str) -> Page {
    if answer.status != 200 {
        return answer;
    }
    assert_eq!(answer.json(), serde_json::json!({ key: next }));
    browser.get(next)
}

/// The words of a JSON refusal (title and message) or of an HTML page.
pub fn words(page: &Page) -> String {
    if page.header("Content-Type") == Some("application/json; charset=utf-8") {
        let json = page.json();
        format!(
            "{} {}",
            json["error"]["title"].as_str().unwrap_or_default(),
            json["error"]["message"].as_str().unwrap_or_default()
        )
    } else {
        page.text()
    }
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
    assert_eq!(page.error_code(), code, "{body}");
    assert!(
        words(page).contains(phrase),
        "expected {phrase:?} in {body}"
    );
    assert!(
        page.json()["error"]["registration_pointer"].is_boolean(),
        "{body}"
    );
}

/// The refusal of a challenge this session was not given, no longer holds, or has spent.
pub fn assert_session_expired(page: &Page) {
    assert_json_refusal(page, 409, "session_expired", "画面の有効期限が切れました");
}

/// The refusal of a signature that does not verify for this operation, origin and challenge.
pub fn assert_bad_signature(page: &Page) {
    assert_json_refusal(
        page,
        403,
        "bad_signature",
        "ICカードの署名を確認できませんでした",
    );
}

/// The refusal of a card nobody registered, pointing to 利用者登録.
pub fn assert_unregistered(page: &Page) {
    assert_json_refusal(
        page,
        403,
        "unregistered",
        "利用者登録されていないICカードです",
    );
    assert_eq!(page.json()["error"]["registration_pointer"], true);
}
