//! The PKCS#11 backend against SoftHSM2: the host finds the token the config puts in a reader (where a card no
//! driver knows sits), picks the signing certificate, logs in, signs the binding digest, and logs out again.
//! SoftHSM2 has no PIN counter and cannot block: a wrong PIN is WRONG_PIN without tries left (blocking is covered
//! through OpenSC). A module that is missing, no shared library, or fails C_Initialize is MODULE_UNAVAILABLE.

use serde_json::json;
use virtual_card::testca::CertOptions;
use virtual_card::{CardConfig, VirtualCard};

use super::softhsm::{SoftHsm, SOFTHSM_MODULE, TOKEN_PIN, TOKEN_WRONG_PIN};
use crate::common::*;

/// A bed whose reader 0 holds a card no driver knows, and a SoftHSM token with an e-bidding certificate and its
/// key (id 01) plus the CA's certificate (id 02, digitalSignature only: must not be chosen).
struct SoftHsmBed {
    bed: Bed,
    hsm: SoftHsm,
    card: TestCard,
    _inserted: virtual_card::InsertedCard,
    _unknown: VirtualCard,
}

fn softhsm_bed() -> SoftHsmBed {
    let bed = bed(1);
    let hsm = SoftHsm::init("ebid-test");
    let card = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card3"));
    hsm.import("02", "CA", bed.ca.certificate_der(), None);
    hsm.import(
        "01",
        "e-bidding",
        &card.cert.certificate_der,
        Some(&card.cert.private_key_pem),
    );
    let unknown = VirtualCard::new(CardConfig::unknown()).expect("card");
    let inserted = bed.insert(&unknown, 0);
    SoftHsmBed {
        bed,
        hsm,
        card,
        _inserted: inserted,
        _unknown: unknown,
    }
}

impl SoftHsmBed {
    fn host(&self, more_modules: &[&str]) -> Host {
        let config = self.hsm.config(&self.bed.reader(0), more_modules);
        self.bed.host_with_env(&[
            ("EBID_HOST_PKCS11_CONFIG", config.to_str().unwrap()),
            ("SOFTHSM2_CONF", self.hsm.conf.to_str().unwrap()),
        ])
    }
}

#[test]
fn the_signing_certificate_of_the_token_is_read() {
    let s = softhsm_bed();
    let mut host = s.host(&[]);
    let reader = s.bed.reader(0);
    let result = host.ok(json!({"cmd": "read_certificate", "reader": reader}));
    assert_eq!(result["card_type"], "pkcs11:libsofthsm2.so", "{result}");
    assert_eq!(certificate_of(&result), s.card.cert.certificate_der);
    assert_eq!(result["summary"]["holder_name"], "札幌 太郎", "{result}");

    let status = host.ok(json!({"cmd": "pin_status", "reader": reader}));
    assert_eq!(status["blocked"], false, "{status}");
    assert!(
        status["tries_left"].is_null(),
        "SoftHSM2 flags say nothing of tries: {status}"
    );
    assert_eq!(status["pin_pad"], false, "{status}");
    assert_eq!(status["min_length"], 4, "SoftHSM2's minimum: {status}");
    assert_no_panic(&host);
}

#[test]
fn a_wrong_pin_is_refused_and_the_right_one_signs_once() {
    let s = softhsm_bed();
    let mut host = s.host(&[]);
    let reader = s.bed.reader(0);

    let error = host.verify(&reader, TOKEN_WRONG_PIN);
    assert_eq!(code(&error["error"]), "WRONG_PIN", "{error}");
    assert!(error["error"]["retries_left"].is_null(), "{error}");
    let login = sign_challenge(&reader, ORIGIN, &challenge(32), "login");
    assert_eq!(code(&host.fails(login.clone())), "PIN_REQUIRED");

    let error = host.verify(&reader, "12");
    assert_eq!(code(&error["error"]), "PIN_FORMAT", "{error}");

    host.ok(json!({"cmd": "verify_pin", "reader": reader, "pin": TOKEN_PIN}));
    host.signs_login(&reader, ORIGIN, &challenge(32), &s.card.cert.public_key());
    // One PIN, one signature: the host logged the token out.
    assert_eq!(code(&host.fails(login)), "PIN_REQUIRED");

    // The new card of a renewal binds the current card's certificate, as with the built-in drivers.
    host.ok(json!({"cmd": "verify_pin", "reader": reader, "pin": TOKEN_PIN}));
    let bound = s.bed.ca.certificate_der().to_vec();
    let result = host.ok(json!({
        "cmd": "sign_challenge", "reader": reader, "origin": ORIGIN,
        "challenge": base64_of(&challenge(40)), "purpose": "renew_new", "bound_certificate": base64_of(&bound)
    }));
    let expected = ebid_protocol::binding_digest(
        ORIGIN,
        &challenge(40),
        ebid_protocol::SignPurpose::RenewNew,
        &bound,
    );
    verify_signature(&result, &s.card.cert.public_key(), &expected);
    assert_no_panic(&host);
}

#[test]
fn a_missing_or_broken_module_is_module_unavailable_named_and_the_host_keeps_serving() {
    let s = softhsm_bed();
    let missing = "/opt/no-such-ca/lib/ca-pkcs11.so";
    // A file that is no shared library: a broken install of the CA's middleware.
    let broken = s.hsm.dir.path().join("broken-pkcs11.so");
    std::fs::write(&broken, "not a shared library\n").unwrap();
    // SoftHSM2 without its configuration file loads, but its C_Initialize fails.
    let no_conf = s.hsm.dir.path().join("no-such-softhsm2.conf");
    let hsm_conf = s.hsm.conf.to_str().unwrap();
    let reader = s.bed.reader(0);
    for (module, softhsm_conf, why) in [
        (missing, hsm_conf, "no such file"),
        (broken.to_str().unwrap(), hsm_conf, "cannot load"),
        (
            SOFTHSM_MODULE,
            no_conf.to_str().unwrap(),
            "C_Initialize failed",
        ),
    ] {
        // Only that module: the card cannot be read, and the error blames the module, naming it and what failed.
        let config = s.hsm.dir.path().join("only.toml");
        std::fs::write(&config, format!("[[module]]\npath = {module:?}\n")).unwrap();
        let mut host = s.bed.host_with_env(&[
            ("EBID_HOST_PKCS11_CONFIG", config.to_str().unwrap()),
            ("SOFTHSM2_CONF", softhsm_conf),
        ]);
        let error = host.fails(json!({"cmd": "read_certificate", "reader": reader}));
        assert_eq!(code(&error), "MODULE_UNAVAILABLE", "{error}");
        let detail = error["detail"].as_str().unwrap();
        assert!(
            detail.contains(&format!("PKCS#11 module {module}: {why}")),
            "{error}"
        );
        let readers = host.ok(json!({"cmd": "list_readers"}));
        assert_eq!(readers["readers"][0]["name"], reader.as_str(), "{readers}");
        // Asked again, the module is tried again (installing the middleware needs no restart) and still fails.
        let error = host.fails(json!({"cmd": "pin_status", "reader": reader}));
        assert_eq!(code(&error), "MODULE_UNAVAILABLE", "{error}");
        assert_no_panic(&host);
    }

    // A missing or broken module before a working one: the working one serves the card.
    let mut host = s.host(&[missing, broken.to_str().unwrap()]);
    let result = host.ok(json!({"cmd": "read_certificate", "reader": reader}));
    assert_eq!(certificate_of(&result), s.card.cert.certificate_der);
    assert_no_panic(&host);
}

#[test]
fn the_same_module_from_the_environment_variable_needs_no_config_file() {
    let s = softhsm_bed();
    // Without `reader = ...` SoftHSM's slots ("SoftHSM slot ID ...") name no reader: the card stays unsupported.
    let mut host = s.bed.host_with_env(&[
        ("EBID_HOST_PKCS11_CONFIG", "/nonexistent/pkcs11.toml"),
        ("EBID_HOST_PKCS11_MODULES", super::softhsm::SOFTHSM_MODULE),
        ("SOFTHSM2_CONF", s.hsm.conf.to_str().unwrap()),
    ]);
    let error = host.fails(json!({"cmd": "read_certificate", "reader": s.bed.reader(0)}));
    assert_eq!(code(&error), "UNSUPPORTED_CARD", "{error}");
    assert_no_panic(&host);
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn doctor_lists_each_module_its_tokens_and_the_signing_certificate() {
    let s = softhsm_bed();
    let missing = "/opt/no-such-ca/lib/ca-pkcs11.so";
    let config = s.hsm.config(&s.bed.reader(0), &[]);
    let home = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(HOST)
        .args(["doctor", "--json", "--user", "--pkcs11-module", missing])
        .env("HOME", home.path())
        .env("EBID_HOST_PKCS11_CONFIG", &config)
        .env("SOFTHSM2_CONF", &s.hsm.conf)
        .env("PCSCLITE_CSOCK_NAME", s.bed.pcscd.socket_path())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    let modules: Vec<&serde_json::Value> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] == "pkcs11.module")
        .collect();
    assert_eq!(modules.len(), 2, "{report}");
    let softhsm = modules[0]["message_en"].as_str().unwrap();
    assert_eq!(modules[0]["ok"], true, "{report}");
    assert!(softhsm.contains("libsofthsm2.so loads"), "{softhsm}");
    assert!(softhsm.contains("token \"ebid-test\""), "{softhsm}");
    // The e-bidding certificate (id 01) signs; the CA certificate (id 02) is not even a candidate.
    let signing: Vec<&str> = softhsm.lines().filter(|l| l.contains("signs:")).collect();
    assert_eq!(signing.len(), 1, "{softhsm}");
    assert!(
        signing[0].contains("id 01") && signing[0].contains("non-repudiation"),
        "{softhsm}"
    );
    assert_eq!(modules[1]["ok"], false, "{report}");
    assert!(
        modules[1]["message_en"].as_str().unwrap().contains(missing),
        "{report}"
    );
    assert!(
        modules[1]["fix_ja"]
            .as_str()
            .unwrap()
            .contains("ミドルウェア"),
        "{report}"
    );
    // The card check goes through the same backend: the card is recognised as the module's.
    let recognised = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "card.recognised")
        .expect("card check");
    assert!(
        recognised["message_en"]
            .as_str()
            .unwrap()
            .contains("pkcs11:libsofthsm2.so"),
        "{recognised}"
    );
}
