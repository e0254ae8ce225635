//! Bad frames: typed errors and serving on, or the exit codes of a broken stream.

use ebid_protocol::framing::{encode_frame, length_prefix};
use serde_json::json;

use crate::common::*;

#[test]
fn bad_frames_get_typed_errors_and_the_host_serves_on() {
    let bed = bed(1);
    let mut host = bed.host();

    host.process.send_frame(b"{ this is not json").unwrap();
    let answer = host.process.recv(WAIT).unwrap();
    assert_eq!(
        (answer["type"].as_str(), code(&answer["error"])),
        (Some("error"), "BAD_REQUEST")
    );

    host.process
        .send_frame(br#"{"id": 41, "cmd": "format_card"}"#)
        .unwrap();
    let answer = host.process.recv(WAIT).unwrap();
    assert_eq!(
        (answer["id"].as_u64(), code(&answer["error"])),
        (Some(41), "UNKNOWN_COMMAND")
    );

    host.process
        .send_frame(br#"{"id": 42, "cmd": "verify_pin"}"#)
        .unwrap();
    let answer = host.process.recv(WAIT).unwrap();
    assert_eq!(
        (answer["id"].as_u64(), code(&answer["error"])),
        (Some(42), "BAD_REQUEST")
    );

    let oversized = vec![b' '; ebid_protocol::MAX_REQUEST_BYTES + 10];
    host.process.send_frame(&oversized).unwrap();
    let answer = host.process.recv(WAIT).unwrap();
    assert_eq!(code(&answer["error"]), "TOO_LARGE");

    host.ok(json!({"cmd": "list_readers"}));
    host.process.close_stdin();
    let status = host.process.wait_exit(WAIT).unwrap();
    assert_eq!(status.code(), Some(0), "EOF between frames is a clean exit");
    assert_no_panic(&host);
}

#[test]
fn a_truncated_frame_ends_the_host_with_its_own_exit_code() {
    let bed = bed(1);
    let mut host = bed.host();
    let body = br#"{"id":1,"cmd":"list_readers"}"#;
    let mut frame = encode_frame(body).unwrap();
    frame.truncate(4 + 10);
    host.process.send_raw(&frame).unwrap();
    host.process.close_stdin();
    let status = host.process.wait_exit(WAIT).unwrap();
    assert_eq!(status.code(), Some(2));
    assert_no_panic(&host);

    // A cut inside the length prefix too.
    let mut host = bed.host();
    host.process.send_raw(&[7, 0]).unwrap();
    host.process.close_stdin();
    assert_eq!(host.process.wait_exit(WAIT).unwrap().code(), Some(2));
    assert_no_panic(&host);
}

#[test]
fn an_absurd_length_is_answered_then_the_host_leaves() {
    let bed = bed(1);
    let mut host = bed.host();
    host.process.send_raw(&length_prefix(u32::MAX)).unwrap();
    let answer = host.process.recv(WAIT).unwrap();
    assert_eq!(code(&answer["error"]), "TOO_LARGE");
    let status = host.process.wait_exit(WAIT).unwrap();
    assert_eq!(status.code(), Some(3));
    assert_no_panic(&host);
}

#[test]
fn a_known_command_with_a_wrong_field_is_a_bad_request_naming_the_field() {
    let bed = bed(1);
    let mut host = bed.host();
    let reader = bed.reader(0);

    // Once UNKNOWN_COMMAND "unknown command sign_challenge", which sent help desks looking for a version mismatch.
    let error = host.fails(sign_challenge(
        &reader,
        ORIGIN,
        &challenge(32),
        "exfiltrate",
    ));
    assert_eq!(code(&error), "BAD_REQUEST", "{error}");
    assert_eq!(
        error["detail"],
        "`sign_challenge`: `purpose` has the wrong type or value"
    );

    let error = host.fails(json!({"cmd": "verify_pin", "reader": reader, "pin": 73914562}));
    assert_eq!(code(&error), "BAD_REQUEST", "{error}");
    assert_eq!(
        error["detail"],
        "`verify_pin`: `pin` has the wrong type or value"
    );
    let error = host.fails(json!({"cmd": "pin_status"}));
    assert_eq!(
        (code(&error), error["detail"].as_str()),
        ("BAD_REQUEST", Some("`pin_status`: `reader` is missing"))
    );

    let error = host.fails(json!({"cmd": "sign_challenge_v2", "reader": reader}));
    assert_eq!(code(&error), "UNKNOWN_COMMAND", "{error}");
    assert_no_panic(&host);
}
