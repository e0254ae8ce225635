//! Reaching the card in one reader, on that reader's card thread (lanes.rs): the lane's own PC/SC context
//! (established lazily, dropped when pcscd went away), the cached card session, and the one retry that is safe —
//! only when nothing reached the card yet.

use std::sync::Arc;
use std::time::Instant;

use ebid_protocol::ErrorInfo;
use pcsc::{Context, Scope};

use super::card_session::{Access, CardSession, OpenError, RunError};
use super::lanes::{reader_busy, Claim};
use super::pcsc_errors::{classify, context_error, error_info, Fault};
use super::Shared;

/// Why an attempt failed, before it becomes an [`ErrorInfo`].
enum Failure {
    /// Nothing reached the card: trying again (with a fresh context or connection) is safe.
    BeforeCard {
        error: pcsc::Error,
        /// The connection was a cached one: a reset or swap since the last command explains the error.
        stale_session: bool,
    },
    /// PC/SC or the card failed during the command; never retried (a VERIFY may have spent a try).
    During {
        error: ErrorInfo,
        last_pcsc: Option<pcsc::Error>,
    },
    /// The request was answered `READER_BUSY` before the card was free; nothing was sent.
    Abandoned,
}

/// The card in one reader as its card thread holds it. Its verified PIN dies with the session in it.
pub struct ReaderConnection {
    reader: String,
    context: Option<Context>,
    session: Option<CardSession>,
    shared: Arc<Shared>,
}

impl ReaderConnection {
    pub fn new(reader: &str, shared: Arc<Shared>) -> Self {
        ReaderConnection {
            reader: reader.to_owned(),
            context: None,
            session: None,
            shared,
        }
    }

    pub fn reader(&self) -> &str {
        &self.reader
    }

    fn context(&mut self) -> Result<Context, ErrorInfo> {
        if let Some(context) = &self.context {
            return Ok(context.clone());
        }
        let context = Context::establish(Scope::User).map_err(context_error)?;
        self.context = Some(context.clone());
        Ok(context)
    }

    /// Forgets the card: its verified PIN (the card is reset if it had one) and its cached data.
    pub fn forget(&mut self) {
        if let Some(session) = self.session.take() {
            session.close();
        }
    }

    /// After a panic in a command: the session may be half updated, so it goes (and its verified PIN with it).
    pub fn reset_after_panic(&mut self) {
        self.forget();
        self.context = None;
    }

    /// Forgets what a PC/SC error made stale.
    fn absorb(&mut self, e: pcsc::Error) {
        if classify(e) == Fault::ServiceGone {
            log::warn!(
                "{:?}: PC/SC service lost ({e}); dropping the context and the card connection",
                self.reader
            );
            self.forget();
            self.context = None;
        }
    }

    /// Runs `op` on the card, connecting (and detecting its driver) first when needed. A stale connection or
    /// context is replaced once, but only when nothing reached the card yet. `claim` is asked once the card is
    /// held: a request already answered busy is not run.
    pub(super) fn with_card<T>(
        &mut self,
        claim: &Claim,
        what: &str,
        op: &mut dyn FnMut(Access<'_, '_>) -> Result<T, ErrorInfo>,
    ) -> Result<T, ErrorInfo> {
        let started = Instant::now();
        let reader = self.reader.clone();
        let mut retried = false;
        loop {
            match self.attempt(claim, op) {
                Ok((value, apdus)) => {
                    log::debug!(
                        "{what} on {reader:?}: {apdus} APDUs in {:.1} ms",
                        started.elapsed().as_secs_f64() * 1000.0
                    );
                    return Ok(value);
                }
                Err(Failure::Abandoned) => {
                    log::info!("{what} on {reader:?}: the card came free after the request was answered busy; not run");
                    return Err(reader_busy("the card was not free in time"));
                }
                Err(Failure::BeforeCard {
                    error,
                    stale_session,
                }) => {
                    self.absorb(error);
                    let fault = classify(error);
                    let retry = (fault == Fault::ServiceGone
                        || (stale_session && fault == Fault::CardGone))
                        && !retried;
                    if retry {
                        log::debug!("{what} on {reader:?}: {error}; reconnecting");
                        retried = true;
                        continue;
                    }
                    return Err(error_info(error, false));
                }
                Err(Failure::During { error, last_pcsc }) => {
                    let Some(e) = last_pcsc else {
                        return Err(error);
                    };
                    self.absorb(e);
                    return Err(match classify(e) {
                        // The pipe broke under the driver: say what happened to the card, not what the driver
                        // made of it.
                        Fault::ServiceGone | Fault::CardGone | Fault::NoCard => error_info(e, true),
                        Fault::NoReader | Fault::Other => error,
                    });
                }
            }
        }
    }

    fn attempt<T>(
        &mut self,
        claim: &Claim,
        op: &mut dyn FnMut(Access<'_, '_>) -> Result<T, ErrorInfo>,
    ) -> Result<(T, u32), Failure> {
        let context = self.context().map_err(|error| Failure::During {
            error,
            last_pcsc: None,
        })?;
        let mut session = match self.session.take() {
            Some(session) => session,
            None => match CardSession::open(
                &context,
                &self.reader,
                &self.shared.profiles,
                &self.shared.pkcs11,
                claim,
            ) {
                Ok(session) => {
                    self.shared.remember_pin_pad(&self.reader, session.pin_pad);
                    session
                }
                Err(OpenError::Pcsc(error)) => {
                    return Err(Failure::BeforeCard {
                        error,
                        stale_session: false,
                    })
                }
                Err(OpenError::Abandoned) => return Err(Failure::Abandoned),
                Err(OpenError::Detect {
                    error, last_pcsc, ..
                }) => {
                    return Err(Failure::During {
                        error: error.into(),
                        last_pcsc,
                    })
                }
                Err(OpenError::Pkcs11 { error, last_pcsc }) => {
                    return Err(Failure::During { error, last_pcsc })
                }
            },
        };
        let stale_session = session.commands > 0;
        match session.run(claim, op) {
            Ok(done) => {
                self.session = Some(session);
                Ok(done)
            }
            Err(RunError::Abandoned) => {
                self.session = Some(session);
                Err(Failure::Abandoned)
            }
            Err(RunError::Begin(error)) => {
                session.close();
                Err(Failure::BeforeCard {
                    error,
                    stale_session,
                })
            }
            Err(RunError::Command {
                error,
                last_pcsc,
                over_budget,
            }) => {
                let broken = last_pcsc.is_some_and(|e| {
                    matches!(
                        classify(e),
                        Fault::ServiceGone | Fault::CardGone | Fault::NoCard
                    )
                });
                if over_budget {
                    log::warn!(
                        "{:?}: resetting the card after a command over its budget",
                        self.reader
                    );
                    session.reset();
                } else if broken {
                    session.close();
                } else {
                    self.session = Some(session);
                }
                Err(Failure::During { error, last_pcsc })
            }
        }
    }
}

impl Drop for ReaderConnection {
    fn drop(&mut self) {
        self.forget();
    }
}
