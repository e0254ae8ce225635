//! Card profiles: an admin describes a CA card's ISO 7816-4 layout in TOML (see `host/profiles/`), and the
//! host drives it with [`super::ProfileDriver`]. None is built in: every profile comes from the profile directory
//! (the test CA card's, `host/profiles/ebid-test-ca.toml`, is an example that tests load from there).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{AtrPattern, CardLabel, PinCharset, PinEncoding};
use crate::card::{parse_hex, CommandApdu};

/// Directory of admin profiles when [`PROFILE_DIR_ENV`] is not set.
pub const SYSTEM_PROFILE_DIR: &str = "/etc/ebid-host/profiles";
/// Environment variable naming another profile directory.
pub const PROFILE_DIR_ENV: &str = "EBID_HOST_PROFILE_DIR";

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

/// Every `*.toml` in `$EBID_HOST_PROFILE_DIR` (or [`SYSTEM_PROFILE_DIR`]). Unreadable or invalid files are
/// skipped with a warning.
pub fn load_profiles() -> Vec<Profile> {
    let dir = std::env::var_os(PROFILE_DIR_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(SYSTEM_PROFILE_DIR));
    load_profiles_from(&dir)
}

/// [`load_profiles`] with an explicit directory (a missing directory just means no profiles), in file-name order.
/// A file whose profile name an earlier file already used is skipped.
pub fn load_profiles_from(dir: &Path) -> Vec<Profile> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            log::warn!("card profile directory {}: {e}", dir.display());
            return Vec::new();
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml") && path.is_file())
        .collect();
    paths.sort();
    let mut profiles: Vec<Profile> = Vec::new();
    for path in paths {
        let shown = path.display().to_string();
        let parsed = std::fs::read_to_string(&path)
            .map_err(|e| ProfileError {
                file: shown.clone(),
                reason: e.to_string(),
            })
            .and_then(|text| Profile::from_toml(&shown, &text));
        match parsed {
            Ok(p) if profiles.iter().any(|q| q.name == p.name) => {
                log::warn!(
                    "card profile {shown}: name {} already used by another file, skipped",
                    p.name
                );
            }
            Ok(p) => profiles.push(p),
            Err(e) => log::warn!("{e} (skipped)"),
        }
    }
    profiles
}

// ---- TOML shape, validated into `Profile` ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    name: String,
    label: CardLabel,
    atr: Vec<RawAtr>,
    aid: String,
    certificate_ef: String,
    #[serde(default)]
    extended_length: Option<bool>,
    pin: RawPin,
    sign: RawSign,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawAtr {
    Exact(String),
    Masked { value: String, mask: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPin {
    reference: u8,
    encoding: PinEncoding,
    #[serde(default = "default_pad_byte")]
    pad_byte: u8,
    #[serde(default)]
    block_length: u8,
    min: u8,
    max: u8,
    charset: PinCharset,
    #[serde(default)]
    status_query: bool,
    #[serde(default)]
    select_ef: Option<String>,
}

fn default_pad_byte() -> u8 {
    0xFF
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSign {
    #[serde(default)]
    mse_set: Option<String>,
    #[serde(default)]
    select_key_ef: Option<String>,
    command: String,
    input: SignInput,
}

fn file_id(field: &str, hex: &str) -> Result<[u8; 2], String> {
    let bytes = parse_hex(hex).map_err(|e| format!("{field}: {e}"))?;
    bytes
        .try_into()
        .map_err(|_| format!("{field}: a file id has 2 bytes"))
}

impl TryFrom<RawProfile> for Profile {
    type Error = String;

    fn try_from(raw: RawProfile) -> Result<Self, String> {
        let name_ok = !raw.name.is_empty()
            && raw.name.len() <= 64
            && raw
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if !name_ok {
            return Err(format!("name {:?}: use 1-64 of a-z 0-9 . _ -", raw.name));
        }
        if raw.atr.is_empty() {
            return Err("atr: give at least one ATR pattern".into());
        }
        let atr = raw
            .atr
            .iter()
            .map(|a| match a {
                RawAtr::Exact(v) => AtrPattern::parse(v, None),
                RawAtr::Masked { value, mask } => AtrPattern::parse(value, Some(mask)),
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("atr: {e}"))?;
        let aid = parse_hex(&raw.aid).map_err(|e| format!("aid: {e}"))?;
        if !(1..=16).contains(&aid.len()) {
            return Err("aid: an AID has 1 to 16 bytes".into());
        }
        let pin = &raw.pin;
        if pin.min == 0 || pin.min > pin.max {
            return Err("pin: need 1 <= min <= max".into());
        }
        let max_encoded = match pin.encoding {
            PinEncoding::Ascii => pin.max as usize,
            PinEncoding::Bcd => (pin.max as usize).div_ceil(2),
        };
        if pin.block_length > 0 && max_encoded > pin.block_length as usize {
            return Err("pin: max does not fit in block_length".into());
        }
        if pin.block_length == 0 && max_encoded > 255 {
            return Err("pin: max is too long".into());
        }
        if pin.block_length > 15 {
            // PC/SC part 10 holds the block size in 4 bits.
            return Err("pin: block_length above 15 is not supported".into());
        }
        if pin.charset == PinCharset::Unknown {
            // The protocol's type reads names it does not know as Unknown; a profile must name real rules.
            return Err("pin: charset must be \"digits\" or \"alphanumeric\"".into());
        }
        if pin.encoding == PinEncoding::Bcd && pin.charset != PinCharset::Digits {
            return Err("pin: bcd encoding needs charset = \"digits\"".into());
        }
        let header: [u8; 4] = parse_hex(&raw.sign.command)
            .map_err(|e| format!("sign.command: {e}"))?
            .try_into()
            .map_err(|_| "sign.command: give the 4-byte header CLA INS P1 P2".to_string())?;
        let mse_set = match &raw.sign.mse_set {
            Some(hex) => {
                let bytes = parse_hex(hex).map_err(|e| format!("sign.mse_set: {e}"))?;
                CommandApdu::parse(&bytes).map_err(|e| format!("sign.mse_set: {e}"))?;
                Some(bytes)
            }
            None => None,
        };
        Ok(Profile {
            label: raw.label,
            atr,
            aid,
            certificate_ef: file_id("certificate_ef", &raw.certificate_ef)?,
            extended_length: raw.extended_length,
            pin: ProfilePin {
                reference: pin.reference,
                encoding: pin.encoding,
                pad_byte: pin.pad_byte,
                block_length: pin.block_length,
                min_length: pin.min,
                max_length: pin.max,
                charset: pin.charset,
                status_query: pin.status_query,
                select_ef: pin
                    .select_ef
                    .as_deref()
                    .map(|h| file_id("pin.select_ef", h))
                    .transpose()?,
            },
            sign: ProfileSign {
                mse_set,
                select_key_ef: raw
                    .sign
                    .select_key_ef
                    .as_deref()
                    .map(|h| file_id("sign.select_key_ef", h))
                    .transpose()?,
                header,
                input: raw.sign.input,
            },
            name: raw.name,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example profile (the test CA card's): test data, never compiled into the host.
    const EXAMPLE: &str = include_str!("../../profiles/ebid-test-ca.toml");

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

    fn with_edit(from: &str, to: &str) -> Result<Profile, ProfileError> {
        assert!(EXAMPLE.contains(from), "{from}");
        Profile::from_toml("edited.toml", &EXAMPLE.replacen(from, to, 1))
    }

    #[test]
    fn masked_atr_and_optional_fields() {
        let p = with_edit(
            r#"atr = ["3B 85 80 01 80 73 00 00 40 B7"]"#,
            r#"atr = [{ value = "3B 85 00 00", mask = "FF FF 00 00" }, "3B 00"]"#,
        )
        .unwrap();
        assert!(p.matches_atr(&[0x3B, 0x85, 0x12, 0x34]));
        assert!(p.matches_atr(&[0x3B, 0x00]));
        assert!(!p.matches_atr(&[0x3B, 0x86, 0x12, 0x34]));
        let p = with_edit("extended_length = true\n", "").unwrap();
        assert_eq!(p.extended_length, None);
        let p = with_edit("# select_ef = \"00 1B\"", "select_ef = \"00 1B\"").unwrap();
        assert_eq!(p.pin.select_ef, Some([0x00, 0x1B]));
    }

    #[test]
    fn invalid_profiles_are_explained() {
        for (from, to, why) in [
            ("name = \"ebid-test-ca\"", "name = \"Bad Name\"", "name"),
            (
                "aid = \"F0 45 42 49 44 54 45 53 54\"",
                "aid = \"F0 4\"",
                "aid",
            ),
            (
                "certificate_ef = \"C0 01\"",
                "certificate_ef = \"C0\"",
                "certificate_ef",
            ),
            ("max = 8", "max = 9", "block_length"),
            ("min = 4", "min = 0", "min"),
            (
                "encoding = \"ascii\"",
                "encoding = \"bcd\"\ncharset2 = 1",
                "charset2",
            ),
            (
                "command = \"00 2A 9E 9A\"",
                "command = \"00 2A 9E\"",
                "sign.command",
            ),
            (
                "mse_set = \"00 22 41 B6 06 80 01 42 84 01 01\"",
                "mse_set = \"00 22 41 B6 07 80\"",
                "mse_set",
            ),
            ("input = \"digest_info\"", "input = \"raw\"", "input"),
            ("reference = 0x81", "reference = 300", "reference"),
            ("charset = \"digits\"", "charset = \"hex\"", "charset"),
        ] {
            let err = with_edit(from, to).expect_err(to).to_string();
            assert!(err.contains("edited.toml"), "{err}");
            assert!(err.contains(why), "{to}: {err}");
        }
        let err = with_edit("charset = \"digits\"", "charset = \"alphanumeric\"")
            .map(|_| ())
            .and_then(|_| with_edit("encoding = \"ascii\"", "encoding = \"bcd\"").map(|_| ()));
        assert!(err.is_ok(), "bcd with digits is fine");
        let text = EXAMPLE
            .replacen("encoding = \"ascii\"", "encoding = \"bcd\"", 1)
            .replacen("charset = \"digits\"", "charset = \"alphanumeric\"", 1);
        assert!(Profile::from_toml("x", &text).is_err());
    }

    fn scratch_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ebid-profiles-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn directory_profiles_load_and_bad_ones_are_skipped() {
        let dir = scratch_dir("load");
        std::fs::write(dir.join("ebid-test-ca.toml"), EXAMPLE).unwrap();
        let good = EXAMPLE.replacen("ebid-test-ca", "other-ca", 1);
        std::fs::write(dir.join("other.toml"), good).unwrap();
        std::fs::write(dir.join("broken.toml"), "name = [").unwrap();
        std::fs::write(dir.join("binary.toml"), [0xFF, 0xFE, 0x00]).unwrap();
        std::fs::write(dir.join("ignored.txt"), "not a profile").unwrap();
        let same_name = EXAMPLE.replacen("min = 4", "min = 5", 1);
        std::fs::write(dir.join("same-name.toml"), same_name).unwrap();
        let profiles = load_profiles_from(&dir);
        let names: Vec<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["ebid-test-ca", "other-ca"]);
        assert_eq!(
            profiles[0].pin.min_length, 4,
            "the first file with a name wins; a later one with the same name is skipped"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_directory_means_no_profiles() {
        // Nothing is built in: without a profile directory only JPKI (a driver in code) is known.
        let profiles = load_profiles_from(Path::new("/nonexistent/ebid/profiles"));
        assert!(profiles.is_empty());
    }

    #[test]
    fn environment_names_the_directory() {
        let dir = scratch_dir("env");
        std::fs::write(dir.join("ebid-test-ca.toml"), EXAMPLE).unwrap();
        let good = EXAMPLE.replacen("ebid-test-ca", "env-ca", 1);
        std::fs::write(dir.join("env.toml"), good).unwrap();
        // The only test in this crate that sets this variable.
        std::env::set_var(PROFILE_DIR_ENV, &dir);
        let names: Vec<String> = load_profiles().into_iter().map(|p| p.name).collect();
        std::env::remove_var(PROFILE_DIR_ENV);
        assert_eq!(names, ["ebid-test-ca", "env-ca"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
