//! 利用者登録画面: 企業情報 from the 名簿 and ICカード情報 from the card (read-only), 代表窓口情報 and
//! ICカード利用部署情報 to enter; 「入力内容確認」 posts them to `RegistConfirm.do`.

use crate::certificate::CertificateFacts;
use crate::contacts::{Contacts, FieldErrors};
use crate::html::document;
use crate::pages::{contact_form, facts_tables, title_bar};
use crate::paths;
use crate::registry::RosterEntry;

pub fn input(
    roster: &RosterEntry,
    card: &CertificateFacts,
    contacts: &Contacts,
    errors: &FieldErrors,
) -> String {
    let body = format!(
        "<body>\n{title}{guidance}{company}{card}\
<form name=\"frmRegist\" id=\"frmRegist\" method=\"post\" action=\"{action}\" accept-charset=\"Shift_JIS\">\n\
{contacts}<table border=\"0\" align=\"center\"><tr><td>\
<input type=\"submit\" name=\"btnConfirm\" value=\"入力内容確認\" style=\"width: 120px;\"></td></tr></table>\n\
</form>\n</body>",
        title = title_bar("利用者登録"),
        guidance = contact_form::guidance(errors),
        company = facts_tables::company(roster),
        card = facts_tables::card(card),
        action = paths::REGIST_CONFIRM,
        contacts = contact_form::editable(contacts, errors),
    );
    document("利用者登録", "", &body)
}
