//! Sending one logical command: follows `61xx` (GET RESPONSE) and `6Cxx` (resend with the right Le) so drivers
//! see one response with all its data.

use super::{ApduTransport, CardError, CommandApdu, ResponseApdu, EXTENDED_LE_MAX};

/// More `61xx` rounds than any real card needs: stops a card that never says 9000.
const MAX_GET_RESPONSE_ROUNDS: usize = 512;

/// Sends `command` and returns the final response (any status word: callers map it).
///
/// `61xx` is answered with `00 C0 00 00 xx` until the card stops asking, concatenating the data; `6Cxx` makes
/// one resend of the same command with Le = xx.
pub fn transmit(
    t: &mut dyn ApduTransport,
    command: &CommandApdu,
) -> Result<ResponseApdu, CardError> {
    let mut response = send(t, command)?;
    if response.sw1() == 0x6C {
        let le = short_len(response.sw2());
        response = send(t, &command.clone().with_le(le))?;
    }
    let mut data = std::mem::take(&mut response.data);
    let mut rounds = 0;
    while response.sw1() == 0x61 {
        rounds += 1;
        if rounds > MAX_GET_RESPONSE_ROUNDS || data.len() > EXTENDED_LE_MAX {
            return Err(CardError::Malformed("endless 61xx response chain".into()));
        }
        let get_response =
            CommandApdu::new(0x00, 0xC0, 0x00, 0x00).with_le(short_len(response.sw2()));
        response = send(t, &get_response)?;
        data.append(&mut response.data);
    }
    response.data = data;
    Ok(response)
}

/// [`transmit`], then the data if the status is 9000 or the typed error for the status word.
pub fn transmit_ok(t: &mut dyn ApduTransport, command: &CommandApdu) -> Result<Vec<u8>, CardError> {
    transmit(t, command)?.into_ok()
}

fn send(t: &mut dyn ApduTransport, command: &CommandApdu) -> Result<ResponseApdu, CardError> {
    let bytes = command.to_bytes()?;
    let raw = t.transmit(&bytes)?;
    ResponseApdu::parse(&raw)
}

/// SW2 as a length: `00` means 256.
fn short_len(sw2: u8) -> usize {
    if sw2 == 0 {
        256
    } else {
        sw2 as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::{ScriptedTransport, TransportError};

    #[test]
    fn follows_61xx_chains() {
        let mut t = ScriptedTransport::new(vec![
            ("00B0000000", "01026104"),
            ("00C0000004", "030405066100"),
            ("00C0000000", "079000"),
        ]);
        let r = transmit(&mut t, &CommandApdu::new(0, 0xB0, 0, 0).with_le(256)).unwrap();
        assert_eq!(r.data, vec![1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(r.sw, 0x9000);
        t.assert_finished();
        assert_eq!(t.apdu_count(), 3);
    }

    #[test]
    fn resends_on_6cxx() {
        let mut t =
            ScriptedTransport::new(vec![("00B0000000", "6C03"), ("00B0000003", "0A0B0C9000")]);
        let data = transmit_ok(&mut t, &CommandApdu::new(0, 0xB0, 0, 0).with_le(256)).unwrap();
        assert_eq!(data, vec![0x0A, 0x0B, 0x0C]);
        t.assert_finished();
    }

    #[test]
    fn resend_then_chain() {
        let mut t = ScriptedTransport::new(vec![
            ("80CA9F7F00", "6C02"),
            ("80CA9F7F02", "AAAA6101"),
            ("00C0000001", "BB9000"),
        ]);
        let data = transmit_ok(
            &mut t,
            &CommandApdu::new(0x80, 0xCA, 0x9F, 0x7F).with_le(256),
        )
        .unwrap();
        assert_eq!(data, vec![0xAA, 0xAA, 0xBB]);
    }

    #[test]
    fn status_words_become_errors() {
        let mut t = ScriptedTransport::new(vec![("00A4020C020001", "6A82")]);
        let cmd = CommandApdu::new(0, 0xA4, 2, 0x0C).with_data(vec![0, 1]);
        assert_eq!(transmit_ok(&mut t, &cmd), Err(CardError::FileNotFound));
    }

    #[test]
    fn transport_failures_pass_through() {
        let mut t = ScriptedTransport::new(Vec::<(&str, &str)>::new())
            .then_fail("00A4020C020001", TransportError::CardRemoved);
        let cmd = CommandApdu::new(0, 0xA4, 2, 0x0C).with_data(vec![0, 1]);
        assert_eq!(
            transmit(&mut t, &cmd),
            Err(CardError::Transport(TransportError::CardRemoved))
        );
    }

    #[test]
    fn endless_chain_is_stopped() {
        struct Forever;
        impl ApduTransport for Forever {
            fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
                Ok(vec![0x61, 0x00])
            }
        }
        let r = transmit(&mut Forever, &CommandApdu::new(0, 0xB0, 0, 0).with_le(256));
        assert!(matches!(r, Err(CardError::Malformed(_))));
    }

    #[test]
    fn short_response_is_malformed() {
        struct Mute;
        impl ApduTransport for Mute {
            fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
                Ok(vec![0x90])
            }
        }
        let r = transmit(&mut Mute, &CommandApdu::new(0, 0xB0, 0, 0).with_le(256));
        assert!(matches!(r, Err(CardError::Malformed(_))));
    }
}
