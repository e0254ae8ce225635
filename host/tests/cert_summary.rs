//! `cert_summary::summarize` over certificates built here with rcgen: Japanese subjects in every string
//! encoding, JPKI-style subjectAltName otherNames, issuer, serial, validity, key and fingerprint.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ebid_host::cert_summary::summarize;
use rcgen::string::{BmpString, Ia5String, PrintableString, TeletexString, UniversalString};
use rcgen::{
    date_time_ymd, CertificateParams, CustomExtension, DistinguishedName, DnType, DnValue, Issuer,
    KeyPair, SerialNumber,
};
use sha2::{Digest, Sha256};

const COMPANY: &str = "株式会社札幌建設";
const HOLDER: &str = "代表取締役　𠮷田太郎";
const PREFECTURE: &str = "北海道";
const CITY: &str = "札幌市中央区";
const STREET: &str = "北1条西2丁目1番地";

/// A throwaway RSA-2048 key (ring cannot generate RSA keys), only for the RSA key-size test.
const RSA_KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQC/7Xc0UzaceEAU
gzzwNawYbWVvnmXGf+jSbTlWIo2K3zyDS6dpJeyNETlc+FxyO5m8Uor2okR1UyuF
BDbxW4ABBobiO7j/YW/EC0vwaztXT2jHy1Pb8OvSOywvfkPMZ16bGbFs2/4u8BuO
HYQTbeqrumT0a0LiWu1ny9F8t6rIxVD+Tv3fYUd8RzhSnxkGS/A7lVFE0z5d7SRJ
2qL6F7qOTqBuYSfSIyeJaLdih/6nBprrpCeScescZjGEZYOtC/AbtBEZE9qLI3uo
aR2yVYW50Y7taVCvvE0eu2ijyy78IRlfVRtFbOPwTIps7sQVF57RVqZ9wFwXcLZX
Rw6G5z0dAgMBAAECggEAVT4PYR6KVVF1SIcHZDq6XjkMQdhspI5/5iHbwt1i1yiS
FFBgIOvWlcruGtQ2HwhIniNdE/B7Dk7rt87o5ia5AfuXodhbsJVikgRgbH3746nh
xEcSzk9BNeTRGaDvVNQeaS2up0ZILSm4W1TRqd16Sl5lY0dWc/llkuGr/8QFZtix
w3suPRi9VMWI1++V+yDq6tp6Zgs1UgGyDdDl4BKPRfr5PrcsroxX7DoKvTQP5xL7
q/Ogrb4G3wAj/VQVIXo43NU5kyILRqHT7qpjTlk+bDcBIn5cbkUeycGhnE1IkKa0
GImNVz8LnmIqouhqDwlWzqh7oGjJ+taguYjVgH6ZkwKBgQD7uQRPx5jtNHe7ZVeb
9XVAII0S0RBjbY0O8dIyVlBlwaRYPISK0XAu6gd/JtZiDQikdZir/SIQ/923A/35
JYoEB4+Ud8YuzC7TJZDqzpYF9G9EbX6VXuH8m38vJ+VCyUnj6BgGAiMej+hYSAEQ
h3BZyg9MoJvfSLwmRAoCJQkkPwKBgQDDMFex124PQTqH3jtNxxST63BmloE6btn4
932oadVdcLB/glhqsqb2Pi/L6pjUt3uNjhwVBq1t/FWnA2V1AwnroTD5/ZsQKl4w
TkPqZRhufT+FeFXvNsDTfRaYrDScz63jSahEww3Ml+ugEVU1uDM1QBC8bz/8a+oq
7DAvdUyXowKBgFYYJrherRhcPKNUew11e3/OYlHQPYm0O22kGd9rlB3piBtBv5d3
IKZ7FstPbj2k9ZLCQdB5SICF8sAY1nGzfCv6pgoCmT8CSPWgwJr+w2MQAkpmJMhT
5nkueeaX/5rDG8meZTEQ5BAc6jvfjLWpjSy4pljwCb/psaho1v96yVCjAoGAPAQG
QtmBrtEYpSQwyeZ3rk/LPM/0JjplbUbz7S+1ekinDF3Qv+X0rmxKmAGnQmi0Zb8X
ZWOrOdFHqNXDgWoQx9HFVGilICBW27WE7nJtQ7PhLzHkAmysd5rTstfoSXsV9Xf1
dEchXBIuUgZiU+UyYaI0QyxV2VB5LP94hW8kwM8CgYBEZ8+c++w/c3cWgFLbWDOa
lvry7v0HQ3CfR1Na1nvqP7jTudmgvu350eFukm9OiHzTWZuDVc3tDB/gWrvNG0Si
Pnu/QS+c3M68pmmzvZVqlUyDtN2DOSTmkNIf9q5yHvvdxaReITbM57H9kVn2iSaI
TJ4Ycojj+xTuxy+ucMHAlQ==
-----END PRIVATE KEY-----";

fn ca_issuer() -> Issuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::new()).unwrap();
    let mut dn = DistinguishedName::new();
    dn.push(
        DnType::CountryName,
        DnValue::PrintableString(PrintableString::try_from("JP").unwrap()),
    );
    dn.push(DnType::OrganizationName, "電子入札テスト認証局");
    dn.push(DnType::CommonName, "テスト認証局 CA1");
    params.distinguished_name = dn;
    Issuer::new(params, KeyPair::generate().unwrap())
}

fn leaf(dn: DistinguishedName, extensions: Vec<CustomExtension>, key: &KeyPair) -> Vec<u8> {
    let mut params = CertificateParams::new(Vec::new()).unwrap();
    params.distinguished_name = dn;
    params.not_before = date_time_ymd(2024, 4, 1);
    params.not_after = date_time_ymd(2026, 3, 31);
    params.serial_number = Some(SerialNumber::from(vec![0x01, 0x23, 0xAB, 0xCD]));
    params.custom_extensions = extensions;
    params.signed_by(key, &ca_issuer()).unwrap().der().to_vec()
}

fn japanese_subject(encode: impl Fn(&str) -> DnValue) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(
        DnType::CountryName,
        DnValue::PrintableString(PrintableString::try_from("JP").unwrap()),
    );
    dn.push(DnType::StateOrProvinceName, encode(PREFECTURE));
    dn.push(DnType::LocalityName, encode(CITY));
    dn.push(DnType::CustomDnType(vec![2, 5, 4, 9]), encode(STREET));
    dn.push(DnType::OrganizationName, encode(COMPANY));
    dn.push(DnType::CommonName, encode(HOLDER));
    dn
}

fn at(year_2025_offset_days: u64) -> SystemTime {
    // 2025-01-01T00:00:00Z plus the offset.
    UNIX_EPOCH + Duration::from_secs(1_735_689_600 + year_2025_offset_days * 86_400)
}

fn check_japanese(der: &[u8]) {
    let summary = summarize(der, at(0)).unwrap();
    assert_eq!(summary.organization.as_deref(), Some(COMPANY));
    assert_eq!(summary.holder_name.as_deref(), Some(HOLDER));
    assert_eq!(
        summary.address.as_deref(),
        Some("北海道札幌市中央区北1条西2丁目1番地")
    );
}

#[test]
fn utf8_subject() {
    let key = KeyPair::generate().unwrap();
    check_japanese(&leaf(
        japanese_subject(|s| DnValue::Utf8String(s.into())),
        vec![],
        &key,
    ));
}

#[test]
fn bmp_subject() {
    // 𠮷 is outside the BMP: rcgen rejects it in a BMPString, so the BMP holder uses 吉.
    let key = KeyPair::generate().unwrap();
    let mut dn = japanese_subject(|s| {
        DnValue::BmpString(
            BmpString::try_from(s)
                .unwrap_or_else(|_| BmpString::try_from(s.replace('𠮷', "吉")).unwrap()),
        )
    });
    dn.push(
        DnType::CommonName,
        DnValue::BmpString(BmpString::try_from("代表取締役　吉田太郎").unwrap()),
    );
    let summary = summarize(&leaf(dn, vec![], &key), at(0)).unwrap();
    assert_eq!(summary.organization.as_deref(), Some(COMPANY));
    assert_eq!(summary.holder_name.as_deref(), Some("代表取締役　吉田太郎"));
    assert_eq!(
        summary.address.as_deref(),
        Some("北海道札幌市中央区北1条西2丁目1番地")
    );
}

#[test]
fn universal_string_subject() {
    let key = KeyPair::generate().unwrap();
    check_japanese(&leaf(
        japanese_subject(|s| DnValue::UniversalString(UniversalString::try_from(s).unwrap())),
        vec![],
        &key,
    ));
}

#[test]
fn ascii_string_types() {
    let key = KeyPair::generate().unwrap();
    let mut dn = DistinguishedName::new();
    dn.push(
        DnType::OrganizationName,
        DnValue::PrintableString(PrintableString::try_from("Sapporo Kensetsu Co. Ltd.").unwrap()),
    );
    dn.push(
        DnType::CommonName,
        DnValue::Ia5String(Ia5String::try_from("Taro Yamada").unwrap()),
    );
    dn.push(
        DnType::StateOrProvinceName,
        DnValue::TeletexString(TeletexString::try_from("Hokkaido").unwrap()),
    );
    dn.push(
        DnType::LocalityName,
        DnValue::PrintableString(PrintableString::try_from("Sapporo").unwrap()),
    );
    let summary = summarize(&leaf(dn, vec![], &key), at(0)).unwrap();
    assert_eq!(
        summary.organization.as_deref(),
        Some("Sapporo Kensetsu Co. Ltd.")
    );
    assert_eq!(summary.holder_name.as_deref(), Some("Taro Yamada"));
    assert_eq!(summary.address.as_deref(), Some("Hokkaido Sapporo"));
}

#[test]
fn teletex_is_latin1() {
    // rcgen only writes 7-bit TeletexStrings; turn "Mxnchen" into "München" (0xFC) in the DER afterwards.
    let key = KeyPair::generate().unwrap();
    let mut dn = DistinguishedName::new();
    dn.push(
        DnType::LocalityName,
        DnValue::TeletexString(TeletexString::try_from("Mxnchen").unwrap()),
    );
    let mut der = leaf(dn, vec![], &key);
    let at_x = der.windows(7).position(|w| w == b"Mxnchen").unwrap() + 1;
    der[at_x] = 0xFC;
    let summary = summarize(&der, at(0)).unwrap();
    assert_eq!(summary.address.as_deref(), Some("München"));
}

#[test]
fn postal_address_follows_street() {
    let key = KeyPair::generate().unwrap();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CustomDnType(vec![2, 5, 4, 16]), "〒060-8611");
    dn.push(DnType::LocalityName, CITY);
    dn.push(DnType::StateOrProvinceName, PREFECTURE);
    let summary = summarize(&leaf(dn, vec![], &key), at(0)).unwrap();
    assert_eq!(
        summary.address.as_deref(),
        Some("北海道札幌市中央区〒060-8611")
    );
    assert_eq!(summary.organization, None);
    assert_eq!(summary.holder_name, None);
}

/// DER length octets.
fn der_len(len: usize) -> Vec<u8> {
    match len {
        0..=0x7F => vec![len as u8],
        0x80..=0xFF => vec![0x81, len as u8],
        _ => vec![0x82, (len >> 8) as u8, len as u8],
    }
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend(der_len(content.len()));
    out.extend_from_slice(content);
    out
}

fn oid(arcs: &[u64]) -> Vec<u8> {
    let mut body = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &arc in &arcs[2..] {
        let mut groups = vec![(arc & 0x7F) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            groups.push((rest & 0x7F) as u8 | 0x80);
            rest >>= 7;
        }
        body.extend(groups.iter().rev());
    }
    tlv(0x06, &body)
}

/// otherName (GeneralName [0]) holding a UTF8String under `[0] EXPLICIT`.
fn other_name(arcs: &[u64], text: &str) -> Vec<u8> {
    let mut inner = oid(arcs);
    inner.extend(tlv(0xA0, &tlv(0x0C, text.as_bytes())));
    tlv(0xA0, &inner)
}

fn jpki_san(name: &str, address: &str) -> CustomExtension {
    let mut names = other_name(&[1, 2, 392, 200149, 8, 5, 5, 1], name);
    // The order real certificates use: name, date of birth, sex, address.
    names.extend(other_name(&[1, 2, 392, 200149, 8, 5, 5, 4], "319700101"));
    names.extend(other_name(&[1, 2, 392, 200149, 8, 5, 5, 3], "1"));
    names.extend(other_name(&[1, 2, 392, 200149, 8, 5, 5, 5], address));
    CustomExtension::from_oid_content(&[2, 5, 29, 17], tlv(0x30, &names))
}

#[test]
fn jpki_san_name_and_address_win() {
    assert_eq!(
        &oid(&[1, 2, 392, 200149, 8, 5, 5, 1])[2..],
        &[0x2A, 0x83, 0x08, 0x8C, 0x9B, 0x55, 8, 5, 5, 1]
    );
    let key = KeyPair::generate().unwrap();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "JP");
    dn.push(DnType::CommonName, "201801234567890ABCDE");
    let der = leaf(
        dn,
        vec![jpki_san(
            "札幌　花子",
            "北海道札幌市中央区北一条西二丁目１番地",
        )],
        &key,
    );
    let summary = summarize(&der, at(0)).unwrap();
    assert_eq!(summary.holder_name.as_deref(), Some("札幌　花子"));
    assert_eq!(
        summary.address.as_deref(),
        Some("北海道札幌市中央区北一条西二丁目１番地")
    );
    assert_eq!(summary.organization, None);
}

#[test]
fn jpki_san_beats_subject_fields() {
    let key = KeyPair::generate().unwrap();
    let der = leaf(
        japanese_subject(|s| DnValue::Utf8String(s.into())),
        vec![jpki_san("札幌　花子", "東京都千代田区")],
        &key,
    );
    let summary = summarize(&der, at(0)).unwrap();
    assert_eq!(summary.holder_name.as_deref(), Some("札幌　花子"));
    assert_eq!(summary.address.as_deref(), Some("東京都千代田区"));
    assert_eq!(summary.organization.as_deref(), Some(COMPANY));
}

#[test]
fn issuer_serial_validity_key_and_fingerprint() {
    let key = KeyPair::generate().unwrap();
    let der = leaf(
        japanese_subject(|s| DnValue::Utf8String(s.into())),
        vec![],
        &key,
    );
    let summary = summarize(&der, at(0)).unwrap();
    assert_eq!(
        summary.issuer,
        "CN=テスト認証局 CA1, O=電子入札テスト認証局, C=JP"
    );
    assert_eq!(summary.serial, "0123ABCD");
    assert_eq!(summary.not_before, "2024-04-01T00:00:00Z");
    assert_eq!(summary.not_after, "2026-03-31T00:00:00Z");
    assert_eq!(
        (summary.key_algorithm.as_str(), summary.key_bits),
        ("EC", 256)
    );
    let expected: String = Sha256::digest(&der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    assert_eq!(summary.sha256_fingerprint, expected);
    assert!(!summary.expired);
}

#[test]
fn expiry_follows_the_clock() {
    let key = KeyPair::generate().unwrap();
    let der = leaf(
        japanese_subject(|s| DnValue::Utf8String(s.into())),
        vec![],
        &key,
    );
    // 2026-03-30 is before notAfter, 2026-04-01 after it.
    assert!(!summarize(&der, at(453)).unwrap().expired);
    assert!(summarize(&der, at(455)).unwrap().expired);
}

#[test]
fn rsa_2048_key() {
    let key = KeyPair::from_pem(RSA_KEY_PEM).unwrap();
    let mut params = CertificateParams::new(Vec::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, "RSA");
    params.serial_number = Some(SerialNumber::from(vec![0x9A, 0x01]));
    let der = params.self_signed(&key).unwrap().der().to_vec();
    let summary = summarize(&der, at(0)).unwrap();
    assert_eq!(
        (summary.key_algorithm.as_str(), summary.key_bits),
        ("RSA", 2048)
    );
    assert_eq!(summary.serial, "9A01");
    assert_eq!(summary.issuer, "CN=RSA");
}

#[test]
fn truncated_and_corrupted_certificates_never_panic() {
    let key = KeyPair::generate().unwrap();
    let der = leaf(
        japanese_subject(|s| {
            DnValue::BmpString(BmpString::try_from(s.replace('𠮷', "吉")).unwrap())
        }),
        vec![jpki_san("札幌　花子", "北海道")],
        &key,
    );
    for len in 0..der.len() {
        assert!(
            summarize(&der[..len], at(0)).is_err(),
            "truncated to {len} bytes"
        );
    }
    // Flip every byte in turn: whatever the parser makes of it, no panic.
    let mut state: u32 = 0x1234_5678;
    for i in 0..der.len() {
        let mut bad = der.clone();
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        bad[i] ^= (state >> 24) as u8 | 1;
        let _ = summarize(&bad, at(0));
    }
    // Trailing bytes after the certificate are ignored, and not fingerprinted.
    let mut padded = der.clone();
    padded.extend([0xFF; 32]);
    assert_eq!(
        summarize(&padded, at(0)).unwrap(),
        summarize(&der, at(0)).unwrap()
    );
}
