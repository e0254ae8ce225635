//! Error pages and the page for functions the replica does not provide.

use crate::html::{document, escape};
use crate::pages::title_bar;
use crate::paths;
use crate::refusal::Refusal;

pub fn refusal(refusal: &Refusal, back_to: &str, back_label: &str) -> String {
    let registration = if refusal.needs_new_registration() {
        format!(
            "<p>ICカードの有効期限を過ぎてしまった場合、またはICカードの紛失、閉塞の場合は、ICカード更新は使用できません。\
「2.1.3 利用者情報の新規登録」により、新規に利用者登録を行ってください。\
なお、利用者登録ではICカード利用部署情報等の入力が必要になります。</p>\n\
<p><a href=\"{}\" id=\"registrationPointer\">利用者登録メニューへ（「登録」）</a></p>\n",
            paths::MENU
        )
    } else {
        String::new()
    };
    let body = format!(
        "<body>\n{title}<table border=\"0\" width=\"640\" align=\"center\"><tr><td>\n\
<p class=\"error\" id=\"errorTitle\">{headline}</p>\n<p id=\"errorMessage\">{text}</p>\n{registration}\
<p><a href=\"{back}\">{back_label}</a></p>\n</td></tr></table>\n</body>",
        title = title_bar("エラー"),
        headline = escape(refusal.title()),
        text = escape(&refusal.explanation()),
        back = escape(back_to),
        back_label = escape(back_label),
    );
    document("エラー", "", &body)
}

/// A plain message page (bad request, not found, too large).
pub fn message(title: &str, text: &str) -> String {
    let body = format!(
        "<body>\n{bar}<p>{text}</p>\n<p><a href=\"{menu}\">利用者登録メニューへ戻る</a></p>\n</body>",
        bar = title_bar(title),
        text = escape(text),
        menu = paths::MENU
    );
    document(title, "", &body)
}

pub fn not_provided(function: &str) -> String {
    let name = match function {
        "publish" => "入札情報サービス",
        "inquiry" => "お問い合わせ",
        _ => "この機能",
    };
    message(
        name,
        &format!("{name}は、このレプリカでは提供していません。"),
    )
}
