//! The private pcscd itself, observed through its socket (no libpcsclite in this process).

use std::time::{Duration, Instant};

use test_harness::PcscDaemon;
use virtual_card::layout;
use virtual_card::testca::{CertOptions, TestCa};
use virtual_card::{CardConfig, VirtualCard};

const WAIT: Duration = Duration::from_secs(5);

fn profile_card(key: &str) -> VirtualCard {
    let ca = TestCa::load().unwrap();
    let cert = ca.issue(&CertOptions::with_key(key)).unwrap();
    VirtualCard::new(CardConfig::profile("1234", &cert, ca.certificate_der())).unwrap()
}

#[test]
fn readers_are_listed_with_two_slots_each_and_no_card() {
    let pcscd = PcscDaemon::start(2).unwrap();
    let states = pcscd.reader_states().unwrap();
    let names: Vec<&str> = states.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Virtual Reader 1 00 00",
            "Virtual Reader 1 00 01",
            "Virtual Reader 2 00 00",
            "Virtual Reader 2 00 01"
        ]
    );
    assert!(states.iter().all(|s| !s.card_present));
    assert_eq!(pcscd.slot(1).port, pcscd.slot(0).port + 1);
}

#[test]
fn inserted_card_is_present_with_its_atr_and_removal_is_seen() {
    let pcscd = PcscDaemon::start(1).unwrap();
    let slot = pcscd.slot(1).clone();
    let card = profile_card("card1");
    let inserted = card.insert(slot.port).unwrap();
    let state = pcscd.wait_card(&slot.reader, true, WAIT).unwrap();
    assert_eq!(state.atr, layout::profile::ATR);
    assert!(
        !pcscd
            .reader_state(&pcscd.slot(0).reader)
            .unwrap()
            .unwrap()
            .card_present
    );
    assert!(matches!(
        card.insert(slot.port),
        Err(virtual_card::CardError::AlreadyInserted)
    ));
    inserted.remove();
    pcscd.wait_card(&slot.reader, false, WAIT).unwrap();
    assert!(!card.is_inserted());

    // Swap in another card (unknown ATR) in the same slot, then the first one again.
    let unknown = VirtualCard::new(CardConfig::unknown()).unwrap();
    let inserted = unknown.insert(slot.port).unwrap();
    let state = pcscd.wait_card(&slot.reader, true, WAIT).unwrap();
    assert_eq!(state.atr, layout::unknown::ATR);
    drop(inserted);
    pcscd.wait_card(&slot.reader, false, WAIT).unwrap();
    let _again = card.insert(slot.port).unwrap();
    assert_eq!(
        pcscd.wait_card(&slot.reader, true, WAIT).unwrap().atr,
        layout::profile::ATR
    );
}

#[test]
fn restart_keeps_socket_and_ports_and_the_card_comes_back() {
    let mut pcscd = PcscDaemon::start(1).unwrap();
    let socket = pcscd.socket_path();
    let slot = pcscd.slot(0).clone();
    let card = profile_card("card2");
    let inserted = card.insert(slot.port).unwrap();
    pcscd.wait_card(&slot.reader, true, WAIT).unwrap();

    pcscd.stop();
    assert!(pcscd.reader_states().is_err(), "no daemon, no answer");
    let gone = Instant::now();
    while inserted.is_connected() && gone.elapsed() < WAIT {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(!inserted.is_connected());

    pcscd.restart().unwrap();
    assert_eq!(pcscd.socket_path(), socket);
    assert_eq!(pcscd.slot(0), &slot);
    // The card stayed "in the reader" and reconnects by itself.
    pcscd.wait_card(&slot.reader, true, WAIT).unwrap();
    assert!(card.is_inserted());
}

#[test]
fn two_daemons_run_side_by_side() {
    let a = PcscDaemon::start(1).unwrap();
    let b = PcscDaemon::start(1).unwrap();
    assert_ne!(a.socket_path(), b.socket_path());
    assert_ne!(a.slot(0).port, b.slot(0).port);
    let card = profile_card("card3");
    let _inserted = card.insert(b.slot(0).port).unwrap();
    b.wait_card(&b.slot(0).reader, true, WAIT).unwrap();
    assert!(
        !a.reader_state(&a.slot(0).reader)
            .unwrap()
            .unwrap()
            .card_present
    );
}

#[test]
fn dropping_the_daemon_kills_pcscd() {
    let pcscd = PcscDaemon::start(1).unwrap();
    let pid = pcscd.pid().unwrap() as i32;
    let socket = pcscd.socket_path();
    drop(pcscd);
    // SAFETY: signal 0 only probes for existence.
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    assert!(!alive, "pcscd {pid} still running");
    assert!(!socket.exists());
}
