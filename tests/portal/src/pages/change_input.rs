//! 利用者変更画面: 利用者ID, 企業情報 and the registered certificate's ICカード情報 (有効期限 `#certNotAfter`)
//! read-only; 代表窓口情報 and ICカード利用部署情報 editable (prefilled); 「変更内容確認」 posts `ChangeConfirm.do`.

use crate::certificate::CertificateFacts;
use crate::contacts::{Contacts, FieldErrors};
use crate::html::document;
use crate::pages::{contact_form, facts_tables, title_bar};
use crate::paths;
use crate::registry::User;

pub fn input(
    user: &User,
    card: &CertificateFacts,
    contacts: &Contacts,
    errors: &FieldErrors,
) -> String {
    let body = format!(
        "<body>\n{title}{guidance}{id}{company}{card}\
<form name=\"frmChange\" id=\"frmChange\" method=\"post\" action=\"{action}\" accept-charset=\"Shift_JIS\">\n\
{contacts}<table border=\"0\" align=\"center\"><tr><td>\
<input type=\"submit\" name=\"btnConfirm\" value=\"変更内容確認\" style=\"width: 120px;\"></td></tr></table>\n\
</form>\n</body>",
        title = title_bar("利用者変更"),
        guidance = contact_form::guidance(errors),
        id = facts_tables::user_id(&user.id),
        company = facts_tables::company(&user.roster),
        card = facts_tables::card(card),
        action = paths::CHANGE_CONFIRM,
        contacts = contact_form::editable(contacts, errors),
    );
    document("利用者変更", "", &body)
}
