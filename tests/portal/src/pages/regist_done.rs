//! 利用者登録完了画面: registered (with the new 利用者ID), or held for the city's review (仮登録).

use crate::html::{document, escape};
use crate::pages::{facts_tables, title_bar};

pub fn registered(user_id: &str) -> String {
    page(&format!(
        "<p id=\"registResult\">利用者登録が完了しました。</p>\n{id}\
<p>登録した代表窓口とICカード利用部署の電子メールアドレスに「利用者登録完了のお知らせ」を送信しました。</p>\n\
<p>本日より登録したICカードで電子入札システムにログインできます。</p>\n",
        id = facts_tables::user_id(user_id),
    ))
}

pub fn held_for_review(differences: &[String]) -> String {
    let list: String = differences
        .iter()
        .map(|d| format!("<li>{}</li>\n", escape(d)))
        .collect();
    page(&format!(
        "<p id=\"registResult\">利用者登録申請を受け付けました（仮登録）。</p>\n\
<p>入札参加資格者名簿に登録されている「商号又は名称」と「代表者氏名」の情報が、ICカードに格納されている情報と一致していないため、\
利用者登録は保留されました。札幌市にて審査を行い、承認された場合のみ、このICカードを利用できるようになります。\
審査結果については、後日、札幌市から電子メールが送付されますので、そのメールにて確認してください。</p>\n<ul>\n{list}</ul>\n"
    ))
}

fn page(message: &str) -> String {
    let body = format!(
        "<body>\n{title}<table border=\"0\" width=\"640\" align=\"center\"><tr><td>\n{message}\
<p>画面右上の「×」ボタンをクリックして、一度終了してください。</p>\n</td></tr></table>\n</body>",
        title = title_bar("登録完了"),
    );
    document("登録完了", "", &body)
}
