//! 2.1.3 利用者情報の新規登録: what 「登録」 does with a confirmed registration (register at once when the card's
//! names match the 名簿, else hold it as 仮登録), and what 承認 / 否認 do with a held one.

use time::OffsetDateTime;

use crate::certificate::CertificateFacts;
use crate::contacts::Contacts;
use crate::lenient_base64;
use crate::outbox::{Mail, Outbox};
use crate::refusal::{Card, Refusal};
use crate::registry::{NewUser, Registry, RosterEntry};
use crate::renewal::{card_lines, rfc3339, roster_differences, send};

/// Form field of 資格審査情報検索.
pub mod fields {
    /// 業者番号
    pub const GYOSHA_NO: &str = "gyoshaNo";
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Registered: the card logs in from now on.
    Registered { user_id: String },
    /// Names differ from the 名簿: held (仮登録) for the city's review.
    HeldForReview {
        registration_id: u64,
        differences: Vec<String>,
    },
}

/// 「登録」 on the 入力内容確認画面: `certificate` is the session's proven card, `roster` the 名簿 entry found,
/// `contacts` the validated input.
pub fn commit(
    registry: &mut Registry,
    outbox: &Outbox,
    certificate: &[u8],
    roster: &RosterEntry,
    contacts: &Contacts,
    now: OffsetDateTime,
) -> Result<Outcome, Refusal> {
    // Another session may have registered the same card since it was proven here.
    if registry.user_by_certificate(certificate).is_some() {
        return Err(Refusal::AlreadyRegistered);
    }
    if registry
        .pending_registration_by_certificate(certificate)
        .is_some()
    {
        return Err(Refusal::RegistrationPending);
    }
    let facts = CertificateFacts::parse(certificate)
        .map_err(|_| Refusal::MalformedCertificate(Card::Inserted))?;
    let user = NewUser {
        id: None,
        company_name: roster.company_name.clone(),
        address: roster.address.clone(),
        representative: roster.representative.clone(),
        email: Some(contacts.representative.email.clone()),
        roster: Some(roster.clone()),
        certificate: lenient_base64::encode(certificate),
        contacts: Some(contacts.clone()),
    };
    let differences = roster_differences(roster, &facts);
    if differences.is_empty() {
        let user_id = registry
            .register(&user)
            .map_err(|_| Refusal::StoreFailure)?;
        mail_registered(outbox, &user_id, &user, &facts, now);
        Ok(Outcome::Registered { user_id })
    } else {
        let registration_id = registry
            .hold_registration(user, rfc3339(now), differences.clone())
            .map_err(|_| Refusal::StoreFailure)?;
        Ok(Outcome::HeldForReview {
            registration_id,
            differences,
        })
    }
}

/// 承認 of a held registration: registers it and mails 「利用者登録完了のお知らせ」. `Ok(None)` when there is no
/// such registration.
pub fn approve(
    registry: &mut Registry,
    outbox: &Outbox,
    registration_id: u64,
    now: OffsetDateTime,
) -> Result<Option<String>, Refusal> {
    let Some(pending) = registry
        .pending_registrations()
        .iter()
        .find(|p| p.id == registration_id)
    else {
        return Ok(None);
    };
    let der = lenient_base64::decode(&pending.user.certificate).unwrap_or_default();
    if registry.user_by_certificate(&der).is_some() {
        registry
            .drop_registration(registration_id)
            .map_err(|_| Refusal::StoreFailure)?;
        return Err(Refusal::AlreadyRegistered);
    }
    let facts =
        CertificateFacts::parse(&der).map_err(|_| Refusal::MalformedCertificate(Card::Inserted))?;
    let Some((user_id, pending)) = registry
        .approve_registration(registration_id)
        .map_err(|_| Refusal::StoreFailure)?
    else {
        return Ok(None);
    };
    mail_registered(outbox, &user_id, &pending.user, &facts, now);
    Ok(Some(user_id))
}

/// 否認 of a held registration: drops it and mails 「利用者登録申請否認のお知らせ」. False when there is none.
pub fn deny(
    registry: &mut Registry,
    outbox: &Outbox,
    registration_id: u64,
    now: OffsetDateTime,
) -> Result<bool, Refusal> {
    let Some(pending) = registry
        .drop_registration(registration_id)
        .map_err(|_| Refusal::StoreFailure)?
    else {
        return Ok(false);
    };
    for to in addresses(&pending.user) {
        send(
            outbox,
            Mail {
                to,
                subject: "【札幌市電子入札システム】利用者登録申請否認のお知らせ".into(),
                body: format!(
                    "{name} 様\n\n申請のあった利用者登録について、札幌市にて審査を行った結果、否認しましたのでお知らせします。\n\n\
否認の理由：ICカードに格納されている情報が入札参加資格者名簿の登録内容と一致しません。\n{diff}\n\n\
対処方法：名簿の登録内容に変更がある場合は変更の届出を行ってください。名簿と一致するICカードをお持ちの場合は、\
そのICカードで改めて利用者登録を行ってください。\n\n札幌市 電子入札システム",
                    name = pending.user.company_name,
                    diff = pending.differences.join("\n")
                ),
                sent_at: rfc3339(now),
            },
        );
    }
    Ok(true)
}

fn addresses(user: &NewUser) -> Vec<String> {
    match &user.contacts {
        Some(contacts) => contacts.mail_addresses(),
        None => user.email.iter().cloned().collect(),
    }
}

fn mail_registered(
    outbox: &Outbox,
    user_id: &str,
    user: &NewUser,
    facts: &CertificateFacts,
    now: OffsetDateTime,
) {
    for to in addresses(user) {
        send(
            outbox,
            Mail {
                to,
                subject: "【札幌市電子入札システム】利用者登録完了のお知らせ".into(),
                body: format!(
                    "{name} 様\n\n電子入札システムの利用者登録が完了しました。\n本日より次のICカードで電子入札システムにログインできます。\n\n\
利用者ID : {user_id}\n商号又は名称 : {name}\n\n{card}\n\n札幌市 電子入札システム",
                    name = user.company_name,
                    card = card_lines(facts)
                ),
                sent_at: rfc3339(now),
            },
        );
    }
}
