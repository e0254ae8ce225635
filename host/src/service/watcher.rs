//! The event thread behind `watch`: waits in `SCardGetStatusChange` (reader arrival through the PnP notification
//! reader) and turns each change into an [`Event`]. No polling: it sleeps in PC/SC until something happens, and
//! `unwatch` or the session's end wakes it with `SCardCancel`. When pcscd is gone it says so once, then tries to
//! reach it again every half second to a second.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use ebid_protocol::Event;
use pcsc::{Context, Error, ReaderState, Scope, State, PNP_NOTIFICATION};

use super::pcsc_errors::{classify, Fault};
use super::reader_states::{is_gone, reader_names, ReaderSnapshot};

/// Receives each event; returns `false` when nobody listens any more (stdout closed), which ends the thread.
pub type EventSink = Box<dyn FnMut(Event) -> bool + Send>;

const FIRST_RETRY: Duration = Duration::from_millis(500);
const LAST_RETRY: Duration = Duration::from_millis(1000);

pub struct Watcher {
    stop: Arc<AtomicBool>,
    /// The context the thread waits on, for `cancel` from here.
    waiting_on: Arc<Mutex<Option<Context>>>,
    wake: Sender<()>,
    done: Receiver<()>,
    thread: Option<JoinHandle<()>>,
}

impl Watcher {
    /// Starts watching from `known` (what the `watch` reply told the extension), on its own `context`; without
    /// one (pcscd is down) the thread says `PcscUnavailable` first and waits for the service.
    pub fn start(
        context: Option<Context>,
        known: Vec<ReaderSnapshot>,
        sink: EventSink,
    ) -> std::io::Result<Watcher> {
        let stop = Arc::new(AtomicBool::new(false));
        let waiting_on = Arc::new(Mutex::new(context.clone()));
        let (wake, wake_rx) = mpsc::channel();
        let (done_tx, done) = mpsc::channel();
        let mut state = WatchState {
            context,
            known: known.into_iter().map(|r| (r.name.clone(), r)).collect(),
            sink,
            stop: stop.clone(),
            waiting_on: waiting_on.clone(),
            wake: wake_rx,
        };
        let thread = std::thread::Builder::new()
            .name("pcsc-watch".into())
            .spawn(move || {
                state.run();
                let _ = done_tx.send(());
            })?;
        Ok(Watcher {
            stop,
            waiting_on,
            wake,
            done,
            thread: Some(thread),
        })
    }

    /// Stops the thread and waits for it. Cancels again until it is out, so a cancel that lands just before the
    /// thread starts waiting is not lost.
    pub fn stop(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.wake.send(());
        loop {
            if let Some(context) = self
                .waiting_on
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .as_ref()
            {
                let _ = context.cancel();
            }
            match self.done.recv_timeout(Duration::from_millis(100)) {
                Err(RecvTimeoutError::Timeout) => continue,
                Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        let _ = thread.join();
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

struct WatchState {
    context: Option<Context>,
    known: BTreeMap<String, ReaderSnapshot>,
    sink: EventSink,
    stop: Arc<AtomicBool>,
    waiting_on: Arc<Mutex<Option<Context>>>,
    wake: Receiver<()>,
}

enum Outcome {
    Stop,
    ServiceGone,
}

impl WatchState {
    fn run(&mut self) {
        if self.context.is_none() && !self.emit(Event::PcscUnavailable) {
            return;
        }
        let mut retry = FIRST_RETRY;
        while !self.stopping() {
            let Some(context) = self.context.clone() else {
                if !self.pause(retry) {
                    return;
                }
                retry = (retry * 2).min(LAST_RETRY);
                match Context::establish(Scope::User) {
                    Ok(context) => {
                        log::info!("PC/SC service is back");
                        self.set_context(Some(context));
                        retry = FIRST_RETRY;
                        if !self.emit(Event::PcscAvailable) {
                            return;
                        }
                    }
                    Err(e) => log::debug!("PC/SC still unavailable: {e}"),
                }
                continue;
            };
            match self.watch_until_failure(&context) {
                Outcome::Stop => return,
                Outcome::ServiceGone => {
                    log::warn!(
                        "PC/SC service unavailable; retrying every {} ms",
                        LAST_RETRY.as_millis()
                    );
                    self.set_context(None);
                    drop(context);
                    let removed: Vec<String> =
                        std::mem::take(&mut self.known).into_keys().collect();
                    for reader in removed {
                        if !self.emit(Event::ReaderRemoved { reader }) {
                            return;
                        }
                    }
                    if !self.emit(Event::PcscUnavailable) {
                        return;
                    }
                }
            }
        }
    }

    /// Waits for changes on `context` and reports them, until stopped or the service fails.
    fn watch_until_failure(&mut self, context: &Context) -> Outcome {
        let mut states = vec![ReaderState::new(PNP_NOTIFICATION(), State::UNAWARE)];
        loop {
            if self.stopping() {
                return Outcome::Stop;
            }
            // Readers that left are dropped from the wait list; readers that came are added.
            states.retain(|s| !is_gone(s));
            let names = match reader_names(context) {
                Ok(names) => names,
                Err(e) => return self.failure(e),
            };
            for name in names {
                if !states.iter().any(|s| s.name() == name.as_c_str()) {
                    states.push(ReaderState::new(name, State::UNAWARE));
                }
            }
            // First pass: learn the state of new readers without waiting (UNAWARE answers at once).
            for s in &mut states {
                s.sync_current_state();
            }
            if !self.report(&states) {
                return Outcome::Stop;
            }
            match context.get_status_change(None, &mut states) {
                Ok(()) => {}
                Err(Error::Cancelled) => {
                    if self.stopping() {
                        return Outcome::Stop;
                    }
                }
                Err(Error::Timeout) => {}
                Err(e) => return self.failure(e),
            }
            if !self.report(&states) {
                return Outcome::Stop;
            }
        }
    }

    fn failure(&self, e: Error) -> Outcome {
        if self.stopping() {
            return Outcome::Stop;
        }
        match classify(e) {
            Fault::ServiceGone => Outcome::ServiceGone,
            _ => {
                // An error PC/SC should not give here; treat it like an outage so the retry path (with its
                // back-off) rebuilds everything instead of spinning.
                log::warn!("watching readers failed: {e}");
                Outcome::ServiceGone
            }
        }
    }

    /// Compares `states` with what the extension was told and sends the differences. `false`: stop.
    fn report(&mut self, states: &[ReaderState]) -> bool {
        let pnp = PNP_NOTIFICATION();
        let mut seen = Vec::new();
        for state in states.iter().filter(|s| s.name() != pnp) {
            let name = state.name().to_string_lossy().into_owned();
            if is_gone(state) {
                continue;
            }
            // A reader whose state is not known yet (UNAWARE) is reported once get_status_change has filled it.
            if state.event_state() == State::UNAWARE {
                if let Some(known) = self.known.get(&name) {
                    seen.push(known.name.clone());
                }
                continue;
            }
            seen.push(name.clone());
            let now = ReaderSnapshot::of(state);
            let events = changes(self.known.get(&name), &now);
            self.known.insert(name, now);
            for event in events {
                if !self.emit(event) {
                    return false;
                }
            }
        }
        let gone: Vec<String> = self
            .known
            .keys()
            .filter(|k| !seen.contains(k))
            .cloned()
            .collect();
        for reader in gone {
            self.known.remove(&reader);
            if !self.emit(Event::ReaderRemoved { reader }) {
                return false;
            }
        }
        true
    }

    fn emit(&mut self, event: Event) -> bool {
        log::debug!("event: {event:?}");
        (self.sink)(event)
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    fn set_context(&mut self, context: Option<Context>) {
        *self
            .waiting_on
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = context.clone();
        self.context = context;
    }

    /// Sleeps `delay` unless stopped first; `false` when stopped.
    fn pause(&self, delay: Duration) -> bool {
        match self.wake.recv_timeout(delay) {
            Err(RecvTimeoutError::Timeout) => !self.stopping(),
            _ => false,
        }
    }
}

/// The events that turn `before` into `now` for one reader.
pub fn changes(before: Option<&ReaderSnapshot>, now: &ReaderSnapshot) -> Vec<Event> {
    let reader = now.name.clone();
    let inserted = || Event::CardInserted {
        reader: reader.clone(),
        atr: hex::encode_upper(&now.atr),
    };
    let removed = || Event::CardRemoved {
        reader: reader.clone(),
    };
    match before {
        None => {
            let mut events = vec![Event::ReaderAdded {
                reader: reader.clone(),
            }];
            if now.card_present {
                events.push(inserted());
            }
            events
        }
        Some(before) => match (before.card_present, now.card_present) {
            (false, true) => vec![inserted()],
            (true, false) => vec![removed()],
            // Out and in again between two looks: the count moved, or the card is another one.
            (true, true) if before.event_count != now.event_count || before.atr != now.atr => {
                vec![removed(), inserted()]
            }
            _ => Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(present: bool, atr: &[u8], count: u32) -> ReaderSnapshot {
        ReaderSnapshot {
            name: "R 00 00".into(),
            card_present: present,
            atr: atr.to_vec(),
            event_count: count,
        }
    }

    #[test]
    fn new_reader_with_a_card() {
        let events = changes(None, &snap(true, &[0x3B, 0x85], 1));
        assert_eq!(
            events,
            vec![
                Event::ReaderAdded {
                    reader: "R 00 00".into()
                },
                Event::CardInserted {
                    reader: "R 00 00".into(),
                    atr: "3B85".into()
                },
            ]
        );
        assert_eq!(changes(None, &snap(false, &[], 0)).len(), 1);
    }

    #[test]
    fn insert_remove_and_swap() {
        let empty = snap(false, &[], 2);
        let card = snap(true, &[0x3B], 3);
        assert!(matches!(
            changes(Some(&empty), &card)[..],
            [Event::CardInserted { .. }]
        ));
        assert!(matches!(
            changes(Some(&card), &empty)[..],
            [Event::CardRemoved { .. }]
        ));
        assert!(changes(Some(&card), &card).is_empty());
        assert!(changes(Some(&empty), &snap(false, &[], 4)).is_empty());
        let swapped = snap(true, &[0x3B], 5);
        assert!(matches!(
            changes(Some(&card), &swapped)[..],
            [Event::CardRemoved { .. }, Event::CardInserted { .. }]
        ));
    }
}
