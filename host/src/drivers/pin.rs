//! PIN rules and encodings: a typed PIN is checked and encoded before any APDU, so a malformed PIN never spends
//! a try; the encoded bytes live in a `Zeroizing` buffer.

use serde::Deserialize;
use zeroize::Zeroizing;

use crate::card::CardError;

/// Which characters a PIN may hold: the protocol's type, so the dialog and the host check the same rules.
pub use ebid_protocol::PinCharset;

/// What the PIN dialog may accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinRules {
    pub min_length: u8,
    pub max_length: u8,
    pub charset: PinCharset,
}

impl PinRules {
    /// `Err(PinFormat)` unless the PIN has an allowed length and only allowed characters.
    pub fn check(&self, pin: &str) -> Result<(), CardError> {
        let len = pin.chars().count();
        let length_ok = len >= self.min_length as usize && len <= self.max_length as usize;
        if length_ok && self.charset.accepts(pin) {
            Ok(())
        } else {
            Err(CardError::PinFormat)
        }
    }
}

/// How PIN characters become bytes on the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PinEncoding {
    /// One ASCII byte per character.
    Ascii,
    /// Two digits per byte, high nibble first.
    Bcd,
}

/// The PIN block a VERIFY carries: encoding, padding and length limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinBlock {
    pub encoding: PinEncoding,
    pub pad_byte: u8,
    /// Bytes of the padded block (Lc); 0 = no padding, Lc is the encoded PIN's length.
    pub block_length: u8,
}

impl PinBlock {
    /// Checks the PIN against `rules`, then encodes and pads it.
    pub fn encode(&self, pin: &str, rules: &PinRules) -> Result<Zeroizing<Vec<u8>>, CardError> {
        rules.check(pin)?;
        // Sized up front: a reallocation would leave an unwiped copy of the PIN behind.
        let capacity = (self.block_length as usize).max(pin.len());
        let mut out = Zeroizing::new(Vec::with_capacity(capacity));
        match self.encoding {
            PinEncoding::Ascii => out.extend_from_slice(pin.as_bytes()),
            PinEncoding::Bcd => {
                let mut digits = pin.bytes().map(|b| b.wrapping_sub(b'0'));
                if pin.bytes().any(|b| !b.is_ascii_digit()) {
                    return Err(CardError::PinFormat);
                }
                while let Some(hi) = digits.next() {
                    let lo = digits.next().unwrap_or(self.pad_byte & 0x0F);
                    out.push(hi << 4 | lo);
                }
            }
        }
        let block = self.block_length as usize;
        if block > 0 {
            if out.len() > block {
                return Err(CardError::PinFormat);
            }
            out.resize(block, self.pad_byte);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGITS_4_8: PinRules = PinRules {
        min_length: 4,
        max_length: 8,
        charset: PinCharset::Digits,
    };

    #[test]
    fn rules_reject_length_and_charset() {
        assert!(DIGITS_4_8.check("1234").is_ok());
        assert!(DIGITS_4_8.check("12345678").is_ok());
        assert_eq!(DIGITS_4_8.check("123"), Err(CardError::PinFormat));
        assert_eq!(DIGITS_4_8.check("123456789"), Err(CardError::PinFormat));
        assert_eq!(DIGITS_4_8.check("12a4"), Err(CardError::PinFormat));
        assert_eq!(DIGITS_4_8.check("１２３４"), Err(CardError::PinFormat));
        let alnum = PinRules {
            min_length: 6,
            max_length: 16,
            charset: PinCharset::Alphanumeric,
        };
        assert!(alnum.check("ABC123").is_ok());
        assert_eq!(alnum.check("ABC 123"), Err(CardError::PinFormat));
        assert_eq!(alnum.check("ＡＢＣ１２３"), Err(CardError::PinFormat));
    }

    #[test]
    fn ascii_padded() {
        let block = PinBlock {
            encoding: PinEncoding::Ascii,
            pad_byte: 0xFF,
            block_length: 8,
        };
        assert_eq!(
            hex::encode_upper(block.encode("1234", &DIGITS_4_8).unwrap()),
            "31323334FFFFFFFF"
        );
    }

    #[test]
    fn ascii_unpadded() {
        let block = PinBlock {
            encoding: PinEncoding::Ascii,
            pad_byte: 0,
            block_length: 0,
        };
        assert_eq!(
            hex::encode_upper(block.encode("98765", &DIGITS_4_8).unwrap()),
            "3938373635"
        );
    }

    #[test]
    fn bcd_padded() {
        let block = PinBlock {
            encoding: PinEncoding::Bcd,
            pad_byte: 0xFF,
            block_length: 8,
        };
        assert_eq!(
            hex::encode_upper(block.encode("12345", &DIGITS_4_8).unwrap()),
            "12345FFFFFFFFFFF"
        );
        assert_eq!(
            hex::encode_upper(block.encode("1234", &DIGITS_4_8).unwrap()),
            "1234FFFFFFFFFFFF"
        );
    }

    #[test]
    fn too_long_for_the_block() {
        let block = PinBlock {
            encoding: PinEncoding::Ascii,
            pad_byte: 0xFF,
            block_length: 4,
        };
        assert_eq!(
            block.encode("12345", &DIGITS_4_8),
            Err(CardError::PinFormat)
        );
    }
}
