//! The project's test certificate authorities and the certificates they issue to virtual cards.
//!
//! Four CAs, all with committed fixture keys: a "テスト電子認証局" in the style of the e-bidding CAs, two JPKI-style
//! CAs (signature and authentication), and "よその電子認証局", an e-bidding style CA that nobody trusts (the unknown
//! CA of refusal tests). CA certificates are deterministic (fixed serial and dates), so every process that loads a CA gets the same DER;
//! end-entity certificates are issued at run time, relative to now unless a test asks for fixed dates.

use rand::RngCore;
use rcgen::string::{BmpString, PrintableString, TeletexString};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, DnValue,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType, SerialNumber,
    PKCS_RSA_SHA256,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

use crate::fixtures;
use crate::CardError;

/// X.520 streetAddress.
pub const OID_STREET_ADDRESS: &[u64] = &[2, 5, 4, 9];
/// JPKI subjectAltName otherName types (1.2.392.200149.8.5.5.x), as found on real signature certificates.
pub const JPKI_OID_NAME: &[u64] = &[1, 2, 392, 200149, 8, 5, 5, 1];
pub const JPKI_OID_SEX: &[u64] = &[1, 2, 392, 200149, 8, 5, 5, 3];
pub const JPKI_OID_DATE_OF_BIRTH: &[u64] = &[1, 2, 392, 200149, 8, 5, 5, 4];
pub const JPKI_OID_ADDRESS: &[u64] = &[1, 2, 392, 200149, 8, 5, 5, 5];

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Validity {
    /// Started a month ago, ends in about two years.
    #[default]
    Valid,
    /// Ended yesterday.
    Expired,
    /// Ends in ten days.
    ExpiresSoon,
    /// Fixed dates, `(year, month, day)` at 00:00 UTC: for a test that shows or compares them.
    Dates {
        not_before: (i32, u8, u8),
        not_after: (i32, u8, u8),
    },
}

/// ASN.1 string type of the subject's text attributes (C is always PrintableString).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StringEncoding {
    #[default]
    Utf8,
    /// ASCII subset only: use with ASCII subject values.
    Printable,
    /// UCS-2: Japanese works.
    Bmp,
    /// ASCII only in this generator.
    Teletex,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertStyle {
    /// e-bidding CA card: C, ST, L, street, O, CN in the subject; issued by the テスト電子認証局.
    #[default]
    EBidding,
    /// My Number Card signature certificate: subject CN is an opaque serial-like string, name and address are
    /// subjectAltName otherNames; issued by the JPKI-style test CA.
    Jpki,
}

/// What to put in an end-entity certificate. Every field has a realistic default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CertOptions {
    /// Fixture key name, `card1` … `card8`.
    pub key: String,
    /// ICカード取得者氏名 (CN, or the JPKI SAN name).
    pub holder_name: String,
    /// 商号又は名称 (O). Not used for JPKI.
    pub organization: String,
    pub prefecture: String,
    pub locality: String,
    pub street: String,
    pub validity: Validity,
    pub encoding: StringEncoding,
    pub style: CertStyle,
    /// A fixed serial number, for a test that shows it; `None`: 16 random bytes.
    pub serial: Option<u64>,
}

impl Default for CertOptions {
    fn default() -> Self {
        CertOptions {
            key: "card1".into(),
            holder_name: "札幌 太郎".into(),
            organization: "株式会社A【物品】".into(),
            prefecture: "北海道".into(),
            locality: "札幌市中央区".into(),
            street: "北1条西2丁目".into(),
            validity: Validity::Valid,
            encoding: StringEncoding::Utf8,
            style: CertStyle::EBidding,
            serial: None,
        }
    }
}

impl CertOptions {
    /// Default subject with fixture key `key`.
    pub fn with_key(key: &str) -> Self {
        CertOptions {
            key: key.into(),
            ..Default::default()
        }
    }

    /// ST + L + street, the order the portal shows the address in.
    pub fn address(&self) -> String {
        format!("{}{}{}", self.prefecture, self.locality, self.street)
    }
}

/// A certificate issued to a card, with the card's key.
pub struct IssuedCert {
    pub certificate_der: Vec<u8>,
    pub private_key: rsa::RsaPrivateKey,
    pub private_key_pem: Zeroizing<String>,
    /// The serial bytes as issued (16 random ones, or the fixed serial's big-endian bytes without leading zeros).
    pub serial: Vec<u8>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub options: CertOptions,
}

impl IssuedCert {
    pub fn public_key(&self) -> rsa::RsaPublicKey {
        self.private_key.to_public_key()
    }

    /// Upper-case hex, as the host's summary shows it.
    pub fn serial_hex(&self) -> String {
        hex_upper(&self.serial)
    }

    /// Upper-case hex SHA-256 of the DER, as the host's summary shows it.
    pub fn sha256_fingerprint(&self) -> String {
        hex_upper(&Sha256::digest(&self.certificate_der))
    }
}

impl std::fmt::Debug for IssuedCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCert")
            .field("serial", &self.serial_hex())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

pub fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

pub struct TestCa {
    params: CertificateParams,
    key: KeyPair,
    certificate_der: Vec<u8>,
}

impl TestCa {
    /// The e-bidding style "テスト電子認証局".
    pub fn load() -> Result<Self, CardError> {
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, printable("JP")?);
        dn.push(DnType::OrganizationName, "株式会社テスト電子認証");
        dn.push(DnType::CommonName, "テスト電子認証局");
        Self::build(fixtures::CA_KEY, dn, 1)
    }

    /// The JPKI-style test CA.
    pub fn load_jpki() -> Result<Self, CardError> {
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, printable("JP")?);
        dn.push(DnType::OrganizationName, printable("JPKI")?);
        dn.push(
            DnType::OrganizationalUnitName,
            printable("JPKI for digital signature (TEST ONLY)")?,
        );
        Self::build(fixtures::JPKI_CA_KEY, dn, 2)
    }

    /// The JPKI-style test CA of the authentication half (its certificate is EF 000B; real cards have two CAs).
    pub fn load_jpki_auth() -> Result<Self, CardError> {
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, printable("JP")?);
        dn.push(DnType::OrganizationName, printable("JPKI")?);
        dn.push(
            DnType::OrganizationalUnitName,
            printable("JPKI for user authentication (TEST ONLY)")?,
        );
        Self::build(fixtures::JPKI_AUTH_CA_KEY, dn, 4)
    }

    /// The e-bidding style "よその電子認証局": a CA of its own (key, name), in no trust list.
    pub fn load_unknown() -> Result<Self, CardError> {
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, printable("JP")?);
        dn.push(DnType::OrganizationName, "株式会社よその電子認証");
        dn.push(DnType::CommonName, "よその電子認証局");
        Self::build(fixtures::UNKNOWN_CA_KEY, dn, 3)
    }

    /// The CA that issues certificates of `style`.
    pub fn for_style(style: CertStyle) -> Result<Self, CardError> {
        match style {
            CertStyle::EBidding => Self::load(),
            CertStyle::Jpki => Self::load_jpki(),
        }
    }

    fn build(key_name: &str, dn: DistinguishedName, serial: u8) -> Result<Self, CardError> {
        let key = rcgen_key(&fixtures::key_pem(key_name)?)?;
        let mut params = CertificateParams::default();
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params.serial_number = Some(SerialNumber::from_slice(&[serial]));
        // Fixed dates: the same CA certificate in every process.
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2045, 1, 1);
        let certificate_der = params.self_signed(&key)?.der().to_vec();
        Ok(TestCa {
            params,
            key,
            certificate_der,
        })
    }

    pub fn certificate_der(&self) -> &[u8] {
        &self.certificate_der
    }

    pub fn public_key_der(&self) -> &[u8] {
        self.key.public_key_raw()
    }

    /// Issue an end-entity RSA-2048/SHA-256 certificate for fixture key `options.key`.
    pub fn issue(&self, options: &CertOptions) -> Result<IssuedCert, CardError> {
        if !fixtures::CARD_KEYS.contains(&options.key.as_str()) {
            return Err(CardError::Config(format!(
                "card certificates use keys card1..card8, not {:?}",
                options.key
            )));
        }
        self.issue_for_key(options, Purpose::Signature)
    }

    /// Issue the authentication certificate of a JPKI card (EF 000A) for fixture key `key` (normally
    /// [`fixtures::JPKI_AUTH_KEY`]): an opaque subject and no personal data, for client authentication.
    pub fn issue_jpki_auth(&self, key: &str) -> Result<IssuedCert, CardError> {
        let options = CertOptions {
            key: key.into(),
            style: CertStyle::Jpki,
            ..CertOptions::default()
        };
        self.issue_for_key(&options, Purpose::Authentication)
    }

    fn issue_for_key(
        &self,
        options: &CertOptions,
        purpose: Purpose,
    ) -> Result<IssuedCert, CardError> {
        let key_pem = fixtures::key_pem(&options.key)?;
        let subject_key = rcgen_key(&key_pem)?;
        let private_key = fixtures::parse_private_key(&key_pem)?;

        let serial = match options.serial {
            Some(fixed) => {
                let bytes = fixed.to_be_bytes();
                let first = bytes
                    .iter()
                    .position(|&b| b != 0)
                    .unwrap_or(bytes.len() - 1);
                bytes[first..].to_vec()
            }
            None => {
                let mut serial = vec![0u8; 16];
                rand::thread_rng().fill_bytes(&mut serial);
                // Positive and exactly 16 bytes long once DER-encoded.
                serial[0] = (serial[0] & 0x7F) | 0x10;
                serial
            }
        };

        let (not_before, not_after) = validity_window(options.validity)?;
        let mut params = CertificateParams::default();
        params.serial_number = Some(SerialNumber::from_slice(&serial));
        params.not_before = not_before;
        params.not_after = not_after;
        params.use_authority_key_identifier_extension = true;
        match purpose {
            Purpose::Signature => {
                params.key_usages = vec![
                    KeyUsagePurpose::DigitalSignature,
                    KeyUsagePurpose::ContentCommitment,
                ];
            }
            Purpose::Authentication => {
                params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
                params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
            }
        }
        match (options.style, purpose) {
            (CertStyle::EBidding, _) => params.distinguished_name = ebidding_subject(options)?,
            (CertStyle::Jpki, Purpose::Signature) => {
                params.distinguished_name = jpki_subject(&serial, options.encoding)?;
                params.subject_alt_names = jpki_alt_names(options);
            }
            (CertStyle::Jpki, Purpose::Authentication) => {
                params.distinguished_name = jpki_subject(&serial, options.encoding)?;
            }
        }

        let issuer = Issuer::from_params(&self.params, &self.key);
        let certificate_der = params.signed_by(&subject_key, &issuer)?.der().to_vec();
        Ok(IssuedCert {
            certificate_der,
            private_key,
            private_key_pem: key_pem,
            serial,
            not_before,
            not_after,
            options: options.clone(),
        })
    }
}

/// What an end-entity certificate is for: JPKI's two halves differ in key usage and subject data.
#[derive(Clone, Copy)]
enum Purpose {
    Signature,
    Authentication,
}

fn rcgen_key(pem: &str) -> Result<KeyPair, CardError> {
    let block = fixtures::pem_text_block(pem, "PRIVATE KEY")
        .ok_or_else(|| CardError::Config("no PKCS#8 PRIVATE KEY block in the key".into()))?;
    Ok(KeyPair::from_pkcs8_pem_and_sign_algo(
        &block,
        &PKCS_RSA_SHA256,
    )?)
}

fn validity_window(validity: Validity) -> Result<(OffsetDateTime, OffsetDateTime), CardError> {
    // Whole seconds: X.509 times carry no fractions, and tests compare against these values.
    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    Ok(match validity {
        Validity::Valid => (now - Duration::days(30), now + Duration::days(730)),
        Validity::Expired => (now - Duration::days(731), now - Duration::days(1)),
        Validity::ExpiresSoon => (now - Duration::days(720), now + Duration::days(10)),
        Validity::Dates {
            not_before,
            not_after,
        } => (utc_midnight(not_before)?, utc_midnight(not_after)?),
    })
}

/// `(year, month, day)` at 00:00 UTC.
fn utc_midnight((year, month, day): (i32, u8, u8)) -> Result<OffsetDateTime, CardError> {
    let bad = || CardError::Config(format!("no such date: {year}-{month}-{day}"));
    let month = time::Month::try_from(month).map_err(|_| bad())?;
    let date = time::Date::from_calendar_date(year, month, day).map_err(|_| bad())?;
    Ok(date.midnight().assume_utc())
}

fn printable(text: &str) -> Result<DnValue, CardError> {
    PrintableString::try_from(text)
        .map(DnValue::PrintableString)
        .map_err(|_| CardError::Config(format!("{text:?} does not fit a PrintableString")))
}

fn encode(text: &str, encoding: StringEncoding) -> Result<DnValue, CardError> {
    let unfit = |kind: &str| CardError::Config(format!("{text:?} does not fit a {kind}"));
    match encoding {
        StringEncoding::Utf8 => Ok(DnValue::Utf8String(text.to_string())),
        StringEncoding::Printable => printable(text),
        StringEncoding::Bmp => BmpString::try_from(text)
            .map(DnValue::BmpString)
            .map_err(|_| unfit("BMPString")),
        StringEncoding::Teletex => TeletexString::try_from(text)
            .map(DnValue::TeletexString)
            .map_err(|_| unfit("TeletexString")),
    }
}

fn ebidding_subject(options: &CertOptions) -> Result<DistinguishedName, CardError> {
    let e = options.encoding;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, printable("JP")?);
    dn.push(DnType::StateOrProvinceName, encode(&options.prefecture, e)?);
    dn.push(DnType::LocalityName, encode(&options.locality, e)?);
    dn.push(
        DnType::CustomDnType(OID_STREET_ADDRESS.to_vec()),
        encode(&options.street, e)?,
    );
    dn.push(DnType::OrganizationName, encode(&options.organization, e)?);
    dn.push(DnType::CommonName, encode(&options.holder_name, e)?);
    Ok(dn)
}

/// JPKI subjects carry no personal data: an opaque serial-like CN.
fn jpki_subject(serial: &[u8], encoding: StringEncoding) -> Result<DistinguishedName, CardError> {
    let cn = format!("TEST{}", hex_upper(&serial[..serial.len().min(8)]));
    let mut dn = DistinguishedName::new();
    let value = match encoding {
        StringEncoding::Utf8 => DnValue::Utf8String(cn),
        other => encode(&cn, other)?,
    };
    dn.push(DnType::CommonName, value);
    Ok(dn)
}

fn jpki_alt_names(options: &CertOptions) -> Vec<SanType> {
    let other = |oid: &[u64], value: String| SanType::OtherName((oid.to_vec(), value.into()));
    vec![
        other(JPKI_OID_NAME, options.holder_name.clone()),
        other(JPKI_OID_DATE_OF_BIRTH, "119800401".into()),
        other(JPKI_OID_SEX, "1".into()),
        other(JPKI_OID_ADDRESS, options.address()),
    ]
}
