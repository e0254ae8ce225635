//! Which driver fits the inserted card.

use super::iso::try_select_aid;
use super::jpki::{JPKI_AID, JPKI_ATR};
use super::{CardDriver, JpkiDriver, Profile, ProfileDriver};
use crate::card::{ApduTransport, CardError};

/// Picks the driver for the card with `atr` and leaves its application selected.
///
/// Order: JPKI when the ATR is the My Number Card's and its AP selects; then each profile whose ATR pattern
/// matches and whose AID selects; last, JPKI by AID alone (card generations with other ATRs). A card answering
/// none is `Unsupported`; a transport failure stops the search.
pub fn detect_driver(
    atr: &[u8],
    t: &mut dyn ApduTransport,
    profiles: &[Profile],
) -> Result<Box<dyn CardDriver>, CardError> {
    let jpki_atr = atr == JPKI_ATR;
    if jpki_atr && try_select_aid(t, &JPKI_AID)? {
        return Ok(Box::new(JpkiDriver::new()));
    }
    for profile in profiles.iter().filter(|p| p.matches_atr(atr)) {
        if try_select_aid(t, &profile.aid)? {
            log::debug!("card detected by profile {}", profile.name);
            return Ok(Box::new(ProfileDriver::new(profile.clone(), atr)));
        }
    }
    if !jpki_atr && try_select_aid(t, &JPKI_AID)? {
        return Ok(Box::new(JpkiDriver::new()));
    }
    Err(CardError::Unsupported)
}
