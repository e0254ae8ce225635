//! The card in one reader, read through a PKCS#11 module: its signing certificate (tokens.rs), PIN state from
//! the token flags, `C_Login` with the PIN, and `CKM_RSA_PKCS` over the SHA-256 DigestInfo of the binding digest
//! — the bytes the JPKI driver has the card sign. One login, one signature: the caller logs out after signing.

use std::path::PathBuf;

use cryptoki::context::Pkcs11;
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, ObjectClass};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use ebid_protocol::{ErrorCode, ErrorInfo, Pin, PinCharset};

use super::config::Pkcs11Config;
use super::errors::{code_of_error, failed_modules, module_error, Call};
use super::tokens::survey;
use crate::drivers::{sha256_digest_info, PinRules, PinState};

/// The reader's token, with a session open on it.
pub struct Pkcs11Card {
    module_path: PathBuf,
    module: Pkcs11,
    slot: Slot,
    session: Session,
    /// `CKA_ID` of the signing key and its certificate.
    id: Vec<u8>,
    /// `None` until read when the token shows it only after login.
    certificate: Option<Vec<u8>>,
    verified: bool,
    /// The module said the PIN is blocked: kept for this card's session, because a module's token flags may
    /// not show it (OpenSC keeps its old flags when a blocked card answers the status query with 6983).
    blocked_seen: bool,
}

impl Pkcs11Card {
    /// Finds the reader's token and its signing certificate in the configured modules. `UNSUPPORTED_CARD` when
    /// no module sees a certificate there. When a module failed and none helped: `MODULE_UNAVAILABLE` if a
    /// module did not load (missing, not loadable, `C_Initialize`), else `CARD_ERROR`; the detail names the
    /// modules and what failed.
    pub fn open(config: &Pkcs11Config, reader: &str) -> Result<Pkcs11Card, ErrorInfo> {
        let found = survey(config, Some(reader));
        let Some(signing) = found.signing() else {
            if let Some(error) = failed_modules(&found.failures) {
                return Err(error);
            }
            let detail = if found.tokens.is_empty() {
                format!("no built-in driver knows the card and no PKCS#11 module ({}) has a token in the reader", config.modules.len())
            } else {
                "the PKCS#11 token shows no certificate and no key".to_owned()
            };
            return Err(ErrorInfo::new(ErrorCode::UnsupportedCard).with_detail(detail));
        };
        let token = signing.token;
        let session = token
            .module
            .open_ro_session(token.slot)
            .map_err(|e| module_error(&token.module_path, Call::OpenSession, e))?;
        log::info!(
            "{reader}: PKCS#11 token {:?} of {} (slot {}), key id {}: {}",
            token.label,
            token.module_path.display(),
            token.slot.id(),
            hex::encode(&signing.id),
            signing.choice.reason()
        );
        Ok(Pkcs11Card {
            module_path: token.module_path.clone(),
            module: token.module.clone(),
            slot: token.slot,
            session,
            id: signing.id.clone(),
            certificate: signing.certificate.map(|c| c.der.clone()),
            verified: false,
            blocked_seen: false,
        })
    }

    /// `pkcs11:<module file name>`.
    pub fn card_type(&self) -> String {
        let name = self
            .module_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!("pkcs11:{name}")
    }

    /// The signing certificate (DER). A token that shows it only after login needs the PIN first:
    /// `PIN_REQUIRED`, as the JPKI driver answers for the same card.
    pub fn certificate(&mut self) -> Result<Vec<u8>, ErrorInfo> {
        if let Some(der) = &self.certificate {
            return Ok(der.clone());
        }
        if !self.verified {
            // As the JPKI driver: a blocked PIN says so, rather than asking for a PIN that cannot work.
            if self.pin_state()?.0.blocked {
                return Err(ErrorInfo::new(ErrorCode::PinBlocked).with_retries(0));
            }
            return Err(ErrorInfo::new(ErrorCode::PinRequired).with_detail(
                "the PKCS#11 token shows its signing certificate only after the PIN",
            ));
        }
        let found = self
            .session
            .find_objects(&[
                Attribute::Class(ObjectClass::CERTIFICATE),
                Attribute::Id(self.id.clone()),
            ])
            .map_err(|e| module_error(&self.module_path, Call::FindObjects, e))?;
        let value = match found.first() {
            Some(&handle) => self
                .session
                .get_attributes(handle, &[cryptoki::object::AttributeType::Value])
                .map_err(|e| module_error(&self.module_path, Call::FindObjects, e))?
                .into_iter()
                .find_map(|a| match a {
                    Attribute::Value(v) => Some(v),
                    _ => None,
                }),
            None => None,
        };
        let Some(der) = value else {
            return Err(ErrorInfo::new(ErrorCode::CardError).with_detail(format!(
                "PKCS#11 module {}: no certificate with the key's CKA_ID {}",
                self.module_path.display(),
                hex::encode(&self.id)
            )));
        };
        self.certificate = Some(der.clone());
        Ok(der)
    }

    pub fn is_verified(&self) -> bool {
        self.verified
    }

    fn token_info(&self) -> Result<cryptoki::slot::TokenInfo, ErrorInfo> {
        self.module
            .get_token_info(self.slot)
            .map_err(|e| module_error(&self.module_path, Call::GetTokenInfo, e))
    }

    /// Blocked and tries left from the token flags: tries left are known only on the final try (1).
    pub fn pin_state(&self) -> Result<(PinState, PinRules, bool), ErrorInfo> {
        let info = self.token_info()?;
        let state = PinState {
            tries_left: (info.user_pin_final_try()
                && !info.user_pin_locked()
                && !self.blocked_seen)
                .then_some(1),
            blocked: info.user_pin_locked() || self.blocked_seen,
            verified: self.verified,
        };
        let clamp = |n: usize| n.clamp(1, u8::MAX as usize) as u8;
        let rules = PinRules {
            min_length: clamp(info.min_pin_length()),
            max_length: clamp(info.max_pin_length()).max(clamp(info.min_pin_length())),
            charset: PinCharset::Alphanumeric,
        };
        Ok((state, rules, info.protected_authentication_path()))
    }

    /// `C_Login` with the PIN, or with none on a token with a protected authentication path (its PIN pad). A
    /// login left from before is ended first, so the PIN is really checked.
    pub fn verify_pin(&mut self, pin: Option<&Pin>) -> Result<(), ErrorInfo> {
        self.logout();
        let (state, rules, pin_pad) = self.pin_state()?;
        if state.blocked {
            return Err(ErrorInfo::new(ErrorCode::PinBlocked).with_retries(0));
        }
        let result = match pin {
            Some(pin) => {
                let len = pin.expose().chars().count();
                if len < rules.min_length as usize || len > rules.max_length as usize {
                    return Err(ErrorInfo::new(ErrorCode::PinFormat));
                }
                // AuthPin (secrecy) wipes its copy when dropped.
                let secret = AuthPin::from(pin.expose().to_owned());
                self.session.login(UserType::User, Some(&secret))
            }
            None if pin_pad => self.session.login(UserType::User, None),
            None => {
                return Err(ErrorInfo::new(ErrorCode::BadRequest)
                    .with_detail("no PIN given and the token has no PIN pad"))
            }
        };
        let outcome = match result {
            Ok(()) => {
                self.verified = true;
                Ok(())
            }
            // A wrong PIN on the final try blocks it, whatever the flags say after (OpenSC cannot always read
            // a blocked card's PIN state).
            Err(e) if state.tries_left == Some(1) && code_of_error(&e) == ErrorCode::WrongPin => {
                Err(ErrorInfo::new(ErrorCode::PinBlocked)
                    .with_retries(0)
                    .with_detail(module_error(&self.module_path, Call::Login, e).to_string()))
            }
            Err(e) => {
                let error = module_error(&self.module_path, Call::Login, e);
                Err(self.with_pin_flags(error))
            }
        };
        if matches!(&outcome, Err(e) if e.code == ErrorCode::PinBlocked) {
            self.blocked_seen = true;
        }
        outcome
    }

    /// A wrong PIN says what the flags tell after it: blocked now, or one try left.
    fn with_pin_flags(&self, error: ErrorInfo) -> ErrorInfo {
        if error.code != ErrorCode::WrongPin {
            return error;
        }
        match self.pin_state() {
            Ok((state, _, _)) if state.blocked => {
                ErrorInfo::new(ErrorCode::PinBlocked).with_retries(0)
            }
            Ok((
                PinState {
                    tries_left: Some(n),
                    ..
                },
                _,
                _,
            )) => error.with_retries(n),
            _ => error,
        }
    }

    /// Signs the SHA-256 `digest` with the private key whose `CKA_ID` is the certificate's. Needs a login.
    pub fn sign_sha256(&mut self, digest: &[u8; 32]) -> Result<Vec<u8>, ErrorInfo> {
        if !self.verified {
            return Err(ErrorInfo::new(ErrorCode::PinRequired)
                .with_detail("no PIN verified on this token in this session"));
        }
        let keys = self
            .session
            .find_objects(&[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::Id(self.id.clone()),
            ])
            .map_err(|e| module_error(&self.module_path, Call::FindObjects, e))?;
        let Some(&key) = keys.first() else {
            return Err(ErrorInfo::new(ErrorCode::CardError).with_detail(format!(
                "PKCS#11 module {}: no private key with the certificate's CKA_ID {}",
                self.module_path.display(),
                hex::encode(&self.id)
            )));
        };
        let digest_info = sha256_digest_info(digest);
        self.session
            .sign(&Mechanism::RsaPkcs, key, &digest_info)
            .map_err(|e| module_error(&self.module_path, Call::Sign, e))
    }

    /// Ends the login (C_Logout); the PIN must be verified again.
    pub fn logout(&mut self) {
        if std::mem::take(&mut self.verified) {
            if let Err(e) = self.session.logout() {
                log::debug!("{}: C_Logout: {e}", self.module_path.display());
            }
        }
    }
}

impl Drop for Pkcs11Card {
    fn drop(&mut self) {
        self.logout();
    }
}
