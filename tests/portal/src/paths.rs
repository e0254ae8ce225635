//! URL paths of the replica, modelled on the real portal's JSP layout. The extension relies on [`MENU`] (where its
//! content script hooks the 「ICカード更新」 button) and on the renewal endpoints [`RENEW_CHALLENGE`],
//! [`RENEW_CURRENT`], [`RENEW_NEW`] and [`RENEW_CONFIRM`], which it takes from its own site profile, never from a
//! page (see README.md, "Renewal contract"), and likewise on the ログイン, 登録 and 変更 endpoints ([`CARD_API`]).

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
/// Functions the replica does not provide (入札情報サービス, お問い合わせ).
pub const NOT_PROVIDED: &str = "/CALS/Accepter/ebidmlit/jsp/common/notProvided.jsp";
/// ICカードによるログイン page with the 「ログイン」 button (`btnIcLogin`) the extension hooks.
pub const LOGIN_PAGE: &str = "/CALS/Accepter/ebidmlit/jsp/login/login.jsp";
/// Login step 1, `POST` (JSON): a fresh login challenge for the session.
pub const LOGIN_CHALLENGE: &str = "/CALS/Accepter/ebidmlit/login/IcLoginChallenge.do";
/// Login step 2, `POST` (JSON): certificate + signature (purpose `Login`); answers `{"next": LOGIN_RESULT}`.
pub const LOGIN_CARD: &str = "/CALS/Accepter/ebidmlit/login/IcLogin.do";
/// `GET`: 「ログインしました。」 for the session's logged-in user.
pub const LOGIN_RESULT: &str = "/CALS/Accepter/ebidmlit/login/IcLoginResult.do";
/// 登録 step 1, `POST` (JSON): a fresh registration challenge.
pub const REGIST_CHALLENGE: &str = "/CALS/Accepter/ebidmlit/riyousha/IcRegistChallenge.do";
/// 登録 step 2, `POST` (JSON): the card to register (purpose `Register`); answers `{"next": REGIST_SEARCH}`.
pub const REGIST_CARD: &str = "/CALS/Accepter/ebidmlit/riyousha/IcRegistCard.do";
/// 資格審査情報検索: `GET` the form, `POST` a 業者番号 (a hit shows 利用者登録画面).
pub const REGIST_SEARCH: &str = "/CALS/Accepter/ebidmlit/riyousha/RegistSearch.do";
/// `GET`: 利用者登録画面 of the session's registration (after a 名簿 hit).
pub const REGIST_INPUT: &str = "/CALS/Accepter/ebidmlit/riyousha/RegistInput.do";
/// `POST` 「入力内容確認」: validation, then 入力内容確認画面.
pub const REGIST_CONFIRM: &str = "/CALS/Accepter/ebidmlit/riyousha/RegistConfirm.do";
/// `POST` 「登録」: 利用者登録完了画面 (or 仮登録).
pub const REGIST_COMMIT: &str = "/CALS/Accepter/ebidmlit/riyousha/RegistCommit.do";
/// 変更 step 1, `POST` (JSON): a fresh change challenge.
pub const CHANGE_CHALLENGE: &str = "/CALS/Accepter/ebidmlit/riyousha/IcChangeChallenge.do";
/// 変更 step 2, `POST` (JSON): the registered card (purpose `Change`); answers `{"next": CHANGE_INPUT}`.
pub const CHANGE_CARD: &str = "/CALS/Accepter/ebidmlit/riyousha/IcChangeCard.do";
/// `GET`: 利用者変更画面 of the session's proven registered card.
pub const CHANGE_INPUT: &str = "/CALS/Accepter/ebidmlit/riyousha/ChangeInput.do";
/// `POST` 「変更内容確認」: validation, then 変更内容確認画面.
pub const CHANGE_CONFIRM: &str = "/CALS/Accepter/ebidmlit/riyousha/ChangeConfirm.do";
/// `POST` 「変更」: saves, then 変更完了画面.
pub const CHANGE_COMMIT: &str = "/CALS/Accepter/ebidmlit/riyousha/ChangeCommit.do";
/// Review of held renewals (loopback only).
pub const ADMIN_RENEWALS: &str = "/admin/renewals";
pub const ADMIN_APPROVE: &str = "/admin/renewals/approve";
pub const ADMIN_DENY: &str = "/admin/renewals/deny";
/// Review of held registrations (仮登録, loopback only); field `id`.
pub const ADMIN_REGISTRATIONS: &str = "/admin/registrations";
pub const ADMIN_REGISTRATION_APPROVE: &str = "/admin/registrations/approve";
pub const ADMIN_REGISTRATION_DENY: &str = "/admin/registrations/deny";
/// The mail outbox (loopback only).
pub const ADMIN_MAIL: &str = "/admin/mail";

/// The renewal endpoints that answer JSON (and need a session and a same-origin `Origin`).
pub const RENEW_API: [&str; 3] = [RENEW_CHALLENGE, RENEW_CURRENT, RENEW_NEW];
/// The one-card endpoints (ログイン, 登録, 変更) that answer JSON, with the same rules as [`RENEW_API`].
pub const CARD_API: [&str; 6] = [
    LOGIN_CHALLENGE,
    LOGIN_CARD,
    REGIST_CHALLENGE,
    REGIST_CARD,
    CHANGE_CHALLENGE,
    CHANGE_CARD,
];

/// Every JSON endpoint.
pub fn is_json_endpoint(path: &str) -> bool {
    RENEW_API.contains(&path) || CARD_API.contains(&path)
}
