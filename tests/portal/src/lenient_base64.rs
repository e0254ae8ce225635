//! Base64 as browsers and scripts actually send it: standard or URL-safe alphabet, with or without padding,
//! possibly wrapped in lines or PEM armour, and with `+` turned into a space by a careless form encoder.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;

pub fn decode(text: &str) -> Option<Vec<u8>> {
    let body: String = text
        .trim_matches(|c| matches!(c, '\r' | '\n' | '\t'))
        .lines()
        .filter(|line| !line.trim_start().starts_with("-----"))
        .collect::<Vec<_>>()
        .concat()
        .chars()
        .filter(|c| !matches!(c, '\r' | '\n' | '\t'))
        .map(|c| if c == ' ' { '+' } else { c })
        .collect();
    let body = body.as_str();
    if body.is_empty() {
        return None;
    }
    [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(body).ok())
}

pub fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_usual_variants() {
        let bytes = [0xFBu8, 0xFF, 0x01, 0x02];
        assert_eq!(decode("+/8BAg==").unwrap(), bytes);
        assert_eq!(decode(" /8BAg==").unwrap(), bytes);
        assert_eq!(decode("-_8BAg").unwrap(), bytes);
        assert_eq!(
            decode("-----BEGIN X-----\n+/8B\nAg==\n-----END X-----\n").unwrap(),
            bytes
        );
        assert!(decode("").is_none());
        assert!(decode("!!!").is_none());
    }
}
