//! ISO 7816-4 commands shared by the drivers: SELECT, READ BINARY of a DER certificate, and the SHA-256
//! DigestInfo a PKCS#1 v1.5 signature covers.

use crate::card::{
    transmit, transmit_ok, ApduTransport, CardError, CommandApdu, EXTENDED_LE_MAX, SHORT_LE_MAX,
};

/// Certificates larger than this are not certificates: stops a misbehaving card early.
const MAX_CERTIFICATE_BYTES: usize = 32 * 1024;
/// READ BINARY without SFI takes a 15-bit offset.
const MAX_READ_OFFSET: usize = 0x7FFF;

/// `00 A4 04 0C Lc <AID>`: select an application by name, no response data.
pub fn select_aid(t: &mut dyn ApduTransport, aid: &[u8]) -> Result<(), CardError> {
    transmit_ok(
        t,
        &CommandApdu::new(0x00, 0xA4, 0x04, 0x0C).with_data(aid.to_vec()),
    )
    .map(drop)
}

/// [`select_aid`], telling "not this application" (`Ok(false)`) from a failing transport (`Err`).
pub fn try_select_aid(t: &mut dyn ApduTransport, aid: &[u8]) -> Result<bool, CardError> {
    match select_aid(t, aid) {
        Ok(()) => Ok(true),
        Err(CardError::Transport(e)) => Err(CardError::Transport(e)),
        Err(_) => Ok(false),
    }
}

/// `00 A4 02 0C 02 <EF>`: select an elementary file under the current DF, no response data.
pub fn select_ef(t: &mut dyn ApduTransport, ef: [u8; 2]) -> Result<(), CardError> {
    transmit_ok(
        t,
        &CommandApdu::new(0x00, 0xA4, 0x02, 0x0C).with_data(ef.to_vec()),
    )
    .map(drop)
}

/// Reads the DER certificate in the currently selected EF with as few READ BINARYs as the card allows.
///
/// Short-APDU cards: 256-byte chunks (Le `00`), the last one asking only for what the DER header says is left.
/// Extended-length cards: one READ BINARY with Le `00 00` (65536); `6282` (end of file first) is fine.
pub fn read_der_file(t: &mut dyn ApduTransport, extended: bool) -> Result<Vec<u8>, CardError> {
    let chunk = if extended {
        EXTENDED_LE_MAX
    } else {
        SHORT_LE_MAX
    };
    let mut data: Vec<u8> = Vec::new();
    let mut total: Option<usize> = None;
    loop {
        let offset = data.len();
        if offset > MAX_READ_OFFSET {
            return Err(CardError::Malformed(
                "certificate beyond READ BINARY's offset range".into(),
            ));
        }
        let want = total.map_or(chunk, |n| (n - offset).min(chunk));
        let mut read =
            CommandApdu::new(0x00, 0xB0, (offset >> 8) as u8, offset as u8).with_le(want);
        if extended {
            read = read.extended();
        }
        let response = transmit(t, &read)?;
        let end_of_file = match response.sw {
            0x9000 => false,
            0x6282 => true,
            sw => return Err(CardError::from_sw(sw)),
        };
        let got = response.data.len();
        data.extend_from_slice(&response.data);
        if total.is_none() {
            total = der_length(&data)?;
        }
        if let Some(n) = total {
            if data.len() >= n {
                data.truncate(n);
                return Ok(data);
            }
        }
        if end_of_file || got == 0 {
            return Err(CardError::Malformed(
                "certificate file ends before its DER length".into(),
            ));
        }
    }
}

/// Total length (header included) of the DER SEQUENCE at the start of `head`; `Ok(None)` if `head` is too short
/// to tell yet.
pub fn der_length(head: &[u8]) -> Result<Option<usize>, CardError> {
    let malformed = |why: &str| CardError::Malformed(why.to_owned());
    let Some(&tag) = head.first() else {
        return Ok(None);
    };
    if tag != 0x30 {
        return Err(malformed(
            "the certificate file does not start with a DER SEQUENCE (empty card?)",
        ));
    }
    let Some(&first) = head.get(1) else {
        return Ok(None);
    };
    let total = match first {
        0x00..=0x7F => first as usize + 2,
        0x81..=0x83 => {
            let n = (first & 0x7F) as usize;
            let Some(bytes) = head.get(2..2 + n) else {
                return Ok(None);
            };
            bytes.iter().fold(0usize, |acc, &b| acc << 8 | b as usize) + 2 + n
        }
        _ => {
            return Err(malformed(
                "unsupported DER length in the certificate header",
            ))
        }
    };
    if total > MAX_CERTIFICATE_BYTES {
        return Err(malformed(
            "certificate length in the DER header is implausibly large",
        ));
    }
    Ok(Some(total))
}

/// DER prefix of a SHA-256 DigestInfo (RFC 8017, section 9.2, note 1).
const SHA256_DIGEST_INFO_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// The 51-byte DigestInfo that a card pads and signs as PKCS#1 v1.5.
pub fn sha256_digest_info(digest: &[u8; 32]) -> Vec<u8> {
    let mut out = SHA256_DIGEST_INFO_PREFIX.to_vec();
    out.extend_from_slice(digest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::{Budget, Budgeted, OverBudget, TransportError, MAX_APDUS_PER_OPERATION};
    use ebid_protocol::{ErrorCode, ErrorInfo};

    #[test]
    fn der_lengths() {
        assert_eq!(der_length(&[]), Ok(None));
        assert_eq!(der_length(&[0x30]), Ok(None));
        assert_eq!(der_length(&[0x30, 0x05]), Ok(Some(7)));
        assert_eq!(der_length(&[0x30, 0x81, 0x90]), Ok(Some(0x93)));
        assert_eq!(der_length(&[0x30, 0x82, 0x04]), Ok(None));
        assert_eq!(der_length(&[0x30, 0x82, 0x04, 0xB0]), Ok(Some(0x4B4)));
        assert!(der_length(&[0xFF, 0xFF]).is_err());
        assert!(der_length(&[0x30, 0x80]).is_err());
        assert!(der_length(&[0x30, 0x84, 1, 2, 3, 4]).is_err());
        assert!(der_length(&[0x30, 0x83, 0x01, 0x00, 0x00]).is_err());
    }

    /// Answers each READ BINARY with the next byte of a 16 KiB certificate's header and zeros, one byte at a time.
    struct OneByteAtATime {
        offset: usize,
    }

    impl ApduTransport for OneByteAtATime {
        fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
            let byte = [0x30, 0x82, 0x3F, 0xF0]
                .get(self.offset)
                .copied()
                .unwrap_or(0);
            self.offset += 1;
            Ok(vec![byte, 0x90, 0x00])
        }
    }

    #[test]
    fn a_card_answering_one_byte_per_read_costs_the_budget_not_the_file() {
        let mut t = Budgeted::new(OneByteAtATime { offset: 0 }, Budget::OPERATION);
        let error = read_der_file(&mut t, false).unwrap_err();
        let over = OverBudget::Commands(MAX_APDUS_PER_OPERATION);
        assert_eq!(
            error,
            CardError::Transport(TransportError::OverBudget(over))
        );
        assert_eq!(t.sent(), MAX_APDUS_PER_OPERATION);
        let info = ErrorInfo::from(error);
        assert_eq!(info.code, ErrorCode::CardError);
        assert_eq!(
            info.detail.as_deref(),
            Some("the card needed more than 256 commands")
        );
    }

    #[test]
    fn digest_info_is_51_bytes() {
        let di = sha256_digest_info(&[0xAB; 32]);
        assert_eq!(di.len(), 51);
        assert_eq!(&di[..4], &[0x30, 0x31, 0x30, 0x0D]);
        assert_eq!(di[50], 0xAB);
    }
}
