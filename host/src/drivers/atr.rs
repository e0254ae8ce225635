//! ATRs: pattern matching (value + mask, as admins write them) and the "extended Lc/Le" capability bit in the
//! historical bytes (ISO 7816-4 card capabilities, third software-function byte, bit 0x40).

use crate::card::parse_hex;

/// An ATR with an optional mask: a card matches when `atr & mask == value & mask` and the lengths agree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtrPattern {
    pub value: Vec<u8>,
    pub mask: Vec<u8>,
}

impl AtrPattern {
    /// `value` and optional `mask` in hex (spaces and colons allowed); no mask = exact match.
    pub fn parse(value: &str, mask: Option<&str>) -> Result<Self, String> {
        let value = parse_hex(value)?;
        if value.is_empty() || value.len() > 33 {
            return Err(format!("an ATR has 1 to 33 bytes, not {}", value.len()));
        }
        let mask = match mask {
            Some(m) => parse_hex(m)?,
            None => vec![0xFF; value.len()],
        };
        if mask.len() != value.len() {
            return Err("ATR mask and value differ in length".into());
        }
        Ok(AtrPattern { value, mask })
    }

    pub fn matches(&self, atr: &[u8]) -> bool {
        atr.len() == self.value.len()
            && atr
                .iter()
                .zip(&self.value)
                .zip(&self.mask)
                .all(|((a, v), m)| a & m == v & m)
    }
}

/// The historical bytes of an ATR, or `None` if the ATR is too short for what its interface bytes announce.
pub fn historical_bytes(atr: &[u8]) -> Option<&[u8]> {
    let t0 = *atr.get(1)?;
    let count = (t0 & 0x0F) as usize;
    let mut pos = 2;
    let mut indicator = t0 >> 4;
    loop {
        // TA, TB, TC present per bits 0..2 of the Y nibble; TD per bit 3.
        pos += (indicator & 0x07).count_ones() as usize;
        if indicator & 0x08 == 0 {
            break;
        }
        let td = *atr.get(pos)?;
        pos += 1;
        indicator = td >> 4;
    }
    atr.get(pos..pos + count)
}

/// Whether the ATR announces extended Lc/Le in its card-capabilities object (compact-TLV tag 7).
pub fn supports_extended_length(atr: &[u8]) -> bool {
    let Some(historical) = historical_bytes(atr) else {
        return false;
    };
    let objects = match historical.split_first() {
        Some((0x80, rest)) => rest,
        // Category 00: compact-TLV objects followed by a 3-byte status indicator.
        Some((0x00, rest)) if rest.len() >= 3 => &rest[..rest.len() - 3],
        _ => return false,
    };
    let mut i = 0;
    while i < objects.len() {
        let tag = objects[i] >> 4;
        let len = (objects[i] & 0x0F) as usize;
        let Some(value) = objects.get(i + 1..i + 1 + len) else {
            return false;
        };
        if tag == 0x7 {
            return value.get(2).is_some_and(|b| b & 0x40 != 0);
        }
        i += 1 + len;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEST_CA_ATR: [u8; 10] = [0x3B, 0x85, 0x80, 0x01, 0x80, 0x73, 0x00, 0x00, 0x40, 0xB7];
    const JPKI_ATR: [u8; 9] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];

    #[test]
    fn historical_bytes_found() {
        assert_eq!(
            historical_bytes(&TEST_CA_ATR),
            Some(&[0x80, 0x73, 0, 0, 0x40][..])
        );
        assert_eq!(historical_bytes(&JPKI_ATR), Some(&[][..]));
        assert_eq!(historical_bytes(&[0x3B]), None);
        assert_eq!(historical_bytes(&[0x3B, 0x8F, 0x80]), None);
    }

    #[test]
    fn extended_length_capability() {
        assert!(supports_extended_length(&TEST_CA_ATR));
        assert!(!supports_extended_length(&JPKI_ATR));
        let mut without_bit = TEST_CA_ATR;
        without_bit[8] = 0x00;
        assert!(!supports_extended_length(&without_bit));
        // Category 00: compact-TLV objects, then a 3-byte status indicator.
        let cat0 = [
            0x3B, 0x09, 0x00, 0x73, 0x00, 0x00, 0x40, 0x05, 0x90, 0x00, 0x00,
        ];
        assert!(supports_extended_length(&cat0));
    }

    #[test]
    fn never_panics_on_garbage() {
        for len in 0..12 {
            for seed in 0u8..=255 {
                let atr: Vec<u8> = (0..len)
                    .map(|i| {
                        seed.wrapping_mul(31)
                            .wrapping_add((i as u8).wrapping_mul(97))
                    })
                    .collect();
                let _ = supports_extended_length(&atr);
            }
        }
    }

    #[test]
    fn patterns_with_masks() {
        let exact = AtrPattern::parse("3B:E0:00:FF:81:31:FE:45:14", None).unwrap();
        assert!(exact.matches(&JPKI_ATR));
        assert!(!exact.matches(&TEST_CA_ATR));
        let masked = AtrPattern::parse(
            "3B 85 80 01 80 73 00 00 00 00",
            Some("FF FF FF FF FF FF 00 00 00 00"),
        )
        .unwrap();
        assert!(masked.matches(&TEST_CA_ATR));
        assert!(!masked.matches(&TEST_CA_ATR[..9]));
        assert!(AtrPattern::parse("3B85", Some("FF")).is_err());
        assert!(AtrPattern::parse("", None).is_err());
    }
}
