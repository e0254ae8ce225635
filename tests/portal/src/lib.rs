//! Replica of the Sapporo CALS/EC e-bidding portal's 利用者登録 pages, for tests and the demo.
//!
//! Serves, in Shift_JIS and IE-era markup, the 利用者登録メニュー画面 whose 「ICカード更新」 button still calls the
//! dead Java applet, and the JSON renewal endpoints the extension uses instead, in two card steps: the current
//! card's consent over a session challenge (consumed at once), then the new card, paired only with the session's
//! proven current card, over a second challenge. Shows the seed manual's 電子証明書更新確認画面 and 更新完了画面.
//! Renewals whose names differ from the 入札参加資格者名簿 are held for review (/admin/renewals); mails go to an
//! outbox.
//!
//! Also 登録 (2.1.3, [`registration`]: card proof, 資格審査情報検索 in the 名簿 [`roster`], input, confirmation,
//! 仮登録 under review at /admin/registrations), 変更 ([`change`]) and ICカードによるログイン, each proving one card
//! over a challenge of its own ([`card_proof`]).
//!
//! Modules: [`server`] (HTTP, [`Portal`]), `routes` (which handler answers which path), [`renewal`],
//! [`registration`], [`change`] and [`card_proof`] (the rules), [`contacts`] (the contact data and its validation), [`refusal`] (every
//! refusal's words and JSON code), [`registry`] and [`outbox`] (the data directory), [`sessions`] (challenges and
//! the renewal in progress), [`certificate`] and [`signature`] (X.509 and RSA), [`pages`] (the screens),
//! [`paths`] (the URL layout the extension relies on), [`injection`] (the HTML-injection test fixture).

pub mod card_proof;
pub mod certificate;
pub mod change;
pub mod contacts;
pub mod form;
pub mod form_fields;
pub mod html;
pub mod http;
pub mod injection;
pub mod lenient_base64;
pub mod outbox;
pub mod pages;
pub mod paths;
pub mod refusal;
pub mod registration;
pub mod registry;
pub mod renewal;
pub mod roster;
mod routes;
pub mod server;
pub mod sessions;
pub mod signature;

pub use contacts::{Contact, Contacts};
pub use outbox::Mail;
pub use refusal::Refusal;
pub use registry::{NewUser, PendingRegistration, PendingRenewal, RosterEntry, User, UserStatus};
pub use server::{Portal, PortalConfig, PortalError, RunningPortal, MAX_BODY_BYTES};
