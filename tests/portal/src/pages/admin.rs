//! The city's side, for the fixture: held renewals with 承認/否認, and the mail outbox.

use crate::html::{document, escape};
use crate::outbox::Mail;
use crate::pages::review_table::{self, HeldRequest, ReviewScreen};
use crate::pages::title_bar;
use crate::paths;
use crate::registry::Registry;

const SCREEN: ReviewScreen = ReviewScreen {
    title: "ICカード更新申請の審査",
    table_id: "pendingRenewals",
    applicant_heading: "利用者ID",
    card_heading: "新しいICカード（商号 / 取得者）",
    empty: "審査待ちのICカード更新申請はありません。",
    approve: paths::ADMIN_APPROVE,
    deny: paths::ADMIN_DENY,
};

pub fn renewals(registry: &Registry, notice: Option<&str>) -> String {
    let held = registry.pending().iter().map(|pending| HeldRequest {
        id: pending.id,
        applicant: &pending.user_id,
        company_name: registry
            .user(&pending.user_id)
            .map(|u| u.company_name.as_str())
            .unwrap_or(""),
        certificate: &pending.new_certificate,
        differences: &pending.differences,
        requested_at: &pending.requested_at,
    });
    review_table::page(&SCREEN, held, notice)
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
