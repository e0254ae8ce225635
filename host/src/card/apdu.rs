//! Command APDUs (ISO 7816-4 short and extended encodings) and response APDUs.

use zeroize::Zeroizing;

use super::CardError;

/// The largest Le a short APDU can ask for (encoded as `00`).
pub const SHORT_LE_MAX: usize = 256;
/// The largest Le an extended APDU can ask for (encoded as `00 00`).
pub const EXTENDED_LE_MAX: usize = 65536;
const SHORT_LC_MAX: usize = 255;
const EXTENDED_LC_MAX: usize = 65535;

/// A command APDU. Its data may hold a PIN, so it is wiped on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct CommandApdu {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    data: Zeroizing<Vec<u8>>,
    le: Option<usize>,
    force_extended: bool,
}

impl CommandApdu {
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        CommandApdu {
            cla,
            ins,
            p1,
            p2,
            data: Zeroizing::new(Vec::new()),
            le: None,
            force_extended: false,
        }
    }

    /// Builds from a 4-byte header `CLA INS P1 P2`.
    pub fn from_header(header: [u8; 4]) -> Self {
        CommandApdu::new(header[0], header[1], header[2], header[3])
    }

    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = Zeroizing::new(data.into());
        self
    }

    /// Expected response length: 1..=65536 (256 is `00` short, 65536 is `00 00` extended).
    pub fn with_le(mut self, le: usize) -> Self {
        self.le = Some(le);
        self
    }

    /// Encode with extended Lc/Le even when short would do (e.g. to ask for a whole file at once).
    pub fn extended(mut self) -> Self {
        self.force_extended = true;
        self
    }

    pub fn data(&self) -> &[u8] {
        &self.data
    }

    pub fn le(&self) -> Option<usize> {
        self.le
    }

    /// Whether [`CommandApdu::to_bytes`] will use the extended encoding.
    pub fn is_extended(&self) -> bool {
        self.force_extended
            || self.data.len() > SHORT_LC_MAX
            || self.le.is_some_and(|le| le > SHORT_LE_MAX)
    }

    /// The encoded APDU (cases 1–4, short or extended), wiped on drop since it may carry a PIN.
    pub fn to_bytes(&self) -> Result<Zeroizing<Vec<u8>>, CardError> {
        if self.data.len() > EXTENDED_LC_MAX {
            return Err(CardError::Malformed(
                "command data longer than 65535 bytes".into(),
            ));
        }
        if let Some(le) = self.le {
            if le == 0 || le > EXTENDED_LE_MAX {
                return Err(CardError::Malformed(format!("Le {le} out of range")));
            }
        }
        let mut out = Zeroizing::new(Vec::with_capacity(4 + 3 + self.data.len() + 3));
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        let extended = self.is_extended();
        if !self.data.is_empty() {
            if extended {
                let lc = self.data.len() as u16;
                out.push(0x00);
                out.extend_from_slice(&lc.to_be_bytes());
            } else {
                out.push(self.data.len() as u8);
            }
            out.extend_from_slice(&self.data);
        }
        if let Some(le) = self.le {
            if extended {
                // Case 2E has a leading 00; case 4E's Lc already carried it.
                if self.data.is_empty() {
                    out.push(0x00);
                }
                out.extend_from_slice(&((le % EXTENDED_LE_MAX) as u16).to_be_bytes());
            } else {
                out.push((le % SHORT_LE_MAX) as u8);
            }
        }
        Ok(out)
    }

    /// Parses an APDU written as hex (spaces and colons allowed), e.g. an MSE:SET from a profile.
    pub fn parse(bytes: &[u8]) -> Result<Self, CardError> {
        let bad = |why: &str| CardError::Malformed(format!("command APDU: {why}"));
        if bytes.len() < 4 {
            return Err(bad("shorter than 4 bytes"));
        }
        let apdu = CommandApdu::new(bytes[0], bytes[1], bytes[2], bytes[3]);
        let body = &bytes[4..];
        match body.len() {
            0 => Ok(apdu),
            1 => Ok(apdu.with_le(le_short(body[0]))),
            _ if body[0] != 0 => {
                let lc = body[0] as usize;
                match body.len() - 1 {
                    n if n == lc => Ok(apdu.with_data(body[1..].to_vec())),
                    n if n == lc + 1 => Ok(apdu
                        .with_data(body[1..1 + lc].to_vec())
                        .with_le(le_short(body[lc + 1]))),
                    _ => Err(bad("Lc does not match the data length")),
                }
            }
            2 => Err(bad("two bytes after the header")),
            3 => Ok(apdu.with_le(le_extended(body[1], body[2])).extended()),
            _ => {
                let lc = u16::from_be_bytes([body[1], body[2]]) as usize;
                let rest = &body[3..];
                if lc == 0 {
                    return Err(bad("extended Lc of zero"));
                }
                match rest.len() {
                    n if n == lc => Ok(apdu.with_data(rest.to_vec()).extended()),
                    n if n == lc + 2 => Ok(apdu
                        .with_data(rest[..lc].to_vec())
                        .with_le(le_extended(rest[lc], rest[lc + 1]))
                        .extended()),
                    _ => Err(bad("extended Lc does not match the data length")),
                }
            }
        }
    }
}

fn le_short(b: u8) -> usize {
    if b == 0 {
        SHORT_LE_MAX
    } else {
        b as usize
    }
}

fn le_extended(hi: u8, lo: u8) -> usize {
    match u16::from_be_bytes([hi, lo]) {
        0 => EXTENDED_LE_MAX,
        n => n as usize,
    }
}

impl std::fmt::Debug for CommandApdu {
    // Never print the data: VERIFY carries the PIN.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CommandApdu({}, {} data bytes, le {:?})",
            hex::encode_upper([self.cla, self.ins, self.p1, self.p2]),
            self.data.len(),
            self.le
        )
    }
}

/// A response APDU split into its data and status word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseApdu {
    pub data: Vec<u8>,
    pub sw: u16,
}

impl ResponseApdu {
    /// Splits raw response bytes; fewer than two bytes is a malformed response.
    pub fn parse(raw: &[u8]) -> Result<Self, CardError> {
        if raw.len() < 2 {
            return Err(CardError::Malformed(format!(
                "response of {} bytes has no status word",
                raw.len()
            )));
        }
        let (data, sw) = raw.split_at(raw.len() - 2);
        Ok(ResponseApdu {
            data: data.to_vec(),
            sw: u16::from_be_bytes([sw[0], sw[1]]),
        })
    }

    pub fn sw1(&self) -> u8 {
        (self.sw >> 8) as u8
    }

    pub fn sw2(&self) -> u8 {
        self.sw as u8
    }

    pub fn is_ok(&self) -> bool {
        self.sw == 0x9000
    }

    /// The data when the status is 9000, else the typed error for the status word.
    pub fn into_ok(self) -> Result<Vec<u8>, CardError> {
        if self.is_ok() {
            Ok(self.data)
        } else {
            Err(CardError::from_sw(self.sw))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::parse_hex;

    fn hex(apdu: &CommandApdu) -> String {
        hex::encode_upper(apdu.to_bytes().unwrap())
    }

    #[test]
    fn short_cases() {
        assert_eq!(hex(&CommandApdu::new(0, 0x20, 0, 0x80)), "00200080");
        assert_eq!(
            hex(&CommandApdu::new(0, 0xB0, 1, 0).with_le(256)),
            "00B0010000"
        );
        assert_eq!(
            hex(&CommandApdu::new(0, 0xB0, 1, 0).with_le(17)),
            "00B0010011"
        );
        assert_eq!(
            hex(&CommandApdu::new(0, 0xA4, 2, 0x0C).with_data(vec![0, 1])),
            "00A4020C020001"
        );
        assert_eq!(
            hex(&CommandApdu::new(0x80, 0x2A, 0, 0x80)
                .with_data(vec![7; 3])
                .with_le(256)),
            "802A00800307070700"
        );
    }

    #[test]
    fn extended_cases() {
        assert_eq!(
            hex(&CommandApdu::new(0, 0xB0, 0, 0).with_le(65536)),
            "00B00000000000"
        );
        assert_eq!(
            hex(&CommandApdu::new(0, 0xB0, 0, 0).with_le(300)),
            "00B0000000012C"
        );
        assert_eq!(
            hex(&CommandApdu::new(0, 0xB0, 0, 0).with_le(256).extended()),
            "00B00000000100"
        );
        let long = CommandApdu::new(0, 0x2A, 0x9E, 0x9A)
            .with_data(vec![1; 300])
            .with_le(256);
        let bytes = long.to_bytes().unwrap();
        assert_eq!(&bytes[..7], &[0, 0x2A, 0x9E, 0x9A, 0, 0x01, 0x2C]);
        assert_eq!(&bytes[bytes.len() - 2..], &[0x01, 0x00]);
        assert_eq!(bytes.len(), 4 + 3 + 300 + 2);
    }

    #[test]
    fn out_of_range_le_is_an_error() {
        assert!(CommandApdu::new(0, 0, 0, 0).with_le(0).to_bytes().is_err());
        assert!(CommandApdu::new(0, 0, 0, 0)
            .with_le(65537)
            .to_bytes()
            .is_err());
    }

    #[test]
    fn parse_round_trips() {
        for text in [
            "00200081",
            "00B0000000",
            "0022 41B6 06 800142840101",
            "802A0080030102 0300",
            "00B00000000000",
            "002A9E9A0000030102030100",
        ] {
            let bytes = parse_hex(text).unwrap();
            let apdu = CommandApdu::parse(&bytes).unwrap();
            assert_eq!(
                apdu.to_bytes().unwrap().as_slice(),
                bytes.as_slice(),
                "{text}"
            );
        }
        assert!(CommandApdu::parse(&[0, 0xA4, 4]).is_err());
        assert!(CommandApdu::parse(&parse_hex("00A4040C05 0102").unwrap()).is_err());
    }

    #[test]
    fn response_split() {
        let r = ResponseApdu::parse(&[1, 2, 0x90, 0]).unwrap();
        assert_eq!(r.data, vec![1, 2]);
        assert!(r.is_ok());
        assert!(ResponseApdu::parse(&[0x90]).is_err());
    }

    #[test]
    fn debug_does_not_show_data() {
        let apdu = CommandApdu::new(0, 0x20, 0, 0x80).with_data(b"SECRET1".to_vec());
        assert!(!format!("{apdu:?}").contains("53"));
        assert!(!format!("{apdu:?}").contains("SECRET"));
    }
}
