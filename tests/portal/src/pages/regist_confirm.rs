//! 入力内容確認画面 of 利用者登録: everything read-only, 「登録」 (`RegistCommit.do`) and 「戻る」 (the input screen
//! with the values kept).

use crate::certificate::CertificateFacts;
use crate::contacts::Contacts;
use crate::pages::contact_screens::{self, Button};
use crate::pages::facts_tables;
use crate::paths;
use crate::registry::RosterEntry;

pub fn confirm(roster: &RosterEntry, card: &CertificateFacts, contacts: &Contacts) -> String {
    let facts = facts_tables::company(roster) + &facts_tables::card(card);
    contact_screens::confirm(
        "入力内容確認",
        &facts,
        contacts,
        &Button {
            name: "btnRegist",
            label: "登録",
        },
        paths::REGIST_COMMIT,
        paths::REGIST_INPUT,
    )
}
