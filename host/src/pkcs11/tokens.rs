//! Which token of the configured modules is the card in a PC/SC reader, and which of its certificates signs.
//!
//! - A slot is the reader's when the module's config names that reader (`reader = ...`: software tokens,
//!   middleware whose slots do not name readers), or when its slot description is the reader's name. PKCS#11 slot
//!   descriptions are 64 bytes, blank padded: a longer reader name is compared on its first 64 bytes. (OpenSC
//!   names its slots after the reader, one slot per PIN of the card.)
//! - The signing certificate is the one whose key usage has non-repudiation (contentCommitment): the e-bidding
//!   CAs' and JPKI's signature certificates carry it, authentication certificates do not. Next comes a key whose
//!   certificate the token shows only after the PIN (a key object with no certificate of its `CKA_ID`): JPKI's
//!   signature certificate is read-protected, so OpenSC shows only its public key before login, while the
//!   authentication certificate is public. Then a certificate with digitalSignature; then the first one. CA
//!   certificates (basicConstraints cA) never sign. Among equals the first module in the config, then the lowest
//!   slot, wins. The private key is the one with the same `CKA_ID` (card.rs).

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
    HiddenUntilLogin,
    DigitalSignature,
    Other,
}

impl Choice {
    pub fn reason(self) -> &'static str {
        match self {
            Choice::NonRepudiation => "key usage non-repudiation (signature certificate)",
            Choice::HiddenUntilLogin => {
                "a key whose certificate the token shows only after the PIN (JPKI's signature key)"
            }
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
    /// `CKA_ID`s of key objects without a visible certificate: their certificate needs the PIN.
    pub hidden: Vec<Vec<u8>>,
}

/// The key to sign with: its `CKA_ID`, and its certificate when the token shows it before login.
pub struct Signing<'a> {
    pub token: &'a FoundToken,
    pub id: Vec<u8>,
    pub certificate: Option<&'a FoundCertificate>,
    pub choice: Choice,
}

/// What the modules show for a reader: its tokens, and the modules that failed.
#[derive(Default)]
pub struct Survey {
    pub tokens: Vec<FoundToken>,
    pub failures: Vec<ModuleError>,
}

impl Survey {
    /// The key to sign with (see the module docs), if the tokens show any.
    pub fn signing(&self) -> Option<Signing<'_>> {
        let mut best: Option<Signing<'_>> = None;
        for token in &self.tokens {
            let visible = token.certificates.iter().map(|c| Signing {
                token,
                id: c.id.clone(),
                certificate: Some(c),
                choice: c.choice,
            });
            let hidden = token.hidden.iter().map(|id| Signing {
                token,
                id: id.clone(),
                certificate: None,
                choice: Choice::HiddenUntilLogin,
            });
            for candidate in visible.chain(hidden) {
                if best.as_ref().is_none_or(|b| candidate.choice < b.choice) {
                    best = Some(candidate);
                }
            }
        }
        best
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
        let (certificates, hidden) = match objects(&module, slot) {
            Ok(found) => found,
            Err(e) => {
                log::warn!(
                    "{}: slot {}: reading its objects: {e}",
                    path.display(),
                    slot.id()
                );
                (Vec::new(), Vec::new())
            }
        };
        tokens.push(FoundToken {
            module_path: path.clone(),
            module: module.clone(),
            slot,
            label: token.label().trim_end().to_owned(),
            slot_description: description,
            certificates,
            hidden,
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

/// The end-entity certificates a session without login sees, and the `CKA_ID`s of keys it sees without one.
#[allow(clippy::type_complexity)]
fn objects(
    module: &Pkcs11,
    slot: Slot,
) -> Result<(Vec<FoundCertificate>, Vec<Vec<u8>>), cryptoki::error::Error> {
    let session = module.open_ro_session(slot)?;
    let mut all_certificate_ids = Vec::new();
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
        all_certificate_ids.push(id.clone());
        let Ok((_, cert)) = X509Certificate::from_der(&der) else {
            log::debug!(
                "slot {}: certificate object {label:?} is not X.509 DER; skipped",
                slot.id()
            );
            continue;
        };
        if cert.is_ca() {
            continue;
        }
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
    let mut hidden: Vec<Vec<u8>> = Vec::new();
    for class in [ObjectClass::PRIVATE_KEY, ObjectClass::PUBLIC_KEY] {
        for handle in session.find_objects(&[Attribute::Class(class)])? {
            let id = session
                .get_attributes(handle, &[AttributeType::Id])?
                .into_iter()
                .find_map(|a| match a {
                    Attribute::Id(id) => Some(id),
                    _ => None,
                })
                .unwrap_or_default();
            if !id.is_empty() && !all_certificate_ids.contains(&id) && !hidden.contains(&id) {
                hidden.push(id);
            }
        }
    }
    Ok((found, hidden))
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
