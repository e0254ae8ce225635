//! `echo-host`: a stand-in host for testing [`test_harness::HostProcess`] itself (tests/host_process.rs), without
//! ebid-host or a card. Frames come from the protocol crate's codec; the bodies are free-form JSON, so the harness
//! is seen to handle messages whatever their schema.
//!
//! It says hello with its first argument (`origin`) and `PCSCLITE_CSOCK_NAME` (`sock`), then answers every request
//! with a `response` carrying its id and the request (`result.echo`), preceded by a `pcsc_available` event. A body
//! that is not JSON gets an error with code `BAD_JSON`; `"cmd": "garbage"` gets a frame that is not JSON;
//! `"cmd": "quit"` exits with status 3; the end of stdin exits with 0.

use std::io::{self, Write};
use std::process::ExitCode;

use ebid_protocol::framing::{read_frame, write_frame, Inbound};
use serde_json::{json, Value};

fn send(out: &mut impl Write, message: &Value) -> io::Result<()> {
    write_frame(out, message.to_string().as_bytes())
}

fn main() -> io::Result<ExitCode> {
    let (mut input, mut out) = (io::stdin().lock(), io::stdout().lock());
    let origin = std::env::args().nth(1);
    let sock = std::env::var("PCSCLITE_CSOCK_NAME").ok();
    send(
        &mut out,
        &json!({"type": "hello", "protocol": 1, "origin": origin, "sock": sock}),
    )?;
    while let Ok(Inbound::Frame(body)) = read_frame(&mut input, usize::MAX) {
        let Ok(request) = serde_json::from_slice::<Value>(&body) else {
            send(
                &mut out,
                &json!({"type": "error", "id": null, "error": {"code": "BAD_JSON"}}),
            )?;
            continue;
        };
        match request.get("cmd").and_then(Value::as_str) {
            Some("quit") => return Ok(ExitCode::from(3)),
            Some("garbage") => write_frame(&mut out, b"not json")?,
            _ => {
                send(
                    &mut out,
                    &json!({"type": "event", "event": {"name": "pcsc_available"}}),
                )?;
                send(
                    &mut out,
                    &json!({"type": "response", "id": request.get("id"), "result": {"echo": request}}),
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
