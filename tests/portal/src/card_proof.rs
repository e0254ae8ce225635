//! The one card-proof routine behind ログイン, 登録 and 変更: the card signs this session's challenge for this
//! operation (`binding_digest(origin, challenge, purpose, b"")`), and its certificate must be registered (ログイン,
//! 変更) or registrable (登録).

use ebid_protocol::{binding_digest, SignPurpose};

use crate::certificate::{issued_by_any, CertificateFacts};
use crate::form::Form;
use crate::refusal::{Card, Refusal};
use crate::registry::Registry;
use crate::renewal::{posted_challenge_matches, read_card, Checks};
use crate::sessions::{CardOperation, ChallengeBytes};
use crate::signature;

/// Form fields of `IcLogin.do`, `IcRegistCard.do` and `IcChangeCard.do`.
pub mod fields {
    pub const CHALLENGE: &str = "challenge";
    /// Base64 DER of the card's certificate.
    pub const CERTIFICATE: &str = "certificate";
    /// Base64 of the card's signature over the operation's binding digest.
    pub const SIGNATURE: &str = "signature";
}

impl CardOperation {
    /// What the card signs for this operation: a signature for one is worthless at the others.
    pub fn purpose(self) -> SignPurpose {
        match self {
            CardOperation::Login => SignPurpose::Login,
            CardOperation::Register => SignPurpose::Register,
            CardOperation::Change => SignPurpose::Change,
        }
    }
}

/// A card that signed this session's challenge for the operation.
#[derive(Debug, Clone)]
pub struct ProvenCard {
    pub certificate: Vec<u8>,
    pub facts: CertificateFacts,
    /// The registered user (ログイン, 変更); `None` for 登録.
    pub user_id: Option<String>,
}

/// Checks a card submission for `operation`. `session_challenge` was already taken out of the session, so it is
/// used once whatever the outcome. The order of the checks is the contract's (README.md).
pub fn prove(
    registry: &Registry,
    checks: &Checks<'_>,
    operation: CardOperation,
    session_challenge: Option<ChallengeBytes>,
    form: &Form,
) -> Result<ProvenCard, Refusal> {
    let challenge = session_challenge.ok_or(Refusal::ChallengeMissing)?;
    posted_challenge_matches(form, &challenge)?;
    let (der, facts, key, card_signature) =
        read_card(form, fields::CERTIFICATE, fields::SIGNATURE, Card::Inserted)?;
    let user_id = match operation {
        CardOperation::Login | CardOperation::Change => {
            let user = registry
                .user_by_certificate(&der)
                .ok_or_else(|| why_not_registered(registry, &der))?;
            if facts.is_expired_at(checks.now) {
                return Err(Refusal::CurrentExpired);
            }
            Some(user.id.clone())
        }
        CardOperation::Register => {
            if registry.user_by_certificate(&der).is_some() {
                return Err(Refusal::AlreadyRegistered);
            }
            if registry.user_by_retired_certificate(&der).is_some() {
                return Err(Refusal::LoginRetiredCard);
            }
            if registry.pending_registration_by_certificate(&der).is_some() {
                return Err(Refusal::RegistrationPending);
            }
            if !issued_by_any(&der, checks.ca_certificates) {
                return Err(Refusal::UnknownCa);
            }
            if facts.is_expired_at(checks.now) {
                return Err(Refusal::CardExpired);
            }
            None
        }
    };
    let digest = binding_digest(checks.origin, &challenge, operation.purpose(), b"");
    if !signature::verifies(&key, &digest, &card_signature) {
        return Err(Refusal::SignatureInvalid);
    }
    Ok(ProvenCard {
        certificate: der,
        facts,
        user_id,
    })
}

/// Why a certificate that is not the registered one of any user is refused.
fn why_not_registered(registry: &Registry, der: &[u8]) -> Refusal {
    if registry.user_by_retired_certificate(der).is_some() {
        Refusal::LoginRetiredCard
    } else if registry.pending_by_new_certificate(der).is_some()
        || registry.pending_registration_by_certificate(der).is_some()
    {
        Refusal::LoginPendingReview
    } else {
        Refusal::NotRegistered
    }
}
