//! The city's side, for the fixture: held registrations (仮登録) with 承認/否認.

use crate::pages::review_table::{self, HeldRequest, ReviewScreen};
use crate::paths;
use crate::registry::Registry;

const SCREEN: ReviewScreen = ReviewScreen {
    title: "利用者登録申請の審査",
    table_id: "pendingRegistrations",
    applicant_heading: "業者番号",
    card_heading: "ICカード（商号 / 取得者）",
    empty: "審査待ちの利用者登録申請はありません。",
    approve: paths::ADMIN_REGISTRATION_APPROVE,
    deny: paths::ADMIN_REGISTRATION_DENY,
};

pub fn registrations(registry: &Registry, notice: Option<&str>) -> String {
    let pending = registry.pending_registrations();
    let held = pending.iter().map(|pending| HeldRequest {
        id: pending.id,
        applicant: pending
            .user
            .roster
            .as_ref()
            .map(|r| r.gyosha_no.as_str())
            .unwrap_or(""),
        company_name: &pending.user.company_name,
        certificate: &pending.user.certificate,
        differences: &pending.differences,
        requested_at: &pending.requested_at,
    });
    review_table::page(&SCREEN, held, notice)
}
