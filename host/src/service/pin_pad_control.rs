//! The reader's VERIFY_PIN_DIRECT control: VERIFY typed on the reader's own keypad (PC/SC v2 part 10), sent with
//! `SCardControl`, so the PIN never passes through the host. The structure it sends is the driver's
//! (drivers/pin_pad_command.rs). Not reachable with vpcd, so the answer mapping is unit-tested here and the
//! structure bytes in the driver layer.

use ebid_protocol::{ErrorCode, ErrorInfo};

use super::card_session::CardIo;
use crate::card::CardError;

/// Seconds the reader waits for the bidder to type (0 would be the reader's own default, often too short).
const PIN_PAD_TIMEOUT_SECS: u8 = 60;

pub fn verify_on_pin_pad(io: &mut CardIo<'_, '_>) -> Result<(), ErrorInfo> {
    let Some(code) = io.pin_pad else {
        return Err(ErrorInfo::new(ErrorCode::BadRequest)
            .with_detail("no PIN given and the reader has no PIN pad"));
    };
    io.driver.prepare_pin_pad_verify(io.transport)?;
    let structure = io
        .driver
        .pin_pad_verify()
        .verify_pin_direct_structure(PIN_PAD_TIMEOUT_SECS);
    let answer = io
        .transport
        .inner_mut()
        .control(code, &structure)
        .map_err(CardError::Transport)?;
    Ok(outcome(&answer)?)
}

/// The reader answers with the card's status word (or its own 6400 timeout / 6401 cancel).
fn outcome(answer: &[u8]) -> Result<(), CardError> {
    match *answer {
        [0x90, 0x00] => Ok(()),
        [sw1, sw2] => Err(CardError::from_sw(u16::from_be_bytes([sw1, sw2]))),
        _ => Err(CardError::Malformed(format!(
            "PIN pad answered {} bytes",
            answer.len()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_pad_answers() {
        assert_eq!(outcome(&[0x90, 0x00]), Ok(()));
        assert_eq!(
            outcome(&[0x63, 0xC2]),
            Err(CardError::WrongPin { retries_left: 2 })
        );
        assert_eq!(outcome(&[0x69, 0x83]), Err(CardError::PinBlocked));
        assert_eq!(outcome(&[0x64, 0x00]), Err(CardError::PinPadTimeout));
        assert_eq!(outcome(&[0x64, 0x01]), Err(CardError::PinPadCancelled));
        assert!(matches!(outcome(&[]), Err(CardError::Malformed(_))));
        assert!(matches!(outcome(&[0x90]), Err(CardError::Malformed(_))));
    }
}
