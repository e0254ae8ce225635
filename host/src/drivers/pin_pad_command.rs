//! The PIN-pad command a driver describes: the VERIFY a PIN-pad reader builds itself, and the PIN_VERIFY_STRUCTURE
//! bytes that ask for it (PC/SC part 10, FEATURE_VERIFY_PIN_DIRECT). Pure data; sending it to the reader is
//! service/pin_pad_control.rs.

use super::pin::{PinBlock, PinEncoding};

/// The VERIFY a PIN-pad reader sends once the user typed the PIN on its keypad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinPadVerify {
    /// `CLA INS P1 P2` of the VERIFY command.
    pub header: [u8; 4],
    pub block: PinBlock,
    pub min_length: u8,
    pub max_length: u8,
}

/// `wLangId` for Japanese: readers with a display show their prompts in Japanese if they can.
const LANG_JAPANESE: u16 = 0x0411;

impl PinPadVerify {
    /// The PIN_VERIFY_STRUCTURE for `SCardControl(FEATURE_VERIFY_PIN_DIRECT)`.
    ///
    /// `timeout_secs` 0 lets the reader use its default. For a padded block the APDU carries `block_length` pad
    /// bytes that the reader overwrites; without padding it carries Lc = 0 and the reader sets Lc to the number of
    /// digits typed.
    pub fn verify_pin_direct_structure(&self, timeout_secs: u8) -> Vec<u8> {
        let format_bits = match self.block.encoding {
            PinEncoding::Ascii => 0b10,
            PinEncoding::Bcd => 0b01,
        };
        // bmFormatString: byte units (bit 7), PIN at position 0 of the data, left-justified.
        let bm_format_string: u8 = 0x80 | format_bits;
        // bmPINBlockString: no PIN length field inside the block; block size in bytes.
        let bm_pin_block_string: u8 = self.block.block_length & 0x0F;
        let bm_pin_length_format: u8 = 0x00;
        let mut apdu = self.header.to_vec();
        apdu.push(self.block.block_length);
        apdu.extend(std::iter::repeat_n(
            self.block.pad_byte,
            self.block.block_length as usize,
        ));

        let mut s = Vec::with_capacity(19 + apdu.len());
        s.push(timeout_secs); // bTimerOut
        s.push(timeout_secs); // bTimerOut2
        s.push(bm_format_string);
        s.push(bm_pin_block_string);
        s.push(bm_pin_length_format);
        // wPINMaxExtraDigit: min in the high byte, max in the low byte (little-endian on the wire).
        s.extend_from_slice(
            &(u16::from(self.min_length) << 8 | u16::from(self.max_length)).to_le_bytes(),
        );
        s.push(0x02); // bEntryValidationCondition: the OK key
        s.push(0x01); // bNumberMessage
        s.extend_from_slice(&LANG_JAPANESE.to_le_bytes());
        s.push(0x00); // bMsgIndex
        s.extend_from_slice(&[0, 0, 0]); // bTeoPrologue
        s.extend_from_slice(&(apdu.len() as u32).to_le_bytes());
        s.extend_from_slice(&apdu);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_ascii_structure() {
        let v = PinPadVerify {
            header: [0x00, 0x20, 0x00, 0x81],
            block: PinBlock {
                encoding: PinEncoding::Ascii,
                pad_byte: 0xFF,
                block_length: 8,
            },
            min_length: 4,
            max_length: 8,
        };
        assert_eq!(
            hex::encode_upper(v.verify_pin_direct_structure(30)),
            "1E1E82080008040201110400000000\
             0D000000\
             0020008108FFFFFFFFFFFFFFFF"
        );
    }

    #[test]
    fn unpadded_structure_has_empty_lc() {
        let v = PinPadVerify {
            header: [0x00, 0x20, 0x00, 0x80],
            block: PinBlock {
                encoding: PinEncoding::Ascii,
                pad_byte: 0,
                block_length: 0,
            },
            min_length: 6,
            max_length: 16,
        };
        let s = v.verify_pin_direct_structure(0);
        assert_eq!(hex::encode_upper(&s[s.len() - 9..]), "050000000020008000");
        assert_eq!(&s[5..7], &[16, 6]);
    }
}
