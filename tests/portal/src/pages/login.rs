//! ICカードによるログイン画面, in the core system's shape: the 「ログイン」 button still calls the Java applet IE
//! ran (`document.LoginApplet.login()`); modern browsers ignore `<applet>`, so without the extension the click ends
//! in an alert. The extension hooks `btnIcLogin` and proves the card at the JSON endpoints of its own profile.

use crate::html::document;
use crate::pages::title_bar;
use crate::paths;

pub fn login_page() -> String {
    let script = "<script type=\"text/javascript\">\n<!--\n\
function fnIcLogin() {\n\
  try {\n\
    // The applet asks the PIN, has the card sign the login challenge and then shows the result.\n\
    var ret = document.LoginApplet.login();\n\
    if (ret == 0) {\n\
      location.href = document.frmLogin.action;\n\
    }\n\
  } catch (e) {\n\
    alert(\"ログイン機能（Javaアプレット）を起動できませんでした。\");\n\
  }\n\
  return false;\n\
}\n\
//-->\n</script>\n";
    let body = format!(
        "<body>\n{title}\
<form name=\"frmLogin\" id=\"frmLogin\" method=\"get\" action=\"{result}\">\n\
<table border=\"0\" cellspacing=\"1\" cellpadding=\"8\" width=\"640\" align=\"center\">\n\
<tr><td id=\"loginGuide\">ICカードをICカードリーダーに挿入し、「ログイン」ボタンをクリックしてください。</td></tr>\n\
<tr><td align=\"center\"><input type=\"button\" name=\"btnIcLogin\" id=\"btnIcLogin\" value=\"ログイン\" \
style=\"width: 120px;\" onclick=\"fnIcLogin(); return false;\"></td></tr>\n\
</table>\n</form>\n\
<applet code=\"jp.lg.sapporo.ebid.accepter.LoginApplet.class\" archive=\"/CALS/Accepter/applet/LoginApplet.jar\" \
name=\"LoginApplet\" width=\"1\" height=\"1\" mayscript>\n</applet>\n\
<p align=\"center\"><a href=\"{frameset}\">利用者登録メニューへ</a></p>\n</body>",
        title = title_bar("ICカードによるログイン"),
        result = paths::LOGIN_RESULT,
        frameset = paths::FRAMESET,
    );
    document("ICカードによるログイン", script, &body)
}
