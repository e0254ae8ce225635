//! The certificate fields the portal's 電子証明書更新確認画面 shows (商号, 氏名, 所在地, serial, issuer,
//! validity), read from a card's DER certificate.

mod der_string;
pub(crate) mod utc_time;

use std::time::{SystemTime, UNIX_EPOCH};

use ebid_protocol::{CertificateSummary, ErrorCode, ErrorInfo};
use sha2::{Digest, Sha256};
use x509_parser::der_parser::asn1_rs::Any;
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate, X509Name};
use x509_parser::public_key::PublicKey;

use der_string::{decode_value, join_parts, read_tlv};

const OID_COMMON_NAME: &str = "2.5.4.3";
const OID_COUNTRY: &str = "2.5.4.6";
const OID_LOCALITY: &str = "2.5.4.7";
const OID_STATE: &str = "2.5.4.8";
const OID_STREET: &str = "2.5.4.9";
const OID_ORGANIZATION: &str = "2.5.4.10";
const OID_ORGANIZATIONAL_UNIT: &str = "2.5.4.11";
const OID_POSTAL_ADDRESS: &str = "2.5.4.16";
const OID_SERIAL_NUMBER: &str = "2.5.4.5";
const OID_EMAIL: &str = "1.2.840.113549.1.9.1";
/// JPKI subjectAltName otherName: the holder's name as registered (氏名).
const OID_JPKI_NAME: &str = "1.2.392.200149.8.5.5.1";
/// JPKI subjectAltName otherName: the holder's address (住所). Real signature certificates carry it under
/// `.5`; `.3` is the sex and `.4` the date of birth, which the summary never shows.
const OID_JPKI_ADDRESS: &str = "1.2.392.200149.8.5.5.5";
const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_EC: &str = "1.2.840.10045.2.1";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    /// Not a DER X.509 certificate (the parser's reason).
    #[error("not a valid X.509 certificate: {0}")]
    Parse(String),
}

impl From<CertError> for ErrorInfo {
    fn from(e: CertError) -> Self {
        ErrorInfo::new(ErrorCode::CardError).with_detail(e.to_string())
    }
}

/// Summarises a DER certificate; `now` decides `expired`. Bytes after the certificate are ignored.
pub fn summarize(der: &[u8], now: SystemTime) -> Result<CertificateSummary, CertError> {
    let (rest, cert) =
        X509Certificate::from_der(der).map_err(|e| CertError::Parse(e.to_string()))?;
    let own_bytes = &der[..der.len() - rest.len()];
    let subject = cert.subject();
    let san = jpki_san_names(&cert);

    let organization = first_text(subject, OID_ORGANIZATION);
    let holder_name = san.name.or_else(|| first_text(subject, OID_COMMON_NAME));
    let address = san.address.or_else(|| subject_address(subject));

    let validity = cert.validity();
    let not_after = validity.not_after.timestamp();
    let (key_algorithm, key_bits) = key_description(&cert);
    Ok(CertificateSummary {
        organization,
        holder_name,
        address,
        serial: serial_hex(cert.raw_serial()),
        issuer: readable_dn(cert.issuer()),
        not_before: utc_time::rfc3339(validity.not_before.timestamp()),
        not_after: utc_time::rfc3339(not_after),
        key_algorithm,
        key_bits,
        expired: not_after < unix_seconds(now),
        sha256_fingerprint: hex::encode_upper(Sha256::digest(own_bytes)),
    })
}

fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// The text of an attribute value, whatever string type (or SEQUENCE of them) it uses.
fn value_text(value: &Any<'_>) -> Option<String> {
    let header = &value.header;
    if header.class() != x509_parser::der_parser::asn1_rs::Class::Universal {
        return None;
    }
    decode_value(header.tag().0, header.is_constructed(), value.as_bytes())
}

fn texts<'a>(name: &'a X509Name<'_>, oid: &'a str) -> impl Iterator<Item = String> + 'a {
    name.iter_attributes()
        .filter(move |a| a.attr_type().to_id_string() == oid)
        .filter_map(|a| value_text(a.attr_value()))
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn first_text(name: &X509Name<'_>, oid: &str) -> Option<String> {
    texts(name, oid).next()
}

/// ST + L + street + postalAddress, in that order.
fn subject_address(subject: &X509Name<'_>) -> Option<String> {
    let parts: Vec<String> = [OID_STATE, OID_LOCALITY, OID_STREET, OID_POSTAL_ADDRESS]
        .iter()
        .flat_map(|oid| texts(subject, oid))
        .collect();
    let joined = join_parts(parts.iter().map(String::as_str));
    (!joined.is_empty()).then_some(joined)
}

#[derive(Default)]
struct JpkiSan {
    name: Option<String>,
    address: Option<String>,
}

/// JPKI puts the registered name and address in subjectAltName otherNames.
fn jpki_san_names(cert: &X509Certificate<'_>) -> JpkiSan {
    let mut found = JpkiSan::default();
    let Ok(Some(san)) = cert.subject_alternative_name() else {
        return found;
    };
    for general_name in &san.value.general_names {
        if let GeneralName::OtherName(oid, value) = general_name {
            let slot = match oid.to_id_string().as_str() {
                OID_JPKI_NAME => &mut found.name,
                OID_JPKI_ADDRESS => &mut found.address,
                _ => continue,
            };
            if slot.is_none() {
                *slot = other_name_text(value).filter(|s| !s.trim().is_empty());
            }
        }
    }
    found
}

/// otherName's `[0] EXPLICIT` wrapper around a string.
fn other_name_text(explicit: &[u8]) -> Option<String> {
    let (outer, _) = read_tlv(explicit)?;
    if outer.identifier != 0xA0 {
        return None;
    }
    let (inner, _) = read_tlv(outer.content)?;
    if inner.identifier & 0xC0 != 0 {
        return None;
    }
    decode_value(inner.tag, inner.identifier & 0x20 != 0, inner.content)
}

/// `CN=..., O=..., C=JP`: most specific first, as people read DNs.
fn readable_dn(name: &X509Name<'_>) -> String {
    let rdns: Vec<String> = name
        .iter_rdn()
        .map(|rdn| {
            rdn.iter()
                .map(|attr| {
                    let oid = attr.attr_type().to_id_string();
                    let value = value_text(attr.attr_value()).unwrap_or_else(|| {
                        format!("#{}", hex::encode_upper(attr.attr_value().as_bytes()))
                    });
                    format!("{}={}", short_name(&oid).unwrap_or(&oid), value)
                })
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect();
    rdns.into_iter().rev().collect::<Vec<_>>().join(", ")
}

fn short_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        OID_COMMON_NAME => "CN",
        OID_COUNTRY => "C",
        OID_LOCALITY => "L",
        OID_STATE => "ST",
        OID_STREET => "STREET",
        OID_ORGANIZATION => "O",
        OID_ORGANIZATIONAL_UNIT => "OU",
        OID_SERIAL_NUMBER => "SERIALNUMBER",
        OID_EMAIL => "E",
        _ => return None,
    })
}

/// Serial number as upper-case hex without the sign byte DER adds to positive numbers.
fn serial_hex(raw: &[u8]) -> String {
    let start = raw
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(raw.len().saturating_sub(1));
    hex::encode_upper(&raw[start..])
}

/// ("RSA", modulus bits) or ("EC", curve bits).
fn key_description(cert: &X509Certificate<'_>) -> (String, u32) {
    let spki = cert.public_key();
    let algorithm = spki.algorithm.algorithm.to_id_string();
    let parsed = spki.parsed();
    match algorithm.as_str() {
        OID_RSA => {
            let bits = match parsed {
                Ok(PublicKey::RSA(rsa)) => significant_bits(rsa.modulus),
                _ => 0,
            };
            ("RSA".into(), bits)
        }
        OID_EC => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|oid| oid.to_id_string());
            let bits = match curve.as_deref() {
                Some("1.2.840.10045.3.1.7") => 256,
                Some("1.3.132.0.34") => 384,
                Some("1.3.132.0.35") => 521,
                _ => parsed.map(|k| k.key_size() as u32).unwrap_or(0),
            };
            ("EC".into(), bits)
        }
        other => (
            other.to_owned(),
            parsed.map(|k| k.key_size() as u32).unwrap_or(0),
        ),
    }
}

fn significant_bits(big_endian: &[u8]) -> u32 {
    match big_endian.iter().position(|&b| b != 0) {
        Some(i) => (big_endian.len() - i) as u32 * 8 - big_endian[i].leading_zeros(),
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_strips_sign_byte_only() {
        assert_eq!(serial_hex(&[0x00, 0x9A, 0x01]), "9A01");
        assert_eq!(serial_hex(&[0x01, 0x00]), "0100");
        assert_eq!(serial_hex(&[0x00]), "00");
        assert_eq!(serial_hex(&[]), "");
    }

    #[test]
    fn modulus_bits() {
        let mut modulus = vec![0x00, 0xC0];
        modulus.extend([0u8; 255]);
        assert_eq!(significant_bits(&modulus), 2048);
        assert_eq!(significant_bits(&[0x00, 0x01]), 1);
        assert_eq!(significant_bits(&[]), 0);
    }

    #[test]
    fn other_name_wrapper() {
        let name = "山田太郎";
        let mut v = vec![0xA0, (name.len() + 2) as u8, 0x0C, name.len() as u8];
        v.extend_from_slice(name.as_bytes());
        assert_eq!(other_name_text(&v).as_deref(), Some(name));
        assert_eq!(other_name_text(&[0xA1, 0x02, 0x0C, 0x00]), None);
        assert_eq!(other_name_text(&[0xA0, 0x05, 0x0C]), None);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(summarize(&[], SystemTime::now()).is_err());
        assert!(summarize(&[0x30, 0x82, 0xFF, 0xFF, 0x00], SystemTime::now()).is_err());
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for len in [1usize, 2, 3, 10, 100, 1000] {
            for _ in 0..200 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        x as u8
                    })
                    .collect();
                let _ = summarize(&bytes, SystemTime::now());
            }
        }
    }
}
