//! 変更内容確認画面: the new contact data read-only, 「変更」 (`ChangeCommit.do`) and 「戻る」.

use crate::contacts::Contacts;
use crate::pages::contact_screens::{self, Button};
use crate::pages::facts_tables;
use crate::paths;
use crate::registry::User;

pub fn confirm(user: &User, contacts: &Contacts) -> String {
    let facts = facts_tables::user_id(&user.id) + &facts_tables::company(&user.roster);
    contact_screens::confirm(
        "変更内容確認",
        &facts,
        contacts,
        &Button {
            name: "btnChange",
            label: "変更",
        },
        paths::CHANGE_COMMIT,
        paths::CHANGE_INPUT,
    )
}
