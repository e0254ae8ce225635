//! A virtual card as tests hold it: created once, inserted into and removed from vpcd slots, its PIN counter
//! kept across insertions like a real card's.

use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::config::{CardConfig, CardKind};
use crate::emulation::Emulation;
use crate::vpcd::{self, Request};
use crate::CardError;

/// How long a card whose reader went away (pcscd stopped) waits between attempts to get back in: nothing announces
/// that vpcd listens again, only a connect that succeeds.
const RECONNECT_INTERVAL: Duration = Duration::from_millis(50);
/// Command records kept for tests; older ones are dropped.
const LOG_LIMIT: usize = 1000;

/// A command the card received: header, data length and answer. Never the data itself (it may be a PIN).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApduRecord {
    pub header: [u8; 4],
    pub data_len: usize,
    pub status: u16,
}

type VanishPredicate = Box<dyn FnMut(&[u8]) -> bool + Send>;

struct CardState {
    emulation: Emulation,
    inserted: bool,
    /// When set, the first APDU it accepts closes the connection unanswered: the card was pulled mid-command.
    vanish_when: Option<VanishPredicate>,
    log: Vec<ApduRecord>,
}

/// A card; clones share the same card (same PIN counter, same insertion).
#[derive(Clone)]
pub struct VirtualCard {
    state: Arc<Mutex<CardState>>,
}

impl std::fmt::Debug for VirtualCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VirtualCard")
            .field("kind", &self.kind())
            .field("inserted", &self.is_inserted())
            .finish_non_exhaustive()
    }
}

impl VirtualCard {
    pub fn new(config: CardConfig) -> Result<Self, CardError> {
        Ok(VirtualCard {
            state: Arc::new(Mutex::new(CardState {
                emulation: Emulation::new(&config)?,
                inserted: false,
                vanish_when: None,
                log: Vec::new(),
            })),
        })
    }

    fn lock(&self) -> MutexGuard<'_, CardState> {
        // A panicking test thread must not make the card unusable for the others.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn kind(&self) -> CardKind {
        self.lock().emulation.kind()
    }

    pub fn atr(&self) -> Vec<u8> {
        self.lock().emulation.atr().to_vec()
    }

    /// The certificate DER (EF 0001 on JPKI, EF C001 on profile cards); empty for unknown cards.
    pub fn certificate_der(&self) -> Vec<u8> {
        self.lock().emulation.certificate().to_vec()
    }

    pub fn public_key(&self) -> Option<rsa::RsaPublicKey> {
        self.lock().emulation.key().map(|k| k.to_public_key())
    }

    /// Tries left on the card's PIN (JPKI: the signature PIN, EF 001B).
    pub fn tries_left(&self) -> u8 {
        self.lock().emulation.pin().tries_left()
    }

    pub fn max_tries(&self) -> u8 {
        self.lock().emulation.pin().max_tries()
    }

    pub fn is_blocked(&self) -> bool {
        self.lock().emulation.pin().is_blocked()
    }

    /// Put the counter in a given state (0 blocks the card).
    pub fn set_tries_left(&self, tries: u8) {
        self.lock().emulation.pin_mut().set_tries_left(tries);
    }

    /// Whether the PIN (JPKI: the signature PIN) is verified in the current card session.
    pub fn pin_verified(&self) -> bool {
        self.lock().emulation.pin_verified()
    }

    /// JPKI's authentication certificate (EF 000A); `None` on other kinds.
    pub fn auth_certificate_der(&self) -> Option<Vec<u8>> {
        self.lock().emulation.auth_certificate().map(<[u8]>::to_vec)
    }

    /// JPKI's authentication key (EF 0017), public half; `None` on other kinds.
    pub fn auth_public_key(&self) -> Option<rsa::RsaPublicKey> {
        self.lock().emulation.auth_key().map(|k| k.to_public_key())
    }

    /// Tries left on JPKI's authentication PIN (EF 0018); `None` on other kinds.
    pub fn auth_tries_left(&self) -> Option<u8> {
        self.lock().emulation.auth_pin().map(|p| p.tries_left())
    }

    /// Put JPKI's authentication PIN counter in a given state (0 blocks it); no effect on other kinds.
    pub fn set_auth_tries_left(&self, tries: u8) {
        if let Some(pin) = self.lock().emulation.auth_pin_mut() {
            pin.set_tries_left(tries);
        }
    }

    /// Whether JPKI's authentication PIN is verified in the current card session.
    pub fn auth_pin_verified(&self) -> bool {
        self.lock().emulation.auth_pin_verified()
    }

    pub fn is_inserted(&self) -> bool {
        self.lock().inserted
    }

    /// Fault mode: every READ BINARY answers at most `bytes` bytes (and 9000) whatever it asked for, as a faulty or
    /// hostile card might; `None` makes the card normal again.
    pub fn limit_read_binary(&self, bytes: Option<usize>) {
        self.lock().emulation.set_read_binary_limit(bytes);
    }

    /// The next APDU closes the connection without an answer, as if the card were pulled out mid-command.
    pub fn remove_on_next_apdu(&self) {
        self.vanish_when(|_| true);
    }

    /// The first APDU for which `predicate` holds closes the connection without an answer (one-shot).
    /// The predicate runs under the card's lock: it must not call back into the card.
    pub fn vanish_when(&self, predicate: impl FnMut(&[u8]) -> bool + Send + 'static) {
        self.lock().vanish_when = Some(Box::new(predicate));
    }

    /// Commands received so far (header, data length, SW), oldest first.
    pub fn command_log(&self) -> Vec<ApduRecord> {
        self.lock().log.clone()
    }

    pub fn clear_command_log(&self) {
        self.lock().log.clear();
    }

    /// Feed one APDU directly, without vpcd: for unit tests of the emulation.
    pub fn transmit(&self, apdu: &[u8]) -> Vec<u8> {
        let mut state = self.lock();
        let response = state.emulation.process(apdu);
        record(&mut state, apdu, &response);
        response
    }

    /// Power cycle directly, without vpcd.
    pub fn power_cycle(&self) {
        self.lock().emulation.power_event();
    }

    /// Insert into the vpcd slot listening on `127.0.0.1:port`. Fails when nothing listens there. If the reader
    /// later goes away (pcscd stopped), the card keeps trying to get back in until removed.
    pub fn insert(&self, port: u16) -> Result<InsertedCard, CardError> {
        {
            let mut state = self.lock();
            if state.inserted {
                return Err(CardError::AlreadyInserted);
            }
            state.inserted = true;
        }
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let stream = match connect(address) {
            Ok(stream) => stream,
            Err(e) => {
                self.lock().inserted = false;
                return Err(e.into());
            }
        };
        let control = Arc::new(Control::default());
        let thread = {
            let card = self.clone();
            let control = control.clone();
            std::thread::Builder::new()
                .name(format!("virtual-card:{port}"))
                .spawn(move || card.serve(stream, address, &control))
        };
        let thread = match thread {
            Ok(thread) => thread,
            Err(e) => {
                self.lock().inserted = false;
                return Err(e.into());
            }
        };
        Ok(InsertedCard {
            port,
            control,
            thread: Some(thread),
        })
    }

    fn serve(&self, first: TcpStream, address: SocketAddr, control: &Control) {
        let mut next = Some(first);
        while !control.stop.load(Ordering::SeqCst) {
            let stream = match next.take() {
                Some(stream) => stream,
                None => match connect(address) {
                    Ok(stream) => stream,
                    Err(_) => {
                        std::thread::sleep(RECONNECT_INTERVAL);
                        continue;
                    }
                },
            };
            control.set_stream(&stream);
            // `remove()` may have shut down the previous stream just before this one was registered.
            if control.stop.load(Ordering::SeqCst) {
                let _ = stream.shutdown(Shutdown::Both);
                break;
            }
            control.connected.store(true, Ordering::SeqCst);
            let vanished = self.serve_connection(stream);
            control.connected.store(false, Ordering::SeqCst);
            if vanished {
                control.vanished.store(true, Ordering::SeqCst);
                break;
            }
        }
        self.lock().inserted = false;
    }

    /// Serves until vpcd closes or the card vanishes (`true`).
    fn serve_connection(&self, mut stream: TcpStream) -> bool {
        self.lock().emulation.power_event();
        loop {
            let Ok(request) = vpcd::read_request(&mut stream) else {
                return false;
            };
            let reply = {
                let mut state = self.lock();
                match request {
                    Request::PowerEvent => {
                        state.emulation.power_event();
                        None
                    }
                    Request::Ignored => None,
                    Request::GetAtr => Some(state.emulation.atr().to_vec()),
                    Request::Apdu(apdu) => {
                        let vanish = state.vanish_when.as_mut().is_some_and(|p| p(&apdu));
                        if vanish {
                            state.vanish_when = None;
                            drop(state);
                            let _ = stream.shutdown(Shutdown::Both);
                            return true;
                        }
                        let response = state.emulation.process(&apdu);
                        record(&mut state, &apdu, &response);
                        Some(response)
                    }
                }
            };
            if let Some(reply) = reply {
                if vpcd::write_frame(&mut stream, &reply).is_err() {
                    return false;
                }
            }
        }
    }
}

fn record(state: &mut CardState, apdu: &[u8], response: &[u8]) {
    let mut header = [0u8; 4];
    let n = apdu.len().min(4);
    header[..n].copy_from_slice(&apdu[..n]);
    let status = match response {
        [.., a, b] => u16::from_be_bytes([*a, *b]),
        _ => 0,
    };
    if state.log.len() >= LOG_LIMIT {
        state.log.remove(0);
    }
    state.log.push(ApduRecord {
        header,
        data_len: crate::apdu::Command::parse(apdu).map_or(0, |c| c.data.len()),
        status,
    });
}

fn connect(address: SocketAddr) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&address, Duration::from_secs(2))?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

#[derive(Default)]
struct Control {
    stop: AtomicBool,
    connected: AtomicBool,
    vanished: AtomicBool,
    stream: Mutex<Option<TcpStream>>,
}

impl Control {
    fn set_stream(&self, stream: &TcpStream) {
        let clone = stream.try_clone().ok();
        *self.stream.lock().unwrap_or_else(|p| p.into_inner()) = clone;
    }

    fn shutdown(&self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(stream) = self.stream.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

/// A card in a slot. Dropping it removes the card.
pub struct InsertedCard {
    port: u16,
    control: Arc<Control>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for InsertedCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InsertedCard")
            .field("port", &self.port)
            .field("connected", &self.is_connected())
            .finish()
    }
}

impl InsertedCard {
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Whether a vpcd connection is up now (false while pcscd is down or after the card vanished).
    pub fn is_connected(&self) -> bool {
        self.control.connected.load(Ordering::SeqCst)
    }

    /// Whether a `vanish_when` hook pulled the card out.
    pub fn has_vanished(&self) -> bool {
        self.control.vanished.load(Ordering::SeqCst)
    }

    /// Pull the card out: closes the connection and waits for the serving thread.
    pub fn remove(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.control.shutdown();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for InsertedCard {
    fn drop(&mut self) {
        self.stop();
    }
}
