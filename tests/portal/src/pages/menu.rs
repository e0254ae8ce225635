//! 利用者登録メニュー画面: 「登録」「変更」「ICカード更新」. Each button still calls the Java applet that IE ran;
//! modern browsers ignore `<applet>`, so without the extension a click ends in an error message. The extension's
//! content script hooks the buttons and runs 登録, 変更 and the renewal against the endpoints of its own site
//! profile: the page carries no challenge and nothing the extension takes a target from.

use crate::html::document;
use crate::pages::title_bar;
use crate::paths;

/// The menu; `injected` is the test fixture's raw markup ([`crate::injection`]), placed before the form.
pub fn menu(injected: Option<&str>) -> String {
    let script = "<script type=\"text/javascript\">\n<!--\n\
function fnIcRenew() {\n\
  if (!confirm(\"現在使用しているICカードがICカードリーダーに挿入されていることを確認してください。\")) {\n\
    return false;\n\
  }\n\
  var f = document.frmRenew;\n\
  try {\n\
    // The applet asks both PINs, has each card sign, posts the steps and then shows the confirmation.\n\
    var ret = document.RenewApplet.renew();\n\
    if (ret == 0) {\n\
      location.href = f.action;\n\
    }\n\
  } catch (e) {\n\
    alert(\"ICカード更新機能（Javaアプレット）を起動できませんでした。\");\n\
  }\n\
  return false;\n\
}\n\
function fnRegist() {\n\
  try {\n\
    // The applet has the card sign the registration challenge and then opens 資格審査情報検索.\n\
    document.RegistApplet.regist();\n\
  } catch (e) {\n\
    alert(\"利用者登録機能（Javaアプレット）を起動できませんでした。\");\n\
  }\n\
  return false;\n\
}\n\
function fnChange() {\n\
  try {\n\
    // The applet has the registered card sign the change challenge and then opens 利用者変更画面.\n\
    document.ChangeApplet.change();\n\
  } catch (e) {\n\
    alert(\"利用者変更機能（Javaアプレット）を起動できませんでした。\");\n\
  }\n\
  return false;\n\
}\n\
//-->\n</script>\n";
    let body = format!(
        "<body>\n{title}{injected}\
<form name=\"frmRenew\" id=\"frmRenew\" method=\"post\" action=\"{action}\" accept-charset=\"Shift_JIS\">\n\
<table border=\"1\" cellspacing=\"0\" cellpadding=\"8\" align=\"center\" width=\"560\">\n\
<tr><td align=\"center\" width=\"140\"><input type=\"button\" name=\"btnRegist\" id=\"btnRegist\" value=\"登録\" \
style=\"width: 120px;\" onclick=\"fnRegist(); return false;\"></td><td>利用者情報の新規登録を行います。</td></tr>\n\
<tr><td align=\"center\"><input type=\"button\" name=\"btnChange\" id=\"btnChange\" value=\"変更\" \
style=\"width: 120px;\" onclick=\"fnChange(); return false;\"></td><td>登録されている利用者情報の変更を行います。</td></tr>\n\
<tr><td align=\"center\"><input type=\"button\" name=\"btnIcRenew\" id=\"btnIcRenew\" value=\"ICカード更新\" \
style=\"width: 120px;\" onclick=\"fnIcRenew(); return false;\"></td>\
<td>有効期限到来間近のICカードを新しいICカードに更新します。</td></tr>\n\
</table>\n</form>\n\
<applet code=\"jp.lg.sapporo.ebid.accepter.RenewApplet.class\" archive=\"/CALS/Accepter/applet/RenewApplet.jar\" \
name=\"RenewApplet\" width=\"1\" height=\"1\" mayscript>\n\
<param name=\"origin\" value=\"\">\n\
</applet>\n\
<applet code=\"jp.lg.sapporo.ebid.accepter.RegistApplet.class\" archive=\"/CALS/Accepter/applet/RegistApplet.jar\" \
name=\"RegistApplet\" width=\"1\" height=\"1\" mayscript>\n</applet>\n\
<applet code=\"jp.lg.sapporo.ebid.accepter.ChangeApplet.class\" archive=\"/CALS/Accepter/applet/ChangeApplet.jar\" \
name=\"ChangeApplet\" width=\"1\" height=\"1\" mayscript>\n</applet>\n\
<p align=\"center\"><a href=\"{login}\" target=\"_top\">ICカードによるログイン</a></p>\n\
</body>",
        title = title_bar("利用者登録メニュー"),
        injected = injected
            .map(|markup| format!("<div id=\"injected\">{markup}</div>\n"))
            .unwrap_or_default(),
        action = paths::RENEW_CONFIRM,
        login = paths::LOGIN_PAGE,
    );
    document("利用者登録メニュー", script, &body)
}
