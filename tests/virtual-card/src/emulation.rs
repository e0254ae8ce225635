//! The card's behaviour: one APDU in, one response out, per the layouts in `docs/cards.md`.
//! Never panics on any input: malformed APDUs get `6700`, unknown instructions `6D00`, unknown classes `6E00`.

use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use zeroize::Zeroizing;

use crate::apdu::{self, Command};
use crate::config::{CardConfig, CardKind};
use crate::layout::{ins, jpki, profile, sw};
use crate::pin_counter::{PinCheck, PinCounter};
use crate::CardError;

/// Volatile state: lost on power off, power on and reset; on JPKI also on every SELECT of the application (how
/// OpenSC logs out), on the profile card only when the application is selected anew.
#[derive(Debug, Default)]
struct Session {
    application_selected: bool,
    current_ef: Option<u16>,
    /// The card's PIN (on JPKI the signature PIN, EF 001B) is verified.
    pin_verified: bool,
    /// JPKI: the authentication PIN (EF 0018) is verified.
    auth_pin_verified: bool,
    /// MSE:SET for signing was accepted (profile card).
    signing_environment_set: bool,
}

/// Which PIN: the card's one (JPKI: signature) or JPKI's authentication PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PinRef {
    Main,
    Auth,
}

/// What an EF holds.
enum File<'a> {
    Data {
        content: &'a [u8],
        needs_pin: Option<PinRef>,
    },
    Key,
    Pin,
}

/// JPKI's authentication half: EF 000A, 000B, 0017, 0018.
struct AuthHalf {
    certificate: Vec<u8>,
    ca_certificate: Vec<u8>,
    key: RsaPrivateKey,
    pin: PinCounter,
}

pub struct Emulation {
    kind: CardKind,
    atr: Vec<u8>,
    certificate: Vec<u8>,
    ca_certificate: Vec<u8>,
    key: Option<RsaPrivateKey>,
    pin: PinCounter,
    auth: Option<AuthHalf>,
    session: Session,
    /// Fault mode: READ BINARY answers at most this many bytes, with 9000, whatever Le asked for.
    read_binary_limit: Option<usize>,
}

impl Emulation {
    pub fn new(config: &CardConfig) -> Result<Self, CardError> {
        let credentials = config.load_credentials()?;
        let auth = match config.load_auth_credentials()? {
            Some(loaded) => Some(AuthHalf {
                certificate: loaded.certificate,
                ca_certificate: loaded.ca_certificate,
                key: loaded
                    .key
                    .ok_or_else(|| CardError::Config("no authentication key".into()))?,
                pin: PinCounter::new(
                    config.auth.pin.clone(),
                    jpki::AUTH_TRIES,
                    config.auth.tries_left.unwrap_or(jpki::AUTH_TRIES),
                ),
            }),
            None => None,
        };
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
            auth,
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

    /// JPKI's authentication certificate (EF 000A); `None` on other kinds.
    pub fn auth_certificate(&self) -> Option<&[u8]> {
        self.auth.as_ref().map(|a| a.certificate.as_slice())
    }

    pub fn auth_key(&self) -> Option<&RsaPrivateKey> {
        self.auth.as_ref().map(|a| &a.key)
    }

    /// JPKI's authentication PIN counter; `None` on other kinds.
    pub fn auth_pin(&self) -> Option<&PinCounter> {
        self.auth.as_ref().map(|a| &a.pin)
    }

    pub fn auth_pin_mut(&mut self) -> Option<&mut PinCounter> {
        self.auth.as_mut().map(|a| &mut a.pin)
    }

    pub fn auth_pin_verified(&self) -> bool {
        self.session.auth_pin_verified
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
        let free = |content| File::Data {
            content,
            needs_pin: None,
        };
        match (self.kind, id, &self.auth) {
            (CardKind::Jpki, jpki::EF_SIGN_CERT, _) => Some(File::Data {
                content: &self.certificate,
                needs_pin: Some(PinRef::Main),
            }),
            (CardKind::Jpki, jpki::EF_SIGN_CA_CERT, _) => Some(free(&self.ca_certificate)),
            (CardKind::Jpki, jpki::EF_SIGN_KEY, _) => Some(File::Key),
            (CardKind::Jpki, jpki::EF_SIGN_PIN, _) => Some(File::Pin),
            (CardKind::Jpki, jpki::EF_AUTH_CERT, Some(auth)) => Some(free(&auth.certificate)),
            (CardKind::Jpki, jpki::EF_AUTH_CA_CERT, Some(auth)) => Some(free(&auth.ca_certificate)),
            (CardKind::Jpki, jpki::EF_AUTH_KEY, Some(_)) => Some(File::Key),
            (CardKind::Jpki, jpki::EF_AUTH_PIN, Some(_)) => Some(File::Pin),
            (CardKind::Profile, profile::EF_CERT, _) => Some(free(&self.certificate)),
            _ => None,
        }
    }

    fn counter_mut(&mut self, reference: PinRef) -> Option<&mut PinCounter> {
        match reference {
            PinRef::Main => Some(&mut self.pin),
            PinRef::Auth => self.auth_pin_mut(),
        }
    }

    fn verified(&self, reference: PinRef) -> bool {
        match reference {
            PinRef::Main => self.session.pin_verified,
            PinRef::Auth => self.session.auth_pin_verified,
        }
    }

    fn set_verified(&mut self, reference: PinRef, verified: bool) {
        match reference {
            PinRef::Main => self.session.pin_verified = verified,
            PinRef::Auth => self.session.auth_pin_verified = verified,
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
                // JPKI: selecting the AP logs both PINs out (OpenSC relies on it); the profile card keeps its
                // state when its application is selected again.
                if self.kind == CardKind::Jpki || !self.session.application_selected {
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
        if needs_pin.is_some_and(|reference| !self.verified(reference)) {
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

    /// Which PIN a VERIFY addresses: on JPKI the selected PIN EF, on the profile card P2.
    fn pin_reference(&self, c: &Command) -> Option<PinRef> {
        match self.kind {
            CardKind::Jpki if c.p2 == jpki::PIN_P2 => match self.session.current_ef {
                Some(jpki::EF_SIGN_PIN) => Some(PinRef::Main),
                Some(jpki::EF_AUTH_PIN) if self.auth.is_some() => Some(PinRef::Auth),
                _ => None,
            },
            CardKind::Profile if c.p2 == profile::PIN_REFERENCE => Some(PinRef::Main),
            _ => None,
        }
    }

    /// The PIN as this layout transmits it: JPKI plain ASCII, profile ASCII padded with FF to 8 bytes.
    fn pin_block_is_well_formed(&self, data: &[u8]) -> bool {
        match self.kind {
            CardKind::Jpki => (1..=16).contains(&data.len()),
            _ => data.len() == profile::PIN_BLOCK_LEN,
        }
    }

    fn verify(&mut self, c: &Command) -> Vec<u8> {
        if c.p1 != 0x00 {
            return apdu::status(sw::WRONG_P1P2);
        }
        let Some(reference) = self.pin_reference(c) else {
            return apdu::status(sw::REFERENCE_NOT_FOUND);
        };
        let is_jpki = self.kind == CardKind::Jpki;
        let verified = self.verified(reference);
        if c.data.is_empty() {
            // Status query: spends no try. JPKI answers the tries left even for a verified PIN, and `63C0`
            // for a blocked one (OpenSC's JPKI driver binds only on `63Cx`; docs/cards.md); the profile card
            // says 9000 for a verified PIN and 6983 for a blocked one.
            let Some(counter) = self.counter_mut(reference) else {
                return apdu::status(sw::REFERENCE_NOT_FOUND);
            };
            return apdu::status(if counter.is_blocked() && !is_jpki {
                sw::PIN_BLOCKED
            } else if verified && !is_jpki {
                sw::OK
            } else {
                sw::WRONG_PIN_BASE | u16::from(counter.tries_left())
            });
        }
        if !self.pin_block_is_well_formed(c.data) {
            return apdu::status(sw::WRONG_LENGTH);
        }
        let kind = self.kind;
        let Some(counter) = self.counter_mut(reference) else {
            return apdu::status(sw::REFERENCE_NOT_FOUND);
        };
        let outcome = counter.check(|stored| encode_pin(kind, stored).as_slice() == c.data);
        let (verified, status) = match outcome {
            PinCheck::Correct => (true, sw::OK),
            PinCheck::Wrong { tries_left } => (false, sw::WRONG_PIN_BASE | u16::from(tries_left)),
            PinCheck::Blocked => (false, sw::PIN_BLOCKED),
        };
        self.set_verified(reference, verified);
        apdu::status(status)
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
        sign(c, self.key.as_ref(), self.session.pin_verified)
    }

    /// COMPUTE DIGITAL SIGNATURE with the selected key EF: 001A needs the signature PIN, 0017 the
    /// authentication PIN.
    fn jpki_signature(&mut self, c: &Command) -> Vec<u8> {
        if (c.p1, c.p2) != (jpki::SIGN_P1, jpki::SIGN_P2) {
            return apdu::status(sw::WRONG_P1P2);
        }
        let (key, reference) = match self.session.current_ef {
            Some(jpki::EF_SIGN_KEY) => (self.key.as_ref(), PinRef::Main),
            Some(jpki::EF_AUTH_KEY) => (self.auth_key(), PinRef::Auth),
            _ => return apdu::status(sw::CONDITIONS_NOT_SATISFIED),
        };
        sign(c, key, self.verified(reference))
    }
}

/// PKCS#1 v1.5 over the DigestInfo exactly as given: the card pads, the host builds the DigestInfo.
fn sign(c: &Command, key: Option<&RsaPrivateKey>, pin_verified: bool) -> Vec<u8> {
    if !pin_verified {
        return apdu::status(sw::SECURITY_NOT_SATISFIED);
    }
    let Some(key) = key else {
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

/// The PIN as the layout transmits it: JPKI as it is (the host upper-cases the signature PIN; the card compares
/// bytes), the profile card padded with FF to 8 bytes.
fn encode_pin(kind: CardKind, pin: &str) -> Zeroizing<Vec<u8>> {
    let mut block = Zeroizing::new(pin.as_bytes().to_vec());
    if kind == CardKind::Profile {
        let padded = block.len().max(profile::PIN_BLOCK_LEN);
        block.resize(padded, profile::PIN_PAD_BYTE);
    }
    block
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
