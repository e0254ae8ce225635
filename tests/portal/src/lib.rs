//! Replica of the Sapporo CALS/EC e-bidding portal's 利用者登録 pages, for tests and the demo.
//!
//! Serves, in Shift_JIS and IE-era markup, the 利用者登録メニュー画面 whose 「ICカード更新」 button still calls the
//! dead Java applet, and the JSON renewal endpoints the extension uses instead, in two card steps: the current
//! card's consent over a session challenge (consumed at once), then the new card, paired only with the session's
//! proven current card, over a second challenge. Shows the seed manual's 電子証明書更新確認画面 and 更新完了画面.
//! Renewals whose names differ from the 入札参加資格者名簿 are held for review (/admin/renewals); mails go to an
//! outbox.
//!
//! Modules: [`server`] (HTTP, routing, [`Portal`]), [`renewal`] and [`login`] (the rules), [`refusal`] (every
//! refusal's words and JSON code), [`registry`] and [`outbox`] (the data directory), [`sessions`] (challenges and
//! the renewal in progress), [`certificate`] and [`signature`] (X.509 and RSA), [`pages`] (the screens),
//! [`paths`] (the URL layout the extension relies on), [`injection`] (the HTML-injection test fixture).

pub mod certificate;
pub mod form;
pub mod form_fields;
pub mod html;
pub mod http;
pub mod injection;
pub mod lenient_base64;
pub mod login;
pub mod outbox;
pub mod pages;
pub mod paths;
pub mod refusal;
pub mod registry;
pub mod renewal;
pub mod server;
pub mod sessions;
pub mod signature;

pub use outbox::Mail;
pub use refusal::Refusal;
pub use registry::{NewUser, PendingRenewal, RosterEntry, User, UserStatus};
pub use server::{Portal, PortalConfig, PortalError, RunningPortal, MAX_BODY_BYTES};
