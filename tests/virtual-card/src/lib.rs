//! A virtual JPKI / e-bidding CA card that speaks the vpcd protocol, and the test CAs that issue its
//! certificates. Test-only: its keys are public fixtures. The JPKI card has both halves of the real layout
//! (authentication and signature, each with certificate, CA, key and PIN; see README.md and docs/cards.md).
//!
//! ```no_run
//! use virtual_card::{testca::{CertOptions, TestCa}, CardConfig, VirtualCard};
//! let ca = TestCa::load()?;
//! let cert = ca.issue(&CertOptions::with_key("card1"))?;
//! let card = VirtualCard::new(CardConfig::profile("1234", &cert, ca.certificate_der()))?;
//! let inserted = card.insert(35963)?; // a vpcd slot's port
//! inserted.remove();
//! # Ok::<(), virtual_card::CardError>(())
//! ```

pub mod apdu;
mod card;
mod config;
mod emulation;
mod error;
pub mod fixtures;
pub mod layout;
mod pin_counter;
pub mod testca;
pub mod vpcd;

pub use card::{ApduRecord, InsertedCard, VirtualCard};
pub use config::{AuthHalf, CardConfig, CardKind, Credentials};
pub use error::CardError;
pub use pin_counter::{PinCheck, PinCounter};
