//! The reader side of the service: the reader list (with each reader's PIN-pad capability, asked once) and the
//! events `watch` starts.

use ebid_protocol::{ErrorCode, ErrorInfo, ReaderInfo};
use pcsc::{Context, Scope};

use super::pcsc_errors::{classify, error_info, Fault};
use super::reader_features;
use super::reader_states::{current_states, ReaderSnapshot};
use super::watcher::{EventSink, Watcher};
use super::CardService;

impl CardService {
    /// Every reader, with card presence, ATR and PIN-pad capability.
    pub fn list_readers(&mut self) -> Result<Vec<ReaderInfo>, ErrorInfo> {
        let mut retried = false;
        loop {
            let context = self.context()?;
            match current_states(&context) {
                Ok(states) => {
                    let snapshots: Vec<ReaderSnapshot> =
                        states.iter().map(ReaderSnapshot::of).collect();
                    return Ok(snapshots
                        .iter()
                        .map(|s| self.reader_info(&context, s))
                        .collect());
                }
                Err(e) => {
                    self.absorb(e);
                    if classify(e) == Fault::ServiceGone && !retried {
                        retried = true;
                        continue;
                    }
                    return Err(error_info(e, false));
                }
            }
        }
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
        let readers = match self.context() {
            Ok(context) => snapshots
                .iter()
                .map(|s| self.reader_info(&context, s))
                .collect(),
            Err(_) => Vec::new(),
        };
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

    fn reader_info(&mut self, context: &Context, snapshot: &ReaderSnapshot) -> ReaderInfo {
        let pin_pad = match self.pin_pads.get(&snapshot.name) {
            Some(code) => code.is_some(),
            None => match std::ffi::CString::new(snapshot.name.clone())
                .ok()
                .and_then(|name| reader_features::query_reader(context, &name))
            {
                Some(code) => {
                    self.pin_pads.insert(snapshot.name.clone(), code);
                    code.is_some()
                }
                None => false,
            },
        };
        ReaderInfo {
            name: snapshot.name.clone(),
            card_present: snapshot.card_present,
            atr: snapshot
                .card_present
                .then(|| hex::encode_upper(&snapshot.atr)),
            pin_pad,
        }
    }
}
