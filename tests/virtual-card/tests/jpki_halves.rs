//! The JPKI card's two halves, each with its own certificate, CA, key and PIN, as OpenSC's `jpki` driver and the
//! public layout expect them (docs/cards.md): APDUs straight into `VirtualCard::transmit`.

use rsa::Pkcs1v15Sign;
use sha2::{Digest, Sha256};
use virtual_card::layout::jpki;
use virtual_card::testca::{CertOptions, CertStyle, IssuedCert, TestCa};
use virtual_card::{CardConfig, VirtualCard};
use x509_parser::prelude::{FromDer, X509Certificate};

const SIGN_PIN: &[u8] = b"ABC123";
const AUTH_PIN: &str = "4321";

fn sw(response: &[u8]) -> u16 {
    u16::from_be_bytes([response[response.len() - 2], response[response.len() - 1]])
}

fn select_ap() -> Vec<u8> {
    let mut apdu = vec![0x00, 0xA4, 0x04, 0x0C, jpki::AID.len() as u8];
    apdu.extend_from_slice(jpki::AID);
    apdu
}

fn select_ef(ef: u16) -> Vec<u8> {
    let [hi, lo] = ef.to_be_bytes();
    vec![0x00, 0xA4, 0x02, 0x0C, 0x02, hi, lo]
}

fn verify(pin: &[u8]) -> Vec<u8> {
    let mut apdu = vec![0x00, 0x20, 0x00, 0x80];
    if !pin.is_empty() {
        apdu.push(pin.len() as u8);
        apdu.extend_from_slice(pin);
    }
    apdu
}

/// `80 2A 00 80 Lc <DigestInfo of SHA-256(message)> 00`, and the digest.
fn sign(message: &[u8]) -> (Vec<u8>, [u8; 32]) {
    const PREFIX: [u8; 19] = [
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ];
    let digest: [u8; 32] = Sha256::digest(message).into();
    let mut apdu = vec![0x80, 0x2A, 0x00, 0x80, 51];
    apdu.extend_from_slice(&PREFIX);
    apdu.extend_from_slice(&digest);
    apdu.push(0x00);
    (apdu, digest)
}

/// The whole EF, read the way OpenSC does: 4 header bytes, then 256-byte reads from offset 0.
fn read_file(card: &VirtualCard, ef: u16) -> Result<Vec<u8>, u16> {
    assert_eq!(
        sw(&card.transmit(&select_ef(ef))),
        0x9000,
        "SELECT {ef:04X}"
    );
    let head = card.transmit(&[0, 0xB0, 0, 0, 4]);
    if sw(&head) != 0x9000 {
        return Err(sw(&head));
    }
    let total = usize::from(head[2]) * 256 + usize::from(head[3]) + 4;
    let mut content = Vec::new();
    while content.len() < total {
        let [hi, lo] = (content.len() as u16).to_be_bytes();
        let chunk = (total - content.len()).min(256);
        let response = card.transmit(&[0, 0xB0, hi, lo, chunk as u8]);
        assert_eq!(sw(&response), 0x9000);
        content.extend_from_slice(&response[..response.len() - 2]);
    }
    Ok(content)
}

fn jpki_card() -> (VirtualCard, IssuedCert, TestCa) {
    let ca = TestCa::load_jpki().unwrap();
    let cert = ca
        .issue(&CertOptions {
            style: CertStyle::Jpki,
            ..CertOptions::with_key("card5")
        })
        .unwrap();
    let config = CardConfig::jpki("ABC123", &cert, ca.certificate_der()).with_auth_pin(AUTH_PIN);
    (VirtualCard::new(config).unwrap(), cert, ca)
}

#[test]
fn both_halves_have_their_files_and_the_auth_half_is_free_to_read() {
    let (card, cert, sign_ca) = jpki_card();
    card.transmit(&select_ap());
    let auth_cert = read_file(&card, jpki::EF_AUTH_CERT).expect("000A needs no PIN");
    assert_eq!(Some(auth_cert.clone()), card.auth_certificate_der());
    let auth_ca = read_file(&card, jpki::EF_AUTH_CA_CERT).expect("000B needs no PIN");
    assert_eq!(auth_ca, TestCa::load_jpki_auth().unwrap().certificate_der());
    assert_ne!(
        auth_ca,
        sign_ca.certificate_der(),
        "each half has its own CA"
    );
    assert_eq!(
        read_file(&card, jpki::EF_SIGN_CA_CERT).unwrap(),
        sign_ca.certificate_der()
    );
    assert_eq!(read_file(&card, jpki::EF_SIGN_CERT), Err(0x6982));

    let (_, parsed) = X509Certificate::from_der(&auth_cert).unwrap();
    let (_, auth_ca_parsed) = X509Certificate::from_der(&auth_ca).unwrap();
    parsed
        .verify_signature(Some(auth_ca_parsed.public_key()))
        .expect("the auth CA issued the auth certificate");
    assert!(
        parsed.subject_alternative_name().unwrap().is_none(),
        "the authentication certificate carries no name or address"
    );
    assert_ne!(
        parsed.public_key().raw,
        X509Certificate::from_der(&cert.certificate_der)
            .unwrap()
            .1
            .public_key()
            .raw,
        "the halves have different keys"
    );
    for ef in [
        jpki::EF_AUTH_KEY,
        jpki::EF_AUTH_PIN,
        jpki::EF_SIGN_KEY,
        jpki::EF_SIGN_PIN,
    ] {
        assert_eq!(sw(&card.transmit(&select_ef(ef))), 0x9000, "{ef:04X}");
    }
    assert_eq!(sw(&card.transmit(&select_ef(0x0003))), 0x6A82);
}

#[test]
fn each_pin_counts_its_own_tries_and_the_status_query_never_says_9000() {
    let (card, _, _) = jpki_card();
    card.transmit(&select_ap());
    card.transmit(&select_ef(jpki::EF_AUTH_PIN));
    assert_eq!(sw(&card.transmit(&verify(b""))), 0x63C3, "3 tries");
    assert_eq!(sw(&card.transmit(&verify(b"0000"))), 0x63C2);
    assert_eq!(card.auth_tries_left(), Some(2));
    assert_eq!(card.tries_left(), 5, "the signature PIN is untouched");
    assert_eq!(sw(&card.transmit(&verify(AUTH_PIN.as_bytes()))), 0x9000);
    assert!(card.auth_pin_verified() && !card.pin_verified());
    assert_eq!(
        sw(&card.transmit(&verify(b""))),
        0x63C3,
        "verified, yet the tries left"
    );

    card.transmit(&select_ef(jpki::EF_SIGN_PIN));
    assert_eq!(sw(&card.transmit(&verify(b""))), 0x63C5, "5 tries");
    assert_eq!(sw(&card.transmit(&verify(b"WRONG1"))), 0x63C4);
    assert_eq!(sw(&card.transmit(&verify(SIGN_PIN))), 0x9000);
    assert_eq!(sw(&card.transmit(&verify(b""))), 0x63C5);
    assert!(card.auth_pin_verified() && card.pin_verified());

    card.transmit(&select_ef(jpki::EF_SIGN_CERT));
    assert_eq!(
        sw(&card.transmit(&verify(b""))),
        0x6A88,
        "no PIN EF selected"
    );

    card.set_auth_tries_left(0);
    card.transmit(&select_ef(jpki::EF_AUTH_PIN));
    // A blocked PIN: the status query still answers 63Cx, with no tries (what OpenSC's JPKI driver reads);
    // presenting a PIN is refused with 6983 and spends nothing.
    assert_eq!(sw(&card.transmit(&verify(b""))), 0x63C0, "blocked");
    assert_eq!(sw(&card.transmit(&verify(AUTH_PIN.as_bytes()))), 0x6983);
    assert_eq!(sw(&card.transmit(&verify(b""))), 0x63C0, "still blocked");
    assert_eq!(card.auth_tries_left(), Some(0));
    assert!(!card.auth_pin_verified());
}

#[test]
fn each_key_signs_only_after_its_own_pin() {
    let (card, cert, _) = jpki_card();
    let (command, digest) = sign(b"login");
    card.transmit(&select_ap());

    card.transmit(&select_ef(jpki::EF_AUTH_PIN));
    card.transmit(&verify(AUTH_PIN.as_bytes()));
    card.transmit(&select_ef(jpki::EF_SIGN_KEY));
    assert_eq!(
        sw(&card.transmit(&command)),
        0x6982,
        "the auth PIN does not open the signature key"
    );
    assert_eq!(
        read_file(&card, jpki::EF_SIGN_CERT),
        Err(0x6982),
        "nor the signature certificate"
    );
    card.transmit(&select_ef(jpki::EF_AUTH_KEY));
    let response = card.transmit(&command);
    assert_eq!(sw(&response), 0x9000);
    card.auth_public_key()
        .unwrap()
        .verify(Pkcs1v15Sign::new::<Sha256>(), &digest, &response[..256])
        .expect("signed with the authentication key");

    card.transmit(&select_ap());
    card.transmit(&select_ef(jpki::EF_SIGN_PIN));
    card.transmit(&verify(SIGN_PIN));
    card.transmit(&select_ef(jpki::EF_AUTH_KEY));
    assert_eq!(
        sw(&card.transmit(&command)),
        0x6982,
        "the signature PIN does not open the authentication key"
    );
    card.transmit(&select_ef(jpki::EF_SIGN_KEY));
    let response = card.transmit(&command);
    assert_eq!(sw(&response), 0x9000);
    cert.public_key()
        .verify(Pkcs1v15Sign::new::<Sha256>(), &digest, &response[..256])
        .expect("signed with the signature key");
}

#[test]
fn selecting_the_application_or_a_power_cycle_logs_both_pins_out() {
    let (card, _, _) = jpki_card();
    let log_in_both = |card: &VirtualCard| {
        card.transmit(&select_ap());
        card.transmit(&select_ef(jpki::EF_AUTH_PIN));
        assert_eq!(sw(&card.transmit(&verify(AUTH_PIN.as_bytes()))), 0x9000);
        card.transmit(&select_ef(jpki::EF_SIGN_PIN));
        assert_eq!(sw(&card.transmit(&verify(SIGN_PIN))), 0x9000);
        assert!(read_file(card, jpki::EF_SIGN_CERT).is_ok());
    };
    log_in_both(&card);
    card.transmit(&select_ap());
    assert!(!card.pin_verified() && !card.auth_pin_verified());
    assert_eq!(read_file(&card, jpki::EF_SIGN_CERT), Err(0x6982));

    log_in_both(&card);
    card.power_cycle();
    assert!(!card.pin_verified() && !card.auth_pin_verified());
    card.transmit(&select_ap());
    assert_eq!(read_file(&card, jpki::EF_SIGN_CERT), Err(0x6982));
}

#[test]
fn configs_without_the_auth_half_still_load_with_its_defaults() {
    let ca = TestCa::load_jpki().unwrap();
    let cert = ca
        .issue(&CertOptions {
            style: CertStyle::Jpki,
            ..CertOptions::with_key("card6")
        })
        .unwrap();
    let mut json = serde_json::to_value(CardConfig::jpki("ABC123", &cert, ca.certificate_der()))
        .expect("config serializes");
    json.as_object_mut().unwrap().remove("auth");
    let config: CardConfig = serde_json::from_value(json).expect("an older config loads");
    let card = VirtualCard::new(config).unwrap();
    assert_eq!(card.auth_tries_left(), Some(jpki::AUTH_TRIES));
    card.transmit(&select_ap());
    card.transmit(&select_ef(jpki::EF_AUTH_PIN));
    assert_eq!(
        sw(&card.transmit(&verify(jpki::DEFAULT_AUTH_PIN.as_bytes()))),
        0x9000
    );

    let json = serde_json::json!({"kind": "jpki", "pin": "ABC123", "auth": {"pin": "9876", "tries_left": 1},
        "credentials": {"source": "issue", "key": "card6", "style": "jpki"}});
    let card = VirtualCard::new(serde_json::from_value(json).unwrap()).unwrap();
    assert_eq!(card.auth_tries_left(), Some(1));
    card.transmit(&select_ap());
    card.transmit(&select_ef(jpki::EF_AUTH_PIN));
    assert_eq!(sw(&card.transmit(&verify(b"9876"))), 0x9000);

    let profile = TestCa::load().unwrap();
    let cert = profile.issue(&CertOptions::with_key("card1")).unwrap();
    let card = VirtualCard::new(CardConfig::profile(
        "1234",
        &cert,
        profile.certificate_der(),
    ))
    .unwrap();
    assert_eq!(card.auth_tries_left(), None, "only JPKI has two halves");
    assert_eq!(card.auth_certificate_der(), None);
}
