//! Hex as people write it in profiles and scripts: bytes separated by spaces, colons or dashes, as admins copy
//! them from tools. Decoding itself is the `hex` crate's.

/// Decodes hex with optional spaces, colons, dashes or line breaks between bytes.
pub fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = text
        .bytes()
        .filter(|b| !matches!(b, b' ' | b':' | b'-' | b'\t' | b'\n' | b'\r'))
        .collect();
    hex::decode(digits).map_err(|e| match e {
        hex::FromHexError::OddLength => format!("odd number of hex digits in {text:?}"),
        _ => format!("not hex: {text:?}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_helpers() {
        assert_eq!(parse_hex("3b:e0 00-FF").unwrap(), vec![0x3B, 0xE0, 0, 0xFF]);
        assert!(parse_hex("3").is_err());
        assert!(parse_hex("zz").is_err());
        assert_eq!(hex::encode_upper([0xAB, 0x01]), "AB01");
        assert_eq!(
            parse_hex("3").unwrap_err(),
            "odd number of hex digits in \"3\""
        );
        assert_eq!(parse_hex("zz").unwrap_err(), "not hex: \"zz\"");
        assert_eq!(parse_hex("0\n1:2\t3\r").unwrap(), vec![0x01, 0x23]);
    }
}
