//! 変更内容確認画面: the new contact data read-only, 「変更」 (`ChangeCommit.do`) and 「戻る」.

use crate::contacts::Contacts;
use crate::html::document;
use crate::pages::{contact_form, facts_tables, title_bar};
use crate::paths;
use crate::registry::User;

pub fn confirm(user: &User, contacts: &Contacts) -> String {
    let body = format!(
        "<body>\n{title}<table border=\"0\" width=\"640\" align=\"center\"><tr><td>\
この内容でよろしければ「変更」ボタンをクリックしてください。</td></tr></table>\n\
{id}{company}{contacts}\
<table border=\"0\" align=\"center\"><tr>\n\
<td><form name=\"frmCommit\" method=\"post\" action=\"{commit}\" accept-charset=\"Shift_JIS\">\
<input type=\"submit\" name=\"btnChange\" value=\"変更\" style=\"width: 100px;\"></form></td>\n\
<td><form name=\"frmBack\" method=\"get\" action=\"{back}\">\
<input type=\"submit\" name=\"btnBack\" value=\"戻る\" style=\"width: 100px;\"></form></td>\n\
</tr></table>\n</body>",
        title = title_bar("変更内容確認"),
        id = facts_tables::user_id(&user.id),
        company = facts_tables::company(&user.roster),
        contacts = contact_form::read_only(contacts),
        commit = paths::CHANGE_COMMIT,
        back = paths::CHANGE_INPUT,
    );
    document("変更内容確認", "", &body)
}
