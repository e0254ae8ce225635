//! The card emulation without pcscd: APDUs straight into `VirtualCard::transmit`.

use rsa::Pkcs1v15Sign;
use sha2::{Digest, Sha256};
use virtual_card::layout::{jpki, profile};
use virtual_card::testca::{CertOptions, CertStyle, TestCa};
use virtual_card::{CardConfig, VirtualCard};

/// DigestInfo prefix for SHA-256 (RFC 8017).
const SHA256_DIGEST_INFO_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

fn sw(response: &[u8]) -> u16 {
    u16::from_be_bytes([response[response.len() - 2], response[response.len() - 1]])
}

fn apdu(header: [u8; 4], data: &[u8], le: Option<u8>) -> Vec<u8> {
    let mut out = header.to_vec();
    if !data.is_empty() {
        out.push(data.len() as u8);
        out.extend_from_slice(data);
    }
    out.extend(le);
    out
}

fn profile_card(key: &str) -> (VirtualCard, virtual_card::testca::IssuedCert) {
    let ca = TestCa::load().unwrap();
    let cert = ca.issue(&CertOptions::with_key(key)).unwrap();
    let card = VirtualCard::new(CardConfig::profile("1234", &cert, ca.certificate_der())).unwrap();
    (card, cert)
}

fn profile_pin(pin: &str) -> Vec<u8> {
    let mut block = pin.as_bytes().to_vec();
    block.resize(8, 0xFF);
    apdu([0, 0x20, 0, 0x81], &block, None)
}

fn digest_info(message: &[u8]) -> (Vec<u8>, [u8; 32]) {
    let digest: [u8; 32] = Sha256::digest(message).into();
    let mut info = SHA256_DIGEST_INFO_PREFIX.to_vec();
    info.extend_from_slice(&digest);
    (info, digest)
}

#[test]
fn profile_card_reads_its_certificate_with_one_extended_read_binary() {
    let (card, cert) = profile_card("card1");
    assert_eq!(card.atr(), profile::ATR);
    assert_eq!(
        sw(&card.transmit(&apdu([0, 0xA4, 4, 0x0C], profile::AID, None))),
        0x9000
    );
    assert_eq!(
        sw(&card.transmit(&apdu([0, 0xA4, 2, 0x0C], &[0xC0, 0x01], None))),
        0x9000
    );
    let response = card.transmit(&[0, 0xB0, 0, 0, 0, 0, 0]);
    assert_eq!(sw(&response), 0x6282, "file shorter than Le = 65536");
    assert_eq!(
        &response[..response.len() - 2],
        cert.certificate_der.as_slice()
    );
    // Exactly the file's length: 9000.
    let n = cert.certificate_der.len() as u16;
    let response = card.transmit(&[0, 0xB0, 0, 0, 0, (n >> 8) as u8, n as u8]);
    assert_eq!(sw(&response), 0x9000);
    // Short reads with offsets work too.
    let response = card.transmit(&[0, 0xB0, 0, 4, 0x10]);
    assert_eq!(&response[..16], &cert.certificate_der[4..20]);
    assert_eq!(sw(&card.transmit(&[0, 0xB0, 0x7F, 0, 0])), 0x6B00);
}

#[test]
fn the_read_binary_fault_mode_answers_one_byte_at_a_time() {
    let (card, cert) = profile_card("card1");
    card.transmit(&apdu([0, 0xA4, 4, 0x0C], profile::AID, None));
    card.transmit(&apdu([0, 0xA4, 2, 0x0C], &[0xC0, 0x01], None));
    card.limit_read_binary(Some(1));
    let response = card.transmit(&[0, 0xB0, 0, 0, 0, 0, 0]);
    assert_eq!(response, [cert.certificate_der[0], 0x90, 0x00]);
    let response = card.transmit(&[0, 0xB0, 0, 5, 0]);
    assert_eq!(response, [cert.certificate_der[5], 0x90, 0x00]);
    card.limit_read_binary(None);
    let response = card.transmit(&[0, 0xB0, 0, 0, 0, 0, 0]);
    assert_eq!(
        response.len(),
        cert.certificate_der.len() + 2,
        "a normal card again"
    );
}

#[test]
fn profile_pin_counts_down_blocks_and_survives_power_cycles() {
    let (card, _) = profile_card("card2");
    card.transmit(&apdu([0, 0xA4, 4, 0x0C], profile::AID, None));
    assert_eq!(
        sw(&card.transmit(&[0, 0x20, 0, 0x81])),
        0x63C3,
        "status spends no try"
    );
    assert_eq!(sw(&card.transmit(&[0, 0x20, 0, 0x81])), 0x63C3);
    assert_eq!(sw(&card.transmit(&profile_pin("9999"))), 0x63C2);
    card.power_cycle();
    card.transmit(&apdu([0, 0xA4, 4, 0x0C], profile::AID, None));
    assert_eq!(
        sw(&card.transmit(&[0, 0x20, 0, 0x81])),
        0x63C2,
        "tries persist"
    );
    assert_eq!(sw(&card.transmit(&profile_pin("1234"))), 0x9000);
    assert_eq!(sw(&card.transmit(&[0, 0x20, 0, 0x81])), 0x9000, "verified");
    assert_eq!(card.tries_left(), 3, "a correct PIN restores the tries");
    card.power_cycle();
    assert!(!card.pin_verified(), "power cycle forgets the PIN");
    card.transmit(&apdu([0, 0xA4, 4, 0x0C], profile::AID, None));
    assert_eq!(sw(&card.transmit(&profile_pin("0000"))), 0x63C2);
    assert_eq!(sw(&card.transmit(&profile_pin("0000"))), 0x63C1);
    assert_eq!(sw(&card.transmit(&profile_pin("0000"))), 0x63C0);
    assert_eq!(
        sw(&card.transmit(&profile_pin("1234"))),
        0x6983,
        "blocked stays blocked"
    );
    assert_eq!(sw(&card.transmit(&[0, 0x20, 0, 0x81])), 0x6983);
    assert!(card.is_blocked());
    // Unpadded PINs are malformed, not a wrong try.
    let (card, _) = profile_card("card2");
    card.transmit(&apdu([0, 0xA4, 4, 0x0C], profile::AID, None));
    assert_eq!(
        sw(&card.transmit(&apdu([0, 0x20, 0, 0x81], b"1234", None))),
        0x6700
    );
    assert_eq!(card.tries_left(), 3);
}

#[test]
fn profile_signature_needs_the_pin_and_verifies_with_the_certificate_key() {
    let (card, cert) = profile_card("card3");
    let (info, digest) = digest_info(b"challenge");
    let mse = apdu(
        [0, 0x22, 0x41, 0xB6],
        &[0x80, 0x01, 0x42, 0x84, 0x01, 0x01],
        None,
    );
    let pso = apdu([0, 0x2A, 0x9E, 0x9A], &info, Some(0));
    card.transmit(&apdu([0, 0xA4, 4, 0x0C], profile::AID, None));
    assert_eq!(sw(&card.transmit(&pso)), 0x6985, "no MSE:SET yet");
    assert_eq!(sw(&card.transmit(&mse)), 0x9000);
    assert_eq!(sw(&card.transmit(&pso)), 0x6982, "no PIN yet");
    assert_eq!(sw(&card.transmit(&profile_pin("1234"))), 0x9000);
    let response = card.transmit(&pso);
    assert_eq!(sw(&response), 0x9000);
    let signature = &response[..response.len() - 2];
    assert_eq!(signature.len(), 256);
    cert.public_key()
        .verify(Pkcs1v15Sign::new::<Sha256>(), &digest, signature)
        .expect("signature verifies");
    // Wrong algorithm or key reference.
    let bad_alg = apdu(
        [0, 0x22, 0x41, 0xB6],
        &[0x80, 0x01, 0x99, 0x84, 0x01, 0x01],
        None,
    );
    assert_eq!(sw(&card.transmit(&bad_alg)), 0x6A80);
    let bad_key = apdu(
        [0, 0x22, 0x41, 0xB6],
        &[0x80, 0x01, 0x42, 0x84, 0x01, 0x07],
        None,
    );
    assert_eq!(sw(&card.transmit(&bad_key)), 0x6A88);
    assert_eq!(
        sw(&card.transmit(&[0, 0x22, 0x41, 0xB6, 2, 0x80, 5])),
        0x6A80
    );
}

#[test]
fn jpki_card_follows_the_my_number_layout() {
    let ca = TestCa::load_jpki().unwrap();
    let cert = ca
        .issue(&CertOptions {
            style: CertStyle::Jpki,
            ..CertOptions::with_key("card4")
        })
        .unwrap();
    let card = VirtualCard::new(CardConfig::jpki("ABC123", &cert, ca.certificate_der())).unwrap();
    assert_eq!(card.atr(), jpki::ATR);
    let select_ef = |ef: u16| apdu([0, 0xA4, 2, 0x0C], &ef.to_be_bytes(), None);
    assert_eq!(
        sw(&card.transmit(&select_ef(0x0001))),
        0x6A82,
        "no AP selected"
    );
    assert_eq!(
        sw(&card.transmit(&apdu([0, 0xA4, 4, 0x0C], jpki::AID, None))),
        0x9000
    );
    assert_eq!(sw(&card.transmit(&select_ef(0x0001))), 0x9000);
    assert_eq!(
        sw(&card.transmit(&[0, 0xB0, 0, 0, 0])),
        0x6982,
        "sig cert needs the PIN"
    );
    card.transmit(&select_ef(0x0002));
    let response = card.transmit(&[0, 0xB0, 0, 0, 4]);
    assert_eq!(
        &response[..4],
        &ca.certificate_der()[..4],
        "CA cert is free to read"
    );
    card.transmit(&select_ef(0x001B));
    assert_eq!(sw(&card.transmit(&[0, 0x20, 0, 0x80])), 0x63C5);
    assert_eq!(
        sw(&card.transmit(&apdu([0, 0x20, 0, 0x80], b"WRONG1", None))),
        0x63C4
    );
    assert_eq!(
        sw(&card.transmit(&apdu([0, 0x20, 0, 0x80], b"ABC123", None))),
        0x9000
    );
    assert_eq!(
        sw(&card.transmit(&[0, 0x20, 0, 0x80])),
        0x63C5,
        "the status query tells tries left even after a correct PIN"
    );
    card.transmit(&select_ef(0x0001));
    let mut read = Vec::new();
    let total = {
        let head = card.transmit(&[0, 0xB0, 0, 0, 4]);
        usize::from(head[2]) * 256 + usize::from(head[3]) + 4
    };
    while read.len() < total {
        let offset = read.len() as u16;
        let chunk = (total - read.len()).min(256);
        let response = card.transmit(&[0, 0xB0, (offset >> 8) as u8, offset as u8, chunk as u8]);
        assert_eq!(sw(&response), 0x9000);
        read.extend_from_slice(&response[..response.len() - 2]);
    }
    assert_eq!(read, cert.certificate_der);

    let (info, digest) = digest_info(b"jpki");
    let sign = apdu([0x80, 0x2A, 0x00, 0x80], &info, Some(0));
    assert_eq!(sw(&card.transmit(&sign)), 0x6985, "key EF not selected");
    card.transmit(&select_ef(0x001A));
    let response = card.transmit(&sign);
    assert_eq!(sw(&response), 0x9000);
    cert.public_key()
        .verify(Pkcs1v15Sign::new::<Sha256>(), &digest, &response[..256])
        .expect("JPKI signature verifies");
    // Selecting another application loses the PIN.
    assert_eq!(
        sw(&card.transmit(&apdu([0, 0xA4, 4, 0x0C], profile::AID, None))),
        0x6A82
    );
    assert!(card.pin_verified(), "a failed SELECT changes nothing");
    // Selecting the JPKI AP again logs the PIN out (OpenSC's logout).
    assert_eq!(
        sw(&card.transmit(&apdu([0, 0xA4, 4, 0x0C], jpki::AID, None))),
        0x9000
    );
    assert!(!card.pin_verified());
    card.transmit(&select_ef(0x0001));
    assert_eq!(sw(&card.transmit(&[0, 0xB0, 0, 0, 4])), 0x6982);
}

#[test]
fn unknown_card_refuses_every_application() {
    let card = VirtualCard::new(CardConfig::unknown()).unwrap();
    assert_ne!(card.atr(), jpki::ATR);
    assert_ne!(card.atr(), profile::ATR);
    for aid in [jpki::AID, profile::AID] {
        assert_eq!(
            sw(&card.transmit(&apdu([0, 0xA4, 4, 0x0C], aid, None))),
            0x6A82
        );
    }
    assert_eq!(sw(&card.transmit(&[0, 0x20, 0, 0x81])), 0x6D00);
}

#[test]
fn blocked_configuration_starts_blocked() {
    let ca = TestCa::load().unwrap();
    let cert = ca.issue(&CertOptions::with_key("card5")).unwrap();
    let config = CardConfig::profile("1234", &cert, ca.certificate_der()).with_tries_left(0);
    let card = VirtualCard::new(config).unwrap();
    card.transmit(&apdu([0, 0xA4, 4, 0x0C], profile::AID, None));
    assert_eq!(sw(&card.transmit(&[0, 0x20, 0, 0x81])), 0x6983);
    assert_eq!(sw(&card.transmit(&profile_pin("1234"))), 0x6983);
}

#[test]
fn malformed_and_random_apdus_never_panic() {
    let (card, _) = profile_card("card6");
    assert_eq!(sw(&card.transmit(&[0, 0xA4])), 0x6700);
    assert_eq!(sw(&card.transmit(&[0, 0xA4, 4, 0x0C, 5, 1])), 0x6700);
    assert_eq!(sw(&card.transmit(&[0x90, 0xA4, 4, 0x0C])), 0x6E00);
    card.transmit(&apdu([0, 0xA4, 4, 0x0C], profile::AID, None));
    assert_eq!(sw(&card.transmit(&[0, 0x77, 0, 0])), 0x6D00);
    // A cheap deterministic fuzz: every response is at least a status word.
    let mut seed = 0x1234_5678_u32;
    for _ in 0..20_000 {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let len = (seed % 12) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|i| {
                let b = seed.rotate_left(i as u32 * 3) as u8;
                // Bias towards the instructions the card knows.
                if i == 1 {
                    [0xA4, 0xB0, 0x20, 0x22, 0x2A][b as usize % 5]
                } else {
                    b
                }
            })
            .collect();
        assert!(card.transmit(&bytes).len() >= 2);
    }
}
