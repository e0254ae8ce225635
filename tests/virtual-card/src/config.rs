//! The one description of a virtual card: what kind, which PIN, which certificate and key. Serde, so the
//! `virtual-card` binary and the testbed can load it from JSON as well.

use std::path::PathBuf;

use base64::Engine;
use ebid_protocol::Pin;
use serde::{Deserialize, Serialize};

use crate::testca::{CertOptions, IssuedCert, TestCa};
use crate::CardError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardKind {
    /// My Number Card signature application.
    Jpki,
    /// The `ebid-test-ca` profile card.
    Profile,
    /// A card no driver knows: 6A82 to every SELECT.
    Unknown,
}

/// ```json
/// {"kind": "profile", "pin": "1234", "max_tries": 3,
///  "credentials": {"source": "issue", "key": "card1", "holder_name": "札幌 太郎", "validity": "valid"}}
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CardConfig {
    pub kind: CardKind,
    /// The correct PIN. Test data, yet still kept in a zeroizing [`Pin`].
    #[serde(default = "no_pin")]
    pub pin: Pin,
    /// Tries after a correct PIN; default per kind (JPKI 5, profile 3).
    #[serde(default)]
    pub max_tries: Option<u8>,
    /// Tries left at first insertion; default `max_tries`; 0 = blocked card.
    #[serde(default)]
    pub tries_left: Option<u8>,
    /// Overrides the kind's ATR (hex).
    #[serde(default)]
    pub atr: Option<String>,
    #[serde(default)]
    pub credentials: Credentials,
    /// JPKI only: the authentication half. `pin`, `max_tries`, `tries_left` and `credentials` above are the
    /// signature half's.
    #[serde(default)]
    pub auth: AuthHalf,
}

fn no_pin() -> Pin {
    Pin::new("")
}

/// The authentication half of a JPKI card: EF 000A (certificate), 000B (its CA), 0017 (key), 0018 (PIN,
/// 4 digits, 3 tries). Every field has a default, so configs written before the half existed still load.
///
/// ```json
/// {"kind": "jpki", "pin": "ABC123", "auth": {"pin": "4321", "tries_left": 2}, "credentials": {...}}
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthHalf {
    /// Default [`crate::layout::jpki::DEFAULT_AUTH_PIN`].
    pub pin: Pin,
    /// Tries left at first insertion (of 3); default 3; 0 = blocked.
    pub tries_left: Option<u8>,
    /// Default: a certificate issued now by the JPKI authentication test CA for fixture key
    /// [`crate::fixtures::JPKI_AUTH_KEY`].
    pub credentials: Option<Credentials>,
}

impl Default for AuthHalf {
    fn default() -> Self {
        AuthHalf {
            pin: Pin::new(crate::layout::jpki::DEFAULT_AUTH_PIN),
            tries_left: None,
            credentials: None,
        }
    }
}

/// Where the certificate and key come from.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum Credentials {
    /// No certificate (unknown cards).
    #[default]
    None,
    /// Base64 DER certificates and a PKCS#8 PEM key.
    Inline {
        certificate: String,
        #[serde(default)]
        ca_certificate: Option<String>,
        private_key_pem: String,
    },
    /// DER or PEM files.
    Files {
        certificate: PathBuf,
        #[serde(default)]
        ca_certificate: Option<PathBuf>,
        private_key: PathBuf,
    },
    /// Issue a certificate now with the fixture test CA.
    Issue(CertOptions),
}

impl Credentials {
    pub fn from_issued(cert: &IssuedCert, ca_certificate: &[u8]) -> Self {
        let b64 = base64::engine::general_purpose::STANDARD;
        Credentials::Inline {
            certificate: b64.encode(&cert.certificate_der),
            ca_certificate: Some(b64.encode(ca_certificate)),
            private_key_pem: cert.private_key_pem.to_string(),
        }
    }
}

/// Credentials decoded and ready for the emulation.
pub(crate) struct LoadedCredentials {
    pub certificate: Vec<u8>,
    pub ca_certificate: Vec<u8>,
    pub key: Option<rsa::RsaPrivateKey>,
}

impl CardConfig {
    /// A profile card holding `cert`, with the default 3 tries.
    pub fn profile(pin: &str, cert: &IssuedCert, ca_certificate: &[u8]) -> Self {
        CardConfig {
            kind: CardKind::Profile,
            pin: Pin::new(pin),
            max_tries: None,
            tries_left: None,
            atr: None,
            credentials: Credentials::from_issued(cert, ca_certificate),
            auth: AuthHalf::default(),
        }
    }

    /// A JPKI card holding `cert` in EF 0001 and `ca_certificate` in EF 0002, with the default 5 tries.
    pub fn jpki(pin: &str, cert: &IssuedCert, ca_certificate: &[u8]) -> Self {
        CardConfig {
            kind: CardKind::Jpki,
            ..Self::profile(pin, cert, ca_certificate)
        }
    }

    pub fn unknown() -> Self {
        CardConfig {
            kind: CardKind::Unknown,
            pin: no_pin(),
            max_tries: None,
            tries_left: None,
            atr: None,
            credentials: Credentials::None,
            auth: AuthHalf::default(),
        }
    }

    /// Same card, starting with `tries` tries left (0 = blocked).
    pub fn with_tries_left(mut self, tries: u8) -> Self {
        self.tries_left = Some(tries);
        self
    }

    /// Same card with authentication PIN `pin` (JPKI).
    pub fn with_auth_pin(mut self, pin: &str) -> Self {
        self.auth.pin = Pin::new(pin);
        self
    }

    /// Same card whose authentication PIN starts with `tries` tries left (JPKI; 0 = blocked).
    pub fn with_auth_tries_left(mut self, tries: u8) -> Self {
        self.auth.tries_left = Some(tries);
        self
    }

    pub fn max_tries(&self) -> u8 {
        self.max_tries.unwrap_or(match self.kind {
            CardKind::Jpki => crate::layout::jpki::DEFAULT_TRIES,
            _ => crate::layout::profile::DEFAULT_TRIES,
        })
    }

    pub(crate) fn atr_bytes(&self) -> Result<Vec<u8>, CardError> {
        match &self.atr {
            Some(hex) => {
                decode_hex(hex).ok_or_else(|| CardError::Config(format!("ATR is not hex: {hex}")))
            }
            None => Ok(match self.kind {
                CardKind::Jpki => crate::layout::jpki::ATR.to_vec(),
                CardKind::Profile => crate::layout::profile::ATR.to_vec(),
                CardKind::Unknown => crate::layout::unknown::ATR.to_vec(),
            }),
        }
    }

    pub(crate) fn load_credentials(&self) -> Result<LoadedCredentials, CardError> {
        let loaded = self.credentials.load()?;
        if self.kind != CardKind::Unknown && (loaded.certificate.is_empty() || loaded.key.is_none())
        {
            return Err(CardError::Config(
                "a JPKI or profile card needs a certificate and a key".into(),
            ));
        }
        Ok(loaded)
    }

    /// The authentication half's certificate, CA and key (JPKI cards only; `None` for other kinds).
    pub(crate) fn load_auth_credentials(&self) -> Result<Option<LoadedCredentials>, CardError> {
        if self.kind != CardKind::Jpki {
            return Ok(None);
        }
        let loaded = match &self.auth.credentials {
            Some(credentials) => credentials.load()?,
            None => {
                let ca = TestCa::load_jpki_auth()?;
                let issued = ca.issue_jpki_auth(crate::fixtures::JPKI_AUTH_KEY)?;
                LoadedCredentials {
                    certificate: issued.certificate_der,
                    ca_certificate: ca.certificate_der().to_vec(),
                    key: Some(issued.private_key),
                }
            }
        };
        if loaded.certificate.is_empty() || loaded.key.is_none() {
            return Err(CardError::Config(
                "a JPKI card's authentication half needs a certificate and a key".into(),
            ));
        }
        Ok(Some(loaded))
    }
}

impl Credentials {
    fn load(&self) -> Result<LoadedCredentials, CardError> {
        let b64 = base64::engine::general_purpose::STANDARD;
        let decode = |what: &str, text: &str| {
            b64.decode(text.trim())
                .map_err(|e| CardError::Config(format!("{what} is not base64: {e}")))
        };
        Ok(match self {
            Credentials::None => LoadedCredentials {
                certificate: Vec::new(),
                ca_certificate: Vec::new(),
                key: None,
            },
            Credentials::Inline {
                certificate,
                ca_certificate,
                private_key_pem,
            } => LoadedCredentials {
                certificate: decode("certificate", certificate)?,
                ca_certificate: match ca_certificate {
                    Some(text) => decode("ca_certificate", text)?,
                    None => Vec::new(),
                },
                key: Some(crate::fixtures::parse_private_key(private_key_pem)?),
            },
            Credentials::Files {
                certificate,
                ca_certificate,
                private_key,
            } => LoadedCredentials {
                certificate: read_certificate(certificate)?,
                ca_certificate: match ca_certificate {
                    Some(path) => read_certificate(path)?,
                    None => Vec::new(),
                },
                key: Some(crate::fixtures::parse_private_key(&read_text(
                    private_key,
                )?)?),
            },
            Credentials::Issue(options) => {
                let ca = TestCa::for_style(options.style)?;
                let issued = ca.issue(options)?;
                LoadedCredentials {
                    certificate: issued.certificate_der.clone(),
                    ca_certificate: ca.certificate_der().to_vec(),
                    key: Some(issued.private_key),
                }
            }
        })
    }
}

fn read_text(path: &PathBuf) -> Result<String, CardError> {
    std::fs::read_to_string(path).map_err(|e| CardError::Config(format!("{}: {e}", path.display())))
}

/// DER as is, or the first PEM CERTIFICATE block.
fn read_certificate(path: &PathBuf) -> Result<Vec<u8>, CardError> {
    let bytes =
        std::fs::read(path).map_err(|e| CardError::Config(format!("{}: {e}", path.display())))?;
    if bytes.first() == Some(&0x30) {
        return Ok(bytes);
    }
    let text = String::from_utf8_lossy(&bytes);
    crate::fixtures::pem_block(&text, "CERTIFICATE")
        .ok_or_else(|| CardError::Config(format!("{}: neither DER nor PEM", path.display())))
}

pub(crate) fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text.bytes().filter(|b| !matches!(b, b' ' | b':')).collect();
    if digits.len() % 2 == 1 {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}
