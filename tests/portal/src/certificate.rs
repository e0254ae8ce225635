//! What the portal reads out of a card's certificate: the fields of the 電子証明書更新確認画面, the validity
//! window, and the RSA public key the card's signatures verify against.

use rsa::pkcs8::DecodePublicKey;
use rsa::RsaPublicKey;
use time::OffsetDateTime;
use x509_parser::der_parser::asn1_rs::{Any, Tag};
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate, X509Name};

/// A certificate as the portal shows and checks it.
#[derive(Debug, Clone)]
pub struct CertificateFacts {
    /// ICカード商号又は名称 (subject O).
    pub organization: Option<String>,
    /// ICカード取得者氏名 (subject CN).
    pub holder_name: Option<String>,
    /// ICカード取得者業者所在地 (subject ST + L + street).
    pub address: Option<String>,
    /// 証明書シリアル番号, upper-case hex.
    pub serial: String,
    /// 証明書発行者, most significant RDN first.
    pub issuer: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// DER of the SubjectPublicKeyInfo: two certificates with the same key are the same card.
    pub public_key_info: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateError {
    /// Not a DER X.509 certificate.
    Malformed,
    /// The certificate's key is not RSA (the e-bidding CAs issue RSA-2048 only).
    NotRsa,
}

impl CertificateFacts {
    pub fn parse(der: &[u8]) -> Result<Self, CertificateError> {
        let cert = parse_x509(der)?;
        let subject = cert.subject();
        let street = x509_parser::oid_registry::Oid::from(&[2, 5, 4, 9])
            .map_err(|_| CertificateError::Malformed)?;
        let address_parts: Vec<String> = subject
            .iter_state_or_province()
            .chain(subject.iter_locality())
            .chain(subject.iter_by_oid(&street))
            .filter_map(|attr| decode_directory_string(attr.attr_value()))
            .collect();
        let jpki = JpkiAltNames::of(&cert);
        let subject_address = (!address_parts.is_empty()).then(|| address_parts.concat());
        Ok(CertificateFacts {
            organization: first_value(subject.iter_organization()),
            // A JPKI subject CN is an opaque serial; the person's name is in the subjectAltName.
            holder_name: jpki
                .name
                .or_else(|| first_value(subject.iter_common_name())),
            address: subject_address.or(jpki.address),
            serial: cert
                .raw_serial()
                .iter()
                .map(|b| format!("{b:02X}"))
                .collect(),
            issuer: readable_name(cert.issuer()),
            not_before: cert.validity().not_before.to_datetime(),
            not_after: cert.validity().not_after.to_datetime(),
            public_key_info: cert.public_key().raw.to_vec(),
        })
    }

    /// True when `now` lies outside the certificate's validity window.
    pub fn is_expired_at(&self, now: OffsetDateTime) -> bool {
        now > self.not_after || now < self.not_before
    }

    pub fn rsa_public_key(&self) -> Result<RsaPublicKey, CertificateError> {
        RsaPublicKey::from_public_key_der(&self.public_key_info)
            .map_err(|_| CertificateError::NotRsa)
    }
}

/// Name and address of a My Number Card (JPKI) signature certificate: subjectAltName otherNames
/// 1.2.392.200149.8.5.5.1 (name) and .5 (address).
#[derive(Default)]
struct JpkiAltNames {
    name: Option<String>,
    address: Option<String>,
}

impl JpkiAltNames {
    fn of(cert: &X509Certificate<'_>) -> Self {
        let mut found = JpkiAltNames::default();
        let Ok(Some(san)) = cert.subject_alternative_name() else {
            return found;
        };
        for general_name in &san.value.general_names {
            let GeneralName::OtherName(oid, explicit) = general_name else {
                continue;
            };
            // `explicit` is the `[0] EXPLICIT` wrapper around the string.
            let value = Any::from_der(explicit)
                .ok()
                .and_then(|(_, wrapper)| Any::from_der(wrapper.data).ok())
                .and_then(|(_, inner)| decode_directory_string(&inner));
            match oid.to_id_string().as_str() {
                "1.2.392.200149.8.5.5.1" => found.name = found.name.or(value),
                "1.2.392.200149.8.5.5.5" => found.address = found.address.or(value),
                _ => {}
            }
        }
        found
    }
}

/// Parses DER and refuses trailing bytes, so "the same certificate" means the same bytes.
pub(crate) fn parse_x509(der: &[u8]) -> Result<X509Certificate<'_>, CertificateError> {
    match X509Certificate::from_der(der) {
        Ok(([], cert)) => Ok(cert),
        _ => Err(CertificateError::Malformed),
    }
}

fn first_value<'a, 'b: 'a>(
    mut attrs: impl Iterator<Item = &'a x509_parser::x509::AttributeTypeAndValue<'b>>,
) -> Option<String> {
    attrs.find_map(|attr| decode_directory_string(attr.attr_value()))
}

/// Issuer as `C=JP, O=..., CN=...` with Japanese strings decoded whatever their ASN.1 string type.
fn readable_name(name: &X509Name<'_>) -> String {
    let mut parts = Vec::new();
    for rdn in name.iter() {
        for attr in rdn.iter() {
            let oid = attr.attr_type();
            let label = match oid.to_id_string().as_str() {
                "2.5.4.6" => "C".to_string(),
                "2.5.4.8" => "ST".to_string(),
                "2.5.4.7" => "L".to_string(),
                "2.5.4.10" => "O".to_string(),
                "2.5.4.11" => "OU".to_string(),
                "2.5.4.3" => "CN".to_string(),
                other => other.to_string(),
            };
            let value =
                decode_directory_string(attr.attr_value()).unwrap_or_else(|| "?".to_string());
            parts.push(format!("{label}={value}"));
        }
    }
    parts.join(", ")
}

/// Decodes the string types Japanese CAs use: UTF8String, PrintableString, IA5String, BMPString (UTF-16BE),
/// UniversalString (UTF-32BE); TeletexString is read as UTF-8 when valid, else as Latin-1.
fn decode_directory_string(value: &Any<'_>) -> Option<String> {
    let data = value.data;
    match value.tag() {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::NumericString
        | Tag::VisibleString => std::str::from_utf8(data).ok().map(str::to_string),
        Tag::BmpString => {
            let pairs = data.chunks_exact(2);
            if !pairs.remainder().is_empty() {
                return None;
            }
            let units: Vec<u16> = pairs.map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
            String::from_utf16(&units).ok()
        }
        Tag::UniversalString => {
            let quads = data.chunks_exact(4);
            if !quads.remainder().is_empty() {
                return None;
            }
            quads
                .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
                .collect()
        }
        Tag::TeletexString => Some(
            std::str::from_utf8(data)
                .map(str::to_string)
                .unwrap_or_else(|_| data.iter().map(|&b| b as char).collect()),
        ),
        _ => None,
    }
}

/// Checks that `cert_der` was signed by one of the CA certificates `cas` (issuer name and signature).
pub fn issued_by_any(cert_der: &[u8], cas: &[Vec<u8>]) -> bool {
    let Ok(cert) = parse_x509(cert_der) else {
        return false;
    };
    cas.iter()
        .filter_map(|ca_der| parse_x509(ca_der).ok())
        .any(|ca| {
            cert.issuer().as_raw() == ca.subject().as_raw()
                && cert.verify_signature(Some(ca.public_key())).is_ok()
        })
}
