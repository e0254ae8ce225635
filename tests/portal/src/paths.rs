//! URL paths of the replica, modelled on the real portal's JSP layout. The extension's content script relies on
//! [`MENU`] and [`RENEW_CONFIRM`] (see README.md, "DOM contract").

/// Top: redirects to the 利用者登録 frameset.
pub const TOP: &str = "/";
/// Frameset: header frame + main frame (the 利用者登録メニュー画面).
pub const FRAMESET: &str = "/CALS/Accepter/ebidmlit/jsp/riyousha/riyoushaFrame.jsp";
/// Header frame: 札幌市 logo, date and time, links.
pub const HEADER: &str = "/CALS/Accepter/ebidmlit/jsp/common/headerMenuAccepter.jsp";
/// 利用者登録メニュー画面 (issues a fresh renewal challenge on every view).
pub const MENU: &str = "/CALS/Accepter/ebidmlit/jsp/riyousha/riyoushaMenu.jsp";
/// POST target of form `frmRenew`: verifies both cards and shows 電子証明書更新確認画面.
pub const RENEW_CONFIRM: &str = "/CALS/Accepter/ebidmlit/riyousha/IcRenewConfirm.do";
/// POST target of the 「更新」 button: applies the confirmed renewal and shows 更新完了画面.
pub const RENEW_COMMIT: &str = "/CALS/Accepter/ebidmlit/riyousha/IcRenewCommit.do";
/// Functions the replica does not provide (登録, 変更, 入札情報サービス, お問い合わせ).
pub const NOT_PROVIDED: &str = "/CALS/Accepter/ebidmlit/jsp/common/notProvided.jsp";
/// IC-card login.
pub const LOGIN: &str = "/login";
/// Review of held renewals (loopback only).
pub const ADMIN_RENEWALS: &str = "/admin/renewals";
pub const ADMIN_APPROVE: &str = "/admin/renewals/approve";
pub const ADMIN_DENY: &str = "/admin/renewals/deny";
/// The mail outbox (loopback only).
pub const ADMIN_MAIL: &str = "/admin/mail";
