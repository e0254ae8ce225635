//! HostProcess framing against a stand-in host (a short Python script), so it is tested without ebid-host.

use std::time::Duration;

use serde_json::json;
use test_harness::{HarnessError, HostOptions, HostProcess, DEFAULT_ORIGIN};

const WAIT: Duration = Duration::from_secs(5);

/// Says hello, then answers every request with a response carrying its id, preceded by an event; a request
/// with `"cmd": "garbage"` gets a frame that is not JSON; `"cmd": "quit"` exits with status 3.
const FAKE_HOST: &str = r#"
import json, os, struct, sys
inp, out = sys.stdin.buffer, sys.stdout.buffer
def send(payload):
    out.write(struct.pack("=I", len(payload)) + payload); out.flush()
send(json.dumps({"type": "hello", "protocol": 1, "origin": sys.argv[1], "sock": os.environ.get("PCSCLITE_CSOCK_NAME")}).encode())
while True:
    head = inp.read(4)
    if len(head) < 4: sys.exit(0)
    (n,) = struct.unpack("=I", head)
    body = inp.read(n)
    try:
        req = json.loads(body)
    except Exception:
        send(json.dumps({"type": "error", "id": None, "error": {"code": "BAD_JSON"}}).encode()); continue
    if req.get("cmd") == "quit": sys.exit(3)
    if req.get("cmd") == "garbage": send(b"not json"); continue
    send(json.dumps({"type": "event", "event": {"name": "pcsc_available"}}).encode())
    send(json.dumps({"type": "response", "id": req.get("id"), "result": {"echo": req}}).encode())
"#;

fn fake_host() -> HostProcess {
    let mut options = HostOptions::new("python3", "/tmp/fake-pcscd.comm");
    // The caller argument as the real host needs it (HostOptions::new passes it too).
    options.args = vec!["-c".into(), FAKE_HOST.into(), DEFAULT_ORIGIN.into()];
    HostProcess::spawn_with(&options).expect("python3 runs")
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
