//! Which token of the configured modules is the card in a PC/SC reader, and which of its certificates signs.
//!
//! - A slot is the reader's when the module's config names that reader (`reader = ...`: software tokens,
//!   middleware whose slots do not name readers), or when its slot description is the reader's name. PKCS#11 slot
//!   descriptions are 64 bytes, blank padded: a longer reader name is compared on its first 64 bytes. (OpenSC
//!   names its slots after the reader, one slot per PIN of the card.)
//! - The signing certificate is the one whose key usage has non-repudiation (contentCommitment): the e-bidding
//!   CAs' and JPKI's signature certificates carry it, authentication certificates do not. Without one, a
//!   certificate with digitalSignature; without that, the first certificate. Among equals the first module in the
//!   config, then the lowest slot, wins. Its private key is the one with the same `CKA_ID` (card.rs).

use std::path::PathBuf;

use cryptoki::context::Pkcs11;
use cryptoki::object::{Attribute, AttributeType, ObjectClass};
use cryptoki::slot::Slot;
use x509_parser::prelude::{FromDer, X509Certificate};

use super::config::{ModuleConfig, Pkcs11Config};
use super::modules::{module, ModuleError};

/// PKCS#11 slot descriptions are this long (CK_SLOT_INFO).
const SLOT_DESCRIPTION_LEN: usize = 64;

/// Why a certificate was (or would be) chosen to sign, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Choice {
    NonRepudiation,
    DigitalSignature,
    Other,
}

impl Choice {
    pub fn reason(self) -> &'static str {
        match self {
            Choice::NonRepudiation => "key usage non-repudiation (signature certificate)",
            Choice::DigitalSignature => {
                "key usage digitalSignature (no non-repudiation certificate)"
            }
            Choice::Other => "first certificate (none has a signing key usage)",
        }
    }
}

/// One certificate object on one token.
#[derive(Debug, Clone)]
pub struct FoundCertificate {
    pub der: Vec<u8>,
    pub id: Vec<u8>,
    pub label: String,
    pub subject: String,
    pub choice: Choice,
}

/// One token with a slot in the reader.
#[derive(Clone)]
pub struct FoundToken {
    pub module_path: PathBuf,
    pub module: Pkcs11,
    pub slot: Slot,
    pub label: String,
    pub slot_description: String,
    pub certificates: Vec<FoundCertificate>,
}

/// What the modules show for a reader: its tokens, and the modules that failed.
#[derive(Default)]
pub struct Survey {
    pub tokens: Vec<FoundToken>,
    pub failures: Vec<ModuleError>,
}

impl Survey {
    /// The token and certificate to sign with (see the module docs), if any certificate is visible.
    pub fn signing(&self) -> Option<(&FoundToken, &FoundCertificate)> {
        self.tokens
            .iter()
            .flat_map(|t| t.certificates.iter().map(move |c| (t, c)))
            .min_by_key(|(_, c)| c.choice)
    }
}

/// Asks every configured module for tokens in `reader` (`None`: every token, for doctor).
pub fn survey(config: &Pkcs11Config, reader: Option<&str>) -> Survey {
    let mut survey = Survey::default();
    for entry in &config.modules {
        match survey_module(entry, reader) {
            Ok(tokens) => survey.tokens.extend(tokens),
            Err(e) => {
                log::warn!("{e}");
                survey.failures.push(e);
            }
        }
    }
    survey
}

fn survey_module(
    entry: &ModuleConfig,
    reader: Option<&str>,
) -> Result<Vec<FoundToken>, ModuleError> {
    let path = &entry.path;
    let module = module(path)?;
    let slots = module
        .get_slots_with_token()
        .map_err(|e| ModuleError::new(path, format!("C_GetSlotList: {e}")))?;
    let mut tokens = Vec::new();
    for slot in slots {
        let info = module
            .get_slot_info(slot)
            .map_err(|e| ModuleError::new(path, format!("C_GetSlotInfo: {e}")))?;
        let description = info.slot_description().trim_end().to_owned();
        let ours = match (reader, &entry.reader) {
            (None, _) => true,
            (Some(reader), Some(pinned)) => pinned == reader,
            (Some(reader), None) => names_reader(&description, reader),
        };
        if !ours {
            continue;
        }
        let token = match module.get_token_info(slot) {
            // A blank token (SoftHSM's free slot) holds nothing.
            Ok(token) if !token.token_initialized() => continue,
            Ok(token) => token,
            // Pulled out between the slot list and now.
            Err(e) => {
                log::debug!(
                    "{}: slot {}: C_GetTokenInfo: {e}",
                    path.display(),
                    slot.id()
                );
                continue;
            }
        };
        let certificates = match certificates(&module, slot) {
            Ok(certificates) => certificates,
            Err(e) => {
                log::warn!(
                    "{}: slot {}: reading its certificates: {e}",
                    path.display(),
                    slot.id()
                );
                Vec::new()
            }
        };
        tokens.push(FoundToken {
            module_path: path.clone(),
            module: module.clone(),
            slot,
            label: token.label().trim_end().to_owned(),
            slot_description: description,
            certificates,
        });
    }
    Ok(tokens)
}

/// Whether a slot description (blanks trimmed) is the reader's name, within the 64 bytes a description holds.
pub fn names_reader(description: &str, reader: &str) -> bool {
    if description == reader {
        return true;
    }
    let mut cut = SLOT_DESCRIPTION_LEN.min(reader.len());
    while !reader.is_char_boundary(cut) {
        cut -= 1;
    }
    reader.len() > SLOT_DESCRIPTION_LEN && reader[..cut].trim_end() == description
}

/// The certificate objects a session without login sees.
fn certificates(
    module: &Pkcs11,
    slot: Slot,
) -> Result<Vec<FoundCertificate>, cryptoki::error::Error> {
    let session = module.open_ro_session(slot)?;
    let handles = session.find_objects(&[Attribute::Class(ObjectClass::CERTIFICATE)])?;
    let mut found = Vec::new();
    for handle in handles {
        let attributes = session.get_attributes(
            handle,
            &[
                AttributeType::Value,
                AttributeType::Id,
                AttributeType::Label,
            ],
        )?;
        let (mut der, mut id, mut label) = (Vec::new(), Vec::new(), String::new());
        for attribute in attributes {
            match attribute {
                Attribute::Value(v) => der = v,
                Attribute::Id(v) => id = v,
                Attribute::Label(v) => label = String::from_utf8_lossy(&v).into_owned(),
                _ => {}
            }
        }
        let Ok((_, cert)) = X509Certificate::from_der(&der) else {
            log::debug!(
                "slot {}: certificate object {label:?} is not X.509 DER; skipped",
                slot.id()
            );
            continue;
        };
        let choice = match cert.key_usage() {
            Ok(Some(ku)) if ku.value.non_repudiation() => Choice::NonRepudiation,
            Ok(Some(ku)) if ku.value.digital_signature() => Choice::DigitalSignature,
            _ => Choice::Other,
        };
        let subject = cert.subject().to_string();
        found.push(FoundCertificate {
            der,
            id,
            label,
            subject,
            choice,
        });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::names_reader;

    #[test]
    fn slot_descriptions_name_readers_within_64_bytes() {
        assert!(names_reader("Virtual PCD 00 00", "Virtual PCD 00 00"));
        assert!(!names_reader("Virtual PCD 00 00", "Virtual PCD 00 01"));
        let long = format!("{} 00 00", "R".repeat(70));
        assert!(names_reader(&"R".repeat(64), &long));
        assert!(!names_reader(&"R".repeat(63), &long));
    }
}
