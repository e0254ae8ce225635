//! Reader features (PC/SC v2 part 10): which readers can take the PIN on their own keypad.

use pcsc::{ctl_code, Card, Context, Disposition, Protocols, ShareMode};

/// `CM_IOCTL_GET_FEATURE_REQUEST`.
pub fn get_feature_request() -> u32 {
    ctl_code(3400) as u32
}

/// `FEATURE_VERIFY_PIN_DIRECT`.
pub const FEATURE_VERIFY_PIN_DIRECT: u8 = 0x06;

/// The control code for `feature` in a GET_FEATURE_REQUEST answer: TLVs of tag (1 byte), length (1 byte, 4) and a
/// big-endian u32 control code. A malformed list yields what was readable before the damage.
pub fn find_feature(tlvs: &[u8], feature: u8) -> Option<u32> {
    let mut rest = tlvs;
    while let [tag, len, tail @ ..] = rest {
        let len = *len as usize;
        if tail.len() < len {
            return None;
        }
        let (value, next) = tail.split_at(len);
        if *tag == feature && len == 4 {
            return Some(u32::from_be_bytes([value[0], value[1], value[2], value[3]]));
        }
        rest = next;
    }
    None
}

/// Asks a connected card's reader for its VERIFY_PIN_DIRECT control code.
pub fn verify_pin_direct_of(card: &Card) -> Option<u32> {
    let mut buf = [0u8; 256];
    match card.control(get_feature_request() as _, &[], &mut buf) {
        Ok(tlvs) => find_feature(tlvs, FEATURE_VERIFY_PIN_DIRECT),
        Err(e) => {
            log::debug!("GET_FEATURE_REQUEST refused: {e}");
            None
        }
    }
}

/// Asks a reader (card or not) through a direct connection. `None` when the reader cannot be asked right now
/// (e.g. another application holds it exclusively), `Some(None)` when it has no PIN pad.
pub fn query_reader(context: &Context, reader: &std::ffi::CStr) -> Option<Option<u32>> {
    let card = match context.connect(reader, ShareMode::Direct, Protocols::UNDEFINED) {
        Ok(card) => card,
        Err(e) => {
            log::debug!("direct connection to {reader:?} refused: {e}");
            return None;
        }
    };
    let code = verify_pin_direct_of(&card);
    if let Err((_, e)) = card.disconnect(Disposition::LeaveCard) {
        log::debug!("disconnect after the feature query failed: {e}");
    }
    Some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_verify_pin_direct() {
        // A typical pad reader: VERIFY_PIN_DIRECT, MODIFY_PIN_DIRECT, IFD_PIN_PROPERTIES.
        let tlvs = [
            0x06, 4, 0x42, 0x33, 0x00, 0x06, 0x07, 4, 0x42, 0x33, 0x00, 0x07, 0x0A, 4, 0x42, 0x33,
            0x00, 0x0A,
        ];
        assert_eq!(
            find_feature(&tlvs, FEATURE_VERIFY_PIN_DIRECT),
            Some(0x4233_0006)
        );
        assert_eq!(find_feature(&tlvs, 0x07), Some(0x4233_0007));
        assert_eq!(find_feature(&tlvs, 0x12), None);
    }

    #[test]
    fn malformed_lists_do_not_panic() {
        assert_eq!(find_feature(&[], FEATURE_VERIFY_PIN_DIRECT), None);
        assert_eq!(find_feature(&[0x06], FEATURE_VERIFY_PIN_DIRECT), None);
        assert_eq!(
            find_feature(&[0x06, 4, 1, 2], FEATURE_VERIFY_PIN_DIRECT),
            None
        );
        assert_eq!(
            find_feature(&[0x06, 2, 1, 2], FEATURE_VERIFY_PIN_DIRECT),
            None
        );
        assert_eq!(
            find_feature(&[0x01, 0, 0x06, 4, 0, 0, 0, 9], FEATURE_VERIFY_PIN_DIRECT),
            Some(9)
        );
    }

    #[test]
    fn control_code_is_pcsc_lite_s() {
        // pcsc-lite: SCARD_CTL_CODE(code) = 0x42000000 + code.
        assert_eq!(get_feature_request(), 0x4200_0D48);
    }
}
