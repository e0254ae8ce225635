//! Reading certificates: the summary matches what the test CA issued; expired and unknown cards.

use serde_json::json;
use virtual_card::testca::{CertOptions, Validity};
use virtual_card::VirtualCard;

use crate::common::*;

#[test]
fn the_certificate_of_a_jpki_card_whose_pin_is_blocked_is_pin_blocked_not_pin_required() {
    let bed = bed(1);
    let card = bed.jpki_card(JPKI_PIN, CertOptions::with_key("card3"));
    card.card.set_tries_left(0);
    let _inserted = bed.insert(&card.card, 0);
    let mut host = bed.host();
    let error = host.fails(json!({"cmd": "read_certificate", "reader": bed.reader(0)}));
    assert_eq!(code(&error), "PIN_BLOCKED", "{error}");
    assert_eq!(error["retries_left"], 0);
    assert_eq!(card.card.tries_left(), 0);
    assert_no_panic(&host);
}

#[test]
fn jpki_certificate_needs_the_pin_and_its_summary_matches_the_issued_one() {
    let bed = bed(1);
    let options = CertOptions {
        holder_name: "番号 花子".into(),
        ..CertOptions::with_key("card3")
    };
    let card = bed.jpki_card(JPKI_PIN, options);
    let _inserted = bed.insert(&card.card, 0);
    let mut host = bed.host();
    let reader = bed.reader(0);

    let error = host.fails(json!({"cmd": "read_certificate", "reader": reader}));
    assert_eq!(code(&error), "PIN_REQUIRED", "{error}");

    assert_eq!(
        host.verify(&reader, JPKI_PIN)["result"]["kind"],
        "pin_verified"
    );
    let result = host.ok(json!({"cmd": "read_certificate", "reader": reader}));
    assert_eq!(result["card_type"], "jpki");
    assert_eq!(result["reader"], reader);
    assert_eq!(certificate_of(&result), card.cert.certificate_der);
    let summary = &result["summary"];
    assert_eq!(summary["holder_name"], "番号 花子");
    assert_eq!(summary["address"], card.cert.options.address());
    assert_eq!(summary["serial"], card.cert.serial_hex());
    assert_eq!(
        summary["sha256_fingerprint"],
        card.cert.sha256_fingerprint()
    );
    assert_eq!(summary["expired"], false);
    assert_eq!(summary["key_bits"], 2048);
    assert_no_panic(&host);
}

#[test]
fn profile_certificate_summary_matches_the_issued_one_with_japanese_text_intact() {
    let bed = bed(1);
    let options = CertOptions {
        organization: "株式会社札幌建設【土木】".into(),
        holder_name: "北海 太郎".into(),
        prefecture: "北海道".into(),
        locality: "札幌市北区".into(),
        street: "北8条西5丁目".into(),
        ..CertOptions::with_key("card4")
    };
    let card = bed.profile_card(PROFILE_PIN, options);
    let _inserted = bed.insert(&card.card, 1);
    let mut host = bed.host();

    // Readable without the PIN.
    let result = host.ok(json!({"cmd": "read_certificate", "reader": bed.reader(1)}));
    assert_eq!(result["card_type"], "profile:ebid-test-ca");
    assert_eq!(certificate_of(&result), card.cert.certificate_der);
    let summary = &result["summary"];
    assert_eq!(summary["organization"], "株式会社札幌建設【土木】");
    assert_eq!(summary["holder_name"], "北海 太郎");
    assert_eq!(summary["address"], "北海道札幌市北区北8条西5丁目");
    assert_eq!(summary["serial"], card.cert.serial_hex());
    assert_eq!(
        summary["sha256_fingerprint"],
        card.cert.sha256_fingerprint()
    );
    assert!(
        summary["issuer"].as_str().unwrap().contains("テスト"),
        "{summary}"
    );
    let not_after = card.cert.not_after;
    assert!(
        summary["not_after"].as_str().unwrap().starts_with(&format!(
            "{:04}-{:02}-{:02}",
            not_after.year(),
            not_after.month() as u8,
            not_after.day()
        )),
        "{summary}"
    );
    assert_eq!(summary["expired"], false);
    assert_eq!(summary["key_algorithm"], "RSA");
    assert_eq!(summary["key_bits"], 2048);
    assert_no_panic(&host);
}

#[test]
fn an_expired_certificate_is_flagged() {
    let bed = bed(1);
    let options = CertOptions {
        validity: Validity::Expired,
        ..CertOptions::with_key("card6")
    };
    let card = bed.profile_card(PROFILE_PIN, options);
    let _inserted = bed.insert(&card.card, 0);
    let mut host = bed.host();
    let result = host.ok(json!({"cmd": "read_certificate", "reader": bed.reader(0)}));
    assert_eq!(result["summary"]["expired"], true, "{result}");
}

#[test]
fn an_unknown_card_is_unsupported() {
    let bed = bed(1);
    let card = VirtualCard::new(virtual_card::CardConfig::unknown()).unwrap();
    let _inserted = bed.insert(&card, 0);
    let mut host = bed.host();
    let error = host.fails(json!({"cmd": "read_certificate", "reader": bed.reader(0)}));
    assert_eq!(code(&error), "UNSUPPORTED_CARD", "{error}");
    let error = host.fails(json!({"cmd": "read_certificate", "reader": bed.reader(1)}));
    assert_eq!(code(&error), "NO_CARD", "{error}");
    let error = host.fails(json!({"cmd": "read_certificate", "reader": "No Such Reader 00 00"}));
    assert_eq!(code(&error), "NO_READER", "{error}");
    assert_no_panic(&host);
}
