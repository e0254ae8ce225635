//! The ICカード更新 rules: what the current card (step 2) and the new card (step 3) must prove, and what 「更新」,
//! 承認 and 否認 change.

use ebid_protocol::{binding_digest, SignPurpose};
use rsa::RsaPublicKey;
use time::OffsetDateTime;

use crate::certificate::{issued_by_any, CertificateFacts};
use crate::form::Form;
use crate::form_fields::{decode_certificate, decode_signature};
use crate::html::slash_date;
use crate::lenient_base64;
use crate::outbox::{Mail, Outbox};
use crate::refusal::{Card, Refusal};
use crate::registry::{Registry, RosterEntry, User};
use crate::sessions::{ChallengeBytes, ProvenCurrentCard, VerifiedRenewal};
use crate::signature;

/// Form field names of the renewal steps' POST bodies (the names the applet's hidden inputs had).
pub mod fields {
    pub const CHALLENGE: &str = "challenge";
    /// Step 2.
    pub const OLD_CERTIFICATE: &str = "oldCertificate";
    /// Step 2.
    pub const OLD_SIGNATURE: &str = "oldSignature";
    /// Step 3.
    pub const NEW_CERTIFICATE: &str = "newCertificate";
    /// Step 3.
    pub const NEW_SIGNATURE: &str = "newSignature";
}

/// What the portal checks a submission against.
pub struct Checks<'a> {
    pub origin: &'a str,
    /// DER of the CAs new cards may come from.
    pub ca_certificates: &'a [Vec<u8>],
    pub now: OffsetDateTime,
}

/// The posted `challenge` must be (base64 of) the one the session holds; a missing one is a mismatch.
pub(crate) fn posted_challenge_matches(
    form: &Form,
    challenge: &ChallengeBytes,
) -> Result<(), Refusal> {
    let posted = form.get(fields::CHALLENGE).and_then(lenient_base64::decode);
    if posted.as_deref() == Some(&challenge[..]) {
        Ok(())
    } else {
        Err(Refusal::ChallengeMismatch)
    }
}

/// A card's certificate and signature fields, read and parsed: the `unreadable` checks.
pub(crate) fn read_card(
    form: &Form,
    certificate_field: &'static str,
    signature_field: &'static str,
    card: Card,
) -> Result<(Vec<u8>, CertificateFacts, RsaPublicKey, Vec<u8>), Refusal> {
    let der = decode_certificate(form, certificate_field, card)?;
    let signature = decode_signature(form, signature_field, card)?;
    let facts = CertificateFacts::parse(&der).map_err(|_| Refusal::MalformedCertificate(card))?;
    let key = facts
        .rsa_public_key()
        .map_err(|_| Refusal::UnsupportedKey(card))?;
    Ok((der, facts, key, signature))
}

/// Step 2 (`IcRenewCurrent.do`): the current card consents. `session_challenge` is step 1's challenge, already
/// taken out of the session (so it is used once whatever the outcome). On success the caller records the proven
/// card in the session with a fresh second challenge.
pub fn verify_current(
    registry: &Registry,
    checks: &Checks<'_>,
    session_challenge: Option<ChallengeBytes>,
    form: &Form,
) -> Result<ProvenCurrentCard, Refusal> {
    let challenge = session_challenge.ok_or(Refusal::ChallengeMissing)?;
    posted_challenge_matches(form, &challenge)?;
    let (old_der, old, old_key, old_signature) = read_card(
        form,
        fields::OLD_CERTIFICATE,
        fields::OLD_SIGNATURE,
        Card::Current,
    )?;
    let user = registry
        .user_by_certificate(&old_der)
        .ok_or(Refusal::NotRegistered)?;
    if old.is_expired_at(checks.now) {
        return Err(Refusal::CurrentExpired);
    }
    let digest = binding_digest(checks.origin, &challenge, SignPurpose::RenewCurrent, b"");
    if !signature::verifies(&old_key, &digest, &old_signature) {
        return Err(Refusal::CurrentSignatureInvalid);
    }
    if registry.pending_for_user(&user.id).is_some() {
        return Err(Refusal::AlreadyPending);
    }
    Ok(ProvenCurrentCard {
        user_id: user.id.clone(),
        certificate: old_der,
    })
}

/// Step 3 (`IcRenewNew.do`): the new card takes over from the session's proven current card. `proven` was taken
/// out of the session (used once whatever the outcome): the card step 2 proved and the second challenge.
pub fn verify_new(
    checks: &Checks<'_>,
    proven: Option<(ProvenCurrentCard, ChallengeBytes)>,
    form: &Form,
) -> Result<VerifiedRenewal, Refusal> {
    let (current, challenge) = proven.ok_or(Refusal::ChallengeMissing)?;
    posted_challenge_matches(form, &challenge)?;
    let (new_der, new, new_key, new_signature) = read_card(
        form,
        fields::NEW_CERTIFICATE,
        fields::NEW_SIGNATURE,
        Card::New,
    )?;
    let old =
        CertificateFacts::parse(&current.certificate).map_err(|_| Refusal::RegistrationChanged)?;
    if new_der == current.certificate || new.public_key_info == old.public_key_info {
        return Err(Refusal::SameCard);
    }
    if !issued_by_any(&new_der, checks.ca_certificates) {
        return Err(Refusal::UnknownCa);
    }
    if new.is_expired_at(checks.now) {
        return Err(Refusal::NewExpired);
    }
    let digest = binding_digest(
        checks.origin,
        &challenge,
        SignPurpose::RenewNew,
        &current.certificate,
    );
    if !signature::verifies(&new_key, &digest, &new_signature) {
        return Err(Refusal::NewSignatureInvalid);
    }
    Ok(VerifiedRenewal {
        user_id: current.user_id,
        old_certificate: current.certificate,
        new_certificate: new_der,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The new certificate is registered; the old card no longer works.
    Completed,
    /// Names differ from the 名簿: held (仮登録) for the city's review.
    HeldForReview { renewal_id: u64 },
}

/// Applies a confirmed renewal (the 「更新」 button).
pub fn commit(
    registry: &mut Registry,
    outbox: &Outbox,
    renewal: &VerifiedRenewal,
    now: OffsetDateTime,
) -> Result<Outcome, Refusal> {
    let user = registry
        .user(&renewal.user_id)
        .filter(|u| {
            lenient_base64::decode(&u.certificate).as_deref() == Some(&renewal.old_certificate[..])
        })
        .ok_or(Refusal::RegistrationChanged)?
        .clone();
    if registry.pending_for_user(&user.id).is_some() {
        return Err(Refusal::AlreadyPending);
    }
    let new = CertificateFacts::parse(&renewal.new_certificate)
        .map_err(|_| Refusal::MalformedCertificate(Card::New))?;
    let differences = roster_differences(&user.roster, &new);
    if differences.is_empty() {
        registry
            .replace_certificate(&user.id, &renewal.new_certificate)
            .map_err(|_| Refusal::StoreFailure)?;
        send(outbox, completion_mail(&user, &new, now));
        Ok(Outcome::Completed)
    } else {
        let renewal_id = registry
            .hold_renewal(
                &user.id,
                &renewal.old_certificate,
                &renewal.new_certificate,
                rfc3339(now),
                differences,
            )
            .map_err(|_| Refusal::StoreFailure)?;
        Ok(Outcome::HeldForReview { renewal_id })
    }
}

/// 承認: the held renewal takes effect; mails 「ICカード更新申請承認」 and 「ICカード更新完了通知」.
/// Returns false when there is no such pending renewal.
pub fn approve(
    registry: &mut Registry,
    outbox: &Outbox,
    renewal_id: u64,
    now: OffsetDateTime,
) -> Result<bool, Refusal> {
    let Some(pending) = registry
        .pending()
        .iter()
        .find(|p| p.id == renewal_id)
        .cloned()
    else {
        return Ok(false);
    };
    let Some(user) = registry.user(&pending.user_id).cloned() else {
        registry
            .drop_renewal(renewal_id)
            .map_err(|_| Refusal::StoreFailure)?;
        return Ok(false);
    };
    let new_der = lenient_base64::decode(&pending.new_certificate).unwrap_or_default();
    let new =
        CertificateFacts::parse(&new_der).map_err(|_| Refusal::MalformedCertificate(Card::New))?;
    registry
        .replace_certificate(&user.id, &new_der)
        .map_err(|_| Refusal::StoreFailure)?;
    send(
        outbox,
        Mail {
            to: user.email.clone(),
            subject: "【札幌市電子入札システム】ICカード更新申請承認".into(),
            body: format!(
                "{name} 様\n\n申請のあったICカード更新について、札幌市にて審査を行った結果、承認しましたのでお知らせします。\n\
本日より新しいICカードで電子入札システムにログインできます。\n\n新しいICカード\n{card}\n\n札幌市 電子入札システム",
                name = user.company_name,
                card = card_lines(&new)
            ),
            sent_at: rfc3339(now),
        },
    );
    send(outbox, completion_mail(&user, &new, now));
    Ok(true)
}

/// 否認: the held renewal is dropped, the registered card stays; mails 「ICカード更新申請否認」.
pub fn deny(
    registry: &mut Registry,
    outbox: &Outbox,
    renewal_id: u64,
    now: OffsetDateTime,
) -> Result<bool, Refusal> {
    let Some(pending) = registry
        .drop_renewal(renewal_id)
        .map_err(|_| Refusal::StoreFailure)?
    else {
        return Ok(false);
    };
    if let Some(user) = registry.user(&pending.user_id) {
        send(
            outbox,
            Mail {
                to: user.email.clone(),
                subject: "【札幌市電子入札システム】ICカード更新申請否認".into(),
                body: format!(
                    "{name} 様\n\n申請のあったICカード更新について、札幌市にて審査を行った結果、否認しましたのでお知らせします。\n\
新しいICカードでは電子入札システムにログインできません。現在使用しているICカードは引き続き使用できます。\n\n\
否認の理由：新しいICカードに格納されている情報が入札参加資格者名簿の登録内容と一致しません。\n{diff}\n\n\
対処方法：名簿の登録内容に変更がある場合は変更の届出を行ってください。名簿と一致するICカードをお持ちの場合は、\
そのICカードで改めてICカード更新を行ってください。\n\n札幌市 電子入札システム",
                    name = user.company_name,
                    diff = pending.differences.join("\n")
                ),
                sent_at: rfc3339(now),
            },
        );
    }
    Ok(true)
}

/// Which of 商号又は名称 / 代表者氏名 on the new card differ from the 名簿 (a 受任者 may hold the card).
pub fn roster_differences(roster: &RosterEntry, new: &CertificateFacts) -> Vec<String> {
    let mut differences = Vec::new();
    let organization = new.organization.clone().unwrap_or_default();
    if normalize(&organization) != normalize(&roster.company_name) {
        differences.push(format!(
            "商号又は名称：名簿「{}」／ICカード「{}」",
            roster.company_name, organization
        ));
    }
    let holder = new.holder_name.clone().unwrap_or_default();
    let holder_matches = normalize(&holder) == normalize(&roster.representative)
        || roster
            .delegate
            .as_deref()
            .is_some_and(|d| normalize(&holder) == normalize(d));
    if !holder_matches {
        differences.push(format!(
            "代表者氏名：名簿「{}」／ICカード「{}」",
            roster.representative, holder
        ));
    }
    differences
}

/// Spaces (ASCII or full-width) are not significant in names: 「札幌　太郎」 is 「札幌太郎」.
fn normalize(name: &str) -> String {
    name.chars().filter(|c| !c.is_whitespace()).collect()
}

fn completion_mail(user: &User, new: &CertificateFacts, now: OffsetDateTime) -> Mail {
    Mail {
        to: user.email.clone(),
        subject: "【札幌市電子入札システム】ICカード更新完了通知".into(),
        body: format!(
            "{name} 様\n\nICカードの更新が完了しました。\n以前のICカードは使用できなくなりました。今後は新しいICカードで電子入札システムにログインしてください。\n\n\
新しいICカード\n{card}\n\n※電子入札システムへログインする際は、すべてのブラウザを一度終了させた後に、再度ブラウザを起動してください。\n\n札幌市 電子入札システム",
            name = user.company_name,
            card = card_lines(new)
        ),
        sent_at: rfc3339(now),
    }
}

pub(crate) fn card_lines(facts: &CertificateFacts) -> String {
    format!(
        "ICカード商号又は名称 : {}\nICカード取得者氏名 : {}\n証明書シリアル番号 : {}\n証明書発行者 : {}\n証明書有効期限 : {}",
        facts.organization.as_deref().unwrap_or(""),
        facts.holder_name.as_deref().unwrap_or(""),
        facts.serial,
        facts.issuer,
        slash_date(facts.not_after)
    )
}

/// A failed mail must not undo a renewal; the outbox is a test fixture, so it is reported on stderr.
pub(crate) fn send(outbox: &Outbox, mail: Mail) {
    if let Err(e) = outbox.send(&mail) {
        eprintln!("replica-portal: could not write the mail outbox: {e}");
    }
}

pub fn rfc3339(moment: OffsetDateTime) -> String {
    moment
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
