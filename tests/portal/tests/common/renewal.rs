//! The renewal's steps 1–3 as the extension takes them, and the whole renewal up to its confirmation screen.

use ebid_protocol::SignPurpose;
use replica_portal::paths;

use super::{b64, challenge_at, challenge_of, open_next, Browser, Card, Page};

/// Step 1: `POST IcRenewChallenge.do`; returns the challenge (base64 and bytes).
pub fn fetch_challenge(browser: &mut Browser) -> (String, Vec<u8>) {
    challenge_at(browser, paths::RENEW_CHALLENGE)
}

/// Step 2 with explicit fields.
pub fn post_current(browser: &mut Browser, challenge: &str, card: &Card, signature: &[u8]) -> Page {
    browser.post_form(
        paths::RENEW_CURRENT,
        &[
            ("challenge", challenge),
            ("oldCertificate", &card.b64()),
            ("oldSignature", &b64(signature)),
        ],
    )
}

/// Step 3 with explicit fields.
pub fn post_new(browser: &mut Browser, challenge: &str, card: &Card, signature: &[u8]) -> Page {
    browser.post_form(
        paths::RENEW_NEW,
        &[
            ("challenge", challenge),
            ("newCertificate", &card.b64()),
            ("newSignature", &b64(signature)),
        ],
    )
}

/// Steps 1 and 2 as the extension takes them: a challenge, the current card's consent bound to `origin`.
/// Returns step 2's answer.
pub fn prove_current(browser: &mut Browser, origin: &str, current: &Card) -> Page {
    let (challenge_b64, challenge) = fetch_challenge(browser);
    let signature = current.sign(origin, &challenge, SignPurpose::RenewCurrent, b"");
    post_current(browser, &challenge_b64, current, &signature)
}

/// Step 3 after a successful step 2 answer: the new card signs the second challenge, binding `current`.
pub fn pair_new(
    browser: &mut Browser,
    origin: &str,
    step2: &Page,
    current: &Card,
    new: &Card,
) -> Page {
    let (second_b64, second) = challenge_of(step2);
    let signature = new.sign(origin, &second, SignPurpose::RenewNew, &current.der);
    post_new(browser, &second_b64, new, &signature)
}

/// The whole renewal as the extension runs it: the menu (the session), step 1, step 2 with `current`, step 3 with
/// `new`, both signatures bound to `origin`, then the confirmation screen the extension shows. Returns the
/// confirmation page, or the JSON refusal of the step that failed.
pub fn submit_renewal(browser: &mut Browser, origin: &str, current: &Card, new: &Card) -> Page {
    let menu = browser.get(paths::MENU);
    assert_eq!(menu.status, 200);
    let step2 = prove_current(browser, origin, current);
    if step2.status != 200 {
        return step2;
    }
    let step3 = pair_new(browser, origin, &step2, current, new);
    open_next(browser, step3, "confirm", paths::RENEW_CONFIRM)
}
