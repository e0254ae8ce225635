//! One connection to the card in one reader: the driver detected for it, whether its PIN was verified through this
//! connection, and the certificate already read. It all dies with the connection (removal, reset, `forget`).
//!
//! A card no driver knows, or one the PKCS#11 settings prefer (pkcs11/config.rs), is read through a PKCS#11
//! module instead ([`Access::Pkcs11`]). The connection is then kept only to notice removal and reset; no PC/SC
//! transaction is held, because the module talks to the card itself.

use std::ffi::CString;
use std::time::{Duration, Instant};

use ebid_protocol::{ErrorCode, ErrorInfo};
use pcsc::{Card, Context, Disposition, Protocols, ShareMode};

use super::lanes::Claim;
use super::pcsc_transport::PcscTransport;
use super::reader_features::verify_pin_direct_of;
use crate::card::{Budget, Budgeted, CardError};
use crate::drivers::{detect_driver, CardDriver, Profile};
use crate::pkcs11::{Pkcs11Card, Pkcs11Config};

/// What a command may touch while it holds the card.
pub struct CardIo<'a, 'card> {
    pub driver: &'a dyn CardDriver,
    /// APDUs under the operation's budget ([`Budget::OPERATION`]); `inner_mut()` for the reader's control codes.
    pub transport: &'a mut Budgeted<PcscTransport<'card>>,
    /// The PIN was verified through this connection.
    pub verified: &'a mut bool,
    pub certificate: &'a mut Option<Vec<u8>>,
    /// The reader's FEATURE_VERIFY_PIN_DIRECT control code.
    pub pin_pad: Option<u32>,
}

/// What a command gets: the driver with its APDU transport, or the card's PKCS#11 token.
pub enum Access<'a, 'card> {
    Native(CardIo<'a, 'card>),
    Pkcs11(&'a mut Pkcs11Card),
}

/// Who reads the card.
enum Backend {
    Native(Box<dyn CardDriver>),
    Pkcs11(Pkcs11Card),
}

pub struct CardSession {
    card: Option<Card>,
    backend: Backend,
    verified: bool,
    certificate: Option<Vec<u8>>,
    pub pin_pad: Option<u32>,
    /// Commands run on this connection (0: just connected, so a failure cannot be a stale handle).
    pub commands: u32,
}

/// Why a command on an open session failed.
pub enum RunError {
    /// The transaction could not begin: nothing was sent.
    Begin(pcsc::Error),
    /// The transaction began after the request had been answered `READER_BUSY`: nothing was sent.
    Abandoned,
    /// The command failed; `last_pcsc` is the PC/SC error under it, if the pipe broke.
    Command {
        error: ErrorInfo,
        last_pcsc: Option<pcsc::Error>,
        /// The command ran out of its budget: the card is in an unknown state, its connection must be reset.
        over_budget: bool,
    },
}

/// Why a connection could not be opened.
pub enum OpenError {
    Pcsc(pcsc::Error),
    /// The card came free after the request had been answered `READER_BUSY`: nothing was sent.
    Abandoned,
    Detect {
        error: CardError,
        last_pcsc: Option<pcsc::Error>,
        over_budget: bool,
    },
    /// No PKCS#11 module could give the card's token; `last_pcsc` when the card went away meanwhile.
    Pkcs11 {
        error: ErrorInfo,
        last_pcsc: Option<pcsc::Error>,
    },
}

impl CardSession {
    /// Connects (shared, T=0 or T=1), reads the ATR and detects the driver inside a transaction, once `claim`
    /// says the request may still run. A card no driver knows (or one `pkcs11` prefers) goes to the PKCS#11
    /// modules.
    pub fn open(
        context: &Context,
        reader: &str,
        profiles: &[Profile],
        pkcs11: &Pkcs11Config,
        claim: &Claim,
    ) -> Result<CardSession, OpenError> {
        let name = CString::new(reader).map_err(|_| OpenError::Pcsc(pcsc::Error::UnknownReader))?;
        let mut card = context
            .connect(&name, ShareMode::Shared, Protocols::T0 | Protocols::T1)
            .map_err(OpenError::Pcsc)?;
        // SCardStatus rather than the ATR attribute: not every reader driver (vpcd, for one) answers GetAttrib.
        let atr = match card.status2_owned() {
            Ok(status) => status.atr().to_vec(),
            Err(e) => {
                close(card, Disposition::LeaveCard);
                return Err(OpenError::Pcsc(e));
            }
        };
        let pin_pad = verify_pin_direct_of(&card);
        if pkcs11.prefers(&atr) {
            log::debug!("{reader}: the PKCS#11 settings prefer this card's modules");
            return open_pkcs11(card, reader, pkcs11, claim);
        }
        let detected = match card.transaction() {
            Ok(tx) if !claim.start() => {
                drop(tx);
                Err(OpenError::Abandoned)
            }
            Ok(tx) => {
                let mut transport = Budgeted::new(PcscTransport::new(&tx), Budget::OPERATION);
                let driver = detect_driver(&atr, &mut transport, profiles);
                log::debug!("driver detection: {} APDUs", transport.sent());
                let over_budget = transport.exceeded().is_some();
                let last_pcsc = transport.inner_mut().last_error();
                drop(transport);
                drop(tx);
                driver.map_err(|error| OpenError::Detect {
                    error,
                    last_pcsc,
                    over_budget,
                })
            }
            Err(e) => Err(OpenError::Pcsc(e)),
        };
        match detected {
            Ok(driver) => {
                log::info!("{reader}: {} card", driver.card_type());
                Ok(CardSession {
                    card: Some(card),
                    backend: Backend::Native(driver),
                    verified: false,
                    certificate: None,
                    pin_pad,
                    commands: 0,
                })
            }
            Err(OpenError::Detect {
                error: CardError::Unsupported,
                ..
            }) if !pkcs11.modules.is_empty() => open_pkcs11(card, reader, pkcs11, claim),
            Err(e) => {
                // A card that ran detection out of its budget is left reset, not half way through a chain.
                let disposition = match e {
                    OpenError::Detect {
                        over_budget: true, ..
                    } => Disposition::ResetCard,
                    _ => Disposition::LeaveCard,
                };
                close(card, disposition);
                Err(e)
            }
        }
    }

    /// Runs `op` inside one PC/SC transaction, once `claim` says the request may still run.
    pub fn run<T>(
        &mut self,
        claim: &Claim,
        op: &mut dyn FnMut(Access<'_, '_>) -> Result<T, ErrorInfo>,
    ) -> Result<(T, u32), RunError> {
        let Some(card) = self.card.as_mut() else {
            return Err(RunError::Begin(pcsc::Error::InvalidHandle));
        };
        let driver = match &mut self.backend {
            Backend::Native(driver) => &**driver,
            Backend::Pkcs11(token) => {
                // Removed or reset since the last command: the token's sessions and login are gone with it.
                card.status2_owned().map_err(RunError::Begin)?;
                if !claim.start() {
                    return Err(RunError::Abandoned);
                }
                self.commands += 1;
                return match op(Access::Pkcs11(token)) {
                    Ok(value) => Ok((value, 0)),
                    Err(error) => Err(RunError::Command {
                        last_pcsc: card_gone(card, &error),
                        error,
                        over_budget: false,
                    }),
                };
            }
        };
        let tx = card.transaction().map_err(RunError::Begin)?;
        if !claim.start() {
            end_transaction(tx);
            return Err(RunError::Abandoned);
        }
        self.commands += 1;
        let mut transport = Budgeted::new(PcscTransport::new(&tx), Budget::OPERATION);
        let io = CardIo {
            driver,
            transport: &mut transport,
            verified: &mut self.verified,
            certificate: &mut self.certificate,
            pin_pad: self.pin_pad,
        };
        let result = op(Access::Native(io));
        let (apdus, over_budget) = (transport.sent(), transport.exceeded().is_some());
        let last_pcsc = transport.inner_mut().last_error();
        drop(transport);
        end_transaction(tx);
        match result {
            Ok(value) => Ok((value, apdus)),
            Err(error) => Err(RunError::Command {
                error,
                last_pcsc,
                over_budget,
            }),
        }
    }

    /// Disconnects and resets the card, whatever state it was left in (a command ran out of its budget).
    pub fn reset(mut self) {
        if let Some(card) = self.card.take() {
            close(card, Disposition::ResetCard);
        }
    }

    /// Disconnects. A verified card is reset so its PIN state does not outlive us; any other card is left alone
    /// (powered, its application still selected) for other applications.
    pub fn close(mut self) {
        if let Backend::Pkcs11(token) = &mut self.backend {
            // C_Logout, and a reset as for a verified card of a driver: not every module's logout clears the
            // card's PIN state (OpenSC's JPKI emulation leaves the signature PIN verified). The module notices
            // the reset and binds the card again.
            self.verified = token.is_verified();
            token.logout();
        }
        let disposition = if self.verified {
            Disposition::ResetCard
        } else {
            Disposition::LeaveCard
        };
        if let Some(card) = self.card.take() {
            close(card, disposition);
        }
    }
}

impl Drop for CardSession {
    fn drop(&mut self) {
        // Dropping a pcsc::Card resets the card; always disconnect on purpose instead.
        if let Some(card) = self.card.take() {
            close(card, Disposition::LeaveCard);
        }
    }
}

/// Reads the card with `reader`'s PKCS#11 token; `card` stays connected (no transaction) to notice removal.
fn open_pkcs11(
    card: Card,
    reader: &str,
    pkcs11: &Pkcs11Config,
    claim: &Claim,
) -> Result<CardSession, OpenError> {
    if !claim.start() {
        close(card, Disposition::LeaveCard);
        return Err(OpenError::Abandoned);
    }
    match Pkcs11Card::open(pkcs11, reader) {
        Ok(token) => {
            log::info!("{reader}: {} card", token.card_type());
            Ok(CardSession {
                card: Some(card),
                backend: Backend::Pkcs11(token),
                verified: false,
                certificate: None,
                pin_pad: None,
                commands: 0,
            })
        }
        Err(error) => {
            let last_pcsc = card_gone(&card, &error);
            close(card, Disposition::LeaveCard);
            Err(OpenError::Pkcs11 { error, last_pcsc })
        }
    }
}

/// After a PKCS#11 error: the PC/SC error that explains it when the card left or was reset (the module's own
/// words for that vary); a module that says the token went away while PC/SC still sees the card is taken at its
/// word.
///
/// A module's general failure may be the card pulled out under it before pcscd polled the reader (every
/// ~400 ms): PC/SC is asked again a few times within [`CARD_GONE_WAIT`] before the error is taken as the card's.
fn card_gone(card: &Card, error: &ErrorInfo) -> Option<pcsc::Error> {
    let deadline = Instant::now() + CARD_GONE_WAIT;
    loop {
        match card.status2_owned() {
            Err(e) => return Some(e),
            Ok(_) if error.code == ErrorCode::CardRemoved => return Some(pcsc::Error::RemovedCard),
            Ok(_) if error.code != ErrorCode::CardError || Instant::now() >= deadline => {
                return None
            }
            Ok(_) => std::thread::sleep(CARD_GONE_WAIT / 5),
        }
    }
}

/// Longer than pcscd's poll of a reader, so a removal shows.
const CARD_GONE_WAIT: Duration = Duration::from_millis(1000);

/// Ends a transaction, leaving the card as it is. When that fails the handle is dead anyway; the transaction is
/// leaked rather than dropped, because dropping would try a reset.
fn end_transaction(tx: pcsc::Transaction<'_>) {
    if let Err((tx, e)) = tx.end(Disposition::LeaveCard) {
        log::debug!("ending the transaction failed: {e}");
        std::mem::forget(tx);
    }
}

/// Disconnects explicitly. When that fails the handle is dead anyway; it is leaked rather than dropped, because
/// dropping would try a reset.
fn close(card: Card, disposition: Disposition) {
    if let Err((card, e)) = card.disconnect(disposition) {
        log::debug!("disconnect failed: {e}");
        std::mem::forget(card);
    }
}
