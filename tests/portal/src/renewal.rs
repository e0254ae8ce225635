//! The ICカード更新 rules: what the applet's submission must prove, and what 「更新」, 承認 and 否認 change.

use ebid_protocol::{binding_digest, SignPurpose};
use time::OffsetDateTime;

use crate::certificate::{issued_by_any, CertificateFacts};
use crate::form::Form;
use crate::form_fields::{decode_certificate, decode_signature, required};
use crate::html::slash_date;
use crate::lenient_base64;
use crate::outbox::{Mail, Outbox};
use crate::refusal::{Card, Refusal};
use crate::registry::{Registry, RosterEntry, User};
use crate::sessions::{ChallengeBytes, VerifiedRenewal};
use crate::signature;

/// Form field names of `frmRenew` (the applet's hidden inputs).
pub mod fields {
    pub const CHALLENGE: &str = "challenge";
    pub const OLD_CERTIFICATE: &str = "oldCertificate";
    pub const OLD_SIGNATURE: &str = "oldSignature";
    pub const NEW_CERTIFICATE: &str = "newCertificate";
    pub const NEW_SIGNATURE: &str = "newSignature";
}

/// What the portal checks a submission against.
pub struct Checks<'a> {
    pub origin: &'a str,
    /// DER of the CAs new cards may come from.
    pub ca_certificates: &'a [Vec<u8>],
    pub now: OffsetDateTime,
}

/// Verifies the submission of `frmRenew` against the session's challenge (already taken out of the session, so
/// it is used once whatever the outcome).
pub fn verify_submission(
    registry: &Registry,
    checks: &Checks<'_>,
    session_challenge: Option<ChallengeBytes>,
    form: &Form,
) -> Result<VerifiedRenewal, Refusal> {
    let challenge = session_challenge.ok_or(Refusal::ChallengeMissing)?;
    let posted = required(form, fields::CHALLENGE)?;
    if lenient_base64::decode(posted).as_deref() != Some(&challenge[..]) {
        return Err(Refusal::ChallengeMismatch);
    }
    let old_der = decode_certificate(form, fields::OLD_CERTIFICATE, Card::Current)?;
    let old_signature = decode_signature(form, fields::OLD_SIGNATURE, Card::Current)?;
    let new_der = decode_certificate(form, fields::NEW_CERTIFICATE, Card::New)?;
    let new_signature = decode_signature(form, fields::NEW_SIGNATURE, Card::New)?;

    let old = CertificateFacts::parse(&old_der)
        .map_err(|_| Refusal::MalformedCertificate(Card::Current))?;
    let user = registry
        .user_by_certificate(&old_der)
        .ok_or(Refusal::NotRegistered)?;
    if old.is_expired_at(checks.now) {
        return Err(Refusal::CurrentExpired);
    }
    let old_key = old
        .rsa_public_key()
        .map_err(|_| Refusal::UnsupportedKey(Card::Current))?;
    let old_digest = binding_digest(checks.origin, &challenge, SignPurpose::RenewCurrent, b"");
    if !signature::verifies(&old_key, &old_digest, &old_signature) {
        return Err(Refusal::CurrentSignatureInvalid);
    }

    let new =
        CertificateFacts::parse(&new_der).map_err(|_| Refusal::MalformedCertificate(Card::New))?;
    if new_der == old_der || new.public_key_info == old.public_key_info {
        return Err(Refusal::SameCard);
    }
    if !issued_by_any(&new_der, checks.ca_certificates) {
        return Err(Refusal::UnknownCa);
    }
    if new.is_expired_at(checks.now) {
        return Err(Refusal::NewExpired);
    }
    let new_key = new
        .rsa_public_key()
        .map_err(|_| Refusal::UnsupportedKey(Card::New))?;
    let new_digest = binding_digest(checks.origin, &challenge, SignPurpose::RenewNew, &old_der);
    if !signature::verifies(&new_key, &new_digest, &new_signature) {
        return Err(Refusal::NewSignatureInvalid);
    }
    if registry.pending_for_user(&user.id).is_some() {
        return Err(Refusal::AlreadyPending);
    }
    Ok(VerifiedRenewal {
        user_id: user.id.clone(),
        old_certificate: old_der,
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

fn card_lines(facts: &CertificateFacts) -> String {
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
fn send(outbox: &Outbox, mail: Mail) {
    if let Err(e) = outbox.send(&mail) {
        eprintln!("replica-portal: could not write the mail outbox: {e}");
    }
}

pub fn rfc3339(moment: OffsetDateTime) -> String {
    moment
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
