//! 利用者登録メニュー画面: 「登録」「変更」「ICカード更新」. The 「ICカード更新」 button still calls the Java applet
//! that IE ran; modern browsers ignore `<applet>`, so without the extension the click ends in an error message.
//! The extension's content script finds form `frmRenew`, fills the applet's hidden fields and submits it.

use crate::html::{document, escape};
use crate::lenient_base64;
use crate::pages::title_bar;
use crate::paths;
use crate::renewal::fields;
use crate::sessions::ChallengeBytes;

pub fn menu(challenge: &ChallengeBytes) -> String {
    let script = "<script type=\"text/javascript\">\n<!--\n\
function fnIcRenew() {\n\
  if (!confirm(\"現在使用しているICカードがICカードリーダーに挿入されていることを確認してください。\")) {\n\
    return false;\n\
  }\n\
  var f = document.frmRenew;\n\
  try {\n\
    // The applet asks both PINs, reads both cards, signs and fills the hidden fields.\n\
    var ret = document.RenewApplet.renew(f.challenge.value);\n\
    if (ret == 0) {\n\
      f.submit();\n\
    }\n\
  } catch (e) {\n\
    alert(\"ICカード更新機能（Javaアプレット）を起動できませんでした。\");\n\
  }\n\
  return false;\n\
}\n\
//-->\n</script>\n";
    let body = format!(
        "<body>\n{title}\
<form name=\"frmRenew\" id=\"frmRenew\" method=\"post\" action=\"{action}\" accept-charset=\"Shift_JIS\">\n\
<input type=\"hidden\" name=\"{challenge_field}\" id=\"challenge\" value=\"{challenge}\">\n\
<input type=\"hidden\" name=\"{old_cert}\" value=\"\">\n\
<input type=\"hidden\" name=\"{old_sig}\" value=\"\">\n\
<input type=\"hidden\" name=\"{new_cert}\" value=\"\">\n\
<input type=\"hidden\" name=\"{new_sig}\" value=\"\">\n\
<table border=\"1\" cellspacing=\"0\" cellpadding=\"8\" align=\"center\" width=\"560\">\n\
<tr><td align=\"center\" width=\"140\"><input type=\"button\" name=\"btnRegist\" value=\"登録\" style=\"width: 120px;\" \
onclick=\"location.href='{np}?func=regist'\"></td><td>利用者情報の新規登録を行います。</td></tr>\n\
<tr><td align=\"center\"><input type=\"button\" name=\"btnChange\" value=\"変更\" style=\"width: 120px;\" \
onclick=\"location.href='{np}?func=change'\"></td><td>登録されている利用者情報の変更を行います。</td></tr>\n\
<tr><td align=\"center\"><input type=\"button\" name=\"btnIcRenew\" id=\"btnIcRenew\" value=\"ICカード更新\" \
style=\"width: 120px;\" onclick=\"fnIcRenew(); return false;\"></td>\
<td>有効期限到来間近のICカードを新しいICカードに更新します。</td></tr>\n\
</table>\n</form>\n\
<applet code=\"jp.lg.sapporo.ebid.accepter.RenewApplet.class\" archive=\"/CALS/Accepter/applet/RenewApplet.jar\" \
name=\"RenewApplet\" width=\"1\" height=\"1\" mayscript>\n\
<param name=\"origin\" value=\"\">\n\
</applet>\n\
<p align=\"center\"><a href=\"{login}\" target=\"_top\">ICカードによるログイン</a></p>\n\
</body>",
        title = title_bar("利用者登録メニュー"),
        action = paths::RENEW_CONFIRM,
        challenge_field = fields::CHALLENGE,
        challenge = escape(&lenient_base64::encode(challenge)),
        old_cert = fields::OLD_CERTIFICATE,
        old_sig = fields::OLD_SIGNATURE,
        new_cert = fields::NEW_CERTIFICATE,
        new_sig = fields::NEW_SIGNATURE,
        np = paths::NOT_PROVIDED,
        login = paths::LOGIN,
    );
    document("利用者登録メニュー", script, &body)
}
