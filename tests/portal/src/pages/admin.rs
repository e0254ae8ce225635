//! The city's side, for the fixture: held renewals with 承認/否認, and the mail outbox.

use crate::certificate::CertificateFacts;
use crate::html::{document, escape};
use crate::lenient_base64;
use crate::outbox::Mail;
use crate::pages::title_bar;
use crate::paths;
use crate::registry::Registry;

pub fn renewals(registry: &Registry, notice: Option<&str>) -> String {
    let mut rows = String::new();
    for pending in registry.pending() {
        let user = registry.user(&pending.user_id);
        let new = lenient_base64::decode(&pending.new_certificate)
            .and_then(|der| CertificateFacts::parse(&der).ok());
        let card = new
            .map(|f| {
                format!(
                    "{} / {}",
                    f.organization.unwrap_or_default(),
                    f.holder_name.unwrap_or_default()
                )
            })
            .unwrap_or_default();
        rows.push_str(&format!(
            "<tr><td>{id}</td><td>{user_id}</td><td>{name}</td><td>{card}</td><td>{diff}</td><td>{at}</td>\
<td><form method=\"post\" action=\"{approve}\"><input type=\"hidden\" name=\"id\" value=\"{id}\">\
<input type=\"submit\" name=\"btnApprove\" value=\"承認\"></form></td>\
<td><form method=\"post\" action=\"{deny}\"><input type=\"hidden\" name=\"id\" value=\"{id}\">\
<input type=\"submit\" name=\"btnDeny\" value=\"否認\"></form></td></tr>\n",
            id = pending.id,
            user_id = escape(&pending.user_id),
            name = escape(user.map(|u| u.company_name.as_str()).unwrap_or("")),
            card = escape(&card),
            diff = pending.differences.iter().map(|d| escape(d)).collect::<Vec<_>>().join("<br>"),
            at = escape(&pending.requested_at),
            approve = paths::ADMIN_APPROVE,
            deny = paths::ADMIN_DENY,
        ));
    }
    if rows.is_empty() {
        rows.push_str("<tr><td colspan=\"8\">審査待ちのICカード更新申請はありません。</td></tr>\n");
    }
    let notice = notice
        .map(|n| format!("<p id=\"notice\">{}</p>\n", escape(n)))
        .unwrap_or_default();
    let body = format!(
        "<body>\n{title}{notice}<table border=\"1\" cellspacing=\"0\" cellpadding=\"4\" id=\"pendingRenewals\">\n\
<tr><th>受付番号</th><th>利用者ID</th><th>商号又は名称</th><th>新しいICカード（商号 / 取得者）</th><th>名簿との相違</th>\
<th>申請日時</th><th colspan=\"2\">審査</th></tr>\n{rows}</table>\n<p><a href=\"{mail}\">送信メール一覧</a></p>\n</body>",
        title = title_bar("ICカード更新申請の審査"),
        mail = paths::ADMIN_MAIL,
    );
    document("ICカード更新申請の審査", "", &body)
}

pub fn mail(mails: &[Mail]) -> String {
    let mut rows = String::new();
    for mail in mails {
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><pre>{}</pre></td></tr>\n",
            escape(&mail.sent_at),
            escape(&mail.to),
            escape(&mail.subject),
            escape(&mail.body)
        ));
    }
    if rows.is_empty() {
        rows.push_str("<tr><td colspan=\"4\">送信したメールはありません。</td></tr>\n");
    }
    let body = format!(
        "<body>\n{title}<table border=\"1\" cellspacing=\"0\" cellpadding=\"4\" id=\"mailOutbox\">\n\
<tr><th>送信日時</th><th>宛先</th><th>件名</th><th>本文</th></tr>\n{rows}</table>\n\
<p><a href=\"{renewals}\">ICカード更新申請の審査</a></p>\n</body>",
        title = title_bar("送信メール一覧"),
        renewals = paths::ADMIN_RENEWALS,
    );
    document("送信メール一覧", "", &body)
}
