//! The card's behaviour: one APDU in, one response out, per the layouts in `docs/cards.md`.
//! Never panics on any input: malformed APDUs get `6700`, unknown instructions `6D00`, unknown classes `6E00`.

use rsa::{Pkcs1v15Sign, RsaPrivateKey};

use crate::apdu::{self, Command};
use crate::config::{CardConfig, CardKind};
use crate::layout::{ins, jpki, profile, sw};
use crate::pin_counter::{PinCheck, PinCounter};
use crate::CardError;

/// Volatile state: lost on power off, power on, reset and (except the PIN) on selecting another application.
#[derive(Debug, Default)]
struct Session {
    application_selected: bool,
    current_ef: Option<u16>,
    pin_verified: bool,
    /// MSE:SET for signing was accepted (profile card).
    signing_environment_set: bool,
}

/// What an EF holds.
enum File<'a> {
    Data { content: &'a [u8], needs_pin: bool },
    Key,
    Pin,
}

pub struct Emulation {
    kind: CardKind,
    atr: Vec<u8>,
    certificate: Vec<u8>,
    ca_certificate: Vec<u8>,
    key: Option<RsaPrivateKey>,
    pin: PinCounter,
    session: Session,
    /// Fault mode: READ BINARY answers at most this many bytes, with 9000, whatever Le asked for.
    read_binary_limit: Option<usize>,
}

impl Emulation {
    pub fn new(config: &CardConfig) -> Result<Self, CardError> {
        let credentials = config.load_credentials()?;
        let max_tries = config.max_tries();
        Ok(Emulation {
            kind: config.kind,
            atr: config.atr_bytes()?,
            certificate: credentials.certificate,
            ca_certificate: credentials.ca_certificate,
            key: credentials.key,
            pin: PinCounter::new(
                config.pin.clone(),
                max_tries,
                config.tries_left.unwrap_or(max_tries),
            ),
            session: Session::default(),
            read_binary_limit: None,
        })
    }

    pub fn kind(&self) -> CardKind {
        self.kind
    }

    pub fn atr(&self) -> &[u8] {
        &self.atr
    }

    pub fn certificate(&self) -> &[u8] {
        &self.certificate
    }

    pub fn key(&self) -> Option<&RsaPrivateKey> {
        self.key.as_ref()
    }

    pub fn pin(&self) -> &PinCounter {
        &self.pin
    }

    pub fn pin_mut(&mut self) -> &mut PinCounter {
        &mut self.pin
    }

    pub fn pin_verified(&self) -> bool {
        self.session.pin_verified
    }

    /// Fault mode (a faulty or hostile card): every READ BINARY answers at most `bytes` bytes and 9000, however
    /// many were asked for; `None` is the normal card.
    pub fn set_read_binary_limit(&mut self, bytes: Option<usize>) {
        self.read_binary_limit = bytes;
    }

    /// Power on, power off, reset, or a fresh insertion.
    pub fn power_event(&mut self) {
        self.session = Session::default();
    }

    /// One command APDU → one response APDU (data + SW).
    pub fn process(&mut self, bytes: &[u8]) -> Vec<u8> {
        let Ok(command) = Command::parse(bytes) else {
            return apdu::malformed();
        };
        match self.kind {
            CardKind::Unknown => unknown_card(&command),
            CardKind::Jpki | CardKind::Profile => self.dispatch(&command),
        }
    }

    fn dispatch(&mut self, c: &Command) -> Vec<u8> {
        let is_jpki = self.kind == CardKind::Jpki;
        let class_known = c.cla == 0x00 || (is_jpki && c.cla == jpki::SIGN_CLA);
        if !class_known {
            return apdu::status(sw::CLA_NOT_SUPPORTED);
        }
        if c.ins == ins::SELECT && c.cla == 0x00 {
            return self.select(c);
        }
        if !self.session.application_selected {
            return apdu::status(sw::CONDITIONS_NOT_SATISFIED);
        }
        match (c.cla, c.ins) {
            (0x00, ins::READ_BINARY) => self.read_binary(c),
            (0x00, ins::VERIFY) => self.verify(c),
            (0x00, ins::MANAGE_SECURITY_ENVIRONMENT) if !is_jpki => {
                self.manage_security_environment(c)
            }
            (0x00, ins::SIGN) if !is_jpki => self.perform_signature(c),
            (jpki::SIGN_CLA, ins::SIGN) => self.jpki_signature(c),
            _ => apdu::status(sw::INS_NOT_SUPPORTED),
        }
    }

    fn aid(&self) -> &'static [u8] {
        match self.kind {
            CardKind::Jpki => jpki::AID,
            _ => profile::AID,
        }
    }

    fn file(&self, id: u16) -> Option<File<'_>> {
        match (self.kind, id) {
            (CardKind::Jpki, jpki::EF_SIGN_CERT) => Some(File::Data {
                content: &self.certificate,
                needs_pin: true,
            }),
            (CardKind::Jpki, jpki::EF_SIGN_CA_CERT) => Some(File::Data {
                content: &self.ca_certificate,
                needs_pin: false,
            }),
            (CardKind::Jpki, jpki::EF_SIGN_KEY) => Some(File::Key),
            (CardKind::Jpki, jpki::EF_SIGN_PIN) => Some(File::Pin),
            (CardKind::Profile, profile::EF_CERT) => Some(File::Data {
                content: &self.certificate,
                needs_pin: false,
            }),
            _ => None,
        }
    }

    fn select(&mut self, c: &Command) -> Vec<u8> {
        if !matches!(c.p2, 0x00 | 0x04 | 0x0C) {
            return apdu::status(sw::WRONG_P1P2);
        }
        match c.p1 {
            0x04 => {
                if c.data.is_empty() {
                    return apdu::status(sw::WRONG_LENGTH);
                }
                if c.data != self.aid() {
                    // A failed SELECT leaves the current application and its security state alone.
                    return apdu::status(sw::NOT_FOUND);
                }
                if !self.session.application_selected {
                    self.session = Session::default();
                }
                self.session.application_selected = true;
                self.session.current_ef = None;
                apdu::status(sw::OK)
            }
            0x02 => {
                let [hi, lo] = c.data else {
                    return apdu::status(sw::WRONG_LENGTH);
                };
                let id = u16::from_be_bytes([*hi, *lo]);
                if !self.session.application_selected || self.file(id).is_none() {
                    return apdu::status(sw::NOT_FOUND);
                }
                self.session.current_ef = Some(id);
                apdu::status(sw::OK)
            }
            _ => apdu::status(sw::WRONG_P1P2),
        }
    }

    fn read_binary(&mut self, c: &Command) -> Vec<u8> {
        if c.p1 & 0x80 != 0 {
            // Short EF identifiers are not supported by these layouts.
            return apdu::status(sw::WRONG_P1P2);
        }
        let Some(le) = c.le else {
            return apdu::status(sw::WRONG_LENGTH);
        };
        let Some(current) = self.session.current_ef else {
            return apdu::status(sw::NO_CURRENT_EF);
        };
        let Some(File::Data { content, needs_pin }) = self.file(current) else {
            return apdu::status(sw::INCOMPATIBLE_FILE);
        };
        if needs_pin && !self.session.pin_verified {
            return apdu::status(sw::SECURITY_NOT_SATISFIED);
        }
        let offset = usize::from(u16::from_be_bytes([c.p1, c.p2]));
        if offset > content.len() {
            return apdu::status(sw::OFFSET_OUTSIDE_EF);
        }
        let available = &content[offset..];
        if let Some(limit) = self.read_binary_limit {
            return apdu::response(&available[..available.len().min(limit)], sw::OK);
        }
        // A vpcd frame holds at most 65535 bytes, SW included.
        let wanted = le.min(u16::MAX as usize - 2);
        if available.len() < le {
            apdu::response(&available[..available.len().min(wanted)], sw::END_OF_FILE)
        } else {
            apdu::response(&available[..wanted], sw::OK)
        }
    }

    fn pin_reference_matches(&self, c: &Command) -> bool {
        match self.kind {
            CardKind::Jpki => {
                c.p2 == jpki::PIN_P2 && self.session.current_ef == Some(jpki::EF_SIGN_PIN)
            }
            _ => c.p2 == profile::PIN_REFERENCE,
        }
    }

    /// The PIN as this layout transmits it: JPKI plain ASCII, profile ASCII padded with FF to 8 bytes.
    fn pin_block_is_well_formed(&self, data: &[u8]) -> bool {
        match self.kind {
            CardKind::Jpki => (1..=16).contains(&data.len()),
            _ => data.len() == profile::PIN_BLOCK_LEN,
        }
    }

    fn encode_pin(&self, pin: &str) -> Vec<u8> {
        let mut block = pin.as_bytes().to_vec();
        if self.kind == CardKind::Profile {
            block.resize(
                block.len().max(profile::PIN_BLOCK_LEN),
                profile::PIN_PAD_BYTE,
            );
        }
        block
    }

    fn verify(&mut self, c: &Command) -> Vec<u8> {
        if c.p1 != 0x00 {
            return apdu::status(sw::WRONG_P1P2);
        }
        if !self.pin_reference_matches(c) {
            return apdu::status(sw::REFERENCE_NOT_FOUND);
        }
        if c.data.is_empty() {
            // Status query: spends no try.
            return apdu::status(if self.pin.is_blocked() {
                sw::PIN_BLOCKED
            } else if self.session.pin_verified {
                sw::OK
            } else {
                sw::WRONG_PIN_BASE | u16::from(self.pin.tries_left())
            });
        }
        if !self.pin_block_is_well_formed(c.data) {
            return apdu::status(sw::WRONG_LENGTH);
        }
        let expected = self.encode_pin(self.pin.expected());
        let outcome = self.pin.check(|_| expected.as_slice() == c.data);
        match outcome {
            PinCheck::Correct => {
                self.session.pin_verified = true;
                apdu::status(sw::OK)
            }
            PinCheck::Wrong { tries_left } => {
                self.session.pin_verified = false;
                apdu::status(sw::WRONG_PIN_BASE | u16::from(tries_left))
            }
            PinCheck::Blocked => {
                self.session.pin_verified = false;
                apdu::status(sw::PIN_BLOCKED)
            }
        }
    }

    fn manage_security_environment(&mut self, c: &Command) -> Vec<u8> {
        if (c.p1, c.p2) != (profile::MSE_P1, profile::MSE_P2_DST) {
            return apdu::status(sw::WRONG_P1P2);
        }
        let Some(tags) = parse_simple_tlv(c.data) else {
            return apdu::status(sw::WRONG_DATA);
        };
        let value_of = |tag: u8| tags.iter().find(|(t, _)| *t == tag).map(|(_, v)| *v);
        if value_of(0x80) != Some(&[profile::ALGORITHM_RSA_PKCS1_DIGESTINFO][..]) {
            return apdu::status(sw::WRONG_DATA);
        }
        if value_of(0x84) != Some(&[profile::KEY_REFERENCE][..]) {
            return apdu::status(sw::REFERENCE_NOT_FOUND);
        }
        self.session.signing_environment_set = true;
        apdu::status(sw::OK)
    }

    fn perform_signature(&mut self, c: &Command) -> Vec<u8> {
        if (c.p1, c.p2) != (profile::PSO_CDS_P1, profile::PSO_CDS_P2) {
            return apdu::status(sw::WRONG_P1P2);
        }
        if !self.session.signing_environment_set {
            return apdu::status(sw::CONDITIONS_NOT_SATISFIED);
        }
        self.sign(c)
    }

    fn jpki_signature(&mut self, c: &Command) -> Vec<u8> {
        if (c.p1, c.p2) != (jpki::SIGN_P1, jpki::SIGN_P2) {
            return apdu::status(sw::WRONG_P1P2);
        }
        if self.session.current_ef != Some(jpki::EF_SIGN_KEY) {
            return apdu::status(sw::CONDITIONS_NOT_SATISFIED);
        }
        self.sign(c)
    }

    /// PKCS#1 v1.5 over the DigestInfo exactly as given: the card pads, the host builds the DigestInfo.
    fn sign(&mut self, c: &Command) -> Vec<u8> {
        if !self.session.pin_verified {
            return apdu::status(sw::SECURITY_NOT_SATISFIED);
        }
        let Some(key) = &self.key else {
            return apdu::status(sw::CONDITIONS_NOT_SATISFIED);
        };
        let modulus_len = rsa::traits::PublicKeyParts::size(key);
        if c.data.is_empty() || c.data.len() + 11 > modulus_len {
            return apdu::status(sw::WRONG_LENGTH);
        }
        if c.le.is_some_and(|le| le < modulus_len) {
            return apdu::status(sw::WRONG_LENGTH);
        }
        match key.sign(Pkcs1v15Sign::new_unprefixed(), c.data) {
            Ok(signature) => apdu::response(&signature, sw::OK),
            Err(_) => apdu::status(sw::WRONG_DATA),
        }
    }
}

/// A card no driver knows.
fn unknown_card(c: &Command) -> Vec<u8> {
    match (c.cla, c.ins) {
        (0x00, ins::SELECT) => apdu::status(sw::NOT_FOUND),
        (0x00, _) => apdu::status(sw::INS_NOT_SUPPORTED),
        _ => apdu::status(sw::CLA_NOT_SUPPORTED),
    }
}

/// One-byte tags and lengths (enough for MSE:SET); `None` when the bytes do not split into TLVs exactly.
fn parse_simple_tlv(mut data: &[u8]) -> Option<Vec<(u8, &[u8])>> {
    let mut out = Vec::new();
    while let [tag, len, rest @ ..] = data {
        let len = usize::from(*len);
        if rest.len() < len {
            return None;
        }
        out.push((*tag, &rest[..len]));
        data = &rest[len..];
    }
    data.is_empty().then_some(out)
}
