//! URL paths of the replica, modelled on the real portal's JSP layout. The extension relies on [`MENU`] (where its
//! content script hooks the 「ICカード更新」 button) and on the renewal endpoints [`RENEW_CHALLENGE`],
//! [`RENEW_CURRENT`], [`RENEW_NEW`] and [`RENEW_CONFIRM`], which it takes from its own site profile, never from a
//! page (see README.md, "Renewal contract").

/// Top: redirects to the 利用者登録 frameset.
pub const TOP: &str = "/";
/// Frameset: header frame + main frame (the 利用者登録メニュー画面).
pub const FRAMESET: &str = "/CALS/Accepter/ebidmlit/jsp/riyousha/riyoushaFrame.jsp";
/// Header frame: 札幌市 logo, date and time, links.
pub const HEADER: &str = "/CALS/Accepter/ebidmlit/jsp/common/headerMenuAccepter.jsp";
/// 利用者登録メニュー画面 with the 「ICカード更新」 button (form `frmRenew`).
pub const MENU: &str = "/CALS/Accepter/ebidmlit/jsp/riyousha/riyoushaMenu.jsp";
/// Step 1, `POST` (JSON): a fresh renewal challenge for the session.
pub const RENEW_CHALLENGE: &str = "/CALS/Accepter/ebidmlit/riyousha/IcRenewChallenge.do";
/// Step 2, `POST` (JSON): the current card's certificate and consent; answers the second challenge.
pub const RENEW_CURRENT: &str = "/CALS/Accepter/ebidmlit/riyousha/IcRenewCurrent.do";
/// Step 3, `POST` (JSON): the new card's certificate and signature; answers where the confirmation is.
pub const RENEW_NEW: &str = "/CALS/Accepter/ebidmlit/riyousha/IcRenewNew.do";
/// `GET`: 電子証明書更新確認画面 of the session's verified renewal (no longer accepts a POST).
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

/// The renewal endpoints that answer JSON (and need a session and a same-origin `Origin`).
pub const RENEW_API: [&str; 3] = [RENEW_CHALLENGE, RENEW_CURRENT, RENEW_NEW];
