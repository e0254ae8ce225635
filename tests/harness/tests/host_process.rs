//! HostProcess framing against a stand-in host (the `echo-host` binary of this package), so it is tested without
//! ebid-host.

use std::time::Duration;

use serde_json::json;
use test_harness::{HarnessError, HostOptions, HostProcess, DEFAULT_ORIGIN};

const WAIT: Duration = Duration::from_secs(5);

/// Says hello with its origin argument and pcscd socket, then answers every request with a response carrying its
/// id, preceded by an event; a request with `"cmd": "garbage"` gets a frame that is not JSON; `"cmd": "quit"`
/// exits with status 3 (src/bin/echo-host.rs).
fn fake_host() -> HostProcess {
    // HostOptions::new passes the caller argument as the real host needs it.
    let options = HostOptions::new(env!("CARGO_BIN_EXE_echo-host"), "/tmp/fake-pcscd.comm");
    HostProcess::spawn_with(&options).expect("echo-host runs")
}

#[test]
fn hello_request_response_and_events_are_framed_and_matched() {
    let mut host = fake_host();
    let hello = host.recv(WAIT).unwrap();
    assert_eq!(hello["type"], "hello");
    assert_eq!(hello["origin"], DEFAULT_ORIGIN);
    assert_eq!(hello["sock"], "/tmp/fake-pcscd.comm");

    let response = host.request(json!({"cmd": "list_readers"}), WAIT).unwrap();
    assert_eq!(response["type"], "response");
    assert_eq!(response["result"]["echo"]["cmd"], "list_readers");
    let second = host.request(json!({"cmd": "watch"}), WAIT).unwrap();
    assert_ne!(second["id"], response["id"]);
    // The events that came before each response were kept.
    assert_eq!(
        host.next_event(WAIT).unwrap()["event"]["name"],
        "pcsc_available"
    );
    assert_eq!(
        host.next_event(WAIT).unwrap()["event"]["name"],
        "pcsc_available"
    );
    assert!(matches!(
        host.next_event(Duration::from_millis(100)),
        Err(HarnessError::Timeout(_))
    ));
}

#[test]
fn raw_frames_and_bad_output_are_reported() {
    let mut host = fake_host();
    host.recv(WAIT).unwrap();
    host.send_frame(b"{not json").unwrap();
    assert_eq!(host.recv(WAIT).unwrap()["error"]["code"], "BAD_JSON");
    host.send(&json!({"id": 1, "cmd": "garbage"})).unwrap();
    assert!(matches!(host.recv(WAIT), Err(HarnessError::Protocol(_))));
    host.send(&json!({"id": 2, "cmd": "quit"})).unwrap();
    assert_eq!(host.wait_exit(WAIT).unwrap().code(), Some(3));
    assert!(matches!(host.recv(WAIT), Err(HarnessError::HostExited)));
}

#[test]
fn closing_stdin_ends_the_host() {
    let mut host = fake_host();
    host.recv(WAIT).unwrap();
    host.close_stdin();
    assert_eq!(host.wait_exit(WAIT).unwrap().code(), Some(0));
}
