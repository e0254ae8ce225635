//! Text out of DER string values. The TLVs are read with asn1-rs (x509-parser's own); the characters are decoded
//! here from tag + bytes so that Japanese names in any of the encodings CAs use (UTF8String, BMPString,
//! UniversalString, ...) come out intact, and a bad byte becomes U+FFFD where asn1-rs's string types would refuse
//! the whole value.

use x509_parser::der_parser::asn1_rs::{Any, FromBer, Length};

/// ASN.1 universal tag numbers of the string types X.509 names use.
pub mod tag {
    pub const UTF8_STRING: u32 = 12;
    pub const SEQUENCE: u32 = 16;
    pub const NUMERIC_STRING: u32 = 18;
    pub const PRINTABLE_STRING: u32 = 19;
    pub const TELETEX_STRING: u32 = 20;
    pub const IA5_STRING: u32 = 22;
    pub const VISIBLE_STRING: u32 = 26;
    pub const UNIVERSAL_STRING: u32 = 28;
    pub const BMP_STRING: u32 = 30;
}

/// The text of a universal string value, or `None` for a non-string tag. Bytes that are not valid in their
/// encoding become U+FFFD rather than an error: a name with one bad byte is still worth showing.
pub fn decode(tag: u32, bytes: &[u8]) -> Option<String> {
    match tag {
        tag::UTF8_STRING => Some(String::from_utf8_lossy(bytes).into_owned()),
        // ASCII subsets; a stray high byte is shown as U+FFFD.
        tag::PRINTABLE_STRING | tag::IA5_STRING | tag::NUMERIC_STRING | tag::VISIBLE_STRING => {
            Some(
                bytes
                    .iter()
                    .map(|&b| {
                        if b.is_ascii() {
                            b as char
                        } else {
                            char::REPLACEMENT_CHARACTER
                        }
                    })
                    .collect(),
            )
        }
        // T.61 is rarely used as such; in practice CAs put Latin-1 there.
        tag::TELETEX_STRING => Some(bytes.iter().map(|&b| b as char).collect()),
        tag::BMP_STRING => {
            let units = bytes.chunks(2).map(|pair| match pair {
                [hi, lo] => u16::from_be_bytes([*hi, *lo]),
                _ => 0xFFFD,
            });
            Some(
                char::decode_utf16(units)
                    .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                    .collect(),
            )
        }
        tag::UNIVERSAL_STRING => Some(
            bytes
                .chunks(4)
                .map(|quad| match quad {
                    [a, b, c, d] => char::from_u32(u32::from_be_bytes([*a, *b, *c, *d]))
                        .unwrap_or(char::REPLACEMENT_CHARACTER),
                    _ => char::REPLACEMENT_CHARACTER,
                })
                .collect(),
        ),
        _ => None,
    }
}

/// One DER TLV: class+constructed bits and tag number from the identifier, and the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The identifier octet (class, constructed bit, low tag number).
    pub identifier: u8,
    pub tag: u32,
    pub content: &'a [u8],
}

/// Reads the TLV at the start of `input` (asn1-rs, BER rules: a long-form length need not be minimal) and returns
/// it with the rest. Only low tag numbers (< 31) and definite lengths: enough for names, and anything else is
/// `None`, never a panic.
pub fn read_tlv(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let &identifier = input.first()?;
    if identifier & 0x1F == 0x1F {
        return None;
    }
    let (rest, any) = Any::from_ber(input).ok()?;
    if !matches!(any.header.length(), Length::Definite(_)) {
        return None;
    }
    Some((
        Tlv {
            identifier,
            tag: any.header.tag().0,
            content: any.data,
        },
        rest,
    ))
}

/// A DirectoryString, or a SEQUENCE of them (postalAddress lines), as one text. Lines are joined without a
/// separator when Japanese, with a space between Latin words.
pub fn decode_value(tag: u32, constructed: bool, bytes: &[u8]) -> Option<String> {
    if tag == tag::SEQUENCE && constructed {
        let mut parts = Vec::new();
        let mut rest = bytes;
        while !rest.is_empty() {
            let (tlv, next) = read_tlv(rest)?;
            parts.push(decode(tlv.tag, tlv.content)?);
            rest = next;
        }
        return Some(join_parts(parts.iter().map(String::as_str)));
    }
    decode(tag, bytes)
}

/// Concatenates address parts: no separator between Japanese parts, a space between two Latin ones.
pub fn join_parts<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for part in parts.into_iter().map(str::trim).filter(|p| !p.is_empty()) {
        let latin_seam = out
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == ',')
            && part
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric());
        if latin_seam {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAPPORO: &str = "北海道札幌市中央区北1条西2丁目";

    #[test]
    fn utf8() {
        assert_eq!(
            decode(tag::UTF8_STRING, SAPPORO.as_bytes()).unwrap(),
            SAPPORO
        );
        assert_eq!(decode(tag::UTF8_STRING, &[0xE5, 0x8C]).unwrap(), "\u{FFFD}");
    }

    #[test]
    fn bmp_and_universal() {
        let bmp: Vec<u8> = SAPPORO.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode(tag::BMP_STRING, &bmp).unwrap(), SAPPORO);
        // 𠮷 (U+20BB7) needs a surrogate pair in UTF-16.
        let yoshi: Vec<u8> = "𠮷野家".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode(tag::BMP_STRING, &yoshi).unwrap(), "𠮷野家");
        let utf32: Vec<u8> = "𠮷野家"
            .chars()
            .flat_map(|c| (c as u32).to_be_bytes())
            .collect();
        assert_eq!(decode(tag::UNIVERSAL_STRING, &utf32).unwrap(), "𠮷野家");
        assert_eq!(decode(tag::BMP_STRING, &[0x30]).unwrap(), "\u{FFFD}");
        assert_eq!(
            decode(tag::UNIVERSAL_STRING, &[0, 0x11, 0, 0]).unwrap(),
            "\u{FFFD}"
        );
    }

    #[test]
    fn ascii_and_latin1() {
        assert_eq!(decode(tag::PRINTABLE_STRING, b"JP").unwrap(), "JP");
        assert_eq!(decode(tag::IA5_STRING, b"a@b.jp").unwrap(), "a@b.jp");
        assert_eq!(
            decode(tag::TELETEX_STRING, &[0x4D, 0xFC, 0x6E]).unwrap(),
            "Mün"
        );
        assert_eq!(
            decode(tag::PRINTABLE_STRING, &[0x41, 0xC0]).unwrap(),
            "A\u{FFFD}"
        );
        assert_eq!(decode(4, b"octets"), None);
    }

    #[test]
    fn tlv_reader() {
        let (tlv, rest) = read_tlv(&[0x0C, 0x02, b'a', b'b', 0xFF]).unwrap();
        assert_eq!((tlv.tag, tlv.content, rest), (12, &b"ab"[..], &[0xFF][..]));
        let (tlv, _) = read_tlv(&[0xA0, 0x81, 0x01, 0x05]).unwrap();
        assert_eq!((tlv.identifier, tlv.content), (0xA0, &[0x05][..]));
        assert_eq!(read_tlv(&[0x0C, 0x05, b'a']), None);
        assert_eq!(read_tlv(&[0x0C]), None);
        assert_eq!(read_tlv(&[0x1F, 0x01, 0x00]), None);
        assert_eq!(read_tlv(&[0x0C, 0x80]), None);
    }

    #[test]
    fn postal_address_sequence() {
        let mut seq = Vec::new();
        for line in ["北海道", "札幌市"] {
            seq.push(0x0C);
            seq.push(line.len() as u8);
            seq.extend_from_slice(line.as_bytes());
        }
        assert_eq!(
            decode_value(tag::SEQUENCE, true, &seq).unwrap(),
            "北海道札幌市"
        );
        assert_eq!(decode_value(tag::SEQUENCE, true, &[0x0C, 0x09]), None);
    }

    #[test]
    fn joining() {
        assert_eq!(
            join_parts(["北海道", "札幌市", "", "中央区"]),
            "北海道札幌市中央区"
        );
        assert_eq!(join_parts(["Hokkaido", "Sapporo"]), "Hokkaido Sapporo");
        assert_eq!(join_parts(["北海道", "Sapporo"]), "北海道Sapporo");
    }
}
