//! The scripted stand-in for ebid-host that the extension's browser tests run (src/bin/fake-host.rs): its script
//! and modes, through the harness's HostProcess.

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use test_harness::{HostOptions, HostProcess, DEFAULT_ORIGIN};

const WAIT: Duration = Duration::from_secs(5);
const READER: &str = "Fake Reader 00 00";

fn fake_host(dir: &Path, mode: Value) -> HostProcess {
    std::fs::write(dir.join("mode.json"), mode.to_string()).unwrap();
    let options = HostOptions {
        exe: env!("CARGO_BIN_EXE_ebid-fake-host").into(),
        pcsc_socket: None,
        args: vec![DEFAULT_ORIGIN.into()],
        profile_dir: None,
        env: vec![(
            "EBID_FAKE_HOST_DIR".into(),
            dir.to_str().unwrap().to_owned(),
        )],
    };
    HostProcess::spawn_with(&options).unwrap()
}

fn logged(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("requests.log"))
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn sign(purpose: &str) -> Value {
    json!({"cmd": "sign_challenge", "reader": READER, "origin": "https://portal.example",
        "challenge": "Y2hhbGxlbmdl", "purpose": purpose})
}

#[test]
fn the_renewal_script_wrong_pin_then_the_card_swap() {
    let dir = tempfile::tempdir().unwrap();
    let mut host = fake_host(dir.path(), json!({}));
    let hello = host.recv(WAIT).unwrap();
    assert_eq!(
        hello,
        json!({"type": "hello", "version": "9.9.9-fake", "protocol": ebid_protocol::PROTOCOL_VERSION})
    );
    let readers = host.request(json!({"cmd": "watch"}), WAIT).unwrap();
    assert_eq!(readers["result"]["kind"], "watching");
    assert_eq!(readers["result"]["readers"][0]["name"], READER);

    let old = host
        .request(json!({"cmd": "read_certificate", "reader": READER}), WAIT)
        .unwrap();
    assert_eq!(old["result"]["certificate"], "T0xELUNFUlQ=");
    assert_eq!(old["result"]["summary"]["expired"], false);
    let status = host
        .request(json!({"cmd": "pin_status", "reader": READER}), WAIT)
        .unwrap();
    assert_eq!(
        (
            &status["result"]["tries_left"],
            &status["result"]["charset"]
        ),
        (&json!(3), &json!("digits"))
    );
    let wrong = host
        .request(
            json!({"cmd": "verify_pin", "reader": READER, "pin": "9999"}),
            WAIT,
        )
        .unwrap();
    assert_eq!(
        (&wrong["error"]["code"], &wrong["error"]["retries_left"]),
        (&json!("WRONG_PIN"), &json!(2))
    );
    let right = host
        .request(
            json!({"cmd": "verify_pin", "reader": READER, "pin": "1234"}),
            WAIT,
        )
        .unwrap();
    assert_eq!(right["result"]["kind"], "pin_verified");
    let signed = host.request(sign("renew_current"), WAIT).unwrap();
    assert_eq!(
        signed["result"],
        json!({"kind": "signature", "signature": "U0lHLQ==", "digest": "ZA==", "algorithm": "RS256"})
    );

    let removed = host.next_event(WAIT).unwrap();
    assert_eq!(removed["event"]["name"], "card_removed");
    let inserted = host.next_event(WAIT).unwrap();
    assert_eq!(
        inserted["event"],
        json!({"name": "card_inserted", "reader": READER, "atr": "3B01"})
    );
    let new = host
        .request(json!({"cmd": "read_certificate", "reader": READER}), WAIT)
        .unwrap();
    assert_eq!(new["result"]["certificate"], "TkVXLUNFUlQ=");
    let status = host
        .request(json!({"cmd": "pin_status", "reader": READER}), WAIT)
        .unwrap();
    assert_eq!(
        status["result"]["tries_left"], 3,
        "the new card's own tries"
    );
    assert_eq!(
        host.request(sign("renew_new"), WAIT).unwrap()["result"]["signature"],
        "U0lHKw=="
    );
    let unscripted = host
        .request(json!({"cmd": "forget", "reader": READER}), WAIT)
        .unwrap();
    assert_eq!(unscripted["error"]["code"], "UNKNOWN_COMMAND");

    host.close_stdin();
    assert_eq!(host.wait_exit(WAIT).unwrap().code(), Some(0));
    let log = logged(dir.path());
    let commands: Vec<&str> = log.iter().map(|r| r["cmd"].as_str().unwrap()).collect();
    assert_eq!(
        commands,
        [
            "watch",
            "read_certificate",
            "pin_status",
            "verify_pin",
            "verify_pin",
            "sign_challenge",
            "read_certificate",
            "pin_status",
            "sign_challenge",
            "forget"
        ]
    );
    assert_eq!(log[3]["pin"], "***");
    assert_eq!(log[5]["purpose"], "renew_current");
    assert_eq!(log[5]["origin"], "https://portal.example");
    assert!(!std::fs::read_to_string(dir.path().join("requests.log"))
        .unwrap()
        .contains("1234"));
    assert!(!dir.path().join("stdin_closed").exists());
}

#[test]
fn the_same_card_goes_back_in_before_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut host = fake_host(dir.path(), json!({"same_card_first": true}));
    host.recv(WAIT).unwrap();
    host.request(sign("renew_current"), WAIT).unwrap();
    let events: Vec<(Value, Value)> = (0..4)
        .map(|_| {
            let e = host.next_event(WAIT).unwrap();
            (e["event"]["name"].clone(), e["event"]["atr"].clone())
        })
        .collect();
    assert_eq!(
        events,
        [
            (json!("card_removed"), Value::Null),
            (json!("card_inserted"), json!("3B00")),
            (json!("card_removed"), Value::Null),
            (json!("card_inserted"), json!("3B01")),
        ]
    );
}

#[test]
fn modes_old_protocol_expired_card_pin_pad_blocked_pin() {
    let dir = tempfile::tempdir().unwrap();
    let mut host = fake_host(
        dir.path(),
        json!({"protocol": 0, "expired": true, "pin_pad": true}),
    );
    assert_eq!(host.recv(WAIT).unwrap()["protocol"], 0);
    let old = host
        .request(json!({"cmd": "read_certificate", "reader": READER}), WAIT)
        .unwrap();
    assert_eq!(old["result"]["summary"]["expired"], true);
    assert_eq!(
        old["result"]["summary"]["not_after"],
        "2020-01-01T00:00:00Z"
    );
    let readers = host.request(json!({"cmd": "list_readers"}), WAIT).unwrap();
    assert_eq!(readers["result"]["readers"][0]["pin_pad"], true);
    let on_the_pad = host
        .request(json!({"cmd": "verify_pin", "reader": READER}), WAIT)
        .unwrap();
    assert_eq!(on_the_pad["result"]["kind"], "pin_verified");
    for left in [2, 1] {
        let wrong = host
            .request(
                json!({"cmd": "verify_pin", "reader": READER, "pin": "0000"}),
                WAIT,
            )
            .unwrap();
        assert_eq!(wrong["error"]["retries_left"], left);
    }
    let blocked = host
        .request(
            json!({"cmd": "verify_pin", "reader": READER, "pin": "0000"}),
            WAIT,
        )
        .unwrap();
    assert_eq!(
        (&blocked["error"]["code"], &blocked["error"]["retries_left"]),
        (&json!("PIN_BLOCKED"), &json!(0))
    );
}

#[test]
fn hang_on_leaves_a_command_unanswered_and_marks_the_closed_port() {
    let dir = tempfile::tempdir().unwrap();
    let mut host = fake_host(dir.path(), json!({"hang_on": "sign_challenge"}));
    host.recv(WAIT).unwrap();
    assert!(host
        .request(sign("renew_current"), Duration::from_millis(300))
        .is_err());
    host.close_stdin();
    assert_eq!(host.wait_exit(WAIT).unwrap().code(), Some(0));
    assert!(dir.path().join("stdin_closed").exists());
    assert_eq!(logged(dir.path())[0]["cmd"], "sign_challenge");
}

#[test]
fn silent_says_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut host = fake_host(dir.path(), json!({"silent": true}));
    assert!(host.recv(Duration::from_millis(500)).is_err());
    host.kill();
}
