//! Virtual cards through real pcscd and libpcsclite (the `pcsc` crate), as the host will use them.
//!
//! libpcsclite reads PCSCLITE_CSOCK_NAME once per process, so every test here shares one daemon, each on its
//! own slot.

use std::ffi::CString;
use std::time::{Duration, Instant};

use pcsc::{Context, Protocols, ReaderState, Scope, ShareMode, State};
use rsa::Pkcs1v15Sign;
use sha2::{Digest, Sha256};
use test_harness::PcscDaemon;
use virtual_card::layout::{jpki, profile};
use virtual_card::testca::{CertOptions, CertStyle, IssuedCert, TestCa};
use virtual_card::{CardConfig, VirtualCard};

const WAIT: Duration = Duration::from_secs(5);
const SHA256_DIGEST_INFO_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// Slot indices, one per test.
const SLOT_PROFILE: usize = 0;
const SLOT_JPKI: usize = 1;
const SLOT_VANISH: usize = 2;
const SLOT_LATENCY: usize = 3;
const SLOT_STATUS: usize = 4;

fn daemon() -> &'static PcscDaemon {
    test_harness::process_daemon(3).expect("private pcscd")
}

fn context() -> Context {
    daemon();
    Context::establish(Scope::User).expect("PC/SC context on the private pcscd")
}

fn reader(slot: usize) -> CString {
    CString::new(daemon().slot(slot).reader.clone()).unwrap()
}

fn insert(card: &VirtualCard, slot: usize) -> virtual_card::InsertedCard {
    let d = daemon();
    let inserted = card.insert(d.slot(slot).port).unwrap();
    d.wait_card(&d.slot(slot).reader, true, WAIT).unwrap();
    inserted
}

fn transmit(card: &pcsc::Card, apdu: &[u8]) -> (Vec<u8>, u16) {
    let mut buf = vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
    let response = card.transmit(apdu, &mut buf).expect("transmit");
    let (data, sw) = response.split_at(response.len() - 2);
    (data.to_vec(), u16::from_be_bytes([sw[0], sw[1]]))
}

fn with_data(header: [u8; 4], data: &[u8], le: Option<u8>) -> Vec<u8> {
    let mut out = header.to_vec();
    out.push(data.len() as u8);
    out.extend_from_slice(data);
    out.extend(le);
    out
}

fn digest_info(message: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let digest = Sha256::digest(message).to_vec();
    let mut info = SHA256_DIGEST_INFO_PREFIX.to_vec();
    info.extend_from_slice(&digest);
    (info, digest)
}

fn issue(style: CertStyle, key: &str) -> (IssuedCert, Vec<u8>) {
    let ca = match style {
        CertStyle::EBidding => TestCa::load(),
        CertStyle::Jpki => TestCa::load_jpki(),
    }
    .unwrap();
    let cert = ca
        .issue(&CertOptions {
            style,
            ..CertOptions::with_key(key)
        })
        .unwrap();
    (cert, ca.certificate_der().to_vec())
}

#[test]
fn pcsc_sees_the_card_present_with_its_atr() {
    let (cert, ca) = issue(CertStyle::EBidding, "card5");
    let card = VirtualCard::new(CardConfig::profile("1234", &cert, &ca)).unwrap();
    let ctx = context();
    let name = reader(SLOT_STATUS);
    let mut states = [ReaderState::new(name.as_c_str(), State::UNAWARE)];
    ctx.get_status_change(Duration::from_secs(1), &mut states)
        .unwrap();
    assert!(states[0].event_state().contains(State::EMPTY));
    let inserted = insert(&card, SLOT_STATUS);
    states[0].sync_current_state();
    ctx.get_status_change(WAIT, &mut states).unwrap();
    assert!(states[0].event_state().contains(State::PRESENT));
    assert_eq!(states[0].atr(), profile::ATR);
    inserted.remove();
    let deadline = Instant::now() + WAIT;
    while !states[0].event_state().contains(State::EMPTY) && Instant::now() < deadline {
        states[0].sync_current_state();
        let _ = ctx.get_status_change(Duration::from_millis(500), &mut states);
    }
    assert!(states[0].event_state().contains(State::EMPTY));
}

#[test]
fn profile_card_round_trip_through_pcscd() {
    let (cert, ca) = issue(CertStyle::EBidding, "card6");
    let card = VirtualCard::new(CardConfig::profile("4321", &cert, &ca)).unwrap();
    let _inserted = insert(&card, SLOT_PROFILE);
    let ctx = context();
    let pc = ctx
        .connect(&reader(SLOT_PROFILE), ShareMode::Shared, Protocols::ANY)
        .unwrap();
    assert_eq!(
        transmit(&pc, &with_data([0, 0xA4, 4, 0x0C], profile::AID, None)).1,
        0x9000
    );
    assert_eq!(
        transmit(&pc, &with_data([0, 0xA4, 2, 0x0C], &[0xC0, 0x01], None)).1,
        0x9000
    );
    // One extended READ BINARY gets the whole certificate.
    let (data, sw) = transmit(&pc, &[0, 0xB0, 0, 0, 0, 0, 0]);
    assert_eq!(
        (sw, data.as_slice()),
        (0x6282, cert.certificate_der.as_slice())
    );

    assert_eq!(transmit(&pc, &[0, 0x20, 0, 0x81]).1, 0x63C3);
    let pin = |p: &str| {
        let mut block = p.as_bytes().to_vec();
        block.resize(8, 0xFF);
        with_data([0, 0x20, 0, 0x81], &block, None)
    };
    assert_eq!(transmit(&pc, &pin("1111")).1, 0x63C2);
    assert_eq!(card.tries_left(), 2);
    let (info, digest) = digest_info(b"round trip");
    let mse = with_data(
        [0, 0x22, 0x41, 0xB6],
        &[0x80, 0x01, 0x42, 0x84, 0x01, 0x01],
        None,
    );
    let pso = with_data([0, 0x2A, 0x9E, 0x9A], &info, Some(0));
    assert_eq!(transmit(&pc, &mse).1, 0x9000);
    assert_eq!(transmit(&pc, &pso).1, 0x6982);
    assert_eq!(transmit(&pc, &pin("4321")).1, 0x9000);
    let (signature, sw) = transmit(&pc, &pso);
    assert_eq!(sw, 0x9000);
    cert.public_key()
        .verify(Pkcs1v15Sign::new::<Sha256>(), &digest, &signature)
        .expect("signature from the card verifies with the certificate's key");

    // A reset through PC/SC clears the PIN but not the tries.
    pc.disconnect(pcsc::Disposition::ResetCard)
        .map_err(|(_, e)| e)
        .unwrap();
    let pc = ctx
        .connect(&reader(SLOT_PROFILE), ShareMode::Shared, Protocols::ANY)
        .unwrap();
    transmit(&pc, &with_data([0, 0xA4, 4, 0x0C], profile::AID, None));
    assert_eq!(transmit(&pc, &[0, 0x20, 0, 0x81]).1, 0x63C3);
    transmit(&pc, &mse);
    assert_eq!(transmit(&pc, &pso).1, 0x6982);
}

#[test]
fn jpki_card_round_trip_through_pcscd() {
    let (cert, ca) = issue(CertStyle::Jpki, "card7");
    let card = VirtualCard::new(CardConfig::jpki("SAPPORO1", &cert, &ca)).unwrap();
    let _inserted = insert(&card, SLOT_JPKI);
    let ctx = context();
    let pc = ctx
        .connect(&reader(SLOT_JPKI), ShareMode::Shared, Protocols::ANY)
        .unwrap();
    let select_ef = |ef: u16| with_data([0, 0xA4, 2, 0x0C], &ef.to_be_bytes(), None);
    assert_eq!(
        transmit(&pc, &with_data([0, 0xA4, 4, 0x0C], jpki::AID, None)).1,
        0x9000
    );
    transmit(&pc, &select_ef(jpki::EF_SIGN_CERT));
    assert_eq!(transmit(&pc, &[0, 0xB0, 0, 0, 4]).1, 0x6982);
    transmit(&pc, &select_ef(jpki::EF_SIGN_PIN));
    assert_eq!(transmit(&pc, &[0, 0x20, 0, 0x80]).1, 0x63C5);
    assert_eq!(
        transmit(&pc, &with_data([0, 0x20, 0, 0x80], b"SAPPORO1", None)).1,
        0x9000
    );
    transmit(&pc, &select_ef(jpki::EF_SIGN_CERT));
    let (head, _) = transmit(&pc, &[0, 0xB0, 0, 0, 4]);
    let total = usize::from(head[2]) * 256 + usize::from(head[3]) + 4;
    let mut read = Vec::new();
    while read.len() < total {
        let offset = read.len();
        let chunk = (total - offset).min(256);
        let (data, sw) = transmit(
            &pc,
            &[0, 0xB0, (offset >> 8) as u8, offset as u8, chunk as u8],
        );
        assert_eq!(sw, 0x9000);
        read.extend(data);
    }
    assert_eq!(read, cert.certificate_der);
    transmit(&pc, &select_ef(jpki::EF_SIGN_KEY));
    let (info, digest) = digest_info(b"jpki round trip");
    let (signature, sw) = transmit(&pc, &with_data([0x80, 0x2A, 0x00, 0x80], &info, Some(0)));
    assert_eq!(sw, 0x9000);
    cert.public_key()
        .verify(Pkcs1v15Sign::new::<Sha256>(), &digest, &signature)
        .unwrap();
}

#[test]
fn card_vanishing_mid_command_fails_the_transmit_and_empties_the_reader() {
    let (cert, ca) = issue(CertStyle::EBidding, "card8");
    let card = VirtualCard::new(CardConfig::profile("1234", &cert, &ca)).unwrap();
    let inserted = insert(&card, SLOT_VANISH);
    let ctx = context();
    let pc = ctx
        .connect(&reader(SLOT_VANISH), ShareMode::Shared, Protocols::ANY)
        .unwrap();
    assert_eq!(
        transmit(&pc, &with_data([0, 0xA4, 4, 0x0C], profile::AID, None)).1,
        0x9000
    );
    card.vanish_when(|apdu| apdu.get(1) == Some(&0xB0));
    transmit(&pc, &with_data([0, 0xA4, 2, 0x0C], &[0xC0, 0x01], None));
    let mut buf = vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
    // vpcd 0.8 reports a card lost mid-command as an empty response (no status word); a host must treat any
    // response shorter than two bytes as a lost card.
    match pc.transmit(&[0, 0xB0, 0, 0, 0, 0, 0], &mut buf) {
        Ok(response) => assert!(response.len() < 2, "{response:02X?}"),
        Err(error) => assert!(
            matches!(
                error,
                pcsc::Error::NotTransacted | pcsc::Error::RemovedCard | pcsc::Error::ResetCard
            ),
            "{error:?}"
        ),
    }
    // Whatever the first answer, the card is gone for the next command.
    let next = pc.transmit(&[0, 0xB0, 0, 0, 0], &mut buf);
    assert!(next.is_err(), "{next:02X?}");
    assert!(inserted.has_vanished());
    assert!(!card.is_inserted());
    let d = daemon();
    d.wait_card(&d.slot(SLOT_VANISH).reader, false, WAIT)
        .unwrap();
}

#[test]
fn apdus_take_well_under_the_delayed_ack_time() {
    let (cert, ca) = issue(CertStyle::EBidding, "card1");
    let card = VirtualCard::new(CardConfig::profile("1234", &cert, &ca)).unwrap();
    let _inserted = insert(&card, SLOT_LATENCY);
    let ctx = context();
    let pc = ctx
        .connect(&reader(SLOT_LATENCY), ShareMode::Shared, Protocols::ANY)
        .unwrap();
    let select = with_data([0, 0xA4, 4, 0x0C], profile::AID, None);
    transmit(&pc, &select);
    let rounds = 50;
    let started = Instant::now();
    for _ in 0..rounds {
        assert_eq!(transmit(&pc, &select).1, 0x9000);
    }
    let per_apdu = started.elapsed() / rounds;
    // Without TCP_QUICKACK each APDU costs ~48 ms; with it, well under 1 ms on an idle machine.
    assert!(
        per_apdu < Duration::from_millis(15),
        "{per_apdu:?} per APDU"
    );
}
