//! 代表窓口情報 and ICカード利用部署情報 as the input screens show them (inputs with the entered values and a
//! message next to each field that failed) and as the confirmation screens show them (read-only).

use crate::contacts::{field_name, Contacts, FieldErrors, Part, Window};
use crate::html::escape;

/// Both windows' tables, each under its heading, with `row(window, part)` for every part.
fn both_windows(row: impl Fn(Window, Part) -> String) -> String {
    let mut html = String::new();
    for window in Window::ALL {
        html.push_str(&format!(
            "<table border=\"0\" cellspacing=\"1\" cellpadding=\"3\" width=\"640\" align=\"center\">\n\
<tr><td class=\"section\" colspan=\"2\">{}</td></tr>\n",
            escape(window.heading())
        ));
        for part in Part::ALL {
            html.push_str(&row(window, part));
        }
        html.push_str("</table>\n<br>\n");
    }
    html
}

/// Input rows for both windows; `errors` holds a message per field name.
pub fn editable(contacts: &Contacts, errors: &FieldErrors) -> String {
    both_windows(|window, part| {
        let name = field_name(window, part);
        let error = errors
            .get(name)
            .map(|message| {
                format!(
                    "<br><span class=\"error\" id=\"{name}Error\">{}</span>",
                    escape(message)
                )
            })
            .unwrap_or_default();
        format!(
            "<tr><td class=\"label\" width=\"200\">{label}<span class=\"error\">※</span></td>\
<td><input type=\"text\" name=\"{name}\" id=\"{name}\" value=\"{value}\" size=\"50\" maxlength=\"{max}\">{error}</td></tr>\n",
            label = escape(part.label()),
            value = escape(contacts.window(window).get(part)),
            max = part.max_chars(),
        )
    })
}

/// Read-only rows for both windows; each value's id is `<field>Value`.
pub fn read_only(contacts: &Contacts) -> String {
    both_windows(|window, part| {
        format!(
            "<tr><td class=\"label\" width=\"200\">{}</td><td id=\"{}Value\">{}</td></tr>\n",
            escape(part.label()),
            field_name(window, part),
            escape(contacts.window(window).get(part)),
        )
    })
}

/// The explanation above the inputs, and the summary when some fields failed.
pub fn guidance(errors: &FieldErrors) -> String {
    let summary = if errors.is_empty() {
        String::new()
    } else {
        "<p class=\"error\" id=\"inputErrors\">入力内容に誤りがあります。各項目のメッセージを確認してください。</p>\n"
            .to_string()
    };
    format!(
        "<table border=\"0\" width=\"640\" align=\"center\"><tr><td>\n{summary}\
<p>※は必須項目です。電話番号は半角数字とハイフン（-）で入力してください。</p>\n</td></tr></table>\n"
    )
}
