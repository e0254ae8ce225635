//! Checks a typed PIN against what the card accepts before it reaches the card, so a typo in the format never
//! costs one of the card's few tries.

use ebid_protocol::PinInfo;

/// `true` when `pin` fits the card's length and character rules (or the rules are unknown and `pin` is not empty).
pub fn check_pin_format(pin: &str, info: Option<&PinInfo>) -> bool {
    if pin.is_empty() || pin.len() > 64 {
        return false;
    }
    let Some(info) = info else {
        return pin.bytes().all(|b| b.is_ascii_graphic());
    };
    let length = pin.chars().count();
    let min = usize::from(info.min_length);
    let max = usize::from(info.max_length);
    let length_ok = length >= min && (max < min || max == 0 || length <= max);
    length_ok && info.charset.accepts(pin)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(min: u8, max: u8, charset: &str) -> PinInfo {
        PinInfo {
            tries_left: Some(3),
            blocked: false,
            pin_pad: false,
            min_length: min,
            max_length: max,
            charset: charset.into(),
        }
    }

    #[test]
    fn digits_and_lengths() {
        let digits = info(4, 8, "digits");
        assert!(check_pin_format("1234", Some(&digits)));
        assert!(check_pin_format("12345678", Some(&digits)));
        assert!(!check_pin_format("123", Some(&digits)));
        assert!(!check_pin_format("123456789", Some(&digits)));
        assert!(!check_pin_format("12a4", Some(&digits)));
        assert!(!check_pin_format("", Some(&digits)));
    }

    #[test]
    fn alphanumerics() {
        let jpki = info(6, 16, "alphanumeric");
        assert!(check_pin_format("ABC123", Some(&jpki)));
        assert!(check_pin_format("abc123", Some(&jpki)));
        assert!(!check_pin_format("ABC 123", Some(&jpki)));
        assert!(!check_pin_format("ＡＢＣ１２３", Some(&jpki)));
    }

    #[test]
    fn unknown_rules_take_printable_ascii() {
        assert!(check_pin_format("1234", None));
        assert!(!check_pin_format("", None));
        assert!(!check_pin_format("12\n4", None));
    }
}
