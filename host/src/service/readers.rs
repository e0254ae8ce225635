//! The reader side of the service: the reader list (with each reader's PIN-pad capability, asked once) and the
//! events `watch` starts. Nothing here waits on a card: the PIN-pad question, which needs a connection that
//! PC/SC holds back while another program has a transaction on the card, is asked on a thread of its own and
//! waited for only briefly.

use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use ebid_protocol::{ErrorCode, ErrorInfo, ReaderInfo};
use pcsc::{Context, Scope};

use super::pcsc_errors::{classify, context_error, error_info, Fault};
use super::reader_features;
use super::reader_states::{current_states, reader_names, ReaderSnapshot};
use super::watcher::{EventSink, Watcher};
use super::{CardService, Shared};

/// How long the reader list waits for readers whose PIN pad was never asked about. The question takes a few
/// milliseconds; a reader that takes longer (another program holds it) is listed without a PIN pad this time, and
/// not waited for again while the question is open (`pin_status` tells the PIN pad too).
const PIN_PAD_QUERY_WAIT: Duration = Duration::from_millis(100);

impl CardService {
    pub(super) fn context(&mut self) -> Result<Context, ErrorInfo> {
        if let Some(context) = &self.context {
            return Ok(context.clone());
        }
        let context = Context::establish(Scope::User).map_err(context_error)?;
        self.context = Some(context.clone());
        Ok(context)
    }

    /// Runs `f` on the list's context; a context pcscd forgot (restarted) is replaced once.
    fn on_context<T>(
        &mut self,
        f: impl Fn(&Context) -> Result<T, pcsc::Error>,
    ) -> Result<T, ErrorInfo> {
        let mut retried = false;
        loop {
            let context = self.context()?;
            match f(&context) {
                Ok(value) => return Ok(value),
                Err(e) => {
                    let gone = classify(e) == Fault::ServiceGone;
                    if gone {
                        log::warn!("PC/SC service lost ({e}); dropping the reader list's context");
                        self.context = None;
                        self.shared.forget_pin_pads();
                        if !retried {
                            retried = true;
                            continue;
                        }
                    }
                    return Err(error_info(e, false));
                }
            }
        }
    }

    /// The names of the readers PC/SC lists now.
    pub(super) fn reader_names(&mut self) -> Result<Vec<String>, ErrorInfo> {
        self.on_context(|context| {
            Ok(reader_names(context)?
                .into_iter()
                .map(|name| name.to_string_lossy().into_owned())
                .collect())
        })
    }

    /// Every reader, with card presence, ATR and PIN-pad capability.
    pub fn list_readers(&mut self) -> Result<Vec<ReaderInfo>, ErrorInfo> {
        let states = self.on_context(current_states)?;
        let snapshots: Vec<ReaderSnapshot> = states.iter().map(ReaderSnapshot::of).collect();
        Ok(self.reader_infos(&snapshots))
    }

    /// Starts reader and card events (idempotent) and returns the readers they start from.
    pub fn watch(&mut self, sink: EventSink) -> Result<Vec<ReaderInfo>, ErrorInfo> {
        if self.watcher.is_some() {
            return self.list_readers();
        }
        // The thread waits on its own context, so a wait never blocks the commands.
        let (watch_context, snapshots) = match Context::establish(Scope::User) {
            Ok(context) => match current_states(&context) {
                Ok(states) => (
                    Some(context),
                    states.iter().map(ReaderSnapshot::of).collect(),
                ),
                Err(e) => {
                    log::warn!("reading reader states for watch failed: {e}");
                    (None, Vec::new())
                }
            },
            Err(e) => {
                log::warn!("PC/SC unavailable at watch: {e}");
                (None, Vec::new())
            }
        };
        let readers = self.reader_infos(&snapshots);
        let watcher = Watcher::start(watch_context, snapshots, sink).map_err(|e| {
            ErrorInfo::new(ErrorCode::Internal)
                .with_detail(format!("cannot start the event thread: {e}"))
        })?;
        self.watcher = Some(watcher);
        Ok(readers)
    }

    /// Stops the events (no-op when not watching).
    pub fn unwatch(&mut self) {
        if let Some(watcher) = self.watcher.take() {
            watcher.stop();
        }
    }

    fn reader_infos(&mut self, snapshots: &[ReaderSnapshot]) -> Vec<ReaderInfo> {
        let names: Vec<&str> = snapshots.iter().map(|s| s.name.as_str()).collect();
        ask_pin_pads(&self.shared, &names);
        snapshots
            .iter()
            .map(|snapshot| ReaderInfo {
                name: snapshot.name.clone(),
                card_present: snapshot.card_present,
                atr: snapshot
                    .card_present
                    .then(|| hex::encode_upper(&snapshot.atr)),
                pin_pad: self
                    .shared
                    .pin_pad(&snapshot.name)
                    .is_some_and(|code| code.is_some()),
            })
            .collect()
    }
}

/// Asks the readers whose PIN pad is not known yet, each on a thread of its own with its own context (a direct
/// connection waits while another program holds a transaction on the reader), and waits at most
/// [`PIN_PAD_QUERY_WAIT`] for the answers. A question still open is neither asked again nor waited for again.
fn ask_pin_pads(shared: &Arc<Shared>, readers: &[&str]) {
    let unknown: Vec<&str> = readers
        .iter()
        .copied()
        .filter(|reader| shared.pin_pad(reader).is_none())
        .collect();
    if unknown.is_empty() {
        return;
    }
    let mut asking = shared
        .pin_pad_queries
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let mut asked_now = Vec::new();
    for reader in &unknown {
        if asking.contains(*reader) {
            continue;
        }
        let (shared, name) = (shared.clone(), reader.to_string());
        let started = std::thread::Builder::new()
            .name("pin-pad-query".into())
            .spawn(move || {
                let code = Context::establish(Scope::User)
                    .ok()
                    .zip(std::ffi::CString::new(name.clone()).ok())
                    .and_then(|(context, cname)| reader_features::query_reader(&context, &cname));
                if let Some(code) = code {
                    shared.remember_pin_pad(&name, code);
                }
                shared
                    .pin_pad_queries
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&name);
                shared.pin_pad_answered.notify_all();
            });
        match started {
            Ok(_) => {
                asking.insert(reader.to_string());
                asked_now.push(*reader);
            }
            Err(e) => log::warn!("cannot ask {reader:?} about its PIN pad: {e}"),
        }
    }
    let deadline = Instant::now() + PIN_PAD_QUERY_WAIT;
    while asked_now.iter().any(|reader| asking.contains(*reader)) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            log::debug!("a reader did not say in time whether it has a PIN pad");
            break;
        }
        asking = shared
            .pin_pad_answered
            .wait_timeout(asking, left)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
}
