//! A PIN that never prints and is wiped from memory when dropped, and the characters a card's PIN may hold.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

#[derive(Clone, PartialEq, Eq)]
pub struct Pin(Zeroizing<String>);

impl Pin {
    pub fn new(pin: impl Into<String>) -> Self {
        Pin(Zeroizing::new(pin.into()))
    }

    /// The PIN characters, for the card driver alone to encode.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(***)")
    }
}

impl Serialize for Pin {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Pin {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // The String serde builds is moved into Zeroizing: no unwiped copy is left behind.
        String::deserialize(d).map(Pin::new)
    }
}

/// Which characters a card's PIN may hold (`PinInfo::charset`; `charset` in a host card profile). On the wire:
/// `"digits"`, `"alphanumeric"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PinCharset {
    /// `0`–`9`.
    Digits,
    /// ASCII letters and digits.
    Alphanumeric,
    /// A name this version does not know (a newer host's): any printable ASCII passes the check. Never sent by
    /// the host, and refused in card profiles.
    Unknown,
}

// Hand-written through `String` rather than derived: a derived enum visitor would add to the wasm extension, the
// `String` path is there already.
impl Serialize for PinCharset {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PinCharset {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|name| PinCharset::from(name.as_str()))
    }
}

impl PinCharset {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            PinCharset::Digits => "digits",
            PinCharset::Alphanumeric => "alphanumeric",
            PinCharset::Unknown => "unknown",
        }
    }

    /// Every character of `pin` is in the charset (ASCII only: a byte of a non-ASCII character is in none).
    #[inline]
    pub fn accepts(self, pin: &str) -> bool {
        match self {
            PinCharset::Digits => pin.bytes().all(|b| b.is_ascii_digit()),
            PinCharset::Alphanumeric => pin.bytes().all(|b| b.is_ascii_alphanumeric()),
            PinCharset::Unknown => pin.bytes().all(|b| b.is_ascii_graphic()),
        }
    }
}

/// From a wire name; a name this version does not know is [`PinCharset::Unknown`], as when deserialised.
impl From<&str> for PinCharset {
    fn from(name: &str) -> Self {
        match name {
            "digits" => PinCharset::Digits,
            "alphanumeric" => PinCharset::Alphanumeric,
            _ => PinCharset::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charsets_keep_their_wire_names() {
        for charset in [PinCharset::Digits, PinCharset::Alphanumeric] {
            let json = serde_json::to_string(&charset).unwrap();
            assert_eq!(json, format!("\"{}\"", charset.as_str()));
            assert_eq!(serde_json::from_str::<PinCharset>(&json).unwrap(), charset);
            assert_eq!(PinCharset::from(charset.as_str()), charset);
        }
        assert_eq!(
            serde_json::from_str::<PinCharset>("\"hex\"").unwrap(),
            PinCharset::Unknown
        );
        assert_eq!(PinCharset::from("hex"), PinCharset::Unknown);
    }

    #[test]
    fn charsets_accept_ascii_only() {
        assert!(PinCharset::Digits.accepts("0123456789"));
        for pin in ["a", "１", " ", "12.3"] {
            assert!(!PinCharset::Digits.accepts(pin), "{pin}");
        }
        assert!(PinCharset::Alphanumeric.accepts("aZ09"));
        for pin in ["-", "Ａ", " ", "ab c"] {
            assert!(!PinCharset::Alphanumeric.accepts(pin), "{pin}");
        }
        assert!(PinCharset::Unknown.accepts("a-Z!0"));
        for pin in [" ", "\n", "Ａ", "ab c"] {
            assert!(!PinCharset::Unknown.accepts(pin), "{pin}");
        }
    }

    #[test]
    fn debug_hides_the_pin() {
        let pin = Pin::new("1234");
        assert_eq!(format!("{pin:?}"), "Pin(***)");
        assert!(!format!("{:?}", Some(pin)).contains("1234"));
    }
}
