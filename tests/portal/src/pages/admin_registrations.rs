//! The city's side, for the fixture: held registrations (仮登録) with 承認/否認.

use crate::certificate::CertificateFacts;
use crate::html::{document, escape};
use crate::lenient_base64;
use crate::pages::title_bar;
use crate::paths;
use crate::registry::Registry;

pub fn registrations(registry: &Registry, notice: Option<&str>) -> String {
    let mut rows = String::new();
    for pending in registry.pending_registrations() {
        let card = lenient_base64::decode(&pending.user.certificate)
            .and_then(|der| CertificateFacts::parse(&der).ok())
            .map(|f| {
                format!(
                    "{} / {}",
                    f.organization.unwrap_or_default(),
                    f.holder_name.unwrap_or_default()
                )
            })
            .unwrap_or_default();
        let gyosha_no = pending
            .user
            .roster
            .as_ref()
            .map(|r| r.gyosha_no.as_str())
            .unwrap_or("");
        rows.push_str(&format!(
            "<tr><td>{id}</td><td>{gyosha_no}</td><td>{name}</td><td>{card}</td><td>{diff}</td><td>{at}</td>\
<td><form method=\"post\" action=\"{approve}\"><input type=\"hidden\" name=\"id\" value=\"{id}\">\
<input type=\"submit\" name=\"btnApprove\" value=\"承認\"></form></td>\
<td><form method=\"post\" action=\"{deny}\"><input type=\"hidden\" name=\"id\" value=\"{id}\">\
<input type=\"submit\" name=\"btnDeny\" value=\"否認\"></form></td></tr>\n",
            id = pending.id,
            gyosha_no = escape(gyosha_no),
            name = escape(&pending.user.company_name),
            card = escape(&card),
            diff = pending.differences.iter().map(|d| escape(d)).collect::<Vec<_>>().join("<br>"),
            at = escape(&pending.requested_at),
            approve = paths::ADMIN_REGISTRATION_APPROVE,
            deny = paths::ADMIN_REGISTRATION_DENY,
        ));
    }
    if rows.is_empty() {
        rows.push_str("<tr><td colspan=\"8\">審査待ちの利用者登録申請はありません。</td></tr>\n");
    }
    let notice = notice
        .map(|n| format!("<p id=\"notice\">{}</p>\n", escape(n)))
        .unwrap_or_default();
    let body = format!(
        "<body>\n{title}{notice}<table border=\"1\" cellspacing=\"0\" cellpadding=\"4\" id=\"pendingRegistrations\">\n\
<tr><th>受付番号</th><th>業者番号</th><th>商号又は名称</th><th>ICカード（商号 / 取得者）</th><th>名簿との相違</th>\
<th>申請日時</th><th colspan=\"2\">審査</th></tr>\n{rows}</table>\n<p><a href=\"{mail}\">送信メール一覧</a></p>\n</body>",
        title = title_bar("利用者登録申請の審査"),
        mail = paths::ADMIN_MAIL,
    );
    document("利用者登録申請の審査", "", &body)
}
