//! Command APDU parsing (ISO 7816-4 cases 1–4, short and extended) and response building.

use crate::layout::sw;

/// A parsed command APDU. `le` is the number of bytes the host accepts (`00` short = 256, `0000` extended = 65536).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command<'a> {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: &'a [u8],
    pub le: Option<usize>,
}

/// Why a byte string is not a command APDU; answered with `6700`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MalformedApdu;

impl<'a> Command<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<Self, MalformedApdu> {
        let (header, body) = bytes.split_at_checked(4).ok_or(MalformedApdu)?;
        let (data, le) = parse_body(body)?;
        Ok(Command {
            cla: header[0],
            ins: header[1],
            p1: header[2],
            p2: header[3],
            data,
            le,
        })
    }
}

fn parse_body(body: &[u8]) -> Result<(&[u8], Option<usize>), MalformedApdu> {
    match body {
        // Case 1.
        [] => Ok((&[], None)),
        // Case 2 short.
        [le] => Ok((&[], Some(short_le(*le)))),
        // Extended: a zero byte then two length bytes.
        [0, rest @ ..] if rest.len() >= 2 => {
            let first = u16::from_be_bytes([rest[0], rest[1]]) as usize;
            let after = &rest[2..];
            if after.is_empty() {
                // Case 2 extended.
                return Ok((&[], Some(extended_le(first))));
            }
            if first == 0 {
                return Err(MalformedApdu);
            }
            match after.len().checked_sub(first) {
                Some(0) => Ok((after, None)),
                Some(2) => Ok((
                    &after[..first],
                    Some(extended_le(
                        u16::from_be_bytes([after[first], after[first + 1]]) as usize,
                    )),
                )),
                _ => Err(MalformedApdu),
            }
        }
        [0, ..] => Err(MalformedApdu),
        [lc, rest @ ..] => {
            let lc = *lc as usize;
            match rest.len().checked_sub(lc) {
                Some(0) => Ok((rest, None)),
                Some(1) => Ok((&rest[..lc], Some(short_le(rest[lc])))),
                _ => Err(MalformedApdu),
            }
        }
    }
}

fn short_le(byte: u8) -> usize {
    if byte == 0 {
        256
    } else {
        byte as usize
    }
}

fn extended_le(value: usize) -> usize {
    if value == 0 {
        65536
    } else {
        value
    }
}

/// Response data followed by the status word.
pub fn response(data: &[u8], status: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 2);
    out.extend_from_slice(data);
    out.extend_from_slice(&status.to_be_bytes());
    out
}

pub fn status(status: u16) -> Vec<u8> {
    response(&[], status)
}

pub fn malformed() -> Vec<u8> {
    status(sw::WRONG_LENGTH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_four_cases_short_and_extended() {
        let c = Command::parse(&[0, 0xA4, 4, 0x0C]).unwrap();
        assert_eq!((c.data, c.le), (&[][..], None));
        let c = Command::parse(&[0, 0xB0, 0, 0, 0]).unwrap();
        assert_eq!(c.le, Some(256));
        let c = Command::parse(&[0, 0xA4, 2, 0x0C, 2, 0xC0, 0x01]).unwrap();
        assert_eq!((c.data, c.le), (&[0xC0, 0x01][..], None));
        let c = Command::parse(&[0x80, 0x2A, 0, 0x80, 1, 0xAA, 0]).unwrap();
        assert_eq!((c.data, c.le), (&[0xAA][..], Some(256)));
        let c = Command::parse(&[0, 0xB0, 0, 0, 0, 0, 0]).unwrap();
        assert_eq!(c.le, Some(65536));
        let c = Command::parse(&[0, 0xB0, 0, 0, 0, 0x01, 0x00]).unwrap();
        assert_eq!(c.le, Some(256));
        let c = Command::parse(&[0, 0x2A, 0x9E, 0x9A, 0, 0, 2, 1, 2, 0, 0]).unwrap();
        assert_eq!((c.data, c.le), (&[1, 2][..], Some(65536)));
        let c = Command::parse(&[0, 0x2A, 0x9E, 0x9A, 0, 0, 2, 1, 2]).unwrap();
        assert_eq!((c.data, c.le), (&[1, 2][..], None));
    }

    #[test]
    fn rejects_inconsistent_lengths() {
        for bad in [
            &[0u8, 0xA4][..],
            &[0, 0xA4, 4],
            &[0, 0xA4, 4, 0, 3, 1, 2],
            &[0, 0xA4, 4, 0, 1, 1, 2, 3],
            &[0, 0xB0, 0, 0, 0, 1],
            &[0, 0x2A, 0, 0, 0, 0, 0, 1],
            &[0, 0x2A, 0, 0, 0, 0, 3, 1, 2],
            &[0, 0x2A, 0, 0, 0, 0, 1, 1, 2],
        ] {
            assert_eq!(Command::parse(bad), Err(MalformedApdu), "{bad:02X?}");
        }
    }
}
