//! Target `request`: frame reading and request parsing (`ebid_protocol::framing`), the host's first contact with
//! whatever the browser (or anything posing as it) sends.
//!
//! The whole input is read as a stream of frames (at the host's limit, and at a tiny one so the draining of
//! oversized frames is exercised too), the whole input and every frame body is parsed as a request. Checked: a
//! parsed request survives a round trip through JSON; a rejection's detail stays short and never quotes a PIN.

use ebid_protocol::framing::{parse_request, read_frame, Inbound};
use ebid_protocol::MAX_REQUEST_BYTES;

/// Longer than any detail the parser writes (a command name is cut to 40 characters).
const MAX_DETAIL_BYTES: usize = 512;

pub fn request(data: &[u8]) {
    parse(data);
    for max in [MAX_REQUEST_BYTES, 16] {
        let mut input = data;
        while let Ok(inbound) = read_frame(&mut input, max) {
            match inbound {
                Inbound::Frame(body) => {
                    assert!(body.len() <= max);
                    parse(&body);
                }
                Inbound::Oversized { len } => assert!(len as usize > max),
                Inbound::End => break,
            }
        }
    }
}

fn parse(body: &[u8]) {
    match parse_request(body) {
        Ok(request) => {
            let json = serde_json::to_vec(&request).expect("a request serialises");
            let again = parse_request(&json).expect("a serialised request parses");
            assert_eq!(again, request, "round trip through JSON");
        }
        Err(rejected) => {
            let detail = rejected.error.detail.as_deref().unwrap_or("");
            assert!(
                detail.len() <= MAX_DETAIL_BYTES,
                "a rejection detail of {} bytes",
                detail.len()
            );
            if let Some(pin) = quoted_pin(body) {
                assert!(
                    !detail.contains(&pin),
                    "the rejection quotes the PIN: {detail}"
                );
            }
        }
    }
}

/// The `pin` of a JSON object when it looks like one (4 or more digits) and the command name does not contain it
/// (the command name may be echoed; it is not secret).
fn quoted_pin(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let pin = value.get("pin")?.as_str()?;
    let cmd = value.get("cmd").and_then(|c| c.as_str()).unwrap_or("");
    (pin.len() >= 4 && pin.bytes().all(|b| b.is_ascii_digit()) && !cmd.contains(pin))
        .then(|| pin.to_owned())
}
