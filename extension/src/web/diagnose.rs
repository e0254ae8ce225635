//! The one diagnosis run — host, readers, card — shared by the options page, the toolbar popup and the service
//! worker (which only sets the badge). Each caller keeps the returned [`Probe`]; dropping it (or starting a new
//! one) closes its native port. The verdict itself is [`crate::diagnosis`]; this is the I/O around it.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use ebid_protocol::{Command, ErrorCode, ErrorInfo, HostMessage, Reply, Request};

use super::chrome;
use super::native_host::{HostSignal, NativeHost};
use crate::diagnosis::{from_certificate, from_readers, Diagnosis, ReadersVerdict};
use crate::host_problem::{reply_kind, HostProblem};

const LIST_READERS: u64 = 1;
const READ_CERTIFICATE: u64 = 2;

/// What a finished run found.
pub struct Outcome {
    pub diagnosis: Diagnosis,
    /// The host's version, when it said Hello with our protocol.
    pub host_version: Option<String>,
    /// The readers PC/SC listed (names), when it listed them.
    pub readers: Option<Vec<String>>,
}

type Done = Box<dyn Fn(&Outcome)>;

pub struct Probe {
    host: RefCell<Option<NativeHost>>,
    version: RefCell<Option<String>>,
    readers: RefCell<Option<Vec<String>>>,
    reader: RefCell<String>,
    done: Cell<bool>,
    on_done: Done,
}

impl Drop for Probe {
    fn drop(&mut self) {
        if let Some(host) = self.host.borrow().as_ref() {
            host.close();
        }
    }
}

/// Starts a run; `on_done` is called once with the outcome (the badge is set before it). Call it from a click or
/// a browser event, never from a callback of the probe being replaced.
pub fn start(on_done: impl Fn(&Outcome) + 'static) -> Rc<Probe> {
    let probe = Rc::new(Probe {
        host: RefCell::new(None),
        version: RefCell::new(None),
        readers: RefCell::new(None),
        reader: RefCell::new(String::new()),
        done: Cell::new(false),
        on_done: Box::new(on_done),
    });
    let weak = Rc::downgrade(&probe);
    let host = NativeHost::connect(Rc::new(move |signal| {
        if let Some(probe) = weak.upgrade() {
            on_signal(&probe, signal);
        }
    }));
    *probe.host.borrow_mut() = Some(host);
    probe
}

/// Shows a verdict on the toolbar button: a red `!` for trouble, amber `!` for a card to renew soon, nothing when
/// all is well; the tooltip says the verdict.
pub fn show_badge(diagnosis: &Diagnosis) {
    let (text, color) = diagnosis.badge(chrome::now_ms()).look();
    let title = format!(
        "{}: {}",
        chrome::message("ext_name", &[]),
        chrome::message(&diagnosis.message_key(), &[])
    );
    chrome::set_badge(text, color, &title);
}

fn on_signal(probe: &Probe, signal: HostSignal) {
    if probe.done.get() {
        return;
    }
    match signal {
        HostSignal::Ready(version) => {
            *probe.version.borrow_mut() = Some(version);
            send(probe, LIST_READERS, Command::ListReaders);
        }
        HostSignal::Problem(problem) => finish(probe, Diagnosis::from_host_problem(problem)),
        HostSignal::Message(HostMessage::Response { id, result }) => answer(probe, id, Ok(result)),
        HostSignal::Message(HostMessage::Error {
            id: Some(id),
            error,
        }) => answer(probe, id, Err(error)),
        HostSignal::Message(_) => {}
    }
}

fn answer(probe: &Probe, id: u64, result: Result<Reply, ErrorInfo>) {
    let version = probe.version.borrow().clone().unwrap_or_default();
    match id {
        LIST_READERS => {
            let readers = result.and_then(|reply| match reply {
                Reply::Readers { readers } => Ok(readers),
                other => Err(ErrorInfo::new(ErrorCode::Internal)
                    .with_detail(format!("unexpected reply {}", reply_kind(&other)))),
            });
            if let Ok(list) = &readers {
                *probe.readers.borrow_mut() = Some(list.iter().map(|r| r.name.clone()).collect());
            }
            match from_readers(&version, readers) {
                ReadersVerdict::Final(d) => finish(probe, d),
                ReadersVerdict::ReadCard(reader) => {
                    *probe.reader.borrow_mut() = reader.clone();
                    send(probe, READ_CERTIFICATE, Command::ReadCertificate { reader });
                }
            }
        }
        READ_CERTIFICATE => {
            let reader = probe.reader.borrow().clone();
            finish(probe, from_certificate(&version, &reader, result));
        }
        _ => {}
    }
}

fn send(probe: &Probe, id: u64, command: Command) {
    let sent = probe
        .host
        .borrow()
        .as_ref()
        .is_some_and(|h| h.send(&Request { id, command }));
    if !sent {
        finish(
            probe,
            Diagnosis::Host(HostProblem::Exited {
                detail: "the native port is closed".into(),
            }),
        );
    }
}

fn finish(probe: &Probe, diagnosis: Diagnosis) {
    if probe.done.replace(true) {
        return;
    }
    if let Some(host) = probe.host.borrow().as_ref() {
        host.close();
    }
    show_badge(&diagnosis);
    let outcome = Outcome {
        diagnosis,
        host_version: probe.version.borrow().clone(),
        readers: probe.readers.borrow().clone(),
    };
    (probe.on_done)(&outcome);
}
