//! The confirmation screen's certificate fields, read from the ways CAs actually encode them.

mod common;

use common::*;
use replica_portal::certificate::{issued_by_any, CertificateFacts};

#[test]
fn e_bidding_card_fields_come_from_the_subject() {
    let card = Card::issue(&CardSpec::new_card());
    let facts = CertificateFacts::parse(&card.der).unwrap();
    assert_eq!(facts.organization.as_deref(), Some(COMPANY)); // BMPString
    assert_eq!(facts.holder_name.as_deref(), Some(REPRESENTATIVE));
    assert_eq!(
        facts.address.as_deref(),
        Some("北海道札幌市中央区北1条西2丁目")
    );
    assert_eq!(facts.serial, "0ABCDEF0");
    assert_eq!(
        facts.issuer,
        "C=JP, O=株式会社テスト電子認証, CN=テスト電子認証局"
    );
    assert!(facts.rsa_public_key().is_ok());
    assert!(issued_by_any(&card.der, &[ca_der()]));
    assert!(!issued_by_any(&card.der, std::slice::from_ref(&card.der)));
    assert!(!issued_by_any(&card.der, &[]));
}

#[test]
fn jpki_card_name_and_address_come_from_the_alt_names() {
    let card = Card::issue(&CardSpec {
        jpki: true,
        ..CardSpec::current()
    });
    let facts = CertificateFacts::parse(&card.der).unwrap();
    assert_eq!(facts.organization, None);
    assert_eq!(facts.holder_name.as_deref(), Some(REPRESENTATIVE));
    assert_eq!(
        facts.address.as_deref(),
        Some("北海道札幌市中央区北1条西2丁目")
    );
}

#[test]
fn garbage_is_not_a_certificate() {
    let card = Card::issue(&CardSpec::current());
    assert!(CertificateFacts::parse(b"").is_err());
    assert!(CertificateFacts::parse(&card.der[..card.der.len() - 1]).is_err());
    let mut trailing = card.der.clone();
    trailing.push(0);
    assert!(CertificateFacts::parse(&trailing).is_err());
}
