//! 利用者登録画面: 企業情報 from the 名簿 and ICカード情報 from the card (read-only), 代表窓口情報 and
//! ICカード利用部署情報 to enter; 「入力内容確認」 posts them to `RegistConfirm.do`.

use crate::certificate::CertificateFacts;
use crate::contacts::{Contacts, FieldErrors};
use crate::pages::contact_screens::{self, Button};
use crate::pages::facts_tables;
use crate::paths;
use crate::registry::RosterEntry;

pub fn input(
    roster: &RosterEntry,
    card: &CertificateFacts,
    contacts: &Contacts,
    errors: &FieldErrors,
) -> String {
    let facts = facts_tables::company(roster) + &facts_tables::card(card);
    contact_screens::input(
        "利用者登録",
        &facts,
        "frmRegist",
        paths::REGIST_CONFIRM,
        &Button {
            name: "btnConfirm",
            label: "入力内容確認",
        },
        contacts,
        errors,
    )
}
