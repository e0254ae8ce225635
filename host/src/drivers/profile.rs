//! Card profiles: an admin describes a CA card's ISO 7816-4 layout in TOML (see `host/profiles/`), and the
//! host drives it with [`super::ProfileDriver`]. None is built in: every profile comes from the profile directory
//! (the test CA card's, `host/profiles/ebid-test-ca.toml`, is an example that tests load from there).
//!
//! This file: the validated [`Profile`]; `toml_shape`: the TOML as written and its validation; `directory`: where
//! profiles are read from.

mod directory;
mod toml_shape;

use serde::Deserialize;

use super::{AtrPattern, CardLabel, PinCharset, PinEncoding};
use toml_shape::RawProfile;

pub use directory::{load_profiles, load_profiles_from, PROFILE_DIR_ENV, SYSTEM_PROFILE_DIR};

/// A validated card profile.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawProfile")]
pub struct Profile {
    /// Short id, `[a-z0-9._-]`; the driver's card type is `profile:<name>`.
    pub name: String,
    pub label: CardLabel,
    pub atr: Vec<AtrPattern>,
    pub aid: Vec<u8>,
    pub certificate_ef: [u8; 2],
    /// `None`: decided from the ATR's card-capabilities byte.
    pub extended_length: Option<bool>,
    pub pin: ProfilePin,
    pub sign: ProfileSign,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfilePin {
    /// P2 of VERIFY.
    pub reference: u8,
    pub encoding: PinEncoding,
    pub pad_byte: u8,
    /// 0 = unpadded.
    pub block_length: u8,
    pub min_length: u8,
    pub max_length: u8,
    pub charset: PinCharset,
    /// VERIFY without data returns `63Cx` without spending a try.
    pub status_query: bool,
    pub select_ef: Option<[u8; 2]>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileSign {
    /// A whole APDU sent before signing (MSE:SET).
    pub mse_set: Option<Vec<u8>>,
    pub select_key_ef: Option<[u8; 2]>,
    /// `CLA INS P1 P2` of the signing command.
    pub header: [u8; 4],
    pub input: SignInput,
}

/// What the signing command's data is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInput {
    /// DER DigestInfo(SHA-256, digest): the card adds PKCS#1 v1.5 padding.
    DigestInfo,
}

/// A profile that cannot be used, with the file it came from.
#[derive(Debug, thiserror::Error)]
#[error("card profile {file}: {reason}")]
pub struct ProfileError {
    /// The file (or other source) the profile came from.
    pub file: String,
    pub reason: String,
}

impl Profile {
    /// Parses and validates one profile; `file` names it in errors.
    pub fn from_toml(file: &str, text: &str) -> Result<Profile, ProfileError> {
        toml::from_str(text).map_err(|e| ProfileError {
            file: file.to_owned(),
            reason: e.to_string(),
        })
    }

    pub fn card_type(&self) -> String {
        format!("profile:{}", self.name)
    }

    pub fn matches_atr(&self, atr: &[u8]) -> bool {
        self.atr.iter().any(|p| p.matches(atr))
    }
}

/// The example profile (the test CA card's): test data for the unit tests, never compiled into the host.
#[cfg(test)]
const EXAMPLE: &str = include_str!("../../profiles/ebid-test-ca.toml");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_test_ca_profile() {
        let p = &Profile::from_toml("ebid-test-ca.toml", EXAMPLE).unwrap();
        assert_eq!(p.name, "ebid-test-ca");
        assert_eq!(p.card_type(), "profile:ebid-test-ca");
        assert_eq!(p.label.ja, "電子入札テスト認証局 ICカード");
        assert!(p.matches_atr(&[0x3B, 0x85, 0x80, 0x01, 0x80, 0x73, 0x00, 0x00, 0x40, 0xB7]));
        assert_eq!(p.aid, b"\xF0EBIDTEST");
        assert_eq!(p.certificate_ef, [0xC0, 0x01]);
        assert_eq!(p.extended_length, Some(true));
        assert_eq!(
            p.pin,
            ProfilePin {
                reference: 0x81,
                encoding: PinEncoding::Ascii,
                pad_byte: 0xFF,
                block_length: 8,
                min_length: 4,
                max_length: 8,
                charset: PinCharset::Digits,
                status_query: true,
                select_ef: None,
            }
        );
        assert_eq!(p.sign.header, [0x00, 0x2A, 0x9E, 0x9A]);
        assert_eq!(
            p.sign.mse_set.as_deref(),
            Some(&[0x00, 0x22, 0x41, 0xB6, 0x06, 0x80, 0x01, 0x42, 0x84, 0x01, 0x01][..])
        );
        assert_eq!(p.sign.select_key_ef, None);
    }
}
