//! 利用者変更画面: 利用者ID, 企業情報 and the registered certificate's ICカード情報 (有効期限 `#certNotAfter`)
//! read-only; 代表窓口情報 and ICカード利用部署情報 editable (prefilled); 「変更内容確認」 posts `ChangeConfirm.do`.

use crate::certificate::CertificateFacts;
use crate::contacts::{Contacts, FieldErrors};
use crate::pages::contact_screens::{self, Button};
use crate::pages::facts_tables;
use crate::paths;
use crate::registry::User;

pub fn input(
    user: &User,
    card: &CertificateFacts,
    contacts: &Contacts,
    errors: &FieldErrors,
) -> String {
    let facts = facts_tables::user_id(&user.id)
        + &facts_tables::company(&user.roster)
        + &facts_tables::card(card);
    contact_screens::input(
        "利用者変更",
        &facts,
        "frmChange",
        paths::CHANGE_CONFIRM,
        &Button {
            name: "btnConfirm",
            label: "変更内容確認",
        },
        contacts,
        errors,
    )
}
