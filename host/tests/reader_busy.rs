//! Another PC/SC program holding a transaction on a card: the real host answers that reader READER_BUSY within
//! its bound, never runs the refused command later, and serves the reader list, the events and the other readers
//! meanwhile.
//!
//! The other program is this test itself, through libpcsclite (the `pcsc` crate), which reads
//! PCSCLITE_CSOCK_NAME once per process: hence a test binary of its own, with the process-wide daemon.

use std::ffi::CString;
use std::time::{Duration, Instant};

use pcsc::{Context, Protocols, Scope, ShareMode};
use serde_json::{json, Value};
use test_harness::{HostOptions, HostProcess};
use virtual_card::testca::{CertOptions, TestCa};
use virtual_card::{CardConfig, VirtualCard};

const HOST: &str = env!("CARGO_BIN_EXE_ebid-host");
const WAIT: Duration = Duration::from_secs(10);
const PIN: &str = "73914562";
const WRONG_PIN: &str = "58203917";

fn code(message: &Value) -> &str {
    message["error"]["code"].as_str().unwrap_or("")
}

/// Sends `command` with `id` without waiting for the answer.
fn send(host: &mut HostProcess, id: u64, mut command: Value) {
    command["id"] = json!(id);
    host.send(&command).expect("send");
}

/// The answer (response or error) to request `id`.
fn answer(host: &mut HostProcess, id: u64) -> Value {
    host.recv_matching(WAIT, |m| {
        m["id"] == json!(id) && (m["type"] == "response" || m["type"] == "error")
    })
    .unwrap_or_else(|e| panic!("no answer to request {id}: {e}"))
}

/// The process-wide daemon: 2 readers, 4 slots; the tests here use slots 0–2 and 3.
fn daemon() -> &'static test_harness::PcscDaemon {
    test_harness::process_daemon(2).expect("private pcscd")
}

fn profile_card(key: &str) -> VirtualCard {
    let ca = TestCa::load().expect("test CA");
    let cert = ca.issue(&CertOptions::with_key(key)).expect("issue");
    VirtualCard::new(CardConfig::profile(PIN, &cert, ca.certificate_der())).expect("card")
}

#[test]
fn a_card_another_program_has_to_itself_is_reader_busy_at_once() {
    let pcscd = daemon();
    let card = profile_card("card4");
    let _inserted = pcscd.insert(&card, 3, WAIT).expect("card inserted");
    let reader = pcscd.slot(3).reader.clone();

    let context = Context::establish(Scope::User).expect("context");
    let name = CString::new(reader.clone()).unwrap();
    let exclusive = context
        .connect(&name, ShareMode::Exclusive, Protocols::ANY)
        .expect("the other program takes the card to itself");

    let mut host =
        HostProcess::spawn_with(&HostOptions::new(HOST, pcscd.socket_path())).expect("host");
    assert_eq!(host.recv(WAIT).expect("hello")["type"], "hello");
    // Once CARD_ERROR "sharing violation": the bidder is now told another program uses the card.
    send(&mut host, 1, json!({"cmd": "pin_status", "reader": reader}));
    let busy = answer(&mut host, 1);
    assert_eq!(code(&busy), "READER_BUSY", "{busy}");

    drop(exclusive);
    send(&mut host, 2, json!({"cmd": "pin_status", "reader": reader}));
    let status = answer(&mut host, 2);
    assert_eq!(status["result"]["tries_left"], 3, "{status}");
}

#[test]
fn a_card_held_by_another_program_is_reader_busy_and_nothing_else_waits() {
    let pcscd = daemon();
    let (held, other, late) = (
        profile_card("card1"),
        profile_card("card2"),
        profile_card("card3"),
    );
    let insert =
        |card: &VirtualCard, slot: usize| pcscd.insert(card, slot, WAIT).expect("card inserted");
    let _held_in = insert(&held, 0);
    let _other_in = insert(&other, 1);
    let (busy_reader, other_reader) = (pcscd.slot(0).reader.clone(), pcscd.slot(1).reader.clone());

    // The other program: a shared connection and a transaction it does not end.
    let context = Context::establish(Scope::User).expect("context");
    let name = CString::new(busy_reader.clone()).unwrap();
    let mut holder = context
        .connect(&name, ShareMode::Shared, Protocols::ANY)
        .expect("the other program connects");
    let transaction = holder
        .transaction()
        .expect("the other program's transaction");

    let mut host =
        HostProcess::spawn_with(&HostOptions::new(HOST, pcscd.socket_path())).expect("host");
    assert_eq!(host.recv(WAIT).expect("hello")["type"], "hello");
    send(&mut host, 1, json!({"cmd": "watch"}));
    assert_eq!(answer(&mut host, 1)["type"], "response");

    // A wrong PIN for the held card, then at once the reader list and a certificate from the other reader.
    let asked = Instant::now();
    send(
        &mut host,
        2,
        json!({"cmd": "verify_pin", "reader": busy_reader, "pin": WRONG_PIN}),
    );
    send(&mut host, 3, json!({"cmd": "list_readers"}));
    send(
        &mut host,
        4,
        json!({"cmd": "read_certificate", "reader": other_reader}),
    );
    let first = host
        .recv_matching(WAIT, |m| m["type"] == "response" || m["type"] == "error")
        .expect("an answer");
    let list_after = asked.elapsed();
    assert_eq!(first["id"], 3, "the reader list comes first: {first}");
    assert_eq!(first["result"]["readers"].as_array().unwrap().len(), 4);
    let certificate = answer(&mut host, 4);
    assert_eq!(
        certificate["result"]["kind"], "certificate",
        "{certificate}"
    );
    let other_after = asked.elapsed();

    // Events flow meanwhile: a card inserted into a third reader is reported.
    let _late_in = insert(&late, 2);
    let event = host
        .recv_matching(WAIT, |m| {
            m["type"] == "event"
                && m["event"]["name"] == "card_inserted"
                && m["event"]["reader"] == pcscd.slot(2).reader
        })
        .expect("card_inserted in the third reader");
    assert_eq!(
        event["event"]["atr"],
        "3B85800180730000 40B7".replace(' ', "")
    );

    let busy = answer(&mut host, 2);
    let busy_after = asked.elapsed();
    assert_eq!(code(&busy), "READER_BUSY", "{busy}");
    let bound = ebid_host::service::BUSY_WAIT;
    assert!(
        busy_after >= bound && busy_after < bound + Duration::from_secs(5),
        "READER_BUSY after {busy_after:?}, the bound is {bound:?}"
    );

    // While the card is still held, the reader answers READER_BUSY at once.
    let asked_again = Instant::now();
    send(
        &mut host,
        5,
        json!({"cmd": "pin_status", "reader": busy_reader}),
    );
    let again = answer(&mut host, 5);
    let again_after = asked_again.elapsed();
    assert_eq!(code(&again), "READER_BUSY", "{again}");
    assert!(
        again_after < bound,
        "at once, not after another wait: {again_after:?}"
    );
    eprintln!(
        "reader list after {list_after:?}, other reader's certificate after {other_after:?}, \
         READER_BUSY after {busy_after:?}, then again after {again_after:?}"
    );

    // The other program lets go: the refused verify_pin never ran (no try spent), and the card serves again.
    transaction
        .end(pcsc::Disposition::LeaveCard)
        .map_err(|(_, e)| e)
        .expect("end the transaction");
    drop(holder);
    let deadline = Instant::now() + WAIT;
    let mut id = 5;
    let status = loop {
        id += 1;
        send(
            &mut host,
            id,
            json!({"cmd": "pin_status", "reader": busy_reader}),
        );
        let status = answer(&mut host, id);
        if code(&status) != "READER_BUSY" || Instant::now() > deadline {
            break status;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status["result"]["tries_left"], 3, "{status}");
    assert_eq!(
        held.tries_left(),
        3,
        "the refused VERIFY never reached the card"
    );
    let stderr = host.stderr_text();
    assert!(!stderr.contains("panicked"), "{stderr}");
}
