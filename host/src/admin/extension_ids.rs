//! The extension's fixed IDs, in one place: the host manifests allow exactly these callers.
//!
//! Chrome derives an unpacked or self-hosted extension's ID from the manifest `key` (base64 of the DER
//! SubjectPublicKeyInfo): the first 32 hex digits of SHA-256(DER), each mapped 0-9a-f → a-p. The private key is
//! kept out of the repository; only the public half is needed to fix the ID.

use base64::Engine;
use sha2::{Digest, Sha256};

/// Base64 DER public key: the value of `key` in the extension's manifest.json.
pub const CHROME_EXTENSION_PUBLIC_KEY: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA3ryM18vOA8ECWqh8npRX73Dau6qXcKnGPGzfh1i2bY+wKz0f/EEuD+W//kpMYHfCOoiIiCfZJUZXZwT/XcJ2rk+6jQv5RthFOLxmHk3Nez4wuKBe5hKPzgeSUsepLx+viVYxY+B9cQZf4m4WLdKUUpxSZEnnKJav6Ra4KH1qh4pdKCmOHT6O+bzCV9X1Y4r7XD3R60FVeqSJNJFwcp5YcJCTDjD8A0FQ9eytSTcuHUsEM/uKBrP3laAPmS0CkjiilhzeeS9HoIixBioTB26KXF47s5ygdgkBx6VFOaStjImZJ/v4hcPE6OdZymh7xnPOiPrcVIhBMTGKtACb1V4LKwIDAQAB";

/// The Chrome/Chromium/Edge extension ID that follows from [`CHROME_EXTENSION_PUBLIC_KEY`].
pub const CHROME_EXTENSION_ID: &str = "gbhbffmnghhpjolccbflhlhkcanbdabm";

/// The Firefox add-on ID (`browser_specific_settings.gecko.id` in the extension's manifest).
pub const FIREFOX_EXTENSION_ID: &str = "ebid-renewal@ebid.jp";

/// The Chrome extension ID for a base64 DER public key, or `None` when the base64 is malformed.
pub fn chrome_id_from_public_key(base64_der: &str) -> Option<String> {
    let der = base64::engine::general_purpose::STANDARD
        .decode(base64_der.trim())
        .ok()?;
    let digest = Sha256::digest(&der);
    hex::encode(&digest[..16])
        .chars()
        .map(|digit| Some(char::from(b'a' + digit.to_digit(16)? as u8)))
        .collect()
}

/// A Chrome extension ID: exactly 32 letters a–p.
pub fn is_chrome_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| (b'a'..=b'p').contains(&b))
}

/// A Firefox add-on ID: `name@domain` or a braced GUID, as addons.mozilla.org accepts.
pub fn is_firefox_id(id: &str) -> bool {
    let email_like = id.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && !domain.is_empty() && !domain.contains('@')
    });
    let guid_like = id.len() == 38
        && id.starts_with('{')
        && id.ends_with('}')
        && id[1..37].chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    (email_like || guid_like) && id.chars().all(|c| c.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chrome_id_follows_from_the_public_key() {
        assert_eq!(
            chrome_id_from_public_key(CHROME_EXTENSION_PUBLIC_KEY).as_deref(),
            Some(CHROME_EXTENSION_ID)
        );
        assert!(is_chrome_id(CHROME_EXTENSION_ID));
    }

    #[test]
    fn malformed_key_gives_no_id() {
        assert_eq!(chrome_id_from_public_key("not base64!"), None);
    }

    #[test]
    fn id_shapes() {
        assert!(is_firefox_id(FIREFOX_EXTENSION_ID));
        assert!(is_firefox_id("{8d6e4c52-5a0b-4d3e-9a1f-0c2b7e9d1a33}"));
        assert!(!is_firefox_id("no-at-sign"));
        assert!(!is_firefox_id("two@at@signs"));
        assert!(!is_chrome_id("gbhbffmnghhpjolccbflhlhkcanbdabz"));
        assert!(!is_chrome_id("short"));
    }
}
