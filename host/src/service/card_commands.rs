//! The commands on the card in one reader: certificate, PIN status, PIN (typed or on the reader's pad), one
//! signature per verified PIN, forget. Each runs through `with_card` (connection.rs).

use std::time::SystemTime;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use ebid_protocol::{CertificateInfo, ErrorCode, ErrorInfo, Pin, PinInfo};

use super::pin_pad_control;
use super::CardService;
use crate::cert_summary;

impl CardService {
    /// The certificate of the card in `reader` with its summary. Read once per card connection.
    pub fn read_certificate(&mut self, reader: &str) -> Result<CertificateInfo, ErrorInfo> {
        let (der, card_type) = self.with_card(reader, "read_certificate", &mut |io| {
            if io.certificate.is_none() {
                *io.certificate = Some(io.driver.read_certificate(io.transport)?);
            }
            Ok((
                io.certificate.clone().unwrap_or_default(),
                io.driver.card_type(),
            ))
        })?;
        let summary = cert_summary::summarize(&der, SystemTime::now())?;
        Ok(CertificateInfo {
            reader: reader.to_owned(),
            card_type,
            certificate: BASE64.encode(&der),
            summary,
        })
    }

    /// Tries left, blocked state and the PIN rules of the card in `reader`.
    pub fn pin_status(&mut self, reader: &str) -> Result<PinInfo, ErrorInfo> {
        self.with_card(reader, "pin_status", &mut |io| {
            let state = io.driver.pin_status(io.transport)?;
            let rules = io.driver.pin_rules();
            Ok(PinInfo {
                tries_left: state.tries_left,
                blocked: state.blocked,
                pin_pad: io.pin_pad.is_some(),
                min_length: rules.min_length,
                max_length: rules.max_length,
                charset: rules.charset,
            })
        })
    }

    /// Verifies the PIN, or with `pin: None` asks for it on the reader's PIN pad.
    pub fn verify_pin(&mut self, reader: &str, pin: Option<&Pin>) -> Result<(), ErrorInfo> {
        self.with_card(reader, "verify_pin", &mut |io| {
            *io.verified = false;
            match pin {
                Some(pin) => io.driver.verify_pin(io.transport, pin)?,
                None => pin_pad_control::verify_on_pin_pad(io)?,
            }
            *io.verified = true;
            Ok(())
        })
    }

    /// Signs `digest` with the card in `reader`, which needs a PIN verified on this very connection. Once the
    /// signing command was attempted the card is forgotten, whether it signed or failed: one verified PIN, one
    /// signature. Forgetting resets a verified card, which logs it out; the next signature needs `verify_pin`.
    pub(super) fn sign_once(
        &mut self,
        reader: &str,
        digest: &[u8; 32],
    ) -> Result<Vec<u8>, ErrorInfo> {
        let mut pin_spent = false;
        let signed = self.with_card(reader, "sign_challenge", &mut |io| {
            if !*io.verified {
                return Err(ErrorInfo::new(ErrorCode::PinRequired)
                    .with_detail("no PIN verified on this card in this session"));
            }
            // From here on the PIN counts as spent, even if signing fails.
            pin_spent = true;
            Ok(io.driver.sign_sha256(io.transport, digest)?)
        });
        if pin_spent {
            log::debug!("{reader:?}: signature attempted; logging the card out");
            self.forget(reader);
        }
        signed
    }

    /// Forgets the card in `reader`: its verified PIN (the card is reset if it had one) and its cached data.
    pub fn forget(&mut self, reader: &str) {
        if let Some(session) = self.sessions.remove(reader) {
            session.close();
        }
    }

    /// The card type of the card in `reader` (`jpki`, `profile:<name>`), detecting it if needed.
    pub fn card_type(&mut self, reader: &str) -> Result<String, ErrorInfo> {
        self.with_card(reader, "card_type", &mut |io| Ok(io.driver.card_type()))
    }
}
