//! The named virtual cards the testbed, the demo and end-to-end tests share: the current card, its
//! replacement, and the cards that must be refused.

use base64::Engine;
use serde::Serialize;
use virtual_card::testca::{hex_upper, CertOptions, CertStyle, IssuedCert, TestCa, Validity};
use virtual_card::{CardConfig, CardError, CardKind, VirtualCard};

/// One card of the set. `pin` is test data, printed on purpose so a person running the demo can type it.
pub struct NamedCard {
    pub name: &'static str,
    pub description: &'static str,
    pub pin: &'static str,
    /// JPKI: the authentication PIN (EF 0018), test data like `pin`; `None` on other kinds.
    pub auth_pin: Option<&'static str>,
    pub card: VirtualCard,
    /// `None` for the unknown card.
    pub certificate: Option<IssuedCert>,
    /// Tries left at creation, restored by [`NamedCard::restore_pin`].
    pub initial_tries: u8,
}

impl NamedCard {
    /// Put the PIN counters back to where they started (the blocked card stays blocked).
    pub fn restore_pin(&self) {
        self.card.set_tries_left(self.initial_tries);
        self.card
            .set_auth_tries_left(virtual_card::layout::jpki::AUTH_TRIES);
    }

    pub fn info(&self, slot: Option<usize>) -> CardInfo {
        let cert = self.certificate.as_ref();
        CardInfo {
            name: self.name,
            description: self.description,
            kind: self.card.kind(),
            pin: self.pin,
            auth_pin: self.auth_pin,
            auth_tries_left: self.card.auth_tries_left(),
            tries_left: self.card.tries_left(),
            max_tries: self.card.max_tries(),
            blocked: self.card.is_blocked(),
            atr: hex_upper(&self.card.atr()),
            sha256_fingerprint: cert.map(IssuedCert::sha256_fingerprint),
            serial: cert.map(IssuedCert::serial_hex),
            holder_name: cert.map(|c| c.options.holder_name.clone()),
            organization: cert
                .filter(|c| c.options.style == CertStyle::EBidding)
                .map(|c| c.options.organization.clone()),
            address: cert.map(|c| c.options.address()),
            not_after: cert.map(|c| c.not_after.unix_timestamp()),
            certificate: cert
                .map(|c| base64::engine::general_purpose::STANDARD.encode(&c.certificate_der)),
            slot,
        }
    }
}

/// What `GET /cards` shows per card.
#[derive(Debug, Clone, Serialize)]
pub struct CardInfo {
    pub name: &'static str,
    pub description: &'static str,
    pub kind: CardKind,
    pub pin: &'static str,
    /// JPKI only: the authentication PIN and its tries left (of 3).
    pub auth_pin: Option<&'static str>,
    pub auth_tries_left: Option<u8>,
    pub tries_left: u8,
    pub max_tries: u8,
    pub blocked: bool,
    pub atr: String,
    pub sha256_fingerprint: Option<String>,
    pub serial: Option<String>,
    pub holder_name: Option<String>,
    pub organization: Option<String>,
    pub address: Option<String>,
    /// Unix seconds.
    pub not_after: Option<i64>,
    /// Base64 DER.
    pub certificate: Option<String>,
    pub slot: Option<usize>,
}

/// The authentication PIN of the set's JPKI card (4 digits; the signature PIN is its `pin`).
pub const JPKI_AUTH_PIN: &str = "4321";

struct Preset {
    name: &'static str,
    description: &'static str,
    pin: &'static str,
    tries_left: Option<u8>,
    options: CertOptions,
}

fn presets() -> Vec<Preset> {
    let base = |key: &str| CertOptions::with_key(key);
    vec![
        Preset {
            name: "old",
            description: "現在使用しているICカード (profile card near its expiry, as the seed's renewal expects)",
            pin: "1234",
            tries_left: None,
            options: CertOptions {
                validity: Validity::ExpiresSoon,
                ..base("card1")
            },
        },
        Preset {
            name: "new",
            description: "新規に使用するICカード (valid profile card, same company)",
            pin: "5678",
            tries_left: None,
            options: base("card2"),
        },
        Preset {
            name: "expired",
            description: "expired profile card (renewal must be refused)",
            pin: "1234",
            tries_left: None,
            options: CertOptions {
                validity: Validity::Expired,
                ..base("card3")
            },
        },
        Preset {
            name: "expiring",
            description: "profile card expiring in 10 days",
            pin: "1234",
            tries_left: None,
            options: CertOptions {
                validity: Validity::ExpiresSoon,
                ..base("card4")
            },
        },
        Preset {
            name: "blocked",
            description: "profile card with a blocked PIN (閉塞)",
            pin: "1234",
            tries_left: Some(0),
            options: base("card5"),
        },
        Preset {
            name: "other-company",
            description: "valid profile card of another company (商号 differs: 仮登録)",
            pin: "2468",
            tries_left: None,
            options: CertOptions {
                organization: "株式会社B【工事】".into(),
                holder_name: "石狩 花子".into(),
                ..base("card6")
            },
        },
        Preset {
            name: "jpki",
            description: "My Number Card (JPKI signature certificate)",
            pin: "ABC123",
            tries_left: None,
            options: CertOptions {
                style: CertStyle::Jpki,
                ..base("card7")
            },
        },
    ]
}

/// The standard set: `old`, `new`, `expired`, `expiring`, `blocked`, `other-company`, `jpki`, `unknown`.
pub fn standard_set() -> Result<Vec<NamedCard>, CardError> {
    let ca = TestCa::load()?;
    let jpki_ca = TestCa::load_jpki()?;
    let mut cards = Vec::new();
    for preset in presets() {
        let (issuer, kind) = match preset.options.style {
            CertStyle::EBidding => (&ca, CardKind::Profile),
            CertStyle::Jpki => (&jpki_ca, CardKind::Jpki),
        };
        let cert = issuer.issue(&preset.options)?;
        let (mut config, auth_pin) = match kind {
            CardKind::Jpki => (
                CardConfig::jpki(preset.pin, &cert, issuer.certificate_der())
                    .with_auth_pin(JPKI_AUTH_PIN),
                Some(JPKI_AUTH_PIN),
            ),
            _ => (
                CardConfig::profile(preset.pin, &cert, issuer.certificate_der()),
                None,
            ),
        };
        if let Some(tries) = preset.tries_left {
            config = config.with_tries_left(tries);
        }
        let card = VirtualCard::new(config)?;
        cards.push(NamedCard {
            name: preset.name,
            description: preset.description,
            pin: preset.pin,
            auth_pin,
            initial_tries: card.tries_left(),
            card,
            certificate: Some(cert),
        });
    }
    let unknown = VirtualCard::new(CardConfig::unknown())?;
    cards.push(NamedCard {
        name: "unknown",
        description: "a card no driver knows (6A82 to every SELECT)",
        pin: "",
        auth_pin: None,
        initial_tries: unknown.tries_left(),
        card: unknown,
        certificate: None,
    });
    Ok(cards)
}
