//! A profile's TOML as admins write it (hex strings, optional fields), and its validation into a [`Profile`]: every
//! refusal names the field.

use serde::Deserialize;

use super::{Profile, ProfilePin, ProfileSign, SignInput};
use crate::card::{parse_hex, CommandApdu};
use crate::drivers::{AtrPattern, CardLabel, PinCharset, PinEncoding};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProfile {
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
    use super::super::{ProfileError, EXAMPLE};
    use super::*;

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
}
