//! 利用者情報の変更: 「変更」 saves the confirmed contact data of the session's proven registered card and mails
//! 「利用者情報変更のお知らせ」 to the new addresses.

use time::OffsetDateTime;

use crate::contacts::Contacts;
use crate::lenient_base64;
use crate::outbox::{Mail, Outbox};
use crate::refusal::Refusal;
use crate::registry::Registry;
use crate::renewal::{rfc3339, send};

/// Saves `contacts` for `user_id`, whose registered certificate must still be `certificate` (a renewal meanwhile
/// makes the proof stale).
pub fn commit(
    registry: &mut Registry,
    outbox: &Outbox,
    user_id: &str,
    certificate: &[u8],
    contacts: &Contacts,
    now: OffsetDateTime,
) -> Result<(), Refusal> {
    let user = registry
        .user(user_id)
        .filter(|u| lenient_base64::decode(&u.certificate).as_deref() == Some(certificate))
        .ok_or(Refusal::RegistrationChanged)?
        .clone();
    registry
        .update_contacts(user_id, contacts)
        .map_err(|_| Refusal::StoreFailure)?;
    for to in contacts.mail_addresses() {
        send(
            outbox,
            Mail {
                to,
                subject: "【札幌市電子入札システム】利用者情報変更のお知らせ".into(),
                body: format!(
                    "{name} 様\n\n電子入札システムの利用者情報を変更しました。\n\n利用者ID : {id}\n\n\
代表窓口情報\n{rep}\n\nICカード利用部署情報\n{dept}\n\n\
この変更に心当たりがない場合は、札幌市までお問い合わせください。\n\n札幌市 電子入札システム",
                    name = user.company_name,
                    id = user.id,
                    rep = contact_lines(&contacts.representative),
                    dept = contact_lines(&contacts.department),
                ),
                sent_at: rfc3339(now),
            },
        );
    }
    Ok(())
}

fn contact_lines(contact: &crate::contacts::Contact) -> String {
    use crate::contacts::Part;
    Part::ALL
        .iter()
        .map(|part| format!("{} : {}", part.label(), contact.get(*part)))
        .collect::<Vec<_>>()
        .join("\n")
}
