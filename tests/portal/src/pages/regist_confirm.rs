//! 入力内容確認画面 of 利用者登録: everything read-only, 「登録」 (`RegistCommit.do`) and 「戻る」 (the input screen
//! with the values kept).

use crate::certificate::CertificateFacts;
use crate::contacts::Contacts;
use crate::html::document;
use crate::pages::{contact_form, facts_tables, title_bar};
use crate::paths;
use crate::registry::RosterEntry;

pub fn confirm(roster: &RosterEntry, card: &CertificateFacts, contacts: &Contacts) -> String {
    let body = format!(
        "<body>\n{title}<table border=\"0\" width=\"640\" align=\"center\"><tr><td>\
この内容でよろしければ「登録」ボタンをクリックしてください。</td></tr></table>\n\
{company}{card}{contacts}\
<table border=\"0\" align=\"center\"><tr>\n\
<td><form name=\"frmCommit\" method=\"post\" action=\"{commit}\" accept-charset=\"Shift_JIS\">\
<input type=\"submit\" name=\"btnRegist\" value=\"登録\" style=\"width: 100px;\"></form></td>\n\
<td><form name=\"frmBack\" method=\"get\" action=\"{back}\">\
<input type=\"submit\" name=\"btnBack\" value=\"戻る\" style=\"width: 100px;\"></form></td>\n\
</tr></table>\n</body>",
        title = title_bar("入力内容確認"),
        company = facts_tables::company(roster),
        card = facts_tables::card(card),
        contacts = contact_form::read_only(contacts),
        commit = paths::REGIST_COMMIT,
        back = paths::REGIST_INPUT,
    );
    document("入力内容確認", "", &body)
}
