//! The native messaging loop: Hello first, then one answer per request until the browser closes the pipe.
//!
//! Bad input never ends the session: oversized, non-JSON and unknown requests get typed errors. Only a stream that
//! cannot be followed any more (cut inside a frame, absurd length) ends it, with its own exit code.
//!
//! Card commands are answered from their reader's lane ([`crate::service`]) while the loop reads on: a card held by
//! another program does not hold up `list_readers` or another reader. Answers may then come out of order; each
//! carries its request's id, and each request gets exactly one ([`Answer`]). When the input ends, the answers
//! still owed are waited for (each lane answers within its bounds) before the session ends.
//!
//! A caller the host does not serve ([`crate::caller`]) still gets the Hello (so its extension can tell "host
//! present"), then `CALLER_NOT_ALLOWED` for every request, until it closes stdin; it never reaches PC/SC.

use std::io::Read;
use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use ebid_protocol::framing::{self, request_too_large, FrameError, Inbound};
use ebid_protocol::{
    Command, ErrorCode, ErrorInfo, HostMessage, Reply, MAX_REQUEST_BYTES, PROTOCOL_VERSION,
};
use zeroize::Zeroizing;

pub use ebid_protocol::framing::SessionEnd;

use crate::caller::{self, Refused};
use crate::framing::FrameWriter;
use crate::logging;
use crate::service::{quote_input, CardService, ALLOW_LOOPBACK_ORIGINS_ENV};

/// The longest the session waits at its end for answers still owed: beyond any lane's own bound (the PIN pad's
/// minute and the wait for the card), so it only ever matters if a lane broke.
const OWED_ANSWERS_WAIT: Duration = Duration::from_secs(120);

/// Runs one command for the session.
pub trait Handler {
    /// `events` is where a `watch` sends its events; it must not be locked from inside `handle`.
    fn handle(&mut self, command: Command, events: &FrameWriter) -> Result<Reply, ErrorInfo>;

    /// Whether `command` is answered later, from another thread, through [`Handler::start`] (a card command, on
    /// its reader's lane) rather than by `handle` before the next request is read.
    fn answers_later(&self, _command: &Command) -> bool {
        false
    }

    /// Starts `command` (one for which `answers_later` holds) and returns without waiting for it. `answer` is sent
    /// once, from any thread; an answer dropped unsent says `INTERNAL`.
    fn start(&mut self, command: Command, answer: Answer) {
        let events = answer.events();
        answer.send(self.handle(command, &events));
    }

    /// Called after `handle` panicked: drop whatever may have been left half-updated.
    fn recover(&mut self) {}

    /// `Some(error)`: every request is answered with this error, unparsed and unhandled (a refused caller).
    fn refusal(&self) -> Option<ErrorInfo> {
        None
    }
}

/// The handler for a caller the host does not serve: it only refuses.
pub struct RefusedCaller(pub Refused);

impl Handler for RefusedCaller {
    fn handle(&mut self, _command: Command, _events: &FrameWriter) -> Result<Reply, ErrorInfo> {
        Err(self.0.error())
    }

    fn refusal(&self) -> Option<ErrorInfo> {
        Some(self.0.error())
    }
}

impl Handler for CardService {
    fn handle(&mut self, command: Command, events: &FrameWriter) -> Result<Reply, ErrorInfo> {
        self.execute(command, || {
            let writer = events.clone();
            Box::new(move |event| writer.send(&HostMessage::Event { event }).is_ok())
        })
    }

    fn answers_later(&self, command: &Command) -> bool {
        CardService::is_card_command(command)
    }

    fn start(&mut self, command: Command, answer: Answer) {
        self.submit(command, Box::new(move |result| answer.send(result)));
    }

    fn recover(&mut self) {
        // Card connections may be half-updated: drop them (and their verified PINs) with the context.
        *self = CardService::new();
    }
}

/// The answers a session still owes, and whether writing one failed (the browser is gone).
#[derive(Default)]
struct Owed {
    count: Mutex<usize>,
    settled: Condvar,
    output_failed: AtomicBool,
}

impl Owed {
    fn add(&self) {
        *self.count.lock().unwrap_or_else(PoisonError::into_inner) += 1;
    }

    fn settle(&self) {
        let mut count = self.count.lock().unwrap_or_else(PoisonError::into_inner);
        *count = count.saturating_sub(1);
        self.settled.notify_all();
    }

    /// Waits until nothing is owed, at most `limit`; `false` when something still is.
    fn wait_settled(&self, limit: Duration) -> bool {
        let count = self.count.lock().unwrap_or_else(PoisonError::into_inner);
        let (count, _) = self
            .settled
            .wait_timeout_while(count, limit, |count| *count > 0)
            .unwrap_or_else(PoisonError::into_inner);
        *count == 0
    }

    fn output_failed(&self) -> bool {
        self.output_failed.load(Ordering::SeqCst)
    }
}

/// The one answer owed to a request that is answered from another thread ([`Handler::start`]). Sending it writes
/// the response or error with the request's id; dropping it unsent writes `INTERNAL`, so no request goes
/// unanswered even if the work behind it is lost.
pub struct Answer {
    id: u64,
    name: &'static str,
    started: Instant,
    writer: FrameWriter,
    owed: Arc<Owed>,
    sent: bool,
}

impl Answer {
    fn new(id: u64, name: &'static str, writer: &FrameWriter, owed: &Arc<Owed>) -> Answer {
        owed.add();
        Answer {
            id,
            name,
            started: Instant::now(),
            writer: writer.clone(),
            owed: owed.clone(),
            sent: false,
        }
    }

    /// The request's id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Where the session's messages go (a `watch` sends its events there).
    pub fn events(&self) -> FrameWriter {
        self.writer.clone()
    }

    pub fn send(mut self, result: Result<Reply, ErrorInfo>) {
        self.deliver(result);
    }

    fn deliver(&mut self, result: Result<Reply, ErrorInfo>) {
        self.sent = true;
        let message = outcome_message(self.id, self.name, self.started, result);
        if self.writer.send(&message).is_err() {
            self.owed.output_failed.store(true, Ordering::SeqCst);
        }
        self.owed.settle();
    }
}

impl Drop for Answer {
    fn drop(&mut self) {
        if !self.sent {
            let error = ErrorInfo::new(ErrorCode::Internal)
                .with_detail(format!("{} failed unexpectedly", self.name));
            self.deliver(Err(error));
        }
    }
}

/// The entry point for a browser launch. `args` are the host's arguments: argv[1] is the caller origin (Chrome
/// family), or the manifest path followed by the add-on ID (Firefox).
pub fn run_native_messaging(args: &[String]) -> ExitCode {
    install_panic_hook();
    logging::init();
    log::info!(
        "started (version {}, caller {})",
        env!("CARGO_PKG_VERSION"),
        args.first()
            .map(|a| quote_input(a, 100))
            .unwrap_or_else(|| "-".to_owned())
    );
    let writer = FrameWriter::new(std::io::stdout());
    // Nothing before the Hello may end the process: a check that panics refuses the caller instead, and profiles
    // that cannot be read leave the service without any.
    let identified = panic::catch_unwind(|| caller::identify(args)).unwrap_or_else(|_| {
        Err(Refused {
            reason: "the caller check failed unexpectedly".into(),
        })
    });
    let end = match identified {
        Ok(caller) => {
            log::debug!("caller: {:?} extension {}", caller.family, caller.id);
            let mut service = panic::catch_unwind(CardService::new).unwrap_or_else(|_| {
                log::error!("loading the card profiles failed unexpectedly; none are used");
                let mut service = CardService::with_profiles(Vec::new());
                service.allow_loopback_origins(crate::service::loopback_origins_allowed_by_env());
                service
            });
            if crate::service::loopback_origins_allowed_by_env() {
                log::warn!(
                    "{ALLOW_LOOPBACK_ORIGINS_ENV}=1: http:// loopback origins are accepted (test switch)"
                );
            }
            let end = serve(&mut std::io::stdin().lock(), &writer, &mut service);
            // Stop the event thread and disconnect the cards (leaving them powered) before the exit code is known.
            drop(service);
            end
        }
        Err(refused) => {
            log::warn!(
                "refused caller: {}; every request is answered CALLER_NOT_ALLOWED",
                refused.reason
            );
            serve(
                &mut std::io::stdin().lock(),
                &writer,
                &mut RefusedCaller(refused),
            )
        }
    };
    log::info!("session ended: {end:?}");
    ExitCode::from(end.exit_code())
}

/// A panic must not print its message (it might quote data) nor the default hook's text on stdout; the location
/// is enough for a bug report, and "panicked" stays greppable.
fn install_panic_hook() {
    panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        log::error!("host panicked at {at}");
    }));
}

/// Serves requests from `input` until it ends. Sends Hello first. Answers still owed when the input ends are
/// waited for.
pub fn serve(
    input: &mut impl Read,
    writer: &FrameWriter,
    handler: &mut impl Handler,
) -> SessionEnd {
    let owed = Arc::new(Owed::default());
    let end = read_and_answer(input, writer, handler, &owed);
    if end == SessionEnd::OutputClosed {
        return end;
    }
    if !owed.wait_settled(OWED_ANSWERS_WAIT) {
        log::error!(
            "answers still owed after {} s; ending anyway",
            OWED_ANSWERS_WAIT.as_secs()
        );
    }
    if owed.output_failed() {
        return SessionEnd::OutputClosed;
    }
    end
}

fn read_and_answer(
    input: &mut impl Read,
    writer: &FrameWriter,
    handler: &mut impl Handler,
    owed: &Arc<Owed>,
) -> SessionEnd {
    let hello = HostMessage::Hello {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        protocol: PROTOCOL_VERSION,
    };
    if writer.send(&hello).is_err() {
        return SessionEnd::OutputClosed;
    }
    loop {
        let body = match framing::read_frame(input, MAX_REQUEST_BYTES) {
            Ok(Inbound::Frame(body)) => Zeroizing::new(body),
            Ok(Inbound::End) => return SessionEnd::BrowserClosed,
            Ok(Inbound::Oversized { len }) => {
                log::warn!("refused a {len} byte request");
                let error = request_too_large(len);
                if writer
                    .send(&HostMessage::Error { id: None, error })
                    .is_err()
                {
                    return SessionEnd::OutputClosed;
                }
                continue;
            }
            Err(FrameError::Absurd { len }) => {
                log::error!("frame length {len} is absurd; ending the session");
                let _ = writer.send(&HostMessage::Error {
                    id: None,
                    error: request_too_large(len),
                });
                return SessionEnd::AbsurdFrame;
            }
            Err(e @ FrameError::Truncated { .. }) => {
                log::error!("{e}; ending the session");
                return e.session_end();
            }
            Err(e @ FrameError::Io(_)) => {
                log::error!("{e}");
                return e.session_end();
            }
        };
        let parsed = framing::parse_request(&body);
        drop(body);
        if let Some(error) = handler.refusal() {
            let id = match &parsed {
                Ok(request) => Some(request.id),
                Err(rejected) => rejected.id,
            };
            drop(parsed);
            log::info!("request {id:?} refused: {:?}", error.code);
            if writer.send(&HostMessage::Error { id, error }).is_err() {
                return SessionEnd::OutputClosed;
            }
            continue;
        }
        let answer = match parsed {
            Ok(request) if handler.answers_later(&request.command) => {
                let answer = Answer::new(request.id, request.command.name(), writer, owed);
                log::debug!(
                    "request {}: {} (answered from its reader's lane)",
                    request.id,
                    request.command.name()
                );
                let started = panic::catch_unwind(AssertUnwindSafe(|| {
                    handler.start(request.command, answer)
                }));
                if started.is_err() {
                    // The answer was dropped in the unwind, which said INTERNAL.
                    handler.recover();
                }
                if owed.output_failed() {
                    return SessionEnd::OutputClosed;
                }
                continue;
            }
            Ok(request) => answer(request.id, request.command, writer, handler),
            Err(rejected) => {
                log::warn!(
                    "rejected request {:?}: {:?} {}",
                    rejected.id,
                    rejected.error.code,
                    rejected.error.detail.as_deref().unwrap_or("")
                );
                Ok(rejected.into_message())
            }
        };
        let sent = match answer {
            Ok(message) => writer.send(&message),
            Err(already_sent) => already_sent,
        };
        if sent.is_err() {
            return SessionEnd::OutputClosed;
        }
    }
}

/// Runs one request. Returns the message to send, or `Err(result of sending)` when the answer had to be sent
/// under the writer's lock (a `watch` reply goes out before the first event).
fn answer(
    id: u64,
    command: Command,
    writer: &FrameWriter,
    handler: &mut impl Handler,
) -> Result<HostMessage, std::io::Result<()>> {
    let name = command.name();
    log::debug!("request {id}: {name}");
    let started = Instant::now();
    let hold_events = matches!(command, Command::Watch);
    let mut locked = hold_events.then(|| writer.lock());
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| handler.handle(command, writer)));
    let result = match outcome {
        Ok(result) => result,
        Err(_) => {
            // Recovery may stop an event thread that waits for this lock: release it first.
            drop(locked.take());
            handler.recover();
            Err(ErrorInfo::new(ErrorCode::Internal)
                .with_detail(format!("{name} failed unexpectedly")))
        }
    };
    let message = outcome_message(id, name, started, result);
    match locked.as_mut() {
        Some(locked) => Err(locked.send(&message)),
        None => Ok(message),
    }
}

/// The message answering request `id` with `result`, logged by command name only.
fn outcome_message(
    id: u64,
    name: &str,
    started: Instant,
    result: Result<Reply, ErrorInfo>,
) -> HostMessage {
    match result {
        Ok(result) => {
            log::debug!(
                "request {id}: {name} ok in {} ms",
                started.elapsed().as_millis()
            );
            HostMessage::Response { id, result }
        }
        Err(error) => {
            log::info!(
                "request {id}: {name} failed: {:?} {}",
                error.code,
                error.detail.as_deref().unwrap_or("")
            );
            HostMessage::Error {
                id: Some(id),
                error,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ebid_protocol::{Event, Pin};
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Sink {
        fn messages(&self) -> Vec<HostMessage> {
            let bytes = self.0.lock().unwrap().clone();
            let mut r = &bytes[..];
            let mut out = Vec::new();
            while let Inbound::Frame(f) = framing::read_frame(&mut r, usize::MAX).unwrap() {
                out.push(serde_json::from_slice(&f).unwrap());
            }
            out
        }
    }

    /// Answers list_readers, panics on verify_pin, sends an event on watch.
    #[derive(Default)]
    struct Fake {
        recovered: bool,
        seen_pin: Option<Pin>,
        event_thread: Option<std::thread::JoinHandle<()>>,
    }

    impl Handler for Fake {
        fn handle(&mut self, command: Command, events: &FrameWriter) -> Result<Reply, ErrorInfo> {
            match command {
                Command::ListReaders => Ok(Reply::Readers { readers: vec![] }),
                Command::Watch => {
                    let events = events.clone();
                    self.event_thread = Some(std::thread::spawn(move || {
                        let event = Event::PcscAvailable;
                        let _ = events.send(&HostMessage::Event { event });
                    }));
                    // Give the event thread every chance to jump the queue.
                    std::thread::sleep(std::time::Duration::from_millis(50));
                    Ok(Reply::Watching { readers: vec![] })
                }
                Command::VerifyPin { pin, .. } => {
                    self.seen_pin = pin;
                    panic!("boom")
                }
                _ => Err(ErrorInfo::new(ErrorCode::NoCard)),
            }
        }
        fn recover(&mut self) {
            self.recovered = true;
        }
    }

    fn frame(body: &[u8]) -> Vec<u8> {
        framing::encode_frame(body).unwrap()
    }

    fn run(input: Vec<u8>) -> (SessionEnd, Vec<HostMessage>, Fake) {
        let sink = Sink::default();
        let writer = FrameWriter::new(sink.clone());
        let mut fake = Fake::default();
        let end = serve(&mut &input[..], &writer, &mut fake);
        (end, sink.messages(), fake)
    }

    fn error_of(m: &HostMessage) -> (Option<u64>, ErrorCode) {
        match m {
            HostMessage::Error { id, error } => (*id, error.code),
            other => panic!("not an error: {other:?}"),
        }
    }

    #[test]
    fn hello_then_answers_then_clean_end() {
        let mut input = frame(br#"{"id":1,"cmd":"list_readers"}"#);
        input.extend(frame(br#"{"id":2,"cmd":"forget","reader":"R"}"#));
        let (end, out, _) = run(input);
        assert_eq!(end, SessionEnd::BrowserClosed);
        assert!(
            matches!(&out[0], HostMessage::Hello { protocol, .. } if *protocol == PROTOCOL_VERSION)
        );
        assert_eq!(
            out[1],
            HostMessage::Response {
                id: 1,
                result: Reply::Readers { readers: vec![] }
            }
        );
        assert_eq!(error_of(&out[2]), (Some(2), ErrorCode::NoCard));
        assert_eq!(out.len(), 3);
    }

    #[test]
    fn bad_requests_get_typed_errors_and_the_session_goes_on() {
        let mut input = frame(b"\xff\xfe not json");
        input.extend(frame(br#"{"id":5,"cmd":"erase"}"#));
        input.extend(frame(&vec![b' '; MAX_REQUEST_BYTES + 1]));
        input.extend(frame(br#"{"id":6,"cmd":"list_readers"}"#));
        let (end, out, _) = run(input);
        assert_eq!(end, SessionEnd::BrowserClosed);
        assert_eq!(error_of(&out[1]), (None, ErrorCode::BadRequest));
        assert_eq!(error_of(&out[2]), (Some(5), ErrorCode::UnknownCommand));
        assert_eq!(error_of(&out[3]), (None, ErrorCode::TooLarge));
        assert!(matches!(out[4], HostMessage::Response { id: 6, .. }));
    }

    #[test]
    fn a_panicking_handler_answers_internal_and_keeps_serving() {
        let mut input = frame(br#"{"id":8,"cmd":"verify_pin","reader":"R","pin":"73914562"}"#);
        input.extend(frame(br#"{"id":9,"cmd":"list_readers"}"#));
        let (end, out, fake) = run(input);
        assert_eq!(end, SessionEnd::BrowserClosed);
        assert_eq!(error_of(&out[1]), (Some(8), ErrorCode::Internal));
        assert!(matches!(out[2], HostMessage::Response { id: 9, .. }));
        assert!(fake.recovered);
        assert_eq!(fake.seen_pin.unwrap().expose(), "73914562");
    }

    #[test]
    fn the_watch_reply_precedes_its_events() {
        let sink = Sink::default();
        let writer = FrameWriter::new(sink.clone());
        let mut fake = Fake::default();
        let input = frame(br#"{"id":1,"cmd":"watch"}"#);
        assert_eq!(
            serve(&mut &input[..], &writer, &mut fake),
            SessionEnd::BrowserClosed
        );
        fake.event_thread.take().unwrap().join().unwrap();
        let out = sink.messages();
        assert_eq!(
            out[1],
            HostMessage::Response {
                id: 1,
                result: Reply::Watching { readers: vec![] }
            }
        );
        assert_eq!(
            out[2],
            HostMessage::Event {
                event: Event::PcscAvailable
            }
        );
    }

    #[test]
    fn a_refused_caller_gets_hello_then_only_refusals_until_it_closes() {
        let sink = Sink::default();
        let writer = FrameWriter::new(sink.clone());
        let mut refused = RefusedCaller(Refused {
            reason: "test".into(),
        });
        let mut input = frame(br#"{"id":1,"cmd":"list_readers"}"#);
        input.extend(frame(
            br#"{"id":2,"cmd":"verify_pin","reader":"R","pin":"73914562"}"#,
        ));
        input.extend(frame(br#"{"id":3,"cmd":"format_card"}"#));
        input.extend(frame(b"not json"));
        let end = serve(&mut &input[..], &writer, &mut refused);
        assert_eq!(end, SessionEnd::BrowserClosed);
        let out = sink.messages();
        assert!(matches!(out[0], HostMessage::Hello { .. }));
        let answers: Vec<_> = out[1..].iter().map(error_of).collect();
        assert_eq!(
            answers,
            [
                (Some(1), ErrorCode::CallerNotAllowed),
                (Some(2), ErrorCode::CallerNotAllowed),
                (Some(3), ErrorCode::CallerNotAllowed),
                (None, ErrorCode::CallerNotAllowed),
            ]
        );
    }

    /// Answers `pin_status` from another thread after a while, drops `read_certificate`'s answer unsent, and
    /// answers the rest at once.
    struct Later;

    impl Handler for Later {
        fn handle(&mut self, command: Command, _: &FrameWriter) -> Result<Reply, ErrorInfo> {
            match command {
                Command::ListReaders => Ok(Reply::Readers { readers: vec![] }),
                _ => Err(ErrorInfo::new(ErrorCode::NoCard)),
            }
        }

        fn answers_later(&self, command: &Command) -> bool {
            matches!(
                command,
                Command::PinStatus { .. } | Command::ReadCertificate { .. }
            )
        }

        fn start(&mut self, command: Command, answer: Answer) {
            match command {
                Command::PinStatus { .. } => {
                    std::thread::spawn(move || {
                        std::thread::sleep(std::time::Duration::from_millis(100));
                        answer.send(Err(ErrorInfo::new(ErrorCode::ReaderBusy)));
                    });
                }
                _ => drop(answer),
            }
        }
    }

    #[test]
    fn answers_from_other_threads_come_by_id_and_are_all_sent_before_the_session_ends() {
        let sink = Sink::default();
        let writer = FrameWriter::new(sink.clone());
        let mut input = frame(br#"{"id":1,"cmd":"pin_status","reader":"R"}"#);
        input.extend(frame(br#"{"id":2,"cmd":"list_readers"}"#));
        input.extend(frame(br#"{"id":3,"cmd":"read_certificate","reader":"R"}"#));
        let end = serve(&mut &input[..], &writer, &mut Later);
        assert_eq!(end, SessionEnd::BrowserClosed);
        let out = sink.messages();
        assert_eq!(out.len(), 4, "{out:?}");
        assert!(
            matches!(out[1], HostMessage::Response { id: 2, .. }),
            "not held up by request 1"
        );
        assert_eq!(
            error_of(&out[2]),
            (Some(3), ErrorCode::Internal),
            "a dropped answer"
        );
        assert_eq!(
            error_of(&out[3]),
            (Some(1), ErrorCode::ReaderBusy),
            "waited for"
        );
    }

    #[test]
    fn truncated_and_absurd_frames_end_with_their_codes() {
        let mut input = frame(br#"{"id":1,"cmd":"list_readers"}"#);
        input.truncate(input.len() - 4);
        let (end, _, _) = run(input);
        assert_eq!(end, SessionEnd::TruncatedFrame);
        assert_eq!(end.exit_code(), 2);

        let (end, out, _) = run(framing::length_prefix(u32::MAX).to_vec());
        assert_eq!(end, SessionEnd::AbsurdFrame);
        assert_eq!(error_of(&out[1]), (None, ErrorCode::TooLarge));

        let (end, out, _) = run(vec![]);
        assert_eq!((end, out.len()), (SessionEnd::BrowserClosed, 1));
    }
}
