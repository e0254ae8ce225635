//! 利用者登録メニュー画面: 「登録」「変更」「ICカード更新」. Each button still calls the Java applet that IE ran;
//! modern browsers ignore `<applet>`, so without the extension a click ends in an error message. The extension's
//! content script hooks the buttons and runs 登録, 変更 and the renewal against the endpoints of its own site
//! profile: the page carries no challenge and nothing the extension takes a target from.

use crate::html::document;
use crate::pages::title_bar;
use crate::paths;

/// A menu button, the script handler its click calls and the applet that handler drives.
struct AppletButton {
    /// The button's name and id, its label and the text beside it.
    button: &'static str,
    label: &'static str,
    description: &'static str,
    handler: &'static str,
    /// What the handler does before it calls the applet.
    prelude: &'static str,
    /// What the applet does, said in the handler.
    comment: &'static str,
    /// The handler's call of the applet (and what it does with the answer).
    call: &'static str,
    /// The function named in the error message when the applet does not start.
    function: &'static str,
    applet: &'static str,
    applet_params: &'static str,
}

const BUTTONS: [AppletButton; 3] = [
    AppletButton {
        button: "btnRegist",
        label: "登録",
        description: "利用者情報の新規登録を行います。",
        handler: "fnRegist",
        prelude: "",
        comment: "The applet has the card sign the registration challenge and then opens 資格審査情報検索.",
        call: "document.RegistApplet.regist();\n",
        function: "利用者登録機能",
        applet: "RegistApplet",
        applet_params: "",
    },
    AppletButton {
        button: "btnChange",
        label: "変更",
        description: "登録されている利用者情報の変更を行います。",
        handler: "fnChange",
        prelude: "",
        comment: "The applet has the registered card sign the change challenge and then opens 利用者変更画面.",
        call: "document.ChangeApplet.change();\n",
        function: "利用者変更機能",
        applet: "ChangeApplet",
        applet_params: "",
    },
    AppletButton {
        button: "btnIcRenew",
        label: "ICカード更新",
        description: "有効期限到来間近のICカードを新しいICカードに更新します。",
        handler: "fnIcRenew",
        prelude: "if (!confirm(\"現在使用しているICカードがICカードリーダーに挿入されていることを確認してください。\")) {\n\
    return false;\n\
  }\n\
  var f = document.frmRenew;\n",
        comment: "The applet asks both PINs, has each card sign, posts the steps and then shows the confirmation.",
        call: "var ret = document.RenewApplet.renew();\n\
    if (ret == 0) {\n\
      location.href = f.action;\n\
    }\n",
        function: "ICカード更新機能",
        applet: "RenewApplet",
        applet_params: "<param name=\"origin\" value=\"\">\n",
    },
];

impl AppletButton {
    fn handler_script(&self) -> String {
        format!(
            "function {handler}() {{\n{prelude}try {{\n// {comment}\n{call}}} catch (e) {{\n\
alert(\"{function}（Javaアプレット）を起動できませんでした。\");\n}}\nreturn false;\n}}\n",
            handler = self.handler,
            prelude = self.prelude,
            comment = self.comment,
            call = self.call,
            function = self.function,
        )
    }

    fn row(&self) -> String {
        format!(
            "<tr><td align=\"center\" width=\"140\"><input type=\"button\" name=\"{button}\" id=\"{button}\" \
value=\"{label}\" style=\"width: 120px;\" onclick=\"{handler}(); return false;\"></td><td>{description}</td></tr>\n",
            button = self.button,
            label = self.label,
            handler = self.handler,
            description = self.description,
        )
    }

    fn applet_tag(&self) -> String {
        format!(
            "<applet code=\"jp.lg.sapporo.ebid.accepter.{applet}.class\" archive=\"/CALS/Accepter/applet/{applet}.jar\" \
name=\"{applet}\" width=\"1\" height=\"1\" mayscript>\n{params}</applet>\n",
            applet = self.applet,
            params = self.applet_params,
        )
    }
}

/// The menu; `injected` is the test fixture's raw markup ([`crate::injection`]), placed before the form.
pub fn menu(injected: Option<&str>) -> String {
    let handlers: String = BUTTONS.iter().map(AppletButton::handler_script).collect();
    let script = format!("<script type=\"text/javascript\">\n<!--\n{handlers}//-->\n</script>\n");
    let body = format!(
        "<body>\n{title}{injected}\
<form name=\"frmRenew\" id=\"frmRenew\" method=\"post\" action=\"{action}\" accept-charset=\"Shift_JIS\">\n\
<table border=\"1\" cellspacing=\"0\" cellpadding=\"8\" align=\"center\" width=\"560\">\n\
{rows}</table>\n</form>\n\
{applets}\
<p align=\"center\"><a href=\"{login}\" target=\"_top\">ICカードによるログイン</a></p>\n\
</body>",
        title = title_bar("利用者登録メニュー"),
        injected = injected
            .map(|markup| format!("<div id=\"injected\">{markup}</div>\n"))
            .unwrap_or_default(),
        action = paths::RENEW_CONFIRM,
        rows = BUTTONS.iter().map(AppletButton::row).collect::<String>(),
        applets = BUTTONS.iter().map(AppletButton::applet_tag).collect::<String>(),
        login = paths::LOGIN_PAGE,
    );
    document("利用者登録メニュー", &script, &body)
}
