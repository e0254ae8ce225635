//! The driver for cards described by a [`Profile`] (ISO 7816-4/8 commands with the profile's ids).
//!
//! APDU counts for a ~1.2 KB certificate: detection 1 (SELECT application); `read_certificate` 2 on an
//! extended-length card (SELECT EF + one extended READ BINARY) or 6 on a short-APDU card (SELECT EF + 5 READ
//! BINARYs of 256 bytes); `pin_status` 1 (0 when the profile has no free status query); `verify_pin` 1;
//! `sign_sha256` 2 with MSE:SET (the example profile `ebid-test-ca`), +1 with a key EF to select. Add 1 to the PIN
//! commands when the profile selects a PIN EF first.

use ebid_protocol::Pin;

use super::iso::{read_der_file, select_aid, select_ef, sha256_digest_info};
use super::jpki::{non_empty_signature, pin_state_from_sw};
use super::{
    CardDriver, CardLabel, PinBlock, PinPadVerify, PinRules, PinState, Profile, SignInput,
};
use crate::card::{transmit, transmit_ok, ApduTransport, CardError, CommandApdu};

#[derive(Debug, Clone)]
pub struct ProfileDriver {
    profile: Profile,
    extended_length: bool,
}

impl ProfileDriver {
    /// `atr` decides extended length when the profile leaves it open.
    pub fn new(profile: Profile, atr: &[u8]) -> Self {
        let extended_length = profile
            .extended_length
            .unwrap_or_else(|| super::supports_extended_length(atr));
        ProfileDriver {
            profile,
            extended_length,
        }
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    pub fn extended_length(&self) -> bool {
        self.extended_length
    }

    fn verify_header(&self) -> [u8; 4] {
        [0x00, 0x20, 0x00, self.profile.pin.reference]
    }

    fn block(&self) -> PinBlock {
        PinBlock {
            encoding: self.profile.pin.encoding,
            pad_byte: self.profile.pin.pad_byte,
            block_length: self.profile.pin.block_length,
        }
    }

    fn select_pin_ef(&self, t: &mut dyn ApduTransport) -> Result<(), CardError> {
        match self.profile.pin.select_ef {
            Some(ef) => select_ef(t, ef),
            None => Ok(()),
        }
    }
}

impl CardDriver for ProfileDriver {
    fn card_type(&self) -> String {
        self.profile.card_type()
    }

    fn label(&self) -> CardLabel {
        self.profile.label.clone()
    }

    fn pin_rules(&self) -> PinRules {
        PinRules {
            min_length: self.profile.pin.min_length,
            max_length: self.profile.pin.max_length,
            charset: self.profile.pin.charset,
        }
    }

    fn select_application(&self, t: &mut dyn ApduTransport) -> Result<(), CardError> {
        select_aid(t, &self.profile.aid)
    }

    fn read_certificate(&self, t: &mut dyn ApduTransport) -> Result<Vec<u8>, CardError> {
        select_ef(t, self.profile.certificate_ef)?;
        read_der_file(t, self.extended_length)
    }

    fn pin_status(&self, t: &mut dyn ApduTransport) -> Result<PinState, CardError> {
        if !self.profile.pin.status_query {
            // Asking would cost a try on this card.
            return Ok(PinState {
                tries_left: None,
                blocked: false,
                verified: false,
            });
        }
        self.select_pin_ef(t)?;
        let response = transmit(t, &CommandApdu::from_header(self.verify_header()))?;
        pin_state_from_sw(response.sw)
    }

    fn verify_pin(&self, t: &mut dyn ApduTransport, pin: &Pin) -> Result<(), CardError> {
        let encoded = self.block().encode(pin.expose(), &self.pin_rules())?;
        self.select_pin_ef(t)?;
        transmit_ok(
            t,
            &CommandApdu::from_header(self.verify_header()).with_data(encoded.to_vec()),
        )
        .map(drop)
    }

    fn prepare_pin_pad_verify(&self, t: &mut dyn ApduTransport) -> Result<(), CardError> {
        self.select_pin_ef(t)
    }

    fn pin_pad_verify(&self) -> PinPadVerify {
        PinPadVerify {
            header: self.verify_header(),
            block: self.block(),
            min_length: self.profile.pin.min_length,
            max_length: self.profile.pin.max_length,
        }
    }

    fn sign_sha256(
        &self,
        t: &mut dyn ApduTransport,
        digest: &[u8; 32],
    ) -> Result<Vec<u8>, CardError> {
        let sign = &self.profile.sign;
        if let Some(ef) = sign.select_key_ef {
            select_ef(t, ef)?;
        }
        if let Some(mse) = &sign.mse_set {
            transmit_ok(t, &CommandApdu::parse(mse)?)?;
        }
        let input = match sign.input {
            SignInput::DigestInfo => sha256_digest_info(digest),
        };
        let command = CommandApdu::from_header(sign.header)
            .with_data(input)
            .with_le(256);
        non_empty_signature(transmit_ok(t, &command)?)
    }
}
