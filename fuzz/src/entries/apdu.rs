//! Target `apdu`: the APDU layer under every driver (`ebid_host::card`).
//!
//! - the input as a response APDU (`ResponseApdu::parse`): data and status word give back the input;
//! - the input as a command APDU (`CommandApdu::parse`, as profiles' `mse_set` are read): it re-encodes to itself;
//! - a command built from the input's head (header, Le, forced extended, data) encodes, and its encoding parses
//!   back to the same encoding;
//! - that command sent with `transmit` (61xx GET RESPONSE chains, 6Cxx resends) to a card answering with the rest
//!   of the input ([`super::card_answers`]).

use ebid_host::card::{transmit, CommandApdu, ResponseApdu, EXTENDED_LE_MAX};
use ebid_protocol::ErrorInfo;

use super::card_answers::CardAnswers;

pub fn apdu(data: &[u8]) {
    response(data);
    command_bytes(data);
    if let Some((command, rest)) = built_command(data) {
        let mut card = CardAnswers::new(rest);
        match transmit(&mut card, &command) {
            Ok(response) => assert!(response.data.len() <= 2 * EXTENDED_LE_MAX + 0x10000),
            Err(e) => drop(ErrorInfo::from(e)),
        }
    }
}

fn response(data: &[u8]) {
    match ResponseApdu::parse(data) {
        Ok(r) => {
            assert!(data.len() >= 2);
            let mut back = r.data.clone();
            back.extend_from_slice(&[r.sw1(), r.sw2()]);
            assert_eq!(back, data);
            assert_eq!(r.is_ok(), r.sw == 0x9000);
            let _ = r.into_ok();
        }
        Err(_) => assert!(data.len() < 2),
    }
}

fn command_bytes(data: &[u8]) {
    if let Ok(command) = CommandApdu::parse(data) {
        let encoded = command.to_bytes().expect("a parsed command encodes");
        assert_eq!(&encoded[..], data, "a parsed command re-encodes to itself");
        let _ = format!("{command:?}");
    }
}

/// `CLA INS P1 P2`, a flags byte (bit 0: Le present, bit 1: force extended), Le as u16 + 0..=2 (so 0 and 65537,
/// both out of range, occur), a data length byte (times 257 when bit 2 is set, for extended Lc), the data; the rest
/// is the card's answers.
fn built_command(data: &[u8]) -> Option<(CommandApdu, &[u8])> {
    let (head, rest) = data.split_first_chunk::<8>()?;
    let [cla, ins, p1, p2, flags, le_hi, le_lo, len] = *head;
    let mut command = CommandApdu::new(cla, ins, p1, p2);
    if flags & 1 != 0 {
        let le = u16::from_be_bytes([le_hi, le_lo]) as usize + (flags >> 6) as usize % 3;
        command = command.with_le(le);
    }
    if flags & 2 != 0 {
        command = command.extended();
    }
    let len = if flags & 4 != 0 {
        len as usize * 257
    } else {
        len as usize
    };
    let (body, rest) = rest.split_at(len.min(rest.len()));
    if !body.is_empty() {
        command = command.with_data(body.to_vec());
    }
    match command.to_bytes() {
        Ok(encoded) => {
            let parsed = CommandApdu::parse(&encoded).expect("an encoded command parses");
            let again = parsed.to_bytes().expect("and encodes again");
            assert_eq!(again, encoded, "encode → parse → encode");
            assert_eq!(parsed.data(), command.data());
            assert_eq!(parsed.le(), command.le());
            Some((command, rest))
        }
        Err(_) => {
            let le_bad = command
                .le()
                .is_some_and(|le| le == 0 || le > EXTENDED_LE_MAX);
            assert!(
                le_bad || command.data().len() > 65535,
                "a valid command refused to encode"
            );
            None
        }
    }
}
