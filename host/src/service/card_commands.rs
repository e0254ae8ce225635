//! The commands on the card in one reader, as its card thread runs them (lanes.rs): certificate, PIN status, PIN
//! (typed or on the reader's pad), one signature per verified PIN, forget. Each runs through `with_card`
//! (connection.rs).

use std::time::SystemTime;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use ebid_protocol::{CertificateInfo, ErrorCode, ErrorInfo, Pin, PinInfo, Reply};

use super::card_session::Access;
use super::challenge::signature_reply;
use super::connection::ReaderConnection;
use super::lanes::Claim;
use super::pin_pad_control;
use crate::cert_summary;

/// One command on one card. A PIN in it is wiped when the command is dropped, run or not.
pub enum CardOp {
    ReadCertificate,
    PinStatus,
    /// `None`: on the reader's PIN pad.
    VerifyPin(Option<Pin>),
    /// The digest `sign_challenge` computed (service/challenge.rs).
    Sign([u8; 32]),
    Forget,
}

impl CardOp {
    /// The wire name of the command, for logs.
    pub fn name(&self) -> &'static str {
        match self {
            CardOp::ReadCertificate => "read_certificate",
            CardOp::PinStatus => "pin_status",
            CardOp::VerifyPin(_) => "verify_pin",
            CardOp::Sign(_) => "sign_challenge",
            CardOp::Forget => "forget",
        }
    }

    /// The bidder types the PIN on the reader: the command takes as long as they do.
    pub fn uses_pin_pad(&self) -> bool {
        matches!(self, CardOp::VerifyPin(None))
    }

    pub fn run(self, connection: &mut ReaderConnection, claim: &Claim) -> Result<Reply, ErrorInfo> {
        match self {
            CardOp::ReadCertificate => Ok(Reply::Certificate(connection.read_certificate(claim)?)),
            CardOp::PinStatus => Ok(Reply::PinStatus(connection.pin_status(claim)?)),
            CardOp::VerifyPin(pin) => {
                connection.verify_pin(claim, pin.as_ref())?;
                Ok(Reply::PinVerified)
            }
            CardOp::Sign(digest) => {
                let signature = connection.sign_once(claim, &digest)?;
                Ok(signature_reply(&signature, &digest))
            }
            CardOp::Forget => {
                connection.forget();
                Ok(Reply::Forgotten)
            }
        }
    }
}

impl ReaderConnection {
    /// The certificate of the card with its summary. Read once per card connection.
    fn read_certificate(&mut self, claim: &Claim) -> Result<CertificateInfo, ErrorInfo> {
        let (der, card_type) =
            self.with_card(claim, "read_certificate", &mut |access| match access {
                Access::Native(io) => {
                    if io.certificate.is_none() {
                        *io.certificate = Some(io.driver.read_certificate(io.transport)?);
                    }
                    Ok((
                        io.certificate.clone().unwrap_or_default(),
                        io.driver.card_type(),
                    ))
                }
                Access::Pkcs11(token) => Ok((token.certificate()?, token.card_type())),
            })?;
        let summary = cert_summary::summarize(&der, SystemTime::now())?;
        Ok(CertificateInfo {
            reader: self.reader().to_owned(),
            card_type,
            certificate: BASE64.encode(&der),
            summary,
        })
    }

    /// Tries left, blocked state and the PIN rules of the card.
    fn pin_status(&mut self, claim: &Claim) -> Result<PinInfo, ErrorInfo> {
        self.with_card(claim, "pin_status", &mut |access| match access {
            Access::Native(io) => {
                let state = io.driver.pin_status(io.transport)?;
                Ok(state.to_pin_info(&io.driver.pin_rules(), io.pin_pad.is_some()))
            }
            Access::Pkcs11(token) => {
                let (state, rules, pin_pad) = token.pin_state()?;
                Ok(state.to_pin_info(&rules, pin_pad))
            }
        })
    }

    /// Verifies the PIN, or with `pin: None` asks for it on the reader's PIN pad.
    fn verify_pin(&mut self, claim: &Claim, pin: Option<&Pin>) -> Result<(), ErrorInfo> {
        self.with_card(claim, "verify_pin", &mut |access| match access {
            Access::Native(mut io) => {
                *io.verified = false;
                match pin {
                    Some(pin) => io.driver.verify_pin(io.transport, pin)?,
                    None => pin_pad_control::verify_on_pin_pad(&mut io)?,
                }
                *io.verified = true;
                Ok(())
            }
            Access::Pkcs11(token) => token.verify_pin(pin),
        })
    }

    /// Signs `digest`, which needs a PIN verified on this very connection. Once the signing command was attempted
    /// the card is forgotten, whether it signed or failed: one verified PIN, one signature. Forgetting resets a
    /// verified card, which logs it out (a PKCS#11 token: C_Logout); the next signature needs `verify_pin`.
    fn sign_once(&mut self, claim: &Claim, digest: &[u8; 32]) -> Result<Vec<u8>, ErrorInfo> {
        let mut pin_spent = false;
        let signed = self.with_card(claim, "sign_challenge", &mut |access| {
            let verified = match &access {
                Access::Native(io) => *io.verified,
                Access::Pkcs11(token) => token.is_verified(),
            };
            if !verified {
                return Err(ErrorInfo::new(ErrorCode::PinRequired)
                    .with_detail("no PIN verified on this card in this session"));
            }
            // From here on the PIN counts as spent, even if signing fails.
            pin_spent = true;
            match access {
                Access::Native(io) => Ok(io.driver.sign_sha256(io.transport, digest)?),
                Access::Pkcs11(token) => token.sign_sha256(digest),
            }
        });
        if pin_spent {
            log::debug!(
                "{:?}: signature attempted; logging the card out",
                self.reader()
            );
            self.forget();
        }
        signed
    }
}
