//! The test CA's certificates, checked with an independent parser.

use asn1_rs::{Any, FromDer, Tag};
use virtual_card::testca::{CertOptions, CertStyle, StringEncoding, TestCa, Validity};
use x509_parser::prelude::*;

#[test]
fn ebidding_certificate_has_a_realistic_japanese_subject() {
    let ca = TestCa::load().unwrap();
    let issued = ca.issue(&CertOptions::with_key("card1")).unwrap();
    let (_, cert) = X509Certificate::from_der(&issued.certificate_der).unwrap();
    let subject = cert.subject();
    let first = |oid| {
        subject
            .iter_by_oid(&oid)
            .next()
            .and_then(|a| a.as_str().ok())
            .map(str::to_string)
    };
    assert_eq!(
        first(oid_registry::OID_X509_COUNTRY_NAME).as_deref(),
        Some("JP")
    );
    assert_eq!(
        first(oid_registry::OID_X509_STATE_OR_PROVINCE_NAME).as_deref(),
        Some("北海道")
    );
    assert_eq!(
        first(oid_registry::OID_X509_LOCALITY_NAME).as_deref(),
        Some("札幌市中央区")
    );
    assert_eq!(
        first(oid_registry::OID_X509_STREET_ADDRESS).as_deref(),
        Some("北1条西2丁目")
    );
    assert_eq!(
        first(oid_registry::OID_X509_ORGANIZATION_NAME).as_deref(),
        Some("株式会社A【物品】")
    );
    assert_eq!(
        first(oid_registry::OID_X509_COMMON_NAME).as_deref(),
        Some("札幌 太郎")
    );
    assert_eq!(cert.issuer().to_string(), TestCa::load().unwrap_issuer());
    assert_eq!(cert.raw_serial(), issued.serial.as_slice());
    assert_eq!(issued.serial.len(), 16);
    assert!(cert.validity().is_valid());
    assert_eq!(
        cert.public_key().parsed().map(|k| k.key_size()).ok(),
        Some(2048)
    );
    assert_eq!(
        cert.signature_algorithm.algorithm,
        oid_registry::OID_PKCS1_SHA256WITHRSA
    );
    // Signed by the CA.
    let (_, ca_cert) = X509Certificate::from_der(ca.certificate_der()).unwrap();
    cert.verify_signature(Some(ca_cert.public_key())).unwrap();
    // The CA certificate is the same in every load.
    assert_eq!(
        ca.certificate_der(),
        TestCa::load().unwrap().certificate_der()
    );
}

trait IssuerText {
    fn unwrap_issuer(self) -> String;
}

impl IssuerText for Result<TestCa, virtual_card::CardError> {
    fn unwrap_issuer(self) -> String {
        let ca = self.unwrap();
        let (_, cert) = X509Certificate::from_der(ca.certificate_der()).unwrap();
        cert.subject().to_string()
    }
}

#[test]
fn validity_choices_are_relative_to_now() {
    let ca = TestCa::load().unwrap();
    let now = ::time::OffsetDateTime::now_utc();
    let expired = ca
        .issue(&CertOptions {
            validity: Validity::Expired,
            ..CertOptions::with_key("card2")
        })
        .unwrap();
    assert!(expired.not_after < now);
    let (_, cert) = X509Certificate::from_der(&expired.certificate_der).unwrap();
    assert!(!cert.validity().is_valid());
    let soon = ca
        .issue(&CertOptions {
            validity: Validity::ExpiresSoon,
            ..CertOptions::with_key("card2")
        })
        .unwrap();
    let left = soon.not_after - now;
    assert!(left > ::time::Duration::days(9) && left <= ::time::Duration::days(10));
}

#[test]
fn subject_strings_can_use_legacy_asn1_types() {
    let ca = TestCa::load().unwrap();
    let ascii = CertOptions {
        holder_name: "Sapporo Taro".into(),
        organization: "A Corporation".into(),
        prefecture: "Hokkaido".into(),
        locality: "Sapporo-shi Chuo-ku".into(),
        street: "Kita 1 Nishi 2".into(),
        ..CertOptions::with_key("card3")
    };
    for (encoding, tag) in [
        (StringEncoding::Printable, Tag::PrintableString),
        (StringEncoding::Teletex, Tag::TeletexString),
        (StringEncoding::Bmp, Tag::BmpString),
        (StringEncoding::Utf8, Tag::Utf8String),
    ] {
        let issued = ca
            .issue(&CertOptions {
                encoding,
                ..ascii.clone()
            })
            .unwrap();
        let (_, cert) = X509Certificate::from_der(&issued.certificate_der).unwrap();
        let cn = cert.subject().iter_common_name().next().unwrap();
        assert_eq!(cn.attr_value().tag(), tag, "{encoding:?}");
    }
    // BMPString carries Japanese.
    let bmp = ca
        .issue(&CertOptions {
            encoding: StringEncoding::Bmp,
            ..CertOptions::with_key("card3")
        })
        .unwrap();
    let (_, cert) = X509Certificate::from_der(&bmp.certificate_der).unwrap();
    let cn = cert.subject().iter_common_name().next().unwrap();
    let units: Vec<u16> = cn
        .attr_value()
        .data
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    assert_eq!(String::from_utf16(&units).unwrap(), "札幌 太郎");
    // Japanese does not fit a PrintableString: a clear error, not a panic.
    assert!(ca
        .issue(&CertOptions {
            encoding: StringEncoding::Printable,
            ..CertOptions::with_key("card3")
        })
        .is_err());
}

#[test]
fn jpki_certificate_carries_name_and_address_in_othernames() {
    let ca = TestCa::load_jpki().unwrap();
    let issued = ca
        .issue(&CertOptions {
            style: CertStyle::Jpki,
            ..CertOptions::with_key("card4")
        })
        .unwrap();
    let (_, cert) = X509Certificate::from_der(&issued.certificate_der).unwrap();
    assert_eq!(cert.subject().iter().count(), 1, "CN only");
    let san = cert.subject_alternative_name().unwrap().unwrap();
    let mut found = Vec::new();
    for name in &san.value.general_names {
        if let GeneralName::OtherName(oid, value) = name {
            // value = [0] EXPLICIT UTF8String
            let (_, any) = Any::from_der(value).unwrap();
            let (_, text) = Any::from_der(any.data).unwrap();
            found.push((
                oid.to_id_string(),
                String::from_utf8(text.data.to_vec()).unwrap(),
            ));
        }
    }
    assert!(found.contains(&("1.2.392.200149.8.5.5.1".into(), "札幌 太郎".into())));
    assert!(found.contains(&(
        "1.2.392.200149.8.5.5.5".into(),
        "北海道札幌市中央区北1条西2丁目".into()
    )));
}

#[test]
fn fixed_serial_and_dates_for_tests_that_show_them() {
    let ca = TestCa::load().unwrap();
    let issued = ca
        .issue(&CertOptions {
            serial: Some(0x0ABC_DEF0),
            validity: Validity::Dates {
                not_before: (2010, 1, 1),
                not_after: (2099, 3, 15),
            },
            ..CertOptions::with_key("card5")
        })
        .unwrap();
    let (_, cert) = X509Certificate::from_der(&issued.certificate_der).unwrap();
    assert_eq!(cert.raw_serial(), [0x0A, 0xBC, 0xDE, 0xF0]);
    assert_eq!(issued.serial_hex(), "0ABCDEF0");
    let not_after = cert.validity().not_after.to_datetime();
    assert_eq!(
        (not_after.year(), not_after.month() as u8, not_after.day()),
        (2099, 3, 15)
    );
    assert_eq!(cert.validity().not_before.to_datetime(), issued.not_before);
    assert_eq!(not_after, issued.not_after);
    // A short serial still names a JPKI subject; an impossible date is an error, not a panic.
    assert!(ca
        .issue(&CertOptions {
            serial: Some(77),
            style: CertStyle::Jpki,
            ..CertOptions::with_key("card5")
        })
        .is_ok());
    assert!(ca
        .issue(&CertOptions {
            validity: Validity::Dates {
                not_before: (2010, 2, 30),
                not_after: (2099, 3, 15),
            },
            ..CertOptions::with_key("card5")
        })
        .is_err());
}

#[test]
fn the_unknown_ca_is_another_ca() {
    let known = TestCa::load().unwrap();
    let unknown = TestCa::load_unknown().unwrap();
    assert_ne!(known.public_key_der(), unknown.public_key_der());
    let (_, known_cert) = X509Certificate::from_der(known.certificate_der()).unwrap();
    let (_, unknown_cert) = X509Certificate::from_der(unknown.certificate_der()).unwrap();
    assert_ne!(known_cert.subject(), unknown_cert.subject());
    assert!(unknown_cert
        .subject()
        .to_string()
        .contains("よその電子認証局"));
    let issued = unknown.issue(&CertOptions::with_key("card6")).unwrap();
    let (_, cert) = X509Certificate::from_der(&issued.certificate_der).unwrap();
    assert_eq!(cert.issuer(), unknown_cert.subject());
    cert.verify_signature(Some(unknown_cert.public_key()))
        .unwrap();
    assert!(cert
        .verify_signature(Some(known_cert.public_key()))
        .is_err());
}
