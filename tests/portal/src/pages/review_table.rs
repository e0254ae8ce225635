//! The city's review screens (held renewals, held registrations): one row per held request with the card it
//! names, the differences from the 名簿, and 承認/否認 buttons that post its id.

use crate::certificate::CertificateFacts;
use crate::html::{document, escape};
use crate::lenient_base64;
use crate::pages::title_bar;
use crate::paths;

/// What differs between the review screens.
pub struct ReviewScreen {
    pub title: &'static str,
    pub table_id: &'static str,
    /// The heading of the column that names the applicant (利用者ID, 業者番号).
    pub applicant_heading: &'static str,
    pub card_heading: &'static str,
    /// The row shown when nothing waits.
    pub empty: &'static str,
    pub approve: &'static str,
    pub deny: &'static str,
}

/// One held request.
pub struct HeldRequest<'a> {
    pub id: u64,
    pub applicant: &'a str,
    pub company_name: &'a str,
    /// The card's certificate as stored (base64).
    pub certificate: &'a str,
    pub differences: &'a [String],
    pub requested_at: &'a str,
}

/// The card's 商号 / 取得者, or nothing when the stored certificate does not parse.
fn card_names(certificate: &str) -> String {
    lenient_base64::decode(certificate)
        .and_then(|der| CertificateFacts::parse(&der).ok())
        .map(|f| {
            format!(
                "{} / {}",
                f.organization.unwrap_or_default(),
                f.holder_name.unwrap_or_default()
            )
        })
        .unwrap_or_default()
}

pub fn page<'a>(
    screen: &ReviewScreen,
    held: impl IntoIterator<Item = HeldRequest<'a>>,
    notice: Option<&str>,
) -> String {
    let mut rows = String::new();
    for request in held {
        rows.push_str(&format!(
            "<tr><td>{id}</td><td>{applicant}</td><td>{name}</td><td>{card}</td><td>{diff}</td><td>{at}</td>\
<td><form method=\"post\" action=\"{approve}\"><input type=\"hidden\" name=\"id\" value=\"{id}\">\
<input type=\"submit\" name=\"btnApprove\" value=\"承認\"></form></td>\
<td><form method=\"post\" action=\"{deny}\"><input type=\"hidden\" name=\"id\" value=\"{id}\">\
<input type=\"submit\" name=\"btnDeny\" value=\"否認\"></form></td></tr>\n",
            id = request.id,
            applicant = escape(request.applicant),
            name = escape(request.company_name),
            card = escape(&card_names(request.certificate)),
            diff = request.differences.iter().map(|d| escape(d)).collect::<Vec<_>>().join("<br>"),
            at = escape(request.requested_at),
            approve = screen.approve,
            deny = screen.deny,
        ));
    }
    if rows.is_empty() {
        rows.push_str(&format!(
            "<tr><td colspan=\"8\">{}</td></tr>\n",
            screen.empty
        ));
    }
    let notice = notice
        .map(|n| format!("<p id=\"notice\">{}</p>\n", escape(n)))
        .unwrap_or_default();
    let body = format!(
        "<body>\n{title}{notice}<table border=\"1\" cellspacing=\"0\" cellpadding=\"4\" id=\"{table_id}\">\n\
<tr><th>受付番号</th><th>{applicant}</th><th>商号又は名称</th><th>{card}</th><th>名簿との相違</th>\
<th>申請日時</th><th colspan=\"2\">審査</th></tr>\n{rows}</table>\n<p><a href=\"{mail}\">送信メール一覧</a></p>\n</body>",
        title = title_bar(screen.title),
        table_id = screen.table_id,
        applicant = screen.applicant_heading,
        card = screen.card_heading,
        mail = paths::ADMIN_MAIL,
    );
    document(screen.title, "", &body)
}
