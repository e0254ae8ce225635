//! 資格審査情報検索画面: the first 利用者登録 screen after the card proof; finds the 名簿 entry by 業者番号.

use crate::html::{document, escape};
use crate::pages::title_bar;
use crate::paths;
use crate::registration::fields;

/// `gyosha_no`: the value to keep in the field; `not_found`: whether the last search missed.
pub fn search(gyosha_no: &str, not_found: bool) -> String {
    let message = if not_found {
        "<p class=\"error\" id=\"searchMessage\">入札参加資格者名簿に該当する業者が見つかりません。</p>\n"
    } else {
        ""
    };
    let body = format!(
        "<body>\n{title}<table border=\"0\" width=\"640\" align=\"center\"><tr><td>\n\
<p>入札参加資格者名簿に登録されている業者番号を入力し、「検索」ボタンをクリックしてください。</p>\n{message}\
</td></tr></table>\n\
<form name=\"frmSearch\" id=\"frmSearch\" method=\"post\" action=\"{action}\" accept-charset=\"Shift_JIS\">\n\
<table border=\"0\" cellspacing=\"1\" cellpadding=\"3\" width=\"640\" align=\"center\">\n\
<tr><td class=\"label\" width=\"200\">業者番号<span class=\"error\">※</span></td>\
<td><input type=\"text\" name=\"{field}\" id=\"{field}\" value=\"{value}\" size=\"20\" maxlength=\"20\"></td></tr>\n\
<tr><td colspan=\"2\" align=\"center\"><input type=\"submit\" name=\"btnSearch\" value=\"検索\" style=\"width: 100px;\"></td></tr>\n\
</table>\n</form>\n</body>",
        title = title_bar("資格審査情報検索"),
        action = paths::REGIST_SEARCH,
        field = fields::GYOSHA_NO,
        value = escape(gyosha_no),
    );
    document("資格審査情報検索", "", &body)
}
