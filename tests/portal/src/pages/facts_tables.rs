//! The read-only tables the 登録 / 変更 screens share: 企業情報 (from the 名簿) and ICカード情報 (from the card's
//! certificate), each value with an id tests and scripts can read.

use crate::certificate::CertificateFacts;
use crate::html::{escape, slash_date};
use crate::registry::RosterEntry;

fn rows(heading: &str, rows: &[(&str, &str, String)]) -> String {
    let mut html = format!(
        "<table border=\"0\" cellspacing=\"1\" cellpadding=\"3\" width=\"640\" align=\"center\">\n\
<tr><td class=\"section\" colspan=\"2\">{}</td></tr>\n",
        escape(heading)
    );
    for (label, id, value) in rows {
        html.push_str(&format!(
            "<tr><td class=\"label\" width=\"200\">{}</td><td id=\"{id}\">{}</td></tr>\n",
            escape(label),
            escape(value)
        ));
    }
    html.push_str("</table>\n<br>\n");
    html
}

/// 企業情報: 業者番号, 商号又は名称, 所在地, 代表者氏名, 電話番号.
pub fn company(entry: &RosterEntry) -> String {
    rows(
        "企業情報",
        &[
            ("業者番号", "companyGyoshaNo", entry.gyosha_no.clone()),
            ("商号又は名称", "companyName", entry.company_name.clone()),
            ("所在地", "companyAddress", entry.address.clone()),
            (
                "代表者氏名",
                "companyRepresentative",
                entry.representative.clone(),
            ),
            ("電話番号", "companyPhone", entry.phone.clone()),
        ],
    )
}

/// ICカード情報: 取得者氏名, 商号 (subject O), 有効期限, 発行者, シリアル番号.
pub fn card(facts: &CertificateFacts) -> String {
    let none = || "（なし）".to_string();
    rows(
        "ICカード情報",
        &[
            (
                "ICカード取得者氏名",
                "certHolder",
                facts.holder_name.clone().unwrap_or_else(none),
            ),
            (
                "ICカード商号又は名称",
                "certOrganization",
                facts.organization.clone().unwrap_or_else(none),
            ),
            (
                "証明書有効期限",
                "certNotAfter",
                slash_date(facts.not_after),
            ),
            ("証明書発行者", "certIssuer", facts.issuer.clone()),
            ("証明書シリアル番号", "certSerial", facts.serial.clone()),
        ],
    )
}

/// 利用者ID as a one-row table.
pub fn user_id(id: &str) -> String {
    rows("利用者情報", &[("利用者ID", "userId", id.to_string())])
}
