//! The committed test-only RSA keys (`tests/virtual-card/fixtures/*.pem`). RSA key generation is slow, so the
//! keys are made once by `make-test-keys`; certificates are issued at run time so validity is relative to now.

use std::path::PathBuf;

use rsa::pkcs8::DecodePrivateKey;
use zeroize::Zeroizing;

use crate::CardError;

/// Fixture key names: the e-bidding test CA, the JPKI signature and authentication test CAs, the CA nobody
/// trusts, eight card keys, and the key of every JPKI card's authentication half.
pub const CA_KEY: &str = "ca";
pub const JPKI_CA_KEY: &str = "ca-jpki";
pub const JPKI_AUTH_CA_KEY: &str = "ca-jpki-auth";
pub const UNKNOWN_CA_KEY: &str = "ca-unknown";
/// The authentication key (EF 0017) of JPKI cards whose config names no other: tests sign with the signature
/// key, so one shared authentication key is enough, and it differs from every signature key.
pub const JPKI_AUTH_KEY: &str = "jpki-auth";
/// Every fixture key, in the order `make-test-keys` writes them.
pub const ALL_KEYS: [&str; 13] = [
    CA_KEY,
    JPKI_CA_KEY,
    JPKI_AUTH_CA_KEY,
    UNKNOWN_CA_KEY,
    JPKI_AUTH_KEY,
    "card1",
    "card2",
    "card3",
    "card4",
    "card5",
    "card6",
    "card7",
    "card8",
];
pub const CARD_KEYS: [&str; 8] = [
    "card1", "card2", "card3", "card4", "card5", "card6", "card7", "card8",
];

/// The fixtures directory: `$VIRTUAL_CARD_FIXTURES` if set, else the crate's own `fixtures/`.
pub fn fixtures_dir() -> PathBuf {
    match std::env::var_os("VIRTUAL_CARD_FIXTURES") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
    }
}

/// The PKCS#8 PEM text of fixture key `name` (e.g. `card3`).
pub fn key_pem(name: &str) -> Result<Zeroizing<String>, CardError> {
    if !ALL_KEYS.contains(&name) {
        return Err(CardError::Config(format!(
            "no fixture key named {name:?} (known: {})",
            ALL_KEYS.join(", ")
        )));
    }
    let path = fixtures_dir().join(format!("{name}.pem"));
    let text = std::fs::read_to_string(&path).map_err(|e| {
        CardError::Config(format!(
            "{}: {e} (run `cargo run -p virtual-card --bin make-test-keys`)",
            path.display()
        ))
    })?;
    Ok(Zeroizing::new(text))
}

pub fn parse_private_key(pem: &str) -> Result<rsa::RsaPrivateKey, CardError> {
    let block = pem_text_block(pem, "PRIVATE KEY")
        .ok_or_else(|| CardError::Config("no PKCS#8 PRIVATE KEY block in the key".into()))?;
    rsa::RsaPrivateKey::from_pkcs8_pem(&block)
        .map_err(|e| CardError::Config(format!("bad PKCS#8 RSA key: {e}")))
}

/// The `-----BEGIN label-----` … `-----END label-----` block alone, so text around it is tolerated.
pub(crate) fn pem_text_block(text: &str, label: &str) -> Option<Zeroizing<String>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)?;
    let stop = text[start..].find(&end)? + start + end.len();
    Some(Zeroizing::new(format!("{}\n", &text[start..stop])))
}

/// The DER inside the first PEM block labelled `label`.
pub(crate) fn pem_block(text: &str, label: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let block = pem_text_block(text, label)?;
    let body: String = block
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}
