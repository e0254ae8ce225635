//! `testbed`: a private pcscd with virtual readers, the standard set of virtual cards, and a tiny control API,
//! for browser end-to-end tests and the demo.
//!
//! ```text
//! testbed [--readers N] [--insert CARD=SLOT]... [--control-port PORT] [--ignore-stdin]
//! ```
//! Prints one JSON line: `{"socket", "env", "readers", "slots", "control", "cards", "pid", "ca_certificates"}`
//! (`env`: what a host of this world needs, `PCSCLITE_CSOCK_NAME` for the private pcscd and
//! `EBID_HOST_PROFILE_DIR` for the test card profiles), then serves on 127.0.0.1:
//! - `GET  /cards`                       every card: name, kind, PIN, tries, fingerprint, serial, slot …
//! - `GET  /readers`                     what pcscd reports (presence, ATR) per slot
//! - `POST /insert?card=NAME&slot=N`     insert; answers once pcscd sees the card
//! - `POST /remove?slot=N`               remove; answers once pcscd sees the slot empty
//! - `POST /vanish?card=NAME`            the card's next APDU pulls it out mid-command
//! - `POST /reset`                       every card's PIN counter back to its starting value
//! - `POST /pcscd/stop`, `POST /pcscd/start`   stop / restart pcscd (same socket, readers and ports)
//!
//! Exits cleanly (pcscd torn down) on SIGTERM, SIGINT, or end of stdin (unless stdin is /dev/null or
//! `--ignore-stdin`).

use std::collections::HashMap;
use std::io::Read;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use test_harness::card_set::{standard_set, NamedCard};
use test_harness::host::{test_profile_dir, PROFILE_DIR_ENV};
use test_harness::PcscDaemon;
use tiny_http::{Header, Method, Response, Server};
use virtual_card::InsertedCard;

const PRESENCE_TIMEOUT: Duration = Duration::from_secs(5);
const USAGE: &str =
    "usage: testbed [--readers N] [--insert CARD=SLOT]... [--control-port PORT] [--ignore-stdin]";

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

struct Options {
    readers: usize,
    inserts: Vec<(String, usize)>,
    control_port: u16,
    watch_stdin: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        readers: 2,
        inserts: Vec::new(),
        control_port: 0,
        watch_stdin: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{arg} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--readers" => {
                options.readers = value()?
                    .parse()
                    .map_err(|_| format!("--readers: a number\n{USAGE}"))?
            }
            "--control-port" => {
                options.control_port = value()?
                    .parse()
                    .map_err(|_| format!("--control-port: a port\n{USAGE}"))?
            }
            "--insert" => {
                let spec = value()?;
                let (card, slot) = spec
                    .split_once('=')
                    .and_then(|(c, s)| Some((c.to_string(), s.parse().ok()?)))
                    .ok_or_else(|| format!("--insert CARD=SLOT, not {spec:?}"))?;
                options.inserts.push((card, slot));
            }
            "--ignore-stdin" => options.watch_stdin = false,
            "--help" | "-h" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(options)
}

struct Testbed {
    pcscd: PcscDaemon,
    cards: Vec<NamedCard>,
    /// Slot index → (card name, the inserted card).
    inserted: HashMap<usize, (&'static str, InsertedCard)>,
}

/// An HTTP status and a JSON body.
type Reply = (u16, Value);

fn error(status: u16, message: impl Into<String>) -> Reply {
    (status, json!({ "error": message.into() }))
}

impl Testbed {
    fn card(&self, name: &str) -> Result<&NamedCard, Reply> {
        self.cards
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| error(404, format!("no card named {name:?}")))
    }

    fn slot_of(&self, name: &str) -> Option<usize> {
        self.inserted
            .iter()
            .find(|(_, (n, _))| *n == name)
            .map(|(slot, _)| *slot)
    }

    fn forget_vanished(&mut self) {
        self.inserted
            .retain(|_, (_, inserted)| !inserted.has_vanished());
    }

    fn cards_json(&mut self) -> Value {
        self.forget_vanished();
        let infos: Vec<_> = self
            .cards
            .iter()
            .map(|c| c.info(self.slot_of(c.name)))
            .collect();
        json!(infos)
    }

    fn insert(&mut self, card_name: &str, slot: usize) -> Result<Reply, Reply> {
        self.forget_vanished();
        let slot_info = self.pcscd.slots().get(slot).cloned().ok_or_else(|| {
            error(
                400,
                format!("no slot {slot} (there are {})", self.pcscd.slots().len()),
            )
        })?;
        let named = self.card(card_name)?;
        if let Some((other, _)) = self.inserted.get(&slot) {
            return Err(error(409, format!("slot {slot} already holds {other:?}")));
        }
        let name = named.name;
        if let Some(current) = self.slot_of(name) {
            return Err(error(409, format!("{name:?} is already in slot {current}")));
        }
        let inserted = named
            .card
            .insert(slot_info.port)
            .map_err(|e| error(500, e.to_string()))?;
        self.inserted.insert(slot, (name, inserted));
        let state = self
            .pcscd
            .wait_card(&slot_info.reader, true, PRESENCE_TIMEOUT)
            .map_err(|e| error(504, e.to_string()))?;
        Ok((
            200,
            json!({ "card": name, "slot": slot, "reader": slot_info.reader, "atr": hex(&state.atr) }),
        ))
    }

    fn remove(&mut self, slot: usize) -> Result<Reply, Reply> {
        let reader = self
            .pcscd
            .slots()
            .get(slot)
            .map(|s| s.reader.clone())
            .ok_or_else(|| error(400, format!("no slot {slot}")))?;
        let removed = self.inserted.remove(&slot).map(|(name, inserted)| {
            inserted.remove();
            name
        });
        if self.pcscd.is_running() {
            self.pcscd
                .wait_card(&reader, false, PRESENCE_TIMEOUT)
                .map_err(|e| error(504, e.to_string()))?;
        }
        Ok((
            200,
            json!({ "slot": slot, "reader": reader, "removed": removed }),
        ))
    }

    fn readers_json(&self) -> Result<Reply, Reply> {
        let states = self
            .pcscd
            .reader_states()
            .map_err(|e| error(503, e.to_string()))?;
        let readers: Vec<Value> = states
            .iter()
            .map(|s| json!({ "name": s.name, "card_present": s.card_present, "atr": hex(&s.atr) }))
            .collect();
        Ok((200, json!(readers)))
    }

    fn handle(&mut self, method: &Method, url: &str) -> Reply {
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        let params: HashMap<&str, &str> = query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .collect();
        let slot = || {
            params
                .get("slot")
                .and_then(|s| s.parse::<usize>().ok())
                .ok_or_else(|| error(400, "slot=N is required"))
        };
        let card = || {
            params
                .get("card")
                .copied()
                .ok_or_else(|| error(400, "card=NAME is required"))
        };
        let result = match (method, path) {
            (Method::Get, "/cards") => Ok((200, self.cards_json())),
            (Method::Get, "/readers") => self.readers_json(),
            (Method::Post, "/insert") => {
                card().and_then(|c| slot().and_then(|s| self.insert(c, s)))
            }
            (Method::Post, "/remove") => slot().and_then(|s| self.remove(s)),
            (Method::Post, "/vanish") => card().and_then(|c| {
                self.card(c)?.card.remove_on_next_apdu();
                Ok((200, json!({ "card": c, "vanish_on_next_apdu": true })))
            }),
            (Method::Post, "/reset") => {
                self.cards.iter().for_each(NamedCard::restore_pin);
                Ok((200, self.cards_json()))
            }
            (Method::Post, "/pcscd/stop") => {
                self.pcscd.stop();
                Ok((200, json!({ "pcscd": "stopped" })))
            }
            (Method::Post, "/pcscd/start") => self
                .pcscd
                .restart()
                .map(|()| (200, json!({ "pcscd": "running", "pid": self.pcscd.pid() })))
                .map_err(|e| error(500, e.to_string())),
            _ => Err(error(404, format!("no route {method} {path}"))),
        };
        result.unwrap_or_else(|e| e)
    }
}

fn hex(bytes: &[u8]) -> String {
    virtual_card::testca::hex_upper(bytes)
}

/// The test CAs' certificates (base64 DER), for the portal's `--ca-cert`: the same bytes in every process.
fn ca_certificates() -> Result<Value, String> {
    use base64::Engine;
    let encode = |ca: virtual_card::testca::TestCa| {
        base64::engine::general_purpose::STANDARD.encode(ca.certificate_der())
    };
    let ebid = virtual_card::testca::TestCa::load().map_err(|e| e.to_string())?;
    let jpki = virtual_card::testca::TestCa::load_jpki().map_err(|e| e.to_string())?;
    Ok(json!({ "ebid": encode(ebid), "jpki": encode(jpki) }))
}

fn stdin_is_dev_null() -> bool {
    // SAFETY: fstat/stat into zeroed stat buffers we own.
    unsafe {
        let mut ours: libc::stat = std::mem::zeroed();
        let mut null: libc::stat = std::mem::zeroed();
        libc::fstat(0, &mut ours) == 0
            && libc::stat(c"/dev/null".as_ptr(), &mut null) == 0
            && ours.st_rdev == null.st_rdev
            && (ours.st_mode & libc::S_IFMT) == libc::S_IFCHR
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("testbed: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let options = parse_args()?;
    // SAFETY: the handler only stores to an atomic.
    unsafe {
        let handler: extern "C" fn(libc::c_int) = on_signal;
        libc::signal(libc::SIGTERM, handler as libc::sighandler_t);
        libc::signal(libc::SIGINT, handler as libc::sighandler_t);
    }
    let pcscd = PcscDaemon::start(options.readers).map_err(|e| e.to_string())?;
    let cards = standard_set().map_err(|e| e.to_string())?;
    let mut testbed = Testbed {
        pcscd,
        cards,
        inserted: HashMap::new(),
    };
    for (card, slot) in &options.inserts {
        if let Err((_, body)) = testbed.insert(card, *slot) {
            return Err(format!("--insert {card}={slot}: {}", body["error"]));
        }
    }
    let server = Server::http(("127.0.0.1", options.control_port))
        .map_err(|e| format!("control API: {e}"))?;
    let control_port = server
        .server_addr()
        .to_ip()
        .map(|a| a.port())
        .unwrap_or(options.control_port);
    let (env_key, socket) = testbed.pcscd.env();
    let hello = json!({
        "socket": socket,
        "env": { env_key: socket, PROFILE_DIR_ENV: test_profile_dir() },
        "readers": testbed.pcscd.reader_names(),
        "slots": testbed.pcscd.slots(),
        "control": format!("http://127.0.0.1:{control_port}"),
        "cards": testbed.cards.iter().map(|c| c.name).collect::<Vec<_>>(),
        "pid": std::process::id(),
        "ca_certificates": ca_certificates()?,
    });
    println!("{hello}");

    let stdin_closed = Arc::new(AtomicBool::new(false));
    if options.watch_stdin && !stdin_is_dev_null() {
        let closed = stdin_closed.clone();
        std::thread::spawn(move || {
            let mut sink = [0u8; 256];
            let mut stdin = std::io::stdin();
            while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
            closed.store(true, Ordering::SeqCst);
        });
    }

    while !STOP.load(Ordering::SeqCst) && !stdin_closed.load(Ordering::SeqCst) {
        let request = match server.recv_timeout(Duration::from_millis(100)) {
            Ok(Some(request)) => request,
            Ok(None) => continue,
            Err(e) => return Err(format!("control API: {e}")),
        };
        let (status, body) = testbed.handle(request.method(), request.url());
        let mut response = Response::from_string(body.to_string()).with_status_code(status);
        if let Ok(header) = Header::from_bytes("Content-Type", "application/json; charset=utf-8") {
            response = response.with_header(header);
        }
        let _ = request.respond(response);
    }
    // Cards out first, then pcscd down (Drop of the daemon).
    for (_, (_, inserted)) in testbed.inserted.drain() {
        inserted.remove();
    }
    Ok(())
}
