//! Reaching the card in a reader: the PC/SC context (established lazily, dropped when pcscd went away), the
//! cached card sessions, and the one retry that is safe — only when nothing reached the card yet.

use std::time::Instant;

use ebid_protocol::ErrorInfo;
use pcsc::{Context, Scope};

use super::card_session::{CardIo, CardSession, OpenError, RunError};
use super::pcsc_errors::{classify, error_info, Fault};
use super::CardService;

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
}

impl CardService {
    pub(super) fn context(&mut self) -> Result<Context, ErrorInfo> {
        if let Some(context) = &self.context {
            return Ok(context.clone());
        }
        let context = Context::establish(Scope::User).map_err(|e| error_info(e, false))?;
        self.context = Some(context.clone());
        Ok(context)
    }

    /// Forgets what a PC/SC error made stale.
    pub(super) fn absorb(&mut self, e: pcsc::Error) {
        if classify(e) == Fault::ServiceGone {
            log::warn!("PC/SC service lost ({e}); dropping the context and card connections");
            for (_, session) in self.sessions.drain() {
                session.close();
            }
            self.pin_pads.clear();
            self.context = None;
        }
    }

    /// Runs `op` on the card in `reader`, connecting (and detecting its driver) first when needed. A stale
    /// connection or context is replaced once, but only when nothing reached the card yet.
    pub(super) fn with_card<T>(
        &mut self,
        reader: &str,
        what: &str,
        op: &mut dyn FnMut(&mut CardIo<'_, '_>) -> Result<T, ErrorInfo>,
    ) -> Result<T, ErrorInfo> {
        let started = Instant::now();
        let mut retried = false;
        loop {
            match self.attempt(reader, op) {
                Ok((value, apdus)) => {
                    log::debug!(
                        "{what} on {reader:?}: {apdus} APDUs in {:.1} ms",
                        started.elapsed().as_secs_f64() * 1000.0
                    );
                    return Ok(value);
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
        reader: &str,
        op: &mut dyn FnMut(&mut CardIo<'_, '_>) -> Result<T, ErrorInfo>,
    ) -> Result<(T, u32), Failure> {
        let context = self.context().map_err(|error| Failure::During {
            error,
            last_pcsc: None,
        })?;
        let mut session = match self.sessions.remove(reader) {
            Some(session) => session,
            None => match CardSession::open(&context, reader, &self.profiles) {
                Ok(session) => {
                    self.pin_pads.insert(reader.to_owned(), session.pin_pad);
                    session
                }
                Err(OpenError::Pcsc(error)) => {
                    return Err(Failure::BeforeCard {
                        error,
                        stale_session: false,
                    })
                }
                Err(OpenError::Detect {
                    error, last_pcsc, ..
                }) => {
                    return Err(Failure::During {
                        error: error.into(),
                        last_pcsc,
                    })
                }
            },
        };
        let stale_session = session.commands > 0;
        match session.run(op) {
            Ok(done) => {
                self.sessions.insert(reader.to_owned(), session);
                Ok(done)
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
                    log::warn!("{reader:?}: resetting the card after a command over its budget");
                    session.reset();
                } else if broken {
                    session.close();
                } else {
                    self.sessions.insert(reader.to_owned(), session);
                }
                Err(Failure::During { error, last_pcsc })
            }
        }
    }
}
