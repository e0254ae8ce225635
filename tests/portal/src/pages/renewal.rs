//! 電子証明書更新確認画面 and 更新完了画面, with the seed manual's layout and texts.

use crate::certificate::CertificateFacts;
use crate::html::{document, escape, slash_date};
use crate::pages::title_bar;
use crate::paths;
use crate::registry::User;

pub fn confirmation(user: &User, current: &CertificateFacts, new: &CertificateFacts) -> String {
    let body = format!(
        "<body>\n{title}\
<table border=\"0\" cellspacing=\"1\" cellpadding=\"3\" width=\"640\" align=\"center\" id=\"currentCard\">\n{current}</table>\n<br>\n\
<table border=\"0\" cellspacing=\"1\" cellpadding=\"3\" width=\"640\" align=\"center\" id=\"newCard\">\n{new}</table>\n<br>\n\
<table border=\"0\" width=\"640\" align=\"center\">\n\
<tr><td>新規に使用するICカードの取得者商号又は名称とICカード取得者商号又は名称が御社の商号又は名称であることを確認してください。</td></tr>\n\
<tr><td>この内容でよろしければ更新ボタンを押してください</td></tr>\n</table>\n<br>\n\
<table border=\"0\" align=\"center\"><tr>\n\
<td><form name=\"frmUpdate\" method=\"post\" action=\"{commit}\" accept-charset=\"Shift_JIS\">\
<input type=\"submit\" name=\"btnUpdate\" value=\"更新\" style=\"width: 100px;\"></form></td>\n\
<td><form name=\"frmBack\" method=\"get\" action=\"{menu}\">\
<input type=\"submit\" name=\"btnBack\" value=\"戻る\" style=\"width: 100px;\"></form></td>\n\
</tr></table>\n</body>",
        title = title_bar("電子証明書更新確認"),
        current = card_rows("現在使用しているICカード", user, current),
        new = card_rows("新規に使用するICカード", user, new),
        commit = paths::RENEW_COMMIT,
        menu = paths::MENU,
    );
    document("電子証明書更新確認", "", &body)
}

fn card_rows(heading: &str, user: &User, facts: &CertificateFacts) -> String {
    let none = "（なし）".to_string();
    let rows = [
        ("商号又は名称", user.company_name.clone()),
        ("所在地", user.address.clone()),
        (
            "ICカード商号又は名称",
            facts.organization.clone().unwrap_or_else(|| none.clone()),
        ),
        (
            "ICカード取得者氏名",
            facts.holder_name.clone().unwrap_or_else(|| none.clone()),
        ),
        (
            "ICカード取得者業者所在地",
            facts.address.clone().unwrap_or_else(|| none.clone()),
        ),
        ("証明書シリアル番号", facts.serial.clone()),
        ("証明書発行者", facts.issuer.clone()),
        ("証明書有効期限", slash_date(facts.not_after)),
    ];
    let mut html = format!(
        "<tr><td class=\"section\" colspan=\"3\">{}</td></tr>\n",
        escape(heading)
    );
    for (index, (label, value)) in rows.iter().enumerate() {
        if index == 2 {
            html.push_str("<tr><td colspan=\"3\">&nbsp;</td></tr>\n");
        }
        html.push_str(&format!(
            "<tr><td class=\"label\" width=\"200\">{}</td><td width=\"10\">:</td><td>{}</td></tr>\n",
            escape(label),
            escape(value)
        ));
    }
    html
}

pub fn completed() -> String {
    completion_page(
        "<p>ICカードの更新が完了しました。</p>\n<p>以前のICカードは使用できなくなりました。</p>\n",
    )
}

pub fn held_for_review(differences: &[String]) -> String {
    let list: String = differences
        .iter()
        .map(|d| format!("<li>{}</li>\n", escape(d)))
        .collect();
    completion_page(&format!(
        "<p>ICカード更新申請を受け付けました。</p>\n\
<p>入札参加資格者名簿に登録されている「商号又は名称」と「代表者氏名」の情報が、新しいICカードに格納されている「商号又は名称」と\
「代表者氏名」の情報と一致していないため、ICカード更新処理は保留されました。札幌市にて利用者登録情報の審査を行い、\
承認された場合のみ、新しいICカードを利用できるようになります。審査結果については、後日、札幌市から電子メールが送付されますので、\
そのメールにて確認してください。</p>\n<ul>\n{list}</ul>\n\
<p>審査が終わるまでは、現在使用しているICカードを引き続き使用できます。</p>\n"
    ))
}

fn completion_page(message: &str) -> String {
    let body = format!(
        "<body>\n{title}<table border=\"0\" width=\"640\" align=\"center\"><tr><td>\n{message}\
<p>画面右上の「×」ボタンをクリックして、一度終了してください。</p>\n\
<p>※電子入札システムへログインする際は、すべてのブラウザを一度終了させた後に、再度ブラウザを起動し、電子入札システムへアクセスしてください。</p>\n\
</td></tr></table>\n</body>",
        title = title_bar("更新完了"),
    );
    document("更新完了", "", &body)
}
