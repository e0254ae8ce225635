//! Reading the base64 card fields (certificates, signatures) a form carries, with the refusal each failure means.

use crate::form::Form;
use crate::lenient_base64;
use crate::refusal::{Card, Refusal};

pub fn required<'f>(form: &'f Form, name: &'static str) -> Result<&'f str, Refusal> {
    form.get(name)
        .filter(|v| !v.trim().is_empty())
        .ok_or(Refusal::MissingField(name))
}

/// Base64 of a certificate; DER is checked where it is parsed.
pub fn decode_certificate(form: &Form, name: &'static str, card: Card) -> Result<Vec<u8>, Refusal> {
    lenient_base64::decode(required(form, name)?).ok_or(Refusal::MalformedCertificate(card))
}

pub fn decode_signature(form: &Form, name: &'static str, card: Card) -> Result<Vec<u8>, Refusal> {
    lenient_base64::decode(required(form, name)?).ok_or(Refusal::MalformedSignature(card))
}
