//! 変更完了画面.

use crate::html::document;
use crate::pages::{facts_tables, title_bar};

pub fn changed(user_id: &str) -> String {
    let body = format!(
        "<body>\n{title}<table border=\"0\" width=\"640\" align=\"center\"><tr><td>\n\
<p id=\"changeResult\">利用者情報の変更が完了しました。</p>\n{id}\
<p>代表窓口とICカード利用部署の電子メールアドレスに「利用者情報変更のお知らせ」を送信しました。</p>\n\
<p>画面右上の「×」ボタンをクリックして、一度終了してください。</p>\n</td></tr></table>\n</body>",
        title = title_bar("変更完了"),
        id = facts_tables::user_id(user_id),
    );
    document("変更完了", "", &body)
}
