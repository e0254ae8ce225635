//! One lane per reader: the commands on the card in one reader run on that lane's own thread, with its own PC/SC
//! context, so a card that is slow, or held by another program, never holds up the reader list, the events or
//! another reader.
//!
//! PC/SC gives no way to bound its waits: pcsc-lite's `SCardBeginTransaction` (and `SCardConnect`, and a
//! resetting `SCardDisconnect`) wait for as long as another program holds a transaction on the card. So each lane
//! has two threads: the *card thread* makes the PC/SC calls and may block in them; the *lane thread* hands it one
//! request at a time and keeps the clock:
//!
//! - a request that has not got hold of the card [`BUSY_WAIT`] after it arrived is answered `READER_BUSY`, and
//!   is then never run (its [`Claim`] says so when the card thread finally gets the card: a `verify_pin` answered
//!   busy must not spend a try later);
//! - while the card thread is stuck like that, every new request to the reader is answered `READER_BUSY` at once;
//! - a request that holds the card has its budget (card::Budgeted) and, as a backstop for a call that never
//!   returns, [`run_limit`]; after it the request is answered `CARD_ERROR` and the lane counts as stuck.
//!
//! The answer to each request is given exactly once, by the lane thread: the card thread's result for a request
//! already answered is dropped.

use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ebid_protocol::{ErrorCode, ErrorInfo, Reply};

use super::card_commands::CardOp;
use super::connection::ReaderConnection;
use super::Shared;
use crate::card::MAX_OPERATION_TIME;

/// How long a request waits to get hold of the card: for another program's transaction to end (or this host's
/// previous command on the reader). Other programs hold a card for a signature or a certificate read, well under
/// 2 s; a bidder told "another program is using the card" after 3 s has an answer long before the extension gives
/// up on the host (20 s).
pub const BUSY_WAIT: Duration = Duration::from_secs(3);

/// Beyond its budget, what a command holding the card may take before the lane stops waiting for it.
const RUN_MARGIN: Duration = Duration::from_secs(5);

/// How long the reader's PIN pad gives the bidder (service::pin_pad_control), plus a margin for the card.
const PIN_PAD_RUN_LIMIT: Duration = Duration::from_secs(60 + 10);

/// How long a lane waits at the end for its card thread to disconnect (resetting a verified card).
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// What may run on the card after the request got hold of it: the budget plus a margin, or the PIN pad's time.
pub fn run_limit(op: &CardOp) -> Duration {
    if op.uses_pin_pad() {
        PIN_PAD_RUN_LIMIT
    } else {
        MAX_OPERATION_TIME + RUN_MARGIN
    }
}

/// Where a request's answer goes (called once).
pub type Deliver = Box<dyn FnOnce(Result<Reply, ErrorInfo>) + Send>;

/// Whether the request may still touch the card, shared by the lane thread (which may give up on it) and the card
/// thread (which starts it once it holds the card). Whoever moves it first from waiting wins.
#[derive(Clone, Default)]
pub struct Claim(Arc<AtomicU8>);

const WAITING: u8 = 0;
const RUNNING: u8 = 1;
const ABANDONED: u8 = 2;

impl Claim {
    /// The card thread holds the card (a transaction began): `true` when the request may run (again `true` for a
    /// request already running), `false` when it was answered `READER_BUSY` meanwhile and must not touch the card.
    pub fn start(&self) -> bool {
        match self
            .0
            .compare_exchange(WAITING, RUNNING, Ordering::SeqCst, Ordering::SeqCst)
        {
            Ok(_) => true,
            Err(state) => state == RUNNING,
        }
    }

    /// The lane thread gives up on a request that never got the card; `false` when it already runs.
    fn abandon(&self) -> bool {
        self.0
            .compare_exchange(WAITING, ABANDONED, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    }

    fn is_running(&self) -> bool {
        self.0.load(Ordering::SeqCst) == RUNNING
    }
}

/// The error a request gets when it could not get hold of the card.
pub fn reader_busy(detail: &str) -> ErrorInfo {
    ErrorInfo::new(ErrorCode::ReaderBusy).with_detail(detail)
}

struct Job {
    op: CardOp,
    deliver: Deliver,
    arrived: Instant,
}

enum ToLane {
    Job(Job),
    Done(Box<Result<Reply, ErrorInfo>>),
    Stop,
}

/// The lane of one reader; dropping it stops its threads (after the card is disconnected, unless stuck).
pub struct Lane {
    to_lane: Sender<ToLane>,
    closed: Receiver<()>,
    state: Arc<AtomicU8>,
}

/// What the lane is doing, for the reader list and the end: idle, busy with a request, or stuck in PC/SC.
const IDLE: u8 = 0;
const BUSY: u8 = 1;
const STUCK: u8 = 2;

impl Lane {
    /// Starts the lane of `reader` (its two threads).
    pub fn start(reader: &str, shared: Arc<Shared>) -> std::io::Result<Lane> {
        let (to_lane, inbox) = mpsc::channel();
        let (to_card, card_inbox) = mpsc::channel::<(CardOp, Claim)>();
        let (closed_tx, closed) = mpsc::channel();
        let state = Arc::new(AtomicU8::new(IDLE));
        let done = to_lane.clone();
        let mut connection = ReaderConnection::new(reader, shared);
        std::thread::Builder::new()
            .name(format!("card:{}", short(reader)))
            .spawn(move || {
                while let Ok((op, claim)) = card_inbox.recv() {
                    let outcome =
                        panic::catch_unwind(AssertUnwindSafe(|| op.run(&mut connection, &claim)));
                    let result = outcome.unwrap_or_else(|_| {
                        // The connection may be half updated: drop it (and its verified PIN).
                        connection.reset_after_panic();
                        Err(ErrorInfo::new(ErrorCode::Internal)
                            .with_detail("the card command failed unexpectedly"))
                    });
                    if done.send(ToLane::Done(Box::new(result))).is_err() {
                        break;
                    }
                }
                drop(connection);
                let _ = closed_tx.send(());
            })?;
        let mut lane = LaneThread {
            reader: reader.to_owned(),
            inbox,
            to_card: Some(to_card),
            queue: VecDeque::new(),
            current: None,
            state: state.clone(),
        };
        std::thread::Builder::new()
            .name(format!("lane:{}", short(reader)))
            .spawn(move || lane.run())?;
        Ok(Lane {
            to_lane,
            closed,
            state,
        })
    }

    /// Queues `op`; `deliver` gets its answer (from the lane thread) within the lane's bounds.
    pub fn submit(&self, op: CardOp, deliver: Deliver) {
        let job = Job {
            op,
            deliver,
            arrived: Instant::now(),
        };
        if let Err(mpsc::SendError(ToLane::Job(job))) = self.to_lane.send(ToLane::Job(job)) {
            (job.deliver)(Err(
                ErrorInfo::new(ErrorCode::Internal).with_detail("the reader's card thread is gone")
            ));
        }
    }

    /// Nothing queued or running.
    pub fn is_idle(&self) -> bool {
        self.state.load(Ordering::SeqCst) == IDLE
    }
}

impl Drop for Lane {
    fn drop(&mut self) {
        let stuck = self.state.load(Ordering::SeqCst) == STUCK;
        if self.to_lane.send(ToLane::Stop).is_ok() && !stuck {
            // Wait for the card to be disconnected (a verified card is reset), but never for a stuck PC/SC call.
            let _ = self.closed.recv_timeout(CLOSE_WAIT);
        }
    }
}

/// A reader name for a thread name (at most 40 characters).
fn short(reader: &str) -> String {
    reader.chars().take(40).collect()
}

struct Current {
    claim: Claim,
    /// `None` once answered (given up on); the card thread's result is then dropped.
    deliver: Option<Deliver>,
    busy_deadline: Instant,
    run_deadline: Instant,
}

struct LaneThread {
    reader: String,
    inbox: Receiver<ToLane>,
    to_card: Option<Sender<(CardOp, Claim)>>,
    queue: VecDeque<Job>,
    current: Option<Current>,
    state: Arc<AtomicU8>,
}

impl LaneThread {
    fn run(&mut self) {
        loop {
            let message = match self.next_deadline() {
                Some(deadline) => {
                    match self
                        .inbox
                        .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                    {
                        Ok(message) => Some(message),
                        Err(RecvTimeoutError::Timeout) => None,
                        Err(RecvTimeoutError::Disconnected) => Some(ToLane::Stop),
                    }
                }
                None => Some(self.inbox.recv().unwrap_or(ToLane::Stop)),
            };
            match message {
                Some(ToLane::Job(job)) => self.take(job),
                Some(ToLane::Done(result)) => self.finished(*result),
                Some(ToLane::Stop) => return self.stop(),
                None => {}
            }
            self.check_deadlines(Instant::now());
            self.start_next();
            self.publish_state();
        }
    }

    fn take(&mut self, job: Job) {
        if self.is_stuck() {
            log::info!(
                "{:?}: busy; a new {} is answered at once",
                self.reader,
                job.op.name()
            );
            (job.deliver)(Err(reader_busy(
                "an earlier command on this reader is still waiting for the card",
            )));
            return;
        }
        self.queue.push_back(job);
    }

    fn finished(&mut self, result: Result<Reply, ErrorInfo>) {
        if let Some(current) = self.current.take() {
            match current.deliver {
                Some(deliver) => deliver(result),
                None => log::info!(
                    "{:?}: the card is free again; a late result was dropped",
                    self.reader
                ),
            }
        }
    }

    /// The card thread is blocked in a request already answered.
    fn is_stuck(&self) -> bool {
        self.current.as_ref().is_some_and(|c| c.deliver.is_none())
    }

    fn next_deadline(&self) -> Option<Instant> {
        let current = self.current.as_ref().and_then(|c| {
            c.deliver.as_ref()?;
            Some(if c.claim.is_running() {
                c.run_deadline
            } else {
                c.busy_deadline
            })
        });
        let queued = self.queue.front().map(|job| job.arrived + BUSY_WAIT);
        match (current, queued) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn check_deadlines(&mut self, now: Instant) {
        while self
            .queue
            .front()
            .is_some_and(|job| now >= job.arrived + BUSY_WAIT)
        {
            if let Some(job) = self.queue.pop_front() {
                log::warn!(
                    "{:?}: {} waited {} s in the queue; READER_BUSY",
                    self.reader,
                    job.op.name(),
                    BUSY_WAIT.as_secs()
                );
                (job.deliver)(Err(reader_busy(
                    "the reader was busy with an earlier command",
                )));
            }
        }
        let reader = &self.reader;
        let Some(current) = self.current.as_mut() else {
            return;
        };
        if current.deliver.is_none() {
            return;
        }
        let error = if now >= current.busy_deadline && current.claim.abandon() {
            log::warn!(
                "{reader:?}: the card was not free within {} s (another program's transaction?); READER_BUSY",
                BUSY_WAIT.as_secs()
            );
            reader_busy(&format!(
                "the card was not free within {} s: another program holds it",
                BUSY_WAIT.as_secs()
            ))
        } else if now >= current.run_deadline {
            log::error!("{reader:?}: no answer from the card or the reader; giving up on it");
            ErrorInfo::new(ErrorCode::CardError)
                .with_detail("no answer from the card or the reader")
        } else {
            return;
        };
        if let Some(deliver) = current.deliver.take() {
            deliver(Err(error));
        }
    }

    /// Hands the next queued request to the card thread, if it is free.
    fn start_next(&mut self) {
        if self.current.is_some() {
            return;
        }
        let Some(job) = self.queue.pop_front() else {
            return;
        };
        let claim = Claim::default();
        let limit = run_limit(&job.op);
        let Some(to_card) = &self.to_card else {
            return (job.deliver)(Err(ErrorInfo::new(ErrorCode::Internal)));
        };
        match to_card.send((job.op, claim.clone())) {
            Ok(()) => {
                let busy_deadline = job.arrived + BUSY_WAIT;
                self.current = Some(Current {
                    claim,
                    deliver: Some(job.deliver),
                    busy_deadline,
                    run_deadline: busy_deadline + limit,
                });
            }
            Err(_) => {
                (job.deliver)(Err(ErrorInfo::new(ErrorCode::Internal)
                    .with_detail("the reader's card thread is gone")))
            }
        }
    }

    fn publish_state(&self) {
        let state = if self.is_stuck() {
            STUCK
        } else if self.current.is_some() || !self.queue.is_empty() {
            BUSY
        } else {
            IDLE
        };
        self.state.store(state, Ordering::SeqCst);
    }

    /// The service is going away: answer what is left, let the card thread disconnect and end.
    fn stop(&mut self) {
        let gone =
            || Err(ErrorInfo::new(ErrorCode::Internal).with_detail("the card service stopped"));
        for job in self.queue.drain(..) {
            (job.deliver)(gone());
        }
        if let Some(deliver) = self.current.take().and_then(|c| c.deliver) {
            deliver(gone());
        }
        // The card thread ends (disconnecting) once its channel is closed and its current call returned.
        self.to_card = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_goes_one_way_only() {
        let claim = Claim::default();
        assert!(claim.start());
        assert!(claim.start(), "still running");
        assert!(!claim.abandon(), "too late to give up");

        let claim = Claim::default();
        assert!(claim.abandon());
        assert!(!claim.start(), "answered busy: never run");
        assert!(!claim.is_running());
    }

    #[test]
    fn a_pin_pad_may_run_longer() {
        assert!(run_limit(&CardOp::VerifyPin(None)) > Duration::from_secs(60));
        assert_eq!(
            run_limit(&CardOp::PinStatus),
            MAX_OPERATION_TIME + RUN_MARGIN
        );
        assert!(BUSY_WAIT + run_limit(&CardOp::PinStatus) < Duration::from_secs(20));
    }
}
