//! The PKCS#11 backend: cards no built-in driver knows (the e-bidding CAs' cards, whose layouts are not public)
//! are read through the CA's middleware module, named by the admin (config.rs, docs/pkcs11.md). The card
//! service reaches the card the same way as with a driver (service/card_session.rs), so the protocol, the
//! extension and the events do not change: the PC/SC watcher still sees the card come and go; then the module is
//! asked for the token in that reader.

mod card;
mod config;
mod errors;
mod modules;
mod tokens;

pub use card::Pkcs11Card;
pub use config::{
    config_path_in_force, system_config_path, ModuleConfig, Pkcs11Config, PKCS11_CONFIG_ENV,
    PKCS11_MODULES_ENV,
};
pub use errors::code_of;
pub use modules::{module, ModuleError};
pub use tokens::{names_reader, survey, Choice, FoundCertificate, FoundToken, Signing, Survey};
