//! Card layouts emulated here, as documented in `docs/cards.md`. Kept in this crate on purpose: the virtual card
//! must not share constants with the host it tests, or a wrong constant would pass unnoticed on both sides.

/// JPKI (My Number Card) application: an authentication half and a signature half, each with its certificate,
/// the certificate's CA, a key and a PIN (docs/cards.md).
pub mod jpki {
    /// `3B E0 00 FF 81 31 FE 45 14`: no historical bytes, so hosts use short APDUs only.
    pub const ATR: &[u8] = &[0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];
    pub const AID: &[u8] = &[0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
    /// Signature certificate: readable only after the signature PIN.
    pub const EF_SIGN_CERT: u16 = 0x0001;
    /// The signature certificate's CA certificate: free to read.
    pub const EF_SIGN_CA_CERT: u16 = 0x0002;
    /// Authentication certificate: free to read.
    pub const EF_AUTH_CERT: u16 = 0x000A;
    /// The authentication certificate's CA certificate: free to read.
    pub const EF_AUTH_CA_CERT: u16 = 0x000B;
    pub const EF_AUTH_KEY: u16 = 0x0017;
    pub const EF_AUTH_PIN: u16 = 0x0018;
    pub const EF_SIGN_KEY: u16 = 0x001A;
    pub const EF_SIGN_PIN: u16 = 0x001B;
    /// VERIFY P2 for the PIN in the currently selected PIN EF.
    pub const PIN_P2: u8 = 0x80;
    /// Signature PIN: 6–16 alphanumerics, 5 tries.
    pub const DEFAULT_TRIES: u8 = 5;
    /// Authentication PIN: 4 digits, 3 tries.
    pub const AUTH_TRIES: u8 = 3;
    /// The authentication PIN a card gets when its config names none (test data).
    pub const DEFAULT_AUTH_PIN: &str = "1234";
    /// COMPUTE DIGITAL SIGNATURE: `80 2A 00 80`.
    pub const SIGN_CLA: u8 = 0x80;
    pub const SIGN_P1: u8 = 0x00;
    pub const SIGN_P2: u8 = 0x80;
}

/// The project's test "e-bidding CA card", described by the example profile `ebid-test-ca` in host/profiles/.
pub mod profile {
    /// `3B 85 80 01 80 73 00 00 40 B7`: historical bytes announce extended Lc/Le.
    pub const ATR: &[u8] = &[0x3B, 0x85, 0x80, 0x01, 0x80, 0x73, 0x00, 0x00, 0x40, 0xB7];
    /// Proprietary AID `F0` + "EBIDTEST".
    pub const AID: &[u8] = &[0xF0, 0x45, 0x42, 0x49, 0x44, 0x54, 0x45, 0x53, 0x54];
    /// Certificate EF: readable without PIN.
    pub const EF_CERT: u16 = 0xC001;
    /// VERIFY P2 (global PIN reference 81).
    pub const PIN_REFERENCE: u8 = 0x81;
    /// PINs are ASCII digits padded with `FF` to this length.
    pub const PIN_BLOCK_LEN: usize = 8;
    pub const PIN_PAD_BYTE: u8 = 0xFF;
    pub const DEFAULT_TRIES: u8 = 3;
    /// MSE:SET for digital signature: `00 22 41 B6`.
    pub const MSE_P1: u8 = 0x41;
    pub const MSE_P2_DST: u8 = 0xB6;
    /// Algorithm reference: RSA PKCS#1 v1.5 over a DigestInfo.
    pub const ALGORITHM_RSA_PKCS1_DIGESTINFO: u8 = 0x42;
    pub const KEY_REFERENCE: u8 = 0x01;
    /// PSO:COMPUTE DIGITAL SIGNATURE: `00 2A 9E 9A`.
    pub const PSO_CDS_P1: u8 = 0x9E;
    pub const PSO_CDS_P2: u8 = 0x9A;
}

/// A card no driver knows: answers `6A82` to any SELECT.
pub mod unknown {
    /// Direct convention, T=1, historical bytes `00 73 C8 40 00 00 90 00` (category 00 with a status at the end).
    pub const ATR: &[u8] = &[
        0x3B, 0x88, 0x80, 0x01, 0x00, 0x73, 0xC8, 0x40, 0x00, 0x00, 0x90, 0x00, 0x62,
    ];
}

/// ISO 7816-4 instruction bytes.
pub mod ins {
    pub const SELECT: u8 = 0xA4;
    pub const READ_BINARY: u8 = 0xB0;
    pub const VERIFY: u8 = 0x20;
    pub const MANAGE_SECURITY_ENVIRONMENT: u8 = 0x22;
    /// PERFORM SECURITY OPERATION (ISO) and JPKI's COMPUTE DIGITAL SIGNATURE share this byte.
    pub const SIGN: u8 = 0x2A;
}

/// Status words the cards answer with.
pub mod sw {
    pub const OK: u16 = 0x9000;
    pub const END_OF_FILE: u16 = 0x6282;
    /// `63Cx`: wrong PIN, x tries left.
    pub const WRONG_PIN_BASE: u16 = 0x63C0;
    pub const WRONG_LENGTH: u16 = 0x6700;
    pub const INCOMPATIBLE_FILE: u16 = 0x6981;
    pub const SECURITY_NOT_SATISFIED: u16 = 0x6982;
    pub const PIN_BLOCKED: u16 = 0x6983;
    pub const CONDITIONS_NOT_SATISFIED: u16 = 0x6985;
    pub const NO_CURRENT_EF: u16 = 0x6986;
    pub const WRONG_DATA: u16 = 0x6A80;
    pub const NOT_FOUND: u16 = 0x6A82;
    pub const WRONG_P1P2: u16 = 0x6A86;
    pub const REFERENCE_NOT_FOUND: u16 = 0x6A88;
    pub const OFFSET_OUTSIDE_EF: u16 = 0x6B00;
    pub const INS_NOT_SUPPORTED: u16 = 0x6D00;
    pub const CLA_NOT_SUPPORTED: u16 = 0x6E00;
}

/// TCK of an ATR: XOR of every byte after TS. Used by tests to prove the ATRs above are well formed.
pub fn atr_check_byte(atr_without_tck: &[u8]) -> u8 {
    atr_without_tck.iter().skip(1).fold(0, |acc, b| acc ^ b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atrs_with_t1_carry_a_correct_check_byte() {
        for atr in [jpki::ATR, profile::ATR, unknown::ATR] {
            let (body, tck) = atr.split_at(atr.len() - 1);
            assert_eq!(atr_check_byte(body), tck[0], "{atr:02X?}");
        }
    }
}
