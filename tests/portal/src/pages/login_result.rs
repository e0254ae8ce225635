//! The page after a successful IC-card login (`IcLoginResult.do`).

use crate::html::{document, escape};
use crate::pages::title_bar;
use crate::registry::User;

pub fn logged_in(user: &User) -> String {
    let body = format!(
        "<body>\n{title}<p id=\"loginResult\">ログインしました。</p>\n\
<table border=\"0\" cellspacing=\"1\" cellpadding=\"3\">\n\
<tr><td class=\"label\">利用者ID</td><td id=\"userId\">{id}</td></tr>\n\
<tr><td class=\"label\">商号又は名称</td><td id=\"companyName\">{name}</td></tr>\n</table>\n</body>",
        title = title_bar("ICカードによるログイン"),
        id = escape(&user.id),
        name = escape(&user.company_name),
    );
    document("ログイン", "", &body)
}
