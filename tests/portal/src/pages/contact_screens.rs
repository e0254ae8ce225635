//! The two screens 登録 and 変更 share: the input screen (facts read-only, contacts editable) and the
//! confirmation screen (everything read-only, the commit button and 「戻る」).

use crate::contacts::{Contacts, FieldErrors};
use crate::html::document;
use crate::pages::{contact_form, title_bar};

/// A submit button: its `name` and its label.
pub struct Button {
    pub name: &'static str,
    pub label: &'static str,
}

/// The input screen titled `title`: the guidance, `facts` (the read-only tables), then form `form` with the
/// editable contacts posting to `action` by `confirm`.
pub fn input(
    title: &str,
    facts: &str,
    form: &str,
    action: &str,
    confirm: &Button,
    contacts: &Contacts,
    errors: &FieldErrors,
) -> String {
    let body = format!(
        "<body>\n{title_bar}{guidance}{facts}\
<form name=\"{form}\" id=\"{form}\" method=\"post\" action=\"{action}\" accept-charset=\"Shift_JIS\">\n\
{contacts}<table border=\"0\" align=\"center\"><tr><td>\
<input type=\"submit\" name=\"{name}\" value=\"{label}\" style=\"width: 120px;\"></td></tr></table>\n\
</form>\n</body>",
        title_bar = title_bar(title),
        guidance = contact_form::guidance(errors),
        contacts = contact_form::editable(contacts, errors),
        name = confirm.name,
        label = confirm.label,
    );
    document(title, "", &body)
}

/// The confirmation screen titled `title`: the prompt naming `commit`, `facts`, the contacts read-only,
/// `commit` posting to `commit_action` and 「戻る」 back to `back`.
pub fn confirm(
    title: &str,
    facts: &str,
    contacts: &Contacts,
    commit: &Button,
    commit_action: &str,
    back: &str,
) -> String {
    let body = format!(
        "<body>\n{title_bar}<table border=\"0\" width=\"640\" align=\"center\"><tr><td>\
この内容でよろしければ「{label}」ボタンをクリックしてください。</td></tr></table>\n\
{facts}{contacts}\
<table border=\"0\" align=\"center\"><tr>\n\
<td><form name=\"frmCommit\" method=\"post\" action=\"{commit_action}\" accept-charset=\"Shift_JIS\">\
<input type=\"submit\" name=\"{name}\" value=\"{label}\" style=\"width: 100px;\"></form></td>\n\
<td><form name=\"frmBack\" method=\"get\" action=\"{back}\">\
<input type=\"submit\" name=\"btnBack\" value=\"戻る\" style=\"width: 100px;\"></form></td>\n\
</tr></table>\n</body>",
        title_bar = title_bar(title),
        contacts = contact_form::read_only(contacts),
        name = commit.name,
        label = commit.label,
    );
    document(title, "", &body)
}
