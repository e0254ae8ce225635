//! What a card signs in the renewal and login flows: a digest that binds the portal origin and its challenge
//! (and, for the new card, the current card's certificate), so a signature captured elsewhere is worthless.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const DOMAIN: &[u8] = b"ebid-renewal-v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignPurpose {
    /// IC-card login to the portal.
    Login,
    /// The current card consents to being replaced.
    RenewCurrent,
    /// The new card takes over; binds the current card's certificate.
    RenewNew,
    /// An unregistered card asks to be registered (2.1.3 利用者情報の新規登録).
    Register,
    /// A registered card opens its 利用者情報 for 変更.
    Change,
}

impl SignPurpose {
    fn label(self) -> &'static [u8] {
        match self {
            SignPurpose::Login => b"login",
            SignPurpose::RenewCurrent => b"renew-current",
            SignPurpose::RenewNew => b"renew-new",
            SignPurpose::Register => b"register",
            SignPurpose::Change => b"change",
        }
    }
}

/// SHA-256 over length-prefixed fields, so no two different inputs can produce the same byte string.
pub fn binding_digest(
    origin: &str,
    challenge: &[u8],
    purpose: SignPurpose,
    bound_certificate: &[u8],
) -> [u8; 32] {
    let mut hash = Sha256::new();
    for field in [
        DOMAIN,
        origin.as_bytes(),
        challenge,
        purpose.label(),
        bound_certificate,
    ] {
        hash.update((field.len() as u32).to_be_bytes());
        hash.update(field);
    }
    hash.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_changes_the_digest() {
        let base = binding_digest("https://a.example", b"c", SignPurpose::RenewNew, b"cert");
        assert_ne!(
            base,
            binding_digest("https://b.example", b"c", SignPurpose::RenewNew, b"cert")
        );
        assert_ne!(
            base,
            binding_digest("https://a.example", b"d", SignPurpose::RenewNew, b"cert")
        );
        assert_ne!(
            base,
            binding_digest(
                "https://a.example",
                b"c",
                SignPurpose::RenewCurrent,
                b"cert"
            )
        );
        assert_ne!(
            base,
            binding_digest("https://a.example", b"c", SignPurpose::RenewNew, b"other")
        );
        let purposes = [
            SignPurpose::Login,
            SignPurpose::RenewCurrent,
            SignPurpose::RenewNew,
            SignPurpose::Register,
            SignPurpose::Change,
        ];
        for (i, a) in purposes.iter().enumerate() {
            for b in &purposes[i + 1..] {
                assert_ne!(
                    binding_digest("https://a.example", b"c", *a, b""),
                    binding_digest("https://a.example", b"c", *b, b""),
                    "{a:?} and {b:?} must not sign the same digest"
                );
            }
        }
        // Moving bytes between fields must not collide.
        assert_ne!(
            binding_digest("https://a.example", b"cx", SignPurpose::Login, b""),
            binding_digest("https://a.example", b"c", SignPurpose::Login, b"x")
        );
    }
}
