//! The `testbed` binary end to end: its JSON line, the control API, and a clean exit on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

fn http(control: &str, method: &str, path: &str) -> (u16, Value) {
    let address = control.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    write!(stream, "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let status = text[9..12].parse().unwrap();
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[test]
fn testbed_inserts_removes_and_tears_down_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_testbed"))
        .args(["--readers", "1", "--insert", "old=0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let hello: Value = serde_json::from_str(&line).unwrap();
    let control = hello["control"].as_str().unwrap().to_string();
    let socket = std::path::PathBuf::from(hello["socket"].as_str().unwrap());
    assert!(socket.exists());
    assert_eq!(hello["readers"][1], "Virtual Reader 1 00 01");

    let (status, readers) = http(&control, "GET", "/readers");
    assert_eq!(status, 200);
    assert_eq!(readers[0]["card_present"], true);
    assert_eq!(readers[0]["atr"], "3B8580018073000040B7");

    assert_eq!(http(&control, "POST", "/insert?card=jpki&slot=1").0, 200);
    assert_eq!(http(&control, "POST", "/insert?card=new&slot=1").0, 409);
    assert_eq!(http(&control, "POST", "/insert?card=nope&slot=1").0, 404);
    let (_, cards) = http(&control, "GET", "/cards");
    let jpki = cards
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "jpki")
        .unwrap();
    assert_eq!(
        (jpki["slot"].as_u64(), jpki["pin"].as_str()),
        (Some(1), Some("ABC123"))
    );
    assert_eq!(jpki["sha256_fingerprint"].as_str().map(str::len), Some(64));
    assert_eq!(
        http(&control, "POST", "/remove?slot=1").1["removed"],
        "jpki"
    );
    let (_, readers) = http(&control, "GET", "/readers");
    assert_eq!(readers[1]["card_present"], false);

    let pid = child.id() as i32;
    // SAFETY: signalling our own child.
    unsafe {
        libc::kill(pid, libc::SIGTERM);
    }
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    assert!(!socket.exists(), "pcscd's temp dir is gone");
}

#[test]
fn testbed_exits_when_stdin_closes() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_testbed"))
        .args(["--readers", "1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
}
