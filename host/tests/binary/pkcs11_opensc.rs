//! The PKCS#11 backend against OpenSC's `opensc-pkcs11.so` over the private pcscd and the virtual JPKI card: a
//! third party's reading of the card, reached through the same commands as the built-in driver. The config
//! prefers PKCS#11 for the JPKI ATR, so the built-in JPKI driver does not claim the card.
//!
//! OpenSC shows the JPKI signature certificate only after the signature PIN (the card protects EF 0001), and
//! tells tries left only through the token flags: count low, final try (→ 1), locked.

use std::path::PathBuf;

use serde_json::json;
use virtual_card::testca::CertOptions;

use crate::common::*;

pub const OPENSC_MODULE: &str = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";

/// A `pkcs11.toml` with OpenSC that prefers it for the My Number Card's ATR.
pub fn opensc_config(dir: &std::path::Path) -> PathBuf {
    let path = dir.join("pkcs11.toml");
    std::fs::write(
        &path,
        format!(
            "[[module]]\npath = {OPENSC_MODULE:?}\n\n[[prefer_pkcs11_atr]]\natr = \"3B E0 00 FF 81 31 FE 45 14\"\n"
        ),
    )
    .unwrap();
    path
}

struct OpenScBed {
    bed: Bed,
    card: TestCard,
    _dir: tempfile::TempDir,
    config: PathBuf,
}

fn opensc_bed(tries_left: Option<u8>) -> OpenScBed {
    let bed = bed(1);
    let card = bed.jpki_card(JPKI_PIN, CertOptions::with_key("card4"));
    if let Some(tries) = tries_left {
        card.card.set_tries_left(tries);
    }
    let dir = tempfile::tempdir().unwrap();
    let config = opensc_config(dir.path());
    OpenScBed {
        bed,
        card,
        _dir: dir,
        config,
    }
}

impl OpenScBed {
    fn host(&self) -> Host {
        self.bed
            .host_with_env(&[("EBID_HOST_PKCS11_CONFIG", self.config.to_str().unwrap())])
    }
}

#[test]
fn opensc_reads_verifies_and_signs_the_jpki_card() {
    let s = opensc_bed(None);
    let _inserted = s.bed.insert(&s.card.card, 0);
    let mut host = s.host();
    let reader = s.bed.reader(0);

    // The signature certificate needs the signature PIN, through OpenSC as through the built-in driver.
    let error = host.fails(json!({"cmd": "read_certificate", "reader": reader}));
    assert_eq!(code(&error), "PIN_REQUIRED", "{error}");
    let status = host.ok(json!({"cmd": "pin_status", "reader": reader}));
    assert_eq!(status["blocked"], false, "{status}");
    assert_eq!(
        status["min_length"], 6,
        "OpenSC's JPKI signature PIN: {status}"
    );
    assert_eq!(status["max_length"], 16, "{status}");

    host.ok(json!({"cmd": "verify_pin", "reader": reader, "pin": JPKI_PIN}));
    assert!(
        s.card.card.pin_verified(),
        "OpenSC verified the signature PIN"
    );
    let result = host.ok(json!({"cmd": "read_certificate", "reader": reader}));
    assert_eq!(result["card_type"], "pkcs11:opensc-pkcs11.so", "{result}");
    assert_eq!(certificate_of(&result), s.card.cert.certificate_der);

    let before = signing_apdus(&s.card.card);
    host.signs_login(&reader, ORIGIN, &challenge(32), &s.card.cert.public_key());
    assert_eq!(signing_apdus(&s.card.card), before + 1);
    // One PIN, one signature: logged out (OpenSC re-selects the AP, which clears the card's PIN state).
    let error = host.fails(sign_challenge(&reader, ORIGIN, &challenge(32), "login"));
    assert_eq!(code(&error), "PIN_REQUIRED", "{error}");
    assert!(!s.card.card.pin_verified());
    assert_no_panic(&host);
}

#[test]
fn opensc_wrong_pins_count_down_to_blocked() {
    let s = opensc_bed(Some(2));
    let _inserted = s.bed.insert(&s.card.card, 0);
    let mut host = s.host();
    let reader = s.bed.reader(0);

    // Two tries left: wrong, and the flags say final try.
    let error = host.verify(&reader, JPKI_WRONG_PIN);
    assert_eq!(code(&error["error"]), "WRONG_PIN", "{error}");
    assert_eq!(error["error"]["retries_left"], 1, "{error}");
    assert_eq!(s.card.card.tries_left(), 1);
    let status = host.ok(json!({"cmd": "pin_status", "reader": reader}));
    assert_eq!(status["tries_left"], 1, "{status}");

    // The final try: blocked.
    let error = host.verify(&reader, JPKI_WRONG_PIN);
    assert_eq!(code(&error["error"]), "PIN_BLOCKED", "{error}");
    assert_eq!(error["error"]["retries_left"], 0, "{error}");
    assert!(s.card.card.is_blocked());
    // Blocked: the card answers VERIFY without data with 63C0, the token flags say locked, and the host also
    // remembers what C_Login said for as long as the card stays in (a module's flags may lag behind the card).
    let status = host.ok(json!({"cmd": "pin_status", "reader": reader}));
    assert_eq!(status["blocked"], true, "{status}");
    assert!(status["tries_left"].is_null(), "{status}");
    let error = host.read_certificate(&reader);
    assert_eq!(code(&error["error"]), "PIN_BLOCKED", "{error}");
    // The right PIN is refused without a try: the card's counter stays at 0 and it stays blocked.
    let error = host.verify(&reader, JPKI_PIN);
    assert_eq!(code(&error["error"]), "PIN_BLOCKED", "{error}");
    assert!(s.card.card.is_blocked() && !s.card.card.pin_verified());
    assert_no_panic(&host);
}

#[test]
fn opensc_card_removed_mid_signature_is_card_removed() {
    let s = opensc_bed(None);
    let inserted = s.bed.insert(&s.card.card, 0);
    let mut host = s.host();
    let reader = s.bed.reader(0);
    host.ok(json!({"cmd": "verify_pin", "reader": reader, "pin": JPKI_PIN}));
    host.ok(json!({"cmd": "read_certificate", "reader": reader}));

    // The card goes at the signing command (INS 2A).
    s.card.card.vanish_when(|apdu| apdu.get(1) == Some(&0x2A));
    let error = host.fails(sign_challenge(&reader, ORIGIN, &challenge(32), "login"));
    assert_eq!(code(&error), "CARD_REMOVED", "{error}");
    drop(inserted);

    // The host keeps serving: the reader is listed, empty, and the card is back after re-insertion.
    eventually("pcscd sees the card gone", || {
        let readers = host.ok(json!({"cmd": "list_readers"}));
        readers["readers"][0]["card_present"] == false
    });
    let _again = s.bed.insert(&s.card.card, 0);
    let error = host.fails(sign_challenge(&reader, ORIGIN, &challenge(32), "login"));
    assert_eq!(code(&error), "PIN_REQUIRED", "{error}");
    host.ok(json!({"cmd": "verify_pin", "reader": reader, "pin": JPKI_PIN}));
    host.signs_login(&reader, ORIGIN, &challenge(32), &s.card.cert.public_key());
    assert_no_panic(&host);
}
