//! IC-card login: only the currently registered (approved) certificate gets in.

use ebid_protocol::{binding_digest, SignPurpose};

use crate::certificate::CertificateFacts;
use crate::form::Form;
use crate::form_fields::{decode_certificate, decode_signature};
use crate::lenient_base64;
use crate::refusal::{Card, Refusal};
use crate::registry::{Registry, User};
use crate::renewal::Checks;
use crate::sessions::ChallengeBytes;
use crate::signature;

pub mod fields {
    pub const CHALLENGE: &str = "challenge";
    pub const CERTIFICATE: &str = "certificate";
    pub const SIGNATURE: &str = "signature";
}

pub fn verify_login<'r>(
    registry: &'r Registry,
    checks: &Checks<'_>,
    session_challenge: Option<ChallengeBytes>,
    form: &Form,
) -> Result<&'r User, Refusal> {
    let challenge = session_challenge.ok_or(Refusal::ChallengeMissing)?;
    if let Some(posted) = form.get(fields::CHALLENGE).filter(|v| !v.is_empty()) {
        if lenient_base64::decode(posted).as_deref() != Some(&challenge[..]) {
            return Err(Refusal::ChallengeMismatch);
        }
    }
    let der = decode_certificate(form, fields::CERTIFICATE, Card::Current)?;
    let signature = decode_signature(form, fields::SIGNATURE, Card::Current)?;
    let facts =
        CertificateFacts::parse(&der).map_err(|_| Refusal::MalformedCertificate(Card::Current))?;
    let Some(user) = registry.user_by_certificate(&der) else {
        return Err(if registry.user_by_retired_certificate(&der).is_some() {
            Refusal::LoginRetiredCard
        } else if registry.pending_by_new_certificate(&der).is_some() {
            Refusal::LoginPendingReview
        } else {
            Refusal::NotRegistered
        });
    };
    if facts.is_expired_at(checks.now) {
        return Err(Refusal::CurrentExpired);
    }
    let key = facts
        .rsa_public_key()
        .map_err(|_| Refusal::UnsupportedKey(Card::Current))?;
    let digest = binding_digest(checks.origin, &challenge, SignPurpose::Login, b"");
    if !signature::verifies(&key, &digest, &signature) {
        return Err(Refusal::CurrentSignatureInvalid);
    }
    Ok(user)
}
