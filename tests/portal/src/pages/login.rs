//! IC-card login: a challenge and a form the extension (or a test) fills with the card's certificate and its
//! signature over `binding_digest(origin, challenge, Login, b"")`.

use crate::html::{document, escape};
use crate::lenient_base64;
use crate::login::fields;
use crate::pages::title_bar;
use crate::paths;
use crate::registry::User;
use crate::sessions::ChallengeBytes;

pub fn login_form(challenge: &ChallengeBytes) -> String {
    let body = format!(
        "<body>\n{title}\
<form name=\"frmLogin\" id=\"frmLogin\" method=\"post\" action=\"{action}\" accept-charset=\"Shift_JIS\">\n\
<input type=\"hidden\" name=\"{challenge_field}\" id=\"challenge\" value=\"{challenge}\">\n\
<table border=\"0\" cellspacing=\"1\" cellpadding=\"3\" width=\"640\" align=\"center\">\n\
<tr><td class=\"label\">電子証明書（Base64）</td><td><textarea name=\"{cert}\" rows=\"4\" cols=\"60\"></textarea></td></tr>\n\
<tr><td class=\"label\">署名（Base64）</td><td><textarea name=\"{sig}\" rows=\"4\" cols=\"60\"></textarea></td></tr>\n\
<tr><td colspan=\"2\" align=\"center\"><input type=\"submit\" name=\"btnLogin\" id=\"btnLogin\" value=\"ログイン\"></td></tr>\n\
</table>\n</form>\n\
<p align=\"center\"><a href=\"{frameset}\">利用者登録へ</a></p>\n</body>",
        title = title_bar("ICカードによるログイン"),
        action = paths::LOGIN,
        challenge_field = fields::CHALLENGE,
        challenge = escape(&lenient_base64::encode(challenge)),
        cert = fields::CERTIFICATE,
        sig = fields::SIGNATURE,
        frameset = paths::FRAMESET,
    );
    document("ICカードによるログイン", "", &body)
}

pub fn logged_in(user: &User) -> String {
    let body = format!(
        "<body>\n{title}<p id=\"loginResult\">ログインしました。</p>\n\
<table border=\"0\" cellspacing=\"1\" cellpadding=\"3\">\n\
<tr><td class=\"label\">利用者ID</td><td>{id}</td></tr>\n\
<tr><td class=\"label\">商号又は名称</td><td>{name}</td></tr>\n</table>\n</body>",
        title = title_bar("ICカードによるログイン"),
        id = escape(&user.id),
        name = escape(&user.company_name),
    );
    document("ログイン", "", &body)
}
